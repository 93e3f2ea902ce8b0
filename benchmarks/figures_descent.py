"""The report's pictures of gradient descent (3.1, 3.2), redrawn from the course's own update rules.

Figure 3.1 ("Descente de gradient", 3.1): the learning-rate regimes on the quadratic ``J(w) = (w - 3)^2``
(``dJ/dw = 2 (w - 3)``, the function of ex06/ex17) from ``w_0 = 0``: each step multiplies the error
``w - 3`` by ``1 - 2 lr``, so lr 0.05 converges slowly (factor 0.9), 0.4 quickly (0.2), 0.9 oscillates
while converging (-0.8) and 1.05 diverges (-1.1).

Figures 3.5-3.8 (3.2.2-3.2.5): trajectories on the elongated quadratic
``J(x, y) = (x^2 + KAPPA y^2) / 2`` (a valley KAPPA = 50 times steeper across than along) from
``START``, each step one call of ``kernels.optim.step`` (Nesterov's gradient at
``kernels.optim.nesterov_lookahead``), with the report's conventions (momentum ``v = beta v + (1 - beta) g``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks.harness import Config
from kernels import optim

REGIMES = (("slow", 0.05), ("good", 0.4), ("oscillating", 0.9), ("diverging", 1.05))
W_STAR, W_0, STEPS_31 = 3.0, 0.0, 15
KAPPA = 50.0
START = (-9.0, 2.0)
STEPS_PATH = 40
_GD = ("gd", "sgd", {"lr": 0.038})
_MOM = ("momentum", "momentum", {"lr": 0.2, "beta": 0.9})
PANELS = (
    ("Figure 3.5: without / with momentum", (_GD, ("momentum", "momentum", {"lr": 0.2, "beta": 0.8}))),
    ("Figure 3.6: momentum overshoots", (("momentum", "momentum", {"lr": 0.5, "beta": 0.95}),)),
    ("Figure 3.7: momentum / Nesterov", (_MOM, ("nesterov", "nesterov", {"lr": 0.2, "beta": 0.9}))),
    (
        "Figure 3.8: AdaGrad / RMSprop",
        (("adagrad", "adagrad", {"lr": 1.0}), ("rmsprop", "rmsprop", {"lr": 0.3})),
    ),
)
"""Each panel: its title, then ``(label, optimizer, hyperparameters)`` per trajectory. GD's 0.038 is near
its stability limit ``2 / KAPPA = 0.04``; momentum takes a larger rate (its average damps the oscillation
across the valley); Figure 3.6 the same with too much momentum; Nesterov at momentum's settings of 3.7
(at lr 0.2 with beta 0.8 it diverges under this convention, where momentum converges)."""


def run31(cfg: Config) -> pd.DataFrame:
    """``regime, lr, step, w, loss`` for ``STEPS_31`` steps of each regime (plain SGD steps of
    ``kernels.optim`` on the one-parameter vector)."""
    rows = []
    for regime, lr in REGIMES:
        w = np.array([W_0])
        state = optim.init_state("sgd", w)
        for k in range(STEPS_31 + 1):
            rows.append(
                {"regime": regime, "lr": lr, "step": k, "w": float(w[0]), "loss": float((w[0] - W_STAR) ** 2)}
            )
            optim.step("sgd", w, 2.0 * (w - W_STAR), state, lr=lr)
    return pd.DataFrame(rows)  # fmt: skip


def _grad(p: np.ndarray) -> np.ndarray:
    return np.array([p[0], KAPPA * p[1]])


def trajectory(name: str, hp: dict[str, float], steps: int = STEPS_PATH) -> np.ndarray:
    """The ``(steps + 1, 2)`` iterates of optimizer ``name`` on the elongated quadratic from ``START``."""
    p = np.array(START)
    state = optim.init_state(name, p)
    out = [p.copy()]
    for _ in range(steps):
        at = optim.nesterov_lookahead(p, state, lr=hp["lr"], beta=hp["beta"]) if name == "nesterov" else p
        optim.step(name, p, _grad(at), state, **hp)
        out.append(p.copy())
    return np.array(out)


def run35(cfg: Config) -> pd.DataFrame:
    """``figure, label, optimizer, hyperparameters, step, x, y, loss`` for each trajectory."""
    rows = []
    for figure, curves in PANELS:
        for label, name, hp in curves:
            for k, (x, y) in enumerate(trajectory(name, hp)):
                rows.append(
                    {
                        "figure": figure.split(":")[0],
                        "label": label,
                        "optimizer": name,
                        "hyperparameters": " ".join(f"{k_}={v}" for k_, v in hp.items()),
                        "step": k,
                        "x": x,
                        "y": y,
                        "loss": 0.5 * (x * x + KAPPA * y * y),
                    }
                )
    return pd.DataFrame(rows)


def summary35(df: pd.DataFrame) -> pd.DataFrame:
    """Per trajectory: the loss after 10 and after the last step."""
    last = df["step"].max()
    pivot = df[df["step"].isin([10, last])].pivot_table(
        index=["figure", "label", "hyperparameters"], columns="step", values="loss"
    )
    pivot.columns = [f"loss_step_{c}" for c in pivot.columns]
    return pivot.reset_index()


def plot31(df: pd.DataFrame, path) -> None:
    """One panel per regime (the parabola and the iterates joined in order), then the error against the
    step on a log scale."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 5, figsize=(17, 3.6))
    w = np.linspace(-1.5, 7.5, 200)
    for ax, (regime, lr) in zip(axes, REGIMES, strict=False):
        d = df[df["regime"] == regime]
        ax.plot(w, (w - W_STAR) ** 2, color="0.6")
        shown = d[d["w"].abs() < 12]
        ax.plot(shown["w"], shown["loss"], "o-", ms=3, lw=0.8, color="C3")
        ax.set_ylim(-1, 25)
        ax.set_xlim(-1.5, 7.5)
        ax.set_title(f"{regime}: lr {lr} (factor {1 - 2 * lr:+.1f})", fontsize=10)
        ax.set_xlabel("w")
    axes[0].set_ylabel("J(w) = (w - 3)^2")
    for regime, lr in REGIMES:
        d = df[df["regime"] == regime]
        axes[4].semilogy(d["step"], np.abs(d["w"] - W_STAR), "o-", ms=3, label=f"{regime} ({lr})")
    axes[4].set_xlabel("step")
    axes[4].set_ylabel("|w - 3|")
    axes[4].legend(fontsize=8)
    fig.suptitle("Figure 3.1: gradient descent on (w - 3)^2 from w = 0, four learning rates")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def plot35(df: pd.DataFrame, path) -> None:
    """One panel per figure: contours of the elongated quadratic and each trajectory's iterates."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2))
    xs, ys = np.meshgrid(np.linspace(-10, 6, 200), np.linspace(-3, 3, 200))
    levels = np.geomspace(0.05, 120, 12)
    for ax, (title, curves) in zip(axes, PANELS, strict=True):
        ax.contour(xs, ys, 0.5 * (xs**2 + KAPPA * ys**2), levels=levels, colors="0.75", linewidths=0.7)
        d = df[df["figure"] == title.split(":")[0]]
        for i, (label, _, _) in enumerate(curves):
            c = d[d["label"] == label]
            final = float(c["loss"].iloc[-1])
            ax.plot(
                c["x"],
                c["y"],
                "o-",
                ms=2.5,
                lw=1,
                color=f"C{i}",
                label=f"{label} {c['hyperparameters'].iloc[0]}: J={final:.1e}",
            )
        ax.plot(0, 0, "k*", ms=10)
        ax.set_xlim(-10, 6)
        ax.set_ylim(-3, 3)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=7, loc="lower right")
        ax.set_xlabel("x (gentle)")
    axes[0].set_ylabel(f"y ({KAPPA:g} times steeper)")
    fig.suptitle(f"Figures 3.5-3.8: {STEPS_PATH} steps on J = (x^2 + {KAPPA:g} y^2) / 2 from {START}")
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)  # fmt: skip
