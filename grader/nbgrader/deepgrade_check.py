"""Helpers of the autograder test cells of deepgrade's nbgrader notebooks.

This file ships to students (beside each notebook, and in the student bundle): it holds no expected value
and no hidden check. A public test cell reads ``run_check(globals(), "ex02_sigmoid", "report_values")``:
the inputs come from the registry's public part, the expected value from ``public_expected.json``. A
hidden test cell passes ``run_hidden_check(..., payload)`` where the payload (the inputs' seed and the
expected value) sits inside nbgrader's hidden-test markers, so it exists only in the instructor's source
notebook and in the autograded copy.

Each call is judged exactly as ``deepgrade grade`` judges it (``grader.expected``, ``grader.compare``,
``grader.messages``): a check passes, or the cell raises ``AssertionError`` whose first line is
``deepgrade <outcome>: <reason>``, then ``fr: ...`` and ``en: ...``. nbgrader zeroes a test cell that
wrote anything to stderr, so the call runs with warnings ignored and stderr (``sys.stderr`` and file
descriptor 2) discarded: a correct answer that makes Numba warn keeps its points.

Unlike ``deepgrade grade``, nbgrader runs the student's code and these checks in the same kernel, without
a sandbox. Timing checks are judged on their value only (as in ``grader.inprocess``).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import types
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

FAILURE_PREFIX = "deepgrade "


def run_check(namespace: Mapping[str, Any], exercise_id: str, check_name: str) -> None:
    """Run the public check ``check_name`` of ``exercise_id`` on the functions defined in ``namespace``
    (the notebook's ``globals()``); raise ``AssertionError`` with the feedback unless it passes."""
    from grader.expected import make_case

    exercise, check = _lookup(exercise_id, check_name)
    with _quiet():
        case = make_case(exercise, check, student_id="")
    _judge(namespace, exercise, check, case.inputs, case.expected)


def run_hidden_check(namespace: Mapping[str, Any], exercise_id: str, check_name: str, payload: str) -> None:
    """Run the hidden check ``check_name``: ``payload`` (``grader.values`` JSON of ``{"seed", "expected"}``)
    gives the seed of its inputs and its expected value."""
    from grader import values
    from grader.expected import draw_inputs

    exercise, check = _lookup(exercise_id, check_name)
    data = values.loads(payload.encode("utf-8"))
    with _quiet():
        inputs, _, _ = draw_inputs(exercise, check, int(data["seed"]))
    _judge(namespace, exercise, check, inputs, data["expected"])


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
    detail = " ".join(detail.split())
    raise AssertionError(
        f"{FAILURE_PREFIX}{outcome}: {detail}\n"
        f"fr: {feedback(exercise, check, outcome, detail, 'fr')}\n"
        f"en: {feedback(exercise, check, outcome, detail, 'en')}"
    ) from None


def _outcome(module: types.ModuleType, check: Any, inputs: dict, expected: Any) -> tuple[Any, str]:
    """The outcome and detail of one call, classified as ``grader.inprocess`` does."""
    from grader.compare import judge
    from grader.expected import call_target, plain
    from grader.model import Outcome
    from grader.values import ValueEncodingError

    if not check.target.startswith("harness.") and not hasattr(module, check.target):
        return Outcome.MISSING, f"no function {check.target} in the notebook"
    try:
        got = call_target(module, check.target, inputs)
    except NotImplementedError:
        return Outcome.NOT_IMPLEMENTED, "NotImplementedError"
    except AttributeError as exc:
        return Outcome.MISSING, str(exc)
    except Exception as exc:
        return Outcome.ERROR, f"{type(exc).__name__}: {exc}"
    try:
        got = plain(got)
    except (ValueEncodingError, ValueError, TypeError) as exc:
        return Outcome.INVALID, f"cannot send back the value: {exc}"
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
