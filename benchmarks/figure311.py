"""The course's Figure 3.11 ("Recherche par Grille VS Recherche Aléatoire", report section 3.5.2), measured.

The report shows the classic picture (Bergstra and Bengio, 2012): with the same budget, a grid tries only a
few values of each hyperparameter, random search a new value at every trial, which pays when one
hyperparameter matters much more than the other. Here the budget is 9 trials: a 3 x 3 grid (values evenly
spaced in log scale) against 9 draws, log-uniform on the same ranges. The problem is a real one: logistic
regression ("digit >= 5") on scikit-learn's digits, trained from zero weights by ``EPOCHS`` full-batch
gradient steps on the mean cross-entropy plus ``lam ||w||^2``, scored by the cross-entropy on the held-out
20%. The learning rate ``lr`` (1e-3 to 10) matters; the penalty ``lam`` (1e-7 to 1e-3) barely does.

Rows of the table: every trial of the grid and of random search for ``seeds`` seeds (``method``, ``seed``,
``trial``, ``lr``, ``lam``, ``val_loss``), and a sweep of ``lr`` alone at the middle ``lam``
(``method = "sweep"``), the curve drawn above the points.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from benchmarks.harness import Config

EPOCHS = 60
LR_RANGE = (1e-3, 10.0)
LAM_RANGE = (1e-7, 1e-3)
PER_AXIS = 3
BUDGET = PER_AXIS * PER_AXIS


def _data() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from benchmarks import mlp_peers as mp

    digits = mp.load_digits(dtype=np.float64)
    return (
        digits.X_train,
        (digits.y_train >= 5).astype(np.float64),
        digits.X_test,
        (digits.y_test >= 5).astype(np.float64),
    )


def validation_loss(data: tuple[np.ndarray, ...], lr: float, lam: float) -> float:
    """Held-out mean cross-entropy of logistic regression trained by ``EPOCHS`` full-batch steps of
    ``w <- w - lr (X^T (p - y) / n + 2 lam w)``, ``b <- b - lr mean(p - y)`` from zero weights."""
    X, y, X_val, y_val = data
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(EPOCHS):
        p = 0.5 * (1.0 + np.tanh(0.5 * (X @ w + b)))
        w = w - lr * (X.T @ (p - y) / len(y) + 2.0 * lam * w)
        b = b - lr * float(np.mean(p - y))
    z = X_val @ w + b
    return float(np.mean(np.logaddexp(0.0, z) - y_val * z))


def grid_trials() -> list[tuple[float, float]]:
    """The 3 x 3 grid, evenly spaced in log scale, in ``itertools.product`` order (lr, then lam)."""
    return [
        (float(lr), float(lam))
        for lr in np.geomspace(*LR_RANGE, PER_AXIS)
        for lam in np.geomspace(*LAM_RANGE, PER_AXIS)
    ]


def random_trials(seed: int) -> list[tuple[float, float]]:
    """``BUDGET`` log-uniform draws of (lr, lam) from ``np.random.default_rng(seed)``, lr first."""
    rng = np.random.default_rng(seed)
    return [
        (math.exp(rng.uniform(*np.log(LR_RANGE))), math.exp(rng.uniform(*np.log(LAM_RANGE))))
        for _ in range(BUDGET)
    ]


def run(cfg: Config) -> pd.DataFrame:
    """Every trial of the grid (seed -1: it draws nothing) and of random search for each seed, and the
    sweep of lr alone."""
    seeds = 3 if cfg.tiny else 20 if cfg.quick else 100
    data = _data()
    rows = []
    methods = [("grid", -1, grid_trials())] + [("random", s, random_trials(s)) for s in range(seeds)]
    for method, seed, trials in methods:
        for trial, (lr, lam) in enumerate(trials):
            rows.append(
                {
                    "method": method,
                    "seed": seed,
                    "trial": trial,
                    "lr": lr,
                    "lam": lam,
                    "val_loss": validation_loss(data, lr, lam),
                }
            )
    middle_lam = float(np.sqrt(LAM_RANGE[0] * LAM_RANGE[1]))
    for trial, lr in enumerate(np.geomspace(*LR_RANGE, 9 if cfg.tiny else 41)):
        rows.append(
            {
                "method": "sweep",
                "seed": -1,
                "trial": trial,
                "lr": float(lr),
                "lam": middle_lam,
                "val_loss": validation_loss(data, float(lr), middle_lam),
            }
        )
    return pd.DataFrame(rows)


def summary(df: pd.DataFrame) -> dict[str, float]:
    """The numbers the caption states: the grid's best loss and distinct learning rates, random search's
    best loss over seeds (mean, standard deviation, share of seeds at or below the grid's best) and its
    distinct learning rates per seed."""
    grid = df[df["method"] == "grid"]
    rand = df[df["method"] == "random"]
    best = rand.groupby("seed")["val_loss"].min()
    return {
        "grid_best": float(grid["val_loss"].min()),
        "grid_distinct_lr": int(grid["lr"].nunique()),
        "random_best_mean": float(best.mean()),
        "random_best_std": float(best.std(ddof=1)) if len(best) > 1 else 0.0,
        "random_at_or_below_grid": float(np.mean(best <= grid["val_loss"].min())),
        "random_distinct_lr": float(rand.groupby("seed")["lr"].nunique().mean()),
        "seeds": int(best.size),
    }


def plot(df: pd.DataFrame, path) -> None:
    """Left and middle: the trials of the grid and of random search (seed 0) in the (lr, lam) plane, the
    loss against lr above each (the sweep's curve, the trials as ticks); right: random search's best loss
    over the seeds against the grid's."""
    import matplotlib.pyplot as plt
    from matplotlib import ticker

    stats = summary(df)
    sweep = df[df["method"] == "sweep"]
    fig = plt.figure(figsize=(13, 4.6))
    outer = fig.add_gridspec(1, 3, width_ratios=(1, 1, 1.1), wspace=0.3)
    for column, (method, seed, title) in enumerate(
        (("grid", -1, "Grid search, 3 x 3"), ("random", 0, "Random search, 9 draws"))
    ):
        cell = outer[column].subgridspec(2, 1, height_ratios=(1, 2.2), hspace=0.05)
        top, plane = fig.add_subplot(cell[0]), fig.add_subplot(cell[1])
        trials = df[(df["method"] == method) & (df["seed"] == seed)]
        top.plot(sweep["lr"], sweep["val_loss"], color="0.4")
        top.plot(
            trials["lr"],
            trials["val_loss"],
            "o",
            color="C0" if method == "grid" else "C1",
            ms=4,
            clip_on=False,
        )
        top.set_xscale("log")
        top.set_yscale("log")
        top.yaxis.set_major_formatter(ticker.FormatStrFormatter("%g"))
        top.yaxis.set_minor_formatter(ticker.NullFormatter())
        top.set_xticklabels([])
        top.set_ylabel("val. loss")
        top.set_title(f"{title}: {trials['lr'].nunique()} distinct lr", fontsize=10)
        plane.plot(trials["lr"], trials["lam"], "o", color="C0" if method == "grid" else "C1", clip_on=False)
        plane.set_xscale("log")
        plane.set_yscale("log")
        plane.set_xlim(*LR_RANGE)
        plane.set_ylim(*LAM_RANGE)
        plane.set_xlabel("learning rate lr (important)")
        plane.set_ylabel("L2 penalty lam (unimportant)")
        top.set_xlim(*LR_RANGE)
    ax = fig.add_subplot(outer[2])
    best = df[df["method"] == "random"].groupby("seed")["val_loss"].min()
    ax.hist(best, bins=min(20, max(3, len(best) // 4)), color="C1", alpha=0.8, label="random, per seed")
    ax.axvline(stats["grid_best"], color="C0", lw=2, label="grid")
    ax.set_xlabel("best validation loss in 9 trials")
    ax.set_ylabel("seeds")
    ax.set_title(
        f"{stats['random_at_or_below_grid']:.0%} of {stats['seeds']} seeds at or below the grid", fontsize=10
    )
    ax.legend(fontsize=8)
    fig.suptitle("Figure 3.11 on digits: logistic regression, 9 trials, lr matters and lam barely does")
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
