"""The real nbgrader round trip: ``deepgrade nbgrader build``, ``nbgrader generate_assignment``, three
submissions per assignment (correct, partial, untouched release copy), ``nbgrader autograde`` with a real
ipykernel, ``nbgrader export`` to CSV; nbgrader's SQLite gradebook must hold, check by check, the points
that ``deepgrade grade`` (the sandboxed engine) gives the same code, and the CSV must load into the report
tables."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, TEST_SECRET, fill_answers, run_nbgrader

from grader.cli import main
from grader.model import CheckResult, Outcome
from grader.nbgrader.build import NBGRADER_STUDENT, build_course
from grader.nbgrader.collect import discrepancies
from grader.nbgrader.gradebook import load_export_csv, load_results
from grader.registry import by_id
from grader.reports import JOURNAL_NAME
from grader.reports import load_results as load_journal
from grader.reports.tables import summarise, wide_table

pytestmark = pytest.mark.slow

# Plain functions, a report value, a beginner's mistake (partial sample), optimizer scenarios, dropout
# with a mask drawn from a seed. (ex16's timing check is left out: the engine grades its speed, nbgrader its
# value only; test_nbgrader_all_exercises runs every notebook, ex16's included, in a real kernel.)
ASSIGNMENTS = (
    "ex01_perceptron", "ex02_sigmoid", "ex05_quadratic_cost", "ex11_optimizers", "ex12_regularization"
)
SAMPLES = ROOT / "examples" / "submissions"
# student -> folder of modules holding the same code (None: the untouched release copy, i.e. the stubs)
STUDENTS = {"correct": SAMPLES / "perfect", "partial": SAMPLES / "partial", "untouched": None}


def test_nbgrader_round_trip(tmp_path: Path, jupyter_env: dict[str, str]) -> None:
    """One test, so that ``pytest -n 2`` runs the round trip once, not once per worker."""
    course = _round_trip(tmp_path / "course", jupyter_env)
    _release_holds_no_solution_and_no_hidden_check(course)
    for student in STUDENTS:
        _autograde_scores_equal_deepgrade_check_by_check(course, student)
    _gradebook_records_outcomes_and_feedback(course)
    _no_test_cell_of_a_correct_answer_wrote_to_stderr(course)
    _export_csv_loads_into_the_report_tables(course)
    _autograded_test_cells_end_in_a_statement(course)
    _report_command_reads_the_gradebook(course, tmp_path / "reports")
    _cross_check_flags_a_tampering_notebook(course, jupyter_env, tmp_path / "cross")
    _cell_timeout_zeroes_a_looping_answer(course, jupyter_env)


def _round_trip(course: Path, jupyter_env: dict[str, str]) -> Path:
    build_course(course, ASSIGNMENTS, timeout_s=120, secret=TEST_SECRET)
    run_nbgrader(["generate_assignment", "*"], course, jupyter_env)
    for assignment in ASSIGNMENTS:
        release = course / "release" / assignment / f"{assignment}.ipynb"
        for student, modules in STUDENTS.items():
            dest = course / "submitted" / student / assignment / f"{assignment}.ipynb"
            if modules is None:
                dest.parent.mkdir(parents=True)
                dest.write_bytes(release.read_bytes())
            else:
                fill_answers(release, modules / f"{assignment}.py", dest)
    run_nbgrader(["autograde", "*"], course, jupyter_env)
    run_nbgrader(["export", "--to", str(course / "grades.csv")], course, jupyter_env)
    return course


@cache
def _deepgrade(student: str) -> dict[tuple[str, str], float]:
    """``deepgrade grade``'s points (the sandboxed engine, as a subprocess) for the same code, submitted
    under the student id ``NBGRADER_STUDENT`` so that its hidden inputs are the notebooks' ones."""
    folder = STUDENTS[student] or ROOT / "exercises"
    with tempfile.TemporaryDirectory() as tmp:
        submission = Path(tmp) / "submissions" / NBGRADER_STUDENT
        submission.mkdir(parents=True)
        for assignment in ASSIGNMENTS:
            shutil.copyfile(folder / f"{assignment}.py", submission / f"{assignment}.py")
        results = _deepgrade_grade(submission.parent, Path(tmp) / "reports")
    assert {r.student for r in results} == {NBGRADER_STUDENT}
    return {(r.exercise, r.check): r.points for r in results if r.exercise in ASSIGNMENTS}


def _deepgrade_grade(submissions: Path, out: Path) -> list[CheckResult]:
    """``deepgrade grade SUBMISSIONS --out OUT`` in a subprocess; the results it recorded."""
    env = {**os.environ, "DEEPGRADE_SECRET": TEST_SECRET}
    proc = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(submissions), "--out", str(out), "--no-progress",
         "--lang", "en", "--sandbox", "auto"], env=env, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return load_journal(out / JOURNAL_NAME)


def _release_holds_no_solution_and_no_hidden_check(course: Path) -> None:
    for assignment in ASSIGNMENTS:
        solution = (ROOT / "solutions" / f"{assignment}.py").read_text(encoding="utf-8")
        bodies = re.findall(r"### BEGIN SOLUTION\n(.*?)\n\s*### END SOLUTION", solution, re.S)
        assert bodies
        stub = (ROOT / "exercises" / f"{assignment}.py").read_text(encoding="utf-8")
        folder = course / "release" / assignment
        text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(folder.iterdir()) if p.is_file())
        for body in bodies:
            for line in (ln.strip() for ln in body.splitlines()):
                if len(line) > 12 and line not in stub:  # a line the stub's docstring gives is no leak
                    assert line not in text, f"{assignment}: solution line {line!r} in the release"
        notebook = (folder / f"{assignment}.ipynb").read_text(encoding="utf-8")
        assert "HIDDEN TESTS" not in notebook and "run_hidden_check(" not in notebook
        source = nbformat.read(course / "source" / assignment / f"{assignment}.ipynb", as_version=4)
        payloads = re.findall(r"'(\{\"d\":[^']*)'", "\n".join(c.source for c in source.cells))
        assert len(payloads) == sum(c.hidden for c in by_id(assignment).checks)
        released = "\n".join(c.source for c in nbformat.reads(notebook, as_version=4).cells)
        assert not [p for p in payloads if p in released]
        nb = nbformat.reads(notebook, as_version=4)
        answers = [c for c in nb.cells if c.metadata["nbgrader"].get("solution")]
        assert answers and all("raise NotImplementedError()" in c.source for c in answers)
        hidden = [c for c in by_id(assignment).checks if c.hidden]
        graded = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata["nbgrader"]["grade"]}
        for check in hidden:
            cell = graded[check.name]
            assert "BEGIN HIDDEN" not in cell.source and not cell.get("outputs")


def _autograde_scores_equal_deepgrade_check_by_check(course: Path, student: str) -> None:
    nbgrader = {
        (r.exercise, r.check): r.points for r in load_results(course / "gradebook.db") if r.student == student
    }
    expected = _deepgrade(student)
    assert nbgrader == expected
    total = sum(expected.values())
    if student == "correct":
        assert total == sum(by_id(a).max_points for a in ASSIGNMENTS)
    elif student == "untouched":
        assert total == 0.0
    else:
        assert 0.0 < total < sum(by_id(a).max_points for a in ASSIGNMENTS)


def _gradebook_records_outcomes_and_feedback(course: Path) -> None:
    results = {(r.student, r.exercise, r.check): r for r in load_results(course / "gradebook.db")}
    stub = results[("untouched", "ex02_sigmoid", "report_values")]
    assert stub.outcome is Outcome.NOT_IMPLEMENTED and "NotImplementedError" in stub.message_en
    wrong = results[("partial", "ex05_quadratic_cost", "report_cost")]
    assert wrong.outcome is Outcome.FAILED and wrong.points == 0.0 and "expected" in wrong.reason
    assert wrong.message_fr.startswith(by_id("ex05_quadratic_cost").title.fr)
    hidden = {c.name for a in ASSIGNMENTS for c in by_id(a).checks if c.hidden}
    assert {k[2] for k, r in results.items() if r.hidden} == hidden
    passed = results[("correct", "ex12_regularization", "hidden_dropout_random")]
    assert passed.outcome is Outcome.PASSED and passed.points == passed.max_points > 0


def _no_test_cell_of_a_correct_answer_wrote_to_stderr(course: Path) -> None:
    for assignment in ASSIGNMENTS:
        nb = json.loads((course / "autograded" / "correct" / assignment / f"{assignment}.ipynb").read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and "run_" in cell["source"]:
                kinds = {(o["output_type"], o.get("name")) for o in cell["outputs"]}
                assert kinds <= {("stream", "stdout")}, (assignment, cell["source"][:80], kinds)


def _export_csv_loads_into_the_report_tables(course: Path) -> None:
    rows = load_export_csv(course / "grades.csv")
    assert {(r.student, r.exercise) for r in rows} == {(s, a) for s in STUDENTS for a in ASSIGNMENTS}
    for student in STUDENTS:
        expected = _deepgrade(student)
        for assignment in ASSIGNMENTS:
            row = next(r for r in rows if r.student == student and r.exercise == assignment)
            assert row.points == pytest.approx(sum(v for (e, _), v in expected.items() if e == assignment))
            assert row.max_points == by_id(assignment).max_points
    summary = summarise(rows).set_index("student")
    max_total = sum(by_id(a).max_points for a in ASSIGNMENTS)
    assert summary.loc["correct", "points"] == max_total and summary.loc["untouched", "points"] == 0.0
    assert set(wide_table(rows)["student"]) >= set(STUDENTS)


def _report_command_reads_the_gradebook(course: Path, tmp_path: Path) -> None:
    for name in ("gradebook.db", "grades.csv"):
        source, out = course / name, tmp_path / name.replace(".", "_")
        assert main(["report", "--from-nbgrader", str(source), "--out", str(out)]) == 0
        grades = (out / "grades.csv").read_text(encoding="utf-8")
        assert all(f"\n{student}," in grades for student in STUDENTS), grades


TAMPERING = """\
import deepgrade_check

deepgrade_check.run_check = deepgrade_check.run_hidden_check = lambda *args, **kwargs: None


def step(z):
    raise NotImplementedError
"""


def _cross_check_flags_a_tampering_notebook(course: Path, jupyter_env: dict[str, str], tmp: Path) -> None:
    """nbgrader's known limit (one kernel for the student's code and the checks): an answer cell that
    replaces the checks gets every point. ``deepgrade grade`` on the collected notebooks gives it 0, and
    ``discrepancies`` flags exactly that notebook's checks, not the honest ones."""
    assignment = "ex01_perceptron"
    dest = course / "submitted" / "tampering" / assignment / f"{assignment}.ipynb"
    dest.parent.mkdir(parents=True)
    nb = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    next(c for c in nb.cells if "def step(" in c.source).source = TAMPERING
    nbformat.write(nb, dest)
    run_nbgrader(["autograde", assignment, "--student", "tampering"], course, jupyter_env)
    graded = [r for r in load_results(course / "gradebook.db") if r.student in ("tampering", "correct")]
    assert sum(r.points for r in graded if r.student == "tampering") == by_id(assignment).max_points
    args = ["nbgrader", "collect", str(course), str(tmp / "collected"), "--student", "tampering",
            "--student", "correct"]
    assert main(args) == 0
    assert sorted(p.name for p in (tmp / "collected" / "correct").iterdir()) == sorted(
        f"{a}.ipynb" for a in ASSIGNMENTS)
    found = discrepancies(graded, _deepgrade_grade(tmp / "collected", tmp / "reports"))
    assert {(d.student, d.exercise, d.check) for d in found} == {
        ("tampering", assignment, c.name) for c in by_id(assignment).checks}
    assert all(d.nbgrader_points > 0 and d.deepgrade_points == 0 for d in found)


LOOPING = """\
def perceptron(x, w, b):
    while True:
        pass
"""


def _cell_timeout_zeroes_a_looping_answer(course: Path, jupyter_env: dict[str, str]) -> None:
    """nbgrader's per-cell timeout (``Execute.timeout``, set in the generated config) interrupts a test
    cell stuck in the student's loop: 0 points for that check, recorded as a timeout; the next cells run."""
    assignment = "ex01_perceptron"
    dest = course / "submitted" / "looping" / assignment / f"{assignment}.ipynb"
    release = course / "release" / assignment / f"{assignment}.ipynb"
    fill_answers(release, SAMPLES / "perfect" / f"{assignment}.py", dest)
    nb = nbformat.read(dest, as_version=4)
    next(c for c in nb.cells if "def perceptron(" in c.source).source = LOOPING
    nbformat.write(nb, dest)
    args = ["autograde", assignment, "--student", "looping", "--Execute.timeout=3"]
    run_nbgrader(args, course, jupyter_env)
    results = {r.check: r for r in load_results(course / "gradebook.db") if r.student == "looping"}
    assert {r.check for r in results.values() if r.outcome is Outcome.TIMEOUT} == {
        c.name for c in by_id(assignment).checks if c.target == "perceptron"}
    assert all(r.points == 0.0 for r in results.values() if r.outcome is Outcome.TIMEOUT)
    assert results["step_values"].outcome is Outcome.PASSED and results["step_values"].points == 1.0
    assert "timed out" in results["report_truth_table"].message_en


def _autograded_test_cells_end_in_a_statement(course: Path) -> None:
    nb = nbformat.read(course / "autograded" / "partial" / "ex02_sigmoid" / "ex02_sigmoid.ipynb", 4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            last = ast.parse(cell.source).body[-1]
            assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            assert not any(o.output_type == "execute_result" for o in cell.outputs)
