"""Figure 3.9 ("Comparaison des algorithmes d'optimisation", report 3.3, MNIST) with every optimizer's
learning rate tuned, on scikit-learn's digits.

The digits are split 60/20/20 (stratified, fixed): training, validation, test. A 64-32-10 ReLU network with
softmax cross-entropy is trained by ``kernels.train.train`` in minibatches of ``BATCH``. Tuning: for each
optimizer (and for true per-example SGD, batch 1, shown apart because one of its epochs makes ``BATCH``
times more updates) every learning rate of ``LR_GRID`` is tried for ``EPOCHS`` epochs (initial weights
and shuffles of seed 0); the one with the lowest final validation loss is kept (a diverged run counts as
infinite). Then each optimizer trains with its tuned rate from seeds 1..``seeds`` (initial weights and
shuffles) and is scored on the test set after every epoch. The other hyperparameters keep the course's
defaults (beta 0.9, Adam's 0.9 / 0.999, eps 1e-8).

Rows: ``phase`` (``tune`` on the validation set, ``final`` on the test set), ``optimizer`` (``sgd-1`` is
per-example SGD), ``batch_size``, ``lr``, ``seed``, ``epoch``, ``train_loss`` (as trained), ``loss`` and
``accuracy`` on the phase's held-out set.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.harness import Config

BATCH = 32
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
LR_GRID = tuple(float(x) for x in np.geomspace(1e-4, 10.0, 11))


def _data() -> tuple[np.ndarray, ...]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X_train, X_rest, y_train, y_rest = train_test_split(
        X / 16.0, y, test_size=0.4, random_state=0, stratify=y
    )
    X_val, X_test, y_val, y_test = train_test_split(
        X_rest, y_rest, test_size=0.5, random_state=0, stratify=y_rest
    )
    return X_train, y_train, X_val, y_val, X_test, y_test  # fmt: skip


def _train(name: str, batch: int, lr: float, seed: int, epochs: int, data, held) -> list[dict]:
    from kernels.mlp import MLP
    from kernels.train import train

    X, y = data
    net = MLP([64, 32, 10], ["relu", "identity"], seed=seed)
    with np.errstate(all="ignore"):
        h = train(
            net, X, y, optimizer="sgd" if name == "sgd-1" else name, hp={"lr": lr}, epochs=epochs,
            batch_size=batch, seed=seed, loss="softmax_cross_entropy", X_val=held[0], Y_val=held[1],
        )  # fmt: skip
    return [
        {"optimizer": name, "batch_size": batch, "lr": lr, "seed": seed, "epoch": e + 1,
         "train_loss": h.loss[e], "loss": h.val_loss[e], "accuracy": h.val_accuracy[e]}
        for e in range(h.epochs_run)
    ]  # fmt: skip


def run(cfg: Config) -> pd.DataFrame:
    """Tuning then the seeded final runs (tiny: 3 epochs, 2 seeds, 3 rates; quick: 10 epochs, 3 seeds;
    full: 20 epochs, 5 seeds)."""
    epochs = 3 if cfg.tiny else 10 if cfg.quick else 20
    seeds = range(1, 3 if cfg.tiny else 4 if cfg.quick else 6)
    grid = LR_GRID[2::3] if cfg.tiny else LR_GRID
    X, y, Xv, yv, Xt, yt = _data()
    rows = []
    for name in (*OPTIMIZERS, "sgd-1"):
        batch = 1 if name == "sgd-1" else BATCH
        tune = []
        for lr in grid:
            tune += _train(name, batch, lr, 0, epochs, (X, y), (Xv, yv))
        tune_df = pd.DataFrame(tune)
        final_loss = tune_df[tune_df["epoch"] == epochs].set_index("lr")["loss"].fillna(np.inf)
        best = float(final_loss.idxmin())
        rows += [{"phase": "tune", **r} for r in tune]
        for seed in seeds:
            rows += [
                {"phase": "final", **r} for r in _train(name, batch, best, seed, epochs, (X, y), (Xt, yt))
            ]
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per optimizer, ranked by mean final test accuracy: the tuned lr, the test accuracy and loss after the
    last epoch (mean, standard deviation, min and max over the seeds)."""
    final = df[df["phase"] == "final"]
    last = final[final["epoch"] == final["epoch"].max()]
    out = last.groupby("optimizer").agg(
        batch_size=("batch_size", "first"),
        lr=("lr", "first"),
        seeds=("seed", "nunique"),
        test_accuracy_mean=("accuracy", "mean"),
        test_accuracy_std=("accuracy", "std"),
        test_accuracy_min=("accuracy", "min"),
        test_accuracy_max=("accuracy", "max"),
        test_loss_mean=("loss", "mean"),
        test_loss_std=("loss", "std"),
    )
    return out.sort_values("test_accuracy_mean", ascending=False).reset_index()


def plot(df: pd.DataFrame, path) -> None:
    """Left: the tuning curves (final validation loss against lr); middle: test loss per epoch, mean over
    seeds with the min-max band; right: final test accuracy, one dot per seed, ranked."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(18, 4.8))
    fig.subplots_adjust(wspace=0.4)
    tune = df[df["phase"] == "tune"]
    final = df[df["phase"] == "final"]
    names = (*OPTIMIZERS, "sgd-1")
    for i, name in enumerate(names):
        style = dict(color=f"C{i}", ls="--" if name == "sgd-1" else "-")
        t = tune[(tune["optimizer"] == name) & (tune["epoch"] == tune["epoch"].max())]
        axes[0].plot(t["lr"], t["loss"].clip(upper=10), "o", label=name, **style)
        f = final[final["optimizer"] == name].groupby("epoch")["loss"]
        lr = final[final["optimizer"] == name]["lr"].iloc[0]
        axes[1].plot(f.mean().index, f.mean(), label=f"{name} (lr {lr:.2g})", **style)
        axes[1].fill_between(f.mean().index, f.min(), f.max(), color=f"C{i}", alpha=0.2)
    axes[0].set_xscale("log")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("learning rate")
    axes[0].set_ylabel("validation loss after the last epoch (clipped at 10)")
    axes[0].set_title("tuning (seed 0)", fontsize=10)
    axes[0].legend(fontsize=7)
    axes[1].set_yscale("log")
    axes[1].set_xlabel("epoch (sgd-1: batch 1, 32x more updates per epoch)")
    axes[1].set_ylabel("test loss")
    axes[1].set_title("tuned rates, mean and min-max over seeds", fontsize=10)
    axes[1].legend(fontsize=7)
    table = summary(df)
    for k, row in table.iterrows():
        last = final[(final["optimizer"] == row["optimizer"]) & (final["epoch"] == final["epoch"].max())]
        i = names.index(row["optimizer"])
        axes[2].plot(last["accuracy"], np.full(len(last), k), "o", color=f"C{i}", alpha=0.7)
        axes[2].plot(row["test_accuracy_mean"], k, "k|", ms=14)
    axes[2].set_yticks(range(len(table)), table["optimizer"])
    axes[2].invert_yaxis()
    axes[2].set_xlabel("test accuracy after the last epoch (dots: seeds, bar: mean)")
    axes[2].set_title("ranking", fontsize=10)
    fig.suptitle("Figure 3.9 on digits: 64-32-10 ReLU, each optimizer's lr tuned on a validation split")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
