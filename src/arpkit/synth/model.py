"""The generative model of one synthetic authority (documented in docs/synthetic.md).

Why it is built this way:

* **Known truth.**  The generator exists so that tests can check the engine recovers injected
  disproportionality.  Each child's pathway is a chain of independent Bernoulli conversions
  (contact from the population; early help and referral from contact; assessment from
  referral; s47 from assessment; CP plan from s47; care from referral) whose probability is the
  reference-group rate times the group's multiplier.  The engine's relative rate index for
  parent>stage (docs/methods.md §1.5) therefore estimates the multiplier relative to WHITE, and
  the rate ratio against WHITE at a stage estimates the product along the chain.

* **Exactly N children, sized population.**  ``children`` is the number of children who appear
  in the returns.  The population (the denominator) is sized so that the expected number of
  children reaching the returns is N; the N children are then split over (ethnicity code x
  cohort) cells by one multinomial draw whose cell probabilities are proportional to
  population x rate, so every conversion rate is unbiased and N is exact.

* **Two cohorts.**  In-year children have their contact in the collection year and every later
  event dated after it inside the year.  Carried-over children had a CIN episode, CP plan or
  period of care that began before 1 April and was still open then (needed for "open at
  31 March" counts); a configured share of those close in the year.  Their group mix follows
  the product of the multipliers along the chain into them.

* **Streaming.**  Children are made in blocks (20,000 by default) with numpy
  ``default_rng([seed, 1, block])``, so any block can be regenerated on its own, every writer
  sees identical data, and memory does not grow with N.  All randomness is drawn here; writers
  are pure functions of a :class:`Block`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import group_for_code
from arpkit.synth import codes
from arpkit.synth.calendar import Calendar
from arpkit.synth.config import (
    CARRIED_CHAIN,
    CARRIED_KINDS,
    MULTIPLIER_STAGES,
    SynthConfig,
)

BLOCK_SIZE = 20_000
#: Conversion probabilities are clipped here (with a warning) so they stay below 1.
P_MAX = 0.95
COHORTS: tuple[str, ...] = ("in_year", "carried_cin", "carried_cp_plan", "carried_cla")
IN_YEAR, CARRIED_CIN, CARRIED_CP, CARRIED_CLA = range(4)

# Child ids: an affine bijection of the child's index onto 8-digit numbers, so ids look like a
# case system's (no leading zeros, not in ethnicity order) and can be mapped back to the index.
ID_BASE = 10_000_000
ID_SPACE = 90_000_000
ID_STEP = 7_919_113  # coprime with ID_SPACE = 2^7 3^2 5^7
MAX_CHILDREN = ID_SPACE

_NONE = -1
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"

S = MULTIPLIER_STAGES.index  # stage column in the probability table


class SynthWarning(UserWarning):
    """A setting was adjusted to keep the model valid (e.g. a probability clipped below 1)."""


@dataclass
class Plan:
    """Everything decided before the first block: sizes, probabilities and block contents."""

    config: SynthConfig
    cal: Calendar
    seed: int
    la_code: str
    children: int
    block_size: int
    shares: np.ndarray            # (20,) population share by code (0 for REFU/NOBT)
    groups: tuple[str, ...]       # top-level group of each code
    requested: np.ndarray         # (20, 7) requested multiplier by code and stage
    probs: np.ndarray             # (20, 7) conversion probability after clipping
    carried_rates: np.ndarray     # (20, 3) carried-over cases per population child
    population: np.ndarray        # (20,) population by code
    cells: np.ndarray             # (20, 4) children by code and cohort
    blocks: np.ndarray            # (n_blocks, 20, 4) children by block, code and cohort
    id_offset: int
    team_key: int
    team_cum: np.ndarray
    warnings: list[str] = field(default_factory=list)

    @property
    def period(self) -> int:
        return self.cal.period

    @property
    def n_blocks(self) -> int:
        return int(self.blocks.shape[0])

    @property
    def effective(self) -> np.ndarray:
        """Multipliers after clipping: probability / reference rate."""
        rates = np.array([self.config.rates[s] for s in MULTIPLIER_STAGES])
        return self.probs / rates

    def child_id(self, index: np.ndarray) -> np.ndarray:
        return ID_BASE + (ID_STEP * index.astype(np.int64) + self.id_offset) % ID_SPACE

    def index_of(self, child_id: str | int) -> int:
        """Inverse of :meth:`child_id` (a child's position in generation order)."""
        value = int(child_id) - ID_BASE
        if not 0 <= value < ID_SPACE:
            raise KeyError(child_id)
        index = ((value - self.id_offset) * pow(ID_STEP, -1, ID_SPACE)) % ID_SPACE
        if index >= self.children:
            raise KeyError(child_id)
        return int(index)

    def team_index(self, index: np.ndarray) -> np.ndarray:
        """Team of each child: a fixed hash of (seed, child index), so the truth can say which
        team any child belongs to without keeping a per-child table."""
        u = _uniform_hash(index.astype(np.uint64), self.team_key)
        return np.searchsorted(self.team_cum, u, side="right").astype(np.int8)


def _uniform_hash(x: np.ndarray, key: int) -> np.ndarray:
    """splitmix64 finaliser of ``x`` mixed with ``key``, as a uniform number in [0, 1)."""
    with np.errstate(over="ignore"):
        z = x * np.uint64(0x9E3779B97F4A7C15) + np.uint64(key)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def make_plan(config: SynthConfig, *, children: int, seed: int, period: int, la_code: str,
              block_size: int = BLOCK_SIZE) -> Plan:
    """Size the population and allocate the N children to codes, cohorts and blocks."""
    if isinstance(children, bool) or not isinstance(children, int) or children < 1:
        raise ConfigError(f"number of children must be a whole number of at least 1, "
                          f"not {children!r}")
    if children > MAX_CHILDREN:
        raise ConfigError(f"number of children must be at most {MAX_CHILDREN:,}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"seed must be a whole number of 0 or more, not {seed!r}")
    if not isinstance(period, int) or not codes.FIRST_PERIOD <= period <= codes.LAST_PERIOD:
        raise ConfigError(f"period must be a collection year from {codes.FIRST_PERIOD} to "
                          f"{codes.LAST_PERIOD} (the years with a CIN census XSD), not "
                          f"{period!r}")
    cal = Calendar(period)
    n_codes = len(codes.ETHNIC_CODES)
    groups = tuple(group_for_code(c, config.chinese_group) for c in codes.ETHNIC_CODES)
    shares = np.array([config.shares.get(c, 0.0) for c in codes.ETHNIC_CODES])
    shares = shares / shares.sum()

    requested = np.ones((n_codes, len(MULTIPLIER_STAGES)))
    for i, code in enumerate(codes.ETHNIC_CODES):
        by_group = config.multipliers.get(groups[i], {})
        by_code = config.multipliers.get(code, {})
        for j, stage in enumerate(MULTIPLIER_STAGES):
            requested[i, j] = by_code.get(stage, by_group.get(stage, 1.0))
    rates = np.array([config.rates[s] for s in MULTIPLIER_STAGES])
    raw_probs = requested * rates
    probs = np.minimum(raw_probs, P_MAX)
    notes: list[str] = []
    for i, j in zip(*np.nonzero((raw_probs > P_MAX) & (shares[:, None] > 0)), strict=True):
        code, stage = codes.ETHNIC_CODES[i], MULTIPLIER_STAGES[j]
        notes.append(
            f"{code} ({groups[i]}) {stage}: rate {rates[j]:g} x multiplier "
            f"{requested[i, j]:g} = {raw_probs[i, j]:.3f} is not a probability below 1; "
            f"clipped to {P_MAX} (effective multiplier {P_MAX / rates[j]:.3f})")

    carried = np.zeros((n_codes, len(CARRIED_KINDS)))
    for k, kind in enumerate(CARRIED_KINDS):
        chain = np.prod([requested[:, S(s)] for s in CARRIED_CHAIN[kind]], axis=0)
        carried[:, k] = config.carried[kind] / 10_000 * chain
    per_child = np.column_stack([probs[:, S("contact")], carried])
    reach = per_child.sum(axis=1)
    bad = [codes.ETHNIC_CODES[i] for i in np.nonzero((reach >= P_MAX) & (shares > 0))[0]]
    if bad:
        raise ConfigError(
            "the chance that a child appears in the returns (contact rate plus carried-over "
            f"cases, times multipliers) reaches {P_MAX} for {', '.join(bad)}; lower "
            "rates.contact, carried or the multipliers")
    expected_rate = float((shares * reach).sum())
    if expected_rate <= 0:
        raise ConfigError("no child can reach the returns: every contact and carried rate is 0")
    pop_total = children / expected_rate
    population = np.rint(pop_total * shares).astype(np.int64)

    rng = np.random.default_rng([seed, 0])
    weights = (population[:, None] * per_child).ravel()
    cells = rng.multinomial(children, weights / weights.sum()).reshape(n_codes, 4)
    population = np.maximum(population, cells.sum(axis=1))

    n_blocks = max(1, math.ceil(children / block_size))
    blocks = np.zeros((n_blocks, n_codes, 4), dtype=np.int64)
    remaining = cells.ravel().astype(np.int64)
    for b in range(n_blocks):
        size = min(block_size, children - b * block_size)
        if b == n_blocks - 1:
            draw = remaining.copy()
        else:
            draw = rng.multivariate_hypergeometric(remaining, size)
        blocks[b] = draw.reshape(n_codes, 4)
        remaining -= draw

    team_weights = np.array([w for _, w in config.teams], dtype=float)
    team_cum = np.cumsum(team_weights / team_weights.sum())[:-1]
    id_offset, team_key = (int(x) for x in np.random.SeedSequence([seed, 2]).generate_state(2))
    plan = Plan(
        config=config, cal=cal, seed=seed, la_code=la_code, children=children,
        block_size=block_size, shares=shares, groups=groups, requested=requested,
        probs=probs, carried_rates=carried, population=population, cells=cells,
        blocks=blocks, id_offset=id_offset % ID_SPACE, team_key=team_key,
        team_cum=team_cum, warnings=notes,
    )
    for note in notes:
        warnings.warn(note, SynthWarning, stacklevel=3)
    return plan


@dataclass
class Episode:
    """One SSDA903 episode (docs/formats.md §1.1), days as unix day numbers, -1 = blank."""

    decom: int
    rne: str
    ls: str
    place: str
    provider: str
    dec: int
    rec: str
    reason_change: str
    pl_post: str
    urn: str


@dataclass
class Block:
    """One block of children: parallel arrays (index i = one child) plus per-child lists.

    Days are unix day numbers; ``-1`` means "did not happen" or "still open".  Codes are
    indexes into the tuples of :mod:`arpkit.synth.codes`."""

    index: np.ndarray          # global generation index
    ids: list[str]
    cohort: np.ndarray
    true_code: np.ndarray
    cin_code: np.ndarray       # as recorded in the CIN census and Annex A
    ssda_code: np.ndarray      # as recorded in the 903 (differs for conflicts)
    conflict: np.ndarray
    label_style: np.ndarray
    label_pick: np.ndarray
    bare_gender: np.ndarray
    sex: np.ndarray            # 0 M, 1 F, 2 U
    dob: np.ndarray
    disabled: np.ndarray
    disability: np.ndarray
    team: np.ndarray
    worker: np.ndarray
    jitter: np.ndarray         # a random integer per child for non-modelled dates
    upn: list[str | None]
    # pathway
    contact_day: np.ndarray
    contact_source: np.ndarray
    early_help: np.ndarray
    eh_start: np.ndarray
    eh_end: np.ndarray
    eh_org: np.ndarray
    in_census: np.ndarray
    referral_day: np.ndarray
    referral_source: np.ndarray
    need: np.ndarray
    nfa: np.ndarray
    assessment: np.ndarray
    asmt_start: np.ndarray
    asmt_auth: np.ndarray
    factors: np.ndarray        # bit mask over codes.ASSESSMENT_FACTORS
    in_need: np.ndarray
    s47: np.ndarray
    s47_day: np.ndarray
    icpc: np.ndarray
    icpc_day: np.ndarray
    cp: np.ndarray
    cp_start: np.ndarray
    cp_end: np.ndarray
    cp_initial: np.ndarray
    cp_latest: np.ndarray
    cp_previous: np.ndarray
    cin_plan_start: np.ndarray
    cin_plan_end: np.ndarray
    close_day: np.ndarray
    close_reason: list[str | None]
    rereferral_day: np.ndarray
    rereferral_source: np.ndarray
    cla: np.ndarray
    cla_start: np.ndarray
    cla_end: np.ndarray
    uasc: np.ndarray
    mother: np.ndarray
    mc_dob: np.ndarray
    home_post: list[str | None]
    episodes: list[list[Episode] | None]

    def __len__(self) -> int:
        return int(self.index.shape[0])


def _choice(rng: np.random.Generator, weights: dict[str, float], keys: tuple[str, ...],
            n: int) -> np.ndarray:
    """Indexes into ``keys`` drawn with the configured weights (missing keys weigh 0)."""
    w = np.array([weights.get(k, 0.0) for k in keys], dtype=float)
    return rng.choice(len(keys), size=n, p=w / w.sum()).astype(np.int16)


def _after(rng: np.random.Generator, prev: np.ndarray, max_gap: int, end: int) -> np.ndarray:
    """A day from ``prev`` to ``prev + max_gap`` but never after ``end``: stage conversion is
    decided before dating, so the year end can compress gaps but never removes an event."""
    room = np.minimum(max_gap, end - prev)
    return prev + np.floor(rng.random(prev.shape[0]) * (room + 1)).astype(np.int64)


def _uniform_days(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return lo + np.floor(rng.random(lo.shape[0]) * (hi - lo + 1)).astype(np.int64)


def make_block(plan: Plan, b: int) -> Block:
    """Generate block ``b`` of the plan (deterministic in seed and b alone)."""
    cfg, cal, period = plan.config, plan.cal, plan.period
    out = cfg.outcomes
    rng = np.random.default_rng([plan.seed, 1, b])
    counts = plan.blocks[b]
    code_idx = np.repeat(np.arange(counts.shape[0]).repeat(4), counts.ravel())
    cohort = np.tile(np.arange(4), counts.shape[0]).repeat(counts.ravel())
    order = rng.permutation(code_idx.shape[0])
    true_code = code_idx[order].astype(np.int8)
    cohort = cohort[order].astype(np.int8)
    n = true_code.shape[0]
    index = b * plan.block_size + np.arange(n, dtype=np.int64)
    ids = plan.child_id(index).astype(str).tolist()
    start, end = cal.start, cal.end
    none = np.full(n, _NONE, dtype=np.int64)
    probs = plan.probs[true_code]

    sex = _choice(rng, cfg.sex, ("M", "F", "U"), n).astype(np.int8)
    in_year = cohort == IN_YEAR
    dob = np.where(in_year,
                   _uniform_days(rng, np.full(n, cal.earliest_dob), np.full(n, end)),
                   _uniform_days(rng, np.full(n, cal.earliest_dob), np.full(n, start - 1)))
    disabled = rng.random(n) < out["disability"]
    disability = rng.integers(0, len(codes.DISABILITIES), n).astype(np.int8)
    team = plan.team_index(index)
    worker = rng.integers(0, cfg.workers_per_team, n).astype(np.int16)
    jitter = rng.integers(0, 1 << 30, n)

    # --- in-year pathway: decide every conversion first, then date it -------------------------
    def bern(p: np.ndarray | float) -> np.ndarray:
        return rng.random(n) < p

    early_help = in_year & bern(probs[:, S("early_help")])
    referral = in_year & bern(probs[:, S("referral")])
    assessment = referral & bern(probs[:, S("assessment")])
    s47 = assessment & bern(probs[:, S("s47")])
    cp = s47 & bern(probs[:, S("cp_plan")])
    cla = referral & bern(probs[:, S("cla")])
    in_need = assessment & (s47 | cla | bern(out["in_need"]))
    icpc = cp | (s47 & bern(out["icpc_without_plan"]))
    nfa = referral & ~assessment & ~cla

    freq = cfg.frequencies
    source = _choice(rng, freq["referral_source"], codes.REFERRAL_SOURCES, n)
    need = _choice(rng, freq["primary_need"], codes.PRIMARY_NEEDS, n)
    contact_day = np.where(in_year, _uniform_days(rng, np.maximum(dob, start), np.full(n, end)),
                           none)
    cday = np.where(in_year, contact_day, start)
    eh_start = np.where(early_help, _after(rng, cday, 28, end), none)
    eh_end_raw = eh_start + 20 + rng.integers(0, 70, n)
    eh_end = np.where(early_help & (eh_end_raw <= end), eh_end_raw, none)
    eh_org = rng.integers(0, len(cfg.early_help_organisations), n).astype(np.int8)
    ref_day = np.where(referral, _after(rng, cday, 2, end), none)
    rday = np.where(referral, ref_day, start)
    asmt_start = np.where(assessment, _after(rng, rday, 5, end), none)
    auth_raw = np.where(assessment, asmt_start, start) + 5 + rng.integers(0, 41, n)
    asmt_auth = np.where(assessment & (auth_raw <= end), auth_raw, none)
    s47_day = np.where(s47, _after(rng, np.where(assessment, asmt_start, start), 7, end), none)
    icpc_day = np.where(icpc, _after(rng, np.where(s47, s47_day, start), 21, end), none)
    cp_start = np.where(cp, icpc_day, none)
    cp_end_raw = np.where(cp, cp_start, start) + 30 + rng.exponential(270, n).astype(np.int64)
    cp_end = np.where(cp & (cp_end_raw <= end), cp_end_raw, none)
    cla_start = np.where(cla, _after(rng, rday, 60, end), none)

    # Early help before a referral makes the referral source 5D (2023 on) for a share of them.
    contact_source = source.copy()
    if period >= 2023:
        stepped_up = early_help & referral & (eh_start <= ref_day) & bern(out["early_help_source"])
        source = np.where(stepped_up, -1, source)  # -1 = 5D, written by the writers

    # --- carried-over cohorts -------------------------------------------------------------------
    c_cin, c_cp, c_cla = (cohort == CARRIED_CIN), (cohort == CARRIED_CP), (cohort == CARRIED_CLA)
    carried = ~in_year
    back = np.where(c_cin, 730, np.where(c_cp, 900, 6 * 365))
    c_ref = _uniform_days(rng, np.maximum(dob, start - back), np.full(n, start - 1))
    c_cla_start = c_ref.copy()
    c_ref = np.where(c_cla, np.maximum(dob, c_cla_start - rng.integers(0, 61, n)), c_ref)
    ref_day = np.where(carried, c_ref, ref_day)
    c_cp_start = _uniform_days(rng, np.maximum(ref_day, start - 540), np.full(n, start - 1))
    c_cp_closes = bern(cfg.closing_in_year["cp_plan"])
    cp = cp | c_cp
    cp_start = np.where(c_cp, c_cp_start, cp_start)
    icpc_day = np.where(c_cp, c_cp_start, icpc_day)  # CINdetails/DateOfInitialCPC only
    cp_end = np.where(c_cp, np.where(c_cp_closes, _uniform_days(rng, np.full(n, start),
                                                                 np.full(n, end)), none),
                      cp_end)
    cla = cla | c_cla
    cla_start = np.where(c_cla, c_cla_start, cla_start)
    in_need = in_need | carried
    in_census = referral | carried

    cp_initial = _choice(rng, freq["category_of_abuse"], codes.CATEGORIES_OF_ABUSE, n)
    changes = bern(out["latest_category_changes"])
    cp_latest = np.where(changes, _choice(rng, freq["category_of_abuse"],
                                          codes.CATEGORIES_OF_ABUSE, n), cp_initial)
    cp_previous = np.where(bern(out["previous_cp_plan"]), 1 + (rng.random(n) < 0.2), 0)

    # --- assessment factors (independent per factor, England frequencies) -----------------------
    fw = freq["assessment_factor"]
    fprob = np.array([fw.get(c, 0.0) for c in codes.ASSESSMENT_FACTORS])
    fprob = fprob / cfg.assessment_factor_per_episode
    bits = rng.random((n, fprob.shape[0])) < fprob
    factors = (bits * (1 << np.arange(fprob.shape[0], dtype=np.int64))).sum(axis=1)

    # --- care episodes, ages and 903 extras ----------------------------------------------------
    cla_end = none.copy()
    episodes: list[list[Episode] | None] = [None] * n
    home_post: list[str | None] = [None] * n
    age_end = (end - dob) / 365.25
    groups = np.array(plan.groups)[true_code]
    uasc_pool = cla & (age_end >= 14) & np.isin(groups, ("BLACK", "ASIAN", "OTHER"))
    uasc = uasc_pool & bern(out["uasc"])
    sex = np.where(uasc & (rng.random(n) < 0.9), 0, sex).astype(np.int8)
    # The 903 has no "unknown" sex before 2025, so every looked-after child is M or F.
    sex = np.where(cla & (sex == 2), (rng.random(n) < 0.5).astype(np.int8), sex).astype(np.int8)
    girls = cla & (sex == 1) & (age_end >= 15)
    mother = girls & bern(out["mother"])
    mc_lo = np.maximum(dob + 14 * 365, end - 2 * 365)
    mc_dob = np.where(mother, _uniform_days(rng, mc_lo, np.full(n, end)), none)
    c_cla_closes = bern(cfg.closing_in_year["cla"])
    builder = _CareBuilder(rng, cal, period)
    for i in np.nonzero(cla)[0]:
        if cohort[i] == IN_YEAR:
            short = rng.random() < 0.3
            length = 7 + int(rng.exponential(60 if short else 700))
            cease = int(cla_start[i]) + length
            cease = cease if cease <= end else _NONE
        elif c_cla_closes[i]:
            cease = int(rng.integers(start, end + 1))
        else:
            cease = _NONE
        if codes.PRIMARY_NEEDS[need[i]] in ("N9", "N0"):
            need[i] = 0  # a looked-after child has a 903 category of need N1-N8
        eps, home = builder.build(int(dob[i]), int(cla_start[i]), cease, bool(uasc[i]))
        episodes[i] = eps
        home_post[i] = home
        cla_end[i] = eps[-1].dec if eps[-1].dec != _NONE else _NONE

    # --- closing episodes of need ---------------------------------------------------------------
    close_day = none.copy()
    close_reason: list[str | None] = [None] * n
    reason_idx = _choice(rng, freq["closure_reason"], ("RC3", "RC4", "RC5", "RC6", "RC7"), n)
    after_need = np.where(asmt_auth != _NONE, asmt_auth, ref_day) + 30 + \
        rng.exponential(200, n).astype(np.int64)
    after_cp = cp_end + 14 + rng.exponential(120, n).astype(np.int64)
    rc9 = bern(out["closed_to_early_help"]) if period >= 2023 else np.zeros(n, dtype=bool)
    c_cin_closes = bern(cfg.closing_in_year["cin"])
    cin_closing_day = _uniform_days(rng, np.full(n, start), np.full(n, end))
    closed_after_assessment = assessment & ~in_need & (asmt_auth != _NONE)
    for i in np.nonzero(in_census)[0]:
        day, reason = _NONE, None
        if nfa[i]:
            day, reason = int(ref_day[i]), "RC8"
        elif closed_after_assessment[i]:
            day, reason = int(asmt_auth[i]), ("RC9" if rc9[i] else "RC8")
        elif cla[i]:
            if cla_end[i] != _NONE:
                day = int(cla_end[i])
                reason = _closure_after_care(episodes[i][-1].rec)  # type: ignore[index]
        elif cp[i]:
            if cp_end[i] != _NONE and after_cp[i] <= end:
                day = int(after_cp[i])
        elif cohort[i] == CARRIED_CIN:
            if c_cin_closes[i]:
                day = int(cin_closing_day[i])
        elif in_need[i] and asmt_auth[i] != _NONE and after_need[i] <= end:
            day = int(after_need[i])
        if day != _NONE and reason is None:
            reason = ("RC3", "RC4", "RC5", "RC6", "RC7")[reason_idx[i]]
            if reason == "RC6" and age_end[i] < 17:
                reason = "RC7"
        close_day[i] = day
        close_reason[i] = reason

    # --- CIN plans (2022 on): after an in-need assessment, or stepping down from a CP plan ------
    cin_plan_start = none.copy()
    cin_plan_end = none.copy()
    if period >= 2022:
        wants = bern(out["cin_plan"])
        plain = in_need & ~cp & ~cla & wants
        from_asmt = plain & (cohort == IN_YEAR) & (asmt_auth != _NONE)
        cin_plan_start = np.where(from_asmt, asmt_auth, cin_plan_start)
        c_plan_day = np.minimum(ref_day + 20 + rng.integers(0, 40, n), start - 1)
        cin_plan_start = np.where(plain & (cohort == CARRIED_CIN), c_plan_day, cin_plan_start)
        step_down = cp & (cp_end != _NONE) & ~cla
        cin_plan_start = np.where(step_down, cp_end, cin_plan_start)
        has_plan = cin_plan_start != _NONE
        cin_plan_end = np.where(has_plan & (close_day != _NONE), close_day, none)

    # --- a second referral in the year (NFA) for some closed children ---------------------------
    rereferral_day = none.copy()
    closed_early = (nfa | closed_after_assessment) & (close_day != _NONE)
    again = closed_early & bern(out["rereferral"])
    second = close_day + 7 + rng.integers(0, 120, n)
    rereferral_day = np.where(again & (second <= end), second, none)
    rereferral_source = _choice(rng, freq["referral_source"], codes.REFERRAL_SOURCES, n)

    # --- ethnicity as recorded ------------------------------------------------------------------
    rec = cfg.recording
    contact_only = in_year & ~referral
    u = rng.random(n)
    p_nobt = np.where(contact_only, rec["not_obtained_contact_only"], rec["not_obtained"])
    cin_code = np.where(u < rec["refused"], codes.REFU,
                        np.where(u < rec["refused"] + p_nobt, codes.NOBT, true_code))
    cin_code = cin_code.astype(np.int8)
    conflict = cla & bern(cfg.conflicts["share"])
    ssda_code = cin_code.copy()
    for i in np.nonzero(conflict)[0]:
        ssda_code[i] = _conflicting_code(rng, plan, int(cin_code[i]), int(true_code[i]))

    style_p = cfg.annex_a_labels
    style_w = [1.0 - sum(style_p[k] for k in ("bare_code", "free_text", "extended_code",
                                               "junk")),
               style_p["bare_code"], style_p["free_text"], style_p["extended_code"],
               style_p["junk"]]
    label_style = rng.choice(len(codes.LABEL_STYLES), size=n,
                             p=np.array(style_w) / sum(style_w)).astype(np.int8)
    # Codes with no common extended CBDS code are written as free text instead.
    has_extended = np.array([c in codes.EXTENDED_ETHNICITY for c in codes.ETHNIC_CODES])
    label_style = np.where(
        (label_style == codes.LABEL_STYLES.index("extended_code")) & ~has_extended[cin_code],
        codes.LABEL_STYLES.index("free_text"), label_style).astype(np.int8)
    label_pick = rng.integers(0, 1 << 16, n)
    bare_gender = bern(style_p["bare_gender"])

    upn = _upns(rng, plan, dob, n)

    return Block(
        index=index, ids=ids, cohort=cohort, true_code=true_code, cin_code=cin_code,
        ssda_code=ssda_code, conflict=conflict, label_style=label_style,
        label_pick=label_pick, bare_gender=bare_gender, sex=sex, dob=dob, disabled=disabled,
        disability=disability, team=team, worker=worker, jitter=jitter, upn=upn,
        contact_day=contact_day, contact_source=contact_source, early_help=early_help,
        eh_start=eh_start, eh_end=eh_end, eh_org=eh_org, in_census=in_census,
        referral_day=np.where(in_census, ref_day, none), referral_source=source, need=need,
        nfa=nfa, assessment=assessment, asmt_start=asmt_start, asmt_auth=asmt_auth,
        factors=factors, in_need=in_need, s47=s47, s47_day=s47_day, icpc=icpc,
        icpc_day=np.where(icpc | c_cp, icpc_day, none), cp=cp, cp_start=cp_start,
        cp_end=cp_end, cp_initial=cp_initial, cp_latest=cp_latest, cp_previous=cp_previous,
        cin_plan_start=cin_plan_start, cin_plan_end=cin_plan_end, close_day=close_day,
        close_reason=close_reason, rereferral_day=rereferral_day,
        rereferral_source=rereferral_source, cla=cla, cla_start=cla_start, cla_end=cla_end,
        uasc=uasc, mother=mother, mc_dob=mc_dob, home_post=home_post, episodes=episodes,
    )


def _closure_after_care(rec: str) -> str:
    """ReasonForClosure that matches the 903 reason a period of care ended."""
    if rec in ("E11", "E12"):
        return "RC1"
    if rec == "E41":
        return "RC3"
    if rec in ("E43", "E44", "E45", "E46", "E47", "E48"):
        return "RC4"
    if rec == "E3":
        return "RC5"
    if rec == "E7":
        return "RC6"
    return "RC7"


def _conflicting_code(rng: np.random.Generator, plan: Plan, cin_code: int,
                      true_code: int) -> int:
    """The 903 code of a child whose 903 and census ethnicity disagree."""
    if cin_code in (codes.REFU, codes.NOBT):
        return true_code
    groups = plan.groups
    same = rng.random() < plan.config.conflicts["same_group"]
    pool = [i for i in range(len(codes.ETHNIC_CODES))
            if i != cin_code and plan.shares[i] > 0
            and (groups[i] == groups[cin_code]) == same]
    if not pool:
        pool = [i for i in range(len(codes.ETHNIC_CODES)) if i != cin_code and plan.shares[i] > 0]
    if not pool:
        return cin_code
    w = plan.shares[pool]
    return int(pool[rng.choice(len(pool), p=w / w.sum())])


def _upns(rng: np.random.Generator, plan: Plan, dob: np.ndarray, n: int) -> list[str | None]:
    """A UPN for children of school age (5+ on 31 March), ``None`` (UN1) for younger ones.

    Form: check letter, LA number, four-digit establishment, two-digit year, three-digit serial
    (docs/formats.md §1.3).  The check letter follows the DfE UPN rule as arpkit understands it
    (characters 2-13 weighted 2-13, sum modulo 23 into A-Z without I, O, S); the validators'
    rule 168 checks only the form, so a slip there would not make any file invalid."""
    age = np.floor((plan.cal.end - dob) / 365.25).astype(np.int64)
    body = (int(plan.la_code) * 10**9 + rng.integers(1000, 10000, n) * 10**5
            + ((plan.period - 1 - age + 5) % 100) * 10**3 + rng.integers(0, 1000, n))
    total = np.zeros(n, dtype=np.int64)
    rest = body.copy()
    for weight in range(13, 1, -1):  # last digit has weight 13
        total += (rest % 10) * weight
        rest //= 10
    school_age = age >= 5
    return [f"{_UPN_CHECK[t % 23]}{b:012d}" if ok else None
            for ok, b, t in zip(school_age.tolist(), body.tolist(), total.tolist(), strict=True)]


class _CareBuilder:
    """Builds one child's chain of 903 episodes (docs/formats.md §1.2 "period of care").

    The period starts with RNE S; each later episode starts the day the previous one ends
    (REC X1) and changes legal status (L), placement (P) or both (B); the last episode is open
    or ends with a leaving-care reason.  Codes respect the year (H5/P2 to 2024, K3 from 2025,
    E45-E48 from 2019) and the validator's age and pairing rules: J* legal statuses and R5 only
    from age 10 (358, 372), K3 from 16 (371), P1 never under V2 (378) and only with PR0 (550),
    adoption only from an A* placement under E1 (390, 408), SGO to former foster carers only
    from a foster placement (516), independent living and adult care only from 16 (387, 389).
    Only episodes that overlap the collection year are returned, as a real return holds."""

    def __init__(self, rng: np.random.Generator, cal: Calendar, period: int) -> None:
        self.rng, self.cal, self.period = rng, cal, period
        self.places = codes.placements_for(period)
        self.sgo = ("E45", "E46", "E47", "E48") if period >= 2019 else ("E43", "E44")

    def _int(self, n: int) -> int:
        """A whole number in [0, n) (scalar draws through ``random()`` are the fastest)."""
        return int(self.rng.random() * n)

    def _postcode(self) -> str:
        """An invented postcode in the non-existent area QQ, so no real address is named."""
        letters = _POSTCODE_LETTERS
        return (f"QQ{1 + self._int(39)} {1 + self._int(9)}"
                f"{letters[self._int(len(letters))]}{letters[self._int(len(letters))]}")

    def _pick(self, options: list[tuple[str, float]]) -> str:
        x = self.rng.random() * sum(w for _, w in options)
        for code, w in options:
            x -= w
            if x < 0:
                return code
        return options[-1][0]

    def _legal_status(self, age: float) -> str:
        if age >= 10:
            return self._pick([("V2", 45), ("C1", 33), ("L1", 5), ("L2", 4), ("J1", 8),
                               ("J3", 3)])
        return self._pick([("V2", 42), ("C1", 48), ("L1", 5), ("L2", 5)])

    def _placement(self, age: float, ls: str, avoid: str | None = None) -> str:
        options = [("U6", 45.0), ("U3", 20.0), ("U4", 6.0), ("U1", 4.0)]
        if age >= 10:
            options += [("K2", 12.0), ("R1", 1.0)]
        if age >= 16:
            options += [(c, w) for c, w in (("H5", 8.0), ("P2", 3.0), ("K3", 11.0))
                        if c in self.places]
        if ls in ("C1", "C2"):
            options.append(("P1", 5.0))
        if ls in codes.YOUTH_JUSTICE_LS and age >= 10:
            options += [("R5", 8.0), ("K1", 4.0)]
        if age < 1:
            options.append(("R3", 3.0))
        if avoid is not None and len(options) > 1:
            options = [o for o in options if o[0] != avoid]
        return self._pick(options)

    def _where(self, place: str, home: str) -> tuple[str, str, str]:
        provider = self._pick([(p, 1.0) for p in codes.PROVIDERS[place]])
        if place in codes.URN_PLACEMENTS:
            urn = f"SC{self._int(1_000_000):06d}"
        elif place in codes.NO_URN_PLACEMENTS:
            urn = ""
        else:
            urn = "XXXXXXX"
        post = home if place == "P1" else self._postcode()
        while place != "P1" and post == home:
            post = self._postcode()
        return provider, urn, post

    def _next_ls(self, ls: str) -> str | None:
        return {"C1": "C2", "V2": "C1", "J1": "V2", "J3": "V2"}.get(ls)

    def build(self, dob: int, start: int, cease: int, uasc: bool) -> tuple[list[Episode], str]:
        r, cal = self.rng, self.cal
        home = self._postcode()
        stop = cease if cease != _NONE else cal.end + 1
        years = max(stop - start, 1) / 365.25
        n_changes = min(int(r.poisson(0.9 * years)), 10, max(stop - start - 1, 0))
        days = sorted(int(d) for d in r.choice(np.arange(start + 1, stop), size=n_changes,
                                               replace=False)) if n_changes else []
        age0 = (start - dob) / 365.25
        adoption_route = age0 < 5 and not uasc and r.random() < 0.3
        ls = "V2" if uasc else self._legal_status(age0)
        # Police protection lasts at most 72 hours and an EPO at most 8 days (rules 361, 362):
        # the next episode, a legal-status change, follows within that time.
        forced = _NONE
        if ls in ("L1", "L2"):
            forced = start + 1 + self._int(3 if ls == "L1" else 8)
            if forced < stop:
                days = [forced, *(d for d in days if d > forced)]
        place = self._placement(age0, ls)
        provider, urn, post = self._where(place, home)
        eps = [Episode(start, "S", ls, place, provider, _NONE, "", "", post, urn)]
        for day in days:
            age = (day - dob) / 365.25
            prev = eps[-1]
            if prev.place in ("A3", "A4", "A5", "A6"):
                break  # placed for adoption: no further change in this model
            rne, new_ls, new_place = "P", ls, None
            nxt = self._next_ls(ls)
            if day == forced:
                rne, new_ls = "L", ("C1" if r.random() < 0.6 else "V2")
            elif adoption_route and ls == "C2" and age < 8:
                rne, new_ls = "L", "E1"
            elif adoption_route and ls == "E1":
                rne, new_place = "P", self._pick([("A6", 3.0), ("A4", 1.0)])
            elif nxt is not None and r.random() < 0.35:
                rne, new_ls = "L", nxt
                if nxt == "C1" and ls == "V2" and r.random() < 0.3:
                    rne = "B"
            if rne in ("P", "B") and new_place is None:
                new_place = self._placement(age, new_ls, avoid=prev.place)
            if rne == "L" and prev.place == "P1" and new_ls not in ("C1", "C2", "E1"):
                rne, new_place = "B", self._placement(age, new_ls, avoid="P1")
            if (rne == "L" and prev.place in ("R5", "K1")
                    and new_ls not in codes.YOUTH_JUSTICE_LS):
                rne, new_place = "B", self._placement(age, new_ls, avoid=prev.place)
            if new_place is None:
                new_place, provider, urn, post = prev.place, prev.provider, prev.urn, prev.pl_post
                reason = ""
            else:
                provider, urn, post = self._where(new_place, home)
                reason = codes.PLACE_CHANGE_REASONS[self._int(len(codes.PLACE_CHANGE_REASONS))]
            prev.dec, prev.rec = day, "X1"
            ls, place = new_ls, new_place
            eps.append(Episode(day, rne, ls, place, provider, _NONE, "", reason, post, urn))
        if cease != _NONE:
            last = eps[-1]
            last.dec = cease
            last.rec = self._reason_ceased(last, (cease - dob) / 365.25, uasc)
        kept = [e for e in eps if e.dec == _NONE or e.dec >= cal.start]
        return kept, home

    def _reason_ceased(self, last: Episode, age: float, uasc: bool) -> str:
        if last.place in ("A3", "A4", "A5", "A6"):
            return self._pick([("E11", 3.0), ("E12", 2.0)])
        options: list[tuple[str, float]] = [
            ("E13", 8.0), ("E4A", 30.0), ("E4B", 3.0), ("E41", 6.0), ("E3", 3.0), ("E8", 12.0),
            ("E16", 1.0),
        ]
        foster = last.place in ("U1", "U2", "U3", "U4", "U5", "U6")
        if self.period >= 2019:
            options += [("E47", 5.0), ("E48", 2.0)]
            if foster:
                options.append(("E45" if last.place in ("U1", "U2", "U3") else "E46", 7.0))
        else:
            options += [("E44", 7.0)] + ([("E43", 7.0)] if foster else [])
        if age >= 16:
            options += [("E5", 5.0), ("E6", 2.0), ("E7", 1.0)]
        if age >= 10:
            options.append(("E9", 1.0))
        if last.ls == "J1":
            options.append(("E14", 40.0))
        if uasc:
            options.append(("E15", 3.0))
        return self._pick(options)
