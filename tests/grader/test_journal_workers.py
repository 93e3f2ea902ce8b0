"""A grading worker killed part-way (as the OOM killer does) never hangs the run: the submission it was
grading is graded again on another worker, and a submission that loses a worker twice is recorded
``crashed: grading worker lost``; every other submission is graded. (pytest-xdist 3.8's loadgroup
scheduler queued the dead worker's finished groups again and the run waited forever.)"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from journal_support import REPO, SIGMOID, build, command, environment, honest, journal, lines


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _named(mark: str) -> list[int]:
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == mark:
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def _worker_of(pid: int, controller: int) -> int | None:
    """The controller's child on the way up from ``pid`` when it is an xdist worker (started by execnet),
    None when it is a sandbox child that a lost worker left to the controller (a subreaper)."""
    while pid > 1:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            parent = int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])
            if parent == controller:
                return pid if b"sys.stdin.readline" in Path(f"/proc/{pid}/cmdline").read_bytes() else None
        except OSError:
            return None
        pid = parent
    return None


def _run(tmp_path: Path, students: dict, kill) -> tuple[subprocess.CompletedProcess, list[int]]:
    """Grade with two workers, calling ``kill(proc)`` every 50 ms until it returns None; the run must end
    within the time a hang would exceed."""
    subs = build(tmp_path / "subs", students)
    out = tmp_path / "out"
    proc = subprocess.Popen(command(subs, out, "--dev-secret", "-n", "2", "--sandbox", "process"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env=environment())
    killed: list[int] = []
    try:
        deadline = time.monotonic() + 240
        while proc.poll() is None and time.monotonic() < deadline:
            victim = kill(proc, out, killed)
            if victim is not None:
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)
            time.sleep(0.05)
        assert proc.poll() is not None, "the run hung after a worker was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
        stdout, stderr = proc.communicate()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr), killed


@pytest.mark.slow
def test_a_worker_killed_part_way_does_not_hang_and_loses_nothing(tmp_path):
    def kill(proc, out, killed):
        workers = _children(proc.pid)
        if not killed and lines(out / "results.jsonl") >= 8 and workers:
            return workers[0]
        return None

    done, killed = _run(tmp_path, honest(8, pause=0.3), kill)
    assert len(killed) == 1
    assert done.returncode == 0, done.stderr[-3000:]
    rows = journal(tmp_path / "out")
    assert len(rows) == 32 and len({(r["student"], r["check"]) for r in rows}) == 32
    assert {r["outcome"] for r in rows} == {"passed"}  # the interrupted submission was graded again


@pytest.mark.slow
def test_a_submission_that_loses_its_worker_twice_is_recorded_crashed(tmp_path):
    mark = f"dgk{os.getpid() % 10**9}"
    killer = (f"import ctypes, time\n\ndef add(a, b):\n    ctypes.CDLL(None).prctl(15, b'{mark}', 0, 0, 0)\n"
              "    time.sleep(30)\n    return a + b\n")
    students = {**honest(4, pause=0.2), "victim": {"ex01_add": killer, "ex02_sigmoid": SIGMOID}}

    def kill(proc, out, killed):
        for child in _named(mark):
            worker = _worker_of(child, proc.pid)
            if worker is not None and worker not in killed:
                return worker
        return None

    done, killed = _run(tmp_path, students, kill)
    assert len(killed) == 2  # the first loss is retried, the second gives the submission up
    assert done.returncode == 0, done.stderr[-3000:]
    rows = journal(tmp_path / "out")
    victim = [(r["outcome"], r["reason"]) for r in rows if r["student"] == "victim"]
    assert victim == [("crashed", "grading worker lost")] * 4
    others = [r for r in rows if r["student"] != "victim"]
    assert len(others) == 16 and {r["outcome"] for r in others} == {"passed"}
