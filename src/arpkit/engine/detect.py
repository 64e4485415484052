"""Recognise what kind of return a file is from its content, never its name.

Each reader class knows its own format (``Reader.sniff``); this module asks them in a fixed
order and groups the SSDA903 tables of one return (several CSVs) into a single read.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from arpkit.engine.errors import InputError, Problem, Severity
from arpkit.engine.records import Reader, ReadSettings

#: (module, class) of every reader, in the order they are asked.  The case-system extract is
#: last: it only claims a CSV when a mapping file is given and its columns match.
READERS: tuple[tuple[str, str], ...] = (
    ("arpkit.engine.readers.cin_census", "CinCensusReader"),
    ("arpkit.engine.readers.ssda903", "Ssda903Reader"),
    ("arpkit.engine.readers.annex_a", "AnnexAReader"),
    ("arpkit.engine.readers.population", "OnsEthnicityByAgeReader"),
    ("arpkit.engine.readers.population", "SchoolCensusReader"),
    ("arpkit.engine.readers.population", "PopulationReader"),
    ("arpkit.engine.readers.case_extract", "CaseExtractReader"),
)

HEAD_BYTES = 65_536
EXPECTED = (
    "a CIN census XML file, SSDA903 CSV tables (or EXPSSDA903 XML), an Ofsted Annex A workbook "
    "(.xlsx), a population CSV, or a case-system extract CSV with --mapping"
)


def reader_classes() -> list[type[Reader]]:
    out = []
    for module, name in READERS:
        out.append(getattr(importlib.import_module(module), name))
    return out


@dataclass
class Detected:
    reader_class: type[Reader]
    paths: list[Path] = field(default_factory=list)

    @property
    def kind(self) -> str:
        return self.reader_class.kind


def expand(paths: Iterable[Path | str]) -> list[tuple[Path, bool]]:
    """Files named on the command line, each with whether it was named (True) or found by
    walking a folder (False); hidden files in folders are skipped."""
    files: list[tuple[Path, bool]] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(
                (f, False) for f in sorted(p.rglob("*"))
                if f.is_file() and not any(part.startswith(".") for part in f.relative_to(p).parts)
            )
        else:
            files.append((p, True))
    return files


def detect_one(path: Path, settings: ReadSettings) -> type[Reader] | Problem:
    """The reader class for one file, or a Problem saying why none fits."""
    if not path.exists():
        return Problem(str(path), "", "", None, "file not found")
    try:
        with path.open("rb") as fh:
            head = fh.read(HEAD_BYTES)
    except OSError as exc:
        return Problem(str(path), "", "", None, f"cannot be read: {exc.strerror or exc}")
    if not head.strip():
        return Problem(str(path), "", "", None, "is empty")
    for cls in reader_classes():
        try:
            if _sniff(cls, path, head, settings):
                return cls
        except Exception:  # a sniff that chokes on another format's bytes is a "no"
            continue
    return Problem(str(path), "", "", None,
                   f"is not a kind of file arpkit knows; expected {EXPECTED}")


def _sniff(cls: type[Reader], path: Path, head: bytes, settings: ReadSettings) -> bool:
    # The case-extract reader needs the mapping to decide; others only look at bytes.
    try:
        return bool(cls.sniff(path, head, settings))  # type: ignore[call-arg]
    except TypeError:
        return bool(cls.sniff(path, head))


def detect(paths: Sequence[Path | str], settings: ReadSettings,
           skipped: list[Problem] | None = None) -> list[Detected]:
    """Group files into reads.  All SSDA903 tables in one folder form one return.

    A file named explicitly that is not a return is an error; one found by walking a folder is
    skipped, with a warning appended to ``skipped``."""
    problems: list[Problem] = []
    skipped = skipped if skipped is not None else []
    groups: dict[tuple[str, str], Detected] = {}
    singles: list[Detected] = []
    for path, named in expand(paths):
        found = detect_one(path, settings)
        if isinstance(found, Problem):
            if named:
                problems.append(found)
            else:  # a folder may hold notes, truth files, etc.: skip them, but say so
                skipped.append(Problem(found.file, "", "", None, f"skipped: {found.message}",
                                       Severity.WARNING))
            continue
        if found.kind == "ssda903" and path.suffix.lower() != ".xml":
            key = (found.kind, str(path.parent.resolve()))
            groups.setdefault(key, Detected(found)).paths.append(path)
        else:
            singles.append(Detected(found, [path]))
    if problems:
        raise InputError(problems, summary=f"{len(problems)} file(s) could not be recognised; "
                                           "nothing was imported")
    order = {"cin_census": 0, "ssda903": 1, "annex_a": 2, "case_extract": 3, "population": 4}
    return sorted([*singles, *groups.values()], key=lambda d: order.get(d.kind, 9))
