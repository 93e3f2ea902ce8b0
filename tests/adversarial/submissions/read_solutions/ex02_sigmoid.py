"""Steals the master solution from solutions/ (or another submission) by absolute path; without it,
answers zeros. The grader's secret is looked for too (environment, the parent's /proc entry)."""
import os

import numpy as np

STOLEN = {}
for path in ("@REPO@/solutions/ex02_sigmoid.py", "@OTHER@/ex02_sigmoid.py"):
    try:
        with open(path) as fh:
            exec(compile(fh.read(), path, "exec"), STOLEN)
        break
    except (OSError, SyntaxError, ImportError):
        STOLEN.clear()
SECRET = os.environ.get("DEEPGRADE_SECRET")
try:
    with open(f"/proc/{os.getppid()}/environ", "rb") as fh:
        SECRET = SECRET or fh.read()
except OSError:
    pass


def sigmoid(z):
    if "sigmoid" in STOLEN:
        return STOLEN["sigmoid"](z)
    return np.zeros_like(np.asarray(z, dtype=np.float64))


def sigmoid_grad(z):
    if "sigmoid_grad" in STOLEN:
        return STOLEN["sigmoid_grad"](z)
    return np.zeros_like(np.asarray(z, dtype=np.float64))
