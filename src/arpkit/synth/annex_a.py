"""Write the Ofsted Annex A workbook of a synthetic authority (Lists 1-11).

Why it looks the way it does: Annex A is the messiest input arpkit reads, so the synthetic one
carries the variety real authorities send (docs/formats.md §3.2-3.3) while staying
consistent with the other returns:

* headers are the current ones (docs/formats.md §3.1), one sheet per list, header on row 1;
* values are lettered as authorities send them (``a) WBRI``, ``b) Female``, ``q) 6: Police``,
  ``C2: FCO``), dates are Excel dates, ``Child Unique ID`` is a number (as most case systems
  export it) equal to the census ``LAchildID`` and the 903 ``CHILD``;
* each child's Ethnicity cell has one configured style in every list: lettered (most), bare
  code, legacy free text (``White - British``, ``Black African``), an extended CBDS code
  (``WENG``, ``BSOM``) or junk (``XXXX``); the truth counts children per style;
* Lists 3-8 carry the child's team (the same in every list) and a worker code, not a name;
* Lists 9 (care leavers) and 11 (adopters) have headers and no rows: the synthetic population
  is 0-17 and has no adopters.  List 10 holds children with a placement order or an adoptive
  placement in the year.

Lists cover the collection year: List 1 every contact, List 2 early-help assessments, List 3
referrals, List 4 assessments, List 5 section 47 enquiries started in the year; List 6 children
with an episode of need in the year other than an NFA referral or a case closed after
assessment; List 7 CP plans and List 8 children looked after at any time in the year.
"""

from __future__ import annotations

from pathlib import Path

from arpkit.synth import codes
from arpkit.synth.cin_xml import review_days
from arpkit.synth.model import IN_YEAR, Block, Plan
from arpkit.synth.xlsx import MAX_ROWS, XlsxWriter

COMMON = ("Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age")
TEAM = ("Allocated Team", "Allocated Worker")
DISABILITY = "Does the Child have a Disability"
LISTS: dict[str, tuple[str, ...]] = {
    "List 1": (*COMMON, "Date of Contact", "Contact Source"),
    "List 2": (*COMMON, "Assessment start date", "Assessment completion date",
               "Organisation completing assessment"),
    "List 3": (*COMMON, "Date of Referral", "Referral Source", "Referral NFA?",
               "Number of Referrals in Last 12 Months", *TEAM),
    "List 4": (*COMMON, DISABILITY, "Continuous Assessment Start Date",
               "Child Seen During Continuous Assessment",
               "Continuous Assessment Date of Authorisation",
               "Was the child assessed as requiring LA children's social care support?", *TEAM),
    "List 5": (*COMMON, DISABILITY, "Strategy discussion initiating Section 47 Enquiry Start Date",
               "Was an Initial Child Protection Conference deemed unnecessary?",
               "Date of Initial Child Protection Conference",
               "Did the Initial Child Protection Conference Result in a Child Protection Plan",
               "Number of Section 47 Enquiries in the last 12 months",
               "Number of ICPCs in the last 12 months", *TEAM),
    "List 6": (*COMMON, DISABILITY, "CIN Start Date", "Primary Need Code",
               "Date Child Was Last Seen", "CIN Closure Date", "Reason for Closure",
               "Case Status", *TEAM),
    "List 7": (*COMMON, DISABILITY, "Child Protection Plan Start Date",
               "Initial Category of Abuse", "Latest Category of Abuse",
               "Date of the Last Statutory Visit", "Was the Child Seen Alone?",
               "Date of latest review conference", "Child Protection Plan End Date",
               "Subject to Emergency Protection Order or Protected Under Police Powers in Last "
               "Six Months (Y/N)", "Number of Previous Child Protection Plans", *TEAM),
    "List 8": (*COMMON,
               "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
               DISABILITY, "Date Started to be Looked After", "Child's Category of Need",
               "Is this a second or subsequent period of being a Looked After Child within the "
               "last 12 months (Y/N)", "Start date of current legal status",
               "Child's Legal Status", "Date of Latest Statutory Review",
               "Date of Last Social Work Visit", "What is the permanence plan for this child?",
               "Date of Last IRO Visit / Contact to the Child", "Date of Last Health Assessment",
               "Date of Last Dental Check", "Number of Placements in the Last 12 months",
               "Date Ceased to be Looked After", "Reason Ceased to be Looked After",
               "Start Date of Most Recent Placement", "Placement Type", "Placement Provider",
               "Placement postcode", "URN of Placement", "Placement Location",
               "LA of Placement",
               "Number of Episodes the Child has been 'Missing' from their Placement in the "
               "last 12 months",
               "Number of Episodes the Child has been 'Absent' from their Placement in the "
               "last 12 months",
               "Was the child offered a Return Interview after their last missing episode (Y/N)?",
               "Did the child accept a Return Interview after their last missing episode (Y/N)?",
               *TEAM),
    "List 9": (*COMMON,
               "Unaccompanied Asylum Seeking Child (UASC), or formerly UASC if 18 or over (Y/N)",
               DISABILITY, *TEAM, "Allocated Personal Advisor", "Eligibility Category",
               "Latest Pathway Plan Review Date", "LA in Touch", "Latest Date of Contact",
               "Type of Accommodation", "Suitability of Accommodation", "Activity Status"),
    "List 10": ("Child Unique ID", "Family identifier", "Gender", "Ethnicity", "Date of Birth",
                "Age of Child (Years)", DISABILITY, "Date the Child Entered Care",
                "Date of Decision that Child Should be Placed for Adoption",
                "Date of Placement Order", "Date of Matching Child and Prospective Adopters",
                "Date Placed for Adoption", "Date of Adoption Order",
                "Date of Decision that Child Should No Longer be Placed for Adoption",
                "Reason Why Child No Longer Placed for Adoption",
                "Date the child was placed for fostering in FFA or concurrent planning "
                "placement"),
    "List 11": ("Individual adopter identifier", "Family identifier", "Gender", "Ethnicity",
                "Disability", "Is the (prospective) adopter fostering for adoption?",
                "Date enquiry received", "Date Stage 1 started", "Date Stage 1 ended",
                "Date Stage 2 started", "Date Stage 2 ended", "Date application submitted",
                "Date application approved", "Date adopter matched with child(ren)",
                "Date child/children placed with adopter(s)", "No. of children placed",
                "Date of Adoption Order", "Date of leaving adoption process",
                "Reason for leaving adoption process"),
}
SHEETS: tuple[str, ...] = tuple(LISTS)
_PERMANENCE = ("Return to family", "Long-term fostering", "Special guardianship",
               "Child arrangements order", "Independent living", "Residential care")
_ADOPTION_PLACES = ("A3", "A4", "A5", "A6")


class AnnexATooBig(Exception):
    """A list would not fit on one Excel sheet."""


def ethnicity_label(style: int, code: str, pick: int) -> str:
    """How a child's ethnicity is written in Annex A (see the module docstring)."""
    name = codes.LABEL_STYLES[style]
    if name == "lettered":
        return codes.LETTER_ETHNICITY[code]
    if name == "bare_code":
        return code
    if name == "extended_code" and code in codes.EXTENDED_ETHNICITY:
        options = codes.EXTENDED_ETHNICITY[code]
        return options[pick % len(options)]
    if name == "junk":
        return codes.JUNK_ETHNICITY[pick % len(codes.JUNK_ETHNICITY)]
    options = codes.FREE_TEXT_ETHNICITY[code]
    return options[pick % len(options)]


class AnnexAWriter:
    """Streams ``annex_a.xlsx``: :meth:`write` each block, then :meth:`close`."""

    def __init__(self, path: Path, plan: Plan) -> None:
        self.path = path
        self.plan = plan
        self.cal = plan.cal
        self.xlsx = XlsxWriter(path)
        self.sheet: dict[str, int] = {}
        for name, headers in LISTS.items():
            dates = [i for i, h in enumerate(headers) if "date" in h.lower()]
            self.sheet[name] = self.xlsx.add_sheet(name, headers, dates)
        cfg = plan.config
        self.teams = cfg.team_names
        self.orgs = cfg.early_help_organisations
        self.la = int(plan.la_code)
        self._label_cache: dict[tuple[int, int, int], str] = {}

    def rows(self, sheet: str) -> int:
        """Data rows written to a list so far."""
        return self.xlsx.rows(self.sheet[sheet]) - 1

    def close(self) -> None:
        self.xlsx.close()

    def abort(self) -> None:
        self.xlsx.abort()

    def _ethnicity(self, block: Block, i: int) -> str:
        style, code = int(block.label_style[i]), int(block.cin_code[i])
        pick = int(block.label_pick[i])
        key = (style, code, pick % 6)
        label = self._label_cache.get(key)
        if label is None:
            label = self._label_cache[key] = ethnicity_label(style, codes.ETHNIC_CODES[code],
                                                             pick % 6)
        return label

    def write(self, block: Block) -> None:
        cal = self.cal
        end, start = cal.end, cal.start
        append = self.xlsx.append
        sh = self.sheet
        src_codes = codes.REFERRAL_SOURCES
        yes, no = codes.YES, codes.NO
        sex_codes = ("M", "F", "U")
        for i in range(len(block)):
            dob = int(block.dob[i])
            gender = codes.SEX_LABELS[sex_codes[block.sex[i]]][1 if block.bare_gender[i] else 0]
            common = [int(block.ids[i]), gender, self._ethnicity(block, i), dob,
                      round((end - dob) / 365.25, 2)]
            team = [self.teams[block.team[i]],
                    f"Worker {int(block.team[i]) + 1}-{int(block.worker[i]) + 1:02d}"]
            disabled = yes if block.disabled[i] else no
            jit = int(block.jitter[i])
            in_year = block.cohort[i] == IN_YEAR

            if in_year:
                src = int(block.contact_source[i])
                append(sh["List 1"], [*common, int(block.contact_day[i]),
                                      codes.ANNEX_A_SOURCE[src_codes[src]]])
            if block.early_help[i]:
                eh_end = int(block.eh_end[i])
                append(sh["List 2"], [*common, int(block.eh_start[i]),
                                      eh_end if eh_end >= 0 else None,
                                      self.orgs[block.eh_org[i]]])
            if in_year and block.in_census[i]:
                src = int(block.referral_source[i])
                label = codes.ANNEX_A_SOURCE["5D" if src < 0 else src_codes[src]]
                append(sh["List 3"], [*common, int(block.referral_day[i]), label,
                                      "Yes" if block.nfa[i] else "No", 1, *team])
                if block.rereferral_day[i] >= 0:
                    append(sh["List 3"], [
                        *common, int(block.rereferral_day[i]),
                        codes.ANNEX_A_SOURCE[src_codes[block.rereferral_source[i]]], "Yes", 2,
                        *team])
            if block.assessment[i]:
                auth = int(block.asmt_auth[i])
                support = (yes if block.in_need[i] else no) if auth >= 0 else None
                append(sh["List 4"], [*common, disabled, int(block.asmt_start[i]), "Yes",
                                      auth if auth >= 0 else None, support, *team])
            if block.s47[i]:
                icpc = bool(block.icpc[i])
                append(sh["List 5"], [
                    *common, disabled, int(block.s47_day[i]), "No" if icpc else "Yes",
                    int(block.icpc_day[i]) if icpc else None,
                    ("Yes" if block.cp[i] else "No") if icpc else None, 1, int(icpc), *team])
            if block.in_census[i]:
                self._list6(block, i, common, team, disabled, jit)
            if block.cp[i]:
                cp_start, cp_end = int(block.cp_start[i]), int(block.cp_end[i])
                last = cp_end if cp_end >= 0 else end
                visit = max(cp_start, last - jit % 14)
                reviews = review_days(cp_start, cp_end, end)
                append(sh["List 7"], [
                    *common, disabled, cp_start,
                    codes.ABUSE_LABELS[codes.CATEGORIES_OF_ABUSE[block.cp_initial[i]]],
                    codes.ABUSE_LABELS[codes.CATEGORIES_OF_ABUSE[block.cp_latest[i]]],
                    visit, yes if jit % 3 else no, reviews[-1] if reviews else None,
                    cp_end if cp_end >= 0 else None, no, int(block.cp_previous[i]), *team])
            if block.cla[i]:
                self._list8(block, i, common, team, disabled, jit, start, end)

    def _list6(self, block: Block, i: int, common: list, team: list, disabled: str,
               jit: int) -> None:
        close = int(block.close_day[i])
        reason = block.close_reason[i]
        if block.nfa[i] or reason in ("RC8", "RC9"):
            return
        ref = int(block.referral_day[i])
        end = self.cal.end
        if block.cla[i] and block.cla_end[i] < 0:
            status = codes.CASE_STATUS["cla"]
        elif block.cp[i] and block.cp_end[i] < 0:
            status = codes.CASE_STATUS["cp"]
        elif close >= 0:
            status = codes.CASE_STATUS["closed"]
        elif block.assessment[i] and block.asmt_auth[i] < 0:
            status = codes.CASE_STATUS["assessment"]
        else:
            status = codes.CASE_STATUS["cin"]
        seen = max(ref, (close if close >= 0 else end) - jit % 30)
        self.xlsx.append(self.sheet["List 6"], [
            *common, disabled, ref, codes.PRIMARY_NEED_LABELS[codes.PRIMARY_NEEDS[block.need[i]]],
            seen, close if close >= 0 else None,
            codes.CLOSURE_LABELS[reason] if reason else None, status, *team])

    def _list8(self, block: Block, i: int, common: list, team: list, disabled: str, jit: int,
               start: int, end: int) -> None:
        eps = block.episodes[i] or []
        if not eps:
            return
        last = eps[-1]
        begun = int(block.cla_start[i])
        ceased = last.dec if last.dec >= 0 else -1
        until = ceased if ceased >= 0 else end
        ls_start = last.decom
        for ep in reversed(eps):
            if ep.ls != last.ls:
                break
            ls_start = ep.decom
        place_start = eps[0].decom
        for ep in reversed(eps):
            if ep.rne in ("S", "P", "B", "T", "U"):
                place_start = ep.decom
                break
        placements = sum(1 for e in eps if e.rne in ("S", "P", "B", "T", "U")
                         and e.decom >= start) + (1 if eps[0].decom < start else 0)

        def recent(span: int, shift: int) -> int | None:
            day = until - (jit >> shift) % span
            return day if day >= begun else None

        adoption = last.ls == "E1" or last.place in _ADOPTION_PLACES
        plan = "Adoption" if adoption else _PERMANENCE[(jit >> 3) % len(_PERMANENCE)]
        missing = (jit >> 20) % 7 == 0
        self.xlsx.append(self.sheet["List 8"], [
            *common, codes.YES if block.uasc[i] else codes.NO, disabled, begun,
            codes.PRIMARY_NEED_LABELS[codes.PRIMARY_NEEDS[block.need[i]]], codes.NO, ls_start,
            codes.LEGAL_STATUS_LABELS[last.ls], recent(90, 2), recent(42, 5),
            plan, recent(120, 8), recent(300, 11), recent(360, 14), placements,
            ceased if ceased >= 0 else None,
            codes.REASON_CEASED_LABELS[last.rec] if ceased >= 0 else None, place_start,
            codes.PLACEMENT_LABELS[last.place], codes.PROVIDER_LABELS[last.provider],
            last.pl_post, last.urn or None,
            "a) Inside LA boundary" if (jit >> 17) % 3 else "b) Outside LA boundary",
            self.la if (jit >> 17) % 3 else 900 + (jit >> 23) % 99,
            1 + (jit >> 21) % 3 if missing else 0, 0,
            ("Yes" if missing else None), ("Yes" if missing and (jit >> 24) % 2 else
                                            ("No" if missing else None)),
            *team])
        if adoption:
            e1 = next((e.decom for e in eps if e.ls == "E1"), None)
            placed = next((e.decom for e in eps if e.place in _ADOPTION_PLACES), None)
            adopted = ceased if last.rec in ("E11", "E12") else None
            decision = max(begun, e1 - 60) if e1 is not None else None
            self.xlsx.append(self.sheet["List 10"], [
                common[0], (100_000 + int(block.index[i])) if placed is not None else None,
                common[1], common[2], common[3], int(common[4]), disabled, begun, decision, e1,
                max(begun, e1 or begun, placed - 14) if placed is not None else None, placed,
                adopted,
                None, None, None])


def check_fits(plan: Plan) -> None:
    """Refuse before writing anything when List 1 (one row per contact) cannot fit a sheet."""
    contacts = int(plan.cells[:, IN_YEAR].sum())
    if contacts > MAX_ROWS - 1:
        raise AnnexATooBig(
            f"Annex A List 1 would need {contacts:,} rows (one per contact), more than Excel's "
            f"limit of {MAX_ROWS - 1:,} data rows per sheet")
