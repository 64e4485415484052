"""The pack's optional sections: workforce equity (HR data), regional comparison (peer
aggregates) and audit findings (frames from the caller), in HTML, PDF and the workbook, with
suppression honoured in all three.

One small synthetic authority (2,500 children, 300 staff over two HR years) with one peer's
aggregates imported is built once for the module; the audit round is a frame built by hand
with the columns of ``arpkit.web.audits.findings.findings_frame`` (no Django here).
"""

from __future__ import annotations

import itertools
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from arpkit.engine.errors import InputError
from arpkit.reports import audit
from arpkit.reports.build import build_pack
from arpkit.reports.findings import workforce_sentence

pytestmark = pytest.mark.slow

PERIOD = 2025
THRESHOLD = 5
#: Table columns (HTML) and sheet columns (workbook) that hold counts of people or cases.
COUNT_HEADERS = {"Children", "Staff with the outcome", "Staff counted",
                 "White staff with the outcome", "White staff counted", "Staff of the group",
                 "Staff with a known ethnicity", "Cases graded", "Cases graded good or better",
                 "Children in the sampling frame", "Cases sampled", "Cases"}
COUNT_COLUMNS = {"events", "base", "comparator_events", "comparator_base", "numerator",
                 "frame_size", "sampled", "graded", "good_or_better", "cases"}
SECTIONS = ("regional", "workforce", "audit")


def findings_by_hand() -> pd.DataFrame:
    """One audit round in findings_frame's layout: Asian cases are few (4 graded), so their row
    is hidden, and Other, the next smallest, must be hidden with it; Mixed has 3 good-or-better
    cases but the row's own flag says False (an analyst's unsuppressed export)."""
    groups = [("WHITE", 400, 40, 38, 25), ("MIXED", 60, 20, 18, 3), ("ASIAN", 50, 8, 4, 2),
              ("BLACK", 45, 20, 19, 7), ("OTHER", 30, 15, 15, 9)]
    rows = []
    white_share = 25 / 38
    for group, frame_size, sampled, graded, good in groups:
        share = good / graded
        rows.append({"group": group, "frame_size": frame_size, "sampled": sampled,
                     "graded": graded, "good_or_better": good, "share": share,
                     "lower": max(share - 0.15, 0.0), "upper": min(share + 0.15, 1.0),
                     "ratio": np.nan if group == "WHITE" else share / white_share,
                     "ratio_lower": np.nan if group == "WHITE" else share / white_share * 0.6,
                     "ratio_upper": np.nan if group == "WHITE" else share / white_share * 1.5,
                     "ratio_method": None if group == "WHITE" else "katz",
                     "ratio_reason": "reference_group" if group == "WHITE" else None,
                     "suppressed": group == "ASIAN"})
    rows.append({"group": "ALL", "frame_size": 585, "sampled": 103, "graded": 94,
                 "good_or_better": 46, "share": 0.55, "lower": np.nan, "upper": np.nan,
                 "ratio": np.nan, "ratio_lower": np.nan, "ratio_upper": np.nan,
                 "ratio_method": None, "ratio_reason": None, "suppressed": False})
    table = pd.DataFrame(rows)
    table["group_label"] = table["group"]
    table.insert(0, "round", "Strategy discussions")
    table.insert(0, "round_id", 7)
    table.insert(2, "period", PERIOD)
    table["reference_group"] = "WHITE"
    table["measure"] = "graded_good_or_better"
    return table


def themes_by_hand() -> pd.DataFrame:
    return pd.DataFrame({"theme": ["Voice of the child"] * 3 + ["Identity"] * 2,
                         "group": ["WHITE", "BLACK", "ASIAN", "WHITE", "BLACK"],
                         "cases": [12, 3, 7, 9, 8],
                         "group_label": ["White", "Black", "Asian", "White", "Black"],
                         "suppressed": [False, True, False, False, False]})


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> dict[str, Path]:
    """The authority (999) with HR data and peer 998's aggregates; the peer's own warehouse
    has neither HR data nor peers."""
    from arpkit.engine.aggregates import export_aggregates, import_aggregates
    from arpkit.engine.hr_import import import_hr
    from arpkit.engine.importer import import_paths
    from arpkit.engine.records import ReadSettings
    from arpkit.synth import generate
    from arpkit.synth.workforce import generate_hr

    root = tmp_path_factory.mktemp("sections")
    out = {}
    for la, children, seed in (("999", 2500, 61), ("998", 1200, 62)):
        folder = generate(root / la, children=children, seed=seed, period=PERIOD,
                          la_code=la).out_dir
        out[la] = root / f"{la}.duckdb"
        import_paths([folder], warehouse=out[la], settings=ReadSettings(la_code=la))
    hr = generate_hr(root / "hr", staff=300, seed=63, periods=(2024, 2025))
    import_hr(hr.mapping, la_code="999", warehouse=out["999"])
    shared = export_aggregates(out["998"], root / "998.zip", la_code="998",
                               datasets=("metrics",))
    import_aggregates([shared], warehouse=out["999"])
    return out


@pytest.fixture(scope="module")
def data(region, shared_data):
    from arpkit.reports.pack import gather

    return gather(region["999"], period=PERIOD, reference_dir=shared_data / "reference")


@pytest.fixture(scope="module")
def outputs(data, tmp_path_factory) -> dict[str, Path]:
    return build_pack(None, tmp_path_factory.mktemp("pack"), data=data,
                      audit_findings=findings_by_hand(), audit_themes=themes_by_hand())


@pytest.fixture(scope="module")
def soup(outputs) -> BeautifulSoup:
    return BeautifulSoup(outputs["html"].read_text(encoding="utf-8"), "html.parser")


@pytest.fixture(scope="module")
def workbook(outputs):
    import openpyxl

    return openpyxl.load_workbook(outputs["xlsx"], read_only=True)


def _sheet(workbook, name: str) -> tuple[list[str], list[tuple]]:
    rows = list(workbook[name].iter_rows(values_only=True))
    width = len(rows[0])  # read-only sheets drop trailing empty cells
    return list(rows[0]), [tuple(r) + (None,) * (width - len(r)) for r in rows[1:]]


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _check_cell(cell: object, want: object, hidden: bool, where: tuple) -> None:
    if _missing(want) or want == "":
        assert cell in ((("c",) if hidden else ()) + (None, "")), where
    elif isinstance(want, float | np.floating):
        assert cell == pytest.approx(float(want), rel=1e-12), where
    else:
        assert cell == (want.item() if hasattr(want, "item") else want), where


# --------------------------------------------------------------------------- structure


def test_each_new_section_is_in_the_contents_with_a_chart_and_captioned_tables(soup):
    contents = [a["href"] for a in soup.select("nav a")]
    for sid in SECTIONS:
        assert f"#{sid}" in contents
        section = soup.find(id=sid)
        assert section is not None and section.name == "section"
        svgs = section.select("div.chart svg")
        assert svgs and all(s["role"] == "img" and s.find("title") for s in svgs)
        assert section.select("svg text"), "charts keep real <text>"
        for table in section.find_all("table"):
            assert table.find("caption").get_text(strip=True)
            assert all(th.get("scope") in ("col", "row") for th in table.find_all("th"))


def test_the_headings_of_the_whole_pack_still_never_skip_a_level(soup):
    levels = [int(h.name[1]) for h in soup.find_all(re.compile(r"^h[1-6]$"))]
    assert levels[0] == 1 and levels.count(1) == 1
    for before, after in itertools.pairwise(levels):
        assert after <= before + 1


def test_the_pdf_carries_the_new_sections_and_no_number_the_html_does_not(outputs, soup):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(outputs["pdf"]))
    text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    pdf.close()
    for title in ("Regional comparison", "Workforce equity", "Audit findings"):
        assert title in text
    # PDF text runs adjacent chart labels together ("280" "300" -> "280300"), so a digit run
    # is explained by one number the HTML shows, or by two of them side by side.
    html_runs = {t for t in re.findall(r"\d+", soup.get_text(" "))}

    def shown(run: str) -> bool:
        return run in html_runs or any(run[:i] in html_runs and run[i:] in html_runs
                                       for i in range(1, len(run)))

    unexplained = [t for t in re.findall(r"\d+", text) if not shown(t)]
    assert not unexplained


# --------------------------------------------------------------------------- workforce


def test_the_workforce_sentence_reads_as_the_brief_asks():
    row = {"indicator": "formal_disciplinary", "period": 2025, "breakdown": "all",
           "level": "ALL", "group": "MINORITY", "orientation": "adverse_outcome",
           "value": 1.6, "ci_lower": 1.1, "ci_upper": 2.3, "band": "above",
           "significant": True, "suppressed": False}
    found = workforce_sentence(row)
    assert found.text == ("Ethnic-minority staff were 1.6 times as likely as White staff to "
                          "enter a formal disciplinary process in 2024-25 (95% CI 1.1 to 2.3); "
                          "this is outside the 0.80-1.25 band.")
    assert found.status == "adverse"
    beneficial = workforce_sentence({**row, "indicator": "appointment_from_shortlisting",
                                     "orientation": "beneficial_outcome", "group": "BLACK"})
    assert beneficial.text.startswith("White staff were 1.6 times as likely as Black staff to "
                                      "be appointed from shortlisting in 2024-25")
    quiet = {**row, "value": 1.1, "ci_lower": 0.9, "ci_upper": 1.3, "band": "within",
             "significant": False}
    assert workforce_sentence(quiet) is None
    assert "not statistically significant" in workforce_sentence(
        {**quiet, "value": 1.4, "band": "above"}).text


def test_only_significant_or_out_of_band_workforce_results_get_a_sentence(soup, data):
    wf = data.workforce
    year = int(wf["period"].max())
    rows = wf[(wf["period"] == year) & (wf["comparator"] == "WHITE")
              & wf["breakdown"].isin(["all", "grade"])]
    said = rows[~rows["suppressed"] & rows["value"].notna()
                & ((rows["significant"] == True) | rows["band"].isin(["above", "below"]))]  # noqa: E712
    sentences = [li.get_text(" ", strip=True) for li in soup.select("#workforce li.finding")]
    hidden = [s for s in sentences if "could not be reported because the numbers are small"
              in s]
    assert len(sentences) - len(hidden) == len(said) > 0
    assert hidden, "some workforce figures are suppressed in a 300-person workforce"
    for s in sentences:
        if s not in hidden:
            assert "0.80-1.25 band" in s and re.search(r"95% CI [\d.]+ to [\d.]+", s)
    hidden_rows = rows[rows["suppressed"]]
    assert len(hidden) == hidden_rows.groupby(["indicator", "level"]).ngroups


def test_the_relative_likelihood_chart_shows_band_by_shape_and_keeps_hidden_rows(data):
    from arpkit.reports import charts

    fig = charts.relative_likelihood_figure(data.workforce)
    spec = str(fig.spec())
    assert "triangle-up" in spec and "triangle-down" in spec and "circle" in spec
    for colour in charts._BAND_COLOURS:
        assert colour in charts.MARK_COLOURS
    assert (fig.table["Relative likelihood"] == "c").any()
    hidden = fig.table[fig.table["Relative likelihood"] == "c"]
    assert (hidden[["Staff with the outcome", "Staff counted"]] == "c").all().all()
    assert "<text" in fig.svg()


def test_the_workforce_sheet_matches_the_engine_table_cell_by_cell(workbook, data):
    from arpkit.engine.workforce import COLUMNS

    header, rows = _sheet(workbook, "Workforce equity")
    assert header == list(COLUMNS)
    wf = data.workforce
    assert len(rows) == len(wf) and set(wf["breakdown"]) == {"all", "grade"}
    assert sorted(set(wf["period"])) == [2024, 2025]
    for got, (_, want) in zip(rows, wf.iterrows(), strict=True):
        for col, cell in zip(COLUMNS, got, strict=True):
            hidden = bool(want["suppressed"]) and col in (
                "events", "base", "comparator_events", "comparator_base", "rate",
                "comparator_rate", "value", "ci_lower", "ci_upper", "band", "significant")
            _check_cell(cell, want[col], hidden, ("Workforce equity", col))


def test_the_pack_shows_the_engines_workforce_table_which_has_no_small_count(data, region):
    from arpkit.engine.workforce import workforce

    raw = workforce(region["999"], period=[2024, 2025], by_team=False)  # the engine, DfE rules
    counts = raw[["events", "base", "comparator_events", "comparator_base"]]
    leaks = ((counts > 0) & (counts <= THRESHOLD)).fillna(False).any(axis=1) & ~raw["suppressed"]
    assert not leaks.any()
    # This authority has groups of under six staff, so the engine had something to hide.
    assert raw["suppressed"].any()
    # The pack's own guard (kept as a second line of defence) found nothing to add.
    assert data.workforce.attrs["guarded_rows"] == 0
    pd.testing.assert_frame_equal(data.workforce, raw)


# --------------------------------------------------------------------------- regional comparison


def test_the_comparison_holds_the_authority_its_peer_the_pool_and_england(data):
    p = data.peers
    assert set(p["area_type"]) == {"authority", "peer", "region", "england"}
    assert set(p["measure"]) == {"rate_per_10k", "disparity_ratio"}
    assert set(p["stage"]) == {"cin", "cp_plan", "cla"}
    # The pool is the engine's: its count is the sum of the published, shown counts.
    rates = p[(p["measure"] == "rate_per_10k") & (p["breakdown"] == "all")]
    for _, part in rates.groupby("stage"):
        shown = part[part["area_type"].isin(["authority", "peer"]) & ~part["suppressed"]]
        pool = part[part["area_type"] == "region"].iloc[0]
        assert float(pool["numerator"]) == float(shown["numerator"].astype(float).sum())


def test_the_regional_sheet_matches_compare_with_peers_cell_by_cell(workbook, data):
    from arpkit.engine.aggregates import COMPARE_COLUMNS

    header, rows = _sheet(workbook, "Regional comparison")
    assert header == list(COMPARE_COLUMNS)
    assert len(rows) == len(data.peers)
    for got, (_, want) in zip(rows, data.peers.iterrows(), strict=True):
        for col, cell in zip(COMPARE_COLUMNS, got, strict=True):
            hidden = bool(want["suppressed"]) and col in (
                "numerator", "value", "ci_lower", "ci_upper", "significant")
            _check_cell(cell, want[col], hidden, ("Regional comparison", col))


def test_the_regional_sentences_give_the_authority_and_the_pool(soup, data):
    text = [li.get_text(" ", strip=True) for li in soup.select("#regional li.finding")]
    own = data.peers[(data.peers["measure"] == "rate_per_10k")
                     & (data.peers["breakdown"] == "all") & (data.peers["stage"] == "cla")
                     & (data.peers["area_type"] == "authority")].iloc[0]
    cla = next(t for t in text if t.startswith("Comparison Children looked after"))
    assert f"{own['value']:,.1f} per 10,000 children in this authority" in cla
    assert "regional pool" in cla and "in England" in cla


# --------------------------------------------------------------------------- audit findings


def test_the_audit_sheet_keeps_findings_frame_columns_and_hides_small_rows(workbook):
    header, rows = _sheet(workbook, "Audit findings")
    assert header == list(audit.FINDINGS_COLUMNS)
    given = findings_by_hand()
    assert len(rows) == len(given)
    by_group = {r[header.index("group")]: dict(zip(header, r, strict=True)) for r in rows}
    numbers = ("graded", "good_or_better", "share", "lower", "upper")
    # Asian: its own flag; Mixed: 3 good or better, hidden by the pack.  With two groups
    # hidden the total gives neither away, so the others stay shown.
    for group in ("ASIAN", "MIXED"):
        assert all(by_group[group][c] == "c" for c in numbers), group
        assert by_group[group]["suppressed"] is True
    for group in ("WHITE", "BLACK", "OTHER", "ALL"):
        want = given[given["group"] == group].iloc[0]
        for col in audit.FINDINGS_COLUMNS:
            if col == "suppressed":
                assert by_group[group][col] is False
                continue
            _check_cell(by_group[group][col], want[col], False, ("Audit findings", group, col))


def test_a_lone_hidden_group_takes_the_next_smallest_with_it():
    given = findings_by_hand()
    given.loc[given["group"] == "MIXED", "good_or_better"] = 8
    protected, cells = audit.protect(given, threshold=THRESHOLD)
    hidden = set(protected.loc[protected["suppressed"], "group"])
    assert hidden == {"ASIAN", "OTHER"}  # Other has the fewest graded cases left (15)
    assert not cells.loc[protected["group"] == "ALL", "graded"].any()


def test_a_hidden_reference_group_hides_every_ratio():
    given = findings_by_hand()
    given.loc[given["group"] == "WHITE", "good_or_better"] = 2
    protected, cells = audit.protect(given, threshold=THRESHOLD)
    groups = protected[~protected["group"].isin(["WHITE", "ALL"])]
    assert groups["ratio"].isna().all()
    assert cells.loc[groups.index, "ratio"].all()


def test_an_internal_pack_still_honours_the_exported_flags_but_shows_small_counts():
    protected, _ = audit.protect(findings_by_hand(), threshold=THRESHOLD, suppression="none")
    rows = protected.set_index("group")
    assert rows.loc["ASIAN", "suppressed"] and math.isnan(rows.loc["ASIAN", "graded"])
    assert rows.loc["MIXED", "good_or_better"] == 3


def test_the_audit_sentences_name_the_groups_and_the_hidden_ones(soup):
    text = [li.get_text(" ", strip=True) for li in soup.select("#audit li.finding")]
    assert len(text) == 4  # every group but the reference
    assert sum("could not be reported because the numbers are small" in t for t in text) == 2
    black = next(t for t in text if "Black children" in t)
    assert "good or better" in black and "95% CI" in black


def test_the_themes_sheet_hides_a_small_count(workbook):
    header, rows = _sheet(workbook, "Audit themes")
    assert header == ["theme", "group", "group_label", "cases", "suppressed"]
    cases = {(r[0], r[1]): r[3] for r in rows}
    assert cases[("Voice of the child", "BLACK")] == "c"
    assert cases[("Identity", "BLACK")] == 8


def test_the_audit_csv_round_trips_through_the_reader(tmp_path):
    path = tmp_path / "findings.csv"
    findings_by_hand().to_csv(path, index=False)
    read = audit.read_findings(path)
    pd.testing.assert_frame_equal(read, audit.check_findings(findings_by_hand()))


def test_a_bad_audit_csv_is_refused_naming_file_row_and_field(tmp_path):
    bad = findings_by_hand()
    bad["graded"] = bad["graded"].astype(object)
    bad.loc[2, "graded"] = "four"
    path = tmp_path / "round.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"round\.csv, row 4: field graded value 'four'"):
        audit.read_findings(path)
    with pytest.raises(InputError, match=r"missing column.*ratio_reason"):
        audit.check_findings(findings_by_hand().drop(columns="ratio_reason"))


def test_the_cli_refuses_a_bad_audit_csv_before_any_engine_work(tmp_path, capsys):
    from arpkit.cli import main

    path = tmp_path / "round.csv"
    findings_by_hand().drop(columns="measure").to_csv(path, index=False)
    code = main(["report", "-w", str(tmp_path / "none.duckdb"), "--out", str(tmp_path / "o"),
                 "--audit-findings", str(path)])
    assert code == 2
    assert "round.csv" in capsys.readouterr().err


# --------------------------------------------------------------------------- suppression


def _count_cells(section) -> list[str]:
    cells = []
    for table in section.find_all("table"):
        headers = [th.get_text(strip=True) for th in table.select("thead th")]
        for tr in table.select("tbody tr"):
            for header, cell in zip(headers, tr.find_all(["th", "td"]), strict=False):
                if header in COUNT_HEADERS:
                    cells.append(cell.get_text(strip=True))
    return cells


def test_no_suppressed_count_appears_in_the_new_sections_or_sheets(soup, workbook, region):
    from arpkit.engine.workforce import workforce

    # Some counts really are small, so the checks below check something.
    raw = workforce(region["999"], period=[2024, 2025], suppression="none", by_team=False)
    assert ((raw["events"] > 0) & (raw["events"] <= THRESHOLD)).any()
    for sid in SECTIONS:
        cells = _count_cells(soup.find(id=sid))
        assert cells and "c" in cells, sid
        for text in cells:
            if text in ("c", "x", "z"):
                continue
            n = int(text.replace(",", ""))
            assert n == 0 or n > THRESHOLD, (sid, text)
    for name in ("Workforce equity", "Regional comparison", "Audit findings", "Audit themes"):
        header, rows = _sheet(workbook, name)
        counts = [i for i, h in enumerate(header) if h in COUNT_COLUMNS]
        assert counts, name
        for row in rows:
            for i in counts:
                v = row[i]
                assert not (isinstance(v, int | float) and 0 < v <= THRESHOLD), (name, row)


# --------------------------------------------------------------------------- no data


def test_sections_without_data_are_left_out_and_the_contents_and_read_me_say_why(
        data, region, tmp_path):
    import dataclasses

    import openpyxl

    from arpkit.reports.html import figures_of, render_html
    from arpkit.reports.pack import build_sections
    from arpkit.reports.peers import gather_peers
    from arpkit.reports.workforce import gather_workforce
    from arpkit.reports.xlsx import write_workbook

    wf, wf_note = gather_workforce(region["998"], PERIOD, suppression="dfe",
                                   threshold=THRESHOLD)
    peers, peers_note = gather_peers(region["998"], PERIOD, la_codes=["998"],
                                     threshold=THRESHOLD, reference_dir=None)
    assert wf is None and peers is None
    bare = dataclasses.replace(data, workforce=wf, workforce_note=wf_note, peers=peers,
                               peers_note=peers_note)
    sections = build_sections(bare)
    html = render_html(bare, sections, {id(f): "<svg></svg>" for f in figures_of(sections)})
    page = BeautifulSoup(html, "html.parser")
    contents = page.find("nav").get_text(" ", strip=True)
    assert "Workforce equity: not included in this pack because no HR data is loaded" in contents
    assert "Regional comparison: not included in this pack because no peer aggregates" in contents
    assert "Audit findings: not included" in contents
    for sid in SECTIONS:
        assert page.find(id=sid) is None
    book = openpyxl.load_workbook(write_workbook(bare, tmp_path / "bare.xlsx"), read_only=True)
    assert not {"Workforce equity", "Regional comparison", "Audit findings"} & set(
        book.sheetnames)
    readme = {r[0]: r[1] for r in book["Read me"].iter_rows(values_only=True) if len(r) > 1}
    assert readme["Workforce equity"].startswith("not included: no HR data is loaded")
