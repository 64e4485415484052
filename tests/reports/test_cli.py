"""``arpkit report`` from the command line."""

from __future__ import annotations

import pytest

from arpkit.cli import main

pytestmark = pytest.mark.slow


def test_report_writes_the_requested_formats_into_the_folder(warehouse, tmp_path, capsys):
    code = main(["report", "--warehouse", str(warehouse), "--period", "2025", "--out",
                 str(tmp_path / "pack"), "--format", "xlsx,html", "--quiet"])
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == [
        "arpkit-report-2025.html", "arpkit-report-2025.xlsx"]


def test_a_period_not_in_the_warehouse_is_a_clear_error(warehouse, tmp_path, capsys):
    code = main(["report", "-w", str(warehouse), "--period", "2019", "--out", str(tmp_path)])
    assert code == 2
    assert "period 2019 is not in the warehouse (present: 2024, 2025)" in capsys.readouterr().err


def test_an_unknown_format_is_refused_by_the_parser(warehouse, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["report", "-w", str(warehouse), "--out", str(tmp_path), "--format", "docx"])
    assert "unknown format docx" in capsys.readouterr().err
