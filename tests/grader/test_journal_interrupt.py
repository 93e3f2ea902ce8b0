"""A run that stops early loses nothing and never passes for finished: Ctrl-C or SIGTERM ends with
``N of M submissions graded; run the same command with --resume to finish`` and a non-zero exit, the
reports mark unfinished students ``incomplete (a/b checks)``, a journal write that fails (a full disk)
stops the run cleanly with what was journaled kept, and ``--resume`` then finishes the run."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time

import pandas as pd
import pytest
from journal_support import REPO, build, command, environment, grade, honest, journal, keys, lines


def _wait_for(path, count, proc, timeout=120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None and lines(path) < count:
        time.sleep(0.05)
    return lines(path)


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_run_says_how_far_it_got_and_resumes(tmp_path, sig):
    subs = build(tmp_path / "subs", honest(5, pause=0.4))
    out = tmp_path / "out"
    proc = subprocess.Popen(command(subs, out, "--dev-secret"), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=REPO, env=environment())
    done = _wait_for(out / "results.jsonl", 4, proc)
    assert proc.poll() is None and 4 <= done < 20, f"not interrupted part-way ({done} of 20 records)"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stderr[-3000:]
    line = stderr.strip().splitlines()[-1]
    graded = int(line.split("deepgrade: ")[1].split(" of ")[0])
    assert line == (f"deepgrade: {graded} of 5 submissions graded; "
                    "run the same command with --resume to finish")
    assert 1 <= graded < 5
    assert not (out / "grades.csv").exists()

    report = subprocess.run([sys.executable, "-m", "grader.cli", "report", "--out", str(out), "--lang", "en"],
                            capture_output=True, text=True, cwd=REPO, timeout=120)
    assert report.returncode == 0, report.stderr
    status = pd.read_csv(out / "grades.csv").set_index("student")["status"]  # students only
    assert len(status) == 5  # planned students with no record still have a row
    unfinished = status[status.str.startswith("incomplete (")]
    assert len(unfinished) == 5 - graded and (status[~status.index.isin(unfinished.index)] == "ok").all()
    assert all(s.endswith("/4 checks)") for s in unfinished)
    slug = unfinished.index[0]
    assert "Grading incomplete:" in (out / "feedback" / f"{slug}.md").read_text()
    assert "not final" in (out / "gradescope" / slug / "results.json").read_text()
    assert "incomplete" in (out / "summary.html").read_text()

    resumed = grade(subs, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    rows = journal(out)
    assert len(rows) == len(set(keys(rows))) == 20
    assert (pd.read_csv(out / "grades.csv")["status"] == "ok").all()


# Runs ``deepgrade grade`` with the journal's appends failing as on a full disk from the third on.
FULL_DISK = textwrap.dedent(f"""
    import errno, sys
    import grader.reports as reports
    from grader.cli import main

    real, calls = reports.append_results, []

    def append(path, results):
        calls.append(1)
        if len(calls) >= 3:
            raise OSError(errno.ENOSPC, "{os.strerror(errno.ENOSPC)}")
        real(path, results)

    reports.append_results = append
    sys.exit(main(sys.argv[1:]))
    """)


def test_a_full_disk_stops_the_run_cleanly_and_keeps_what_was_journaled(tmp_path):
    subs = build(tmp_path / "subs", honest(5))
    out = tmp_path / "out"
    cmd = [sys.executable, "-c", FULL_DISK, *command(subs, out, "--dev-secret")[3:]]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=environment(), timeout=300)
    assert proc.returncode == 3, proc.stderr[-3000:]
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"deepgrade: error: cannot write the journal {out / 'results.jsonl'}: "
                                  f"{os.strerror(errno.ENOSPC)}; grading stopped")
    assert "2 of 5 submissions graded" in proc.stderr and "--resume" in proc.stderr
    rows = journal(out)
    assert len(rows) == 8 and len({r["student"] for r in rows}) == 2  # two whole submissions, no torn line
    resumed = grade(subs, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert len(journal(out)) == 20 and journal(out)[:8] == rows


def test_append_results_cuts_back_a_failed_write(tmp_path, monkeypatch):
    from grader.model import CheckResult, Outcome
    from grader.reports import append_results
    from grader.reports import journal as journal_module

    path = tmp_path / "results.jsonl"
    record = CheckResult("a", "ex01_add", "small", 1.0, 1.0, Outcome.PASSED, "", "", "", 0.1, False)
    append_results(path, [record])
    before = path.read_bytes()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module.os, "fsync", full)
    with pytest.raises(OSError):
        append_results(path, [record, record])
    assert path.read_bytes() == before


def test_an_interrupt_during_a_journal_write_never_journals_a_submission_twice(tmp_path, monkeypatch):
    """SIGTERM and Ctrl-C become ``KeyboardInterrupt``, raised when the append's fsync returns: the
    submission must not stay pending, or the run's finish would append it a second time."""
    import grader.reports as reports
    from grader.engine.grading import Planned, failure_result
    from grader.engine.journal import Journal
    from grader.model import Outcome

    planned = [Planned(f"s00000::ex01_add::{c}", "alice", "ex01_add", c, 1.0, False, False)
               for c in ("a", "b")]
    journal_ = Journal(tmp_path, "new", "secret")
    journal_.open()
    journal_.expect(planned)
    real = reports.append_results

    def interrupted(path, results):
        real(path, results)
        raise KeyboardInterrupt

    monkeypatch.setattr(reports, "append_results", interrupted)
    journal_.record(planned[0], failure_result(planned[0], Outcome.FAILED, "x"))
    with pytest.raises(KeyboardInterrupt):
        journal_.record(planned[1], failure_result(planned[1], Outcome.FAILED, "y"))
    monkeypatch.setattr(reports, "append_results", real)
    journal_.finish()
    assert [(r["student"], r["check"]) for r in journal(tmp_path)] == [("alice", "a"), ("alice", "b")]
