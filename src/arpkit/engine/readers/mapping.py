"""What every CSV + YAML column mapping shares (case-system extracts, HR extracts).

A mapping names, for each arpkit field, the CSV column that holds it, an optional ``values``
map from local labels to arpkit values, and for dates the format. The two readers differ in
their fields and vocabularies, not in how a mapping file is read or how one column entry is
checked; that is here, so a rule (YAML 1.1 booleans, date formats that must give day, month
and year, unknown keys with a suggestion) is written once and reported the same way.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from arpkit.engine.errors import ProblemLog
from arpkit.engine.values import clean_text

#: The keys one column entry may have.
COLUMN_KEYS: tuple[str, ...] = ("column", "values", "format")

#: ``values`` maps, as read: folded local label -> arpkit value.
Values = Mapping[str, object]


class MappingLoader(yaml.SafeLoader):
    """YAML with only ``true``/``false`` as booleans and ``null``/``~`` as null; everything else
    stays text.  Plain PyYAML follows YAML 1.1, where ``Yes``, ``No``, ``On`` and ``Off`` are
    booleans and ``010`` is octal 8: a mapping key ``Yes:`` would silently become ``True`` and
    a code ``06`` would become 6.  Every CSV value is text, so the mapping is text too."""


MappingLoader.yaml_implicit_resolvers = {}
MappingLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
MappingLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
MappingLoader.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"])


def read_mapping_file(path: Path, log: ProblemLog) -> object | None:
    """The parsed YAML of a mapping file, or None with the problem logged (unreadable, not
    UTF-8, or not YAML, with the line and column)."""
    file = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        log.error(file, "", "mapping", str(path), f"cannot be read: {exc.strerror or exc}")
        return None
    except UnicodeDecodeError as exc:
        log.error(file, f"byte offset {exc.start}", "mapping", None,
                  "is not UTF-8 text; save the mapping file as UTF-8")
        return None
    try:
        return yaml.load(text, Loader=MappingLoader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        log.error(file, where, "", None, f"is not valid YAML: {problem}")
        return None


def suggest(key: str, allowed: tuple[str, ...]) -> str:
    """The message for a key that is not allowed, with the closest allowed one if any."""
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"is not a key arpkit knows here{hint}; allowed: {', '.join(allowed)}"


def text(value: object) -> str:
    """A YAML scalar as the text a CSV cell would hold (booleans as ``true``/``false``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def date_format_problem(fmt: object) -> str | None:
    """Why ``fmt`` cannot be a mapping's date format, or None when it round-trips a date
    (so day and month order is always stated, never guessed)."""
    if not isinstance(fmt, str) or not fmt.strip():
        return "must be a date format such as \"%d/%m/%Y\" or \"%Y-%m-%d\""
    probe = dt.date(2001, 2, 13)
    try:
        ok = dt.datetime.strptime(probe.strftime(fmt), fmt).date() == probe
    except ValueError:
        ok = False
    if not ok:
        return "is not a date format that gives day, month and year (use %d, %m or %b, and %Y)"
    return None


class MappingParser:
    """Checks a mapping's entries, logging every problem against its YAML key."""

    def __init__(self, file: str, log: ProblemLog) -> None:
        self.file, self.log = file, log
        self.default_format: str | None = None

    def err(self, key: str, value: object, message: str) -> None:
        self.log.error(self.file, key, key.rsplit(".", 1)[-1], value, message)

    def read_default_format(self, data: Mapping[object, object]) -> None:
        """Take the top-level ``date_format`` (the format of every date column without one)."""
        if data.get("date_format") is not None:
            self.default_format = self.date_format("date_format", data["date_format"])

    def date_format(self, key: str, fmt: object) -> str | None:
        problem = date_format_problem(fmt)
        if problem:
            self.err(key, fmt, problem)
            return None
        return fmt  # type: ignore[return-value]

    def column(self, key: str, spec: object, *, is_date: bool, values_refused: str | None,
               read_values: Callable[[str, object], Values | None]
               ) -> tuple[str, Values | None, str | None] | None:
        """Check one column entry: a column name, or ``{column, values?, format?}``.

        Returns (CSV column, values map or None, date format or None), or None when the entry
        has a problem (every problem is logged). ``values_refused`` is the message for a field
        that cannot take a values map (dates, ids...); ``read_values(key, node)`` checks a
        values map against what the field accepts.
        """
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict):
            self.err(key, spec, "must be a column name, or a mapping with 'column' (and "
                                "optionally 'values' or 'format')")
            return None
        ok = True
        for k in spec:
            if str(k) not in COLUMN_KEYS:
                self.err(f"{key}.{k}", None, suggest(str(k), COLUMN_KEYS))
                ok = False
        column = clean_text(text(spec.get("column")))
        if not column:
            self.err(f"{key}.column", None, "is required: the CSV column name")
            ok = False
        fmt = None
        if is_date:
            fmt = (self.date_format(f"{key}.format", spec["format"]) if "format" in spec
                   else self.default_format)
            if fmt is None:
                if "format" not in spec:
                    self.err(f"{key}.format", None,
                             "a date column needs its format, e.g. format: \"%d/%m/%Y\" (or a "
                             "top-level date_format); arpkit never guesses day and month order")
                ok = False
        elif "format" in spec:
            self.err(f"{key}.format", spec["format"], "only date columns take a format")
            ok = False
        values = None
        if "values" in spec:
            if values_refused is not None:
                self.err(f"{key}.values", None, values_refused)
                ok = False
            else:
                values = read_values(f"{key}.values", spec["values"])
                ok = ok and values is not None
        if not ok or not column:
            return None
        return column, values, fmt
