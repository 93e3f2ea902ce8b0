"""Helpers of the autograder test cells of deepgrade's nbgrader notebooks.

This file ships to students (beside each notebook, and in the student bundle): it holds no expected value,
no hidden input and no secret. A public test cell reads ``run_check(globals(), "ex02_sigmoid",
"report_values")``: the inputs come from the registry's public part, the expected value from
``public_expected.json``. A hidden test cell reads ``run_hidden_check(globals(), "ex02_sigmoid",
"<hidden check>")`` inside nbgrader's hidden-test markers and nothing else: at autograde it draws the
inputs for the student being graded (``graded_student``) from the secret of the autograding environment
(``autograde_secret``) with ``grader.expected.make_case``, as ``deepgrade grade`` does for the same student
and secret, and computes the expected value on the instructor's ``solutions/``. The notebook, its outputs
and nbgrader's feedback therefore hold no hidden input and no expected value, and each student's hidden
inputs are their own. A hidden check that cannot tell the student or has no secret fails its cell with
``GradingSetupError`` and a one-line reason; it never falls back to a shared id or the public secret.

Each call is judged exactly as ``deepgrade grade`` judges it (``grader.expected``, ``grader.compare``,
``grader.messages``): a check passes, or the cell raises ``AssertionError`` whose first line is
``deepgrade <outcome>: <reason>``, then ``fr: ...`` and ``en: ...``; a hidden check's wrong or invalid
value is reported without its numbers (``WITHHELD``). nbgrader zeroes a test cell that wrote anything to
stderr, so the call runs with warnings ignored and stderr (``sys.stderr`` and file descriptor 2) discarded:
a correct answer that makes Numba warn keeps its points.

Unlike ``deepgrade grade``, nbgrader runs the student's code and these checks in the same kernel, without
a sandbox: student code can read ``DEEPGRADE_SECRET`` from the kernel's environment and tamper with the
checks. Timing checks are judged on their value only (as in ``grader.inprocess``).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import types
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

FAILURE_PREFIX = "deepgrade "
GRADING_SETUP = "deepgrade cannot run this hidden check: "
STUDENT_ENV = "DEEPGRADE_STUDENT"
AUTOGRADE_ENV = "NBGRADER_EXECUTION"
WITHHELD = "the values of a hidden check are not shown"


def run_check(namespace: Mapping[str, Any], exercise_id: str, check_name: str) -> None:
    """Run the public check ``check_name`` of ``exercise_id`` on the functions defined in ``namespace``
    (the notebook's ``globals()``); raise ``AssertionError`` with the feedback unless it passes."""
    from grader.expected import make_case

    exercise, check = _lookup(exercise_id, check_name)
    with _quiet():
        case = make_case(exercise, check, student_id="")
    _judge(namespace, exercise, check, case.inputs, case.expected)


def run_hidden_check(namespace: Mapping[str, Any], exercise_id: str, check_name: str) -> None:
    """Run the hidden check ``check_name`` for the student being autograded: inputs drawn from the
    student id and the autograding secret (``make_case``, as ``deepgrade grade``), expected value from
    ``solutions/``. ``GradingSetupError`` (one line) when the id, the secret or ``solutions/`` is missing."""
    from grader.errors import UsageError
    from grader.expected import make_case

    exercise, check = _lookup(exercise_id, check_name)
    if not check.hidden:
        raise LookupError(f"{check_name} of {exercise_id} is not a hidden check")
    student, secret = graded_student(exercise.id), autograde_secret()
    try:
        with _quiet():
            case = make_case(exercise, check, student_id=student, secret=secret)
    except UsageError as err:  # no solutions/ to compute the expected value
        raise GradingSetupError(f"{GRADING_SETUP}{err}") from None
    _judge(namespace, exercise, check, case.inputs, case.expected)


class GradingSetupError(RuntimeError):
    """The autograding environment cannot run a hidden check (no student id, no secret, no solutions):
    the instructor's setup to fix, not the student's work."""


def graded_student(exercise_id: str) -> str:
    """The id of the student whose notebook is graded. Under ``nbgrader autograde`` (nbgrader sets
    ``NBGRADER_EXECUTION=autograde`` while it starts the kernel, which inherits it) the kernel's working
    folder is ``autograded/<student>/<assignment>/`` (nbgrader's default ``directory_structure``; the
    converter runs the notebook where it writes it) and the assignment is named by the exercise id, so
    the student is the folder above the working one. Outside autograde, ``DEEPGRADE_STUDENT`` names the
    student (a manual run of the source notebook); under autograde it may only repeat the folder's id."""
    named = os.environ.get(STUDENT_ENV, "")
    if os.environ.get(AUTOGRADE_ENV) == "autograde":
        cwd = Path.cwd()
        if cwd.name != exercise_id or not cwd.parent.name or cwd.parent == cwd:
            raise GradingSetupError(
                f"{GRADING_SETUP}cannot tell which student is graded: the kernel runs in {cwd}, not in "
                f"autograded/<student>/{exercise_id}/ (nbgrader's default directory_structure)"
            )
        if named and named != cwd.parent.name:
            raise GradingSetupError(
                f"{GRADING_SETUP}{STUDENT_ENV}={named} but nbgrader grades {cwd.parent.name}: "
                f"unset {STUDENT_ENV}"
            )
        return cwd.parent.name
    if named:
        return named
    raise GradingSetupError(
        f"{GRADING_SETUP}hidden checks run under `nbgrader autograde` (no {AUTOGRADE_ENV}=autograde in this "
        f"kernel); to run one elsewhere, set {STUDENT_ENV}=<student id>"
    )


def autograde_secret() -> str:
    """``DEEPGRADE_SECRET`` of the kernel's environment (exported where ``nbgrader autograde`` runs);
    refused when unset, empty or the public development secret of ``grader.seeds``."""
    from grader.seeds import DEVELOPMENT_SECRET, SECRET_ENV

    value = os.environ.get(SECRET_ENV, "")
    if not value:
        raise GradingSetupError(
            f"{GRADING_SETUP}{SECRET_ENV} is not set in the autograding environment: export it before "
            "`nbgrader autograde` (a secret for nbgrader, not the one of `deepgrade grade`)"
        )
    if value == DEVELOPMENT_SECRET:
        raise GradingSetupError(
            f"{GRADING_SETUP}{SECRET_ENV} is the public development secret: choose a secret of your own"
        )
    return value


def _lookup(exercise_id: str, check_name: str) -> tuple[Any, Any]:
    from grader.registry import by_id

    exercise = by_id(exercise_id)
    for check in exercise.checks:
        if check.name == check_name:
            return exercise, check
    raise LookupError(f"no check {check_name!r} in {exercise_id}")


def _judge(namespace: Mapping[str, Any], exercise: Any, check: Any, inputs: dict, expected: Any) -> None:
    from grader.messages import feedback
    from grader.model import Outcome

    module = types.ModuleType(exercise.id)
    module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    with _quiet():
        outcome, detail = _outcome(module, check, inputs, expected)
    if outcome is Outcome.PASSED:
        print(f"{check.name}: réussi / passed ({check.points:g} pt)")
        return
    # A hidden check's numbers (expected value, shapes of the inputs) stay out of nbgrader's feedback.
    withheld = check.hidden and outcome in (Outcome.FAILED, Outcome.INVALID)
    detail = WITHHELD if withheld else " ".join(detail.split())
    raise AssertionError(
        f"{FAILURE_PREFIX}{outcome}: {detail}\n"
        f"fr: {feedback(exercise, check, outcome, detail, 'fr')}\n"
        f"en: {feedback(exercise, check, outcome, detail, 'en')}"
    ) from None


def _outcome(module: types.ModuleType, check: Any, inputs: dict, expected: Any) -> tuple[Any, str]:
    """The outcome and detail of one call, classified by the sandbox child's rules (``grader.calls``)."""
    from grader.calls import run_call
    from grader.compare import judge
    from grader.model import Outcome

    outcome, detail, got = run_call(module, module.__name__, check.target, inputs)
    if outcome is not Outcome.PASSED:
        return outcome, detail
    return judge(check, expected, got)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Warnings ignored, ``sys.stderr`` and file descriptor 2 sent to nothing, for the block."""
    with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("ignore")
        saved = _swap_fd2()
        try:
            yield
        finally:
            if saved is not None:
                with contextlib.suppress(OSError):
                    os.dup2(saved, 2)
                os.close(saved)


def _swap_fd2() -> int | None:
    try:
        sys.__stderr__ and sys.__stderr__.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return None
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    return saved
