"""The workforce indicators against hand-computed cases and the methods.md §5.6 WRES vectors.

Each warehouse is built from a hand-made HR extract whose counts are the published test
vectors, so the engine's count -> statistic chain is checked end to end (Ibis counting,
orientation, Katz interval, band, significance), not just the ratio function.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from arpkit.engine.hr_import import import_hr
from arpkit.engine.workforce import COLUMNS, workforce
from tests.workforce.helpers import BLACK, WHITE, extract, people

REL = 1e-12


def _row(df, indicator: str, group: str = "MINORITY", breakdown: str = "all", level="ALL"):
    pick = df[(df["indicator"] == indicator) & (df["group"] == group)
              & (df["breakdown"] == breakdown) & (df["level"] == level)]
    assert len(pick) == 1, pick
    return pick.iloc[0]


@pytest.fixture(scope="module")
def disciplinary_warehouse(tmp_path_factory) -> Path:
    """§5.6 row 3: minority 9 of 750 staff entered a formal process, White 17 of 2,429."""
    root = tmp_path_factory.mktemp("wres3")
    staff = people("W", 2429, WHITE) + people("B", 750, BLACK)
    cases = [[f"W{i}", "2024-06-01", "Formal", "NCTA"] for i in range(17)]
    cases += [[f"B{i}", "2024-07-01", "Formal", "Dismissed" if i < 3 else "NCTA"]
              for i in range(9)]
    cases += [[f"W{i}", "2024-06-01", "Informal", ""] for i in range(100, 140)]
    mapping = extract(root, staff=staff, disciplinary=cases,
                      training=[["W0", "2024-05-01", "No"]])
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        import_hr(mapping, la_code="999", warehouse=root / "w.duckdb")
    return root / "w.duckdb"


@pytest.fixture(scope="module")
def recruitment_warehouse(tmp_path_factory) -> Path:
    """§5.6 rows 2 and 4: appointment White 94/200 against minority 44/300; non-mandatory
    training White 600/1000 against minority 250/500."""
    root = tmp_path_factory.mktemp("wres24")
    staff = people("W", 1000, WHITE) + people("B", 500, BLACK)
    apps = [[f"A{i}", "V1", WHITE, "2024-09-01", "Y", "Y" if i < 94 else "N"]
            for i in range(200)]
    apps += [[f"M{i}", "V1", BLACK, "2024-09-01", "Y", "Y" if i < 44 else "N"]
             for i in range(300)]
    apps += [[f"N{i}", "V1", BLACK, "2024-09-01", "N", "N"] for i in range(50)]  # not shortlisted
    training = [[f"W{i}", "2024-10-01", "N"] for i in range(600)]
    training += [[f"W{i}", "2024-11-01", "N"] for i in range(300)]  # a second course, same people
    training += [[f"B{i}", "2024-10-01", "N"] for i in range(250)]
    training += [[f"B{i}", "2024-10-01", "Y"] for i in range(500)]  # mandatory: not counted
    mapping = extract(root, staff=staff, applications=apps, training=training)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", "test-key-not-secret-0123456789abcdef")
        import_hr(mapping, la_code="999", warehouse=root / "w.duckdb")
    return root / "w.duckdb"


def test_the_table_has_the_documented_columns_in_order(disciplinary_warehouse):
    df = workforce(disciplinary_warehouse, period=2025)
    assert tuple(df.columns) == COLUMNS


def test_formal_disciplinary_reproduces_the_wres_indicator_3_vector(disciplinary_warehouse):
    r = _row(workforce(disciplinary_warehouse, period=2025, suppression="none"),
             "formal_disciplinary")
    assert (r["events"], r["base"], r["comparator_events"], r["comparator_base"]) == \
        (9, 750, 17, 2429)
    assert r["orientation"] == "adverse_outcome"
    assert math.isclose(r["value"], 1.7145882352941177, rel_tol=REL)
    assert math.isclose(r["ci_lower"], 0.7674925952392299, rel_tol=REL)
    assert math.isclose(r["ci_upper"], 3.830411960772922, rel_tol=REL)
    assert r["band"] == "above" and r["significant"] is False  # outside the band, not significant


def test_appointment_from_shortlisting_puts_white_in_the_numerator(recruitment_warehouse):
    r = _row(workforce(recruitment_warehouse, period=2025, suppression="none"),
             "appointment_from_shortlisting")
    # Minority applicants less likely appointed gives RL > 1 (adverse), as WRES indicator 2.
    assert (r["events"], r["base"], r["comparator_events"], r["comparator_base"]) == \
        (44, 300, 94, 200)
    assert math.isclose(r["value"], 3.204545454545454, rel_tol=REL)
    assert math.isclose(r["ci_lower"], 2.350135532043047, rel_tol=REL)
    assert math.isclose(r["ci_upper"], 4.3695827028838075, rel_tol=REL)
    assert r["band"] == "above" and r["significant"] is True


def test_non_mandatory_training_counts_people_not_courses(recruitment_warehouse):
    r = _row(workforce(recruitment_warehouse, period=2025, suppression="none"),
             "non_mandatory_training")
    assert (r["events"], r["base"], r["comparator_events"], r["comparator_base"]) == \
        (250, 500, 600, 1000)
    assert math.isclose(r["value"], 1.2, rel_tol=REL)
    assert math.isclose(r["ci_lower"], 1.0844895894558018, rel_tol=REL)
    assert math.isclose(r["ci_upper"], 1.3278135760829144, rel_tol=REL)
    # Within the 0.80-1.25 band and yet significant: methods §2.2 reports both separately.
    assert r["band"] == "within" and r["significant"] is True


def test_each_disciplinary_outcome_is_compared_among_staff_in_a_formal_process(
        disciplinary_warehouse):
    df = workforce(disciplinary_warehouse, period=2025, suppression="none")
    dismissal = _row(df, "disciplinary_outcome:dismissal")
    # 3 of 9 minority against 0 of 17 White: the reference has no events, so no ratio (§1.4).
    assert (dismissal["events"], dismissal["base"]) == (3, 9)
    assert math.isnan(dismissal["value"])
    assert dismissal["reason"] == "reference_group_zero_events"
    ncta = _row(df, "disciplinary_outcome:no_case_to_answer")
    # Beneficial: White 17/17 over minority 6/9.
    assert ncta["orientation"] == "beneficial_outcome"
    assert math.isclose(ncta["value"], (17 / 17) / (6 / 9), rel_tol=REL)


def test_refused_and_not_recorded_staff_get_counts_but_no_ratio(disciplinary_warehouse):
    df = workforce(disciplinary_warehouse, period=2025, suppression="none")
    r = _row(df, "formal_disciplinary", group="NOT_OBTAINED")
    assert r["base"] == 0 and math.isnan(r["value"]) and r["reason"] == "ethnicity_not_known"


def test_a_period_with_no_hr_activity_still_counts_staff_in_post(disciplinary_warehouse):
    df = workforce(disciplinary_warehouse, period=2024, suppression="none")
    r = _row(df, "formal_disciplinary")
    assert (r["events"], r["base"]) == (0, 750)
    # Neither group had a case: no ratio, with the reason, never a silent 0.5 (§1.4).
    assert math.isnan(r["value"]) and r["reason"] == "no_events"


def test_dfe_suppression_hides_the_small_dismissal_counts(disciplinary_warehouse):
    df = workforce(disciplinary_warehouse, period=2025)
    r = _row(df, "disciplinary_outcome:dismissal")
    assert r["suppressed"] and r["symbol"] == "c"
    assert r[["events", "base", "comparator_events", "comparator_base"]].isna().all()
    assert math.isnan(r["value"]) and math.isnan(r["ci_lower"])
    shown = df[~df["suppressed"]]
    for col in ("events", "base", "comparator_events", "comparator_base"):
        v = shown[col].dropna()
        assert not ((v > 0) & (v <= 5)).any(), col
    complement = (shown["base"] - shown["events"]).dropna()
    assert not ((complement > 0) & (complement <= 5)).any()
