"""URL arguments for the case audit views, as records the signed-in user is entitled to."""

from __future__ import annotations

import itertools

from arpkit.web.audits.models import AuditCase, AuditRound, CaseStatus, Questionnaire

_n = itertools.count()


def make_round(user=None) -> AuditRound:
    from tests.web.support import make_user

    creator = user or make_user(username=f"sample-creator-{next(_n)}")
    frame = [[f"{i:064x}", "WHITE" if i % 2 else "BLACK"] for i in range(10)]
    audit_round = AuditRound.objects.create(
        name="Sample round", questionnaire=Questionnaire.objects.first(), stages=["cin"],
        period=2025, allocation="equal", size=4, seed=1, frame=frame, frame_fingerprint="0",
        strata=[{"stratum": "WHITE", "frame_size": 5, "sample_size": 2, "weight": 2.5},
                {"stratum": "BLACK", "frame_size": 5, "sample_size": 2, "weight": 2.5}],
        created_by=creator)
    for key, stratum in frame[:4]:
        AuditCase.objects.create(round=audit_round, child_key=key, stratum=stratum,
                                 stage="cin", weight=2.5)
    return audit_round


def _round(user) -> dict:
    return {"pk": make_round(user).pk}


def _case_to_assign(user) -> dict:
    return {"pk": make_round(user).cases.first().pk}


def _case(user) -> dict:
    case = make_round().cases.first()
    if user is not None:
        case.auditor = user
        case.status = CaseStatus.ASSIGNED
        case.save()
    return {"pk": case.pk}


SAMPLES = {
    "audits:round": _round,
    "audits:round_verify": _round,
    "audits:findings": _round,
    "audits:findings_export": _round,
    "audits:assign": _case_to_assign,
    "audits:case": _case,
}
