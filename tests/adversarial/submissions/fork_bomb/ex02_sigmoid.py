"""A bounded fork bomb: a binary tree of depth 6 (127 processes), every process named @TAG@ and asleep for
30 s at most, so a failed defence cannot take the machine down; the grader's kill must end it early."""
import ctypes
import os
import time

from _honest_ex02_sigmoid import sigmoid  # noqa: F401

DEPTH = 6


def _name():
    try:
        ctypes.CDLL(None).prctl(15, b"@TAG@", 0, 0, 0)  # PR_SET_NAME
    except OSError:
        pass


def _spawn(depth):
    if depth >= DEPTH:
        return
    for _ in range(2):
        if os.fork() == 0:
            _name()
            try:
                os.setsid()  # leave the sandbox's process group
            except OSError:
                pass
            _spawn(depth + 1)
            time.sleep(30)
            os._exit(0)


def sigmoid_grad(z):
    _name()
    start = os.getpid()
    _spawn(0)
    time.sleep(30)
    if os.getpid() != start:
        os._exit(0)
    return z
