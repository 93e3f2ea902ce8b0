"""The tables read back from CSV and Parquet hold the numbers worked out by hand from conftest.RUNS."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from report_data import EXPECTED

from grader.model import Outcome
from grader.reports import summarise
from grader.reports.write import TABLES


def read(out, name, ext):
    return (
        pd.read_csv(out / f"{name}.csv", keep_default_na=False)
        if ext == "csv"
        else (pd.read_parquet(out / f"{name}.parquet"))
    )


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_wide_table_totals_and_percent(written, ext):
    out, _ = written
    wide = read(out, "grades", ext)
    assert list(wide.columns) == ["student", "ex01_sigmoid", "ex02_relu", "total", "percent", "status"]
    possible = read(out, "points_possible", ext)
    assert list(possible.columns) == ["column", "points_possible"]
    assert dict(zip(possible["column"], possible["points_possible"], strict=True)) == {
        "ex01_sigmoid": 3.0, "ex02_relu": 3.0, "total": 6.0}
    assert len(wide) == len(EXPECTED)  # students only: the mean and idxmax are the students'
    totals = {s: ex1 + ex2 for s, (ex1, ex2, _) in EXPECTED.items()}
    assert wide["total"].mean() == pytest.approx(sum(totals.values()) / len(totals), abs=1e-12)
    best = {s for s, t in totals.items() if t == max(totals.values())}
    assert wide.set_index("student")["total"].idxmax() in best
    rows = wide.set_index("student")
    assert sorted(rows.index) == sorted(EXPECTED)
    for student, (ex1, ex2, status) in EXPECTED.items():
        row = rows.loc[student]
        assert row["ex01_sigmoid"] == ex1 and row["ex02_relu"] == ex2, student
        assert row["total"] == ex1 + ex2
        assert row["percent"] == pytest.approx(100.0 * (ex1 + ex2) / 6.0, abs=1e-9)
        assert row["status"] == status


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_long_table_has_one_row_per_check(written, results, ext):
    out, _ = written
    long = read(out, "results_long", ext)
    assert list(long.columns) == [
        "student",
        "exercise",
        "check",
        "points",
        "max_points",
        "outcome",
        "reason",
        "duration_s",
        "hidden",
    ]
    assert len(long) == len(results) == 18
    bob = long[(long["student"] == "bob") & (long["exercise"] == "ex02_relu")].iloc[0]
    assert (bob["points"], bob["max_points"], bob["outcome"], bob["reason"]) == (
        0.0,
        3.0,
        "timeout",
        "timeout in values",
    )
    assert long["duration_s"].sum() == pytest.approx(18 * 0.25)
    assert long.loc[long["check"] == "hidden_values", "hidden"].astype(bool).all()
    assert long["points"].sum() == pytest.approx(sum(a + b for a, b, _ in EXPECTED.values()))


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_exercise_stats(written, ext):
    out, _ = written
    stats = read(out, "exercise_stats", ext).set_index("exercise")
    ex1, ex2 = stats.loc["ex01_sigmoid"], stats.loc["ex02_relu"]
    assert (ex1["max_points"], ex1["students"]) == (3.0, 6)
    assert ex1["mean_points"] == pytest.approx((3 + 1 + 0 + 0 + 2 + 0) / 6)
    assert ex1["mean_percent"] == pytest.approx(100 * 6 / 18)
    assert ex1["pass_rate"] == pytest.approx(4 / 12)  # 2 of 6 passed each check
    assert ex1["solved_rate"] == pytest.approx(1 / 6)  # alice only
    assert ex1["hardest_checks"] == "values (33%); hidden_values (33%)"
    assert ex2["mean_points"] == pytest.approx(9 / 6)
    assert ex2["pass_rate"] == pytest.approx(3 / 6)
    assert ex2["solved_rate"] == pytest.approx(3 / 6)


@pytest.mark.parametrize("ext", ["csv", "parquet"])
def test_check_stats(written, ext):
    out, _ = written
    stats = read(out, "check_stats", ext)
    assert list(zip(stats["exercise"], stats["check"], strict=True)) == [
        ("ex01_sigmoid", "values"),
        ("ex01_sigmoid", "hidden_values"),
        ("ex02_relu", "values"),
    ]
    assert list(stats["max_points"]) == [1.0, 2.0, 3.0]
    assert list(stats["pass_rate"]) == pytest.approx([2 / 6, 2 / 6, 3 / 6])
    assert list(stats["mean_points"]) == pytest.approx([2 / 6, 4 / 6, 9 / 6])
    # ex02_relu values: bob timeout, a/b failed, the last crashed: a tie broken alphabetically
    assert list(stats["common_failure"]) == ["crashed", "crashed", "crashed"]


def test_every_table_is_written_twice(written):
    out, paths = written
    for name in TABLES:
        csv, parquet = read(out, name, "csv"), read(out, name, "parquet")
        assert list(csv.columns) == list(parquet.columns) and len(csv) == len(parquet), name
        assert {out / f"{name}.csv", out / f"{name}.parquet"} <= set(paths)


def test_summarise(results):
    summary = summarise(results).set_index("student")
    assert list(summary.columns) == ["points", "max_points", "percent", "passed", "checks", "status"]
    for student, (ex1, ex2, status) in EXPECTED.items():
        row = summary.loc[student]
        assert (row["points"], row["max_points"], row["checks"], row["status"]) == (ex1 + ex2, 6.0, 3, status)
    assert summary.loc["alice", "passed"] == 3 and summary.loc["bob", "passed"] == 1


def test_a_missing_record_scores_zero_and_the_last_duplicate_wins(results):
    kept = [r for r in results if not (r.student == "alice" and r.exercise == "ex02_relu")]
    summary = summarise(kept).set_index("student")
    assert summary.loc["alice", "points"] == 3.0 and summary.loc["alice", "max_points"] == 6.0
    bob_again = next(r for r in results if r.student == "bob" and r.exercise == "ex02_relu")
    rerun = [*results, dataclasses.replace(bob_again, points=3.0, outcome=Outcome.PASSED)]
    assert summarise(rerun).set_index("student").loc["bob", "points"] == 4.0


def test_status_says_why_nothing_was_graded_and_stays_short():
    from dataclasses import replace

    from report_data import CHECKS, result

    why = "no exercise module found"
    nothing = [replace(result("eve", *row, Outcome.MISSING), reason=why) for row in CHECKS]
    outcomes = (Outcome.IMPORT_ERROR, Outcome.IMPORT_ERROR, Outcome.FORBIDDEN_IMPORT)
    broken = [result("mallory", *row, outcome) for row, outcome in zip(CHECKS, outcomes, strict=True)]
    status = summarise(nothing + broken).set_index("student")["status"]
    assert status["eve"] == "no exercise module found"
    assert status["mallory"] == "import_error: ex01_sigmoid (+1 more)"
