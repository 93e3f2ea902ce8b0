"""``write_reports``: every report of a run, written atomically into one folder."""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from grader.errors import UsageError
from grader.model import CheckResult, Outcome
from grader.reports import tables
from grader.reports.feedback import feedback_markdown
from grader.reports.files import atomic_write, atomic_write_text, student_slugs
from grader.reports.gradescope import gradescope_results
from grader.reports.summary_html import HISTOGRAM_NAME, summary_html, write_histogram

TABLES = ("results_long", "grades", "exercise_stats", "check_stats")  # each as .csv and .parquet
SUMMARY_NAME = "summary.html"
FEEDBACK_DIR = "feedback"  # feedback/<slug>.md
GRADESCOPE_DIR = "gradescope"  # gradescope/<slug>/results.json


def _write_table(frame: pd.DataFrame, out_dir: Path, name: str) -> list[Path]:
    return [
        atomic_write(out_dir / f"{name}.csv", lambda tmp: frame.to_csv(tmp, index=False)),
        atomic_write(out_dir / f"{name}.parquet", lambda tmp: frame.to_parquet(tmp, index=False)),
    ]


def _complete_rows(long: pd.DataFrame) -> pd.DataFrame:
    """The long table plus a ``missing`` row (0 points) for every check a student has no record of."""
    possible = tables.checks_possible(long)
    students = pd.DataFrame({"student": sorted(long["student"].unique())})
    grid = students.merge(possible[["exercise", "check"]], how="cross")
    recorded = long.drop(columns=["max_points", "hidden"])
    rows = grid.merge(recorded, on=["student", "exercise", "check"], how="left")
    rows = rows.merge(possible, on=["exercise", "check"])
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


def write_reports(results: Sequence[CheckResult], out_dir: Path, *, lang: str = "en") -> list[Path]:
    """Write every report of ``results`` into ``out_dir`` and return the paths written.

    Tables (CSV and Parquet): ``results_long`` (one row per student and check), ``grades`` (one row per
    student with points per exercise, ``total``, ``percent``, ``status``, after a ``POINTS POSSIBLE``
    row), ``exercise_stats`` and ``check_stats``; ``summary.html`` with ``totals_histogram.png``;
    ``feedback/<student>.md`` in ``lang``; ``gradescope/<student>/results.json``.
    """
    if lang not in ("fr", "en"):
        raise UsageError(f"unknown language {lang!r}: choose fr or en")
    if not results:
        raise UsageError("no results to report")
    out_dir = Path(out_dir)
    long = tables.long_table(results)
    wide = tables.wide_table(long)
    exercises = tables.exercise_stats(long)
    checks = tables.check_stats(long)
    written = []
    for name, frame in zip(TABLES, (long[list(tables.LONG_COLUMNS)], wide, exercises, checks), strict=True):
        written += _write_table(frame, out_dir, name)

    totals = wide.loc[wide["student"] != tables.POINTS_POSSIBLE, "total"]
    written.append(write_histogram(totals, float(wide["total"].iloc[0]), out_dir / HISTOGRAM_NAME))
    title = f"deepgrade: {len(totals)} submissions"
    written.append(atomic_write_text(out_dir / SUMMARY_NAME, summary_html(wide, exercises, checks, title)))

    rows = _complete_rows(long)
    sections = _sections()
    slugs = student_slugs(rows["student"])
    records = rows.to_dict("records")
    for student, group in itertools.groupby(records, key=lambda r: r["student"]):
        own, slug = list(group), slugs[student]
        page = feedback_markdown(student, own, lang, sections)
        written.append(atomic_write_text(out_dir / FEEDBACK_DIR / f"{slug}.md", page))
        gradescope = json.dumps(gradescope_results(own, lang), ensure_ascii=False, indent=2)
        written.append(atomic_write_text(out_dir / GRADESCOPE_DIR / slug / "results.json", gradescope + "\n"))
    return written
