"""Published comparators: DfE's national, regional and local-authority figures, tidied.

An authority's rate means little alone: leaders and Ofsted ask how it compares with England, the
region and the authority's **statistical neighbours** (DfE's ten most similar authorities). DfE
publishes those figures in its explore-education-statistics CSVs; copies are in
``../shared/data/reference/`` (README and SOURCES there). This module reads them into one tidy
table, so the report pack's Benchmarks page, and later regional comparison, never parse DfE
layouts themselves.

Measures read (the arpkit stage and basis each matches, docs/metrics.md):

=========================  ================================================  ==================
measure                    DfE file and column                               rate
=========================  ================================================  ==================
``cin_at_31_march``        CIN ``b1``: ``At31_episodes``                     computed (below)
``referral_in_year``       CIN ``c1``: ``referral_child_count``              computed (below)
``cp_plan_at_31_march``    CIN ``d1``: ``CPP_At31`` / ``CPP_At31_rate``      published
``cp_plan_in_year``        CIN ``d1``: ``CPP_child_start`` / ``_rate``       published
``cla_at_31_march``        CLA: "Children looked after at|on 31 March"        published
``cla_in_year``            CLA: "Children starting to be looked after"        published
=========================  ================================================  ==================

Where DfE's file gives no rate, it is computed as 10,000 × number / the ONS mid-year estimate of
children aged 0–17 of the year before the collection year ends (mid-2024 for 2024-25), the
estimate DfE's own CLA release uses (the 2025 CLA file's England population, 12,183,016, is the
ONS mid-2024 figure); ``rate_source`` says which.  Published numbers are rounded to the nearest
10 by DfE, so computed rates carry that rounding.

Symbols (DfE data guidance; GSS): ``c`` suppressed, ``k`` rounds to zero, ``u`` low
reliability, ``x`` not available, ``z`` not applicable. A symbol leaves ``number`` or
``rate_per_10k`` blank and is kept in ``symbol`` so a report can show it.  When the same
period is in two releases, the newer release wins (DfE revises earlier years).

Statistical neighbours come from DfE's April 2021 groupings, keyed by the old three-digit LA
number (the CIN census ``LEA``, arpkit's ``la_code``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from arpkit.engine.errors import InputError, Problem

#: Columns of :func:`published_figures`, in order.
COLUMNS: tuple[str, ...] = (
    "measure", "period", "geographic_level", "area_code", "old_la_code", "area_name",
    "region_code", "region_name", "number", "population", "rate_per_10k", "symbol",
    "rate_source", "release", "source_file",
)
#: Geographic levels, as the tidy table names them.
LEVELS: dict[str, str] = {"National": "national", "Regional": "regional",
                          "Local authority": "local_authority"}
#: Measures read, with the arpkit (stage, basis) they compare with.
MEASURES: dict[str, tuple[str, str]] = {
    "cin_at_31_march": ("cin", "at_31_march"),
    "referral_in_year": ("referral", "in_year"),
    "cp_plan_at_31_march": ("cp_plan", "at_31_march"),
    "cp_plan_in_year": ("cp_plan", "in_year"),
    "cla_at_31_march": ("cla", "at_31_march"),
    "cla_in_year": ("cla", "in_year"),
}
#: Symbols DfE writes in place of a number (``:`` is DfE's older "not available").
SYMBOLS: frozenset[str] = frozenset({"c", "k", "u", "x", "z", ":", "low"})

_GEO = ("time_period", "geographic_level", "country_code", "country_name", "region_code",
        "region_name", "old_la_code", "new_la_code", "la_name")
_CLA_TYPES = {
    "children looked after at 31 march each year": "cla_at_31_march",
    "children looked after on 31 march each year": "cla_at_31_march",
    "children starting to be looked after each year": "cla_in_year",
}
_RELEASE = re.compile(r"release_(\d{4})")


def _read(path: Path, required: Iterable[str]) -> pd.DataFrame:
    """A DfE CSV as text (BOM tolerated), after checking it has the columns needed."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except OSError as exc:
        raise InputError([Problem(str(path), "", "", None, f"cannot read the file: {exc}")]
                         ) from exc
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError([Problem(str(path), "row 1 (header)", c, None,
                                  "column missing: is this the DfE file named in "
                                  "reference/SOURCES.csv?") for c in missing])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [c.strip() for c in frame.columns]
    return frame


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> tuple[np.ndarray, pd.Series]:
    """A numeric column and the symbol (if any) of each row; anything else is an error naming
    the file, row and field."""
    text = frame[column].str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text, errors="coerce")
    symbol = text.where(values.isna() & (text != ""), None)
    bad = symbol.notna() & ~symbol.str.lower().isin(SYMBOLS)
    if bad.any():
        problems = [Problem(str(path), f"row {int(i) + 2}", column, str(text.loc[i]),
                            "expected a number or a DfE symbol (c, k, u, x, z)")
                    for i in bad[bad].index[:20]]
        raise InputError(problems)
    symbol = symbol.where(symbol.isna(), symbol.str.lower())
    return values.to_numpy(float), symbol


def _release(path: Path) -> int:
    found = _RELEASE.search(str(path.parent))
    return int(found.group(1)) if found else 0


def _geo(frame: pd.DataFrame) -> pd.DataFrame:
    level = frame["geographic_level"].map(LEVELS)
    code = np.where(level == "national", frame["country_code"],
                    np.where(level == "regional", frame["region_code"], frame["new_la_code"]))
    name = np.where(level == "national", frame["country_name"],
                    np.where(level == "regional", frame["region_name"], frame["la_name"]))
    return pd.DataFrame({
        "period": pd.to_numeric(frame["time_period"], errors="coerce").astype("Int64"),
        "geographic_level": level, "area_code": code,
        "old_la_code": frame["old_la_code"].replace("", None), "area_name": name,
        "region_code": frame["region_code"].replace("", None),
        "region_name": frame["region_name"].replace("", None)})


def _tidy(frame: pd.DataFrame, path: Path, measure: str | pd.Series, number_col: str,
          rate_col: str | None) -> pd.DataFrame:
    out = _geo(frame)
    out.insert(0, "measure", measure)
    number, nsym = _numbers(frame, number_col, path)
    out["number"] = number
    if rate_col:
        rate, rsym = _numbers(frame, rate_col, path)
        out["rate_per_10k"] = rate
        out["rate_source"] = "published"
        out["symbol"] = nsym.fillna(rsym)
    else:
        out["rate_per_10k"] = np.nan
        out["rate_source"] = "computed"
        out["symbol"] = nsym
    out["population"] = np.nan
    out["release"] = _release(path)
    out["source_file"] = path.name
    return out[out["geographic_level"].notna()]


def read_cla(path: Path) -> pd.DataFrame:
    """DfE CLA "number and rate per 10,000 children" (2022 and 2025 layouts)."""
    with path.open(encoding="utf-8-sig") as fh:
        header = fh.readline()
    type_col = "population_type" if "population_type" in header else "population_count"
    count_col = "children_count" if "children_count" in header else "number"
    frame = _read(path, (*_GEO, type_col, count_col, "rate_per_10000", "population_estimate"))
    measure = frame[type_col].str.strip().str.lower().map(_CLA_TYPES)
    keep = measure.notna()
    frame = frame[keep]  # the index keeps each row's place in the file, for error messages
    out = _tidy(frame, path, measure[keep], count_col, "rate_per_10000")
    pop, _ = _numbers(frame, "population_estimate", path)
    out["population"] = pop
    return out


def read_cpp(path: Path) -> pd.DataFrame:
    """DfE CIN ``d1``: children on a child protection plan at 31 March and starting one."""
    frame = _read(path, (*_GEO, "CPP_At31", "CPP_At31_rate", "CPP_child_start",
                         "CPP_child_start_rate"))
    return pd.concat([_tidy(frame, path, "cp_plan_at_31_march", "CPP_At31", "CPP_At31_rate"),
                      _tidy(frame, path, "cp_plan_in_year", "CPP_child_start",
                            "CPP_child_start_rate")], ignore_index=True)


def read_cin(path: Path) -> pd.DataFrame:
    """DfE CIN ``b1``: children in need at 31 March (open episodes)."""
    frame = _read(path, (*_GEO, "At31_episodes"))
    return _tidy(frame, path, "cin_at_31_march", "At31_episodes", None)


def read_referrals(path: Path) -> pd.DataFrame:
    """DfE CIN ``c1``: children referred in the year."""
    frame = _read(path, (*_GEO, "referral_child_count"))
    return _tidy(frame, path, "referral_in_year", "referral_child_count", None)


def read_population(path: Path) -> pd.DataFrame:
    """ONS mid-year estimates of children aged 0–17 in DfE's layout: ``area_code``,
    ``mid_year`` (the ``time_period`` of the file) and ``population``."""
    frame = _read(path, (*_GEO, "population_estimate"))
    geo = _geo(frame)
    pop, _ = _numbers(frame, "population_estimate", path)
    return pd.DataFrame({"area_code": geo["area_code"], "mid_year": geo["period"],
                         "population": pop}).dropna(subset=["population"])


_FILES = (
    ("dfe_cla/*/cla_number_and_rate_per_10k_children.csv", read_cla),
    ("dfe_cin/*/d1_child_protection_plans_*.csv", read_cpp),
    ("dfe_cin/*/b1_children_in_need_*.csv", read_cin),
    ("dfe_cin/*/c1_children_in_need_referrals_*.csv", read_referrals),
)


def published_figures(reference_dir: str | Path) -> pd.DataFrame:
    """Every DfE figure in ``reference_dir`` (the layout of ``shared/data/reference``), as
    one tidy table with the columns :data:`COLUMNS`.

    A file that is absent is skipped (a deployment may load only some); a file that is present
    but malformed raises :class:`~arpkit.engine.errors.InputError` naming file, row and field.
    """
    root = Path(reference_dir)
    if not root.is_dir():
        raise InputError([Problem(str(root), "", "", None, "reference folder not found")])
    parts = [reader(path) for pattern, reader in _FILES for path in sorted(root.glob(pattern))]
    if not parts:
        return pd.DataFrame(columns=list(COLUMNS))
    out = pd.concat(parts, ignore_index=True)
    # The newest release wins for a period present in two.
    out = out.sort_values("release", ascending=False).drop_duplicates(
        ["measure", "period", "geographic_level", "area_code"], keep="first")
    pops = sorted(root.glob("ons/ons_mid-year_population_estimates_*.csv"))
    if pops:
        out = _computed_rates(out, read_population(pops[-1]))
    level_order = {v: i for i, v in enumerate(LEVELS.values())}
    out = out.assign(_l=out["geographic_level"].map(level_order)).sort_values(
        ["measure", "period", "_l", "area_code"]).drop(columns="_l")
    return out[list(COLUMNS)].reset_index(drop=True)


def _computed_rates(figures: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """Rates for measures DfE's file gives as numbers only (module docstring)."""
    need = figures["rate_source"] == "computed"
    key = pd.DataFrame({"area_code": figures["area_code"],
                        "mid_year": figures["period"] - 1})
    merged = key.merge(population.drop_duplicates(["area_code", "mid_year"]),
                       on=["area_code", "mid_year"], how="left")
    pop = merged["population"].to_numpy(float)
    figures = figures.copy()
    figures.loc[need, "population"] = pop[need.to_numpy()]
    rate = 10_000 * figures["number"] / figures["population"]
    figures.loc[need, "rate_per_10k"] = rate[need]
    return figures


def statistical_neighbours(path: str | Path) -> pd.DataFrame:
    """DfE's statistical neighbour groupings: one row per LA and neighbour, columns
    ``la_number``, ``la_name``, ``rank`` (1 = closest), ``neighbour``, ``closeness``.

    The DfE file repeats the header ``SNP`` for every closeness column and ends each row with a
    comma; columns are therefore read by position after ``SN1``.  Below a row labelled
    ``Old SNs:`` it lists authorities before boundary changes (Dorset, Poole, Bournemouth,
    Northamptonshire): those rows have ``current`` false.
    """
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError([Problem(str(path), "", "", None, "the file is empty")])
    header = [h.strip() for h in rows[0]]
    if "SN1" not in header or "LA num" not in header:
        raise InputError([Problem(str(path), "row 1 (header)", "SN1", None,
                                  "not DfE's statistical neighbour file (no LA num/SN1)")])
    first, name_at, num_at = header.index("SN1"), header.index("LA Name"), header.index("LA num")
    out = []
    current = True
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        la = row[num_at].strip()
        if not la and row[name_at].strip().lower().startswith("old sn"):
            current = False
            continue
        if not la.isdigit():
            raise InputError([Problem(str(path), f"row {line}", "LA num", la,
                                      "expected a three-digit LA number")])
        for rank in range(10):
            at = first + 2 * rank
            if at + 1 >= len(row) or not row[at].strip():
                break
            out.append({"la_number": la, "la_name": row[name_at].strip(), "rank": rank + 1,
                        "neighbour": row[at].strip(), "closeness": row[at + 1].strip(),
                        "current": current})
    return pd.DataFrame(out, columns=["la_number", "la_name", "rank", "neighbour",
                                      "closeness", "current"])


def comparators(figures: pd.DataFrame, la_code: str | None, *,
                neighbours: pd.DataFrame | None = None,
                measures: Sequence[str] | None = None) -> pd.DataFrame:
    """England, the authority's region and its statistical neighbours, for one authority.

    ``la_code`` is the old three-digit LA number (arpkit's ``la_code``); ``None`` or a code
    DfE does not publish (the synthetic ``999``) gives England only. Columns: ``measure``,
    ``period``, ``area``, ``area_kind`` (``england``, ``region``, ``neighbours``,
    ``published_authority``), ``area_code``, ``number``, ``rate_per_10k``, ``symbol``,
    ``rate_source``.  Statistical neighbours are listed one by one, in rank order.
    """
    figs = figures if measures is None else figures[figures["measure"].isin(measures)]
    parts = [figs[figs["geographic_level"] == "national"].assign(area_kind="england")]
    own = figs[(figs["geographic_level"] == "local_authority")
               & (figs["old_la_code"] == str(la_code))] if la_code else figs.iloc[0:0]
    if len(own):
        parts.append(own.assign(area_kind="published_authority"))
        region = own["region_code"].dropna()
        if len(region):
            parts.append(figs[(figs["geographic_level"] == "regional")
                              & (figs["region_code"] == region.iloc[0])].assign(
                area_kind="region"))
    if la_code and neighbours is not None and len(neighbours):
        mine = neighbours[neighbours["la_number"] == str(la_code)]
        if "current" in mine and mine["current"].any():
            mine = mine[mine["current"]]
        mine = mine.sort_values("rank")
        rank = {n: r for n, r in zip(mine["neighbour"], mine["rank"], strict=True)}
        near = figs[(figs["geographic_level"] == "local_authority")
                    & figs["old_la_code"].isin(list(rank))]
        parts.append(near.assign(area_kind="neighbours",
                                 _r=near["old_la_code"].map(rank)).sort_values("_r")
                     .drop(columns="_r"))
    out = pd.concat(parts, ignore_index=True)
    out = out.assign(area=out["area_name"])
    return out[["measure", "period", "area", "area_kind", "area_code", "number",
                "rate_per_10k", "symbol", "rate_source"]].reset_index(drop=True)
