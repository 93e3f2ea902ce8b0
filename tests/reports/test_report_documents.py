"""Feedback pages, Gradescope results and the HTML summary say what the records say, in the chosen
language, with student-controlled text made inert."""

from __future__ import annotations

import dataclasses
import html
import json
import re

import matplotlib.image
import pandas as pd
import pytest
from report_data import CHECKS, EXPECTED, RUNS, make_results

from grader.reports import write_reports
from grader.reports.files import student_slugs
from grader.reports.summary_html import HISTOGRAM_NAME, histogram_figure


def test_feedback_holds_every_message_in_french(written, results):
    out, _ = written
    slugs = student_slugs(RUNS)
    for student in RUNS:
        page = (out / "feedback" / f"{slugs[student]}.md").read_text(encoding="utf-8")
        mine = [r for r in results if r.student == student]
        assert all(r.message_fr in page for r in mine)
        assert "EN " not in page and "Total" in page
        ex1, ex2, _ = EXPECTED[student]
        assert f"**Total : {ex1 + ex2:g} / 6 points**" in page
        assert f"## ex01_sigmoid : {ex1:g} / 3" in page and f"## ex02_relu : {ex2:g} / 3" in page
    bob = (out / "feedback" / "bob.md").read_text(encoding="utf-8")
    # the message holds a reason it does not quote: which part came from the student is unknown, so all of
    # it is code
    assert "- ❌ hidden_values (cachée), 0 / 2 : `FR ex01_sigmoid/hidden_values: failed`\n" in bob
    assert "- ✅ values, 1 / 1 : FR ex01_sigmoid/values: passed\n" in bob


def test_feedback_in_english_and_escaped(tmp_path):
    write_reports(make_results(), tmp_path, lang="en")
    slug = student_slugs(RUNS)["../<script>x"]
    page = (tmp_path / "feedback" / f"{slug}.md").read_text(encoding="utf-8")
    assert "# Feedback for `../<script>x`\n" in page and page.count("<script>") == 1
    assert "EN ex02_relu/values: crashed" in page and "FR " not in page
    assert "All checks passed." in (tmp_path / "feedback" / "alice.md").read_text(encoding="utf-8")


def test_without_a_message_the_outcome_and_reason_are_shown(tmp_path, results):
    kept = [r for r in results if not (r.student == "alice" and r.exercise == "ex02_relu")]
    kept = [dataclasses.replace(r, message_fr="", message_en="") if r.student == "bob" else r for r in kept]
    write_reports(kept, tmp_path, lang="fr")
    alice = (tmp_path / "feedback" / "alice.md").read_text(encoding="utf-8")
    assert "**Total : 3 / 6 points**" in alice
    assert "- ❌ values, 0 / 3 : absent: `no result recorded`\n" in alice
    bob = (tmp_path / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert "- ❌ values, 0 / 3 : délai dépassé: `timeout in values`\n" in bob
    data = json.loads((tmp_path / "gradescope" / "alice" / "results.json").read_text())
    assert (data["score"], sum(t["max_score"] for t in data["tests"])) == (3.0, 6.0)
    assert data["tests"][2]["output"] == "absent: no result recorded"


@pytest.mark.parametrize("student", list(RUNS))
def test_gradescope_schema(written, student):
    out, _ = written
    data = json.loads((out / "gradescope" / student_slugs(RUNS)[student] / "results.json").read_text())
    formats = {"output_format", "test_output_format", "test_name_format"}
    assert set(data) == {"score", "execution_time", "visibility", "tests", *formats}
    assert all(data[key] == "text" for key in formats)  # a student's text is never rendered
    ex1, ex2, _ = EXPECTED[student]
    assert (data["score"], sum(t["max_score"] for t in data["tests"])) == (ex1 + ex2, 6.0)
    assert isinstance(data["execution_time"], int) and data["execution_time"] == 1  # ceil(3 x 0.25 s)
    assert [t["name"] for t in data["tests"]] == [f"{e}: {c}" for e, c, _, _ in CHECKS]
    assert [t["number"] for t in data["tests"]] == ["1.1", "1.2", "2.1"]  # ex01_sigmoid, ex02_relu
    for test, (exercise, _, points, hidden), outcome in zip(data["tests"], CHECKS, RUNS[student],
                                                             strict=True):
        assert set(test) == {"name", "number", "score", "max_score", "output", "visibility", "status", "tags"}
        assert test["max_score"] == points
        assert test["score"] == (points if outcome == "passed" else 0.0)
        assert test["status"] == ("passed" if outcome == "passed" else "failed")
        assert test["visibility"] == ("after_published" if hidden else "visible")
        assert test["tags"] == [exercise, "hidden" if hidden else "public"]
        assert isinstance(test["output"], str) and test["output"]
    assert sum(t["score"] for t in data["tests"]) == data["score"]


def test_html_summary_and_histogram(written):
    """The dashboard stands alone: every image a data: URI, one script (the table sort, ours), every
    student escaped and linked to its feedback page, which exists."""
    out, _ = written
    page = (out / "summary.html").read_text(encoding="utf-8")
    sources = re.findall(r'<img src="([^"]*)"', page)
    assert len(sources) == 2 and all(src.startswith("data:image/png;base64,") for src in sources)
    assert page.count("<script>") == 1 and "&lt;script&gt;" in page
    assert page.count("<table") == 3  # exercises, checks, students
    assert "POINTS POSSIBLE" not in page
    slugs = student_slugs(RUNS)
    for student in RUNS:
        link = f"feedback/{slugs[student]}.html"
        assert f'<a href="{html.escape(link)}">{html.escape(student)}</a>' in page
        assert (out / link).is_file()
    image = matplotlib.image.imread(out / HISTOGRAM_NAME)
    assert image.shape[0] >= 300 and image.shape[1] >= 500


def test_feedback_html_renders_the_markdown_and_keeps_student_text_inert(written):
    out, _ = written
    page = (out / "feedback" / f"{student_slugs(RUNS)['../<script>x']}.html").read_text(encoding="utf-8")
    assert "<h1>Retour pour <code>../&lt;script&gt;x</code></h1>" in page
    assert "<script>" not in page and "<strong>Total : 0 / 6 points</strong>" in page
    assert page.count("<li>") == 3


def test_histogram_has_a_title_units_and_a_legend():
    totals = pd.Series([0.0, 1.0, 3.0, 3.0, 6.0])
    ax = histogram_figure(totals, 6.0).axes[0]
    assert ax.get_title() == "Distribution of total scores (5 students)"
    assert ax.get_xlabel() == "total score (points, out of 6)" and ax.get_ylabel() == "number of students"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["students", "mean = 2.60 points"]
    assert sum(patch.get_height() for patch in ax.patches) == 5
    assert ax.get_xlim() == (0.0, 6.0)


def test_bad_language_and_empty_results_are_usage_errors(tmp_path):
    from grader.errors import UsageError

    with pytest.raises(UsageError, match="unknown language"):
        write_reports(make_results(), tmp_path, lang="de")
    with pytest.raises(UsageError, match="no results"):
        write_reports([], tmp_path)
