"""An output folder holding a graded run is never overwritten silently: ``deepgrade grade`` refuses it
(journal untouched) unless told ``--resume``, ``--regrade`` (only the selected records are replaced, the
journal rewritten atomically) or ``--fresh`` (the old journal, plan and seeds kept beside, timestamped);
the reports follow the merged journal and lose the files of students no longer in it."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from journal_support import ADD, SIGMOID, WRONG_ADD, build, grade, honest, journal, keys

from grader.reports.plan import load_plan


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Three students graded once (12 records); each test works on its own copy of the output."""
    base = tmp_path_factory.mktemp("modes")
    subs = build(base / "subs", {**honest(2), "bob": {"ex01_add": WRONG_ADD, "ex02_sigmoid": SIGMOID}})
    proc = grade(subs, base / "out")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert len(journal(base / "out")) == 12
    return subs, base / "out"


def copy_out(graded, tmp_path):
    """Copies of the graded submissions and output folder."""
    subs, out = graded
    shutil.copytree(subs, tmp_path / "subs")
    shutil.copytree(out, tmp_path / "out")
    return tmp_path / "subs", tmp_path / "out"


def test_a_graded_folder_is_refused_and_left_byte_for_byte(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    for extra in ((), ("--student", "bob"), ("-k", "small")):
        proc = grade(subs, out, *extra)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("deepgrade: error:"), proc.stderr
        assert "--resume" in proc.stderr and "--regrade" in proc.stderr and "--fresh" in proc.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == before


def test_two_modes_at_once_are_refused(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    before = (out / "results.jsonl").read_bytes()
    proc = grade(subs, out, "--resume", "--fresh")
    assert proc.returncode == 2 and "not allowed with argument" in proc.stderr
    assert (out / "results.jsonl").read_bytes() == before


def test_the_plan_lists_every_check_of_every_student(graded):
    _, out = graded
    plan = load_plan(out)
    checks = {"ex01_add::small", "ex01_add::random", "ex02_sigmoid::values", "ex02_sigmoid::scenario"}
    assert plan == {"s00": checks, "s01": checks, "bob": checks}


def test_regrade_one_student_replaces_only_its_rows(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    old = journal(out)
    (subs / "bob" / "ex01_add.py").write_text(ADD)  # bob fixes his code; the others must not change
    proc = grade(subs, out, "--regrade", "--student", "bob")
    assert proc.returncode == 0, proc.stderr[-3000:]
    new = journal(out)
    assert keys(new) == keys(old)  # one record per check, in the same places
    assert [r for r in new if r["student"] != "bob"] == [r for r in old if r["student"] != "bob"]
    bob = {r["check"]: r["outcome"] for r in new if r["student"] == "bob"}
    assert bob == {"small": "passed", "random": "passed", "values": "passed", "scenario": "passed"}
    grades = pd.read_csv(out / "grades.csv").set_index("student")
    assert grades.loc["bob", "total"] == 6.0 and grades.loc["s00", "total"] == 6.0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_regrade_with_k_replaces_only_the_matching_checks(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    old = {(r["student"], r["exercise"], r["check"]): r for r in journal(out)}
    proc = grade(subs, out, "--regrade", "--student", "s01", "-k", "small")
    assert proc.returncode == 0, proc.stderr[-3000:]
    new = {(r["student"], r["exercise"], r["check"]): r for r in journal(out)}
    assert new.keys() == old.keys() and len(journal(out)) == 12
    changed = [k for k in new if new[k] != old[k]]
    assert changed in ([], [("s01", "ex01_add", "small")])  # only its duration may differ
    assert all(new[k] == old[k] for k in new if k != ("s01", "ex01_add", "small"))


def test_a_regrade_matching_nothing_is_an_error_and_changes_nothing(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    before = (out / "results.jsonl").read_bytes()
    proc = grade(subs, out, "--regrade", "-k", "no_such_check")
    assert proc.returncode == 2 and "no check matched" in proc.stderr
    assert (out / "results.jsonl").read_bytes() == before


def test_fresh_keeps_the_old_run_beside_and_drops_stale_report_files(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    old = {name: (out / name).read_bytes() for name in ("results.jsonl", "plan.json", "seeds.json")}
    assert (out / "feedback" / "bob.md").is_file() and (out / "gradescope" / "bob" / "results.json").is_file()
    (out / "feedback" / "notes.txt").write_text("the instructor's own file")
    proc = grade(subs, out, "--fresh", "--student", "s00")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name, data in old.items():
        stem, suffix = name.split(".")
        kept = list(out.glob(f"{stem}-*Z.{suffix}"))
        assert len(kept) == 1 and kept[0].read_bytes() == data, name
    assert {r["student"] for r in journal(out)} == {"s00"}
    assert sorted(p.name for p in (out / "feedback").iterdir()) == ["notes.txt", "s00.html", "s00.md"]
    assert sorted(p.name for p in (out / "gradescope").iterdir()) == ["s00"]
    assert list(pd.read_csv(out / "grades.csv")["student"]) == ["s00"]  # students only
    assert json.loads((out / "plan.json").read_text())["students"].keys() == {"s00"}


def test_resume_with_nothing_left_rebuilds_the_same_reports(graded, tmp_path):
    subs, out = copy_out(graded, tmp_path)
    before = (out / "results.jsonl").read_bytes()
    (out / "grades.csv").unlink()
    proc = grade(subs, out, "--resume")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / "results.jsonl").read_bytes() == before and (out / "grades.csv").is_file()
