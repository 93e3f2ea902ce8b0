"""The registry is consistent with solutions/ and exercises/, and holds the report's values as printed."""

from __future__ import annotations

import importlib
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import grader.checks
from grader import harness, model, registry
from grader.expected import make_case
from grader.model import EXPECTED_KEY, Outcome
from grader.registry import EXERCISES, by_id
from grader.seeds import DEVELOPMENT_SECRET, SECRET_ENV, check_seed, secret

ROOT = Path(__file__).resolve().parents[2]


def test_ids_are_unique_and_in_course_order() -> None:
    ids = [e.id for e in EXERCISES]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) == 22
    assert by_id("ex02_sigmoid").section == "1.3.4"
    with pytest.raises(KeyError, match="unknown exercise"):
        by_id("ex99_nothing")


def test_one_checks_module_per_exercise_named_like_its_stub() -> None:
    stubs = sorted(p.stem for p in (ROOT / "exercises").glob("ex[0-9][0-9]_*.py"))
    modules = sorted(p.stem for p in (ROOT / "grader" / "checks").glob("ex[0-9][0-9]_*.py"))
    assert modules == stubs == [e.id for e in EXERCISES]
    for exercise in EXERCISES:
        assert importlib.import_module(f"grader.checks.{exercise.id}").EXERCISE is exercise
    # grader.registry is the stable import path: the same objects, EXPECTED_KEY from the data model
    assert registry.EXERCISES is grader.checks.EXERCISES and registry.by_id is grader.checks.by_id
    assert registry.EXPECTED_KEY is model.EXPECTED_KEY == "_expected"


def test_a_hidden_check_is_named_hidden() -> None:
    from grader.checks import common

    with pytest.raises(ValueError, match="starts with 'hidden_'"):
        common.hidden(name="random", points=1, target="step", inputs=common.fixed(), section="1.2",
                      hint=("a", "b"), compare=common.EQUAL)


@pytest.mark.parametrize("exercise", EXERCISES, ids=lambda e: e.id)
def test_exercise_is_consistent(exercise) -> None:
    solution = importlib.import_module(f"solutions.{exercise.id}")
    stub = importlib.import_module(f"exercises.{exercise.id}")
    for name in exercise.functions:
        sol_fn, stub_fn = getattr(solution, name), getattr(stub, name)
        sol_fn = getattr(sol_fn, "py_func", sol_fn)
        stub_fn = getattr(stub_fn, "py_func", stub_fn)
        assert inspect.signature(sol_fn) == inspect.signature(stub_fn), name
    names = [c.name for c in exercise.checks]
    assert len(set(names)) == len(names)
    assert any(not c.hidden for c in exercise.checks) and any(c.hidden for c in exercise.checks)
    for check in exercise.checks:
        assert check.points > 0 and check.section and check.hint.fr and check.hint.en
        if check.target.startswith("harness."):
            assert callable(getattr(harness, check.target.removeprefix("harness.")))
        else:
            assert check.target in exercise.functions
        assert check.hidden == check.name.startswith("hidden_")


def _literal(exercise_id: str, check_name: str):
    check = next(c for c in by_id(exercise_id).checks if c.name == check_name)
    return check, check.inputs(np.random.default_rng(0))


def test_report_values_are_checked_as_the_report_prints_them() -> None:
    # 1.2: step(0) = 1, step(-1) = 0, step(1) = 1, step(0) = 1
    check, inputs = _literal("ex01_perceptron", "report_truth_table")
    assert check.expected == [1.0, 0.0, 1.0, 1.0] and check.compare.kind == "equal"
    assert inputs["x"].tolist() == [[1, 1], [0, 1], [1, 0], [0, 0]] and inputs["w"].tolist() == [1, -1]
    # 1.3.5: sigma(-1) ~ 0.2689, sigma(0) = 0.5, sigma(2) ~ 0.8808, to 1e-4
    check, inputs = _literal("ex02_sigmoid", "report_values")
    assert inputs["z"].tolist() == [-1, 0, 2] and check.expected == [0.2689, 0.5, 0.8808]
    assert (check.compare.rtol, check.compare.atol) == (0.0, 1e-4)
    for z, printed in zip([-1.0, 0.0, 2.0], [0.2689, 0.5, 0.8808], strict=True):
        assert abs(1 / (1 + math.exp(-z)) - printed) < 1e-4
    # 1.4.2: y = sigma(0.5) ~ 0.6225 with w1 = 0.5, b1 = -1, w2 = 1, b2 = 0, x = 2
    check, inputs = _literal("ex03_two_layer_network", "report_value")
    assert inputs == {"x": 2.0, "w1": 0.5, "b1": -1.0, "w2": 1.0, "b2": 0.0} and check.expected == 0.6225
    # 2.3.3: y_pred = sigma(0) = 0.5
    check, inputs = _literal("ex04_forward_pass", "report_value")
    assert check.expected == 0.5 and inputs["x"].tolist() == [2.0] and inputs["b"] == -1.0
    # 2.3.6: C = 0.125 and dC/dy_pred = -0.5 for y_pred = 0.5, y_true = 1
    assert _literal("ex05_quadratic_cost", "report_cost")[0].expected == 0.125
    assert _literal("ex05_quadratic_cost", "report_derivative")[0].expected == -0.5
    # 3.1.2: dC/dw = -6 at w = 0, then w = 0.6 with alpha = 0.1
    assert _literal("ex06_gradient_descent", "report_gradient")[0].expected == -6.0
    check, inputs = _literal("ex06_gradient_descent", "report_step")
    assert check.expected == 0.6 and inputs == {"w": 0.0, "lr": 0.1}


def test_report_checks_reject_a_value_off_by_more_than_the_printed_precision() -> None:
    from grader.compare import judge

    check, _ = _literal("ex02_sigmoid", "report_values")
    assert judge(check, check.expected, np.array([0.26894, 0.5, 0.88079]))[0] is Outcome.PASSED
    assert judge(check, check.expected, np.array([0.2689, 0.5, 0.8810]))[0] is Outcome.FAILED


def test_public_seeds_ignore_the_student_hidden_seeds_do_not() -> None:
    assert check_seed("ex02_sigmoid", "x", "alice", "s1", False) == check_seed(
        "ex02_sigmoid", "x", "bob", "s2", False
    )
    seeds = {check_seed("ex02_sigmoid", "x", s, k, True) for s in ("alice", "bob") for k in ("s1", "s2")}
    assert len(seeds) == 4
    assert check_seed("ex02_sigmoid", "x", "alice", "s1", True) == check_seed(
        "ex02_sigmoid", "x", "alice", "s1", True
    )


def test_secret_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV, raising=False)
    assert secret() == DEVELOPMENT_SECRET
    monkeypatch.setenv(SECRET_ENV, "instructor")
    assert secret() == "instructor"


def test_hidden_inputs_differ_between_students_and_expected_never_reaches_inputs() -> None:
    exercise = by_id("ex02_sigmoid")
    check = next(c for c in exercise.checks if c.hidden)
    a = make_case(exercise, check, student_id="alice", secret="k")
    b = make_case(exercise, check, student_id="bob", secret="k")
    assert not np.array_equal(a.inputs["z"], b.inputs["z"])
    e = np.exp(-np.abs(a.inputs["z"]))  # the hidden inputs reach |z| > 710, where exp(-z) overflows
    np.testing.assert_allclose(a.expected, np.where(a.inputs["z"] >= 0, 1 / (1 + e), e / (1 + e)), rtol=1e-14)
    digits = by_id("ex14_train_digits")
    case = make_case(digits, digits.checks[0], student_id="alice", secret="k")
    assert EXPECTED_KEY not in case.inputs and "y_test" not in case.inputs
    assert case.expected.shape == (case.inputs["X_test"].shape[0],)


def test_public_case_matches_the_shipped_value_and_solutions() -> None:
    from grader.compare import judge
    from grader.expected import solution_value

    for exercise in EXERCISES:
        for check in exercise.checks:
            if check.hidden or check.expected is not None or check.timing:
                continue
            case = make_case(exercise, check, student_id="anyone", secret="k")
            if EXPECTED_KEY in check.inputs(np.random.default_rng(case.seed)):
                continue
            again = solution_value(exercise, check, case.inputs)
            assert judge(check, case.expected, again) == (Outcome.PASSED, ""), (exercise.id, check.name)


def test_public_cases_need_no_solutions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The student bundle has no solutions/: every public case comes from the report, the inputs or the
    shipped JSON."""
    import sys

    from grader import expected

    monkeypatch.setitem(sys.modules, "solutions", None)
    for name in [m for m in sys.modules if m.startswith("solutions.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setattr(
        expected, "solution_module", lambda _id: (_ for _ in ()).throw(ImportError("no solutions"))
    )
    for exercise in EXERCISES:
        for check in exercise.checks:
            if not check.hidden:
                assert make_case(exercise, check, student_id="s", secret="k").expected is not None
