"""Case-system extract reader: any CSV plus a small YAML mapping, so a Mosaic, LiquidLogic or
Eclipse extract loads without code.

Authorities can pull live data from their case system long before the statutory returns are
due, but every system (and every authority's report) names columns and values differently.  The
mapping says which CSV column is which arpkit field and how local labels become statutory codes
(``"Police": "6"``, ``"Yes": true``), and ``filter`` lets one wide extract yield several stages
(only rows whose ``Step Type`` is ``Contact`` are contacts).  An annotated example is shipped in
``docs/examples/case_extract/``; its README explains every key.

Rules, from the reader contract (``records.py``) and formats.md §6:

* the mapping itself is checked first (unknown keys, unknown stage, values that are not codes,
  columns missing from the CSV) and every problem names the YAML key;
* values are checked row by row, each problem naming file, row, column and value; codes are
  checked against the statutory lists in ``codes.py`` / ``codes_903.py`` (live data spans years,
  so any code that has ever been valid is accepted);
* dates use the format the mapping gives (``%d/%m/%Y``, ``%Y-%m-%d`` ...), never a guess;
* one :class:`ChildRecord` per distinct child: the first non-blank value of each field is kept
  and conflicting values on other rows are warned about, naming the rows;
* encodings as the SSDA903 reader: UTF-8 with or without BOM, UTF-16 with BOM, or
  ``settings.encoding``; anything else is one clear error with the byte offset;
* the period is ``settings.period`` or None: an extract is live data and events carry their own
  dates.  Columns the mapping does not name are never read (data minimisation).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from arpkit.engine.errors import ConfigError, ProblemLog, Severity
from arpkit.engine.readers.mapping import (
    MappingParser,
    read_mapping_file,
    suggest,
)
from arpkit.engine.readers.mapping import text as _text
from arpkit.engine.readers.population import (
    CsvRow,
    fold,
    head_rows,
    read_csv_table,
)
from arpkit.engine.records import STAGES, ChildRecord, Chunk, EventRecord, Reader, ReadSettings
from arpkit.engine.values import (
    EARLIEST_PLAUSIBLE,
    clean_identifier,
    clean_text,
    leading_code,
    normalise_sex,
    parse_bool,
)

# ------------------------------------------------------------------------------------------
# The mapping file
# ------------------------------------------------------------------------------------------

TOP_KEYS: tuple[str, ...] = ("version", "system", "description", "date_format", "child",
                             "events")
CHILD_FIELDS: tuple[str, ...] = ("id", "ethnicity", "sex", "birth_date", "disability", "uasc")
CODE_FIELDS: tuple[str, ...] = (
    "referral_source", "referral_nfa", "closure_reason", "need_code", "category_of_abuse",
    "legal_status", "placement", "rne",
)
EVENT_FIELDS: tuple[str, ...] = ("stage", "filter", "start_date", "end_date", "team",
                                 *CODE_FIELDS)
_DATE_FIELDS = frozenset({"birth_date", "start_date", "end_date"})
_BOOL_FIELDS = frozenset({"disability", "uasc", "referral_nfa"})
_TEXT_FIELDS = frozenset({"ethnicity", "team"})  # free text: no code list
_MIDNIGHT = re.compile(r"\s+00:00(?::00)?$")


@dataclass(frozen=True)
class ColumnSpec:
    """One mapped column: where it is in the YAML (``key``), the CSV ``column``, an optional
    ``values`` map (folded local label -> code, bool or None) and, for dates, the format."""

    key: str
    field: str
    column: str
    values: Mapping[str, object] | None = None
    date_format: str | None = None


#: One event filter: (YAML key, CSV column, accepted values folded).
_Filter = tuple[str, str, frozenset[str]]


@dataclass(frozen=True)
class EventSpec:
    """One event definition: rows passing every ``filter`` (column -> accepted folded values)
    become an :class:`EventRecord` of ``stage``."""

    key: str
    stage: str
    filters: tuple[_Filter, ...]
    columns: Mapping[str, ColumnSpec]


@dataclass(frozen=True)
class ExtractMapping:
    path: Path
    child: Mapping[str, ColumnSpec]
    events: tuple[EventSpec, ...]
    system: str | None = None

    def referenced_columns(self) -> list[tuple[str, str]]:
        """(YAML key, CSV column) of every column the mapping reads, filters included."""
        out = [(s.key, s.column) for s in self.child.values()]
        for ev in self.events:
            out.extend((s.key, s.column) for s in ev.columns.values())
            out.extend((k, c) for k, c, _ in ev.filters)
        return out

    def is_header(self, folded_cells: set[str]) -> bool:
        """True for a row holding every column the mapping reads (so title lines above the
        header of a case-system report are skipped)."""
        return all(fold(c) in folded_cells for _, c in self.referenced_columns())


def load_mapping(path: Path) -> ExtractMapping:
    """Read and check a mapping file on its own (for ``arpkit`` commands that check a mapping
    before any data).  Raises :class:`ConfigError` listing every problem found."""
    log = ProblemLog()
    mapping = _load_mapping(Path(path), log)
    if mapping is None or log.has_errors:
        errors = [p for p in log.problems if p.severity is Severity.ERROR]
        raise ConfigError("the mapping file cannot be used:\n" + "\n".join(f"  {p}"
                                                                         for p in errors))
    return mapping


def _load_mapping(path: Path, log: ProblemLog) -> ExtractMapping | None:
    data = read_mapping_file(path, log)
    if data is None:
        return None
    if not isinstance(data, dict):
        log.error(path.name, "", "", None, "must be a YAML mapping with 'child' and 'events' keys")
        return None
    return _MappingParser(path.name, log, data).parse(path)


class _MappingParser(MappingParser):
    def __init__(self, file: str, log: ProblemLog, data: dict) -> None:
        super().__init__(file, log)
        self.data = data

    def parse(self, path: Path) -> ExtractMapping | None:
        data = self.data
        for key in data:
            if str(key) not in TOP_KEYS:
                self.err(str(key), None, suggest(str(key), TOP_KEYS))
        self.read_default_format(data)
        child = self._child(data.get("child"))
        events = self._events(data.get("events"))
        if child is None or events is None:
            return None
        system = data.get("system")
        return ExtractMapping(path, child, events, str(system) if system is not None else None)

    def _child(self, node: object) -> dict[str, ColumnSpec] | None:
        if not isinstance(node, dict):
            self.err("child", None, "is required: a mapping of arpkit child fields (id, "
                                    "ethnicity, sex, birth_date, disability, uasc) to columns")
            return None
        out: dict[str, ColumnSpec] = {}
        for name, spec in node.items():
            key = f"child.{name}"
            if str(name) not in CHILD_FIELDS:
                self.err(key, None, suggest(str(name), CHILD_FIELDS))
                continue
            col = self._column(key, str(name), spec, stage=None)
            if col is not None:
                out[str(name)] = col
        if "id" not in node:
            self.err("child.id", None, "is required: the column holding the child's id")
        elif "id" in out and out["id"].values is not None:
            self.err("child.id.values", None, "an id column cannot have a values map")
        return out

    def _events(self, node: object) -> tuple[EventSpec, ...] | None:
        if not isinstance(node, list) or not node:
            self.err("events", None, "is required: a list of one or more event definitions, "
                                     "each with a stage and a start_date column")
            return None
        out: list[EventSpec] = []
        for i, ev in enumerate(node, start=1):
            key = f"events[{i}]"
            if not isinstance(ev, dict):
                self.err(key, None, "must be a mapping with stage, start_date, ...")
                continue
            stage = clean_text(str(ev.get("stage") or "")) or ""
            if stage not in STAGES:
                self.err(f"{key}.stage", ev.get("stage"),
                         f"is not a stage arpkit knows; use one of {', '.join(STAGES)}")
                stage = ""
            columns: dict[str, ColumnSpec] = {}
            for name, spec in ev.items():
                name = str(name)
                if name in ("stage", "filter"):
                    continue
                if name not in EVENT_FIELDS:
                    self.err(f"{key}.{name}", None, suggest(name, EVENT_FIELDS))
                    continue
                col = self._column(f"{key}.{name}", name, spec, stage=stage or None)
                if col is not None:
                    columns[name] = col
            if "start_date" not in ev:
                self.err(f"{key}.start_date", None, "is required: the column with the date the "
                                                    "event started")
            filters = self._filters(f"{key}.filter", ev.get("filter"))
            if stage and "start_date" in columns and filters is not None:
                out.append(EventSpec(key, stage, filters, columns))
        return tuple(out)

    def _filters(self, key: str, node: object) -> tuple[_Filter, ...] | None:
        if node is None:
            return ()
        if not isinstance(node, dict) or not node:
            self.err(key, None, "must map a column to the value (or list of values) a row must "
                                "have, e.g. {Step Type: Contact}")
            return None
        out = []
        ok = True
        for column, accepted in node.items():
            values = accepted if isinstance(accepted, list) else [accepted]
            if not values or any(v is None or isinstance(v, (dict, list)) for v in values):
                self.err(f"{key}.{column}", accepted,
                         "must be a value or a list of values (use \"\" for a blank cell)")
                ok = False
                continue
            out.append((f"{key}.{column}", str(column),
                        frozenset(fold(_text(v)) for v in values)))
        return tuple(out) if ok else None

    def _column(self, key: str, name: str, spec: object, stage: str | None) -> ColumnSpec | None:
        is_date = name in _DATE_FIELDS
        checked = self.column(
            key, spec, is_date=is_date,
            values_refused="a date column cannot have a values map" if is_date else None,
            read_values=lambda at, node: self._values(at, name, node, stage))
        return None if checked is None else ColumnSpec(key, name, *checked)

    def _values(self, key: str, name: str, node: object,
                stage: str | None) -> dict[str, object] | None:
        if not isinstance(node, dict) or not node:
            self.err(key, None, "must map local labels to codes, e.g. {\"Police\": \"6\"}")
            return None
        out: dict[str, object] = {}
        ok = True
        for label, target in node.items():
            k = f"{key}.{label}"
            if isinstance(label, bool):
                label = "true" if label else "false"
            folded = fold(_text(label))
            if folded in out:
                self.err(k, label, "this label appears twice (labels are matched ignoring case "
                                   "and extra spaces)")
                ok = False
                continue
            checked = self._target(k, name, target, stage)
            if checked is _BAD:
                ok = False
                continue
            out[folded] = checked
        return out if ok else None

    def _target(self, key: str, name: str, target: object, stage: str | None) -> object:
        """Check one ``values`` target against what the field accepts."""
        if target is None:
            return None
        if name in _BOOL_FIELDS:
            if isinstance(target, bool):
                return target
            self.err(key, target, "must be true, false or null for a yes/no field")
            return _BAD
        if isinstance(target, (bool, dict, list)):
            self.err(key, target, "must be a code (text), or null")
            return _BAD
        text = clean_text(_text(target)) or ""
        if name == "sex":
            try:
                return normalise_sex(text)
            except ValueError as exc:
                self.err(key, target, str(exc))
                return _BAD
        if name in _TEXT_FIELDS:
            return text
        code = text.upper()
        allowed = code_list(name, stage)
        if allowed is not None and code not in allowed:
            self.err(key, target, f"is not a {name} code{_for_stage(stage)}; expected one of "
                                  f"{', '.join(sorted(allowed))}")
            return _BAD
        return code


_BAD = object()


def _for_stage(stage: str | None) -> str:
    return f" for stage {stage}" if stage else ""


def code_list(name: str, stage: str | None) -> frozenset[str] | None:
    """The codes a code field accepts: CIN census lists for CIN stages, SSDA903 lists for
    ``cla`` (closure reason = REC, need = episode CIN N1–N8).  Live data spans several
    collection years, so every code that has been valid in any year is accepted."""
    from arpkit.engine import codes as cin
    from arpkit.engine import codes_903 as cla

    if name == "referral_source":
        return cin.CIN_REFERRAL_SOURCE_CODES
    if name == "closure_reason":
        return frozenset(cla.REC.labels) if stage == "cla" else cin.CIN_CLOSURE_REASON_CODES
    if name == "need_code":
        return frozenset(cla.EPISODE_CIN.labels) if stage == "cla" else cin.CIN_PRIMARY_NEED_CODES
    if name == "category_of_abuse":
        return cin.CIN_ABUSE_CATEGORY_CODES
    if name == "legal_status":
        return frozenset(cla.LS.labels)
    if name == "placement":
        return frozenset(cla.PLACE.labels)
    if name == "rne":
        return frozenset(cla.RNE.labels)
    return None


# ------------------------------------------------------------------------------------------
# The reader
# ------------------------------------------------------------------------------------------


@dataclass
class _ChildState:
    values: dict[str, object] = field(default_factory=dict)
    first_row: dict[str, int] = field(default_factory=dict)
    conflicts: dict[str, dict[str, list[int]]] = field(default_factory=dict)


class CaseExtractReader(Reader):
    """A case-system CSV extract read through a YAML mapping (``settings.mapping``).

    ``sniff`` needs the settings (the importer passes them): without a mapping it is False;
    with one it is True when a header row (the first, or one of the first few under a report
    title) holds every column the mapping names, or when the mapping itself is broken, so the
    user sees why rather than "unknown file".
    """

    kind = "case_extract"

    @classmethod
    def sniff(cls, path: Path, head: bytes, settings: ReadSettings | None = None) -> bool:
        if settings is None or settings.mapping is None:
            return False
        rows = head_rows(head)
        if not rows:
            return False
        log = ProblemLog()
        mapping = _load_mapping(Path(settings.mapping), log)
        if mapping is None or log.has_errors:
            return True
        return any(mapping.is_header(set(cols)) for cols in rows)

    def chunks(self) -> Iterator[Chunk]:
        settings, problems = self.settings, self.problems
        self.meta.period = settings.period
        self.meta.la_code = settings.la_code
        if settings.mapping is None:
            problems.error(", ".join(self.meta.files), "", "mapping", None,
                           "a case-system extract needs a mapping file (--mapping FILE.yml) "
                           "saying which column is which; see docs/examples/case_extract/")
            return
        mapping = _load_mapping(Path(settings.mapping), problems)
        self.meta.details["mapping"] = Path(settings.mapping).name
        if mapping is None:
            return
        if mapping.system:
            self.meta.details["system"] = mapping.system
        for path in self.paths:
            yield from self._read(path, mapping)

    def _read(self, path: Path, mapping: ExtractMapping) -> Iterator[Chunk]:
        problems, settings, file = self.problems, self.settings, path.name
        table = read_csv_table(path, settings, problems, is_header=mapping.is_header)
        if table is None:
            return
        index = table.index()
        missing = [(k, c) for k, c in mapping.referenced_columns() if fold(c) not in index]
        for key, column in missing:
            problems.error(mapping.path.name, key, key.rsplit(".", 1)[-1], column,
                           f"column {column!r} is not in {file}; its columns are: "
                           f"{', '.join(h for h in table.header if h)}")
        if missing or problems.has_errors:
            return
        self.meta.rows += len(table.rows)
        row_reader = _RowReader(file, index, problems)
        children: dict[str, _ChildState] = {}
        stage_counts: Counter[str] = Counter()
        unmatched = 0
        chunk = Chunk()
        size = max(1, settings.chunk_size)
        for row in table.rows:
            child_id = self._child(row, mapping, row_reader, children)
            matched = False
            for ev in mapping.events:
                if not row_reader.passes(row, ev):
                    continue
                matched = True
                if child_id is None:
                    continue
                record = row_reader.event(row, child_id, ev)
                if record is not None:
                    chunk.events.append(record)
                    stage_counts[ev.stage] += 1
                    if len(chunk.events) >= size:
                        yield chunk
                        chunk = Chunk()
            unmatched += not matched
        if chunk.events:
            yield chunk
        records = self._child_records(file, children)
        for i in range(0, len(records), size):
            yield Chunk(children=records[i: i + size])
        self.meta.details.setdefault("events_by_stage", {})
        for stage, n in stage_counts.items():
            self.meta.details["events_by_stage"][stage] = (
                self.meta.details["events_by_stage"].get(stage, 0) + n)
        self.meta.details["children"] = self.meta.details.get("children", 0) + len(records)
        self.meta.details["rows_matching_no_event"] = (
            self.meta.details.get("rows_matching_no_event", 0) + unmatched)

    def _child(self, row: CsvRow, mapping: ExtractMapping, rr: _RowReader,
               children: dict[str, _ChildState]) -> str | None:
        id_spec = mapping.child["id"]
        raw = rr.raw(row, id_spec)
        if raw is None:
            self.problems.error(rr.file, row.where, id_spec.column, "",
                                "the child id is blank; every row needs one")
            return None
        try:
            child_id = clean_identifier(raw)
        except ValueError as exc:
            self.problems.error(rr.file, row.where, id_spec.column, raw, f"child id {exc}")
            return None
        state = children.setdefault(child_id, _ChildState())
        for name, spec in mapping.child.items():
            if name == "id":
                continue
            ok, value = rr.value(row, spec, None)
            if not ok or value is None:
                continue
            if name not in state.values:
                state.values[name] = value
                state.first_row[name] = row.number
            elif value != state.values[name]:
                shown = state.conflicts.setdefault(name, {_show(state.values[name]):
                                                          [state.first_row[name]]})
                shown.setdefault(_show(value), []).append(row.number)
        return child_id

    def _child_records(self, file: str, children: dict[str, _ChildState]) -> list[ChildRecord]:
        out = []
        for child_id, st in children.items():
            for name, by_value in st.conflicts.items():
                parts = "; ".join(f"{v} on row(s) {', '.join(map(str, rows[:10]))}"
                                  for v, rows in by_value.items())
                self.problems.warning(
                    file, "rows " + ", ".join(str(r) for rows in by_value.values()
                                              for r in rows[:10]),
                    name, None,
                    f"rows for the same child disagree about {name} ({parts}); the first is kept")
            v = st.values
            out.append(ChildRecord(child_id, v.get("ethnicity"), v.get("sex"),  # type: ignore[arg-type]
                                   v.get("birth_date"), v.get("disability"),  # type: ignore[arg-type]
                                   v.get("uasc")))  # type: ignore[arg-type]
        return out


def _show(value: object) -> str:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


class _RowReader:
    """Turns the cells of one row into checked values, logging every problem with file, row,
    column and value."""

    def __init__(self, file: str, index: dict[str, int], problems: ProblemLog) -> None:
        self.file, self.index, self.problems = file, index, problems

    def raw(self, row: CsvRow, spec: ColumnSpec) -> str | None:
        return clean_text(row.cells[self.index[fold(spec.column)]])

    def passes(self, row: CsvRow, ev: EventSpec) -> bool:
        return all(fold(row.cells[self.index[fold(col)]]) in accepted
                   for _, col, accepted in ev.filters)

    def event(self, row: CsvRow, child_id: str, ev: EventSpec) -> EventRecord | None:
        values: dict[str, object] = {}
        ok = True
        for name, spec in ev.columns.items():
            good, value = self.value(row, spec, ev.stage)
            ok = ok and good
            values[name] = value
        start = values.get("start_date")
        if ok and start is None:
            spec = ev.columns["start_date"]
            self.problems.error(self.file, row.where, spec.column, "",
                                f"the start date is blank, but this row is a {ev.stage} "
                                f"({ev.key})")
            return None
        end = values.get("end_date")
        if ok and end is not None and end < start:  # type: ignore[operator]
            spec = ev.columns["end_date"]
            self.problems.error(self.file, row.where, spec.column, _show(end),
                                f"the {ev.stage} ends before it starts ({_show(start)})")
            return None
        if not ok:
            return None
        g = values.get
        return EventRecord(child_id, ev.stage, start, end, g("team"),  # type: ignore[arg-type]
                           g("referral_source"), g("referral_nfa"),  # type: ignore[arg-type]
                           g("closure_reason"), g("need_code"),  # type: ignore[arg-type]
                           g("category_of_abuse"), g("legal_status"),  # type: ignore[arg-type]
                           g("placement"), g("rne"), None)  # type: ignore[arg-type]

    def value(self, row: CsvRow, spec: ColumnSpec, stage: str | None) -> tuple[bool, object]:
        """(ok, value) for one mapped cell; a blank cell is (True, None) unless a values map
        maps the blank label."""
        raw = self.raw(row, spec)
        if spec.values is not None and fold(raw) in spec.values:
            return True, spec.values[fold(raw)]
        if raw is None:
            return True, None
        name = spec.field
        try:
            if name in _DATE_FIELDS:
                return True, self._date(raw, spec)
            if name in _BOOL_FIELDS:
                return True, parse_bool(raw)
            if name == "sex":
                return True, normalise_sex(raw)
            if name in _TEXT_FIELDS:
                return True, raw
            code = leading_code(raw)
            allowed = code_list(name, stage)
            if allowed is not None and code not in allowed:
                raise ValueError(f"is not a {name} code{_for_stage(stage)}")
            return True, code
        except ValueError as exc:
            hint = (f"; add it to the values map at {spec.key}.values" if spec.values is not None
                    else f"; map local labels to codes with a values map at {spec.key}.values"
                    if name not in _DATE_FIELDS else "")
            self.problems.error(self.file, row.where, spec.column, raw, f"{exc}{hint}")
            return False, None

    @staticmethod
    def _date(raw: str, spec: ColumnSpec) -> dt.date:
        fmt = spec.date_format or ""
        text = raw if "%H" in fmt else _MIDNIGHT.sub("", raw)
        try:
            value = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            raise ValueError(f"does not match the date format {fmt!r} given at "
                             f"{spec.key}") from None
        if value < EARLIEST_PLAUSIBLE:
            raise ValueError(f"is before {EARLIEST_PLAUSIBLE.isoformat()}, which is not a "
                             "plausible date for a child's record")
        return value

