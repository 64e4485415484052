"""Synthetic authorities shared by the tests in this folder (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pytest

from arpkit.synth import SynthResult, generate

#: Annex A labels all lettered, so contact/early-help ethnicity can be read back exactly.
LETTERED_ONLY = {"annex_a_labels": {"bare_code": 0, "free_text": 0, "extended_code": 0,
                                    "junk": 0, "bare_gender": 0}}


@pytest.fixture(scope="session")
def authority_2024(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """2,500 children, 2023/24 return (GenderCurrent, SEX 1/2, H5/P2), default settings."""
    return generate(tmp_path_factory.mktemp("synth2024"), children=2500, seed=11, period=2024)


@pytest.fixture(scope="session")
def authority_2025(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    """2,500 children, 2024/25 return (Sex M/F/U, SEX M/F, K3), default settings."""
    return generate(tmp_path_factory.mktemp("synth2025"), children=2500, seed=12, period=2025)


@pytest.fixture(scope="session")
def lettered_2024(tmp_path_factory: pytest.TempPathFactory) -> SynthResult:
    return generate(tmp_path_factory.mktemp("lettered"), children=2500, seed=13, period=2024,
                    config=_yaml(tmp_path_factory.mktemp("cfg"), LETTERED_ONLY))


def _yaml(folder: Path, mapping: dict) -> Path:
    import yaml

    path = folder / "synth.yml"
    path.write_text(yaml.safe_dump(mapping), encoding="utf-8")
    return path


@pytest.fixture
def write_config(tmp_path: Path):
    """Write a mapping as a YAML config file and return its path."""
    return lambda mapping: _yaml(tmp_path, mapping)
