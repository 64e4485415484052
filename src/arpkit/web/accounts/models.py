"""People, their roles and the teams that scope what a manager sees.

Roles are rows, not Django groups or model permissions: arpkit's rules are in
``arpkit.web.core.permissions`` and a role assignment is just a fact about a person.
Team codes are the team names the warehouse holds (Annex A / case-system extract), so a
manager's dashboard can be filtered to their own teams.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from arpkit.web.core.permissions import ROLE_LABELS, Role

ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class User(AbstractUser):
    """A member of staff. No ethnicity or other special-category data is held on accounts."""

    class Meta:
        ordering = ["username"]

    def role_names(self) -> list[str]:
        return list(self.role_assignments.values_list("role", flat=True))

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=32, choices=ROLE_CHOICES)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="one_role_once")]

    def __str__(self) -> str:
        return f"{self.user} as {self.get_role_display()}"


class Team(models.Model):
    """A social work team or service, named as in the returns (Annex A 'team' column)."""

    code = models.CharField(max_length=120, unique=True)
    name = models.CharField(max_length=200)
    service = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TeamMembership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    is_manager = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="member_once")]
