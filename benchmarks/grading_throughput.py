"""Grading throughput: the same N copies of a submission graded with ``-n 1`` and ``-n 2``.

Runs ``deepgrade grade`` twice as subprocesses on N copies of one submission (default: the perfect sample,
timing checks left out with ``-m "not timing"`` so the run measures grading, not the Adam race), prints
both wall times and their ratio, and checks that both runs journaled identical outcomes and points.

    python benchmarks/grading_throughput.py --copies 40
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def grade(subs: Path, out: Path, workers: int, mark: str) -> float:
    cmd = [
        sys.executable,
        "-m",
        "grader.cli",
        "grade",
        "--sandbox",
        "auto",
        str(subs),
        "--out",
        str(out),
        "-n",
        str(workers),
        "--no-progress",
        "-m",
        mark,
        *([] if os.environ.get("DEEPGRADE_SECRET") else ["--dev-secret"]),  # a benchmark, not a course
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"grading failed ({proc.returncode}): {proc.stderr.strip().splitlines()[-1:]}")
    return elapsed


def records(out: Path) -> list[tuple]:
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    keys = ("student", "exercise", "check", "outcome", "points", "reason")
    return sorted(tuple(r[k] for k in keys) for r in rows)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--submission", type=Path, default=ROOT / "examples" / "submissions" / "perfect")
    parser.add_argument("-m", dest="mark", default="not timing", help="pytest -m expression of the checks")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-") as tmp:
        subs = Path(tmp) / "subs"
        for i in range(args.copies):
            shutil.copytree(args.submission, subs / f"student{i:03d}")
        times = {n: grade(subs, Path(tmp) / f"out{n}", n, args.mark) for n in (1, 2)}
        one, two = records(Path(tmp) / "out1"), records(Path(tmp) / "out2")
        same, checks = one == two, len(one)
        for row in sorted(set(one) ^ set(two))[:10]:
            print("differs:", "-n 1" if row in one else "-n 2", row)
    print(f"{args.copies} submissions, {checks} check results per run")
    for n, t in times.items():
        print(f"-n {n}: {t:7.1f} s  ({args.copies / t:.2f} submissions/s)")
    print(f"speed-up -n 2 vs -n 1: {times[1] / times[2]:.2f}x; identical results: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
