"""Independent readers of the synthetic files, for tests only.

They parse the written files with lxml, csv and openpyxl (never with arpkit's readers, which
are being written at the same time) and count children the way docs/synthetic.md defines the
truth, so a test comparing these counts with ``SynthResult`` checks the writers against the
model rather than the model against itself.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from lxml import etree

from arpkit.engine.ethnicity import group_for_code


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _uk(text: str) -> dt.date | None:
    return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None


@dataclass
class CinChild:
    child_id: str
    ethnicity: str
    birth: dt.date
    sex_element: str
    sex: str
    details: list[dict] = field(default_factory=list)


def read_cin(path: Path) -> list[CinChild]:
    children = []
    for _, el in etree.iterparse(str(path), tag="Child"):
        ids = el.find("ChildIdentifiers")
        sex_el = ids.find("Sex")
        if sex_el is None:
            sex_el = ids.find("GenderCurrent")
        child = CinChild(ids.findtext("LAchildID"), el.findtext("ChildCharacteristics/Ethnicity"),
                         _date(ids.findtext("PersonBirthDate")), sex_el.tag, sex_el.text)
        for det in el.findall("CINdetails"):
            child.details.append({
                "referral": _date(det.findtext("CINreferralDate")),
                "closure": _date(det.findtext("CINclosureDate")),
                "reason": det.findtext("ReasonForClosure"),
                "nfa": det.findtext("ReferralNFA"),
                "source": det.findtext("ReferralSource"),
                "assessments": [(_date(a.findtext("AssessmentActualStartDate")),
                                 _date(a.findtext("AssessmentAuthorisationDate")))
                                for a in det.findall("Assessments")],
                "plans": [(_date(p.findtext("CINPlanStartDate")),
                           _date(p.findtext("CINPlanEndDate")))
                          for p in det.findall("CINPlanDates")],
                "s47": [(_date(s.findtext("S47ActualStartDate")),
                         _date(s.findtext("DateOfInitialCPC")), s.findtext("ICPCnotRequired"))
                        for s in det.findall("Section47")],
                "cpp": [(_date(p.findtext("CPPstartDate")), _date(p.findtext("CPPendDate")))
                        for p in det.findall("ChildProtectionPlans")],
            })
        children.append(child)
        el.clear()
    return children


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def read_annex_a(path: Path) -> dict[str, list[dict[str, object]]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        headers = rows[0]
        out[ws.title] = [dict(zip(headers, r, strict=True)) for r in rows[1:]]
    wb.close()
    return out


def in_year(day: dt.date | None, period: int) -> bool:
    return day is not None and dt.date(period - 1, 4, 1) <= day <= dt.date(period, 3, 31)


def count_from_files(out_dir: Path, period: int) -> dict[tuple[str, str], dict[str, int]]:
    """Distinct children per (kind, stage) by top-level group, counted from the files.

    Ethnicity is the census code (the truth's key); for Annex A-only stages (contact, early
    help) the lettered label with its letter removed, so use a config whose Annex A labels are
    all lettered.
    """
    kids: dict[tuple[str, str], set[str]] = defaultdict(set)
    ethnicity: dict[str, str] = {}
    for child in read_cin(out_dir / "cin_census.xml"):
        cid = child.child_id
        ethnicity[cid] = child.ethnicity
        kids[("during_year", "cin")].add(cid)
        for det in child.details:
            if in_year(det["referral"], period):
                kids[("in_year", "referral")].add(cid)
            if det["closure"] is None:
                kids[("open_at_31_march", "cin")].add(cid)
            for start, _ in det["assessments"]:
                if in_year(start, period):
                    kids[("in_year", "assessment")].add(cid)
            for start, icpc, _ in det["s47"]:
                if in_year(start, period):
                    kids[("in_year", "s47")].add(cid)
                if in_year(icpc, period):
                    kids[("in_year", "icpc")].add(cid)
            for start, end in det["cpp"]:
                kids[("during_year", "cp_plan")].add(cid)
                if in_year(start, period):
                    kids[("in_year", "cp_plan")].add(cid)
                if end is None:
                    kids[("open_at_31_march", "cp_plan")].add(cid)
            for start, end in det["plans"]:
                kids[("during_year", "cin_plan")].add(cid)
                if in_year(start, period):
                    kids[("in_year", "cin_plan")].add(cid)
                if end is None:
                    kids[("open_at_31_march", "cin_plan")].add(cid)
    for ep in read_csv(out_dir / "ssda903" / "episodes.csv"):
        cid = ep["CHILD"]
        if ep["LS"] in ("V3", "V4"):
            continue
        kids[("during_year", "cla")].add(cid)
        if ep["RNE"] == "S" and in_year(_uk(ep["DECOM"]), period):
            kids[("in_year", "cla")].add(cid)
        if not ep["DEC"]:
            kids[("open_at_31_march", "cla")].add(cid)
    annex = read_annex_a(out_dir / "annex_a.xlsx")
    for sheet, stage in (("List 1", "contact"), ("List 2", "early_help")):
        for row in annex[sheet]:
            cid = str(row["Child Unique ID"])
            ethnicity.setdefault(cid, str(row["Ethnicity"]).split(") ", 1)[-1])
            kids[("in_year", stage)].add(cid)
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for key, ids in kids.items():
        by_group: dict[str, int] = defaultdict(int)
        for cid in ids:
            by_group[group_for_code(ethnicity[cid])] += 1
        counts[key] = dict(by_group)
    return counts
