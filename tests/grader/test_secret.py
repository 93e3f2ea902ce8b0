"""The instructor's secret: ``deepgrade grade`` refuses hidden checks without it (``--dev-secret`` is the
explicit opt-in), takes it out of every grader process's environment (the bytes ``/proc/<pid>/environ``
shows included), hands it to xdist workers over their channel, and never lets it reach a record, a report
or ``seeds.json`` (which holds its SHA-256)."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import subprocess
import sys
import textwrap
import time
import uuid
from pathlib import Path

import pytest
from journal_support import HERE, REPO, SIGMOID, build, command, environment, honest, journal

from grader import seeds
from grader.model import CheckResult, Outcome
from grader.plugin import redact_secret

SEEDED = str(HERE / "standin_seeded.py")

# Names itself @MARK@ and waits a moment (so the test can look at its ancestors from outside), then reads
# the environment and command line of every ancestor and every process it can see, looking for the secret
# (given as @TOKEN@); says how many ancestors' environments it could read and what it found.
THIEF = '''
import ctypes
import os
import time

TOKEN = "@TOKEN@".encode()


def ancestors():
    pid = os.getppid()
    while pid > 1:
        yield pid
        with open(f"/proc/{pid}/status") as fh:
            pid = int(next(line for line in fh if line.startswith("PPid:")).split()[1])


def add(a, b):
    ctypes.CDLL(None).prctl(15, b"@MARK@", 0, 0, 0)
    time.sleep(1.5)
    read, found = 0, []
    chain = list(ancestors())
    for pid in dict.fromkeys([*chain, *(int(p) for p in os.listdir("/proc") if p.isdigit())]):
        for name in ("environ", "cmdline"):
            try:
                with open(f"/proc/{pid}/{name}", "rb") as fh:
                    data = fh.read()
            except OSError:
                continue
            read += name == "environ" and pid in chain
            if TOKEN in data:
                found.append(f"{pid}/{name}: " + data[data.index(TOKEN) - 20:].split(b"\\0")[0].decode())
    raise RuntimeError(f"ancestors read: {read}; found: {found or 'nothing'}")
'''


def _thief(root, token, mark):
    code = THIEF.replace("@TOKEN@", token).replace("@MARK@", mark)
    return build(root, {"thief": {"ex01_add": code, "ex02_sigmoid": SIGMOID}, **honest(1)})


def _named(mark: str) -> list[int]:
    found = []
    for comm in Path("/proc").glob("[0-9]*/comm"):
        try:
            if comm.read_text().strip() == mark:
                found.append(int(comm.parent.name))
        except OSError:
            continue
    return found


def _ancestors(pid: int) -> list[int]:
    chain = []
    while pid > 1:
        status = Path(f"/proc/{pid}/status").read_text()
        pid = int(next(line for line in status.splitlines() if line.startswith("PPid:")).split()[1])
        chain.append(pid)
    return chain


def test_grade_without_a_secret_is_refused_before_anything(tmp_path):
    subs = build(tmp_path / "subs", honest(1))
    proc = subprocess.run(command(subs, tmp_path / "out"), capture_output=True, text=True, env=environment(),
                          cwd=REPO, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("deepgrade: error: hidden checks need")
    assert "export DEEPGRADE_SECRET=" in proc.stderr and "--dev-secret" in proc.stderr
    assert not (tmp_path / "out").exists()  # nothing graded, nothing written


def test_public_only_needs_no_secret(tmp_path):
    subs = build(tmp_path / "subs", honest(1))
    proc = subprocess.run(command(subs, tmp_path / "out", "--public-only"), capture_output=True, text=True,
                          env=environment(), cwd=REPO, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {r["check"] for r in journal(tmp_path / "out")} == {"small", "values", "scenario"}


def test_the_secret_leaves_the_environment_block_and_every_child():
    token = f"tok-{uuid.uuid4().hex}"
    script = textwrap.dedent("""
        import hashlib, os, subprocess, sys
        from grader import seeds
        held = seeds.take_secret_from_environment()
        block = open('/proc/self/environ', 'rb').read()
        probe = 'import os; print(os.environ.get("DEEPGRADE_SECRET"))'
        child = subprocess.run([sys.executable, '-c', probe], capture_output=True, text=True).stdout.strip()
        print(hashlib.sha256(held.encode()).hexdigest(), held.encode() in block, b'DEEPGRADE_SECRET' in block,
              'DEEPGRADE_SECRET' in os.environ, child, seeds.secret() == held)
        """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO,
                          env=environment(token), timeout=60)
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert proc.stdout.split() == [digest, "False", "False", "False", "None", "True"], proc.stderr


def test_dev_secret_and_held_secret_precedence(monkeypatch):
    monkeypatch.setattr(seeds, "_held", None)
    monkeypatch.delenv(seeds.SECRET_ENV, raising=False)
    assert seeds.secret() == seeds.DEVELOPMENT_SECRET and seeds.held_secret() is None
    monkeypatch.setenv(seeds.SECRET_ENV, "from-env")
    assert seeds.secret() == "from-env"
    seeds.use_secret("held")
    assert seeds.secret() == "held" and seeds.held_secret() == "held"


def test_a_secret_in_a_record_is_cut_out(monkeypatch):
    monkeypatch.setattr(seeds, "_held", "s3cr3t-value")
    result = CheckResult("bob", "ex01_add", "small", 0.0, 1.0, Outcome.ERROR, "RuntimeError: s3cr3t-value",
                         "FR s3cr3t-value", "EN s3cr3t-value", 0.1, False)
    clean = redact_secret(result)
    assert "s3cr3t-value" not in json.dumps(dataclasses.asdict(clean), default=str)
    assert clean.reason == "RuntimeError: [secret removed]"
    honest_result = dataclasses.replace(result, reason="fine", message_fr="fine", message_en="fine")
    assert redact_secret(honest_result) is honest_result


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_process_mode_child_finds_the_secret_in_no_ancestor(tmp_path, workers):
    """What a child without Landlock could read, the test reads for it: the environment block of every
    ancestor of the running child (the grading worker, the controller, ...) holds no secret."""
    token, mark = f"tok-{uuid.uuid4().hex}", f"dg{uuid.uuid4().hex[:10]}"
    subs = _thief(tmp_path / "subs", token, mark)
    out = tmp_path / "out"
    cmd = command(subs, out, "--backend", SEEDED, "--sandbox", "process", "-n", workers)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env=environment(token))
    seen: dict[int, bytes] = {}
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and not seen:
        for child in _named(mark):
            for pid in _ancestors(child):
                with contextlib.suppress(OSError):
                    seen[pid] = Path(f"/proc/{pid}/environ").read_bytes()
        time.sleep(0.05)
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-3000:]
    assert proc.pid in seen and len(seen) >= 2, seen.keys()  # the controller and what lies above it
    assert [pid for pid, block in seen.items() if token.encode() in block] == []
    reason = {(r["student"], r["check"]): r["reason"] for r in journal(out)}["thief", "small"]
    assert "found: nothing" in reason, reason
    leaked = [p for p in out.rglob("*") if p.is_file() and token.encode() in p.read_bytes()]
    assert leaked == []
    recorded = json.loads((out / "seeds.json").read_text())
    assert recorded["secret_sha256"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stdout + stderr


def test_workers_grade_with_the_secret_they_were_sent(tmp_path):
    """Hidden inputs depend on the secret: a worker that did not receive it (its environment holds none)
    would draw the development secret's inputs. The echo submission puts its inputs in its reason."""
    echo = "def add(a, b):\n    raise RuntimeError(f'inputs {a!r} {b!r}')\n"
    subs = build(tmp_path / "subs", {f"e{i}": {"ex01_add": echo, "ex02_sigmoid": SIGMOID} for i in range(2)})

    def hidden_inputs(name, *extra, secret=None):
        out = tmp_path / name
        proc = subprocess.run(command(subs, out, "--backend", SEEDED, *extra), capture_output=True, text=True,
                              env=environment(secret), cwd=REPO, timeout=300)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return {r["student"]: r["reason"] for r in journal(out) if r["check"] == "random"}

    one = hidden_inputs("one", "-n", "1", secret="course-secret-1")
    two = hidden_inputs("two", "-n", "2", secret="course-secret-1")
    dev = hidden_inputs("dev", "-n", "2", "--dev-secret")
    assert one == two and set(one) == {"e0", "e1"}
    assert all(dev[s] != one[s] for s in one)
