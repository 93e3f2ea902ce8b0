"""Learning curves with and without dropout, and early stopping (report 3.4.2, 3.5.3), on scikit-learn's
digits.

A set-up that over-fits on purpose: 300 training digits (a stratified draw), 600 validation digits, a
64-256-256-10 ReLU network trained by Adam (lr 1e-3, batches of 32) with ``kernels.train.train``, from
the same initial weights and the same shuffles, once without dropout and once with keep probability
``KEEP`` on both hidden layers; then the plain run again with early stopping (patience ``PATIENCE``).
Rows: ``run, seed, epoch, loss`` (as trained), ``train_loss, train_accuracy, val_loss, val_accuracy``
(evaluated without dropout after each epoch), ``best_epoch`` and ``epochs_run`` of the run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.harness import Config

KEEP = 0.5
PATIENCE = 10
SIZES = (64, 256, 256, 10)


def _data(n_train: int) -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(
        X / 16.0, y, train_size=n_train, random_state=0, stratify=y
    )
    return X_train, y_train, X_rest[:600], y_rest[:600]


def run(cfg: Config) -> pd.DataFrame:
    """The three runs for each seed (tiny: 1 seed, 15 epochs, 100 training rows; quick: 2 seeds, 100
    epochs; full: 3 seeds, 150 epochs)."""
    from kernels.mlp import MLP
    from kernels.train import train

    epochs = 15 if cfg.tiny else 100 if cfg.quick else 150
    seeds = range(1 if cfg.tiny else 2 if cfg.quick else 3)
    X, y, Xv, yv = _data(100 if cfg.tiny else 300)
    rows = []
    for seed in seeds:
        for name, keep, patience in (
            ("no dropout", None, None),
            (f"dropout keep {KEEP}", KEEP, None),
            (f"early stopping (patience {PATIENCE})", None, PATIENCE),
        ):
            net = MLP(list(SIZES), ["relu", "relu", "identity"], seed=seed)
            h = train(
                net, X, y, optimizer="adam", hp={"lr": 1e-3}, epochs=epochs, batch_size=32, seed=seed,
                loss="softmax_cross_entropy", X_val=Xv, Y_val=yv, dropout_keep=keep, patience=patience,
            )  # fmt: skip
            for e in range(h.epochs_run):
                rows.append(
                    {
                        "run": name,
                        "seed": seed,
                        "epoch": e + 1,
                        "loss": h.loss[e],
                        "train_loss": h.train_loss[e],
                        "train_accuracy": h.train_accuracy[e],
                        "val_loss": h.val_loss[e],
                        "val_accuracy": h.val_accuracy[e],
                        "best_epoch": h.best_epoch + 1,
                        "epochs_run": h.epochs_run,
                    }
                )
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per run, mean over seeds, at the weights the run returns (the last epoch, or the restored one under
    early stopping): losses and accuracies, the train-validation accuracy gap; the lowest validation loss
    seen; the epochs run and the epoch returned."""
    last = df[df["epoch"] == df["best_epoch"]]
    best = df.groupby(["run", "seed"])["val_loss"].min().groupby("run").mean()
    out = last.groupby("run")[
        ["epochs_run", "best_epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy"]
    ].mean()
    out["min_val_loss"] = best
    out["gap_accuracy"] = out["train_accuracy"] - out["val_accuracy"]
    return out.reset_index()


def plot(df: pd.DataFrame, path) -> None:
    """Left: training and validation loss per epoch (seed 0) of the three runs; right: the same for
    accuracy. Early stopping's restored epoch marked."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    d0 = df[df["seed"] == 0]
    for i, (run_name, d) in enumerate(d0.groupby("run", sort=False)):
        color = f"C{i}"
        for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
            ax.plot(d["epoch"], d[f"train_{metric}"], "--", color=color, label=f"{run_name}: train")
            ax.plot(d["epoch"], d[f"val_{metric}"], "-", color=color, label=f"{run_name}: validation")
        if run_name.startswith("early"):
            b = int(d["best_epoch"].iloc[0])
            for ax, metric in zip(axes, ("loss", "accuracy"), strict=True):
                ax.plot(b, d[d["epoch"] == b][f"val_{metric}"], "k*", ms=12, label="restored epoch")
    axes[0].set_yscale("log")
    axes[0].set_ylabel("cross-entropy (no dropout at evaluation)")
    axes[1].set_ylabel("accuracy")
    for ax in axes:
        ax.set_xlabel("epoch")
    axes[1].legend(fontsize=7, loc="lower right")
    fig.suptitle(
        f"Learning curves on digits (few training rows, {'-'.join(map(str, SIZES))} ReLU, Adam): dropout"
        f" keep {KEEP} and early stopping, seed 0"
    )
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
