"""The data model shared by the registry, the grading engine, the notebook generator and the reports.

A *check* is data plus a small comparison. The trusted parent builds a check's inputs, the sandboxed child
calls ``target`` with them on the student's module, sends back plain data, and the parent compares what
came back with the expected value, which is either a number printed in the report or the same target run
on ``solutions/`` in float64.

``target`` is either the name of a function of the exercise module (``"sigmoid"``) or the name of a
scenario of ``grader.harness`` prefixed by ``"harness."`` (``"harness.run_optimizer"``). A scenario is
public, trusted-free code that receives the module as its first argument; it exists for checks that must
call the student's functions several times (100 optimizer steps, a training run).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np

Inputs = Mapping[str, Any]
InputMaker = Callable[[np.random.Generator], Inputs]

EXPECTED_KEY = "_expected"
"""An input maker may return this key: its value is the check's expected value (held-out labels, the
layers that must stay frozen), removed from the inputs by ``grader.expected`` before anything reaches the
student's code."""


@dataclass(frozen=True)
class Text:
    """A message in both languages of the course."""

    fr: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


class Outcome(StrEnum):
    """What became of one check for one submission. Only ``PASSED`` earns points."""

    PASSED = "passed"
    FAILED = "failed"  # a value came back and it is wrong
    NOT_IMPLEMENTED = "not_implemented"  # the stub still raises NotImplementedError
    MISSING = "missing"  # the module or the function does not exist
    ERROR = "error"  # the student's code raised an exception
    INVALID = "invalid"  # the value is not a number/array of the expected shape, or holds NaN/inf
    TIMEOUT = "timeout"  # the call ran past its wall-clock limit; the child was killed
    CRASHED = "crashed"  # the child died (segfault, os._exit, killed for memory, ...)
    SYNTAX_ERROR = "syntax_error"  # the module does not compile
    IMPORT_ERROR = "import_error"  # importing the module raised
    FORBIDDEN_IMPORT = "forbidden_import"  # the module imports the course's code or a deep-learning library


@dataclass(frozen=True)
class Comparison:
    """How ``got`` is compared with ``expected``; both are plain data (float, int, bool, str, ndarray,
    or tuples/lists/dicts of them) with the same structure.

    * ``kind="close"``: ``|got - expected| <= atol + rtol |expected|`` element-wise, shapes equal;
    * ``kind="equal"``: exact equality (integers, booleans, strings, shapes);
    * ``kind="predicate"``: ``predicate(got, expected)`` returns ``(ok, detail)``; used for thresholds
      (accuracy >= 0.9) and properties (frozen layers unchanged), ``describe`` says what is required.
    """

    kind: str = "close"
    rtol: float = 1e-7
    atol: float = 1e-9
    predicate: Callable[[Any, Any], tuple[bool, str]] | None = None
    describe: Text | None = None


@dataclass(frozen=True)
class Check:
    """One graded check of one exercise.

    ``inputs`` builds the keyword arguments of the call from a seeded generator (trusted code, parent side).
    Public checks use a fixed seed; hidden checks a seed derived from the instructor's secret and the
    student id, so hard-coded answers fail and a re-run gives the same grade.

    ``expected`` is a literal (the report's published value) or ``None``: then the parent runs ``target``
    on ``solutions/`` with the same inputs. For public checks the bundle ships these values precomputed.
    """

    name: str
    points: float
    target: str
    inputs: InputMaker
    section: str
    hint: Text
    hidden: bool = False
    expected: Any = None
    compare: Comparison = field(default_factory=Comparison)
    timeout_s: float = 10.0
    timing: bool = False  # graded on speed against the reference kernel (the performance exercise)


@dataclass(frozen=True)
class Exercise:
    """One exercise: a module of ``exercises/`` (stubs) and ``solutions/`` (master), and its checks."""

    id: str  # module name, e.g. "ex02_sigmoid"; file stem in exercises/ and solutions/
    title: Text
    section: str  # report section, e.g. "1.3.4"
    functions: tuple[str, ...]  # the functions the student writes
    checks: tuple[Check, ...]

    @property
    def max_points(self) -> float:
        return sum(c.points for c in self.checks)


@dataclass(frozen=True)
class CheckResult:
    """The recorded result of one check for one submission: what the reports are built from."""

    student: str
    exercise: str
    check: str
    points: float
    max_points: float
    outcome: Outcome
    reason: str  # one line, English, for the tables; empty when passed
    message_fr: str
    message_en: str
    duration_s: float
    hidden: bool


RESULT_KEY = "deepgrade_result"
"""The ``user_properties`` key under which a grading worker's test item hands its ``CheckResult`` (as
``to_json``) to the plugin in the controlling process."""

Feedback = Callable[[Exercise, Check, Outcome, str, str], str]
"""``feedback(exercise, check, outcome, detail, lang) -> str`` (``grader.messages.feedback``)."""


def check_result(
    student: str, exercise: Exercise, check: Check, outcome: Outcome, detail: str, *, duration_s: float,
    feedback: Feedback,
) -> CheckResult:
    """The one constructor of a graded check's record, whichever runner called the target: the check's
    points when passed, else 0; the reason is ``detail`` on one line (at most 500 characters), empty when
    passed; the fr/en messages come from ``feedback``; the duration is rounded to the microsecond."""
    detail = " ".join(str(detail).split())[:500]
    passed = outcome is Outcome.PASSED
    return CheckResult(
        student=student,
        exercise=exercise.id,
        check=check.name,
        points=float(check.points) if passed else 0.0,
        max_points=float(check.points),
        outcome=outcome,
        reason="" if passed else detail,
        message_fr=feedback(exercise, check, outcome, detail, "fr"),
        message_en=feedback(exercise, check, outcome, detail, "en"),
        duration_s=round(duration_s, 6),
        hidden=check.hidden,
    )


def to_json(result: CheckResult) -> str:
    """The record as one JSON line (without the newline): what the journal stores and what a grading
    worker sends under ``RESULT_KEY``."""
    return json.dumps({**dataclasses.asdict(result), "outcome": str(result.outcome)}, ensure_ascii=False)
