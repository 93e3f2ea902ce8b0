"""Atomic writes leave no temporary file and never a half-written report; odd student ids give safe,
unique file names."""

from __future__ import annotations

import re

import pytest
from report_data import RUNS, make_results

from grader.reports import write_reports
from grader.reports.files import atomic_write, atomic_write_text, slugify, student_slugs

SAFE = re.compile(r"^[A-Za-z0-9._-]+$")


def test_no_temporary_file_is_left(written):
    out, paths = written
    on_disk = {p for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(paths)
    assert not [p for p in on_disk if p.name.startswith(".") or p.suffix == ".tmp"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = atomic_write_text(tmp_path / "grades.csv", "old\n")

    def half_then_fail(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        atomic_write(target, half_then_fail)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["grades.csv"]


def test_rewriting_the_reports_replaces_them(tmp_path):
    first = write_reports(make_results(), tmp_path)
    second = write_reports(make_results(), tmp_path, lang="en")
    assert first == second
    assert {p for p in tmp_path.rglob("*") if p.is_file()} == set(second)


def test_slugs_are_safe_unique_and_stable():
    slugs = student_slugs(RUNS)
    assert len(set(s.lower() for s in slugs.values())) == len(RUNS)
    assert all(SAFE.match(s) and not s.startswith(".") for s in slugs.values())
    assert slugs["alice"] == "alice" and slugs["Zoë Müller"] == "Zoe_Muller"
    # "a b" and "a/b" both slugify to "a_b": both get a hash of their id, whatever else is in the run
    assert slugs["a b"].startswith("a_b-") and slugs["a/b"].startswith("a_b-")
    assert student_slugs(["a b", "a/b", "zed"])["a b"] == slugs["a b"]
    assert student_slugs(["A_B", "a_b"])["A_B"] != student_slugs(["A_B", "a_b"])["a_b"]


@pytest.mark.parametrize(
    ("student", "slug"),
    [
        ("../../etc/passwd", "etc_passwd"),
        ("", "student"),
        ("...", "student"),
        ("CON", "CON_"),
        ("nul.txt", "nul.txt_"),
        ("名前", "student"),
        ("x" * 300, "x" * 64),
        ("élève 1", "eleve_1"),
    ],
)
def test_slugify(student, slug):
    assert slugify(student) == slug


def test_report_files_stay_inside_the_output_folder(written):
    out, paths = written
    assert all(out.resolve() in p.resolve().parents for p in paths)
    for suffix in (".md", ".html"):  # each feedback page and its HTML rendering
        assert len([p for p in paths if p.parent.name == "feedback" and p.suffix == suffix]) == len(RUNS)
    assert len([p for p in paths if p.name == "results.json"]) == len(RUNS)
