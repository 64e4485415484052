"""Parsing of the small value kinds every format shares: dates, booleans, sex, codes, ids.

Each parser raises :class:`ValueError` with a plain-English reason; readers turn that into a
:class:`~arpkit.engine.errors.Problem` naming file, place and field.  Parsing is explicit per
format: UK files are day-first, XML is ISO, and nothing ever falls back to month-first.
"""

from __future__ import annotations

import datetime as dt
import re

_UK_DATE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+00:00(?::00)?)?\s*$")
_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?\s*$")

#: Dates outside this range are reported as implausible for any child-level field.
EARLIEST_PLAUSIBLE = dt.date(1990, 1, 1)


def parse_iso_date(text: str) -> dt.date:
    """``YYYY-MM-DD`` (the XML ``xs:date`` form)."""
    m = _ISO_DATE.match(text)
    if not m:
        raise ValueError(f"is not a date in the form YYYY-MM-DD: {text!r}")
    return _make(int(m[1]), int(m[2]), int(m[3]), text)


def parse_uk_date(text: str, *, allow_iso: bool = True) -> dt.date:
    """``dd/mm/YYYY`` (SSDA903 and Annex A text dates); also ISO when ``allow_iso`` since Excel
    re-saves turn one into the other.  Never month-first."""
    m = _UK_DATE.match(text)
    if m:
        return _make(int(m[3]), int(m[2]), int(m[1]), text)
    if allow_iso and _ISO_DATE.match(text):
        return parse_iso_date(text)
    raise ValueError(f"is not a date in the form dd/mm/yyyy: {text!r}")


def _make(year: int, month: int, day: int, text: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"is not a real calendar date: {text!r}") from None


_TRUE = frozenset({"1", "true", "y", "yes", "a) yes"})
_FALSE = frozenset({"0", "false", "n", "no", "b) no"})


def parse_bool(text: str) -> bool:
    """CIN booleans come as ``0``/``1`` (the XSDs) or ``true``/``false`` (every sample);
    Annex A adds Y/N, Yes/No and lettered ``a) Yes``.  Anything else is an error."""
    t = text.strip().lower()
    if t in _TRUE:
        return True
    if t in _FALSE:
        return False
    raise ValueError(f"is not a yes/no value (expected 1/0, true/false or Y/N): {text!r}")


_SEX = {
    "1": "M", "2": "F", "0": "U", "9": "U",
    "m": "M", "f": "F", "u": "U",
    "male": "M", "female": "F", "a) male": "M", "b) female": "F",
    "unknown": "U", "not stated": "U", "not recorded": "U", "indeterminate": "U",
    "c) not stated/recorded": "U", "d) neither": "U", "neither": "U", "unborn": "U",
}


def normalise_sex(text: str) -> str:
    """Map CIN ``GenderCurrent`` 1/2/0/9, CIN/903 ``Sex`` M/F/U, 903 1/2 and Annex A labels to
    one internal code M/F/U (DfE's own tables combine 0 and 9 as unknown/indeterminate)."""
    code = _SEX.get(_fold(text))
    if code is None:
        raise ValueError(f"is not a recognised sex code (1/2/0/9 or M/F/U): {text!r}")
    return code


_LETTER_PREFIX = re.compile(r"^\s*[a-z]{1,2}\)\s*", re.IGNORECASE)


def _fold(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").split()).lower()


def clean_text(text: str | None) -> str | None:
    """Trim, turn non-breaking spaces into spaces and collapse runs of white space; ``None``
    for an empty result."""
    if text is None:
        return None
    out = " ".join(str(text).replace("\u00a0", " ").split())
    return out or None


def strip_letter(text: str) -> str:
    """Remove an Annex A letter prefix: ``"q) 6: Police"`` -> ``"6: Police"``."""
    return _LETTER_PREFIX.sub("", text, count=1)


_CODE_AND_LABEL = re.compile(r"^([A-Za-z0-9]{1,5})\s*(?::|-|–|\s)\s*\S")


def leading_code(text: str) -> str:
    """The code at the front of a ``code: label`` / ``code - label`` value, upper-cased.

    ``"q) 6: Police"`` -> ``"6"``; ``"C2: FCO"`` -> ``"C2"``; ``"N1 - Abuse or Neglect"`` ->
    ``"N1"``; a bare ``"RC8"`` -> ``"RC8"``.  Callers check the result against their code list.
    """
    t = strip_letter(clean_text(text) or "")
    m = _CODE_AND_LABEL.match(t)
    return (m[1] if m else t).upper()


_INTEGRAL_FLOAT = re.compile(r"^(-?\d+)\.0+$")


def clean_identifier(value: object) -> str:
    """A child or staff id as text.  Spreadsheets and pandas turn ``566910`` into ``566910.0``
    (LIIA issues 133, 139, 141); strip that, keep leading zeros, and refuse non-integral floats
    rather than inventing an id."""
    if isinstance(value, bool):
        raise ValueError(f"is not an identifier: {value!r}")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        raise ValueError(f"is a non-integral number, not an identifier: {value!r}")
    text = clean_text(str(value))
    if not text:
        raise ValueError("is blank")
    m = _INTEGRAL_FLOAT.match(text)
    return m[1] if m else text
