"""The RAG rule, checked against hand-computed cases."""

from __future__ import annotations

import datetime as dt

import pytest

from arpkit.web.programme.rag import Rag, assess, expected_value

B0, T0 = dt.date(2025, 4, 1), dt.date(2027, 4, 1)  # 730 days


def _assess(value, on, *, up=False, tolerance=0.1, baseline=2.0, target=1.0):
    return assess(baseline=baseline, baseline_date=B0, target=target, target_date=T0,
                  higher_is_better=up, tolerance=tolerance, latest=(on, value))


def test_the_trajectory_is_the_straight_line_from_baseline_to_target():
    # 365 of 730 days: halfway from 2.0 to 1.0
    assert expected_value(2.0, B0, 1.0, T0, dt.date(2026, 4, 1)) == pytest.approx(1.5)
    assert expected_value(2.0, B0, 1.0, T0, dt.date(2024, 1, 1)) == 2.0
    assert expected_value(2.0, B0, 1.0, T0, dt.date(2030, 1, 1)) == 1.0


@pytest.mark.parametrize(("value", "want"), [
    (1.50, Rag.GREEN),   # exactly on the line
    (1.40, Rag.GREEN),   # better (lower is better)
    (1.60, Rag.AMBER),   # 0.10 behind; tolerance 0.1 x |1 - 2| = 0.10
    (1.61, Rag.RED),     # 0.11 behind
])
def test_a_lower_is_better_measure_is_judged_against_the_trajectory(value, want):
    assert _assess(value, dt.date(2026, 4, 1)).rag is want


def test_a_higher_is_better_measure_is_red_when_far_below_the_line():
    # coverage 0 -> 100 over two years; halfway expected 50; 30 is 20 behind, band 10
    got = _assess(30, dt.date(2026, 4, 1), up=True, baseline=0, target=100)
    assert got.rag is Rag.RED and got.expected == pytest.approx(50)
    assert _assess(45, dt.date(2026, 4, 1), up=True, baseline=0, target=100).rag is Rag.AMBER


def test_no_observation_is_no_data_and_no_target_is_not_set():
    assert assess(baseline=1, baseline_date=B0, target=2, target_date=T0, higher_is_better=True,
                  tolerance=0.1, latest=None).rag is Rag.NO_DATA
    assert assess(baseline=1, baseline_date=B0, target=None, target_date=None,
                  higher_is_better=True, tolerance=0.1,
                  latest=(B0, 1.0)).rag is Rag.NOT_SET
