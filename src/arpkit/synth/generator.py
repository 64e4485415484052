"""``generate``: write one synthetic authority in the statutory formats, block by block.

Why one pass: every writer consumes the same :class:`~arpkit.synth.model.Block` as it is
made, so the files agree child by child (same id, same dates, same ethnicity apart from the
injected conflicts) and nothing is held in memory beyond one block and the aggregates of the
truth.  If anything fails, the partial files of this run are removed so a half-written
authority is never mistaken for a whole one.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any

from arpkit.engine.errors import ConfigError
from arpkit.synth.annex_a import AnnexATooBig, AnnexAWriter, check_fits
from arpkit.synth.cin_xml import CinCensusWriter
from arpkit.synth.config import SynthConfig, load_config
from arpkit.synth.model import BLOCK_SIZE, make_block, make_plan
from arpkit.synth.population import write_population
from arpkit.synth.ssda903 import Ssda903Writer
from arpkit.synth.truth import SynthResult, TruthAccumulator, build_result
from arpkit.synth.xlsx import SheetFullError

FORMATS: tuple[str, ...] = ("cin_census", "ssda903", "annex_a", "population")
FILE_NAMES: dict[str, str] = {
    "cin_census": "cin_census.xml",
    "ssda903_header": "ssda903/header.csv",
    "ssda903_episodes": "ssda903/episodes.csv",
    "ssda903_uasc": "ssda903/uasc.csv",
    "annex_a": "annex_a.xlsx",
    "population": "population.csv",
    "truth": "truth.json",
}
_TOO_BIG = ("Annex A cannot hold this many children: {detail}.  Generate without Annex A "
            "(leave annex_a out of the formats; on the command line, drop it from --formats) "
            "or ask for fewer children.")


def generate(out_dir: Path, *, children: int, seed: int, period: int,
             config: SynthConfig | Path | str | Mapping[str, Any] | None = None,
             formats: Collection[str] = FORMATS, la_code: str = "999",
             progress: Callable[[int], None] | None = None,
             block_size: int = BLOCK_SIZE) -> SynthResult:
    """Write a synthetic authority into ``out_dir`` and return the truth behind it.

    ``children`` is the number of children who appear in the returns (contact or later, or a
    case carried over from before the year); ``period`` the collection year by its end
    (2025 = 1 April 2024 to 31 March 2025).  ``formats`` chooses among ``cin_census``,
    ``ssda903``, ``annex_a`` and ``population``; ``truth.json`` is always written.
    ``config`` is a :class:`SynthConfig`, a YAML file or a mapping merged over
    ``default.yml``.  ``progress`` is called with the number of children done after each block.
    """
    wanted = list(dict.fromkeys(formats))
    unknown = [f for f in wanted if f not in FORMATS]
    if unknown:
        raise ConfigError(f"unknown synthetic format(s) {', '.join(map(repr, unknown))}; "
                          f"choose from {', '.join(FORMATS)}")
    if not isinstance(la_code, str) or not re.fullmatch(r"\d{3}", la_code):
        raise ConfigError(f"la_code must be a three-digit DfE LA number such as 999 (the CIN "
                          f"census LEA), not {la_code!r}")
    cfg = load_config(config)
    plan = make_plan(cfg, children=children, seed=seed, period=period, la_code=la_code,
                     block_size=block_size)
    if "annex_a" in wanted:
        try:
            check_fits(plan)
        except AnnexATooBig as exc:
            raise ConfigError(_TOO_BIG.format(detail=exc)) from None

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    writers: list = []
    try:
        if "cin_census" in wanted:
            files["cin_census"] = out_dir / FILE_NAMES["cin_census"]
            writers.append(CinCensusWriter(files["cin_census"], plan))
        if "ssda903" in wanted:
            ssda = Ssda903Writer(out_dir / "ssda903", plan)
            files.update({f"ssda903_{k}": p for k, p in ssda.paths.items()})
            writers.append(ssda)
        if "annex_a" in wanted:
            files["annex_a"] = out_dir / FILE_NAMES["annex_a"]
            writers.append(AnnexAWriter(files["annex_a"], plan))
        acc = TruthAccumulator(plan)
        done = 0
        for b in range(plan.n_blocks):
            block = make_block(plan, b)
            for writer in writers:
                writer.write(block)
            acc.add(block)
            done += len(block)
            if progress is not None:
                progress(done)
        for writer in writers:
            writer.close()
        writers.clear()
        if "population" in wanted:
            files["population"] = out_dir / FILE_NAMES["population"]
            write_population(files["population"], plan)
    except SheetFullError as exc:
        _abort(writers)
        raise ConfigError(_TOO_BIG.format(detail=f"List {exc.sheet.split()[-1]} is full")) \
            from None
    except BaseException:
        _abort(writers)
        raise
    files["truth"] = out_dir / FILE_NAMES["truth"]
    result = build_result(plan, acc, out_dir, files)
    result.write_json(files["truth"])
    return result


def _abort(writers: list) -> None:
    for writer in writers:
        with contextlib.suppress(OSError):
            writer.abort()
