"""The first-contact pathway (arpkit.engine.pathway; docs/pathway.md).

Hand-made warehouses check each outcome, the precedence and every measure exactly: each child
gets its own ethnicity code, so the table by code shows what happened to each child.  A
synthetic authority with injected early-help and referral multipliers checks that the truth is
recovered within the intervals; the public Annex A samples check real-format input.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from arpkit.cli import main
from arpkit.engine.errors import ConfigError
from arpkit.engine.pathway import OUTCOMES, pathway
from arpkit.engine.warehouse import open_duckdb

PERIOD = 2025
D0 = dt.date(2024, 5, 1)  # the usual first contact in the hand-made authority
Z95 = 1.959963984540054  # methods.md §0
Z998 = 3.090232306167813
SOURCES = {"contact": "annex_a", "early_help": "annex_a", "referral": "cin_census",
           "assessment": "cin_census", "s47": "cin_census", "cp_plan": "cin_census",
           "cin": "cin_census", "cla": "ssda903"}


# ---------------------------------------------------------------------------------------------
# a hand-made warehouse
# ---------------------------------------------------------------------------------------------


@dataclass
class Authority:
    """Children and events written straight into a warehouse (docs/warehouse.md)."""

    children: list[tuple] = field(default_factory=list)
    events: list[tuple] = field(default_factory=list)
    periods: set[int] = field(default_factory=lambda: {PERIOD})

    def child(self, key: str, code: str, group: str, born: dt.date = dt.date(2015, 6, 1)
              ) -> str:
        self.children.append((key, "999", code, group, code, "F", born, False, False,
                              "cin_census", PERIOD, False))
        return key

    def event(self, key: str, stage: str, start: dt.date, end: dt.date | None = None, *,
              source: str | None = None, period: int = PERIOD, referral_source: str | None = None,
              closure_reason: str | None = None, rne: str | None = None) -> None:
        src = source or SOURCES[stage]
        if stage == "cla" and rne is None:
            rne = "S"
        self.events.append((key, "999", stage, start, end, None, referral_source, None,
                            closure_reason, None, None, None, None, rne, None, src, period,
                            f"{src}-{period}"))
        self.periods.add(period)

    def write(self, path: Path) -> Path:
        with open_duckdb(path) as con:
            now = dt.datetime(2025, 5, 1, 12, 0)
            for p in sorted(self.periods):
                for kind in ("annex_a", "cin_census", "ssda903"):
                    con.execute("INSERT INTO imports VALUES (?, 'b', 'f', ?, ?, '999', ?, 1, ?, "
                                "'test', 'current', NULL)",
                                [f"{kind}-{p}", f"sha-{kind}-{p}", kind, p, now])
            con.executemany("INSERT INTO children VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                            self.children)
            if self.events:
                con.executemany("INSERT INTO events VALUES "
                                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", self.events)
        return path


def day(n: int) -> dt.date:
    """The day ``n`` days after the usual first contact."""
    return D0 + dt.timedelta(days=n)


#: code -> the outcome of that child's first contact (90-day window), worked out by hand.
EXPECTED = {
    "WBRI": "referral",     # referral 2 days after contact
    "WIRI": "early_help",   # early-help assessment 45 days after
    "WIRT": "referral",     # early help on day 9, then a 5D referral on day 31: referral wins
    "WOTH": "re_contact",   # a second contact 31 days later, nothing else
    "WROM": "nfa",          # nothing else
    "MWBC": "nfa",          # referral on day 106, outside the window
    "MWBA": "nfa",          # early help that started before the contact
    "MWAS": "re_contact",   # contacts on day 61 and day 0: the first is day 0
    "MOTH": "early_help",   # an older referral closed RC9 on day 19
    "AIND": "early_help",   # early help on day 4 and a re-contact on day 19: early help wins
    "APKN": "nfa",          # two contacts on the same day are one contact
    "AOTH": "referral",     # referral the same day as the contact
    "BCRB": "referral",     # referral -> assessment -> s47 -> CP plan
    "BAFR": "referral",     # referral -> care
    "BOTH": "referral",     # referral, assessment after the window
}
GROUP = {"W": "WHITE", "M": "MIXED", "A": "ASIAN", "B": "BLACK", "O": "OTHER", "C": "ASIAN"}


def hand_made() -> Authority:
    a = Authority()
    for code in [*EXPECTED, "ABAN", "CHNE"]:
        a.child(code, code, GROUP[code[0]],
                born=dt.date(2006, 1, 1) if code == "CHNE" else dt.date(2015, 6, 1))
    for code in [c for c in EXPECTED if c != "MWAS"]:
        a.event(code, "contact", D0, referral_source="2A" if code in ("WIRI", "WIRT") else "6")
    a.event("WBRI", "referral", day(2))
    a.event("WIRI", "early_help", day(45))
    a.event("WIRT", "early_help", day(9))
    a.event("WIRT", "referral", day(31), referral_source="5D")
    a.event("WOTH", "contact", day(31))
    a.event("MWBC", "referral", day(106))
    a.event("MWBA", "early_help", day(-11))
    a.event("MWAS", "contact", day(61), referral_source="6")
    a.event("MWAS", "contact", D0, referral_source="8")
    a.event("MOTH", "referral", day(-61), day(19), closure_reason="RC9")
    a.event("AIND", "early_help", day(4))
    a.event("AIND", "contact", day(19))
    a.event("APKN", "contact", D0)
    a.event("AOTH", "referral", D0)
    a.event("BCRB", "referral", day(1))
    a.event("BCRB", "assessment", day(4))
    a.event("BCRB", "s47", day(5))
    a.event("BCRB", "cp_plan", day(19))
    a.event("BAFR", "referral", day(1))
    a.event("BAFR", "cla", day(40))
    a.event("BOTH", "referral", day(1))
    a.event("BOTH", "assessment", day(123))
    a.event("ABAN", "contact", dt.date(2025, 2, 15))  # window runs past 31 March 2025
    a.event("CHNE", "contact", D0)                     # aged 18 on the day: not counted
    return a


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hand_made().write(tmp_path_factory.mktemp("hand") / "w.duckdb")


def rows(df: pd.DataFrame, **where) -> pd.DataFrame:
    sel = df
    for col, val in where.items():
        sel = sel[sel[col] == val]
    return sel


def one(df: pd.DataFrame, **where) -> pd.Series:
    sel = rows(df, **where)
    assert len(sel) == 1, f"{len(sel)} rows for {where}"
    return sel.iloc[0]


@pytest.fixture(scope="module")
def table(warehouse: Path) -> pd.DataFrame:
    return pathway(warehouse, PERIOD, suppression="none")


@pytest.fixture(scope="module")
def truncated(warehouse: Path) -> pd.DataFrame:
    return pathway(warehouse, PERIOD, suppression="none", follow_up="truncated")


# ---------------------------------------------------------------------------------------------
# outcomes and precedence
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_first_contact_gets_exactly_the_outcome_its_events_imply(table, code):
    shares = rows(table, measure="outcome_share", breakdown="ethnicity_code", group=code)
    got = dict(zip(shares["outcome"], shares["numerator"], strict=True))
    assert got == {o: int(o == EXPECTED[code]) for o in OUTCOMES}
    assert set(shares["denominator"]) == {1}


def test_outcomes_of_all_children_add_up_to_the_first_contacts_followed_up(table):
    shares = rows(table, measure="outcome_share", breakdown="all")
    expected = pd.Series(EXPECTED).value_counts()
    assert dict(zip(shares["outcome"], shares["numerator"], strict=True)) == {
        o: int(expected.get(o, 0)) for o in OUTCOMES}
    assert set(shares["denominator"]) == {len(EXPECTED)}


def test_a_child_aged_18_on_the_day_of_contact_is_not_in_the_pathway(table):
    assert one(table, measure="followed_up", outcome="window", breakdown="ethnicity_code",
               group="CHNE")["denominator"] == 0


def test_a_contact_whose_window_runs_past_the_data_is_left_out_unless_truncated(table,
                                                                                 truncated):
    followed = one(table, measure="followed_up", outcome="window", breakdown="all")
    assert (followed["numerator"], followed["denominator"]) == (len(EXPECTED),
                                                                len(EXPECTED) + 1)
    assert one(table, measure="outcome_share", outcome="nfa", breakdown="ethnicity_code",
               group="ABAN")["denominator"] == 0
    aban = one(truncated, measure="outcome_share", outcome="nfa", breakdown="ethnicity_code",
               group="ABAN")
    assert (aban["numerator"], aban["denominator"]) == (1, 1)


def test_a_longer_window_catches_a_referral_the_default_window_misses(warehouse):
    wide = pathway(warehouse, PERIOD, suppression="none", window_days=120)
    assert one(wide, measure="outcome_share", outcome="referral", breakdown="ethnicity_code",
               group="MWBC")["numerator"] == 1
    assert set(wide["window_days"]) == {120}


def test_a_referral_in_next_years_return_is_followed_once_that_year_is_imported(tmp_path):
    a = Authority()
    a.child("late", "WBRI", "WHITE")
    a.event("late", "contact", dt.date(2025, 3, 1))
    only_2025 = pathway(a.write(tmp_path / "a.duckdb"), PERIOD, suppression="none")
    assert one(only_2025, measure="followed_up", outcome="window",
               breakdown="all")["numerator"] == 0
    a.event("late", "referral", dt.date(2025, 4, 10), period=2026)
    both = pathway(a.write(tmp_path / "b.duckdb"), PERIOD, suppression="none")
    assert both.attrs["coverage_end"] == "2026-03-31"
    assert one(both, measure="outcome_share", outcome="referral",
               breakdown="all")["numerator"] == 1


# ---------------------------------------------------------------------------------------------
# early-help routes, timing, re-contact, sources and the journey
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("indicator", "codes"), [
    ("early_help_assessment", {"WIRI", "WIRT", "AIND"}),
    ("early_help_any_route", {"WIRI", "WIRT", "MOTH", "AIND"}),
    ("stepped_up_5d", {"WIRT"}),
    ("stepped_down_rc9", {"MOTH"}),
])
def test_early_help_routes_count_the_children_who_took_them(table, indicator, codes):
    got = rows(table, measure="indicator_share", outcome=indicator, breakdown="ethnicity_code")
    assert set(got.loc[got["numerator"] == 1, "group"]) == codes
    assert one(table, measure="indicator_share", outcome=indicator,
               breakdown="all")["numerator"] == len(codes)


def test_days_to_early_help_are_the_quartiles_of_the_children_who_started_it(table):
    # Early-help starts on days 45 (WIRI), 9 (WIRT) and 4 (AIND): linear interpolation.
    got = {m: one(table, measure=f"days_to_early_help_{m}", breakdown="all")["value"]
           for m in ("p25", "median", "p75")}
    assert got == {"p25": 6.5, "median": 9.0, "p75": 27.0}
    assert one(table, measure="days_to_early_help_median", breakdown="ethnicity_code",
               group="WIRI")["value"] == 45


def test_re_contact_within_twelve_months_needs_twelve_months_of_data(table, truncated):
    assert one(table, measure="indicator_share", outcome="re_contact_12m",
               breakdown="all")["denominator"] == 0
    got = rows(truncated, measure="indicator_share", outcome="re_contact_12m",
               breakdown="ethnicity_code")
    assert set(got.loc[got["numerator"] == 1, "group"]) == {"WOTH", "MWAS", "AIND"}


def test_contact_source_is_read_from_the_first_contact(table):
    by_source = rows(table, measure="outcome_share", breakdown="contact_source")
    firsts = by_source.groupby("group")["denominator"].first().to_dict()
    # MWAS's first contact came from 8; ABAN's (no source) is not followed up.
    assert firsts == {"2A": 2, "6": 12, "8": 1, "not recorded": 0}
    mix = one(table, measure="source_mix", group="2A | WHITE")
    assert (mix["numerator"], mix["denominator"], mix["value"]) == (2, 2, 1.0)


@pytest.mark.parametrize(("stage", "outcome", "children"), [
    ("contact", "referral", 6), ("contact", "early_help", 3), ("referral", "assessment", 1),
    ("assessment", "s47", 1), ("s47", "cp_plan", 1), ("referral", "cla", 1),
])
def test_the_journey_counts_distinct_children_on_each_link(table, stage, outcome, children):
    assert one(table, measure="journey", stage=stage, outcome=outcome,
               breakdown="all")["numerator"] == children
    by_group = rows(table, measure="journey", stage=stage, outcome=outcome,
                    breakdown="ethnicity_group")
    assert by_group["numerator"].sum() == children


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_groups_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10 White British children (4 referred) and 8 Black African children (6 referred)."""
    a = Authority()
    for i in range(18):
        code, grp = ("WBRI", "WHITE") if i < 10 else ("BAFR", "BLACK")
        key = a.child(f"c{i}", code, grp)
        a.event(key, "contact", D0)
        if i < 4 or i >= 12:
            a.event(key, "referral", day(3))
    return a.write(tmp_path_factory.mktemp("two") / "w.duckdb")


@pytest.fixture(scope="module")
def two_groups(two_groups_warehouse: Path) -> pd.DataFrame:
    return pathway(two_groups_warehouse, PERIOD, suppression="none")


def test_outcome_shares_carry_wilson_intervals(two_groups):
    row = one(two_groups, measure="outcome_share", outcome="referral",
              breakdown="ethnicity_group", group="BLACK")
    x, n = 6, 8  # Wilson (1927), methods.md §1.2
    root = Z95 * math.sqrt(Z95**2 + 4 * x * (1 - x / n))
    lower, upper = ((2 * x + Z95**2 + s * root) / (2 * (n + Z95**2)) for s in (-1, 1))
    assert row["value"] == pytest.approx(0.75, rel=1e-12)
    assert (row["ci_lower"], row["ci_upper"]) == (pytest.approx(lower, rel=1e-12),
                                                 pytest.approx(upper, rel=1e-12))


@pytest.mark.parametrize("breakdown", ["ethnicity_group", "ethnicity_code"])
def test_the_rri_compares_each_group_with_the_reference_by_katz(two_groups, breakdown):
    row = one(two_groups, measure="rri", outcome="referral", breakdown=breakdown,
              group="BLACK" if breakdown == "ethnicity_group" else "BAFR")
    rr = (6 / 8) / (4 / 10)  # Katz et al. (1978), methods.md §1.4
    se = math.sqrt(1 / 6 - 1 / 8 + 1 / 4 - 1 / 10)
    assert row["reference_group"] == ("WHITE" if breakdown == "ethnicity_group" else "WBRI")
    assert row["value"] == pytest.approx(rr, rel=1e-12)
    assert row["ci_lower"] == pytest.approx(rr * math.exp(-Z95 * se), rel=1e-12)
    assert row["ci_upper"] == pytest.approx(rr * math.exp(Z95 * se), rel=1e-12)
    assert not row["significant"]


def test_suppression_hides_every_count_from_one_to_five(two_groups_warehouse, warehouse):
    for path in (two_groups_warehouse, warehouse):
        df = pathway(path, PERIOD)
        assert_no_small_counts(df)
        assert df["suppressed"].any()


def assert_no_small_counts(df: pd.DataFrame, threshold: int = 5) -> None:
    shown = df[~df["suppressed"]]
    for col in ("numerator", "denominator"):
        values = df[col].dropna() if col == "denominator" else shown[col].dropna()
        small = values[(values >= 1) & (values <= threshold)]
        assert small.empty, f"{col} shows {sorted(set(small))}"
    assert df.loc[df["suppressed"], ["value", "ci_lower", "ci_upper"]].isna().all().all()


# ---------------------------------------------------------------------------------------------
# errors and the command line
# ---------------------------------------------------------------------------------------------


def test_a_period_without_returns_is_refused_with_the_periods_present(warehouse):
    with pytest.raises(ConfigError, match=r"period 2019.*\[2025\]"):
        pathway(warehouse, 2019)


@pytest.mark.parametrize("days", [0, 366, 2.5])
def test_a_window_outside_one_day_to_a_year_is_refused(warehouse, days):
    with pytest.raises(ConfigError, match="window"):
        pathway(warehouse, PERIOD, window_days=days)


def test_a_warehouse_without_contacts_says_what_to_import(tmp_path):
    a = Authority()
    a.child("x", "WBRI", "WHITE")
    a.event("x", "referral", D0)
    with pytest.raises(ConfigError, match="List 1"):
        pathway(a.write(tmp_path / "w.duckdb"), PERIOD)


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_the_command_line_writes_the_table_in_the_format_of_the_file_name(warehouse, table,
                                                                           tmp_path, suffix):
    out = tmp_path / f"pathway{suffix}"
    code = main(["pathway", "--warehouse", str(warehouse), "--period", str(PERIOD),
                 "--suppression", "none", "--out", str(out), "--quiet"])
    assert code == 0
    if suffix == ".csv":
        back = pd.read_csv(out, keep_default_na=False, na_values=[""])
    elif suffix == ".parquet":
        back = pd.read_parquet(out)
    else:
        back = pd.DataFrame(json.loads(out.read_text()))
    assert list(back.columns) == list(table.columns)
    assert len(back) == len(table)
    got = one(back, measure="outcome_share", outcome="referral", breakdown="all")
    assert int(got["numerator"]) == 6


def test_the_command_line_reports_a_bad_window_as_bad_input(warehouse, tmp_path):
    code = main(["pathway", "--warehouse", str(warehouse), "--period", str(PERIOD),
                 "--window-days", "0", "--out", str(tmp_path / "x.csv"), "--quiet"])
    assert code == 2


# ---------------------------------------------------------------------------------------------
# a synthetic authority with injected routing differences
# ---------------------------------------------------------------------------------------------

#: Multipliers on the conversion from contact into early help and into referral (the synthetic
#: model draws both independently for every child with an in-year contact; docs/synthetic.md).
INJECTED = {"BLACK": {"referral": 0.6, "early_help": 1.8},
            "ASIAN": {"referral": 1.4, "early_help": 0.6}}
SYNTH_CONFIG = {
    "multipliers": INJECTED,
    # Recorded ethnicity = true ethnicity, so the groups compared are the groups injected.
    "recording": {"refused": 0.0, "not_obtained": 0.0, "not_obtained_contact_only": 0.0},
    "annex_a_labels": {"bare_code": 0, "free_text": 0, "extended_code": 0, "junk": 0,
                       "bare_gender": 0},
}


def injected_truth(group: str) -> dict[str, float]:
    """Expected outcome shares under the synthetic model, from its configured rates.

    Each child with an in-year contact is referred with probability r = rate x multiplier
    (0-2 days after the contact) and, independently, gets early help with probability
    e = rate x multiplier (0-28 days after): both always inside a 90-day window.  With the
    precedence referral > early help, P(referral) = r, P(early help) = (1 - r) e; the model has
    one contact per child, so no re-contacts; the rest is NFA.
    """
    from arpkit.synth import load_config

    rates = load_config(SYNTH_CONFIG).rates
    m = INJECTED.get(group, {})
    r = rates["referral"] * m.get("referral", 1.0)
    e = rates["early_help"] * m.get("early_help", 1.0)
    return {"referral": r, "early_help": (1 - r) * e, "re_contact": 0.0,
            "nfa": 1 - r - (1 - r) * e, "early_help_assessment": e}


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from arpkit.engine.importer import import_paths
    from arpkit.synth import generate

    root = tmp_path_factory.mktemp("synth")
    generate(root / "returns", children=12_000, seed=7, period=PERIOD, config=SYNTH_CONFIG,
             formats=("annex_a", "cin_census"))
    import_paths([root / "returns"], warehouse=root / "w.duckdb")
    return root / "w.duckdb"


@pytest.mark.slow
def test_a_synthetic_authority_gives_back_the_injected_routing_differences(synthetic):
    # One test (not one per group) so that parallel workers do not each build the authority.
    # 99.8% intervals: about 50 truths are checked, so 95% ones would miss one by chance.
    df = pathway(synthetic, PERIOD, suppression="none", confidence=0.998)
    white = injected_truth("WHITE")
    for group in ("WHITE", "MIXED", "ASIAN", "BLACK", "OTHER"):
        truth = injected_truth(group)
        for outcome in ("referral", "early_help", "nfa"):
            row = one(df, measure="outcome_share", outcome=outcome,
                      breakdown="ethnicity_group", group=group)
            assert row["ci_lower"] <= truth[outcome] <= row["ci_upper"], (group, outcome)
        row = one(df, measure="indicator_share", outcome="early_help_assessment",
                  breakdown="ethnicity_group", group=group)
        assert row["ci_lower"] <= truth["early_help_assessment"] <= row["ci_upper"], group
        if group == "WHITE":
            continue
        for outcome in ("referral", "early_help", "early_help_assessment"):
            row = one(df, measure="rri", outcome=outcome, breakdown="ethnicity_group",
                      group=group)
            ratio = truth[outcome] / white[outcome]
            assert row["ci_lower"] <= ratio <= row["ci_upper"], (group, outcome)
            # Only the injected differences are flagged.
            assert bool(row["significant"]) == (group in INJECTED), (group, outcome)

    # The model starts early help 0-28 days after the contact, uniformly: quartiles 7, 14, 21.
    for stat, expected in (("p25", 7), ("median", 14), ("p75", 21)):
        got = one(df, measure=f"days_to_early_help_{stat}", breakdown="all")["value"]
        assert got == pytest.approx(expected, abs=1), stat

    # The published version shows no count from 1 to 5, and no count that subtraction of
    # shown counts from a shown total would give back: a group whose first contacts are shown
    # never has exactly one outcome hidden, and no outcome is hidden for exactly one group.
    published = pathway(synthetic, PERIOD)
    assert_no_small_counts(published)
    for breakdown in ("ethnicity_group", "ethnicity_code", "contact_source"):
        shares = rows(published, measure="outcome_share", breakdown=breakdown)
        shown = shares[shares["denominator"].notna()]
        assert 1 not in set(shown.groupby("group")["suppressed"].sum()), breakdown
        assert 1 not in set(shares.groupby("outcome")["suppressed"].sum()), breakdown
    big = rows(published, measure="outcome_share", breakdown="ethnicity_group", group="WHITE")
    assert not big["suppressed"].any()


# ---------------------------------------------------------------------------------------------
# the public Annex A samples
# ---------------------------------------------------------------------------------------------


def annex_a_expected(path: Path, window: int = 90) -> dict[str, int]:
    """Outcome counts worked out from the workbook itself with openpyxl (not arpkit)."""
    wb = openpyxl.load_workbook(path, data_only=True, read_only=True)

    def dated(sheet: str, column: str) -> dict[str, list[dt.date]]:
        out: dict[str, list[dt.date]] = {}
        rows_ = list(wb[sheet].iter_rows(values_only=True))
        col = [str(h).strip() for h in rows_[0]].index(column)
        for r in rows_[1:]:
            if r[0] is not None and r[col] is not None:
                out.setdefault(str(r[0]), []).append(r[col].date())
        return out

    contacts, referrals = dated("List 1", "Date of Contact"), dated("List 3", "Date of Referral")
    early = dated("List 2", "Assessment start date")
    births = {str(r[0]): r[3] for r in list(wb["List 1"].iter_rows(values_only=True))[1:]}
    counts = dict.fromkeys(OUTCOMES, 0)
    for child, days in contacts.items():
        d0, born = min(days), births[child]
        if born is None or d0.year - born.year - (d0.month < born.month) >= 18:
            continue  # no birth date, or 18+: not counted (docs/metrics.md)

        def within(dates: list[dt.date], lo: int = 0) -> bool:
            return any(lo <= (d - d0).days <= window for d in dates)  # noqa: B023

        if within(referrals.get(child, [])):
            counts["referral"] += 1
        elif within(early.get(child, [])):
            counts["early_help"] += 1
        elif within(days, lo=1):
            counts["re_contact"] += 1
        else:
            counts["nfa"] += 1
    return counts


@pytest.mark.parametrize("name", ["Annex_A.xlsx", "Annex_A_2024_Jan.xlsx"])
def test_the_public_annex_a_samples_load_and_give_a_pathway_table(shared_data, tmp_path, name):
    from arpkit.engine.importer import import_paths
    from arpkit.engine.records import ReadSettings

    workbook = shared_data / "annex_a" / name
    warehouse = tmp_path / "w.duckdb"
    import_paths([workbook], warehouse=warehouse, settings=ReadSettings(la_code="975"))
    df = pathway(warehouse, suppression="none")
    expected = annex_a_expected(workbook)
    got = rows(df, measure="outcome_share", breakdown="all")
    assert dict(zip(got["outcome"], got["numerator"], strict=True)) == expected
    assert set(got["denominator"]) == {sum(expected.values())} != {0}
    assert {"followed_up", "outcome_share", "indicator_share", "source_mix", "journey"} <= set(
        df["measure"])
    assert_no_small_counts(pathway(warehouse))


# ---------------------------------------------------------------------------------------------
# Spark
# ---------------------------------------------------------------------------------------------


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_pathway_table_as_duckdb(spark, warehouse, table, tmp_path):
    import ibis

    from arpkit.engine.warehouse import export_parquet, register_parquet

    export_parquet(warehouse, tmp_path / "parquet")
    con = ibis.pyspark.connect(spark.newSession())
    register_parquet(con, tmp_path / "parquet")
    got = pathway(con, PERIOD, suppression="none")
    pd.testing.assert_frame_equal(got, table)
    assert got.attrs["coverage_end"] == table.attrs["coverage_end"]
