"""Dashboard page bodies rendered ahead of time, so a request only looks one up.

Why: drawing a page from the cached tables costs a pandas filter of the whole metrics table
(tens to hundreds of milliseconds), the charts (vl-convert, a few hundred milliseconds each
the first time) and the template of every table cell (tens of milliseconds). Under 50
concurrent users on two cores that made pages take seconds (benchmarks/README.md, "Web
dashboards under load"). But what a page shows depends only on the cache, the viewer's
suppression and team scope, and the filters, and the filters can only take the values the
form offers: a finite set. So the body of each page (captions, figures with their tables,
tables, or the "no figures" message) is rendered once to HTML and kept

* on disk beside the cached tables (``<cache>/<key>/pages/<hash>.json``, written atomically),
  so every worker process and every restart reuses it, and
* in memory in each process (an LRU keyed by the same hash).

:func:`prerender` fills the disk store for every combination the filter forms offer, for the
authority-wide scope in both suppressions, when the cache is built (and for the team scopes
of signed-up managers and practitioners when the command is given them); anything else (a new
manager's teams) is rendered on first request and then persisted like the rest. A request that
finds its body makes no pandas call and no vl-convert call.

The key holds exactly what the body depends on: the page, the suppression, the filters the
page uses, and the team scope only where the page shows team rows (the team funnels, and the
disproportionality page broken down by team). Different suppression or scope gives a
different key, so a stored body never shows a viewer rows they may not see.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from arpkit.engine.metrics import STAGES
from arpkit.web.dashboards import cache
from arpkit.web.dashboards.forms import DEFAULTS, PAGE_FIELDS
from arpkit.web.dashboards.pages import (
    BREAKDOWNS,
    ETHNIC_BREAKDOWNS,
    FUNNEL_CHOICES,
    PAGES,
    TREND_MEASURES,
)
from arpkit.web.dashboards.stored import DiskMemo

#: Bodies kept in memory per process (a body is 5-150 kB, most of it SVG).
MEMORY_LIMIT = 1024
#: The templates a body is rendered with: a change to any of them changes every key.
BODY_TEMPLATES = ("body.html", "figure.html", "table.html")
BASES = ("at_31_march", "in_year")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Body:
    """A page body ready for ``page.html``: the HTML, and whether it is the "no figures"
    message (then the page offers no downloads)."""

    html: str
    empty: bool


@lru_cache(maxsize=1)
def _template_version() -> str:
    folder = Path(__file__).resolve().parent / "templates" / "dashboards" / "includes"
    h = hashlib.sha256()
    for name in BODY_TEMPLATES:
        h.update((folder / name).read_bytes())
    return h.hexdigest()[:12]


def _scope_matters(slug: str, filters: dict[str, Any]) -> bool:
    return slug == "teams" or (slug == "disproportionality"
                               and filters.get("breakdown") == "team")


def key_parts(slug: str, suppression: str, scope: frozenset[str] | None,
              filters: dict[str, Any]) -> tuple[Any, ...]:
    """What a page body depends on, normalised so equal bodies share one key.

    The team filter only applies to the disproportionality page when it is broken down by
    team, and the trend page shows ethnic groups for a team breakdown (pages.trends), so those
    are folded to the values the page actually uses.
    """
    chosen = {name: "" if filters.get(name) is None else str(filters[name])
              for name in PAGE_FIELDS[slug]}
    if slug == "disproportionality" and chosen["breakdown"] != "team":
        chosen["team"] = ""
    if slug == "trends" and chosen["breakdown"] == "team":
        chosen["breakdown"] = "ethnicity_group"
    team_scope = (tuple(sorted(scope)) if scope is not None and _scope_matters(slug, chosen)
                  else None)
    return (_template_version(), slug, suppression, team_scope, tuple(sorted(chosen.items())))


def body_key(parts: tuple[Any, ...]) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def render_body(data: Any, slug: str, filters: dict[str, Any]) -> Body:
    """Draw the page from the cached tables (pandas, figures) and render its body."""
    from django.template.loader import render_to_string

    page = PAGES[slug](data, filters)
    html = render_to_string("dashboards/includes/body.html", {"page": page})
    return Body(html=html.strip(), empty=bool(page.empty_message))


class BodyStore(DiskMemo[Body]):
    """Page bodies in memory and under ``<cache directory>/pages/`` (:mod:`.stored`)."""

    def __init__(self, limit: int = MEMORY_LIMIT) -> None:
        super().__init__(Body, "pages", limit)

    def get_or_render(self, directory: Path, key: str, draw: Callable[[], Body]) -> Body:
        return self.get_or_draw(directory, key, draw)


BODIES = BodyStore()


def body_for(data: Any, slug: str, filters: dict[str, Any]) -> Body:
    """The body of ``slug`` with ``filters`` as ``data``'s viewer may see it."""
    key = body_key(key_parts(slug, data.suppression, data.team_scope, filters))
    return BODIES.get_or_render(data.directory, key, lambda: render_body(data, slug, filters))


_FIELDS: OrderedDict[tuple[Any, ...], str] = OrderedDict()
_FIELDS_LOCK = threading.Lock()
FIELDS_LIMIT = 1024


def filter_fields(form: Any, slug: str) -> str:
    """The filter form's fields as GOV.UK HTML (``{% govuk_field %}`` for each).

    Rendering five selects through Django's widget templates is most of what a page request
    costs once its body is ready, and a form without errors renders the same for the same
    values and choices, so those are kept per process (a form with errors is rendered each
    time: its messages are about what this user typed).
    """
    from django.template.loader import render_to_string
    from django.utils.safestring import mark_safe

    if form.is_bound and form.errors:
        return render_to_string("dashboards/includes/filter_fields.html", {"form": form})
    key = (slug, form.is_bound,
           tuple((name, str(form.data.get(name, "")) if form.is_bound else "",
                  tuple((str(v), str(label)) for v, label in field.choices)
                  if hasattr(field, "choices") else ())
                 for name, field in form.fields.items()))
    with _FIELDS_LOCK:
        hit = _FIELDS.get(key)
        if hit is not None:
            _FIELDS.move_to_end(key)
            return hit
    html = mark_safe(render_to_string("dashboards/includes/filter_fields.html", {"form": form}))
    with _FIELDS_LOCK:
        _FIELDS[key] = html
        while len(_FIELDS) > FIELDS_LIMIT:
            _FIELDS.popitem(last=False)
    return html


# ----------------------------------------------------------------------------- ahead of time


def combinations(periods: Iterable[int], teams: Iterable[str]) -> Iterator[tuple[str, dict]]:
    """Every page and filter combination the filter forms offer (``forms.FilterForm``).

    ``teams`` are the team choices of the viewer; the "all teams" choice is always included.
    Combinations that share a body (see :func:`key_parts`) are listed once.
    """
    periods = sorted(periods, reverse=True)
    team_values = ["", *sorted(teams)]
    for period in periods:
        for stage in STAGES:
            for basis in BASES:
                for breakdown in BREAKDOWNS:
                    for team in team_values if breakdown == "team" else [""]:
                        yield "disproportionality", {"period": period, "stage": stage,
                                                     "basis": basis, "breakdown": breakdown,
                                                     "team": team}
        yield "pathway", {"period": period}
        yield "quality", {"period": period}
        for funnel in FUNNEL_CHOICES:
            for team in team_values:
                yield "teams", {"period": period, "funnel": funnel, "team": team}
    for measure in TREND_MEASURES:
        for stage in STAGES:
            for basis in BASES:
                for breakdown in ETHNIC_BREAKDOWNS:
                    yield "trends", {"measure": measure, "stage": stage, "basis": basis,
                                     "breakdown": breakdown}


def _ordered(periods: list[int], teams: list[str]) -> list[tuple[str, dict]]:
    """Combinations, the pages' defaults first (what a user sees on arriving)."""
    combos = list(combinations(periods, teams))
    latest = max(periods) if periods else None

    def rank(item: tuple[str, dict]) -> int:
        slug, filters = item
        defaults = {k: v for k, v in DEFAULTS.items() if k in PAGE_FIELDS[slug]}
        if "period" in PAGE_FIELDS[slug]:
            defaults["period"] = latest
        return sum(filters.get(k) != v for k, v in defaults.items())

    return sorted(combos, key=rank)


def prerender_everyone(manifest: cache.Manifest, root: Path | None = None, *,
                       workers: int = 2, pages: Iterable[str] | None = None,
                       progress: Callable[[str], None] | None = None) -> int:
    """:func:`prerender` for the whole authority and for the teams of every signed-up user
    who sees their own teams only (``selectors.team_scopes``); returns how many were drawn."""
    from arpkit.web.dashboards.selectors import team_scopes

    pages = None if pages is None else tuple(pages)
    drawn = prerender(manifest, root, workers=workers, pages=pages, progress=progress)
    for suppression, scopes in team_scopes().items():
        drawn += prerender(manifest, root, suppressions=(suppression,), scopes=scopes,
                           workers=workers, pages=pages, progress=progress)
    return drawn


def prerender(manifest: cache.Manifest, root: Path | None = None, *,
              suppressions: Iterable[str] = cache.SUPPRESSIONS,
              scopes: Iterable[frozenset[str] | None] = (None,), workers: int = 2,
              pages: Iterable[str] | None = None,
              progress: Callable[[str], None] | None = None) -> int:
    """Render and store every page body the forms offer; returns how many were drawn.

    Bodies already on disk are skipped, so this is cheap to repeat. ``workers`` threads draw
    at once: vl-convert renders outside the interpreter lock, so two threads use two cores
    for that part. ``pages`` limits the drawing to some pages (slugs); ``scopes`` adds team
    scopes (a manager's teams) to the authority-wide one.
    """
    from arpkit.web.dashboards.selectors import DashboardData

    root = root or cache.cache_root()
    say = progress or (lambda _msg: None)
    pages = None if pages is None else frozenset(pages)
    drawn = 0
    for suppression in suppressions:
        for scope in scopes:
            data = DashboardData(manifest=manifest, suppression=suppression, team_scope=scope,
                                 root=root)
            todo = []
            for slug, filters in _ordered(manifest.periods, data.team_choices()):
                if pages is not None and slug not in pages:
                    continue
                if scope is not None and not _scope_matters(slug, filters):
                    continue  # the same body as the authority-wide one
                key = body_key(key_parts(slug, suppression, scope, filters))
                if not (data.directory / "pages" / f"{key}.json").exists():
                    todo.append((key, slug, filters))
            say(f"drawing {len(todo)} dashboard pages ({suppression}"
                f"{', teams ' + ', '.join(sorted(scope)) if scope is not None else ''})")

            def draw(item: tuple[str, str, dict], data: Any = data) -> bool:
                key, slug, filters = item
                try:
                    body = render_body(data, slug, filters)
                except Exception:  # one broken chart must not stop the cache going live
                    logger.exception("could not draw dashboard page %s %s", slug, filters)
                    return False
                BODIES.store(data.directory, key, body)
                return True

            with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
                results = list(pool.map(draw, todo))
            drawn += sum(results)
            if not all(results):
                say(f"{results.count(False)} pages could not be drawn (see the log); they "
                    "will be tried again when first requested")
    return drawn
