"""Tries to interrupt the grader: SIGINT and SIGTERM to the parent process (never to -1 or a group)."""
import os
import signal

from _honest_ex02_sigmoid import sigmoid  # noqa: F401


def sigmoid_grad(z):
    parent = os.getppid()
    sent = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            if parent > 1:
                os.kill(parent, sig)
                sent.append(sig.name)
        except OSError:
            pass
    raise RuntimeError(f"signal sent to the parent: {sent or 'none'}")
