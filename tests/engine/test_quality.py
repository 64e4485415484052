"""Ethnicity recording quality (issue 4): what the data team and the programme rely on.

Three warehouses, each built once per module through the real importer:

* ``extract``: hand-made case-system extracts (2024 and 2025) whose every child's label, team
  and status is written out in this file, so expected counts are read off the spec below;
* ``crafted``: a four-child CIN census beside an extract of the same children, one child per
  kind of agreement or conflict;
* ``synth``: a synthetic authority with many injected census/903 conflicts, compared with the
  generator's truth (the child ids of every conflict) and with its Annex A workbook read here
  with openpyxl.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import math
import os
import stat
from collections import Counter
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from scipy import stats

from arpkit.cli import main
from arpkit.engine import suppression as sdc
from arpkit.engine.ethnicity_mapping import record_decision
from arpkit.engine.importer import import_paths
from arpkit.engine.quality import COLUMNS, conflict_keys, quality
from arpkit.engine.records import ReadSettings
from arpkit.synth import generate
from arpkit.synth.codes import JUNK_ETHNICITY

KEY = b"test-key-not-secret-0123456789abcdef"  # the autouse fixture's key (tests/conftest.py)

#: Hand-mapped labels: what each label written below means (read off the DfE code list).
STATUS_OF = {
    "White - British": "recorded", "Black or Black British - African": "recorded",
    "Asian or Asian British - Pakistani": "recorded", "Mixed": "recorded",
    "Refused": "refused", "NOBT": "not_obtained", "Information not yet obtained": "not_obtained",
    "": "missing", "XXXX": "unmappable", "Martian": "unmappable",
}
STATUSES = ("recorded", "refused", "not_obtained", "missing", "unmappable")

MAPPING = """\
date_format: "%d/%m/%Y"
child:
  id: Person ID
  ethnicity: Ethnicity
  sex: Gender
  birth_date: Date of Birth
events:
  - stage: referral
    start_date: Step Start Date
    team: Team
"""


def child_key(la: str, child_id: str) -> str:
    return hmac.new(KEY, f"{la}\x1f{child_id}".encode(), hashlib.sha256).hexdigest()


def spec_2025() -> list[tuple[str, str, str]]:
    """(id, team, label) of every child referred in 2024-25, as the extract will say."""
    rows: list[tuple[str, str, str]] = []

    def add(team: str, label: str, n: int) -> None:
        start = len(rows)
        rows.extend([(f"E{start + i:04d}", team, label) for i in range(n)])

    for team in ("Team A", "Team B", "Team C", "Team D", "Team E"):
        add(team, "NOBT", 1)
        add(team, "White - British", 59)
    add("Team N", "Information not yet obtained", 24)  # the team that rarely asks
    add("Team N", "Black or Black British - African", 36)
    for label, n in (("Mixed", 10), ("Asian or Asian British - Pakistani", 10), ("Refused", 6),
                     ("NOBT", 2), ("", 6), ("XXXX", 4), ("Martian", 2)):
        add("Team M", label, n)
    add("", "White - British", 8)  # no team recorded
    return rows


def spec_2024() -> list[tuple[str, str, str]]:
    return ([(f"F{i:04d}", "Team A", "NOBT") for i in range(30)]
            + [(f"F{i:04d}", "Team A", "White - British") for i in range(30, 100)])


def write_extract(path: Path, rows: list[tuple[str, str, str]], date: str,
                  no_birth: tuple[str, ...] = ()) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Person ID", "Ethnicity", "Gender", "Date of Birth", "Team",
                    "Step Start Date"])
        for cid, team, label in rows:
            w.writerow([cid, label, "F", "" if cid in no_birth else "14/03/2012", team, date])
    return path


def imported(tmp: Path, paths: list[Path], **settings) -> Path:
    """Import into ``tmp/w.duckdb`` (module fixtures run before the autouse key fixture, so
    the test key and an empty decisions file are set here)."""
    warehouse = tmp / "w.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ARPKIT_PSEUDONYM_KEY", KEY.decode())
        mp.setenv("ARPKIT_ETHNICITY_MAP", str(tmp / "no-decisions.yml"))
        import_paths(paths, warehouse=warehouse, settings=ReadSettings(**settings))
    return warehouse


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("extract")
    mapping = tmp / "mapping.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    old = write_extract(tmp / "2024.csv", spec_2024(), "10/06/2023")
    new = write_extract(tmp / "2025.csv", [*spec_2025(), ("E9999", "Team A", "White - British")],
                        "10/06/2024", no_birth=("E9999",))
    imported(tmp, [old], la_code="999", period=2024, mapping=mapping)
    return imported(tmp, [new], la_code="999", period=2025, mapping=mapping)


@pytest.fixture(scope="module")
def extract_raw(extract: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Both periods, unsuppressed (for analysts inside the authority)."""
    return quality(extract, suppression="none",
                   mapping_file=tmp_path_factory.mktemp("none") / "no-decisions.yml")


@pytest.fixture(scope="module")
def extract_dfe(extract: Path, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Both periods, with DfE suppression (the default)."""
    return quality(extract, mapping_file=tmp_path_factory.mktemp("none") / "no-decisions.yml")


def rows_of(df: pd.DataFrame, **where) -> pd.DataFrame:
    sel = pd.Series(True, index=df.index)
    for col, value in where.items():
        sel &= df[col].isna() if value is None else (df[col] == value)
    return df[sel]


def status_counts(df: pd.DataFrame, **where) -> dict[str, int]:
    part = rows_of(df, section="completeness", measure="ethnicity_status", **where)
    return {c: int(n) for c, n in zip(part["category"], part["numerator"], strict=True)}


def nothing_decided(tmp_path: Path) -> Path:
    return tmp_path / "no-decisions.yml"


# ------------------------------------------------------------------------------ completeness


def test_the_output_has_the_documented_columns_in_order(extract_dfe: pd.DataFrame) -> None:
    assert tuple(extract_dfe.columns) == COLUMNS


def test_every_status_is_counted_exactly_for_the_children_at_a_stage(
        extract_raw: pd.DataFrame) -> None:
    expected = Counter(STATUS_OF[label] for _, _, label in spec_2025())
    got = status_counts(extract_raw, period=2025, stage="referral", basis="in_year",
                        breakdown="all")
    assert got == {s: expected[s] for s in STATUSES}
    total = sum(expected.values())
    row = rows_of(extract_raw, measure="ethnicity_status", period=2025, stage="referral",
                  breakdown="all", category="not_obtained").iloc[0]
    assert row["denominator"] == total
    assert row["value"] == pytest.approx(expected["not_obtained"] / total)
    assert row["ci_lower"] < row["value"] < row["ci_upper"]


def test_each_team_and_the_children_with_no_team_get_their_own_counts(
        extract_raw: pd.DataFrame) -> None:
    by_team: dict[str, Counter[str]] = {}
    for _, team, label in spec_2025():
        by_team.setdefault(team or "not recorded", Counter())[STATUS_OF[label]] += 1
    for team, expected in by_team.items():
        got = status_counts(extract_raw, period=2025, stage="referral", basis="in_year",
                            breakdown="team", group=team)
        assert got == {s: expected[s] for s in STATUSES}, team


def test_a_missing_label_and_an_unrecognised_label_are_told_apart(
        extract_raw: pd.DataFrame) -> None:
    got = status_counts(extract_raw, period=2025, stage="referral", breakdown="team",
                        group="Team M")
    assert (got["missing"], got["unmappable"]) == (6, 4 + 2)


def test_the_return_itself_is_judged_child_by_child_in_the_source_rows(
        extract_raw: pd.DataFrame) -> None:
    every_child = [*spec_2025(), ("E9999", "Team A", "White - British")]
    expected = Counter(STATUS_OF[label] for _, _, label in every_child)
    got = status_counts(extract_raw, period=2025, stage=None, breakdown="source",
                        group="case_extract")
    assert got == {s: expected[s] for s in STATUSES}


def test_a_team_that_rarely_obtains_ethnicity_is_flagged_high_on_the_funnel(
        extract_raw: pd.DataFrame) -> None:
    nobt = rows_of(extract_raw, measure="ethnicity_status", period=2025, stage="referral",
                   basis="in_year", breakdown="team", category="not_obtained")
    flags = dict(zip(nobt["group"], nobt["flag"], strict=True))
    # The funnel worked by hand: benchmark over the teams compared (not 'not recorded').
    teams = Counter(t for _, t, _ in spec_2025() if t)
    nobt_n = Counter(t for _, t, lb in spec_2025() if t and STATUS_OF[lb] == "not_obtained")
    bench = sum(nobt_n.values()) / sum(teams.values())
    upper = bench + stats.norm.ppf(0.999) * math.sqrt(bench * (1 - bench) / teams["Team N"])
    assert nobt_n["Team N"] / teams["Team N"] > upper
    assert flags["Team N"] == "High (0.001)"
    assert {t: f for t, f in flags.items() if t not in ("Team N", "not recorded")} == {
        t: "Not significant" for t in teams if t != "Team N"}
    assert flags.get("not recorded") is None


def test_under_dfe_the_outlier_stays_flagged_but_a_suppressed_team_shows_no_flag(
        extract_dfe: pd.DataFrame) -> None:
    nobt = rows_of(extract_dfe, measure="ethnicity_status", period=2025, stage="referral",
                   basis="in_year", breakdown="team", category="not_obtained")
    assert nobt.loc[nobt["group"] == "Team N", "flag"].tolist() == ["High (0.001)"]
    hidden = nobt[nobt["suppressed"]]
    assert len(hidden) and hidden["flag"].isna().all() and hidden["detail"].isna().all()


def test_children_without_a_birth_month_are_reported_because_no_count_includes_them(
        extract_raw: pd.DataFrame) -> None:
    row = rows_of(extract_raw, measure="birth_month_missing", period=2025,
                  stage="referral").iloc[0]
    assert (row["numerator"], row["denominator"]) == (1, len(spec_2025()) + 1)


def test_every_period_is_reported_with_the_change_since_the_one_before(
        extract_raw: pd.DataFrame) -> None:
    assert set(extract_raw["period"].dropna()) == {2024, 2025}
    change = rows_of(extract_raw, measure="ethnicity_status_change", period=2025,
                     stage="referral", basis="in_year", breakdown="source",
                     group="case_extract", category="not_obtained").iloc[0]
    before = 30 / 100
    after = sum(STATUS_OF[lb] == "not_obtained" for *_, lb in spec_2025()) / len(spec_2025())
    assert change["value"] == pytest.approx(after - before)
    assert change["ci_upper"] < 0 and change["flag"] == "decrease"
    assert rows_of(extract_raw, measure="ethnicity_status_change", period=2024).empty


def test_an_unknown_period_is_refused_with_the_periods_present(extract: Path) -> None:
    from arpkit.engine.errors import ConfigError

    with pytest.raises(ConfigError, match="2024, 2025"):
        quality(extract, period=2019)


# ------------------------------------------------------------------------------ suppression


def test_dfe_suppression_hides_every_count_from_one_to_five(extract_dfe: pd.DataFrame) -> None:
    counts = extract_dfe[~extract_dfe["measure"].str.startswith("mapping_")
                         & ~extract_dfe["measure"].str.endswith("_change")]
    for col in ("numerator", "denominator"):
        shown = counts[col].dropna().astype(int)
        assert not shown.between(1, 5).any(), col
    hidden = counts[counts["suppressed"]]
    assert len(hidden) and hidden["value"].isna().all() and hidden["numerator"].isna().all()


def test_no_suppressed_status_count_can_be_worked_out_from_what_is_shown(
        extract_raw: pd.DataFrame, extract_dfe: pd.DataFrame) -> None:
    key = ["period", "stage", "basis", "breakdown", "group", "category"]
    raw = extract_raw[extract_raw["measure"] == "ethnicity_status"].drop(columns="suppressed")
    st = raw.merge(extract_dfe[extract_dfe["measure"] == "ethnicity_status"][
        [*key, "suppressed"]], on=key)
    st = st.assign(stage=st["stage"].fillna(""), basis=st["basis"].fillna(""),
                   count=st["numerator"].astype(int))
    st["cohort"] = st[["period", "stage", "basis", "breakdown", "group"]].astype(str).agg(
        "|".join, axis=1)
    st["teams"] = (st[["period", "stage", "basis", "category"]].astype(str).agg("|".join, axis=1)
                   .where(st["breakdown"] == "team"))
    st = st.reset_index(drop=True)
    assert st["suppressed"].any()
    exposed = sdc.recoverable_cells(st, [["cohort"], ["teams"]], st["suppressed"].to_numpy())
    assert not exposed.any()


def test_under_dfe_rare_unmapped_labels_are_gathered_into_one_row(
        extract_dfe: pd.DataFrame) -> None:
    labels = rows_of(extract_dfe, measure="unmapped_label", period=2025)
    assert dict(zip(labels["category"], labels["numerator"], strict=True)) == {
        "(labels with 1 to 5 children each)": 4 + 2}


# ------------------------------------------------------------------------------ labels


def test_unmapped_labels_are_listed_with_their_exact_number_of_children(
        extract_raw: pd.DataFrame) -> None:
    labels = rows_of(extract_raw, measure="unmapped_label", period=2025, group="case_extract")
    assert dict(zip(labels["category"], labels["numerator"], strict=True)) == {
        "XXXX": 4, "Martian": 2}


def test_the_mapping_history_is_reported_and_a_label_decided_since_import_is_flagged(
        extract: Path, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.yml"
    record_decision(decisions, "Martian", "OOTH", by="a.analyst", note="test decision")
    record_decision(decisions, "Martian", "NOBT", by="b.lead")
    df = quality(extract, period=2025, suppression="none", mapping_file=decisions)
    version = rows_of(df, measure="mapping_version").iloc[0]
    assert version["numerator"] == 2
    history = rows_of(df, measure="mapping_decision")
    assert list(zip(history["numerator"], history["category"], history["group"],
                    strict=True)) == [(1, "Martian", "OOTH"), (2, "Martian", "NOBT")]
    assert "a.analyst" in history["detail"].iloc[0] and "test decision" in history[
        "detail"].iloc[0]
    martian = rows_of(df, measure="unmapped_label", category="Martian").iloc[0]
    assert martian["flag"] == "decided_not_applied" and "NOBT" in martian["detail"]
    assert rows_of(df, measure="unmapped_label", category="XXXX").iloc[0]["flag"] is None


def test_a_mapping_edited_by_hand_is_reported_as_not_in_the_history(tmp_path: Path,
                                                                    extract: Path) -> None:
    decisions = tmp_path / "decisions.yml"
    record_decision(decisions, "Martian", "OOTH", by="a.analyst")
    text = decisions.read_text(encoding="utf-8").replace("  Martian: OOTH",
                                                         "  Martian: OOTH\n  Zorg: WBRI")
    decisions.write_text(text, encoding="utf-8")
    df = quality(extract, period=2025, mapping_file=decisions)
    hand = rows_of(df, measure="mapping_decision", flag="not_in_history")
    assert list(zip(hand["category"], hand["group"], strict=True)) == [("Zorg", "WBRI")]


# ------------------------------------------------------------------------------ conflicts

CENSUS_CHILDREN = {"C1": "BAFR", "C2": "WBRI", "C3": "NOBT", "C4": "APKN"}
EXTRACT_LABELS = {"C1": "Black", "C2": "Mixed", "C3": "White - British", "C4": "XXXX"}


def census_xml(path: Path) -> Path:
    kids = "".join(
        f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID>"
        f"<PersonBirthDate>2015-06-01</PersonBirthDate><GenderCurrent>2</GenderCurrent>"
        f"</ChildIdentifiers><ChildCharacteristics><Ethnicity>{code}</Ethnicity>"
        f"</ChildCharacteristics><CINdetails><CINreferralDate>2023-05-01</CINreferralDate>"
        f"<ReferralSource>2A</ReferralSource><ReferralNFA>false</ReferralNFA></CINdetails>"
        f"</Child>" for cid, code in CENSUS_CHILDREN.items())
    header = ("<Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>"
              "<ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails>"
              "<Source><SourceLevel>L</SourceLevel><LEA>201</LEA></Source></Header>")
    path.write_text(f"<Message>{header}<Children>{kids}</Children></Message>", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("crafted")
    mapping = tmp / "mapping.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    ext = write_extract(tmp / "extract.csv",
                        [(cid, "Team A", lb) for cid, lb in EXTRACT_LABELS.items()],
                        "01/06/2023")
    return imported(tmp, [census_xml(tmp / "census.xml"), ext], la_code="201", period=2024,
                    mapping=mapping)


def test_a_group_only_label_agrees_with_a_code_in_its_group_and_conflicts_with_another(
        crafted: Path, tmp_path: Path) -> None:
    df = quality(crafted, suppression="none", mapping_file=nothing_decided(tmp_path))
    kids = rows_of(df, measure="conflicting_children", group="cin_census vs case_extract")
    got = dict(zip(kids["category"], kids["numerator"], strict=True))
    # C1 BAFR/Black agrees; C2 WBRI/Mixed differ in group; C3 NOBT/WBRI; C4's XXXX is no value.
    assert got == {"any": 2, "same_group": 0, "different_group": 1,
                   "refused_or_not_obtained": 1}
    assert set(kids["denominator"]) == {3}
    values = rows_of(df, measure="conflict_values")
    assert dict(zip(values["category"], values["numerator"], strict=True)) == {
        "WBRI vs MIXED": 1, "NOBT vs WBRI": 1}


def test_the_data_team_list_names_each_conflicting_child_by_pseudonymised_key(
        crafted: Path) -> None:
    keys = conflict_keys(crafted)
    assert set(keys["child_key"]) == {child_key("201", "C2"), child_key("201", "C3")}
    c3 = keys[keys["child_key"] == child_key("201", "C3")].iloc[0]
    assert (c3["source_a"], c3["value_a"], c3["source_b"], c3["value_b"], c3["label_b"],
            c3["period"]) == ("cin_census", "NOBT", "case_extract", "WBRI", "White - British",
                              2024)
    assert not {str(v) for v in keys.to_numpy().ravel()} & set(CENSUS_CHILDREN)


SYNTH_CONFIG = {"conflicts": {"share": 0.5, "same_group": 0.5}}


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("synth")
    result = generate(tmp / "returns", children=2000, seed=11, period=2025,
                      config=SYNTH_CONFIG)
    return result, imported(tmp, [tmp / "returns"])


@pytest.fixture(scope="module")
def synth_raw(synth, tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return quality(synth[1], suppression="none",
                   mapping_file=tmp_path_factory.mktemp("none") / "no-decisions.yml")


def test_census_and_903_conflicts_equal_the_injected_truth_child_by_child(synth) -> None:
    result, warehouse = synth
    keys = conflict_keys(warehouse, period=2025)
    pair = keys[(keys["source_a"] == "cin_census") & (keys["source_b"] == "ssda903")]
    expected = {(child_key(result.la_code, c.child_id), c.cin_census, c.ssda903)
                for c in result.conflicts}
    assert len(expected) > 20
    assert set(zip(pair["child_key"], pair["value_a"], pair["value_b"], strict=True)) == expected


def test_conflict_counts_by_pair_of_values_equal_the_truth(synth, synth_raw) -> None:
    result, _ = synth
    df = synth_raw
    values = rows_of(df, measure="conflict_values", group="cin_census vs ssda903")
    got = dict(zip(values["category"], values["numerator"], strict=True))
    assert got == dict(Counter(f"{c.cin_census} vs {c.ssda903}" for c in result.conflicts))
    total = rows_of(df, measure="conflicting_children", group="cin_census vs ssda903",
                    category="any").iloc[0]
    assert total["numerator"] == len(result.conflicts)


def annex_a_labels(path: Path) -> dict[str, set[str]]:
    """Distinct children per Ethnicity cell over Lists 1-10, read with openpyxl."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    out: dict[str, set[str]] = {}
    for ws in wb.worksheets:
        rows = ws.iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not {"Ethnicity", "Child Unique ID"} <= set(header):
            continue
        cid, eth = header.index("Child Unique ID"), header.index("Ethnicity")
        for row in rows:
            if row and row[cid] is not None:
                out.setdefault(str(row[eth]), set()).add(str(row[cid]))
    wb.close()
    return out


def test_junk_annex_a_labels_are_reported_with_exactly_the_children_who_carry_them(
        synth, synth_raw) -> None:
    result, _ = synth
    in_file = annex_a_labels(result.files["annex_a"])
    labels = rows_of(synth_raw, measure="unmapped_label", group="annex_a")
    got = dict(zip(labels["category"], labels["numerator"], strict=True))
    junk = {lb: len(ids) for lb, ids in in_file.items() if lb in JUNK_ETHNICITY}
    assert junk and got == junk


def test_no_child_key_reaches_the_main_table_or_its_csv(synth, synth_raw,
                                                       tmp_path: Path) -> None:
    _, warehouse = synth
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        keys = {r[0] for r in con.execute("SELECT child_key FROM child_sources").fetchall()}
    cells = {str(v) for v in synth_raw.to_numpy().ravel() if len(str(v)) >= 64}
    assert not any(k in c for c in cells for k in keys)
    out = tmp_path / "quality.csv"
    conflicts = tmp_path / "keys.csv"
    code = main(["quality", "-w", str(warehouse), "--period", "2025",
                 "--mapping-file", str(nothing_decided(tmp_path)), "--out", str(out),
                 "--conflicts-csv", str(conflicts), "--quiet"])
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert not any(k in text for k in keys)
    listed = set(pd.read_csv(conflicts)["child_key"])
    assert listed and listed <= keys
    assert stat.S_IMODE(os.stat(conflicts).st_mode) == 0o600


def test_the_command_refuses_to_write_the_key_list_over_the_shared_table(
        synth, tmp_path: Path) -> None:
    _, warehouse = synth
    out = tmp_path / "q.csv"
    code = main(["quality", "-w", str(warehouse), "--out", str(out), "--conflicts-csv",
                 str(out), "--quiet"])
    assert code == 2 and not out.exists()


def test_dfe_suppression_keeps_every_shown_number_equal_to_the_unsuppressed_one(
        extract_raw: pd.DataFrame, extract_dfe: pd.DataFrame) -> None:
    raw, shown = extract_raw, extract_dfe
    key = ["section", "measure", "period", "stage", "basis", "breakdown", "group", "category"]
    m = shown.fillna({"stage": "", "basis": "", "category": ""}).merge(
        raw.fillna({"stage": "", "basis": "", "category": ""}), on=key, suffixes=("", "_raw"))
    visible = m[m["numerator"].notna()]
    assert (visible["numerator"] == visible["numerator_raw"]).all()
    assert m["suppressed"].any() and not m.loc[m["suppressed"], "value"].notna().any()


@pytest.mark.spark
@pytest.mark.slow
def test_spark_gives_the_same_table_as_duckdb(synth, spark, tmp_path: Path) -> None:
    import ibis

    from arpkit.engine.warehouse import export_parquet, register_parquet

    _, warehouse = synth
    export_parquet(warehouse, tmp_path / "parquet")
    con = ibis.pyspark.connect(spark.newSession())
    register_parquet(con, tmp_path / "parquet")
    decided = nothing_decided(tmp_path)
    on_spark = quality(con, period=2025, mapping_file=decided)
    keys_spark = conflict_keys(con, period=2025)
    on_duckdb = quality(warehouse, period=2025, mapping_file=decided)
    pd.testing.assert_frame_equal(on_spark, on_duckdb)
    pd.testing.assert_frame_equal(keys_spark, conflict_keys(warehouse, period=2025),
                                  check_dtype=False)
