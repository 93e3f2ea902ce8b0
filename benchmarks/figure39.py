"""The course's Figure 3.9 ("Comparaison des algorithmes d'optimisation"), on scikit-learn's digits.

The report plots the optimizers of section 3.2 on MNIST; MNIST does not ship offline with any installed
package, so the 8x8 digits stand in. A 64-32-10 network (ReLU, softmax, cross-entropy) starts from the same
seeded weights for every optimizer and sees the same minibatch order; the updates are the course's kernels
(``kernels.optim.step``, conventions of 3.2: damped momentum, Nesterov's gradient at the look-ahead point,
``eps`` inside the root for Adagrad and RMSprop, bias-corrected Adam). GD is SGD driven with the full
training set as its batch (3.2.1). Per epoch the table records the loss and accuracy on the training set
and the accuracy on the held-out 20%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks import mlp_peers as mp
from benchmarks.harness import Config

SIZES = (64, 32, 10)
SEED = 0
BATCH = 32
RUNS: dict[str, tuple[str, dict[str, float], int | None]] = {
    "GD": ("sgd", {"lr": 0.5}, None),
    "SGD": ("sgd", {"lr": 0.05}, BATCH),
    "Momentum": ("momentum", {"lr": 0.05, "beta": 0.9}, BATCH),
    "Nesterov": ("nesterov", {"lr": 0.05, "beta": 0.9}, BATCH),
    "Adagrad": ("adagrad", {"lr": 0.05, "eps": 1e-8}, BATCH),
    "RMSprop": ("rmsprop", {"lr": 0.001, "beta": 0.9, "eps": 1e-8}, BATCH),
    "Adam": ("adam", {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}, BATCH),
}
"""Label -> (kernels.optim name, hyperparameters, batch size; None = the whole training set)."""


def _train_one(label: str, data: mp.Digits, epochs: int) -> list[dict]:
    from kernels import optim

    name, hp, batch = RUNS[label]
    n = len(data.y_train)
    batch = batch or n
    net = mp.NumpyMLP(mp.init_params(SIZES, SEED), SIZES)
    w = net.params
    state = optim.init_state(name, w)
    ahead = np.empty_like(w)
    perms = mp.permutations(n, epochs, SEED)
    rows = [_evaluate(label, name, hp, batch, 0, net, data)]
    for epoch in range(epochs):
        for start in range(0, n, batch):
            idx = perms[epoch, start : start + batch]
            if name == "nesterov":
                optim.nesterov_lookahead(w, state, lr=hp["lr"], beta=hp["beta"], out=ahead)
                saved = w.copy()
                w[:] = ahead
                net.loss_and_grad(data.X_train[idx], data.Y_train[idx])
                w[:] = saved
            else:
                net.loss_and_grad(data.X_train[idx], data.Y_train[idx])
            optim.step(name, w, net.grads, state, **hp)
        rows.append(_evaluate(label, name, hp, batch, epoch + 1, net, data))
    return rows


def _evaluate(label, name, hp, batch, epoch, net: mp.NumpyMLP, data: mp.Digits) -> dict:
    probs = net.forward(data.X_train)[0][-1]
    loss = float(-np.mean(np.log(np.maximum(probs[np.arange(len(probs)), data.y_train], 1e-12))))
    return {
        "optimizer": label,
        "kernel": name,
        "hyperparameters": ", ".join(f"{k}={v:g}" for k, v in hp.items()),
        "batch_size": batch,
        "epoch": epoch,
        "train_loss": loss,
        "train_accuracy": float(np.mean(np.argmax(probs, 1) == data.y_train)),
        "test_accuracy": net.accuracy(data.X_test, data.y_test),
    }


def run(cfg: Config) -> pd.DataFrame:
    """One row per (optimizer, epoch), epoch 0 being the shared initial network."""
    epochs = 2 if cfg.tiny else 10 if cfg.quick else 30
    data = mp.load_digits(dtype=np.float32)
    return pd.DataFrame([row for label in RUNS for row in _train_one(label, data, epochs)])


def plot(df: pd.DataFrame, path) -> None:
    """Training loss (log scale) and test accuracy per epoch, one line per optimizer."""
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for label, grp in df.groupby("optimizer", sort=False):
        ax_loss.plot(grp["epoch"], grp["train_loss"], marker="o", ms=2, label=label)
        ax_acc.plot(grp["epoch"], grp["test_accuracy"] * 100, marker="o", ms=2, label=label)
    ax_loss.set_yscale("log")
    ax_loss.set_title("Training loss (cross-entropy)")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("loss [nats]")
    ax_acc.set_title("Test accuracy")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy [%]")
    for ax in (ax_loss, ax_acc):
        ax.legend(fontsize=7)
        ax.grid(alpha=0.3)
    fig.suptitle("Figure 3.9 on scikit-learn's digits: 64-32-10 MLP, same init and minibatch order")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
