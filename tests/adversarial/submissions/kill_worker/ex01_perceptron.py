"""Stands for a submission whose grading worker dies (as when the OOM killer picks it): it names its
process ``@TAG@kw`` and waits; the test kills the xdist worker above it, twice (the first loss is retried).
A submission is graded as one unit of work (``grade_submission``), so after the second loss every one of
its checks is recorded ``crashed: grading worker lost``, the honest ``perceptron``'s included."""
import ctypes
import time

from _honest_ex01_perceptron import perceptron  # noqa: F401


def step(z):
    ctypes.CDLL(None).prctl(15, b"@TAG@kw", 0, 0, 0)
    time.sleep(3.5)
    raise RuntimeError("the worker was not killed")
