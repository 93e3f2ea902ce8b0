"""A small stand-in registry for the grader's tests: three exercises with trusted expected values, so the
engine is tested without depending on the course's registry (grader backend protocol, see
grader/engine/backend.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from grader.compare import judge  # noqa: F401  (part of the backend protocol)
from grader.model import Check, Comparison, Exercise, Text
from grader.seeds import check_seed

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "standin_harness.py"


def secret() -> str:
    return "test-secret"


def _t(s: str) -> Text:
    return Text(s, s)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


SOLUTIONS = {
    ("ex01_add", "add"): lambda a, b: a + b,
    ("ex02_sigmoid", "sigmoid"): _sigmoid,
    ("ex02_sigmoid", "harness.twice"): lambda z: [_sigmoid(z), _sigmoid(2 * z)],
    ("ex03_speed", "harness.total"): lambda n: float(n * (n - 1) / 2),
}

EXERCISES = (
    Exercise("ex01_add", _t("Addition"), "1.1", ("add",), (
        Check("small", 1.0, "add", lambda rng: {"a": 2.0, "b": 3.0}, "1.1", _t("a + b"), expected=5.0),
        Check("random", 2.0, "add", lambda rng: {"a": float(rng.normal()), "b": float(rng.normal())}, "1.1",
              _t("a + b"), hidden=True, timeout_s=3.0),
    )),
    Exercise("ex02_sigmoid", _t("Sigmoid"), "1.3.4", ("sigmoid",), (
        Check("values", 2.0, "sigmoid", lambda rng: {"z": rng.normal(size=5)}, "1.3.4", _t("1/(1+e^-z)"),
              compare=Comparison(rtol=1e-9, atol=1e-12), timeout_s=3.0),
        Check("scenario", 1.0, "harness.twice", lambda rng: {"z": rng.normal(size=3)}, "1.3.4",
              _t("1/(1+e^-z)"), compare=Comparison(rtol=1e-9, atol=1e-12), timeout_s=3.0),
    )),
)

TIMED = Exercise("ex03_speed", _t("Speed"), "3.2.7", ("total",), (
    Check("fast", 1.0, "harness.total", lambda rng: {"n": 1_000_000}, "3.2.7", _t("vectorise"),
          timing=True, timeout_s=10.0),
))


@dataclass(frozen=True)
class Case:
    inputs: dict[str, Any]
    expected: Any


def make_case(exercise: Exercise, check: Check, *, student_id: str, secret: str) -> Case:
    rng = np.random.default_rng(check_seed(exercise.id, check.name, student_id, secret, check.hidden))
    inputs = dict(check.inputs(rng))
    expected = check.expected
    if expected is None:
        expected = SOLUTIONS[(exercise.id, check.target)](**inputs)
    return Case(inputs, expected)


def feedback(exercise: Exercise, check: Check, outcome: Any, detail: str, lang: str) -> str:
    return f"[{lang}] {exercise.id}.{check.name}: {outcome} {detail}".strip()


def reference_module(exercise_id: str) -> Path:
    return HERE / "standin_reference" / f"{exercise_id}.py"
