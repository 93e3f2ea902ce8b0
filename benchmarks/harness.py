"""Measurement harness: peers timed side by side in one process.

Every measurement follows the same protocol: each peer is called once untimed (warm-up, JIT compilation)
and once more to calibrate, then ``repeats`` rounds run the peers round-robin, so that drift of the shared
machine (frequency, noisy neighbours) hits all peers alike. A round times ``number`` calls of a peer and
records the time per call; ``number`` is calibrated per peer so that one sample lasts at least
``min_sample_s``. The table keeps the median and the min-max of the samples; ratios are computed from
medians taken in the same run.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Config:
    """How hard to measure: ``quick`` shrinks sizes and repetitions for a run of a few minutes.

    Samples are kept short (a few ms) and numerous: on a shared machine a short sample has a fair chance
    to run undisturbed, so the fastest sample estimates the machine and the median the typical case."""

    quick: bool = False
    repeats: int = 7
    min_sample_s: float = 0.01
    tiny: bool = False
    max_threads: int | None = None

    @classmethod
    def make(cls, quick: bool, tiny: bool = False) -> Config:
        if tiny:  # the smoke test: 1 thread, so that busy neighbours cannot stall a parallel peer
            return cls(quick=True, repeats=2, min_sample_s=0.001, tiny=True, max_threads=1)
        if quick:
            return cls(quick=True, repeats=5, min_sample_s=0.004)
        return cls()

    def thread_counts(self) -> list[int]:
        """The thread counts to compare: 1 and all usable CPUs (capped by ``max_threads``)."""
        return sorted({1, self.all_threads()})

    def all_threads(self) -> int:
        return min(all_threads(), self.max_threads or all_threads())


@dataclass
class Peer:
    """One implementation under test: ``fn()`` performs one operation (one step, one epoch, ...).

    ``setup``, when given, runs untimed before each sample (e.g. to restore inputs)."""

    name: str
    fn: Callable[[], object]
    threads: int = 1
    meta: dict = field(default_factory=dict)
    setup: Callable[[], object] | None = None


def all_threads() -> int:
    """Number of CPUs this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Run the block with ``n`` threads in Numba, PyTorch (if imported) and the BLAS libraries."""
    import sys

    from threadpoolctl import threadpool_limits

    saved: dict[str, int] = {}
    numba_mod = sys.modules.get("numba")
    if numba_mod is not None:
        saved["numba"] = numba_mod.get_num_threads()
        numba_mod.set_num_threads(n)
    torch_mod = sys.modules.get("torch")
    if torch_mod is not None:
        saved["torch"] = torch_mod.get_num_threads()
        torch_mod.set_num_threads(n)
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        if "numba" in saved:
            numba_mod.set_num_threads(saved["numba"])
        if "torch" in saved:
            torch_mod.set_num_threads(saved["torch"])


def _time_calls(peer: Peer, number: int) -> float:
    if peer.setup is not None:
        peer.setup()
    with threads(peer.threads):
        t0 = time.perf_counter()
        for _ in range(number):
            peer.fn()
        return (time.perf_counter() - t0) / number


def measure(peers: list[Peer], cfg: Config, extra: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Time ``peers`` interleaved; one row per peer with ``median_s``, ``min_s``, ``max_s`` per call,
    ``threads``, ``number`` (calls per sample), ``repeats`` and the peer's ``meta`` plus ``extra`` columns."""
    numbers = []
    for peer in peers:
        _time_calls(peer, 1)
        once = _time_calls(peer, 1)
        numbers.append(max(1, math.ceil(cfg.min_sample_s / max(once, 1e-9))))
    samples: list[list[float]] = [[] for _ in peers]
    for _ in range(cfg.repeats):
        for i, peer in enumerate(peers):
            samples[i].append(_time_calls(peer, numbers[i]))
    rows = []
    for i, peer in enumerate(peers):
        s = samples[i]
        rows.append(
            {
                **(extra or {}),
                "peer": peer.name,
                "threads": peer.threads,
                **peer.meta,
                "median_s": statistics.median(s),
                "min_s": min(s),
                "max_s": max(s),
                "number": numbers[i],
                "repeats": cfg.repeats,
            }
        )
    return pd.DataFrame(rows)


def materialised(shape: int | tuple[int, ...], seed: int, dtype=np.float32, scale: float = 1.0) -> np.ndarray:
    """A random array whose pages are all written (no zero-page reads in a benchmark)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape, dtype=np.float32) * scale).astype(dtype, copy=False)


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo, or what ``platform`` knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_description() -> dict[str, str]:
    """CPU, core count and library versions, for the README of a run."""
    import numba

    desc = {
        "cpu": cpu_model(),
        "cpus_usable": str(all_threads()),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }
    try:
        import torch

        desc["torch"] = torch.__version__
    except ImportError:
        desc["torch"] = "not installed"
    try:
        from threadpoolctl import threadpool_info

        desc["blas"] = ", ".join(sorted({f"{i['internal_api']} {i['version']}" for i in threadpool_info()}))
    except Exception:  # threadpoolctl may not know every library
        desc["blas"] = "unknown"
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            desc["memory"] = fh.readline().split(":", 1)[1].strip()
    except OSError:
        pass
    return desc


def torch_or_none():
    """The torch module, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    return torch
