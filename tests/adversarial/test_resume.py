"""Resumable and deterministic runs. The same submissions graded twice give identical records, reports and
recorded seeds; a run killed with SIGKILL part-way (its journal ending in a torn line) is refused without
``--resume``, reported with its unfinished students ``incomplete``, and restarted with ``--resume`` grades
only what is missing and ends with reports identical, timings aside, to an uninterrupted run."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from adversarial_support import KEYWORD, TIMEOUT, build_hostile, copy_sample, grade, journal

SAMPLE_ENTRIES = ("perfect", "partial", "stubs", "syntax_error", "notebook.ipynb", "zipped.zip")
HOSTILE = {"osexit_import", "nan_inf", "lying_objects", "sysexit_import"}


def _subs(base: Path) -> Path:
    subs = base / "subs"
    subs.mkdir(parents=True)
    for entry in SAMPLE_ENTRIES:
        copy_sample(subs, entry)
    copy_sample(subs, "perfect", "perfect_copy")
    build_hostile(subs, base / "unused", "dgresume", HOSTILE)
    return subs


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("execution_time", "duration_s")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def snapshot(out: Path) -> dict[str, object]:
    """Every report file of ``out`` with its timings removed."""
    files: dict[str, object] = {}
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = str(path.relative_to(out))
        if path.suffix in (".csv", ".parquet"):
            frame = pd.read_csv(path) if path.suffix == ".csv" else pd.read_parquet(path)
            timings = [c for c in frame.columns if "duration" in c]
            files[name] = frame.drop(columns=timings).to_csv(index=False)
        elif path.suffix == ".json":
            files[name] = _strip(json.loads(path.read_text(encoding="utf-8")))
        elif path.suffix == ".jsonl":
            files[name] = sorted(json.dumps(_strip(r), sort_keys=True) for r in journal(out))
        else:
            files[name] = path.read_bytes()
    return files


@pytest.fixture(scope="module")
def graded_twice(tmp_path_factory):
    base = tmp_path_factory.mktemp("determinism")
    subs = _subs(base)
    first, second = grade(subs, base / "a"), grade(subs, base / "b")
    assert first.returncode == 0, first.stderr[-3000:]
    assert second.returncode == 0, second.stderr[-3000:]
    return subs, base / "a", base / "b"


@pytest.mark.slow
def test_same_submissions_graded_twice_give_identical_reports(graded_twice):
    _, a, b = graded_twice
    first, second = snapshot(a), snapshot(b)
    assert first.keys() == second.keys()
    assert {"grades.csv", "results_long.parquet", "summary.html", "seeds.json"} <= first.keys()
    assert [k for k in first if first[k] != second[k]] == []
    seeds = first["seeds.json"]
    assert len(seeds["secret_sha256"]) == 64 and len(seeds["seeds"]) == len(journal(a))


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_reports(graded_twice, tmp_path):
    subs, reference, _ = graded_twice
    out = tmp_path / "out"
    total = len(journal(reference))
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(out),
           "--timeout", str(TIMEOUT), "--memory", "1024", "--no-progress", "--lang", "en", "-k", KEYWORD,
           "--dev-secret", "--sandbox", "auto"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 300
    lines = 0
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            path = out / "results.jsonl"
            lines = path.read_text().count("\n") if path.is_file() else 0
            if lines >= 20:
                break
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert 20 <= lines < total, f"the run was not killed part-way ({lines} of {total} records)"
    with (out / "results.jsonl").open("a") as fh:
        fh.write('{"student": "perfect", "exercise": "ex02_sig')  # a write torn by the kill
    kept = (out / "results.jsonl").read_text().splitlines()[:-1]
    assert not (out / "grades.csv").exists()
    again = grade(subs, out)  # a journal is there: refused, nothing touched
    assert again.returncode == 2 and "--resume" in again.stderr
    assert (out / "results.jsonl").read_text().splitlines()[:-1] == kept

    report = subprocess.run([sys.executable, "-m", "grader.cli", "report", "--out", str(out), "--lang", "en"],
                            capture_output=True, text=True, timeout=300)
    assert report.returncode == 0, report.stderr[-2000:]
    status = pd.read_csv(out / "grades.csv").set_index("student")["status"]
    unfinished = [s for s in status.index[1:] if str(status[s]).startswith("incomplete (")]
    assert unfinished, status  # the kill left students without all their checks: never shown as final
    assert "incomplete: run deepgrade grade again with --resume" in report.stdout

    resumed = grade(subs, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    records = (out / "results.jsonl").read_text().splitlines()
    assert records[: len(kept)] == kept  # what was journaled before the kill is kept as it was
    keys = [(r["student"], r["exercise"], r["check"]) for r in journal(out)]
    assert len(keys) == len(set(keys)) == total  # only the missing checks were graded
    first, again = snapshot(reference), snapshot(out)
    assert first.keys() == again.keys()
    assert [k for k in first if first[k] != again[k]] == []


@pytest.mark.slow
def test_resume_refuses_a_journal_graded_with_another_secret(graded_twice, tmp_path):
    subs, _, second = graded_twice
    shutil.copytree(second, tmp_path / "out")
    before = (tmp_path / "out" / "results.jsonl").read_text()
    proc = grade(subs, tmp_path / "out", "--resume", env={**os.environ, "DEEPGRADE_SECRET": "another secret"})
    assert proc.returncode == 4
    assert "graded with another DEEPGRADE_SECRET" in proc.stdout + proc.stderr
    assert (tmp_path / "out" / "results.jsonl").read_text() == before
    again = grade(subs, tmp_path / "out", "--resume")  # the same secret: nothing left, reports rebuilt
    assert again.returncode == 0, again.stderr[-2000:]
    assert (tmp_path / "out" / "results.jsonl").read_text() == before
