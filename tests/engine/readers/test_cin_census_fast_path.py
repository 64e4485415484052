"""The CIN census reader's fast path (children read a column at a time, by shape) against its
slow path (one element at a time), which the rest of the reader tests pin.

The fast path may only ever be an optimisation: for any file, the records, every problem (text,
element path, child position, order) and the file facts must be exactly what the slow path
gives.  These tests read the same files both ways, on synthetic censuses of several schema
years, on deliberately damaged copies, and on small files aimed at what column-wise checks
could get wrong: the same bad value in many children, duplicate ids within one batch, batches
and chunks that split a file, and a file that breaks off mid-batch.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from lxml import etree

import arpkit.engine.readers.cin_census as cin
from arpkit.engine.errors import Severity
from arpkit.engine.readers.cin_census import CinCensusReader
from arpkit.engine.records import ReadSettings
from arpkit.synth import generate


def read_both(paths: list[Path], monkeypatch: pytest.MonkeyPatch, **settings: object):
    """Read ``paths`` by the fast and by the slow path; return both results."""
    results = []
    for fast in (True, False):
        monkeypatch.setattr(CinCensusReader, "FAST_PATH", fast)
        reader = CinCensusReader(paths, ReadSettings(**settings))  # type: ignore[arg-type]
        chunks = [(list(c.children), list(c.events)) for c in reader.chunks()]
        problems = [(p.file, p.location, p.field, p.value, p.message, p.severity)
                    for p in reader.problems.problems]
        results.append((chunks, problems, reader.problems.error_count,
                        reader.problems.warning_count, reader.meta))
    return results


def census(tmp_path: Path, *children: str, name: str = "census.xml", ref: str = "2025-03-31",
           tail: str = "</Children></Message>") -> Path:
    path = tmp_path / name
    path.write_text(
        "<Message><Header><CollectionDetails><Collection>CIN</Collection>"
        f"<ReferenceDate>{ref}</ReferenceDate></CollectionDetails><Source><LEA>201</LEA>"
        f"</Source></Header><Children>{''.join(children)}{tail}", encoding="utf-8")
    return path


def child(cid: str, *, source: str = "2A", date: str = "2024-05-01", sex: str = "M",
          eth: str = "WBRI", factors: str = "<AssessmentFactors>21</AssessmentFactors>") -> str:
    return (f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID>"
            f"<PersonBirthDate>2015-06-01</PersonBirthDate><Sex>{sex}</Sex></ChildIdentifiers>"
            f"<ChildCharacteristics><Ethnicity>{eth}</Ethnicity></ChildCharacteristics>"
            f"<CINdetails><CINreferralDate>{date}</CINreferralDate>"
            f"<ReferralSource>{source}</ReferralSource><ReferralNFA>false</ReferralNFA>"
            "<Assessments><AssessmentActualStartDate>2024-05-03</AssessmentActualStartDate>"
            f"<FactorsIdentifiedAtAssessment>{factors}</FactorsIdentifiedAtAssessment>"
            "</Assessments></CINdetails></Child>")


def slow_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the children the slow path reads (their positions)."""
    seen: list[int] = []
    real = CinCensusReader._read_child

    def counting(self, elem, pos, children, events):
        seen.append(pos)
        return real(self, elem, pos, children, events)

    monkeypatch.setattr(CinCensusReader, "_read_child", counting)
    return seen


def damage(source: Path, target: Path, seed: int) -> None:
    """A copy of a census with about a third of its children broken in assorted ways."""
    rng = random.Random(seed)
    tree = etree.parse(str(source))
    kids = list(tree.getroot().find("Children"))
    ids = [k.findtext("ChildIdentifiers/LAchildID") for k in kids]
    values = ["2024-13-01", "", " ", "1980-05-05", "2031-01-01", " 2024-01-05 ", "ZZ", " n1 ",
              "n1", "RC9", "18A", "24A", "TRUE", "yes", "2", "m", " F ", "X", "-1", "A" * 25,
              "12-34", "1234.0", "White & Black", rng.choice(ids)]
    for k in kids:
        if rng.random() > 0.35:
            continue
        for _ in range(rng.randint(1, 3)):
            e = rng.choice(list(k.iter()))
            op = rng.random()
            if op < 0.1 and e.getparent() is not None:
                e.getparent().remove(e)
            elif op < 0.2:
                e.tail = "stray"
            elif op < 0.3 and e.getparent() is not None:
                e.getparent().append(etree.fromstring(etree.tostring(e, with_tail=False)))
            elif op < 0.35:
                etree.SubElement(e, "Mystery").text = "x"
            elif op < 0.4:
                e.text = None
            elif len(e) == 0:
                e.text = rng.choice(values)
    tree.write(str(target), encoding="utf-8", xml_declaration=True)


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    """Synthetic censuses for a GenderCurrent year, the CINPlanDates change and a Sex year."""
    out = {}
    for year in (2019, 2022, 2025):
        folder = tmp_path_factory.mktemp(f"synth{year}")
        generate(folder, children=1200, seed=year, period=year, formats=("cin_census",))
        out[year] = folder / "cin_census.xml"
    return out


# ------------------------------------------------------------------------- whole files


@pytest.mark.parametrize("year", [2019, 2022, 2025])
def test_a_synthetic_census_reads_the_same_by_both_paths(synthetic, monkeypatch, year):
    fast, slow = read_both([synthetic[year]], monkeypatch)
    assert fast == slow
    assert sum(len(c[0]) for c in fast[0]) > 500


@pytest.mark.parametrize("year", [2019, 2025])
def test_a_damaged_census_gives_the_same_records_and_problems_by_both_paths(
        synthetic, tmp_path, monkeypatch, year):
    broken = tmp_path / "damaged.xml"
    damage(synthetic[year], broken, seed=year)
    fast, slow = read_both([broken], monkeypatch)
    assert fast == slow
    assert fast[2] > 50 and fast[3] > 20  # errors and warnings of many kinds were found


def test_small_batches_and_chunks_and_two_files_read_the_same_by_both_paths(
        synthetic, tmp_path, monkeypatch):
    broken = tmp_path / "damaged.xml"
    damage(synthetic[2025], broken, seed=7)
    monkeypatch.setattr(cin, "_BATCH", 37)
    fast, slow = read_both([synthetic[2025], broken], monkeypatch, chunk_size=50)
    assert fast == slow
    assert len(fast[0]) > 10


def test_a_clean_census_is_read_almost_entirely_by_the_fast_path(synthetic, monkeypatch):
    slow = slow_reads(monkeypatch)
    reader = CinCensusReader([synthetic[2025]])
    read = sum(len(c.children) for c in reader.chunks())
    assert read > 500 and slow == []


def test_the_public_samples_read_the_same_by_both_paths(shared_data, monkeypatch):
    for path in sorted((shared_data / "cin_census" / "samples").glob("*.xml")):
        fast, slow = read_both([path], monkeypatch, period=2022)
        assert fast == slow, path.name


# --------------------------------------------------------------- what columns could get wrong


def test_the_same_bad_value_in_many_children_is_one_error_per_child_at_its_position(
        tmp_path, monkeypatch):
    kids = [child(f"A{i}", source="ZZ" if i % 3 == 0 else "2A") for i in range(1, 13)]
    path = census(tmp_path, *kids)
    fast, slow = read_both([path], monkeypatch)
    assert fast == slow
    bad = [(loc, field) for _, loc, field, _, _, sev in fast[1] if sev is Severity.ERROR]
    assert bad == [(f"Children/Child[{i}]/CINdetails[1]/ReferralSource", "ReferralSource")
                   for i in (3, 6, 9, 12)]
    assert [c.source_child_id for c in fast[0][0][0]] == [f"A{i}" for i in range(1, 13)]


def test_a_bad_date_shared_by_children_of_one_shape_names_each_child(tmp_path, monkeypatch):
    kids = [child(f"B{i}", date="2024-02-30" if i in (2, 5) else "2024-05-01")
            for i in range(1, 7)]
    fast, slow = read_both([census(tmp_path, *kids)], monkeypatch)
    assert fast == slow
    assert [(loc, msg.split(":")[0]) for _, loc, _, _, msg, _ in fast[1]] == [
        ("Children/Child[2]/CINdetails[1]/CINreferralDate", "child B2"),
        ("Children/Child[5]/CINdetails[1]/CINreferralDate", "child B5")]


def test_a_repeated_id_within_one_batch_is_an_error_at_the_later_child(tmp_path, monkeypatch):
    kids = [child("D1"), child("D2"), child("D1"), child("D3"), child("D2")]
    fast, slow = read_both([census(tmp_path, *kids)], monkeypatch)
    assert fast == slow
    assert [(loc, "Children/Child[1]" in msg or "Children/Child[2]" in msg)
            for _, loc, _, _, msg, _ in fast[1]] == [
        ("Children/Child[3]/ChildIdentifiers/LAchildID", True),
        ("Children/Child[5]/ChildIdentifiers/LAchildID", True)]


def test_problems_keep_document_order_when_slow_children_sit_between_fast_ones(
        tmp_path, monkeypatch):
    kids = [child("E1", sex="Q"), child("E2"),
            child("E3", factors="<AssessmentFactors>RB</AssessmentFactors>"),
            child("E4"), child("E5", eth=" ")]
    slow = slow_reads(monkeypatch)
    fast_result = read_both([census(tmp_path, *kids)], monkeypatch)
    assert fast_result[0] == fast_result[1]
    positions = [loc.split("/")[1] for _, loc, *_ in fast_result[0][1]]
    assert positions == sorted(positions) and {"Child[1]", "Child[3]", "Child[5]"} <= set(
        positions)
    assert slow[:3] == [1, 3, 5]  # the fast run sent only the odd children to the slow path


def test_an_escaped_character_is_read_as_the_character(tmp_path, monkeypatch):
    fast, slow = read_both([census(tmp_path, child("F1", eth="Mixed &amp; other"),
                                   child("F2", eth="A&#66;C"))], monkeypatch)
    assert fast == slow
    assert [c.ethnicity_label for c in fast[0][0][0]] == ["Mixed & other", "ABC"]


def test_a_factor_valid_only_in_other_years_warns_in_each_child(tmp_path, monkeypatch):
    kids = [child(f"G{i}", factors="<AssessmentFactors>18A</AssessmentFactors>")
            for i in range(1, 4)]
    fast, slow = read_both([census(tmp_path, *kids)], monkeypatch)
    assert fast == slow
    assert [loc.split("/")[1] for _, loc, _, _, _, sev in fast[1]
            if sev is Severity.WARNING] == ["Child[1]", "Child[2]", "Child[3]"]


def test_a_file_cut_short_mid_batch_reports_the_children_before_the_break_first(
        tmp_path, monkeypatch):
    kids = [child("H1"), child("H2", source="ZZ"), child("H3")]
    path = census(tmp_path, *kids, tail="<Child><ChildIdentifiers><LAchild")
    fast, slow = read_both([path], monkeypatch)
    assert fast == slow
    assert [loc for _, loc, *_ in fast[1]] == [
        "Children/Child[2]/CINdetails[1]/ReferralSource", fast[1][-1][1]]
    assert "Child[3] (LAchildID H3)" in fast[1][-1][4]


def test_a_file_of_mostly_unreadable_shapes_falls_back_to_the_slow_path_alone(
        tmp_path, monkeypatch):
    kids = [child(f"J{i}").replace("</ChildIdentifiers>", "<Mystery/></ChildIdentifiers>")
            for i in range(1, 13)]
    path = census(tmp_path, *kids)
    monkeypatch.setattr(cin, "_TRIAL", 4)
    # One child at a time: a file read in segments has every child serialised by the
    # background parse anyway (test_xml_segments.py), so there is nothing to stop there.
    monkeypatch.setattr(CinCensusReader, "SEGMENTED", False)
    serialised: list[int] = []
    real = cin._tostring

    def counting(elem, **kwargs):
        serialised.append(1)
        return real(elem, **kwargs)

    monkeypatch.setattr(cin, "_tostring", counting)
    fast, slow = read_both([path], monkeypatch)
    assert fast == slow
    assert len(serialised) == 3  # children 1-3; from child 4 (_TRIAL) nothing is serialised
