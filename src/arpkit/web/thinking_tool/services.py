"""Writes for the Thinking Tool: each in a transaction, each recorded in the audit log.

The audit log holds codes only (status, work kind, prompt key, counts); answers and manager
comments are free text about a child and stay in this app's tables.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from arpkit.engine.ethnicity import group_for_code
from arpkit.web.accounts.models import Team, User
from arpkit.web.audit.services import record
from arpkit.web.thinking_tool import children
from arpkit.web.thinking_tool.models import (
    Answer,
    EthnicitySource,
    Prompt,
    PromptVersion,
    Status,
    Tool,
    ToolEvent,
)


def _event(tool: Tool, action: str, by: User, comment: str = "") -> ToolEvent:
    return ToolEvent.objects.create(tool=tool, action=action, status=tool.status, actor=by,
                                    comment=comment)


@transaction.atomic
def tool_create(*, by: User, child_id: str, work_kind: str, work_date: dt.date, team: Team,
                ethnicity_code: str = "", request: HttpRequest | None = None) -> Tool:
    """Open a tool for a child.  The id is pseudonymised here and not kept.

    The ethnic group comes from the warehouse when it holds the child (what the statutory
    returns record); otherwise ``ethnicity_code`` from the case record is required.
    """
    if not team.memberships.filter(user=by).exists():
        raise ValidationError({"team": "Choose one of your own teams"})
    key = children.pseudonymise(child_id)
    found = children.warehouse_child(key)
    if found is not None:
        code, group, source = found.ethnicity_code or "", found.ethnicity_group, \
            EthnicitySource.WAREHOUSE
    elif ethnicity_code:
        code, group, source = ethnicity_code, group_for_code(ethnicity_code), \
            EthnicitySource.CASE_RECORD
    else:
        raise ValidationError({"ethnicity_code": (
            "This child is not in the warehouse yet. Choose the child\u2019s ethnicity as "
            "recorded on the case record")})
    tool = Tool.objects.create(child_key=key, work_kind=work_kind, work_date=work_date,
                               team=team, practitioner=by, ethnicity_code=code,
                               ethnicity_group=group, ethnicity_source=source)
    _event(tool, "created", by)
    record("thinking_tool.created", actor=by, obj=tool, request=request,
           extra={"work_kind": work_kind, "ethnicity_source": source})
    return tool


@transaction.atomic
def tool_save_answers(*, tool: Tool, by: User, answers: dict[int, tuple[str, str]],
                      request: HttpRequest | None = None) -> int:
    """Save the author's answers (prompt id -> (voice, reflection)); returns answers changed.

    An answer whose text changes is re-pinned to the prompt's current version, because it now
    answers that wording; an unchanged answer keeps the version it answered.
    """
    if tool.practitioner_id != by.pk or not tool.editable:
        raise ValidationError("only the author can change a draft or returned tool")
    prompts = {p.pk: p for p in Prompt.objects.filter(pk__in=answers)}
    changed = 0
    for prompt_id, (voice, reflection) in answers.items():
        prompt = prompts[prompt_id]
        voice = voice.strip() if prompt.asks_voice else ""
        reflection = reflection.strip()
        existing = tool.answers.filter(prompt=prompt).first()
        if existing is None:
            if not (voice or reflection):
                continue
            Answer.objects.create(tool=tool, prompt=prompt, prompt_version=prompt.current,
                                  voice=voice, reflection=reflection)
            changed += 1
        elif (existing.voice, existing.reflection) != (voice, reflection):
            existing.voice, existing.reflection = voice, reflection
            existing.prompt_version = prompt.current
            existing.save()
            changed += 1
    if changed:
        tool.save(update_fields=["updated_at"])
        _event(tool, "saved", by)
    record("thinking_tool.saved", actor=by, obj=tool, request=request,
           extra={"answers_changed": changed})
    return changed


@transaction.atomic
def tool_submit(*, tool: Tool, by: User, request: HttpRequest | None = None) -> Tool:
    if tool.practitioner_id != by.pk or not tool.editable:
        raise ValidationError("only the author can submit a draft or returned tool")
    if all(a.is_empty for a in tool.answers.all()):
        raise ValidationError("Answer at least one prompt before submitting")
    tool.status = Status.SUBMITTED
    tool.submitted_at = timezone.now()
    tool.save(update_fields=["status", "submitted_at", "updated_at"])
    _event(tool, "submitted", by)
    record("thinking_tool.submitted", actor=by, obj=tool, request=request)
    return tool


def _check_manager(tool: Tool, by: User) -> None:
    from arpkit.web.thinking_tool.selectors import can_sign_off

    if not can_sign_off(by, tool):
        raise ValidationError("only a manager of the tool\u2019s team can sign it off")


@transaction.atomic
def tool_sign_off(*, tool: Tool, by: User, request: HttpRequest | None = None) -> Tool:
    _check_manager(tool, by)
    tool.status = Status.SIGNED_OFF
    tool.signed_off_at = timezone.now()
    tool.signed_off_by = by
    tool.save(update_fields=["status", "signed_off_at", "signed_off_by", "updated_at"])
    _event(tool, "signed_off", by)
    record("thinking_tool.signed_off", actor=by, obj=tool, request=request)
    return tool


@transaction.atomic
def tool_return(*, tool: Tool, by: User, comment: str,
                request: HttpRequest | None = None) -> Tool:
    _check_manager(tool, by)
    if not comment.strip():
        raise ValidationError({"comment": "Say what the practitioner should change"})
    tool.status = Status.RETURNED
    tool.save(update_fields=["status", "updated_at"])
    _event(tool, "returned", by, comment=comment.strip())
    record("thinking_tool.returned", actor=by, obj=tool, request=request)
    return tool


@transaction.atomic
def prompt_revise(*, prompt: Prompt, by: User, text: str, guidance: str = "", source: str = "",
                  active: bool = True, request: HttpRequest | None = None
                  ) -> PromptVersion | None:
    """Change a prompt's wording by adding its next version (None when nothing changed).

    Answers already given keep pointing at the version they answered.
    """
    text, guidance, source = text.strip(), guidance.strip(), source.strip()
    if not text:
        raise ValidationError({"text": "Enter the prompt"})
    current = prompt.current
    changed_active = prompt.active != active
    if changed_active:
        prompt.active = active
        prompt.save(update_fields=["active"])
    if current and (current.text, current.guidance, current.source) == (text, guidance, source):
        if changed_active:
            record("thinking_tool.prompt_revised", actor=by, obj=prompt, request=request,
                   extra={"prompt": prompt.key, "active": active})
        return None
    version = PromptVersion.objects.create(prompt=prompt,
                                           number=(current.number + 1) if current else 1,
                                           text=text, guidance=guidance, source=source,
                                           created_by=by)
    record("thinking_tool.prompt_revised", actor=by, obj=prompt, request=request,
           extra={"prompt": prompt.key, "version": version.number, "active": active})
    return version
