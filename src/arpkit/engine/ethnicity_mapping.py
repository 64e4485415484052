"""The authority's own ethnicity mapping decisions: a versioned YAML file with its history.

The shipped table (``arpkit/data/ethnicity_labels.yml``) cannot know every label a case system
produces.  When the import report lists an unrecognised label, an analyst decides what it means
(``arpkit ethnicity map LABEL CODE``, or by editing this file) and the next import applies the
decision: :class:`~arpkit.engine.ethnicity.EthnicityNormaliser` reads these overrides and lets
them win over the shipped defaults.  Every decision records who made it and when, and the file
carries a version number, so a published rate can say which mapping it used (methods.md §6.1)
and a reviewer can see why a label maps where it does (the ethnicity-quality issue).

File layout::

    version: 2
    mappings:
      XXXX: NOBT
      Asian or Asian British - Sikh: AOTH
    history:
      - {version: 1, label: XXXX, code: OOTH, previous: null, by: asmith,
         at: '2025-05-01T09:30:00+00:00', note: first guess}
      - {version: 2, label: XXXX, code: NOBT, previous: OOTH, by: bjones,
         at: '2025-05-02T14:00:00+00:00', note: system placeholder for 'not asked'}

Labels match the way the normaliser matches them (case, spacing and punctuation ignored: see
:func:`~arpkit.engine.ethnicity.label_key`).  A decision maps a label to one of the 20 DfE codes
only; REFU and NOBT are allowed because "refused" and "not yet obtained" are decisions an analyst
can make, and a top-level group is not, because the warehouse stores codes.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import DFE_CODES, label_key

#: Environment variable naming the overrides file.
ENV_MAPPING = "ARPKIT_ETHNICITY_MAP"
#: File used when the environment variable is not set (relative to the working directory).
DEFAULT_FILE = "arpkit-ethnicity-map.yml"


def default_path() -> Path:
    """``$ARPKIT_ETHNICITY_MAP`` if set, else ``./arpkit-ethnicity-map.yml``."""
    return Path(os.environ.get(ENV_MAPPING) or DEFAULT_FILE)


@dataclass
class Overrides:
    """The contents of one overrides file.  ``version`` 0 means no decision yet (no file)."""

    path: Path
    version: int = 0
    mappings: dict[str, str] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    def code_for(self, label: str) -> str | None:
        """The decided code for ``label`` (matched as the normaliser matches), or None."""
        key = label_key(label)
        for known, code in self.mappings.items():
            if label_key(known) == key:
                return code
        return None

    @property
    def unrecorded(self) -> list[str]:
        """Labels whose current mapping has no matching history entry: someone edited the
        file by hand.  Still applied, but the lead or the report should ask who decided."""
        latest: dict[str, str] = {}
        for entry in self.history:
            latest[label_key(str(entry.get("label", "")))] = str(entry.get("code"))
        return [label for label, code in self.mappings.items()
                if latest.get(label_key(label)) != code]


def check_code(code: object, *, where: str = "") -> str:
    """A DfE ethnicity code in capitals, or a :class:`ConfigError` that lists the valid ones."""
    text = str(code).strip().upper() if isinstance(code, str) else None
    if text not in DFE_CODES:
        place = f"{where}: " if where else ""
        raise ConfigError(
            f"{place}{code!r} is not a DfE ethnicity code; use one of "
            f"{', '.join(DFE_CODES)} (REFU = refused, NOBT = information not yet obtained)")
    return text


def load_overrides(path: Path | str) -> Overrides:
    """Read and check an overrides file.  A missing file is an empty mapping (version 0), so
    the first decision creates it.  Every problem in the file is reported at once, naming the
    file, the label and the value."""
    path = Path(path)
    if not path.exists():
        return Overrides(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read the ethnicity mapping file {path}: {exc}") from None
    if data is None:
        return Overrides(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected keys version, mappings and history at the top")
    problems: list[str] = []
    version = data.get("version", 0)
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        problems.append(f"version {version!r} is not a whole number")
        version = 0
    mappings: dict[str, str] = {}
    seen: dict[str, str] = {}
    raw = data.get("mappings") or {}
    if not isinstance(raw, dict):
        problems.append("mappings must be 'label: CODE' lines")
        raw = {}
    for label, code in raw.items():
        if not isinstance(label, str) or not label_key(label):
            problems.append(f"mappings: label {label!r} is not text; put it in quotes "
                            "(YAML reads unquoted no/yes/0 as other types)")
            continue
        try:
            checked = check_code(code, where=f"mappings: label {label!r}")
        except ConfigError as exc:
            problems.append(str(exc))
            continue
        key = label_key(label)
        if key in seen and mappings[seen[key]] != checked:
            problems.append(f"mappings: {seen[key]!r} and {label!r} are the same label "
                            f"but map to {mappings[seen[key]]} and {checked}")
            continue
        seen[key] = label
        mappings[label] = checked
    history = data.get("history") or []
    if not isinstance(history, list) or not all(isinstance(h, dict) for h in history):
        problems.append("history must be a list of entries")
        history = []
    if problems:
        raise ConfigError(f"the ethnicity mapping file {path} cannot be used:\n  "
                          + "\n  ".join(problems))
    return Overrides(path, version, mappings, list(history))


def record_decision(path: Path | str, label: str, code: str, *, by: str,
                    note: str | None = None, when: dt.datetime | None = None) -> Overrides:
    """Record that ``label`` means ``code``: validate, bump the version, append to the history
    and write the file atomically (temporary file in the same folder, then ``os.replace``), so a
    crash or a concurrent reader never sees half a file.  Returns the new contents."""
    path = Path(path)
    code = check_code(code)
    clean = " ".join(str(label).split()) if label is not None else ""
    if not label_key(clean):
        raise ConfigError(f"the label to map is empty: {label!r}")
    if not by or not str(by).strip():
        raise ConfigError("say who made the decision (by=...)")
    when = when or dt.datetime.now(dt.UTC)
    current = load_overrides(path)
    key = label_key(clean)
    previous = None
    mappings: dict[str, str] = {}
    for known, old in current.mappings.items():
        if label_key(known) == key:
            previous = old
        else:
            mappings[known] = old
    mappings[clean] = code
    version = current.version + 1
    entry = {"version": version, "label": clean, "code": code, "previous": previous,
             "by": str(by).strip(), "at": when.isoformat(), "note": note}
    new = Overrides(path, version, mappings, [*current.history, entry])
    _write(new)
    return new


def history(path: Path | str) -> list[dict[str, Any]]:
    """Every recorded decision, oldest first (in version order)."""
    entries = load_overrides(path).history
    return sorted(entries, key=lambda h: (h.get("version") or 0))


def _write(ov: Overrides) -> None:
    data = {"version": ov.version, "mappings": ov.mappings, "history": ov.history}
    header = ("# arpkit ethnicity mapping decisions for this authority (local overrides).\n"
              "# Edit with `arpkit ethnicity map LABEL CODE` so each change is versioned and\n"
              "# attributed; hand edits are applied but show up as unrecorded.\n")
    text = header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
    ov.path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{ov.path.name}.", suffix=".tmp", dir=ov.path.parent)
    try:
        os.chmod(tmp, _mode_for(ov.path))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, ov.path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (mkstemp would
    leave it readable by its creator only, hiding the team's decisions from colleagues)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
