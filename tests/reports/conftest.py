"""One synthetic authority for every report test: ~3,000 children in each of two years.

Built once per session (generation, import and the engine's tables take most of a minute on the
shared 2-core machine) and shared read-only by the test modules of this folder.
"""

from __future__ import annotations

from pathlib import Path

import pytest

CHILDREN = 3000
PERIODS = (2024, 2025)


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding two synthetic years (seeded, so every run is the same)."""
    import arpkit
    from arpkit.synth import generate

    root = tmp_path_factory.mktemp("authority")
    folders = []
    for period in PERIODS:
        folder = root / f"la{period}"
        generate(folder, children=CHILDREN, seed=period, period=period)
        folders.append(folder)
    path = root / "arpkit.duckdb"
    arpkit.import_paths(folders, warehouse=path)
    return path


@pytest.fixture(scope="session")
def pack(warehouse: Path):
    """The report pack's data, gathered once with DfE suppression (the default)."""
    from arpkit.reports.pack import gather

    return gather(warehouse, period=PERIODS[-1])


@pytest.fixture(scope="session")
def unsuppressed_metrics(warehouse: Path):
    """The same metrics without suppression: the hidden counts a test must not find."""
    import arpkit

    return arpkit.metrics(warehouse, suppression="none")
