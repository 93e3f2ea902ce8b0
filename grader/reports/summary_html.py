"""The dashboard, ``summary.html``: one self-contained page (every picture inline as a ``data:`` URI, so it
survives being mailed or uploaded) that reads at 1280 px without horizontal scrolling.

It shows the histogram of the totals, one small distribution of the points per exercise, the exercises'
statistics, each check's pass rate (the item difficulty: the share of students who passed it) with the
outcomes that dominate its failures, and a students table that sorts on a click on any header and links each
student to the feedback page rendered to HTML (``feedback/<slug>.html``). Every cell goes through
``html.escape``; the one script is the table sort, written here.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from grader.reports.feedback_html import MAX_INLINE_BYTES, data_uri
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


def exercises_figure(wide: pd.DataFrame, possible: Mapping[str, float], columns: int = 4) -> Figure:
    """Small multiples: for each exercise, a histogram of the students' points on it (10 bins from 0 to
    its points possible) with the mean as a dashed line."""
    names = list(possible)
    rows = max(1, math.ceil(len(names) / columns))
    fig = Figure(figsize=(12.0, 2.1 * rows), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        points = wide[name].astype(float)
        upper = max(float(possible[name]), 1e-9)
        ax.hist(points, bins=np.linspace(0.0, upper, 11), color="tab:blue", edgecolor="white")
        if len(points):
            ax.axvline(float(points.mean()), color="tab:red", linestyle="--")
        ax.set_title(f"{name} (/{possible[name]:g})", fontsize=9)
        ax.set_xlim(0.0, upper)
        ax.tick_params(labelsize=7)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.supxlabel("points on the exercise (dashed: mean)", fontsize=9)
    fig.supylabel("students", fontsize=9)
    return fig


def png_bytes(fig: Figure, dpi: int = 100) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def write_histogram(totals: pd.Series, max_points: float, path: Path) -> Path:
    """The histogram of :func:`histogram_figure` as a PNG, written atomically."""
    fig = histogram_figure(totals, max_points)
    return atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=100))


def _img(src: str, alt: str, style: str = "max-width: 100%") -> str:
    return f'<img src="{html.escape(src)}" alt="{html.escape(alt)}" style="{style}">'


def pictures_html(pictures: Mapping[str, Mapping[str, str]], root: Path | None = None) -> str:
    """One block per student with pictures (``grader.plots``): the student's id, escaped, and each picture
    (a path relative to the summary, made of the slug and the exercise id), inlined from ``root`` and
    linked to its file."""
    blocks = []
    for student, shown in pictures.items():
        images = []
        for ex, path in shown.items():
            file = (root / path) if root is not None else None
            inline = file is not None and file.is_file() and file.stat().st_size <= MAX_INLINE_BYTES
            src = data_uri(file.read_bytes()) if inline else path
            image = _img(src, ex, "max-width: 48%; vertical-align: top")
            images.append(f'<a href="{html.escape(path)}">{image}</a>')
        if images:
            blocks.append(f"<h3>{html.escape(student)}</h3>\n" + "\n".join(images))
    return "<h2>Pictures of the students' work</h2>\n" + "\n".join(blocks) if blocks else ""


def _cell(value: object, digits: str = ".4g") -> str:
    if isinstance(value, float | np.floating):
        return "" if math.isnan(value) else format(float(value), digits)
    return html.escape(str(value))


def _td(value: object) -> str:
    numeric = isinstance(value, float | int | np.number) and not isinstance(value, bool)
    return f"<td>{_cell(value)}</td>" if numeric else f'<td class="text">{_cell(value)}</td>'


def _table(frame: pd.DataFrame, classes: str = "report") -> str:
    """A table of ``frame``: headers with spaces for underscores (so they wrap between words), text cells
    left-aligned, numbers right-aligned."""
    head = "".join(f'<th title="{html.escape(str(c))}">{html.escape(str(c).replace("_", " "))}</th>'
                   for c in frame.columns)
    body = "\n".join("<tr>" + "".join(_td(v) for v in row) + "</tr>" for row in frame.itertuples(index=False))
    return f'<table class="{classes}"><thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody></table>'


def _short(exercise: str) -> str:
    """``ex13_hyperparameter_search`` -> ``ex13``, so 16 exercise columns fit in 1280 px (the full name is
    the header's tooltip)."""
    return exercise.split("_", 1)[0] if exercise.startswith("ex") else exercise


def students_table(wide: pd.DataFrame, links: Mapping[str, str], possible: Mapping[str, float]) -> str:
    """The sortable students table: each id links to its feedback page; a numeric cell carries its value
    in ``data-v`` for the sort."""
    columns = list(wide.columns)
    head = "".join(
        f'<th title="{html.escape(c)}{f" (out of {possible[c]:g})" if c in possible else ""}">'
        f"{html.escape(_short(c))}</th>" for c in columns
    )
    rows = []
    for record in wide.to_dict("records"):
        cells = []
        for c in columns:
            value = record[c]
            if c == "student":
                link = links.get(str(value))
                text = html.escape(str(value))
                cells.append(f'<td class="id"><a href="{html.escape(link)}">{text}</a></td>' if link
                             else f'<td class="id">{text}</td>')
            elif isinstance(value, float | int | np.number) and not isinstance(value, bool):
                cells.append(f'<td data-v="{float(value)!r}">{_cell(float(value), ".3g")}</td>')
            else:
                cells.append(f'<td class="text {html.escape(c)}">{_cell(value)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="report sortable" id="students"><thead><tr>{head}</tr></thead>\n<tbody>\n'
            + "\n".join(rows) + "\n</tbody></table>")


def checks_table(checks: pd.DataFrame) -> str:
    """Each check's pass rate as a number and a bar, and the outcomes that dominate its failures."""
    rows = []
    for r in checks.to_dict("records"):
        rate = float(r["pass_rate"]) if not pd.isna(r["pass_rate"]) else 0.0
        bar = (f'<span class="bar"><span style="width: {100 * rate:.0f}%"></span></span> '
               f"{100 * rate:.0f}%")
        rows.append(f"<tr>{_td(r['exercise'])}{_td(r['check'])}"
                    f"<td>{_cell(float(r['max_points']))}</td><td class=\"text\">{bar}</td>"
                    f"<td>{_cell(float(r['mean_points']), '.3g')}</td>"
                    f"<td class=\"text\">{_cell(r.get('failing_outcomes', ''))}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in ("exercise", "check", "points", "pass rate",
                                             "mean points", "failing outcomes (students)"))
    return f'<table class="report"><thead><tr>{head}</tr></thead>\n<tbody>\n' + "\n".join(rows) + \
        "\n</tbody></table>"


SORT_SCRIPT = """<script>
document.querySelectorAll("table.sortable").forEach(function (table) {
  table.querySelectorAll("th").forEach(function (th, col) {
    th.addEventListener("click", function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      function key(row) {
        var cell = row.cells[col], v = cell.getAttribute("data-v");
        return v === null ? cell.textContent.toLowerCase() : parseFloat(v);
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b), c = x < y ? -1 : x > y ? 1 : 0;
        return up ? c : -c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
</script>"""

STYLE = """
body { font-family: sans-serif; margin: 0 auto; padding: 0 16px; max-width: 1240px; box-sizing: border-box; }
img { max-width: 100%; height: auto; }
table.report { border-collapse: collapse; margin-bottom: 2em; font-size: 13px; width: 100%; }
table.report td, table.report th { border: 1px solid #ccc; padding: 2px 5px; text-align: right; }
table.report td { overflow-wrap: anywhere; }
table.report td.status { width: 15%; }
table.report td.text, table.report td.id { text-align: left; }
table.sortable th { cursor: pointer; background: #f4f4f4; }
table.sortable th[aria-sort="ascending"]::after { content: " \\25B2"; }
table.sortable th[aria-sort="descending"]::after { content: " \\25BC"; }
.bar { display: inline-block; width: 80px; height: 10px; background: #eee; vertical-align: middle; }
.bar span { display: block; height: 100%; background: #4a8; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
"""


def summary_html(wide: pd.DataFrame, exercises: pd.DataFrame, checks: pd.DataFrame, title: str,
                 pictures: Mapping[str, Mapping[str, str]] | None = None, *,
                 possible: Mapping[str, float] | None = None, links: Mapping[str, str] | None = None,
                 root: Path | None = None) -> str:
    """The dashboard page. ``wide``: the grades table (students only); ``possible``: column -> points
    possible (``tables.points_possible``); ``links``: student -> the feedback page relative to the summary;
    ``pictures``: student -> exercise -> picture path relative to the page, inlined from ``root`` (the
    reports folder)."""
    possible = dict(possible or {})
    exercise_columns = [c for c in wide.columns if c in possible and c != "total"]
    total_possible = float(possible.get("total", sum(possible[c] for c in exercise_columns)))
    totals = wide["total"].astype(float) if "total" in wide else pd.Series(dtype=float)
    histogram = data_uri(png_bytes(histogram_figure(totals, total_possible)))
    per_exercise = ""
    if exercise_columns:
        small = exercises_figure(wide, {c: float(possible[c]) for c in exercise_columns})
        per_exercise = _img(data_uri(png_bytes(small, dpi=80)), "Distribution of the points of each exercise")
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<h2>Totals</h2>
<div class="figures">{_img(histogram, "Histogram of the total scores of the students", "width: 640px")}</div>
<h2>Points per exercise</h2>
{per_exercise}
<h2>Exercises</h2>
{_table(exercises)}
<h2>Checks: pass rate and failing outcomes</h2>
{checks_table(checks)}
<h2>Students</h2>
<p>Click a header to sort; click a student to open the feedback page.</p>
{students_table(wide, links or {}, possible)}
{pictures_html(pictures or {}, root)}
{SORT_SCRIPT}
</body>
</html>
"""
