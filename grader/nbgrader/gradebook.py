"""nbgrader's grades as deepgrade's ``CheckResult`` records, so that the report tables are the same
whichever path graded the course.

Two sources:

* the SQLite gradebook (``load_results``): one record per autograder test cell, that is per check
  (the grade cell's name is the check's name, the notebook's name the exercise id). When the autograded
  notebooks sit beside the gradebook (``autograded/<student>/<assignment>/<notebook>.ipynb``, nbgrader's
  layout), the failure recorded by the test cell (``deepgrade_check``'s first line) gives the outcome
  and the fr/en messages, and a notebook absent from there was not submitted (``missing``); without
  that folder a lost point is ``failed``. Every student of the gradebook gets a record of every test cell
  of every assignment: a notebook they never submitted gives ``missing`` records worth 0 (as ``deepgrade
  grade`` records an absent module), so totals are out of the whole course.
* the CSV of ``nbgrader export`` (``load_export_csv``): one record per (student, assignment), check
  ``"total"``, for when only the export is at hand.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.model import CheckResult, Outcome
from grader.nbgrader.deepgrade_check import FAILURE_PREFIX  # a test cell's error: "deepgrade <outcome>: ..."

HIDDEN_MARK = "BEGIN HIDDEN TESTS"
NOT_SUBMITTED = "notebook not submitted"
TOTAL_CHECK = "total"


def load_results(db_path: Path | str) -> list[CheckResult]:
    """Every autograded test cell of the gradebook at ``db_path`` as a ``CheckResult``; a ``.csv`` path is
    read as ``nbgrader export``'s CSV instead (``load_export_csv``)."""
    path = Path(db_path)
    if not path.is_file():
        raise UsageError(f"no nbgrader gradebook at {path}")
    if path.suffix.lower() == ".csv":
        return load_export_csv(path)
    _require_gradebook(path)
    from nbgrader.api import Gradebook

    autograded = path.parent / "autograded"
    results: list[CheckResult] = []
    with Gradebook(f"sqlite:///{path.resolve()}", course_id="") as gb:
        students = sorted(student.id for student in gb.students)
        for assignment in gb.assignments:
            for notebook in assignment.notebooks:
                hidden = {cell.name: HIDDEN_MARK in (cell.source or "") for cell in notebook.source_cells}
                submissions = {submitted.student.id: submitted for submitted in notebook.submissions}
                for student in students:
                    submitted = submissions.get(student)
                    if submitted is None:  # a notebook never submitted scores 0, as in `deepgrade grade`
                        results += _not_submitted(student, notebook, hidden)
                        continue
                    graded_nb = autograded / student / assignment.name / f"{notebook.name}.ipynb"
                    failures = _failures(graded_nb)
                    if autograded.is_dir() and not graded_nb.is_file():
                        failures = dict.fromkeys(hidden, (Outcome.MISSING, NOT_SUBMITTED, "", ""))
                    for grade in submitted.grades:
                        if grade.cell.type != "GradeCell" or grade.auto_score is None:
                            continue
                        results.append(
                            _result(
                                student,
                                notebook.name,
                                grade.name,
                                float(grade.score),
                                float(grade.max_score),
                                hidden.get(grade.name, False),
                                failures.get(grade.name),
                            )
                        )
    return results


def _not_submitted(student: str, notebook: Any, hidden: dict[str, bool]) -> list[CheckResult]:
    """A ``missing`` record (0 points) for each autograded test cell of a notebook the student never
    submitted, so that totals are out of every assignment of the course."""
    return [
        _result(student, notebook.name, cell.name, 0.0, float(cell.max_score), hidden.get(cell.name, False),
                (Outcome.MISSING, NOT_SUBMITTED, "", ""))
        for cell in notebook.grade_cells
        if cell.cell_type == "code"
    ]


def _require_gradebook(path: Path) -> None:
    """``UsageError`` unless ``path`` is an SQLite file holding nbgrader's tables (opened read-only:
    nbgrader's ``Gradebook`` would create its tables in any other file)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True)) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as err:
        raise UsageError(f"{path} is not an nbgrader gradebook ({err})") from None
    if not {"assignment", "notebook", "grade"} <= tables:
        raise UsageError(f"{path} is not an nbgrader gradebook (no nbgrader tables)")


def _result(
    student: str, exercise: str, check: str, points: float, max_points: float, hidden: bool,
    failure: tuple[Outcome, str, str, str] | None,
) -> CheckResult:
    if points >= max_points:
        outcome, reason, fr, en = Outcome.PASSED, "", "", ""
    elif failure is not None:
        outcome, reason, fr, en = failure
    else:
        outcome, reason, fr, en = Outcome.FAILED, "the test cell raised an error or wrote to stderr", "", ""
    if outcome is not Outcome.PASSED and not (fr and en):
        fr, en = _feedback(exercise, check, outcome, reason)
    return CheckResult(
        student=student, exercise=exercise, check=check, points=points, max_points=max_points,
        outcome=outcome, reason=reason, message_fr=fr, message_en=en, duration_s=0.0, hidden=hidden,
    )


def _feedback(exercise_id: str, check_name: str, outcome: Outcome, reason: str) -> tuple[str, str]:
    """The registry's feedback for a check (``grader.messages``), or the reason alone for a notebook
    that is not one of deepgrade's."""
    from grader.messages import feedback
    from grader.registry import by_id

    try:
        exercise = by_id(exercise_id)
        check = next(c for c in exercise.checks if c.name == check_name)
    except (KeyError, StopIteration):
        return reason, reason
    return feedback(exercise, check, outcome, reason, "fr"), feedback(exercise, check, outcome, reason, "en")


def _failures(notebook_path: Path) -> dict[str, tuple[Outcome, str, str, str]]:
    """``grade_id -> (outcome, reason, message_fr, message_en)`` read from an autograded notebook."""
    if not notebook_path.is_file():
        return {}
    try:
        cells = json.loads(notebook_path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return {}
    found: dict[str, tuple[Outcome, str, str, str]] = {}
    for cell in cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        for output in cell.get("outputs", []):
            if gid and output.get("output_type") == "error":
                found[gid] = parse_failure(output.get("ename", ""), output.get("evalue", ""))
    return found


def parse_failure(ename: str, evalue: str) -> tuple[Outcome, str, str, str]:
    """The outcome, reason and messages of a test cell's error. ``deepgrade_check`` raises
    ``AssertionError("deepgrade <outcome>: <reason>\\nfr: ...\\nen: ...")``; nbgrader's cell timeout is a
    ``timeout``; anything else is an ``error`` (empty messages: the caller fills in the feedback)."""
    lines = evalue.splitlines()
    if ename == "AssertionError" and lines and lines[0].startswith(FAILURE_PREFIX):
        head, _, reason = lines[0][len(FAILURE_PREFIX) :].partition(": ")
        texts = {line[:2]: line[4:] for line in lines[1:] if line[:4] in ("fr: ", "en: ")}
        try:
            outcome = Outcome(head)
        except ValueError:
            outcome = Outcome.FAILED
        return outcome, reason, texts.get("fr", ""), texts.get("en", "")
    if ename == "CellTimeoutError":
        return Outcome.TIMEOUT, "the cell ran past nbgrader's per-cell timeout", "", ""
    first = evalue.splitlines()[0] if evalue else ""
    return Outcome.ERROR, f"{ename}: {first}" if first else ename, "", ""


def load_export_csv(csv_path: Path | str) -> list[CheckResult]:
    """The rows of ``nbgrader export``'s CSV (one per student and assignment) as ``CheckResult`` records
    of one check, ``"total"``, worth the assignment's ``max_score``."""
    path = Path(csv_path)
    if not path.is_file():
        raise UsageError(f"no nbgrader export at {path}")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    needed = {"assignment", "student_id", "score", "max_score"}
    if rows and not needed <= set(rows[0]):
        raise UsageError(f"{path} is not an nbgrader export: it lacks {sorted(needed - set(rows[0]))}")
    results = []
    for row in rows:
        points, max_points = float(row["score"] or 0.0), float(row["max_score"] or 0.0)
        results.append(
            _result(
                row["student_id"],
                row["assignment"],
                TOTAL_CHECK,
                points,
                max_points,
                False,
                None,
            )
        )
    return results
