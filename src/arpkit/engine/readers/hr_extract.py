"""HR extract reader: CSV files plus one YAML mapping, so any HR system's reports load without
code (modelled on the case-system extract reader, ``case_extract.py``).

An HR extract set is up to six CSV files, each optional except ``staff``:

* ``staff`` - one row per person or per post held (start and leave dates, grade, team, role);
* ``recruitment`` - one row per application (shortlisted? appointed?);
* ``disciplinary`` - one row per case (date, formal or informal, stage, outcome);
* ``grievances`` - one row per grievance (date, stage, outcome);
* ``training`` - one row per attendance (date, mandatory or not);
* ``population`` - the comparison population by ethnicity (e.g. Census 2021 residents of
  working age), for representation against the population.

The mapping names each file and says which column is which arpkit field, and how local labels
become arpkit values (``values:`` maps).  An annotated example is in
``docs/examples/hr_extract/``; ``docs/workforce.md`` explains every key.

Rules (as the case-system reader): the mapping is checked first and every problem names the YAML
key; every cell problem names file, row, column and value; dates use the mapping's format, never
a guess; columns not named in the mapping are never read (names, dates of birth and free text in
an HR report are ignored, so they never reach the warehouse).  Controlled fields (stage,
outcome) must map to arpkit's vocabularies below, so no free text is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from arpkit.engine.errors import ConfigError, ProblemLog, Severity
from arpkit.engine.readers.mapping import MappingParser, read_mapping_file, suggest
from arpkit.engine.readers.mapping import text as _text
from arpkit.engine.readers.population import CsvRow, fold, read_csv_table
from arpkit.engine.records import ReadSettings
from arpkit.engine.staff_ethnicity import STAFF_CATEGORIES, StaffEthnicityNormaliser
from arpkit.engine.values import clean_identifier, clean_text, parse_bool

# ------------------------------------------------------------------------------------------
# Vocabularies (stored values; a values map turns local labels into these)
# ------------------------------------------------------------------------------------------

DISCIPLINARY_STAGES: tuple[str, ...] = ("investigation", "hearing", "appeal")
#: Outcomes of a disciplinary case.  ``no_case_to_answer`` is the one good outcome for the member
#: of staff; ``ongoing`` is not an outcome and is left out of outcome indicators.
DISCIPLINARY_OUTCOMES: tuple[str, ...] = (
    "no_case_to_answer", "management_advice", "written_warning", "final_written_warning",
    "dismissal", "resigned", "ongoing",
)
GRIEVANCE_STAGES: tuple[str, ...] = ("informal", "formal", "hearing", "appeal")
GRIEVANCE_OUTCOMES: tuple[str, ...] = ("upheld", "partially_upheld", "not_upheld", "withdrawn",
                                       "ongoing")

#: Every kind of file, its required and optional fields.
KINDS: tuple[str, ...] = ("staff", "recruitment", "disciplinary", "grievances", "training",
                          "population")
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # kind: (required fields, optional fields)
    "staff": (("id", "ethnicity", "start_date"), ("grade", "team", "role", "leave_date")),
    "recruitment": (("id", "ethnicity", "date", "shortlisted", "appointed"),
                    ("vacancy", "grade", "team")),
    "disciplinary": (("id", "date", "formal"), ("stage", "outcome")),
    "grievances": (("id", "date"), ("stage", "outcome")),
    "training": (("id", "date", "mandatory"), ()),
    "population": (("ethnicity", "population"), ()),
}
TOP_KEYS: tuple[str, ...] = ("version", "system", "description", "date_format", "grades",
                             *KINDS)
SECTION_KEYS: tuple[str, ...] = ("file", "source")  # besides the fields

_DATES = frozenset({"start_date", "leave_date", "date"})
_BOOLS = frozenset({"shortlisted", "appointed", "formal", "mandatory"})
_TEXT = frozenset({"grade", "team", "role"})
_IDS = frozenset({"id", "vacancy"})
_MIDNIGHT = re.compile(r"\s+00:00(?::00)?$")


def vocabulary(kind: str, name: str) -> tuple[str, ...] | None:
    """The values a controlled field accepts (None for a field that is not controlled)."""
    if name == "stage":
        return DISCIPLINARY_STAGES if kind == "disciplinary" else GRIEVANCE_STAGES
    if name == "outcome":
        return DISCIPLINARY_OUTCOMES if kind == "disciplinary" else GRIEVANCE_OUTCOMES
    if name == "ethnicity":
        return tuple(STAFF_CATEGORIES)
    return None


# ------------------------------------------------------------------------------------------
# The mapping
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str  # YAML key, e.g. "staff.ethnicity"
    field: str
    column: str
    values: Mapping[str, object] | None = None
    date_format: str | None = None


@dataclass(frozen=True)
class Section:
    kind: str
    file: str
    columns: Mapping[str, Column]
    source: str | None = None


@dataclass(frozen=True)
class HRMapping:
    path: Path
    sections: Mapping[str, Section]
    grades: tuple[str, ...] | None = None
    system: str | None = None


def load_hr_mapping(path: Path | str) -> HRMapping:
    """Read and check a mapping; raise :class:`ConfigError` listing every problem."""
    log = ProblemLog()
    mapping = _load(Path(path), log)
    if mapping is None or log.has_errors:
        errors = [p for p in log.problems if p.severity is Severity.ERROR]
        raise ConfigError("the HR mapping file cannot be used:\n"
                          + "\n".join(f"  {p}" for p in errors))
    return mapping


def _load(path: Path, log: ProblemLog) -> HRMapping | None:
    data = read_mapping_file(path, log)
    if data is None:
        return None
    if not isinstance(data, dict):
        log.error(path.name, "", "", None, "must be a YAML mapping with at least a 'staff' section")
        return None
    return _Parser(path.name, log).parse(path, data)


class _Parser(MappingParser):
    def parse(self, path: Path, data: dict) -> HRMapping | None:
        for key in data:
            if str(key) not in TOP_KEYS:
                self.err(str(key), None, suggest(str(key), TOP_KEYS))
        self.read_default_format(data)
        grades = None
        if data.get("grades") is not None:
            g = data["grades"]
            if not isinstance(g, list) or not g or not all(isinstance(x, str) for x in g):
                self.err("grades", g, "must be a list of grade names, lowest first (quote "
                                      "numbers, e.g. \"7\")")
            elif len({fold(x) for x in g}) != len(g):
                self.err("grades", g, "lists a grade twice (ignoring case and spaces)")
            else:
                grades = tuple(clean_text(x) or x for x in g)
        if "staff" not in data:
            self.err("staff", None, "is required: the staff file and its columns")
        sections: dict[str, Section] = {}
        for kind in KINDS:
            if data.get(kind) is not None:
                section = self._section(kind, data[kind])
                if section is not None:
                    sections[kind] = section
        system = data.get("system")
        return HRMapping(path, sections, grades, str(system) if system is not None else None)

    def _section(self, kind: str, node: object) -> Section | None:
        required, optional = FIELDS[kind]
        allowed = (*SECTION_KEYS, *required, *optional)
        if not isinstance(node, dict):
            self.err(kind, None, f"must be a mapping with 'file' and the columns "
                                 f"{', '.join(required)}")
            return None
        ok = True
        for name in node:
            if str(name) not in allowed:
                self.err(f"{kind}.{name}", None, suggest(str(name), allowed))
                ok = False
        file = clean_text(_text(node.get("file"))) or f"{kind}.csv"
        columns: dict[str, Column] = {}
        for name in (*required, *optional):
            if name not in node:
                if name in required:
                    self.err(f"{kind}.{name}", None, f"is required: the column holding {name}")
                    ok = False
                continue
            col = self._column(kind, name, node[name])
            if col is None:
                ok = False
            else:
                columns[name] = col
        source = clean_text(_text(node.get("source"))) if node.get("source") else None
        if kind == "population" and not source:
            self.err(f"{kind}.source", None, "is required: name the population table (e.g. "
                                             "\"ONS Census 2021 TS021, aged 16-64\")")
            ok = False
        return Section(kind, file, columns, source) if ok else None

    def _column(self, kind: str, name: str, spec: object) -> Column | None:
        key = f"{kind}.{name}"
        checked = self.column(
            key, spec, is_date=name in _DATES,
            values_refused=(f"a {name} column cannot have a values map"
                            if name in _DATES or name in _IDS or name == "population" else None),
            read_values=lambda at, node: self._values(kind, name, at, node))
        return None if checked is None else Column(key, name, *checked)

    def _values(self, kind: str, name: str, key: str, node: object) -> dict[str, object] | None:
        if not isinstance(node, dict) or not node:
            self.err(key, None, "must map local labels to arpkit values, e.g. {Formal: true}")
            return None
        out: dict[str, object] = {}
        ok = True
        allowed = vocabulary(kind, name)
        for label, target in node.items():
            k = f"{key}.{label}"
            folded = fold(_text(label))
            if folded in out:
                self.err(k, label, "this label appears twice (labels are matched ignoring case "
                                   "and extra spaces)")
                ok = False
                continue
            if target is None:
                out[folded] = None
            elif name in _BOOLS:
                if not isinstance(target, bool):
                    self.err(k, target, "must be true, false or null for a yes/no field")
                    ok = False
                    continue
                out[folded] = target
            elif allowed is not None:
                if _text(target) not in allowed:
                    self.err(k, target, f"is not an arpkit {name} value; expected one of "
                                        f"{', '.join(allowed)}")
                    ok = False
                    continue
                out[folded] = _text(target)
            else:
                out[folded] = clean_text(_text(target))
        return out if ok else None


# ------------------------------------------------------------------------------------------
# Reading the files
# ------------------------------------------------------------------------------------------


@dataclass
class HRExtract:
    """What a set of HR files says, before pseudonymisation.  Ids are the HR system's own (they
    never leave the importer); ``rows`` holds, per kind, one dict of arpkit fields per row."""

    mapping: HRMapping
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    problems: ProblemLog = field(default_factory=ProblemLog)


def read_hr_extract(mapping: Path | str | HRMapping, files: Mapping[str, Path] | None = None, *,
                    folder: Path | None = None,
                    settings: ReadSettings | None = None) -> HRExtract:
    """Read every file of an HR extract set, collecting all problems (none is raised here).

    ``files`` maps a kind to its CSV; kinds not given are looked for in ``folder`` (default:
    the mapping's folder) under the mapping's ``file`` name.  ``staff`` must be found; other
    kinds the mapping names but whose file is missing are errors too.
    """
    settings = settings or ReadSettings()
    log = ProblemLog()
    if not isinstance(mapping, HRMapping):
        loaded = _load(Path(mapping), log)
        if loaded is None or log.has_errors:
            placeholder = HRMapping(Path(mapping), {})
            return HRExtract(placeholder, problems=log)
        mapping = loaded
    out = HRExtract(mapping, problems=log)
    base = folder or mapping.path.parent
    given = dict(files or {})
    for kind in given:
        if kind not in KINDS:
            raise ConfigError(f"unknown HR file kind {kind!r}; expected one of "
                              f"{', '.join(KINDS)}")
        if kind not in mapping.sections:
            log.error(mapping.path.name, kind, kind, str(given[kind]),
                      f"a {kind} file was given but the mapping has no {kind} section")
    for kind, section in mapping.sections.items():
        path = Path(given.get(kind) or base / section.file)
        if not path.exists():
            log.error(path.name, "", "file", str(path),
                      f"the {kind} file named at {kind}.file does not exist")
            continue
        out.files[kind] = path
        out.rows[kind] = _read_file(path, section, mapping, settings, log)
    _check_links(out)
    return out


def _read_file(path: Path, section: Section, mapping: HRMapping, settings: ReadSettings,
               log: ProblemLog) -> list[dict[str, object]]:
    wanted = {fold(c.column) for c in section.columns.values()}
    # A header with no rows is a valid HR file (no grievances this year), unlike a return.
    own = ProblemLog()
    table = read_csv_table(path, settings, own, is_header=lambda cells: wanted <= cells)
    for problem in own.problems:
        if not problem.message.startswith("has a header but no data rows"):
            log.add(problem)
    if table is None or not table.rows:
        return []
    index = table.index()
    missing = [c for c in section.columns.values() if fold(c.column) not in index]
    for c in missing:
        log.error(mapping.path.name, c.key, c.field, c.column,
                  f"column {c.column!r} is not in {path.name}; its columns are: "
                  f"{', '.join(h for h in table.header if h)}")
    if missing:
        return []
    reader = _Cells(path.name, index, section.kind, mapping, log)
    rows = []
    for row in table.rows:
        values = reader.row(row, section)
        if values is not None:
            rows.append(values)
    if section.kind == "staff":
        _check_staff(path.name, rows, log)
    return rows


class _Cells:
    def __init__(self, file: str, index: dict[str, int], kind: str, mapping: HRMapping,
                 log: ProblemLog) -> None:
        self.file, self.index, self.kind, self.log = file, index, kind, log
        self.grades = {fold(g): g for g in mapping.grades} if mapping.grades else None
        self.mapping_file = mapping.path.name
        self.eth = StaffEthnicityNormaliser()

    def row(self, row: CsvRow, section: Section) -> dict[str, object] | None:
        out: dict[str, object] = {"_row": row.number}
        ok = True
        for name, col in section.columns.items():
            raw = clean_text(row.cells[self.index[fold(col.column)]])
            good, value = self.value(row, col, raw)
            ok = ok and good
            out[name] = value
        if not ok:
            return None
        required = FIELDS[self.kind][0]
        for name in required:
            if out.get(name) is None and name != "ethnicity":
                col = section.columns[name]
                self.log.error(self.file, row.where, col.column, "",
                               f"{name} is blank; every {self.kind} row needs one")
                ok = False
        start, end = out.get("start_date"), out.get("leave_date")
        if ok and isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
            self.log.error(self.file, row.where, section.columns["leave_date"].column,
                           end.isoformat(), f"the leave date is before the start date "
                                            f"({start.isoformat()})")
            ok = False
        if ok and self.kind == "recruitment" and out.get("appointed") and \
                out.get("shortlisted") is False:
            self.log.error(self.file, row.where, section.columns["appointed"].column,
                           "appointed", "an applicant who was not shortlisted cannot be "
                                        "appointed from shortlisting; check both columns")
            ok = False
        return out if ok else None

    def value(self, row: CsvRow, col: Column, raw: str | None) -> tuple[bool, object]:
        name = col.field
        if col.values is not None and fold(raw) in col.values:
            mapped = col.values[fold(raw)]
            if name == "ethnicity":
                return True, (mapped, STAFF_CATEGORIES[mapped].group) if mapped else \
                    ("not_recorded", "NOT_OBTAINED")
            return True, mapped
        hint = (f"; add it to the values map at {col.key}.values" if col.values is not None
                else f"; map local labels with a values map at {col.key}.values")
        try:
            if name == "ethnicity":
                res = self.eth.normalise(raw)
                if not res.recognised:
                    raise ValueError("is not an ethnicity arpkit recognises (GOV.UK list, DfE "
                                     "codes or census labels)")
                return True, (res.category, res.group)
            if raw is None:
                return True, None
            if name in _IDS:
                return True, clean_identifier(raw)
            if name in _DATES:
                return True, self._date(raw, col)
            if name in _BOOLS:
                return True, parse_bool(raw)
            if name == "population":
                text = raw.replace(",", "")
                if not re.fullmatch(r"\d+", text):
                    raise ValueError("is not a whole number of people")
                return True, int(text)
            if name == "grade" and self.grades is not None:
                if fold(raw) not in self.grades:
                    raise ValueError(f"is not one of the grades listed at grades: "
                                     f"{', '.join(self.grades.values())}")
                return True, self.grades[fold(raw)]
            if name in _TEXT:
                return True, raw
            allowed = vocabulary(self.kind, name)
            value = fold(raw).replace(" ", "_").replace("-", "_")
            if allowed is not None and value not in allowed:
                raise ValueError(f"is not an arpkit {self.kind} {name} ({', '.join(allowed)})")
            return True, value
        except ValueError as exc:
            self.log.error(self.file, row.where, col.column, raw or "",
                           f"{exc}{'' if name in _DATES or name in _IDS else hint}")
            return False, None

    @staticmethod
    def _date(raw: str, col: Column) -> dt.date:
        fmt = col.date_format or ""
        text = raw if "%H" in fmt else _MIDNIGHT.sub("", raw)
        try:
            value = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            raise ValueError(f"does not match the date format {fmt!r} given at "
                             f"{col.key}") from None
        if value < dt.date(1950, 1, 1):
            raise ValueError("is before 1950, which is not a plausible date in an HR record")
        return value


def _check_staff(file: str, rows: list[dict[str, object]], log: ProblemLog) -> None:
    """A person with several posts may have several rows; their ethnicity must agree (the first
    recorded answer is kept, others are warned about, naming the rows)."""
    seen: dict[object, tuple[object, int]] = {}
    for r in rows:
        eth = r["ethnicity"]
        if eth is None or eth[1] == "NOT_OBTAINED":  # type: ignore[index]
            continue
        first = seen.setdefault(r["id"], (eth, r["_row"]))  # type: ignore[arg-type]
        if first[0] != eth:
            log.warning(file, f"rows {first[1]} and {r['_row']}", "ethnicity", None,
                        "rows for the same person disagree about ethnicity; the first recorded "
                        "answer is used for every row")


def _check_links(extract: HRExtract) -> None:
    """Cases and training of people missing from the staff file cannot be counted (their
    ethnicity and grade are unknown): a warning per file, naming up to ten rows."""
    staff_ids = {r["id"] for r in extract.rows.get("staff", [])}
    if not staff_ids:
        return
    for kind in ("disciplinary", "grievances", "training"):
        orphans = [r["_row"] for r in extract.rows.get(kind, []) if r["id"] not in staff_ids]
        if orphans:
            path = extract.files[kind]
            extract.problems.warning(
                path.name, "rows " + ", ".join(map(str, orphans[:10])), "id", None,
                f"{len(orphans)} row(s) name people who are not in the staff file; they are "
                "stored but cannot be counted by ethnicity")
