"""Who may read a report: assigned officers only; reporters their own; everyone else refused."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from arpkit.web.audit.models import AuditEvent
from arpkit.web.core.permissions import Role
from arpkit.web.speakup import selectors, services
from tests.web.speakup import factories
from tests.web.support import make_user, sign_in

CASE_PAGES = ["speakup:case", "speakup:case_download"]


@pytest.fixture
def officer():
    return make_user(Role.SPEAKUP_OFFICER, username="officer-a")


@pytest.fixture
def report(officer):
    return factories.assigned_report(officer)


@pytest.mark.parametrize("name", CASE_PAGES)
def test_the_assigned_officer_can_read_the_report(client, officer, report, name):
    sign_in(client, officer)
    assert client.get(reverse(name, kwargs={"report_id": report.id})).status_code == 200


@pytest.mark.parametrize("name", CASE_PAGES)
def test_an_officer_not_assigned_gets_403(client, report, name):
    other = make_user(Role.SPEAKUP_OFFICER, username="officer-b")
    sign_in(client, other)
    assert client.get(reverse(name, kwargs={"report_id": report.id})).status_code == 403


def test_an_unassigned_report_in_the_queue_cannot_be_read_until_taken(client):
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-q")
    report = factories.named_report(make_user(Role.PRACTITIONER, username="p"))
    sign_in(client, officer)
    url = reverse("speakup:case", kwargs={"report_id": report.id})
    assert client.get(url).status_code == 403
    client.post(reverse("speakup:case_take", kwargs={"report_id": report.id}))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [r for r in Role if r != Role.SPEAKUP_OFFICER],
                         ids=lambda r: r.value)
def test_every_non_officer_role_gets_403_on_every_report_page(client, report, role):
    sign_in(client, make_user(role, username=f"x-{role.value}"))
    attachment_report = report
    services.reporter_message_add(report=attachment_report, body="file",
                                  user=attachment_report.reporter,
                                  attachment=services.Upload("a.txt", "text/plain", b"hello"))
    urls = [reverse(n, kwargs={"report_id": report.id}) for n in CASE_PAGES]
    urls.append(reverse("speakup:case_attachment", kwargs={
        "report_id": report.id, "attachment_id": report.attachments.get().id}))
    for url in urls:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("speakup:case_take",
                               kwargs={"report_id": report.id})).status_code == 403


def test_a_reporter_reads_their_own_named_report_but_not_anyone_elses(client):
    me = make_user(Role.PRACTITIONER, username="me")
    them = make_user(Role.PRACTITIONER, username="them")
    mine = factories.named_report(me)
    theirs = factories.named_report(them)
    anonymous, _ = factories.anonymous_report()
    sign_in(client, me)
    assert client.get(reverse("speakup:my_report",
                              kwargs={"report_id": mine.id})).status_code == 200
    for other in (theirs, anonymous):
        assert client.get(reverse("speakup:my_report",
                                  kwargs={"report_id": other.id})).status_code == 404


def test_the_gate_says_not_found_for_missing_and_malformed_ids(officer):
    with pytest.raises(Http404):
        selectors.access_report_by_id(user=officer, report_id=uuid.uuid4())
    with pytest.raises(Http404):
        selectors.access_report_by_id(user=officer, report_id="not-a-uuid")


def test_the_gate_refuses_a_receipt_grant_for_another_report(report):
    anonymous, _ = factories.anonymous_report()
    with pytest.raises(Http404):
        selectors.access_report_by_id(user=None, report_id=anonymous.id,
                                      grant=selectors.ReceiptGrant(report.id))
    assert selectors.access_report_by_id(
        user=None, report_id=anonymous.id,
        grant=selectors.ReceiptGrant(anonymous.id)).pk == anonymous.pk


def test_the_gate_refuses_handling_to_non_officers(report):
    manager = make_user(Role.TEAM_MANAGER, username="mgr")
    with pytest.raises(PermissionDenied):
        selectors.access_report_by_id(user=manager, report_id=report.id)


def test_every_read_and_export_is_audited_and_officers_see_who_else_read(client, officer,
                                                                         report):
    sign_in(client, officer)
    client.get(reverse("speakup:case", kwargs={"report_id": report.id}))
    client.get(reverse("speakup:case_download", kwargs={"report_id": report.id}))
    actions = list(AuditEvent.objects.filter(object_id=str(report.id))
                   .values_list("action", "actor_label"))
    assert ("speakup.report_read", "officer-a") in actions
    assert ("speakup.report_exported", "officer-a") in actions
    second = make_user(Role.SPEAKUP_OFFICER, username="officer-b")
    services.report_assign(report=report, officer=second, by=officer)
    sign_in(client, second)
    page = client.get(reverse("speakup:case", kwargs={"report_id": report.id}))
    readers = page.content.decode().split("Who has read this report")[1]
    assert "officer-a" in readers and "officer-b" in readers


def test_an_officer_cannot_take_a_report_assigned_to_someone_else(client, report):
    sign_in(client, make_user(Role.SPEAKUP_OFFICER, username="officer-c"))
    response = client.post(reverse("speakup:case_take", kwargs={"report_id": report.id}))
    assert response.status_code == 403


def test_an_officer_is_never_given_their_own_named_report(client):
    officer = make_user(Role.SPEAKUP_OFFICER, username="officer-self")
    own = factories.named_report(officer)
    assert own not in selectors.triage_queue(user=officer)
    sign_in(client, officer)
    response = client.post(reverse("speakup:case_take", kwargs={"report_id": own.id}))
    assert response.status_code == 403
    with pytest.raises(Exception, match="own report"):
        services.report_assign(report=own, officer=officer,
                               by=make_user(Role.SPEAKUP_OFFICER, username="other"))
