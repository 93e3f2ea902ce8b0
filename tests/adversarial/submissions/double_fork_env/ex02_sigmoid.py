"""Leaves a daemon behind: double fork, a new session, then exec with an EMPTY environment (no token for a
sweep to find), named @TAG@ and asleep for 60 s."""
import os
import sys

from _honest_ex02_sigmoid import sigmoid, sigmoid_grad  # noqa: F401

CODE = "import ctypes,time; ctypes.CDLL(None).prctl(15, b'@TAG@', 0, 0, 0); time.sleep(60)"
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            os.execve(sys.executable, [sys.executable, "-I", "-S", "-c", CODE], {})
        finally:
            os._exit(0)
    os._exit(0)
