"""The CIN census XML reader: what a user importing a census file relies on.

Expected numbers come from the data README (332 children, 402 referrals, LEA 975 in
fake_CIN_data.xml) and are re-derived here with a plain lxml parse; small inputs are built in
tmp_path so every expected record can be read off the XML by eye.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from arpkit.engine.errors import Severity
from arpkit.engine.readers.cin_census import (
    CinCensusReader,
    schema_year_for,
    validate_against_xsd,
)
from arpkit.engine.records import ChildRecord, EventRecord, ReadSettings

# ------------------------------------------------------------------------------------ helpers


def read(paths: Path | list[Path], **settings: object):
    """Read with CinCensusReader; return (reader, children, events, number of chunks)."""
    reader = CinCensusReader(paths if isinstance(paths, list) else [paths],
                             ReadSettings(**settings))  # type: ignore[arg-type]
    children: list[ChildRecord] = []
    events: list[EventRecord] = []
    n = 0
    for chunk in reader.chunks():
        n += 1
        children.extend(chunk.children)
        events.extend(chunk.events)
    return reader, children, events, n


def errors(reader: CinCensusReader) -> list:
    return [p for p in reader.problems.problems if p.severity is Severity.ERROR]


def warnings(reader: CinCensusReader) -> list:
    return [p for p in reader.problems.problems if p.severity is Severity.WARNING]


def child(cid: str = "C1", *, ident: str | None = None,
          sex: str = "<GenderCurrent>2</GenderCurrent>",
          birth: str = "<PersonBirthDate>2015-06-01</PersonBirthDate>",
          chars: str = "<Ethnicity>BAFR</Ethnicity>", cind: str | None = None) -> str:
    ident = ident if ident is not None else f"<LAchildID>{cid}</LAchildID>{birth}{sex}"
    cind = cind if cind is not None else referral()
    return (f"<Child><ChildIdentifiers>{ident}</ChildIdentifiers>"
            f"<ChildCharacteristics>{chars}</ChildCharacteristics>{cind}</Child>")


def referral(body: str = "", *, date: str = "2023-05-01", source: str = "2A",
             nfa: str = "false", extra: str = "") -> str:
    return (f"<CINdetails><CINreferralDate>{date}</CINreferralDate>"
            f"<ReferralSource>{source}</ReferralSource>{extra}{body}"
            f"<ReferralNFA>{nfa}</ReferralNFA></CINdetails>")


def census(tmp_path: Path, *children: str, ref: str = "2024-03-31", year: str = "2024",
           lea: str = "201", name: str = "census.xml", prolog: str = "") -> Path:
    header = (f"<Header><CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>"
              f"<ReferenceDate>{ref}</ReferenceDate></CollectionDetails>"
              f"<Source><SourceLevel>L</SourceLevel><LEA>{lea}</LEA></Source></Header>")
    path = tmp_path / name
    path.write_text(f"{prolog}<Message>{header}<Children>{''.join(children)}</Children></Message>",
                    encoding="utf-8")
    return path


def problem_at(reader: CinCensusReader, location: str, severity: Severity | None = None):
    found = [p for p in reader.problems.problems if p.location == location
             and (severity is None or p.severity is severity)]
    assert found, f"no problem at {location}: {[str(p) for p in reader.problems.problems]}"
    return found[0]


@pytest.fixture(scope="module")
def samples(shared_data: Path) -> Path:
    return shared_data / "cin_census" / "samples"


@pytest.fixture(scope="module")
def xsd_dir(shared_data: Path) -> Path:
    return shared_data / "cin_census" / "xsd"


@pytest.fixture(scope="module")
def fake(samples: Path):
    return read(samples / "fake_CIN_data.xml", period=2022)


# ------------------------------------------------------------------------------- fake_CIN_data


def test_the_fake_census_gives_332_children_402_referrals_and_lea_975(fake, samples):
    reader, children, events, _ = fake
    tree = etree.parse(str(samples / "fake_CIN_data.xml"))
    assert len(children) == len(tree.findall("Children/Child")) == 332
    referrals = [e for e in events if e.stage == "referral"]
    assert len(referrals) == len(tree.findall("Children/Child/CINdetails")) == 402
    assert reader.meta.la_code == tree.findtext("Header/Source/LEA") == "975"
    assert reader.meta.rows == 332
    assert reader.meta.period == 2022
    assert reader.meta.details["schema_year"] == 2022
    assert reader.meta.reference_date == dt.date(2022, 7, 21)
    assert errors(reader) == []


def test_the_fake_census_reports_its_reference_date_that_is_not_31_march(fake):
    reader = fake[0]
    p = problem_at(reader, "Header/CollectionDetails/ReferenceDate", Severity.WARNING)
    assert "2022-07-21" in p.message and "31 March" in p.message


def test_the_fake_census_cannot_be_read_without_a_year_because_its_reference_date_is_july(
        samples):
    reader, _, _, _ = read(samples / "fake_CIN_data.xml")
    errs = errors(reader)
    assert len(errs) == 1
    assert errs[0].location == "Header/CollectionDetails/ReferenceDate"
    assert "--period" in errs[0].message and "2022-07-21" in errs[0].message
    assert reader.meta.period is None


def test_every_referral_in_the_fake_census_is_nfa_so_no_cin_episodes_start(fake):
    _, _, events, _ = fake
    stages = Counter(e.stage for e in events)
    assert stages == {"referral": 402}
    assert all(e.referral_nfa is True for e in events)


def test_referral_codes_and_dates_match_the_xml(fake, samples):
    _, _, events, _ = fake
    tree = etree.parse(str(samples / "fake_CIN_data.xml"))
    expected = []
    for c in tree.iterfind("Children/Child"):
        cid = c.findtext("ChildIdentifiers/LAchildID")
        for d in c.iterfind("CINdetails"):
            close = d.findtext("CINclosureDate")
            expected.append((cid, d.findtext("CINreferralDate"), close,
                             d.findtext("ReferralSource"), d.findtext("PrimaryNeedCode"),
                             d.findtext("ReasonForClosure"), d.findtext("DateOfInitialCPC")))
    got = [(e.source_child_id, e.start_date.isoformat(),
            e.end_date.isoformat() if e.end_date else None, e.referral_source, e.need_code,
            e.closure_reason, json.loads(e.detail)["icpc_date"] if e.detail else None)
           for e in events]
    assert got == expected


def test_sex_disability_and_birth_dates_match_the_xml(fake, samples):
    _, children, _, _ = fake
    tree = etree.parse(str(samples / "fake_CIN_data.xml"))
    gender_to_sex = {"1": "M", "2": "F", "0": "U", "9": "U"}
    xml_children = tree.findall("Children/Child")
    for rec, c in zip(children, xml_children, strict=True):
        assert rec.sex == gender_to_sex[c.findtext("ChildIdentifiers/GenderCurrent")]
        assert rec.birth_date.isoformat() == c.findtext("ChildIdentifiers/PersonBirthDate")
        assert rec.ethnicity_label == c.findtext("ChildCharacteristics/Ethnicity")
        codes = [d.text for d in c.iterfind("ChildCharacteristics/Disabilities/Disability")]
        if c.find("ChildCharacteristics/Disabilities") is None:
            assert rec.disabled is None
        else:
            assert rec.disabled == any(code != "NONE" for code in codes)
    assert all(rec.uasc is None for rec in children)  # the file has no assessments


def test_no_upn_ever_leaves_the_reader_or_appears_in_a_problem(fake, samples):
    reader, children, events, _ = fake
    tree = etree.parse(str(samples / "fake_CIN_data.xml"))
    upns = {u.text for u in tree.iter("UPN")}
    assert upns
    seen = {str(v) for rec in [*children, *events] for v in rec}
    seen |= {str(p) for p in reader.problems.problems}
    assert not any(upn in text for upn in upns for text in seen)


def test_chunks_hold_at_most_chunk_size_children_and_lose_nothing(fake, samples):
    _, children, events, n = read(samples / "fake_CIN_data.xml", period=2022, chunk_size=100)
    assert n == 4  # 100 + 100 + 100 + 32
    assert children == fake[1] and events == fake[2]
    sizes = [len(c.children) for c in CinCensusReader(
        [samples / "fake_CIN_data.xml"], ReadSettings(period=2022, chunk_size=100)).chunks()]
    assert sizes == [100, 100, 100, 32]


# --------------------------------------------------------------------------- the other samples


@pytest.mark.parametrize("name", [
    "BAR_cin_2022.xml", "CIN2rows.xml", "CIN_Census_2021.xml",
    "CIN_Census_2021_no_assessment_factors.xml", "CIN_Census_2024.xml", "CIN_Census_2026.xml",
    "CIN_header_issues_100.xml", "CIN_la_issues_2887Q.xml", "cin-2022.xml",
])
def test_every_small_sample_reads_to_records_and_locates_each_problem(samples, name):
    reader, children, events, _ = read(samples / name, period=2023)
    assert children and events
    assert reader.meta.la_code == "201"
    for p in reader.problems.problems:
        assert p.file == name
        assert p.location
        assert p.message


def test_stray_text_after_upnunknown_is_a_warning_naming_the_path(samples):
    reader, children, _, _ = read(samples / "CIN_Census_2021.xml")
    p = problem_at(reader, "Children/Child[1]/ChildIdentifiers/UPNunknown", Severity.WARNING)
    assert "PersonBirthDate" in p.message and "DfEX0000001" in p.message
    assert children[0].source_child_id == "DfEX0000001"


def test_a_sample_with_both_birth_dates_is_an_error(samples):
    for name in ("BAR_cin_2022.xml", "cin-2022.xml", "CIN_Census_2021.xml"):
        reader = read(samples / name)[0]
        p = problem_at(reader, "Children/Child[1]/ChildIdentifiers/ExpectedPersonBirthDate",
                       Severity.ERROR)
        assert "8525" in p.message


def test_the_duplicated_protection_plan_is_a_warning_and_counted_once(samples):
    reader, _, events, _ = read(samples / "CIN2rows.xml")
    p = problem_at(reader, "Children/Child[1]/CINdetails[1]/ChildProtectionPlans[2]",
                   Severity.WARNING)
    assert "ChildProtectionPlans[1]" in p.message
    assert [e.stage for e in events].count("cp_plan") == 1
    assert errors(reader) == []


def test_a_reference_date_that_is_not_31_march_needs_a_year(samples):
    reader = read(samples / "CIN_header_issues_100.xml")[0]
    p = problem_at(reader, "Header/CollectionDetails/ReferenceDate", Severity.ERROR)
    assert "2023-03-28" in p.message and "probably 2023" in p.message
    reader = read(samples / "CIN_header_issues_100.xml", period=2023)[0]
    p = problem_at(reader, "Header/CollectionDetails/ReferenceDate", Severity.WARNING)
    assert "rule 100" in p.message
    assert reader.meta.period == 2023


def test_year_2023_beside_reference_date_2024_is_a_warning_and_the_reference_date_wins(samples):
    reader = read(samples / "CIN_Census_2024.xml")[0]
    assert reader.meta.period == 2024
    p = problem_at(reader, "Header/CollectionDetails/Year", Severity.WARNING)
    assert p.value == "2023" and "2024" in p.message


def test_sex_1_beside_m_is_read_as_male_with_warnings(samples):
    reader, children, _, _ = read(samples / "CIN_Census_2024.xml")
    assert [c.sex for c in children] == ["M", "M"]
    p = problem_at(reader, "Children/Child[1]/ChildIdentifiers/Sex", Severity.WARNING)
    texts = " ".join(w.message for w in warnings(reader) if w.field == "Sex")
    assert "GenderCurrent code '1'" in texts
    assert "the 2024 schema has <GenderCurrent>" in texts and "2 times" in texts
    assert p


def test_the_invalid_factor_rb_is_an_error_and_the_valid_factors_are_kept(samples):
    reader, _, events, _ = read(samples / "CIN_Census_2024.xml")
    p = problem_at(reader, "Children/Child[1]/CINdetails[1]/Assessments[1]/"
                   "FactorsIdentifiedAtAssessment/AssessmentFactors[2]", Severity.ERROR)
    assert p.value == "RB" and "DfEX0000001" in p.message
    assessment = next(e for e in events if e.stage == "assessment")
    assert json.loads(assessment.detail) == {"factors": ["1C", "6B"]}


def test_an_empty_factors_block_is_a_warning(samples):
    reader = read(samples / "CIN_Census_2024.xml")[0]
    p = problem_at(reader, "Children/Child[2]/CINdetails[1]/Assessments[1]/"
                   "FactorsIdentifiedAtAssessment", Severity.WARNING)
    assert "child_fails_assessments" in p.message


def test_the_2027_preproceedings_block_is_reported_as_not_read(samples):
    reader = read(samples / "CIN_Census_2026.xml")[0]
    assert any("PreProceedingsandFGDM" in w.message for w in warnings(reader))


def test_the_la_issues_sample_reads_exactly_like_its_identical_twin(samples):
    a = read(samples / "CIN_la_issues_2887Q.xml")
    b = read(samples / "CIN_Census_2021.xml")
    assert a[1] == b[1] and a[2] == b[2]
    assert [(p.location, p.message) for p in a[0].problems.problems] == \
        [(p.location, p.message) for p in b[0].problems.problems]


# ------------------------------------------------------------------------ events from a child


def test_a_full_referral_gives_every_stage_with_its_dates_codes_and_details(tmp_path):
    body = (
        "<PrimaryNeedCode>N1</PrimaryNeedCode><CINclosureDate>2024-02-01</CINclosureDate>"
        "<ReasonForClosure>RC7</ReasonForClosure><DateOfInitialCPC>2023-06-01</DateOfInitialCPC>"
        "<Assessments><AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>"
        "<AssessmentAuthorisationDate>2023-05-20</AssessmentAuthorisationDate>"
        "<FactorsIdentifiedAtAssessment><AssessmentFactors>9A</AssessmentFactors>"
        "<AssessmentFactors>3B</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>"
        "<CINPlanDates><CINPlanStartDate>2023-07-01</CINPlanStartDate></CINPlanDates>"
        "<Section47><S47ActualStartDate>2023-05-10</S47ActualStartDate>"
        "<InitialCPCtarget>2023-05-31</InitialCPCtarget><DateOfInitialCPC>2023-06-01"
        "</DateOfInitialCPC><ICPCnotRequired>0</ICPCnotRequired></Section47>"
    )
    plan = ("<ChildProtectionPlans><CPPstartDate>2023-06-01</CPPstartDate>"
            "<InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
            "<LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>"
            "<NumberOfPreviousCPP>1</NumberOfPreviousCPP><Reviews><CPPreviewDate>2023-09-01"
            "</CPPreviewDate><CPPreviewDate>2024-01-05</CPPreviewDate></Reviews>"
            "</ChildProtectionPlans>")
    cind = ("<CINdetails><CINreferralDate>2023-04-20</CINreferralDate>"
            f"<ReferralSource>5A</ReferralSource>{body}<ReferralNFA>false</ReferralNFA>{plan}"
            "</CINdetails>")
    reader, children, events, _ = read(census(tmp_path, child("K9", cind=cind)))
    assert reader.problems.problems == []
    assert children == [ChildRecord("K9", "BAFR", "F", dt.date(2015, 6, 1), None, True)]
    d = dt.date
    by_stage = {e.stage: e for e in events}
    assert [e.stage for e in events] == ["referral", "cin", "assessment", "cin_plan", "s47",
                                         "cp_plan"]
    common = dict(source_child_id="K9", team=None, legal_status=None, placement=None, rne=None)
    assert by_stage["referral"] == EventRecord(
        stage="referral", start_date=d(2023, 4, 20), end_date=d(2024, 2, 1),
        referral_source="5A", referral_nfa=False, closure_reason="RC7", need_code="N1",
        category_of_abuse=None, detail='{"icpc_date":"2023-06-01"}', **common)
    assert by_stage["cin"] == by_stage["referral"]._replace(stage="cin")
    assert by_stage["assessment"] == EventRecord(
        stage="assessment", start_date=d(2023, 5, 2), end_date=d(2023, 5, 20),
        referral_source=None, referral_nfa=None, closure_reason=None, need_code=None,
        category_of_abuse=None, detail='{"factors":["9A","3B"]}', **common)
    assert (by_stage["cin_plan"].start_date, by_stage["cin_plan"].end_date) == \
        (d(2023, 7, 1), None)
    s47 = by_stage["s47"]
    assert (s47.start_date, s47.end_date) == (d(2023, 5, 10), None)
    assert json.loads(s47.detail) == {"icpc_date": "2023-06-01", "icpc_not_required": False,
                                      "icpc_target": "2023-05-31"}
    cpp = by_stage["cp_plan"]
    assert (cpp.start_date, cpp.end_date, cpp.category_of_abuse) == (d(2023, 6, 1), None, "NEG")
    assert json.loads(cpp.detail) == {"latest_category": "EMO", "previous_plans": 1,
                                      "reviews": 2}


def test_every_detail_is_compact_sorted_json(tmp_path):
    cind = referral(
        "<Assessments><AssessmentActualStartDate>2023-05-02</AssessmentActualStartDate>"
        "<FactorsIdentifiedAtAssessment><AssessmentFactors>21</AssessmentFactors>"
        "</FactorsIdentifiedAtAssessment></Assessments>"
        "<Section47><S47ActualStartDate>2023-05-10</S47ActualStartDate>"
        "<ICPCnotRequired>1</ICPCnotRequired></Section47>",
        extra="<DateOfInitialCPC>2023-06-01</DateOfInitialCPC>")
    _, _, events, _ = read(census(tmp_path, child(cind=cind)))
    details = [e.detail for e in events if e.detail is not None]
    assert len(details) == 4  # referral, cin, assessment, s47
    for text in details:
        assert text == json.dumps(json.loads(text), separators=(",", ":"), sort_keys=True)


def test_a_referral_without_an_initial_conference_has_no_detail(tmp_path):
    _, _, events, _ = read(census(tmp_path, child()))
    assert [(e.stage, e.detail) for e in events] == [("referral", None), ("cin", None)]


def test_an_unborn_child_takes_the_expected_birth_date(tmp_path):
    c = child(birth="<ExpectedPersonBirthDate>2024-05-01</ExpectedPersonBirthDate>",
              sex="<GenderCurrent>0</GenderCurrent>")
    reader, children, _, _ = read(census(tmp_path, c))
    assert (children[0].birth_date, children[0].sex) == (dt.date(2024, 5, 1), "U")
    assert errors(reader) == [] and warnings(reader) == []


@pytest.mark.parametrize(("block", "disabled"), [
    ("", None),
    ("<Disabilities><Disability>NONE</Disability></Disabilities>", False),
    ("<Disabilities><Disability>AUT</Disability><Disability>VIS</Disability></Disabilities>",
     True),
])
def test_disability_is_true_false_or_unknown(tmp_path, block, disabled):
    c = child(chars=f"<Ethnicity>WBRI</Ethnicity>{block}")
    assert read(census(tmp_path, c))[1][0].disabled is disabled


# ---------------------------------------------------------------------------- values and codes


@pytest.mark.parametrize(("text", "value"), [
    ("0", False), ("1", True), ("true", True), ("false", False), (" TRUE ", True),
    ("False", False),
])
def test_booleans_accept_both_spellings_in_any_case(tmp_path, text, value):
    reader, _, events, _ = read(census(tmp_path, child(cind=referral(nfa=text))))
    assert errors(reader) == []
    assert events[0].referral_nfa is value
    assert ("cin" in [e.stage for e in events]) is (not value)


@pytest.mark.parametrize("text", ["yes", "Y", "2", ""])
def test_any_other_boolean_is_an_error_naming_the_path_and_child(tmp_path, text):
    reader, _, events, _ = read(census(tmp_path, child("Z7", cind=referral(nfa=text))))
    p = problem_at(reader, "Children/Child[1]/CINdetails[1]/ReferralNFA", Severity.ERROR)
    assert "Z7" in p.message
    assert events[0].referral_nfa is None


def test_a_bad_icpc_not_required_names_the_section47_path(tmp_path):
    s47 = ("<Section47><S47ActualStartDate>2023-05-10</S47ActualStartDate>"
           "<ICPCnotRequired>maybe</ICPCnotRequired></Section47>")
    c = child("X1", cind=referral(s47) + referral(s47, date="2023-06-01"))
    reader = read(census(tmp_path, child("X0"), c))[0]
    p = problem_at(reader, "Children/Child[2]/CINdetails[2]/Section47[1]/ICPCnotRequired",
                   Severity.ERROR)
    assert p.value == "maybe" and "X1" in p.message
    assert len(errors(reader)) == 2


@pytest.mark.parametrize("text", ["2023-13-01", "01/05/2023", "2023-02-30", "2023-5-1",
                                  "2023-05-01T10:00"])
def test_a_date_that_is_not_an_xs_date_is_an_error(tmp_path, text):
    reader, _, events, _ = read(census(tmp_path, child("D4", cind=referral(date=text))))
    p = problem_at(reader, "Children/Child[1]/CINdetails[1]/CINreferralDate", Severity.ERROR)
    assert p.value == text and "D4" in p.message
    assert events == []  # no referral without its date


@pytest.mark.parametrize(("element", "value", "where"), [
    ("ReferralSource", "11", "CINdetails[1]/ReferralSource"),
    ("ReasonForClosure", "RC0", "CINdetails[1]/ReasonForClosure"),
    ("PrimaryNeedCode", "N10", "CINdetails[1]/PrimaryNeedCode"),
    ("InitialCategoryOfAbuse", "XYZ",
     "CINdetails[1]/ChildProtectionPlans[1]/InitialCategoryOfAbuse"),
    ("Disability", "FOO", "ChildCharacteristics/Disabilities/Disability[2]"),
    ("AssessmentFactors", "RB",
     "CINdetails[1]/Assessments[1]/FactorsIdentifiedAtAssessment/AssessmentFactors[1]"),
])
def test_an_unknown_code_is_an_error_naming_the_value(tmp_path, element, value, where):
    codes = {"ReferralSource": "2A", "ReasonForClosure": "RC1", "PrimaryNeedCode": "N1",
             "InitialCategoryOfAbuse": "NEG", "Disability": "HEAR", "AssessmentFactors": "1A"}
    codes[element] = value
    cind = (
        f"<CINdetails><CINreferralDate>2023-05-01</CINreferralDate><ReferralSource>"
        f"{codes['ReferralSource']}</ReferralSource><PrimaryNeedCode>{codes['PrimaryNeedCode']}"
        f"</PrimaryNeedCode><CINclosureDate>2023-09-01</CINclosureDate><ReasonForClosure>"
        f"{codes['ReasonForClosure']}</ReasonForClosure><Assessments><AssessmentActualStartDate>"
        f"2023-05-02</AssessmentActualStartDate><FactorsIdentifiedAtAssessment>"
        f"<AssessmentFactors>{codes['AssessmentFactors']}</AssessmentFactors>"
        f"</FactorsIdentifiedAtAssessment></Assessments><ReferralNFA>0</ReferralNFA>"
        f"<ChildProtectionPlans><CPPstartDate>2023-06-01</CPPstartDate><InitialCategoryOfAbuse>"
        f"{codes['InitialCategoryOfAbuse']}</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG"
        f"</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP>"
        f"</ChildProtectionPlans></CINdetails>")
    chars = ("<Ethnicity>WBRI</Ethnicity><Disabilities><Disability>MOB</Disability>"
             f"<Disability>{codes['Disability']}</Disability></Disabilities>")
    reader = read(census(tmp_path, child("U1", chars=chars, cind=cind)))[0]
    errs = errors(reader)
    assert len(errs) == 1
    assert errs[0].location == f"Children/Child[1]/{where}"
    assert errs[0].value == value and repr(value) in errs[0].message and "U1" in errs[0].message


def test_codes_are_read_after_trimming_and_upper_casing(tmp_path):
    c = child(cind=referral(source=" 3a ", extra="<PrimaryNeedCode>n4</PrimaryNeedCode>"))
    reader, _, events, _ = read(census(tmp_path, c))
    assert errors(reader) == []
    assert (events[0].referral_source, events[0].need_code) == ("3A", "N4")


def test_an_unknown_ethnicity_label_is_passed_on_raw_for_the_normaliser(tmp_path):
    c = child(chars="<Ethnicity>White British</Ethnicity>")
    reader, children, _, _ = read(census(tmp_path, c))
    assert errors(reader) == []
    assert children[0].ethnicity_label == "White British"


@pytest.mark.parametrize(("year", "cind", "field"), [
    (2022, referral(source="5D", date="2021-06-01"), "ReferralSource"),
    (2022, referral(extra="<CINclosureDate>2022-01-01</CINclosureDate>"
                          "<ReasonForClosure>RC9</ReasonForClosure>",
                    date="2021-06-01"), "ReasonForClosure"),
    (2022, referral("<Assessments><AssessmentActualStartDate>2021-06-02"
                    "</AssessmentActualStartDate><FactorsIdentifiedAtAssessment>"
                    "<AssessmentFactors>18A</AssessmentFactors></FactorsIdentifiedAtAssessment>"
                    "</Assessments>", date="2021-06-01"), "AssessmentFactors"),
    (2021, referral("<CINPlanDates><CINPlanStartDate>2020-07-01</CINPlanStartDate>"
                    "</CINPlanDates>", date="2020-06-01"), "CINPlanDates"),
])
def test_a_code_or_block_from_another_year_is_a_warning_not_an_error(tmp_path, year, cind,
                                                                     field):
    reader, _, events, _ = read(census(tmp_path, child(cind=cind), ref=f"{year}-03-31",
                                       year=str(year)))
    assert errors(reader) == []
    assert [w.field for w in warnings(reader)] == [field]
    assert events  # read all the same


def test_the_same_codes_in_their_own_years_raise_nothing(tmp_path):
    cind = referral("<Assessments><AssessmentActualStartDate>2023-05-02"
                    "</AssessmentActualStartDate><FactorsIdentifiedAtAssessment>"
                    "<AssessmentFactors>18B</AssessmentFactors></FactorsIdentifiedAtAssessment>"
                    "</Assessments><CINPlanDates><CINPlanStartDate>2023-07-01</CINPlanStartDate>"
                    "</CINPlanDates>", source="5D",
                    extra="<CINclosureDate>2023-09-01</CINclosureDate>"
                          "<ReasonForClosure>RC9</ReasonForClosure>")
    reader = read(census(tmp_path, child(cind=cind)))[0]
    assert reader.problems.problems == []


# ------------------------------------------------------------------------------ sex by year


@pytest.mark.parametrize(("year", "element", "value", "sex", "warns"), [
    (2024, "GenderCurrent", "2", "F", False),
    (2024, "GenderCurrent", "9", "U", False),
    (2024, "Sex", "F", "F", True),
    (2025, "Sex", "U", "U", False),
    (2025, "GenderCurrent", "1", "M", True),
])
def test_gender_current_and_sex_are_both_read_and_the_wrong_one_for_the_year_warns(
        tmp_path, year, element, value, sex, warns):
    c = child(sex=f"<{element}>{value}</{element}>", cind=referral(date=f"{year - 1}-05-01"))
    reader, children, _, _ = read(census(tmp_path, c, ref=f"{year}-03-31", year=str(year)))
    assert children[0].sex == sex
    assert errors(reader) == []
    assert bool(warnings(reader)) is warns
    if warns:
        assert f"not <{element}>" in warnings(reader)[0].message


def test_an_unrecognised_sex_code_is_an_error(tmp_path):
    reader, children, _, _ = read(census(tmp_path, child(sex="<Sex>X</Sex>")))
    p = problem_at(reader, "Children/Child[1]/ChildIdentifiers/Sex", Severity.ERROR)
    assert p.value == "X"
    assert children[0].sex is None


# ---------------------------------------------------------------------- structure and headers


def test_problems_from_several_children_are_all_reported(tmp_path):
    kids = [child("A1", cind=referral(source="ZZ")),
            child("A2"),
            child("A3", cind=referral(date="2023-02-31")),
            child("A4", chars=""),
            child("A5", cind=referral(nfa="perhaps"))]
    reader, children, _, _ = read(census(tmp_path, *kids))
    assert [(p.location.split("/")[1], p.field) for p in errors(reader)] == [
        ("Child[1]", "ReferralSource"), ("Child[3]", "CINreferralDate"),
        ("Child[4]", "Ethnicity"), ("Child[5]", "ReferralNFA")]
    assert [c.source_child_id for c in children] == ["A1", "A2", "A3", "A4", "A5"]


def test_a_missing_required_element_is_an_error(tmp_path):
    cind = ("<CINdetails><ReferralSource>2A</ReferralSource>"
            "<ChildProtectionPlans><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>"
            "</ChildProtectionPlans></CINdetails>")
    reader = read(census(tmp_path, child(cind=cind), child(ident="<UPN>A123456789012</UPN>")))[0]
    missing = {(p.location, p.field) for p in errors(reader)}
    assert missing == {
        ("Children/Child[1]/CINdetails[1]/CINreferralDate", "CINreferralDate"),
        ("Children/Child[1]/CINdetails[1]/ReferralNFA", "ReferralNFA"),
        ("Children/Child[1]/CINdetails[1]/ChildProtectionPlans[1]/CPPstartDate", "CPPstartDate"),
        ("Children/Child[2]/ChildIdentifiers/LAchildID", "LAchildID"),
    }


def test_a_child_id_saved_as_a_float_keeps_its_leading_zeros_with_a_warning(tmp_path):
    reader, children, _, _ = read(census(tmp_path, child("007.0")))
    assert children[0].source_child_id == "007"
    assert problem_at(reader, "Children/Child[1]/ChildIdentifiers/LAchildID", Severity.WARNING)


def test_the_same_child_twice_is_an_error_naming_both_places(tmp_path):
    reader = read(census(tmp_path, child("Q1"), child("Q2"), child("Q1")))[0]
    p = problem_at(reader, "Children/Child[3]/ChildIdentifiers/LAchildID", Severity.ERROR)
    assert "Children/Child[1]" in p.message and "Q1" in p.message


def test_elements_out_of_schema_order_are_accepted(tmp_path):
    in_order = child(cind=referral(extra="<PrimaryNeedCode>N2</PrimaryNeedCode>"))
    shuffled = ("<Child><ChildCharacteristics><Ethnicity>BAFR</Ethnicity></ChildCharacteristics>"
                "<CINdetails><ReferralNFA>false</ReferralNFA><PrimaryNeedCode>N2</PrimaryNeedCode>"
                "<ReferralSource>2A</ReferralSource><CINreferralDate>2023-05-01</CINreferralDate>"
                "</CINdetails><ChildIdentifiers><GenderCurrent>2</GenderCurrent>"
                "<PersonBirthDate>2015-06-01</PersonBirthDate><LAchildID>C1</LAchildID>"
                "</ChildIdentifiers></Child>")
    a = read(census(tmp_path, in_order, name="a.xml"))
    b = read(census(tmp_path, shuffled, name="b.xml"))
    assert b[0].problems.problems == []
    assert a[1] == b[1] and a[2] == b[2]


def test_an_unknown_element_is_a_warning_and_comments_are_ignored(tmp_path):
    c = child(chars="<Ethnicity>WBRI</Ethnicity><!-- checked --><Religion>x</Religion>")
    reader, children, _, _ = read(census(tmp_path, c, c.replace("C1", "C2")))
    assert errors(reader) == []
    [w] = warnings(reader)
    assert w.location == "Children/Child[1]/ChildCharacteristics/Religion"
    assert "2 times" in w.message
    assert len(children) == 2


def test_a_bom_declaration_and_comments_before_the_root_are_fine(tmp_path):
    path = census(tmp_path, child(), prolog='<?xml version="1.0" encoding="UTF-8"?>\n<!-- x -->')
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    reader, children, _, _ = read(path)
    assert reader.problems.problems == [] and len(children) == 1
    assert CinCensusReader.sniff(path, path.read_bytes()[:200])


def test_sniff_claims_only_xml_whose_root_is_message(samples, shared_data):
    assert CinCensusReader.sniff(samples / "fake_CIN_data.xml",
                                 (samples / "fake_CIN_data.xml").read_bytes()[:4096])
    other = shared_data / "ssda903" / "fake_single_year" / "fake_903.xml"
    assert not CinCensusReader.sniff(other, other.read_bytes()[:4096])
    assert not CinCensusReader.sniff(Path("x.csv"), b"CHILD,SEX,DOB\n1,1,01/01/2010\n")
    assert CinCensusReader.sniff(Path("x.xml"), "<Message>".encode("utf-16"))


def test_a_file_of_another_kind_is_one_error_naming_its_root(shared_data):
    path = shared_data / "ssda903" / "fake_single_year" / "fake_903.xml"
    reader, children, _, _ = read(path, period=2018)
    [e] = errors(reader)
    assert "EXPSSDA903" in e.message and children == []


def test_the_lea_must_be_three_digits_and_a_different_given_la_is_a_warning(tmp_path):
    reader = read(census(tmp_path, child(), lea="97"))[0]
    assert problem_at(reader, "Header/Source/LEA", Severity.ERROR).value == "97"
    reader = read(census(tmp_path, child(), lea="975"), la_code="976")[0]
    assert reader.meta.la_code == "975"
    assert problem_at(reader, "Header/Source/LEA", Severity.WARNING)


def test_a_31_march_reference_date_beats_a_different_given_year_with_a_warning(tmp_path):
    reader = read(census(tmp_path, child()), period=2023)[0]
    assert reader.meta.period == 2024
    assert "2023" in problem_at(reader, "Header/CollectionDetails/ReferenceDate",
                                Severity.WARNING).message


def test_a_file_without_a_header_takes_the_la_and_year_given(tmp_path):
    path = tmp_path / "bare.xml"
    path.write_text(f"<Message><Children>{child()}</Children></Message>", encoding="utf-8")
    reader, children, _, _ = read(path, la_code="975", period=2024)
    assert (reader.meta.la_code, reader.meta.period, len(children)) == ("975", 2024, 1)
    assert errors(reader) == []
    assert problem_at(reader, "Header", Severity.WARNING)
    reader = read(path)[0]
    assert [e.location for e in errors(reader)] == ["Header/CollectionDetails/ReferenceDate"]


def test_files_from_two_authorities_cannot_be_read_together(tmp_path):
    a = census(tmp_path, child(), lea="201", name="a.xml")
    b = census(tmp_path, child("C2"), lea="202", name="b.xml")
    reader, children, _, _ = read([a, b])
    [e] = errors(reader)
    assert e.file == "b.xml" and "202" in e.message and "201" in e.message
    assert reader.meta.la_code == "201" and reader.meta.rows == 2 and len(children) == 2


def test_dates_after_the_collection_year_are_warned_once_per_field_with_a_count(tmp_path):
    kids = [child(f"L{i}", cind=referral(date="2024-06-01")) for i in range(3)]
    reader = read(census(tmp_path, *kids))[0]
    [w] = warnings(reader)
    assert w.location == "Children/Child[1]/CINdetails[1]/CINreferralDate"
    assert "3 times" in w.message and "2024-03-31" in w.message


# ------------------------------------------------------------------------ broken files


def test_a_truncated_file_is_one_clear_error_naming_the_file_line_and_last_child(
        tmp_path, samples):
    data = (samples / "fake_CIN_data.xml").read_bytes()
    path = tmp_path / "half.xml"
    path.write_bytes(data[: len(data) // 2])
    complete = data[: len(data) // 2].count(b"</Child>")
    last_id = etree.fromstring(data).findall("Children/Child")[complete - 1].findtext(
        "ChildIdentifiers/LAchildID")
    reader, children, _, _ = read(path, period=2022, chunk_size=50)
    [e] = errors(reader)
    assert e.file == "half.xml"
    assert e.location.startswith("line ")
    assert f"Children/Child[{complete}]" in e.message and last_id in e.message
    assert "truncated" in e.message
    # streaming: the complete chunks before the break were handed over, and nothing more
    assert len(children) == complete // 50 * 50
    assert reader.meta.rows == complete


def test_an_empty_file_is_an_error(tmp_path):
    for name, data in (("empty.xml", b""), ("blank.xml", b"  \n\t ")):
        path = tmp_path / name
        path.write_bytes(data)
        reader, children, _, _ = read(path, period=2024)
        [e] = errors(reader)
        assert e.file == name and "empty" in e.message and children == []


def test_non_utf8_bytes_are_an_error_with_the_byte_offset_and_line(tmp_path):
    text = census(tmp_path, child(), child("C2", chars="<Ethnicity>WBRI</Ethnicity>"))
    data = text.read_bytes().replace(b"<Ethnicity>WBRI", b"<Ethnicity>W\xe9RI")
    data = data.replace(b"<Children>", b"<Children>\n\n")
    path = tmp_path / "latin1.xml"
    path.write_bytes(data)
    reader, _, _, _ = read(path)
    [e] = errors(reader)
    offset = data.index(b"\xe9")
    assert f"byte offset {offset}" in e.message and "line 3" in e.message
    assert e.value == "0xE9" and "UTF-8" in e.message


def test_a_file_with_no_children_is_an_error(tmp_path):
    reader, children, _, _ = read(census(tmp_path))
    [e] = errors(reader)
    assert "no Child" in e.message and children == []


# ---------------------------------------------------------------------------- XSD validation


@pytest.mark.parametrize("year", range(2017, 2025))
def test_the_fake_census_validates_against_the_2017_to_2024_schemas(samples, xsd_dir, year):
    assert validate_against_xsd(samples / "fake_CIN_data.xml", year, xsd_dir) == []


def test_the_fake_census_fails_the_2025_schema_which_wants_sex(samples, xsd_dir):
    problems = validate_against_xsd(samples / "fake_CIN_data.xml", 2025, xsd_dir)
    assert len(problems) == 332
    assert all("GenderCurrent" in p.message and p.severity is Severity.ERROR for p in problems)
    assert problems[0].location.startswith("line ")


def test_validation_needs_the_boolean_mapping_because_the_schemas_take_only_0_and_1(
        samples, xsd_dir):
    schema = etree.XMLSchema(etree.parse(str(xsd_dir / "CIN_schema_2022.xsd")))
    assert not schema.validate(etree.parse(str(samples / "fake_CIN_data.xml")))
    assert validate_against_xsd(samples / "fake_CIN_data.xml", 2022, xsd_dir) == []


def test_the_liia_2022_samples_validate_only_from_2022_to_2024(samples, xsd_dir):
    for name in ("BAR_cin_2022.xml", "cin-2022.xml"):
        valid = [y for y in range(2017, 2027)
                 if not validate_against_xsd(samples / name, y, xsd_dir)]
        assert valid == [2022, 2023, 2024]


def test_validating_against_a_year_with_no_schema_says_which_years_exist(samples, xsd_dir):
    from arpkit.engine.errors import ConfigError

    with pytest.raises(ConfigError, match="2017"):
        validate_against_xsd(samples / "fake_CIN_data.xml", 2030, xsd_dir)
    assert schema_year_for(2030) == 2026 and schema_year_for(2012) == 2017
    assert schema_year_for(2023) == 2023
