"""Holm and Benjamini–Hochberg adjustment (methods.md §1.8; vectors §5.4), cross-checked
against statsmodels multipletests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.multitest import multipletests

from arpkit.engine.multiple import adjust_p, benjamini_hochberg, holm

# Fisher p-values of Black, Asian and Mixed against White in the §4.1 example
FISHER = [3.1339403671422988e-06, 0.5267874281659183, 0.007169536500191879]


def test_holm_reproduces_the_worked_example_of_methods_5_4():
    np.testing.assert_allclose(
        holm(FISHER), [9.401821101426896e-06, 0.5267874281659183, 0.014339073000383758],
        rtol=1e-12, atol=0,
    )


def test_benjamini_hochberg_reproduces_the_worked_example_of_methods_5_4():
    np.testing.assert_allclose(
        benjamini_hochberg(FISHER),
        [9.401821101426898e-06, 0.5267874281659183, 0.010754304750287819],
        rtol=1e-12, atol=0,
    )


p_values = st.lists(
    st.one_of(st.floats(0, 1), st.sampled_from([0.0, 0.01, 0.05, 1.0])), min_size=1,
    max_size=40,
)


@given(p_values)
@settings(max_examples=40, deadline=None)  # statsmodels' Holm takes ~0.1 s a call
def test_holm_agrees_with_statsmodels(p):
    expected = multipletests(p, method="holm")[1]
    np.testing.assert_allclose(holm(p), expected, rtol=1e-12, atol=1e-300)


@given(p_values)
@settings(max_examples=200, deadline=None)
def test_benjamini_hochberg_agrees_with_statsmodels(p):
    expected = multipletests(p, method="fdr_bh")[1]
    np.testing.assert_allclose(benjamini_hochberg(p), expected, rtol=1e-12, atol=1e-300)


@given(p_values)
@settings(max_examples=100, deadline=None)
def test_adjusted_p_values_never_fall_below_the_raw_ones_and_keep_their_order(p):
    raw = np.array(p)
    for adjusted in (holm(p), benjamini_hochberg(p)):
        assert (adjusted >= raw - 1e-15).all() and (adjusted <= 1).all()
        order = np.argsort(raw, kind="stable")
        assert (np.diff(adjusted[order]) >= -1e-15).all()


def test_missing_p_values_are_left_out_of_the_family():
    adjusted = adjust_p([0.01, np.nan, 0.04], "holm")
    assert np.isnan(adjusted[1])
    np.testing.assert_allclose(adjusted[[0, 2]], holm([0.01, 0.04]), rtol=1e-15)


def test_a_single_p_value_is_returned_as_a_float_and_bad_input_is_refused():
    assert holm(0.03) == 0.03
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm([0.2, 1.5])
    with pytest.raises(ValueError, match="unknown adjustment method"):
        adjust_p([0.1], "bonferroni")
