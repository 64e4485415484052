"""Hand-made HR extract sets for the workforce tests: CSVs written from counts, so every
indicator can be checked against figures worked out by hand (methods.md §5.3, §5.6)."""

from __future__ import annotations

import csv
from pathlib import Path

MAPPING = """\
version: 1
date_format: "%Y-%m-%d"
grades: [G1, G2, G3]
staff:
  id: Staff ID
  ethnicity: Ethnicity
  grade: Grade
  team: Team
  start_date: Start
  leave_date: Leave
recruitment:
  id: Applicant
  vacancy: Vacancy
  ethnicity: Ethnicity
  date: Date
  shortlisted: Shortlisted
  appointed: Appointed
disciplinary:
  id: Staff ID
  date: Opened
  formal: {column: Type, values: {Formal: true, Informal: false}}
  outcome: {column: Outcome, values: {Dismissed: dismissal, NCTA: no_case_to_answer}}
grievances:
  id: Staff ID
  date: Raised
  outcome: Outcome
training:
  id: Staff ID
  date: Date
  mandatory: Mandatory
"""

WHITE = "English, Welsh, Scottish, Northern Irish or British"
BLACK = "Black, Black British, Caribbean or African: African"


def write_csv(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def extract(folder: Path, *, staff: list[list[object]], applications=(), disciplinary=(),
            grievances=(), training=()) -> Path:
    """Write the five files and the mapping; return the mapping path."""
    folder.mkdir(parents=True, exist_ok=True)
    write_csv(folder / "staff.csv", ["Staff ID", "Ethnicity", "Grade", "Team", "Start", "Leave"],
              staff)
    write_csv(folder / "recruitment.csv", ["Applicant", "Vacancy", "Ethnicity", "Date",
                                           "Shortlisted", "Appointed"], list(applications))
    write_csv(folder / "disciplinary.csv", ["Staff ID", "Opened", "Type", "Outcome"],
              list(disciplinary))
    write_csv(folder / "grievances.csv", ["Staff ID", "Raised", "Outcome"], list(grievances))
    write_csv(folder / "training.csv", ["Staff ID", "Date", "Mandatory"], list(training))
    mapping = folder / "hr.yml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return mapping


def people(prefix: str, n: int, ethnicity: str, *, grade: str = "G1", team: str = "North",
           start: str = "2020-01-01", leave: str = "") -> list[list[object]]:
    return [[f"{prefix}{i}", ethnicity, grade, team, start, leave] for i in range(n)]
