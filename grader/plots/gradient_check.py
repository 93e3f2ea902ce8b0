"""Exercise 9 (section 2.3.4): gradient descent on the valley of ``grader.harness.SURFACES`` where the
gradient is the student's ``numerical_gradient(f, w, h)``, against the same descent with the solution's
centred difference. A large ``h`` (0.2) makes the error of a one-sided difference, O(h), move the path
where the centred one's, O(h^2), does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from grader.plots import paths
from grader.plots.common import Caller, Collected, figure, gather, save
from grader.plots.text import t

EXERCISES = ("ex09_gradient_check",)
SURFACE, W0, LR, H, STEPS = "valley", (-1.2, 2.0), 0.03, 0.2, 150
WINDOW = ((-2.0, 1.8), (-0.6, 2.6))


def collect(exercise: str, call: Caller) -> Collected:
    """The descent's path, array of shape (k, 2), named ``"path"``."""
    kwargs = {"surface": SURFACE, "w0": np.array(W0), "lr": LR, "h": H, "steps": STEPS}
    return gather({"path": lambda: call(exercise, "harness.numerical_gradient_path", kwargs)})


def draw(exercise: str, student: Collected, reference: Collected, path: Path, lang: str) -> Path:
    fig = figure(7.5, 6.5)
    ax = fig.subplots()
    paths.contour(ax, SURFACE, WINDOW)
    paths.paths(ax, student.data.get("path"), reference.data["path"], lang)
    ax.set_title(f"{t(SURFACE, lang)}, α = {LR:g}, {t('n_steps', lang, n=STEPS)}", fontsize=10)
    ax.legend(loc="lower right", fontsize=9)
    fig.suptitle(t("ng_title", lang, h=H), fontsize=12)
    return save(fig, path)
