"""The generated nbgrader course: cell metadata valid for nbgrader 0.9.6 (its own validator), points and
grade ids from the registry, hidden checks only inside nbgrader's hidden-test markers and holding their
call alone (no input, no expected value, nothing that depends on the secret), solutions only inside
solution fences; a hidden check draws its inputs for the student it grades and refuses to run without a
student id or a secret; test cells keep their points when a correct answer writes to stderr (a real
kernel); ``deepgrade check`` accepts the notebooks; the gradebook reader's parsing and errors."""

from __future__ import annotations

import ast
import copy
import re
import sqlite3
from pathlib import Path

import nbformat
import numpy as np
import pytest
from conftest import ROOT, TEST_SECRET
from nbgrader.nbgraderformat.v3 import MetadataValidatorV3
from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions
from nbgrader.utils import determine_grade

from grader import seeds
from grader.cli import main
from grader.errors import UsageError
from grader.expected import make_case
from grader.model import Outcome
from grader.nbgrader import deepgrade_check
from grader.nbgrader.build import build_course, exercise_notebook
from grader.nbgrader.deepgrade_check import GradingSetupError, graded_student, run_hidden_check
from grader.nbgrader.gradebook import load_export_csv, load_results, parse_failure
from grader.registry import EXERCISES, by_id


@pytest.fixture(scope="module")
def notebooks() -> dict[str, nbformat.NotebookNode]:
    return {e.id: exercise_notebook(e) for e in EXERCISES}


def _meta(cell: nbformat.NotebookNode) -> dict:
    return cell.metadata.get("nbgrader", {})


def _tests(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if _meta(c).get("grade")]


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """What ``nbgrader generate_assignment`` does to the sources, with nbgrader's own preprocessors."""
    nb = copy.deepcopy(nb)
    for pre in (ClearSolutions(), ClearHiddenTests()):
        nb, _ = pre.preprocess(nb, {})
    return nb


def test_metadata_follows_nbgrader_schema_v3(notebooks: dict[str, nbformat.NotebookNode]) -> None:
    validator = MetadataValidatorV3()
    for exercise_id, nb in notebooks.items():
        validator.validate_nb(nb)
        nbformat.validate(nb)
        ids = [_meta(c)["grade_id"] for c in nb.cells]
        assert all(_meta(c)["schema_version"] == 3 for c in nb.cells), exercise_id
        assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)
        assert [c.id for c in nb.cells] == ids
        for cell in nb.cells:
            if not _meta(cell)["solution"]:
                assert cell.metadata["editable"] is False and _meta(cell)["locked"], cell.source[:60]


def test_one_test_cell_per_check_with_registry_points(notebooks: dict[str, nbformat.NotebookNode]) -> None:
    for exercise in EXERCISES:
        tests = _tests(notebooks[exercise.id])
        assert [(_meta(c)["grade_id"], _meta(c)["points"]) for c in sorted(tests, key=lambda c: _meta(c)[
            "grade_id"])] == sorted((c.name, float(c.points)) for c in exercise.checks)
        assert sum(_meta(c)["points"] for c in tests) == exercise.max_points
        for cell in tests:
            assert cell.cell_type == "code" and not _meta(cell)["solution"]
            last = ast.parse(cell.source).body[-1]
            assert isinstance(last, ast.Expr) and isinstance(last.value, ast.Call), cell.source


def test_hidden_cells_hold_their_call_alone_inside_the_markers(
    notebooks: dict[str, nbformat.NotebookNode],
) -> None:
    for exercise in EXERCISES:
        nb = notebooks[exercise.id]
        hidden = {c.name for c in exercise.checks if c.hidden}
        for cell in _tests(nb):
            inside = re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", cell.source, re.S)
            gid = _meta(cell)["grade_id"]
            if gid in hidden:
                assert inside == [f"run_hidden_check(globals(), {exercise.id!r}, {gid!r})\n"], cell.source
                assert "run_hidden_check(" not in cell.source.replace(inside[0], "")
            else:
                assert not inside and "run_check(globals()" in cell.source
        released = nbformat.writes(student_copy(nb))
        assert "HIDDEN" not in released and "run_hidden_check(" not in released


def test_solutions_only_inside_the_fences(notebooks: dict[str, nbformat.NotebookNode]) -> None:
    fence = re.compile(r"### BEGIN SOLUTION\n(.*?)\n[ \t]*### END SOLUTION", re.S)
    for exercise in EXERCISES:
        solution = (ROOT / "solutions" / f"{exercise.id}.py").read_text(encoding="utf-8")
        bodies = fence.findall(solution)
        stub = (ROOT / "exercises" / f"{exercise.id}.py").read_text(encoding="utf-8")
        nb = notebooks[exercise.id]
        answers = [c for c in nb.cells if _meta(c)["solution"]]
        assert sum(len(fence.findall(c.source)) for c in answers) == len(bodies)
        assert {n for n in exercise.functions} <= {ast.parse(c.source).body[0].name for c in answers}
        released = student_copy(nb)
        text = "\n".join(c.source for c in released.cells)
        for body in bodies:
            lines = [ln.strip() for ln in body.splitlines() if len(ln.strip()) >= 16]
            assert not [ln for ln in lines if ln in text and ln not in stub], exercise.id
        assert all("raise NotImplementedError()" in c.source for c in released.cells if _meta(c)["solution"])


def test_build_is_reproducible_needs_no_secret_and_writes_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPGRADE_SECRET", TEST_SECRET)
    files = build_course(tmp_path / "a", ["ex02_sigmoid"], timeout_s=45)
    monkeypatch.setenv("DEEPGRADE_SECRET", "another secret")  # nothing built depends on the secret
    monkeypatch.setattr(seeds, "_held", "a third one")
    build_course(tmp_path / "b", ["ex02_sigmoid"], timeout_s=45)
    rel = sorted(p.relative_to(tmp_path / "a") for p in files)
    folder = "source/ex02_sigmoid"
    assert [str(p) for p in rel] == [
        "nbgrader_config.py", f"{folder}/deepgrade_check.py", f"{folder}/ex02_sigmoid.ipynb"]
    for path in rel[1:]:
        assert (tmp_path / "a" / path).read_bytes() == (tmp_path / "b" / path).read_bytes()
    config = (tmp_path / "a" / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = 45" in config and "gradebook.db" in config
    compile(config, "nbgrader_config.py", "exec")
    again = build_course(tmp_path / "a", ["ex02_sigmoid"], timeout_s=45)  # unchanged: nothing to merge
    assert "nbgrader_config.py" not in {p.name for p in again}


def test_a_rebuild_merges_the_config_and_never_silently_overwrites_an_edit(tmp_path: Path) -> None:
    """An instructor's line outside deepgrade's block survives a rebuild that changes the block; an edit
    inside the block, a config of one's own, an edited source notebook: each stops the build with one
    line, before anything is written, and ``force`` overwrites (keeping the lines outside the block)."""
    from grader.errors import UsageError

    course = tmp_path / "course"
    build_course(course, ["ex02_sigmoid"], timeout_s=45)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text() + 'c.Exchange.root = "/srv/exchange"  # the instructor\'s\n')
    build_course(course, ["ex02_sigmoid"], timeout_s=60)
    text = config.read_text()
    assert "c.Execute.timeout = 60" in text and "c.Execute.timeout = 45" not in text
    assert text.endswith('c.Exchange.root = "/srv/exchange"  # the instructor\'s\n')
    compile(text, "nbgrader_config.py", "exec")

    config.write_text(text.replace("c.Execute.timeout = 60", "c.Execute.timeout = 999"))
    with pytest.raises(UsageError, match=r"block of nbgrader_config\.py was edited"):
        build_course(course, ["ex02_sigmoid"], timeout_s=60)
    assert "c.Execute.timeout = 999" in config.read_text()
    build_course(course, ["ex02_sigmoid"], timeout_s=60, force=True)
    assert "c.Execute.timeout = 999" not in config.read_text() and "/srv/exchange" in config.read_text()

    config.write_text("c = get_config()  # the instructor's own\nc.Exchange.root = '/x'\n")
    with pytest.raises(UsageError, match="no deepgrade block"):
        build_course(course, ["ex02_sigmoid"])
    build_course(course, ["ex02_sigmoid"], force=True)
    text = config.read_text()
    assert text.startswith("c = get_config()  # the instructor's own\nc.Exchange.root = '/x'\n")
    assert "c.CourseDirectory.course_id = 'deepgrade'" in text

    notebook = course / "source" / "ex02_sigmoid" / "ex02_sigmoid.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[0].source += "\n\nA note of the instructor."
    nbformat.write(nb, notebook)
    with pytest.raises(UsageError, match=r"1 source notebook\(s\) changed .*ex02_sigmoid.ipynb"):
        build_course(course, ["ex02_sigmoid"])
    assert "A note of the instructor." in notebook.read_text()
    code = next(c for c in nb.cells if c.cell_type == "code")  # running the notebook is not an edit
    code.outputs, code.execution_count = [nbformat.v4.new_output("stream", name="stdout", text="ran\n")], 1
    nb.cells[0].source = nb.cells[0].source.removesuffix("\n\nA note of the instructor.")
    nbformat.write(nb, notebook)
    build_course(course, ["ex02_sigmoid"])
    build_course(course, ["ex02_sigmoid"], force=True)


def test_cli_build_and_its_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader import seeds

    monkeypatch.delenv("DEEPGRADE_SECRET", raising=False)
    monkeypatch.setattr(seeds, "_held", None)  # main() keeps the secret it took from an earlier call
    assert main(["nbgrader", "build", str(tmp_path / "course"), "-a", "ex01_perceptron"]) == 0
    assert (tmp_path / "course" / "source" / "ex01_perceptron" / "ex01_perceptron.ipynb").is_file()
    out, err = capsys.readouterr()
    assert "generate_assignment" in out and "export DEEPGRADE_SECRET" in out and err == ""
    monkeypatch.setenv("DEEPGRADE_SECRET", TEST_SECRET)
    assert main(["nbgrader", "build", str(tmp_path / "c2"), "-a", "ex99_nothing"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "unknown assignment ex99_nothing" in err
    (tmp_path / "file").write_text("x")
    assert main(["nbgrader", "build", str(tmp_path / "file")]) == 2


NOISY_SIGMOID = '''\
def sigmoid(z):
    import os, sys, warnings
    from numba.core.errors import NumbaPerformanceWarning
    warnings.warn("parallel=True had no effect", NumbaPerformanceWarning)
    print("debug output on stderr", file=sys.stderr)
    os.write(2, b"C-level write on fd 2\\n")
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
'''


def test_a_correct_answer_that_writes_to_stderr_keeps_its_points(
    jupyter_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
) -> None:
    from nbclient import NotebookClient

    for key, value in jupyter_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("DEEPGRADE_STUDENT", "ann")  # outside nbgrader autograde: the student, named
    nb = exercise_notebook(by_id("ex02_sigmoid"))
    answer = next(c for c in nb.cells if _meta(c)["solution"] and "def sigmoid(" in c.source)
    answer.source = NOISY_SIGMOID
    control = nbformat.v4.new_code_cell("sigmoid(-1000.0)")
    nb.cells.insert(nb.cells.index(answer) + 1, control)
    build_course(tmp_path, ["ex02_sigmoid"])
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path / "source" / "ex02_sigmoid")}}).execute()
    # The trap is real: the same calls outside the helper write to stderr, which zeroes a graded cell.
    assert any(o.output_type == "stream" and o.name == "stderr" for o in control.outputs)
    graded = {_meta(c)["grade_id"]: c for c in _tests(nb)}
    for name in ("report_values", "extreme_inputs", "hidden_random_array"):
        cell = graded[name]
        assert not [o for o in cell.outputs if o.output_type == "error" or o.get("name") == "stderr"], name
        assert determine_grade(cell) == (_meta(cell)["points"],) * 2
    # sigmoid_grad is still the solution: its cells pass too; nothing in the notebook was zeroed.
    assert all(determine_grade(c)[0] == _meta(c)["points"] for c in graded.values())


def test_deepgrade_check_accepts_the_nbgrader_notebooks(
    notebooks: dict[str, nbformat.NotebookNode], tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    released, solved = tmp_path / "released", tmp_path / "solved"
    source = notebooks["ex02_sigmoid"]
    for folder, nb in ((released, student_copy(source)), (solved, source)):
        folder.mkdir()
        nbformat.write(nb, folder / "ex02_sigmoid.ipynb")
    public = [c.name for c in by_id("ex02_sigmoid").checks if not c.hidden]
    assert main(["check", str(released / "ex02_sigmoid.ipynb"), "--lang", "en"]) == 1
    rows = [ln.split(maxsplit=2) for ln in capsys.readouterr().out.splitlines()
            if ln.startswith("ex02_sigmoid ")]
    assert [r[1] for r in rows] == public
    assert {r[2].rsplit(maxsplit=1)[0] for r in rows} == {"not implemented"}
    assert main(["check", str(solved / "ex02_sigmoid.ipynb"), "--lang", "en"]) == 0
    assert f"{len(public)}/{len(public)} public checks passed" in capsys.readouterr().out


def test_parse_failure_reads_the_helpers_message() -> None:
    outcome, reason, fr, en = parse_failure(
        "AssertionError",
        "deepgrade failed: expected 0.5, got 0.4\n"
        "fr: Sigmoïde [x] : valeur incorrecte.\nen: Sigmoid [x]: wrong.",
    )
    assert (outcome, reason, fr, en) == (
        Outcome.FAILED, "expected 0.5, got 0.4", "Sigmoïde [x] : valeur incorrecte.", "Sigmoid [x]: wrong.")
    assert parse_failure("CellTimeoutError", "")[0] is Outcome.TIMEOUT
    assert parse_failure("ZeroDivisionError", "division by zero")[:2] == (
        Outcome.ERROR, "ZeroDivisionError: division by zero")


def test_gradebook_readers_refuse_bad_input(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no nbgrader gradebook"):
        load_results(tmp_path / "gradebook.db")
    assert not (tmp_path / "gradebook.db").exists()
    bad = tmp_path / "grades.csv"
    bad.write_text("student,points\nalice,3\n")
    with pytest.raises(UsageError, match="not an nbgrader export"):
        load_export_csv(bad)
    with pytest.raises(UsageError, match="not an nbgrader export"):
        load_results(bad)
    text = tmp_path / "notes.db"
    text.write_text("not a database at all, just text that is long enough to be a file header\n" * 20)
    with pytest.raises(UsageError, match="not an nbgrader gradebook"):
        load_results(text)
    empty = tmp_path / "other.db"
    sqlite3.connect(empty).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(UsageError, match="no nbgrader tables"):
        load_results(empty)
    assert main(["report", "--from-nbgrader", str(empty), "--out", str(tmp_path / "r")]) == 2


def test_a_check_waits_for_the_functions_its_target_calls() -> None:
    from grader.nbgrader.build import _ready_after
    from grader.nbgrader.source import Chunk, split_module

    chunks = [
        Chunk("a", "def a():\n    return b()", True),
        Chunk("b", "def b():\n    return 1.0", True),
        Chunk("c", "def c():\n    return a() + b()", True),
    ]
    assert _ready_after(chunks) == {"b"}
    module = '"""Doc."""\n\nimport numpy as np\n\n\n# note\n@deco\ndef f():\n    pass\n'
    docstring, split = split_module(module)
    assert docstring == "Doc." and [(c.name, c.source) for c in split] == [
        ("", "import numpy as np"), ("f", "# note\n@deco\ndef f():\n    pass")]


def test_collect_and_discrepancies(tmp_path: Path) -> None:
    from grader.model import CheckResult
    from grader.nbgrader.collect import Discrepancy, collect_submissions, discrepancies

    with pytest.raises(UsageError, match="no nbgrader submissions folder"):
        collect_submissions(tmp_path, tmp_path / "out")
    for student, assignment in (("ann", "ex01_perceptron"), ("ann", "ex02_sigmoid"), ("bob", "ex02_sigmoid")):
        folder = tmp_path / "submitted" / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text("{}")
    files = collect_submissions(tmp_path, tmp_path / "out", ["ann"])
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in files) == [
        "ann/ex01_perceptron.ipynb", "ann/ex02_sigmoid.ipynb"]
    with pytest.raises(UsageError, match="not an empty folder"):
        collect_submissions(tmp_path, tmp_path / "out")

    def rec(student: str, check: str, points: float) -> CheckResult:
        return CheckResult(student, "ex02_sigmoid", check, points, 2.0, Outcome.PASSED, "", "", "", 0.0, True)

    nb = [rec("ann", "a", 2.0), rec("ann", "b", 2.0), rec("bob", "a", 0.0)]
    dg = [rec("ann", "a", 2.0), rec("ann", "b", 0.0), rec("bob", "a", 0.0), rec("cyd", "a", 2.0)]
    assert discrepancies(nb, dg) == [Discrepancy("ann", "ex02_sigmoid", "b", 2.0, 0.0)]


def _autograding(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, student: str,
                 assignment: str = "ex02_sigmoid") -> None:
    """This process as nbgrader's autograding kernel sees itself: ``NBGRADER_EXECUTION=autograde``, working
    folder ``autograded/<student>/<assignment>/``, the secret exported."""
    folder = tmp_path / "autograded" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(folder)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    monkeypatch.setenv("DEEPGRADE_SECRET", TEST_SECRET)
    monkeypatch.delenv("DEEPGRADE_STUDENT", raising=False)


def _spy(seen: list[np.ndarray], shift: float = 0.0) -> dict:
    """The solution's namespace, its ``sigmoid_grad`` recording each ``z`` it gets (and off by ``shift``)."""
    from grader.expected import solution_module

    namespace = dict(vars(solution_module("ex02_sigmoid")))
    real = namespace["sigmoid_grad"]

    def sigmoid_grad(z: np.ndarray) -> np.ndarray:
        seen.append(np.array(z, dtype=np.float64, copy=True))
        return real(z) + shift

    namespace["sigmoid_grad"] = sigmoid_grad
    return namespace


def test_hidden_inputs_are_drawn_for_the_autograded_student(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hidden cell's inputs are ``make_case``'s for the student of the working folder and the secret
    of the environment (what ``deepgrade grade`` gives that student), so two students get different ones;
    a wrong answer fails with a message that shows none of the values."""
    exercise = by_id("ex02_sigmoid")
    check = next(c for c in exercise.checks if c.name == "hidden_grad_random")
    drawn = {}
    for student in ("ann", "bob"):
        _autograding(monkeypatch, tmp_path, student)
        assert graded_student("ex02_sigmoid") == student
        seen: list[np.ndarray] = []
        assert run_hidden_check(_spy(seen), "ex02_sigmoid", check.name) is None  # passed
        case = make_case(exercise, check, student_id=student, secret=TEST_SECRET)
        assert len(seen) == 1 and np.array_equal(seen[0], case.inputs["z"])
        drawn[student] = case
    ann, bob = drawn["ann"].inputs["z"], drawn["bob"].inputs["z"]
    assert ann.shape != bob.shape or not np.allclose(ann, bob, rtol=0, atol=1e-12)
    with pytest.raises(AssertionError) as failed:
        run_hidden_check(_spy([], shift=1e-3), "ex02_sigmoid", check.name)
    message = str(failed.value)
    assert message.splitlines()[0] == f"deepgrade failed: {deepgrade_check.WITHHELD}"
    numbers = [float(x) for x in re.findall(r"-?\d+\.\d{3,}(?:e[-+]?\d+)?", message)]
    values = np.concatenate([np.ravel(bob), np.ravel(drawn["bob"].expected)])
    assert not [x for x in numbers if np.any(np.isclose(values, x, rtol=1e-4, atol=0))], message


def test_a_hidden_check_refuses_to_guess_the_student_or_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No student id or no secret: the cell fails with a one-line ``GradingSetupError`` before calling
    the student's code; never a shared id, never the public development secret."""
    seen: list[np.ndarray] = []

    def refused(match: str) -> None:
        with pytest.raises(GradingSetupError, match=match) as err:
            run_hidden_check(_spy(seen), "ex02_sigmoid", "hidden_grad_random")
        assert "\n" not in str(err.value) and not seen

    _autograding(monkeypatch, tmp_path, "ann", assignment="ex05_quadratic_cost")  # not this exercise's
    refused(r"cannot tell which student is graded: the kernel runs in .*ex05_quadratic_cost")
    _autograding(monkeypatch, tmp_path, "ann")
    monkeypatch.setenv("DEEPGRADE_STUDENT", "bob")
    refused("DEEPGRADE_STUDENT=bob but nbgrader grades ann")
    monkeypatch.delenv("NBGRADER_EXECUTION")
    monkeypatch.delenv("DEEPGRADE_STUDENT")
    refused(r"run under `nbgrader autograde`.*set DEEPGRADE_STUDENT=<student id>")
    monkeypatch.setenv("DEEPGRADE_STUDENT", "carl")  # outside autograde, a named student is graded
    assert graded_student("ex02_sigmoid") == "carl"
    monkeypatch.delenv("DEEPGRADE_SECRET")
    refused("DEEPGRADE_SECRET is not set in the autograding environment")
    monkeypatch.setenv("DEEPGRADE_SECRET", seeds.DEVELOPMENT_SECRET)
    refused("DEEPGRADE_SECRET is the public development secret")
    monkeypatch.setenv("DEEPGRADE_SECRET", TEST_SECRET)
    run_hidden_check(_spy(seen), "ex02_sigmoid", "hidden_grad_random")
    assert len(seen) == 1
