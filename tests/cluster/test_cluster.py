"""``deepgrade grade --cluster``: one Dask task per submission gives the reports of a local run, a Dask
worker killed while it grades has its submission graded again on another worker (and nothing journaled
twice), ``--resume`` works across engines, and a malformed address is a one-line error."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "grader"))
from journal_support import SIGMOID, build, command, environment, grade, honest, journal, keys  # noqa: E402

SAMPLES = REPO / "examples" / "submissions"


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in ("execution_time", "duration_s")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def snapshot(out: Path) -> dict[str, object]:
    """Every report file of ``out`` with its timings removed (the journal as a set of records)."""
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


def differences(a: Path, b: Path) -> list[str]:
    first, second = snapshot(a), snapshot(b)
    return sorted(set(first) ^ set(second)) + [k for k in first if k in second and first[k] != second[k]]


def test_pack_and_unpack_round_trip_and_stay_inside(tmp_path):
    pytest.importorskip("distributed")
    from grader.engine.cluster import pack, unpack

    (tmp_path / "sub" / "pkg").mkdir(parents=True)
    (tmp_path / "sub" / "ex01_add.py").write_text("def add(a, b):\n    return a + b\n")
    (tmp_path / "sub" / "pkg" / "__init__.py").write_bytes(b"\x00\xff")
    unpack(pack(tmp_path / "sub"), tmp_path / "copy")
    assert sorted(str(p.relative_to(tmp_path / "copy")) for p in (tmp_path / "copy").rglob("*")) == [
        "ex01_add.py", "pkg", "pkg/__init__.py"]
    assert (tmp_path / "copy" / "pkg" / "__init__.py").read_bytes() == b"\x00\xff"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../escaped.py", "x")
        zf.writestr("/abs.py", "x")
    unpack(buf.getvalue(), tmp_path / "evil")
    assert list((tmp_path / "evil").iterdir()) == [] and not (tmp_path / "escaped.py").exists()


@pytest.mark.parametrize("address", ["nowhere", "local:0", "local:two", "tcp://no-port"])
def test_a_malformed_cluster_address_is_one_line(tmp_path, address):
    subs = build(tmp_path / "subs", honest(1))
    proc = grade(subs, tmp_path / "out", "--cluster", address, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("deepgrade: error: --cluster"), proc.stderr
    assert not (tmp_path / "out" / "results.jsonl").exists()


@pytest.mark.slow
def test_the_samples_on_a_local_cluster_give_the_reports_of_a_local_run(tmp_path):
    """``examples/submissions`` (folders, a zip, a notebook, stubs, a syntax error), the real registry.
    Timing checks are left out: their reasons hold the measured times, which differ between any two runs."""
    pytest.importorskip("distributed")
    base = ["-m", "not timing", "--dev-secret", "--sandbox", "auto", "--no-progress", "--lang", "en"]

    def run(out: Path, *extra: str) -> subprocess.CompletedProcess:
        cmd = [sys.executable, "-m", "grader.cli", "grade", str(SAMPLES), "--out", str(out), *base, *extra]
        return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, env=environment(), timeout=900)

    local = run(tmp_path / "local")
    assert local.returncode == 0, local.stderr[-3000:]
    cluster = run(tmp_path / "cluster", "--cluster", "local:2")
    assert cluster.returncode == 0, cluster.stderr[-3000:]
    assert len(journal(tmp_path / "cluster")) == len(journal(tmp_path / "local")) > 6 * 40
    assert differences(tmp_path / "local", tmp_path / "cluster") == []
    assert cluster.stdout.splitlines()[-1].startswith("graded 6 submission(s)")


def _parent(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])


def _dask_worker_above(pid: int, grader: int) -> int | None:
    """The Dask worker process (a multiprocessing child of the grading process) above ``pid``."""
    try:
        while pid > 1:
            parent = _parent(pid)
            if parent == grader:
                return pid if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes() else None
            pid = parent
    except (OSError, StopIteration, ValueError):
        return None
    return None


def _named(mark: str) -> list[int]:
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == mark:
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_a_dask_worker_killed_while_it_grades_changes_no_report(tmp_path):
    pytest.importorskip("distributed")
    mark = f"dgd{os.getpid() % 10**9}"
    named = (f"import ctypes, time\n\ndef add(a, b):\n    ctypes.CDLL(None).prctl(15, b'{mark}', 0, 0, 0)\n"
             "    time.sleep(1.0)\n    return a + b\n")
    subs = build(tmp_path / "subs", {**honest(3), "victim": {"ex01_add": named, "ex02_sigmoid": SIGMOID}})
    reference = grade(subs, tmp_path / "reference", "--sandbox", "process")  # uninterrupted, no Dask
    assert reference.returncode == 0, reference.stderr[-3000:]

    out = tmp_path / "out"
    cmd = command(subs, out, "--dev-secret", "--cluster", "local:2", "--sandbox", "process")
    # two tasks in flight: the others are zipped and sent as slots free, the victim's retry included
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**environment(), "DEEPGRADE_CLUSTER_WINDOW": "2"})
    killed: list[int] = []
    try:
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            for child in [] if killed else _named(mark):
                worker = _dask_worker_above(child, proc.pid)
                if worker is not None:
                    os.kill(worker, signal.SIGKILL)
                    killed.append(worker)
                    break
            time.sleep(0.02)
        assert proc.poll() is not None, "the run hung after a Dask worker was killed"
    finally:
        if proc.poll() is None:
            proc.kill()
        _, stderr = proc.communicate()
    assert len(killed) == 1, "the Dask worker grading the victim was not found"
    assert proc.returncode == 0, stderr[-3000:]
    rows = journal(out)
    assert len(rows) == len(set(keys(rows))) == 16  # the victim graded again, journaled once
    assert {r["outcome"] for r in rows} == {"passed"}
    assert differences(tmp_path / "reference", out) == []


@pytest.mark.slow
def test_resume_and_regrade_across_engines(tmp_path):
    """A run started on a cluster, resumed locally, regraded on a cluster: one record per check and the
    reports of one local run."""
    pytest.importorskip("distributed")
    subs = build(tmp_path / "subs", honest(3))
    out = tmp_path / "out"
    first = grade(subs, out, "--cluster", "local:1", "--student", "s01")
    assert first.returncode == 0, first.stderr[-3000:]
    assert {r["student"] for r in journal(out)} == {"s01"}
    resumed = grade(subs, out, "--resume")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    regraded = grade(subs, out, "--regrade", "--student", "s02", "--cluster", "local:1")
    assert regraded.returncode == 0, regraded.stderr[-3000:]
    rows = journal(out)
    assert len(rows) == len(set(keys(rows))) == 12
    whole = grade(subs, tmp_path / "whole")
    assert whole.returncode == 0, whole.stderr[-3000:]
    assert differences(tmp_path / "whole", out) == []
