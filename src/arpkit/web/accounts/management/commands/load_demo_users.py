"""Create one demo user per role with a random password, for ``make run``.

Passwords are printed once and written to a 0600 file; run again to issue fresh passwords.
Teams come from the team names in the warehouse, and the demo manager and practitioner are
put in the first of them, so the scoping of what managers see can be tried out.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from arpkit.web.accounts import services
from arpkit.web.accounts.models import User
from arpkit.web.core.permissions import TWO_FACTOR_ROLES, Role


class Command(BaseCommand):
    help = "Create or refresh one demo user per role and print their passwords"

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None,
                            help="file for the passwords (default var/demo-users.txt, mode 0600)")

    @transaction.atomic
    def handle(self, *args, out: Path | None = None, **options):
        teams = services.ensure_teams(services.warehouse_team_names(settings.WAREHOUSE_PATH))
        home_team = teams[:1]
        lines = []
        for role in Role:
            username = f"demo-{role.value.replace('_', '-')}"
            password = services.generate_password()
            user = User.objects.filter(username=username).first()
            if user is None:
                user = services.create_user(
                    username=username, password=password, roles=[role],
                    teams=home_team if role in (Role.TEAM_MANAGER, Role.PRACTITIONER) else [],
                    manages_teams=role == Role.TEAM_MANAGER,
                    first_name="Demo", last_name=role.label)
            else:
                user.set_password(password)
                user.save(update_fields=["password"])
            note = " (sets up two-factor at first sign-in)" if role in TWO_FACTOR_ROLES else ""
            lines.append(f"{role.label:<24} {username:<24} {password}{note}")
        out = out or settings.VAR_DIR / "demo-users.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write("\n".join(lines) + "\n")
        os.chmod(out, 0o600)
        self.stdout.write("Demo users (role, user name, password):")
        for line in lines:
            self.stdout.write("  " + line)
        self.stdout.write(f"Also written to {out} (readable only by you).")
