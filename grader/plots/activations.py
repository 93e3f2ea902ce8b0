"""Exercises 2 and 7 (report figure 1.5): each of the student's activation functions and its derivative
drawn over the solution's on ``z`` in [-4, 4] (401 points, 0 included), with the stretches of ``z`` where
they differ (``|s - r| > 1e-6 (1 + |r|)``) shaded. The student's functions are called once per curve on
the whole grid."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from grader.plots.common import (
    REFERENCE_STYLE,
    STUDENT_STYLE,
    Caller,
    Collected,
    figure,
    gather,
    note_missing,
    save,
)
from grader.plots.text import t

EXERCISES = ("ex02_sigmoid", "ex07_activations")
Z = np.linspace(-4.0, 4.0, 401)
ALPHA = 0.1  # leaky ReLU's slope and ELU's scale (larger than usual so that the negative side shows)
CURVES = {
    "ex02_sigmoid": {"sigmoid": {}},
    "ex07_activations": {"tanh": {}, "relu": {}, "leaky_relu": {"alpha": ALPHA}, "elu": {"alpha": ALPHA}},
}
TITLE = {"ex02_sigmoid": "act_title_ex02", "ex07_activations": "act_title_ex07"}
PLAIN = {"student": dict(STUDENT_STYLE, marker=None), "reference": dict(REFERENCE_STYLE, marker=None)}


def collect(exercise: str, call: Caller) -> Collected:
    """Each function and its ``_grad`` on ``Z``, named by the function."""
    panels = {}
    for name, extra in CURVES[exercise].items():
        for target in (name, f"{name}_grad"):
            panels[target] = functools.partial(call, exercise, target, {"z": Z.copy(), **extra})
    return gather(panels)


def differ(student: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Where the student's curve is not the reference's (a wrong shape counts everywhere)."""
    if student.shape != reference.shape:
        return np.ones(reference.shape, dtype=bool)
    return ~(np.abs(student - reference) <= 1e-6 * (1.0 + np.abs(reference)))


def _shade(ax: object, where: np.ndarray, lang: str) -> None:
    half = (Z[1] - Z[0]) / 2
    edges = np.flatnonzero(np.diff(np.concatenate([[0], where.astype(int), [0]])))
    for first, stop in zip(edges[::2], edges[1::2], strict=True):
        ax.axvspan(Z[first] - half * 1.5, Z[stop - 1] + half * 1.5, color="#ffbf00", alpha=0.35, zorder=0,
                   label=t("differs", lang) if first == edges[0] else None)


def draw(exercise: str, student: Collected, reference: Collected, path: Path, lang: str) -> Path:
    """One column per function: the function on top, its derivative below (one function: side by side)."""
    names = list(CURVES[exercise])
    if len(names) == 1:  # the function and its derivative side by side
        fig = figure(10, 4.5)
        axes = np.array(fig.subplots(1, 2)).reshape(2, 1)
    else:
        fig = figure(4.2 * len(names) + 1, 7.5)
        axes = np.array(fig.subplots(2, len(names))).reshape(2, len(names))
    for col, name in enumerate(names):
        for row, target in enumerate((name, f"{name}_grad")):
            ax = axes[row][col]
            ref = reference.data[target]
            ax.plot(Z, ref, label=t("reference", lang), **PLAIN["reference"])
            mine = student.data.get(target)
            if mine is None:
                note_missing(ax, student.missing.get(target, "?"), lang)
            elif mine.shape == ref.shape:
                ax.plot(Z, mine, label=t("student", lang), **PLAIN["student"])
                _shade(ax, differ(mine, ref), lang)
            else:
                _shade(ax, differ(mine, ref), lang)
                note_missing(ax, t("shape", lang, got=mine.shape, want=ref.shape), lang)
            ax.set_title(name if row == 0 else t("derivative", lang, name=name), fontsize=11)
            ax.set_xlabel("z")
            ax.axhline(0, color="#bbbbbb", linewidth=0.6, zorder=0)
            ax.axvline(0, color="#bbbbbb", linewidth=0.6, zorder=0)
            ax.legend(loc="best", fontsize=8)
    fig.suptitle(t(TITLE[exercise], lang), fontsize=13)
    return save(fig, path)
