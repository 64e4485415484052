"""arpkit: measure and act on ethnic disproportionality in children's social care.

The Python API for analysts and notebooks; every function returns a pandas DataFrame:

>>> import arpkit
>>> arpkit.import_paths(["returns/"], warehouse="arpkit.duckdb")   # doctest: +SKIP
>>> table = arpkit.metrics("arpkit.duckdb", period=2025)           # doctest: +SKIP
>>> funnel = arpkit.team_funnel("arpkit.duckdb", period=2025)       # doctest: +SKIP
>>> routes = arpkit.pathway("arpkit.duckdb", period=2025)            # doctest: +SKIP
>>> recording = arpkit.quality("arpkit.duckdb", period=2025)        # doctest: +SKIP

Imports are lazy so ``import arpkit`` stays quick for the command line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["import_paths", "metrics", "pathway", "quality", "summarise", "team_funnel",
           "validate_paths"]

if TYPE_CHECKING:  # pragma: no cover
    from arpkit.engine.importer import import_paths, validate_paths
    from arpkit.engine.metrics import metrics
    from arpkit.engine.pathway import pathway
    from arpkit.engine.quality import quality
    from arpkit.engine.summary import summarise
    from arpkit.engine.teams import team_funnel

_LAZY = {
    "import_paths": "arpkit.engine.importer",
    "validate_paths": "arpkit.engine.importer",
    "metrics": "arpkit.engine.metrics",
    "pathway": "arpkit.engine.pathway",
    "quality": "arpkit.engine.quality",
    "summarise": "arpkit.engine.summary",
    "team_funnel": "arpkit.engine.teams",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'arpkit' has no attribute {name!r}")
