"""judge() classifies values as passed, failed or invalid with a one-line detail; feedback exists in both
languages for every outcome; harness.py stays standalone."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from grader.compare import judge
from grader.messages import feedback
from grader.model import Check, Comparison, Outcome, Text
from grader.registry import by_id


def _check(kind: str = "close", **kw) -> Check:
    return Check(
        name="c",
        points=1,
        target="f",
        inputs=lambda rng: {},
        section="2.3.4",
        hint=Text("indice", "hint"),
        compare=Comparison(kind=kind, **kw),
    )


CLOSE = _check(rtol=1e-7, atol=0.0)


@pytest.mark.parametrize(
    ("expected", "got", "outcome", "fragment"),
    [
        (0.5, 0.5 + 1e-9, Outcome.PASSED, ""),
        (0.5, 0.6, Outcome.FAILED, "expected 0.5, got 0.6"),
        (np.arange(4.0), np.array([0.0, 1.0, 2.5, 3.0]), Outcome.FAILED, "first wrong index (2,)"),
        (np.zeros((2, 3)), np.zeros((3, 2)), Outcome.INVALID, "shape mismatch"),
        (np.zeros(3), np.array([0.0, np.nan, 0.0]), Outcome.INVALID, "non-finite"),
        (np.zeros(2), "text", Outcome.INVALID, "expected an array"),
        ((np.ones(2), np.zeros(2)), [np.ones(2), np.zeros(2)], Outcome.PASSED, ""),
        ((np.ones(2), np.zeros(2)), [np.ones(2)], Outcome.INVALID, "expected 2 items"),
        ({"a": 1.0}, {"b": 1.0}, Outcome.INVALID, "keys"),
        ({"a": [1.0, 2.0]}, {"a": np.array([1.0, 2.0])}, Outcome.PASSED, ""),
        ([np.ones(2)], [np.ones(2) * 2], Outcome.FAILED, "at [0]"),
        (1.0, None, Outcome.INVALID, "expected an array"),
    ],
)
def test_close_comparison(expected, got, outcome: Outcome, fragment: str) -> None:
    result, detail = judge(CLOSE, expected, got)
    assert result is outcome
    assert fragment in detail and "\n" not in detail


def test_tolerances_are_absolute_plus_relative() -> None:
    check = _check(rtol=0.0, atol=1e-4)
    assert judge(check, 0.8808, 0.880797)[0] is Outcome.PASSED
    assert judge(check, 0.8808, 0.8810)[0] is Outcome.FAILED
    assert "max abs err 0.0002" in judge(check, 0.8808, 0.8810)[1]


def test_equal_comparison() -> None:
    check = _check("equal")
    assert judge(check, [1.0, 0.0], np.array([1.0, 0.0])) == (Outcome.PASSED, "")
    assert judge(check, [1.0, 0.0], np.array([1.0, 1.0]))[0] is Outcome.FAILED
    assert judge(check, 12, 12) == (Outcome.PASSED, "")
    assert judge(check, 12, 13)[0] is Outcome.FAILED
    assert judge(check, 12, "12")[0] is Outcome.INVALID
    assert judge(check, 1.0, float("nan"))[0] is Outcome.INVALID


def test_predicate_comparison() -> None:
    accuracy = next(c for c in by_id("ex14_train_digits").checks if not c.hidden)
    labels = np.arange(10) % 10
    assert judge(accuracy, labels, labels.copy()) == (Outcome.PASSED, "")
    wrong = labels.copy()
    wrong[:2] = (wrong[:2] + 1) % 10
    outcome, detail = judge(accuracy, labels, wrong)
    assert outcome is Outcome.FAILED and "accuracy 0.8000 < required 0.90" in detail
    assert judge(accuracy, labels, labels[:5])[0] is Outcome.INVALID


@pytest.mark.parametrize("outcome", list(Outcome))
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_feedback_for_every_outcome(outcome: Outcome, lang: str) -> None:
    exercise = by_id("ex02_sigmoid")
    check = exercise.checks[0]
    text = feedback(exercise, check, outcome, "expected 0.5, got 0.6", lang)
    assert exercise.title(lang) in text and check.name in text
    if outcome is Outcome.PASSED:
        assert text.endswith("réussi." if lang == "fr" else "passed.")
        return
    assert check.section in text
    if outcome is Outcome.FAILED:
        assert ("attendu 0.5, obtenu 0.6" if lang == "fr" else "expected 0.5, got 0.6") in text
        assert check.hint(lang) in text
    if outcome is Outcome.NOT_IMPLEMENTED:
        assert ("pas encore implémenté" if lang == "fr" else "not implemented yet") in text


def test_timing_failure_mentions_speed() -> None:
    exercise = by_id("ex16_fused_adam")
    check = next(c for c in exercise.checks if c.timing)
    text = feedback(
        exercise, check, Outcome.FAILED, "2.4 s vs reference 0.3 s: 8.6x (at most 2x to pass)", "en"
    )
    assert "speed against the reference kernel" in text and "8.6x" in text and "3.2.7" in text


def test_harness_imports_only_stdlib_and_numpy() -> None:
    import grader.harness as harness

    tree = ast.parse(Path(harness.__file__).read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            roots.add((node.module or "").split(".")[0])
    assert roots <= {"__future__", "functools", "types", "typing", "numpy"}, roots
