"""Population (denominator) readers: a simple CSV, ONS Census 2021 bulk tables, the school census.

Rates by ethnicity need a child denominator by ethnicity, and DfE publishes none (methods.md
§6.1), so each authority brings its own.  Three layouts are read here, each its own class so the
importer's content sniffing (``detect.py``) picks exactly one:

* :class:`PopulationReader`: ``ethnicity,population`` plus optional ``period, la_code,
  age_band, sex, source, vintage`` (the authority's own table).
* :class:`OnsEthnicityByAgeReader`: an ONS Census 2021 bulk download of ethnic group by age,
  aggregated to ages 0–17.  The all-age TS021 table has the same layout without age; it is
  recognised and refused as a child denominator (age structures differ by ethnic group, so
  all-age shares bias child rates: formats.md §5.2) unless ``allow_all_age_population`` is set,
  in which case its rows are labelled ``all_ages``.
* :class:`SchoolCensusReader`: DfE ``spc_pupils_ethnicity_and_language`` (pupils on roll by
  ethnicity), the denominator the D2I disproportionality tool uses.

Denominators are versioned (methods.md §6.1): every :class:`PopulationRecord` keeps its
``source`` and ``vintage``.  Ethnicity labels are mapped with
:func:`arpkit.engine.ethnicity.population_label` / :func:`~arpkit.engine.ethnicity.ons_category`
(the one mapping table the whole toolkit shares), never with a local copy.

The CSV helpers at the top (decoding, header checks, counts) follow formats.md §6.1–6.4 and are
shared with the case-system extract reader.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from arpkit.engine.errors import ProblemLog
from arpkit.engine.ethnicity import (
    NOT_KNOWN_GROUPS,
    EthnicityNormaliser,
    ons_category,
    population_label,
)
from arpkit.engine.records import Chunk, PopulationRecord, Reader, ReadSettings
from arpkit.engine.values import clean_text, normalise_sex

# ------------------------------------------------------------------------------------------
# CSV text: decoding, rows, headers (shared with readers/case_extract.py)
# ------------------------------------------------------------------------------------------

SAVE_AS_UTF8 = 're-save it as "CSV UTF-8" or give its encoding (for example --encoding cp1252)'


def decode_bytes(data: bytes, file: str, encoding: str | None, problems: ProblemLog) -> str | None:
    """Bytes to text by formats.md §6.1: UTF-8 with or without a BOM, UTF-16 with a BOM, or the
    encoding the user forces.  Nothing is guessed: undecodable bytes are one error naming the
    byte offset and line, and ``None`` is returned."""
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            problems.error(file, "", "encoding", encoding, "is not an encoding Python knows")
            return None
        if codec == "utf-8" and data.startswith(codecs.BOM_UTF8):
            codec = "utf-8-sig"
    elif data.startswith(codecs.BOM_UTF8):
        codec = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        codec = "utf-16"
    else:
        codec = "utf-8"
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start: exc.start + 1].hex().upper()
        problems.error(
            file, f"byte offset {exc.start} (line {line})", "", f"0x{bad}",
            f"cannot be read as {encoding or 'UTF-8'}: this byte is not valid there; "
            f"{SAVE_AS_UTF8}",
        )
        return None


def fold(text: str | None) -> str:
    """Trimmed, space-collapsed, case-folded text, for matching names and labels."""
    return (clean_text(text) or "").casefold()


#: How far down a file a header row is looked for when a reader says what its header holds
#: (case-system reports often start with a title and a "run on" line: formats.md §6.2).
HEADER_SEARCH_ROWS = 10


def head_rows(head: bytes, limit: int = HEADER_SEARCH_ROWS) -> list[list[str]]:
    """The folded cells of the first non-blank rows of a CSV, from its first bytes (for
    ``sniff``); [] for anything that is not CSV text."""
    if head.startswith(codecs.BOM_UTF8):
        text = head[3:].decode("utf-8", errors="replace")
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    else:
        text = head.decode("utf-8", errors="replace")
    if "\x00" in text or text.lstrip().startswith("<"):
        return []
    out: list[list[str]] = []
    for line in text.splitlines():
        if not line.strip(" ,;\t"):
            continue
        try:
            out.append([fold(c) for c in next(csv.reader([line]))])
        except (csv.Error, StopIteration):
            break
        if len(out) >= limit:
            break
    return out


def head_columns(head: bytes) -> list[str]:
    """The folded header cells of a CSV whose header is its first non-blank row; [] if none."""
    rows = head_rows(head, 1)
    return rows[0] if rows else []


@dataclass
class CsvRow:
    """One data row: ``number`` counts data rows from 1 (the header is not a row), ``line`` is
    the file line where the row ends, so a user can find it in Excel or a text editor."""

    number: int
    line: int
    cells: list[str]

    @property
    def where(self) -> str:
        return f"row {self.number} (line {self.line})"


@dataclass
class CsvTable:
    header: list[str]
    rows: list[CsvRow] = field(default_factory=list)
    blank_rows: int = 0

    def index(self) -> dict[str, int]:
        """Folded column name -> position (first occurrence)."""
        out: dict[str, int] = {}
        for i, name in enumerate(self.header):
            out.setdefault(fold(name), i)
        return out


def read_csv_table(path: Path, settings: ReadSettings, problems: ProblemLog, *,
                   is_header: Callable[[set[str]], bool] | None = None) -> CsvTable | None:
    """Read a whole CSV as text (no type inference), reporting every structural problem.

    The header is the first non-blank row or, when ``is_header`` is given, the first of the
    first :data:`HEADER_SEARCH_ROWS` non-blank rows whose folded cells it accepts (rows above
    are skipped and reported).  Wholly blank rows are skipped and counted (formats.md §6.2); a
    duplicated header name is an error naming both positions (§6.4); a row with more or fewer
    cells than the header is an error naming it; a header with no data rows is an error.
    Returns ``None`` when the file cannot be used at all.
    """
    file = path.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.error(file, "", "", None, f"cannot be read: {exc.strerror or exc}")
        return None
    text = decode_bytes(data, file, settings.encoding, problems)
    if text is None:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    lines: list[tuple[int, list[str]]] = []  # (file line where the row ends, cells)
    try:
        lines = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        problems.error(file, f"line {reader.line_num}", "", None,
                       f"is not valid CSV ({exc}); check quotes around values")
        return None
    filled = [i for i, (_, cells) in enumerate(lines) if any(c.strip() for c in cells)]
    if not filled:
        problems.error(file, "", "", None, "is empty: no header row was found")
        return None
    start = filled[0]
    if is_header is not None:
        start = next((i for i in filled[:HEADER_SEARCH_ROWS]
                      if is_header({fold(c) for c in lines[i][1]})), filled[0])
        skipped = sum(1 for i in filled if i < start)
        if skipped:
            problems.warning(file, f"lines 1-{lines[start][0] - 1}", "", None,
                             f"{skipped} row(s) above the header were skipped")
    table = CsvTable([clean_text(c) or "" for c in lines[start][1]])
    for line_num, cells in lines[start + 1:]:
        if not any(c.strip() for c in cells):
            table.blank_rows += 1
            continue
        table.rows.append(CsvRow(len(table.rows) + table.blank_rows + 1, line_num, cells))
    seen: dict[str, int] = {}
    for i, name in enumerate(table.header, start=1):
        key = fold(name)
        if not key:
            if any(len(r.cells) >= i and r.cells[i - 1].strip() for r in table.rows):
                problems.error(file, f"header column {i}", "", None,
                               "has values but no column name")
            continue
        if key in seen:
            problems.error(file, f"header columns {seen[key]} and {i}", name, name,
                           "the same column name appears twice; remove or rename one")
        else:
            seen[key] = i
    width = len(table.header)
    had_rows = bool(table.rows)
    good: list[CsvRow] = []
    for row in table.rows:
        cells = row.cells
        while len(cells) > width and not cells[-1].strip():
            cells = cells[:-1]  # trailing empty cells from spreadsheet exports
        if len(cells) != width:
            problems.error(file, row.where, "", None,
                           f"has {len(cells)} values but the header has {width} columns")
            continue
        row.cells = cells
        good.append(row)
    table.rows = good
    if not had_rows:
        problems.error(file, "", "", None, "has a header but no data rows")
    return table


_THOUSANDS = re.compile(r"^-?\d{1,3}(?:,\d{3})+$")
_WHOLE = re.compile(r"^-?\d+$")
_WHOLE_FLOAT = re.compile(r"^(-?\d+)\.0+$")


def parse_count(text: str) -> tuple[int, str | None]:
    """A head count as a non-negative whole number, plus a note when it needed a repair.

    ``1,234`` (a thousands separator from Excel) is accepted with a note, as is ``1234.0`` (a
    float re-save, formats.md §6.5); negative or non-numeric values raise ``ValueError``.
    """
    t = (clean_text(text) or "").replace("\u202f", "")
    note = None
    if not t:
        raise ValueError("is blank; a population count is required")
    if _THOUSANDS.match(t):
        t, note = t.replace(",", ""), "thousands separators removed"
    elif (m := _WHOLE_FLOAT.match(t)) is not None:
        t, note = m[1], "trailing '.0' removed"
    if not _WHOLE.match(t):
        raise ValueError("is not a whole number")
    value = int(t)
    if value < 0:
        raise ValueError("is negative; a population cannot be below zero")
    return value, note


_PERIOD = re.compile(r"^(\d{4})(?:[/-]?(\d{2}))?$")


def parse_period(text: str) -> int:
    """A collection year, named by the year it ends (formats.md conventions): ``2024``, or the
    academic/financial-year forms ``2023/24``, ``2023-24`` and DfE's ``202324`` (all -> 2024)."""
    t = clean_text(text) or ""
    m = _PERIOD.match(t)
    if not m:
        raise ValueError("is not a year such as 2024, 2023/24 or 202324")
    start = int(m[1])
    if m[2] is None:
        year = start
    else:
        year = start + 1
        if int(m[2]) != year % 100:
            raise ValueError(f"is not a year span: {m[2]} does not follow {m[1]}")
    if not 1990 <= year <= 2100:
        raise ValueError("is not a plausible collection year")
    return year


# ------------------------------------------------------------------------------------------
# Ethnicity labels
# ------------------------------------------------------------------------------------------


def _label_to_cell(label: str, chinese_group: str) -> tuple[str | None, str]:
    """(DfE code or None, group) for a population label, via the shared mapping.  A code keeps
    the authority's Chinese convention so numerator and denominator group alike."""
    return population_label(label, chinese_group=chinese_group)


def _ons_to_cell(label: str, code: str | None, chinese_group: str) -> tuple[str | None, str]:
    """An ONS Census 2021 category by its label, else its numeric code, else (for coarser
    classifications such as the 6-category one) as a group name."""
    attempts: list[str | int] = [label]
    if code is not None and _WHOLE.match(code):
        attempts.append(int(code))
    for attempt in attempts:
        try:
            return ons_category(attempt, chinese_group=chinese_group)  # type: ignore[arg-type]
        except (ValueError, KeyError, TypeError):
            continue
    return _label_to_cell(label, chinese_group)


def _ons_parts_of_one_cell(first: str, second: str) -> bool:
    """True when two different labels are both ONS Census 2021 categories (so they may map to
    one DfE cell: Arab and Any other ethnic group are both OOTH; Gypsy or Irish Traveller and
    Roma are both White without one DfE code).  Anything else mapping to one cell twice is a
    duplicate row."""
    if fold(first) == fold(second):
        return False
    try:
        ons_category(first)
        ons_category(second)
    except (ValueError, KeyError, TypeError):
        return False
    return True


def _warn_group_only_with_other_chinese(records: list[PopulationRecord], file: str,
                                        settings: ReadSettings, problems: ProblemLog) -> None:
    """Group-only Asian/Other cells follow the ONS/DfE convention (Chinese under Asian); with the
    Annex A convention they cannot be regrouped, so say so rather than mix conventions."""
    if settings.chinese_group != "other":
        return
    if any(r.ethnicity_code is None and r.ethnicity_group in ("ASIAN", "OTHER") for r in records):
        problems.warning(file, "", "ethnicity", None,
                         "some rows give only a top-level Asian or Other group; those include "
                         "Chinese under Asian (ONS/DfE convention) although this authority "
                         "groups Chinese under Other")


def area_filter(settings: ReadSettings) -> Callable[[str], bool] | None:
    """With ``--la`` given, a test keeping only that authority's rows of a national table
    (codes compared in canonical form, so ``E09000001`` matches ``201``); ``None`` keeps every
    area.  Without it every area is read and the importer canonicalises each row's code."""
    if not settings.la_code:
        return None
    from arpkit.engine.errors import ConfigError
    from arpkit.engine.la_codes import canonical_la_code

    def canon(code: str) -> str:
        try:
            return canonical_la_code(code)
        except ConfigError:
            return code.strip().upper()

    want = canon(settings.la_code)
    cache: dict[str, bool] = {}

    def keep(code: str) -> bool:
        if code not in cache:
            cache[code] = canon(code) == want
        return cache[code]

    return keep


def _chunks(records: list[PopulationRecord], size: int) -> Iterator[Chunk]:
    size = max(1, size)
    for i in range(0, len(records), size):
        yield Chunk(population=records[i: i + size])


def _check_extra(file: str, names: Sequence[str], settings: ReadSettings,
                 problems: ProblemLog, known: str) -> None:
    for name in names:
        if settings.extra_columns == "ignore":
            problems.warning(file, "header", name, name, f"column ignored (not one of {known})")
        else:
            problems.error(file, "header", name, name,
                           f"is not a column arpkit expects here ({known}); remove it, or "
                           "read with extra columns ignored")


# ------------------------------------------------------------------------------------------
# The authority's own CSV
# ------------------------------------------------------------------------------------------

USER_COLUMNS: tuple[str, ...] = (
    "ethnicity", "population", "period", "la_code", "age_band", "sex", "source", "vintage",
)
_NO_SEX = frozenset({"all", "total", "persons", "all persons"})


class PopulationReader(Reader):
    """``ethnicity,population`` with optional ``period, la_code, age_band, sex, source,
    vintage``; ethnicity as a DfE code, a top-level group or an ONS Census 2021 category name.

    A row without ``period`` applies to every period; ``la_code`` falls back to ``--la`` and then
    to the importer; ``source`` defaults to ``user_csv``; a missing ``vintage`` is allowed but
    warned about once, because an unversioned denominator cannot be traced (methods.md §6.1).
    """

    kind = "population"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        cols = set(head_columns(head))
        return {"ethnicity", "population"} <= cols and "time_period" not in cols

    def chunks(self) -> Iterator[Chunk]:
        records: list[PopulationRecord] = []
        for path in self.paths:
            records.extend(self._read(path))
        self.meta.la_code = self.settings.la_code
        periods = {r.period for r in records}
        if len(periods) == 1:
            self.meta.period = periods.pop()
        yield from _chunks(records, self.settings.chunk_size)

    def _read(self, path: Path) -> list[PopulationRecord]:
        file, problems, settings = path.name, self.problems, self.settings
        table = read_csv_table(path, settings, problems)
        if table is None:
            return []
        col = table.index()
        missing = [c for c in ("ethnicity", "population") if c not in col]
        if missing:
            problems.error(file, "header", ", ".join(missing), None,
                           f"required column(s) missing; the file needs at least 'ethnicity' "
                           f"and 'population' (optional: {', '.join(USER_COLUMNS[2:])})")
            return []
        extra = [h for h in table.header if fold(h) and fold(h) not in USER_COLUMNS]
        _check_extra(file, extra, settings, problems, ", ".join(USER_COLUMNS))
        self.meta.rows += len(table.rows)

        def cell(row: list[str], name: str) -> str | None:
            i = col.get(name)
            return clean_text(row[i]) if i is not None else None

        notes: dict[str, list[str]] = {}
        seen: dict[tuple[object, ...], tuple[str, str]] = {}
        positions: dict[tuple[object, ...], int] = {}
        out: list[PopulationRecord] = []
        missing_vintage = 0
        for row in table.rows:
            where, cells, ok = row.where, row.cells, True
            label = cell(cells, "ethnicity")
            code: str | None = None
            group = ""
            if label is None:
                problems.error(file, where, "ethnicity", "", "is blank")
                ok = False
            else:
                try:
                    code, group = _label_to_cell(label, settings.chinese_group)
                except ValueError as exc:
                    problems.error(file, where, "ethnicity", label, str(exc))
                    ok = False
            raw_pop = cell(cells, "population") or ""
            population = 0
            try:
                population, note = parse_count(raw_pop)
                if note:
                    notes.setdefault(note, []).append(str(row.number))
            except ValueError as exc:
                problems.error(file, where, "population", raw_pop, str(exc))
                ok = False
            period = None
            if (raw := cell(cells, "period")) is not None:
                try:
                    period = parse_period(raw)
                except ValueError as exc:
                    problems.error(file, where, "period", raw, str(exc))
                    ok = False
            sex = None
            if (raw := cell(cells, "sex")) is not None and fold(raw) not in _NO_SEX:
                try:
                    sex = normalise_sex(raw)
                except ValueError as exc:
                    problems.error(file, where, "sex", raw, str(exc))
                    ok = False
            la_code = cell(cells, "la_code") or settings.la_code
            age_band = cell(cells, "age_band")
            source = cell(cells, "source") or "user_csv"
            vintage = cell(cells, "vintage")
            if vintage is None:
                missing_vintage += 1
            if not ok:
                continue
            key = (la_code, period, code or group, code is None, age_band, sex)
            if key in seen:
                first_where, first_label = seen[key]
                if _ons_parts_of_one_cell(first_label, label or ""):
                    i = positions[key]
                    out[i] = out[i]._replace(population=out[i].population + population)
                    problems.warning(file, f"{first_where} and {where}", "ethnicity", label,
                                     f"ONS categories {first_label!r} and {label!r} share one "
                                     f"DfE cell ({code or group}); their populations were "
                                     "added together")
                    continue
                problems.error(
                    file, f"{first_where} and {where}", "ethnicity", label,
                    f"both rows give the population of the same cell (la_code {la_code}, "
                    f"period {period}, ethnicity {code or group} from {first_label!r} and "
                    f"{label!r}, age_band {age_band}, sex {sex}); keep one, or add them up",
                )
                continue
            seen[key] = (where, label or "")
            positions[key] = len(out)
            out.append(PopulationRecord(la_code, period, code, group, age_band, sex, population,
                                        source, vintage))
        for note, rows in notes.items():
            problems.warning(file, f"rows {_list_rows(rows)}", "population", None,
                             f"accepted with {note}")
        if missing_vintage:
            problems.warning(file, "", "vintage", None,
                             f"{missing_vintage} row(s) have no vintage: add a 'vintage' column "
                             "(the edition or reference date of the figures) so rates can say "
                             "which denominator they used")
        self.meta.details["layout"] = "user_csv"
        _warn_group_only_with_other_chinese(out, file, settings, problems)
        return out


def _list_rows(rows: list[str], limit: int = 10) -> str:
    head = ", ".join(rows[:limit])
    return head + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


# ------------------------------------------------------------------------------------------
# ONS Census 2021 bulk tables
# ------------------------------------------------------------------------------------------

CENSUS_DAY = dt.date(2021, 3, 21)
ONS_BY_AGE_SOURCE = "ons_census_2021_ethnicity_by_age"
ONS_ALL_AGE_SOURCE = "ons_census_2021_ts021_all_ages"
CHILD_AGE_BAND = "0-17"
ALL_AGES_BAND = "all_ages"

_ETH_CODE = re.compile(r"^ethnic group(?: \(\d+ categories\))? code$")
_ETH_LABEL = re.compile(r"^ethnic group(?: \(\d+ categories\))?$")
_AGE_CODE = re.compile(r"^age(?: \(\d+ categories\))? code$")
_AGE_LABEL = re.compile(r"^age(?: \(\d+ categories\))?$")
_SEX_CODE = re.compile(r"^sex(?: \(\d+ categories\))? code$")
_SEX_LABEL = re.compile(r"^sex(?: \(\d+ categories\))?$")

_AGE_RANGE = re.compile(r"^aged? (\d+)(?: years?)? (?:to|-) (\d+)(?: years?)?$")
_AGE_UNDER = re.compile(r"^aged? under (\d+)(?: years?)?$")
_AGE_SINGLE = re.compile(r"^aged? (\d+)(?: years?)?$")
_AGE_AND_UNDER = re.compile(r"^aged? (\d+)(?: years?)? and under$")
_AGE_AND_OVER = re.compile(r"^aged? (\d+)(?: years?)? (?:and over|or over|\+)$|^aged? (\d+)\+$")
_NOT_AN_AGE = frozenset({"total", "all ages", "all persons", "all usual residents",
                         "does not apply"})
_OPEN_END = 999


def parse_age_band(label: str) -> tuple[int, int] | None:
    """(first, last) year of age for an ONS age category; ``None`` for a total or
    "Does not apply"; ``ValueError`` for anything else not understood."""
    t = fold(label)
    if t in _NOT_AN_AGE:
        return None
    if m := _AGE_RANGE.match(t):
        lo, hi = int(m[1]), int(m[2])
        if hi < lo:
            raise ValueError("is an age band that ends before it starts")
        return lo, hi
    if m := _AGE_UNDER.match(t):
        if int(m[1]) < 1:
            raise ValueError("is not an age band")
        return 0, int(m[1]) - 1
    if m := _AGE_AND_UNDER.match(t):
        return 0, int(m[1])
    if m := _AGE_AND_OVER.match(t):
        return int(m[1] or m[2]), _OPEN_END
    if m := _AGE_SINGLE.match(t):
        return int(m[1]), int(m[1])
    raise ValueError("is not an age category arpkit understands (expected forms such as "
                     "'Aged 4 years', 'Aged under 1 year' or 'Aged 5 to 9 years')")


def _band_text(band: tuple[int, int]) -> str:
    return f"{band[0]}+" if band[1] == _OPEN_END else f"{band[0]}-{band[1]}"


@dataclass
class _OnsLayout:
    geo_code: int
    eth_label: int | None
    eth_code: int | None
    observation: int
    age_label: int | None = None
    age_code: int | None = None
    sex_label: int | None = None
    extra: list[str] = field(default_factory=list)


_ONS_SLOTS = (("eth_code", _ETH_CODE), ("eth_label", _ETH_LABEL), ("age_code", _AGE_CODE),
              ("age_label", _AGE_LABEL), ("sex_code", _SEX_CODE), ("sex_label", _SEX_LABEL))


def _ons_layout(header: list[str]) -> _OnsLayout | None:
    """Column positions of an ONS bulk table, found by name: the dimension columns come as
    ``<name> Code`` plus ``<name>``; the geography is the remaining ``... Code`` column (its
    name varies with the boundary year, e.g. "2023 Upper tier local authorities Code")."""
    found: dict[str, int] = {}
    rest: list[int] = []
    for i, name in enumerate(header):
        key = fold(name)
        slot = next((s for s, pattern in _ONS_SLOTS if pattern.match(key)), None)
        if slot is not None:
            found.setdefault(slot, i)
        elif key == "observation":
            found.setdefault("observation", i)
        elif key:
            rest.append(i)
    geo = next((i for i in rest if fold(header[i]).endswith(" code")), None)
    extra: list[str] = []
    if geo is not None:
        geo_name = fold(header[geo])[: -len(" code")]
        extra = [header[i] for i in rest if i != geo and fold(header[i]) != geo_name]
    if geo is None or "observation" not in found or not (
            "eth_label" in found or "eth_code" in found):
        return None
    return _OnsLayout(geo, found.get("eth_label"), found.get("eth_code"), found["observation"],
                      found.get("age_label"), found.get("age_code"), found.get("sex_label"),
                      extra)


class OnsEthnicityByAgeReader(Reader):
    """ONS Census 2021 bulk download of ethnic group by age (one row per area, category and age
    band, count in ``Observation``), aggregated to children aged 0–17.

    Single years and bands are both accepted; a band that crosses 18 (e.g. "Aged 15 to 19") is an
    error because it cannot be split without inventing numbers.  The included bands must cover
    ages 0 to 17 exactly once.  "Does not apply" (-8) rows are dropped.  The geography code
    becomes ``la_code`` unchanged (the importer canonicalises codes); with ``--la`` only that
    authority's rows of a national table are read.  Census day is 21 March
    2021: using these counts for later periods assumes an unchanged composition (methods.md
    §6.1), so ``period`` is None and ``vintage`` is the census date.

    The all-age TS021 table (no age column) is recognised and refused unless
    ``settings.allow_all_age_population``; then it loads labelled ``all_ages``.
    """

    kind = "population"

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        cols = head_columns(head)
        return _ons_layout(cols) is not None

    def chunks(self) -> Iterator[Chunk]:
        records: list[PopulationRecord] = []
        for path in self.paths:
            records.extend(self._read(path))
        self.meta.reference_date = CENSUS_DAY
        yield from _chunks(records, self.settings.chunk_size)

    def _read(self, path: Path) -> list[PopulationRecord]:
        file, problems, settings = path.name, self.problems, self.settings
        table = read_csv_table(path, settings, problems)
        if table is None:
            return []
        layout = _ons_layout(table.header)
        if layout is None:
            problems.error(file, "header", "", None,
                           "is not an ONS Census 2021 bulk table: expected a geography code "
                           "column, 'Ethnic group (20 categories)' and 'Observation'")
            return []
        _check_extra(file, layout.extra, settings, problems,
                     "geography, ethnic group, age, sex and Observation")
        all_age = layout.age_label is None and layout.age_code is None
        self.meta.rows += len(table.rows)
        self.meta.details["all_age"] = all_age
        if all_age:
            self.meta.details["layout"] = "ons_census_2021_ts021_all_ages"
            if not settings.allow_all_age_population:
                problems.error(
                    file, "header", "Age", None,
                    "is the ONS Census 2021 ethnic group table for ALL AGES (TS021), not "
                    "children aged 0-17: age structures differ between ethnic groups, so it "
                    "would bias child rates (methods.md §6.1).  Use the ethnic group by age "
                    "table, or allow an all-age population explicitly to load it labelled "
                    "'all_ages'",
                )
                return []
            problems.warning(file, "", "Age", None,
                             "loaded as an ALL-AGE population (TS021) because it was explicitly "
                             "allowed; it is not a child denominator and rates using it are "
                             "labelled 'all_ages'")
        else:
            self.meta.details["layout"] = ONS_BY_AGE_SOURCE
        return self._aggregate(file, table, layout, all_age)

    def _aggregate(self, file: str, table: CsvTable, layout: _OnsLayout,
                   all_age: bool) -> list[PopulationRecord]:
        problems, settings = self.problems, self.settings
        age_cache: dict[str, tuple[int, int] | str | None] = {}
        bands_in: set[tuple[int, int]] = set()
        bands_out: set[str] = set()
        dropped = 0
        totals: dict[tuple[str, str | None, str | None, str], int] = {}
        combined: dict[tuple[str | None, str], set[str]] = {}
        seen: dict[tuple[str, str, str, str], str] = {}
        cell_cache: dict[tuple[str, str | None], tuple[str | None, str] | None] = {}
        keep_area = area_filter(settings)
        other_areas = 0

        for row in table.rows:
            cells, where = row.cells, row.where
            geo = clean_text(cells[layout.geo_code])
            if geo and keep_area is not None and not keep_area(geo):
                other_areas += 1
                continue
            label = clean_text(cells[layout.eth_label]) if layout.eth_label is not None else None
            code = clean_text(cells[layout.eth_code]) if layout.eth_code is not None else None
            age = ""
            if not all_age:
                age_col = layout.age_label if layout.age_label is not None else layout.age_code
                age = clean_text(cells[age_col]) or ""  # type: ignore[index]
            sex_raw = clean_text(cells[layout.sex_label]) if layout.sex_label is not None else None
            raw_obs = cells[layout.observation]
            if not geo:
                problems.error(file, where, table.header[layout.geo_code], "", "is blank")
                continue
            dup_key = (geo, fold(code or label), fold(age), fold(sex_raw))
            if dup_key in seen:
                problems.error(file, f"{seen[dup_key]} and {where}", "", None,
                               "both rows give the same area, ethnic group, age and sex; the "
                               "file has a breakdown this reader does not know")
                continue
            seen[dup_key] = where
            if code == "-8" or fold(label) == "does not apply":
                dropped += 1
                continue
            # age
            if not all_age:
                band = age_cache.get(age, "?")
                if band == "?":
                    try:
                        band = parse_age_band(age)
                    except ValueError as exc:
                        problems.error(file, where, "Age", age, str(exc))
                        band = "bad"
                    if isinstance(band, tuple) and band[0] < 18 <= band[1]:
                        problems.error(file, where, "Age", age,
                                       f"is an age band crossing 18 (ages {_band_text(band)}); "
                                       "it cannot be split into under-18s and adults, so use a "
                                       "table with bands that end at 17")
                        band = "bad"
                    age_cache[age] = band
                if band is None:
                    bands_out.add(age)
                    continue
                if band == "bad":
                    continue
                assert isinstance(band, tuple)
                if band[0] >= 18:
                    bands_out.add(age)
                    continue
                bands_in.add(band)
            # ethnicity
            ckey = (label or "", code)
            if ckey not in cell_cache:
                try:
                    cell_cache[ckey] = _ons_to_cell(label or code or "", code,
                                                    settings.chinese_group)
                except ValueError as exc:
                    problems.error(file, where, "Ethnic group", label or code, str(exc))
                    cell_cache[ckey] = None
            mapped = cell_cache[ckey]
            if mapped is None:
                continue
            # sex
            sex = None
            if sex_raw is not None and fold(sex_raw) not in _NO_SEX:
                try:
                    sex = normalise_sex(sex_raw)
                except ValueError as exc:
                    problems.error(file, where, "Sex", sex_raw, str(exc))
                    continue
            try:
                count, _ = parse_count(raw_obs)
            except ValueError as exc:
                problems.error(file, where, "Observation", raw_obs, str(exc))
                continue
            key = (geo, sex, mapped[0], mapped[1])
            totals[key] = totals.get(key, 0) + count
            combined.setdefault(mapped, set()).add(label or code or "")

        if keep_area is not None:
            self.meta.details["rows_for_other_areas_skipped"] = other_areas
            if other_areas == len(table.rows):
                problems.error(file, "", table.header[layout.geo_code], settings.la_code,
                               "the file has no rows for this authority (--la)")
                return []
        if not all_age:
            self._check_coverage(file, bands_in)
            self.meta.details["age_bands_included"] = sorted(_band_text(b) for b in bands_in)
            self.meta.details["age_categories_dropped"] = sorted(bands_out)
        self.meta.details["does_not_apply_rows_dropped"] = dropped
        self.meta.details["combined_categories"] = {
            (c or f"{g} (no single DfE code)"): sorted(labels)
            for (c, g), labels in combined.items() if len(labels) > 1
        }
        band = ALL_AGES_BAND if all_age else CHILD_AGE_BAND
        source = ONS_ALL_AGE_SOURCE if all_age else ONS_BY_AGE_SOURCE
        out = [PopulationRecord(geo, None, c, g, band, sex, n, source, CENSUS_DAY.isoformat())
               for (geo, sex, c, g), n in totals.items()]
        _warn_group_only_with_other_chinese(out, file, settings, problems)
        return out

    def _check_coverage(self, file: str, bands: set[tuple[int, int]]) -> None:
        """The included bands must tile ages 0–17: a gap undercounts, an overlap (single years
        beside bands) double counts."""
        if not bands:
            self.problems.error(file, "", "Age", None,
                                "has no age categories under 18, so no child population")
            return
        ages: dict[int, list[str]] = {}
        for b in bands:
            for a in range(b[0], min(b[1], 17) + 1):
                ages.setdefault(a, []).append(_band_text(b))
        missing = [a for a in range(18) if a not in ages]
        overlap = {a: v for a, v in ages.items() if len(v) > 1}
        if missing:
            self.problems.error(file, "", "Age", ", ".join(map(str, missing)),
                                "these ages under 18 are not covered by any age category, so "
                                "the child population would be too small")
        if overlap:
            first = min(overlap)
            self.problems.error(file, "", "Age", ", ".join(sorted(overlap[first])),
                                f"age categories overlap (age {first} is in more than one), "
                                "so children would be counted twice")


# ------------------------------------------------------------------------------------------
# DfE school census: pupils by ethnicity
# ------------------------------------------------------------------------------------------

SCHOOL_CENSUS_SOURCE = "school_census"
SCHOOL_PUPILS_BAND = "school_pupils"

#: DfE/EES symbols that stand in for a number (formats.md §5.1).
DFE_SYMBOLS: dict[str, str] = {
    "c": "suppressed to protect confidentiality",
    "k": "rounds to zero but is not zero",
    "x": "not available",
    "z": "not applicable",
    "u": "low reliability",
}
_COUNT_COLUMNS = ("number_of_pupils", "headcount")
_ETHNICITY_COLUMNS = ("ethnicity_minor", "ethnicity", "ethnicity_major")
_SCHOOL_KNOWN = frozenset({
    "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
    "region_code", "region_name", "old_la_code", "new_la_code", "la_name", "phase_type_grouping",
    "language", *_COUNT_COLUMNS, *_ETHNICITY_COLUMNS,
})
#: The school census's own name for pupils whose ethnicity was not classified.
_UNCLASSIFIED = "unclassified"


@cache
def _normaliser() -> EthnicityNormaliser:
    return EthnicityNormaliser()


def _not_a_population_group(label: str) -> bool:
    """Pupils with no usable ethnicity: "Unclassified", or a label the shared normaliser
    reads as refused / not yet obtained.  They have no denominator (formats.md §4.5)."""
    if fold(label) == _UNCLASSIFIED:
        return True
    result = _normaliser().normalise(label)
    return result.recognised and result.group in NOT_KNOWN_GROUPS


def _is_indicator(name: str) -> bool:
    return name.startswith("percent") or name.endswith("_percent")


class SchoolCensusReader(Reader):
    """DfE school census pupils by ethnicity (EES ``spc_pupils_ethnicity_and_language``).

    Columns are found by name in any order (formats.md §5.1); the count is ``number_of_pupils``
    (``headcount`` in older files).  ``time_period`` is DfE's academic year ``202324``; the
    January census of 2023/24 falls in the collection year ending 31 March 2024, so the period
    is 2024 and the vintage the raw ``202324``.  Phase types are summed over ``phases``
    (default ``("Total",)``; pick e.g. primary and secondary instead); a ``language`` breakdown
    is reduced to its ``Total`` rows, and ethnicity ``Total`` rows are subtotals and skipped.
    DfE symbols ``c k x z u`` are null: the cell is left out with a warning giving the reason.
    Only local-authority rows are read (national and regional rows are skipped and counted),
    and with ``--la`` only that authority's.
    Pupils on roll are not resident children 0–17 (methods.md §6.1), which is warned once.
    """

    kind = "population"

    def __init__(self, paths: Sequence[Path], settings: ReadSettings | None = None, *,
                 phases: Sequence[str] = ("Total",)) -> None:
        super().__init__(paths, settings)
        self.phases = tuple(phases)

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        cols = set(head_columns(head))
        return ("time_period" in cols and any(c in cols for c in _COUNT_COLUMNS)
                and any(c in cols for c in _ETHNICITY_COLUMNS) and "population" not in cols)

    def chunks(self) -> Iterator[Chunk]:
        records: list[PopulationRecord] = []
        for path in self.paths:
            records.extend(self._read(path))
        periods = {r.period for r in records}
        if len(periods) == 1:
            self.meta.period = periods.pop()
        if records:
            self.problems.warning(
                self.meta.files[0] if self.meta.files else "", "", "", None,
                "school census counts are pupils on roll, not resident children aged 0-17: "
                "most under-5s, children in independent schools and home-educated children are "
                "missing (methods.md §6.1); read rates with that in mind",
            )
        yield from _chunks(records, self.settings.chunk_size)

    def _read(self, path: Path) -> list[PopulationRecord]:
        file, problems, settings = path.name, self.problems, self.settings
        table = read_csv_table(path, settings, problems)
        if table is None:
            return []
        col = table.index()
        count_col = next((c for c in _COUNT_COLUMNS if c in col), None)
        eth_col = next((c for c in _ETHNICITY_COLUMNS if c in col), None)
        missing = [name for name, ok in (("time_period", "time_period" in col),
                                         ("number_of_pupils", count_col),
                                         ("ethnicity", eth_col)) if not ok]
        if missing:
            problems.error(file, "header", ", ".join(missing), None,
                           "required column(s) missing for a school census pupils-by-ethnicity "
                           "file")
            return []
        assert count_col is not None and eth_col is not None
        extra = [h for h in table.header
                 if fold(h) and fold(h) not in _SCHOOL_KNOWN and not _is_indicator(fold(h))]
        _check_extra(file, extra, settings, problems, "the EES school census columns")
        self.meta.rows += len(table.rows)
        self.meta.details["layout"] = SCHOOL_CENSUS_SOURCE
        self.meta.details["ethnicity_column"] = eth_col

        def get(cells: list[str], name: str) -> str | None:
            i = col.get(name)
            return clean_text(cells[i]) if i is not None else None

        phase_col = "phase_type_grouping" in col
        wanted = {fold(p) for p in self.phases}
        if phase_col and "total" in wanted and len(wanted) > 1:
            problems.error(file, "", "phase_type_grouping", ", ".join(self.phases),
                           "'Total' already includes every phase; choose Total alone or the "
                           "phases to add up")
            return []
        phases_seen: set[str] = set()
        languages_seen: set[str] = set()
        la_rows = 0
        skipped_levels = 0
        keep_area = area_filter(settings)
        other_areas = 0
        totals: dict[tuple[str, int, str | None, str], int] = {}
        vintages: dict[tuple[str, int, str | None, str], str] = {}
        seen: dict[tuple[str, ...], str] = {}
        label_cache: dict[str, tuple[str | None, str] | str | None] = {}
        unclassified = 0
        suppressed: list[dict[str, object]] = []

        for row in table.rows:
            cells, where = row.cells, row.where
            phase = get(cells, "phase_type_grouping") or ""
            phases_seen.add(phase)
            if phase_col and fold(phase) not in wanted:
                continue
            language = get(cells, "language")
            if language is not None:
                languages_seen.add(language)
                if fold(language) != "total":
                    continue
            label = get(cells, eth_col)
            if label is None:
                problems.error(file, where, eth_col, "", "is blank")
                continue
            if fold(label) == "total":
                continue
            level = get(cells, "geographic_level") or "Local authority"
            geo = _school_geography(level, lambda n, c=cells: get(c, n))
            if geo is False:
                skipped_levels += 1
                continue
            if not isinstance(geo, str):
                problems.error(file, where, "new_la_code", "",
                               "is blank (and so is old_la_code) on a local authority row")
                continue
            if keep_area is not None and not (
                    keep_area(geo) or keep_area(get(cells, "old_la_code") or "")):
                other_areas += 1
                continue
            la_rows += 1
            raw_period = get(cells, "time_period") or ""
            try:
                period = parse_period(raw_period)
            except ValueError as exc:
                problems.error(file, where, "time_period", raw_period, str(exc))
                continue
            dup = (geo, raw_period, fold(label), fold(phase))
            if dup in seen:
                problems.error(file, f"{seen[dup]} and {where}", eth_col, label,
                               "both rows give the same area, year, ethnicity and phase; the "
                               "file has a further breakdown this reader does not know")
                continue
            seen[dup] = where
            if label not in label_cache:
                try:
                    label_cache[label] = _label_to_cell(label, settings.chinese_group)
                except ValueError as exc:
                    if _not_a_population_group(label):
                        label_cache[label] = _UNCLASSIFIED
                    else:
                        problems.error(file, where, eth_col, label, str(exc))
                        label_cache[label] = None
            mapped = label_cache[label]
            if mapped is None:
                continue
            raw_count = get(cells, count_col) or ""
            if mapped == _UNCLASSIFIED:
                if _WHOLE.match(raw_count.strip()):
                    unclassified += int(raw_count)
                continue
            assert isinstance(mapped, tuple)
            if fold(raw_count) in DFE_SYMBOLS:
                reason = DFE_SYMBOLS[fold(raw_count)]
                problems.warning(file, where, count_col, raw_count,
                                 f"DfE symbol: {reason}; treated as no count, so the total for "
                                 f"{label} in {geo} may be too small")
                suppressed.append({"row": row.number, "symbol": fold(raw_count),
                                   "reason": reason})
                continue
            try:
                count, _ = parse_count(raw_count)
            except ValueError as exc:
                problems.error(file, where, count_col, raw_count, str(exc))
                continue
            key = (geo, period, mapped[0], mapped[1])
            totals[key] = totals.get(key, 0) + count
            vintages[key] = raw_period

        if phase_col:
            found = {fold(p) for p in phases_seen}
            absent = [p for p in self.phases if fold(p) not in found]
            if absent:
                problems.error(file, "", "phase_type_grouping", ", ".join(absent),
                               "phase(s) not in the file; it has: "
                               + ", ".join(sorted(p for p in phases_seen if p)))
        if languages_seen and "total" not in {fold(v) for v in languages_seen}:
            problems.error(file, "", "language", ", ".join(sorted(languages_seen)),
                           "has no 'Total' rows, so pupils cannot be counted once each")
        self.meta.details["phases"] = list(self.phases) if phase_col else None
        self.meta.details["local_authority_rows"] = la_rows
        self.meta.details["rows_skipped_other_levels"] = skipped_levels
        if keep_area is not None:
            self.meta.details["rows_for_other_areas_skipped"] = other_areas
            if other_areas and not la_rows:
                problems.error(file, "", "new_la_code", settings.la_code,
                               "the file has no rows for this authority (--la)")
                return []
        self.meta.details["suppressed"] = suppressed
        self.meta.details["pupils_without_a_classified_ethnicity"] = unclassified
        if unclassified:
            problems.warning(file, "", eth_col, None,
                             f"{unclassified} pupil(s) are unclassified, refused or not yet "
                             "obtained; they have no ethnic group and are left out of the "
                             "denominator (as such children are left out of rates)")
        out = [PopulationRecord(geo, period, c, g, SCHOOL_PUPILS_BAND, None, n,
                                SCHOOL_CENSUS_SOURCE, vintages[(geo, period, c, g)])
               for (geo, period, c, g), n in totals.items()]
        if not out and not problems.has_errors:
            problems.error(file, "", "", None, "no pupil counts were found for the chosen phases")
        _warn_group_only_with_other_chinese(out, file, settings, problems)
        return out


def _school_geography(level: str, get: Callable[[str], str | None]) -> str | bool | None:
    """The area code of a local-authority row: the nine-character code, else the three-digit
    one.  National, regional and other levels (constituency, school) give ``False`` and are
    skipped: a denominator belongs to one authority, and summing levels would double count."""
    if fold(level) != "local authority":
        return False
    return get("new_la_code") or get("old_la_code")
