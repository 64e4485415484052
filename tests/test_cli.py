"""The ``arpkit`` command line: exit codes, messages and output files a script relies on.

Exit codes (README): 0 success, 2 bad input or settings (the message names what and where),
1 internal error.  Most tests call ``arpkit.cli.main`` in-process and read what it printed;
one runs ``python -m arpkit.cli`` to check the real process exit status.  Rich wraps long
lines at 80 columns when output is not a terminal, so file names are looked for in the
output with line breaks removed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from arpkit import cli
from arpkit.engine.importer import import_paths
from arpkit.synth import SynthResult, generate
from tests.engine.import_helpers import TEST_KEY, fingerprint, query, row_counts

#: The metrics table contract (the engine's documented columns, in this order).
CONTRACT = ["measure", "stage", "to_stage", "basis", "period", "breakdown", "group",
            "reference_group", "numerator", "denominator", "value", "ci_lower", "ci_upper",
            "significant", "suppressed"]


class Imported:
    def __init__(self, result: SynthResult, warehouse: Path, metrics: pd.DataFrame) -> None:
        self.result = result
        self.warehouse = warehouse
        self.metrics = metrics


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    """A 1,500-child authority imported once, and its metrics table computed once."""
    from arpkit.engine.metrics import metrics

    root = tmp_path_factory.mktemp("cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", TEST_KEY.decode())
        mp.setenv("ARPKIT_ETHNICITY_MAP", str(root / "no-decisions.yml"))
        result = generate(root / "returns", children=1500, seed=7, period=2025)
        warehouse = root / "w.duckdb"
        import_paths([result.out_dir], warehouse=warehouse)
        frame = metrics(warehouse)
    return Imported(result, warehouse, frame)


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No mapping file or default warehouse from the working directory."""
    monkeypatch.setenv("ARPKIT_ETHNICITY_MAP", str(tmp_path / "ethnicity-map.yml"))
    monkeypatch.setenv("ARPKIT_WAREHOUSE", str(tmp_path / "default.duckdb"))


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    """Exit code, stdout and stderr (line breaks from wrapping removed) of one command."""
    code = cli.main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out.replace("\n", ""), captured.err.replace("\n", "")


@pytest.fixture
def truncated(imported: Imported, tmp_path: Path) -> Path:
    data = (imported.result.out_dir / "cin_census.xml").read_bytes()
    path = tmp_path / "census_cut.xml"
    path.write_bytes(data[: len(data) // 3])
    return path


# ---------------------------------------------------------------------------------------------
# import
# ---------------------------------------------------------------------------------------------


def test_import_exits_0_and_prints_nothing_with_quiet(imported: Imported, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "w.duckdb"
    code, out, err = run(capsys, "import", "-w", target, "--quiet",
                         imported.result.out_dir / "population.csv")
    assert (code, out, err) == (0, "", "")
    assert row_counts(target)["population"] > 0


def test_import_says_what_it_imported(imported: Imported, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]):
    from rich.console import Console

    monkeypatch.setattr(cli, "out", Console(width=200))  # a wide terminal: no truncated cells
    code, out, _ = run(capsys, "import", "-w", tmp_path / "w.duckdb",
                       imported.result.out_dir / "population.csv")
    assert code == 0
    rows = len((imported.result.out_dir / "population.csv").read_text().splitlines()) - 1
    assert "Imported" in out and "population.csv" in out and f" {rows} " in out


def test_importing_the_same_file_again_says_it_was_skipped(imported: Imported, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "w.duckdb"
    pop = imported.result.out_dir / "population.csv"
    assert run(capsys, "import", "-w", target, "--quiet", pop)[0] == 0
    code, out, _ = run(capsys, "import", "-w", target, pop)
    assert code == 0
    assert "unchanged, skipped" in out and "population.csv" in out


def test_bad_input_exits_2_names_the_file_on_stderr_and_changes_nothing(
        imported: Imported, truncated: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "w.duckdb"
    run(capsys, "import", "-w", target, "--quiet", imported.result.out_dir / "population.csv")
    before = fingerprint(target)
    code, out, err = run(capsys, "import", "-w", target, "--quiet", truncated,
                         imported.result.out_dir / "ssda903")
    assert code == 2
    assert "census_cut.xml" in err
    assert "nothing was imported" in err
    assert out == ""
    assert fingerprint(target) == before


def test_a_file_arpkit_does_not_know_exits_2_and_is_named(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a return\n", encoding="utf-8")
    code, _, err = run(capsys, "import", "-w", tmp_path / "w.duckdb", notes)
    assert code == 2
    assert "notes.txt" in err and "not a kind of file" in err


def test_a_903_without_la_exits_2_naming_the_file_and_asking_for_la(
        imported: Imported, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, "import", "-w", tmp_path / "w.duckdb",
                       imported.result.out_dir / "ssda903")
    assert code == 2
    assert "episodes.csv" in err and "--la" in err
    code, _, _ = run(capsys, "import", "-w", tmp_path / "w.duckdb", "--quiet", "--la", "999",
                     imported.result.out_dir / "ssda903")
    assert code == 0


def test_a_setting_that_cannot_be_used_exits_2_with_the_reason(
        imported: Imported, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, "import", "-w", "postgres://server/db",
                       imported.result.out_dir / "population.csv")
    assert code == 2
    assert "export-parquet" in err


def test_an_internal_error_exits_1_and_points_to_debug(
        imported: Imported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    import arpkit.engine.importer as importer

    def broken(*args, **kwargs):
        raise RuntimeError("deliberate failure inside the importer")

    monkeypatch.setattr(importer, "import_paths", broken)
    pop = imported.result.out_dir / "population.csv"
    code, _, err = run(capsys, "import", "-w", tmp_path / "w.duckdb", pop)
    assert code == 1
    assert "--debug" in err and "deliberate failure" not in err
    code, _, err = run(capsys, "--debug", "import", "-w", tmp_path / "w.duckdb", pop)
    assert code == 1
    assert "Traceback" in err and "deliberate failure inside the importer" in err


@pytest.mark.slow
def test_the_installed_command_returns_its_exit_code_to_the_shell(truncated: Path,
                                                                  tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "arpkit.cli", "validate", str(truncated)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 2
    assert "census_cut.xml" in proc.stderr.replace("\n", "")


# ---------------------------------------------------------------------------------------------
# validate
# ---------------------------------------------------------------------------------------------


def test_validate_on_good_files_exits_0(imported: Imported, capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "validate", imported.result.out_dir / "cin_census.xml",
                       imported.result.out_dir / "population.csv")
    assert code == 0
    assert "0 error(s)" in out


def test_validate_on_bad_files_exits_2_and_lists_the_problems_of_each(
        imported: Imported, truncated: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]):
    pop = tmp_path / "population_negative.csv"
    lines = (imported.result.out_dir / "population.csv").read_text().splitlines()
    cells = lines[1].split(",")
    cells[3] = "-7"
    lines[1] = ",".join(cells)
    pop.write_text("\n".join(lines) + "\n", encoding="utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("not a return\n", encoding="utf-8")
    code, _, err = run(capsys, "validate", truncated, pop, notes)
    assert code == 2
    assert "census_cut.xml" in err
    assert "population_negative.csv" in err and "-7" in err
    assert "notes.txt" in err


def test_validate_writes_no_warehouse(imported: Imported, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]):
    run(capsys, "validate", imported.result.out_dir / "population.csv")
    assert not (tmp_path / "default.duckdb").exists()
    assert not list(tmp_path.glob("*.duckdb"))


# ---------------------------------------------------------------------------------------------
# summary and metrics
# ---------------------------------------------------------------------------------------------


def test_summary_prints_the_warehouse_tables(imported: Imported,
                                             capsys: pytest.CaptureFixture[str]):
    code, out, _ = run(capsys, "summary", "-w", imported.warehouse, "--no-headline")
    assert code == 0
    for title in ("Current imports", "Children by ethnic group", "Events by period and stage",
                  "Population (denominators)"):
        assert title in out
    groups = {g for (g,) in query(imported.warehouse,
                                  "SELECT DISTINCT ethnicity_group FROM children")}
    assert all(g in out for g in groups)
    conflicts = query(imported.warehouse,
                      "SELECT count(*) FROM children WHERE ethnicity_conflict")[0][0]
    assert f"Children whose ethnicity differs between returns: {conflicts:,}" in out


def test_summary_ends_with_the_headline_table(imported: Imported,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]):
    import arpkit.engine.metrics as metrics_module

    monkeypatch.setattr(metrics_module, "metrics", lambda *a, **k: imported.metrics.copy())
    code, out, _ = run(capsys, "summary", "-w", imported.warehouse)
    assert code == 0
    assert "Headline, 31 March 2025" in out


def test_summary_of_a_missing_warehouse_exits_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, "summary", "-w", tmp_path / "none.duckdb")
    assert code == 2
    assert "arpkit import" in err


@pytest.mark.slow
def test_metrics_writes_a_csv_with_the_contract_columns_in_order(
        imported: Imported, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    target = tmp_path / "m.csv"
    code, out, _ = run(capsys, "metrics", "-w", imported.warehouse, "--out", target)
    assert code == 0 and "Wrote" in out
    frame = pd.read_csv(target)
    assert list(frame.columns) == CONTRACT
    assert len(frame) == len(imported.metrics) > 0


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_metrics_writes_each_format_with_the_contract_columns_in_order(
        suffix: str, imported: Imported, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):
    import arpkit.engine.metrics as metrics_module

    # The table itself is computed once for the module; this checks how the command writes it.
    monkeypatch.setattr(metrics_module, "metrics", lambda *a, **k: imported.metrics.copy())
    target = tmp_path / f"m{suffix}"
    code, out, err = run(capsys, "metrics", "-w", imported.warehouse, "--out", target,
                         "--quiet")
    assert (code, out, err) == (0, "", "")
    if suffix == ".csv":
        columns, rows = list(pd.read_csv(target).columns), len(pd.read_csv(target))
    elif suffix == ".parquet":
        frame = pd.read_parquet(target)
        columns, rows = list(frame.columns), len(frame)
    else:
        records = json.loads(target.read_text(encoding="utf-8"))
        columns, rows = list(records[0]), len(records)
        assert all(list(r) == CONTRACT for r in records)
    assert columns == CONTRACT
    assert rows == len(imported.metrics) > 0


def test_metrics_for_a_year_not_in_the_warehouse_exits_2(imported: Imported, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, "metrics", "-w", imported.warehouse, "--period", "2019",
                       "--out", tmp_path / "m.csv")
    assert code == 2
    assert "2019" in err
    assert not (tmp_path / "m.csv").exists()
