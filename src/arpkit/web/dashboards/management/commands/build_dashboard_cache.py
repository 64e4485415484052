"""``python -m arpkit.web build_dashboard_cache``: compute the dashboards' cached tables.

Run after loading data outside the web platform (``make run`` imports the demo returns with
``arpkit import``, then calls this). Imports made in the browser rebuild the cache themselves.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from arpkit.engine.errors import ArpkitError
from arpkit.web.dashboards import cache
from arpkit.web.dashboards.services import record_cache_built


class Command(BaseCommand):
    help = "Compute the dashboards' metric, pathway, quality and team tables from the warehouse."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--warehouse", type=Path, default=None,
                            help="DuckDB warehouse (default: settings.WAREHOUSE_PATH)")
        parser.add_argument("--no-report-pack", action="store_true",
                            help="skip building the report pack download (faster)")

    def handle(self, *args, **options) -> None:
        warehouse = options["warehouse"] or cache.warehouse_path()
        try:
            manifest = cache.build(warehouse, report_pack=not options["no_report_pack"],
                                   progress=lambda msg: self.stdout.write(msg))
        except ArpkitError as exc:
            raise CommandError(str(exc)) from exc
        if manifest is None:
            self.stdout.write(f"{warehouse}: nothing imported yet; the dashboards will ask an "
                              "analyst to import data.")
            return
        record_cache_built(key=manifest.key, periods=manifest.periods)
        years = ", ".join(map(str, manifest.periods)) or "none"
        self.stdout.write(self.style.SUCCESS(
            f"dashboard cache {manifest.key} built for periods {years} in "
            f"{manifest.directory()}"))
