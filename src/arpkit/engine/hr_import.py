"""Import an HR extract set into the warehouse: read, pseudonymise, write - in ONE transaction.

Why the same guarantees as the statutory-return importer (``importer.py``): HR data about
ethnicity, discipline and grievances is special-category and sensitive, so

* every file of the set lands, or none does (one DuckDB transaction; any error anywhere rolls
  it back and every problem in every file is reported together);
* staff and applicant ids become keyed HMACs (``pseudonymise.py``) in a domain of their own: the
  message is ``la_code US "staff" US id`` (``"applicant"`` for applicants), and keys are stored
  with an ``st-``/``ap-`` prefix, so a staff key can never equal a child key (child messages are
  ``la_code US id`` and child ids cannot hold the separator) nor a child key's text;
* no name, date of birth or free text is stored: the reader never reads unmapped columns, and
  stage/outcome fields are controlled vocabularies;
* re-importing the same files (same SHA-256 of the set and of the mapping) is a no-op; a changed
  set for the same authority replaces the previous HR import in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from arpkit.engine import warehouse as wh
from arpkit.engine.errors import ConfigError, InputError, Problem, Severity
from arpkit.engine.la_codes import canonical_la_code
from arpkit.engine.pseudonymise import Pseudonymiser
from arpkit.engine.readers.hr_extract import HRMapping, read_hr_extract
from arpkit.engine.records import ReadSettings

KIND = "hr_extract"
STAFF_PREFIX, APPLICANT_PREFIX = "st-", "ap-"
_SEP = "\x1f"

#: HR tables, in the order they are written.
HR_TABLES: tuple[str, ...] = ("staff", "staff_applications", "staff_disciplinary",
                              "staff_grievances", "staff_training", "staff_population")


def staff_key(pseudo: Pseudonymiser, la_code: str, staff_id: str) -> str:
    """The pseudonymous key of a member of staff (see the module docstring for the domain)."""
    return STAFF_PREFIX + pseudo.key_for(la_code, f"staff{_SEP}{staff_id}")


def application_key(pseudo: Pseudonymiser, la_code: str, applicant_id: str,
                    vacancy: str | None) -> str:
    """One application: the applicant within the vacancy (an applicant may apply for several)."""
    return APPLICANT_PREFIX + pseudo.key_for(
        la_code, f"applicant{_SEP}{applicant_id}{_SEP}{vacancy or ''}")


@dataclass
class HRImportSummary:
    import_id: str | None
    la_code: str
    unchanged: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    replaced: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _digest(paths: list[Path]) -> tuple[str, dict[Path, str]]:
    hashes = {}
    for p in paths:
        h = hashlib.sha256()
        with p.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        hashes[p] = h.hexdigest()
    combined = hashlib.sha256("\n".join(sorted(hashes.values())).encode()).hexdigest()
    return combined, hashes


def import_hr(mapping: Path | str | HRMapping, *, la_code: str,
              files: Mapping[str, Path] | None = None, folder: Path | None = None,
              warehouse: str | Path | None = None, settings: ReadSettings | None = None,
              imported_by: str | None = None,
              pseudonymiser: Pseudonymiser | None = None) -> HRImportSummary:
    """Import an HR extract set (see :func:`read_hr_extract` for ``files``/``folder``).

    Raises :class:`InputError` naming every problem (file, row, field) and changes nothing if
    any file has an error.
    """
    la = canonical_la_code(la_code)
    extract = read_hr_extract(mapping, files, folder=folder, settings=settings)
    problems = extract.problems
    if problems.has_errors:
        raise InputError(problems.problems, truncated=problems.truncated, summary=(
            f"{problems.error_count} problem(s) found in the HR extract; nothing was imported "
            "(the warehouse is unchanged)"))
    warnings = [p for p in problems.problems if p.severity is Severity.WARNING]
    paths = [extract.mapping.path, *extract.files.values()]
    combined, hashes = _digest(paths)
    pseudo = pseudonymiser or Pseudonymiser()
    frames = _frames(extract, la, pseudo)
    import_id = uuid.uuid4().hex
    summary = HRImportSummary(import_id, la, warnings=warnings,
                              rows={t: len(f) for t, f in frames.items()})
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with wh.open_duckdb(warehouse) as con:
        same = con.execute(
            "SELECT import_id FROM imports WHERE status = 'current' AND kind = ? AND sha256 = ? "
            "AND la_code = ?", [KIND, combined, la]).fetchall()
        if same:
            return HRImportSummary(same[0][0], la, unchanged=True, warnings=warnings)
        cur = con.cursor()
        cur.execute("BEGIN TRANSACTION")
        try:
            olds = [r[0] for r in cur.execute(
                "SELECT import_id FROM imports WHERE status = 'current' AND kind = ? AND "
                "la_code = ?", [KIND, la]).fetchall()]
            for old in olds:
                for table in HR_TABLES:
                    cur.execute(f"DELETE FROM {table} WHERE import_id = ?", [old])
                cur.execute("UPDATE imports SET status = 'superseded', replaced_by = ? "
                            "WHERE import_id = ?", [import_id, old])
            for table, frame in frames.items():
                if frame.empty:
                    continue
                frame = frame.assign(import_id=import_id)[[c for c, _ in wh.TABLES[table]]]
                cur.register("incoming", frame)
                cur.execute(f"INSERT INTO {table} SELECT * FROM incoming")
                cur.unregister("incoming")
            names = ", ".join(p.name for p in paths)
            cur.execute(
                "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, 'current', NULL)",
                [import_id, uuid.uuid4().hex, names, combined, KIND, la,
                 sum(len(f) for f in frames.values()), now, imported_by or _whoami()])
            for p, digest in hashes.items():
                cur.execute("INSERT INTO import_files VALUES (?, ?, ?, ?)",
                            [import_id, p.name, digest, p.stat().st_size])
            cur.execute("COMMIT")
        except BaseException:
            cur.execute("ROLLBACK")
            raise
    summary.replaced = olds
    return summary


def _frames(extract, la: str, pseudo: Pseudonymiser) -> dict[str, pd.DataFrame]:
    """Warehouse rows per HR table (ids replaced by keys; nothing else identifying kept)."""
    rows = extract.rows
    grades = extract.mapping.grades
    rank = {g: i + 1 for i, g in enumerate(grades)} if grades else {}
    out: dict[str, pd.DataFrame] = {}
    ethnicity: dict[object, tuple[str | None, str]] = {}
    for r in rows.get("staff", []):  # the first recorded answer of a person's rows wins
        known = ethnicity.get(r["id"])
        if known is None or known[1] == "NOT_OBTAINED":
            ethnicity[r["id"]] = r["ethnicity"]  # type: ignore[assignment]
    out["staff"] = pd.DataFrame({
        "staff_key": [staff_key(pseudo, la, str(r["id"])) for r in rows.get("staff", [])],
        "la_code": la,
        "ethnicity_category": [ethnicity[r["id"]][0] for r in rows.get("staff", [])],
        "ethnicity_group": [ethnicity[r["id"]][1] for r in rows.get("staff", [])],
        "grade": [r.get("grade") for r in rows.get("staff", [])],
        "grade_rank": pd.array([rank.get(r.get("grade")) for r in rows.get("staff", [])],
                               dtype="Int32"),
        "team": [r.get("team") for r in rows.get("staff", [])],
        "role": [r.get("role") for r in rows.get("staff", [])],
        "start_date": [r["start_date"] for r in rows.get("staff", [])],
        "leave_date": [r.get("leave_date") for r in rows.get("staff", [])],
    })
    apps = rows.get("recruitment", [])
    out["staff_applications"] = pd.DataFrame({
        "application_key": [application_key(pseudo, la, str(r["id"]), r.get("vacancy"))
                            for r in apps],  # type: ignore[arg-type]
        "la_code": la,
        "ethnicity_category": [r["ethnicity"][0] for r in apps],  # type: ignore[index]
        "ethnicity_group": [r["ethnicity"][1] for r in apps],  # type: ignore[index]
        "application_date": [r["date"] for r in apps],
        "shortlisted": pd.array([bool(r["shortlisted"]) for r in apps], dtype="boolean"),
        "appointed": pd.array([bool(r["appointed"]) for r in apps], dtype="boolean"),
        "grade": [r.get("grade") for r in apps],
        "team": [r.get("team") for r in apps],
    })
    for kind, table, extra in (("disciplinary", "staff_disciplinary", ("formal", "stage",
                                                                       "outcome")),
                               ("grievances", "staff_grievances", ("stage", "outcome")),
                               ("training", "staff_training", ("mandatory",))):
        data = rows.get(kind, [])
        frame = {"staff_key": [staff_key(pseudo, la, str(r["id"])) for r in data],
                 "la_code": la}
        date_col = "training_date" if kind == "training" else "case_date"
        frame[date_col] = [r["date"] for r in data]
        for name in extra:
            values = [r.get(name) for r in data]
            frame[name] = (pd.array([bool(v) for v in values], dtype="boolean")
                           if name in ("formal", "mandatory") else values)
        out[table] = pd.DataFrame(frame)
    pop = rows.get("population", [])
    source = extract.mapping.sections["population"].source if pop else None
    out["staff_population"] = pd.DataFrame({
        "la_code": la,
        "ethnicity_category": [r["ethnicity"][0] for r in pop],  # type: ignore[index]
        "ethnicity_group": [r["ethnicity"][1] for r in pop],  # type: ignore[index]
        "population": pd.array([r["population"] for r in pop], dtype="Int64"),
        "source": source,
    })
    return out


def _whoami() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


def check_la(la_code: str | None) -> str:
    """HR extracts carry no authority code: ``--la`` is required."""
    if not la_code:
        raise ConfigError("an HR extract carries no authority code: pass --la CODE")
    return canonical_la_code(la_code)
