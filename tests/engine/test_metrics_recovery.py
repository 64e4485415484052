"""End to end: the metrics recover what a synthetic authority was built with.

A synthetic authority (:func:`arpkit.synth.generate`, docs/synthetic.md) with strong injected
multipliers is written in the real formats, imported, and measured with
``metrics(suppression="none")``.  Two things must hold:

* **Counts equal the truth.**  The generator counts distinct children straight from its model
  (``truth.json``).  Its kinds map onto the engine's bases as follows; the rest have no
  counterpart and are not compared:

  ========================================  =======================================
  truth (kind, stage)                        engine (stage, basis)
  ========================================  =======================================
  in_year: contact, early_help, referral,    the same stage, ``in_year``
  assessment, s47, cp_plan (plan start),
  cla (started to be looked after)
  open_at_31_march: cin, cp_plan, cla        the same stage, ``at_31_march``
  in_year icpc, cin_plan; during_year *      no engine stage or basis
  (engine) cin in_year                       no truth (referrals not closed NFA)
  ========================================  =======================================

  The truth groups children by the code written in the census and Annex A; so does the
  warehouse, which prefers the census code.  Annex A "junk" labels are switched off because
  they make a contact-only child's ethnicity unknown in the warehouse while the truth keeps the
  code.  A legacy refusal label may still be unrecognised (it is then listed by ``arpkit
  ethnicity unmapped``), so refused children are compared as REFUSED plus UNKNOWN.

* **The RRI recovers the multiplier.**  Each conversion is an independent draw with
  probability rate x multiplier, so the RRI of *parent > stage* estimates the multiplier
  relative to WHITE; for referral > s47 (via assessment) it is the product of the two.  With
  one fixed seed each interval either covers or not, so the test asks what a correct 95%
  interval gives: every injected value inside the 99.8% interval, and no more misses of the 95%
  interval than a binomial 99% bound allows.
"""

from __future__ import annotations

import fcntl
import json
import math
import os
from dataclasses import dataclass

import pandas as pd
import pytest
from scipy import stats

from arpkit.engine.ethnicity import GROUPS, group_for_code
from arpkit.engine.importer import import_paths
from arpkit.engine.metrics import metrics
from arpkit.engine.pseudonymise import Pseudonymiser
from arpkit.synth import generate, load_config

pytestmark = pytest.mark.slow

PERIOD = 2025
CHILDREN = 10_000
SEED = 7
#: Groups made large on purpose (shares in percent, normalised by the generator).
SHARES = {"WBRI": 40, "WOTH": 4, "BAFR": 12, "BCRB": 6, "APKN": 10, "AIND": 6, "CHNE": 2,
          "MWBC": 8, "MWAS": 4, "OOTH": 8}
#: Strong multipliers on the conversion INTO each stage; WHITE is the reference (1).  None
#: pushes a probability to the 0.95 clip.
INJECTED = {
    "BLACK": {"contact": 2.0, "early_help": 0.5, "referral": 1.5, "assessment": 0.8, "s47": 1.8,
              "cp_plan": 1.5, "cla": 2.5},
    "ASIAN": {"contact": 0.5, "early_help": 1.8, "referral": 0.6, "s47": 0.5, "cp_plan": 0.6,
              "cla": 0.4},
    "MIXED": {"contact": 1.5, "referral": 1.2, "cp_plan": 1.6, "cla": 2.0},
    "OTHER": {"contact": 0.8, "early_help": 1.4, "cla": 3.0},
}
CONFIG = {"shares": SHARES, "multipliers": INJECTED, "annex_a_labels": {"junk": 0.0}}
KNOWN = ("WHITE", "MIXED", "ASIAN", "BLACK", "OTHER")
#: The engine's decision points and the injected stages each one multiplies through.
CHAIN = {
    ("contact", "early_help"): ("early_help",), ("contact", "referral"): ("referral",),
    ("referral", "assessment"): ("assessment",), ("referral", "s47"): ("assessment", "s47"),
    ("s47", "cp_plan"): ("cp_plan",), ("referral", "cla"): ("cla",),
}
LARGE = 100  # children at the from-stage, in the group and in the reference group
IN_YEAR = ("contact", "early_help", "referral", "assessment", "s47", "cp_plan", "cla")
OPEN_AT_31_MARCH = ("cin", "cp_plan", "cla")


@dataclass
class Recovered:
    truth: dict
    table: pd.DataFrame  # metrics at 95%
    wide: pd.DataFrame  # the same at 99.8%


@pytest.fixture(scope="module")
def authority(tmp_path_factory: pytest.TempPathFactory) -> Recovered:
    """Generated, imported and measured once per test session, even with pytest-xdist (the
    workers share the session's base folder and take turns with a file lock)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    folder = root / "metrics_recovery"
    with (root / "metrics_recovery.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (folder / "done").exists():
            generate(folder / "returns", children=CHILDREN, seed=SEED, period=PERIOD,
                     config=CONFIG)
            warehouse = folder / "warehouse.duckdb"
            import_paths([folder / "returns"], warehouse=warehouse,
                         pseudonymiser=Pseudonymiser(b"metrics-recovery-test-key-0123"))
            metrics(warehouse, period=PERIOD, suppression="none").to_pickle(folder / "95.pkl")
            metrics(warehouse, period=PERIOD, suppression="none",
                    confidence=0.998).to_pickle(folder / "998.pkl")
            (folder / "done").touch()
    truth = json.loads((folder / "returns" / "truth.json").read_text(encoding="utf-8"))
    return Recovered(truth, pd.read_pickle(folder / "95.pkl"), pd.read_pickle(folder / "998.pkl"))


def numerators(table: pd.DataFrame, stage: str, basis: str, breakdown: str) -> dict[str, int]:
    rows = table[(table["measure"] == "rate_per_10k") & (table["stage"] == stage)
                 & (table["basis"] == basis) & (table["breakdown"] == breakdown)]
    return {g: int(n) for g, n in zip(rows["group"], rows["numerator"], strict=True)}


def comparable(by_group: dict[str, int]) -> dict[str, int]:
    """Refused children as REFUSED plus UNKNOWN (see the module docstring)."""
    out = {g: by_group.get(g, 0) for g in GROUPS if g not in ("REFUSED", "UNKNOWN")}
    out["REFUSED or UNKNOWN"] = by_group.get("REFUSED", 0) + by_group.get("UNKNOWN", 0)
    return out


def test_the_synthetic_authority_has_what_the_test_relies_on(authority):
    assert authority.truth["warnings"] == []  # no multiplier clipped
    contacts = authority.truth["stages"]["in_year"]["contact"]["by_group"]
    assert all(contacts[g] > 300 for g in KNOWN)


@pytest.mark.parametrize(("stage", "basis", "kind"),
                         [(s, "in_year", "in_year") for s in IN_YEAR]
                         + [(s, "at_31_march", "open_at_31_march") for s in OPEN_AT_31_MARCH])
def test_children_counted_at_each_stage_equal_the_synthetic_truth(authority, stage, basis, kind):
    truth = authority.truth["stages"][kind][stage]
    got = numerators(authority.table, stage, basis, "ethnicity_group")
    assert got and comparable(got) == comparable(truth["by_group"])
    assert numerators(authority.table, stage, basis, "all") == {"ALL": truth["total"]}
    by_code = numerators(authority.table, stage, basis, "ethnicity_code")
    known = {c: n for c, n in truth["by_code"].items() if c not in ("REFU", "NOBT")}
    assert {c: by_code.get(c, 0) for c in known} == known


def test_rate_denominators_are_the_synthetic_population(authority):
    rates = authority.table[(authority.table["measure"] == "rate_per_10k")
                            & (authority.table["stage"] == "contact")
                            & (authority.table["breakdown"] == "ethnicity_group")
                            & authority.table["group"].isin(KNOWN)]
    population = authority.truth["population"]["by_group"]
    assert {g: int(d) for g, d in zip(rates["group"], rates["denominator"], strict=True)} == \
        {g: population[g] for g in KNOWN}


@pytest.mark.parametrize("pair", list(CHAIN))
def test_conversion_counts_equal_the_truth_of_the_two_stages(authority, pair):
    """In the model each stage is a subset of its parent, all in the year, so the children
    converting are the children at the to-stage."""
    stages = authority.truth["stages"]["in_year"]
    rows = authority.table[(authority.table["measure"] == "stage_conversion")
                           & (authority.table["stage"] == pair[0])
                           & (authority.table["to_stage"] == pair[1])
                           & (authority.table["breakdown"] == "ethnicity_group")
                           & authority.table["group"].isin(KNOWN)]
    got = {g: (int(x), int(n)) for g, x, n in zip(rows["group"], rows["numerator"],
                                                   rows["denominator"], strict=True)}
    assert got == {g: (stages[pair[1]]["by_group"][g], stages[pair[0]]["by_group"][g])
                   for g in KNOWN}


def injected(group: str, stages: tuple[str, ...]) -> float:
    return math.prod(INJECTED.get(group, {}).get(s, 1.0) for s in stages)


def _rri_rows(table: pd.DataFrame) -> pd.DataFrame:
    rows = table[(table["measure"] == "rri") & (table["breakdown"] == "ethnicity_group")].copy()
    reference = table[(table["measure"] == "stage_conversion")
                      & (table["breakdown"] == "ethnicity_group") & (table["group"] == "WHITE")]
    ref_n = {(s, t): n for s, t, n in zip(reference["stage"], reference["to_stage"],
                                          reference["denominator"], strict=True)}
    rows["ref_n"] = [ref_n[(s, t)] for s, t in zip(rows["stage"], rows["to_stage"],
                                                    strict=True)]
    rows = rows[(rows["denominator"] >= LARGE) & (rows["ref_n"] >= LARGE)]
    rows["injected"] = [injected(g, CHAIN[(s, t)]) for g, s, t in
                        zip(rows["group"], rows["stage"], rows["to_stage"], strict=True)]
    return rows


def test_the_effective_multipliers_are_the_injected_ones(authority):
    effective = authority.truth["multipliers"]["effective"]
    assert set(effective) == set(SHARES)
    for code, by_stage in effective.items():
        group = group_for_code(code)
        for stage, value in by_stage.items():
            assert math.isclose(value, INJECTED.get(group, {}).get(stage, 1.0)), (code, stage)


def test_each_rri_recovers_the_injected_multiplier_within_its_interval(authority):
    rows = _rri_rows(authority.table)
    wide = _rri_rows(authority.wide).set_index(["stage", "to_stage", "group"])
    assert len(rows) >= 15 and set(rows["group"]) == {"MIXED", "ASIAN", "BLACK", "OTHER"}
    assert len(rows) == len(wide)
    missed = []
    for r in rows.itertuples():
        w = wide.loc[(r.stage, r.to_stage, r.group)]
        assert w["ci_lower"] <= r.injected <= w["ci_upper"], (r.stage, r.to_stage, r.group)
        assert w["value"] == r.value
        if not r.ci_lower <= r.injected <= r.ci_upper:
            missed.append((r.stage, r.to_stage, r.group, r.value, r.injected))
    allowed = int(stats.binom.ppf(0.99, len(rows), 0.05))
    assert len(missed) <= allowed, missed


def test_strong_multipliers_are_flagged_significant_in_the_right_direction(authority):
    """Where the group expects at least 20 children to convert (enough power to see a 1.5-fold
    or 0.6-fold difference), the RRI is significant and on the injected side of 1."""
    rates = load_config(CONFIG).rates
    rows = _rri_rows(authority.table)
    chance = [math.prod(rates[s] for s in CHAIN[(a, b)]) * m
              for a, b, m in zip(rows["stage"], rows["to_stage"], rows["injected"], strict=True)]
    expected = rows["denominator"].astype(float) * chance
    strong = rows[((rows["injected"] >= 1.5) | (rows["injected"] <= 0.6)) & (expected >= 20)]
    assert len(strong) >= 8
    for r in strong.itertuples():
        assert r.significant, (r.stage, r.to_stage, r.group)
        assert (r.value > 1) == (r.injected > 1), (r.stage, r.to_stage, r.group)


def test_the_contact_rate_ratio_recovers_the_contact_multiplier(authority):
    """Contact is the first decision point: its rate per population against WHITE estimates
    the contact multiplier (methods.md §1.5, only stage 1 divides by the population)."""
    table = authority.wide
    rows = table[(table["measure"] == "disparity_ratio") & (table["stage"] == "contact")
                 & (table["breakdown"] == "ethnicity_group")]
    assert set(rows["group"]) == {"MIXED", "ASIAN", "BLACK", "OTHER"}
    for r in rows.itertuples():
        assert r.ci_lower <= injected(r.group, ("contact",)) <= r.ci_upper, r.group
