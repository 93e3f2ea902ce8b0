"""Does ex16's speed check give the same verdict on a loaded machine? (issue 12 item 6)

    python benchmarks/speed_check_under_load.py [--runs 20] [--hogs 2] [--sandbox auto|bwrap|process]

It grades two ex16 submissions ``--runs`` times each through the real engine's timing check
(``grader.engine.grading.grade_detailed`` on ``speed_vs_reference``, a ``Pool`` per submission kept
warm, the two interleaved), while ``--hogs`` busy processes (``while True: pass``) hold the cores:

* honest: the bundled perfect answer, one ``@njit`` loop (``examples/submissions/perfect``);
* numpy: the vectorised NumPy step a student would write (``m[:] = b1 * m + (1 - b1) * g`` ...),
  correct values but several passes over the arrays and temporaries;
* pow: one ``@njit`` loop that computes the bias corrections ``1 - beta**t`` inside the loop, for every
  element (the mistake the check's hint names).

It prints one line per grading (outcome and the engine's timing detail) and then
``honest: k/N full speed points, numpy: j/N, pow: i/N``. The target is N/N, 0/N and 0/N. The hogs are
killed at the end, also on error or Ctrl-C. This is a script, not a test: it takes minutes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

EXERCISE, CHECK = "ex16_fused_adam", "speed_vs_reference"
HONEST = ROOT / "examples" / "submissions" / "perfect" / f"{EXERCISE}.py"
NUMPY = '''"""ex16 the NumPy way: correct, in place, but several passes and temporaries per step."""
import numpy as np


def adam_step_fused(w, g, m, v, t, lr, beta1, beta2, eps):
    m[:] = beta1 * m + (1 - beta1) * g
    v[:] = beta2 * v + (1 - beta2) * g * g
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    w -= lr * m_hat / (np.sqrt(v_hat) + eps)
'''
POW = '''"""ex16 with the bias corrections recomputed for every element: one loop, two pow per element."""
import math

from numba import njit


@njit(error_model="numpy")
def adam_step_fused(w, g, m, v, t, lr, beta1, beta2, eps):
    for i in range(w.size):
        m[i] = beta1 * m[i] + (1.0 - beta1) * g[i]
        v[i] = beta2 * v[i] + (1.0 - beta2) * g[i] * g[i]
        w[i] -= lr * (m[i] / (1.0 - beta1**t)) / (math.sqrt(v[i] / (1.0 - beta2**t)) + eps)
'''
SLOW = {"numpy": NUMPY, "pow": POW}


def _hogs(count: int) -> list[subprocess.Popen]:
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]


def _stop(procs: list[subprocess.Popen]) -> None:
    for proc in procs:
        proc.kill()
    for proc in procs:
        proc.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--hogs", type=int, default=2, help="busy processes during the gradings")
    parser.add_argument("--sandbox", default="auto", choices=("auto", "bwrap", "process"))
    args = parser.parse_args(argv)
    os.environ.setdefault("DEEPGRADE_SECRET", "speed-check-under-load")

    from grader.engine.backend import load_backend
    from grader.engine.grading import Options, Pool, grade_detailed
    from grader.intake import Submission
    from grader.model import Outcome
    from grader.sandbox import bwrap

    launcher, warning = bwrap.resolve(args.sandbox)
    if warning:
        print(warning, file=sys.stderr)
    backend = load_backend(None)
    exercise = backend.by_id(EXERCISE)
    check = next(c for c in exercise.checks if c.name == CHECK)
    scratch = Path(tempfile.mkdtemp(prefix="deepgrade-speed-"))
    subs = {}
    for name in ("honest", *SLOW):
        (scratch / name).mkdir()
        target = scratch / name / f"{EXERCISE}.py"
        if name == "honest":
            shutil.copyfile(HONEST, target)
        else:
            target.write_text(SLOW[name], encoding="utf-8")
        subs[name] = Submission(name, scratch / name, "folder")
    pools = {name: Pool(backend, Options(launcher=launcher)) for name in subs}
    passed = dict.fromkeys(subs, 0)
    hogs = _hogs(args.hogs)
    start = time.monotonic()
    try:
        for run in range(1, args.runs + 1):
            for name, sub in subs.items():
                graded = grade_detailed(pools[name], sub, exercise, check)
                result = graded.result
                passed[name] += result.outcome is Outcome.PASSED
                load = os.getloadavg()[0]
                why = graded.timing or result.reason
                print(f"{run:2d} {name:6s} {result.outcome.value:7s} load {load:4.1f}: {why}", flush=True)
    finally:
        _stop(hogs)
        for pool in pools.values():
            pool.close()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{time.monotonic() - start:.0f} s with {args.hogs} busy processes on {os.cpu_count()} cores")
    print(f"honest: {passed['honest']}/{args.runs} full speed points, numpy: {passed['numpy']}/{args.runs}, "
          f"pow: {passed['pow']}/{args.runs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
