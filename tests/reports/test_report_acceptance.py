"""Acceptance (issue 4): ``deepgrade grade examples/submissions`` gives each sample exactly the points
that SAMPLES and the registry say, the solutions score 100%, the stubs 0, every report reads back with
pandas, and the samples are left untouched."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from report_data import BUNDLED, ROOT, make_samples, tree

from grader.model import Outcome
from grader.registry import EXERCISES, by_id
from grader.reports import load_results, summarise
from grader.reports.write import TABLES

pytestmark = pytest.mark.slow


def expected_points(sample: str) -> float:
    """Points of a sample by trusted code: the max points of its solved exercises, 0 for the rest."""
    spec = make_samples.SAMPLES[sample]
    return math.fsum(by_id(ex).max_points for ex, state in spec.items() if state == "solved")


def test_grading_the_samples(tmp_path: Path) -> None:
    """One test, so that xdist never grades the samples twice on two workers."""
    graded = grade_samples(tmp_path / "reports")
    check_pinned_points(graded)
    check_outcomes(graded)
    check_report_files(graded)


def grade_samples(out: Path) -> Path:
    before = tree(BUNDLED)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTEST_XDIST_WORKER")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "grader.cli",
            "grade",
            "--sandbox",
            "auto",
            str(BUNDLED),
            "--out",
            str(out),
            "--no-progress",
            "--lang",
            "en",
            "-n",
            "1",
            "--dev-secret",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert tree(BUNDLED) == before, "grading wrote into the submissions folder"
    return out


def _why(graded: Path, student: str) -> str:
    long = pd.read_parquet(graded / "results_long.parquet")
    mine = long[long["student"] == student]
    return f"{student}: {mine['outcome'].value_counts().to_dict()}; reasons {mine['reason'].unique()[:3]}"


def check_pinned_points(graded: Path) -> None:
    summary = summarise(load_results(graded)).set_index("student")
    assert sorted(summary.index) == sorted(make_samples.SAMPLES)
    total = math.fsum(ex.max_points for ex in EXERCISES)
    assert expected_points("perfect") == total and expected_points("stubs") == 0.0
    for sample in make_samples.SAMPLES:
        points = summary.loc[sample, "points"]
        assert points == pytest.approx(expected_points(sample), abs=1e-9), _why(graded, sample)
        assert summary.loc[sample, "max_points"] == pytest.approx(total, abs=1e-9)
    assert summary.loc["perfect", "percent"] == pytest.approx(100.0, abs=1e-9)
    assert summary.loc["stubs", "percent"] == 0.0


def check_outcomes(graded: Path) -> None:
    long = pd.read_parquet(graded / "results_long.parquet")
    stubs = long[long["student"] == "stubs"]
    assert len(stubs) == sum(len(ex.checks) for ex in EXERCISES)
    assert set(stubs["outcome"]) == {str(Outcome.NOT_IMPLEMENTED)}, _why(graded, "stubs")
    syntax = long[(long["student"] == "syntax_error") & (long["exercise"] == "ex02_sigmoid")]
    assert set(syntax["outcome"]) == {str(Outcome.SYNTAX_ERROR)}
    wrong = long[(long["student"] == "partial") & (long["exercise"] == "ex05_quadratic_cost")]
    assert set(wrong["outcome"]) == {str(Outcome.FAILED)}
    absent = long[(long["student"] == "zipped") & (long["exercise"] == "ex01_perceptron")]
    assert set(absent["outcome"]) == {str(Outcome.MISSING)}


def check_report_files(graded: Path) -> None:
    wide = pd.read_csv(graded / "grades.csv")
    for name in TABLES:
        csv, parquet = pd.read_csv(graded / f"{name}.csv"), pd.read_parquet(graded / f"{name}.parquet")
        assert len(csv) == len(parquet) > 0 and list(csv.columns) == list(parquet.columns), name
    rows = wide[wide["student"] != "POINTS POSSIBLE"].set_index("student")
    for sample in make_samples.SAMPLES:
        assert rows.loc[sample, "total"] == pytest.approx(expected_points(sample), abs=1e-9)
    assert "<table" in (graded / "summary.html").read_text(encoding="utf-8")
    assert (graded / "totals_histogram.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    for sample in make_samples.SAMPLES:
        assert (graded / "feedback" / f"{sample}.md").read_text(encoding="utf-8").startswith("# ")
        gradescope = json.loads((graded / "gradescope" / sample / "results.json").read_text(encoding="utf-8"))
        assert gradescope["score"] == pytest.approx(expected_points(sample), abs=1e-9)
        tests = pd.DataFrame(gradescope["tests"])
        assert tests["score"].sum() == pytest.approx(gradescope["score"])
        assert set(tests["visibility"]) == {"visible", "after_published"}
