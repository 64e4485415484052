"""The synthetic CIN census must be a census an authority could submit: it validates against
the XSD of its collection year and its dates tell a consistent story."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from lxml import etree

from arpkit.synth import generate
from tests.synth.readback import read_annex_a, read_cin


def _schema(shared_data: Path, period: int) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(shared_data / "cin_census" / "xsd"
                                           / f"CIN_schema_{period}.xsd")))


@pytest.mark.parametrize("period", [2018, 2021, 2022, 2024, 2025, 2026])
def test_the_census_validates_against_the_xsd_of_its_collection_year(
        tmp_path: Path, shared_data: Path, period: int) -> None:
    generate(tmp_path, children=800, seed=period, period=period, formats=["cin_census"])
    schema = _schema(shared_data, period)
    ok = schema.validate(etree.parse(str(tmp_path / "cin_census.xml")))
    assert ok, [str(e) for e in list(schema.error_log)[:5]]


def test_a_2024_census_fails_the_2025_schema_because_sex_replaced_gender(
        authority_2024, shared_data: Path) -> None:
    """Guards the year switch: the same writer must not produce one form for every year."""
    doc = etree.parse(str(authority_2024.files["cin_census"]))
    assert not _schema(shared_data, 2025).validate(doc)


def test_sex_is_gendercurrent_to_2024_and_sex_from_2025(authority_2024, authority_2025) -> None:
    old = read_cin(authority_2024.files["cin_census"])
    new = read_cin(authority_2025.files["cin_census"])
    assert {c.sex_element for c in old} == {"GenderCurrent"}
    assert {c.sex for c in old} <= {"1", "2", "0"}
    assert {c.sex_element for c in new} == {"Sex"}
    assert {c.sex for c in new} <= {"M", "F", "U"}


def test_header_names_the_authority_and_31_march(tmp_path: Path) -> None:
    generate(tmp_path, children=300, seed=1, period=2023, la_code="875", formats=["cin_census"])
    root = etree.parse(str(tmp_path / "cin_census.xml")).getroot()
    assert root.findtext("Header/Source/LEA") == "875"
    assert root.findtext("Header/CollectionDetails/ReferenceDate") == "2023-03-31"


def test_early_help_codes_appear_only_from_2023(tmp_path: Path) -> None:
    """Referral source 5D and closure reason RC9 were added to the 2023 schema."""
    cfg = {"outcomes": {"closed_to_early_help": 0.9, "early_help_source": 0.9}}
    seen = {}
    for period in (2022, 2023):
        generate(tmp_path / str(period), children=1500, seed=4, period=period,
                 formats=["cin_census"], config=cfg)
        details = [d for c in read_cin(tmp_path / str(period) / "cin_census.xml")
                   for d in c.details]
        seen[period] = ({d["source"] for d in details}, {d["reason"] for d in details})
    assert "5D" not in seen[2022][0] and "RC9" not in seen[2022][1]
    assert "5D" in seen[2023][0] and "RC9" in seen[2023][1]


def test_dates_follow_the_pathway_and_stay_inside_the_child_s_life_and_the_year(
        authority_2024) -> None:
    """contact <= referral <= assessment start <= s47 <= ICPC = CP plan start, every event after
    birth, nothing after 31 March, closures and plan ends after their starts."""
    year_end = dt.date(2024, 3, 31)
    problems = []
    for child in read_cin(authority_2024.files["cin_census"]):
        for d in child.details:
            events = [d["referral"], d["closure"]]
            for start, auth in d["assessments"]:
                events += [start, auth]
                if start < d["referral"] or (auth and auth < start):
                    problems.append((child.child_id, "assessment", start, auth))
            for s47, icpc, not_required in d["s47"]:
                events += [s47, icpc]
                starts = [a for a, _ in d["assessments"]]
                if starts and s47 < min(starts):
                    problems.append((child.child_id, "s47 before assessment", s47))
                if icpc and icpc < s47:
                    problems.append((child.child_id, "icpc before s47", icpc))
                if (icpc is None) != (not_required == "1"):
                    problems.append((child.child_id, "ICPCnotRequired", not_required))
                if icpc and d["cpp"] and d["cpp"][0][0] != icpc:
                    problems.append((child.child_id, "plan does not start at the ICPC"))
            for start, end in d["cpp"] + d["plans"]:
                events += [start, end]
                if end and end < start:
                    problems.append((child.child_id, "plan ends before it starts", start))
            if d["closure"] and d["closure"] < d["referral"]:
                problems.append((child.child_id, "closed before referral"))
            for day in filter(None, events):
                if day < child.birth or day > year_end:
                    problems.append((child.child_id, "outside life or year", day))
    assert problems == []


def test_every_referred_child_s_contact_comes_first(authority_2024) -> None:
    contacts = {row["Child Unique ID"]: row["Date of Contact"].date()
                for row in read_annex_a(authority_2024.files["annex_a"])["List 1"]}
    late = []
    for child in read_cin(authority_2024.files["cin_census"]):
        first = min(d["referral"] for d in child.details)
        contact = contacts.get(int(child.child_id))
        if contact is not None and contact > first:
            late.append(child.child_id)
    assert late == []
    assert contacts, "no contacts to compare"


def test_nfa_referrals_are_closed_the_same_day_and_others_are_not_nfa(authority_2024) -> None:
    wrong = []
    for child in read_cin(authority_2024.files["cin_census"]):
        for d in child.details:
            if d["nfa"] == "1" and (d["closure"] != d["referral"] or d["assessments"]
                                    or d["s47"] or d["cpp"]):
                wrong.append(child.child_id)
            if d["nfa"] not in ("0", "1"):
                wrong.append((child.child_id, d["nfa"]))
    assert wrong == []


def test_some_cases_began_before_the_year_and_some_of_those_close_in_it(authority_2024) -> None:
    """Open-at-31-March counts need cases carried over from earlier years (docs/synthetic.md)."""
    start = dt.date(2023, 4, 1)
    details = [d for c in read_cin(authority_2024.files["cin_census"]) for d in c.details]
    carried = [d for d in details if d["referral"] < start]
    plans = [p for d in details for p in d["cpp"] if p[0] < start]
    assert any(d["closure"] is None for d in carried)
    assert any(d["closure"] is not None and d["closure"] >= start for d in carried)
    assert any(end is None for _, end in plans) and any(end is not None for _, end in plans)
