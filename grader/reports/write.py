"""``write_reports``: every report of a run, written atomically into one folder.

Report files of students who are no longer in the results (``feedback/<slug>.md``,
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
from grader.reports.files import atomic_write, atomic_write_text, student_slugs
from grader.reports.gradescope import gradescope_results
from grader.reports.summary_html import HISTOGRAM_NAME, summary_html, write_histogram

TABLES = ("results_long", "grades", "exercise_stats", "check_stats")  # each as .csv and .parquet
SUMMARY_NAME = "summary.html"
FEEDBACK_DIR = "feedback"  # feedback/<slug>.md
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
            stale = entry.name.endswith(".md") and entry.name[:-3] not in keep
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
    student with points per exercise, ``total``, ``percent``, ``status``, after a ``POINTS POSSIBLE``
    row), ``exercise_stats`` and ``check_stats``; ``summary.html`` with ``totals_histogram.png``;
    ``feedback/<student>.md`` in ``lang``; ``gradescope/<student>/results.json``. The pictures already in
    ``plots/<student>/`` (``grader.plots``) are linked from the feedback page and shown in the summary.
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
    exercises = tables.exercise_stats(long)
    checks = tables.check_stats(long)
    written = []
    for name, frame in zip(TABLES, (long[list(tables.LONG_COLUMNS)], wide, exercises, checks), strict=True):
        written += _write_table(frame, out_dir, name)

    totals = wide["total"].iloc[1:]  # the first row is POINTS POSSIBLE
    written.append(write_histogram(totals, float(wide["total"].iloc[0]), out_dir / HISTOGRAM_NAME))
    title = f"deepgrade: {len(totals)} submissions"
    rows = _complete_rows(long, plan)
    slugs = student_slugs(rows["student"])
    pictures = {student: pictures_of(out_dir, slug) for student, slug in slugs.items()}
    page = summary_html(wide, exercises, checks, title, pictures)
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
        gradescope = json.dumps(gradescope_results(own, lang, incomplete), ensure_ascii=False, indent=2)
        written.append(atomic_write_text(out_dir / GRADESCOPE_DIR / slug / "results.json", gradescope + "\n"))
    _remove_stale(out_dir, slugs.values())
    return written
