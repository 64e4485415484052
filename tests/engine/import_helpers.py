"""Helpers for the importer, warehouse and CLI tests.

Expected numbers are derived here from the files themselves (lxml, csv, openpyxl), never from
arpkit's readers, so a test comparing them with the warehouse checks the importer against the
input rather than against itself.  Small returns are built from made-up ids; nothing here is
real personal data.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import openpyxl
from lxml import etree

from arpkit.engine.warehouse import TABLES

#: The pseudonym key every test runs with (set by the autouse fixture in tests/conftest.py).
TEST_KEY = b"test-key-not-secret-0123456789abcdef"

#: Annex A list number -> the stage of the event each of its rows becomes (docs/warehouse.md).
ANNEX_A_STAGES = {1: "contact", 2: "early_help", 3: "referral", 4: "assessment", 5: "s47",
                  6: "cin", 7: "cp_plan", 8: "cla"}

HEADER_903 = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES_903 = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
                "HOME_POST,PL_POST,URN")


def expected_key(la_code: str, child_id: str, key: bytes = TEST_KEY) -> str:
    """child_key as docs/warehouse.md defines it, computed here with the standard library."""
    return hmac.new(key, f"{la_code}\x1f{child_id}".encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------------------------------------
# the warehouse
# ---------------------------------------------------------------------------------------------


def row_counts(warehouse: Path) -> dict[str, int]:
    """Rows in every warehouse table."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def fingerprint(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Row count and an order-independent checksum of every row of every table."""
    out = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for t in TABLES:
            n, digest = con.execute(
                f"SELECT count(*), coalesce(md5(string_agg(r, '|' ORDER BY r)), '') "
                f"FROM (SELECT CAST(x AS VARCHAR) AS r FROM {t} x)").fetchone()
            out[t] = (n, digest)
    return out


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def copy_warehouse(src: Path, dest_dir: Path) -> Path:
    dest = dest_dir / src.name
    shutil.copy(src, dest)
    return dest


# ---------------------------------------------------------------------------------------------
# what the synthetic files hold, read independently of arpkit's readers
# ---------------------------------------------------------------------------------------------


@dataclass
class FileFacts:
    """Ids, identifiers and expected rows of one synthetic authority, read from its files."""

    cin_ids: set[str] = field(default_factory=set)
    ssda903_ids: set[str] = field(default_factory=set)
    annex_a_ids: set[str] = field(default_factory=set)
    upns: set[str] = field(default_factory=set)
    postcodes: set[str] = field(default_factory=set)
    birth_dates: dict[str, dt.date] = field(default_factory=dict)
    events: Counter[tuple[str, str]] = field(default_factory=Counter)
    population_rows: int = 0
    population_total: int = 0

    @property
    def child_ids(self) -> set[str]:
        return self.cin_ids | self.ssda903_ids | self.annex_a_ids


def _uk_date(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def read_facts(out_dir: Path) -> FileFacts:
    facts = FileFacts()
    cin = out_dir / "cin_census.xml"
    if cin.exists():
        _read_cin(cin, facts)
    header = out_dir / "ssda903" / "header.csv"
    if header.exists():
        _read_903(out_dir / "ssda903", facts)
    annex = out_dir / "annex_a.xlsx"
    if annex.exists():
        _read_annex_a(annex, facts)
    pop = out_dir / "population.csv"
    if pop.exists():
        with pop.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        facts.population_rows = len(rows)
        facts.population_total = sum(int(r["population"]) for r in rows)
    return facts


def _read_cin(path: Path, facts: FileFacts) -> None:
    ev = facts.events
    for _, child in etree.iterparse(str(path), tag="Child"):
        cid = child.findtext("ChildIdentifiers/LAchildID")
        facts.cin_ids.add(cid)
        upn = child.findtext("ChildIdentifiers/UPN")
        if upn:
            facts.upns.add(upn)
        facts.birth_dates[cid] = dt.date.fromisoformat(
            child.findtext("ChildIdentifiers/PersonBirthDate"))
        for det in child.findall("CINdetails"):
            if det.findtext("CINreferralDate"):
                ev["cin_census", "referral"] += 1
                if det.findtext("ReferralNFA") in ("0", "false"):
                    ev["cin_census", "cin"] += 1
            ev["cin_census", "assessment"] += sum(
                1 for a in det.findall("Assessments") if a.findtext("AssessmentActualStartDate"))
            ev["cin_census", "cin_plan"] += len(det.findall("CINPlanDates"))
            ev["cin_census", "s47"] += sum(
                1 for s in det.findall("Section47") if s.findtext("S47ActualStartDate"))
            ev["cin_census", "cp_plan"] += len(det.findall("ChildProtectionPlans"))
        child.clear()


def _read_903(folder: Path, facts: FileFacts) -> None:
    with (folder / "header.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            facts.ssda903_ids.add(row["CHILD"])
            if row["UPN"] and row["UPN"] != "UN1":
                facts.upns.add(row["UPN"])
            facts.birth_dates.setdefault(row["CHILD"], _uk_date(row["DOB"]))
    with (folder / "episodes.csv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            facts.events["ssda903", "cla"] += 1
            facts.postcodes.update(p for p in (row["HOME_POST"], row["PL_POST"]) if p)


def _read_annex_a(path: Path, facts: FileFacts) -> None:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        for ws in wb.worksheets:
            n = int(ws.title.split()[-1])
            rows = ws.iter_rows(values_only=True)
            headers = next(rows)
            for values in rows:
                if values is None or all(v is None for v in values):
                    continue
                row = dict(zip(headers, values, strict=False))
                if n in ANNEX_A_STAGES:
                    facts.events["annex_a", ANNEX_A_STAGES[n]] += 1
                if n <= 10:
                    facts.annex_a_ids.add(str(row["Child Unique ID"]))
                post = row.get("Placement postcode")
                if post:
                    facts.postcodes.add(str(post))
    finally:
        wb.close()


_WORD = re.compile(r"[A-Za-z0-9]+")
_HEXLIKE = re.compile(r"[0-9A-F]{1,12}")


def identifier_hits(warehouse: Path, forbidden: set[str]) -> list[tuple[str, str, str]]:
    """(table, column, value) for every text value in the warehouse that holds one of
    ``forbidden`` (case and spaces ignored).

    Why two ways of matching: a short all-digit id (``50163315``) could turn up by chance
    inside a 64-character hex pseudonym, so such ids must match a whole word; anything else
    (UPNs, postcodes) is looked for anywhere in the value, even inside JSON detail."""
    whole, anywhere = set(), set()
    for f in forbidden:
        squeezed = f.replace(" ", "").upper()
        (whole if _HEXLIKE.fullmatch(squeezed) else anywhere).add(squeezed)
    lengths = sorted({len(f) for f in anywhere})
    hits = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for table, cols in TABLES.items():
            for name, kind in cols:
                if not kind.startswith("VARCHAR"):
                    continue
                for (value,) in con.execute(
                        f"SELECT DISTINCT {name} FROM {table} WHERE {name} IS NOT NULL"
                ).fetchall():
                    text = value.replace(" ", "").upper()
                    words = {w.upper() for w in _WORD.findall(value)}
                    windows = {text[i:i + n] for n in lengths for i in range(len(text) - n + 1)}
                    if words & whole or windows & anywhere:
                        hits.append((table, name, value))
    return hits


# ---------------------------------------------------------------------------------------------
# tiny hand-made returns
# ---------------------------------------------------------------------------------------------


def write_903(folder: Path, header_rows: list[str], episode_rows: list[str]) -> Path:
    """An SSDA903 return (header and episodes tables) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "header.csv").write_text("\n".join([HEADER_903, *header_rows, ""]),
                                       encoding="utf-8")
    (folder / "episodes.csv").write_text("\n".join([EPISODES_903, *episode_rows, ""]),
                                         encoding="utf-8")
    return folder


def one_child_903(folder: Path, child_id: str, ethnic: str, period: int) -> Path:
    """A 903 return for ``period`` (the year ending 31 March ``period``) in which one child
    starts to be looked after on 1 May of that year; SEX is coded as that year's return codes
    it (1/2 up to 2024, M/F from 2025)."""
    sex = "1" if period <= 2024 else "M"
    return write_903(
        folder, [f"{child_id},{sex},01/02/2012,{ethnic},A123456789012,,"],
        [f"{child_id},01/05/{period - 1},S,C2,N1,U1,PR1,,,,,,"])
