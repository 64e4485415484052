"""Sentences are built from the numbers: hand-made rows for each kind of result."""

from __future__ import annotations

import pandas as pd

from arpkit.reports import findings as fnd


def row(**over: object) -> dict:
    base = {"measure": "disparity_ratio", "stage": "cp_plan", "basis": "at_31_march",
            "period": 2024, "breakdown": "ethnicity_group", "group": "BLACK",
            "reference_group": "WHITE", "numerator": 52, "denominator": 4000.0, "value": 2.43,
            "ci_lower": 1.88, "ci_upper": 3.02, "significant": True, "suppressed": False}
    base.update(over)
    return base


def test_a_significant_ratio_above_1_reads_as_times_as_likely_with_its_interval():
    f = fnd.sentence(row())
    assert f.status == fnd.SIGNIFICANT_HIGHER
    assert f.text == ("Black children were 2.4 times as likely as White children to be subject "
                      "to a child protection plan at 31 March 2024 (95% CI 1.9 to 3.0).")


def test_a_significant_ratio_below_1_says_less_likely():
    f = fnd.sentence(row(group="ASIAN", value=0.61, ci_lower=0.45, ci_upper=0.83))
    assert f.status == fnd.SIGNIFICANT_LOWER
    assert f.text.startswith("Asian or Asian British children were less likely than White "
                             "children to be subject to a child protection plan at 31 March 2024")
    assert "0.61 times as likely (95% CI 0.45 to 0.83)" in f.text


def test_a_non_significant_ratio_says_there_was_no_significant_difference():
    f = fnd.sentence(row(group="MIXED", value=1.12, ci_lower=0.8, ci_upper=1.57,
                         significant=False))
    assert f.status == fnd.NOT_SIGNIFICANT
    assert "no statistically significant difference" in f.text
    assert "times as likely" not in f.text


def test_a_suppressed_ratio_gives_no_number_only_the_small_numbers_sentence():
    f = fnd.sentence(row(numerator=pd.NA, value=pd.NA, ci_lower=pd.NA, ci_upper=pd.NA,
                         significant=pd.NA, suppressed=True))
    assert f.status == fnd.SUPPRESSED
    assert "could not be reported because the numbers are small" in f.text
    assert not any(ch.isdigit() for ch in f.text.replace("31 March 2024", ""))


def test_an_in_year_stage_is_named_by_the_financial_year():
    f = fnd.sentence(row(stage="referral", basis="in_year", period=2024))
    assert "to be referred to children's social care during 2023-24" in f.text


def test_codes_and_the_reference_code_are_named_by_their_labels():
    f = fnd.sentence(row(breakdown="ethnicity_code", group="BCRB", reference_group="WBRI"))
    assert f.text.startswith("Black Caribbean children were 2.4 times as likely as White "
                             "British children")


def test_a_limit_that_would_round_to_1_keeps_enough_decimals_to_show_it_excludes_1():
    f = fnd.sentence(row(value=1.4, ci_lower=1.012, ci_upper=1.8))
    assert "(95% CI 1.01 to 1.8)" in f.text


def test_a_disproportionality_index_reads_as_over_represented_against_the_expected_number():
    f = fnd.sentence(row(measure="disproportionality_index", reference_group=None, value=1.54,
                         ci_lower=1.11, ci_upper=2.07, stage="cla"))
    assert f.text == ("Black children were over-represented among children looked after at 31 "
                      "March 2024: 1.5 times the number expected from their share of the child "
                      "population (95% CI 1.1 to 2.1).")


def test_a_missing_reference_rate_says_why_no_ratio_could_be_calculated():
    f = fnd.sentence(row(value=pd.NA, ci_lower=pd.NA, ci_upper=pd.NA, significant=pd.NA))
    assert f.status == fnd.NOT_AVAILABLE
    assert "no White children were subject to a child protection plan" in f.text


def test_findings_follow_the_engine_table_one_sentence_per_row(pack):
    m = pack.metrics
    out = fnd.findings(m, stages=("cla",), period=2025)
    rows = m[(m["measure"] == "disparity_ratio") & (m["stage"] == "cla")
             & (m["basis"] == "at_31_march") & (m["period"] == 2025)
             & (m["breakdown"] == "ethnicity_group")]
    assert len(out) == len(rows)
    for f in out:
        r = rows[rows["group"] == f.group].iloc[0]
        if r["suppressed"]:
            assert f.status == fnd.SUPPRESSED
        else:
            assert f.significant == bool(r["significant"])
