"""Synthetic HR extracts with known, injected relative likelihoods.

Why: the workforce indicators (``arpkit.engine.workforce``) must be shown to recover what was
put in.  This writes an invented children's-services workforce as the CSV files of an HR extract
set plus the YAML mapping that reads them (``hr.yml``), seeded and reproducible, with the
relative likelihoods of methods.md §2.1 injected at the person level:

* per application: shortlisted, then appointed from shortlisting with probability p (White) and
  p / RL (minority): RL = White ÷ minority, as the engine orients a beneficial outcome;
* per member of staff in post during a year: entering a formal disciplinary process (p, p·RL),
  a formal case's outcome (dismissal p, p·RL), attending non-mandatory training (p, p/RL),
  raising a grievance and having it upheld (p, p/RL);
* per member of staff in post on 1 April: leaving during the year (p, p·RL);
* grades: minority staff are drawn from a distribution shifted towards the lower grades
  (``grade_shift``), so ``grade_or_above`` RLs exceed 1; :attr:`HRSynthResult.truth` has the
  expected values.

Every name, id and date is invented.  Columns an HR report would also hold (names, dates of birth,
free-text notes) are written too, so tests can prove they never reach the warehouse.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from arpkit.engine.staff_ethnicity import GOVUK_HEADINGS, STAFF_CATEGORIES

#: Injected relative likelihoods (oriented: > 1 adverse to minority staff).
DEFAULT_RL: dict[str, float] = {
    "appointment_from_shortlisting": 1.6,
    "formal_disciplinary": 1.8,
    "disciplinary_outcome:dismissal": 1.5,
    "non_mandatory_training": 1.25,
    "leaving": 1.3,
    "grievance_upheld": 1.4,
}
#: Base (White) probabilities of each event.
BASE_P: dict[str, float] = {
    "shortlisted": 0.35,
    "appointment_from_shortlisting": 0.35,
    "formal_disciplinary": 0.03,
    "disciplinary_outcome:dismissal": 0.15,
    "informal_disciplinary": 0.03,
    "non_mandatory_training": 0.55,
    "leaving": 0.12,
    "grievance_raised": 0.04,
    "grievance_upheld": 0.45,
}
GRADES: tuple[str, ...] = ("SC1", "SC2", "SC3", "SC4", "SC5", "SC6")
_GRADE_P = np.array([0.22, 0.26, 0.22, 0.15, 0.10, 0.05])
TEAMS: tuple[str, ...] = tuple(f"Team {c}" for c in "ABCDEFGHIJ")
ROLES: tuple[str, ...] = ("Social Worker", "Senior Practitioner", "Family Support Worker",
                          "Team Manager", "Business Support")
#: Workforce shares by GOV.UK id (roughly an English urban authority) and unknowns.
SHARES: dict[str, float] = {
    "english_welsh_scottish_ni_british": 0.56, "irish": 0.02, "gypsy_or_irish_traveller": 0.002,
    "roma": 0.003, "any_other_white_background": 0.055,
    "white_and_black_caribbean": 0.015, "white_and_black_african": 0.01,
    "white_and_asian": 0.01, "any_other_mixed_background": 0.01,
    "indian": 0.035, "pakistani": 0.03, "bangladeshi": 0.015, "chinese": 0.005,
    "any_other_asian_background": 0.01,
    "caribbean": 0.05, "african": 0.08, "any_other_black_background": 0.01,
    "arab": 0.005, "any_other_ethnic_group": 0.015,
    "prefer_not_to_say": 0.03, "not_recorded": 0.03,
}
OUTCOMES = ("no_case_to_answer", "management_advice", "written_warning",
            "final_written_warning")
OUTCOME_LABELS = {"no_case_to_answer": "No Case to Answer", "management_advice":
                  "Management Advice", "written_warning": "Written Warning",
                  "final_written_warning": "Final Written Warning", "dismissal": "Dismissal"}

MAPPING = """\
# arpkit HR extract mapping for the synthetic extract written by arpkit.synth.workforce.
# Every key is explained in docs/workforce.md.  Columns not named here (names, dates of birth,
# notes) are never read.
version: 1
system: Synthetic HR system (arpkit synth-hr)
date_format: "%d/%m/%Y"
grades: [SC1, SC2, SC3, SC4, SC5, SC6]     # lowest first

staff:
  file: staff.csv
  id: Employee No
  ethnicity: Ethnic Origin          # GOV.UK wording; blank = not recorded
  grade: Grade
  team: Team
  role: Job Title
  start_date: Start Date
  leave_date: Leaving Date

recruitment:
  file: recruitment.csv
  id: Candidate Ref
  vacancy: Vacancy Ref
  ethnicity: Ethnicity
  date: Closing Date
  team: Team
  shortlisted:
    column: Shortlisted
    values: {"Yes": true, "No": false}
  appointed:
    column: Offer Made
    values: {"Yes": true, "No": false}

disciplinary:
  file: disciplinary.csv
  id: Employee No
  date: Date Opened
  formal:
    column: Case Type
    values: {Formal: true, Informal: false}
  stage:
    column: Stage Reached
    values: {Investigation: investigation, Hearing: hearing, Appeal: appeal}
  outcome:
    column: Outcome
    values:
      No Case to Answer: no_case_to_answer
      Management Advice: management_advice
      Written Warning: written_warning
      Final Written Warning: final_written_warning
      Dismissal: dismissal
      Open: ongoing

grievances:
  file: grievances.csv
  id: Employee No
  date: Date Raised
  outcome:
    column: Outcome
    values: {Upheld: upheld, Partially Upheld: partially_upheld, Not Upheld: not_upheld,
             Withdrawn: withdrawn, Open: ongoing}

training:
  file: training.csv
  id: Employee No
  date: Course Date
  mandatory:
    column: Course Type
    values: {Mandatory: true, Development: false}

population:
  file: population.csv
  source: "Synthetic residents aged 16-64 (invented)"
  ethnicity: Ethnic group
  population: Residents
"""


@dataclass
class HRSynthResult:
    out_dir: Path
    mapping: Path
    files: dict[str, Path] = field(default_factory=dict)
    #: Injected (expected) relative likelihoods, oriented as the engine reports them.
    truth: dict[str, float] = field(default_factory=dict)


def _label(cat: str, rng: np.random.Generator) -> str:
    """The Ethnic Origin cell: GOV.UK wording with its heading, sometimes without."""
    info = STAFF_CATEGORIES[cat]
    if cat == "not_recorded":
        return ""
    if cat == "prefer_not_to_say" or rng.random() < 0.3:
        return info.label
    return f"{GOVUK_HEADINGS[info.group]}: {info.label}"


def _date(rng: np.random.Generator, start: dt.date, end: dt.date) -> dt.date:
    days = (end - start).days
    return start + dt.timedelta(days=int(rng.integers(0, max(days, 0) + 1)))


def _fmt(d: dt.date | None) -> str:
    return d.strftime("%d/%m/%Y") if d else ""


def generate_hr(out_dir: Path | str, *, staff: int = 1500, seed: int = 1,
                periods: tuple[int, ...] = (2024, 2025),
                relative_likelihoods: Mapping[str, float] | None = None,
                grade_shift: float = 0.6) -> HRSynthResult:
    """Write a synthetic HR extract set to ``out_dir`` (``staff`` people in post at the start
    of the first period) and return the injected truth.

    ``relative_likelihoods`` overrides :data:`DEFAULT_RL` per indicator.  ``grade_shift`` tilts
    minority staff towards lower grades (0: no gap).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    rl = {**DEFAULT_RL, **(relative_likelihoods or {})}
    cats = list(SHARES)
    probs = np.array(list(SHARES.values()))
    probs = probs / probs.sum()
    minority_grade_p = _GRADE_P * np.exp(-grade_shift * np.arange(len(GRADES)))
    minority_grade_p /= minority_grade_p.sum()

    def is_minority(cat: str) -> bool | None:
        g = STAFF_CATEGORIES[cat].group
        return None if g in ("REFUSED", "NOT_OBTAINED") else g != "WHITE"

    def p_for(name: str, cat: str, beneficial: bool) -> float:
        m = is_minority(cat)
        base = BASE_P[name]
        if not m:
            return base
        return base / rl[name] if beneficial else min(1.0, base * rl[name])

    def grade_for(cat: str) -> str:
        p = minority_grade_p if is_minority(cat) else _GRADE_P
        return GRADES[int(rng.choice(len(GRADES), p=p))]

    people: list[dict] = []
    next_id = [100000]

    def new_person(cat: str, start: dt.date) -> dict:
        next_id[0] += int(rng.integers(1, 4))
        person = {"id": str(next_id[0]), "cat": cat, "label": _label(cat, rng),
                  "grade": grade_for(cat), "team": TEAMS[int(rng.integers(len(TEAMS)))],
                  "role": ROLES[int(rng.integers(len(ROLES)))], "start": start, "leave": None,
                  "name": f"Person {next_id[0]}",
                  "dob": dt.date(1960, 1, 1) + dt.timedelta(days=int(rng.integers(0, 14000)))}
        people.append(person)
        return person

    first_start = dt.date(periods[0] - 1, 4, 1)
    for cat in rng.choice(cats, size=staff, p=probs):
        new_person(str(cat), _date(rng, dt.date(2005, 1, 1), first_start - dt.timedelta(1)))

    apps, discs, griefs, trains = [], [], [], []
    vacancy = 0
    for period in periods:
        start, end = dt.date(period - 1, 4, 1), dt.date(period, 3, 31)
        at_start = [p for p in people if p["start"] <= start and p["leave"] is None]
        for p in at_start:
            if rng.random() < p_for("leaving", p["cat"], False):
                p["leave"] = _date(rng, start, end)
        # Recruitment: a few applicants per leaver; appointees join the staff.
        leavers = sum(1 for p in at_start if p["leave"] is not None)
        for _ in range(leavers):
            vacancy += 1
            closing = _date(rng, start, end - dt.timedelta(60))
            team = TEAMS[int(rng.integers(len(TEAMS)))]
            for _a in range(int(rng.integers(4, 12))):
                cat = str(rng.choice(cats, p=probs))
                short = rng.random() < BASE_P["shortlisted"]
                appointed = bool(short and rng.random() < p_for(
                    "appointment_from_shortlisting", cat, True))
                cand = f"C{int(rng.integers(1, 10**7)):07d}"
                apps.append([cand, f"V{period}-{vacancy:04d}", _label(cat, rng), _fmt(closing),
                             team, "Yes" if short else "No", "Yes" if appointed else "No",
                             f"Candidate {cand}"])
                if appointed:
                    joined = new_person(cat, closing + dt.timedelta(int(rng.integers(20, 60))))
                    joined["team"] = team
        in_year = [p for p in people if p["start"] <= end and
                   (p["leave"] is None or p["leave"] >= start)]
        for p in in_year:
            lo = max(start, p["start"])
            hi = min(end, p["leave"]) if p["leave"] else end
            if rng.random() < p_for("formal_disciplinary", p["cat"], False):
                dismissed = rng.random() < p_for("disciplinary_outcome:dismissal", p["cat"],
                                                 False)
                outcome = "dismissal" if dismissed else OUTCOMES[int(rng.integers(len(OUTCOMES)))]
                discs.append([p["id"], _fmt(_date(rng, lo, hi)), "Formal",
                              "Hearing" if outcome != "no_case_to_answer" else "Investigation",
                              OUTCOME_LABELS[outcome], "invented case notes"])
            if rng.random() < BASE_P["informal_disciplinary"]:
                discs.append([p["id"], _fmt(_date(rng, lo, hi)), "Informal", "", "Open",
                              "invented case notes"])
            if rng.random() < BASE_P["grievance_raised"]:
                up = rng.random() < p_for("grievance_upheld", p["cat"], True)
                griefs.append([p["id"], _fmt(_date(rng, lo, hi)),
                               "Upheld" if up else "Not Upheld"])
            trains.append([p["id"], _fmt(_date(rng, lo, hi)), "Mandatory", "Safeguarding"])
            if rng.random() < p_for("non_mandatory_training", p["cat"], True):
                for _t in range(int(rng.integers(1, 3))):
                    trains.append([p["id"], _fmt(_date(rng, lo, hi)), "Development",
                                   "Leadership course"])

    files = {
        "staff": _write(out / "staff.csv",
                        ["Employee No", "Full Name", "Date of Birth", "Ethnic Origin", "Grade",
                         "Team", "Job Title", "Start Date", "Leaving Date"],
                        [[p["id"], p["name"], _fmt(p["dob"]), p["label"], p["grade"], p["team"],
                          p["role"], _fmt(p["start"]), _fmt(p["leave"])] for p in people]),
        "recruitment": _write(out / "recruitment.csv",
                              ["Candidate Ref", "Vacancy Ref", "Ethnicity", "Closing Date", "Team",
                               "Shortlisted", "Offer Made", "Candidate Name"], apps),
        "disciplinary": _write(out / "disciplinary.csv",
                               ["Employee No", "Date Opened", "Case Type", "Stage Reached",
                                "Outcome", "Notes"], discs),
        "grievances": _write(out / "grievances.csv", ["Employee No", "Date Raised", "Outcome"],
                             griefs),
        "training": _write(out / "training.csv",
                           ["Employee No", "Course Date", "Course Type", "Course"], trains),
        "population": _write(out / "population.csv", ["Ethnic group", "Residents"],
                             [[GOVUK_HEADINGS[g], str(int(n))] for g, n in (
                                 ("WHITE", 520000), ("MIXED", 30000), ("ASIAN", 90000),
                                 ("BLACK", 80000), ("OTHER", 20000))]),
    }
    mapping = out / "hr.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    truth = dict(rl)
    for i in range(1, len(GRADES)):
        truth[f"grade_or_above:{GRADES[i]}"] = float(_GRADE_P[i:].sum() /
                                                     minority_grade_p[i:].sum())
    return HRSynthResult(out, mapping, files, truth)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path
