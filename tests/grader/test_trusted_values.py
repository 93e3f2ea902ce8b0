"""Replies the parent cannot trust are ``invalid``, never grader errors: a student who writes a crafted
frame straight onto the reply pipe (an overflowing hex float, an array claiming 20 million elements) or
returns an array beyond the caps loses the check with a one-line reason, and the parent allocates
nothing large."""

from __future__ import annotations

import textwrap
import tracemalloc
from pathlib import Path

import pytest

from grader.engine.backend import load_backend
from grader.engine.grading import Options, Pool, grade_detailed
from grader.intake import Submission
from grader.model import Outcome
from grader.sandbox import Sandbox

STANDIN = str(Path(__file__).resolve().parent / "standin.py")

# Finds the child's own reply function and the request's number in the frames above it, sends its own
# frame through it, and dies before the child can answer (so nothing else follows it on the pipe).
CRAFTED = textwrap.dedent('''
    import os, sys

    def _send_and_die(value):
        frame = sys._getframe()
        while frame is not None and "wfd" not in frame.f_locals:
            frame = frame.f_back
        found = frame.f_locals
        found["send"]({"q": found["seq"], "status": "ok", "value": value, "error": ""})
        os._exit(0)

    def overflow(a, b):
        _send_and_die({"f": "0x1.0p+999999"})

    def huge_int(a, b):
        _send_and_die({"l": [{"i": 2 ** 80}]})

    def twenty_million(a, b):
        _send_and_die({"a": {"dtype": "float64", "shape": [20_000_000], "data": "AAAA" * 1000}})

    def broadcast(a, b):
        import numpy as np
        return np.broadcast_to(np.float64(0.5), (20_000_000,))
''')


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "crafted.py").write_text(CRAFTED)
    return tmp_path


@pytest.mark.parametrize(
    ("target", "reason"),
    [("overflow", "malformed float"), ("huge_int", "64 bits"), ("twenty_million", "too large"),
     ("broadcast", "too large")],
)
def test_crafted_replies_are_invalid_and_cost_the_parent_nothing(folder, target, reason):
    box = Sandbox(folder)
    try:
        box.call("crafted", "broadcast", {"a": 1.0, "b": 2.0}, 30.0)  # start the child, import numpy
        tracemalloc.start()
        reply = box.call("crafted", target, {"a": 1.0, "b": 2.0}, 30.0)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    finally:
        box.close()
    assert reply.status == "invalid" and reason in reply.error, reply
    assert peak < 8 << 20, f"the parent allocated {peak} bytes"


def test_an_overflowing_float_is_recorded_invalid_by_the_engine(tmp_path):
    sub = tmp_path / "overflow"
    sub.mkdir()
    (sub / "ex01_add.py").write_text(CRAFTED.replace("def overflow(a, b):", "def add(a, b):"))
    backend = load_backend(STANDIN)
    pool = Pool(backend, Options(timeout_s=20.0))
    try:
        ex = backend.by_id("ex01_add")
        result = grade_detailed(pool, Submission("overflow", sub, "folder"), ex, ex.checks[0]).result
    finally:
        pool.close()
    assert result.outcome is Outcome.INVALID and result.points == 0.0, result
    assert "malformed float" in result.reason
