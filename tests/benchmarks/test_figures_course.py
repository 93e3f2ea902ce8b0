"""The report's Figures 3.1, 3.5-3.8 and the learning curves (``benchmarks.figures_descent``,
``benchmarks.figures_curves``) at tiny sizes: the numbers the captions state hold, the PNGs are written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import figures_curves, figures_descent, figures_optimizers
from benchmarks.harness import Config

TINY = Config.make(quick=True, tiny=True)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 10_000


def test_figure31_regimes_follow_the_factor_1_minus_2lr(tmp_path: Path) -> None:
    """Each step multiplies w - 3 by 1 - 2 lr (1e-12, 1e-14 absolute near 3): slow and good shrink
    monotonically, oscillating alternates sides while shrinking, diverging grows by 1.1 a step."""
    df = figures_descent.run31(TINY)
    for regime, lr in figures_descent.REGIMES:
        err = df[df["regime"] == regime]["w"].to_numpy() - 3.0
        np.testing.assert_allclose(err[1:], (1 - 2 * lr) * err[:-1], rtol=1e-12, atol=1e-14)
    last = df[df["step"] == figures_descent.STEPS_31].set_index("regime")["loss"]
    assert last["good"] < 1e-9 < last["oscillating"] < last["slow"] < 9.0 < last["diverging"]
    figures_descent.plot31(df, tmp_path / "figure31.png")
    _png(tmp_path / "figure31.png")


def test_figures35_38_show_what_their_captions_say(tmp_path: Path) -> None:
    """After 40 steps: momentum below GD, Nesterov below momentum, RMSprop below AdaGrad, each by more than
    10x; too much momentum overshoots past the minimum (x > 4) and ends above 1; GD zigzags across the
    valley (y changes sign at most steps of the first 20)."""
    df = figures_descent.run35(TINY)
    table = figures_descent.summary35(df).set_index(["figure", "label"])["loss_step_40"]
    assert table["Figure 3.5", "momentum"] < 0.1 * table["Figure 3.5", "gd"]
    assert table["Figure 3.7", "nesterov"] < 0.1 * table["Figure 3.7", "momentum"]
    assert table["Figure 3.8", "rmsprop"] < 0.1 * table["Figure 3.8", "adagrad"]
    over = df[df["figure"] == "Figure 3.6"]
    assert over["x"].max() > 4.0 and table["Figure 3.6", "momentum"] > 1.0
    gd_y = df[(df["figure"] == "Figure 3.5") & (df["label"] == "gd")]["y"].to_numpy()[:21]
    assert np.sum(np.sign(gd_y[1:]) != np.sign(gd_y[:-1])) >= 15
    # the trajectory is kernels.optim's: plain GD is x <- (1 - lr) x, y <- (1 - 50 lr) y
    np.testing.assert_allclose(gd_y, 2.0 * (1 - 50 * 0.038) ** np.arange(21), rtol=1e-10)
    figures_descent.plot35(df, tmp_path / "figure35_38.png")
    _png(tmp_path / "figure35_38.png")


@pytest.mark.slow  # three trainings of a 64-256-256-10 net (about 20 s on 2 busy cores, compile included)
def test_learning_curves_tiny(tmp_path: Path) -> None:
    """15 epochs on 100 digits: the plain and early-stopping runs coincide until the stop; the restored
    epoch holds the run's lowest validation loss; dropout changes the run; training accuracy passes 0.9."""
    df = figures_curves.run(TINY)
    plain = df[df["run"] == "no dropout"].set_index("epoch")
    early = df[df["run"].str.startswith("early")].set_index("epoch")
    drop = df[df["run"].str.startswith("dropout")].set_index("epoch")
    n = len(early)
    np.testing.assert_array_equal(early["val_loss"].to_numpy(), plain["val_loss"].to_numpy()[:n])
    best = int(early["best_epoch"].iloc[0])
    assert early.loc[best, "val_loss"] == early["val_loss"].min()
    assert np.abs(drop["loss"].to_numpy() - plain["loss"].to_numpy()).max() > 1e-3
    assert plain["train_accuracy"].iloc[-1] > 0.9
    summary = figures_curves.summary(df).set_index("run")
    assert summary.loc[early["run"].iloc[0], "best_epoch"] == best
    figures_curves.plot(df, tmp_path / "curves.png")
    _png(tmp_path / "curves.png")


def test_figure39_tuned_tiny(tmp_path: Path) -> None:
    """3 epochs, 3 rates, 2 seeds: each optimizer keeps the rate of lowest final validation loss among those
    it tried; the final runs use it on seeds 1 and 2 and score the test set; everyone learns (> 80%)."""
    df = figures_optimizers.run(TINY)
    tune = df[(df["phase"] == "tune") & (df["epoch"] == 3)]
    final = df[df["phase"] == "final"]
    for name in (*figures_optimizers.OPTIMIZERS, "sgd-1"):
        t = tune[tune["optimizer"] == name].set_index("lr")["loss"].fillna(np.inf)
        assert len(t) == 3
        assert set(final[final["optimizer"] == name]["lr"]) == {float(t.idxmin())}
    assert set(final[final["optimizer"] == "sgd-1"]["batch_size"]) == {1}
    table = figures_optimizers.summary(df)
    assert list(table["seeds"]) == [2] * 7 and (table["test_accuracy_mean"] > 0.8).all()
    assert table["test_accuracy_mean"].is_monotonic_decreasing
    figures_optimizers.plot(df, tmp_path / "figure39_tuned.png")
    _png(tmp_path / "figure39_tuned.png")
