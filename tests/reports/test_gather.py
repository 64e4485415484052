"""``gather`` hands work between engine calls (one count per period for the metrics table
and the team funnels; quality's completeness counts from the metrics' qualifying children):
the tables must be exactly those each engine call gives on its own."""

from __future__ import annotations

import threading

import pandas as pd
import pytest


def test_the_pack_gathers_the_quality_table_quality_gives_on_its_own(pack, warehouse):
    import arpkit

    assert len(pack.periods) == 2  # so the handed-over counts include last year's
    alone = arpkit.quality(warehouse, period=pack.period)
    pd.testing.assert_frame_equal(pack.quality, alone)
    assert pack.quality.attrs == alone.attrs


@pytest.mark.slow
def test_the_pack_gathers_the_metrics_and_funnels_the_engine_gives_on_their_own(
        pack, warehouse):
    import arpkit
    from arpkit.engine.teams import team_funnel

    alone = arpkit.metrics(warehouse)
    alone = alone[alone["period"] <= pack.period].reset_index(drop=True)
    pd.testing.assert_frame_equal(pack.metrics, alone)
    pd.testing.assert_frame_equal(pack.funnel, team_funnel(warehouse, period=pack.period))


def test_quality_counts_for_itself_when_the_metrics_call_hands_nothing_over():
    from arpkit.reports.pack import _SharedCompleteness

    shared = _SharedCompleteness({2025})
    assert shared.get(2024) is None  # not a period it was asked for: no wait
    waiter = threading.Thread(target=lambda: results.append(shared.get(2025)))
    results: list[object] = []
    waiter.start()
    shared.finish()  # e.g. the metrics call failed before counting the period
    waiter.join(timeout=10)
    assert not waiter.is_alive()
    assert results == [None]


def test_the_counts_handed_over_are_the_ones_quality_would_count(pack, warehouse):
    from arpkit.engine import quality
    from arpkit.engine.metrics import MetricSettings, metrics_and_counts
    from arpkit.engine.warehouse import connect
    from arpkit.reports.pack import _SharedCompleteness

    con = connect(warehouse)
    shared = _SharedCompleteness(set(pack.periods))
    metrics_and_counts(con, MetricSettings(suppression="none"), on_qualified=shared.hook(con))
    shared.finish()
    for period in pack.periods:
        handed = shared.get(period)
        own = quality.cohort_counts(con, period)
        key = ["kind", "stage", "basis", "group", "status"]
        pd.testing.assert_frame_equal(
            handed.sort_values(key).reset_index(drop=True),
            own.sort_values(key).reset_index(drop=True))
        assert (handed["n"] > 0).all() and set(handed["kind"]) == {"team", "source"}
