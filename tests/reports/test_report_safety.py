"""Reports a student cannot poison: no CSV cell a spreadsheet would run, no student posing as the
``POINTS POSSIBLE`` row, no Markdown or HTML from a student rendered in a page; and a student whose grading
did not finish is ``incomplete`` in every report, never a final total."""

from __future__ import annotations

import csv
import dataclasses
import html
import json

import pandas as pd
import pytest
from report_data import RUNS, make_results, result

from grader.model import Outcome
from grader.reports import write_reports
from grader.reports.csv_cells import safe_cell, safe_frame
from grader.reports.feedback import code
from grader.reports.files import student_slugs
from grader.reports.tables import summarise, wide_table

FORMULAS = ["=HYPERLINK(\"http://evil\",\"click\")", "=cmd|' /C calc'!A0", "+1+2", "-2+3", "@SUM(A1)",
            "\t=1", "\r=1"]


def poisoned_results():
    """The synthetic run, plus students whose ids and reasons are formulas, Markdown and HTML."""
    rows = make_results()
    for i, text in enumerate(FORMULAS):
        bad = result(text, "ex01_sigmoid", "values", 1.0, False, Outcome.ERROR)
        rows.append(dataclasses.replace(bad, reason=f"{FORMULAS[-1 - i]}", message_en="", message_fr=""))
    return rows


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory):
    out = tmp_path_factory.mktemp("poisoned")
    write_reports(poisoned_results(), out, lang="en")
    return out


def test_safe_cell():
    assert [safe_cell(t) for t in FORMULAS] == ["'" + t.replace("\r", "\n") for t in FORMULAS]
    assert [safe_cell(v) for v in ("ok", "a=b", "", -1.5, 3)] == ["ok", "a=b", "", -1.5, 3]
    assert safe_cell("a\r=1") == "a\n=1" and safe_cell("a\r\nb") == "a\nb"  # a lone CR would end the row
    frame = safe_frame(pd.DataFrame({"s": ["=1", "x"], "n": [-1.0, 2.0], "b": [True, False]}))
    assert list(frame["s"]) == ["'=1", "x"] and list(frame["n"]) == [-1.0, 2.0]
    assert list(frame["b"]) == [True, False]


def test_no_csv_cell_starts_a_formula_and_numbers_stay_numbers(poisoned):
    for path in poisoned.glob("*.csv"):
        with path.open(newline="", encoding="utf-8") as fh:
            cells = [cell for row in csv.reader(fh) for cell in row]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))], path.name
    grades = pd.read_csv(poisoned / "grades.csv")
    assert pd.api.types.is_float_dtype(grades["total"]) and pd.api.types.is_float_dtype(grades["percent"])
    assert "'=cmd|' /C calc'!A0" in set(grades["student"])
    long = pd.read_parquet(poisoned / "results_long.parquet")  # data, not formulas: kept as recorded
    assert set(FORMULAS) <= set(long["student"])


def test_negative_numbers_stay_numeric_in_csv(tmp_path):
    rows = [dataclasses.replace(r, duration_s=-0.5) for r in make_results()]
    write_reports(rows, tmp_path)
    assert (pd.read_csv(tmp_path / "results_long.csv")["duration_s"] == -0.5).all()


@pytest.mark.parametrize("student", ["POINTS POSSIBLE", "points possible", "Points Possible (student)"])
def test_a_student_named_like_a_header_is_a_student_like_any_other(student):
    """grades holds students only (points possible have their own table), so no id needs renaming."""
    rows = [*make_results(), result(student, "ex01_sigmoid", "values", 1.0, False, Outcome.PASSED)]
    wide = wide_table(rows)
    assert list(wide["student"]).count(student) == 1 and len(wide) == len(RUNS) + 1
    assert wide.set_index("student").loc[student, "total"] == 1.0


def test_student_text_in_feedback_is_inert_code(poisoned):
    slugs = student_slugs(FORMULAS)
    page = (poisoned / "feedback" / f"{slugs[FORMULAS[0]]}.md").read_text(encoding="utf-8")
    assert page.startswith("# Feedback for `=HYPERLINK(\"http://evil\",\"click\")`\n")
    assert "- ❌ values, 0 / 1: error: `\r=1`" not in page and "error: `=1`" in page  # reason as code


@pytest.mark.parametrize("text", ["[phish](http://evil.example/login)", "![x](http://evil.example/p.png)",
                                  "<img src=x onerror=alert(1)>", "a ` b `` c", "`start", "end`",
                                  "line\nbreak\r\n# Heading", "\u202eevil\u202c", ""])
def test_code_spans_hold_any_text(text):
    span = code(text)
    assert "\n" not in span and "\r" not in span and "\u202e" not in span
    fence = len(span) - len(span.lstrip("`"))
    inner = span[fence:-fence]
    assert span.endswith("`" * fence) and "`" * fence not in inner  # nothing inside can close the span
    if text.strip():
        assert inner.strip() == " ".join(text.replace("\u202e", " ").replace("\u202c", " ").split())


def test_a_reason_quoted_by_its_message_is_code_and_the_rest_is_text(tmp_path):
    phish = "RuntimeError: [verify your account](http://evil.example) ![](http://evil.example/t.png)"
    rows = make_results()
    message = f"Sigmoid [values]: your code raised an exception: {phish}."
    rows = [dataclasses.replace(r, outcome=Outcome.ERROR, points=0.0, reason=phish, message_en=message)
            if (r.student, r.exercise, r.check) == ("bob", "ex01_sigmoid", "values") else r for r in rows]
    write_reports(rows, tmp_path, lang="en")
    page = (tmp_path / "feedback" / "bob.md").read_text(encoding="utf-8")
    assert f"Sigmoid [values]: your code raised an exception: `{phish}`." in page
    assert "](http" not in page.replace(f"`{phish}`", "")  # every link sits inside the code span


def test_html_summary_escapes_student_text(poisoned):
    page = (poisoned / "summary.html").read_text(encoding="utf-8")
    assert page.count("<script") == 1 and page.count("</script>") == 1  # ours: the table sort, at the end
    assert page.index("<script>") > page.rindex("</table>") and html.escape("../<script>x") in page


def test_an_incomplete_student_is_marked_in_every_report(tmp_path):
    rows = make_results()
    dropped = [r for r in rows if not (r.student == "alice" and r.exercise == "ex02_relu")]
    plan = {s: {"ex01_sigmoid::values", "ex01_sigmoid::hidden_values", "ex02_relu::values"}
            for s in {r.student for r in rows} | {"carol"}}
    write_reports(dropped, tmp_path, lang="en", plan=plan)
    label = "incomplete (2/3 checks)"
    for name in ("grades.csv", "grades.parquet"):
        frame = pd.read_csv(tmp_path / name) if name.endswith(".csv") else pd.read_parquet(tmp_path / name)
        status = frame.set_index("student")["status"]
        assert status["alice"] == label and status["carol"] == "incomplete (0/3 checks)"
        assert status["bob"] == "timeout: ex02_relu"
    assert label in (tmp_path / "summary.html").read_text(encoding="utf-8")
    page = (tmp_path / "feedback" / "alice.md").read_text(encoding="utf-8")
    assert "**Grading incomplete: 2 of 3 checks recorded; this total is not final.**" in page
    assert "not graded yet" in page and "All checks passed." not in page
    gradescope = json.loads((tmp_path / "gradescope" / "alice" / "results.json").read_text())
    assert gradescope["output"] == "Grading incomplete: 2 of 3 checks recorded; this total is not final."
    assert "output" not in json.loads((tmp_path / "gradescope" / "bob" / "results.json").read_text())
    summary = summarise(dropped, plan).set_index("student")
    assert summary.loc["alice", "status"] == label and summary.loc["alice", "points"] == 3.0


def test_without_a_plan_nothing_is_marked_incomplete(tmp_path):
    rows = [r for r in make_results() if not (r.student == "alice" and r.exercise == "ex02_relu")]
    assert not summarise(rows)["status"].str.startswith("incomplete").any()


def test_stale_report_files_are_removed_and_links_not_followed(tmp_path):
    write_reports(make_results(), tmp_path)
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "results.json").write_text("keep me")
    (tmp_path / "gradescope" / "planted").symlink_to(outside)
    only_bob = [r for r in make_results() if r.student == "bob"]
    write_reports(only_bob, tmp_path)
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == ["bob.html", "bob.md"]
    assert sorted(p.name for p in (tmp_path / "gradescope").iterdir()) == ["bob"]
    assert (outside / "results.json").read_text() == "keep me"
