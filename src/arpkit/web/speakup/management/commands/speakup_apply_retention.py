"""Delete the identifying content of speak-up reports whose retention has ended (run daily)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from arpkit.web.speakup.retention import apply_retention


class Command(BaseCommand):
    help = "Purge the content of closed speak-up reports past their retention date."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", help="act as if today were this date (YYYY-MM-DD)")

    def handle(self, *args, date: str | None = None, **options) -> None:
        on = self._date(date)
        result = apply_retention(on=on)
        self.stdout.write(f"Purged {result['purged']} report(s) due on or before {on}; "
                          f"storage compacted: {'yes' if result['compacted'] else 'no'}.")

    @staticmethod
    def _date(text: str | None) -> date:
        if not text:
            return timezone.localdate()
        try:
            return date.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(f"--date {text!r} is not a date like 2025-04-01") from exc
