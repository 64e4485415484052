"""Email speak-up officers about overdue acknowledgements, stalled cases and waiting reports.

Run daily. Each reminder is sent once (see ``arpkit.web.speakup.reminders``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from arpkit.web.speakup.management.commands.speakup_apply_retention import Command as _Dated
from arpkit.web.speakup.reminders import send_reminders


class Command(BaseCommand):
    help = "Send speak-up reminders that are due."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="act as if today were this date (YYYY-MM-DD)")
        parser.add_argument("--base-url", default="",
                            help="the site address for links in emails, e.g. https://arpkit.example")

    def handle(self, *args, date: str | None = None, base_url: str = "", **options) -> None:
        on = _Dated._date(date) if date else timezone.localdate()
        sent = send_reminders(on=on, base_url=base_url.rstrip("/"))
        self.stdout.write(f"Sent {sent} reminder(s) for {on}.")
