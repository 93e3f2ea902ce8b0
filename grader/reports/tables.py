"""The pandas tables built from check results: long, wide (one row per student), per-exercise and
per-check statistics, and the short per-student summary the CLI prints.

Maximum points come from the results themselves: the engine records every check of every submission,
failed ones included, so the points possible of a check is its ``max_points`` and the points possible of
an exercise is the sum over its checks. A student with no record of a check scores 0 on it.
If a check was recorded twice for a student (a resumed run), the last record wins.

With the run's plan (``grader.reports.plan``), a student with fewer recorded checks than planned gets the
status ``incomplete (86/88 checks)``, and a planned student with no record at all still gets a row.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from grader.model import CheckResult, Outcome
from grader.reports.plan import check_key, completeness

LONG_COLUMNS = (
    "student",
    "exercise",
    "check",
    "points",
    "max_points",
    "outcome",
    "reason",
    "duration_s",
    "hidden",
)
# Outcomes that say something went wrong with the submission as a whole rather than with one answer.
PROBLEMS = (Outcome.SYNTAX_ERROR, Outcome.IMPORT_ERROR, Outcome.FORBIDDEN_IMPORT, Outcome.TIMEOUT,
            Outcome.CRASHED)


Results = Sequence[CheckResult] | pd.DataFrame  # check results, or their long table
PlanLike = Mapping[str, Iterable[str]] | None  # student -> "exercise::check" keys (grader.reports.plan)


def incomplete_label(recorded: int, expected: int) -> str:
    """The status of a student whose run did not finish."""
    return f"incomplete ({recorded}/{expected} checks)"


def counts(long: pd.DataFrame, plan: PlanLike) -> dict[str, tuple[int, int]]:
    """Per student (recorded checks, expected checks), see ``grader.reports.plan.completeness``."""
    done: dict[str, set[str]] = {}
    for student, exercise, check in zip(long["student"], long["exercise"], long["check"], strict=True):
        done.setdefault(student, set()).add(check_key(exercise, check))
    return completeness(plan, done)


def long_table(results: Results) -> pd.DataFrame:
    """One row per (student, exercise, check) with every field of the results, students and exercises
    sorted, checks in recorded order. A frame is taken as an already built long table."""
    if isinstance(results, pd.DataFrame):
        return results
    names = [f.name for f in dataclasses.fields(CheckResult)]
    frame = pd.DataFrame([tuple(getattr(r, n) for n in names) for r in results], columns=names)
    frame["outcome"] = frame["outcome"].map(str)
    frame = frame.drop_duplicates(["student", "exercise", "check"], keep="last")
    frame = frame.sort_values(["student", "exercise"], kind="stable").reset_index(drop=True)
    return frame.astype({"points": float, "max_points": float, "duration_s": float, "hidden": bool})


def checks_possible(long: pd.DataFrame) -> pd.DataFrame:
    """One row per (exercise, check) with its ``max_points`` and ``hidden`` flag, in recorded order."""
    possible = (
        long.groupby(["exercise", "check"], sort=False)
        .agg(max_points=("max_points", "max"), hidden=("hidden", "any"))
        .reset_index()
    )
    return possible.sort_values("exercise", kind="stable").reset_index(drop=True)


def _student_checks(long: pd.DataFrame, plan: PlanLike = None) -> pd.DataFrame:
    """Every (student, exercise, check) pair, a missing record counting as 0 points and not passed; the
    students are those recorded and those planned."""
    students = pd.DataFrame({"student": sorted(set(long["student"]) | set(plan or {}))})
    grid = students.merge(checks_possible(long), how="cross")
    grid = grid.merge(
        long[["student", "exercise", "check", "points", "outcome"]],
        on=["student", "exercise", "check"],
        how="left",
    )
    grid["points"] = grid["points"].fillna(0.0)
    grid["passed"] = grid["outcome"] == str(Outcome.PASSED)
    return grid


STATUS_WIDTH = 80
FAILING_SHOWN = 3


def _status(long: pd.DataFrame, plan: PlanLike = None) -> pd.Series:
    """Per student, one short cell: ``ok``; the reason when nothing could be graded (every check
    ``missing``: ``no exercise module found``, ``invalid notebook: ...``); or the first problem and how many
    exercises have one, e.g. ``syntax_error: ex03_relu (+2 more)`` (the long table lists them all); led by
    ``incomplete (86/88 checks)`` when fewer checks are recorded than planned."""
    problems = {str(o) for o in PROBLEMS}

    def describe(rows: pd.DataFrame) -> str:
        if len(rows) and (rows["outcome"] == str(Outcome.MISSING)).all():
            reason = next((r for r in rows.sort_values("exercise")["reason"] if isinstance(r, str) and r), "")
            text = " ".join(reason.split()) or str(Outcome.MISSING)
            return text if len(text) <= STATUS_WIDTH else text[: STATUS_WIDTH - 3] + "..."
        bad = rows[rows["outcome"].isin(problems)].sort_values(["exercise", "check"])
        if bad.empty:
            return ""
        first, count = bad.iloc[0], bad["exercise"].nunique()
        return f"{first['outcome']}: {first['exercise']}" + (f" (+{count - 1} more)" if count > 1 else "")

    found = long.groupby("student")[["outcome", "exercise", "check", "reason"]].apply(describe)
    status = {}
    for student, (have, expected) in sorted(counts(long, plan).items()):
        parts = [incomplete_label(have, expected)] if have < expected else []
        parts += [found[student]] if student in found.index and found[student] else []
        status[student] = "; ".join(parts) or "ok"
    return pd.Series(status, dtype=object).rename_axis("student")


def summarise(results: Results, plan: PlanLike = None) -> pd.DataFrame:
    """One row per student (recorded or planned): ``points``, ``max_points``, ``percent`` (100
    points/max_points), ``passed`` (checks passed), ``checks`` (checks in the run) and ``status`` (``ok``,
    or ``incomplete (a/b checks)`` and the problems met)."""
    long = long_table(results)
    grid = _student_checks(long, plan)
    possible = checks_possible(long)
    max_points = float(possible["max_points"].sum())
    summary = grid.groupby("student").agg(points=("points", "sum"), passed=("passed", "sum"))
    summary.insert(1, "max_points", max_points)
    summary.insert(2, "percent", _percent(summary["points"], max_points))
    summary["checks"] = len(possible)
    summary["status"] = _status(long, plan)
    return summary.reset_index().astype({"passed": int, "checks": int})


def _percent(points: pd.Series, max_points: float) -> pd.Series:
    return 100.0 * points / max_points if max_points > 0 else pd.Series(np.nan, index=points.index)


def wide_table(results: Results, plan: PlanLike = None) -> pd.DataFrame:
    """One row per student, students only: points per exercise, ``total``, ``percent`` and ``status``.
    The points possible of each column are :func:`points_possible` (a table of their own, so that
    ``grades.total.mean()`` is the students' mean and ``idxmax`` a student)."""
    long = long_table(results)
    grid = _student_checks(long, plan)
    per_exercise = grid.pivot_table(index="student", columns="exercise", values="points", aggfunc="sum")
    per_exercise.columns.name = None
    possible = checks_possible(long).groupby("exercise")["max_points"].sum()
    summary = summarise(long, plan).set_index("student")
    wide = per_exercise[list(possible.index)].copy()
    wide["total"] = summary["points"]
    wide["percent"] = summary["percent"]
    wide["status"] = summary["status"]
    wide.index.name = "student"
    return wide.reset_index()


def points_possible(results: Results) -> pd.DataFrame:
    """The points possible of each numeric column of the grades table: one row per exercise, then
    ``total`` (columns ``column``, ``points_possible``)."""
    possible = checks_possible(long_table(results)).groupby("exercise")["max_points"].sum()
    rows = [*possible.items(), ("total", float(possible.sum()))]
    return pd.DataFrame(rows, columns=["column", "points_possible"]).astype({"points_possible": float})


def check_stats(results: Results) -> pd.DataFrame:
    """One row per check: ``max_points``, ``students``, ``mean_points``, ``pass_rate`` (share of students
    who passed it: the item difficulty), ``common_failure`` (the most frequent outcome other than passed, or
    empty) and ``failing_outcomes`` (the most frequent outcomes other than passed with their counts, e.g.
    ``failed 12/40; crashed 3/40``, most frequent first, ties in name order)."""
    long = long_table(results)
    grid = _student_checks(long)

    def common_failure(outcomes: pd.Series) -> str:
        failed = outcomes[outcomes != str(Outcome.PASSED)].fillna("missing")
        return "" if failed.empty else str(failed.value_counts().sort_index().idxmax())

    def failing_outcomes(outcomes: pd.Series) -> str:
        failed = outcomes[outcomes != str(Outcome.PASSED)].fillna("missing").value_counts().sort_index()
        top = failed.sort_values(ascending=False, kind="stable").head(FAILING_SHOWN)
        return "; ".join(f"{name} {count}/{len(outcomes)}" for name, count in top.items())

    stats = grid.groupby(["exercise", "check"], sort=False).agg(
        students=("student", "size"),
        mean_points=("points", "mean"),
        pass_rate=("passed", "mean"),
        common_failure=("outcome", common_failure),
        failing_outcomes=("outcome", failing_outcomes),
    )
    possible = checks_possible(long).set_index(["exercise", "check"])
    stats.insert(0, "max_points", possible["max_points"])
    return stats.reset_index()


def exercise_stats(results: Results, hardest: int = 3) -> pd.DataFrame:
    """One row per exercise: ``max_points``, ``students``, ``mean_points``, ``mean_percent``,
    ``pass_rate`` (share of the exercise's (student, check) results that passed), ``solved_rate`` (share
    of students with every point) and ``hardest_checks`` (the ``hardest`` checks of lowest pass rate,
    ``name (rate)``, ``; ``-separated)."""
    long = long_table(results)
    grid = _student_checks(long)
    checks = check_stats(long)
    per_student = grid.groupby(["exercise", "student"], sort=False)["points"].sum().reset_index()
    max_points = checks.groupby("exercise", sort=False)["max_points"].sum()
    per_student["solved"] = np.isclose(per_student["points"], per_student["exercise"].map(max_points))
    stats = per_student.groupby("exercise", sort=False).agg(
        students=("student", "size"), mean_points=("points", "mean"), solved_rate=("solved", "mean")
    )
    stats.insert(0, "max_points", max_points)
    stats["mean_percent"] = 100.0 * stats["mean_points"] / stats["max_points"].where(stats["max_points"] > 0)
    stats["pass_rate"] = grid.groupby("exercise", sort=False)["passed"].mean()
    ranked = checks.sort_values("pass_rate", kind="stable").groupby("exercise", sort=False).head(hardest)
    stats["hardest_checks"] = ranked.groupby("exercise", sort=False)[["check", "pass_rate"]].apply(
        lambda rows: "; ".join(
            f"{name} ({rate:.0%})" for name, rate in zip(rows["check"], rows["pass_rate"], strict=True)
        )
    )
    columns = [
        "max_points",
        "students",
        "mean_points",
        "mean_percent",
        "pass_rate",
        "solved_rate",
        "hardest_checks",
    ]
    return stats[columns].reset_index()
