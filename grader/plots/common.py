"""What every picture kind shares: how values are asked for, what a kind gathers, where two paths part,
and a figure drawn without pyplot (``matplotlib.figure.Figure`` on the Agg canvas: no global backend, no
window, safe in a grading process)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader.errors import UsageError

Caller = Callable[[str, str, dict[str, Any]], Any]
"""``call(module, target, kwargs)``: the value of ``target`` (a function of the exercise module, or
``"harness.<scenario>"``) for ``kwargs``, as plain data; raises ``Unavailable`` with the reason when the
code could not give one (not implemented, an exception, a timeout...)."""

MATPLOTLIB_MISSING = "pictures need matplotlib: pip install matplotlib (or pip install -e '.[bench]')"


class Unavailable(Exception):
    """The student's code gave no value for a panel; the message is the reason, one line, and ``status``
    the call's outcome (``grader.model.Outcome``) when known."""

    def __init__(self, reason: str, status: str = "") -> None:
        super().__init__(reason)
        self.status = status


@dataclass
class Collected:
    """The arrays one picture plots (``data``, by panel name) and the panels left out with their reason
    (``missing``)."""

    data: dict[str, np.ndarray] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def gather(panels: Mapping[str, Callable[[], Any]]) -> Collected:
    """Run each panel's thunk; a panel whose thunk raises ``Unavailable`` is recorded as missing."""
    out = Collected()
    for name, thunk in panels.items():
        try:
            out.data[name] = np.asarray(thunk(), dtype=np.float64)
        except Unavailable as why:
            out.missing[name] = str(why)
        except (TypeError, ValueError) as err:  # a value that is not an array of numbers
            out.missing[name] = f"invalid value: {err}"
    return out


def departure(student: np.ndarray, reference: np.ndarray, rtol: float = 1e-6) -> int | None:
    """The first index ``k`` where the two paths (arrays of points, one per row) differ:
    ``||s_k - r_k|| > rtol (1 + ||r_k||)``, or where one path ends before the other; ``None`` when they
    agree to the end."""
    if student.size == 0 or student.ndim == 0:
        return 0
    s = student.reshape(len(student), -1)
    r = reference.reshape(len(reference), -1)
    if s.shape[1] != r.shape[1]:
        return 0
    n = min(len(s), len(r))
    gap = np.linalg.norm(s[:n] - r[:n], axis=1)
    bad = ~(gap <= rtol * (1.0 + np.linalg.norm(r[:n], axis=1)))  # NaN counts as different
    if bad.any():
        return int(np.argmax(bad))
    return None if len(s) == len(r) else n


def figure(width: float, height: float) -> Any:
    """A matplotlib ``Figure`` on the Agg canvas; ``UsageError`` (one line) when matplotlib is absent."""
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        raise UsageError(MATPLOTLIB_MISSING) from None
    fig = Figure(figsize=(width, height), dpi=80, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save(fig: Any, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (folders made as needed), with a 256-colour palette: a third of
    the bytes of a full-colour PNG for line drawings (Pillow comes with matplotlib)."""
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.canvas.draw()
    image = Image.fromarray(np.asarray(fig.canvas.buffer_rgba())).convert("RGB")
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, format="PNG", optimize=True)
    return path


def note_missing(ax: Any, reason: str, lang: str) -> None:
    """Why a panel shows no path of the student's: the reason, wrapped to fit, in a yellow box."""
    import textwrap

    from grader.plots.text import t

    ax.text(0.5, 0.5, textwrap.fill(t("missing", lang, reason=reason), 30), transform=ax.transAxes,
            ha="center", va="center", fontsize=9, zorder=7,
            bbox={"facecolor": "#fff3cd", "edgecolor": "#d4a017"})


STUDENT_STYLE = {"color": "#d62728", "linewidth": 1.6, "marker": ".", "markersize": 4, "zorder": 3}
REFERENCE_STYLE = {"color": "#555555", "linewidth": 1.2, "linestyle": "--", "marker": "o",
                   "markersize": 4, "markerfacecolor": "none", "zorder": 2}
