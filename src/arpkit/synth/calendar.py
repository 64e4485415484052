"""Dates as integer day numbers, and their written forms.

The model works in whole days since 1970-01-01 (numpy ``datetime64[D]`` as int) so that whole
blocks of children can be dated with vectorised arithmetic.  Writers turn day numbers into text
through lookup tables built once per run, which is far faster than ``strftime`` per value:
ISO ``YYYY-MM-DD`` for the CIN XML (``xs:date``), ``dd/mm/YYYY`` for the SSDA903 CSVs
(docs/formats.md §1.3) and Excel serial numbers for Annex A.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

_EPOCH = dt.date(1970, 1, 1)
#: Excel's serial day 0 is 1899-12-30 (the 1900 leap-year bug), i.e. unix day -25569.
EXCEL_OFFSET = 25569


def day_of(date: dt.date) -> int:
    """Unix day number of a date."""
    return (date - _EPOCH).days


def date_of(day: int) -> dt.date:
    return _EPOCH + dt.timedelta(days=int(day))


def add_years(date: dt.date, years: int) -> dt.date:
    """Same calendar day ``years`` later; 29 February becomes 28 February."""
    try:
        return date.replace(year=date.year + years)
    except ValueError:
        return date.replace(year=date.year + years, day=28)


@dataclass
class Calendar:
    """The collection year ``period`` (1 April period-1 to 31 March period) and text tables.

    ``start``/``end`` are the first and last day of the collection year; ``earliest_dob`` is
    the first birth date of a child still under 18 on 31 March (population aged 0-17)."""

    period: int
    start: int = field(init=False)
    end: int = field(init=False)
    earliest_dob: int = field(init=False)
    _lo: int = field(init=False, repr=False)
    _iso: list[str] = field(init=False, repr=False)
    _uk: list[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        end = dt.date(self.period, 3, 31)
        self.start = day_of(dt.date(self.period - 1, 4, 1))
        self.end = day_of(end)
        self.earliest_dob = day_of(add_years(end, -18)) + 1
        self._lo = day_of(add_years(end, -19))
        hi = day_of(add_years(end, 19))
        iso, uk = [], []
        for d in range(self._lo, hi + 1):
            date = date_of(d)
            iso.append(date.isoformat())
            uk.append(f"{date.day:02d}/{date.month:02d}/{date.year}")
        self._iso, self._uk = iso, uk

    @property
    def reference_date(self) -> dt.date:
        return date_of(self.end)

    def iso(self, day: int) -> str:
        return self._iso[day - self._lo]

    def uk(self, day: int) -> str:
        return self._uk[day - self._lo]

    def eighteenth_birthday(self, dob: int) -> int:
        return day_of(add_years(date_of(dob), 18))
