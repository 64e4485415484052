"""Import statutory returns into the warehouse: detect, read, pseudonymise, normalise, write.

All files named in one call are imported in ONE DuckDB transaction.  If any file has an error,
nothing lands and every problem in every file is reported together.  Re-importing a file that
is already in the warehouse (same SHA-256) is a no-op; importing a newer return for the same
authority, kind and collection year replaces the older one in the same transaction.

Privacy happens here, before anything is stored: the authority's child id becomes an HMAC key
(``pseudonymise.py``), the date of birth is degraded to the first of its month, and the raw
ethnicity label is mapped to a DfE code (``ethnicity.py``) with the label kept for review.
"""

from __future__ import annotations

import datetime as dt
import gc
import getpass
import hashlib
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import ClassVar

import duckdb
import pyarrow as pa

from arpkit.engine import warehouse as wh
from arpkit.engine.detect import Detected, detect
from arpkit.engine.errors import ConfigError, InputError, Problem, Severity
from arpkit.engine.la_codes import canonical_la_code
from arpkit.engine.pseudonymise import Pseudonymiser
from arpkit.engine.records import Chunk, Reader, ReadSettings

#: Order in which sources are trusted for a child's characteristics when returns of the same
#: period disagree (a later period always wins first).
SOURCE_RANK = {"cin_census": 1, "ssda903": 2, "annex_a": 3, "case_extract": 4}

ProgressCallback = Callable[[str, int, int], None]
"""``progress(file_label, rows_done_in_this_read, files_done)``."""


@dataclass
class ImportedSource:
    import_id: str
    kind: str
    files: list[str]
    la_code: str | None
    period: int | None
    rows: int
    children: int = 0
    events: int = 0
    population: int = 0
    replaced: list[str] = field(default_factory=list)


@dataclass
class ImportSummary:
    batch_id: str
    imported: list[ImportedSource] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    unmapped_labels: Counter[str] = field(default_factory=Counter)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _normaliser():
    from arpkit.engine.ethnicity import EthnicityNormaliser
    from arpkit.engine.ethnicity_mapping import default_path

    # The warehouse always stores the DfE/ONS grouping (CHNE under Asian); metrics regroup CHNE
    # on request, so one warehouse serves both conventions.  The authority's own label
    # decisions (`arpkit ethnicity map`) are applied on every import.
    overrides = default_path()
    return EthnicityNormaliser(chinese_group="asian",
                               overrides=overrides if overrides.exists() else None)


class _Writer:
    """Turns one reader's chunks into warehouse rows (inside the caller's transaction).

    Why column by column: the records are tuples, so ``zip(*records)`` turns a chunk into its
    columns in C, Arrow converts each column in one call, and DuckDB fills in what is the same
    for every row (authority, source, collection year, import id) and degrades the birth date
    to its month inside the ``INSERT``.  Per row, Python only looks up the child's key (one
    HMAC per child per file, :meth:`Pseudonymiser.keys_for`) and its mapped ethnicity (one
    normalisation per distinct label).
    """

    POP_COLS: ClassVar[list[str]] = [c for c, _ in wh.TABLES["population"]]
    #: Run each INSERT in a background thread while the reader reads on (see :meth:`_insert`).
    OVERLAP: ClassVar[bool] = True

    def __init__(self, con: duckdb.DuckDBPyConnection, import_id: str, kind: str,
                 pseudonymiser: Pseudonymiser, normaliser) -> None:
        self.con = con
        self.import_id = import_id
        self.kind = kind
        self.pseudo = pseudonymiser
        self.norm = normaliser
        self.labels: Counter[str | None] = Counter()
        self.children = self.events = self.population = 0
        #: Collection years the child and event rows were written with; the importer corrects
        #: them with one UPDATE only if the reader settles on another year later.
        self.periods_written: set[int | None] = set()
        self._keys: dict[str, dict[str, str]] = {}  # la_code -> child id -> key (this file)
        self._ethnicity: dict[str | None, tuple[str | None, str]] = {}
        self._inflight: _Background | None = None

    def write(self, chunk: Chunk, la_code: str, period: int | None) -> None:
        memo = self._keys.setdefault(la_code, {})
        constants = [la_code, self.kind, period, self.import_id]
        if chunk.children:
            ids, labels, sexes, births, disabled, uasc = zip(*chunk.children, strict=True)
            self.labels.update(labels)
            mapped = self._ethnicity
            for label in set(labels).difference(mapped):
                n = self.norm.normalise(label)
                mapped[label] = (n.code, n.group)
            codes, groups = zip(*map(mapped.__getitem__, labels), strict=True)
            self._insert(_INSERT_CHILDREN, constants, {
                "child_key": pa.array(self.pseudo.keys_for(la_code, ids, memo), _S),
                "ethnicity_code": pa.array(codes, _S),
                "ethnicity_group": pa.array(groups, _S),
                "ethnicity_source_label": pa.array(labels, _S),
                "sex": pa.array(sexes, _S),
                "birth_date": pa.array(births, _D),
                "disabled": pa.array(disabled, _B),
                "uasc": pa.array(uasc, _B),
            })
            self.children += len(ids)
            self.periods_written.add(period)
        if chunk.events:
            columns = list(zip(*chunk.events, strict=True))
            arrays = {"child_key": pa.array(self.pseudo.keys_for(la_code, columns[0], memo), _S)}
            for (name, arrow_type), col in zip(_EVENT_FIELDS, columns[1:], strict=True):
                arrays[name] = pa.array(col, arrow_type)
            self._insert(_INSERT_EVENTS, constants, arrays)
            self.events += len(columns[0])
            self.periods_written.add(period)
        if chunk.population:
            rows = [(canonical_la_code(p.la_code) if p.la_code else la_code, *p[1:],
                     self.import_id) for p in chunk.population]
            arrays = {name: pa.array(col, _POP_TYPES[name])
                      for name, col in zip(self.POP_COLS, zip(*rows, strict=True), strict=True)}
            self._insert("INSERT INTO population BY NAME SELECT * FROM arpkit_batch", [], arrays)
            self.population += len(rows)

    def _insert(self, sql: str, params: list, arrays: dict[str, pa.Array]) -> None:
        """Hand one batch to DuckDB.

        Why in a background thread: DuckDB releases the GIL while it scans the Arrow batch and
        writes it, so on a second core the insert of one chunk overlaps the parsing of the
        next instead of stopping it.  At most one insert is in flight (the connection is used
        by one thread at a time); :meth:`wait` is called before the connection is used for
        anything else, and re-raises the insert's error.
        """
        batch = pa.Table.from_pydict(arrays)
        self.wait()
        if self.OVERLAP:
            self._inflight = _Background(self._execute, sql, params, batch)
        else:
            self._execute(sql, params, batch)

    def _execute(self, sql: str, params: list, arpkit_batch: pa.Table) -> None:
        self.con.execute(sql, params)  # DuckDB finds ``arpkit_batch`` by name in this frame

    def join(self) -> None:
        """Wait for the insert in flight, if any, keeping its error for :meth:`wait`."""
        if self._inflight is not None:
            self._inflight.join()

    def wait(self) -> None:
        """Wait for the insert in flight, if any; raise its error."""
        inflight, self._inflight = self._inflight, None
        if inflight is not None:
            inflight.result()


_S, _D, _B, _I = pa.string(), pa.date32(), pa.bool_(), pa.int64()
#: EventRecord's fields after the child id, with their Arrow types (records.py).
_EVENT_FIELDS = (("stage", _S), ("start_date", _D), ("end_date", _D), ("team", _S),
                 ("referral_source", _S), ("referral_nfa", _B), ("closure_reason", _S),
                 ("need_code", _S), ("category_of_abuse", _S), ("legal_status", _S),
                 ("placement", _S), ("rne", _S), ("detail", _S))
_POP_TYPES = dict(zip(_Writer.POP_COLS, [_S, _I, _S, _S, _S, _S, _I, _S, _S, _S], strict=True))
#: Parameters: la_code, source, period, import_id.  The birth date is kept to its month only.
_INSERT_CHILDREN = """
INSERT INTO child_sources BY NAME
SELECT child_key, ?::VARCHAR AS la_code, ?::VARCHAR AS source, ?::INTEGER AS period,
       ?::VARCHAR AS import_id, ethnicity_code, ethnicity_group, ethnicity_source_label, sex,
       date_trunc('month', birth_date)::DATE AS birth_month, disabled, uasc
FROM arpkit_batch
"""
_INSERT_EVENTS = f"""
INSERT INTO events BY NAME
SELECT child_key, ?::VARCHAR AS la_code, {", ".join(name for name, _ in _EVENT_FIELDS)},
       ?::VARCHAR AS source, ?::INTEGER AS period, ?::VARCHAR AS import_id
FROM arpkit_batch
"""


def validate_paths(paths: Sequence[Path | str], settings: ReadSettings | None = None,
                   progress: ProgressCallback | None = None) -> list[Problem]:
    """Read every file and return all problems found, writing nothing."""
    settings = settings or ReadSettings()
    problems: list[Problem] = []
    la_from_cin: str | None = None
    detected, unrecognised = _detect_all(paths, settings, problems)
    problems.extend(unrecognised)
    for det in detected:
        reader = det.reader_class(det.paths, settings)
        rows = 0
        for chunk in reader.chunks():
            rows += len(chunk)
            if progress:
                progress(", ".join(reader.meta.files), rows, 0)
        problems.extend(reader.problems.problems)
        if reader.kind == "cin_census" and reader.meta.la_code:
            la_from_cin = la_from_cin or reader.meta.la_code
        la_problem = _la_problem(reader, settings, la_from_cin)
        if la_problem:
            problems.append(la_problem)
    return problems


def import_paths(paths: Sequence[Path | str], *, warehouse: str | Path | None = None,
                 settings: ReadSettings | None = None, imported_by: str | None = None,
                 progress: ProgressCallback | None = None,
                 pseudonymiser: Pseudonymiser | None = None) -> ImportSummary:
    """Import files into the warehouse in one transaction; raise :class:`InputError` (and change
    nothing) if any file has an error."""
    settings = settings or ReadSettings()
    if settings.la_code:
        settings = replace(settings, la_code=canonical_la_code(settings.la_code))
    skipped: list[Problem] = []
    detected, unrecognised = _detect_all(paths, settings, skipped)
    summary = ImportSummary(batch_id=uuid.uuid4().hex)
    pseudo = pseudonymiser or Pseudonymiser()
    norm = _normaliser()
    who = imported_by or _whoami()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)

    with wh.open_duckdb(warehouse) as con:
        current: dict[str, list[str]] = {}
        for digest, import_id in con.execute(
                "SELECT sha256, import_id FROM imports WHERE status = 'current'").fetchall():
            current.setdefault(digest, []).append(import_id)
        known_sizes = frozenset(size for (size,) in con.execute(
            "SELECT DISTINCT f.bytes FROM import_files f JOIN imports i USING (import_id) "
            "WHERE i.status = 'current'").fetchall())
        con.execute("BEGIN TRANSACTION")
        try:
            summary.warnings.extend(skipped)
            with _cyclic_gc_paused():
                _import_all(con, detected, settings, summary, pseudo, norm, who, now, current,
                            progress, unrecognised, known_sizes)
            if summary.imported:
                _rebuild_children(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return summary


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Pause CPython's cyclic garbage collector while files are read and written.

    Why: a reader builds millions of small tuples, and each full collection of the
    generational collector walks every object still alive, so the collector's cost grows with
    the chunk being built; it was 10-30% of a CIN census import (benchmarks/README.md).  The
    records are acyclic and freed by reference counting as soon as a chunk is written, so
    nothing is held longer; collection resumes (if it was on) when the import ends.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _digests(paths: Sequence[Path]) -> tuple[dict[Path, str], str]:
    """SHA-256 of each file, and the import's digest (the file's own for one file, else the
    SHA-256 of the sorted file digests)."""
    hashes = {p: sha256_file(p) for p in paths}
    combined = (next(iter(hashes.values())) if len(hashes) == 1 else
                hashlib.sha256("\n".join(sorted(hashes.values())).encode()).hexdigest())
    return hashes, combined


class _Background:
    """A function running in a daemon thread; :meth:`result` waits for it (and re-raises).

    Used to hash files while they are parsed: ``hashlib`` and file reads release the GIL, so
    on a machine with a free core the digest costs no wall time.
    """

    def __init__(self, fn: Callable[..., object], *args: object) -> None:
        self._value: object = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(fn, args), daemon=True,
                                        name=f"arpkit-{fn.__name__}")
        self._thread.start()

    def _run(self, fn: Callable[..., object], args: tuple) -> None:
        try:
            self._value = fn(*args)
        except BaseException as exc:  # handed to the caller of result()
            self._error = exc

    def join(self) -> None:
        """Wait for the function to end, without raising its error."""
        self._thread.join()

    def result(self):
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value


def _detect_all(paths: Sequence[Path | str], settings: ReadSettings,
                skipped: list[Problem]) -> tuple[list[Detected], list[Problem]]:
    """:func:`detect`, except that a named file arpkit does not recognise (or that is empty or
    missing) does not stop the other files being read: its problem is returned, to be listed
    with every other file's problems (README: "every problem is listed")."""
    first: list[Problem] = []
    try:
        detected = detect(paths, settings, first)
    except InputError as exc:
        bad = {p.file for p in exc.problems}
        rest = [p for p in paths if str(Path(p)) not in bad]
        return detect(rest, settings, skipped), list(exc.problems)
    skipped.extend(first)
    return detected, []


def _labels_changed(con, import_ids: list[str], norm) -> bool:
    """True when the authority's label decisions (``arpkit ethnicity map``) now map a label of
    these imports differently: re-importing the same file must then apply the decision rather
    than be skipped as unchanged."""
    rows = con.execute(
        "SELECT DISTINCT label, ethnicity_code, ethnicity_group FROM ethnicity_labels "
        "WHERE list_contains(?, import_id)", [import_ids]).fetchall()
    for label, code, group in rows:
        res = norm.normalise(label)
        if (res.code, res.group) != (code, group):
            return True
    return False


def _import_all(con, detected: list[Detected], settings: ReadSettings, summary: ImportSummary,
                pseudo: Pseudonymiser, norm, who: str, now: dt.datetime,
                current: dict[str, list[str]], progress: ProgressCallback | None,
                unrecognised: Sequence[Problem] = (),
                known_sizes: frozenset[int] = frozenset()) -> None:
    """Read and write every detected source.  ``known_sizes`` are the byte sizes of the
    files of current imports: a file of another size cannot be one of them, so its SHA-256
    (needed only for the import record) is computed in a background thread while it is read
    instead of before."""
    all_problems: list[Problem] = list(unrecognised)
    truncated = 0
    la_from_cin: str | None = None
    failed = bool(unrecognised)
    files_done = 0
    for det in detected:
        sizes = {p: p.stat().st_size for p in det.paths}
        digests = _Background(_digests, det.paths)
        combined = None
        if known_sizes.issuperset(sizes.values()):
            # Possibly a file imported before: its digest decides before anything is read.
            hashes, combined = digests.result()
        names = [p.name for p in det.paths]
        if combined in current and not _labels_changed(con, current[combined], norm):
            if det.kind == "cin_census" and la_from_cin is None:
                # An unchanged census still names the authority of the 903/Annex A beside it.
                la_from_cin = con.execute("SELECT la_code FROM imports WHERE import_id = ?",
                                          [current[combined][0]]).fetchone()[0]
            summary.unchanged.extend(names)
            files_done += len(names)
            continue
        reader = det.reader_class(det.paths, settings)
        import_id = uuid.uuid4().hex
        writer = _Writer(con, import_id, reader.kind, pseudo, norm)
        la_code: str | None = None
        rows_seen = 0
        try:
            for chunk in reader.chunks():
                rows_seen += len(chunk)
                if la_code is None:
                    la_code = _resolve_la(reader, settings, la_from_cin)
                failed = failed or reader.problems.has_errors or la_code is None
                if not failed:
                    try:
                        writer.write(chunk, la_code, reader.meta.period)  # type: ignore[arg-type]
                    except ConfigError as exc:  # e.g. a population row for an unknown area code
                        reader.problems.error(", ".join(names), "", "la_code", None, str(exc))
                        failed = True
                if progress:
                    progress(", ".join(names), rows_seen, files_done)
        finally:
            # The connection is free again only once the last insert is done, whether the
            # loop ended or raised (the caller then rolls back on it).
            writer.join()
        writer.wait()
        files_done += len(names)
        if la_code is None:
            la_code = _resolve_la(reader, settings, la_from_cin)
        la_problem = _la_problem(reader, settings, la_from_cin)
        if la_problem:
            reader.problems.add(la_problem)
        if reader.kind == "cin_census" and reader.meta.la_code and la_from_cin is None:
            la_from_cin = canonical_la_code(reader.meta.la_code)
        all_problems.extend(reader.problems.problems)
        truncated += reader.problems.truncated
        if reader.problems.has_errors:
            failed = True
            continue
        if failed:
            continue
        hashes, combined = digests.result()
        period = reader.meta.period
        if writer.periods_written - {period}:  # the year was settled after rows were written
            for table in ("child_sources", "events"):
                con.execute(f"UPDATE {table} SET period = ? WHERE import_id = ?",
                            [period, import_id])
        replaced = _replace_older(con, reader.kind, la_code, period, import_id, names)
        con.execute(
            "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'current', NULL)",
            [import_id, summary.batch_id, ", ".join(names), combined, reader.kind, la_code,
             period, reader.meta.rows or rows_seen, now, who],
        )
        for p, digest in hashes.items():
            con.execute("INSERT INTO import_files VALUES (?, ?, ?, ?)",
                        [import_id, p.name, digest, sizes[p]])
        _record_labels(con, import_id, reader.kind, writer, norm, summary)
        summary.imported.append(ImportedSource(
            import_id, reader.kind, names, la_code, period, reader.meta.rows or rows_seen,
            writer.children, writer.events, writer.population, replaced))
    summary.warnings.extend(p for p in all_problems if p.severity is Severity.WARNING)
    if failed:
        raise InputError(all_problems, truncated=truncated, summary=(
            f"{sum(p.severity is Severity.ERROR for p in all_problems)} problem(s) found; "
            "nothing was imported (the warehouse is unchanged)"))


def _resolve_la(reader: Reader, settings: ReadSettings, la_from_cin: str | None) -> str | None:
    own = reader.meta.la_code
    if own:
        try:
            return canonical_la_code(own)
        except ConfigError:
            return None
    if reader.kind == "population":
        # Population rows may carry their own LA code; the import's code is only a default.
        return settings.la_code or la_from_cin or ""
    return settings.la_code or la_from_cin


def _la_problem(reader: Reader, settings: ReadSettings, la_from_cin: str | None) -> Problem | None:
    files = ", ".join(reader.meta.files)
    own = reader.meta.la_code
    if own:
        try:
            own_c = canonical_la_code(own)
        except ConfigError as exc:
            return Problem(files, "", "la_code", own, str(exc))
        if settings.la_code and own_c != settings.la_code:
            return Problem(files, "", "la_code", own,
                           f"the file says authority {own_c} but --la {settings.la_code} was "
                           "given; import each authority separately")
        return None
    if reader.kind in ("population",) or settings.la_code or la_from_cin:
        return None
    return Problem(files, "", "la_code", None,
                   f"a {reader.kind} file carries no authority code: pass --la CODE, or import "
                   "a CIN census file of the same authority in the same import")


def _replace_older(con, kind: str, la_code: str | None, period: int | None, import_id: str,
                   names: list[str]) -> list[str]:
    """Retire current imports that this one supersedes; delete their rows."""
    if kind == "population":
        key_rows = con.execute(
            "SELECT DISTINCT source, coalesce(vintage, '') FROM population WHERE import_id = ?",
            [import_id]).fetchall()
        olds = []
        for (old_id,) in con.execute(
                "SELECT import_id FROM imports WHERE status = 'current' AND kind = 'population' "
                "AND la_code IS NOT DISTINCT FROM ?", [la_code]).fetchall():
            old_keys = con.execute(
                "SELECT DISTINCT source, coalesce(vintage, '') FROM population "
                "WHERE import_id = ?", [old_id]).fetchall()
            if sorted(old_keys) == sorted(key_rows):
                olds.append(old_id)
    elif kind == "case_extract":
        olds = [r[0] for r in con.execute(
            "SELECT import_id FROM imports WHERE status = 'current' AND kind = ? AND la_code = ? "
            "AND file_name = ?", [kind, la_code, ", ".join(names)]).fetchall()]
    else:
        olds = [r[0] for r in con.execute(
            "SELECT import_id FROM imports WHERE status = 'current' AND kind = ? AND la_code = ? "
            "AND period IS NOT DISTINCT FROM ?", [kind, la_code, period]).fetchall()]
    for old in olds:
        _delete_rows(con, old)
        con.execute("UPDATE imports SET status = 'superseded', replaced_by = ? WHERE import_id = ?",
                    [import_id, old])
    return olds


def _delete_rows(con, import_id: str) -> None:
    for table in wh.IMPORT_OWNED:
        con.execute(f"DELETE FROM {table} WHERE import_id = ?", [import_id])


def _record_labels(con, import_id: str, kind: str, writer: _Writer, norm,
                   summary: ImportSummary) -> None:
    rows = []
    for label, n in writer.labels.items():
        res = norm.normalise(label)
        rows.append((import_id, kind, label, res.code, res.group, bool(res.recognised), n))
        if label is not None and str(label).strip() and not res.recognised:
            summary.unmapped_labels[label] += n
    if rows:
        con.executemany("INSERT INTO ethnicity_labels VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def rollback_import(import_id: str, *, warehouse: str | Path | None = None) -> None:
    """Remove one import's rows (used by the web platform's import history)."""
    with wh.open_duckdb(warehouse) as con:
        found = con.execute("SELECT status FROM imports WHERE import_id = ?",
                            [import_id]).fetchone()
        if not found:
            raise ConfigError(f"no import {import_id!r} in the warehouse")
        if found[0] != "current":
            raise ConfigError(f"import {import_id} is {found[0]}, not current")
        con.execute("BEGIN TRANSACTION")
        try:
            _delete_rows(con, import_id)
            con.execute("UPDATE imports SET status = 'rolled_back' WHERE import_id = ?",
                        [import_id])
            _rebuild_children(con)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


_REBUILD_CHILDREN = """
CREATE OR REPLACE TABLE children AS
WITH s AS (
  SELECT cs.*, i.imported_at,
         CASE cs.source WHEN 'cin_census' THEN 1 WHEN 'ssda903' THEN 2 WHEN 'annex_a' THEN 3
              ELSE 4 END AS source_rank,
         cs.ethnicity_group NOT IN ('UNKNOWN') AS has_ethnicity,
         cs.ethnicity_group NOT IN ('UNKNOWN', 'REFUSED', 'NOT_OBTAINED') AS known
  FROM child_sources cs JOIN imports i USING (import_id)
)
SELECT
  child_key,
  first(la_code) AS la_code,
  first(ethnicity_code ORDER BY has_ethnicity DESC, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS ethnicity_code,
  first(ethnicity_group ORDER BY has_ethnicity DESC, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS ethnicity_group,
  first(ethnicity_source_label ORDER BY has_ethnicity DESC, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS ethnicity_source_label,
  first(sex ORDER BY sex IS NULL, sex = 'U', period DESC NULLS LAST, source_rank,
        imported_at DESC) AS sex,
  first(birth_month ORDER BY birth_month IS NULL, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS birth_month,
  first(disabled ORDER BY disabled IS NULL, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS disabled,
  first(uasc ORDER BY uasc IS NULL, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS uasc,
  first(source ORDER BY has_ethnicity DESC, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS ethnicity_source,
  first(period ORDER BY has_ethnicity DESC, period DESC NULLS LAST, source_rank,
        imported_at DESC) AS ethnicity_period,
  (count(DISTINCT ethnicity_code) FILTER (WHERE known AND ethnicity_code IS NOT NULL) > 1
   OR count(DISTINCT ethnicity_group) FILTER (WHERE known) > 1) AS ethnicity_conflict
FROM s
GROUP BY child_key
"""


#: ``children`` when no child has more than one source row (a first import, or one return
#: alone): each ``first(...)`` of :data:`_REBUILD_CHILDREN` then reads the child's only row,
#: and one row cannot disagree with itself.
_CHILDREN_FROM_ONLY_ROWS = """
CREATE OR REPLACE TABLE children AS
SELECT cs.child_key, cs.la_code, cs.ethnicity_code, cs.ethnicity_group,
       cs.ethnicity_source_label, cs.sex, cs.birth_month, cs.disabled, cs.uasc,
       cs.source AS ethnicity_source, cs.period AS ethnicity_period,
       false AS ethnicity_conflict
FROM child_sources cs JOIN imports i USING (import_id)
"""
_ONE_ROW_PER_CHILD = """
SELECT count(*) = count(DISTINCT cs.child_key)
FROM child_sources cs JOIN imports i USING (import_id)
"""


def _rebuild_children(con) -> None:
    """One row per child: the most recent return's recorded ethnicity wins; disagreements
    between returns are flagged (the detail stays in ``child_sources`` for the quality report).

    Why two queries: the ten ordered ``first()`` aggregates cost 0.2-0.5 s for 50,000
    children (benchmarks/README.md), and when every child has one source row they are that
    row; the check costs one ``count(DISTINCT)``.
    """
    (single,) = con.execute(_ONE_ROW_PER_CHILD).fetchone()
    con.execute(_CHILDREN_FROM_ONLY_ROWS if single else _REBUILD_CHILDREN)


def _whoami() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"
