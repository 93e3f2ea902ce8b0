"""A 2-D path of the student's next to the reference's on the contour plot of a loss surface (the
surfaces of ``grader.harness.SURFACES``), with the point where the student's path leaves the reference's."""

from __future__ import annotations

from typing import Any

import numpy as np

from grader import harness
from grader.plots.common import REFERENCE_STYLE, STUDENT_STYLE, departure
from grader.plots.text import t

Window = tuple[tuple[float, float], tuple[float, float]]
MINIMA = {"quadratic": (0.0, 0.0), "valley": (1.0, 1.0)}


def contour(ax: Any, surface: str, window: Window) -> None:
    """Log-spaced level lines of ``surface`` over ``window`` and its minimum as a star."""
    (x0, x1), (y0, y1) = window
    x, y = np.meshgrid(np.linspace(x0, x1, 200), np.linspace(y0, y1, 200))
    z = harness.surface_value(surface, x, y)
    levels = np.geomspace(max(float(z.min()), 1e-3) * 1.5, float(z.max()), 14)
    ax.contour(x, y, z, levels=levels, cmap="Blues_r", linewidths=0.7, zorder=1)
    ax.plot(*MINIMA[surface], marker="*", color="black", markersize=10, linestyle="none", zorder=4)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def paths(ax: Any, student: np.ndarray | None, reference: np.ndarray, lang: str) -> int | None:
    """Both paths on ``ax``; the first point where they part is circled and labelled with its step.
    Returns that step (``None``: the same path)."""
    ax.plot(reference[:, 0], reference[:, 1], label=t("reference", lang), **REFERENCE_STYLE)
    ax.plot(*reference[-1], marker="s", markersize=7, color=REFERENCE_STYLE["color"], zorder=4)
    if student is None:
        return None
    shown = np.clip(student, -1e3, 1e3)  # a diverging path still draws its way out of the window
    ax.plot(shown[:, 0], shown[:, 1], label=t("student", lang), **STUDENT_STYLE)
    ax.plot(*shown[-1], marker="s", markersize=7, color=STUDENT_STYLE["color"], zorder=4)  # where it ends
    k = departure(student, reference)
    if k is None:
        ax.text(0.02, 0.02, t("same_path", lang), transform=ax.transAxes, fontsize=9, color="#2ca02c")
        return None
    at = shown[min(k, len(shown) - 1)]
    ax.plot(*at, marker="o", markersize=13, markerfacecolor="none", markeredgecolor="black",
            markeredgewidth=2, linestyle="none", zorder=5)
    ax.annotate(t("departs", lang, k=k), xy=at, xytext=(0.03, 0.92), textcoords="axes fraction",
                fontsize=9, arrowprops={"arrowstyle": "->", "color": "black"}, zorder=6,
                bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85})
    return k
