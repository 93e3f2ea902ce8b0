"""The whole grader, driven from outside like an instructor would: hostile submissions graded in the
same run as honest ones, with the stand-in registry (``standin.py``: 6 points per submission)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
STANDIN = str(HERE / "standin.py")
FULL = 6.0

HONEST_ADD = "def add(a, b):\n    return a + b\n"
HONEST_SIGMOID = "import numpy as np\n\ndef sigmoid(z):\n    return 1.0 / (1.0 + np.exp(-z))\n"
WRONG_SIGMOID = "import numpy as np\n\ndef sigmoid(z):\n    return np.zeros_like(z)\n"

SUBMISSIONS: dict[str, dict[str, str]] = {
    "alice": {"ex01_add": HONEST_ADD, "ex02_sigmoid": HONEST_SIGMOID},
    "loop": {"ex01_add": "def add(a, b):\n    while True:\n        pass\n", "ex02_sigmoid": HONEST_SIGMOID},
    "osexit": {"ex01_add": "import os\nos._exit(0)\n" + HONEST_ADD, "ex02_sigmoid": HONEST_SIGMOID},
    "sysexit": {"ex01_add": "raise SystemExit(0)\n" + HONEST_ADD, "ex02_sigmoid": HONEST_SIGMOID},
    "membomb": {
        "ex01_add": "import numpy as np\n\ndef add(a, b):\n    big = np.ones(10 * 2**30 // 8)\n"
                    "    return a + b + big[0] - 1\n",
        "ex02_sigmoid": HONEST_SIGMOID,
    },
    "printer": {
        "ex01_add": HONEST_ADD,
        "ex02_sigmoid": HONEST_SIGMOID.replace("    return", "    print('y' * 100 * 2**20)\n    return"),
    },
    "segv": {"ex01_add": "import ctypes\n\ndef add(a, b):\n    return ctypes.string_at(0)\n",
             "ex02_sigmoid": HONEST_SIGMOID},
    "liar": {
        "ex01_add": textwrap.dedent("""
            import builtins, math
            builtins.abs = lambda v: 0.0
            math.isclose = lambda *a, **k: True

            class Sneaky(float):
                def __eq__(self, other): return True
                def __sub__(self, other): return 0.0
                def __rsub__(self, other): return 0.0
                def __abs__(self): return 0.0
                def __float__(self): return 5.0

            class AlwaysEqual:
                def __eq__(self, other): return True

            def add(a, b):
                return Sneaky(0.0) if a == 2.0 else AlwaysEqual()
            """),
        "ex02_sigmoid": WRONG_SIGMOID.replace("import numpy as np", "import numpy as np\nnp.allclose = "
                                              "lambda *a, **k: True\nnp.isclose = lambda *a, **k: True"),
    },
    "hacker": {
        "ex01_add": "def add(a, b):\n    return 0.0\n",
        "ex02_sigmoid": WRONG_SIGMOID,
        "conftest": textwrap.dedent("""
            import pytest

            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(item, call):
                outcome = yield
                outcome.get_result().outcome = "passed"
            """),
        "evil": textwrap.dedent("""
            import pytest

            @pytest.hookimpl(hookwrapper=True)
            def pytest_runtest_makereport(item, call):
                outcome = yield
                outcome.get_result().outcome = "passed"
            """),
        "sitecustomize": "import builtins\nbuiltins.abs = lambda v: 0.0\n",
    },
    "thief": {
        "ex01_add": textwrap.dedent("""
            try:
                from grader.seeds import secret
                import solutions
                STOLEN = True
            except ImportError:
                STOLEN = False

            def add(a, b):
                return a + b if STOLEN else -1.0
            """),
        "ex02_sigmoid": HONEST_SIGMOID,
    },
    "stubs": {"ex01_add": "def add(a, b):\n    raise NotImplementedError\n",
              "ex02_sigmoid": "def sigmoid(z):\n    raise NotImplementedError\n"},
    "syntax": {"ex01_add": "def add(a, b)\n    return a + b\n", "ex02_sigmoid": HONEST_SIGMOID},
}
EXPECTED_POINTS = {
    "alice": FULL, "bob": FULL, "carol": FULL, "loop": 3.0, "osexit": 3.0, "sysexit": 3.0, "membomb": 3.0,
    "printer": 3.0, "segv": 3.0, "liar": 0.0, "hacker": 0.0, "thief": 3.0, "stubs": 0.0, "syntax": 3.0,
    "notes.txt": 0.0,
}
TIMEOUT = 3.0


def build(root: Path, names: list[str] | None = None) -> Path:
    root.mkdir(parents=True)
    for student, modules in SUBMISSIONS.items():
        if names is not None and student not in names:
            continue
        (root / student).mkdir()
        for name, code in modules.items():
            (root / student / f"{name}.py").write_text(code)
    if names is None:
        (root / "hacker" / "pytest.ini").write_text("[pytest]\naddopts = -p evil\n")
        with zipfile.ZipFile(root / "bob.zip", "w") as zf:
            zf.writestr("bob/ex01_add.py", HONEST_ADD)
            zf.writestr("bob/ex02_sigmoid.py", HONEST_SIGMOID)
        cells = [{"cell_type": "code", "source": HONEST_SIGMOID}, {"cell_type": "code", "source": HONEST_ADD}]
        nb = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        (root / "carol.ipynb").write_text(json.dumps(nb))
        (root / "notes.txt").write_text("not a submission")
    return root


def env() -> dict[str, str]:
    e = dict(os.environ)
    e["PYTEST_ADDOPTS"] = "--collect-only -p evil"  # the caller's environment must not steer the run
    e.setdefault("DEEPGRADE_SECRET", "test-secret")  # hidden checks are refused without a secret
    return e


def grade(subs: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out), "--backend", STANDIN,
           "--timeout", str(TIMEOUT), "--memory", "1024", "--no-progress", "--lang", "en",
           "--sandbox", "auto", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, env=env(), cwd=subs.parent, timeout=400)


def journal(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def by_student(rows: list[dict]) -> dict[str, float]:
    totals: dict[str, float] = {}
    for r in rows:
        totals[r["student"]] = totals.get(r["student"], 0.0) + r["points"]
    return totals


@pytest.fixture(scope="module")
def big_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("grading")
    subs = build(base / "subs")
    t0 = time.monotonic()
    proc = grade(subs, base / "out", "-n", "2")
    return base, proc, time.monotonic() - t0


@pytest.mark.slow
def test_hostile_and_honest_submissions_in_one_run(big_run):
    base, proc, elapsed = big_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = journal(base / "out")
    assert len(rows) == 4 * len(EXPECTED_POINTS)
    assert by_student(rows) == EXPECTED_POINTS
    # bound: loop times out on its two ex01 calls; everything else is quick
    assert elapsed < 120
    reason = {(r["student"], r["exercise"], r["check"]): (r["outcome"], r["reason"]) for r in rows}
    assert reason["loop", "ex01_add", "small"][0] == "timeout"
    assert reason["osexit", "ex01_add", "random"] == ("crashed", reason["osexit", "ex01_add", "small"][1])
    assert "exited with code 0" in reason["osexit", "ex01_add", "small"][1]
    assert reason["sysexit", "ex01_add", "small"][0] == "import_error"
    assert reason["membomb", "ex01_add", "small"][0] == "crashed"
    assert "memory" in reason["membomb", "ex01_add", "small"][1].lower()
    assert reason["printer", "ex02_sigmoid", "values"] == (
        "crashed", "output limit exceeded (printed more than 8 MB)")
    assert "segmentation fault" in reason["segv", "ex01_add", "small"][1]
    assert reason["liar", "ex01_add", "small"][0] == "failed"  # the float subclass arrives as 0.0
    assert reason["liar", "ex01_add", "random"][0] == "invalid"  # an object with a lying __eq__
    assert reason["liar", "ex02_sigmoid", "values"][0] == "failed"
    assert {reason["hacker", e, c][0] for e, c in [("ex01_add", "small"), ("ex02_sigmoid", "values")]} == {
        "failed"}
    assert reason["thief", "ex01_add", "small"][0] == "failed"
    assert reason["stubs", "ex01_add", "small"][0] == "not_implemented"
    assert reason["syntax", "ex01_add", "small"][0] == "syntax_error"
    assert reason["notes.txt", "ex01_add", "small"] == (
        "missing", "not a submission (expected a folder, a .zip or an .ipynb notebook)")
    assert all(r["hidden"] == (r["check"] == "random") for r in rows)


@pytest.mark.slow
def test_reports_are_written_and_readable(big_run):
    import pandas as pd

    base, proc, _ = big_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    grades = pd.read_csv(base / "out" / "grades.csv")
    assert len(grades) >= len(EXPECTED_POINTS)
    rebuilt = subprocess.run([sys.executable, "-m", "grader.cli", "report", "--out", str(base / "out")],
                             capture_output=True, text=True, timeout=120)
    assert rebuilt.returncode == 0, rebuilt.stderr


@pytest.mark.slow
def test_one_worker_gives_the_same_results(big_run, tmp_path):
    base, _, _ = big_run
    names = ["alice", "liar", "stubs", "syntax", "osexit"]
    proc = grade(build(tmp_path / "subs", names), tmp_path / "out", "-n", "1")
    assert proc.returncode == 0, proc.stderr[-3000:]

    def key(rows):
        return sorted((r["student"], r["exercise"], r["check"], r["outcome"], r["points"], r["reason"])
                      for r in rows if r["student"] in names)

    assert key(journal(tmp_path / "out")) == key(journal(base / "out"))


def direct_pytest(subs: Path, out: Path) -> list[str]:
    """``pytest -p grader.plugin`` on ``subs`` with the stand-in registry, quiet, journal in ``out``."""
    return [sys.executable, "-m", "pytest", "-p", "grader.plugin", "--submissions", str(subs),
            "--grader-backend", STANDIN, "--grade-out", str(out), "-q", "-p", "no:cacheprovider"]


def test_pytest_directly_with_selection_and_resume(tmp_path):
    subs = build(tmp_path / "subs", ["alice", "stubs"])
    base = direct_pytest(subs, tmp_path / "out")
    first = subprocess.run([*base, "--grade-student", "alice", "-m", "public"], capture_output=True,
                           text=True, cwd=tmp_path, timeout=200)
    assert first.returncode == 0, first.stdout[-3000:]
    rows = journal(tmp_path / "out")
    assert {(r["student"], r["check"]) for r in rows} == {("alice", "small"), ("alice", "values"),
                                                          ("alice", "scenario")}
    assert "1 passed" in first.stdout  # one item per submission
    assert "deepgrade: 3 of 3 checks passed; 3 checks of 1 submissions selected, 1 left out" in first.stdout
    resumed = subprocess.run([*base, "--resume"], capture_output=True, text=True, cwd=tmp_path, timeout=200)
    assert resumed.returncode == 1, resumed.stdout[-3000:]  # the stubs fail
    assert "deepgrade: 1 of 5 checks passed; 5 checks of 2 submissions selected, 3 left out" in resumed.stdout
    rows = journal(tmp_path / "out")
    assert len(rows) == 8 and by_student(rows) == {"alice": FULL, "stubs": 0.0}


def test_cli_bad_input_is_one_line(tmp_path):
    for args in (["grade", str(tmp_path / "missing")], ["report", "--out", str(tmp_path)],
                 ["check", str(tmp_path / "x.txt")]):
        (tmp_path / "x.txt").write_text("x")
        proc = subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True,
                              timeout=60)
        assert proc.returncode == 2
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("deepgrade: error:"), proc.stderr


def test_student_check_table(tmp_path):
    subs = build(tmp_path / "subs", ["alice", "stubs"])
    cmd = [sys.executable, "-m", "grader.cli", "check", "--backend", STANDIN, "--lang", "en"]
    good = subprocess.run([*cmd, str(subs / "alice")], capture_output=True, text=True, timeout=120)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "3/3 public checks passed (4/4 points)" in good.stdout
    assert "random" not in good.stdout  # hidden checks are not shown
    bad = subprocess.run([*cmd, str(subs / "stubs"), "--lang", "fr"], capture_output=True, text=True,
                         timeout=120)
    assert bad.returncode == 1 and "0/3 tests publics réussis" in bad.stdout
    assert "non implémenté" in bad.stdout and "1/(1+e^-z)" in bad.stdout  # statuses in the chosen language


@pytest.mark.slow
def test_timing_is_measured_by_the_parent_against_the_reference(tmp_path):
    root = tmp_path / "subs"
    fast = "import numpy as np\n\ndef total(n):\n    return float(np.arange(n, dtype=np.float64).sum())\n"
    slow = "def total(n):\n    s = 0.0\n    for i in range(n):\n        s += i\n    return s\n"
    wrong = "def total(n):\n    return 0.0\n"
    for name, code in {"fast": fast, "slow": slow, "wrong": wrong}.items():
        (root / name).mkdir(parents=True)
        (root / name / "ex03_speed.py").write_text(code)
        (root / name / "ex01_add.py").write_text(HONEST_ADD)
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(root), "--out", str(tmp_path / "out"),
           "--backend", str(HERE / "standin_timed.py"), "--no-progress", "--sandbox", "auto"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = {(r["student"], r["check"]): r for r in journal(tmp_path / "out")}
    assert rows["fast", "fast"]["outcome"] == "passed", rows["fast", "fast"]
    assert rows["slow", "fast"]["outcome"] == "failed" and "vs reference" in rows["slow", "fast"]["reason"]
    wrong = rows["wrong", "fast"]
    assert wrong["outcome"] == "failed" and "vs reference" not in wrong["reason"]


def test_each_submission_is_one_item_graded_once_under_xdist(tmp_path):
    """A submission is one pytest item (its checks graded in one child), keyed by an opaque id, run once by
    one of the xdist workers with plain ``-n 2``; its records are all journaled."""
    subs = build(tmp_path / "subs", ["alice", "stubs"])
    cmd = [sys.executable, "-m", "pytest", "-p", "grader.plugin", "--submissions", str(subs),
           "--grader-backend", STANDIN, "--grade-out", str(tmp_path / "out"), "-v", "-p", "no:cacheprovider",
           "-n", "2"]
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=200)
    ran = [line.split("test_submission[", 1)[1].split("]", 1)[0] for line in run.stdout.splitlines()
           if line.startswith("[gw") and "test_submission[" in line]
    assert sorted(ran) == ["s00000", "s00001"], run.stdout[-3000:]  # opaque keys of alice and stubs
    rows = journal(tmp_path / "out")
    assert len(rows) == 8 and by_student(rows) == {"alice": FULL, "stubs": 0.0}


# A pytest plugin (``-p dg_count``, loaded by the controller and by every xdist worker) that logs each
# intake (a listing of the submissions folder) and each zip that intake extracts, with the process id.
COUNTER = """
import os
import grader.intake as intake

_list, _zip = intake.list_entries, intake.extract_zip

def _log(what):
    with open(os.environ["DG_COUNT_LOG"], "a") as fh:
        fh.write(f"{os.getpid()} {what}\\n")

def list_entries(root):
    _log("intake")
    return _list(root)

def extract_zip(path, dest, budget):
    _log(f"zip {path.name}")
    return _zip(path, dest, budget)

intake.list_entries, intake.extract_zip = list_entries, extract_zip
"""


def test_intake_runs_once_per_run_and_no_zip_is_extracted_twice(tmp_path):
    subs = build(tmp_path / "subs", ["alice", "stubs"])
    for name in ("bob", "dan"):
        with zipfile.ZipFile(subs / f"{name}.zip", "w") as zf:
            zf.writestr(f"{name}/ex01_add.py", HONEST_ADD)
            zf.writestr(f"{name}/ex02_sigmoid.py", HONEST_SIGMOID)
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "dg_count.py").write_text(COUNTER)
    log = tmp_path / "count.log"
    cmd = [sys.executable, "-m", "pytest", "-p", "dg_count", "-p", "grader.plugin", "--submissions",
           str(subs), "--grader-backend", STANDIN, "--grade-out", str(tmp_path / "out"), "-v",
           "-p", "no:cacheprovider", "-n", "2"]
    environ = {**env(), "PYTEST_ADDOPTS": "", "DG_COUNT_LOG": str(log),
               "PYTHONPATH": os.pathsep.join([str(tmp_path / "plugins"), str(HERE.parents[1])])}
    run = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300, env=environ)
    assert run.returncode == 1, run.stdout[-3000:]  # the stubs fail
    assert {line.split("]", 1)[0] for line in run.stdout.splitlines() if line.startswith("[gw")} == {
        "[gw0", "[gw1"}, run.stdout[-3000:]  # both workers graded
    events = [line.split(" ", 1) for line in log.read_text().splitlines()]
    assert [what for _, what in events].count("intake") == 1
    assert sorted(what for _, what in events if what.startswith("zip ")) == ["zip bob.zip", "zip dan.zip"]
    assert len({pid for pid, _ in events}) == 1  # all in the controller: the workers extracted nothing
    assert by_student(journal(tmp_path / "out")) == {"alice": FULL, "bob": FULL, "dan": FULL, "stubs": 0.0}


def _records(out: Path) -> list[tuple]:
    return sorted((r["student"], r["exercise"], r["check"], r["outcome"], r["points"], r["reason"],
                   r["message_en"], r["hidden"]) for r in journal(out))


def test_pytest_with_k_grades_like_the_cli(tmp_path):
    """The plugin and ``deepgrade grade`` call the same grading function: the same selection gives the
    same records."""
    subs = build(tmp_path / "subs", ["alice", "stubs", "liar"])
    selection = ["-k", "small or values"]
    cli = grade(subs, tmp_path / "cli", *selection)
    assert cli.returncode == 0, cli.stderr[-3000:]
    cmd = [sys.executable, "-m", "pytest", "-p", "grader.plugin", "--submissions", str(subs),
           "--grader-backend", STANDIN, "--grade-out", str(tmp_path / "pytest"), "-q",
           "-p", "no:cacheprovider", "--grade-timeout", str(TIMEOUT), "--grade-memory", "1024", *selection]
    direct = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp_path, timeout=300,
                            env={**env(), "PYTEST_ADDOPTS": ""})
    assert direct.returncode == 1, direct.stdout[-3000:]  # the stubs and the liar fail
    assert "6 left out" in direct.stdout
    records = _records(tmp_path / "pytest")
    assert records == _records(tmp_path / "cli")
    assert {(r[0], r[2]) for r in records} == {(s, c) for s in ("alice", "stubs", "liar")
                                               for c in ("small", "values")}


def test_k_and_m_select_checks_and_a_bad_expression_is_one_line(tmp_path):
    """``-k``/``-m`` choose checks inside each submission's item (never whole submissions by a check's
    name); a malformed expression is pytest's one-line usage error."""
    subs = build(tmp_path / "subs", ["alice", "stubs"])
    base = direct_pytest(subs, tmp_path / "out")
    run = subprocess.run([*base, "-k", "values and not s00000", "-m", "not hidden"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=200)
    assert run.returncode == 1, run.stdout[-3000:]
    assert {(r["student"], r["check"]) for r in journal(tmp_path / "out")} == {("stubs", "values")}
    assert "1 of 1 checks not passed" in run.stdout, run.stdout
    assert "ex02_sigmoid::values: not_implemented" in run.stdout
    bad = subprocess.run([*base, "-k", "values and ("], capture_output=True, text=True, cwd=tmp_path,
                         timeout=200)
    assert bad.returncode == 4 and "Wrong expression passed to '-k'" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1, bad.stderr
