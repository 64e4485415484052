"""Benchmarks and tests rely on `arpkit synth --seed S` giving the same authority every time."""

from __future__ import annotations

from pathlib import Path

import pytest

from arpkit.synth import FILE_NAMES, generate


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / rel).read_bytes() for name, rel in FILE_NAMES.items()}


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict, dict]:
    runs = []
    for name, seed in (("a", 5), ("b", 5), ("c", 6)):
        folder = tmp_path_factory.mktemp(name)
        generate(folder, children=1500, seed=seed, period=2023, block_size=400)
        runs.append(_files(folder))
    return runs[0], runs[1], runs[2]


@pytest.mark.parametrize("name", list(FILE_NAMES))
def test_the_same_seed_writes_byte_identical_files(three_runs, name: str) -> None:
    first, again, _ = three_runs
    assert first[name] == again[name]


@pytest.mark.parametrize("name", list(FILE_NAMES))
def test_a_different_seed_writes_a_different_authority(three_runs, name: str) -> None:
    first, _, other = three_runs
    assert first[name] != other[name]


def test_progress_reports_every_child_once_in_increasing_steps(tmp_path: Path) -> None:
    seen: list[int] = []
    generate(tmp_path, children=1000, seed=1, period=2024, block_size=300,
             formats=["population"], progress=seen.append)
    assert seen == sorted(seen)
    assert seen[-1] == 1000
    assert len(seen) == 4
