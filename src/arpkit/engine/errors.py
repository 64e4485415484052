"""Problems found in input files, and the error that carries them.

Every reader reports *all* the problems it finds (not just the first) as :class:`Problem`
records naming the file, the place in it (row, element path or sheet/cell), the field and the
offending value, in plain English.  An import with any ``error`` problem lands nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong (or worth knowing) about an input file.

    ``location`` is whatever pins the place down for that format: ``"row 12"`` for a CSV,
    ``"Children/Child[12]/CINdetails[2]/Section47[1]/ICPCnotRequired"`` for XML (with the
    child's LAchildID in ``message``), ``"List 3!C7"`` for a workbook.
    """

    file: str
    location: str
    field: str
    value: str | None
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        head = ", ".join(p for p in (self.file, self.location) if p)
        what = " ".join(p for p in (f"field {self.field}" if self.field else "",
                                    f"value {self.value!r}" if self.value is not None else "")
                        if p)
        parts = [p for p in (head, what) if p]
        return f"{self.severity}: {': '.join([*parts, self.message])}"


@dataclass
class ProblemLog:
    """Collects problems while a file is read; caps stored detail so a broken
    million-row file cannot exhaust memory, while still counting everything."""

    limit: int = 1000
    problems: list[Problem] = field(default_factory=list)
    error_count: int = 0
    warning_count: int = 0

    def add(self, problem: Problem) -> None:
        if problem.severity is Severity.ERROR:
            self.error_count += 1
        else:
            self.warning_count += 1
        if len(self.problems) < self.limit:
            self.problems.append(problem)

    def error(self, file: str, location: str, field: str, value: object, message: str) -> None:
        self.add(Problem(file, location, field, _text(value), message, Severity.ERROR))

    def warning(self, file: str, location: str, field: str, value: object, message: str) -> None:
        self.add(Problem(file, location, field, _text(value), message, Severity.WARNING))

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def truncated(self) -> int:
        """How many problems were counted but not stored."""
        return self.error_count + self.warning_count - len(self.problems)


def _text(value: object) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


class ArpkitError(Exception):
    """Base class for errors arpkit expects and explains (CLI exit code 2)."""


class InputError(ArpkitError):
    """Input that cannot be imported.  Carries every problem found."""

    def __init__(self, problems: Iterable[Problem], summary: str | None = None,
                 truncated: int = 0) -> None:
        self.problems = list(problems)
        self.truncated = truncated
        errors = [p for p in self.problems if p.severity is Severity.ERROR]
        head = summary or f"{len(errors)} problem(s) in the input; nothing was imported"
        lines = [head, *(f"  {p}" for p in errors[:50])]
        if len(errors) > 50 or truncated:
            lines.append(f"  ... and {len(errors) - 50 + truncated} more")
        super().__init__("\n".join(lines))


class ConfigError(ArpkitError):
    """A setting, mapping file or command-line option that cannot be used."""
