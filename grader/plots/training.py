"""Exercises 14 and 15 (report 2.3, 3.2, 3.6): a learning curve by training-set size, the student's
training against the solution's on the same data.

``train_mlp`` and ``fine_tune_output`` return only the final parameters, so a curve per epoch would mean
training again once per epoch; instead the student's code trains on the first 1/8, 1/4, 1/2 and all of
the training split of the public accuracy check (its inputs, drawn with its seed) and the child returns
the labels it predicts, through the same harness scenarios the checks use (``harness.train_and_predict``,
``harness.transfer_predict``: for ex15 the child, not the student, runs the returned network). Here, in
the parent, those labels give two accuracies per size: on the training rows it learnt from, and on the
held-out images (``grader.datasets.heldout_digits``) whose labels never reach the child. The gap between
the two is overfitting; the held-out curve against the check's threshold shows how far the full run is
from passing.
"""

from __future__ import annotations

import functools
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from grader.plots.common import (
    REFERENCE_STYLE,
    STUDENT_STYLE,
    Caller,
    Collected,
    Unavailable,
    figure,
    gather,
    save,
)
from grader.plots.text import t

EXERCISES = ("ex14_train_digits", "ex15_transfer_learning")
FRACTIONS = (0.125, 0.25, 0.5, 1.0)
CHECK = {"ex14_train_digits": "accuracy_90", "ex15_transfer_learning": "accuracy_85"}  # whose data is used
THRESHOLD = {"ex14_train_digits": 0.90, "ex15_transfer_learning": 0.85}  # the checks' accuracy_at_least
SAME = 0.02  # accuracies this close to the reference's are drawn as "same as the reference"


@functools.cache
def data(exercise: str) -> dict[str, Any]:
    """``{"fit": keywords of the scenario without the training rows, "X", "y": the training split,
    "X_test", "y_test": held-out images and labels}``: the inputs of the exercise's public accuracy check
    (``CHECK``), drawn by trusted code with that check's seed, so the student bundle can draw them too
    (ex15's pretrained network is one it ships, ``grader.release.pretrained_public``)."""
    from grader.expected import draw_inputs
    from grader.registry import by_id
    from grader.seeds import check_seed

    registered = by_id(exercise)
    check = next(c for c in registered.checks if c.name == CHECK[exercise])
    seed = check_seed(exercise, check.name, "", "", hidden=False)
    inputs, expected, _ = draw_inputs(registered, check, seed)
    if exercise == "ex14_train_digits":
        return {"fit": {"seed": inputs["seed"]}, "X": inputs["X_train"], "y": inputs["y_train"],
                "X_test": inputs["X_test"], "y_test": np.asarray(expected)}
    fit = {k: inputs[k] for k in ("Ws", "bs", "n_classes", "seed")}
    return {"fit": fit, "X": inputs["X"], "y": inputs["y"], "X_test": expected["X_test"],
            "y_test": np.asarray(expected["labels"])}


def sizes(exercise: str) -> list[int]:
    """The training-set sizes drawn: ``round(f n)`` for each fraction ``f`` of ``FRACTIONS``."""
    n = len(data(exercise)["y"])
    return [round(f * n) for f in FRACTIONS]


class _TimedOut(Exception):
    """A size ran out of time: ``gather`` lets it through, ``collect`` skips the larger sizes."""


def _accuracies(exercise: str, call: Caller, n: int) -> np.ndarray:
    """``[n, training accuracy, held-out accuracy]`` of the student's (or solution's) code trained on the
    first ``n`` training rows; the child predicts the training rows and then the held-out images."""
    d = data(exercise)
    X, y = d["X"][:n], d["y"][:n]
    images = np.concatenate([X, d["X_test"]])
    kwargs = {"X_train": X, "y_train": y, "X_test": images, "seed": d["fit"]["seed"]}
    try:
        if exercise == "ex14_train_digits":
            got = call(exercise, "harness.train_and_predict", kwargs)
        else:
            got = call(exercise, "harness.transfer_predict", {**d["fit"], **kwargs})
    except Unavailable as why:
        if why.status == "timeout":
            raise _TimedOut(str(why)) from None
        raise
    labels = np.asarray(got, dtype=np.float64).reshape(-1)
    if labels.shape != (len(images),):
        raise ValueError(f"{labels.size} labels for {len(images)} images")
    return np.array([n, np.mean(labels[:n] == y), np.mean(labels[n:] == d["y_test"])])


def collect(exercise: str, call: Caller) -> Collected:
    """One panel per training-set size ``n``, named ``str(n)``: ``[n, train accuracy, held-out
    accuracy]``. Once a size runs out of time the larger ones are not tried (they would take longer) and
    carry the same reason."""
    out = Collected()
    for n in sizes(exercise):
        try:
            part = gather({str(n): functools.partial(_accuracies, exercise, call, n)})
        except _TimedOut as why:
            out.missing.update({str(m): str(why) for m in sizes(exercise) if m >= n})
            break
        out.data.update(part.data)
        out.missing.update(part.missing)
    return out


def _curve(collected: Collected, exercise: str) -> np.ndarray:
    """Rows ``[n, train, held-out]`` of the sizes that gave a value, by growing ``n``."""
    rows = [collected.data[str(n)] for n in sizes(exercise) if str(n) in collected.data]
    return np.array(rows).reshape(-1, 3)


def draw(exercise: str, student: Collected, reference: Collected, path: Path, lang: str) -> Path:
    """Two panels: held-out accuracy (with the check's threshold) and training accuracy, against the
    training-set size on a log2 axis; the student's values are written next to their points."""
    mine, ref = _curve(student, exercise), _curve(reference, exercise)
    shown = np.concatenate([ref[:, 1:], mine[:, 1:]]).reshape(-1)
    low = max(0.0, 10 * np.floor(10 * np.nanmin(shown, initial=1.0)) - 10)  # 10 points below the lowest
    fig = figure(12, 4.8)
    axes = fig.subplots(1, 2, sharey=True)
    for ax, column, title in ((axes[0], 2, "tr_heldout"), (axes[1], 1, "tr_train")):
        ax.plot(ref[:, 0], 100 * ref[:, column], label=t("reference", lang),
                **{**REFERENCE_STYLE, "zorder": 4})  # on top: a dashed line over the same values
        if len(mine):
            ax.plot(mine[:, 0], 100 * mine[:, column], label=t("student", lang),
                    **{**STUDENT_STYLE, "markersize": 8})
            for n, value in zip(mine[:, 0], mine[:, column], strict=True):
                ax.annotate(f"{100 * value:.0f} %", (n, 100 * value), textcoords="offset points",
                            xytext=(0, -14 if value > 0.5 else 8), ha="center", fontsize=9,
                            color=STUDENT_STYLE["color"])
        ax.set_xscale("log", base=2)
        ax.set_xticks(ref[:, 0], [f"{n:.0f}" for n in ref[:, 0]])
        ax.minorticks_off()
        ax.set_xlabel(t("tr_size", lang))
        ax.set_ylim(low - 2, 102)
        ax.grid(alpha=0.3)
        ax.set_title(t(title, lang), fontsize=11)
    threshold = THRESHOLD[exercise]
    axes[0].axhline(100 * threshold, color="#2ca02c", linestyle=":", linewidth=1.5,
                    label=t("tr_threshold", lang, pct=round(100 * threshold)))
    axes[0].set_ylabel(t("tr_accuracy", lang))
    axes[0].legend(loc="lower right", fontsize=9)
    gaps = [abs(student.data[k][1:] - reference.data[k][1:]).max() for k in student.data]
    if gaps and not student.missing and max(gaps) <= SAME:
        axes[1].text(0.03, 0.03, t("tr_same", lang, pts=round(100 * SAME)), transform=axes[1].transAxes,
                     fontsize=9, color="#2ca02c")
    if student.missing:
        by_reason: dict[str, list[str]] = {}
        for n, why in student.missing.items():
            by_reason.setdefault(why, []).append(n)
        colon = " : " if lang == "fr" else ": "
        reasons = "; ".join(f"n = {', '.join(ns)}{colon}{why}" for why, ns in by_reason.items())
        axes[1].text(0.5, 0.5, textwrap.fill(t("missing", lang, reason=reasons), 40),
                     transform=axes[1].transAxes, ha="center", va="center", fontsize=9,
                     bbox={"facecolor": "#fff3cd", "edgecolor": "#d4a017"})
    fig.suptitle(t(f"tr_title_{exercise[:4]}", lang), fontsize=13)
    return save(fig, path)
