"""A small synthetic authority, imported and cached once per test session.

Two years (so trends and change rows exist) of a few hundred children: enough for every page
to have figures, some of them suppressed, in a few seconds of engine time. Shared by the
dashboards' unit tests, the access matrix and the browser tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from arpkit.web.dashboards import cache

CHILDREN = 700
PERIODS = (2024, 2025)


def build_demo(base: Path, *, report_pack: bool = False) -> tuple[Path, Path, cache.Manifest]:
    """Generate, import and cache a synthetic authority under ``base``."""
    import arpkit
    from arpkit.synth import generate

    returns = []
    for period in PERIODS:
        out = base / "returns" / str(period)
        generate(out, children=CHILDREN, seed=period, period=period)
        returns.append(out)
    warehouse = base / "arpkit.duckdb"
    arpkit.import_paths(returns, warehouse=warehouse, imported_by="tests")
    root = base / "cache"
    manifest = cache.build(warehouse, root, report_pack=report_pack)
    assert manifest is not None
    return warehouse, root, manifest


@pytest.fixture(scope="session")
def demo_cache(tmp_path_factory) -> tuple[Path, Path, cache.Manifest]:
    return build_demo(tmp_path_factory.mktemp("dashboards-demo"))


@pytest.fixture
def cached(demo_cache, settings):
    """Point the web platform at the session's cached tables."""
    warehouse, root, manifest = demo_cache
    settings.WAREHOUSE_PATH = warehouse
    settings.ARPKIT_DASHBOARD_CACHE = root
    return manifest
