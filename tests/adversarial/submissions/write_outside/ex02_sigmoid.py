"""Tries to write into the results journal, the reports folder, the grader and another submission, by
absolute path, then answers zeros. The test checks that nothing outside the sandbox changed."""
import json

import numpy as np

FORGED = {"student": "write_outside", "exercise": "ex02_sigmoid", "check": "report_values", "points": 2.0,
          "max_points": 2.0, "outcome": "passed", "reason": "", "message_fr": "", "message_en": "",
          "duration_s": 0.0, "hidden": False}
ATTEMPTS = [
    ("@OUT@/results.jsonl", "a", json.dumps(FORGED) + "\n"),
    ("@OUT@/pwned_@TAG@.txt", "w", "pwned"),
    ("@REPO@/grader/pwned_@TAG@.py", "w", "pwned = True\n"),
    ("@OTHER@/pwned_@TAG@.py", "w", "pwned = True\n"),
]
for path, mode, text in ATTEMPTS:
    try:
        with open(path, mode) as fh:
            fh.write(text)
    except OSError:
        pass


def sigmoid(z):
    return np.zeros_like(np.asarray(z, dtype=np.float64))


def sigmoid_grad(z):
    return np.zeros_like(np.asarray(z, dtype=np.float64))
