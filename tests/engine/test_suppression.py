"""Disclosure control (methods.md §3): primary and secondary suppression, derived statistics,
symbols and value/symbol output columns.

The guarantee tested (see the module docstring of arpkit.engine.suppression): after secondary
suppression every margin group has no suppressed cell or at least two, and no suppressed cell
can be worked out exactly by adding and subtracting published totals and shown cells, even
across margins.  The property test checks it with an independent rank computation.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arpkit.engine.suppression import (
    DisclosureError,
    any_suppressed,
    p_value_symbol,
    primary_suppress,
    recoverable_cells,
    render,
    round_half_up,
    secondary_suppress,
    split_value_symbol,
    suppress_derived,
    symbol,
)

# --------------------------------------------------------------------------- primary


def test_counts_from_one_to_five_are_suppressed_and_zeros_are_shown():
    mask = primary_suppress([0, 1, 2, 5, 6, 100, np.nan])
    assert list(mask) == [False, True, True, True, False, False, False]


def test_the_primary_threshold_is_configurable_and_a_series_keeps_its_index():
    counts = pd.Series([3, 9, 10, 11], index=["a", "b", "c", "d"])
    mask = primary_suppress(counts, threshold=10)
    assert list(mask.index) == ["a", "b", "c", "d"]
    assert list(mask) == [True, True, True, False]
    assert primary_suppress(4) is True


# --------------------------------------------------------------------------- secondary


def one_way(counts):
    return pd.DataFrame({"group": [f"g{i}" for i in range(len(counts))], "count": counts})


def test_a_total_with_one_suppressed_cell_also_loses_its_next_smallest_non_zero_cell():
    table = one_way([3, 10, 8, 0, 20])
    mask = secondary_suppress(table, [[]])  # [] = the grand total is published
    # 3 is primary; 8 is the smallest non-zero shown cell; the zero stays shown
    assert list(mask) == [True, False, True, False, False]


def test_ties_are_broken_by_row_order():
    assert list(secondary_suppress(one_way([3, 8, 8]), [[]])) == [True, True, False]
    assert list(secondary_suppress(one_way([8, 8, 3]), [[]])) == [True, False, True]


def test_a_zero_is_suppressed_only_when_no_non_zero_cell_is_left():
    mask = secondary_suppress(one_way([3, 0, 0]), [[]])
    assert list(mask) == [True, True, False]


def test_a_total_that_has_no_suppressed_cell_or_two_needs_nothing_more():
    assert list(secondary_suppress(one_way([3, 4, 50]), [[]])) == [True, True, False]
    assert list(secondary_suppress(one_way([30, 40, 50]), [[]])) == [False, False, False]


def test_secondary_suppression_cascades_across_overlapping_margins_until_stable():
    # Stage totals and group totals are both published.
    table = pd.DataFrame({
        "stage": ["a"] * 4 + ["b"] * 4,
        "group": ["W", "B", "A", "M"] * 2,
        "count": [30, 3, 12, 9, 40, 8, 7, 50],
    })
    mask = secondary_suppress(table, [["stage"], ["group"]])
    # By hand, in the documented order (stage margin first, then group, keys sorted):
    # stage a has only a:B (3) -> a:M (9, smallest); stage b has none.
    # group B has only a:B -> b:B (8); group M has only a:M -> b:M (50, the only other cell).
    # Second pass: stage b now holds b:B and b:M -> stable.
    assert list(table.loc[mask, "stage"] + ":" + table.loc[mask, "group"]) == [
        "a:B", "a:M", "b:B", "b:M"
    ]


def test_rows_with_a_missing_margin_key_are_outside_that_total():
    # A known-ethnicity total: the unknown row (known_total = NaN) is not part of it.
    table = pd.DataFrame({
        "code": ["WBRI", "BAFR", "APKN", "NOBT"],
        "known_total": [1, 1, 1, np.nan],
        "count": [40, 4, 25, 9],
    })
    mask = secondary_suppress(table, [["known_total"]])
    assert list(mask) == [False, True, True, False]


def test_a_total_made_of_a_single_suppressed_cell_cannot_be_protected():
    table = pd.DataFrame({"team": ["x", "y", "y"], "count": [3, 10, 12]})
    with pytest.raises(DisclosureError, match=r"team='x'"):
        secondary_suppress(table, [["team"]])


def triangle():
    """A, B, C suppressed; each published total holds two of them, yet A+B, B+C and A+C are
    all known, so A = ((A+B) − (B+C) + (A+C)) / 2."""
    return pd.DataFrame({
        "cell": ["A", "B", "C", "D", "E", "F"],
        "x": [1, 1, np.nan, 1, np.nan, np.nan],
        "y": [np.nan, 1, 1, np.nan, 1, np.nan],
        "z": [1, np.nan, 1, np.nan, np.nan, 1],
        "count": [3, 4, 2, 20, 30, 40],
    })


def test_a_cell_recoverable_only_by_combining_margins_is_detected_and_protected():
    table = triangle()
    margins = [["x"], ["y"], ["z"]]
    primary = primary_suppress(table["count"])
    # DfE's rule alone is satisfied (two suppressed cells per total) ...
    for col in ("x", "y", "z"):
        assert primary[table[col].notna()].sum() == 2
    # ... but every suppressed cell can be worked out
    assert list(recoverable_cells(table, margins, primary)) == [True, True, True] + [False] * 3
    mask = secondary_suppress(table, margins)
    assert not recoverable_cells(table, margins, mask).any()
    # D (20) is the smallest shown cell in A's first total
    assert list(table.loc[mask, "cell"]) == ["A", "B", "C", "D"]


def test_a_cell_that_no_suppression_can_protect_is_reported():
    table = triangle().iloc[:3]
    with pytest.raises(DisclosureError, match="can be worked out"):
        secondary_suppress(table, [["x"], ["y"], ["z"]])


def test_bad_tables_are_refused_with_the_problem_named():
    with pytest.raises(ValueError, match="no count column 'n'"):
        secondary_suppress(one_way([1, 2]), [[]], count="n")
    with pytest.raises(ValueError, match=r"does not have"):
        secondary_suppress(one_way([1, 2]), [["stage"]])
    with pytest.raises(ValueError, match="non-negative"):
        secondary_suppress(one_way([1, -2]), [[]])
    with pytest.raises(ValueError, match="list of column sets"):
        secondary_suppress(one_way([1, 2]), "group")


def test_a_given_primary_mask_is_used_instead_of_the_threshold():
    mask = secondary_suppress(one_way([30, 40, 50]), [[]], primary=[False, False, True])
    assert list(mask) == [True, False, True]


# --------------------------------------------------------------------------- the guarantee


def independent_determined(table, margins, mask):
    """Suppressed cells fixed by the margins, by rank: s is determined exactly when adding the
    unit row e_s to the suppressed columns of the margin matrix does not raise its rank."""
    positions = np.arange(len(table))
    rows = []
    for margin in margins:
        keys = [table[c] for c in margin] if margin else [np.zeros(len(table))]
        for _, members in pd.Series(positions).groupby(keys, dropna=True):
            row = np.zeros(len(table))
            row[members.to_numpy()] = 1
            rows.append(row)
    matrix = np.array(rows)[:, mask]
    rank = np.linalg.matrix_rank(matrix)
    out = np.zeros(len(table), dtype=bool)
    for j, cell in enumerate(np.flatnonzero(mask)):
        unit = np.zeros(matrix.shape[1])
        unit[j] = 1
        out[cell] = np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank
    return out


@st.composite
def tables_with_margins(draw):
    sizes = draw(st.lists(st.integers(2, 4), min_size=2, max_size=3))
    names = ["d0", "d1", "d2"][: len(sizes)]
    cells = list(itertools.product(*(range(s) for s in sizes)))
    small_heavy = st.one_of(st.integers(0, 6), st.integers(0, 60))
    counts = draw(st.lists(small_heavy, min_size=len(cells), max_size=len(cells)))
    table = pd.DataFrame(cells, columns=names)
    table["count"] = counts
    candidates = [list(c) for r in range(len(names)) for c in itertools.combinations(names, r)]
    margins = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=len(candidates),
                            unique_by=tuple))
    return table, margins


@given(tables_with_margins())
@settings(max_examples=80, deadline=None)
def test_after_secondary_suppression_no_suppressed_cell_can_be_recovered(case):
    table, margins = case
    mask = secondary_suppress(table, margins)
    arr = mask.to_numpy()
    # primary cells stay suppressed
    assert not (primary_suppress(table["count"]).to_numpy() & ~arr).any()
    # DfE's rule: every published total holds 0 or >= 2 suppressed cells
    for margin in margins:
        keys = [table[c] for c in margin] if margin else [np.zeros(len(table))]
        per_group = pd.Series(arr).groupby(keys).sum()
        assert not (per_group == 1).any()
    # no suppressed cell is recoverable by any combination of totals and shown cells
    assert not independent_determined(table, margins, arr).any()
    # stable: running again on the result changes nothing
    again = secondary_suppress(table, margins, primary=arr)
    assert (again.to_numpy() == arr).all()


def test_recoverable_cells_agrees_with_the_independent_rank_check_on_a_raw_primary_mask():
    table = pd.DataFrame(list(itertools.product(range(3), range(3))), columns=["r", "c"])
    table["count"] = [3, 40, 50, 60, 2, 70, 80, 90, 4]
    margins = [["r"], ["c"]]
    primary = primary_suppress(table["count"]).to_numpy()
    expected = independent_determined(table, margins, primary)
    assert expected.any()  # each diagonal cell is alone in its row and column
    assert list(recoverable_cells(table, margins, primary)) == list(expected)


# --------------------------------------------------------------------------- derived statistics


def rri_tables():
    counts = pd.DataFrame({
        "stage": ["referral", "referral", "assessment", "assessment"],
        "group": ["White", "Black", "White", "Black"],
        "count": [600, 12, 450, 4],
    })
    derived = pd.DataFrame({
        "stage": ["referral", "assessment"],
        "prev_stage": ["population", "referral"],
        "group": ["Black", "Black"],
        "ref_group": ["White", "White"],
        "rri": [1.5, 0.44],
    }, index=["r1", "r2"])
    links = [
        {"stage": "stage", "group": "group"},
        {"stage": "prev_stage", "group": "group"},
        {"stage": "stage", "group": "ref_group"},
    ]
    return counts, derived, links


def test_a_derived_statistic_is_suppressed_when_any_of_its_counts_is():
    counts, derived, links = rri_tables()
    suppressed = primary_suppress(counts["count"])  # Black assessments (4)
    mask = suppress_derived(derived, counts, suppressed, links, missing="published")
    assert list(mask.index) == ["r1", "r2"]
    assert list(mask) == [False, True]
    # suppressing the denominator (Black referrals) hides the next stage's statistic too
    by_denominator = pd.Series([False, True, False, False])
    assert list(suppress_derived(derived, counts, by_denominator, links,
                                 missing="published")) == [True, True]


def test_a_derived_statistic_whose_count_is_not_in_the_table_is_an_error_unless_published():
    counts, derived, links = rri_tables()
    suppressed = primary_suppress(counts["count"])
    with pytest.raises(ValueError, match=r"derived row 'r1'.*population"):
        suppress_derived(derived, counts, suppressed, links)


def test_a_link_that_does_not_identify_one_count_is_refused():
    counts, derived, _ = rri_tables()
    with pytest.raises(ValueError, match="keys repeat"):
        suppress_derived(derived, counts, primary_suppress(counts["count"]),
                         [{"stage": "stage"}])


def test_counts_carried_side_by_side_are_combined_with_any_suppressed():
    numerator = pd.Series([True, False, False])
    denominator = pd.Series([False, False, True])
    assert list(any_suppressed(numerator, denominator)) == [True, False, True]
    assert list(any_suppressed(np.array([False, True]))) == [False, True]


# --------------------------------------------------------------------------- symbols and output


def test_gss_symbols_render_as_plain_letters_by_default_with_other_styles_available():
    assert [symbol(k) for k in ("confidential", "low", "not_available", "not_applicable")] == [
        "c", "k", "x", "z"
    ]
    assert symbol("not_available", style="dfe") == ":"
    assert symbol("confidential", style="dfe") == "c"
    assert symbol("confidential", style="bracketed") == "[c]"
    with pytest.raises(ValueError, match="unknown symbol kind"):
        symbol("secret")


def test_p_values_get_the_gss_significance_shorthand():
    assert list(p_value_symbol([0.0009, 0.001, 0.009, 0.049, 0.05, np.nan])) == [
        "sss", "ss", "ss", "s", "ns", None
    ]
    assert p_value_symbol(0.2) == "ns"


def test_value_and_symbol_columns_never_put_c_in_the_numeric_column():
    rates = pd.Series([25.04, 0.04, np.nan, 12.35, 3.0], name="rate")
    suppressed = [False, False, False, False, True]
    out = split_value_symbol(rates, suppressed, decimals=1)
    assert list(out.columns) == ["rate", "rate_symbol"]
    assert out["rate"].dtype == float
    assert list(out["rate_symbol"]) == ["", "k", "x", "", "c"]
    np.testing.assert_array_equal(out["rate"], [25.0, np.nan, np.nan, 12.4, np.nan])
    # the CSV reads back with a numeric value column
    back = pd.read_csv(io.StringIO(out.to_csv(index=False)), keep_default_na=False,
                       na_values=[""])
    assert back["rate"].dtype == float


def test_a_missing_value_can_be_marked_not_applicable_instead():
    out = split_value_symbol(pd.Series([np.nan]), missing="not_applicable", name="rr")
    assert out.loc[0, "rr_symbol"] == "z"


def test_publication_rounding_is_half_up_on_the_written_decimal():
    assert round_half_up(2.675, 2) == 2.68  # binary 2.67499... rounds down in numpy
    assert list(round_half_up([0.05, 0.15], 1)) == [0.1, 0.2]
    assert list(round_half_up([-2.5, 1234.5], 0)) == [-3.0, 1235.0]
    # national totals to the nearest 10
    assert list(round_half_up([81765, 81774, 5], -1)) == [81770.0, 81770.0, 10.0]


def test_rendered_text_shows_symbols_in_place_of_numbers():
    text = render(pd.Series([25.04, 3.0, np.nan]), [False, True, False], decimals=1, style="dfe")
    assert list(text) == ["25.0", "c", ":"]


def test_margin_groups_are_those_of_a_sorted_pandas_groupby_without_missing_keys():
    # _groups replaced a pandas groupby per margin (benchmarks/README.md, report_pack.py):
    # the same groups, in the same order, with the same members, whatever the key types.
    from arpkit.engine.suppression import _groups

    table = pd.DataFrame({
        "stage": ["b", "a", None, "a", "b", "a", "c"],
        "group": ["X", "Y", "X", None, "X", "Y", "Z"],
        "known": [True, False, True, True, None, False, True],
        "count": [1, 2, 3, 4, 5, 6, 7],
    }, index=[10, 11, 12, 13, 14, 15, 16])
    margins = [["stage"], ["stage", "group"], ["known"], ["group", "known"], []]
    got = [(g.margin, g.key, g.members.tolist()) for g in _groups(table, margins)]
    position = pd.Series(np.arange(len(table)), index=table.index)
    want = []
    for margin in margins:
        if not margin:
            want.append(((), (), list(range(len(table)))))
            continue
        for key, part in position.groupby([table[c] for c in margin], sort=True, dropna=True):
            want.append((tuple(margin), key if isinstance(key, tuple) else (key,),
                         part.tolist()))
    assert got == want


def test_margin_keys_of_mixed_types_are_grouped_as_pandas_orders_them():
    from arpkit.engine.suppression import _groups

    table = pd.DataFrame({"k": pd.Series([2, "a", 2, "a"], dtype=object), "count": [1] * 4})
    groups = _groups(table, [["k"]])
    assert sorted(g.members.tolist() for g in groups) == [[0, 2], [1, 3]]
