"""The CIN census read in segments parsed ahead on a second core (xml_segments.py) against one
plain ``iterparse`` pass.

Segmenting is only a way of getting the same elements sooner: for any file, the records, every
problem (text, element path, child position, line number, order) and the file facts must be
exactly those of a plain pass.  These tests read files both ways with segments cut very small,
so that every boundary case happens many times: clean and damaged censuses, the public samples,
and files aimed at what cutting at byte level could get wrong (comments, CDATA and processing
instructions between or inside children, attributes, stray text, a child inside a child, a
Header among the children, broken XML and bad bytes in a late segment, other encodings and
namespaces).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import ClassVar

import pytest

import arpkit.engine.readers.cin_census as cin
from arpkit.engine.readers.cin_census import CinCensusReader
from arpkit.engine.readers.xml_segments import SegmentedStream
from arpkit.engine.records import ReadSettings
from tests.engine.readers.test_cin_census_fast_path import census, child, damage, synthetic

__all__ = ["synthetic"]  # the fixture, shared with the fast-path tests


class Recorder(SegmentedStream):
    """The stream, remembered so a test can ask whether the file was cut."""

    made: ClassVar[list[SegmentedStream]] = []

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        Recorder.made.append(self)


def read(paths: list[Path], monkeypatch: pytest.MonkeyPatch, *, segmented: bool,
         segment_bytes: int = 700, **settings: object):
    monkeypatch.setattr(CinCensusReader, "SEGMENTED", segmented)
    monkeypatch.setattr(CinCensusReader, "SEGMENT_BYTES", segment_bytes)
    reader = CinCensusReader(paths, ReadSettings(**settings))  # type: ignore[arg-type]
    children, events = [], []
    for chunk in reader.chunks():
        children += chunk.children
        events += chunk.events
    problems = [(p.file, p.location, p.field, p.value, p.message, p.severity)
                for p in reader.problems.problems]
    return (children, sorted(events, key=repr), problems, reader.problems.error_count,
            reader.problems.warning_count, reader.meta)


def read_both(paths: list[Path], monkeypatch: pytest.MonkeyPatch, segment_bytes: int = 700,
              **settings: object):
    """Read ``paths`` in segments and in one plain pass; return both and the streams used."""
    Recorder.made = []
    monkeypatch.setattr(cin, "SegmentedStream", Recorder)
    cut = read(paths, monkeypatch, segmented=True, segment_bytes=segment_bytes, **settings)
    streams = list(Recorder.made)
    plain = read(paths, monkeypatch, segmented=False, **settings)
    return cut, plain, streams


def lines(*children: str) -> tuple[str, ...]:
    """Children one per line, as most exports write them."""
    return tuple(f"\n  {c}" for c in children)


KIDS = [child(f"K{i}", source="2A" if i % 3 else "3B") for i in range(1, 13)]


# ------------------------------------------------------------------------- whole files


@pytest.mark.parametrize("year", [2019, 2025])
def test_a_census_cut_into_many_segments_reads_exactly_as_one_plain_pass(
        synthetic, monkeypatch, year):
    cut, plain, streams = read_both([synthetic[year]], monkeypatch, segment_bytes=3000)
    assert cut == plain
    assert streams[0].segmented and streams[0].fallback_at is None
    assert len(cut[0]) > 500


@pytest.mark.parametrize("segment_bytes", [700, 5000, 1 << 20])
def test_a_damaged_census_in_segments_gives_the_same_records_and_problems(
        synthetic, tmp_path, monkeypatch, segment_bytes):
    broken = tmp_path / "damaged.xml"
    damage(synthetic[2025], broken, seed=11)
    cut, plain, streams = read_both([broken], monkeypatch, segment_bytes=segment_bytes)
    assert cut == plain
    assert streams[0].segmented
    assert cut[3] > 50 and cut[4] > 20  # errors and warnings of many kinds were found


def test_small_batches_and_chunks_and_two_files_read_the_same_in_segments(
        synthetic, tmp_path, monkeypatch):
    broken = tmp_path / "damaged.xml"
    damage(synthetic[2019], broken, seed=3)
    monkeypatch.setattr(cin, "_BATCH", 37)
    cut, plain, streams = read_both([synthetic[2019], broken], monkeypatch, chunk_size=50)
    assert cut == plain
    assert [s.segmented for s in streams] == [True, True]


def test_the_public_samples_read_the_same_in_segments(shared_data, monkeypatch):
    for path in sorted((shared_data / "cin_census" / "samples").glob("*.xml")):
        cut, plain, _ = read_both([path], monkeypatch, period=2022)
        assert cut == plain, path.name


# --------------------------------------------------------------- what cutting could get wrong


ODD = {
    "a comment between children, holding a start tag": (
        *KIDS[:5], "<!-- <Child> moved -->", *KIDS[5:]),
    "a comment inside a child": (
        *KIDS[:6], KIDS[6].replace("<CINdetails>", "<CINdetails><!-- note -->"), *KIDS[7:]),
    "CDATA in a child's value": (
        *KIDS[:4], KIDS[4].replace(">2A<", "><![CDATA[2A]]><"), *KIDS[5:]),
    "a processing instruction between children": (*KIDS[:7], "<?note x?>", *KIDS[7:]),
    "a child with an attribute": (*KIDS[:3], KIDS[3].replace("<Child>", '<Child n="4">'),
                                  *KIDS[4:]),
    "an empty child": (*KIDS[:8], "<Child/>", *KIDS[8:]),
    "stray text between children": (*KIDS[:5], "stray words", *KIDS[5:]),
    "an unknown element between children": (*KIDS[:2], "<Extra>1</Extra>", *KIDS[2:]),
    "a child inside a child": (
        *KIDS[:5], KIDS[5].replace("</Child>", f"{child('IN')}</Child>"), *KIDS[6:]),
    "a Header among the children": (
        *KIDS[:6], "<Header><Source><LEA>202</LEA></Source></Header>", *KIDS[6:]),
    "an escaped character in a value": (*KIDS[:9], KIDS[9].replace(">2A<", ">2A &amp; 3<"),
                                        *KIDS[10:]),
    "a repeated id in a later segment": (*KIDS, child("K2")),
    "broken XML in a late child": (*KIDS[:10], KIDS[10].replace("</Sex>", "</Sx>"),
                                   *KIDS[11:]),
    "an undefined entity in a late child": (*KIDS[:9], KIDS[9].replace(">2A<", ">&two;<"),
                                            *KIDS[10:]),
}


@pytest.mark.parametrize("one_per_line", [False, True], ids=["compact", "one per line"])
@pytest.mark.parametrize("case", list(ODD))
def test_an_odd_file_reads_the_same_in_segments(tmp_path, monkeypatch, case, one_per_line):
    kids = lines(*ODD[case]) if one_per_line else ODD[case]
    path = census(tmp_path, *kids)
    for size in (700, 1500, 4000):
        cut, plain, streams = read_both([path], monkeypatch, segment_bytes=size)
        assert cut == plain, (case, size)
        assert streams[0].segmented


def test_a_break_in_a_late_segment_is_reported_at_the_files_own_line(tmp_path, monkeypatch):
    kids = lines(*KIDS[:10], KIDS[10].replace("</Sex>", "</Sx>"), *KIDS[11:])
    path = census(tmp_path, *kids)
    cut, plain, streams = read_both([path], monkeypatch)
    assert cut == plain
    assert streams[0].fallback_at is not None and streams[0].fallback_at > 5000
    [(_, location, _, _, message, _)] = [p for p in cut[2] if "broken" in p[4]]
    assert location == "line 12"  # the header is line 1, the 11th child line 12
    assert "Child[10] (LAchildID K10)" in message
    assert len(cut[0]) == 0  # an error: nothing is passed on


def test_a_bad_byte_in_a_late_segment_gives_the_same_error(tmp_path, monkeypatch):
    path = census(tmp_path, *lines(*KIDS))
    data = path.read_bytes()
    at = data.index(b"K11")
    path.write_bytes(data[:at] + b"K1\xff" + data[at + 3:])
    cut, plain, streams = read_both([path], monkeypatch)
    assert cut == plain
    assert streams[0].fallback_at is not None
    assert any("not UTF-8" in p[4] for p in cut[2])


@pytest.mark.parametrize("case", ["bom", "latin-1", "namespace", "truncated", "after"])
def test_a_file_that_cannot_be_cut_safely_is_read_in_one_plain_pass(tmp_path, monkeypatch,
                                                                     case):
    path = census(tmp_path, *lines(*KIDS))
    text = path.read_text(encoding="utf-8")
    if case == "bom":
        path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    elif case == "latin-1":
        text = text.replace("<Ethnicity>WBRI", "<Ethnicity>WBRI\u00e9")
        path.write_bytes(('<?xml version="1.0" encoding="ISO-8859-1"?>' + text)
                         .encode("latin-1"))
    elif case == "namespace":
        path.write_text(text.replace("<Message>", '<Message xmlns="urn:x">', 1))
    elif case == "truncated":
        path.write_text(text[: text.rindex("<Child>") + 40])
    else:  # a child after the Children element
        path.write_text(text.replace("</Children>", f"</Children>{KIDS[0]}"))
    cut, plain, streams = read_both([path], monkeypatch)
    assert cut == plain
    # A BOM is UTF-8 and is cut; the rest are not cut at all.
    assert streams[0].segmented is (case == "bom")


def test_closing_the_reader_early_stops_the_background_parse(synthetic, monkeypatch):
    monkeypatch.setattr(CinCensusReader, "SEGMENT_BYTES", 2000)
    monkeypatch.setattr(cin, "_BATCH", 20)
    chunks = CinCensusReader([synthetic[2025]], ReadSettings(chunk_size=10)).chunks()
    first = next(chunks)
    assert first.children
    assert any(t.name == "arpkit-xml-segments" for t in threading.enumerate())
    chunks.close()
    assert not any(t.name == "arpkit-xml-segments" for t in threading.enumerate())
