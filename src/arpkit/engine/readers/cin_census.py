"""Reader for the DfE children in need (CIN) census XML.

The census is one ``<Message>`` per authority and year: a ``Header`` (collection year, ``LEA``)
and ``Children/Child`` elements, each with identifiers, characteristics and one ``CINdetails``
block per referral (formats.md section 2.1).  A full census holds 10,000-50,000 children, and
the DfE validator's reader spends about 7 ms per child building one-row DataFrames (formats.md
section 7), so this reader *streams*: finished ``Child`` elements come one at a time in
document order, the reader walks each once (no XPath), builds plain record tuples, and lets
the finished children go so memory stays flat.  Where the file allows, a background thread
parses the next few megabytes of children while these are read (``xml_segments.py``: libxml2
releases the GIL for a whole-segment parse but not under ``iterparse``); otherwise
``lxml.etree.iterparse`` hands them over and each is cleared with its finished siblings.

Speed comes from reading children in batches, column-wise (:meth:`CinCensusReader._flush`):
each child is serialised and split in C, children of the same shape (the same elements in the
same order; a census has a few hundred shapes) are read together, and each check is made once
per column of values (every referral date of the batch against the cache of dates already
read, every referral source against the code list, ...).  A child the columns cannot vouch for
(a value the slow path would report or change, an odd shape, a repeated id) is read instead by
the slow path, one element at a time, in its place in the document, which re-examines it and
reports every problem in plain English.  Both paths give the same records
(tests/engine/readers/test_cin_census_fast_path.py).

What leaves the reader is minimal (records.py): the authority's ``LAchildID``, the raw
ethnicity label, sex as M/F/U, the birth date, disability and UASC flags, and dated events.
UPNs, former UPNs and death dates are read past, never passed on, and never quoted in problems.

Every problem is reported, not just the first, with the element path
(``Children/Child[12]/CINdetails[2]/Section47[1]/ICPCnotRequired``) and the child's
``LAchildID`` (formats.md section 6.10).  Warnings that a whole export tends to repeat (a
``Sex`` element in a ``GenderCurrent`` year, dates beyond the collection year, unknown
elements) are reported once per file with a count and the first place found, so a systematic
export fault does not bury the rest.  Elements out of schema order are accepted silently;
:func:`validate_against_xsd` reports them.

:func:`validate_against_xsd` checks a file against the LIIA copy of the schema for a year after
mapping ``true``/``false`` booleans to the ``1``/``0`` those schemas accept (data README).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache, partial
from itertools import repeat
from operator import contains, itemgetter
from pathlib import Path
from typing import ClassVar

from lxml import etree
from lxml.etree import tostring as _tostring

from arpkit.engine.codes import (
    CIN_ABUSE_CATEGORY_CODES,
    CIN_ASSESSMENT_FACTOR_CODES,
    CIN_ASSESSMENT_FACTOR_YEARS,
    CIN_CLOSURE_REASON_CODES,
    CIN_CLOSURE_REASON_YEARS,
    CIN_DISABILITY_CODES,
    CIN_GENDER_CURRENT_CODES,
    CIN_NO_DISABILITY,
    CIN_PLAN_DATES_FROM_YEAR,
    CIN_PRIMARY_NEED_CODES,
    CIN_REFERRAL_SOURCE_CODES,
    CIN_REFERRAL_SOURCE_YEARS,
    CIN_SEX_CODES,
    CIN_SEX_FROM_YEAR,
    CIN_UASC_FACTOR,
    CIN_UPN_UNKNOWN_CODES,
    YearRange,
    valid_in_year,
)
from arpkit.engine.errors import ConfigError, Problem, Severity
from arpkit.engine.readers.xml_segments import SEGMENT_BYTES, SegmentedStream
from arpkit.engine.records import ChildRecord, Chunk, EventRecord, Reader
from arpkit.engine.values import (
    EARLIEST_PLAUSIBLE,
    clean_identifier,
    normalise_sex,
    parse_bool,
    parse_iso_date,
)

__all__ = [
    "FIRST_SCHEMA_YEAR",
    "LAST_SCHEMA_YEAR",
    "CinCensusReader",
    "schema_year_for",
    "validate_against_xsd",
]

#: Collection years for which a CIN schema is known (the LIIA XSDs in ../shared/data).
FIRST_SCHEMA_YEAR = 2017
LAST_SCHEMA_YEAR = 2026

#: From this collection the LAchildID is at most 20 letters and digits (DfE rules 1570, 1580).
_ID_RULES_FROM_YEAR = 2025

#: The xs:boolean spellings the census uses (formats.md 2.2); Y/N and yes/no are not allowed
#: here although :func:`~arpkit.engine.values.parse_bool` accepts them for Annex A.
_XML_BOOLEANS = frozenset({"0", "1", "true", "false"})
#: parse_bool's answers for the exact spellings, so the hot path is one dict lookup.
_BOOL_FAST = {text: parse_bool(text) for text in _XML_BOOLEANS}
#: Boolean elements, for the 0/1 mapping before XSD validation (the 2027 block has two more).
_BOOLEAN_ELEMENTS = ("ReferralNFA", "ICPCnotRequired", "FGDMMeetingOffer", "FGDMMeetingFac")

#: normalise_sex's answers for each element's own codes (anything else takes the slow path).
_SEX_FAST = {code: normalise_sex(code) for code in CIN_SEX_CODES}
_GENDER_FAST = {code: normalise_sex(code) for code in CIN_GENDER_CURRENT_CODES}

# Element names per block: single ("leaf") elements, and elements that may repeat.  Anything
# else inside a block is unknown and reported (once per file and name).
_CHILD_LEAVES = frozenset({"ChildIdentifiers", "ChildCharacteristics"})
_CHILD_REPEATS = frozenset({"CINdetails"})
_IDENT_LEAVES = frozenset({
    "LAchildID", "UPN", "FormerUPN", "UPNunknown", "PersonBirthDate", "ExpectedPersonBirthDate",
    "GenderCurrent", "Sex", "PersonDeathDate",
})
_CHARS_LEAVES = frozenset({"Ethnicity", "Disabilities"})
_CIND_LEAVES = frozenset({
    "CINreferralDate", "ReferralSource", "PrimaryNeedCode", "CINclosureDate",
    "ReasonForClosure", "DateOfInitialCPC", "ReferralNFA",
})
_CIND_REPEATS = frozenset(
    {"Assessments", "CINPlanDates", "Section47", "ChildProtectionPlans", "PreProceedingsandFGDM"}
)
_ASSESSMENT_LEAVES = frozenset({
    "AssessmentActualStartDate", "AssessmentInternalReviewDate", "AssessmentAuthorisationDate",
    "FactorsIdentifiedAtAssessment",
})
_PLAN_LEAVES = frozenset({"CINPlanStartDate", "CINPlanEndDate"})
_S47_LEAVES = frozenset(
    {"S47ActualStartDate", "InitialCPCtarget", "DateOfInitialCPC", "ICPCnotRequired"}
)
_CPP_LEAVES = frozenset({
    "CPPstartDate", "CPPendDate", "InitialCategoryOfAbuse", "LatestCategoryOfAbuse",
    "NumberOfPreviousCPP", "Reviews",
})
_NONE: frozenset[str] = frozenset()

_SNIFF = re.compile(
    r"^\s*(?:<\?[^>]*\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<Message[\s>/]", re.DOTALL
)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)

_new = tuple.__new__  # records.py: readers on a hot path may build the tuples directly

_PARSE_OPTIONS = {"remove_comments": True, "remove_pis": True, "remove_blank_text": True,
                  "resolve_entities": False, "no_network": True}
_UNSEEN = object()  # a shape not compiled yet
#: Children read together (one batch of columns per shape); their elements stay in memory
#: until the batch is read, a few megabytes.
_BATCH = 8192
#: Children of one shape read as one set of columns: short enough that a column stays in the
#: CPU cache while the next is read (longer ones cost more per child, measured).
_GROUP = 48
_new_event = partial(_new, EventRecord)
_new_child = partial(_new, ChildRecord)
_NINE_NONE = (repeat(None),) * 9  # event columns that are None for a stage (zip reads them)
_S47_DETAIL = '{{"icpc_date":{},"icpc_not_required":{},"icpc_target":{}}}'
_CPP_DETAIL = '{{"latest_category":"{}","previous_plans":{},"reviews":{}}}'
#: Shapes kept per file.  A census has a few hundred; past this many (an export where nearly
#: every child differs) new shapes are not compiled and their children take the slow path.
_MAX_SHAPES = 5_000
#: After this many children, a file whose children mostly have no compiled shape is read by
#: the slow path alone (serialising them would only add to it).
_TRIAL = 4096

#: JSON spellings of a census boolean (for the detail strings written below).
_JSON_BOOL = {True: "true", False: "false", None: "null"}


def _json_date(d: dt.date | None) -> str:
    """A date as a JSON value (``"YYYY-MM-DD"`` or ``null``)."""
    return "null" if d is None else f'"{d.isoformat()}"'


def schema_year_for(period: int) -> int:
    """The XSD year to use for collection ``period``: the same year when a schema is known,
    else the nearest known one (2017 for older returns, 2026 for newer)."""
    return min(max(period, FIRST_SCHEMA_YEAR), LAST_SCHEMA_YEAR)


class CinCensusReader(Reader):
    """Streams CIN census XML files into :class:`ChildRecord` and :class:`EventRecord` chunks.

    Events, with blocks numbered in document order per child as the DfE validator does
    (formats.md 2.1): ``referral`` per CINdetails; ``cin`` per CINdetails whose ReferralNFA is
    false; ``assessment`` per Assessments; ``cin_plan`` per CINPlanDates; ``s47`` per
    Section47; ``cp_plan`` per ChildProtectionPlans.  The census has no team (``team`` None).
    ``detail`` JSON: referral/cin ``{"icpc_date"}`` (CINdetails-level DateOfInitialCPC, or no
    detail); assessment ``{"factors": [...]}``; s47 ``{"icpc_date", "icpc_not_required",
    "icpc_target"}``; cp_plan ``{"latest_category", "previous_plans", "reviews"}``.
    """

    kind = "cin_census"
    #: Read children through the fast path when it can (tests turn it off to compare).
    FAST_PATH: ClassVar[bool] = True
    #: Parse ahead in segments on a second core when the file allows (xml_segments.py), and
    #: the segment size in bytes (tests make it small).
    SEGMENTED: ClassVar[bool] = True
    SEGMENT_BYTES: ClassVar[int] = SEGMENT_BYTES

    # ------------------------------------------------------------------ detection

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:
        """True for XML whose root element is ``Message`` (formats.md 6.7), allowing a BOM, an
        XML declaration, comments and a DOCTYPE before it."""
        if head.startswith(_UTF16_BOMS):
            text = head.decode("utf-16", errors="ignore")
        else:
            text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        return _SNIFF.match(text) is not None

    # ------------------------------------------------------------------ reading

    def chunks(self) -> Iterator[Chunk]:
        for index, path in enumerate(self.paths):
            self._first_file = index == 0
            yield from self._read_file(path)

    def _read_file(self, path: Path) -> Iterator[Chunk]:
        self._name = path.name
        self._period: int | None = None
        self._end: dt.date | None = None
        self._resolved = False
        # Cache of date text -> date, holding only plausible dates (1990 to the end of the
        # collection year), so the hot path is one lookup and anything else is checked.
        self._dates: dict[str | None, dt.date] = {}
        self._odd_dates: dict[str | None, dt.date] = {}  # parsed, but outside that range
        self._aggregate: dict[tuple[str, ...], list] = {}
        self._ids: dict[str, int] = {}
        # Fast path (see _prepare): compiled shapes by their tags, ICPC target dates
        # (plausible, possibly after the collection year), assessment detail by factors.
        self._shapes: dict[str, _Shape | None] = {}
        self._target_dates: dict[str, dt.date] = {}
        self._factor_details: dict[tuple[str, ...], str] = {}
        self._allowed = _Allowed(None)
        self._id_rules = False
        self._fast = self.FAST_PATH
        self._unshaped = 0
        try:
            if path.stat().st_size == 0:
                self._error("", "", None, "the file is empty; expected a CIN census XML file")
                return
        except OSError as exc:
            self._error("", "", None, f"the file cannot be opened: {exc.strerror or exc}")
            return

        self._children: list[ChildRecord] = []
        self._events: list[EventRecord] = []
        self._last_id: str | None = None
        # A chunk at most every batch, so the importer writes one while the next is parsed.
        size = max(1, min(self.settings.chunk_size, _BATCH))
        pos = 0
        pending: list[tuple] = []  # children parsed but not read yet (see _flush)
        # Parsed ahead on a second core where the file allows (xml_segments.py).
        stream = SegmentedStream(path, container="Children", record="Child",
                                 headers=("Header",), options=_PARSE_OPTIONS,
                                 segment_bytes=self.SEGMENT_BYTES, enabled=self.SEGMENTED)
        try:
            for elem, text, in_segment in stream:
                if elem.tag == "Header":
                    yield from self._flush(pending, size)
                    if not self._check_root(stream.root_of(elem)):
                        return
                    self._read_header(elem)
                    continue
                if pos == 0:
                    if not self._check_root(stream.root_of(elem)):
                        return
                    if not self._resolved:
                        self._no_header()
                    # The collection year is settled before the first child and kept.
                    self._allowed = _Allowed(self._period)
                    self._id_rules = (self._period or 0) >= _ID_RULES_FROM_YEAR
                pos += 1
                parent = elem.getparent()
                if parent is None or parent.tag != "Children":
                    yield from self._flush(pending, size)
                    where = "the root" if parent is None else f"<{parent.tag}>"
                    self._error(f"Child[{pos}]", "Child", None,
                                f"a Child element sits inside {where}, not inside <Children>; "
                                "it is read, but the file does not follow the CIN schema")
                    pending.append((elem, pos, parent, None, None))
                    yield from self._flush(pending, size)
                    continue
                # A segment's tree is freed whole once read: its children are not cleared
                # one by one (and so not changed from this thread).
                pending.append(self._prepare(elem, pos, None if in_segment else parent, text))
                if len(pending) >= _BATCH:
                    yield from self._flush(pending, size)
            yield from self._flush(pending, size)
        except etree.XMLSyntaxError as exc:
            # The children before the break are read (their problems come first); the import
            # is abandoned once any error is logged, so chunks already yielded are harmless,
            # and the records of the unfinished chunk are dropped here.
            yield from self._flush(pending, size)
            self.meta.rows += pos
            self._syntax_error(path, exc, pos, self._last_id)
            self._flush_aggregate()
            return
        except OSError as exc:
            yield from self._flush(pending, size)
            self._error("", "", None, f"the file cannot be read: {exc.strerror or exc}")
            return

        self.meta.rows += pos
        if pos == 0:
            root = stream.root
            if root is not None and not self._check_root(root):
                return
            if not self._resolved:
                self._no_header()
            self._error("Children", "Child", None,
                        "the file holds no Child elements; a CIN census lists at least one child")
        if self._children:
            yield Chunk(children=self._children, events=self._events)
        self._flush_aggregate()

    def _check_root(self, root: etree._Element) -> bool:
        if root.tag == "Message":
            return True
        hint = (" (this looks like an SSDA903 XML export, not a CIN census)"
                if root.tag == "EXPSSDA903" else "")
        self._error(str(root.tag), "", None,
                    f"the root element is <{root.tag}>, but a CIN census file starts with "
                    f"<Message>{hint}")
        return False

    def _syntax_error(self, path: Path, exc: etree.XMLSyntaxError, pos: int,
                      last_id: str | None) -> None:
        """Turn a parser failure into ONE plain error (formats.md 6.1, 6.10)."""
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        done = (f"the last complete child read was Children/Child[{pos}] (LAchildID {last_id})"
                if pos else "no complete child was read")
        bad = None
        if exc.code == etree.ErrorTypes.ERR_INVALID_ENCODING:
            bad = _first_bad_utf8(path)
        if bad is not None:
            offset, byte, bad_line = bad
            self._error(f"line {bad_line}, byte offset {offset}", "", f"0x{byte:02X}",
                        f"the file is not UTF-8: byte 0x{byte:02X} at byte offset {offset} "
                        f"(line {bad_line}) cannot be decoded; save the file as UTF-8; {done}; "
                        "nothing from this file can be imported")
            return
        if pos == 0 and _only_white_space(path):
            self._error("", "", None, "the file holds no XML (it is empty or only white space)")
            return
        reason = (exc.msg or str(exc)).strip().splitlines()[0]
        reason = re.sub(r",\s*line \d+, column \d+$", "", reason)
        self._error(f"line {line}", "", None,
                    f"the XML is broken or cut short at line {line} ({reason}); {done}; the file "
                    "may be truncated or damaged, so nothing from it can be imported")

    # ------------------------------------------------------------------ header

    def _read_header(self, header: etree._Element) -> None:
        if self._resolved:
            self._warn("Header", "Header", None,
                       "the Header comes after the children; it was not used for the "
                       "collection year or authority")
            return
        ref_text = year_text = None
        leas: list[str] = []
        for part in header:
            if part.tag == "CollectionDetails":
                for el in part:
                    if el.tag == "ReferenceDate":
                        ref_text = (el.text or "").strip()
                    elif el.tag == "Year":
                        year_text = (el.text or "").strip()
                    elif el.tag == "Collection":
                        value = (el.text or "").strip()
                        if value != "CIN":
                            self._warn("Header/CollectionDetails/Collection", "Collection",
                                       value, "the Collection is not 'CIN'")
            elif part.tag == "Source":
                for el in part:
                    if el.tag == "LEA":
                        leas.append((el.text or "").strip())
        self._read_lea(leas)
        self._resolve_year(ref_text, year_text)

    def _no_header(self) -> None:
        """No Header before the children: the authority and year must come from settings."""
        self._warn("Header", "Header", None,
                   "the file has no Header before its children, so the LEA and ReferenceDate "
                   "are unknown; the LA code and year given (if any) are used")
        self._read_lea([])
        self._resolve_year(None)

    def _read_lea(self, leas: list[str]) -> None:
        loc = "Header/Source/LEA"
        given = self.settings.la_code
        lea = leas[0] if leas else None
        if len(set(leas)) > 1:
            self._warn(loc, "LEA", ", ".join(leas),
                       f"the Header names more than one LEA; using the first, {leas[0]}")
        if lea is None:
            if given is None:
                self._warn(loc, "LEA", None,
                           "the Header has no LEA and no LA code was given, so the authority "
                           "is unknown")
            la = given
        elif not (len(lea) == 3 and lea.isdigit() and lea.isascii()):
            self._error(loc, "LEA", lea,
                        "the LEA must be the three-digit DfE LA number (for example 201)")
            la = given
        else:
            if given is not None and given != lea:
                self._warn(loc, "LEA", lea,
                           f"the file is for LA {lea} but LA {given} was given; using {lea}")
            la = lea
        self._set_meta("la_code", la, loc)

    def _resolve_year(self, ref_text: str | None, year_text: str | None = None) -> None:
        """Collection year from ``ReferenceDate`` when it is a 31 March, else from the user's
        ``period``, never silently from ``Year`` (formats.md 2.5; validator rule 100)."""
        self._resolved = True
        loc = "Header/CollectionDetails/ReferenceDate"
        given = self.settings.period
        ref: dt.date | None = None
        if ref_text:
            try:
                if len(ref_text) != 10:
                    raise ValueError(f"is not a date in the form YYYY-MM-DD: {ref_text!r}")
                ref = parse_iso_date(ref_text)
            except ValueError as exc:
                self._error(loc, "ReferenceDate", ref_text, f"the ReferenceDate {exc}")
        period: int | None = None
        source = "the ReferenceDate"
        if ref is not None and (ref.month, ref.day) == (3, 31):
            period = ref.year
            if given is not None and given != period:
                self._warn(loc, "ReferenceDate", ref_text,
                           f"the ReferenceDate gives collection year {period} but year {given} "
                           f"was given; using {period}")
        else:
            source = "the year given"
            why = ("the Header has no ReferenceDate" if not ref_text else
                   f"the ReferenceDate {ref_text} is not 31 March" if ref is not None else
                   "the ReferenceDate cannot be read")
            if given is not None:
                period = given
                if ref is not None:
                    self._warn(loc, "ReferenceDate", ref_text,
                               f"{why} (DfE rule 100); using the given collection year {given}")
            else:
                guess = ""
                if ref is not None:
                    likely = ref.year if ref.month <= 3 else ref.year + 1
                    guess = f", probably {likely} (the year ending 31 March {likely})"
                self._error(loc, "ReferenceDate", ref_text,
                            f"{why}, so the collection year cannot be taken from the file; give "
                            f"the year the collection ends with --period{guess}")
        if year_text:
            if not (len(year_text) == 4 and year_text.isdigit()):
                self._warn("Header/CollectionDetails/Year", "Year", year_text,
                           "the Year is not a four-digit year; it was not used")
            elif period is not None and int(year_text) != period:
                self._warn("Header/CollectionDetails/Year", "Year", year_text,
                           f"the Year {year_text} disagrees with the collection year {period} "
                           f"(from {source}); the Year was not used")
        if ref is not None:
            self._set_meta("reference_date", ref, loc)
        self._set_meta("period", period, loc)
        self._period = period
        if period is not None:
            self._end = dt.date(period, 3, 31)
            schema = schema_year_for(period)
            if schema != period:
                self._warn(loc, "ReferenceDate", str(period),
                           f"no CIN schema is known for {period}; the {schema} rules were used")
            self._set_meta("schema_year", schema, loc)

    def _set_meta(self, key: str, value: object, loc: str) -> None:
        """Record a header fact: the first file decides; later files must agree on the
        authority and the year, since one import is one authority's one collection."""
        if self._first_file:
            if key == "schema_year":
                self.meta.details["schema_year"] = value
            else:
                setattr(self.meta, key, value)
            return
        current = getattr(self.meta, key, None)
        if key in ("la_code", "period") and value != current:
            self._error(loc, key, value,
                        f"this file is for {key} {value} but an earlier file is for {current}; "
                        "import files from different authorities or years separately")

    # ------------------------------------------------------------------ children in batches

    def _prepare(self, child: etree._Element, pos: int, parent: etree._Element | None,
                 text: str | None = None) -> tuple:
        """A pending child: ``(element, position, parent, leaf texts, shape)``, the last two
        None when the slow path must read it.

        The child is serialised in C and split at every ``<`` and ``>`` (tags at the odd
        positions, texts at the even ones: the serialiser escapes ``<``, ``>`` and ``&`` in
        text, so this is exact once no ``&`` is left); its tags find its compiled shape, which
        takes the leaf texts.  Only those are kept, so a batch stays small in memory.
        """
        if not self._fast:
            return (child, pos, parent, None, None)
        if self._unshaped > _TRIAL // 2 and pos >= _TRIAL:
            self._fast = False
            return (child, pos, parent, None, None)
        # ``text``: the child's markup as the segment's serialisation gave it (its tail
        # after it: a tail that is not blank leaves the markup check below unmet).
        s = _tostring(child, encoding=str, with_tail=False) if text is None else text
        if "&" in s:  # an escaped character: the markup's text is not the element's text
            return (child, pos, parent, None, None)
        parts = s.replace(">", "<").split("<")
        key = "<".join(parts[1::2])
        shapes = self._shapes
        shape = shapes.get(key, _UNSEEN)
        if shape is _UNSEEN:
            shape = shapes[key] = (_compile_shape(parts, self._allowed)
                                   if len(shapes) < _MAX_SHAPES else None)
        if shape is None:
            self._unshaped += 1
            return (child, pos, parent, None, None)
        texts = shape.texts(parts)
        # No text outside the leaves: the leaf texts and the tags make up the whole markup.
        if sum(map(len, texts)) + shape.markup != len(s):
            return (child, pos, parent, None, None)
        return (child, pos, parent, texts, shape)

    def _flush(self, pending: list[tuple], size: int) -> Iterator[Chunk]:
        """Read the pending children in document order, yielding each full chunk.

        The children of each shape are read together, a column at a time
        (:meth:`_read_group`); a child the fast path cannot vouch for, or whose LAchildID
        was seen before, is then read by the slow path *in its place*, so problems come in
        document order and duplicate ids are found exactly as one child at a time would.
        """
        if not pending:
            return
        groups: dict[_Shape, list[int]] = {}
        for i, item in enumerate(pending):
            if item[4] is not None:
                groups.setdefault(item[4], []).append(i)
        results: list[tuple | None] = [None] * len(pending)
        for shape, members in groups.items():
            for start in range(0, len(members), _GROUP):
                some = members[start:start + _GROUP]
                for i, result in zip(some, self._read_group(shape, [pending[i] for i in some]),
                                     strict=True):
                    results[i] = result
        ids = self._ids
        children, events = self._children, self._events
        last_id = self._last_id
        for item, result in zip(pending, results, strict=True):
            elem, pos, parent = item[0], item[1], item[2]
            if result is not None and result[0][0] not in ids:
                record, row = result
                last_id = record[0]
                ids[last_id] = pos
                children.append(record)
                events.extend(filter(None, row))
            else:
                last_id = self._read_child(elem, pos, children, events) or last_id
            tail = elem.tail
            if tail and not tail.isspace():
                self._stray(f"Children/Child[{pos}]", "Child", tail, f"child {last_id}")
            if parent is not None:
                elem.clear(keep_tail=False)
                while elem.getprevious() is not None:
                    del parent[0]
            if len(children) >= size:
                self._last_id = last_id
                yield Chunk(children=children, events=events)
                children, events = self._children, self._events = [], []
        self._last_id = last_id
        pending.clear()

    def _read_group(self, shape: _Shape, items: list[tuple]) -> list[tuple | None]:
        """Read children of one shape column by column: per child ``(ChildRecord, events)``
        (the events tuple holds None where a stage does not apply), or None when the slow
        path must read it.

        Every check is the slow path's own, made once per column with C-level ``map``,
        ``zip`` and set operations; a child fails it only if the slow path would report a
        problem or change a value (see :meth:`_learn_date` and :class:`_Allowed`).  Records
        are built for every child, failing ones included, and those are dropped.
        """
        k = len(items)
        bad: set[int] = set()
        # One column per leaf, in the order of shape.texts (shape.columns finds them).
        columns = list(zip(*map(itemgetter(3), items), strict=True))
        absent = [None] * k

        def col(at: int) -> Sequence:
            return absent if at == _ABSENT else columns[shape.columns[at]]

        for at, allowed in shape.checks:
            values = col(at)
            if not allowed.issuperset(values):
                bad.update(i for i, v in enumerate(values) if v not in allowed)

        dates: dict[int, list] = {_ABSENT: absent}
        for at, cache, late_ok in ([(a, self._dates, False) for a in shape.dates]
                                   + [(a, self._target_dates, True) for a in shape.targets]):
            raw = col(at)
            found = list(map(cache.get, raw))
            if None in found:
                for i, d in enumerate(found):
                    if d is None:
                        d = found[i] = self._learn_date(raw[i], late_ok)
                        if d is None:
                            bad.add(i)
            dates[at] = found

        def ordered(start_at: int, end_at: int) -> None:
            """An end date before its start date: the slow path notes it."""
            if end_at != _ABSENT:
                bad.update(i for i, (a, b) in enumerate(zip(dates[start_at], dates[end_at],
                                                            strict=True))
                           if a is not None and b is not None and b < a)

        cids = col(shape.id)
        if not all(map(str.isalnum, cids)) or (self._id_rules and max(map(len, cids)) > 20):
            bad.update(i for i, c in enumerate(cids)
                       if not c.isalnum() or (self._id_rules and len(c) > 20))
        ethnicity = col(shape.eth)
        if "" in ethnicity or any(map(str.isspace, ethnicity)):
            bad.update(i for i, e in enumerate(ethnicity) if not e or e.isspace())
        sexes = list(map(shape.sex_map.get, col(shape.sex)))
        if None in sexes:
            bad.update(i for i, s in enumerate(sexes) if s is None)
        disabled: list[bool | None] = [None] * k
        if shape.disabilities is not None:
            lists = list(zip(*map(col, shape.disabilities), strict=True))
            disabled = []
            for i, codes in enumerate(lists):
                none = codes.count(CIN_NO_DISABILITY)
                if none and none < len(codes):
                    bad.add(i)  # NONE beside other disabilities: the slow path warns
                disabled.append(none < len(codes))
        uasc: list[bool | None] = [None] * k

        slots: list[list] = []  # one list of events (or None) per event of the shape
        plans: list[list] = []  # protection plans' keys, to find a plan given twice
        for start_at, end_at, src, need, reason, icpc_at, nfa_at, blocks in shape.referrals:
            ordered(start_at, end_at)
            starts, ends = dates[start_at], dates[end_at]
            nfa = list(map(_BOOL_FAST.get, col(nfa_at)))
            detail: Iterable[str | None] = repeat(None)
            if icpc_at != _ABSENT:
                # == json.dumps({"icpc_date": ...}): a date needs no escaping, and text that
                # read as a 10-character date is already its isoformat.
                detail = [None if d is None else
                          f'{{"icpc_date":"{raw if len(raw) == 10 else d.isoformat()}"}}'
                          for raw, d in zip(col(icpc_at), dates[icpc_at], strict=True)]
                detail = list(detail)
            fields = (starts, ends, repeat(None), col(src), nfa, col(reason), col(need),
                      repeat(None), repeat(None), repeat(None), repeat(None))
            slots.append(list(map(_new_event, zip(cids, repeat("referral"), *fields, detail))))
            if False in nfa:
                cin = map(_new_event, zip(cids, repeat("cin"), *fields, detail))
                slots.append([e if n is False else None for e, n in zip(cin, nfa, strict=True)])
            for block in blocks:
                kind = block[0]
                if kind == _ASSESSMENT:
                    _, start_at, end_at, factor_at = block
                    ordered(start_at, end_at)
                    if factor_at is None:
                        detail = repeat('{"factors":[]}')
                    else:
                        factors = list(zip(*map(col, factor_at), strict=True))
                        detail = list(map(self._factor_detail, factors))
                        for i, hit in enumerate(map(contains, factors, repeat(CIN_UASC_FACTOR))):
                            if hit:
                                uasc[i] = True
                    slots.append(list(map(_new_event, zip(
                        cids, repeat("assessment"), dates[start_at], dates[end_at],
                        *_NINE_NONE, detail))))
                elif kind == _PLAN:
                    _, start_at, end_at = block
                    ordered(start_at, end_at)
                    slots.append(list(map(_new_event, zip(
                        cids, repeat("cin_plan"), dates[start_at], dates[end_at],
                        *_NINE_NONE, repeat(None)))))
                elif kind == _S47:
                    _, start_at, target_at, icpc_at, required_at = block
                    detail = map(_S47_DETAIL.format, map(_json_date, dates[icpc_at]),
                                 map(_JSON_BOOL.get, map(_BOOL_FAST.get, col(required_at))),
                                 map(_json_date, dates[target_at]))
                    slots.append(list(map(_new_event, zip(
                        cids, repeat("s47"), dates[start_at], repeat(None), *_NINE_NONE,
                        detail))))
                else:  # _CPP
                    _, start_at, end_at, initial_at, latest_at, previous_at, reviews = block
                    ordered(start_at, end_at)
                    previous = [int(t) if t.isdigit() and t.isascii() else None
                                for t in col(previous_at)]
                    if None in previous:
                        bad.update(i for i, n in enumerate(previous) if n is None)
                    initial, latest = col(initial_at), col(latest_at)
                    if shape.cpp_count > 1:
                        review_dates = (zip(*(dates[r] for r in reviews), strict=True)
                                        if reviews else repeat(()))
                        plans.append(list(zip(dates[start_at], dates[end_at], initial, latest,
                                              previous, review_dates, strict=False)))
                    detail = map(_CPP_DETAIL.format, latest, previous, repeat(len(reviews)))
                    slots.append(list(map(_new_event, zip(
                        cids, repeat("cp_plan"), dates[start_at], dates[end_at],
                        *_NINE_NONE[:5], initial, *_NINE_NONE[:3], detail))))
        if plans:  # a plan repeated exactly within a child: the slow path warns
            for i, keys in enumerate(zip(*plans, strict=True)):
                if len(set(keys)) < len(keys):
                    bad.add(i)

        records = map(_new_child, zip(cids, ethnicity, sexes, dates[shape.birth], disabled,
                                      uasc, strict=True))
        return [None if i in bad else result
                for i, result in enumerate(zip(records, zip(*slots, strict=True), strict=True))]

    def _factor_detail(self, factors: tuple[str, ...]) -> str:
        """An assessment's detail, ``json.dumps({"factors": [...]})`` (listed codes need no
        escaping), once per distinct list of factors."""
        detail = self._factor_details.get(factors)
        if detail is None:
            detail = self._factor_details[factors] = (
                '{"factors":[' + ",".join(f'"{c}"' for c in factors) + "]}")
        return detail

    def _learn_date(self, raw: str, late_ok: bool) -> dt.date | None:
        """The date in ``raw`` if :meth:`_date` would read it without a problem (plausible and
        in the collection year; or after it, for an ICPC target), caching it; else None."""
        text = raw.strip()
        if len(text) != 10:
            return None
        try:
            d = parse_iso_date(text)
        except ValueError:
            return None
        if d < EARLIEST_PLAUSIBLE:
            return None
        if self._end is not None and d > self._end:
            if not late_ok:
                return None
        else:
            self._dates[raw] = d
        self._target_dates[raw] = d
        return d

    # ------------------------------------------------------------------ one child (slow path)

    def _read_child(self, child: etree._Element, pos: int, out_children: list[ChildRecord],
                    out_events: list[EventRecord]) -> str | None:
        """One ``Child`` -> one ChildRecord and its events; returns the LAchildID."""
        path = f"Children/Child[{pos}]"
        ident = chars = None
        cinds: list[etree._Element] = []
        odd = False
        text = child.text
        if text and not text.isspace():
            odd = True
        for part in child:
            tag = part.tag
            if tag == "CINdetails":
                cinds.append(part)
            elif tag == "ChildIdentifiers" and ident is None:
                ident = part
            elif tag == "ChildCharacteristics" and chars is None:
                chars = part
            else:
                odd = True
            text = part.tail
            if text and not text.isspace():
                odd = True

        # Identity first, so every message about this child can name it.
        ids: dict[str, str | None] = {}
        bad = False
        if ident is not None:
            text = ident.text
            if text and not text.isspace():
                bad = True
            for el in ident:
                ids[el.tag] = el.text
                text = el.tail
                if text and not text.isspace():
                    bad = True
        raw_id = ids.get("LAchildID")
        if raw_id is not None and raw_id.isalnum():
            cid: str | None = raw_id  # clean_identifier returns letters-and-digits ids as is
            if raw_id in self._ids or (len(raw_id) > 20 and
                                       (self._period or 0) >= _ID_RULES_FROM_YEAR):
                self._check_id(raw_id, ident is not None, "LAchildID" in ids, path, pos)
            else:
                self._ids[raw_id] = pos
        else:
            cid = self._check_id(raw_id, ident is not None, "LAchildID" in ids, path, pos)
        who = f"child {cid}" if cid is not None else f"child at {path} (no LAchildID)"
        if odd:
            self._inspect(child, path, who, _CHILD_LEAVES, _CHILD_REPEATS)
        if ident is not None and (bad or len(ids) != len(ident)
                                  or not _IDENT_LEAVES.issuperset(ids)):
            self._inspect(ident, f"{path}/ChildIdentifiers", who, _IDENT_LEAVES, _NONE)

        # Birth date, sex and the rest of the identifiers.
        dates = self._dates
        birth = dates.get(ids.get("PersonBirthDate"))
        if birth is None or "ExpectedPersonBirthDate" in ids:
            birth = self._birth(ids, f"{path}/ChildIdentifiers", who)
        if "PersonDeathDate" in ids and ids["PersonDeathDate"] not in dates:
            self._date(ids["PersonDeathDate"], True, f"{path}/ChildIdentifiers",
                       "PersonDeathDate", who, False)
        if "UPNunknown" in ids and ids["UPNunknown"] not in CIN_UPN_UNKNOWN_CODES:
            self._upn_unknown(ids["UPNunknown"], f"{path}/ChildIdentifiers", who)
        period = self._period
        sex: str | None = None
        if "Sex" in ids:
            if "GenderCurrent" not in ids and period is not None and period >= CIN_SEX_FROM_YEAR:
                sex = _SEX_FAST.get(ids["Sex"])  # type: ignore[arg-type]
        elif "GenderCurrent" in ids and period is not None and period < CIN_SEX_FROM_YEAR:
            sex = _GENDER_FAST.get(ids["GenderCurrent"])  # type: ignore[arg-type]
        if sex is None:
            sex = self._sex(ids, f"{path}/ChildIdentifiers", who)

        # Characteristics: the raw ethnicity label and disability.
        ethnicity: str | None = None
        disabled: bool | None = None
        if chars is None:
            self._error(f"{path}/ChildCharacteristics", "ChildCharacteristics", None,
                        f"{who}: the ChildCharacteristics block (with Ethnicity) is missing")
        else:
            ethnicity, disabled = self._characteristics(
                chars, f"{path}/ChildCharacteristics", who)

        # Referrals and what followed them.
        uasc: bool | None = None
        events: list[EventRecord] = []
        if not cinds:
            self._error(f"{path}/CINdetails", "CINdetails", None,
                        f"{who}: the child has no CINdetails block; a child in the census has "
                        "at least one referral")
        else:
            plans_seen: dict[tuple, str] = {}
            for k, cind in enumerate(cinds, 1):
                if self._cin_details(cind, f"{path}/CINdetails[{k}]", who, cid, events,
                                     plans_seen):
                    uasc = True

        if cid is not None:
            out_children.append(_new(ChildRecord, (cid, ethnicity, sex, birth, disabled, uasc)))
            out_events.extend(events)
        return cid

    def _characteristics(self, chars: etree._Element, path: str,
                         who: str) -> tuple[str | None, bool | None]:
        eth_el = dis_el = None
        bad = False
        text = chars.text
        if text and not text.isspace():
            bad = True
        for el in chars:
            tag = el.tag
            if tag == "Ethnicity" and eth_el is None:
                eth_el = el
            elif tag == "Disabilities" and dis_el is None:
                dis_el = el
            else:
                bad = True
            text = el.tail
            if text and not text.isspace():
                bad = True
        if bad:
            self._inspect(chars, path, who, _CHARS_LEAVES, _NONE)

        ethnicity = eth_el.text if eth_el is not None else None
        if ethnicity is None or ethnicity.isspace() or not ethnicity:
            what = "missing" if eth_el is None else "empty"
            self._error(f"{path}/Ethnicity", "Ethnicity", None, f"{who}: Ethnicity is {what}")
            ethnicity = None
        # The label goes on raw: the importer's normaliser maps it and reports unknown ones.

        if dis_el is None:
            return ethnicity, None
        dpath = f"{path}/Disabilities"
        codes, odd = _list_texts(dis_el, "Disability")
        if not codes:
            self._warn(dpath, "Disabilities", None,
                       f"{who}: the Disabilities block is empty (use NONE for no disability); "
                       "disability is unknown")
            return ethnicity, None
        if odd or not CIN_DISABILITY_CODES.issuperset(codes):
            self._inspect(dis_el, dpath, who, _NONE, frozenset({"Disability"}))
            codes = [self._code(d.text, True, f"{dpath}/Disability[{i}]", "Disability",
                                CIN_DISABILITY_CODES, who, "a CIN disability code",
                                required=True)
                     for i, d in enumerate(dis_el, 1) if d.tag == "Disability"]
            codes = [c for c in codes if c is not None]
            if not codes:
                return ethnicity, None
        none = codes.count(CIN_NO_DISABILITY)
        if none and none < len(codes):
            self._warn(dpath, "Disability", CIN_NO_DISABILITY,
                       f"{who}: NONE is listed beside other disabilities; the child is read "
                       "as disabled")
        return ethnicity, none < len(codes)

    def _cin_details(self, cind: etree._Element, path: str, who: str, cid: str | None,
                     events: list[EventRecord], plans_seen: dict[tuple, str]) -> bool:
        """One referral block -> referral/cin/assessment/cin_plan/s47/cp_plan events.
        Returns True when an assessment recorded factor 9A (UASC)."""
        v: dict[str, str | None] = {}
        blocks: list[etree._Element] = []
        bad = False
        text = cind.text
        if text and not text.isspace():
            bad = True
        for el in cind:
            tag = el.tag
            if tag in _CIND_REPEATS:
                blocks.append(el)
            else:
                v[tag] = el.text
            text = el.tail
            if text and not text.isspace():
                bad = True
        if bad or len(v) + len(blocks) != len(cind) or not _CIND_LEAVES.issuperset(v):
            self._inspect(cind, path, who, _CIND_LEAVES, _CIND_REPEATS)

        dates = self._dates
        period = self._period
        start = dates.get(v.get("CINreferralDate"))
        if start is None:
            start = self._date(v.get("CINreferralDate"), "CINreferralDate" in v, path,
                               "CINreferralDate", who, True)
        end = None
        if "CINclosureDate" in v:
            end = dates.get(v["CINclosureDate"])
            if end is None:
                end = self._date(v["CINclosureDate"], True, path, "CINclosureDate", who, False)
            if end is not None and start is not None and end < start:
                self._note(("before", "CINclosureDate"), f"{path}/CINclosureDate",
                           "CINclosureDate", end.isoformat(), who,
                           "the CINclosureDate is before the CINreferralDate")
        source = v.get("ReferralSource")
        if source not in CIN_REFERRAL_SOURCE_CODES or source in CIN_REFERRAL_SOURCE_YEARS:
            source = self._code(source, "ReferralSource" in v, f"{path}/ReferralSource",
                                "ReferralSource", CIN_REFERRAL_SOURCE_CODES, who,
                                "a CIN referral source", required=True,
                                years=CIN_REFERRAL_SOURCE_YEARS)
        need = v.get("PrimaryNeedCode")
        if need is not None and need not in CIN_PRIMARY_NEED_CODES:
            need = self._code(need, True, f"{path}/PrimaryNeedCode", "PrimaryNeedCode",
                              CIN_PRIMARY_NEED_CODES, who, "a CIN primary need code (N0-N9)")
        reason = v.get("ReasonForClosure")
        if reason is not None and (reason not in CIN_CLOSURE_REASON_CODES
                                   or reason in CIN_CLOSURE_REASON_YEARS):
            reason = self._code(reason, True, f"{path}/ReasonForClosure", "ReasonForClosure",
                                CIN_CLOSURE_REASON_CODES, who,
                                "a CIN reason for closure (RC1-RC9)",
                                years=CIN_CLOSURE_REASON_YEARS)
        detail = None
        if "DateOfInitialCPC" in v:
            raw = v["DateOfInitialCPC"]
            icpc = dates.get(raw)
            if icpc is None:
                icpc = self._date(raw, True, path, "DateOfInitialCPC", who, False)
            if icpc is not None:
                # == json.dumps({"icpc_date": icpc.isoformat()}): a date needs no JSON escaping,
                # and text that parsed as a 10-character date is already its isoformat.
                iso = raw if len(raw) == 10 else icpc.isoformat()  # type: ignore[arg-type]
                detail = f'{{"icpc_date":"{iso}"}}'
        nfa = _BOOL_FAST.get(v.get("ReferralNFA"))  # type: ignore[arg-type]
        if nfa is None:
            nfa = self._bool(v.get("ReferralNFA"), "ReferralNFA" in v, path, "ReferralNFA", who)
        if cid is not None and start is not None:
            events.append(_new(EventRecord, (cid, "referral", start, end, None, source, nfa,
                                             reason, need, None, None, None, None, detail)))
            if nfa is False:
                events.append(_new(EventRecord, (cid, "cin", start, end, None, source, nfa,
                                                 reason, need, None, None, None, None, detail)))
        if not blocks:
            return False

        uasc = False
        counts: dict[str, int] = {}
        for block in blocks:
            tag = block.tag
            j = counts[tag] = counts.get(tag, 0) + 1
            bpath = f"{path}/{tag}[{j}]"
            if tag == "Assessments":
                if self._assessment(block, bpath, who, cid, events):
                    uasc = True
            elif tag == "Section47":
                self._section47(block, bpath, who, cid, events)
            elif tag == "CINPlanDates":
                if period is not None and period < CIN_PLAN_DATES_FROM_YEAR:
                    self._note(("year", "CINPlanDates"), bpath, "CINPlanDates", None, who,
                               f"CINPlanDates exist only from the {CIN_PLAN_DATES_FROM_YEAR} "
                               f"collection, not in {period}; they were read all the same")
                self._cin_plan(block, bpath, who, cid, events)
            elif tag == "ChildProtectionPlans":
                self._protection_plan(block, bpath, who, cid, events, plans_seen)
            else:  # PreProceedingsandFGDM
                self._note(("ignored", tag), bpath, tag, None, who,
                           "the PreProceedingsandFGDM block (2027 collection) is not read by "
                           "arpkit")
        return uasc

    def _leaves(self, block: etree._Element, path: str, who: str, known: frozenset[str],
                holder_tag: str = "") -> tuple[dict[str, str | None], etree._Element | None]:
        """The texts of a small block's elements by name, and its one list element
        (``holder_tag``) if any; one pass, and only an odd-looking block is inspected."""
        found: dict[str, str | None] = {}
        holder = None
        bad = False
        text = block.text
        if text and not text.isspace():
            bad = True
        for el in block:
            tag = el.tag
            if tag == holder_tag:
                holder = el
            found[tag] = el.text
            text = el.tail
            if text and not text.isspace():
                bad = True
        if bad or len(found) != len(block) or not known.issuperset(found):
            self._inspect(block, path, who, known, _NONE)
        return found, holder

    def _assessment(self, block: etree._Element, path: str, who: str, cid: str | None,
                    events: list[EventRecord]) -> bool:
        f, holder = self._leaves(block, path, who, _ASSESSMENT_LEAVES,
                                 "FactorsIdentifiedAtAssessment")
        start = self._date_of(f, "AssessmentActualStartDate", path, who, True)
        if "AssessmentInternalReviewDate" in f:
            self._date_of(f, "AssessmentInternalReviewDate", path, who, False)
        end = self._date_of(f, "AssessmentAuthorisationDate", path, who, False)
        if start is not None and end is not None and end < start:
            self._note(("before", "AssessmentAuthorisationDate"),
                       f"{path}/AssessmentAuthorisationDate", "AssessmentAuthorisationDate",
                       end.isoformat(), who,
                       "the AssessmentAuthorisationDate is before the AssessmentActualStartDate")
        factors: list[str] = []
        if holder is not None:
            fpath = f"{path}/FactorsIdentifiedAtAssessment"
            factors, odd = _list_texts(holder, "AssessmentFactors")  # type: ignore[assignment]
            if not factors:
                self._warn(fpath, "FactorsIdentifiedAtAssessment", None,
                           f"{who}: FactorsIdentifiedAtAssessment is empty; the schema needs at "
                           "least one AssessmentFactors (21 = no factors identified)")
            elif (not CIN_ASSESSMENT_FACTOR_CODES.issuperset(factors)
                  or not CIN_ASSESSMENT_FACTOR_YEARS.keys().isdisjoint(factors)
                  or odd):
                self._inspect(holder, fpath, who, _NONE, frozenset({"AssessmentFactors"}))
                checked = [
                    self._code(el.text, True, f"{fpath}/AssessmentFactors[{i}]",
                               "AssessmentFactors", CIN_ASSESSMENT_FACTOR_CODES, who,
                               "a CIN assessment factor", required=True,
                               years=CIN_ASSESSMENT_FACTOR_YEARS)
                    for i, el in enumerate(holder, 1) if el.tag == "AssessmentFactors"
                ]
                factors = [c for c in checked if c is not None]
        if cid is not None and start is not None:
            # == json.dumps({"factors": factors}): codes come from the list, so need no escaping.
            detail = '{"factors":[' + ",".join(f'"{c}"' for c in factors) + "]}"
            events.append(_new(EventRecord, (cid, "assessment", start, end, None, None, None,
                                             None, None, None, None, None, None, detail)))
        return CIN_UASC_FACTOR in factors

    def _cin_plan(self, block: etree._Element, path: str, who: str, cid: str | None,
                  events: list[EventRecord]) -> None:
        f = self._leaves(block, path, who, _PLAN_LEAVES)[0]
        start = self._date_of(f, "CINPlanStartDate", path, who, True)
        end = self._date_of(f, "CINPlanEndDate", path, who, False)
        if start is not None and end is not None and end < start:
            self._note(("before", "CINPlanEndDate"), f"{path}/CINPlanEndDate", "CINPlanEndDate",
                       end.isoformat(), who, "the CINPlanEndDate is before the CINPlanStartDate")
        if cid is not None and start is not None:
            events.append(_new(EventRecord, (cid, "cin_plan", start, end, None, None, None,
                                             None, None, None, None, None, None, None)))

    def _section47(self, block: etree._Element, path: str, who: str, cid: str | None,
                   events: list[EventRecord]) -> None:
        f = self._leaves(block, path, who, _S47_LEAVES)[0]
        start = self._date_of(f, "S47ActualStartDate", path, who, True)
        target = self._date_of(f, "InitialCPCtarget", path, who, False, future_ok=True)
        icpc = self._date_of(f, "DateOfInitialCPC", path, who, False)
        not_required = _BOOL_FAST.get(f.get("ICPCnotRequired"))  # type: ignore[arg-type]
        if not_required is None:
            not_required = self._bool(f.get("ICPCnotRequired"), "ICPCnotRequired" in f, path,
                                      "ICPCnotRequired", who)
        if cid is not None and start is not None:
            # The EventRecord detail form (records.py: compact, sorted keys), written directly:
            # dates and booleans need no escaping.
            detail = (f'{{"icpc_date":{_json_date(icpc)},'
                      f'"icpc_not_required":{_JSON_BOOL[not_required]},'
                      f'"icpc_target":{_json_date(target)}}}')
            events.append(_new(EventRecord, (cid, "s47", start, None, None, None, None, None,
                                             None, None, None, None, None, detail)))

    def _protection_plan(self, block: etree._Element, path: str, who: str, cid: str | None,
                         events: list[EventRecord], seen: dict[tuple, str]) -> None:
        f, holder = self._leaves(block, path, who, _CPP_LEAVES, "Reviews")
        start = self._date_of(f, "CPPstartDate", path, who, True)
        end = self._date_of(f, "CPPendDate", path, who, False)
        if start is not None and end is not None and end < start:
            self._note(("before", "CPPendDate"), f"{path}/CPPendDate", "CPPendDate",
                       end.isoformat(), who, "the CPPendDate is before the CPPstartDate")
        what = "a category of abuse (NEG, PHY, SAB, EMO or MUL)"
        initial = f.get("InitialCategoryOfAbuse")
        if initial not in CIN_ABUSE_CATEGORY_CODES:
            initial = self._code(initial, "InitialCategoryOfAbuse" in f,
                                 f"{path}/InitialCategoryOfAbuse", "InitialCategoryOfAbuse",
                                 CIN_ABUSE_CATEGORY_CODES, who, what, required=True)
        latest = f.get("LatestCategoryOfAbuse")
        if "LatestCategoryOfAbuse" not in f:
            self._warn(f"{path}/LatestCategoryOfAbuse", "LatestCategoryOfAbuse", None,
                       f"{who}: LatestCategoryOfAbuse is missing (the schema requires it)")
        elif latest not in CIN_ABUSE_CATEGORY_CODES:
            latest = self._code(latest, True, f"{path}/LatestCategoryOfAbuse",
                                "LatestCategoryOfAbuse", CIN_ABUSE_CATEGORY_CODES, who, what)
        previous = self._count(f, f"{path}/NumberOfPreviousCPP", "NumberOfPreviousCPP", who)
        reviews: list[dt.date | None] = []
        if holder is not None:
            rpath = f"{path}/Reviews"
            texts, odd = _list_texts(holder, "CPPreviewDate")
            if odd:
                self._inspect(holder, rpath, who, _NONE, frozenset({"CPPreviewDate"}))
            for i, raw in enumerate(texts, 1):
                reviews.append(self._dates.get(raw) or self._date(
                    raw, True, rpath, "CPPreviewDate", who, False,
                    loc=f"{rpath}/CPPreviewDate[{i}]"))
        key = (start, end, initial, latest, previous, tuple(reviews))
        first = seen.get(key)
        if first is not None:
            self._warn(path, "ChildProtectionPlans", None,
                       f"{who}: this protection plan repeats {first} exactly; it is counted "
                       "once")
            return
        seen[key] = path
        if cid is not None and start is not None:
            # The same form; the category is a listed code (or None), so needs no escaping.
            shown = "null" if latest is None else f'"{latest}"'
            plans = "null" if previous is None else previous
            detail = (f'{{"latest_category":{shown},"previous_plans":{plans},'
                      f'"reviews":{len(reviews) - reviews.count(None)}}}')
            events.append(_new(EventRecord, (cid, "cp_plan", start, end, None, None, None, None,
                                             None, initial, None, None, None, detail)))

    # ------------------------------------------------------------------ slow paths

    def _check_id(self, raw: str | None, has_block: bool, present: bool, path: str,
                  pos: int) -> str | None:
        """The LAchildID as text (clean_identifier), checked for presence and uniqueness."""
        loc = f"{path}/ChildIdentifiers/LAchildID"
        if not has_block:
            self._error(f"{path}/ChildIdentifiers", "ChildIdentifiers", None,
                        f"the child at {path} has no ChildIdentifiers block (so no LAchildID); "
                        "its records are not read")
            return None
        if raw is None or not raw.strip():
            what = "empty" if present else "missing"
            self._error(loc, "LAchildID", None,
                        f"the child at {path} has no LAchildID (it is {what}); its records are "
                        "not read")
            return None
        cid = clean_identifier(raw)
        if cid != raw.strip():
            self._warn(loc, "LAchildID", raw, f"child {cid}: the LAchildID was written as "
                       f"{raw.strip()!r} and is read as {cid!r}")
        seen = self._ids.get(cid)
        if seen is not None:
            self._error(loc, "LAchildID", cid,
                        f"child {cid}: the same LAchildID is used by Children/Child[{seen}] "
                        f"and {path}; each child must appear once")
        else:
            self._ids[cid] = pos
        if (self._period or 0) >= _ID_RULES_FROM_YEAR and (len(cid) > 20 or not cid.isalnum()):
            self._warn(loc, "LAchildID", cid,
                       f"child {cid}: from {_ID_RULES_FROM_YEAR} the LAchildID must be at most "
                       "20 letters and digits (DfE rules 1570, 1580)")
        return cid

    def _birth(self, ids: dict[str, str | None], path: str, who: str) -> dt.date | None:
        """PersonBirthDate, else ExpectedPersonBirthDate (unborn); never both (rule 8525)."""
        born = "PersonBirthDate" in ids
        due = "ExpectedPersonBirthDate" in ids
        birth = (self._date(ids["PersonBirthDate"], True, path, "PersonBirthDate", who, False)
                 if born else None)
        expected = (self._date(ids["ExpectedPersonBirthDate"], True, path,
                               "ExpectedPersonBirthDate", who, False, future_ok=True)
                    if due else None)
        if born and due:
            self._error(f"{path}/ExpectedPersonBirthDate", "ExpectedPersonBirthDate",
                        ids["ExpectedPersonBirthDate"],
                        f"{who}: the child has both a PersonBirthDate and an "
                        "ExpectedPersonBirthDate; give one or the other (DfE rule 8525)")
        elif not born and not due:
            self._warn(f"{path}/PersonBirthDate", "PersonBirthDate", None,
                       f"{who}: neither PersonBirthDate nor ExpectedPersonBirthDate is given, "
                       "so the child's age is unknown")
        return birth if birth is not None else expected

    def _upn_unknown(self, raw: str | None, path: str, who: str) -> None:
        if (raw or "").strip().upper() not in CIN_UPN_UNKNOWN_CODES:
            self._warn(f"{path}/UPNunknown", "UPNunknown", raw,
                       f"{who}: UPNunknown is not one of UN1-UN7")

    def _sex(self, ids: dict[str, str | None], path: str, who: str) -> str | None:
        """``GenderCurrent`` (1/2/0/9, to 2024) or ``Sex`` (M/F/U, 2025 on), either element in
        any year, both mapped to M/F/U (formats.md 2.3)."""
        has_sex = "Sex" in ids
        has_gender = "GenderCurrent" in ids
        if not has_sex and not has_gender:
            self._warn(f"{path}/Sex", "Sex", None,
                       f"{who}: neither Sex nor GenderCurrent is given; sex is unknown")
            return None
        period = self._period
        use_sex = has_sex and (not has_gender or period is None or period >= CIN_SEX_FROM_YEAR)
        tag = "Sex" if use_sex else "GenderCurrent"
        result = self._sex_value(ids[tag], f"{path}/{tag}", tag, who)
        if has_sex and has_gender:
            other_tag = "GenderCurrent" if use_sex else "Sex"
            other = self._sex_value(ids[other_tag], f"{path}/{other_tag}", other_tag, who)
            if other is not None and result is not None and other != result:
                self._error(f"{path}/{tag}", tag, ids[tag],
                            f"{who}: Sex {ids['Sex']!r} and GenderCurrent "
                            f"{ids['GenderCurrent']!r} disagree")
            else:
                self._warn(f"{path}/{other_tag}", other_tag, None,
                           f"{who}: both Sex and GenderCurrent are given; {tag} was used")
        if period is not None and use_sex != (period >= CIN_SEX_FROM_YEAR):
            fits = "Sex" if period >= CIN_SEX_FROM_YEAR else "GenderCurrent"
            self._note(("sex_element", tag), f"{path}/{tag}", tag, None, who,
                       f"the {period} schema has <{fits}>, not <{tag}>; the value was read "
                       "all the same")
        return result

    def _sex_value(self, raw: str | None, loc: str, tag: str, who: str) -> str | None:
        text = (raw or "").strip()
        if not text:
            self._warn(loc, tag, None, f"{who}: {tag} is empty; sex is unknown")
            return None
        try:
            sex = normalise_sex(text)
        except ValueError:
            expected = "M, F or U" if tag == "Sex" else "1, 2, 0 or 9"
            self._error(loc, tag, raw, f"{who}: {tag} {text!r} is not a CIN sex code "
                        f"(expected {expected})")
            return None
        own, other, other_tag = ((CIN_SEX_CODES, CIN_GENDER_CURRENT_CODES, "GenderCurrent")
                                 if tag == "Sex" else
                                 (CIN_GENDER_CURRENT_CODES, CIN_SEX_CODES, "Sex"))
        if text not in own:
            kind = (f"the {other_tag} code {text!r}" if text.upper() in other
                    else f"{text!r}, which is not a {tag} code")
            self._warn(loc, tag, raw, f"{who}: {tag} holds {kind}; read as {sex}")
        return sex

    def _inspect(self, block: etree._Element, path: str, who: str, leaves: frozenset[str],
                 repeats: frozenset[str]) -> None:
        """Slow path for a block that looked odd: report stray text, repeated single elements
        and unknown elements, each with its path."""
        text = block.text
        if text and not text.isspace():
            self._stray(path, block.tag, text, who, inside=True)
        seen: set[str] = set()
        counts: dict[str, int] = {}
        for el in block:
            tag = el.tag
            n = counts[tag] = counts.get(tag, 0) + 1
            where = f"{path}/{tag}[{n}]" if tag in repeats else f"{path}/{tag}"
            if tag in leaves:
                if tag in seen:
                    self._error(f"{path}/{tag}", tag, None,
                                f"{who}: <{block.tag}> holds more than one <{tag}>; only one "
                                "is allowed")
                seen.add(tag)
            elif tag not in repeats:
                self._note(("unknown", block.tag, tag), where, tag, None, who,
                           f"<{tag}> is not a CIN census element inside <{block.tag}>; it was "
                           "ignored")
            text = el.tail
            if text and not text.isspace():
                self._stray(where, tag, text, who)

    def _date_of(self, found: dict[str, str | None], field: str, path: str, who: str,
                 required: bool, *, future_ok: bool = False) -> dt.date | None:
        """The date in element ``field`` of a block read by :meth:`_leaves`."""
        raw = found.get(field)
        d = self._dates.get(raw)
        if d is None and (required or field in found):
            d = self._date(raw, field in found, path, field, who, required, future_ok=future_ok)
        return d

    def _date(self, raw: str | None, present: bool, path: str, field: str, who: str,
              required: bool, *, future_ok: bool = False, loc: str | None = None,
              ) -> dt.date | None:
        """An ``xs:date`` (``YYYY-MM-DD``): problems for missing, malformed and implausible
        values (formats.md 6.11); plausible dates are cached for the hot path."""
        loc = loc or f"{path}/{field}"
        d = self._odd_dates.get(raw)
        if d is None:
            text = raw.strip() if raw else ""
            if not text:
                if required:
                    what = "empty" if present else "missing"
                    self._error(loc, field, None, f"{who}: {field} is {what}")
                return None
            try:
                if len(text) != 10:
                    raise ValueError(f"is not a date in the form YYYY-MM-DD: {text!r}")
                d = parse_iso_date(text)
            except ValueError as exc:
                self._error(loc, field, raw, f"{who}: {field} {exc}")
                return None
        if d < EARLIEST_PLAUSIBLE:
            self._odd_dates[raw] = d
            self._note(("early", field), loc, field, d.isoformat(), who,
                       f"the {field} is before {EARLIEST_PLAUSIBLE.isoformat()}, which is not "
                       "plausible")
        elif self._end is not None and d > self._end:
            self._odd_dates[raw] = d
            if not future_ok:
                self._note(("late", field), loc, field, d.isoformat(), who,
                           f"the {field} is after {self._end.isoformat()}, the end of the "
                           f"{self._period} collection year")
        else:
            self._dates[raw] = d
        return d

    def _code(self, raw: str | None, present: bool, loc: str, field: str,
              codes: frozenset[str], who: str, what: str, *, required: bool = False,
              years: Mapping[str, YearRange] | None = None) -> str | None:
        """A coded element: exact match, else trimmed and upper-cased (formats.md
        conventions); unknown codes are errors, codes from another year warnings."""
        code = raw.strip().upper() if raw else ""
        if not code:
            if required:
                what_is = "empty" if present else "missing"
                self._error(loc, field, None, f"{who}: {field} is {what_is}")
            return None
        if code not in codes:
            self._error(loc, field, raw, f"{who}: {field} {raw.strip()!r} is not "  # type: ignore
                        f"{what}")
            return None
        if (years is not None and self._period is not None and code in years
                and not valid_in_year(code, self._period, years)):
            first, last = years[code]
            span = f"from {first}" if last is None else f"up to {last}"
            self._warn(loc, field, code,
                       f"{who}: {field} {code} is valid only {span}, not in the "
                       f"{self._period} collection; it was read all the same")
        return code

    def _bool(self, raw: str | None, present: bool, path: str, field: str,
              who: str) -> bool | None:
        """A census boolean: 0/1/true/false in any case, trimmed (formats.md 2.2)."""
        loc = f"{path}/{field}"
        if not present:
            self._error(loc, field, None, f"{who}: {field} is missing")
            return None
        text = (raw or "").strip()
        if text.lower() not in _XML_BOOLEANS:
            shown = repr(text) if text else "empty"
            self._error(loc, field, raw, f"{who}: {field} is {shown}, not a yes/no value "
                        "(expected 1, 0, true or false)")
            return None
        return parse_bool(text)

    def _count(self, found: dict[str, str | None], loc: str, field: str,
               who: str) -> int | None:
        """A non-negative whole number (``NumberOfPreviousCPP``)."""
        if field not in found:
            self._warn(loc, field, None, f"{who}: {field} is missing (the schema requires it)")
            return None
        raw = found[field] or ""
        if raw.isdigit() and raw.isascii():
            return int(raw)
        text = raw.strip()
        if not (text.isdigit() and text.isascii()):
            self._error(loc, field, raw,
                        f"{who}: {field} {text!r} is not a whole number of 0 or more")
            return None
        return int(text)

    # ------------------------------------------------------------------ problem helpers

    def _error(self, loc: str, field: str, value: object, message: str) -> None:
        self.problems.error(self._name, loc, field, value, message)

    def _warn(self, loc: str, field: str, value: object, message: str) -> None:
        self.problems.warning(self._name, loc, field, value, message)

    def _stray(self, loc: str, field: str, text: str, who: str, *, inside: bool = False) -> None:
        where = f"at the start of <{field}>" if inside else f"after </{field}>"
        self._warn(loc, field, text.strip(),
                   f"{who}: stray text {text.strip()!r} {where} was ignored")

    def _note(self, key: tuple[str, ...], loc: str, field: str, value: object, who: str,
              message: str) -> None:
        """A warning an export tends to repeat: counted, and reported once per file."""
        entry = self._aggregate.get(key)
        if entry is None:
            self._aggregate[key] = [1, loc, field, value, who, message]
        else:
            entry[0] += 1

    def _flush_aggregate(self) -> None:
        for count, loc, field, value, who, message in self._aggregate.values():
            extra = f" ({count} times in this file; the first is shown)" if count > 1 else ""
            self._warn(loc, field, value, f"{who}: {message}{extra}")
        self._aggregate = {}


# ---------------------------------------------------------------------- fast path: shapes
#
# A census repeats a few hundred child "shapes" (which elements, in which order, how many
# referrals, assessments and factors) tens of thousands of times.  The fast path serialises a
# finished ``Child`` once in C (``etree.tostring``), splits the markup at every ``<`` and ``>``
# (tags at odd positions, the text after each tag at the even ones: the serialiser escapes
# ``<``, ``>`` and ``&`` in text, so the split is exact), and looks its tags up in a table of
# compiled shapes.  A shape says, for that exact structure, which split position holds each
# value the reader needs, so the values of a batch's children of one shape line up in
# columns, checked and turned into records with C-level ``map``/``zip`` and set tests
# (CinCensusReader._read_group) instead of Python per element.  Only a shape that the slow
# path would read
# *silently* compiles: anything else (an unknown or repeated element, a missing required
# element, a block from another year, a ``Sex`` element in a ``GenderCurrent`` year, ...)
# compiles to None and every child of that shape takes the slow path, which reports it.

#: The split position standing for an absent (or empty ``<X/>``) element, read as None.
_ABSENT = -1

_ASSESSMENT, _PLAN, _S47, _CPP = range(4)


class _Unsupported(Exception):
    """A shape the fast path does not read (its children take the slow path)."""


class _Node:
    """One element of a serialised child: its name, the split position of the text that
    follows its start tag (None for an empty ``<X/>``), and its child elements."""

    __slots__ = ("kids", "name", "slot")

    def __init__(self, name: str, slot: int | None) -> None:
        self.name = name
        self.slot = slot
        self.kids: list[_Node] = []


def _parse_tags(tags: list[str]) -> _Node | None:
    """The element tree of a serialised child from its tags (``Name``, ``/Name``, ``Name/``),
    or None when they do not nest as one element (so cannot be a serialised element)."""
    root: _Node | None = None
    stack: list[_Node] = []
    for j, tag in enumerate(tags):
        if tag[:1] == "/":
            if not stack or stack[-1].name != tag[1:]:
                return None
            stack.pop()
            continue
        empty = tag[-1:] == "/"
        node = _Node(tag[:-1] if empty else tag, None if empty else 2 * j + 2)
        if stack:
            stack[-1].kids.append(node)
        elif root is None:
            root = node
        else:
            return None
        if not empty:
            stack.append(node)
    return root if not stack else None


class _Allowed:
    """The values the fast path accepts as they stand, per kind, for one collection year:
    exactly the spellings the slow path reads without a problem and without change."""

    def __init__(self, period: int | None) -> None:
        def in_year(codes: frozenset[str], years: Mapping[str, YearRange]) -> frozenset[str]:
            return frozenset(c for c in codes
                             if period is None or valid_in_year(c, period, years))

        self.period = period
        self.sets: dict[str, frozenset[str]] = {
            "upn_unknown": CIN_UPN_UNKNOWN_CODES,
            "disability": CIN_DISABILITY_CODES,
            "source": in_year(CIN_REFERRAL_SOURCE_CODES, CIN_REFERRAL_SOURCE_YEARS),
            "need": CIN_PRIMARY_NEED_CODES,
            "reason": in_year(CIN_CLOSURE_REASON_CODES, CIN_CLOSURE_REASON_YEARS),
            "bool": frozenset(_BOOL_FAST),
            "factor": in_year(CIN_ASSESSMENT_FACTOR_CODES, CIN_ASSESSMENT_FACTOR_YEARS),
            "abuse": CIN_ABUSE_CATEGORY_CODES,
        }
        # A code is read as ``raw.strip().upper()``: only spellings equal to that are taken
        # as they stand.
        for kind, codes in self.sets.items():
            self.sets[kind] = frozenset(c for c in codes if c == c.strip().upper()
                                        or kind == "bool")


def _taker(slots: list[int]) -> Callable[[list], tuple]:
    """``itemgetter`` that always returns a tuple (``itemgetter(i)`` returns the item)."""
    if len(slots) == 1:
        (i,) = slots
        return lambda parts: (parts[i],)
    return itemgetter(*slots)


class _Shape:
    """Where the values of every child of one shape are (see the section comment): split
    positions (``_ABSENT`` for an element that is absent or empty).

    ``texts`` takes every leaf text (their lengths prove there is no other text: no stray
    text, no text beside child elements) and ``columns`` finds a leaf's place in it;
    ``dates`` are the dates that must be plausible and in the collection year, ``targets``
    the ICPC target dates (which may lie after it); ``checks`` pairs each code's position
    with the set its value must belong to.
    ``referrals`` holds one tuple per CINdetails with its blocks in document order (see
    :meth:`CinCensusReader._read_group`).
    """

    __slots__ = ("birth", "checks", "columns", "cpp_count", "dates", "disabilities", "eth",
                 "id", "markup", "referrals", "sex", "sex_map", "targets", "texts")

    markup: int
    texts: Callable[[list], tuple]
    columns: dict[int, int]
    dates: tuple[int, ...]
    targets: tuple[int, ...]
    checks: tuple[tuple[int, frozenset[str]], ...]
    id: int
    eth: int
    sex: int
    sex_map: dict[str, str]
    birth: int
    disabilities: tuple[int, ...] | None
    referrals: tuple[tuple, ...]
    cpp_count: int


class _ShapeCompiler:
    """Compiles one shape, raising :class:`_Unsupported` wherever the slow path would
    report something or read the child differently."""

    def __init__(self, allowed: _Allowed) -> None:
        self.allowed = allowed
        self.texts: list[int] = []
        self.dates: list[int] = []
        self.targets: list[int] = []
        self.codes: dict[str, list[int]] = {}
        self.cpp_count = 0

    # -- building blocks

    @staticmethod
    def block(node: _Node | None, known: frozenset[str],
              holders: frozenset[str] = _NONE) -> dict[str, _Node]:
        """A block's elements by name: each known, at most once, and leaves but for holders."""
        if node is None or node.slot is None:
            raise _Unsupported
        found: dict[str, _Node] = {}
        for kid in node.kids:
            if kid.name not in known or kid.name in found or (kid.kids
                                                             and kid.name not in holders):
                raise _Unsupported
            found[kid.name] = kid
        return found

    def text(self, node: _Node | None) -> int:
        """A leaf element that must hold text: its split position."""
        if node is None or node.slot is None or node.kids:
            raise _Unsupported
        self.texts.append(node.slot)
        return node.slot

    def ignored(self, node: _Node) -> None:
        """A leaf read past (UPN): its text only counts for the length check."""
        if node.kids:
            raise _Unsupported
        if node.slot is not None:
            self.texts.append(node.slot)

    def code(self, kind: str, node: _Node | None) -> int:
        slot = self.text(node)
        self.codes.setdefault(kind, []).append(slot)
        return slot

    def optional_code(self, kind: str, node: _Node | None) -> int:
        """A code the slow path reads as None, silently, when absent or empty."""
        if node is None or (node.slot is None and not node.kids):
            return _ABSENT
        return self.code(kind, node)

    def date(self, node: _Node | None) -> int:
        """A required date (plausible and in the collection year): its split position."""
        slot = self.text(node)
        self.dates.append(slot)
        return slot

    def optional_date(self, node: _Node | None) -> int:
        """A date the slow path reads as None, silently, when absent or empty."""
        if node is None or (node.slot is None and not node.kids):
            return _ABSENT
        return self.date(node)

    # -- the child and its blocks

    def child(self, root: _Node) -> _Shape:
        if root.name != "Child" or root.slot is None:
            raise _Unsupported
        names = [k.name for k in root.kids]
        if (names.count("ChildIdentifiers") != 1 or names.count("ChildCharacteristics") != 1
                or len(names) == 2 or names.count("CINdetails") != len(names) - 2):
            raise _Unsupported
        shape = _Shape()
        ident = next(k for k in root.kids if k.name == "ChildIdentifiers")
        ids = self.block(ident, _IDENT_LEAVES)
        if "ExpectedPersonBirthDate" in ids:
            raise _Unsupported
        shape.id = self.text(ids.get("LAchildID"))
        shape.birth = self.date(ids.get("PersonBirthDate"))
        if "PersonDeathDate" in ids:
            self.optional_date(ids["PersonDeathDate"])
        if "UPNunknown" in ids:
            self.code("upn_unknown", ids["UPNunknown"])
        for name in ("UPN", "FormerUPN"):
            if name in ids:
                self.ignored(ids[name])
        period = self.allowed.period
        if period is None or ("Sex" in ids) == ("GenderCurrent" in ids):
            raise _Unsupported
        tag = "Sex" if "Sex" in ids else "GenderCurrent"
        if (tag == "Sex") != (period >= CIN_SEX_FROM_YEAR):
            raise _Unsupported
        shape.sex = self.text(ids[tag])
        shape.sex_map = _SEX_FAST if tag == "Sex" else _GENDER_FAST

        chars = next(k for k in root.kids if k.name == "ChildCharacteristics")
        found = self.block(chars, _CHARS_LEAVES, frozenset({"Disabilities"}))
        shape.eth = self.text(found.get("Ethnicity"))
        holder = found.get("Disabilities")
        shape.disabilities = None
        if holder is not None:
            if holder.slot is None or not holder.kids:
                raise _Unsupported
            if any(k.name != "Disability" for k in holder.kids):
                raise _Unsupported
            shape.disabilities = tuple(self.code("disability", k) for k in holder.kids)

        shape.referrals = tuple(self.referral(k) for k in root.kids if k.name == "CINdetails")
        shape.cpp_count = self.cpp_count
        shape.markup = 0  # set by the caller, which has the tags
        shape.texts = _taker(self.texts)
        shape.columns = {slot: j for j, slot in enumerate(self.texts)}
        shape.dates = tuple(dict.fromkeys(self.dates))
        shape.targets = tuple(dict.fromkeys(self.targets))
        shape.checks = tuple((slot, self.allowed.sets[kind])
                             for kind, slots in self.codes.items() for slot in slots)
        return shape

    def referral(self, cind: _Node) -> tuple:
        if cind.slot is None:
            raise _Unsupported
        leaves: dict[str, _Node] = {}
        blocks: list[tuple] = []
        for kid in cind.kids:
            if kid.name in _CIND_REPEATS:
                blocks.append(self.repeat(kid))
            elif kid.name in _CIND_LEAVES and kid.name not in leaves and not kid.kids:
                leaves[kid.name] = kid
            else:
                raise _Unsupported
        return (self.date(leaves.get("CINreferralDate")),
                self.optional_date(leaves.get("CINclosureDate")),
                self.code("source", leaves.get("ReferralSource")),
                self.optional_code("need", leaves.get("PrimaryNeedCode")),
                self.optional_code("reason", leaves.get("ReasonForClosure")),
                self.optional_date(leaves.get("DateOfInitialCPC")),
                self.code("bool", leaves.get("ReferralNFA")),
                tuple(blocks))

    def repeat(self, node: _Node) -> tuple:
        name = node.name
        if name == "Assessments":
            f = self.block(node, _ASSESSMENT_LEAVES, frozenset({"FactorsIdentifiedAtAssessment"}))
            start = self.date(f.get("AssessmentActualStartDate"))
            if "AssessmentInternalReviewDate" in f:
                self.optional_date(f["AssessmentInternalReviewDate"])
            end = self.optional_date(f.get("AssessmentAuthorisationDate"))
            holder = f.get("FactorsIdentifiedAtAssessment")
            factors = None
            if holder is not None:
                if holder.slot is None or not holder.kids or any(
                        k.name != "AssessmentFactors" for k in holder.kids):
                    raise _Unsupported
                factors = tuple(self.code("factor", k) for k in holder.kids)
            return (_ASSESSMENT, start, end, factors)
        if name == "CINPlanDates":
            period = self.allowed.period
            if period is not None and period < CIN_PLAN_DATES_FROM_YEAR:
                raise _Unsupported
            f = self.block(node, _PLAN_LEAVES)
            return (_PLAN, self.date(f.get("CINPlanStartDate")),
                    self.optional_date(f.get("CINPlanEndDate")))
        if name == "Section47":
            f = self.block(node, _S47_LEAVES)
            start = self.date(f.get("S47ActualStartDate"))
            target = f.get("InitialCPCtarget")
            target_at = _ABSENT
            if target is not None and (target.slot is not None or target.kids):
                target_at = self.text(target)
                self.targets.append(target_at)
            icpc = self.optional_date(f.get("DateOfInitialCPC"))
            return (_S47, start, target_at, icpc, self.code("bool", f.get("ICPCnotRequired")))
        if name == "ChildProtectionPlans":
            f = self.block(node, _CPP_LEAVES, frozenset({"Reviews"}))
            self.cpp_count += 1
            start = self.date(f.get("CPPstartDate"))
            end = self.optional_date(f.get("CPPendDate"))
            initial = self.code("abuse", f.get("InitialCategoryOfAbuse"))
            latest = self.code("abuse", f.get("LatestCategoryOfAbuse"))
            previous = self.text(f.get("NumberOfPreviousCPP"))
            reviews: tuple[int, ...] = ()
            holder = f.get("Reviews")
            if holder is not None and holder.slot is not None:
                if any(k.name != "CPPreviewDate" for k in holder.kids):
                    raise _Unsupported
                reviews = tuple(self.date(k) for k in holder.kids)
            return (_CPP, start, end, initial, latest, previous, reviews)
        raise _Unsupported  # PreProceedingsandFGDM: noted by the slow path


def _compile_shape(parts: list[str], allowed: _Allowed) -> _Shape | None:
    """The shape of a child from its split markup, or None if the fast path cannot read it."""
    tags = parts[1::2]
    root = _parse_tags(tags)
    if root is None:
        return None
    try:
        shape = _ShapeCompiler(allowed).child(root)
    except _Unsupported:
        return None
    shape.markup = sum(map(len, tags)) + 2 * len(tags)
    return shape


def _list_texts(holder: etree._Element, tag: str) -> tuple[list[str | None], bool]:
    """The texts of a list block's elements in one pass, and whether the block holds anything
    but ``tag`` elements or stray text (then the caller inspects it)."""
    texts = []
    odd = False
    text = holder.text
    if text and not text.isspace():
        odd = True
    for el in holder:
        texts.append(el.text)
        if el.tag != tag:
            odd = True
        text = el.tail
        if text and not text.isspace():
            odd = True
    return texts, odd


def _only_white_space(path: Path) -> bool:
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            if block.strip(b" \t\r\n\xef\xbb\xbf"):
                return False
    return True


def _first_bad_utf8(path: Path) -> tuple[int, int, int] | None:
    """(byte offset, byte, line) of the first byte that is not valid UTF-8, or None."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    lines = 1
    with open(path, "rb") as fh:
        if fh.read(2) in _UTF16_BOMS:
            return None
        fh.seek(0)
        while True:
            block = fh.read(1 << 20)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                # exc.start counts from the bytes the decoder held over plus this block.
                held = len(exc.object) - len(block)
                bad = offset - held + exc.start
                lines += block[: max(0, exc.start - held)].count(b"\n")
                return bad, exc.object[exc.start], lines
            if not block:
                return None
            offset += len(block)
            lines += block.count(b"\n")


# ---------------------------------------------------------------------- XSD validation

@lru_cache(maxsize=16)
def _schema(xsd: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(xsd))


def validate_against_xsd(path: Path, year: int, xsd_dir: Path) -> list[Problem]:
    """Validate a CIN census file against ``CIN_schema_<year>.xsd`` in ``xsd_dir``.

    The LIIA schemas accept only ``0``/``1`` for booleans while every public sample writes
    ``true``/``false`` (data README, formats.md 2.2), so booleans are mapped to ``1``/``0``
    first; everything else is validated as written.  ``year`` is the schema year (see
    :func:`schema_year_for` and ``meta.details["schema_year"]``).  The schemas live outside
    the package (../shared/data/cin_census/xsd), hence the ``xsd_dir`` argument.  Returns one
    error :class:`Problem` per schema violation (empty list = valid).
    """
    path = Path(path)
    xsd = Path(xsd_dir) / f"CIN_schema_{year}.xsd"
    if not xsd.is_file():
        known = sorted(p.stem.rsplit("_", 1)[-1] for p in Path(xsd_dir).glob("CIN_schema_*.xsd"))
        raise ConfigError(f"no CIN schema for {year} in {xsd_dir} (found: "
                          f"{', '.join(known) or 'none'})")
    schema = _schema(str(xsd))
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        return [Problem(path.name, f"line {exc.lineno}", "", None,
                        f"the file is not well-formed XML: {exc.msg}", Severity.ERROR)]
    for el in tree.iter(*_BOOLEAN_ELEMENTS):
        text = (el.text or "").strip().lower()
        if text in _XML_BOOLEANS:
            el.text = "1" if parse_bool(text) else "0"
    if schema.validate(tree):
        return []
    return [
        Problem(path.name, f"line {entry.line}: {entry.path}", "", None,
                f"does not match the {year} CIN schema: {entry.message}", Severity.ERROR)
        for entry in schema.error_log
    ]
