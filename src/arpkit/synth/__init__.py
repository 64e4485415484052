"""Synthetic local authorities in the real statutory formats, with known injected
disproportionality (``arpkit synth``; docs/synthetic.md).

``generate(out_dir, children=..., seed=..., period=...)`` writes ``cin_census.xml``,
``ssda903/{header,episodes,uasc}.csv``, ``annex_a.xlsx``, ``population.csv`` and ``truth.json``
and returns a :class:`SynthResult` holding the truth the files were generated from.
"""

from arpkit.synth.config import MULTIPLIER_STAGES, PARENT_STAGE, SynthConfig, load_config
from arpkit.synth.generator import FILE_NAMES, FORMATS, generate
from arpkit.synth.model import SynthWarning
from arpkit.synth.truth import Conflict, SynthResult

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "MULTIPLIER_STAGES",
    "PARENT_STAGE",
    "Conflict",
    "SynthConfig",
    "SynthResult",
    "SynthWarning",
    "generate",
    "load_config",
]
