"""The HTML summary: the wide table, the per-exercise statistics and a histogram of the totals."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.reports.files import atomic_write

HISTOGRAM_NAME = "totals_histogram.png"


def histogram_figure(totals: pd.Series, max_points: float) -> Figure:
    """A histogram of the students' totals (points, 20 bins from 0 to ``max_points``) with their mean.

    A bare :class:`Figure` on the Agg canvas: no pyplot state, no display needed.
    """
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    upper = max(max_points, float(totals.max()) if len(totals) else 0.0, 1.0)
    ax.hist(totals, bins=np.linspace(0.0, upper, 21), color="tab:blue", edgecolor="white", label="students")
    if len(totals):
        ax.axvline(
            float(totals.mean()), color="tab:red", linestyle="--", label=f"mean = {totals.mean():.2f} points"
        )
    ax.set_title(f"Distribution of total scores ({len(totals)} students)")
    ax.set_xlabel(f"total score (points, out of {max_points:g})")
    ax.set_ylabel("number of students")
    ax.set_xlim(0.0, upper)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
    return fig


def write_histogram(totals: pd.Series, max_points: float, path: Path) -> Path:
    """The histogram of :func:`histogram_figure` as a PNG, written atomically."""
    fig = histogram_figure(totals, max_points)
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))


def pictures_html(pictures: Mapping[str, Mapping[str, str]]) -> str:
    """One block per student with pictures (``grader.plots``): the student's id, escaped, and each picture
    (a path relative to the summary, made of the slug and the exercise id) as a link around an image."""
    blocks = []
    for student, shown in pictures.items():
        if not shown:
            continue
        images = "\n".join(
            f'<a href="{html.escape(path)}"><img src="{html.escape(path)}" alt="{html.escape(ex)}" '
            f'style="max-width: 48%; vertical-align: top"></a>' for ex, path in shown.items()
        )
        blocks.append(f"<h3>{html.escape(student)}</h3>\n{images}")
    return "<h2>Pictures of the students' work</h2>\n" + "\n".join(blocks) if blocks else ""


def summary_html(wide: pd.DataFrame, exercises: pd.DataFrame, checks: pd.DataFrame, title: str,
                 pictures: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The summary page; every table goes through ``DataFrame.to_html`` (which escapes its cells).
    ``pictures``: student -> exercise -> picture path relative to the page, shown at the end."""

    def table(frame: pd.DataFrame) -> str:
        return frame.to_html(
            index=False, float_format=lambda v: f"{v:.4g}", na_rep="", border=0, classes="report"
        )

    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table.report {{ border-collapse: collapse; margin-bottom: 2em; }}
table.report td, table.report th {{ border: 1px solid #ccc; padding: 0.2em 0.6em; text-align: right; }}
</style></head>
<body>
<h1>{html.escape(title)}</h1>
<h2>Totals</h2>
<img src="{HISTOGRAM_NAME}" alt="Histogram of the total scores of the students">
<h2>Students</h2>
{table(wide)}
<h2>Exercises</h2>
{table(exercises)}
<h2>Checks</h2>
{table(checks)}
{pictures_html(pictures or {})}
</body>
</html>
"""
