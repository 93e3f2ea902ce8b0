"""``write_reports``: every report of a run, written atomically into one folder (files 0644 under the
default umask, ``grader.reports.files``).

Report files of students who are no longer in the results (``feedback/<slug>.md`` and ``.html``,
``gradescope/<slug>/results.json``) are removed, so the folder never holds a stale grade.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd

from grader.errors import UsageError
from grader.model import CheckResult, Outcome
from grader.plots.students import pictures_of
from grader.reports import tables
from grader.reports.csv_cells import safe_frame
from grader.reports.feedback import feedback_markdown
from grader.reports.feedback_html import markdown_to_html
from grader.reports.files import atomic_write, atomic_write_text, student_slugs
from grader.reports.gradescope import gradescope_results
from grader.reports.summary_html import HISTOGRAM_NAME, summary_html, write_histogram

TABLES = ("results_long", "grades", "points_possible", "exercise_stats", "check_stats")  # .csv and .parquet
SUMMARY_NAME = "summary.html"
FEEDBACK_DIR = "feedback"  # feedback/<slug>.md and feedback/<slug>.html
GRADESCOPE_DIR = "gradescope"  # gradescope/<slug>/results.json
NOT_GRADED = "not graded yet: the run did not finish (run deepgrade grade again with --resume)"


def _write_table(frame: pd.DataFrame, out_dir: Path, name: str) -> list[Path]:
    cells = safe_frame(frame)
    return [
        atomic_write(out_dir / f"{name}.csv", lambda tmp: cells.to_csv(tmp, index=False)),
        atomic_write(out_dir / f"{name}.parquet", lambda tmp: frame.to_parquet(tmp, index=False)),
    ]


def _complete_rows(long: pd.DataFrame, plan: tables.PlanLike = None) -> pd.DataFrame:
    """The long table plus a ``missing`` row (0 points) for every check a student has no record of (its
    reason says the check was not graded yet when the plan expects it), planned students included."""
    possible = tables.checks_possible(long)
    students = pd.DataFrame({"student": sorted(set(long["student"]) | set(plan or {}))})
    grid = students.merge(possible[["exercise", "check"]], how="cross")
    recorded = long.drop(columns=["max_points", "hidden"])
    rows = grid.merge(recorded, on=["student", "exercise", "check"], how="left")
    rows = rows.merge(possible, on=["exercise", "check"])
    if plan:
        absent = rows["outcome"].isna()
        planned = [f"{e}::{c}" in plan.get(s, ()) for s, e, c in zip(rows["student"], rows["exercise"],
                                                                     rows["check"], strict=True)]
        rows.loc[absent & pd.Series(planned, index=rows.index, dtype=bool), "reason"] = NOT_GRADED
    return rows.fillna(
        {
            "points": 0.0,
            "outcome": str(Outcome.MISSING),
            "reason": "no result recorded",
            "message_fr": "",
            "message_en": "",
            "duration_s": 0.0,
        }
    )


def _sections() -> dict[tuple[str, str], str]:
    """(exercise, check) -> report section, from the registry when it can be imported."""
    try:
        from grader.registry import EXERCISES
    except ImportError:
        return {}
    return {(ex.id, check.name): check.section or ex.section for ex in EXERCISES for check in ex.checks}


def _remove_stale(out_dir: Path, slugs: Iterable[str]) -> None:
    """Remove the feedback and Gradescope files of students not in ``slugs`` (links are unlinked, never
    followed; anything else the folders hold is left alone)."""
    keep = set(slugs)
    feedback, gradescope = out_dir / FEEDBACK_DIR, out_dir / GRADESCOPE_DIR
    if feedback.is_dir() and not feedback.is_symlink():
        for entry in os.scandir(feedback):
            stem, dot, ext = entry.name.rpartition(".")
            stale = bool(dot) and ext in ("md", "html") and stem not in keep
            if stale and not entry.is_dir(follow_symlinks=False):
                os.unlink(entry.path)
    if gradescope.is_dir() and not gradescope.is_symlink():
        for entry in os.scandir(gradescope):
            if entry.name in keep:
                continue
            if entry.is_symlink():
                os.unlink(entry.path)
            elif entry.is_dir():
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(Path(entry.path) / "results.json")
                with contextlib.suppress(OSError):
                    os.rmdir(entry.path)


def write_reports(
    results: Sequence[CheckResult],
    out_dir: Path,
    *,
    lang: str = "en",
    plan: Mapping[str, Iterable[str]] | None = None,
) -> list[Path]:
    """Write every report of ``results`` into ``out_dir`` and return the paths written.

    Tables (CSV and Parquet): ``results_long`` (one row per student and check), ``grades`` (one row per
    student, students only, with points per exercise, ``total``, ``percent``, ``status``),
    ``points_possible`` (``column``, ``points_possible``: each exercise, then ``total``),
    ``exercise_stats`` and ``check_stats``; ``summary.html``, the self-contained dashboard, with
    ``totals_histogram.png`` beside it; ``feedback/<student>.md`` in ``lang`` and its HTML rendering
    ``feedback/<student>.html``; ``gradescope/<student>/results.json``. The pictures already in
    ``plots/<student>/`` (``grader.plots``) are linked from the feedback page, inlined in its HTML and in
    the summary.
    With the run's ``plan`` (``grader.reports.plan``), a student with fewer records than planned is
    marked incomplete in every one of them. Feedback and Gradescope files of students not in the results
    are removed.
    """
    if lang not in ("fr", "en"):
        raise UsageError(f"unknown language {lang!r}: choose fr or en")
    if not results:
        raise UsageError("no results to report")
    out_dir = Path(out_dir)
    long = tables.long_table(results)
    wide = tables.wide_table(long, plan)
    possible = tables.points_possible(long)
    exercises = tables.exercise_stats(long)
    checks = tables.check_stats(long)
    written = []
    frames = (long[list(tables.LONG_COLUMNS)], wide, possible, exercises, checks)
    for name, frame in zip(TABLES, frames, strict=True):
        written += _write_table(frame, out_dir, name)

    maximum = dict(zip(possible["column"], possible["points_possible"], strict=True))
    written.append(write_histogram(wide["total"], maximum["total"], out_dir / HISTOGRAM_NAME))
    title = f"deepgrade: {len(wide)} submissions"
    rows = _complete_rows(long, plan)
    slugs = student_slugs(rows["student"])
    pictures = {student: pictures_of(out_dir, slug) for student, slug in slugs.items()}
    pages = {student: f"{FEEDBACK_DIR}/{slug}.html" for student, slug in slugs.items()}
    page = summary_html(wide, exercises, checks, title, pictures, possible=maximum, links=pages, root=out_dir)
    written.append(atomic_write_text(out_dir / SUMMARY_NAME, page))

    sections = _sections()
    counts = tables.counts(long, plan)
    records = rows.to_dict("records")
    for student, group in itertools.groupby(records, key=lambda r: r["student"]):
        own, slug = list(group), slugs[student]
        have, expected = counts.get(student, (0, 0))
        incomplete = (have, expected) if have < expected else None
        links = {ex: f"../{path}" for ex, path in pictures[student].items()}  # from feedback/
        page = feedback_markdown(student, own, lang, sections, incomplete, links)
        written.append(atomic_write_text(out_dir / FEEDBACK_DIR / f"{slug}.md", page))
        rendered = markdown_to_html(page, f"{student}", out_dir / FEEDBACK_DIR, out_dir, lang)
        written.append(atomic_write_text(out_dir / FEEDBACK_DIR / f"{slug}.html", rendered))
        gradescope = json.dumps(gradescope_results(own, lang, incomplete), ensure_ascii=False, indent=2)
        written.append(atomic_write_text(out_dir / GRADESCOPE_DIR / slug / "results.json", gradescope + "\n"))
    _remove_stale(out_dir, slugs.values())
    return written
