"""Local authority codes: one canonical form so keys and joins agree across sources.

The CIN census ``LEA`` and DfE ``old_la_code`` are three-digit numbers; ONS and DfE
``new_la_code`` are nine characters (E06/E08/E09/E10...).  arpkit stores the three-digit code
because it is what the census carries and what DfE's statistical neighbours are keyed by.  The
lookup (``data/la_codes.csv``) is derived from DfE's published CLA and ONS mid-year tables.
Several old codes have had more than one nine-character code over time (e.g. North Yorkshire),
so nine-character codes map to exactly one three-digit code but not always the reverse.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from importlib import resources

from arpkit.engine.errors import ConfigError

_OLD = re.compile(r"^\d{3}$")
_NEW = re.compile(r"^[EW]\d{8}$")


@cache
def _table() -> tuple[dict[str, str], dict[str, str]]:
    new_to_old: dict[str, str] = {}
    names: dict[str, str] = {}
    text = resources.files("arpkit.data").joinpath("la_codes.csv").read_text("utf-8")
    for row in csv.DictReader(text.splitlines()):
        new_to_old[row["new_la_code"]] = row["old_la_code"]
        names.setdefault(row["old_la_code"], row["la_name"])
    return new_to_old, names


def canonical_la_code(code: str) -> str:
    """Three-digit LA code for a three-digit or nine-character code.

    Unknown three-digit codes are accepted (synthetic and test authorities use them, e.g. 975
    in the public fake census); unknown nine-character codes are refused because there is no
    way to link them to the census.
    """
    c = code.strip().upper()
    if _OLD.match(c):
        return c
    if c.isdigit() and len(c) < 3:
        return c.zfill(3)
    if _NEW.match(c):
        old = _table()[0].get(c)
        if old is None:
            raise ConfigError(f"LA code {code!r} is not in arpkit's LA code table")
        return old
    raise ConfigError(
        f"LA code {code!r} is neither a three-digit DfE number (e.g. 201) nor a nine-character "
        "ONS code (e.g. E09000001)"
    )


def la_name(code: str) -> str | None:
    return _table()[1].get(canonical_la_code(code))
