"""DfE ethnicity codes, their top-level groups, and the mapping of labels onto them.

The 20 DfE codes are shared by the CIN census (``Ethnicity``), the SSDA903 (``ETHNIC``) and,
lettered, Ofsted Annex A.  Top-level groups follow DfE statistics and ONS Census 2021, with one
documented switch: Chinese (CHNE) is ASIAN by default and OTHER when the authority uses the
Annex A convention (``chinese_group="other"``).  That is a setting, never a guess.

REFU and NOBT are not ethnic groups: they map to REFUSED and NOT_OBTAINED and are excluded from
rate numerators.  A missing or unrecognisable label is UNKNOWN (reported, never folded into
Other).

:class:`EthnicityNormaliser` turns the labels real systems export (extended CBDS codes, lettered
Annex A values, case-system prefixes, free text) into codes with exact lookups in the shipped
table ``arpkit/data/ethnicity_labels.yml`` plus the authority's own decisions
(:mod:`arpkit.engine.ethnicity_mapping`); :func:`ons_category` and :func:`population_label` do
the same for denominator files.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from arpkit.engine.values import clean_text

#: Top-level groups, in reporting order.  The last three are not ethnic groups.
GROUPS: tuple[str, ...] = (
    "WHITE", "MIXED", "ASIAN", "BLACK", "OTHER", "REFUSED", "NOT_OBTAINED", "UNKNOWN",
)
#: Groups that have a population denominator.
KNOWN_GROUPS: tuple[str, ...] = GROUPS[:5]
NOT_KNOWN_GROUPS: frozenset[str] = frozenset(GROUPS[5:])

CHINESE_GROUP_SETTINGS: tuple[str, ...] = ("asian", "other")


@dataclass(frozen=True, slots=True)
class EthnicityCode:
    code: str
    label: str
    group: str  # group under the default (DfE/ONS) convention


#: The 20 DfE codes, in DfE publication order, with the CIN XSD labels.
DFE_CODES: dict[str, EthnicityCode] = {
    c.code: c
    for c in (
        EthnicityCode("WBRI", "White British", "WHITE"),
        EthnicityCode("WIRI", "White Irish", "WHITE"),
        EthnicityCode("WIRT", "Traveller of Irish heritage", "WHITE"),
        EthnicityCode("WOTH", "Any other White background", "WHITE"),
        EthnicityCode("WROM", "Gypsy/Roma", "WHITE"),
        EthnicityCode("MWBC", "White and Black Caribbean", "MIXED"),
        EthnicityCode("MWBA", "White and Black African", "MIXED"),
        EthnicityCode("MWAS", "White and Asian", "MIXED"),
        EthnicityCode("MOTH", "Any other mixed background", "MIXED"),
        EthnicityCode("AIND", "Indian", "ASIAN"),
        EthnicityCode("APKN", "Pakistani", "ASIAN"),
        EthnicityCode("ABAN", "Bangladeshi", "ASIAN"),
        EthnicityCode("AOTH", "Any other Asian background", "ASIAN"),
        EthnicityCode("CHNE", "Chinese", "ASIAN"),
        EthnicityCode("BCRB", "Caribbean", "BLACK"),
        EthnicityCode("BAFR", "African", "BLACK"),
        EthnicityCode("BOTH", "Any other Black background", "BLACK"),
        EthnicityCode("OOTH", "Any other ethnic group", "OTHER"),
        EthnicityCode("REFU", "Refused", "REFUSED"),
        EthnicityCode("NOBT", "Information not yet obtained", "NOT_OBTAINED"),
    )
}

#: Codes that are ethnic groups (the 18 that have a population denominator).
KNOWN_CODES: tuple[str, ...] = tuple(c for c, v in DFE_CODES.items() if v.group in KNOWN_GROUPS)

#: Human labels for the top-level groups, as DfE publishes them (2025 CLA wording).
GROUP_LABELS: dict[str, str] = {
    "WHITE": "White",
    "MIXED": "Mixed or Multiple ethnic groups",
    "ASIAN": "Asian or Asian British",
    "BLACK": "Black, African, Caribbean or Black British",
    "OTHER": "Other ethnic group",
    "REFUSED": "Refused",
    "NOT_OBTAINED": "Information not yet obtained",
    "UNKNOWN": "Not recorded or not recognised",
}


def check_chinese_group(setting: str) -> str:
    if setting not in CHINESE_GROUP_SETTINGS:
        from arpkit.engine.errors import ConfigError

        raise ConfigError(
            f"chinese group setting must be one of {', '.join(CHINESE_GROUP_SETTINGS)}, "
            f"not {setting!r}"
        )
    return setting


def group_for_code(code: str | None, chinese_group: str = "asian") -> str:
    """Top-level group of a DfE code; UNKNOWN for ``None`` or a non-DfE code."""
    if code is None:
        return "UNKNOWN"
    info = DFE_CODES.get(code)
    if info is None:
        return "UNKNOWN"
    if code == "CHNE":
        return "ASIAN" if check_chinese_group(chinese_group) == "asian" else "OTHER"
    return info.group


#: ONS Census 2021 TS021 categories (20-category classification, by code) -> DfE code, or None
#: where no one-to-one DfE code exists (15 Gypsy or Irish Traveller spans WIRT and WROM; 16 Roma
#: is part of WROM).  18 Arab and 19 Any other both fall in DfE OOTH.  -8 "Does not apply" is
#: not a population category and is dropped by readers.
ONS_2021_CATEGORIES: dict[int, tuple[str, str | None, str]] = {
    # code: (ONS label after the colon, DfE code or None, top-level group)
    1: ("Bangladeshi", "ABAN", "ASIAN"),
    2: ("Chinese", "CHNE", "ASIAN"),
    3: ("Indian", "AIND", "ASIAN"),
    4: ("Pakistani", "APKN", "ASIAN"),
    5: ("Other Asian", "AOTH", "ASIAN"),
    6: ("African", "BAFR", "BLACK"),
    7: ("Caribbean", "BCRB", "BLACK"),
    8: ("Other Black", "BOTH", "BLACK"),
    9: ("White and Asian", "MWAS", "MIXED"),
    10: ("White and Black African", "MWBA", "MIXED"),
    11: ("White and Black Caribbean", "MWBC", "MIXED"),
    12: ("Other Mixed or Multiple ethnic groups", "MOTH", "MIXED"),
    13: ("English, Welsh, Scottish, Northern Irish or British", "WBRI", "WHITE"),
    14: ("Irish", "WIRI", "WHITE"),
    15: ("Gypsy or Irish Traveller", None, "WHITE"),
    16: ("Roma", None, "WHITE"),
    17: ("Other White", "WOTH", "WHITE"),
    18: ("Arab", "OOTH", "OTHER"),
    19: ("Any other ethnic group", "OOTH", "OTHER"),
}


# ------------------------------------------------------------------------------------------
# Label normaliser (formats.md §3.3, §4.4-4.6)
# ------------------------------------------------------------------------------------------

#: A result token is a DfE code, a top-level group (a "group-only" label), or this token for
#: the 2001-census heading "Chinese or other ethnic group", whose group depends on the CHNE
#: setting (OTHER under the Annex A convention, undecidable under the DfE/ONS one).
CHINESE_OR_OTHER = "CHINESE_OR_OTHER"

#: Group-only tokens the shipped mapping may use besides the 20 codes.
GROUP_TOKENS: frozenset[str] = frozenset({*KNOWN_GROUPS, CHINESE_OR_OTHER})

#: The "Any other ..." code of each top-level group: what a heading plus "other" (or plus a
#: national origin that belongs to a different group) means.
ANY_OTHER_CODE: dict[str, str] = {
    "WHITE": "WOTH", "MIXED": "MOTH", "ASIAN": "AOTH", "BLACK": "BOTH", "OTHER": "OOTH",
    CHINESE_OR_OTHER: "OOTH",
}

#: Values that are a blank cell in disguise (pandas writes an empty cell as ``nan``).
_MISSING_TEXT = frozenset({"nan"})

_PUNCT = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2010": "-", "\u2011": "-",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
})
_LOOSE_SEP = re.compile(r"[\s\-/\\>:;()\[\],._'\"|]+")


def _clean(text: object) -> str | None:
    """Trim, NBSP to space, collapse spaces, unify dashes and quotes; case is kept because
    an upper-case leading code is a structural signal (``WBRI - White British``)."""
    if text is None:
        return None
    return clean_text(str(text).translate(_PUNCT))


def label_key(text: str) -> str:
    """The lookup key of a label: case-folded, ``&``/``+`` read as "and", and every separator
    (``- / > : ( ) [ ] , .``) read as one space.

    ``"White - British"``, ``"White/ British"``, ``"White > British"`` and ``"WHITE (British)"``
    all become ``"white british"``.  Lookups on this key are exact: it removes punctuation,
    never words, so ``"Romanian"`` can never meet ``"Roma"`` (formats.md §3.3).
    """
    t = (_clean(text) or "").casefold().replace("&", " and ").replace("+", " and ")
    return " ".join(_LOOSE_SEP.sub(" ", t).split())


@dataclass(frozen=True, slots=True)
class Normalised:
    """The outcome for one raw label.

    * ``code``: a DfE code (REFU and NOBT included), or None for a group-only, unrecognised or
      missing label;
    * ``group``: one of :data:`GROUPS` under the normaliser's CHNE setting;
    * ``recognised``: True when the label was understood (including a group-only label such
      as ``"Mixed"``, whose group is known but whose code is not);
    * ``label``: the raw label as given;
    * ``missing``: the label was empty (reported as missing, not as an unmapped label).
    """

    code: str | None
    group: str
    recognised: bool
    label: str | None
    missing: bool = False

    @property
    def group_only(self) -> bool:
        """The label names a top-level group but no single DfE code (``"Mixed"``)."""
        return self.recognised and self.code is None


@dataclass(frozen=True)
class LabelTables:
    """The shipped mapping (``arpkit/data/ethnicity_labels.yml``) as lookup dicts.

    Every dict is keyed by :func:`label_key`.  ``labels`` hold whole labels and category names
    (a mismatch with a heading is a contradiction); ``origins`` hold national or ethnic origins
    (under a heading of another group they mean that heading's "Any other" code), and
    ``heading_origins`` origins that mean nothing without a heading;
    ``any_other`` details mean the heading's "Any other" code; ``vague`` details keep only the
    heading's group.
    """

    version: str
    codes: dict[str, str]  # DfE and extended CBDS codes (upper case) -> DfE code
    labels: dict[str, str]
    origins: dict[str, str]
    heading_origins: dict[str, str]
    headings: dict[str, str]
    any_other: frozenset[str]
    vague: frozenset[str]
    letters: dict[str, str]
    not_mapped: tuple[str, ...]

    def with_overrides(self, mappings: dict[str, str]) -> LabelTables:
        """Local decisions replace shipped ones and take part in every lookup, including the
        detail after a heading."""
        if not mappings:
            return self
        labels = dict(self.labels)
        for label, code in mappings.items():
            labels[label_key(label)] = code
        return dataclasses.replace(self, labels=labels)


SHIPPED_MAPPING = "ethnicity_labels.yml"


@functools.cache
def load_label_tables() -> LabelTables:
    """Load and check the shipped mapping from package data (once per process)."""
    from importlib import resources

    text = resources.files("arpkit.data").joinpath(SHIPPED_MAPPING).read_text("utf-8")
    return parse_label_tables(text, source=SHIPPED_MAPPING)


def parse_label_tables(text: str, *, source: str = "mapping") -> LabelTables:
    """Parse the mapping YAML, refusing anything ambiguous: a label listed under two different
    targets, a target that is neither a DfE code nor a group, or a label YAML did not read as
    text (``no``/``yes`` become booleans unless quoted)."""
    import yaml

    from arpkit.engine.errors import ConfigError

    data = yaml.safe_load(text) or {}
    problems: list[str] = []

    def target(value: object, where: str, allowed: frozenset[str] | set[str]) -> str | None:
        if not isinstance(value, str) or value not in allowed:
            problems.append(f"{where}: {value!r} is not one of {', '.join(sorted(allowed))}")
            return None
        return value

    def texts(values: object, where: str) -> list[str]:
        if not isinstance(values, list):
            problems.append(f"{where}: expected a list of labels")
            return []
        out = []
        for v in values:
            if not isinstance(v, str) or not v.strip():
                problems.append(f"{where}: {v!r} is not text (quote it in the YAML file)")
            else:
                out.append(v)
        return out

    def keyed(section: str, allowed: frozenset[str] | set[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for tgt, values in (data.get(section) or {}).items():
            t = target(tgt, f"{section}", allowed)
            for label in texts(values, f"{section}.{tgt}"):
                k = label_key(label)
                if not k:
                    problems.append(f"{section}.{tgt}: {label!r} has no letters")
                elif out.get(k, t) != t:
                    problems.append(f"{section}: {label!r} is listed under both {out[k]} and {t}")
                elif t is not None:
                    out[k] = t
        return out

    codes: dict[str, str] = {c: c for c in DFE_CODES}
    for parent, children in (data.get("extended_codes") or {}).items():
        p = target(parent, "extended_codes", set(KNOWN_CODES))
        for ext in (children or {}):
            if not isinstance(ext, str) or not re.fullmatch(r"[A-Z]{4}", ext):
                problems.append(f"extended_codes.{parent}: {ext!r} is not a four-letter code")
            elif ext in codes and codes[ext] != p:
                problems.append(f"extended_codes: {ext} is listed under {codes[ext]} and {p}")
            elif p is not None:
                codes[ext] = p
    label_targets = set(DFE_CODES) | GROUP_TOKENS
    labels = keyed("labels", label_targets)
    for code, parent in codes.items():  # a bare code is a label of its parent
        labels.setdefault(code.casefold(), parent)
    origins = keyed("origins", set(KNOWN_CODES))
    for k in sorted(origins.keys() & labels.keys()):
        problems.append(f"{k!r} is both a label ({labels[k]}) and an origin ({origins[k]})")
    heading_origins = keyed("heading_origins", set(KNOWN_CODES))
    headings = keyed("headings", GROUP_TOKENS)
    any_other = frozenset(label_key(v) for v in texts(data.get("any_other_details") or [],
                                                      "any_other_details"))
    vague = frozenset(label_key(v) for v in texts(data.get("vague_details") or [],
                                                  "vague_details"))
    letters: dict[str, str] = {}
    for letter, grp in (data.get("case_system_letters") or {}).items():
        if not (isinstance(letter, str) and re.fullmatch(r"[a-z]", letter)):
            problems.append(f"case_system_letters: {letter!r} is not a lower-case letter")
        elif target(grp, f"case_system_letters.{letter}", GROUP_TOKENS):
            letters[letter] = grp
    not_mapped = tuple(texts(data.get("not_mapped") or [], "not_mapped"))
    for label in not_mapped:
        if label_key(label) in labels or label_key(label) in origins:
            problems.append(f"not_mapped: {label!r} is also mapped")
    if problems:
        raise ConfigError(f"the ethnicity mapping {source} cannot be used:\n  "
                          + "\n  ".join(problems))
    return LabelTables(str(data.get("version", "")), codes, labels, origins, heading_origins,
                       headings, any_other, vague, letters, not_mapped)


# Structural rules (formats.md §3.3).  Each strips a prefix or suffix whose form is fixed and
# hands the rest back to the exact lookups; none of them guesses from a substring.
_I = re.IGNORECASE
_LETTERED = re.compile(r"^[a-z]{1,2}\)\s*(\S.*)$", _I)  # a) WBRI (Annex A)
_LEAD_CODE = re.compile(r"^([A-Z]{4})(?=$|[\s\-:\[(])")  # WBRI - White British, BSOM Black..
_SECOND_CODE = re.compile(r"^[A-Za-z]{2,10}\s*-\s*([A-Z]{4})(?=$|[\s\-:])")  # WHB - WBRI - ..
_TRAILING_NUMBER = re.compile(r"^(.*\S)\s*\(\d{2,4}\)?$")  # CHNE - Chinese (140)
_TRAILING_BRACKET = re.compile(r"^(.*\S)\s*[\[(]\s*([^\[\]()]{1,8}?)\s*[\])]$")  # [CHNE], (A1)
_CASE_CODE = re.compile(
    r"[a-z](?:\d{1,2}(?:\.\d{1,2})?|\.[a-z]{1,3}\d{0,2}(?:\.\d{1,2})?)?", _I)
_CASE_PREFIXES = (
    # (A.A1) White - British, A.A7 White > British, N.N2)Information..., (F.CHO) Any other
    re.compile(r"^\(?([a-z])\.[a-z]{1,3}\d{0,2}(?:\.\d{1,2})?(?:\)\s*|\s*:\s*|\s+|$)(.*)$", _I),
    # A1 - White British, A4.1 White - British, E3 - Refused, (B4) Mixed
    re.compile(r"^\(?([a-z])\d{1,2}(?:\.\d{1,2})?(?:\)\s*|\s*[:\-]\s*|\s+|$)(.*)$", _I),
    # A: A1
    re.compile(r"^([a-z])\s*:\s*(\S.*)$", _I),
    # A
    re.compile(r"^\(?([a-z])\)?()$", _I),
)
_SYSTEM_TOKEN = re.compile(r"^([A-Z]{1,10})\s+-\s*(\S.*)$")  # WHITEOTH - Any other white
_NEGATIONS = frozenset({"NOT", "NON", "NO"})
_MAX_DEPTH = 6


class EthnicityNormaliser:
    """Map raw ethnicity labels (codes, lettered Annex A values, case-system labels, free
    text) to a DfE code and top-level group.

    Pipeline (formats.md §4.6): trim, NBSP, case-fold, collapse spaces; then EXACT lookups in
    the shipped table (``arpkit/data/ethnicity_labels.yml``) with local decisions
    (``overrides``, see :mod:`arpkit.engine.ethnicity_mapping`) taking precedence; then a few
    structural strip rules, each followed by the same exact lookups, in this order:

    1. an Annex A letter prefix ``a) ``; a leading ``~`` or ``- ``;
    2. a leading DfE or extended CBDS code written in capitals (``WBRI - White British``,
       ``BSOM Black Somali``), or one after a system token (``WHB - WBRI - British``): the
       code wins over any text after it;
    3. a trailing count ``(140)``, or a bracketed code: a DfE/extended code wins
       (``Chinese [CHNE]``), a case-system code is dropped and the label decides
       (``White British (A1)``, ``Filipino (A)``);
    4. a case-system code prefix (``(A.A1) White - British``, ``A1 - White British``,
       ``A: A1``); the label after it decides; a code with no label gives only the group of its
       letter under the 2001 Census letter scheme (A White, B Mixed, C Asian, D Black);
    5. a heading and a detail (``Asian or Asian British - Indian``): the heading is the group
       the family chose, the detail refines it within that group; a national origin from
       another group becomes the heading's "Any other" code (``White - Kurdish`` is WOTH); a
       detail naming another group's category is a contradiction and stays unrecognised
       (``Mixed > Any other Black background``);
    6. a capitalised system token before `` - `` (``WHITEOTH - Any other white``).

    Anything else is unrecognised: code None, group UNKNOWN, counted in :attr:`unmapped` for
    the import report and ``arpkit ethnicity unmapped``; so are placeholders (``XXXX``,
    ``<Unknown>``, ``#MULTIVALUE``: the ``not_mapped`` list of the table) and, under the DfE/ONS
    Chinese setting, the 2001 heading "Chinese or other ethnic group", which spans Asian and
    Other there.  An empty label (``None``, blanks, or pandas' ``nan``) is counted in
    :attr:`missing` instead.  ``overrides`` is the authority's decisions file; None means
    shipped defaults only (callers pass :func:`arpkit.engine.ethnicity_mapping.default_path`).
    Results are cached per raw label, so a million calls over a few dozen distinct labels cost
    a dictionary lookup each.
    """

    def __init__(self, *, chinese_group: str = "asian",
                 overrides: Path | str | None = None) -> None:
        self.chinese_group = check_chinese_group(chinese_group)
        tables = load_label_tables()
        self.shipped_version = tables.version
        self.overrides_version = 0
        if overrides is not None:
            from arpkit.engine.ethnicity_mapping import load_overrides

            ov = load_overrides(overrides)
            self.overrides_version = ov.version
            tables = tables.with_overrides(ov.mappings)
        self._t = tables
        self._headings = sorted(tables.headings, key=len, reverse=True)
        self._cache: dict[str | None, Normalised] = {}
        self._uncoded: Counter[str | None] = Counter()  # raw label -> calls, when code is None

    @property
    def unmapped(self) -> Counter[str]:
        """Unrecognised labels (trimmed, spaces collapsed) and how often each was seen: the
        list an analyst works through with ``arpkit ethnicity map``."""
        return self._tally(lambda r: not r.recognised and not r.missing)

    @property
    def group_only(self) -> Counter[str]:
        """Group-only labels (``"Mixed"``) and how often each was seen: recognised, no code."""
        return self._tally(lambda r: r.recognised)

    @property
    def missing(self) -> int:
        """How many empty labels were seen (reported apart from unmapped labels)."""
        return sum(self._tally(lambda r: r.missing).values())

    def _tally(self, keep: Callable[[Normalised], bool]) -> Counter[str]:
        out: Counter[str] = Counter()
        for label, n in self._uncoded.items():
            if keep(self._cache[label]):
                out[_clean(label) or ""] += n
        return out

    @property
    def mapping_version(self) -> str:
        """Shipped table version and local overrides version, for the import record
        (methods.md §6.1: each rate records the ethnicity-mapping version)."""
        return f"shipped {self.shipped_version}; local {self.overrides_version}"

    def normalise(self, label: str | None) -> Normalised:
        """Map one raw label; see the class docstring for the rules."""
        try:
            result = self._cache[label]
        except KeyError:
            result = self._cache[label] = self._resolve(label)
        if result.code is None:
            self._uncoded[label] += 1
        return result

    # -- resolution --------------------------------------------------------------------

    def _resolve(self, label: str | None) -> Normalised:
        text = _clean(label)
        if text is None or text.casefold() in _MISSING_TEXT:
            return Normalised(None, "UNKNOWN", False, label, missing=True)
        token = self._lookup(text, 0)
        if token is None:
            return Normalised(None, "UNKNOWN", False, label)
        if token in DFE_CODES:
            return Normalised(token, group_for_code(token, self.chinese_group), True, label)
        if token == CHINESE_OR_OTHER:
            if self.chinese_group == "other":
                return Normalised(None, "OTHER", True, label)
            return Normalised(None, "UNKNOWN", False, label)  # spans ASIAN and OTHER
        return Normalised(None, token, True, label)

    def _exact(self, text: str) -> str | None:
        key = label_key(text)
        return self._t.labels.get(key) or self._t.origins.get(key)

    def _lookup(self, text: str, depth: int) -> str | None:
        """A result token for cleaned ``text`` (case kept), or None if unrecognised."""
        hit = self._exact(text)
        if hit is not None or depth > _MAX_DEPTH:
            return hit
        again = depth + 1
        t = self._t
        # 1. Annex A letter, legacy "~", empty code before a dash
        if m := _LETTERED.match(text):
            return self._lookup(m[1], again)
        if text[0] == "~" or text.startswith("- "):
            rest = text.lstrip("~- ").strip()
            return self._lookup(rest, again) if rest else None
        # 2. a DfE or extended code first (in capitals, as systems export it): the code wins
        for rx in (_LEAD_CODE, _SECOND_CODE):
            if (m := rx.match(text)) and m[1] in t.codes:
                return t.codes[m[1]]
        # 3. trailing count or bracketed code
        if m := _TRAILING_NUMBER.match(text):
            return self._lookup(m[1], again)
        if m := _TRAILING_BRACKET.match(text):
            inner = m[2].strip()
            if inner.upper() in t.codes:
                return t.codes[inner.upper()]
            if _CASE_CODE.fullmatch(inner):
                return self._lookup(m[1], again)
        # 4. case-system code prefix: the label after it decides; alone, its letter's group
        for rx in _CASE_PREFIXES:
            if m := rx.match(text):
                rest = m[2].strip()
                return self._lookup(rest, again) if rest else t.letters.get(m[1].casefold())
        # 5. heading + detail
        if split := self._split(label_key(text)):
            heading, detail = split
            return self._detail(heading, detail) if detail else heading
        # 6. a capitalised system token before " - "
        if (m := _SYSTEM_TOKEN.match(text)) and m[1] not in _NEGATIONS:
            return self._lookup(m[2], again)
        return None

    def _split(self, key: str) -> tuple[str, str] | None:
        """(heading group, detail key) for the longest heading that starts ``key``."""
        for heading in self._headings:
            if key == heading:
                return self._t.headings[heading], ""
            if key.startswith(heading + " "):
                return self._t.headings[heading], key[len(heading) + 1:]
        return None

    def _detail(self, heading: str, detail: str) -> str | None:
        """What ``detail`` means under a heading of group ``heading`` (see rule 5)."""
        t = self._t
        hit = t.labels.get(detail)
        if hit is not None and _compatible(hit, heading):
            return hit
        if hit in ("REFU", "NOBT"):
            return heading  # "White - Not yet obtained": the group is known, the code is not
        origin = t.origins.get(detail) or t.heading_origins.get(detail)
        if origin is not None:
            return origin if _compatible(origin, heading) else ANY_OTHER_CODE[heading]
        if detail in t.any_other:
            return ANY_OTHER_CODE[heading]
        if detail in t.vague:
            return heading
        if hit is None and (split := self._split(detail)) and split[0] == heading:
            # the heading repeated: "Black or Black British - Black Somali"
            return self._detail(heading, split[1]) if split[1] else heading
        return None  # unknown detail, or a category of another group: a contradiction


def _compatible(token: str, heading: str) -> bool:
    """Whether a code or group token may sit under a heading of group ``heading``.  Chinese
    sits under Asian or Other headings (systems use both conventions)."""
    if token in DFE_CODES:
        group = DFE_CODES[token].group
        if token == "CHNE":
            return heading in ("ASIAN", "OTHER", CHINESE_OR_OTHER)
        if heading == CHINESE_OR_OTHER:
            return group == "OTHER"
        return group == heading
    if heading == CHINESE_OR_OTHER:
        return token in ("OTHER", CHINESE_OR_OTHER)
    return token == heading


# ------------------------------------------------------------------------------------------
# ONS categories and population-file labels (denominators)
# ------------------------------------------------------------------------------------------

#: ONS Census 2021 headings of the 20-category classification (TS021), by top-level group.
ONS_2021_HEADINGS: dict[str, str] = {
    "ASIAN": "Asian, Asian British or Asian Welsh",
    "BLACK": "Black, Black British, Black Welsh, Caribbean or African",
    "MIXED": "Mixed or Multiple ethnic groups",
    "WHITE": "White",
    "OTHER": "Other ethnic group",
}

_ONS_BY_KEY: dict[str, int] = {
    label_key(f"{ONS_2021_HEADINGS[group]}: {name}"): number
    for number, (name, _code, group) in ONS_2021_CATEGORIES.items()
}
_ONS_NOT_POPULATION = frozenset({-8, label_key("Does not apply")})
_WHOLE_NUMBER = re.compile(r"^-?\d+$")

#: Top-level group names as population files write them (DfE, ONS 2021 and school-census
#: wordings).  "Chinese" and "Any other ethnic group" are codes, not groups, and are not here.
_POPULATION_GROUPS: dict[str, str] = {
    label_key(name): group
    for group, names in {
        "WHITE": ("White",),
        "MIXED": ("Mixed", "Mixed or Multiple ethnic groups", "Mixed / Multiple ethnic groups"),
        "ASIAN": ("Asian", "Asian or Asian British", "Asian / Asian British",
                  "Asian, Asian British or Asian Welsh"),
        "BLACK": ("Black", "Black or Black British", "Black / Black British",
                  "Black, African, Caribbean or Black British",
                  "Black, Black British, Black Welsh, Caribbean or African",
                  "Black / African / Caribbean / Black British"),
        "OTHER": ("Other", "Other ethnic group", "Other ethnic groups"),
    }.items()
    for name in names
}


def _regroup(code: str | None, group: str, chinese_group: str) -> tuple[str | None, str]:
    return (code, group_for_code(code, chinese_group)) if code is not None else (code, group)


def ons_category(label_or_code: str | int, *,
                 chinese_group: str = "asian") -> tuple[str | None, str]:
    """(DfE code or None, group) for an ONS Census 2021 TS021 category, given by its full name
    (``"Asian, Asian British or Asian Welsh: Bangladeshi"``, ``"White: Roma"``; case and spacing
    ignored) or its number 1–19.

    ONS 15 (Gypsy or Irish Traveller) and 16 (Roma) have no single DfE code (formats.md §4.3),
    so they give (None, "WHITE").  -8 "Does not apply" is not a population category and, like
    anything else not in the classification, raises :class:`ValueError`.
    """
    check_chinese_group(chinese_group)
    number: int | None = None
    if isinstance(label_or_code, bool):
        raise ValueError(f"is not an ONS ethnic group: {label_or_code!r}")
    if isinstance(label_or_code, int):
        number = label_or_code
    elif isinstance(label_or_code, str):
        text = _clean(label_or_code) or ""
        if _WHOLE_NUMBER.match(text):
            number = int(text)
        elif label_key(text) in _ONS_NOT_POPULATION:
            number = -8
        else:
            number = _ONS_BY_KEY.get(label_key(text))
            if number is None:
                raise ValueError(
                    f"is not an ONS Census 2021 ethnic group (20 categories) name such as "
                    f"'White: Irish': {label_or_code!r}")
    else:
        raise ValueError(f"is not an ONS ethnic group name or number: {label_or_code!r}")
    if number == -8:
        raise ValueError("-8 'Does not apply' is not a population category; leave those rows out")
    if number not in ONS_2021_CATEGORIES:
        raise ValueError(f"is not an ONS Census 2021 ethnic group number (1 to 19): {number}")
    _name, code, group = ONS_2021_CATEGORIES[number]
    return _regroup(code, group, chinese_group)


_POPULATION_NORMALISERS: dict[str, EthnicityNormaliser] = {}


def population_label(label: str, *, chinese_group: str = "asian") -> tuple[str | None, str]:
    """(DfE code or None, group) for the ethnicity column of a population (denominator) file.

    Accepted, in this order: a DfE code (``WBRI``, any case); a top-level group name
    (``White``, ``BLACK``, ``Black or Black British``, ``Asian or Asian British``, the ONS 2021
    headings), which gives (None, group); an ONS Census 2021 category name; and a label the
    shipped normaliser maps to a single code (``White - White British``, ``Chinese``,
    ``Any other ethnic group``).  REFU and NOBT are not population groups.  Anything else raises
    :class:`ValueError` saying what was expected, so the reader can report file, row and value.
    A bare number is refused: it could be an ONS number or something else entirely.
    """
    check_chinese_group(chinese_group)
    text = _clean(label)
    if text is None:
        raise ValueError("is blank; a population row needs an ethnic group")
    upper = text.upper()
    if upper in ("REFU", "NOBT"):
        raise ValueError(f"{upper} (refused / not yet obtained) is not a population group: "
                         f"{label!r}")
    if upper in DFE_CODES:
        return upper, group_for_code(upper, chinese_group)
    key = label_key(text)
    if key in _POPULATION_GROUPS:
        return None, _POPULATION_GROUPS[key]
    if not _WHOLE_NUMBER.match(text):
        try:
            return ons_category(text, chinese_group=chinese_group)
        except ValueError:
            pass
        norm = _POPULATION_NORMALISERS.get(chinese_group)
        if norm is None:
            norm = _POPULATION_NORMALISERS[chinese_group] = EthnicityNormaliser(
                chinese_group=chinese_group)
        result = norm.normalise(text)
        if result.code is not None and result.code in KNOWN_CODES:
            return result.code, result.group
    raise ValueError(
        f"is not a DfE ethnicity code, a top-level group name (White, Mixed, Asian, Black, "
        f"Other) or an ONS Census 2021 category: {label!r}")
