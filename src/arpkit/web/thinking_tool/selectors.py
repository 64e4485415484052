"""Which Thinking Tools a user may see, edit or sign off (object-level rules).

* A draft is seen only by the practitioner who wrote it.
* Once submitted, a tool is seen by the members of its team (practitioners see their team's
  submitted tools; team managers those of the teams they belong to).
* Only a manager of the tool's team signs it off, and never their own tool.
* The practitioner-position answers (self-reflection) are shown only to the author and the
  managers of the team, as web.md section 4 advises for supervision.

Missing and forbidden records raise the same Http404 so existence does not leak.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from arpkit.web.accounts.models import Team, TeamMembership, User
from arpkit.web.core.permissions import has_permission
from arpkit.web.thinking_tool.models import Domain, Prompt, Status, Tool

PRIVATE_DOMAIN = "practitioner-position"


def tools_visible_to(user: User) -> QuerySet[Tool]:
    if not has_permission(user, "thinking_tool.use"):
        return Tool.objects.none()
    teams = Team.objects.filter(memberships__user=user)
    return (Tool.objects.filter(Q(practitioner=user)
                                | (~Q(status=Status.DRAFT) & Q(team__in=teams)))
            .select_related("team", "practitioner").distinct())


def my_tools(user: User) -> QuerySet[Tool]:
    return tools_visible_to(user).filter(practitioner=user)


def team_submitted_tools(user: User) -> QuerySet[Tool]:
    return tools_visible_to(user).exclude(practitioner=user).exclude(status=Status.DRAFT)


def managed_teams(user: User) -> QuerySet[Team]:
    return Team.objects.filter(memberships__user=user, memberships__is_manager=True)


def awaiting_sign_off(user: User) -> QuerySet[Tool]:
    if not has_permission(user, "thinking_tool.sign_off"):
        return Tool.objects.none()
    return (Tool.objects.filter(status=Status.SUBMITTED, team__in=managed_teams(user))
            .exclude(practitioner=user).select_related("team", "practitioner"))


def tool_for_view(user: User, pk: int) -> Tool:
    tool = tools_visible_to(user).filter(pk=pk).first()
    if tool is None:
        raise Http404("no such Thinking Tool")
    return tool


def tool_for_edit(user: User, pk: int) -> Tool:
    """The author's own tool (draft or returned are editable; the view checks which)."""
    tool = tools_visible_to(user).filter(pk=pk, practitioner=user).first()
    if tool is None:
        raise Http404("no such Thinking Tool")
    return tool


def tool_for_sign_off(user: User, pk: int) -> Tool:
    tool = awaiting_sign_off(user).filter(pk=pk).first()
    if tool is None:
        raise Http404("no such Thinking Tool awaiting your sign-off")
    return tool


def can_sign_off(user: User, tool: Tool) -> bool:
    return awaiting_sign_off(user).filter(pk=tool.pk).exists()


def sees_reflection(user: User, tool: Tool) -> bool:
    if tool.practitioner_id == user.pk:
        return True
    return TeamMembership.objects.filter(user=user, team=tool.team, is_manager=True).exists()


def timeline(user: User, child_key: str) -> QuerySet[Tool]:
    return (tools_visible_to(user).filter(child_key=child_key)
            .prefetch_related("events__actor").order_by("work_date", "pk"))


def answer_rows(user: User, tool: Tool) -> list[dict]:
    """Domains with their prompts and this tool's answers, for display.  Each answer shows the
    wording of the version it answered (not the current one)."""
    answers = {a.prompt_id: a for a in tool.answers.select_related("prompt_version")}
    private_ok = sees_reflection(user, tool)
    out = []
    for domain in Domain.objects.prefetch_related("prompts__versions"):
        if domain.key == PRIVATE_DOMAIN and not private_ok:
            out.append({"domain": domain, "hidden": True, "items": []})
            continue
        items = []
        for prompt in domain.prompts.all():
            answer = answers.get(prompt.pk)
            if answer is None and not prompt.active:
                continue
            version = answer.prompt_version if answer else prompt.current
            items.append({"prompt": prompt, "version": version, "answer": answer,
                          "current": prompt.current})
        out.append({"domain": domain, "hidden": False, "items": items})
    return out


def prompts_for_editing(user: User) -> QuerySet[Prompt]:
    if not has_permission(user, "thinking_tool.edit_prompts"):
        return Prompt.objects.none()
    return Prompt.objects.select_related("domain").prefetch_related("versions")


def prompt_for_editing(user: User, pk: int) -> Prompt:
    prompt = prompts_for_editing(user).filter(pk=pk).first()
    if prompt is None:
        raise Http404("no such prompt")
    return prompt


def active_prompts() -> QuerySet[Prompt]:
    return (Prompt.objects.filter(active=True).select_related("domain")
            .prefetch_related("versions"))
