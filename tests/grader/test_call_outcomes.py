"""One classifier of a call's outcome: the sandboxed child (``grader/sandbox/child.py``), the in-process
runner (``grader.inprocess``) and nbgrader's check cell (``deepgrade_check.run_check``) give the same
outcome and the same reason for the same sigmoid, among them a sigmoid calling ``np.no_such_function``:
an ``error`` (the function exists and raises), never ``missing``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from grader.inprocess import grade_directory
from grader.model import Outcome
from grader.nbgrader.deepgrade_check import FAILURE_PREFIX, run_check
from grader.sandbox import Limits, Sandbox

HEAD = "import numpy as np\n\n"
SIGMOIDS = {
    "no_such_function": (
        "def sigmoid(z):\n    return np.no_such_function(z)\n",
        Outcome.ERROR, "AttributeError: module 'numpy' has no attribute 'no_such_function'",
    ),
    "stub": ("def sigmoid(z):\n    raise NotImplementedError\n",
             Outcome.NOT_IMPLEMENTED, "sigmoid raises NotImplementedError"),
    "absent": ("def sigmoid_grad(z):\n    return z\n",
               Outcome.MISSING, "ex02_sigmoid.sigmoid is not defined"),
    "raises": ("def sigmoid(z):\n    return 1 / 0\n", Outcome.ERROR, "ZeroDivisionError: division by zero"),
    "own_error": ("class Overflow(Exception):\n    pass\n\n\ndef sigmoid(z):\n    raise Overflow(z.size)\n",
                  Outcome.ERROR, "Overflow: 3"),
    "exits": ("def sigmoid(z):\n    raise SystemExit(3)\n", Outcome.ERROR, "sigmoid called sys.exit(3)"),
    "not_a_value": ("def sigmoid(z):\n    return object()\n",
                    Outcome.INVALID, "returned value cannot be graded: "),
}
CHECK = "report_values"  # ex02's public check calling sigmoid directly


def _sandbox(folder: Path) -> tuple[Outcome, str]:
    with Sandbox(folder, limits=Limits(memory_mb=1024, startup_s=60.0)) as box:
        reply = box.call("ex02_sigmoid", "sigmoid", {"z": np.array([-1.0, 0.0, 2.0])}, timeout_s=30)
    return reply.outcome or Outcome.PASSED, reply.error


def _inprocess(folder: Path) -> tuple[Outcome, str]:
    results = grade_directory(folder, student_id="ann", public_only=True, only={"ex02_sigmoid"})
    result = next(r for r in results if r.check == CHECK)
    return result.outcome, result.reason


def _nbgrader(source: str) -> tuple[Outcome, str]:
    namespace: dict = {}
    exec(compile(source, "<answer cell>", "exec"), namespace)
    with pytest.raises(AssertionError) as failed:
        run_check(namespace, "ex02_sigmoid", CHECK)
    first = str(failed.value).splitlines()[0]
    outcome, _, reason = first.removeprefix(FAILURE_PREFIX).partition(": ")
    return Outcome(outcome), reason


@pytest.mark.parametrize("name", sorted(SIGMOIDS))
def test_the_three_runners_classify_a_call_alike(name: str, tmp_path: Path) -> None:
    code, outcome, reason = SIGMOIDS[name]
    source = HEAD + textwrap.dedent(code)
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "ex02_sigmoid.py").write_text(source, encoding="utf-8")
    seen = {"sandbox": _sandbox(folder), "inprocess": _inprocess(folder), "nbgrader": _nbgrader(source)}
    assert {runner: got[0] for runner, got in seen.items()} == dict.fromkeys(seen, outcome)
    assert len({got[1] for got in seen.values()}) == 1, seen
    assert seen["sandbox"][1].startswith(reason), seen
