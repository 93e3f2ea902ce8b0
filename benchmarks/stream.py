"""The physical limit: STREAM-like copy and triad, and the same-stream floor kernels.

STREAM counts ``copy`` (``c = a``) as 8 B per float32 element and ``triad`` (``a = b + s c``) as 12 B; neither
counts the write-allocate read of the destination, so real traffic is higher (measured on a 2-vCPU AMD EPYC
Zen 5: triad counted the STREAM way about 48 GB/s, read-modify-write traffic about 61-68 GB/s).

A *same-stream floor* kernel reads and writes exactly the arrays that an optimizer step reads and writes,
with trivial arithmetic (``x <- x s + g t``, run with ``s = 1``, ``t = 0`` so that the state keeps its
values; both are run-time arguments, so nothing is folded away), so that its time is the honest lower
bound for that step. The variants are separate functions, not flags of one factory: Numba's cache would
otherwise share them.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import pandas as pd
from numba import njit, prange

from benchmarks.harness import Config, Peer, materialised, measure


@njit(error_model="numpy", fastmath=True, cache=True)
def copy_serial(a, c):
    for i in range(a.size):
        c[i] = a[i]


@njit(parallel=True, fastmath=True, cache=True)
def copy_parallel(a, c):
    for i in prange(a.size):
        c[i] = a[i]


@njit(error_model="numpy", fastmath=True, cache=True)
def triad_serial(a, b, c, s):
    for i in range(a.size):
        a[i] = b[i] + s * c[i]


@njit(parallel=True, fastmath=True, cache=True)
def triad_parallel(a, b, c, s):
    for i in prange(a.size):
        a[i] = b[i] + s * c[i]


@njit(error_model="numpy", fastmath=True, cache=True)
def floor_1rw_1r_serial(x, g, s, t):
    for i in range(x.size):
        x[i] = x[i] * s + g[i] * t


@njit(parallel=True, fastmath=True, cache=True)
def floor_1rw_1r_parallel(x, g, s, t):
    for i in prange(x.size):
        x[i] = x[i] * s + g[i] * t


@njit(error_model="numpy", fastmath=True, cache=True)
def floor_2rw_1r_serial(x, y, g, s, t):
    for i in range(x.size):
        gi = g[i]
        x[i] = x[i] * s + gi * t
        y[i] = y[i] * s + gi * t


@njit(parallel=True, fastmath=True, cache=True)
def floor_2rw_1r_parallel(x, y, g, s, t):
    for i in prange(x.size):
        gi = g[i]
        x[i] = x[i] * s + gi * t
        y[i] = y[i] * s + gi * t


@njit(error_model="numpy", fastmath=True, cache=True)
def floor_3rw_1r_serial(x, y, z, g, s, t):
    for i in range(x.size):
        gi = g[i]
        x[i] = x[i] * s + gi * t
        y[i] = y[i] * s + gi * t
        z[i] = z[i] * s + gi * t


@njit(parallel=True, fastmath=True, cache=True)
def floor_3rw_1r_parallel(x, y, z, g, s, t):
    for i in prange(x.size):
        gi = g[i]
        x[i] = x[i] * s + gi * t
        y[i] = y[i] * s + gi * t
        z[i] = z[i] * s + gi * t


@njit(error_model="numpy", fastmath=True, cache=True)
def floor_2r_1w_serial(x, y, out, s, t):
    for i in range(x.size):
        out[i] = x[i] * s + y[i] * t


@njit(parallel=True, fastmath=True, cache=True)
def floor_2r_1w_parallel(x, y, out, s, t):
    for i in prange(x.size):
        out[i] = x[i] * s + y[i] * t


@njit(error_model="numpy", cache=True)
def roof_sqrt_div_serial(x, y, out, eps):
    """One square root and one division per element, exact IEEE (no ``fastmath``: no reciprocal-sqrt
    approximation), the only costly arithmetic of Adagrad, RMSprop and Adam: ``out = x / (sqrt(y) + eps)``."""
    for i in range(x.size):
        out[i] = x[i] / (math.sqrt(y[i]) + eps)


@njit(parallel=True, cache=True)
def roof_sqrt_div_parallel(x, y, out, eps):
    for i in prange(x.size):
        out[i] = x[i] / (math.sqrt(y[i]) + eps)


SQRT_DIV_STEPS = ("adagrad", "rmsprop", "adam")
"""The steps that pay one square root and one division per element (the others have neither)."""

ROOF_N = 16_384
"""Elements of the sqrt+div microbenchmark: three arrays of 64 KiB in float32 (128 KiB in float64) stay in
L2, so the loop measures the core's square-root and division units, not memory."""

FLOORS = {
    "1rw_1r": (floor_1rw_1r_serial, floor_1rw_1r_parallel),
    "2rw_1r": (floor_2rw_1r_serial, floor_2rw_1r_parallel),
    "3rw_1r": (floor_3rw_1r_serial, floor_3rw_1r_parallel),
    "2r_1w": (floor_2r_1w_serial, floor_2r_1w_parallel),
}
"""Floor kernels by stream shape: ``k``rw = arrays read and written, ``k``r = read only, ``k``w = written."""


def floor_kernel(shape: str, parallel: bool):
    """The floor kernel for a stream shape such as ``"3rw_1r"`` (Adam: p, m, v read-write; g read)."""
    return FLOORS[shape][1 if parallel else 0]


def stream_sizes(cfg: Config) -> list[int]:
    if cfg.tiny:
        return [100_000]
    if cfg.quick:
        return [1_000_000, 10_000_000]
    return [1_000_000, 10_000_000, 50_000_000]


def run(cfg: Config) -> pd.DataFrame:
    """Copy and triad bandwidth, NumPy and Numba, at 1 thread and all threads.

    Columns: ``kernel``, ``n``, ``bytes_per_elem`` (STREAM counting), ``peer``, ``threads``, timing columns,
    and ``gbps = n * bytes_per_elem / median_s / 1e9``."""
    frames = [df for n in stream_sizes(cfg) for df in _run_size(n, cfg)]
    frames.append(compute_roof(cfg))
    out = pd.concat(frames, ignore_index=True)
    out["gbps"] = out["n"] * out["bytes_per_elem"] / out["median_s"] / 1e9
    out["numba_threading_layer"] = _threading_layer()
    return out


def _run_size(n: int, cfg: Config) -> list[pd.DataFrame]:
    s = np.float32(3.0)
    a, b, c = (materialised(n, seed) for seed in (1, 2, 3))
    tmp = np.ones_like(a)
    copy_peers = [
        Peer("numpy", lambda: np.copyto(c, a), threads=1),
        Peer("numba serial", lambda: copy_serial(a, c), threads=1),
    ]
    triad_peers = [
        Peer("numpy", lambda: (np.multiply(c, s, out=tmp), np.add(b, tmp, out=a)), threads=1),
        Peer("numba serial", lambda: triad_serial(a, b, c, s), threads=1),
    ]
    for t in cfg.thread_counts():
        copy_peers.append(Peer("numba parallel", lambda: copy_parallel(a, c), threads=t))
        triad_peers.append(Peer("numba parallel", lambda: triad_parallel(a, b, c, s), threads=t))
    return [
        measure(peers, cfg, extra={"kernel": kernel, "n": n, "bytes_per_elem": bpe})
        for kernel, peers, bpe in (("copy", copy_peers, 8), ("triad", triad_peers, 12))
    ]


def compute_roof(cfg: Config) -> pd.DataFrame:
    """This core's throughput of the in-cache optimizer steps' square roots and divisions: the
    ``roof_sqrt_div`` loop over ``ROOF_N`` elements in float32 and float64, serial and ``prange``.

    Columns as ``run`` (``kernel`` is ``sqrt+div float32`` / ``float64``, ``bytes_per_elem`` 0) plus
    ``ns_per_elem = min_s / n * 1e9`` (the fastest sample: the throughput of an undisturbed core)."""
    frames = []
    for dtype in (np.float32, np.float64):
        x = materialised(ROOF_N, 4, dtype=dtype)
        y = np.abs(materialised(ROOF_N, 5, dtype=dtype)) + dtype(0.5)
        out = np.ones_like(x)
        eps = dtype(1e-8)
        peers = [
            Peer("numba serial", lambda x=x, y=y, o=out, e=eps: roof_sqrt_div_serial(x, y, o, e), threads=1)
        ]
        for t in cfg.thread_counts():
            peers.append(
                Peer(
                    "numba parallel",
                    lambda x=x, y=y, o=out, e=eps: roof_sqrt_div_parallel(x, y, o, e),
                    threads=t,
                )
            )
        df = measure(
            peers, cfg, extra={"kernel": f"sqrt+div {np.dtype(dtype).name}", "n": ROOF_N, "bytes_per_elem": 0}
        )
        df["ns_per_elem"] = df["min_s"] / ROOF_N * 1e9
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _threading_layer() -> str:
    try:
        return numba.threading_layer()
    except ValueError:
        return "not initialised"


def plot(df: pd.DataFrame, path) -> None:
    """Bar chart of GB/s per kernel, size and peer."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
    for ax, kernel in zip(axes, ("copy", "triad"), strict=True):
        sub = df[df.kernel == kernel]
        labels = sub["peer"] + " (" + sub["threads"].astype(str) + " thr)"
        sub = sub.assign(label=labels)
        pivot = sub.pivot_table(index="n", columns="label", values="gbps")
        pivot.plot.bar(ax=ax, rot=0)
        ax.set_title(f"STREAM {kernel} ({'8' if kernel == 'copy' else '12'} B/element counted)")
        ax.set_xlabel("elements (float32)")
        ax.set_ylabel("bandwidth [GB/s]")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
