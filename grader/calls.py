"""One check's call run in this process, its outcome classified by the sandbox child's own rules.

``grader.inprocess`` (trusted code: solutions, stubs, mutants) and nbgrader's check cells
(``grader/nbgrader/deepgrade_check.py``, the student's code in the kernel that runs the checks) call a
target here; the sandboxed child (``grader/sandbox/child.py``) calls it in its own process. All three
decide what happened with the same two functions of the child, ``resolve`` (is the target there?) and
``classify_call`` (not implemented, missing, error, crashed, forbidden import, invalid value, or ok), and
the same codec (``grader.values``), so one submission gets one outcome whichever runner calls it: a
sigmoid calling ``np.no_such_function`` is an ``error`` everywhere (the function exists and raises).
Unlike the child, this process stays interruptible: ``KeyboardInterrupt`` (Ctrl-C, nbgrader's cell
timeout) goes through.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from grader import harness, values
from grader.expected import call_target
from grader.model import Outcome
from grader.sandbox.child import classify_call, resolve


def run_call(
    module: ModuleType, module_name: str, target: str, inputs: dict[str, Any]
) -> tuple[Outcome, str, Any]:
    """``(outcome, detail, value)`` of ``target`` called on ``module`` with ``inputs`` (``call_target``:
    deep-copied inputs, a scenario settled as the engine settles it). ``value`` is the return value as it
    would come back from the child (encoded and decoded), or None when the outcome is not ``PASSED``;
    ``PASSED`` here means only that a value came back, to be judged by ``grader.compare``."""
    found = resolve(module, module_name, target, harness)
    if isinstance(found, dict):
        return Outcome(found["status"]), found["error"], None
    answer = classify_call(
        lambda: call_target(module, target, inputs), module, module_name, target, values.encode,
        contain_all=False,
    )
    if answer["status"] != "ok":
        return Outcome(answer["status"]), answer["error"], None
    return Outcome.PASSED, "", values.decode(answer["value"])
