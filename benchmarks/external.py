"""Adapters to the measurements owned by other parts: compile times (``benchmarks/compile_times.py``) and
grading throughput (``benchmarks/grading_throughput.py``).

Grading calls the module's ``run(quick=..., tiny=...)`` (or ``run()``) and expects a pandas DataFrame;
compile times follow the two-interpreter protocol of ``compile_times.py`` through its ``--child`` mode.
A module that does not exist yet raises ``SectionSkipped`` with the reason, which the suite records in
its README instead of failing.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from benchmarks.harness import Config


class SectionSkipped(Exception):
    """A section that cannot run on this installation (a missing module or optional package)."""


def _call_run(module_name: str, cfg: Config) -> pd.DataFrame:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name in (module_name, module_name.rsplit(".", 1)[-1]):
            raise SectionSkipped(f"{module_name} is not available yet") from err
        raise
    run = getattr(module, "run", None)
    if run is None:
        raise SectionSkipped(f"{module_name} has no run() function")
    params = inspect.signature(run).parameters
    kwargs = {k: v for k, v in (("quick", cfg.quick), ("tiny", cfg.tiny)) if k in params}
    result = run(**kwargs)
    if not isinstance(result, pd.DataFrame):
        raise SectionSkipped(f"{module_name}.run() returned {type(result).__name__}, not a DataFrame")
    return result


def _wall_cpu(value) -> tuple[float, float]:
    """A child's timing: ``[wall, cpu]`` seconds, or a bare wall time (CPU time then unknown)."""
    if isinstance(value, list | tuple):
        return float(value[0]), float(value[1])
    return float(value), float("nan")


def _child(script: Path, env: dict[str, str], timeout: float, phase: str) -> dict:
    try:
        proc = subprocess.run(
            [sys.executable, str(script), "--child"], env=env, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired as err:
        raise SectionSkipped(f"compile_times --child ({phase}) ran over {timeout:.0f} s") from err
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"compile_times --child ({phase}) exited {proc.returncode}: {last}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_compile_times(cfg: Config) -> pd.DataFrame:
    """Numba first-compile and cached-load times of the kernel set, by the protocol of
    ``benchmarks/compile_times.py``: two fresh interpreters run its ``--child`` mode with one empty
    ``NUMBA_CACHE_DIR``, the first compiling (``first_compile_s``), the second loading from the cache
    (``cached_load_s``), with CPU times beside (``*_cpu_s``; a busy machine stretches wall times, CPU
    times much less). A ``total (all kernels)`` row sums the kernel rows (``import kernels`` apart).
    ``--quick`` measures only the cached load, from the project's own cache."""
    script = Path(__file__).with_name("compile_times.py")
    if not script.exists():
        raise SectionSkipped("benchmarks/compile_times.py is not available yet")
    if cfg.quick:
        # a cold compile of everything takes about a minute: --quick times the cached load from the
        # project's own cache (a first child warms it if needed) and leaves first_compile_s empty
        first, warm = (_child(script, dict(os.environ), 300, phase) for phase in ("warm-up", "cached load"))
        cold = {k: [float("nan"), float("nan")] for k in first}
    else:
        with tempfile.TemporaryDirectory(prefix="deepgrade-bench-cache-") as cache:
            env = {**os.environ, "NUMBA_CACHE_DIR": cache}
            cold, warm = (_child(script, env, 600, phase) for phase in ("first compile", "cached load"))
    df = pd.DataFrame({"kernel": list(cold)})
    for phase, run in (("first_compile", cold), ("cached_load", warm)):
        pairs = [_wall_cpu(run[k]) for k in cold]
        df[f"{phase}_s"] = [p[0] for p in pairs]
        df[f"{phase}_cpu_s"] = [p[1] for p in pairs]
    total = df[df.kernel != "import kernels"].drop(columns="kernel").sum(min_count=1)
    df = pd.concat([df, pd.DataFrame([{"kernel": "total (all kernels)", **total}])], ignore_index=True)
    df["speedup_of_cache"] = df["first_compile_s"] / df["cached_load_s"]
    return df


GRADING_NOTE = (
    "deepgrade grade runs every exercise's checks except those marked timing; nbgrader autograde runs "
    "every test cell of the same exercises (timing checks included) on notebooks holding the same code"
)


def run_grading(cfg: Config) -> pd.DataFrame:
    """Seconds per submission for ``deepgrade grade`` on N copies of the perfect sample submission, at
    ``-n 1`` and ``-n`` all CPUs, through ``benchmarks/grading_throughput.grade`` (timing checks left out,
    as that script does), and for ``nbgrader autograde`` on the same exercises and code
    (``benchmarks.nbgrader_bench``; full runs only, it takes minutes). Columns: ``tool``, ``workers``,
    ``copies``, ``wall_s``, ``s_per_submission``, ``speedup_vs_nbgrader`` (nbgrader's s/submission over
    the row's) and ``note``."""
    try:
        gt = importlib.import_module("benchmarks.grading_throughput")
    except ModuleNotFoundError as err:
        raise SectionSkipped("benchmarks/grading_throughput.py is not available yet") from err
    copies = 2 if cfg.tiny or cfg.quick else 6
    sample = gt.ROOT / "examples" / "submissions" / "perfect"
    if not sample.is_dir():
        raise SectionSkipped(f"no sample submission at {sample}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="deepgrade-bench-grade-") as tmp:
        subs = Path(tmp) / "subs"
        for i in range(copies):
            shutil.copytree(sample, subs / f"student{i:03d}")
        for workers in cfg.thread_counts():
            try:
                wall = gt.grade(subs, Path(tmp) / f"out{workers}", workers, "not timing")
            except SystemExit as err:  # the script reports a failed run by exiting
                raise RuntimeError(str(err.code)) from None
            rows.append({"tool": "deepgrade grade", "workers": workers, "copies": copies, "wall_s": wall})
    note = GRADING_NOTE
    if cfg.quick:
        note = "nbgrader autograde not run in --quick (minutes per submission); run without --quick"
    elif importlib.util.find_spec("nbgrader") is None:
        note = "nbgrader is not installed: no autograde comparison"
    else:
        from benchmarks import nbgrader_bench

        nb_copies = 2
        wall, _ = nbgrader_bench.autograde_seconds(nb_copies)
        rows.append({"tool": "nbgrader autograde", "workers": 1, "copies": nb_copies, "wall_s": wall})
    df = pd.DataFrame(rows)
    df["s_per_submission"] = df["wall_s"] / df["copies"]
    nb = df.loc[df.tool == "nbgrader autograde", "s_per_submission"]
    df["speedup_vs_nbgrader"] = float(nb.iloc[0]) / df["s_per_submission"] if len(nb) else float("nan")
    df["note"] = note
    return df
