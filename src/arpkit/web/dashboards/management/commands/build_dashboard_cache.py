"""``python -m arpkit.web build_dashboard_cache``: compute the dashboards' cached tables.

It also draws every dashboard page the filter forms offer (``prepared.prerender``), for the
whole authority and for the teams of each signed-up manager or practitioner, unless
``--no-prerender`` is given.

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
        parser.add_argument("--no-prerender", action="store_true",
                            help="do not draw every page ahead of time (pages are then drawn "
                                 "on first request)")
        parser.add_argument("--workers", type=int, default=2,
                            help="threads drawing pages ahead of time (default 2)")

    def handle(self, *args, **options) -> None:
        warehouse = options["warehouse"] or cache.warehouse_path()
        try:
            manifest = cache.build(warehouse, report_pack=not options["no_report_pack"],
                                   prerender=not options["no_prerender"],
                                   prerender_workers=options["workers"],
                                   progress=lambda msg: self.stdout.write(msg))
        except ArpkitError as exc:
            raise CommandError(str(exc)) from exc
        if manifest is None:
            self.stdout.write(f"{warehouse}: nothing imported yet; the dashboards will ask an "
                              "analyst to import data.")
            return
        if not options["no_prerender"]:  # the authority's pages are drawn; now the teams'
            from arpkit.web.dashboards import prepared

            prepared.prerender_everyone(manifest, workers=options["workers"],
                                        progress=lambda msg: self.stdout.write(msg))
        record_cache_built(key=manifest.key, periods=manifest.periods)
        years = ", ".join(map(str, manifest.periods)) or "none"
        self.stdout.write(self.style.SUCCESS(
            f"dashboard cache {manifest.key} built for periods {years} in "
            f"{manifest.directory()}"))
