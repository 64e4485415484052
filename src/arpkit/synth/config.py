"""Settings of the synthetic authority: load, merge over the shipped defaults, and check.

Why a config object: the generator exists so that tests and benchmarks can inject a known
amount of disproportionality (``multipliers``) and check that the engine recovers it, so every
number that shapes the output is a named, checked setting in ``default.yml`` rather than a
constant in code.  A user YAML is merged over the defaults key by key, except ``shares``,
``multipliers`` and ``teams``, which are replaced whole so that "these multipliers" means
exactly those (docs/synthetic.md).  Bad settings raise :class:`ConfigError` naming the key and
the value.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from arpkit.engine.errors import ConfigError
from arpkit.engine.ethnicity import KNOWN_GROUPS, check_chinese_group
from arpkit.synth import codes

#: Stages that take an injected multiplier, in chain order, with the parent stage each
#: conversion is from (docs/methods.md §1.5; the "parent>stage" of the engine's RRI).
MULTIPLIER_STAGES: tuple[str, ...] = (
    "contact", "early_help", "referral", "assessment", "s47", "cp_plan", "cla",
)
PARENT_STAGE: dict[str, str] = {
    "contact": "population", "early_help": "contact", "referral": "contact",
    "assessment": "referral", "s47": "assessment", "cp_plan": "s47", "cla": "referral",
}
CARRIED_KINDS: tuple[str, ...] = ("cin", "cp_plan", "cla")
#: The stages whose multipliers multiply into each carried-over kind (its chain from the
#: population), so open-at-31-March ratios follow the injected chain.
CARRIED_CHAIN: dict[str, tuple[str, ...]] = {
    "cin": ("contact", "referral", "assessment"),
    "cp_plan": ("contact", "referral", "assessment", "s47", "cp_plan"),
    "cla": ("contact", "referral", "cla"),
}
OUTCOME_KEYS: tuple[str, ...] = (
    "in_need", "cin_plan", "icpc_without_plan", "rereferral", "closed_to_early_help",
    "early_help_source", "previous_cp_plan", "latest_category_changes", "disability", "uasc",
    "mother",
)
RECORDING_KEYS: tuple[str, ...] = ("refused", "not_obtained", "not_obtained_contact_only")
LABEL_KEYS: tuple[str, ...] = ("bare_code", "free_text", "extended_code", "junk", "bare_gender")
_REPLACED_WHOLE = frozenset({"shares", "multipliers", "teams"})
_TOP_KEYS = frozenset({
    "version", "shares", "rates", "outcomes", "carried", "closing_in_year", "multipliers",
    "recording", "conflicts", "annex_a_labels", "sex", "teams", "workers_per_team",
    "early_help_organisations", "frequencies", "chinese_group",
})
_FREQUENCY_CODES: dict[str, tuple[str, ...]] = {
    "referral_source": codes.REFERRAL_SOURCES,
    "primary_need": codes.PRIMARY_NEEDS,
    "closure_reason": ("RC3", "RC4", "RC5", "RC6", "RC7"),
    "category_of_abuse": codes.CATEGORIES_OF_ABUSE,
    "assessment_factor": codes.ASSESSMENT_FACTORS,
}


@dataclass(frozen=True)
class SynthConfig:
    """Checked settings.  Build with :func:`load_config`; ``raw`` is the merged mapping (kept
    so the truth file can record exactly what was used)."""

    shares: dict[str, float]
    rates: dict[str, float]
    outcomes: dict[str, float]
    carried: dict[str, float]
    closing_in_year: dict[str, float]
    multipliers: dict[str, dict[str, float]]
    recording: dict[str, float]
    conflicts: dict[str, float]
    annex_a_labels: dict[str, float]
    sex: dict[str, float]
    teams: tuple[tuple[str, float], ...]
    workers_per_team: int
    early_help_organisations: tuple[str, ...]
    frequencies: dict[str, dict[str, float]]
    assessment_factor_per_episode: float
    chinese_group: str = "asian"
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def team_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.teams)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.raw)


def default_mapping() -> dict[str, Any]:
    """The shipped ``default.yml`` as a plain mapping."""
    text = resources.files("arpkit.synth").joinpath("default.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def load_config(source: SynthConfig | Path | str | Mapping[str, Any] | None = None
                ) -> SynthConfig:
    """Defaults, or defaults with a YAML file (path) or mapping merged over them."""
    if isinstance(source, SynthConfig):
        return source
    base = default_mapping()
    if source is None:
        return _build(base)
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read synthetic config {path}: {exc.strerror}") from None
        try:
            user = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"synthetic config {path} is not valid YAML: {exc}") from None
        where = str(path)
    else:
        user, where = source, "the synthetic config"
    if user is None:
        user = {}
    if not isinstance(user, Mapping):
        raise ConfigError(f"{where} must be a mapping of settings, not {type(user).__name__}")
    unknown = sorted(set(map(str, user)) - _TOP_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known settings "
                          f"are {', '.join(sorted(_TOP_KEYS))}")
    return _build(_merge(base, user))


def _merge(base: dict[str, Any], user: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in user.items():
        if key in _REPLACED_WHOLE or not isinstance(value, Mapping):
            out[key] = copy.deepcopy(value)
        else:
            merged = dict(out.get(key) or {})
            for sub, subvalue in value.items():
                if isinstance(subvalue, Mapping) and isinstance(merged.get(sub), Mapping):
                    merged[sub] = {**merged[sub], **subvalue}
                else:
                    merged[sub] = subvalue
            out[key] = merged
    return out


def _number(value: object, key: str, *, lo: float = 0.0, hi: float = math.inf,
            lo_open: bool = False, hi_open: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ConfigError(f"synthetic config {key} must be a number, not {value!r}")
    v = float(value)
    if v < lo or (lo_open and v == lo) or v > hi or (hi_open and v == hi):
        left = "(" if lo_open else "["
        right = ")" if hi_open else "]"
        raise ConfigError(f"synthetic config {key} must be in {left}{lo:g}, {hi:g}{right}, "
                          f"not {value!r}")
    return v


def _section(raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = raw.get(key)
    if not isinstance(value, Mapping):
        raise ConfigError(f"synthetic config {key} must be a mapping, not {value!r}")
    return value


def _keys(section: Mapping[str, Any], key: str, allowed: tuple[str, ...], *,
          required: bool) -> dict[str, Any]:
    named = {str(k): v for k, v in section.items()}
    unknown = sorted(set(named) - set(allowed))
    if unknown:
        raise ConfigError(f"synthetic config {key}: unknown key(s) {', '.join(unknown)}; "
                          f"expected {', '.join(allowed)}")
    if required:
        missing = [k for k in allowed if k not in named]
        if missing:
            raise ConfigError(f"synthetic config {key}: missing {', '.join(missing)}")
    return named


def _build(raw: dict[str, Any]) -> SynthConfig:
    shares_raw = _keys(_section(raw, "shares"), "shares", codes.KNOWN_ETHNIC, required=False)
    shares = {c: _number(v, f"shares.{c}") for c, v in shares_raw.items()}
    if sum(shares.values()) <= 0:
        raise ConfigError("synthetic config shares must give at least one code a positive share")

    rates_raw = _keys(_section(raw, "rates"), "rates", MULTIPLIER_STAGES, required=True)
    rates = {s: _number(v, f"rates.{s}", hi=1, lo_open=True, hi_open=True)
             for s, v in rates_raw.items()}
    outcomes_raw = _keys(_section(raw, "outcomes"), "outcomes", OUTCOME_KEYS, required=True)
    outcomes = {k: _number(v, f"outcomes.{k}", hi=1) for k, v in outcomes_raw.items()}
    carried_raw = _keys(_section(raw, "carried"), "carried", CARRIED_KINDS, required=True)
    carried = {k: _number(v, f"carried.{k}", hi=10_000) for k, v in carried_raw.items()}
    closing_raw = _keys(_section(raw, "closing_in_year"), "closing_in_year", CARRIED_KINDS,
                        required=True)
    closing = {k: _number(v, f"closing_in_year.{k}", hi=1) for k, v in closing_raw.items()}

    mult_section = raw.get("multipliers") or {}
    if not isinstance(mult_section, Mapping):
        raise ConfigError(f"synthetic config multipliers must be a mapping, not {mult_section!r}")
    multipliers: dict[str, dict[str, float]] = {}
    for who, stages in mult_section.items():
        who = str(who)
        if who not in KNOWN_GROUPS and who not in codes.KNOWN_ETHNIC:
            raise ConfigError(
                f"synthetic config multipliers: {who!r} is neither a group "
                f"({', '.join(KNOWN_GROUPS)}) nor a DfE ethnicity code with a population")
        if not isinstance(stages, Mapping):
            raise ConfigError(f"synthetic config multipliers.{who} must map stages to "
                              f"multipliers, not {stages!r}")
        named = _keys(stages, f"multipliers.{who}", MULTIPLIER_STAGES, required=False)
        multipliers[who] = {s: _number(v, f"multipliers.{who}.{s}", hi=1000)
                            for s, v in named.items()}

    recording_raw = _keys(_section(raw, "recording"), "recording", RECORDING_KEYS, required=True)
    recording = {k: _number(v, f"recording.{k}", hi=1) for k, v in recording_raw.items()}
    for low in ("not_obtained", "not_obtained_contact_only"):
        if recording["refused"] + recording[low] >= 1:
            raise ConfigError(f"synthetic config recording.refused + recording.{low} must be "
                              "below 1")
    conflicts_raw = _keys(_section(raw, "conflicts"), "conflicts", ("share", "same_group"),
                          required=True)
    conflicts = {k: _number(v, f"conflicts.{k}", hi=1) for k, v in conflicts_raw.items()}
    labels_raw = _keys(_section(raw, "annex_a_labels"), "annex_a_labels", LABEL_KEYS,
                       required=True)
    labels = {k: _number(v, f"annex_a_labels.{k}", hi=1) for k, v in labels_raw.items()}
    if sum(labels[k] for k in ("bare_code", "free_text", "extended_code", "junk")) > 1:
        raise ConfigError("synthetic config annex_a_labels: bare_code + free_text + "
                          "extended_code + junk must not exceed 1")
    sex_raw = _keys(_section(raw, "sex"), "sex", ("M", "F", "U"), required=True)
    sex = {k: _number(v, f"sex.{k}") for k, v in sex_raw.items()}
    if sum(sex.values()) <= 0:
        raise ConfigError("synthetic config sex weights must not all be zero")

    teams = _teams(raw.get("teams"))
    workers = _number(raw.get("workers_per_team"), "workers_per_team", lo=1, hi=999)
    if workers != int(workers):
        raise ConfigError(f"synthetic config workers_per_team must be a whole number, "
                          f"not {raw.get('workers_per_team')!r}")
    orgs = raw.get("early_help_organisations")
    if (not isinstance(orgs, list) or not orgs
            or not all(isinstance(o, str) and o.strip() for o in orgs)):
        raise ConfigError("synthetic config early_help_organisations must be a non-empty list "
                          f"of names, not {orgs!r}")

    freq_section = _section(raw, "frequencies")
    freq_keys = (*_FREQUENCY_CODES, "assessment_factor_per_episode")
    freq_named = _keys(freq_section, "frequencies", freq_keys, required=True)
    frequencies: dict[str, dict[str, float]] = {}
    for name, allowed in _FREQUENCY_CODES.items():
        table = freq_named[name]
        if not isinstance(table, Mapping):
            raise ConfigError(f"synthetic config frequencies.{name} must be a mapping")
        named = _keys(table, f"frequencies.{name}", allowed, required=False)
        weights = {c: _number(v, f"frequencies.{name}.{c}") for c, v in named.items()}
        if sum(weights.values()) <= 0:
            raise ConfigError(f"synthetic config frequencies.{name} must not all be zero")
        frequencies[name] = weights
    per_episode = _number(freq_named["assessment_factor_per_episode"],
                          "frequencies.assessment_factor_per_episode", lo_open=True)
    too_big = [c for c, v in frequencies["assessment_factor"].items() if v > per_episode]
    if too_big:
        raise ConfigError("synthetic config frequencies.assessment_factor: counts above "
                          f"assessment_factor_per_episode for {', '.join(too_big)}")

    chinese = str(raw.get("chinese_group", "asian"))
    check_chinese_group(chinese)
    return SynthConfig(
        shares=shares, rates=rates, outcomes=outcomes, carried=carried,
        closing_in_year=closing, multipliers=multipliers, recording=recording,
        conflicts=conflicts, annex_a_labels=labels, sex=sex, teams=teams,
        workers_per_team=int(workers), early_help_organisations=tuple(orgs),
        frequencies=frequencies, assessment_factor_per_episode=per_episode,
        chinese_group=chinese, raw=raw,
    )


def _teams(value: object) -> tuple[tuple[str, float], ...]:
    if not isinstance(value, list) or not value:
        raise ConfigError(f"synthetic config teams must be a non-empty list, not {value!r}")
    teams: list[tuple[str, float]] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            name, weight = item, 1.0
        elif isinstance(item, Mapping) and set(item) <= {"name", "weight"} and "name" in item:
            name = item["name"]
            weight = _number(item.get("weight", 1.0), f"teams[{i}].weight")
        else:
            raise ConfigError(f"synthetic config teams[{i}] must be a name or "
                              f"{{name: ..., weight: ...}}, not {item!r}")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"synthetic config teams[{i}].name must be a non-empty text")
        teams.append((name.strip(), weight))
    names = [n for n, _ in teams]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"synthetic config teams: duplicate team name(s) {', '.join(dupes)}")
    if sum(w for _, w in teams) <= 0:
        raise ConfigError("synthetic config teams: weights must not all be zero")
    return tuple(teams)
