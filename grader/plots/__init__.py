"""Pictures of a student's own work (issue 13, item 3), drawn by the trusted parent from plain data.

The student's functions run in the same sandboxed child as for grading (``grader.sandbox.Sandbox``): a
picture asks the child for arrays (a harness scenario returns a whole path in one call), and this process
draws them with matplotlib next to the same arrays computed by trusted code (``grader.plots.reference``).
Student code never draws and never sees the reference. One module per kind of picture, each with
``EXERCISES``, ``collect(exercise, call) -> Collected`` (what is plotted, the same function for both sides)
and ``draw(exercise, student, reference, path, lang)``:

* ``optimizers`` (ex11, figures 3.5-3.8), ``learning_rate`` (ex06, figure 3.1), ``activations`` (ex02,
  ex07, figure 1.5), ``gradient_check`` (ex09: descent driven by the student's numerical gradient),
  ``training`` (ex14, ex15: accuracy against the training-set size, on the training rows and on held-out
  images whose labels stay here; ``train_mlp`` and ``fine_tune_output`` return only the trained
  parameters, so a curve per epoch would mean training again once per epoch).

A picture is absent, with its reason, when the module is missing or none of its panels gave a value (not
implemented, an exception, a timeout); a panel that gave none is drawn empty with its reason.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from grader.errors import UsageError
from grader.plots import activations, gradient_check, learning_rate, optimizers, training
from grader.plots.common import Caller, Unavailable
from grader.plots.reference import reference
from grader.plots.text import TEXT, t

KINDS = (activations, learning_rate, gradient_check, optimizers, training)
PLOTTED = tuple(ex for kind in KINDS for ex in kind.EXERCISES)
MAX_ELEMENTS = 20_000  # the largest reply a picture decodes (a path of 151 points of 2 coordinates...)


class Picture(NamedTuple):
    """One picture: the PNG written, or the reason why there is none."""

    exercise: str
    result: Path | str

    @property
    def path(self) -> Path | None:
        return self.result if isinstance(self.result, Path) else None


def describe(pictures: list[Picture], lang: str) -> list[str]:
    """One line per picture: where it was written, or why there is none."""
    return [t("written", lang, exercise=p.exercise, path=p.path) if p.path is not None
            else t("absent", lang, exercise=p.exercise, reason=p.result) for p in pictures]


def why_not(status: str, error: str, lang: str) -> str:
    """The reason, in ``lang``, for a call whose outcome is ``status`` (``grader.model.Outcome``): one
    line of printable characters (the error may quote the student's exception, terminal escapes included),
    at most 160 of them."""
    error = " ".join("".join(c if c.isprintable() else " " for c in error).split())[:160]
    if status == "not_implemented":
        return t("not_written", lang, where=error.removesuffix(" raises NotImplementedError"))
    if status == "missing" and error.endswith(" is not defined"):
        return t("not_defined", lang, where=error.removesuffix(" is not defined"))
    label = t(f"status_{status}", lang) if f"status_{status}" in TEXT else status
    return t("failed", lang, status=label, error=error)


def sandbox_caller(box: Any, timeout_s: float, lang: str = "en") -> Caller:
    """A ``Caller`` that runs ``target`` in the sandboxed child and returns its value, or raises
    ``Unavailable`` with the child's outcome and error, in ``lang``."""

    def call(exercise: str, target: str, kwargs: dict[str, Any]) -> Any:
        reply = box.call(exercise, target, kwargs, timeout_s, max_elements=MAX_ELEMENTS)
        if not reply.ok:
            raise Unavailable(why_not(reply.status, reply.error, lang), str(reply.status))
        try:
            value = np.asarray(reply.value, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise Unavailable(why_not("invalid", str(err), lang)) from None
        if value.size == 0:
            raise Unavailable(why_not("invalid", f"empty array of shape {value.shape}", lang))
        return value

    return call


_reference = functools.cache(reference)  # once per process: ``grade --plots`` draws every student


def _draw_all(box: Any, folder: Path, out_dir: Path, lang: str, chosen: Collection[str],
              timeout_s: float) -> list[Picture]:
    call = sandbox_caller(box, timeout_s, lang)
    pictures = []
    for kind in KINDS:
        for exercise in kind.EXERCISES:
            if exercise not in chosen:
                continue
            if not (folder / f"{exercise}.py").is_file():
                pictures.append(Picture(exercise, t("no_file", lang, name=f"{exercise}.py")))
                continue
            student = kind.collect(exercise, call)
            if not student.data:
                pictures.append(Picture(exercise, next(iter(student.missing.values()))))
                continue
            path = out_dir / f"{exercise}.png"
            try:
                with np.errstate(all="ignore"):  # a path that overflows is drawn to where it left
                    kind.draw(exercise, student, _reference(kind, exercise), path, lang)
            except (ValueError, IndexError, TypeError, OverflowError) as err:  # values no panel can show
                pictures.append(Picture(exercise, why_not("invalid", f"{type(err).__name__}: {err}", lang)))
                continue
            pictures.append(Picture(exercise, path))
    return pictures


def write_plots(source: Path, out_dir: Path, lang: str = "fr", *, exercises: Collection[str] | None = None,
                sandbox: str = "auto", launcher: Any = None, timeout_s: float = 30.0) -> list[Picture]:
    """Draw the pictures of the student's work in ``source`` (a folder of exercise modules or a notebook)
    into ``out_dir`` as ``<exercise>.png``; one ``Picture`` per plotted exercise among ``exercises``
    (default: all of ``PLOTTED``). ``sandbox`` is the isolation mode (``grader.sandbox.bwrap.resolve``)
    unless ``launcher`` is given. Raises ``UsageError`` (one line) when matplotlib is absent or
    ``source`` cannot be read."""
    from grader.engine.backend import GRADER
    from grader.intake import IntakeError, read_entry
    from grader.plots.common import figure
    from grader.sandbox import Sandbox, bwrap

    figure(1, 1)  # fail early, in one line, without matplotlib
    if launcher is None:
        launcher, _ = bwrap.resolve(sandbox)
    chosen = [ex for ex in PLOTTED if exercises is None or ex in exercises]
    work = Path(tempfile.mkdtemp(prefix="deepgrade-plots-"))
    try:
        try:
            _, folder = read_entry(Path(source).resolve(), list(PLOTTED), work)
        except IntakeError as err:
            raise UsageError(f"{source}: {err}") from None
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        with Sandbox(folder, harness=GRADER / "harness.py", launcher=launcher) as box:
            return _draw_all(box, folder, out_dir, lang, chosen, timeout_s)
    finally:
        shutil.rmtree(work, ignore_errors=True)
