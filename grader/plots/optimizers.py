"""Exercise 11 (report figures 3.5-3.8): the path of each of the student's optimizers on two surfaces,
an elongated bowl and a Rosenbrock-like valley, against the solution's path from the same start with the
same hyperparameters. The child runs ``harness.optimizer_path`` (the student's step fed its own state, one
call per optimizer and surface); the parent draws."""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from grader.plots import paths
from grader.plots.common import Caller, Collected, figure, gather, note_missing, save
from grader.plots.text import t

EXERCISES = ("ex11_optimizers",)
OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
SURFACES: dict[str, dict] = {
    "quadratic": {"w0": (-4.0, 1.5), "steps": 60, "window": ((-4.5, 1.5), (-1.7, 1.9)),
                  "hp": {"sgd": {"lr": 0.18}, "momentum": {"lr": 0.18, "beta": 0.9},
                         "nesterov": {"lr": 0.18, "beta": 0.9}, "adagrad": {"lr": 1.0, "eps": 1e-8},
                         "rmsprop": {"lr": 0.1, "beta": 0.9, "eps": 1e-8},
                         "adam": {"lr": 0.3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}},
    "valley": {"w0": (-1.2, 2.0), "steps": 150, "window": ((-2.0, 1.8), (-0.6, 2.6)),
               "hp": {"sgd": {"lr": 0.03}, "momentum": {"lr": 0.03, "beta": 0.9},
                      "nesterov": {"lr": 0.03, "beta": 0.9}, "adagrad": {"lr": 1.0, "eps": 1e-8},
                      "rmsprop": {"lr": 0.05, "beta": 0.9, "eps": 1e-8},
                      "adam": {"lr": 0.1, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}}},
}


def collect(exercise: str, call: Caller) -> Collected:
    """One path per (surface, optimizer), named ``"surface/optimizer"``: arrays of shape (k, 2)."""
    panels = {}
    for surface, spec in SURFACES.items():
        for name in OPTIMIZERS:
            kwargs = {"name": name, "surface": surface, "w0": np.array(spec["w0"]), "steps": spec["steps"],
                      "hp": spec["hp"][name]}
            panels[f"{surface}/{name}"] = functools.partial(call, exercise, "harness.optimizer_path", kwargs)
    return gather(panels)


def draw(exercise: str, student: Collected, reference: Collected, path: Path, lang: str) -> Path:
    """Two rows (surfaces) of six panels (optimizers)."""
    fig = figure(24, 8.5)
    axes = fig.subplots(len(SURFACES), len(OPTIMIZERS))
    for row, (surface, spec) in zip(axes, SURFACES.items(), strict=True):
        for ax, name in zip(row, OPTIMIZERS, strict=True):
            key = f"{surface}/{name}"
            paths.contour(ax, surface, spec["window"])
            paths.paths(ax, student.data.get(key), reference.data[key], lang)
            hp = ", ".join(f"{k}={v:g}" for k, v in spec["hp"][name].items() if k != "eps")
            ax.set_title(f"{t(name, lang)} ({hp})\n{t(surface, lang)}", fontsize=10)
            if key in student.missing:
                note_missing(ax, student.missing[key], lang)
    axes[0][0].legend(loc="lower right", fontsize=9)
    fig.suptitle(t("opt_title", lang), fontsize=14)
    return save(fig, path)
