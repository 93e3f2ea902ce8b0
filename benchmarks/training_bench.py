"""Activations, dense forward/backward and whole MLP training epochs: Numba against NumPy and PyTorch CPU.

Three tables:

* ``activations``: element-wise activations and the row-wise softmax on ``(batch, n)`` float32 arrays, at
  1 thread; ``speedup_vs_torch = torch median / peer median``.
* ``dense``: one dense layer forward (``Z = A W^T + b``, ReLU) and backward (``dW = delta^T A``,
  ``db = sum delta``, ``dA = delta W``) at the shapes of the two benchmark nets, 1 thread.
* ``mlp``: one training epoch on scikit-learn's digits (1437 training samples) for 64-32-10 batch 32 and
  64-256-256-10 batch 128, SGD, each framework at 1 and all threads; ``samples_per_s``; the best thread
  count per framework is marked ``best``; ``speedup_vs_torch_best`` compares with PyTorch at its best
  thread count; ``gemm roof`` rows give the samples/s that the step's GEMMs alone allow (``np.dot`` at
  the step's shapes, fastest sample, one row per thread count); ``frac_of_gemm_roof`` = samples/s / the
  best roof, ``frac_of_gemm_roof_same_threads`` = samples/s / the roof at the peer's thread count.
  Accuracy runs (same init, same shuffles) give ``final_loss`` and ``test_accuracy`` per framework.
  With 2+ threads each timed sample of an epoch follows ``SETTLE_S`` idle and one untimed epoch of the
  same peer (:func:`_settled`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from itertools import pairwise

import numpy as np
import pandas as pd

from benchmarks import mlp_peers as mp
from benchmarks.harness import Config, Peer, materialised, measure, threads, torch_or_none

NETS = (("64-32-10", (64, 32, 10), 32), ("64-256-256-10", (64, 256, 256, 10), 128))
DENSE_SHAPES = ((32, 64, 32), (128, 256, 256))
"""(batch, n_in, n_out) of the first hidden layer of each benchmark net."""
LR = 0.1
SEED = 0
SETTLE_S = 0.2


def _settled(epoch: Callable[[], object]) -> Callable[[], None]:
    """The untimed set-up of every MLP peer's samples: ``SETTLE_S`` idle, then one epoch of the peer itself.
    The thread pools a 2-thread peer leaves behind keep spinning for about 0.1 s (OpenBLAS) and take the
    cores from the next peer; the epoch then warms the peer's own threads and caches, as in a training run
    of several epochs. Measured on the 2-core machine (load average 0.5-0.7), the split Numba epoch of
    64-256-256-10 at batch 128 on 2 threads ran at 287-294k samples/s alone, 108-153k right after NumPy's
    2-thread epoch, 267-288k with this set-up; NumPy and PyTorch at 2 threads were unchanged by it
    (172-191k and 165-177k)."""

    def setup() -> None:
        time.sleep(SETTLE_S)
        epoch()

    return setup


def _with_speedup(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    one = df.threads == 1 if "threads" in df.columns else True
    torch_t = df[(df.peer == "torch") & one].set_index(keys)["median_s"]
    idx = pd.MultiIndex.from_frame(df[keys]) if len(keys) > 1 else df[keys[0]]
    df["torch_median_s"] = torch_t.reindex(idx).to_numpy()
    df["speedup_vs_torch"] = df["torch_median_s"] / df["median_s"]
    return df


# --------------------------------------------------------------------------------------------- activations


def _np_act(name: str, z: np.ndarray, out: np.ndarray):
    if name == "relu":
        return lambda: np.maximum(z, 0, out=out)
    if name == "sigmoid":
        return lambda: np.divide(1.0, 1.0 + np.exp(-z), out=out)
    if name == "tanh":
        return lambda: np.tanh(z, out=out)
    return lambda: np.divide(*_np_softmax_parts(z), out=out)


def _np_softmax_parts(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e, e.sum(axis=1, keepdims=True)


def _torch_act(torch, name: str, t, out):
    if name == "relu":
        return lambda: torch.clamp_min(t, 0, out=out)
    if name == "sigmoid":
        return lambda: torch.sigmoid(t, out=out)
    if name == "tanh":
        return lambda: torch.tanh(t, out=out)
    return lambda: torch.softmax(t, 1)


def _numba_act(name: str, z, out):
    from kernels import activations

    if name == "softmax":
        return lambda: activations.softmax(z, out=out)
    return lambda: activations.forward(name, z, out=out)


ACTIVATION_SHAPES = ((128, 256), (2048, 1024), (4096, 2560))
"""32k, 2M and 10M elements: from in-cache to far beyond the 32 MB L3."""


def run_activations(cfg: Config) -> pd.DataFrame:
    shapes = [(32, 32)] if cfg.tiny else ACTIVATION_SHAPES[:1] if cfg.quick else ACTIVATION_SHAPES
    torch = torch_or_none()
    multi = [t for t in cfg.thread_counts() if t > 1]
    frames = []
    for shape in shapes:
        for dtype in (np.float32, np.float64):
            z = materialised(shape, 5, dtype=dtype)
            out = np.empty_like(z)
            for name in ("relu", "sigmoid", "tanh", "softmax"):
                numba = _numba_act(name, z, out)
                peers = [Peer("numba", numba), Peer("numpy", _np_act(name, z, out))]
                peers += [Peer("numba", numba, threads=t) for t in multi]
                if torch is not None:
                    t, tout = torch.from_numpy(z), torch.from_numpy(np.empty_like(z))
                    act = _torch_act(torch, name, t, tout)
                    peers += [Peer("torch", act)] + [Peer("torch", act, threads=n) for n in multi]
                extra = {"op": name, "shape": f"{shape[0]}x{shape[1]}", "dtype": np.dtype(dtype).name}
                frames.append(measure(peers, cfg, extra=extra))
    df = pd.concat(frames, ignore_index=True)
    df["elements"] = [int(np.prod([int(x) for x in s.split("x")])) for s in df["shape"]]
    df["gelem_per_s"] = df["elements"] / df["median_s"] / 1e9
    return _with_speedup(df, ["op", "shape", "dtype"]) if torch is not None else df


# --------------------------------------------------------------------------------------------- dense layer


def run_dense(cfg: Config) -> pd.DataFrame:
    from kernels import layers

    torch = torch_or_none()
    frames = []
    for batch, n_in, n_out in DENSE_SHAPES:
        A = materialised((batch, n_in), 1)
        W = materialised((n_out, n_in), 2, scale=0.1)
        b = materialised(n_out, 3, scale=0.1)
        delta = materialised((batch, n_out), 4)
        fwd = [
            Peer("numba", lambda A=A, W=W, b=b: layers.dense_forward(A, W, b, "relu")),
            Peer("numpy", lambda A=A, W=W, b=b: np.maximum(A @ W.T + b, 0)),
        ]
        bwd = [
            Peer("numba", lambda d=delta, A=A, W=W: layers.dense_backward(d, A, W)),
            Peer("numpy", lambda d=delta, A=A, W=W: (d.T @ A, d.sum(0), d @ W)),
        ]
        if torch is not None:
            tA, tW, tb, td = (torch.from_numpy(x) for x in (A, W, b, delta))
            fwd.append(Peer("torch", lambda tA=tA, tW=tW, tb=tb: torch.relu(torch.addmm(tb, tA, tW.T))))
            bwd.append(Peer("torch", lambda td=td, tA=tA, tW=tW: (td.T @ tA, td.sum(0), td @ tW)))
        shape = f"batch {batch}, {n_in}->{n_out}"
        frames.append(measure(fwd, cfg, extra={"op": "dense_forward", "shape": shape}))
        frames.append(measure(bwd, cfg, extra={"op": "dense_backward", "shape": shape}))
    df = pd.concat(frames, ignore_index=True)
    return _with_speedup(df, ["op", "shape"]) if torch is not None else df


# --------------------------------------------------------------------------------------------- MLP epoch


class NumbaTrainer:
    """The Numba peer: ``kernels.mlp.MLP`` trained by ``kernels.train.train`` one epoch per call."""

    def __init__(self, params: np.ndarray, sizes: tuple[int, ...], batch: int, seed: int):
        from kernels.mlp import MLP

        acts = ["relu"] * (len(sizes) - 2) + ["identity"]  # softmax_cross_entropy takes logits
        self.mlp = MLP(list(sizes), acts, dtype=np.float32, seed=seed)
        self.mlp.params[:] = params
        self.batch, self.seed, self.epochs_done = batch, seed, 0

    def epoch(self, X: np.ndarray, Y: np.ndarray) -> float:
        from kernels.train import train

        losses = train(
            self.mlp,
            X,
            Y,
            optimizer="sgd",
            hp={"lr": LR},
            epochs=1,
            batch_size=self.batch,
            seed=self.seed + self.epochs_done,
            loss="softmax_cross_entropy",
        )
        self.epochs_done += 1
        return float(np.asarray(losses)[-1])

    def accuracy(self, X: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(self.mlp.predict(X) == y))


def gemm_roof(sizes: tuple[int, ...], batch: int, cfg: Config) -> dict[int, float]:
    """Samples/s allowed by the GEMMs of one SGD step alone (forward ``A W^T``, ``dW = delta^T A``, and
    ``dA = delta W`` except for the first layer), timed with ``np.dot`` at 1 and all threads; returns the
    best and its thread count."""
    ops = []
    for i, (n_in, n_out) in enumerate(pairwise(sizes)):
        A, W, d = (
            materialised((batch, n_in), 1),
            materialised((n_out, n_in), 2),
            materialised((batch, n_out), 3),
        )
        ops.append((A, W.T, np.empty((batch, n_out), np.float32)))
        ops.append((d.T, A, np.empty((n_out, n_in), np.float32)))
        if i > 0:
            ops.append((d, W, np.empty((batch, n_in), np.float32)))

    def step() -> None:
        for a, b, out in ops:
            np.dot(a, b, out=out)

    peers = [Peer("gemm", step, threads=t) for t in cfg.thread_counts()]
    many_short = replace(cfg, repeats=max(cfg.repeats, 15), min_sample_s=min(cfg.min_sample_s, 0.002))
    df = measure(peers, many_short)
    return {int(t): batch / float(m) for t, m in zip(df["threads"], df["min_s"], strict=True)}


def run_mlp(cfg: Config) -> pd.DataFrame:
    data = mp.load_digits()
    torch = torch_or_none()
    n = len(data.y_train)
    epochs_acc = 2 if cfg.tiny else 5 if cfg.quick else 10
    frames = []
    for net, sizes, batch in NETS:
        params = mp.init_params(sizes, SEED)
        perms = mp.permutations(n, 4 if cfg.tiny else 50, SEED)
        peers = []
        for t in cfg.thread_counts():
            npm = mp.NumpyMLP(params, sizes)
            state = {"k": 0}

            def np_epoch(npm=npm, state=state, perms=perms, batch=batch):
                npm.epoch(data.X_train, data.Y_train, perms[state["k"] % len(perms)], batch, LR)
                state["k"] += 1

            peers.append(Peer("numpy", np_epoch, threads=t))
            nb = NumbaTrainer(params, sizes, batch, SEED)
            peers.append(Peer("numba", lambda nb=nb: nb.epoch(data.X_train, data.Y_train), threads=t))
            if torch is not None:
                peers.append(_torch_peer(torch, params, sizes, batch, data, perms, t))
        if cfg.all_threads() > 1:  # only 2-thread peers leave pools spinning
            for peer in peers:
                peer.setup = _settled(peer.fn)
        df = measure(peers, cfg, extra={"net": net, "batch": batch, "n_train": n})
        roofs = gemm_roof(sizes, batch, cfg)
        roof = max(roofs.values())
        roof_rows = [
            {"net": net, "batch": batch, "n_train": n, "peer": "gemm roof", "threads": t} for t in roofs
        ]
        df = pd.concat([df, pd.DataFrame(roof_rows)], ignore_index=True)
        df["gemm_roof_samples_per_s"] = roof
        df["gemm_roof_same_threads"] = df["threads"].map(roofs)
        for stat, suffix in (("median_s", ""), ("min_s", "_fastest")):
            col = f"samples_per_s{suffix}"
            df[col] = n / df[stat]
            df.loc[df.peer == "gemm roof", col] = df["gemm_roof_same_threads"]
            df[f"frac_of_gemm_roof{suffix}"] = df[col] / roof
            if suffix == "":
                df["best"] = df[col] == df.groupby("peer")[col].transform("max")
            torch_best = df.loc[(df.peer == "torch") & df.best, col]
            df[f"speedup_vs_torch_best{suffix}"] = df[col] / torch_best.iloc[0] if len(torch_best) else np.nan
        df["frac_of_gemm_roof_same_threads"] = df["samples_per_s"] / df["gemm_roof_same_threads"]
        acc = _accuracy_runs(torch, params, sizes, batch, data, perms, epochs_acc)
        df = df.merge(acc, on="peer", how="left")
        frames.append(df)
    return pd.concat(frames, ignore_index=True)


def _torch_peer(torch, params, sizes, batch, data, perms, t: int) -> Peer:
    tm = mp.TorchMLP(torch, params, sizes, LR)
    X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
    tperms = torch.from_numpy(perms)
    state = {"k": 0}

    def fn():
        tm.epoch(X, y, tperms[state["k"] % len(tperms)], batch)
        state["k"] += 1

    return Peer("torch", fn, threads=t)


def _accuracy_runs(torch, params, sizes, batch, data, perms, epochs: int) -> pd.DataFrame:
    """Train every framework from the same initial parameters over the same permutations."""
    rows = []
    with threads(1):
        npm = mp.NumpyMLP(params, sizes)
        loss = [npm.epoch(data.X_train, data.Y_train, perms[e], batch, LR) for e in range(epochs)]
        rows.append(
            {"peer": "numpy", "final_loss": loss[-1], "test_accuracy": npm.accuracy(data.X_test, data.y_test)}
        )
        nb = NumbaTrainer(params, sizes, batch, SEED)
        loss = [nb.epoch(data.X_train, data.Y_train) for _ in range(epochs)]
        rows.append(
            {"peer": "numba", "final_loss": loss[-1], "test_accuracy": nb.accuracy(data.X_test, data.y_test)}
        )
        if torch is not None:
            tm = mp.TorchMLP(torch, params, sizes, LR)
            X, y = torch.from_numpy(data.X_train), torch.from_numpy(data.y_train)
            loss = [tm.epoch(X, y, torch.from_numpy(perms[e]), batch) for e in range(epochs)]
            acc = tm.accuracy(torch.from_numpy(data.X_test), torch.from_numpy(data.y_test))
            rows.append({"peer": "torch", "final_loss": loss[-1], "test_accuracy": acc})
    df = pd.DataFrame(rows)
    df["accuracy_epochs"] = epochs
    return df


def plot(mlp: pd.DataFrame, path) -> None:
    """Samples/s per framework and thread count for both nets, with the GEMM roof as a line."""
    import matplotlib.pyplot as plt

    nets = list(dict.fromkeys(mlp["net"]))
    fig, axes = plt.subplots(1, len(nets), figsize=(5.5 * len(nets), 4), squeeze=False)
    for ax, net in zip(axes.flat, nets, strict=True):
        sub = mlp[(mlp.net == net) & (mlp.peer != "gemm roof")]
        pivot = sub.pivot_table(index="peer", columns="threads", values="samples_per_s")
        pivot.columns = [f"{c} thread(s)" for c in pivot.columns]
        pivot.plot.bar(ax=ax, rot=0)
        roofs = mlp[(mlp.net == net) & (mlp.peer == "gemm roof")]
        for (_, row), style in zip(roofs.iterrows(), ("--", ":"), strict=False):
            ax.axhline(
                row["samples_per_s"], color="k", ls=style, label=f"GEMM roof, {row['threads']} thread(s)"
            )
        ax.set_yscale("log")
        ax.set_title(f"MLP {net}: one epoch on digits")
        ax.set_ylabel("training samples / s (log)")
        ax.set_xlabel("framework")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
