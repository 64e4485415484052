"""Reader for the SSDA903 children-looked-after return: the CSV tables or the EXPSSDA903 XML.

One reader reads ONE return, which authorities send either as up to twelve CSV files (one per
table, formats.md 1.1) or as one ``EXPSSDA903`` XML export (formats.md 1.4).  A CSV file's
table is recognised by its SET of column names, never its file name (file names vary by case
system; formats.md 1.1 and 6.7), so :func:`table_for_header` is the only place that decides.

What comes out (records.py contract):

* one :class:`ChildRecord` per header row: the raw ETHNIC label (the importer normalises
  ethnicity), SEX mapped to M/F/U, DOB, and UASC from the UASC table (XML: the header flag);
* one :class:`EventRecord` per episode, stage ``cla``, carrying DECOM/DEC, RNE, LS, CIN, PLACE,
  REC and, in ``detail``, the placement provider and reason for a placement change.  Postcodes,
  URNs and UPNs are read only to check the row lines up; they are never passed on.

The other tables (reviews, missing, OC2, OC3, AD1, ...) are checked for structure, dates and
codes and counted in ``meta.details`` but produce no records: arpkit does not count on them and
keeping them would only hold more data about children (data minimisation).

Everything is validated before the first chunk is yielded, so the importer knows about every
error before it writes anything.  The collection year comes from ``settings.period`` or from the
content (the 31 March on or after the latest DECOM), never from a file name (formats.md 6.6).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from arpkit.engine.codes_903 import (
    REQUIRED_TABLES,
    TABLE_COLUMNS,
    TABLES,
    CodeStatus,
    Column,
    ColumnKind,
    TableSpec,
)
from arpkit.engine.records import ChildRecord, Chunk, EventRecord, Reader, ReadSettings
from arpkit.engine.values import (
    EARLIEST_PLAUSIBLE,
    clean_identifier,
    clean_text,
    normalise_sex,
    parse_uk_date,
)

XML_ROOT = "EXPSSDA903"

#: How many non-blank rows at the top of a CSV may precede its header row (formats.md 6.2).
HEADER_SEARCH_ROWS = 10

#: Values that stand for "nothing" in some exports.  A clean 903 export leaves the cell empty
#: (formats.md 1.3), so these are errors: silently reading "NA" as blank could hide a broken
#: export, and reading it as a value would be worse.
PLACEHOLDERS: frozenset[str] = frozenset({"NULL", "NA", "N/A", "-", "#N/A"})

#: Columns whose dates cannot be in the future: a child is born, and an episode starts or
#: ends, before the return is made.  (DUC and review dates may legitimately be planned ahead.)
_NOT_FUTURE = frozenset({"DOB", "DECOM", "DEC"})

#: Header fields whose coding is a hard rule of the year: a numeric SEX in a 2025+ return is an
#: error (formats.md 1.6); elsewhere a known code from the wrong year is a warning.
_STRICT_YEAR_COLUMNS = frozenset({("header", "SEX")})

_INTEGRAL_FLOAT = re.compile(r"^-?\d+\.0+$")
_NON_INTEGRAL_NUMBER = re.compile(r"^-?\d*\.\d+$|^-?\d+(?:\.\d+)?[eE][+-]?\d+$")

# EXPSSDA903 layout (../shared/data/ssda903/schema/CLA.xsd, formats.md 1.4).
_XML_HEADER_FIELDS = (
    "CHILDID", "UPN", "SEX", "DOB", "ETHNIC", "UASC", "DUC", "DATE_INT", "DATE_MATCH",
    "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR", "IN_TOUCH", "ACTIV", "ACCOM",
    "MOTHER", "MC_DOB",
)
#: Repeating or nested HEADER blocks -> (903 table, element names, may repeat).
_XML_HEADER_GROUPS: dict[str, tuple[str, tuple[str, ...], bool]] = {
    "AMISSING": ("missing", ("MISSING", "MIS_START", "MIS_END"), True),
    "AREVIEW": ("reviews", ("REVIEW", "REVIEW_CODE"), True),
    "PERMANENCE": ("previous_permanence", ("PREV_PERM", "LA_PERM", "DATE_PERM"), False),
    "OC2": ("oc2", TABLE_COLUMNS["oc2"][2:], False),
    "AD_PLACED": ("placed_for_adoption",
                  ("DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"), True),
}
_XML_EPISODE_FIELDS = (
    "DECOM", "RNE", "LS", "CIN", "PL", "PL_POST", "HOME_POST", "URN", "PLACE_PROVIDER", "DEC",
    "REC", "REASON_PLACE_CHANGE",
)
#: Element names that differ from the CSV column names.
_XML_NAMES = {"CHILD": "CHILDID", "PLACE": "PL"}


# ---------------------------------------------------------------------------------------------
# Recognising a table from its header
# ---------------------------------------------------------------------------------------------


def _norm_header(cell: str) -> str:
    return "".join((cell or "").replace("\ufeff", "").replace("\u00a0", " ").split()).upper()


def table_for_header(columns: list[str]) -> tuple[str | None, dict]:
    """Which 903 table a header row belongs to, judged by its SET of column names.

    Column order, case and surrounding spaces do not matter (formats.md 1.1: files are named
    differently by every case system, and the 903 validator also matches on column sets).  A
    header that holds all of a table's columns plus others is that table, with the others
    listed as ``unexpected`` (the reader decides whether extras are allowed).  A header that
    lacks any column of every table is no table: the diagnosis names the closest table and
    what is missing and unexpected, so the user can fix the export.

    Returns ``(table or None, {"closest": table, "missing": [...], "unexpected": [...]})``;
    blank column names are not counted as unexpected.
    """
    seen: dict[str, str] = {}
    for cell in columns:
        name = _norm_header(cell)
        if name and name not in seen:
            seen[name] = clean_text(cell) or name
    present = set(seen)
    supersets = [t for t, cols in TABLE_COLUMNS.items() if set(cols) <= present]
    if supersets:
        # Prefer the table that explains most of the header (no table's columns are a subset
        # of another's today, but a merged export could hold two tables' columns).
        table = max(supersets, key=lambda t: len(TABLE_COLUMNS[t]))
    else:
        def closeness(t: str) -> tuple[float, int]:
            cols = set(TABLE_COLUMNS[t])
            return len(cols & present) / len(cols | present), -len(cols - present)

        table = max(TABLE_COLUMNS, key=closeness)
    cols = TABLE_COLUMNS[table]
    diagnosis = {
        "closest": table,
        "missing": [c for c in cols if c not in present],
        "unexpected": [seen[n] for n in seen if n not in cols],
    }
    return (table if supersets else None), diagnosis


# ---------------------------------------------------------------------------------------------
# Internal row model shared by the CSV and XML paths
# ---------------------------------------------------------------------------------------------


class _Row(NamedTuple):
    where: str  # "row 3 (line 4)" or "EXPSSDA903/CHILD[2]/EPISODE[1]"
    values: dict[str, str]  # 903 column name -> raw text ("" when blank or absent)
    note: str = ""  # appended to messages (the XML CHILDID, since XML rows have no number)


@dataclass
class _Table:
    name: str
    file: str
    rows: list[_Row] = field(default_factory=list)
    blank_rows: int = 0
    from_xml: bool = False
    children: list[str | None] = field(default_factory=list)  # cleaned CHILD per row
    parsed: list[dict[str, object]] = field(default_factory=list)  # checked values per row
    skip: set[int] = field(default_factory=set)  # rows repeated identically: read once

    @property
    def spec(self) -> TableSpec:
        return TABLES[self.name]


@dataclass
class _Repair:
    """Warnings that would repeat on many rows (a decimal flag, a code from another year) are
    reported once per file, column and value, with a count and the first place."""

    message: str
    where: str
    count: int = 0


class Ssda903Reader(Reader):
    """Reads one SSDA903 return: several CSV tables, or one EXPSSDA903 XML file.

    Problems (all of them, not the first) go to ``self.problems``; see the module docstring
    for what is produced and why.
    """

    kind = "ssda903"

    def __init__(self, paths: Sequence[Path], settings: ReadSettings | None = None) -> None:
        super().__init__(paths, settings)
        self.meta.la_code = self.settings.la_code
        self._repairs: dict[tuple[str, str, str, str], _Repair] = {}
        self._today = dt.date.today()
        self._unreadable = 0  # files that could not be decoded or recognised
        self._dates: dict[str, dt.date] = {}  # the same dates recur (DOB on every table)

    # -- detection -----------------------------------------------------------------------------

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        """True for a CSV whose header row (within the first rows) is a 903 table, or XML
        whose root element is ``EXPSSDA903``.  Encoding problems do not stop recognition: the
        reader then explains them properly."""
        text = _decode_head(head)
        stripped = text.lstrip()
        if stripped.startswith("<"):
            return _xml_root_name(stripped) == XML_ROOT
        lines = [ln for ln in text.splitlines() if ln.strip()][:HEADER_SEARCH_ROWS]
        for line in lines:
            for delimiter in (",", ";", "\t"):
                if delimiter != "," and delimiter not in line:
                    continue
                try:
                    cells = next(csv.reader([line], delimiter=delimiter))
                except (csv.Error, StopIteration):
                    continue
                if table_for_header(cells)[0] is not None:
                    return True
        return False

    # -- reading -------------------------------------------------------------------------------

    def chunks(self) -> Iterator[Chunk]:
        children, events = self._read()
        size = max(1, self.settings.chunk_size)
        for i in range(0, len(children), size):
            yield Chunk(children=children[i:i + size])
        for i in range(0, len(events), size):
            yield Chunk(events=events[i:i + size])

    def _read(self) -> tuple[list[ChildRecord], list[EventRecord]]:
        files = ", ".join(p.name for p in self.paths)
        if not self.paths:
            self.problems.error("", "", "", None, "no SSDA903 files were given")
            return [], []
        raws: list[tuple[Path, bytes]] = []
        for path in self.paths:
            try:
                raws.append((path, path.read_bytes()))
            except OSError as exc:
                self._unreadable += 1
                self.problems.error(path.name, "", "", None,
                                    f"cannot be read: {exc.strerror or exc}")
        xml = [(p, b) for p, b in raws if _looks_like_xml(b)]
        csvs = [(p, b) for p, b in raws if not _looks_like_xml(b)]
        tables: list[_Table] = []
        if xml and csvs:
            self.problems.error(
                files, "", "", None,
                "mixes an EXPSSDA903 XML export with CSV tables; a return is either the XML "
                "file or the CSV tables, so import them separately (formats.md 1.4)")
            return [], []
        if len(xml) > 1:
            self.problems.error(files, "", "", None,
                                "holds more than one EXPSSDA903 XML file; import one return "
                                "at a time")
            return [], []
        if xml:
            self.meta.details["format"] = "xml"
            tables = self._load_xml(*xml[0])
        else:
            self.meta.details["format"] = "csv"
            for path, raw in csvs:
                table = self._load_csv(path, raw)
                if table is None:
                    self._unreadable += 1
                else:
                    tables.append(table)
        if not xml:
            self.meta.rows = sum(len(t.rows) for t in tables)
        return self._process(tables)

    # -- CSV -----------------------------------------------------------------------------------

    def _decode(self, name: str, raw: bytes) -> str | None:
        """UTF-8 with or without BOM, or UTF-16 with BOM; any other encoding only when the
        user names it (formats.md 6.1: never guess a code page silently)."""
        forced = self.settings.encoding
        if forced:
            try:
                codecs.lookup(forced)
            except LookupError:
                self.problems.error(name, "", "", forced,
                                    f"the encoding {forced!r} given for this file is not one "
                                    "Python knows (try utf-8, cp1252 or utf-16)")
                return None
            encoding, label = forced, forced
        elif raw.startswith(codecs.BOM_UTF8):
            encoding, label = "utf-8-sig", "UTF-8"
        elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding, label = "utf-16", "UTF-16"
        else:
            encoding, label = "utf-8", "UTF-8"
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as exc:
            offset = exc.start + (3 if encoding == "utf-8-sig" else 0)
            line = raw.count(b"\n", 0, offset) + 1
            bad = raw[offset:offset + 1].hex().upper()
            hint = (" or give the encoding it was saved in (for example cp1252)"
                    if not forced else "")
            self.problems.error(
                name, f"byte {offset} (line {line})", "", f"0x{bad}",
                f"cannot be read as {label}: the byte at offset {offset} is not valid "
                f"{label}. The file was probably saved in another encoding (Excel's plain "
                f"\"CSV\" option uses Windows cp1252). Open it in Excel and save it as "
                f"\"CSV UTF-8 (Comma delimited)\"{hint}")
            return None
        if text.startswith("\ufeff"):
            text = text[1:]
        if "\x00" in text:
            self.problems.error(
                name, "", "", None,
                "contains NUL characters: it looks like UTF-16 saved without a byte-order "
                "mark. Save it as \"CSV UTF-8 (Comma delimited)\"")
            return None
        return text

    def _load_csv(self, path: Path, raw: bytes) -> _Table | None:
        name = path.name
        text = self._decode(name, raw)
        if text is None:
            return None
        rows: list[tuple[int, list[str]]] = []
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        try:
            for cells in reader:
                rows.append((start, cells))
                start = reader.line_num + 1
        except csv.Error as exc:
            self.problems.error(name, f"line {reader.line_num}", "", None,
                                f"cannot be read as CSV: {exc}")
            return None
        nonblank = [(i, line, cells) for i, (line, cells) in enumerate(rows)
                    if any(c.strip() for c in cells)]
        if not nonblank:
            self.problems.error(name, "", "", None,
                                "is empty: it has no header row and no data")
            return None
        header_at = None
        for i, _line, cells in nonblank[:HEADER_SEARCH_ROWS]:
            if table_for_header(cells)[0] is not None:
                header_at = i
                break
        if header_at is None:
            i, line, cells = nonblank[0]
            self._no_table(name, line, cells)
            return None
        header_line, header = rows[header_at]
        table_name = table_for_header(header)[0]
        assert table_name is not None
        table = _Table(table_name, name)
        skipped = [line for i, line, _ in nonblank if i < header_at]
        if skipped:
            self.problems.warning(
                name, f"lines {skipped[0]}-{header_line - 1}", "", None,
                f"{len(skipped)} row(s) above the header row (line {header_line}) were "
                "skipped")
        table.blank_rows = sum(1 for i, (_, c) in enumerate(rows)
                               if i < header_at and not any(x.strip() for x in c))
        index = self._header_index(table, header, header_line)
        body = rows[header_at + 1:]
        unnamed = [pos for pos, cell in enumerate(header) if not _norm_header(cell)]
        unnamed_used: set[int] = set()
        data_no = 0
        for line, cells in body:
            if not any(c.strip() for c in cells):
                table.blank_rows += 1
                continue
            data_no += 1
            where = f"row {data_no} (line {line})"
            if len(cells) < len(header):
                self.problems.error(
                    name, where, "", None,
                    f"the row has {len(cells)} values but the header has {len(header)} "
                    "columns, so its values cannot be matched to columns; the row was not "
                    "read")
                continue
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                self.problems.error(
                    name, where, "", None,
                    f"the row has {len(cells)} values but the header has only {len(header)} "
                    "columns; the row was not read")
                continue
            unnamed_used.update(p for p in unnamed if cells[p].strip())
            table.rows.append(_Row(where, {col: cells[pos] for col, pos in index.items()}))
        for pos in unnamed:
            letter = _column_letter(pos)
            if pos in unnamed_used:
                self._extra_column(table, f"(unnamed column {pos + 1}, {letter})", header_line)
            else:
                self.problems.warning(name, f"column {pos + 1} ({letter})", "", None,
                                      "an empty column without a name was ignored")
        return table

    def _no_table(self, name: str, line: int, cells: list[str]) -> None:
        if len(cells) == 1 and any(d in cells[0] for d in (";", "\t")):
            sep = "semicolons" if ";" in cells[0] else "tabs"
            self.problems.error(
                name, f"line {line}", "", None,
                f"its columns are separated by {sep}, not commas; save it as \"CSV UTF-8 "
                "(Comma delimited)\"")
            return
        _, diag = table_for_header(cells)
        closest = diag["closest"]
        self.problems.error(
            name, f"line {line}", "", None,
            "the header row does not match any SSDA903 table (tables are recognised by their "
            f"columns, not the file name). Closest is {closest} "
            f"({', '.join(TABLE_COLUMNS[closest])}): missing "
            f"{', '.join(diag['missing']) or 'nothing'}; unexpected "
            f"{', '.join(diag['unexpected']) or 'nothing'}")

    def _header_index(self, table: _Table, header: list[str], line: int) -> dict[str, int]:
        """Column name -> position, reporting duplicated names (both positions) and columns
        that are not part of the table (formats.md 6.4: never drop them silently)."""
        wanted = set(table.spec.column_names)
        positions: dict[str, list[int]] = defaultdict(list)
        for pos, cell in enumerate(header):
            col = _norm_header(cell)
            if col:
                positions[col].append(pos)
        index: dict[str, int] = {}
        for col, where in positions.items():
            if len(where) > 1:
                places = " and ".join(f"{p + 1} ({_column_letter(p)})" for p in where)
                self.problems.error(
                    table.file, f"line {line}", col, None,
                    f"the column {col} appears more than once, in columns {places}; keep one")
            if col in wanted:
                index[col] = where[0]
            else:
                self._extra_column(table, clean_text(header[where[0]]) or col, line)
        return index

    def _extra_column(self, table: _Table, column: str, line: int) -> None:
        expected = ", ".join(table.spec.column_names)
        where = f"header row (line {line})"
        if self.settings.extra_columns == "ignore":
            self.problems.warning(
                table.file, where, column, None,
                f"the column {column} is not part of the 903 {table.name} table; it was "
                "ignored as asked (extra columns: ignore)")
        else:
            self.problems.error(
                table.file, where, column, None,
                f"the column {column} is not part of the 903 {table.name} table "
                f"({expected}); remove it, or choose to ignore extra columns")

    # -- XML -----------------------------------------------------------------------------------

    def _load_xml(self, path: Path, raw: bytes) -> list[_Table]:
        """Flatten the export into the same tables as the CSV form (formats.md 1.4), so both
        forms go through one set of checks.  Streams with iterparse and clears each CHILD."""
        name = path.name
        tables = {t: _Table(t, name, from_xml=True) for t in TABLES
                  if t not in ("sw_episodes", "DoLo")}
        count = 0
        root = None
        try:
            context = etree.iterparse(
                io.BytesIO(raw), events=("start", "end"), resolve_entities=False,
                no_network=True, load_dtd=False, remove_comments=True, remove_pis=True)
            for event, el in context:
                if root is None:
                    root = el
                    if _local(el.tag) != XML_ROOT:
                        self.problems.error(name, _local(el.tag), "", None,
                                            f"the root element is {_local(el.tag)}, not "
                                            f"{XML_ROOT}: this is not an SSDA903 XML export")
                        return []
                    continue
                if event != "end" or el.getparent() is not root:
                    continue
                if _local(el.tag) == "CHILD":
                    count += 1
                    self._xml_child(el, count, tables)
                else:
                    self._xml_extra(name, f"{XML_ROOT}/{_local(el.tag)}", _local(el.tag),
                                    XML_ROOT)
                el.clear()
                while el.getprevious() is not None:
                    del root[0]
        except etree.XMLSyntaxError as exc:
            self.problems.error(name, f"line {exc.lineno}", "", None,
                                f"is not well-formed XML: {exc.msg}")
        self.meta.rows = count
        if root is not None and count == 0:
            self.problems.error(name, XML_ROOT, "CHILD", None, "holds no CHILD elements")
        return list(tables.values())

    def _xml_child(self, el: etree._Element, n: int, tables: dict[str, _Table]) -> None:
        file = tables["header"].file
        base = f"{XML_ROOT}/CHILD[{n}]"
        headers = [c for c in el if isinstance(c.tag, str) and _local(c.tag) == "HEADER"]
        if not headers:
            self.problems.error(file, base, "HEADER", None,
                                "the CHILD has no HEADER element, so it has no CHILDID")
            return
        if len(headers) > 1:
            self.problems.error(file, base, "HEADER", None,
                                f"the CHILD has {len(headers)} HEADER elements; it must have "
                                "one")
        hpath = f"{base}/HEADER"
        h, groups = self._xml_fields(headers[0], hpath, _XML_HEADER_FIELDS, _XML_HEADER_GROUPS)
        child_id = h.get("CHILDID", "")
        note = f" (CHILDID {clean_text(child_id)})" if clean_text(child_id) else ""
        who = {"CHILD": child_id}
        tables["header"].rows.append(_Row(hpath, {
            **who, **{c: h.get(c, "") for c in TABLE_COLUMNS["header"][1:]}}, note))
        flag = (clean_text(h.get("UASC")) or "")
        if flag == "1":
            tables["uasc"].rows.append(_Row(hpath, {
                **who, "SEX": h.get("SEX", ""), "DUC": h.get("DUC", "")}, note))
        elif flag not in ("", "0"):
            self.problems.error(file, f"{hpath}/UASC", "UASC", flag,
                                f"UASC must be 1 or empty{note}")
        for table, cols in (("ad1", TABLE_COLUMNS["ad1"][2:]),
                            ("oc3", TABLE_COLUMNS["oc3"][2:])):
            if any(clean_text(h.get(c)) for c in cols):
                tables[table].rows.append(_Row(hpath, {**who, **{c: h.get(c, "") for c in cols}},
                                               note))
        counters: dict[str, int] = defaultdict(int)
        for tag, sub in groups:
            counters[tag] += 1
            table, cols, repeats = _XML_HEADER_GROUPS[tag]
            where = f"{hpath}/{tag}[{counters[tag]}]"
            if not repeats and counters[tag] == 2:
                self.problems.error(file, where, tag, None,
                                    f"the HEADER holds more than one {tag} element{note}")
            values, _ = self._xml_fields(sub, where, cols, {})
            tables[table].rows.append(_Row(where, {**who, **{c: values.get(c, "") for c in cols}},
                                           note))
        episode_no = 0
        for sub in el:
            if not isinstance(sub.tag, str):
                continue
            tag = _local(sub.tag)
            if tag == "HEADER":
                continue
            if tag != "EPISODE":
                self._xml_extra(file, f"{base}/{tag}", tag, "CHILD")
                continue
            episode_no += 1
            where = f"{base}/EPISODE[{episode_no}]"
            values, _ = self._xml_fields(sub, where, _XML_EPISODE_FIELDS, {})
            row = {c: values.get(_XML_NAMES.get(c, c), "") for c in TABLE_COLUMNS["episodes"]}
            row["CHILD"] = child_id
            tables["episodes"].rows.append(_Row(where, row, note))

    def _xml_fields(self, el: etree._Element, path: str, allowed: Iterable[str],
                    groups: dict) -> tuple[dict[str, str], list[tuple[str, etree._Element]]]:
        file = self.paths[0].name
        allowed = set(allowed)
        values: dict[str, str] = {}
        found_groups: list[tuple[str, etree._Element]] = []
        if el.text and el.text.strip():
            self.problems.error(file, path, _local(el.tag), el.text.strip(),
                                "stray text inside the element; it should hold only elements")
        for sub in el:
            if not isinstance(sub.tag, str):
                continue
            tag = _local(sub.tag)
            if sub.tail and sub.tail.strip():
                self.problems.error(file, f"{path}/{tag}", tag, sub.tail.strip(),
                                    "stray text after the element")
            if tag in groups:
                found_groups.append((tag, sub))
                continue
            if tag not in allowed:
                self._xml_extra(file, f"{path}/{tag}", tag, _local(el.tag))
                continue
            if tag in values:
                self.problems.error(file, f"{path}/{tag}", tag, None,
                                    f"the element {tag} appears more than once")
                continue
            if len(sub):
                self.problems.error(file, f"{path}/{tag}", tag, None,
                                    "the element should hold a value, not other elements")
            values[tag] = sub.text or ""
        return values, found_groups

    def _xml_extra(self, file: str, where: str, tag: str, parent: str) -> None:
        message = f"the element {tag} is not part of an EXPSSDA903 {parent}"
        if self.settings.extra_columns == "ignore":
            self.problems.warning(file, where, tag, None,
                                  f"{message}; it was ignored as asked (extra columns: ignore)")
        else:
            self.problems.error(file, where, tag, None,
                                f"{message}; remove it, or choose to ignore extra columns")

    # -- checks common to both forms -----------------------------------------------------------

    def _process(self, tables: list[_Table]) -> tuple[list[ChildRecord], list[EventRecord]]:
        by_name: dict[str, list[_Table]] = defaultdict(list)
        for t in tables:
            by_name[t.name].append(t)
        files = ", ".join(p.name for p in self.paths)
        for name, group in by_name.items():
            if len(group) > 1:
                self.problems.error(
                    ", ".join(t.file for t in group), "", "", None,
                    f"{len(group)} files hold the {name} table; give one file per table")
        present = {name: group[0] for name, group in by_name.items()}
        # A file that could not be decoded or recognised already has its own error; saying
        # that its table is missing as well would only send the user looking in the wrong place.
        for name in REQUIRED_TABLES if not self._unreadable else ():
            if name not in present:
                self.problems.error(
                    files, "", "", None,
                    f"no {name} table was found among the files; the return needs one "
                    f"(columns {', '.join(TABLE_COLUMNS[name])}), recognised by its "
                    "columns whatever the file is called")
        for t in tables:
            if not t.rows and not t.from_xml:
                if t.name in REQUIRED_TABLES:
                    self.problems.error(t.file, "", "", None,
                                        f"the {t.name} table has a header row but no data "
                                        "rows")
                else:
                    self.problems.warning(t.file, "", "", None,
                                          f"the {t.name} table has a header row but no data "
                                          "rows")
            elif not t.rows and t.from_xml and t.name == "episodes":
                self.problems.error(t.file, XML_ROOT, "EPISODE", None,
                                    "the export holds no EPISODE elements")

        header = present.get("header")
        id_decision = None
        if header is not None:
            id_decision = self._clean_ids(header)
        for t in tables:
            if t is not header:
                self._clean_ids(t, id_decision if t.from_xml else None)

        period = self._period(present.get("episodes"), tables)
        self.meta.period = period
        self.meta.reference_date = dt.date(period, 3, 31) if period else None
        for t in tables:
            spec = t.spec
            if spec.from_year and period and period < spec.from_year and t.rows:
                self.problems.warning(
                    t.file, "", "", None,
                    f"the {t.name} table belongs to the return from {spec.from_year}; this is "
                    f"the {period} return. It was checked but arpkit does not use it")
            for row in t.rows:
                t.parsed.append(self._check_row(t, row, period))
        for t in tables:
            if t.spec.one_row_per_child:
                self._duplicates(t)
        children = self._children(header, present.get("uasc"), period)
        events = self._episodes(present.get("episodes"), header, period)
        self._flush_repairs()
        self.meta.details["tables"] = {
            name: {"files": [t.file for t in group], "rows": sum(len(t.rows) for t in group),
                   "blank_rows": sum(t.blank_rows for t in group)}
            for name, group in by_name.items()
        }
        self.meta.details["children"] = len(children)
        self.meta.details["episodes"] = len(events)
        return children, events

    def _clean_ids(self, t: _Table, decision: dict[str, str | None] | None = None,
                   ) -> dict[str, str | None]:
        """CHILD ids as text (formats.md 6.5).  A trailing ``.0`` is stripped only when EVERY
        id in the file's column has one (the column went through a spreadsheet or pandas as
        floats), and the repair is reported; leading zeros survive.  In a mixed column a
        ``123.0`` is an error: stripping it could merge two children, keeping it would split
        one.  For XML the header's decision applies to every table built from it, and a bad
        id is reported once, on the header."""
        if decision is not None:
            for row in t.rows:
                t.children.append(decision.get(row.values.get("CHILD", "")))
            return decision
        texts = [clean_text(row.values.get("CHILD")) for row in t.rows]
        nonblank = [x for x in texts if x]
        all_float = bool(nonblank) and all(_INTEGRAL_FLOAT.match(x) for x in nonblank)
        mapping: dict[str, str | None] = {}
        for row, text in zip(t.rows, texts, strict=True):
            raw = row.values.get("CHILD", "")
            child: str | None = None
            loc, fld = row.where, _field_name(t, "CHILD")
            if not text:
                self.problems.error(t.file, loc, fld, None,
                                    f"CHILD is blank; every row needs the child's id{row.note}")
            elif text.upper() in PLACEHOLDERS:
                self.problems.error(t.file, loc, fld, text,
                                    "is a placeholder, not a child id; every row needs the "
                                    "child's id")
            elif _INTEGRAL_FLOAT.match(text) and not all_float:
                self.problems.error(t.file, loc, fld, text,
                                    "looks like an id saved as a decimal, but other ids in "
                                    "this file are not; re-export the ids as text so the "
                                    "child matches across tables")
            elif _NON_INTEGRAL_NUMBER.match(text) and not _INTEGRAL_FLOAT.match(text):
                self.problems.error(t.file, loc, fld, text,
                                    "is a number with decimals or an exponent, not a child id: "
                                    "the id column was probably converted to numbers; "
                                    "re-export the ids as text")
            else:
                child = clean_identifier(text)
            mapping[raw] = child
            t.children.append(child)
        if all_float:
            self.problems.warning(
                t.file, "", _field_name(t, "CHILD"), nonblank[0],
                f"every CHILD id in this file was saved as a decimal (like {nonblank[0]!r}); "
                f"the trailing '.0' was removed from {len(nonblank)} ids, keeping any leading "
                "zeros")
        return mapping

    def _period(self, episodes: _Table | None, tables: list[_Table]) -> int | None:
        """The collection year: ``settings.period`` if given, else the year ending on the 31
        March on or after the latest DECOM (formats.md 6.6).

        DECOM, not DEC: within a return both must be on or before 31 March (903 rules 354 and
        385), but published fake returns end some episodes on 1 April, and one late DEC should
        not move a whole return into the next year; such a DEC is reported instead.  Dates in
        the future are ignored here (and reported as errors) so one typo cannot move it either.
        """
        latest: tuple[dt.date, _Row] | None = None
        decoms: list[dt.date] = []
        if episodes is not None:
            for row in episodes.rows:
                d = _quiet_date(row.values.get("DECOM", ""))
                if d is None or d > self._today:
                    continue
                decoms.append(d)
                if latest is None or d > latest[0]:
                    latest = (d, row)
        content = _year_ending_after(latest[0]) if latest else None
        given = self.settings.period
        if latest:
            self.meta.details["latest_decom"] = latest[0].isoformat()
        if given:
            self.meta.details["period_from"] = "settings"
            if content and content > given:
                late = sum(1 for d in decoms if d > dt.date(given, 3, 31))
                assert episodes is not None
                self.problems.error(
                    episodes.file, latest[1].where, "DECOM", _uk(latest[0]),
                    f"{late} episode(s) start after 31/03/{given}, the end of the collection "
                    f"year given ({given}); the latest DECOM belongs to the {content} return. "
                    "Check the year given")
            elif content and content < given:
                assert episodes is not None
                self.problems.warning(
                    episodes.file, latest[1].where, "DECOM", _uk(latest[0]),
                    f"the latest episode starts on {_uk(latest[0])}, so the content looks like "
                    f"the {content} return, not {given} as given")
            period = given
        else:
            self.meta.details["period_from"] = "content"
            period = content
            if period is None:
                self.problems.error(
                    ", ".join(p.name for p in self.paths), "", "", None,
                    "the collection year cannot be told: there are no readable episode start "
                    "dates (DECOM). Give the year (for example --period 2025)")
        if period is not None:
            by_claim: dict[tuple[int, ...], list[str]] = defaultdict(list)
            for file in dict.fromkeys(t.file for t in tables):
                years = _years_in_name(file)
                if years and period not in years:
                    by_claim[tuple(sorted(years))].append(file)
            for years, names in by_claim.items():
                shown = " or ".join(str(y) for y in years)
                basis = (f"{period} was given" if given else
                         f"the content is the {period} return (latest DECOM "
                         f"{_uk(latest[0]) if latest else '?'})")
                self.problems.warning(
                    ", ".join(names), "", "", None,
                    f"the file name suggests the {shown} return but {basis}; the year is "
                    "never taken from a file name")
        return period

    def _check_row(self, t: _Table, row: _Row, year: int | None) -> dict[str, object]:
        """Check one row's values against its table's column forms (codes_903.TABLES) and
        return the parsed values.  Every problem is logged; nothing stops the read."""
        out: dict[str, object] = {}
        for col in t.spec.columns:
            if col.kind is ColumnKind.ID or col.name not in row.values:
                continue
            raw = row.values[col.name]
            text = clean_text(raw) if raw else None
            if text is None:
                if col.required:
                    self.problems.error(t.file, row.where, _field_name(t, col.name), None,
                                        f"{col.name} is blank but must be given{row.note}")
                out[col.name] = None
                continue
            if text.upper() in PLACEHOLDERS:
                self.problems.error(
                    t.file, row.where, _field_name(t, col.name), text,
                    f"is a placeholder, not a value; leave the cell empty when there is "
                    f"nothing to record{row.note}")
                out[col.name] = None
                continue
            kind = col.kind
            if kind is ColumnKind.DATE:
                out[col.name] = self._check_date(t, row, col.name, text, year)
            elif kind is ColumnKind.CODE:
                out[col.name] = self._check_code(t, row, col, text, year)
            elif kind in (ColumnKind.FLAG, ColumnKind.INT):
                out[col.name] = self._check_number(t, row, col, text)
            elif kind is ColumnKind.ETHNICITY:
                out[col.name] = raw.strip()
            else:
                out[col.name] = text
        return out

    def _check_date(self, t: _Table, row: _Row, col: str, text: str,
                    year: int | None) -> dt.date | None:
        fld = _field_name(t, col)
        d = self._dates.get(text)
        if d is None:
            try:
                d = self._dates[text] = parse_uk_date(text)
            except ValueError as exc:
                self.problems.error(t.file, row.where, fld, text,
                                    f"{col} {exc} (dates are day/month/year){row.note}")
                return None
        if d < EARLIEST_PLAUSIBLE:
            self.problems.error(t.file, row.where, fld, text,
                                f"{col} is before {_uk(EARLIEST_PLAUSIBLE)}, which is not "
                                f"plausible for a child's record{row.note}")
            return None
        if col in _NOT_FUTURE and d > self._today:
            self.problems.error(t.file, row.where, fld, text,
                                f"{col} is in the future{row.note}")
            return None
        if col == "DOB" and year and d > dt.date(year, 3, 31):
            self.problems.error(t.file, row.where, fld, text,
                                f"DOB is after the end of the {year} collection year "
                                f"(31/03/{year}){row.note}")
        return d

    def _check_code(self, t: _Table, row: _Row, col: Column, text: str,
                    year: int | None) -> str | None:
        code = text.upper()
        codes = col.codes
        assert codes is not None
        status = codes.status(code, year)
        if status is CodeStatus.OK:
            return code
        fld = _field_name(t, col.name)
        if status is CodeStatus.UNKNOWN:
            valid = ", ".join(codes.codes_for(year))
            self.problems.error(t.file, row.where, fld, text,
                                f"is not a valid {col.name} code; expected one of "
                                f"{valid}{row.note}")
            return None
        first, last = codes.span(code)
        when = (f"only from the {first} return" if status is CodeStatus.NOT_YET
                else f"only up to the {last} return")
        if (t.name, col.name) in _STRICT_YEAR_COLUMNS:
            valid = ", ".join(codes.codes_for(year))
            self.problems.error(t.file, row.where, fld, text,
                                f"{col.name} {code} is used {when}; in the {year} return "
                                f"{col.name} must be one of {valid}{row.note}")
            return None
        self._repair(t, row, col.name, code,
                     f"{col.name} {code} is valid {when}, but this is the {year} return; it "
                     "was read with its usual meaning")
        return code

    def _check_number(self, t: _Table, row: _Row, col: Column, text: str) -> int | None:
        fld = _field_name(t, col.name)
        m = _INTEGRAL_FLOAT.match(text)
        digits = text.split(".")[0] if m else text
        try:
            value = int(digits)
        except ValueError:
            value = None
        if value is not None and col.kind is ColumnKind.FLAG and value not in (0, 1):
            value = None
        if value is None:
            expected = "0 or 1" if col.kind is ColumnKind.FLAG else "a whole number"
            self.problems.error(t.file, row.where, fld, text,
                                f"{col.name} must be {expected}{row.note}")
            return None
        if col.kind is ColumnKind.INT and (
                (col.low is not None and value < col.low)
                or (col.high is not None and value > col.high)):
            self.problems.error(t.file, row.where, fld, text,
                                f"{col.name} must be between {col.low} and {col.high}"
                                f"{row.note}")
            return None
        if m:
            self._repair(t, row, col.name, text,
                         f"{col.name} {text!r} was read as {value} (a whole number saved as a "
                         "decimal)")
        return value

    def _repair(self, t: _Table, row: _Row, col: str, value: str, message: str) -> None:
        key = (t.file, t.name, col, value)
        rep = self._repairs.get(key)
        if rep is None:
            rep = self._repairs[key] = _Repair(message, row.where + row.note)
        rep.count += 1

    def _flush_repairs(self) -> None:
        for (file, table, col, value), rep in self._repairs.items():
            fld = _XML_NAMES.get(col, col) if self.meta.details.get("format") == "xml" else col
            where = rep.where if rep.count == 1 else f"{rep.where} and {rep.count - 1} more"
            self.problems.warning(file, where, fld, value,
                                  f"{rep.message} ({rep.count} row(s) of the {table} table)")
        self._repairs.clear()

    def _duplicates(self, t: _Table) -> None:
        """Tables with one row per child (header, UASC, OC2, ...).  Conflicting rows for one
        child are an error listing every row (formats.md 6.9: there is no rule for choosing
        one); identical repeats are a warning and are read once."""
        rows_by_child: dict[str, list[int]] = defaultdict(list)
        for i, child in enumerate(t.children):
            if child is not None:
                rows_by_child[child].append(i)
        for child, idx in rows_by_child.items():
            if len(idx) < 2:
                continue
            places = ", ".join(t.rows[i].where for i in idx)
            columns = [c for c in t.spec.column_names if c != "CHILD"]
            differ = [c for c in columns
                      if len({_comparable(t.rows[i].values.get(c)) for i in idx}) > 1]
            if differ:
                self.problems.error(
                    t.file, places, "CHILD", child,
                    f"the child appears in {len(idx)} rows of the {t.name} table with different "
                    f"values ({', '.join(differ)} differ); the table holds one row per child, "
                    "so keep the right one")
            else:
                self.problems.warning(
                    t.file, places, "CHILD", child,
                    f"the child appears in {len(idx)} identical rows of the {t.name} table; "
                    "read once")
                t.skip.update(idx[1:])

    def _children(self, header: _Table | None, uasc: _Table | None,
                  period: int | None) -> list[ChildRecord]:
        if header is None:
            return []
        uasc_ids = ({c for c in uasc.children if c} if uasc is not None else None)
        if uasc is None:
            self.problems.warning(
                ", ".join(p.name for p in self.paths), "", "", None,
                "no UASC table was given, so whether children were unaccompanied asylum-"
                "seeking children is unknown (an empty UASC table would mean none were)")
        skip = header.skip
        out: list[ChildRecord] = []
        for i, (child, parsed) in enumerate(zip(header.children, header.parsed, strict=True)):
            if child is None or i in skip:
                continue
            sex = parsed.get("SEX")
            out.append(ChildRecord(
                source_child_id=child,
                ethnicity_label=parsed.get("ETHNIC") or None,  # type: ignore[arg-type]
                sex=normalise_sex(sex) if isinstance(sex, str) else None,
                birth_date=parsed.get("DOB"),  # type: ignore[arg-type]
                disabled=None,
                uasc=(child in uasc_ids) if uasc_ids is not None else None,
            ))
        return out

    def _episodes(self, episodes: _Table | None, header: _Table | None,
                  period: int | None) -> list[EventRecord]:
        if episodes is None:
            return []
        known = {c for c in header.children if c} if header is not None else None
        absent: dict[str, list[str]] = defaultdict(list)
        year_end = dt.date(period, 3, 31) if period else None
        out: list[EventRecord] = []
        for row, child, p in zip(episodes.rows, episodes.children, episodes.parsed, strict=True):
            if child is None:
                continue
            if known is not None and header is not None and header.rows and child not in known:
                absent[child].append(row.where)
            start, end = p.get("DECOM"), p.get("DEC")
            if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
                self.problems.error(episodes.file, row.where, _field_name(episodes, "DEC"),
                                    _uk(end), f"the episode ends (DEC) before it starts "
                                    f"(DECOM {_uk(start)}){row.note}")
            if isinstance(end, dt.date) and p.get("REC") is None and \
                    clean_text(row.values.get("REC")) is None:
                self.problems.error(episodes.file, row.where, "REC", None,
                                    "REC is blank but the episode has an end date (DEC); the "
                                    "reason is needed to tell whether the child left care"
                                    f"{row.note}")
            if year_end and isinstance(end, dt.date) and end > year_end:
                self.problems.warning(
                    episodes.file, row.where, _field_name(episodes, "DEC"), _uk(end),
                    f"DEC is after the end of the collection year (31/03/{period}; 903 rule "
                    "385), so the child will not count as looked after on 31 March"
                    f"{row.note}")
            if not isinstance(start, dt.date):
                continue
            detail = json.dumps({"place_provider": p.get("PLACE_PROVIDER"),
                                 "reason_place_change": p.get("REASON_PLACE_CHANGE")},
                                separators=(",", ":"))
            out.append(EventRecord(
                child, "cla", start, end if isinstance(end, dt.date) else None,
                None, None, None, p.get("REC"), p.get("CIN"), None,  # type: ignore[arg-type]
                p.get("LS"), p.get("PLACE"), p.get("RNE"), detail))  # type: ignore[arg-type]
        for child, wheres in absent.items():
            self.problems.error(
                episodes.file, ", ".join(wheres), _field_name(episodes, "CHILD"), child,
                f"the child has {len(wheres)} episode(s) but no row in the header table "
                f"({header.file if header else 'header'})")
        return out


# ---------------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------------


def _decode_head(head: bytes) -> str:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


def _looks_like_xml(raw: bytes) -> bool:
    return _decode_head(raw[:4096]).lstrip().startswith("<")


_FIRST_ELEMENT = re.compile(r"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def _xml_root_name(text: str) -> str | None:
    """Name of the first element, skipping the declaration, comments and a DOCTYPE."""
    pos = 0
    while True:
        pos = text.find("<", pos)
        if pos < 0:
            return None
        if text.startswith("<?", pos):
            pos = text.find("?>", pos) + 2 if "?>" in text[pos:] else len(text)
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            pos = end + 3 if end >= 0 else len(text)
        elif text.startswith("<!", pos):
            end = text.find(">", pos)
            pos = end + 1 if end >= 0 else len(text)
        else:
            m = _FIRST_ELEMENT.match(text, pos)
            return m[2] if m else None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else str(tag)


def _field_name(t: _Table, col: str) -> str:
    """The name the user sees in their file: CSV column, or XML element (CHILDID, PL)."""
    return _XML_NAMES.get(col, col) if t.from_xml else col


def _column_letter(pos: int) -> str:
    letters = ""
    n = pos + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _comparable(value: str | None) -> str:
    return (clean_text(value) or "").upper()


def _quiet_date(text: str) -> dt.date | None:
    t = clean_text(text)
    if not t:
        return None
    try:
        d = parse_uk_date(t)
    except ValueError:
        return None
    return d if d >= EARLIEST_PLAUSIBLE else None


def _year_ending_after(d: dt.date) -> int:
    """The collection year (named by its end) containing ``d``: the 31 March on or after it."""
    return d.year if (d.month, d.day) <= (3, 31) else d.year + 1


def _uk(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


_NAME_YEARS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?<!\d)(20\d\d)[-_ ]?(\d\d)(?!\d)"), "pair4"),  # 2017-18, 201819
    (re.compile(r"(?<!\d)\d{4}(20\d\d)(?!\d)"), "ddmmyyyy"),  # 14032021
    (re.compile(r"(?<!\d)(20\d\d)(?!\d)"), "year"),  # 2022
    (re.compile(r"(?<!\d)(\d\d)[-_ ]?(\d\d)(?!\d)"), "pair2"),  # 1920, 21-22
)


def _years_in_name(name: str) -> set[int]:
    """Collection years a file name seems to claim, in the forms LIIA accepts (formats.md
    6.6: ``2022``, ``14032021``, ``2017-18``, ``201819``, ``1920``, ``21-22``).  Two-year forms
    mean the year the collection ends.  Used only to warn, never to decide."""
    stem = Path(name).stem
    for pattern, form in _NAME_YEARS:
        years: set[int] = set()
        for m in pattern.finditer(stem):
            if form == "pair4":
                first, second = int(m[1]), int(m[2])
                if second == (first + 1) % 100:
                    years.add(first + 1)
            elif form == "pair2":
                first, second = int(m[1]), int(m[2])
                if second == first + 1:
                    years.add(2000 + second)
            else:
                years.add(int(m[1]))
        if years:
            return years
    return set()
