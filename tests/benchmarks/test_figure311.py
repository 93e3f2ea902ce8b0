"""Figure 3.11 (grid against random search, report 3.5.2) as ``benchmarks.figure311`` measures it: the
grid tries 3 learning rates and random search 9 per seed, on ranges where the learning rate matters and
the penalty barely does; the figure is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from benchmarks import figure311
from benchmarks.harness import Config


def test_grid_and_random_search_on_the_same_budget(tmp_path: Path) -> None:
    df = figure311.run(Config.make(quick=True, tiny=True))
    stats = figure311.summary(df)
    assert stats["seeds"] == 3 and stats["grid_distinct_lr"] == 3 and stats["random_distinct_lr"] == 9
    assert len(df[df["method"] == "grid"]) == len(df[(df["method"] == "random") & (df["seed"] == 0)]) == 9
    grid = df[df["method"] == "grid"]
    # lam barely matters: at each of the grid's learning rates, its three penalties change the loss by < 10%
    spread = grid.groupby("lr")["val_loss"].agg(lambda v: (v.max() - v.min()) / v.min())
    assert float(spread.max()) < 0.1
    # lr matters: the sweep's loss spans a factor > 5 and is lowest inside the range
    sweep = df[df["method"] == "sweep"].reset_index()
    assert sweep["val_loss"].max() > 5 * sweep["val_loss"].min()
    assert 0 < int(np.argmin(sweep["val_loss"])) < len(sweep) - 1
    assert set(df.columns) == {"method", "seed", "trial", "lr", "lam", "val_loss"}
    figure311.plot(df, tmp_path / "figure311.png")
    assert (tmp_path / "figure311.png").stat().st_size > 10_000


def test_draws_are_log_uniform_within_the_ranges() -> None:
    trials = np.array(figure311.random_trials(0) + figure311.random_trials(1))
    assert np.all((trials[:, 0] >= 1e-3) & (trials[:, 0] <= 10.0))
    assert np.all((trials[:, 1] >= 1e-7) & (trials[:, 1] <= 1e-3))
    assert [round(float(np.log10(lr))) for lr, _ in figure311.grid_trials()[::3]] == [-3, -1, 1]
