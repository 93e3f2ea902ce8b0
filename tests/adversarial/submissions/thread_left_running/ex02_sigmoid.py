"""Correct answers, and a busy thread started at import that never stops (it must die with the child)."""
import ctypes
import threading
import time

from _honest_ex02_sigmoid import sigmoid, sigmoid_grad  # noqa: F401


def _spin():
    ctypes.CDLL(None).prctl(15, b"@TAG@", 0, 0, 0)
    n = 0
    while True:
        n += 1
        if n % 100_000 == 0:
            time.sleep(0.001)


threading.Thread(target=_spin, daemon=False).start()
