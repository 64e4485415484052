"""Write the CIN census XML of a synthetic authority, one block of children at a time.

Why careful string writes rather than a tree: a large authority has hundreds of thousands of
children in the census, and building elements costs far more than formatting text.  Every value
written is a code, a date or a number from a fixed vocabulary (no escaping needed), and the
element order is exactly the XSD's ``xs:sequence`` order for the period's schema year
(docs/formats.md §2.1, §2.6): ``GenderCurrent`` (1/2/0/9) to 2024 and ``Sex`` (M/F/U) from 2025,
``CINPlanDates`` from 2022, referral source 5D and closure reason RC9 from 2023, assessment
factors 18B/18C/19B/19C from 2021 and 24A from 2022.  Booleans are ``0``/``1``, the only form
the LIIA XSDs accept (``../shared/data/README.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from arpkit.synth import codes
from arpkit.synth.model import Block, Plan

_GENDER_CURRENT = ("1", "2", "0")  # M, F, U (0 = not recorded)
_SEX = ("M", "F", "U")


class CinCensusWriter:
    """Streams ``cin_census.xml``: :meth:`write` each block, then :meth:`close`."""

    def __init__(self, path: Path, plan: Plan) -> None:
        self.path = path
        self.plan = plan
        self.cal = plan.cal
        period = plan.period
        self.sex_element = "Sex" if period >= 2025 else "GenderCurrent"
        self.sex_codes = _SEX if period >= 2025 else _GENDER_CURRENT
        self.plan_dates = period >= 2022
        self.factors = [codes.factor_code(c, period) for c in codes.ASSESSMENT_FACTORS]
        self.children = 0
        self._fh: TextIO = path.open("w", encoding="utf-8", newline="\n")
        end = self.cal.reference_date.isoformat()
        self._fh.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n'
            f"    <CollectionDetails>\n      <Collection>CIN</Collection>\n"
            f"      <Year>{period}</Year>\n      <ReferenceDate>{end}</ReferenceDate>\n"
            "    </CollectionDetails>\n    <Source>\n      <SourceLevel>L</SourceLevel>\n"
            f"      <LEA>{plan.la_code}</LEA>\n      <SoftwareCode>arpkit synth</SoftwareCode>\n"
            "      <Release>synthetic</Release>\n      <SerialNo>001</SerialNo>\n"
            f"      <DateTime>{period}-04-15T09:00:00</DateTime>\n    </Source>\n"
            "  </Header>\n  <Children>\n")

    def write(self, block: Block) -> None:
        iso = self.cal.iso
        out: list[str] = []
        add = out.append
        source_codes = codes.REFERRAL_SOURCES
        for i in block.in_census.nonzero()[0].tolist():
            add("    <Child>\n      <ChildIdentifiers>\n")
            add(f"        <LAchildID>{block.ids[i]}</LAchildID>\n")
            upn = block.upn[i]
            if upn is None:
                add("        <UPNunknown>UN1</UPNunknown>\n")
            else:
                add(f"        <UPN>{upn}</UPN>\n")
            add(f"        <PersonBirthDate>{iso(int(block.dob[i]))}</PersonBirthDate>\n"
                f"        <{self.sex_element}>{self.sex_codes[block.sex[i]]}"
                f"</{self.sex_element}>\n      </ChildIdentifiers>\n"
                "      <ChildCharacteristics>\n"
                f"        <Ethnicity>{codes.ETHNIC_CODES[block.cin_code[i]]}</Ethnicity>\n")
            if block.disabled[i]:
                add("        <Disabilities>\n          <Disability>"
                    f"{codes.DISABILITIES[block.disability[i]]}</Disability>\n"
                    "        </Disabilities>\n")
            else:
                add("        <Disabilities>\n          <Disability>NONE</Disability>\n"
                    "        </Disabilities>\n")
            add("      </ChildCharacteristics>\n")
            src = int(block.referral_source[i])
            self._details(add, block, i, codes.EARLY_HELP_SOURCE if src < 0
                          else source_codes[src])
            if block.rereferral_day[i] >= 0:
                day = iso(int(block.rereferral_day[i]))
                add("      <CINdetails>\n"
                    f"        <CINreferralDate>{day}</CINreferralDate>\n"
                    f"        <ReferralSource>{source_codes[block.rereferral_source[i]]}"
                    "</ReferralSource>\n        <PrimaryNeedCode>N9</PrimaryNeedCode>\n"
                    f"        <CINclosureDate>{day}</CINclosureDate>\n"
                    "        <ReasonForClosure>RC8</ReasonForClosure>\n"
                    "        <ReferralNFA>1</ReferralNFA>\n      </CINdetails>\n")
            add("    </Child>\n")
            self.children += 1
        self._fh.write("".join(out))

    def _details(self, add: Callable[[str], None], block: Block, i: int, source: str) -> None:
        iso = self.cal.iso
        add("      <CINdetails>\n"
            f"        <CINreferralDate>{iso(int(block.referral_day[i]))}</CINreferralDate>\n"
            f"        <ReferralSource>{source}</ReferralSource>\n"
            f"        <PrimaryNeedCode>{codes.PRIMARY_NEEDS[block.need[i]]}</PrimaryNeedCode>\n")
        if block.close_day[i] >= 0:
            add(f"        <CINclosureDate>{iso(int(block.close_day[i]))}</CINclosureDate>\n"
                f"        <ReasonForClosure>{block.close_reason[i]}</ReasonForClosure>\n")
        icpc = int(block.icpc_day[i])
        if icpc >= 0:
            add(f"        <DateOfInitialCPC>{iso(icpc)}</DateOfInitialCPC>\n")
        if block.assessment[i]:
            add("        <Assessments>\n"
                f"          <AssessmentActualStartDate>{iso(int(block.asmt_start[i]))}"
                "</AssessmentActualStartDate>\n")
            auth = int(block.asmt_auth[i])
            if auth >= 0:
                add(f"          <AssessmentAuthorisationDate>{iso(auth)}"
                    "</AssessmentAuthorisationDate>\n"
                    "          <FactorsIdentifiedAtAssessment>\n")
                add(self._factors(int(block.factors[i])))
                add("          </FactorsIdentifiedAtAssessment>\n")
            add("        </Assessments>\n")
        if self.plan_dates and block.cin_plan_start[i] >= 0:
            add("        <CINPlanDates>\n"
                f"          <CINPlanStartDate>{iso(int(block.cin_plan_start[i]))}"
                "</CINPlanStartDate>\n")
            if block.cin_plan_end[i] >= 0:
                add(f"          <CINPlanEndDate>{iso(int(block.cin_plan_end[i]))}"
                    "</CINPlanEndDate>\n")
            add("        </CINPlanDates>\n")
        if block.s47[i]:
            s47 = int(block.s47_day[i])
            add("        <Section47>\n"
                f"          <S47ActualStartDate>{iso(s47)}</S47ActualStartDate>\n"
                f"          <InitialCPCtarget>{iso(min(s47 + 21, self.cal.end))}"
                "</InitialCPCtarget>\n")
            if block.icpc[i]:
                add(f"          <DateOfInitialCPC>{iso(icpc)}</DateOfInitialCPC>\n"
                    "          <ICPCnotRequired>0</ICPCnotRequired>\n")
            else:
                add("          <ICPCnotRequired>1</ICPCnotRequired>\n")
            add("        </Section47>\n")
        add(f"        <ReferralNFA>{1 if block.nfa[i] else 0}</ReferralNFA>\n")
        if block.cp[i]:
            start = int(block.cp_start[i])
            end = int(block.cp_end[i])
            add("        <ChildProtectionPlans>\n"
                f"          <CPPstartDate>{iso(start)}</CPPstartDate>\n")
            if end >= 0:
                add(f"          <CPPendDate>{iso(end)}</CPPendDate>\n")
            add("          <InitialCategoryOfAbuse>"
                f"{codes.CATEGORIES_OF_ABUSE[block.cp_initial[i]]}</InitialCategoryOfAbuse>\n"
                "          <LatestCategoryOfAbuse>"
                f"{codes.CATEGORIES_OF_ABUSE[block.cp_latest[i]]}</LatestCategoryOfAbuse>\n"
                f"          <NumberOfPreviousCPP>{int(block.cp_previous[i])}"
                "</NumberOfPreviousCPP>\n")
            reviews = review_days(start, end, self.cal.end)
            if reviews:
                add("          <Reviews>\n")
                for day in reviews:
                    add(f"            <CPPreviewDate>{iso(day)}</CPPreviewDate>\n")
                add("          </Reviews>\n")
            add("        </ChildProtectionPlans>\n")
        add("      </CINdetails>\n")

    def _factors(self, mask: int) -> str:
        parts = []
        seen: set[str] = set()
        bit = 0
        while mask:
            if mask & 1:
                code = self.factors[bit]
                if code is not None and code not in seen:
                    seen.add(code)
                    parts.append(f"            <AssessmentFactors>{code}</AssessmentFactors>\n")
            mask >>= 1
            bit += 1
        if not parts:
            parts.append(f"            <AssessmentFactors>{codes.NO_FACTORS}</AssessmentFactors>\n")
        return "".join(parts)

    def close(self) -> None:
        self._fh.write("  </Children>\n</Message>\n")
        self._fh.close()

    def abort(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


def review_days(start: int, end: int, year_end: int) -> list[int]:
    """CP review conferences: three months after the plan starts, then every six months, up to
    the plan's end or 31 March (Working Together to Safeguard Children timescales)."""
    stop = end if end >= 0 else year_end
    out = []
    day = start + 91
    while day <= stop:
        out.append(day)
        day += 182
    return out
