"""A small synthetic run: three checks over two exercises, students with odd ids, every outcome kind."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from grader.model import CheckResult, Outcome

# (exercise, check, max points, hidden)
CHECKS = (
    ("ex01_sigmoid", "values", 1.0, False),
    ("ex01_sigmoid", "hidden_values", 2.0, True),
    ("ex02_relu", "values", 3.0, False),
)
# outcome of each check, in CHECKS order
RUNS = {
    "alice": (Outcome.PASSED, Outcome.PASSED, Outcome.PASSED),
    "bob": (Outcome.PASSED, Outcome.FAILED, Outcome.TIMEOUT),
    "Zoë Müller": (Outcome.NOT_IMPLEMENTED, Outcome.NOT_IMPLEMENTED, Outcome.PASSED),
    "a b": (Outcome.SYNTAX_ERROR, Outcome.SYNTAX_ERROR, Outcome.PASSED),
    "a/b": (Outcome.FAILED, Outcome.PASSED, Outcome.FAILED),
    "../<script>x": (Outcome.CRASHED, Outcome.CRASHED, Outcome.CRASHED),
}


def result(student: str, exercise: str, check: str, max_points: float, hidden: bool, outcome: Outcome):
    passed = outcome == Outcome.PASSED
    return CheckResult(
        student=student,
        exercise=exercise,
        check=check,
        points=max_points if passed else 0.0,
        max_points=max_points,
        outcome=outcome,
        reason="" if passed else f"{outcome} in {check}",
        message_fr=f"FR {exercise}/{check}: {outcome}",
        message_en=f"EN {exercise}/{check}: {outcome}",
        duration_s=0.25,
        hidden=hidden,
    )


def make_results() -> list[CheckResult]:
    return [
        result(student, exercise, check, points, hidden, outcome)
        for student, outcomes in RUNS.items()
        for (exercise, check, points, hidden), outcome in zip(CHECKS, outcomes, strict=True)
    ]


# Per student: (ex01_sigmoid points of 3, ex02_relu points of 3, status), from RUNS by hand.
EXPECTED = {
    "alice": (3.0, 3.0, "ok"),
    "bob": (1.0, 0.0, "timeout: ex02_relu"),
    "Zoë Müller": (0.0, 3.0, "ok"),
    "a b": (0.0, 3.0, "syntax_error: ex01_sigmoid"),
    "a/b": (2.0, 0.0, "ok"),
    "../<script>x": (0.0, 0.0, "crashed: ex01_sigmoid (+1 more)"),
}


ROOT = Path(__file__).resolve().parents[2]
BUNDLED = ROOT / "examples" / "submissions"


def _load_make_samples():
    """examples/make_samples.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_samples", ROOT / "examples" / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_samples = _load_make_samples()


def tree(folder: Path) -> dict[str, bytes]:
    """Relative path -> bytes of every file under ``folder`` (caches left out)."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }
