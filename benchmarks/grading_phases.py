"""Where a submission's grading time goes: N copies of the perfect and of the partial sample graded in this
process with ``grader.engine.submission.grade_submission`` (the function every front end calls), the time
split by phase in wall seconds and CPU seconds (the grading process and its sandbox children together).

Phases:

* ``intake``: ``grader.intake.scan`` of the 2N entries (parent CPU only: intake starts no process).
* ``child start``: what starting a fresh sandbox child costs, measured on a probe module that imports
  nothing (start, runtime frame, one call), times the children the graded submissions started.
* ``imports``: a probe importing NumPy and Numba less the empty probe, once per child started.
* ``numba compile``: the first call of each module that uses Numba, less its share of the two phases above
  and less the median of that module's later calls (the student's ``@njit`` code compiled in the child's
  private cache, plus the module's own top-level work, and importing Numba itself when that module is
  the child's first to use it: ``imports`` only counts what the call that started the child imported).
* ``calls``: every other student call (first calls of modules without Numba included).
* ``speed race``: the timed runs of timing checks, the student's and the reference child's (warm-up of the
  reference included).
* ``parent``: the rest of ``grade_submission`` (inputs, expected values from ``solutions/``, judging,
  feedback).
* ``journaling``: ``append_results`` of every record; ``reports``: ``write_reports`` of them all.

Child CPU is read by the parent from ``/proc`` around each call (the child's whole process tree); a
call that starts the child counts from zero. The cross-check at the end sets the table's sum beside the
machine's busy time over the same span (``benchmarks/machine_cpu.py``, less what the machine burned idle
just before: meaningful on an otherwise idle machine) and beside this process's rusage (exact under
``--sandbox process``; under bubblewrap the children's CPU never reaches it). ``--first K`` grades only the
registry's first K exercises (16: the course as issue 15 first measured it). Numbers measured on a loaded,
shared machine are not final.

    python benchmarks/grading_phases.py --copies 2 [--sandbox auto] [--first 16] [--json phases.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.machine_cpu import busy_seconds, idle_rate  # noqa: E402

SAMPLES = ROOT / "examples" / "submissions"
PHASES = (
    "intake",
    "child start",
    "imports",
    "numba compile",
    "calls",
    "speed race",
    "parent",
    "journaling",
    "reports",
)


class Clock:
    """Wall and CPU seconds per phase."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = defaultdict(float)
        self.cpu: dict[str, float] = defaultdict(float)

    def add(self, phase: str, wall: float, cpu: float) -> None:
        self.wall[phase] += wall
        self.cpu[phase] += cpu


def _tree_cpu(box: Any) -> float:
    from grader.sandbox import procs

    pid = box.pid
    if pid is None:
        return 0.0
    return procs.cpu_seconds(procs.related(pid, getattr(box, "_token", None) or None))


def _probe(folder: Path, code: str, options: Any, harness: Path | None) -> tuple[float, float]:
    """(wall, CPU) of a fresh child serving ``code`` for one call, child and parent together."""
    from grader.sandbox import Sandbox

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dg_probe.py").write_text(code + "\ndef f():\n    return 0\n", encoding="utf-8")
    box = Sandbox(folder, limits=options.limits, harness=harness, launcher=options.launcher)
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        reply = box.call("dg_probe", "f", {}, 60.0)
        cpu = _tree_cpu(box) + time.process_time() - c0
        wall = time.perf_counter() - t0
    finally:
        box.close()
    if not reply.ok:
        sys.exit(f"probe failed: {reply.status} {reply.error}")
    return wall, cpu


def instrument(records: list[dict[str, Any]]) -> None:
    """Wrap ``Sandbox.call`` so that each call is logged with its wall and child CPU seconds."""
    from grader.sandbox import Sandbox

    real = Sandbox.call

    def call(self: Any, module: str, target: str, kwargs: dict[str, Any], timeout_s: float, **kw: Any) -> Any:
        first_module = module not in self._imported
        started = self.pid is None
        before = 0.0 if started else _tree_cpu(self)
        t0, p0 = time.perf_counter(), time.process_time()
        reply = real(self, module, target, kwargs, timeout_s, **kw)
        wall, parent = time.perf_counter() - t0, time.process_time() - p0
        records.append(
            {
                "box": id(self),
                "module": module,
                "timed": bool(kw.get("timed")),
                "first": first_module,
                "started": started,
                "wall": wall,
                "parent": parent,
                "cpu": max(0.0, _tree_cpu(self) - before) + parent,
            }
        )
        return reply

    Sandbox.call = call  # type: ignore[method-assign]


def copies(root: Path, n: int) -> None:
    for sample in ("perfect", "partial"):
        for i in range(n):
            shutil.copytree(
                SAMPLES / sample, root / f"{sample}_{i:03d}", ignore=shutil.ignore_patterns("__pycache__")
            )


def uses_numba(folder: Path, module: str) -> bool:
    path = folder / f"{module}.py"
    return path.is_file() and "numba" in path.read_text(encoding="utf-8", errors="replace")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--copies", type=int, default=2, help="copies of each sample (default 2)")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default="auto")
    parser.add_argument("--first", type=int, default=None, metavar="K",
                        help="grade only the registry's first K exercises (default: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the table as JSON here")
    args = parser.parse_args()

    from grader import tempdirs
    from grader.engine.backend import load_backend
    from grader.engine.grading import Options, Pool, plan
    from grader.engine.submission import grade_submission
    from grader.intake import scan
    from grader.reports import append_results, write_reports
    from grader.sandbox import bwrap
    from grader.seeds import DEVELOPMENT_SECRET, use_secret

    use_secret(os.environ.get("DEEPGRADE_SECRET") or DEVELOPMENT_SECRET)  # a benchmark, not a course
    backend = load_backend()
    exercises = list(backend.exercises)[: args.first]
    launcher, _ = bwrap.resolve(args.sandbox)
    options = Options(launcher=launcher)
    idle = idle_rate()
    times0, busy0, run_start = os.times(), busy_seconds(), time.perf_counter()
    clock = Clock()  # the run's phases: intake, journaling, reports
    per_sample = {"perfect": Clock(), "partial": Clock()}  # the grading phases of each sample's copies
    scratch = Path(tempfile.mkdtemp(prefix="deepgrade-phases-"))
    work = tempdirs.make("intake")
    try:
        copies(scratch / "subs", args.copies)
        t0, c0 = time.perf_counter(), time.process_time()
        found = scan(
            scratch / "subs",
            backend.module_names,
            work,
            functions={e.id: e.functions for e in backend.exercises},
        )
        clock.add("intake", time.perf_counter() - t0, time.process_time() - c0)

        empty = _probe(scratch / "probe0", "", options, backend.harness)
        heavy = _probe(scratch / "probe1", "import numpy\nimport numba\n", options, backend.harness)

        calls: list[dict[str, Any]] = []
        instrument(calls)
        pool = Pool(backend, options)
        results = []
        refs: set[int] = set()
        try:
            for sub in found.submissions:
                checks = plan([sub], exercises, False)
                start = len(calls)
                t0, c0 = time.perf_counter(), time.process_time()
                results += grade_submission(pool, sub, checks)
                wall, cpu = time.perf_counter() - t0, time.process_time() - c0
                refs |= {id(b) for b in pool._refs.values()}
                mine = calls[start:]
                kind = per_sample[sub.id.rsplit("_", 1)[0]]
                kind.add("parent", wall - sum(c["wall"] for c in mine), cpu - sum(c["parent"] for c in mine))
                split(mine, refs, sub.path, kind, empty, heavy)
        finally:
            pool.close()

        journal = scratch / "out" / "results.jsonl"
        journal.parent.mkdir()
        t0, c0 = time.perf_counter(), time.process_time()
        for sub in found.submissions:
            append_results(journal, [r for r in results if r.student == sub.id])
        clock.add("journaling", time.perf_counter() - t0, time.process_time() - c0)
        t0, c0 = time.perf_counter(), time.process_time()
        write_reports(results, scratch / "out", lang="en")
        clock.add("reports", time.perf_counter() - t0, time.process_time() - c0)
    finally:
        tempdirs.remove(work)
        shutil.rmtree(scratch, ignore_errors=True)

    times1, busy = os.times(), busy_seconds() - busy0 - idle * (time.perf_counter() - run_start)
    rusage = sum(b - a for a, b in zip(times0[:4], times1[:4], strict=True))
    n, k = len(found.submissions), args.copies
    table: dict[str, dict[str, float]] = {}
    for phase in PHASES:
        if phase in clock.wall:  # a run-level phase, shared by every submission
            table[phase] = {
                f"{s}_{m}": round(getattr(clock, m)[phase] / n, 3)
                for s in per_sample
                for m in ("wall", "cpu")
            }
        else:
            table[phase] = {
                f"{s}_{m}": round(getattr(c, m)[phase] / k, 3)
                for s, c in per_sample.items()
                for m in ("wall", "cpu")
            }
    totals = {col: round(sum(row[col] for row in table.values()), 3) for col in next(iter(table.values()))}
    print(
        f"{n} submissions ({k} perfect, {k} partial) of {len(exercises)} exercises, sandbox {args.sandbox}, "
        f"{os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f} (numbers on a loaded, shared machine are not final)"
    )
    print(
        f"probes: empty child {empty[0]:.3f} s wall / {empty[1]:.3f} s CPU, importing NumPy and Numba "
        f"{heavy[0]:.3f} s / {heavy[1]:.3f} s"
    )
    print("seconds per submission (intake, journaling and reports: the run's, divided by all submissions)")
    print(f"{'phase':<15}{'perfect wall':>14}{'perfect CPU':>13}{'partial wall':>14}{'partial CPU':>13}")
    for phase, row in [*table.items(), ("total", totals)]:
        print(
            f"{phase:<15}{row['perfect_wall']:>14.3f}{row['perfect_cpu']:>13.3f}{row['partial_wall']:>14.3f}"
            f"{row['partial_cpu']:>13.3f}"
        )
    summed = sum(totals[c] * k for c in ("perfect_cpu", "partial_cpu"))
    print(f"cross-check: the table sums to {summed:.3f} CPU s (the probes are not in it); the machine was "
          f"busy {busy:.3f} s beyond its idle rate ({idle:.2f} CPU s/s; probes and imports included); this "
          f"process and the children it reaped used {rusage:.3f} s (bubblewrap's children are not in it)")
    if args.json is not None:
        args.json.write_text(
            json.dumps(
                {
                    "submissions": n,
                    "exercises": len(exercises),
                    "load_average": os.getloadavg()[0],
                    "per_submission": table,
                    "total": totals,
                },
                indent=1,
            )
            + "\n"
        )
    return 0


def split(
    calls: list[dict[str, Any]],
    refs: set[int],
    folder: Path | None,
    clock: Clock,
    empty: tuple[float, float],
    heavy: tuple[float, float],
) -> None:
    """Put one submission's calls into their phases (module docstring)."""
    later: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for c in calls:
        if not c["first"] and not c["timed"] and c["box"] not in refs:
            later[c["module"]].append(c)
    for c in calls:
        if c["box"] in refs or c["timed"]:
            clock.add("speed race", c["wall"], c["cpu"])
            continue
        wall, cpu = c["wall"], c["cpu"]
        if c["started"]:
            clock.add("child start", min(wall, empty[0]), min(cpu, empty[1]))
            imp_w, imp_c = max(0.0, heavy[0] - empty[0]), max(0.0, heavy[1] - empty[1])
            clock.add("imports", min(max(0.0, wall - empty[0]), imp_w), min(max(0.0, cpu - empty[1]), imp_c))
            wall, cpu = max(0.0, wall - heavy[0]), max(0.0, cpu - heavy[1])
        if c["first"] and folder is not None and uses_numba(folder, c["module"]):
            rest = later.get(c["module"])
            base_w = statistics.median(x["wall"] for x in rest) if rest else 0.0
            base_c = statistics.median(x["cpu"] for x in rest) if rest else 0.0
            clock.add("numba compile", max(0.0, wall - base_w), max(0.0, cpu - base_c))
            wall, cpu = min(wall, base_w), min(cpu, base_c)
        clock.add("calls", wall, cpu)


if __name__ == "__main__":
    raise SystemExit(main())
