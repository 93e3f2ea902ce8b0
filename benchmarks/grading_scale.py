"""Scale measured, not assumed: ``deepgrade grade`` of N generated submissions with ``-n 1``, ``-n 2`` and
``--cluster local:2``, then the projection to a MOOC from those numbers.

The N submissions cycle through a fixed mix: the perfect, partial, stubs and syntax-error samples
(``examples/submissions``) and cheap hostile ones from ``tests/adversarial/submissions`` (each a single
``ex02_sigmoid.py`` that exits at import, returns wrong shapes, NaN/inf, lying objects or reads
``solutions/``; the ``EXPECT`` files are left out). Each mode is a fresh ``deepgrade grade`` process; the
script reports, per mode:

* wall seconds and submissions per second (``N / wall``);
* CPU seconds per submission, two ways: the machine's busy time during the run less what it burned idle
  just before (``benchmarks/machine_cpu.py``: counts every sandbox child, but anything else running too),
  and ``RUSAGE_CHILDREN`` of this script (exact under ``--sandbox process``; under bubblewrap it misses the
  sandbox children, whose CPU never reaches the grader's rusage);
* peak resident memory of the grading process (the CLI) and of each worker (xdist or Dask worker
  processes), sampled with psutil every 0.2 s (a sample can miss a short peak); the sandbox children's
  peak is reported apart;
* the journal's size in bytes.

Dask's per-task overhead is measured apart: a ``LocalCluster`` of 2 worker processes runs ``--tasks``
tasks that do nothing, wall seconds per task from submit to result (``--skip-dask-overhead`` to skip).

Projection (printed, on paper): ``S`` submissions on ``M`` machines of ``C`` cores, one Dask worker
process per core, take ``S * (cpu_per_submission + dask_overhead) / (M * C)`` seconds if the per-core
CPU cost measured here holds on those machines and the scheduler is not the bottleneck (a Dask scheduler
handles a few thousand tasks per second: 20,000 tasks are far below that).

    python benchmarks/grading_scale.py -N 60 [--modes n1,n2,cluster2] [--json scale.json]

Numbers measured on a loaded, shared 2-core machine are not final: the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.machine_cpu import busy_seconds, idle_rate  # noqa: E402
from grader.reports import JOURNAL_NAME  # noqa: E402

SAMPLES = ROOT / "examples" / "submissions"
HOSTILE = ROOT / "tests" / "adversarial" / "submissions"
MIX = (
    ("perfect", SAMPLES / "perfect"),
    ("partial", SAMPLES / "partial"),
    ("stubs", SAMPLES / "stubs"),
    ("broken", SAMPLES / "syntax_error"),
    ("hostile", HOSTILE / "osexit_import"),
    ("hostile", HOSTILE / "wrong_shapes"),
    ("hostile", HOSTILE / "nan_inf"),
    ("hostile", HOSTILE / "lying_objects"),
    ("hostile", HOSTILE / "read_solutions"),
    ("hostile", HOSTILE / "sysexit_import"),
)
MODES = {"n1": ["-n", "1"], "n2": ["-n", "2"], "cluster2": ["--cluster", "local:2"]}


def generate(dest: Path, n: int) -> dict[str, int]:
    """Write ``n`` submissions ``s0000...`` cycling through ``MIX``; the count of each kind."""
    kinds: dict[str, int] = {}
    for i in range(n):
        kind, src = MIX[i % len(MIX)]
        shutil.copytree(src, dest / f"s{i:04d}", ignore=shutil.ignore_patterns("EXPECT", "__pycache__"))
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def _role(cmdline: list[str], root_pid: int, pid: int) -> str:
    """``parent``, ``worker`` (xdist / Dask worker process) or ``sandbox`` (a submission's child)."""
    if pid == root_pid:
        return "parent"
    text = " ".join(cmdline)
    if "bwrap" in text or " -I -S" in f" {text}" or "grader.sandbox" in text:
        return "sandbox"
    if any(w in text for w in ("xdist", "execnet", "distributed", "dask", "multiprocessing", "spawn_main")):
        return "worker"
    return "sandbox" if "python" not in text else "worker"


class Sampler(threading.Thread):
    """Peak RSS (bytes) per process of a tree, sampled every ``period`` seconds."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.pid, self.period, self.stop = pid, period, threading.Event()
        self.peaks: dict[int, tuple[str, int]] = {}

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.Error:
            return
        while not self.stop.is_set():
            try:
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                break
            for p in procs:
                try:
                    rss, cmd = p.memory_info().rss, p.cmdline()
                except psutil.Error:
                    continue
                role = self.peaks.get(p.pid, (_role(cmd, self.pid, p.pid), 0))[0]
                self.peaks[p.pid] = (role, max(rss, self.peaks.get(p.pid, (role, 0))[1]))
            self.stop.wait(self.period)


def run_mode(mode: str, subs: Path, out: Path, sandbox: str) -> dict[str, Any]:
    """Grade ``subs`` once with ``mode``; wall, CPU, peaks, journal size."""
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "--dev-secret",
           "--no-progress", "--sandbox", sandbox, *MODES[mode]]
    idle = idle_rate()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy0 = busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    sampler: Sampler | None = None
    try:
        import psutil  # noqa: F401

        sampler = Sampler(proc.pid)
        sampler.start()
    except ImportError:
        pass
    output, _ = proc.communicate()
    wall = time.perf_counter() - start
    machine = busy_seconds() - busy0 - idle * wall
    if sampler:
        sampler.stop.set()
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peaks = sampler.peaks if sampler else {}
    workers = sorted(v for r, v in peaks.values() if r == "worker")
    journal = (out / JOURNAL_NAME).stat().st_size if (out / JOURNAL_NAME).is_file() else 0
    return {
        "mode": " ".join(MODES[mode]), "rc": proc.returncode, "wall_s": wall, "cpu_s": cpu,
        "machine_cpu_s": machine, "idle_rate": idle,
        "parent_peak_mb": max((v for r, v in peaks.values() if r == "parent"), default=0) / 2**20,
        "worker_peaks_mb": [w / 2**20 for w in workers],
        "sandbox_peak_mb": max((v for r, v in peaks.values() if r == "sandbox"), default=0) / 2**20,
        "journal_bytes": journal, "tail": output[-600:] if proc.returncode not in (0, 1) else "",
    }


def _noop(i: int) -> int:
    return i


def dask_overhead(tasks: int) -> float | None:
    """Wall seconds per no-op task on a ``LocalCluster`` of 2 worker processes (submit to result, one at a
    time as the grading client submits them all at once: here all at once too, divided by ``tasks``)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        return None
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.gather(client.map(_noop, range(10), pure=False))  # warm
        start = time.perf_counter()
        client.gather(client.map(_noop, range(tasks), pure=False))
        return (time.perf_counter() - start) / tasks


def project(cpu_per_sub: float, overhead: float, subs: int = 20_000, machines: int = 50,
            cores: int = 16) -> str:
    """The paper projection (module docstring)."""
    seconds = subs * (cpu_per_sub + overhead) / (machines * cores)
    return (f"{subs} submissions on {machines} machines x {cores} cores: {subs} x ({cpu_per_sub:.2f} + "
            f"{overhead * 1000:.1f} ms) / {machines * cores} = {seconds:.0f} s ({seconds / 60:.1f} min)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-N", type=int, default=60, help="generated submissions (default 60)")
    parser.add_argument("--modes", default="n1,n2,cluster2", help="comma-separated among n1, n2, cluster2")
    parser.add_argument("--sandbox", choices=("auto", "bwrap", "process"), default="auto")
    parser.add_argument("--tasks", type=int, default=500, help="no-op tasks for Dask's overhead")
    parser.add_argument("--skip-dask-overhead", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.N < 1:
        parser.error("-N must be at least 1")
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        parser.error(f"unknown mode(s) {', '.join(unknown)}; choose among {', '.join(MODES)}")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="dg_scale_") as tmp:
        subs = Path(tmp) / "subs"
        subs.mkdir()
        kinds = generate(subs, args.N)
        print(f"N={args.N} submissions: {kinds}; load average {os.getloadavg()[0]:.2f}; "
              f"{os.cpu_count()} cores", flush=True)
        for mode in modes:
            row = run_mode(mode, subs, Path(tmp) / f"out_{mode}", args.sandbox)
            row["load_after"] = os.getloadavg()[0]
            rows.append(row)
            print(f"{row['mode']:>16}: rc {row['rc']}  {row['wall_s']:.1f} s wall  "
                  f"{args.N / row['wall_s']:.2f} sub/s  "
                  f"{row['machine_cpu_s'] / args.N:.2f} machine CPU s/sub "
                  f"(idle {row['idle_rate']:.2f} CPU s/s)  "
                  f"rusage {row['cpu_s'] / args.N:.2f} CPU s/sub  "
                  f"parent {row['parent_peak_mb']:.0f} MB  workers "
                  f"{', '.join(f'{w:.0f}' for w in row['worker_peaks_mb']) or '-'} MB  sandbox max "
                  f"{row['sandbox_peak_mb']:.0f} MB  journal {row['journal_bytes']} B  "
                  f"load {row['load_after']:.2f}"
                  + (f"\n{row['tail']}" if row["tail"] else ""), flush=True)
    overhead = None if args.skip_dask_overhead else dask_overhead(args.tasks)
    if overhead is not None:
        print(f"Dask LocalCluster(2) overhead: {overhead * 1000:.2f} ms per task ({args.tasks} no-op tasks)")
    if rows:
        cpu = min(max(r["cpu_s"], r["machine_cpu_s"]) for r in rows) / args.N
        print("projection: " + project(cpu, overhead or 0.0))
    if args.json:
        report = {"N": args.N, "kinds": kinds, "rows": rows, "dask_overhead_s": overhead}
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
