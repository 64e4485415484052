"""The workforce and aggregates commands, end to end through ``arpkit.cli.main``."""

from __future__ import annotations

import pandas as pd
import pytest

from arpkit.cli import main

pytestmark = pytest.mark.slow


def test_synth_import_and_indicators_through_the_command_line(tmp_path, capsys):
    w = str(tmp_path / "w.duckdb")
    assert main(["synth-hr", "--staff", "120", "--seed", "4", "--periods", "2025", "--out",
                 str(tmp_path / "hr"), "--quiet"]) == 0
    args = ["import-hr", "-w", w, "--mapping", str(tmp_path / "hr" / "hr.yml"), "--la", "999"]
    assert main(args) == 0
    assert main(args) == 0
    assert "Already imported" in capsys.readouterr().out
    assert main(["workforce", "-w", w, "--out", str(tmp_path / "wf.parquet"), "--quiet"]) == 0
    df = pd.read_parquet(tmp_path / "wf.parquet")
    assert set(df["period"]) == {2025} and df["suppressed"].any()
    out = tmp_path / "agg"
    assert main(["export-aggregates", "-w", w, "--la", "999", "--datasets", "workforce",
                 "--out", str(out), "--quiet"]) == 0
    assert (out / "manifest.json").exists() and (out / "workforce.csv").exists()
    other = str(tmp_path / "other.duckdb")
    assert main(["import-aggregates", "-w", other, str(out)]) == 0
    assert "Loaded" in capsys.readouterr().out


def test_bad_hr_input_exits_2_and_names_the_field(tmp_path, capsys):
    assert main(["synth-hr", "--staff", "20", "--out", str(tmp_path / "hr"), "--quiet"]) == 0
    code = main(["import-hr", "-w", str(tmp_path / "w.duckdb"), "--mapping",
                 str(tmp_path / "hr" / "hr.yml"), "--la", "999", "--staff",
                 str(tmp_path / "hr" / "training.csv")])
    assert code == 2
    assert "column 'Ethnic Origin' is not in training.csv" in capsys.readouterr().err
