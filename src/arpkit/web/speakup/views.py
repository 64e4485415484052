"""Speak-up views: thin, every read through ``selectors.access_report_by_id``.

The reporting journey (start, anonymous form, receipt) is public, so it works without signing in
and from a shared device. Its responses are never cached and send no cross-site referrer
(``no_trace``), and views a reporter of an anonymous report uses never touch the session
(``_leave_no_trace``): a signed-in person who chooses anonymity leaves no session change,
message or log line linking them. After a receipt code is verified, the reporter carries a
short-lived signed token in the page's forms instead of any server-side state.
"""

from __future__ import annotations

import csv
import functools
import io
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from arpkit.web.audit.services import record
from arpkit.web.core.access import access
from arpkit.web.speakup import dashboard, forms, receipts, reminders, selectors, services
from arpkit.web.speakup.choices import Status

TOKEN_SALT = "arpkit.speakup.receipt"


def token_max_age() -> int:
    return int(getattr(settings, "ARPKIT_SPEAKUP_TOKEN_SECONDS", 30 * 60))


def no_trace(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """No caching, no referrer, nothing for the browser to keep or pass on."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store, max-age=0"
        response["Referrer-Policy"] = "same-origin"  # "no-referrer" makes Origin null: CSRF fails
        response["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response

    return wrapped


def _leave_no_trace(request: HttpRequest) -> None:
    """Keep this request out of the session store (the idle-time stamp included)."""
    if hasattr(request, "session"):
        request.session.modified = False


def _support() -> list[dict]:
    default = [
        {"title": "Employee assistance programme",
         "text": "Free, confidential counselling and advice, 24 hours a day. Ask HR or see the "
                 "intranet for the number; you do not need to say why you are calling."},
        {"title": "Staff networks",
         "text": "The Black, Asian and minority ethnic staff network offers peer support from "
                 "colleagues who understand."},
        {"title": "Wellbeing and occupational health",
         "text": "Talk to occupational health or a wellbeing champion about the emotional "
                 "impact of racism and of leading anti-racist work."},
    ]
    return list(getattr(settings, "ARPKIT_SPEAKUP_SUPPORT", default))


def _context(**extra: Any) -> dict:
    return {"support": _support(), "ack_days": services.acknowledge_days(),
            "exit_url": getattr(settings, "ARPKIT_SPEAKUP_EXIT_URL",
                                "https://www.bbc.co.uk/weather"), **extra}


def _submission(form: forms.ReportForm) -> services.Submission:
    data = form.cleaned_data
    return services.Submission(
        route=data["route"], source=data["source"], service_area=data["service_area"],
        happened_on=data["happened_on"], what_happened=data["what_happened"],
        impact=data["impact"], desired_outcome=data["desired_outcome"],
        support_wanted=list(data["support_wanted"]), attachment=data["attachment"])


# --------------------------------------------------------------------------- reporting


@access("public")
@no_trace
def start(request: HttpRequest) -> HttpResponse:
    _leave_no_trace(request)
    return render(request, "speakup/start.html", _context())


@access("public")
@no_trace
def report_anonymous(request: HttpRequest) -> HttpResponse:
    _leave_no_trace(request)
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report, code = services.report_submit(submission=_submission(form), anonymous=True)
        return render(request, "speakup/submitted.html", _context(
            anonymous=True, code=receipts.grouped(code or ""), report=report))
    return render(request, "speakup/report_form.html", _context(form=form, anonymous=True))


@access("speakup.report")
@no_trace
def report_named(request: HttpRequest) -> HttpResponse:
    form = forms.ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        report, _ = services.report_submit(submission=_submission(form),
                                           reporter=request.user, anonymous=False)
        return render(request, "speakup/submitted.html", _context(anonymous=False,
                                                                  report=report))
    return render(request, "speakup/report_form.html", _context(form=form, anonymous=False))


def _reporter_page(request: HttpRequest, report, *, token: str = "", status: int = 200,
                   message_form=None, feedback_form=None, notice: str = "") -> HttpResponse:
    content = selectors.report_content(report=report, viewer=request.user, request=request,
                                       as_reporter=True)
    return render(request, "speakup/reporter_report.html", _context(
        content=content, report=report, token=token, notice=notice,
        message_form=message_form or forms.ReporterMessageForm(prefix="reply"),
        feedback_form=feedback_form or forms.ReporterFeedbackForm(prefix="feedback"),
        action=reverse("speakup:receipt_reply") if token else
        reverse("speakup:my_report", kwargs={"report_id": report.id}),
        closed=report.status == Status.CLOSED), status=status)


@access("public")
@no_trace
def receipt(request: HttpRequest) -> HttpResponse:
    """Open an anonymous report with its receipt code (throttled against guessing)."""
    _leave_no_trace(request)
    form = forms.ReceiptForm(request.POST or None)
    if request.method != "POST":
        return render(request, "speakup/receipt.html", _context(form=form))
    if not receipts.check_allowed(request):
        form.is_valid()
        form.add_error(None, "Too many codes have been tried. Wait an hour and try again.")
        return render(request, "speakup/receipt.html", _context(form=form), status=429)
    if not form.is_valid():
        return render(request, "speakup/receipt.html", _context(form=form))
    report = selectors.report_for_receipt(form.cleaned_data["code"])
    if report is None:
        receipts.record_failure(request)
        form.add_error("code", "That code does not match a report. Check it and try again.")
        return render(request, "speakup/receipt.html", _context(form=form))
    report = selectors.access_report_by_id(user=request.user, report_id=report.id,
                                           grant=selectors.ReceiptGrant(report.id))
    return _reporter_page(request, report, token=_token(report))


def _token(report) -> str:
    return signing.TimestampSigner(salt=TOKEN_SALT).sign(str(report.id))


def _grant(token: str) -> selectors.ReceiptGrant:
    try:
        value = signing.TimestampSigner(salt=TOKEN_SALT).unsign(token, max_age=token_max_age())
    except signing.BadSignature as exc:
        raise Http404("expired") from exc
    return selectors.ReceiptGrant(selectors._parse(value))


def _reporter_post(request: HttpRequest, report, *, token: str = "") -> HttpResponse:
    """Handle a reply or a feedback answer from the reporter; re-show their report."""
    user = request.user if request.user.is_authenticated and not report.is_anonymous else None
    if "feedback-felt_resolved" in request.POST:
        feedback = forms.ReporterFeedbackForm(request.POST, prefix="feedback")
        if feedback.is_valid():
            try:
                services.reporter_feedback_record(
                    report=report, felt_resolved=feedback.cleaned_data["felt_resolved"],
                    user=user, request=None if report.is_anonymous else request)
            except ValidationError as exc:
                feedback.add_error(None, exc)
            else:
                return _reporter_page(request, report, token=token,
                                      notice="Thank you. Your answer has been recorded.")
        return _reporter_page(request, report, token=token, feedback_form=feedback)
    reply = forms.ReporterMessageForm(request.POST, request.FILES or None, prefix="reply")
    if reply.is_valid():
        try:
            services.reporter_message_add(
                report=report, body=reply.cleaned_data["body"], user=user,
                request=None if report.is_anonymous else request,
                attachment=reply.cleaned_data["attachment"])
        except ValidationError as exc:
            reply.add_error(None, exc)
        else:
            return _reporter_page(request, report, token=token,
                                  notice="Your message has been sent to the speak-up officer.")
    return _reporter_page(request, report, token=token, message_form=reply)


@access("public")
@no_trace
@require_POST
def receipt_reply(request: HttpRequest) -> HttpResponse:
    _leave_no_trace(request)
    try:
        grant = _grant(request.POST.get("token", ""))
    except Http404:
        form = forms.ReceiptForm()
        return render(request, "speakup/receipt.html", _context(
            form=form, expired=True), status=403)
    report = selectors.access_report_by_id(user=request.user, report_id=grant.report_id,
                                           grant=grant)
    return _reporter_post(request, report, token=_token(report))


@access("speakup.report")
def my_reports(request: HttpRequest) -> HttpResponse:
    return render(request, "speakup/my_reports.html", _context(
        reports=selectors.reports_of_reporter(user=request.user)))


@access("speakup.report")
@no_trace
def my_report(request: HttpRequest, report_id) -> HttpResponse:
    report = selectors.access_report_by_id(user=request.user, report_id=report_id,
                                           as_reporter=True)
    if request.method == "POST":
        return _reporter_post(request, report)
    return _reporter_page(request, report)


# --------------------------------------------------------------------------- officers


@access("speakup.handle")
def cases(request: HttpRequest) -> HttpResponse:
    return render(request, "speakup/cases.html", {
        "queue": selectors.triage_queue(user=request.user),
        "assigned": selectors.assigned_reports(user=request.user),
        "reminders": reminders.reminders_for(request.user),
        "ack_days": services.acknowledge_days(),
        "today": timezone.localdate(),
    })


@access("speakup.handle")
@require_POST
def case_take(request: HttpRequest, report_id) -> HttpResponse:
    """Take a report from the triage queue (assign it to yourself)."""
    report = selectors.report_for_assignment(user=request.user, report_id=report_id)
    try:
        services.report_assign(report=report, officer=request.user, by=request.user,
                               request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("speakup:cases")
    return redirect("speakup:case", report_id=report.id)


ACTIONS = {
    "acknowledge": (forms.AcknowledgeForm,
                    lambda r, u, d, q: services.report_acknowledge(
                        report=r, by=u, message=d["message"], request=q),
                    "Report acknowledged."),
    "categorise": (forms.CategoriseForm,
                   lambda r, u, d, q: services.report_categorise(
                       report=r, by=u, category=d["category"], labels=d["labels"], request=q),
                   "Category saved."),
    "risk": (forms.RiskForm,
             lambda r, u, d, q: services.report_assess_risk(
                 report=r, by=u, risk=d["risk"], note=d["note"], request=q),
             "Risk assessment saved."),
    "message": (forms.MessageForm,
                lambda r, u, d, q: services.officer_message_add(
                    report=r, by=u, body=d["body"], request=q),
                "Message sent to the reporter."),
    "action": (forms.ActionForm,
               lambda r, u, d, q: services.report_record_action(
                   report=r, by=u, note=d["note"], request=q),
               "Action recorded."),
    "close": (forms.CloseForm,
              lambda r, u, d, q: services.report_close(
                  report=r, by=u, outcome=d["outcome"], resolution=d["resolution"], request=q),
              "Report closed."),
    "feedback": (forms.OfficerFeedbackForm,
                 lambda r, u, d, q: services.officer_feedback_record(
                     report=r, by=u, felt_resolved=d["felt_resolved"], request=q),
                 "Reporter's view recorded."),
    "detriment": (forms.DetrimentForm,
                  lambda r, u, d, q: services.report_flag_detriment(
                      report=r, by=u, flagged=d["flagged"], note=d["note"], request=q),
                  "Detriment flag saved."),
}


@access("speakup.handle")
@no_trace
def case(request: HttpRequest, report_id) -> HttpResponse:
    report = selectors.access_report_by_id(user=request.user, report_id=report_id)
    bound: dict[str, Any] = {}
    if request.method == "POST":
        if request.POST.get("action") == "assign":
            return _reassign(request, report)
        name = request.POST.get("action", "")
        if name not in ACTIONS:
            raise Http404("unknown action")
        form_class, act, done = ACTIONS[name]
        form = form_class(request.POST, prefix=name)
        if form.is_valid():
            try:
                act(report, request.user, form.cleaned_data, request)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, done)
                return redirect("speakup:case", report_id=report.id)
        bound[name] = form
    content = selectors.report_content(report=report, viewer=request.user, request=request,
                                       as_reporter=False)
    action_forms = {name: bound.get(name) or spec[0](prefix=name)
                    for name, spec in ACTIONS.items()}
    officers = [o for o in selectors.officers_for_assignment(exclude_reporter_of=report)
                if o.pk != request.user.pk]
    return render(request, "speakup/case.html", {
        "report": report, "content": content, "forms": action_forms,
        "readers": selectors.report_readers(report), "officers": officers,
        "assign_form": forms.AssignForm(prefix="assign", officers=officers),
        "ack_due": selectors.ack_due_on(report), "error_forms": list(bound.values()),
    })


def _reassign(request: HttpRequest, report) -> HttpResponse:
    officers = selectors.officers_for_assignment(exclude_reporter_of=report)
    form = forms.AssignForm(request.POST, prefix="assign", officers=officers)
    if form.is_valid():
        officer = next(o for o in officers if str(o.pk) == form.cleaned_data["officer"])
        try:
            services.report_assign(report=report, officer=officer, by=request.user,
                                   request=request)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("speakup:case", report_id=report.id)
        messages.success(request, f"Report handed over to {officer.display_name}.")
        return redirect("speakup:cases")
    return redirect("speakup:case", report_id=report.id)


@access("speakup.handle")
def case_download(request: HttpRequest, report_id) -> HttpResponse:
    """The report as a plain-text file for a formal process (audited as an export)."""
    report = selectors.access_report_by_id(user=request.user, report_id=report_id)
    content = selectors.report_content(report=report, viewer=request.user, request=request,
                                       as_reporter=False, export=True)
    text = render(request, "speakup/case_export.txt", {"report": report,
                                                       "content": content}).content
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="speak-up-{report.reference}.txt"')
    response["Cache-Control"] = "no-store"
    return response


@access("speakup.handle")
def case_attachment(request: HttpRequest, report_id, attachment_id) -> HttpResponse:
    report = selectors.access_report_by_id(user=request.user, report_id=report_id)
    name, content_type, data = selectors.attachment_bytes(
        report=report, attachment_id=attachment_id, viewer=request.user, request=request)
    response = HttpResponse(data, content_type=content_type)
    safe = "".join(ch for ch in name if ch.isalnum() or ch in "._- ")[:100] or "attachment"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --------------------------------------------------------------------------- learning


@access("speakup.learn")
def learning(request: HttpRequest) -> HttpResponse:
    board = dashboard.build()
    record("speakup.dashboard_viewed", actor=request.user, request=request)
    return render(request, "speakup/learning.html", {"board": board})


@access("speakup.learn")
def learning_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404("unknown format")
    board = dashboard.build()
    frame = board.export_frame()
    record("speakup.dashboard_exported", actor=request.user, request=request,
           extra={"format": fmt, "rows": len(frame)})
    if fmt == "csv":
        buffer = io.StringIO()
        frame.to_csv(buffer, index=False, quoting=csv.QUOTE_MINIMAL)
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    else:
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, sheet_name="Speak up")
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="speak-up-learning.{fmt}"'
    return response
