"""Optimizer steps on flat float32 vectors: fused Numba kernels against NumPy and ``torch.optim``.

For each optimizer and size, every peer updates the same materialised arrays (``w``, ``g`` and the state of
``kernels.optim.init_state``; torch wraps ``w`` and ``g`` without copying and owns its state), interleaved
with the same-stream floor kernel (``benchmarks.stream``). Reported per row: time per step, effective GB/s
(``BYTES_PER_ELEM`` / time: bytes that must move, not what a peer actually moves) and
``frac_of_floor = floor_s / median_s``, where ``floor_s`` is the floor at the peer's thread count (serial
floor for 1-thread peers, parallel floor otherwise). Steps with a square root and a division (Adagrad,
RMSprop, Adam) up to ``ROOF_MAX_N`` also run the compute roof (``roof_s``: that square root and division
alone, in cache), and ``frac_of_limit = max(floor_s, roof_s) / median_s`` measures them against the
binding one. The ``*_min`` columns repeat the ratios with the fastest sample of each peer, the estimate
least disturbed by busy neighbours on a shared machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks import optim_peers as op
from benchmarks.harness import Config, Peer, materialised, measure, torch_or_none
from benchmarks.stream import SQRT_DIV_STEPS, floor_kernel, roof_sqrt_div_parallel, roof_sqrt_div_serial

ROOF_MAX_N = 1_000_000
"""Largest size with a compute-roof peer: beyond it the roof loop itself waits on memory."""


def sizes(cfg: Config) -> list[int]:
    if cfg.tiny:
        return [10_000]
    if cfg.quick:
        return [10_000, 100_000, 1_000_000]
    return [10_000, 100_000, 1_000_000, 10_000_000, 50_000_000]


def _floor_args(shape: str, w, g, state: dict, out):
    arrays = [a for a in state.values() if isinstance(a, np.ndarray)]
    if shape == "1rw_1r":
        return (w, g)
    if shape == "2rw_1r":
        return (w, arrays[0], g)
    if shape == "3rw_1r":
        return (w, arrays[0], arrays[1], g)
    return (w, arrays[0], out)


def _numba_peers(name: str, w, g, state, out, nthreads: int) -> list[Peer]:
    from kernels import optim

    hp = op.HP[name]
    peers = []
    for parallel in (False, True):
        label = "numba parallel" if parallel else "numba serial"
        thr = nthreads if parallel else 1

        def fn(parallel=parallel):
            optim.step(name, w, g, state, parallel=parallel, **hp)

        peers.append(Peer(label, fn, threads=thr, meta={"family": "numba", "parallel": parallel}))
    return peers


def _floor_peers(shape: str, args, nthreads: int) -> list[Peer]:
    s, t = np.float32(1.0), np.float32(0.0)
    serial, parallel = floor_kernel(shape, False), floor_kernel(shape, True)
    return [
        Peer(
            "floor serial",
            lambda: serial(*args, s, t),
            threads=1,
            meta={"family": "floor", "parallel": False},
        ),
        Peer(
            "floor parallel",
            lambda: parallel(*args, s, t),
            threads=nthreads,
            meta={"family": "floor", "parallel": True},
        ),
    ]


def _roof_peers(g, state: dict, out, nthreads: int) -> list[Peer]:
    """The compute roof (``benchmarks.stream.roof_sqrt_div_*``) on the step's own arrays: one square root
    of the (positive) state and one division per element, written to the scratch array ``out``."""
    y = next(a for a in state.values() if isinstance(a, np.ndarray))
    eps = np.float32(1e-8)
    return [
        Peer(
            "compute roof serial",
            lambda: roof_sqrt_div_serial(g, y, out, eps),
            threads=1,
            meta={"family": "roof", "parallel": False},
        ),
        Peer(
            "compute roof parallel",
            lambda: roof_sqrt_div_parallel(g, y, out, eps),
            threads=nthreads,
            meta={"family": "roof", "parallel": True},
        ),
    ]


def _torch_peers(torch, name: str, w, g, nthreads: int) -> tuple[list[Peer], list[str]]:
    """torch's parameter shares ``w``; its gradient is a copy of ``g``, restored before every sample,
    because torch's foreach Nesterov adds the momentum buffer into the gradient in place."""
    param = torch.nn.Parameter(torch.from_numpy(w))
    grad = g.copy()
    param.grad = torch.from_numpy(grad)
    peers, unsupported = [], []
    for variant in op.TORCH_VARIANTS:
        opt = torch_optimizer_or_none(torch, name, param, variant)
        if opt is None:
            unsupported.append(variant)
            continue
        peers.append(
            Peer(
                f"torch {variant}",
                opt.step,
                threads=nthreads,
                meta={"family": "torch", "parallel": True},
                setup=lambda: np.copyto(grad, g),
            )
        )
    return peers, unsupported


def torch_optimizer_or_none(torch, name, param, variant):
    with torch.no_grad():
        return op.torch_optimizer(torch, name, param, variant)


def _lookahead_peers(w, state, out, nthreads: int) -> list[Peer]:
    from kernels import optim

    hp = op.HP["nesterov"]
    peers = [Peer("numpy", op.numpy_lookahead(w, state, out), threads=1, meta={"family": "numpy"})]
    for parallel in (False, True):

        def fn(parallel=parallel):
            optim.nesterov_lookahead(w, state, lr=hp["lr"], beta=hp["beta"], out=out, parallel=parallel)

        peers.append(
            Peer(
                "numba parallel" if parallel else "numba serial",
                fn,
                threads=nthreads if parallel else 1,
                meta={"family": "numba", "parallel": parallel},
            )
        )
    return peers


def run(cfg: Config, names: tuple[str, ...] = op.OPTIMIZERS) -> pd.DataFrame:
    """One row per (optimizer, n, peer). Columns: ``optimizer``, ``n``, ``bytes_per_elem``, ``peer``,
        ``family``, ``parallel``, ``threads``, timing columns, ``us_per_step``, ``gbps``, ``floor_s``,
        ``frac_of_floor``, ``numba_best_s`` and ``ratio_vs_numba = median_s / numba_best_s`` (>1: slower), and
    the same from the minima (``floor_min_s``, ``frac_of_floor_min``, ``numba_best_min_s``,
    ``ratio_vs_numba_min``)."""
    from kernels import optim

    torch = torch_or_none()
    nthreads = cfg.all_threads()
    frames = []
    for n in sizes(cfg):
        w0, g0 = materialised(n, 11, scale=0.1), materialised(n, 12, scale=0.01)
        w, g = w0.copy(), g0.copy()
        out = np.full_like(w, 0.5)
        for name in names:
            np.copyto(w, w0)  # every optimizer starts from the same values
            np.copyto(g, g0)
            state = optim.init_state(name, w)
            for arr in state.values():
                if isinstance(arr, np.ndarray):
                    arr[:] = 0.01  # materialise (G, E, v must stay positive)
            jobs = [name, "nesterov_lookahead"] if name == "nesterov" else [name]
            for job in jobs:
                shape = op.FLOOR_SHAPE[job]
                peers = _floor_peers(shape, _floor_args(shape, w, g, state, out), nthreads)
                if job in SQRT_DIV_STEPS and n <= ROOF_MAX_N:
                    peers += _roof_peers(g, state, out, nthreads)
                unsupported: list[str] = []
                if job == "nesterov_lookahead":
                    peers += _lookahead_peers(w, state, out, nthreads)
                else:
                    peers += _numba_peers(name, w, g, state, out, nthreads)
                    peers.append(Peer("numpy", op.numpy_step(name, w, g, state), meta={"family": "numpy"}))
                    if torch is not None:
                        tpeers, unsupported = _torch_peers(torch, name, w, g, nthreads)
                        peers += tpeers
                df = measure(
                    peers,
                    cfg,
                    extra={
                        "optimizer": job,
                        "n": n,
                        "bytes_per_elem": op.BYTES_PER_ELEM[job],
                        "torch_unsupported": ";".join(unsupported),
                    },
                )
                frames.append(_derive(df))
    return pd.concat(frames, ignore_index=True)


def _derive(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["us_per_step"] = df["median_s"] * 1e6
    df["gbps"] = df["n"] * df["bytes_per_elem"] / df["median_s"] / 1e9
    floors = df[df.family.isin(["floor", "roof"])].set_index("peer")
    serial = df["threads"] == 1
    for stat, suffix in (("median_s", ""), ("min_s", "_min")):
        floor = floors[stat]
        df[f"floor{suffix}_s"] = np.where(serial, floor["floor serial"], floor["floor parallel"])
        df[f"frac_of_floor{suffix}"] = df[f"floor{suffix}_s"] / df[stat]
        roof = floor.get("compute roof serial", np.nan), floor.get("compute roof parallel", np.nan)
        df[f"roof{suffix}_s"] = np.where(serial, roof[0], roof[1])
        df[f"limit{suffix}_s"] = np.fmax(df[f"floor{suffix}_s"], df[f"roof{suffix}_s"])
        df[f"frac_of_limit{suffix}"] = df[f"limit{suffix}_s"] / df[stat]
        df[f"numba_best{suffix}_s"] = df.loc[df.family == "numba", stat].min()
        df[f"ratio_vs_numba{suffix}"] = df[stat] / df[f"numba_best{suffix}_s"]
    return df


def plot(df: pd.DataFrame, path) -> None:
    """Time per step against size, one panel per optimizer, log-log."""
    import matplotlib.pyplot as plt

    names = list(dict.fromkeys(df["optimizer"]))
    cols = 4
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        sub = df[df.optimizer == name]
        for peer, grp in sub.groupby("peer", sort=False):
            style = "--" if peer.startswith("floor") else "-"
            ax.errorbar(
                grp["n"],
                grp["us_per_step"],
                yerr=[(grp["median_s"] - grp["min_s"]) * 1e6, (grp["max_s"] - grp["median_s"]) * 1e6],
                label=peer,
                marker="o",
                ms=3,
                ls=style,
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{name} step ({int(sub['bytes_per_elem'].iloc[0])} B/elem)")
        ax.set_xlabel("parameters (float32)")
        ax.set_ylabel("time per step [us]")
        ax.legend(fontsize=6)
    for ax in list(axes.flat)[len(names) :]:
        ax.set_visible(False)
    fig.suptitle("Optimizer step: median over interleaved repetitions (bars: min-max)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
