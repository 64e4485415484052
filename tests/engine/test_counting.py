"""The counting rules: who counts at each stage, in year and on 31 March (docs/metrics.md).

Every test builds a tiny warehouse by hand - a few children with known birth months and events
with known dates, written straight into a warehouse created by ``open_duckdb`` - and checks
exactly which children :func:`arpkit.engine.counting.qualifying_children` and
:func:`~arpkit.engine.counting.converted_children` return.  The expected children are read off
the dates by eye against the rules table of the metrics issue, never computed by arpkit.  The
ReferralNFA rule is checked end to end from a hand-written CIN census, because it is the census
reader's split of referrals into ``referral`` and ``cin`` events that carries it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pytest

from arpkit.engine import counting
from arpkit.engine.ethnicity import group_for_code
from arpkit.engine.importer import import_paths
from arpkit.engine.warehouse import TABLES, connect, open_duckdb

PERIOD = 2025
LA = "999"
D = dt.date

#: Where each stage comes from unless a test says otherwise (docs/warehouse.md).
DEFAULT_SOURCE = {
    "contact": "annex_a", "early_help": "annex_a", "cla": "ssda903", "referral": "cin_census",
    "assessment": "cin_census", "s47": "cin_census", "cin": "cin_census",
    "cp_plan": "cin_census", "cin_plan": "cin_census",
}


# ------------------------------------------------------------------------------ hand-made data


class HandWarehouse:
    """A warehouse written row by row: children, events and population with known values.

    One ``imports`` row is recorded per (source, period) used, as the importer would, so the
    metrics see the periods as present.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.children: list[dict] = []
        self.events: list[dict] = []
        self.population_rows: list[dict] = []
        self._imports: dict[tuple[str, int | None], str] = {}

    def _import_id(self, kind: str, period: int | None) -> str:
        return self._imports.setdefault((kind, period), uuid.uuid4().hex)

    def child(self, key: str, birth_month: dt.date | None, code: str | None = "WBRI", *,
              sex: str = "F", disabled: bool = False, uasc: bool = False) -> str:
        self.children.append({
            "child_key": key, "la_code": LA, "ethnicity_code": code,
            "ethnicity_group": group_for_code(code), "ethnicity_source_label": code,
            "sex": sex, "birth_month": birth_month, "disabled": disabled, "uasc": uasc,
            "ethnicity_source": "cin_census", "ethnicity_period": PERIOD,
            "ethnicity_conflict": False,
        })
        return key

    def event(self, key: str, stage: str, start: dt.date, end: dt.date | None = None, *,
              source: str | None = None, period: int = PERIOD, rne: str | None = None,
              legal_status: str | None = None, team: str | None = None) -> None:
        src = source or DEFAULT_SOURCE[stage]
        if stage == "cla" and rne is None:
            rne = "S"
        self.events.append({
            "child_key": key, "la_code": LA, "stage": stage, "start_date": start,
            "end_date": end, "team": team, "rne": rne, "legal_status": legal_status,
            "source": src, "period": period, "import_id": self._import_id(src, period),
        })

    def population(self, code: str, n: int, *, period: int = PERIOD) -> None:
        self.population_rows.append({
            "la_code": LA, "period": period, "ethnicity_code": code,
            "ethnicity_group": group_for_code(code), "population": n, "source": "test",
            "vintage": "hand-made", "import_id": self._import_id("population", period),
        })

    def write(self) -> Path:
        with open_duckdb(self.path) as con:
            # open_duckdb leaves its last result open, which DuckDB 2 answers by refusing
            # `register` on that connection: write through a cursor of the same database.
            cur = con.cursor()
            try:
                for table, rows in (("children", self.children), ("events", self.events),
                                    ("population", self.population_rows)):
                    cols = [c for c, _ in TABLES[table]]
                    if rows:
                        frame = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows],
                                             columns=cols)
                        cur.register("incoming", frame)
                        cur.execute(f"INSERT INTO {table} SELECT * FROM incoming")
                        cur.unregister("incoming")
                stamp = dt.datetime(2025, 5, 1)
                for i, ((kind, period), import_id) in enumerate(self._imports.items()):
                    cur.execute(
                        "INSERT INTO imports VALUES (?, 'hand', ?, ?, ?, ?, ?, 1, ?, 'test', "
                        "'current', NULL)",
                        [import_id, f"{kind}-{period}", import_id, kind, LA, period,
                         stamp + dt.timedelta(minutes=i)])
            finally:
                cur.close()
        return self.path


@pytest.fixture
def hand(tmp_path: Path) -> HandWarehouse:
    return HandWarehouse(tmp_path / "hand.duckdb")


def counted(warehouse: Path, period: int = PERIOD) -> dict[tuple[str, str], set[str]]:
    """Children counted, by (stage, basis)."""
    con = connect(warehouse)
    try:
        sources = counting.stage_sources(con, period)
        df = counting.qualifying_children(con, period, sources).to_pandas()
    finally:
        con.disconnect()
    out: dict[tuple[str, str], set[str]] = {}
    for row in df.itertuples(index=False):
        out.setdefault((row.stage, row.basis), set()).add(row.child_key)
    return out


def count_dates(warehouse: Path, stage: str, basis: str = "in_year") -> dict[str, dt.date]:
    con = connect(warehouse)
    try:
        df = counting.qualifying_children(con, PERIOD, counting.stage_sources(con, PERIOD),
                                          (stage,)).to_pandas()
    finally:
        con.disconnect()
    df = df[df["basis"] == basis]
    return {k: pd.Timestamp(d).date() for k, d in zip(df["child_key"], df["count_date"],
                                                     strict=True)}


def conversions(warehouse: Path, pairs: Iterable[tuple[str, str]]
                ) -> dict[tuple[str, str], dict[str, int]]:
    """{(from, to): {child: converted 0/1}} for the denominator children of each pair."""
    con = connect(warehouse)
    try:
        df = counting.converted_children(con, PERIOD, counting.stage_sources(con, PERIOD),
                                         tuple(pairs)).to_pandas()
    finally:
        con.disconnect()
    out: dict[tuple[str, str], dict[str, int]] = {}
    for row in df.itertuples(index=False):
        out.setdefault((row.stage, row.to_stage), {})[row.child_key] = int(row.converted)
    return out


# ------------------------------------------------------------------------------ period bounds


def test_the_period_runs_from_1_april_to_31_march_inclusive(hand):
    for key, day in (("before", D(2024, 3, 31)), ("first", D(2024, 4, 1)),
                     ("last", D(2025, 3, 31)), ("after", D(2025, 4, 1))):
        hand.child(key, D(2015, 1, 1))
        hand.event(key, "referral", day, day)
    got = counted(hand.write())
    assert got[("referral", "in_year")] == {"first", "last"}


def test_the_period_bounds_are_the_year_ending_31_march():
    assert counting.period_bounds(2025) == (D(2024, 4, 1), D(2025, 3, 31))
    assert counting.period_bounds(2017) == (D(2016, 4, 1), D(2017, 3, 31))


def test_events_from_another_years_return_are_not_counted_in_this_year(hand):
    hand.child("old", D(2015, 1, 1))
    hand.event("old", "cin", D(2024, 6, 1), period=2024)  # open, but in the 2024 return
    hand.child("new", D(2015, 1, 1))
    hand.event("new", "cin", D(2024, 6, 1))
    got = counted(hand.write())
    assert got[("cin", "in_year")] == {"new"}
    assert got[("cin", "at_31_march")] == {"new"}


# ------------------------------------------------------------------------------ age


def test_a_child_counts_until_the_month_of_their_18th_birthday(hand):
    # Born October 2006: 17 on 30 September 2024, 18 from 1 October 2024 (age from the month).
    hand.child("seventeen", D(2006, 10, 1))
    hand.event("seventeen", "referral", D(2024, 9, 30))
    hand.child("eighteen", D(2006, 10, 1))
    hand.event("eighteen", "referral", D(2024, 10, 1))
    got = counted(hand.write())
    assert got[("referral", "in_year")] == {"seventeen"}


def test_a_child_who_turns_18_during_the_year_counts_in_year_but_not_on_31_march(hand):
    hand.child("turns18", D(2007, 2, 1))
    hand.event("turns18", "cin", D(2024, 6, 1))  # 17 at referral, 18 by 31 March 2025
    hand.child("stays17", D(2007, 4, 1))  # 17 on 31 March 2025, 18 in April
    hand.event("stays17", "cin", D(2024, 6, 1))
    got = counted(hand.write())
    assert got[("cin", "in_year")] == {"turns18", "stays17"}
    assert got[("cin", "at_31_march")] == {"stays17"}


def test_an_unborn_child_is_not_counted_until_their_birth_month(hand):
    hand.child("unborn", D(2025, 1, 1))  # referred in December, born in January
    hand.event("unborn", "referral", D(2024, 12, 10))
    hand.event("unborn", "cin", D(2024, 12, 10))
    hand.child("born_april", D(2025, 4, 1))  # still unborn on 31 March 2025
    hand.event("born_april", "cin", D(2025, 2, 1))
    got = counted(hand.write())
    assert "unborn" not in got.get(("referral", "in_year"), set())
    assert got[("cin", "at_31_march")] == {"unborn"}  # born by 31 March, case still open
    assert "born_april" not in got[("cin", "at_31_march")]


def test_a_child_born_in_the_month_of_the_counting_date_counts_at_age_0(hand):
    hand.child("march_baby", D(2025, 3, 1))
    hand.event("march_baby", "cp_plan", D(2025, 3, 20))
    hand.child("december_baby", D(2024, 12, 1))  # referred on the 5th, born on the 20th
    hand.event("december_baby", "referral", D(2024, 12, 5))
    got = counted(hand.write())
    assert got[("cp_plan", "at_31_march")] == {"march_baby"}
    assert got[("cp_plan", "in_year")] == {"march_baby"}
    assert got[("referral", "in_year")] == {"december_baby"}


def test_a_child_with_no_birth_month_is_not_counted(hand):
    hand.child("no_dob", None)
    hand.event("no_dob", "cin", D(2024, 6, 1))
    hand.child("dob", D(2015, 1, 1))
    hand.event("dob", "cin", D(2024, 6, 1))
    got = counted(hand.write())
    assert got[("cin", "in_year")] == got[("cin", "at_31_march")] == {"dob"}


def test_a_child_counts_in_year_at_the_earliest_event_at_which_they_are_0_to_17(hand):
    hand.child("late", D(2006, 11, 1))  # 17 until October 2024
    hand.event("late", "referral", D(2024, 12, 1))
    hand.event("late", "referral", D(2024, 10, 15))
    hand.child("newborn", D(2024, 8, 1))  # unborn at the first referral
    hand.event("newborn", "referral", D(2024, 6, 1))
    hand.event("newborn", "referral", D(2024, 9, 1))
    wh = hand.write()
    assert count_dates(wh, "referral") == {"late": D(2024, 10, 15), "newborn": D(2024, 9, 1)}


# ------------------------------------------------------------------------------ stages and bases


EVENT_STAGES = ("contact", "referral", "assessment", "s47")
SNAPSHOT_STAGES = ("early_help", "cin", "cp_plan", "cla")


@pytest.mark.parametrize("stage", EVENT_STAGES + SNAPSHOT_STAGES)
def test_in_year_counts_an_event_starting_in_the_year_and_31_march_counts_what_is_open(
        hand, stage):
    hand.child("started_closed", D(2015, 1, 1))  # in year only
    hand.event("started_closed", stage, D(2024, 5, 1), D(2024, 9, 1))
    hand.child("carried_open", D(2015, 1, 1))  # started last year, still open
    hand.event("carried_open", stage, D(2023, 11, 1))
    hand.child("started_open", D(2015, 1, 1))  # both
    hand.event("started_open", stage, D(2025, 1, 10), D(2025, 4, 1))
    hand.child("closed_on_31_march", D(2015, 1, 1))  # in year, not open on 31 March
    hand.event("closed_on_31_march", stage, D(2024, 7, 1), D(2025, 3, 31))
    hand.child("carried_closed", D(2015, 1, 1))  # neither
    hand.event("carried_closed", stage, D(2023, 6, 1), D(2024, 2, 1))
    got = counted(hand.write())
    assert got[(stage, "in_year")] == {"started_closed", "started_open", "closed_on_31_march"}
    if stage in SNAPSHOT_STAGES:
        assert got[(stage, "at_31_march")] == {"carried_open", "started_open"}
    else:
        assert (stage, "at_31_march") not in got  # an event, not a state


def test_only_the_start_of_a_period_of_care_counts_in_year_but_any_open_episode_on_31_march(
        hand):
    hand.child("new_care", D(2012, 1, 1))
    hand.event("new_care", "cla", D(2024, 8, 1), rne="S")
    hand.child("moved", D(2012, 1, 1))  # in care since 2022, placement change in the year
    hand.event("moved", "cla", D(2022, 1, 1), D(2024, 8, 1), rne="S")
    hand.event("moved", "cla", D(2024, 8, 1), rne="P")
    hand.child("left", D(2012, 1, 1))  # a change of legal status, then left care
    hand.event("left", "cla", D(2024, 5, 1), D(2024, 12, 1), rne="L")
    got = counted(hand.write())
    assert got[("cla", "in_year")] == {"new_care"}
    assert got[("cla", "at_31_march")] == {"new_care", "moved"}


@pytest.mark.parametrize("legal_status", ["V3", "V4"])
def test_short_break_episodes_are_not_looked_after_counts(hand, legal_status):
    hand.child("respite", D(2012, 1, 1))
    hand.event("respite", "cla", D(2024, 8, 1), rne="S", legal_status=legal_status)
    hand.child("care_order", D(2012, 1, 1))
    hand.event("care_order", "cla", D(2024, 8, 1), rne="S", legal_status="C2")
    got = counted(hand.write())
    assert got[("cla", "in_year")] == got[("cla", "at_31_march")] == {"care_order"}


def test_a_child_is_counted_once_however_many_events_they_have(hand):
    hand.child("busy", D(2015, 1, 1))
    for day in (D(2024, 4, 2), D(2024, 7, 9), D(2025, 2, 2)):
        hand.event("busy", "referral", day)
        hand.event("busy", "cin", day)  # three open CIN episodes
    got = counted(hand.write())
    assert got[("referral", "in_year")] == {"busy"}
    assert got[("cin", "at_31_march")] == {"busy"}
    con = connect(hand.path)
    try:
        df = counting.qualifying_children(con, PERIOD, counting.stage_sources(con, PERIOD))
        df = df.to_pandas()
    finally:
        con.disconnect()
    assert not df.duplicated(["stage", "basis", "child_key"]).any()


# ------------------------------------------------------------------------------ stage sources


def test_the_cin_census_is_used_for_referrals_even_when_annex_a_also_has_them(hand):
    hand.child("in_census", D(2015, 1, 1))
    hand.event("in_census", "referral", D(2024, 6, 1), source="cin_census")
    hand.child("only_annex_a", D(2015, 1, 1))
    hand.event("only_annex_a", "referral", D(2024, 6, 1), source="annex_a")
    got = counted(hand.write())
    assert got[("referral", "in_year")] == {"in_census"}


def test_annex_a_is_used_for_a_stage_when_no_census_was_imported_for_the_year(hand):
    hand.child("annex_2025", D(2015, 1, 1))
    hand.event("annex_2025", "referral", D(2024, 6, 1), source="annex_a")
    hand.event("annex_2025", "cp_plan", D(2024, 6, 1), source="annex_a")
    hand.child("census_2024", D(2015, 1, 1))  # a census, but for another year
    hand.event("census_2024", "referral", D(2024, 1, 5), source="cin_census", period=2024)
    wh = hand.write()
    got = counted(wh)
    assert got[("referral", "in_year")] == {"annex_2025"}
    assert got[("cp_plan", "at_31_march")] == {"annex_2025"}
    con = connect(wh)
    try:
        sources = counting.stage_sources(con, PERIOD)
        earlier = counting.stage_sources(con, 2024)
    finally:
        con.disconnect()
    assert sources["referral"] == sources["cp_plan"] == "annex_a"
    assert sources["cla"] is None
    assert earlier["referral"] == "cin_census"


def test_the_ssda903_is_used_for_care_over_annex_a_list_8(hand):
    hand.child("in_903", D(2012, 1, 1))
    hand.event("in_903", "cla", D(2024, 6, 1), source="ssda903")
    hand.child("list_8_only", D(2012, 1, 1))
    hand.event("list_8_only", "cla", D(2024, 6, 1), source="annex_a")
    got = counted(hand.write())
    assert got[("cla", "in_year")] == got[("cla", "at_31_march")] == {"in_903"}


# ------------------------------------------------------------------------------ conversions


def test_a_conversion_counts_a_to_stage_event_on_or_after_the_first_from_stage_date(hand):
    hand.child("same_day", D(2015, 1, 1))
    hand.event("same_day", "referral", D(2024, 5, 1))
    hand.event("same_day", "assessment", D(2024, 5, 1))
    hand.child("between", D(2015, 1, 1))  # assessed after the first of two referrals
    hand.event("between", "referral", D(2024, 5, 1))
    hand.event("between", "referral", D(2024, 9, 1))
    hand.event("between", "assessment", D(2024, 7, 1))
    hand.child("before", D(2015, 1, 1))  # assessment before the referral
    hand.event("before", "assessment", D(2024, 4, 20))
    hand.event("before", "referral", D(2024, 5, 1))
    hand.child("next_year", D(2015, 1, 1))  # assessment after 31 March
    hand.event("next_year", "referral", D(2025, 3, 30))
    hand.event("next_year", "assessment", D(2025, 4, 2))
    hand.child("never", D(2015, 1, 1))
    hand.event("never", "referral", D(2024, 5, 1))
    got = conversions(hand.write(), [("referral", "assessment")])
    assert got[("referral", "assessment")] == {
        "same_day": 1, "between": 1, "before": 0, "next_year": 0, "never": 0}


def test_the_first_from_stage_date_is_the_first_at_which_the_child_counts(hand):
    hand.child("prebirth", D(2024, 8, 1))  # referred unborn in June, again in September
    hand.event("prebirth", "referral", D(2024, 6, 1))
    hand.event("prebirth", "assessment", D(2024, 7, 1))  # between the two referrals
    hand.event("prebirth", "referral", D(2024, 9, 10))
    hand.child("assessed_later", D(2024, 8, 1))
    hand.event("assessed_later", "referral", D(2024, 6, 1))
    hand.event("assessed_later", "referral", D(2024, 9, 10))
    hand.event("assessed_later", "assessment", D(2024, 9, 12))
    got = conversions(hand.write(), [("referral", "assessment")])
    assert got[("referral", "assessment")] == {"prebirth": 0, "assessed_later": 1}


def test_the_to_stage_is_not_age_filtered_but_the_from_stage_is(hand):
    hand.child("aged_out", D(2006, 11, 1))  # 17 at referral, 18 when care starts
    hand.event("aged_out", "referral", D(2024, 10, 15))
    hand.event("aged_out", "cla", D(2024, 12, 1), rne="S")
    hand.child("adult", D(2006, 5, 1))  # 18 at referral: not in the denominator
    hand.event("adult", "referral", D(2024, 6, 1))
    hand.event("adult", "cla", D(2024, 6, 2), rne="S")
    wh = hand.write()
    got = conversions(wh, [("referral", "cla")])
    assert got[("referral", "cla")] == {"aged_out": 1}
    assert "aged_out" not in counted(wh).get(("cla", "in_year"), set())


def test_only_the_start_of_a_period_of_care_counts_as_a_conversion_into_care(hand):
    for key, rne, ls in (("starts", "S", "C2"), ("changes", "L", "C2"),
                         ("short_break", "S", "V3")):
        hand.child(key, D(2012, 1, 1))
        hand.event(key, "referral", D(2024, 6, 1))
        hand.event(key, "cla", D(2024, 7, 1), rne=rne, legal_status=ls)
    got = conversions(hand.write(), [("referral", "cla")])
    assert got[("referral", "cla")] == {"starts": 1, "changes": 0, "short_break": 0}


def test_a_converted_child_counts_once_in_the_numerator_and_denominator(hand):
    hand.child("many", D(2015, 1, 1))
    for day in (D(2024, 5, 1), D(2024, 6, 1)):
        hand.event("many", "contact", day)
        hand.event("many", "referral", day)
        hand.event("many", "early_help", day)
    got = conversions(hand.write(), [("contact", "referral"), ("contact", "early_help")])
    assert got == {("contact", "referral"): {"many": 1}, ("contact", "early_help"): {"many": 1}}


# ------------------------------------------------------------------------------ from a census


def _census_child(cid: str, nfa: str, referral: str, closure: str | None) -> str:
    close = f"<CINclosureDate>{closure}</CINclosureDate><ReasonForClosure>RC8</ReasonForClosure>" \
        if closure else ""
    return (f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID>"
            "<PersonBirthDate>2015-06-01</PersonBirthDate><Sex>F</Sex></ChildIdentifiers>"
            "<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>"
            f"<CINdetails><CINreferralDate>{referral}</CINreferralDate>"
            f"<ReferralSource>2A</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>"
            f"{close}<ReferralNFA>{nfa}</ReferralNFA></CINdetails></Child>")


def test_a_referral_with_no_further_action_is_a_referral_but_not_a_child_in_need(tmp_path):
    header = ("<Header><CollectionDetails><Collection>CIN</Collection><Year>2025</Year>"
              "<ReferenceDate>2025-03-31</ReferenceDate></CollectionDetails>"
              f"<Source><SourceLevel>L</SourceLevel><LEA>{LA}</LEA></Source></Header>")
    children = (_census_child("1001", "true", "2024-06-03", "2024-06-03")
                + _census_child("1002", "false", "2024-06-03", None)
                + _census_child("1003", "1", "2025-03-31", "2025-03-31"))
    census = tmp_path / "returns" / "census.xml"
    census.parent.mkdir()
    census.write_text(f"<Message>{header}<Children>{children}</Children></Message>",
                      encoding="utf-8")
    wh = tmp_path / "w.duckdb"
    import_paths([census.parent], warehouse=wh)
    got = counted(wh)
    assert len(got[("referral", "in_year")]) == 3
    assert len(got[("cin", "in_year")]) == len(got[("cin", "at_31_march")]) == 1
    assert got[("cin", "in_year")] < got[("referral", "in_year")]
