"""The indicators recover the relative likelihoods injected into a synthetic workforce, and
the suppressed table of that workforce publishes no small count."""

from __future__ import annotations

import pytest

from arpkit.engine.hr_import import import_hr
from arpkit.engine.workforce import workforce
from arpkit.synth.workforce import generate_hr

pytestmark = pytest.mark.slow

TEST_KEY = "test-key-not-secret-0123456789abcdef"


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    root = tmp_path_factory.mktemp("recovery")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        result = generate_hr(root / "hr", staff=3000, seed=11, periods=(2024, 2025))
        import_hr(result.mapping, la_code="999", warehouse=root / "w.duckdb")
    return result, root / "w.duckdb"


@pytest.fixture(scope="module")
def inside(authority):
    return workforce(authority[1], suppression="none", confidence=0.998, by_team=False)


def test_synthetic_hr_extracts_are_reproducible(tmp_path):
    a = generate_hr(tmp_path / "a", staff=50, seed=5)
    b = generate_hr(tmp_path / "b", staff=50, seed=5)
    for kind, path in a.files.items():
        assert path.read_bytes() == b.files[kind].read_bytes(), kind


@pytest.mark.parametrize("indicator", [
    "appointment_from_shortlisting", "formal_disciplinary", "non_mandatory_training",
    "leaving", "disciplinary_outcome:dismissal",
])
def test_the_injected_relative_likelihood_lies_in_every_years_interval(authority, inside,
                                                                       indicator):
    truth = authority[0].truth[indicator]
    rows = inside[(inside["indicator"] == indicator) & (inside["group"] == "MINORITY")
                  & (inside["breakdown"] == "all")]
    assert set(rows["period"]) == {2024, 2025}
    for _, r in rows.iterrows():
        assert r["ci_lower"] <= truth <= r["ci_upper"], (indicator, r["period"], r["value"])


def test_a_relative_likelihood_of_one_is_not_flagged_as_adverse(tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
        flat = {k: 1.0 for k in ("appointment_from_shortlisting", "formal_disciplinary",
                                 "non_mandatory_training", "leaving")}
        result = generate_hr(tmp_path / "hr", staff=3000, seed=12, periods=(2025,),
                             relative_likelihoods=flat)
        import_hr(result.mapping, la_code="999", warehouse=tmp_path / "w.duckdb")
    df = workforce(tmp_path / "w.duckdb", period=2025, suppression="none", by_team=False)
    training = df[(df["indicator"] == "non_mandatory_training") & (df["group"] == "MINORITY")]
    r = training.iloc[0]
    assert r["ci_lower"] <= 1.0 <= r["ci_upper"]
    assert r["significant"] is False


def test_seniority_gap_shows_as_grade_or_above_above_one(inside):
    rows = inside[(inside["indicator"] == "grade_or_above") & (inside["group"] == "MINORITY")]
    assert len(rows) == 2 * 5 and (rows["ci_lower"] > 1).all()


def test_the_published_table_shows_no_count_or_complement_from_one_to_five(authority):
    df = workforce(authority[1])
    assert df["suppressed"].any() and (~df["suppressed"]).any()
    shown = df[~df["suppressed"]]
    for col in ("events", "base", "comparator_events", "comparator_base"):
        v = shown[col].dropna()
        assert not ((v > 0) & (v <= 5)).any(), col
    for a, b in (("base", "events"), ("comparator_base", "comparator_events")):
        rest = (shown[a] - shown[b]).dropna()
        assert not ((rest > 0) & (rest <= 5)).any(), a
    hidden = df[df["suppressed"]]
    assert hidden[["value", "ci_lower", "ci_upper"]].isna().all().all()
    assert (hidden["symbol"] == "c").all()


def test_the_teams_of_an_indicator_never_give_away_a_hidden_team_count(authority):
    df = workforce(authority[1], period=2025)
    for (ind, group), rows in df[df["breakdown"] == "team"].groupby(["indicator", "group"]):
        whole = df[(df["indicator"] == ind) & (df["group"] == group)
                   & (df["breakdown"] == "all")].iloc[0]
        hidden = rows["suppressed"].sum()
        # The authority total minus the shown teams must never equal one hidden team's count.
        assert hidden != 1 or whole["suppressed"], (ind, group)


def test_a_small_workforce_publishes_no_count_from_one_to_five_even_as_a_comparator(tmp_path,
                                                                                  monkeypatch):
    # With few staff a group's whole-workforce total can itself be small; it is the comparator
    # of every grade row of that group, so those rows must be hidden too.
    monkeypatch.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY)
    result = generate_hr(tmp_path / "hr", staff=80, seed=1, periods=(2025,))
    import_hr(result.mapping, la_code="999", warehouse=tmp_path / "w.duckdb")
    df = workforce(tmp_path / "w.duckdb", by_team=False)
    shown = df[~df["suppressed"]]
    for col in ("events", "base", "comparator_events", "comparator_base"):
        v = shown[col].dropna()
        assert not ((v > 0) & (v <= 5)).any(), col
