"""The real nbgrader round trip: ``deepgrade nbgrader build`` (twice on the same course, an instructor's
config line added in between and kept), ``nbgrader generate_assignment``, four submissions per assignment
(two correct ones under their own ids, a partial one, the untouched release copy; the partial student never
hands in one assignment), ``nbgrader autograde`` with a real ipykernel, ``nbgrader export`` to CSV,
``nbgrader generate_feedback``. Each student's hidden checks get that student's own inputs (seen by the
answer itself), the same ``deepgrade grade`` draws for the same id and secret; nbgrader's SQLite gradebook
must hold, check by check, hidden checks included, the points that ``deepgrade grade`` (the sandboxed
engine) gives the same code; the feedback shows no hidden input and no expected value; the CSV loads into
the report tables; ``deepgrade report --from-nbgrader`` gives the tables that ``deepgrade grade`` gives on
the same notebooks, totals out of every assignment and ``missing`` rows for the unsubmitted one included."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, TEST_SECRET, fill_answers, run_nbgrader

from grader.cli import main
from grader.expected import make_case
from grader.model import CheckResult, Outcome
from grader.nbgrader.build import build_course
from grader.nbgrader.collect import discrepancies
from grader.nbgrader.deepgrade_check import WITHHELD
from grader.nbgrader.gradebook import load_export_csv, load_results
from grader.registry import by_id
from grader.reports import JOURNAL_NAME
from grader.reports import load_results as load_journal
from grader.reports.tables import summarise, wide_table

pytestmark = pytest.mark.slow

# Plain functions, a report value, a beginner's mistake (partial sample), optimizer scenarios, dropout
# with a mask drawn from a seed, and one exercise of issue 16 (ex17: scenarios that return strings).
# (ex16's timing check is left out: the engine grades its speed, nbgrader its
# value only; test_nbgrader_all_exercises runs every notebook, ex16's included, in a real kernel.)
ASSIGNMENTS = (
    "ex01_perceptron", "ex02_sigmoid", "ex05_quadratic_cost", "ex11_optimizers", "ex12_regularization",
    "ex17_learning_rate",
)
SAMPLES = ROOT / "examples" / "submissions"
# student -> folder of modules holding the same code (None: the untouched release copy, i.e. the stubs);
# "correct" and "twin" hand in the same correct work, whose sigmoid_grad writes down each input it gets.
STUDENTS = {"correct": None, "twin": None, "partial": SAMPLES / "partial", "untouched": None}
CORRECT = ("correct", "twin")
UNSUBMITTED = ("partial", "ex12_regularization")  # this student never hands in this assignment
EXCHANGE_LINE = 'c.Exchange.root = os.path.join(c.CourseDirectory.root, "exchange")  # the instructor\'s\n'
SEEN = "seen_inputs.txt"
SPY = f'''

def sigmoid_grad(z):
    """Correct, and writes each input it gets to {SEEN} in its working folder (where it can)."""
    try:
        with open("{SEEN}", "a", encoding="utf-8") as seen:
            seen.write(repr(np.asarray(z, dtype=np.float64).tolist()) + "\\n")
    except Exception:
        pass
    s = sigmoid(z)
    return s * (1.0 - s)
'''


def test_nbgrader_round_trip(tmp_path: Path, jupyter_env: dict[str, str]) -> None:
    """One test, so that ``pytest -n 2`` runs the round trip once, not once per worker."""
    modules = _modules(tmp_path / "modules")
    course = _round_trip(tmp_path / "course", modules, jupyter_env)
    deepgrade = _deepgrade(modules, tmp_path / "deepgrade")
    _release_holds_no_solution_and_no_hidden_check(course)
    _hidden_inputs_are_each_students_own(course)
    for student in STUDENTS:
        _autograde_scores_equal_deepgrade_check_by_check(course, student, deepgrade)
    _gradebook_records_outcomes_and_feedback(course)
    _feedback_shows_no_hidden_input_or_expected_value(course, jupyter_env)
    _no_test_cell_of_a_correct_answer_wrote_to_stderr(course)
    _export_csv_loads_into_the_report_tables(course, deepgrade)
    _autograded_test_cells_end_in_a_statement(course)
    _report_command_reads_the_gradebook(course, tmp_path / "reports")
    _report_from_nbgrader_equals_grade_on_the_same_notebooks(course, tmp_path / "same")
    _cross_check_flags_a_tampering_notebook(course, jupyter_env, tmp_path / "cross")
    _cell_timeout_zeroes_a_looping_answer(course, jupyter_env)


def _modules(folder: Path) -> dict[str, Path | None]:
    """Each student's modules: the correct ones are ``perfect`` with the spying ``sigmoid_grad`` last in
    ``ex02_sigmoid.py`` (it replaces the answer cell of the same name)."""
    correct = folder / "correct"
    shutil.copytree(SAMPLES / "perfect", correct)
    sigmoid = correct / "ex02_sigmoid.py"
    source = sigmoid.read_text(encoding="utf-8")
    sigmoid.write_text(source[: source.index("def sigmoid_grad(")].rstrip() + "\n" + SPY, encoding="utf-8")
    return {**STUDENTS, **dict.fromkeys(CORRECT, correct)}


def _build_twice(course: Path) -> None:
    """The second build of the same course keeps the instructor's added config line and leaves the
    notebooks as they were (nothing of deepgrade changed)."""
    build_course(course, ASSIGNMENTS, timeout_s=120)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + EXCHANGE_LINE, encoding="utf-8")
    before = {p: p.read_bytes() for p in (course / "source").rglob("*.ipynb")}
    again = build_course(course, ASSIGNMENTS, timeout_s=120)
    assert config not in again and config.read_text(encoding="utf-8").endswith(EXCHANGE_LINE)
    assert {p: p.read_bytes() for p in (course / "source").rglob("*.ipynb")} == before


def _round_trip(course: Path, modules: dict[str, Path | None], jupyter_env: dict[str, str]) -> Path:
    _build_twice(course)
    run_nbgrader(["generate_assignment", "*"], course, jupyter_env)
    for assignment in ASSIGNMENTS:
        release = course / "release" / assignment / f"{assignment}.ipynb"
        for student, folder in modules.items():
            if (student, assignment) == UNSUBMITTED:
                continue
            dest = course / "submitted" / student / assignment / f"{assignment}.ipynb"
            if folder is None:
                dest.parent.mkdir(parents=True)
                dest.write_bytes(release.read_bytes())
            else:
                fill_answers(release, folder / f"{assignment}.py", dest)
    run_nbgrader(["autograde", "*"], course, jupyter_env)
    run_nbgrader(["export", "--to", str(course / "grades.csv")], course, jupyter_env)
    return course


def _deepgrade(modules: dict[str, Path | None], tmp: Path) -> dict[tuple[str, str, str], float]:
    """``deepgrade grade``'s points (the sandboxed engine, as a subprocess, same secret) for the same code,
    each student under the same id as in nbgrader."""
    for student, folder in modules.items():
        submission = tmp / "submissions" / student
        submission.mkdir(parents=True)
        for assignment in ASSIGNMENTS:
            module = f"{assignment}.py"
            shutil.copyfile((folder or ROOT / "exercises") / module, submission / module)
    results = _deepgrade_grade(tmp / "submissions", tmp / "reports")
    assert {r.student for r in results} == set(modules)
    return {(r.student, r.exercise, r.check): r.points for r in results if r.exercise in ASSIGNMENTS}


def _deepgrade_grade(submissions: Path, out: Path, *extra: str) -> list[CheckResult]:
    """``deepgrade grade SUBMISSIONS --out OUT`` in a subprocess with the autograding secret; the results it
    recorded."""
    env = {**os.environ, "DEEPGRADE_SECRET": TEST_SECRET}
    proc = subprocess.run(
        [sys.executable, "-m", "grader.cli", "grade", str(submissions), "--out", str(out), "--no-progress",
         "--lang", "en", "--sandbox", "auto", *extra], env=env, capture_output=True, text=True, timeout=600,
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
        nb = nbformat.reads(notebook, as_version=4)
        answers = [c for c in nb.cells if c.metadata["nbgrader"].get("solution")]
        assert answers and all("raise NotImplementedError()" in c.source for c in answers)
        hidden = [c for c in by_id(assignment).checks if c.hidden]
        graded = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata["nbgrader"]["grade"]}
        for check in hidden:
            cell = graded[check.name]
            assert "BEGIN HIDDEN" not in cell.source and not cell.get("outputs")


def _hidden_inputs_are_each_students_own(course: Path) -> None:
    """The two correct students' ``sigmoid_grad`` saw, in the hidden check, the inputs ``make_case``
    draws for their own id (as ``deepgrade grade`` does), and not the other's."""
    exercise = by_id("ex02_sigmoid")
    check = next(c for c in exercise.checks if c.name == "hidden_grad_random")
    seen = {}
    for student in CORRECT:
        seen_file = course / "autograded" / student / exercise.id / SEEN
        lines = seen_file.read_text(encoding="utf-8").splitlines()
        seen[student] = [np.asarray(ast.literal_eval(line), dtype=np.float64) for line in lines]
    for student, other in (CORRECT, CORRECT[::-1]):
        z = make_case(exercise, check, student_id=student, secret=TEST_SECRET).inputs["z"]
        assert any(s.shape == z.shape and np.array_equal(s, z) for s in seen[student]), student
        assert not any(s.shape == z.shape and np.allclose(s, z, rtol=1e-6) for s in seen[other]), student


def _autograde_scores_equal_deepgrade_check_by_check(
    course: Path, student: str, deepgrade: dict[tuple[str, str, str], float]
) -> None:
    nbgrader = {
        (r.exercise, r.check): r.points for r in load_results(course / "gradebook.db") if r.student == student
    }
    expected = {(e, c): v for (s, e, c), v in deepgrade.items() if s == student}
    assert nbgrader == expected
    total = sum(expected.values())
    hidden = sum(v for (e, c), v in expected.items() if _hidden(e, c))
    if student in CORRECT:
        assert total == sum(by_id(a).max_points for a in ASSIGNMENTS)
    elif student == "untouched":
        assert total == 0.0
    else:
        assert 0.0 < total < sum(by_id(a).max_points for a in ASSIGNMENTS)
        assert 0.0 < hidden < sum(c.points for a in ASSIGNMENTS for c in by_id(a).checks if c.hidden)


def _hidden(exercise: str, check: str) -> bool:
    return next(c for c in by_id(exercise).checks if c.name == check).hidden


def _gradebook_records_outcomes_and_feedback(course: Path) -> None:
    results = {(r.student, r.exercise, r.check): r for r in load_results(course / "gradebook.db")}
    stub = results[("untouched", "ex02_sigmoid", "report_values")]
    assert stub.outcome is Outcome.NOT_IMPLEMENTED and "NotImplementedError" in stub.message_en
    wrong = results[("partial", "ex05_quadratic_cost", "report_cost")]
    assert wrong.outcome is Outcome.FAILED and wrong.points == 0.0 and "expected" in wrong.reason
    assert wrong.message_fr.startswith(by_id("ex05_quadratic_cost").title.fr)
    hidden = {c.name for a in ASSIGNMENTS for c in by_id(a).checks if c.hidden}
    assert {k[2] for k, r in results.items() if r.hidden} == hidden
    passed = results[("twin", "ex12_regularization", "hidden_dropout_random")]
    assert passed.outcome is Outcome.PASSED and passed.points == passed.max_points > 0
    # A wrong answer fails its hidden checks, and the feedback keeps their values to itself.
    wrong = [r for k, r in results.items() if k[:2] == ("partial", "ex05_quadratic_cost") and r.hidden]
    assert wrong and all(r.points == 0.0 and r.outcome is Outcome.FAILED for r in wrong)
    assert all(r.reason == WITHHELD and WITHHELD in r.message_en for r in wrong)


def _feedback_shows_no_hidden_input_or_expected_value(course: Path, jupyter_env: dict[str, str]) -> None:
    """``nbgrader generate_feedback``: the hidden cells are there (their call, their verdict) but no number
    of any student's hidden inputs or expected values, whether the check passed or failed."""
    run_nbgrader(["generate_feedback", "ex02_sigmoid"], course, jupyter_env)
    run_nbgrader(["generate_feedback", "ex05_quadratic_cost"], course, jupyter_env)
    secret_numbers = []
    for assignment in ("ex02_sigmoid", "ex05_quadratic_cost"):
        exercise = by_id(assignment)
        for check in (c for c in exercise.checks if c.hidden):
            for student in STUDENTS:
                case = make_case(exercise, check, student_id=student, secret=TEST_SECRET)
                secret_numbers += _floats([*case.inputs.values(), case.expected])
    secret = np.asarray([x for x in secret_numbers if abs(x) > 1e-3])
    assert secret.size > 50
    for student in STUDENTS:
        for assignment in ("ex02_sigmoid", "ex05_quadratic_cost"):
            html = (course / "feedback" / student / assignment / f"{assignment}.html").read_text("utf-8")
            assert "run_hidden_check" in html
            shown = [float(x) for x in re.findall(r"-?\d+\.\d{4,}(?:e[-+]?\d+)?", html)]
            leaks = [x for x in shown if np.any(np.isclose(secret, x, rtol=1e-5, atol=0))]
            assert not leaks, (student, assignment, leaks[:5])


def _floats(values: list) -> list[float]:
    """Every float entry of arrays, numbers, lists and dicts (the random ones a leak would show)."""
    out: list[float] = []
    for value in values:
        if isinstance(value, dict):
            out += _floats(list(value.values()))
        elif isinstance(value, list | tuple):
            out += _floats(list(value))
        elif isinstance(value, np.ndarray) and value.dtype.kind == "f":
            out += [float(x) for x in value.ravel()]
        elif isinstance(value, float | np.floating):
            out.append(float(value))
    return out


def _no_test_cell_of_a_correct_answer_wrote_to_stderr(course: Path) -> None:
    for assignment in ASSIGNMENTS:
        nb = json.loads((course / "autograded" / "correct" / assignment / f"{assignment}.ipynb").read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and "run_" in cell["source"]:
                kinds = {(o["output_type"], o.get("name")) for o in cell["outputs"]}
                assert kinds <= {("stream", "stdout")}, (assignment, cell["source"][:80], kinds)


def _export_csv_loads_into_the_report_tables(
    course: Path, deepgrade: dict[tuple[str, str, str], float]
) -> None:
    rows = load_export_csv(course / "grades.csv")
    assert {(r.student, r.exercise) for r in rows} == {(s, a) for s in STUDENTS for a in ASSIGNMENTS}
    for student in STUDENTS:
        for assignment in ASSIGNMENTS:
            row = next(r for r in rows if r.student == student and r.exercise == assignment)
            expected = [v for (s, e, _), v in deepgrade.items() if (s, e) == (student, assignment)]
            assert row.points == pytest.approx(sum(expected))
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


def _report_from_nbgrader_equals_grade_on_the_same_notebooks(course: Path, tmp: Path) -> None:
    """The collected notebooks graded by ``deepgrade grade`` (the course's assignments only) and the
    gradebook read by ``deepgrade report --from-nbgrader``: the same students, points per exercise, totals
    (out of every assignment, the unsubmitted one included) and ``missing`` rows."""
    assert main(["nbgrader", "collect", str(course), str(tmp / "collected")]) == 0
    _deepgrade_grade(tmp / "collected", tmp / "graded", *(f"--exercise={a}" for a in ASSIGNMENTS))
    assert main(["report", "--from-nbgrader", str(course / "gradebook.db"), "--out", str(tmp / "nbgrader"),
                 "--lang", "en"]) == 0
    tables = {}
    for name in ("graded", "nbgrader"):
        grades = pd.read_parquet(tmp / name / "grades.parquet").set_index("student").sort_index()
        possible = pd.read_parquet(tmp / name / "points_possible.parquet").set_index("column")
        long = pd.read_parquet(tmp / name / "results_long.parquet")
        tables[name] = (grades, possible["points_possible"], long)
    (graded, graded_possible, graded_long), (nb, nb_possible, nb_long) = tables["graded"], tables["nbgrader"]
    columns = [*ASSIGNMENTS, "total", "percent"]
    assert list(graded.index) == list(nb.index) == sorted(STUDENTS)
    pd.testing.assert_frame_equal(graded[columns], nb[columns], check_exact=False, atol=1e-9, rtol=0)
    assert graded_possible.to_dict() == nb_possible.to_dict()
    assert nb_possible["total"] == sum(by_id(a).max_points for a in ASSIGNMENTS)
    missing = {name: {(r.student, r.exercise, r.check) for r in frame.itertuples() if r.outcome == "missing"}
               for name, frame in (("graded", graded_long), ("nbgrader", nb_long))}
    student, assignment = UNSUBMITTED
    assert missing["graded"] == missing["nbgrader"] == {
        (student, assignment, c.name) for c in by_id(assignment).checks}
    assert nb.loc[student, assignment] == 0.0 and nb.loc[student, "total"] < nb_possible["total"]


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
