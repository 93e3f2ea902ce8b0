"""Gradebook import files for learning platforms, from a reports folder's ``grades`` and
``points_possible`` tables, with the platform's ids taken from a roster.

The roster is a CSV with a ``submission`` column (deepgrade's id of the student: the name of the
submission's entry) and the platform's own columns, as the platform exports them:

* ``canvas``: Canvas's gradebook import layout: ``Student``, ``ID``, ``SIS User ID``, ``SIS Login ID``,
  ``Section``, then one column per assignment; the second row is ``Points Possible`` (Canvas's gradebook
  export writes it with leading spaces, ``    Points Possible``, and its import reads it). A column named
  like an existing assignment, ``Name (1234)``, updates it; a new name creates one.
* ``moodle``: a CSV for Moodle's "Import grades > CSV file": ``First name``, ``Last name``, ``ID number``,
  ``Email address`` and the grade item's column; on import, map ``Email address`` (or ``ID number``) to the
  user and the grade column to the grade item.
* ``csv``: every roster column, then every column of ``grades`` (exercises, ``total``, ``percent``,
  ``status``).

Nothing is dropped silently: a graded student with no roster line cannot be written (the platform's id is
unknown) and a roster line without a submission is written with an empty grade (a platform leaves an empty
cell alone; a 0 would be a grade); both are returned as :class:`Mismatch` rows, which the command prints and
writes to ``export_mismatches.csv``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from grader.errors import UsageError
from grader.reports.csv_cells import safe_cell
from grader.reports.files import atomic_write_text

SUBMISSION = "submission"
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_POSSIBLE = "    Points Possible"
MOODLE_COLUMNS = ("First name", "Last name", "ID number", "Email address")
FORMATS = ("canvas", "moodle", "csv")
MISMATCH_NAME = "export_mismatches.csv"
NO_ROSTER_LINE = "graded, but no roster line: not exported"
NO_SUBMISSION = "roster line without a submission: exported with an empty grade"


@dataclass(frozen=True)
class Mismatch:
    """One student that the roster and the grades do not both know."""

    submission: str
    problem: str


def load_roster(path: Path, fmt: str) -> pd.DataFrame:
    """The roster as text cells; a one-line ``UsageError`` when it cannot be read, has no ``submission``
    column, lacks a column the format needs, or names a submission twice."""
    try:
        roster = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, ValueError, UnicodeDecodeError) as err:
        raise UsageError(f"cannot read the roster {path}: {' '.join(str(err).split())}") from None
    roster.columns = [str(c).strip() for c in roster.columns]
    needed = (SUBMISSION, *{"canvas": CANVAS_COLUMNS, "moodle": MOODLE_COLUMNS}.get(fmt, ()))
    missing = [c for c in needed if c not in roster.columns]
    if missing:
        raise UsageError(f"the roster {path} lacks the column(s) {', '.join(missing)} (--format {fmt})")
    twice = sorted(set(roster[SUBMISSION][roster[SUBMISSION].duplicated()]))
    if twice:
        raise UsageError(f"the roster {path} names these submissions twice: {', '.join(twice)}")
    return roster


def load_grades(out: Path) -> tuple[pd.DataFrame, dict[str, float]]:
    """``grades`` (students only) and the points possible of each column, from a reports folder."""
    try:
        grades = pd.read_parquet(out / "grades.parquet")
        possible = pd.read_parquet(out / "points_possible.parquet")
    except (OSError, ValueError) as err:
        raise UsageError(f"no grades in {out} (run deepgrade grade or report first): "
                         f"{' '.join(str(err).split())[:200]}") from None
    return grades, dict(zip(possible["column"], possible["points_possible"].astype(float), strict=True))


def match(grades: pd.DataFrame, roster: pd.DataFrame) -> tuple[pd.DataFrame, list[Mismatch]]:
    """The roster's lines joined with the grades (in roster order; a line without a submission has empty
    grades), and the mismatches."""
    graded = set(grades["student"].astype(str))
    listed = set(roster[SUBMISSION])
    mismatches = [Mismatch(s, NO_ROSTER_LINE) for s in sorted(graded - listed)]
    mismatches += [Mismatch(s, NO_SUBMISSION) for s in roster[SUBMISSION] if s not in graded]
    joined = roster.merge(grades.astype({"student": str}), left_on=SUBMISSION, right_on="student", how="left")
    return joined.drop(columns=["student"]), mismatches


def _number(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):g}"


def _csv(rows: list[list[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([[safe_cell(c) for c in row] for row in rows])
    return buf.getvalue()


def canvas_rows(joined: pd.DataFrame, total_possible: float, assignment: str) -> list[list[object]]:
    rows: list[list[object]] = [[*CANVAS_COLUMNS, assignment],
                                [CANVAS_POINTS_POSSIBLE, "", "", "", "", _number(total_possible)]]
    rows += [[*(r[c] for c in CANVAS_COLUMNS), _number(r["total"])] for r in joined.to_dict("records")]
    return rows


def moodle_rows(joined: pd.DataFrame, assignment: str) -> list[list[object]]:
    rows: list[list[object]] = [[*MOODLE_COLUMNS, assignment]]
    rows += [[*(r[c] for c in MOODLE_COLUMNS), _number(r["total"])] for r in joined.to_dict("records")]
    return rows


def plain_rows(joined: pd.DataFrame) -> list[list[object]]:
    columns = list(joined.columns)
    rows: list[list[object]] = [columns]
    for record in joined.to_dict("records"):
        rows.append([_number(v) if isinstance(v, float) else ("" if v is None else v)
                     for v in (record[c] for c in columns)])
    return rows


def export(out: Path, roster_path: Path, fmt: str, dest: Path, assignment: str) -> list[Mismatch]:
    """Write the ``fmt`` import file of the grades in ``out`` to ``dest`` and the mismatches (a header
    only when there are none) to ``out/export_mismatches.csv``; returns the mismatches."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}: choose {', '.join(FORMATS)}")
    grades, possible = load_grades(out)
    roster = load_roster(roster_path, fmt)
    joined, mismatches = match(grades, roster)
    if fmt == "canvas":
        rows = canvas_rows(joined, possible.get("total", float("nan")), assignment)
    elif fmt == "moodle":
        rows = moodle_rows(joined, assignment)
    else:
        rows = plain_rows(joined)
    atomic_write_text(dest, _csv(rows))
    atomic_write_text(out / MISMATCH_NAME, _csv([[SUBMISSION, "problem"],
                                                 *([m.submission, m.problem] for m in mismatches)]))
    return mismatches
