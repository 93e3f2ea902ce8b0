"""``deepgrade grade`` with odd entries in the folder: the run completes with its reports, each odd entry
gets its own reason and loses only its own points, every entry is graded or in ``skipped.csv``, a run's
scratch folders are swept or removed (SIGTERM included), and ``-k``/``-m`` never select students.

Real registry, exercises 1, 2 and 5 (``-e``), process-level sandbox, a private ``TMPDIR``."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.registry import EXERCISES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "adversarial"))
import odd_entries
from odd_entries import perfect

REPO = Path(__file__).resolve().parents[2]
PERFECT = REPO / "examples" / "submissions" / "perfect"
SUBSET = ("ex01_perceptron", "ex02_sigmoid", "ex05_quadratic_cost")
POINTS = {ex.id: float(ex.max_points) for ex in EXERCISES if ex.id in SUBSET}
FULL = sum(POINTS.values())
SKIPPED = {".x": "hidden entry", "__MACOSX": "system file (operating-system metadata or cache)",
           "Thumbs.db": "system file (operating-system metadata or cache)",
           "desktop.ini": "system file (operating-system metadata or cache)",
           "linked": "symbolic link: not followed"}


def build(root: Path) -> Path:
    """Honest ``alice``; every odd entry the red team found (``tests/adversarial/odd_entries.py``, also in
    the hostile run); hidden, system and linked entries."""
    perfect(root / "alice")
    odd_entries.write(root)
    (root / ".x").write_text("x")
    (root / "__MACOSX").mkdir()
    (root / "Thumbs.db").write_text("x")
    (root / "desktop.ini").write_text("x")
    (root / "linked").symlink_to(root / "alice")
    return root


def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True)
    return int(proc.stdout)


def environment(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "PYTHONPATH")}
    env.update(DEEPGRADE_SECRET="test-secret", TMPDIR=str(tmp))
    return env


def grade_cmd(subs: Path, out: Path, *extra: str, exercises: tuple[str, ...] = SUBSET) -> list[str]:
    picks = [a for name in exercises for a in ("-e", name)]
    return [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "--sandbox", "process",
            "--timeout", "20", "--memory", "1024", "--no-progress", "--lang", "en", *picks, *extra]


def journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_bytes().decode("utf-8").splitlines()]


@pytest.fixture(scope="module")
def odd_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("odd")
    tmp = base / "tmp"
    tmp.mkdir()
    stale = tmp / f"deepgrade-intake-{dead_pid()}-stale"
    (stale / "alice").mkdir(parents=True)
    (stale / "alice" / "ex01_perceptron.py").write_text("copied student code")
    subs = build(base / "subs")
    proc = subprocess.run(grade_cmd(subs, base / "out"), capture_output=True, text=True, env=environment(tmp),
                          cwd=base, timeout=400)
    return base, proc


@pytest.mark.slow
def test_odd_entries_each_get_their_reason_and_the_run_completes(odd_run):
    base, proc = odd_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (base / "out" / "grades.csv").is_file() and (base / "out" / "summary.html").is_file()
    rows = journal(base / "out")
    points: dict[str, float] = {}
    reasons: dict[tuple[str, str], set[str]] = {}
    for r in rows:
        points[r["student"]] = points.get(r["student"], 0.0) + r["points"]
        if r["outcome"] != "passed":
            reasons.setdefault((r["student"], r["exercise"]), set()).add(f'{r["outcome"]}: {r["reason"]}')
    assert points == {
        "alice": FULL, "caf\\xe9": FULL, "surrogate": FULL,
        "fifo": FULL - POINTS["ex02_sigmoid"], "dirmod": FULL - POINTS["ex02_sigmoid"],
        "dangling": FULL - POINTS["ex05_quadratic_cost"],
        "deep": 0.0, "intcell": 0.0, "badname": 0.0, "russian": 0.0, "huge": 0.0, "nomodule": 0.0,
        "nomatch": 0.0,
    }
    assert reasons["fifo", "ex02_sigmoid"] == {"missing: ex02_sigmoid.py is not a regular file"}
    assert reasons["dirmod", "ex02_sigmoid"] == {"missing: ex02_sigmoid.py is not a regular file"}
    assert reasons["dangling", "ex05_quadratic_cost"] == {
        "missing: ex05_quadratic_cost.py is a symbolic link: not followed"}
    whole = {
        "deep": "missing: invalid notebook: deep.ipynb is not valid JSON (nested too deeply)",
        "intcell": "missing: invalid notebook: intcell.ipynb has a malformed code cell",
        "badname": "missing: zip badname.zip has entry names marked UTF-8 that are not UTF-8",
        "russian": "missing: zips nested more than 3 deep",
        "huge": "missing: invalid notebook: huge.ipynb is larger than 16 MB",
        "nomodule": "missing: no exercise module found",
        "nomatch": "missing: notebook matches no exercise: nomatch.ipynb",
    }
    for student, reason in whole.items():
        got = {ex: reasons.get((student, ex)) for ex in SUBSET}
        assert got == {ex: {reason} for ex in SUBSET}, (student, got)


@pytest.mark.slow
def test_every_entry_is_graded_or_skipped_and_scratch_is_swept(odd_run):
    base, proc = odd_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(base / "out" / "skipped.csv", newline="", encoding="utf-8") as fh:
        assert {r["entry"]: r["reason"] for r in csv.DictReader(fh)} == SKIPPED
    assert f"skipped 5 entries (see {base / 'out' / 'skipped.csv'})" in proc.stdout
    graded = {r["student"] for r in journal(base / "out")}
    assert len(graded) + len(SKIPPED) == len(os.listdir(base / "subs"))
    left = sorted(p.name for p in (base / "tmp").iterdir() if p.name.startswith(("deepgrade-intake",
                                                                                   "deepgrade-ref")))
    assert left == []  # the dead run's copy of alice's code is swept, this run's folders removed


def selection(base: Path, students: dict[str, Path], *extra: str,
              exercises: tuple[str, ...] = SUBSET) -> dict[str, set[tuple[str, str]]]:
    subs = base / "subs"
    for name in students:
        perfect(subs / name)
    out = base / "out"
    tmp = base / "tmp"
    tmp.mkdir()
    proc = subprocess.run(grade_cmd(subs, out, *extra, exercises=exercises), capture_output=True, text=True,
                          env=environment(tmp), cwd=base, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    chosen: dict[str, set[tuple[str, str]]] = {}
    for r in journal(out):
        chosen.setdefault(r["student"], set()).add((r["exercise"], r["check"]))
    return chosen


@pytest.mark.slow
def test_a_student_named_like_an_exercise_does_not_change_selection(tmp_path):
    chosen = selection(tmp_path, {"alice": PERFECT, "ex02_sigmoid": PERFECT}, "-k", "ex02_sigmoid")
    assert set(chosen) == {"alice", "ex02_sigmoid"}
    assert chosen["alice"] == chosen["ex02_sigmoid"]
    assert {ex for ex, _ in chosen["alice"]} == {"ex02_sigmoid"}


@pytest.mark.slow
def test_a_student_named_hidden_keeps_its_public_checks(tmp_path):
    chosen = selection(tmp_path, {"alice": PERFECT, "hidden": PERFECT}, "-k", "not hidden")
    assert set(chosen) == {"alice", "hidden"}
    assert chosen["alice"] == chosen["hidden"]
    assert {ex for ex, _ in chosen["hidden"]} == set(SUBSET)
    assert not any(check.startswith("hidden") for _, check in chosen["hidden"])


def test_student_and_exercise_options_select_the_plan(tmp_path):
    chosen = selection(tmp_path, {"alice": PERFECT, "bob": PERFECT, "hidden": PERFECT},
                       "--student", "hidden", "--student", "bob", "-m", "public",
                       exercises=("ex05_quadratic_cost",))
    assert set(chosen) == {"bob", "hidden"}
    assert {ex for ex, _ in chosen["bob"]} == {"ex05_quadratic_cost"} and chosen["bob"] == chosen["hidden"]


def test_unknown_student_or_exercise_is_one_line(tmp_path):
    perfect(tmp_path / "subs" / "alice")
    for extra in (["--student", "zed"], ["-e", "ex99_nothing"]):
        proc = subprocess.run(grade_cmd(tmp_path / "subs", tmp_path / "out", *extra), capture_output=True,
                              text=True, env=environment(tmp_path), timeout=120)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1, proc.stderr
        assert proc.stderr.startswith("deepgrade: error: unknown"), proc.stderr


@pytest.mark.slow
def test_sigterm_removes_the_runs_scratch_folders(tmp_path):
    subs = tmp_path / "subs"
    perfect(subs / "loop")
    (subs / "loop" / "ex01_perceptron.py").write_text("import time\ntime.sleep(600)\n")
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = subprocess.Popen(grade_cmd(subs, tmp_path / "out"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=environment(tmp))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.startswith("deepgrade-sbx") for p in tmp.iterdir()):
        time.sleep(0.2)
    assert any(p.name.startswith("deepgrade-intake") for p in tmp.iterdir())
    time.sleep(1.0)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    left = sorted(p.name for p in tmp.iterdir() if p.name.startswith(("deepgrade-intake", "deepgrade-ref")))
    assert left == [], err[-2000:]
