"""The contract between readers and the warehouse.

Every reader turns one statutory format into the same three kinds of record, in chunks, so the
importer (``importer.py``) can pseudonymise, normalise and write them without knowing the format.

Readers keep the authority's own child id (``source_child_id``) and the raw ethnicity label; the
importer replaces the id with an HMAC key and maps the label to a DfE code before anything is
stored.  Readers never pass names, UPNs or postcodes on: data minimisation starts here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, NamedTuple

from arpkit.engine.errors import ProblemLog

#: Stages a child can pass through, in pathway order.  ``cin_plan`` (CINPlanDates, 2022 on) is
#: kept for breakdowns; the counting rules in docs/metrics.md use the other eight.
STAGES: tuple[str, ...] = (
    "contact", "early_help", "referral", "assessment", "s47", "cin", "cin_plan", "cp_plan", "cla",
)

#: Input kinds the importer can detect and read.
KINDS: tuple[str, ...] = ("cin_census", "ssda903", "annex_a", "population", "case_extract")


class ChildRecord(NamedTuple):
    """What one source says about one child (one row per child per file).

    ``sex`` is already normalised to ``M``/``F``/``U`` (CIN 1/2/0/9 and 903 1/2 mapped).
    ``birth_date`` is the full date as read; the importer degrades it to the 1st of the month.
    ``ethnicity_label`` is the raw value (code, lettered label or free text) for the normaliser.
    """

    source_child_id: str
    ethnicity_label: str | None
    sex: str | None
    birth_date: dt.date | None
    disabled: bool | None
    uasc: bool | None


class EventRecord(NamedTuple):
    """One dated event on a child's pathway.

    Code columns hold bare codes (lettered Annex A prefixes such as ``q) 6: Police`` reduced to
    ``6``); a column that does not apply to the stage is ``None``.

    * ``referral_source``: CIN ReferralSource, Annex A contact/referral source (1A..10, 5D).
    * ``referral_nfa``: CIN ReferralNFA / Annex A "Referral NFA?".
    * ``closure_reason``: CIN ReasonForClosure (RC1..RC9) for referral/cin events; 903 REC for cla.
    * ``need_code``: CIN PrimaryNeedCode (N0..N9) or 903 CIN category of need (N1..N8).
    * ``category_of_abuse``: initial category of abuse for cp_plan (NEG PHY SAB EMO MUL).
    * ``legal_status``, ``placement``, ``rne``: 903 LS, PLACE, RNE for cla episodes.
    * ``detail``: a compact JSON object of anything else worth keeping (assessment factors,
      latest category of abuse, ICPC dates, placement provider ...), or ``None``.
    """

    source_child_id: str
    stage: str
    start_date: dt.date
    end_date: dt.date | None
    team: str | None
    referral_source: str | None
    referral_nfa: bool | None
    closure_reason: str | None
    need_code: str | None
    category_of_abuse: str | None
    legal_status: str | None
    placement: str | None
    rne: str | None
    detail: str | None


def event(source_child_id: str, stage: str, start_date: dt.date, end_date: dt.date | None = None,
          *, team: str | None = None, referral_source: str | None = None,
          referral_nfa: bool | None = None, closure_reason: str | None = None,
          need_code: str | None = None, category_of_abuse: str | None = None,
          legal_status: str | None = None, placement: str | None = None,
          rne: str | None = None, detail: str | None = None) -> EventRecord:
    """Build an :class:`EventRecord` by keyword (hot-path readers may build tuples directly)."""
    return EventRecord(source_child_id, stage, start_date, end_date, team, referral_source,
                       referral_nfa, closure_reason, need_code, category_of_abuse, legal_status,
                       placement, rne, detail)


class PopulationRecord(NamedTuple):
    """One denominator cell.  ``period`` None means "applies to every period".

    ``ethnicity_code`` is a DfE code when the source gives one that maps one-to-one, else None
    with ``ethnicity_group`` set (for example a top-level group, or ONS "Gypsy or Irish
    Traveller" which spans two DfE codes).  ``source`` names the table (e.g. ``ons_census_2021``,
    ``school_census``, ``user_csv``) and ``vintage`` its edition or reference date.
    """

    la_code: str | None
    period: int | None
    ethnicity_code: str | None
    ethnicity_group: str
    age_band: str | None
    sex: str | None
    population: int
    source: str
    vintage: str | None


@dataclass
class Chunk:
    """A batch of records; readers yield these so no format is held whole in memory."""

    children: list[ChildRecord] = field(default_factory=list)
    events: list[EventRecord] = field(default_factory=list)
    population: list[PopulationRecord] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.children) + len(self.events) + len(self.population)


@dataclass
class SourceMeta:
    """What a reader learned about its file(s): filled in while reading.

    ``period`` is the collection year, named by the year it ends (2025 = 1 April 2024 to
    31 March 2025).  ``rows`` counts source rows or child elements read.
    """

    kind: str
    files: list[str]
    la_code: str | None = None
    period: int | None = None
    reference_date: dt.date | None = None
    rows: int = 0
    details: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class ReadSettings:
    """Options a user can give that change how a file is read.

    ``la_code`` and ``period`` come from ``--la`` / ``--period``; a reader that finds its own in
    the content reports any disagreement.  ``extra_columns`` is ``"error"`` (default) or
    ``"ignore"`` (reported as a warning).  ``allow_partial`` lets an Annex A workbook with lists
    missing load (the missing lists are still reported).  ``encoding`` forces a text encoding.
    ``mapping`` is the YAML mapping path for a case-system extract.
    ``allow_all_age_population`` lets the all-age ONS TS021 table load as a (labelled) population
    although it is not a child denominator (methods.md §6.1).
    """

    la_code: str | None = None
    period: int | None = None
    chinese_group: str = "asian"
    extra_columns: str = "error"
    allow_partial: bool = False
    encoding: str | None = None
    mapping: Path | None = None
    chunk_size: int = 50_000
    allow_all_age_population: bool = False


class Reader:
    """Base class for format readers.

    Subclasses set ``kind``, implement :meth:`sniff` (decide from a file's first bytes whether it
    is theirs) and :meth:`chunks`.  After :meth:`chunks` is exhausted, ``problems`` holds every
    problem found and ``meta`` what was learned.  Readers never raise for bad content: they log
    problems and carry on so the user sees all of them at once (a file that cannot be opened at
    all is one error problem).
    """

    kind: ClassVar[str]

    def __init__(self, paths: Sequence[Path], settings: ReadSettings | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.settings = settings or ReadSettings()
        self.problems = ProblemLog()
        self.meta = SourceMeta(kind=self.kind, files=[p.name for p in self.paths])

    @classmethod
    def sniff(cls, path: Path, head: bytes) -> bool:  # pragma: no cover - interface
        raise NotImplementedError

    def chunks(self) -> Iterator[Chunk]:  # pragma: no cover - interface
        raise NotImplementedError
