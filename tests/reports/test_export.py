"""``deepgrade export`` (issue 14, part 2): the import files of Canvas (``Student``, ``ID``, ``SIS User
ID``, ``SIS Login ID``, ``Section``, the assignment, then a ``Points Possible`` row) and Moodle (``First
name``, ``Last name``, ``ID number``, ``Email address``, the grade item) read back with those documented
headers and the totals of ``grades``; a roster mismatch in either direction is printed and listed, never
dropped silently; a roster that lacks a needed column is a one-line error."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from report_data import EXPECTED, make_results

from grader.reports import write_reports

# the synthetic run's students, minus "a/b" (no roster line), plus "dana" (no submission)
ROSTER = {
    "alice": ("Liddell, Alice", "101", "S101", "alice@uni.edu", "Sec A", "Alice", "Liddell"),
    "bob": ("Marley, Bob", "102", "S102", "bob@uni.edu", "Sec A", "Bob", "Marley"),
    "Zoë Müller": ("Müller, Zoë", "103", "S103", "zoe@uni.edu", "Sec B", "Zoë", "Müller"),
    "a b": ("B, A", "104", "S104", "ab@uni.edu", "Sec B", "A", "B"),
    "../<script>x": ("=cmd|' /C calc'!A0", "105", "S105", "x@uni.edu", "Sec B", "X", "Y"),
    "dana": ("Scully, Dana", "106", "S106", "dana@uni.edu", "Sec A", "Dana", "Scully"),
}
HEADER = ["submission", "Student", "ID", "SIS User ID", "SIS Login ID", "Section", "First name", "Last name",
          "ID number", "Email address"]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export")
    write_reports(make_results(), folder, lang="en")
    with (folder / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for sub, (name, cid, sis, login, section, first, last) in ROSTER.items():
            writer.writerow([sub, name, cid, sis, login, section, first, last, sis, login])
    return folder


def export(out: Path, fmt: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", "export", "--format", fmt, "--roster",
                           str(out / "roster.csv"), "--from", str(out), *extra],
                          capture_output=True, text=True, timeout=120)


def total(student: str) -> float:
    ex1, ex2, _ = EXPECTED[student]
    return ex1 + ex2


def check_mismatches(out: Path, proc: subprocess.CompletedProcess) -> None:
    assert "a/b: graded, but no roster line" in proc.stderr and "dana: roster line without a submission" \
        in proc.stderr
    listed = pd.read_csv(out / "export_mismatches.csv", dtype=str)
    assert sorted(listed["submission"]) == ["a/b", "dana"]


def test_canvas(out: Path) -> None:
    proc = export(out, "canvas", "--assignment", "Deep learning exercises (4242)")
    assert proc.returncode == 0, proc.stderr
    check_mismatches(out, proc)
    with (out / "export_canvas.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "Deep learning exercises (4242)"]
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == 6.0
    frame = pd.DataFrame(rows[2:], columns=rows[0]).set_index("ID")
    for sub, (_name, cid, sis, login, section, *_) in ROSTER.items():
        row = frame.loc[cid]
        assert (row["SIS User ID"], row["SIS Login ID"], row["Section"]) == (sis, login, section)
        score = row["Deep learning exercises (4242)"]
        assert score == "" if sub == "dana" else float(score) == total(sub)
    assert frame.loc["105", "Student"] == "'=cmd|' /C calc'!A0"  # never a formula


def test_moodle(out: Path) -> None:
    proc = export(out, "moodle", "--to", str(out / "moodle.csv"))
    assert proc.returncode == 0, proc.stderr
    check_mismatches(out, proc)
    frame = pd.read_csv(out / "moodle.csv", dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["First name", "Last name", "ID number", "Email address", "deepgrade"]
    scores = dict(zip(frame["Email address"], frame["deepgrade"], strict=True))
    for sub, (*_, login, _section, _first, _last) in ROSTER.items():
        assert scores[login] == "" if sub == "dana" else float(scores[login]) == total(sub)


def test_plain_csv_keeps_every_column(out: Path) -> None:
    proc = export(out, "csv")
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(out / "export_csv.csv", dtype={"submission": str})
    assert list(frame.columns) == [*HEADER, "ex01_sigmoid", "ex02_relu", "total", "percent", "status"]
    assert frame.set_index("submission").loc["bob", "total"] == total("bob")


def test_a_roster_without_the_platform_columns_is_one_line(out: Path, tmp_path: Path) -> None:
    (tmp_path / "roster.csv").write_text("submission,Email address\nalice,a@uni.edu\n", encoding="utf-8")
    proc = export(tmp_path, "canvas", "--from", str(out))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "lacks the column(s) Student, ID, SIS User ID, SIS Login ID, Section" in proc.stderr
