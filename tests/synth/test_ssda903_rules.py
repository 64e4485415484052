"""The synthetic SSDA903 tables satisfy a documented subset of the 903 validator's structural
rules (codes and wording from ../shared/data/ssda903/rules/903_2024_25_rule_info.csv), so the
engine and the benchmarks are fed returns an authority could submit.

Rules checked (each implemented below, independently of the generator):

* 101 sex code valid for the year; 102 DOB a valid date; 103 ethnicity code valid;
* 141 / 147 DECOM and DEC valid dates; 143 RNE, 144 LS, 145 CIN, 146 PLACE, 149 REC and
  178 PLACE_PROVIDER valid codes for the year (code lists from the LIIA schema for the year:
  ../shared/data/ssda903/schema, base 2017 plus every diff up to the year);
* 148 DEC and REC both given or both blank;
* 142 / 501 at most one open episode per child, and it is the last; episodes do not overlap;
* 302 the first episode does not start before the child was born;
* 352 a child starting to be looked after (RNE S) is under 18;
* 354 / 385 DECOM and DEC on or before 31 March of the year;
* 355 / 356 an episode ends after the day it started;
* 357 a child's first episode in the return is RNE S unless it began before the year;
* 388 / 433 REC X1 is followed by an episode starting the same day, and an episode that is
  not RNE S starts the day the previous one ended;
* 431 / 432 RNE S never follows an X1 the same day; after any other REC the next is RNE S;
* 361 / 362 police protection at most 3 days, emergency protection order at most 21;
* 358 / 371 / 372 J* legal statuses and R5 only from age 10, K3 only from 16;
* 378 no placement with parents (P1) under a single period of accommodation (V2);
* 434 / 435 RNE L keeps the placement; RNE P keeps the legal status and changes placement;
* 527-531 / 550 placement provider compatible with the placement type;
* INT03 every child in Episodes is in Header; INT09 every UASC child is in Header;
  INT18 / INT21 UASC DOB and SEX equal Header's; INT32 / INT36 one row per child;
* 304 UASC status ceases on or before the 18th birthday.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from arpkit.engine.ethnicity import DFE_CODES
from tests.synth.readback import read_csv

Tables = dict[str, list[dict[str, str]]]
RULES: dict[str, Callable[[Tables, int, dict], list]] = {}


def rule(code: str):
    def register(fn):
        RULES[code] = fn
        return fn
    return register


def liia_codes(shared_data: Path, period: int) -> dict[tuple[str, str], set[str]]:
    """Code lists per (table, column) for a return year, from LIIA's schema and its diffs."""
    folder = shared_data / "ssda903" / "schema"
    base = yaml.safe_load((folder / "SSDA903_schema_2017.yml").read_text())["column_map"]
    lists: dict[tuple[str, str], set[str]] = {}
    for table, columns in base.items():
        for column, spec in columns.items():
            if isinstance(spec, dict) and "category" in spec:
                lists[(table, column)] = {str(c["code"]) for c in spec["category"]}
    for year in range(2018, period + 1):
        diff = folder / f"SSDA903_schema_{year}.diff.yml"
        if not diff.exists():
            continue
        for key, change in yaml.safe_load(diff.read_text()).items():
            parts = key.split(".")
            if len(parts) == 4 and parts[3] == "category" and change.get("type") == "modify":
                lists[(parts[1], parts[2])] = {str(c["code"]) for c in change["value"]}
    return lists


def _d(text: str) -> dt.date | None:
    if not text:
        return None
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def _age(dob: dt.date, day: dt.date) -> int:
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def _by_child(tables: Tables) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for ep in tables["episodes"]:
        out[ep["CHILD"]].append(ep)
    for eps in out.values():
        eps.sort(key=lambda e: _d(e["DECOM"]))
    return out


def _dob(tables: Tables) -> dict[str, dt.date]:
    return {h["CHILD"]: _d(h["DOB"]) for h in tables["header"]}


def _valid_date(text: str) -> bool:
    try:
        _d(text)
    except ValueError:
        return False
    return True


@rule("101")
def sex_code_valid(t: Tables, period: int, codes: dict) -> list:
    return [h["CHILD"] for h in t["header"] if h["SEX"] not in codes[("header", "SEX")]]


@rule("102")
def dob_valid(t: Tables, period: int, codes: dict) -> list:
    return [h["CHILD"] for h in t["header"] if not h["DOB"] or not _valid_date(h["DOB"])]


@rule("103")
def ethnicity_valid(t: Tables, period: int, codes: dict) -> list:
    return [h["CHILD"] for h in t["header"] if h["ETHNIC"] not in DFE_CODES]


@rule("141/147")
def episode_dates_valid(t: Tables, period: int, codes: dict) -> list:
    return [e["CHILD"] for e in t["episodes"]
            if not _valid_date(e["DECOM"]) or not e["DECOM"] or not _valid_date(e["DEC"])]


@rule("143-149,178")
def episode_codes_valid_for_year(t: Tables, period: int, codes: dict) -> list:
    bad = []
    for e in t["episodes"]:
        for col in ("RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "REC", "REASON_PLACE_CHANGE"):
            allowed = codes[("episodes", col)]
            if e[col] and e[col] not in allowed:
                bad.append((e["CHILD"], col, e[col]))
        if not e["PLACE_PROVIDER"]:
            bad.append((e["CHILD"], "PLACE_PROVIDER", "blank"))
    return bad


@rule("148")
def dec_and_rec_together(t: Tables, period: int, codes: dict) -> list:
    return [e["CHILD"] for e in t["episodes"] if bool(e["DEC"]) != bool(e["REC"])]


@rule("142/501")
def one_open_episode_and_no_overlap(t: Tables, period: int, codes: dict) -> list:
    bad = []
    for child, eps in _by_child(t).items():
        for prev, nxt in itertools.pairwise(eps):
            if not prev["DEC"] or _d(nxt["DECOM"]) < _d(prev["DEC"]):
                bad.append(child)
    return bad


@rule("302")
def first_episode_after_birth(t: Tables, period: int, codes: dict) -> list:
    dob = _dob(t)
    return [c for c, eps in _by_child(t).items() if _d(eps[0]["DECOM"]) < dob[c]]


@rule("352")
def started_under_18(t: Tables, period: int, codes: dict) -> list:
    dob = _dob(t)
    return [e["CHILD"] for e in t["episodes"]
            if e["RNE"] == "S" and _age(dob[e["CHILD"]], _d(e["DECOM"])) >= 18]


@rule("354/385")
def nothing_after_31_march(t: Tables, period: int, codes: dict) -> list:
    end = dt.date(period, 3, 31)
    return [e["CHILD"] for e in t["episodes"]
            if _d(e["DECOM"]) > end or (e["DEC"] and _d(e["DEC"]) > end)]


@rule("355/356")
def episodes_last_at_least_a_day(t: Tables, period: int, codes: dict) -> list:
    return [e["CHILD"] for e in t["episodes"] if e["DEC"] and _d(e["DEC"]) <= _d(e["DECOM"])]


@rule("357")
def first_episode_starts_a_period(t: Tables, period: int, codes: dict) -> list:
    start = dt.date(period - 1, 4, 1)
    return [c for c, eps in _by_child(t).items()
            if eps[0]["RNE"] != "S" and _d(eps[0]["DECOM"]) >= start]


@rule("388/433")
def x1_chains_to_a_same_day_decom(t: Tables, period: int, codes: dict) -> list:
    bad = []
    for child, eps in _by_child(t).items():
        for prev, nxt in itertools.pairwise(eps):
            if nxt["RNE"] != "S" and (prev["REC"] != "X1" or prev["DEC"] != nxt["DECOM"]):
                bad.append(child)
        if eps[-1]["REC"] == "X1":
            bad.append(child)
    return bad


@rule("431/432")
def new_periods_follow_a_real_ending(t: Tables, period: int, codes: dict) -> list:
    bad = []
    for child, eps in _by_child(t).items():
        for prev, nxt in itertools.pairwise(eps):
            if nxt["RNE"] == "S" and prev["REC"] == "X1":
                bad.append(child)
            if prev["REC"] not in ("X1", "") and nxt["RNE"] != "S":
                bad.append(child)
    return bad


@rule("361/362")
def emergency_statuses_are_short(t: Tables, period: int, codes: dict) -> list:
    limit = {"L1": 3, "L2": 21}
    end = dt.date(period, 3, 31)  # an open episode has lasted until 31 March so far
    return [e["CHILD"] for e in t["episodes"] if e["LS"] in limit
            and ((_d(e["DEC"]) or end) - _d(e["DECOM"])).days > limit[e["LS"]]]


@rule("358/371/372")
def ages_fit_legal_status_and_placement(t: Tables, period: int, codes: dict) -> list:
    dob = _dob(t)
    bad = []
    for e in t["episodes"]:
        age = _age(dob[e["CHILD"]], _d(e["DECOM"]))
        if ((e["LS"] in ("J1", "J2", "J3") and age < 10) or (e["PLACE"] == "R5" and age < 10)
                or (e["PLACE"] == "K3" and age < 16)):
            bad.append((e["CHILD"], e["LS"], e["PLACE"], age))
    return bad


@rule("378")
def no_placement_with_parents_under_section_20(t: Tables, period: int, codes: dict) -> list:
    return [e["CHILD"] for e in t["episodes"] if e["PLACE"] == "P1" and e["LS"] == "V2"]


@rule("434/435")
def reason_for_new_episode_matches_the_change(t: Tables, period: int, codes: dict) -> list:
    where = ("PLACE", "PLACE_PROVIDER", "PL_POST", "URN")
    bad = []
    for child, eps in _by_child(t).items():
        for prev, nxt in itertools.pairwise(eps):
            moved = any(prev[c] != nxt[c] for c in where)
            if nxt["RNE"] == "L" and (moved or prev["LS"] == nxt["LS"]):
                bad.append((child, "L"))
            if nxt["RNE"] == "P" and (not moved or prev["LS"] != nxt["LS"]):
                bad.append((child, "P"))
    return bad


@rule("527-531/550")
def provider_fits_placement(t: Tables, period: int, codes: dict) -> list:
    forbidden = {
        "PR1": {"P1", "R2", "R5"}, "PR2": {"P1", "R2", "R5"},
        "PR3": {"P1", "A3", "A4", "A5", "A6", "K1", "K2", "U1", "U2", "U3", "U4", "U5", "U6"},
        "PR4": {"P1"}, "PR5": {"P1"},
    }
    return [e["CHILD"] for e in t["episodes"]
            if e["PLACE"] in forbidden.get(e["PLACE_PROVIDER"], set())
            or (e["PLACE_PROVIDER"] == "PR0" and e["PLACE"] != "P1")]


@rule("INT03/INT09")
def every_child_is_in_header(t: Tables, period: int, codes: dict) -> list:
    header = {h["CHILD"] for h in t["header"]}
    return sorted({r["CHILD"] for r in t["episodes"] + t["uasc"]} - header)


@rule("INT18/INT21")
def uasc_agrees_with_header(t: Tables, period: int, codes: dict) -> list:
    header = {h["CHILD"]: (h["DOB"], h["SEX"]) for h in t["header"]}
    return [u["CHILD"] for u in t["uasc"] if header[u["CHILD"]] != (u["DOB"], u["SEX"])]


@rule("INT32/INT36")
def one_row_per_child(t: Tables, period: int, codes: dict) -> list:
    return [c for table in ("header", "uasc")
            for c, n in Counter(r["CHILD"] for r in t[table]).items() if n > 1]


@rule("304")
def uasc_ceases_by_18(t: Tables, period: int, codes: dict) -> list:
    bad = []
    for u in t["uasc"]:
        dob, duc = _d(u["DOB"]), _d(u["DUC"])
        if duc and (_age(dob, duc) > 18 or (_age(dob, duc) == 18
                                            and (duc.month, duc.day) != (dob.month, dob.day))):
            bad.append(u["CHILD"])
    return bad


@pytest.fixture(scope="module", params=[2024, 2025])
def returned(request, authority_2024, authority_2025, shared_data: Path):
    result = authority_2024 if request.param == 2024 else authority_2025
    folder = result.out_dir / "ssda903"
    tables = {name: read_csv(folder / f"{name}.csv") for name in ("header", "episodes", "uasc")}
    return tables, request.param, liia_codes(shared_data, request.param)


@pytest.mark.parametrize("code", list(RULES))
def test_the_903_tables_break_no_documented_rule(returned, code: str) -> None:
    tables, period, codes = returned
    assert tables["episodes"], "no episodes to check"
    assert RULES[code](tables, period, codes) == []


def test_the_checks_can_fail(authority_2024, shared_data: Path) -> None:
    """A broken copy of the return trips the checks, so the passing tests above mean
    something."""
    folder = authority_2024.out_dir / "ssda903"
    tables = {name: read_csv(folder / f"{name}.csv") for name in ("header", "episodes", "uasc")}
    codes = liia_codes(shared_data, 2024)
    first = tables["episodes"][0]
    first["PLACE"], first["PLACE_PROVIDER"] = "K3", "PR0"  # K3 is not valid before 2025
    first["DEC"], first["REC"] = "", "X1"
    tables["episodes"].append(dict(first))
    assert RULES["143-149,178"](tables, 2024, codes)
    assert RULES["148"](tables, 2024, codes)
    assert RULES["142/501"](tables, 2024, codes)
    assert RULES["527-531/550"](tables, 2024, codes)


def test_sex_is_coded_1_2_before_2025_and_m_f_from_2025(authority_2024, authority_2025) -> None:
    old = {h["SEX"] for h in read_csv(authority_2024.out_dir / "ssda903" / "header.csv")}
    new = {h["SEX"] for h in read_csv(authority_2025.out_dir / "ssda903" / "header.csv")}
    assert old <= {"1", "2"} and old
    assert new <= {"M", "F"} and new


def test_only_children_looked_after_in_the_year_are_in_the_903(authority_2024) -> None:
    header = read_csv(authority_2024.out_dir / "ssda903" / "header.csv")
    assert len(header) == authority_2024.count("cla", kind="during_year")
