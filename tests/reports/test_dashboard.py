"""The dashboard (issue 14, part 3): ``summary.html`` of a whole course (16 exercises, 40 students, one with
a 70-character id and one with a long status) stands alone and reads at 1280 px. Without a browser: every
image is a ``data:`` URI, every student links to a feedback page that exists and names them, each check
shows its pass rate and failing outcomes, ``grades`` holds students only and every file is 0644. With
headless Chromium (skipped when none is installed): no horizontal scroll at 1280 px, every image decodes,
each link opens the right feedback page, a click on a header sorts the table; a screenshot is kept in
``$DEEPGRADE_SCREENSHOT_DIR`` when that is set."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pandas as pd
import pytest

from grader.model import CheckResult, Outcome
from grader.registry import EXERCISES
from grader.reports import write_reports
from grader.reports.files import student_slugs

LONG_ID = "x" * 70
OUTCOMES = [Outcome.PASSED] * 6 + [Outcome.FAILED, Outcome.FAILED, Outcome.CRASHED, Outcome.TIMEOUT,
                                   Outcome.NOT_IMPLEMENTED]
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def course_results(students: int = 40, seed: int = 3) -> list[CheckResult]:
    rng = np.random.default_rng(seed)
    ids = [f"student{i:02d}" for i in range(students - 2)] + [LONG_ID, "Zoë <b>Müller</b>"]
    rows = []
    for student in ids:
        for ex in EXERCISES:
            for check in ex.checks:
                outcome = OUTCOMES[rng.integers(len(OUTCOMES))]
                passed = outcome is Outcome.PASSED
                rows.append(CheckResult(student, ex.id, check.name, float(check.points) if passed else 0.0,
                                        float(check.points), outcome, "" if passed else f"{outcome} here",
                                        "", "", 0.01, check.hidden))
    return rows


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[CheckResult]]:
    out = tmp_path_factory.mktemp("dashboard")
    results = course_results()
    write_reports(results, out, lang="en")
    return out, results


def test_grades_hold_students_only_and_points_possible_apart(course):
    out, results = course
    grades = pd.read_csv(out / "grades.csv")
    students = sorted({r.student for r in results})
    assert sorted(grades["student"]) == students
    totals = {s: sum(r.points for r in results if r.student == s) for s in students}
    assert grades["total"].mean() == pytest.approx(np.mean(list(totals.values())), abs=1e-9)
    assert grades.set_index("student")["total"].idxmax() == max(totals, key=totals.get)
    possible = pd.read_parquet(out / "points_possible.parquet").set_index("column")["points_possible"]
    assert possible["total"] == pytest.approx(sum(ex.max_points for ex in EXERCISES), abs=1e-9)
    assert {ex.id: possible[ex.id] for ex in EXERCISES} == {ex.id: ex.max_points for ex in EXERCISES}


def test_report_files_are_readable_by_others_under_the_default_umask(course):
    out, _ = course
    mask = os.umask(0o022)
    os.umask(mask)
    files = [p for p in out.rglob("*") if p.is_file()]
    assert files and {stat.S_IMODE(p.stat().st_mode) for p in files} == {0o666 & ~mask}


def test_the_page_stands_alone_and_links_every_student(course):
    out, results = course
    page = (out / "summary.html").read_text(encoding="utf-8")
    images = re.findall(r'<img src="([^"]*)"', page)
    assert len(images) == 2 and all(src.startswith("data:image/png;base64,") for src in images)
    assert not re.search(r'(?:src|href)="(?:https?:|//)', page)  # nothing fetched from elsewhere
    slugs = student_slugs({r.student for r in results})
    for student, slug in slugs.items():
        assert f'<a href="feedback/{slug}.html">{html.escape(student)}</a>' in page
        feedback = (out / "feedback" / f"{slug}.html").read_text(encoding="utf-8")
        assert f"<code>{html.escape(student)}</code>" in feedback
    assert "<b>Müller</b>" not in page
    checks = pd.read_csv(out / "check_stats.csv")
    first = checks.iloc[0]
    outcomes = [r.outcome for r in results if (r.exercise, r.check) == (first["exercise"], first["check"])]
    assert first["pass_rate"] == pytest.approx(outcomes.count(Outcome.PASSED) / len(outcomes), abs=1e-12)
    top = max(set(outcomes) - {Outcome.PASSED}, key=lambda o: (outcomes.count(o), -ord(o[0])))
    assert first["failing_outcomes"].startswith(f"{top} {outcomes.count(top)}/{len(outcomes)}")
    assert f"{100 * first['pass_rate']:.0f}%" in page and html.escape(first["failing_outcomes"]) in page


PROBE = """<script>
window.addEventListener("load", function () {
  var d = document.documentElement, table = document.getElementById("students");
  var result = {scrollWidth: d.scrollWidth, clientWidth: d.clientWidth,
                bodyScrollWidth: document.body.scrollWidth,
                images: Array.prototype.map.call(document.images, function (i) {
                  return [i.src.slice(0, 22), i.naturalWidth, i.getBoundingClientRect().right]; }),
                links: Array.prototype.map.call(table.querySelectorAll("a"), function (a) {
                  return [a.textContent, a.href]; })};
  var headers = table.tHead.rows[0].cells, total = -1;
  for (var i = 0; i < headers.length; i++) { if (headers[i].textContent === "total") total = i; }
  headers[total].click(); headers[total].click();
  result.sorted = Array.prototype.map.call(table.tBodies[0].rows, function (r) {
    return parseFloat(r.cells[total].getAttribute("data-v")); });
  document.body.setAttribute("data-probe", JSON.stringify(result));
});
</script>"""


def browser() -> str | None:
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def chromium(exe: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--window-size=1280,900", "--virtual-time-budget=5000", *args],
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(browser() is None, reason="no headless Chromium installed")
def test_chromium_shows_it_at_1280_px_without_horizontal_scroll(course, tmp_path):
    out, results = course
    exe = browser()
    probed = out / "summary.probe.html"
    page = (out / "summary.html").read_text(encoding="utf-8")
    probed.write_text(page.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    try:
        proc = chromium(exe, "--dump-dom", probed.as_uri())
    finally:
        probed.unlink()
    match = re.search(r'data-probe="([^"]*)"', proc.stdout)
    assert match, proc.stderr[-2000:]
    found = json.loads(html.unescape(match.group(1)))
    assert found["scrollWidth"] <= 1280 and found["bodyScrollWidth"] <= found["clientWidth"], found
    assert len(found["images"]) == 2
    for src, width, right in found["images"]:
        assert src.startswith("data:image/png;base64") and width > 0 and right <= 1280
    slugs = student_slugs({r.student for r in results})
    assert sorted(text for text, _ in found["links"]) == sorted(slugs)
    for text, href in found["links"]:
        target = Path(unquote(urlparse(href).path))
        assert target == out / "feedback" / f"{slugs[text]}.html", href
        assert f"<code>{html.escape(text)}</code>" in target.read_text(encoding="utf-8")
    assert found["sorted"] == sorted(found["sorted"], reverse=True)  # two clicks: descending
    shots = Path(os.environ.get("DEEPGRADE_SCREENSHOT_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    shot = chromium(exe, "--window-size=1280,2400", f"--screenshot={shots / 'summary.png'}",
                    (out / "summary.html").as_uri())
    assert (shots / "summary.png").is_file(), shot.stderr[-2000:]


def test_feedback_pages_inline_the_students_pictures(tmp_path):
    """A picture of the student's work (``plots/<slug>/<exercise>.png``, grader.plots) is a relative link
    in the Markdown and a data: URI of the same bytes in the HTML page; a picture outside the reports
    folder is never read."""
    import base64

    import matplotlib.image

    folder = tmp_path / "plots" / "alice"
    folder.mkdir(parents=True)
    matplotlib.image.imsave(folder / "ex02_sigmoid.png", np.zeros((4, 4, 3)))
    rows = [r for r in course_results(students=2) if r.exercise == "ex02_sigmoid"]
    rows = [CheckResult("alice", *dataclass_fields(r)[1:]) for r in rows[: len(rows) // 2]]
    write_reports(rows, tmp_path, lang="en")
    assert "](<../plots/alice/ex02_sigmoid.png>)" in (tmp_path / "feedback" / "alice.md").read_text()
    page = (tmp_path / "feedback" / "alice.html").read_text(encoding="utf-8")
    (src,) = re.findall(r'<img src="data:image/png;base64,([^"]*)"', page)
    assert base64.b64decode(src) == (folder / "ex02_sigmoid.png").read_bytes()

    from grader.reports.feedback_html import markdown_to_html

    outside = markdown_to_html("![x](<../../elsewhere.png>)", "t", tmp_path / "feedback", tmp_path)
    assert '<img src="../../elsewhere.png"' in outside


def dataclass_fields(record: CheckResult) -> tuple:
    import dataclasses

    return dataclasses.astuple(record)
