"""What was generated, so tests can compare engine output with it.

Why: a synthetic authority is only useful for testing if the truth behind it is known exactly.
The accumulator counts distinct children per stage straight from the model arrays, block by
block (aggregates only, so memory stays flat), using the same definitions a reader of the files
would use (docs/synthetic.md, "Truth"):

* ``in_year``: children with the stage's event dated in the collection year (contact, early
  help, referral, assessment, s47, icpc, cp_plan = plan start, cla = started to be looked
  after, cin_plan = plan start);
* ``during_year``: children with a CIN episode (``cin``), CP plan, period of care or CIN plan
  open at any time in the year;
* ``open_at_31_march``: the same, still open on 31 March.

Counts are keyed by the ethnicity code as written in the CIN census and Annex A (``by_code``,
``by_group``), by the true code (``true_by_group``; REFU/NOBT are recording outcomes, not
groups) and, for ``cla``, by the code written in the 903 (``by_group_ssda903``), which differs
for the children with a cross-return conflict.  ``truth.json`` holds the aggregates only; the
ids of conflicting children and each child's team are available from :class:`SynthResult`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arpkit.engine.ethnicity import GROUPS
from arpkit.synth import codes
from arpkit.synth.config import MULTIPLIER_STAGES
from arpkit.synth.model import COHORTS, IN_YEAR, Block, Plan

KINDS: tuple[str, ...] = ("in_year", "during_year", "open_at_31_march")
IN_YEAR_STAGES: tuple[str, ...] = (
    "contact", "early_help", "referral", "assessment", "s47", "icpc", "cp_plan", "cla",
    "cin_plan",
)
SNAPSHOT_STAGES: tuple[str, ...] = ("cin", "cp_plan", "cla", "cin_plan")
TEAM_STAGES: tuple[str, ...] = ("referral", "assessment", "s47", "cp_plan", "cla")
_N = len(codes.ETHNIC_CODES)


def stage_masks(block: Block, plan: Plan) -> dict[tuple[str, str], np.ndarray]:
    """Which children of the block count at each (kind, stage)."""
    start = plan.cal.start
    none = -1
    in_year = block.cohort == IN_YEAR
    plan_open = block.cin_plan_start != none
    return {
        ("in_year", "contact"): in_year,
        ("in_year", "early_help"): block.early_help,
        ("in_year", "referral"): in_year & block.in_census,
        ("in_year", "assessment"): block.assessment,
        ("in_year", "s47"): block.s47,
        ("in_year", "icpc"): block.icpc,
        ("in_year", "cp_plan"): block.cp & (block.cp_start >= start),
        ("in_year", "cla"): block.cla & in_year,
        ("in_year", "cin_plan"): block.cin_plan_start >= start,
        ("during_year", "cin"): block.in_census,
        ("during_year", "cp_plan"): block.cp,
        ("during_year", "cla"): block.cla,
        ("during_year", "cin_plan"): plan_open,
        ("open_at_31_march", "cin"): block.in_census & (block.close_day == none),
        ("open_at_31_march", "cp_plan"): block.cp & (block.cp_end == none),
        ("open_at_31_march", "cla"): block.cla & (block.cla_end == none),
        ("open_at_31_march", "cin_plan"): plan_open & (block.cin_plan_end == none),
    }


@dataclass(frozen=True)
class Conflict:
    """A child whose 903 ETHNIC differs from the CIN census Ethnicity."""

    child_id: str
    cin_census: str
    ssda903: str


class TruthAccumulator:
    """Adds up blocks into the truth aggregates."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        n_teams = len(plan.config.teams)
        keys = stage_masks_keys()
        self.by_code = {key: np.zeros(_N, dtype=np.int64) for key in keys}
        self.by_true = {key: np.zeros(_N, dtype=np.int64) for key in keys}
        self.cla_903 = {k: np.zeros(_N, dtype=np.int64)
                        for k in ("in_year", "during_year", "open_at_31_march")}
        self.by_team = {key: np.zeros((n_teams, _N), dtype=np.int64) for key in keys
                        if key[1] in TEAM_STAGES or key[0] != "in_year"}
        self.cohorts = np.zeros(len(COHORTS), dtype=np.int64)
        self.labels = np.zeros(len(codes.LABEL_STYLES), dtype=np.int64)
        self.conflicts: list[Conflict] = []

    def add(self, block: Block) -> None:
        masks = stage_masks(block, self.plan)
        for key, mask in masks.items():
            self.by_code[key] += np.bincount(block.cin_code[mask], minlength=_N)
            self.by_true[key] += np.bincount(block.true_code[mask], minlength=_N)
            if key in self.by_team:
                flat = block.team[mask].astype(np.int64) * _N + block.cin_code[mask]
                self.by_team[key] += np.bincount(
                    flat, minlength=self.by_team[key].size).reshape(self.by_team[key].shape)
            if key[1] == "cla":
                self.cla_903[key[0]] += np.bincount(block.ssda_code[mask], minlength=_N)
        self.cohorts += np.bincount(block.cohort, minlength=len(COHORTS))
        self.labels += np.bincount(block.label_style, minlength=len(codes.LABEL_STYLES))
        for i in np.nonzero(block.conflict & (block.ssda_code != block.cin_code))[0]:
            self.conflicts.append(Conflict(block.ids[i], codes.ETHNIC_CODES[block.cin_code[i]],
                                           codes.ETHNIC_CODES[block.ssda_code[i]]))


def stage_masks_keys() -> list[tuple[str, str]]:
    return ([("in_year", s) for s in IN_YEAR_STAGES]
            + [(k, s) for k in ("during_year", "open_at_31_march") for s in SNAPSHOT_STAGES])


def _by_group(by_code: np.ndarray, groups: tuple[str, ...]) -> dict[str, int]:
    out = dict.fromkeys(GROUPS[:-1], 0)
    for i, n in enumerate(by_code.tolist()):
        out[groups[i]] += n
    return out


def _code_dict(by_code: np.ndarray) -> dict[str, int]:
    return {c: int(n) for c, n in zip(codes.ETHNIC_CODES, by_code.tolist(), strict=True)}


@dataclass
class SynthResult:
    """The truth behind one generated authority, and where its files are.

    ``stages[kind][stage]`` has ``total``, ``by_code``, ``by_group`` and ``true_by_group``
    (see the module docstring for the definitions); :meth:`count` reads it."""

    out_dir: Path
    files: dict[str, Path]
    children: int
    seed: int
    period: int
    la_code: str
    seeds: dict[str, Any]
    population: dict[str, int]
    population_by_group: dict[str, int]
    stages: dict[str, dict[str, dict[str, Any]]]
    teams: dict[str, dict[str, dict[str, dict[str, int]]]]
    multipliers: dict[str, dict[str, dict[str, float]]]
    conflicts: list[Conflict]
    annex_a_labels: dict[str, int]
    cohorts: dict[str, int]
    warnings: list[str]
    config: dict[str, Any]
    _plan: Plan = field(repr=False)

    @property
    def population_total(self) -> int:
        return sum(self.population.values())

    @property
    def conflict_ids(self) -> frozenset[str]:
        return frozenset(c.child_id for c in self.conflicts)

    def count(self, stage: str, group: str | None = None, *, kind: str = "in_year",
              code: str | None = None, true: bool = False) -> int:
        """Distinct children at ``stage`` (of ``kind``), optionally for one group or code."""
        entry = self.stages[kind][stage]
        if code is not None:
            return int(entry["by_code"][code])
        if group is None:
            return int(entry["total"])
        return int(entry["true_by_group" if true else "by_group"][group])

    def team_of(self, child_id: str | int) -> str:
        """The team holding a child's case (the same in every Annex A list)."""
        index = self._plan.index_of(child_id)
        t = int(self._plan.team_index(np.array([index], dtype=np.int64))[0])
        return self._plan.config.team_names[t]

    def to_dict(self) -> dict[str, Any]:
        """Aggregates for ``truth.json`` (no child ids)."""
        pairs = Counter(f"{c.cin_census}>{c.ssda903}" for c in self.conflicts)
        return {
            "generator": "arpkit.synth",
            "children": self.children,
            "seed": self.seed,
            "seeds": self.seeds,
            "period": self.period,
            "la_code": self.la_code,
            "files": {k: str(p.relative_to(self.out_dir)) for k, p in self.files.items()},
            "population": {"total": self.population_total, "by_code": self.population,
                           "by_group": self.population_by_group},
            "cohorts": self.cohorts,
            "stages": self.stages,
            "teams": self.teams,
            "multipliers": self.multipliers,
            "conflicts": {"count": len(self.conflicts), "by_pair": dict(sorted(pairs.items()))},
            "annex_a_labels": self.annex_a_labels,
            "warnings": self.warnings,
            "config": self.config,
        }

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=False) + "\n",
                        encoding="utf-8")


def build_result(plan: Plan, acc: TruthAccumulator, out_dir: Path,
                 files: Mapping[str, Path]) -> SynthResult:
    groups = plan.groups
    stages: dict[str, dict[str, dict[str, Any]]] = {k: {} for k in KINDS}
    for (kind, stage), by_code in acc.by_code.items():
        entry: dict[str, Any] = {
            "total": int(by_code.sum()),
            "by_code": _code_dict(by_code),
            "by_group": _by_group(by_code, groups),
            "true_by_group": _by_group(acc.by_true[(kind, stage)], groups),
        }
        if stage == "cla":
            entry["by_group_ssda903"] = _by_group(acc.cla_903[kind], groups)
        stages[kind][stage] = entry
    team_names = plan.config.team_names
    teams: dict[str, dict[str, dict[str, dict[str, int]]]] = {}
    for (kind, stage), table in acc.by_team.items():
        teams.setdefault(kind, {})[stage] = {
            name: _by_group(table[t], groups) for t, name in enumerate(team_names)
        }
    requested, effective = plan.requested, plan.effective
    multipliers: dict[str, dict[str, dict[str, float]]] = {"requested": {}, "effective": {}}
    for i, code in enumerate(codes.ETHNIC_CODES):
        if plan.shares[i] <= 0:
            continue
        multipliers["requested"][code] = {
            s: float(requested[i, j]) for j, s in enumerate(MULTIPLIER_STAGES)}
        multipliers["effective"][code] = {
            s: round(float(effective[i, j]), 12) for j, s in enumerate(MULTIPLIER_STAGES)}
    population = _code_dict(plan.population)
    return SynthResult(
        out_dir=out_dir, files=dict(files), children=plan.children, seed=plan.seed,
        period=plan.period, la_code=plan.la_code,
        seeds={"root": plan.seed, "plan": [plan.seed, 0],
               "block": [plan.seed, 1, "<block number>"], "ids_and_teams": [plan.seed, 2],
               "block_size": plan.block_size, "blocks": plan.n_blocks},
        population=population, population_by_group=_by_group(plan.population, groups),
        stages=stages, teams=teams, multipliers=multipliers, conflicts=acc.conflicts,
        annex_a_labels={s: int(n) for s, n in zip(codes.LABEL_STYLES, acc.labels.tolist(),
                                                   strict=True)},
        cohorts={c: int(n) for c, n in zip(COHORTS, acc.cohorts.tolist(), strict=True)},
        warnings=list(plan.warnings), config=plan.config.to_dict(), _plan=plan,
    )
