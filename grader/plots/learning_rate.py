"""Exercise 6 (report figure 3.1): the student's ``gradient_descent`` on ``C(w) = (w - 3)^2`` from the
same start at a small, a large and a too-large learning rate. Each step multiplies ``w - 3`` by
``1 - 2 alpha``: it converges slowly for alpha = 0.1, oscillates around 3 and converges for alpha = 0.85,
diverges for alpha = 1.05. One call of the student's function per rate returns the whole path."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from grader.plots.common import (
    REFERENCE_STYLE,
    STUDENT_STYLE,
    Caller,
    Collected,
    departure,
    figure,
    gather,
    note_missing,
    save,
)
from grader.plots.text import t

EXERCISES = ("ex06_gradient_descent",)
W0, STEPS = 0.0, 12
RATES = {"lr_small": 0.1, "lr_good": 0.85, "lr_large": 1.05}


def collect(exercise: str, call: Caller) -> Collected:
    """The path ``[w_0, ..., w_12]`` at each rate, named by its key in ``RATES``."""
    return gather({key: functools.partial(call, exercise, "gradient_descent",
                                          {"w0": W0, "lr": lr, "n_steps": STEPS})
                   for key, lr in RATES.items()})


def _mark(ax: object, k: int | None, x: float, y: float, lang: str) -> None:
    if k is not None:
        ax.plot(x, y, marker="o", markersize=13, markerfacecolor="none", markeredgecolor="black",
                markeredgewidth=2, linestyle="none", zorder=5)
        ax.set_title(ax.get_title() + "\n" + t("departs", lang, k=k), fontsize=10, color="#d62728")


def draw(exercise: str, student: Collected, reference: Collected, path: Path, lang: str) -> Path:
    """Top row: the iterates on the parabola; bottom row: ``w`` against the step."""
    fig = figure(15, 8)
    axes = fig.subplots(2, len(RATES))
    for col, (key, lr) in enumerate(RATES.items()):
        top, bottom = axes[0][col], axes[1][col]
        ref, mine = reference.data[key], student.data.get(key)
        every = np.concatenate([ref, mine if mine is not None else []])
        every = every[np.isfinite(every) & (np.abs(every) < 1e3)]
        lo, hi = min(every.min(), 3 - 3.5), max(every.max(), 3 + 3.5)
        grid = np.linspace(lo - 0.5, hi + 0.5, 300)
        top.plot(grid, (grid - 3) ** 2, color="#1f77b4", linewidth=1)
        top.plot(ref, (ref - 3) ** 2, label=t("reference", lang), **REFERENCE_STYLE)
        bottom.plot(np.arange(len(ref)), ref, label=t("reference", lang), **REFERENCE_STYLE)
        bottom.axhline(3.0, color="#1f77b4", linewidth=0.8)
        top.set_title(t(key, lang, lr=lr), fontsize=11)
        if mine is not None:
            shown = np.clip(mine.reshape(-1), -1e3, 1e3)
            top.plot(shown, (shown - 3) ** 2, label=t("student", lang), **STUDENT_STYLE)
            bottom.plot(np.arange(len(shown)), shown, label=t("student", lang), **STUDENT_STYLE)
            k = departure(mine.reshape(-1), ref)
            if k is not None and k < len(shown):
                _mark(top, k, shown[k], (shown[k] - 3) ** 2, lang)
                bottom.plot(k, shown[k], marker="o", markersize=13, markerfacecolor="none",
                            markeredgecolor="black", markeredgewidth=2, zorder=5)
            elif k is not None:
                _mark(top, k, shown[-1], (shown[-1] - 3) ** 2, lang)
            else:
                bottom.text(0.02, 0.02, t("same_path", lang), transform=bottom.transAxes, fontsize=9,
                            color="#2ca02c")
        else:
            note_missing(top, student.missing.get(key, "?"), lang)
        top.set_xlim(lo - 0.5, hi + 0.5)
        top.set_ylim(-0.5, (max(abs(lo - 3), abs(hi - 3)) + 0.5) ** 2)
        top.set_xlabel(t("weight", lang))
        top.set_ylabel(t("cost", lang))
        bottom.set_xlabel(t("step", lang))
        bottom.set_ylabel(t("weight", lang))
    axes[0][0].legend(loc="upper center", fontsize=9)
    fig.suptitle(t("lr_title", lang), fontsize=14)
    return save(fig, path)
