"""Attacks on the sandbox core, written the way a clever student would, in process mode and under
bubblewrap: rewriting the child's runtime, forging reply frames to beat the clock, spending the time
budget, splitting memory over forked helpers, Unix sockets, System V IPC, escaping the kill sweep."""

from __future__ import annotations

import errno
import os
import socket
import textwrap
import time
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from grader.sandbox import Limits, Sandbox, bwrap

LIMITS = Limits(memory_mb=1024, output_mb=2.0, startup_s=60.0)
HARNESS = Path(__file__).resolve().parents[2] / "grader" / "harness.py"
NO_BWRAP = bwrap.probe()
MODES = ["process", pytest.param("bwrap", marks=pytest.mark.skipif(bool(NO_BWRAP), reason=NO_BWRAP))]


def make(tmp_path: Path, **modules: str) -> Path:
    folder = tmp_path / "submission"
    folder.mkdir(parents=True)
    for name, code in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))
    return folder


def sandbox(folder: Path, mode: str, limits: Limits = LIMITS, **kw: object) -> Sandbox:
    return Sandbox(folder, limits=limits, launcher=bwrap.launcher() if mode == "bwrap" else None, **kw)


def wait_for(predicate, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)


def holders(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line holds ``marker``."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{name}/cmdline").read_bytes()
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker.encode() in cmdline and state != "Z":
            found.append(int(name))
    return found


GOOD = "def f():\n    return 1\n"


@pytest.mark.parametrize("mode", MODES)
def test_a_rewritten_runtime_or_planted_symlink_changes_nothing(tmp_path, mode):
    victim = tmp_path / "victim.txt"
    victim.write_text("intact\n")
    mark = tmp_path / "pwned"
    evil = f"""
    import os

    here = os.path.dirname(os.getcwd())
    payload = "\\nopen({str(mark)!r}, 'w').write('pwned')\\n"
    for root, _dirs, files in os.walk(here):
        for name in files:
            try:
                with open(os.path.join(root, name), "a") as fh:
                    fh.write(payload)
            except OSError:
                pass
    for folder in ("", "rt", "runtime", "home", "tmp", "numba_cache", "sub"):
        for name in ("config.json", "_dg_child.py", "_dg_values.py", "_dg_harness.py", "numpy"):
            path = os.path.join(here, folder, name)
            try:
                os.makedirs(os.path.dirname(path), exist_ok=True)
                if os.path.lexists(path):
                    os.unlink(path)
                os.symlink({str(victim)!r}, path)
            except OSError:
                pass
    os._exit(0)
    """
    box = sandbox(make(tmp_path, evil=evil, good=GOOD), mode, harness=HARNESS)
    try:
        assert sorted(p.name for p in box.private.iterdir()) == ["home", "numba_cache", "sub", "tmp"]
        first = box.call("evil", "f", {}, 20)
        assert first.status == "crashed" and "exited with code 0" in first.error
        again = box.call("good", "f", {}, 20)
        assert again.ok and again.value == 1, again
        assert box.starts == 2 and box.isolation["seccomp"] == "applied"
        assert not (box.private / "rt").exists()
    finally:
        box.close()
    assert victim.read_text() == "intact\n" and not mark.exists()
    assert not box.private.exists()


FORGER = """
import json, os, struct, sys, threading, time

WFD = int(open("/proc/self/cmdline", "rb").read().split(b"\\0")[-2])


def _seq():
    frame = sys._getframe(1)
    while frame is not None:
        req = frame.f_locals.get("req")
        if isinstance(req, dict) and "q" in req:
            return req["q"]
        frame = frame.f_back
    return None


def _forge(seq, value):
    body = json.dumps({"q": seq, "status": "ok", "value": {"i": value}, "error": ""}).encode()
    os.write(WFD, struct.pack(">Q", len(body)) + body)


def _burn(seconds):
    start = time.thread_time()
    while time.thread_time() - start < seconds:
        pass


def early_frame(x):
    _forge(_seq(), 3 * x)  # forged at once, with a wrong value: the real reply must win
    _burn(1.0)
    return 2 * x


def stray_then_real(x):
    _forge(-7, 999)
    _forge(None, 999)
    return 2 * x


def threads(x):
    workers = [threading.Thread(target=_burn, args=(0.4,)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return 2 * x


def forked(x):
    pid = os.fork()
    if pid == 0:
        _burn(0.6)
        os._exit(0)
    os.waitpid(pid, 0)
    return 2 * x
"""


@pytest.mark.parametrize("mode", MODES)
def test_an_early_forged_frame_does_not_stop_the_clock(tmp_path, mode):
    with sandbox(make(tmp_path, m=FORGER), mode) as box:
        reply = box.call("m", "early_frame", {"x": 5}, 30, timed=True)
        assert reply.ok and reply.value == 10, reply
        assert reply.cpu_s >= 0.9 and reply.duration_s >= 0.9, reply
        untimed = box.call("m", "stray_then_real", {"x": 4}, 30)
        assert untimed.ok and untimed.value == 8 and untimed.cpu_s == -1.0, untimed
        assert box.call("m", "threads", {"x": 1}, 30, timed=True).cpu_s >= 0.7
        assert box.call("m", "forked", {"x": 1}, 30, timed=True).cpu_s >= 0.5
        quick = box.call("m", "stray_then_real", {"x": 1}, 30, timed=True)
        assert quick.ok and quick.value == 2 and 0 <= quick.cpu_s < 0.3, quick
        assert box.starts == 1


ANSWER_THEN_EXIT = """
import os, sys


def _send_then_exit(value):
    frame = sys._getframe()
    while "wfd" not in frame.f_locals:
        frame = frame.f_back
    found = frame.f_locals
    found["send"]({"q": found["seq"], "status": "ok", "value": value, "error": ""})
    os._exit(0)


def answer_then_exit(x):
    _send_then_exit({"i": 2 * x})


def honest(x):
    return 2 * x
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_child_that_dies_after_answering_loses_that_call_not_the_next(tmp_path, mode):
    with sandbox(make(tmp_path, m=ANSWER_THEN_EXIT), mode) as box:
        for _ in range(3):  # the death is seen at once (a sync round trip), never by the next call
            dying = box.call("m", "answer_then_exit", {"x": 5}, 30)
            assert dying.status == "crashed" and "exited with code 0" in dying.error, dying
            after = box.call("m", "honest", {"x": 4}, 30)
            assert after.ok and after.value == 8, after


def test_the_time_budget_cuts_a_submission_that_answers_just_in_time(tmp_path):
    code = "import time\n\ndef slow():\n    time.sleep(0.9)\n    return 1\n"
    t0 = time.monotonic()
    with sandbox(make(tmp_path, m=code), "process", replace(LIMITS, budget_s=4.0)) as box:
        replies = [box.call("m", "slow", {}, 1.0) for _ in range(6)]
    assert time.monotonic() - t0 < 7.0
    assert replies[0].ok and replies[1].ok
    cut = [r for r in replies if r.status == "timeout"]
    assert len(cut) >= 2 and all("time budget of the submission (4 s) spent" in r.error for r in cut), replies
    assert replies[-1].duration_s == 0.0  # refused at once


HELPERS = """
import ctypes, os, time

def split(tag, mb, n):
    for _ in range(n):
        if os.fork() == 0:
            ctypes.CDLL(None).prctl(15, tag.encode(), 0, 0, 0)
            block = bytearray(mb * 2**20)
            for i in range(0, len(block), 4096):
                block[i] = 1
            time.sleep(30)
            os._exit(0)
    time.sleep(30)
    return 0

def ok():
    return 1
"""


def _named(tag: str) -> list[int]:
    """Live (not zombie) processes named ``tag``: a killed helper still releasing its memory under load can
    stay a zombie of the grading process until its next sweep; a zombie holds no memory."""
    out = []
    for name in os.listdir("/proc"):
        try:
            if not name.isdigit() or Path(f"/proc/{name}/comm").read_text().strip() != tag:
                continue
            state = Path(f"/proc/{name}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.append(int(name))
    return out


@pytest.mark.parametrize("mode", MODES)
def test_memory_split_over_forked_helpers_is_killed(tmp_path, mode):
    tag = f"dg{uuid.uuid4().hex[:10]}"
    with sandbox(make(tmp_path, m=HELPERS), mode) as box:
        t0 = time.monotonic()
        reply = box.call("m", "split", {"tag": tag, "mb": 300, "n": 5}, 30)
        assert reply.status == "crashed", reply
        assert "memory limit (1024 MB) of the submission exceeded by its processes" in reply.error
        assert time.monotonic() - t0 < 15
        wait_for(lambda: _named(tag) == [], 15.0)  # killed helpers release 300 MB each before they are gone
        assert _named(tag) == []
        assert box.call("m", "ok", {}, 20).value == 1


@pytest.mark.parametrize("mode", MODES)
def test_too_many_processes_are_killed_even_as_root(tmp_path, mode):
    tag = f"dg{uuid.uuid4().hex[:10]}"
    with sandbox(make(tmp_path, m=HELPERS), mode, replace(LIMITS, processes=8)) as box:
        reply = box.call("m", "split", {"tag": tag, "mb": 1, "n": 12}, 30)
        assert reply.status == "crashed" and "process limit (8) of the submission exceeded" in reply.error
        assert _named(tag) == []


def test_the_disk_budget_is_enforced_after_the_call(tmp_path):
    code = """
    import os

    def fill(n):
        for i in range(n):
            with open(os.path.join(os.environ["TMPDIR"], f"fill_{i}.bin"), "wb") as fh:
                fh.write(os.urandom(2**20) * 8)
        return n

    def ok():
        return 1
    """
    with sandbox(make(tmp_path, m=code), "process", replace(LIMITS, disk_mb=20)) as box:
        assert box.call("m", "fill", {"n": 1}, 30).value == 1
        over = box.call("m", "fill", {"n": 4}, 30)
        assert over.status == "crashed" and "disk budget (20 MB) exceeded" in over.error
        full = box.private
        assert box.call("m", "ok", {}, 30).value == 1  # a fresh folder, a fresh copy
        assert box.private != full and not full.exists()


PROBES = """
import ctypes, errno, os, socket

libc = ctypes.CDLL(None, use_errno=True)


def _errno(result):
    return ctypes.get_errno() if result < 0 else "created"


def unix(path):
    try:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    except OSError as err:
        return err.errno
    try:
        s.connect(path)
    except OSError as err:
        return err.errno
    return "connected"


def sysv():
    return {
        "shmget": _errno(libc.shmget(0, 4096, 0o1000 | 0o600)),
        "msgget": _errno(libc.msgget(0, 0o1000 | 0o600)),
        "semget": _errno(libc.semget(0, 1, 0o1000 | 0o600)),
        "unreap": _errno(-1 if libc.prctl(36, 0, 0, 0, 0) else 0),
        "udp": unix_udp(),
    }


def unix_udp():
    try:
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    except OSError as err:
        return err.errno
    return "created"


def grader_environ(pid):
    try:
        open(f"/proc/{pid}/environ", "rb").read()
    except OSError as err:
        return type(err).__name__
    return "read"


def jit(n):
    import numba
    import numpy as np

    f = numba.njit(lambda a: (a * a).sum())
    return float(f(np.arange(float(n)))) + float(np.linalg.norm(np.ones(4)))
"""


@pytest.mark.parametrize("mode", MODES)
def test_unix_sockets_and_system_v_ipc_fail(tmp_path, mode):
    path = str(tmp_path / "daemon.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    server.settimeout(0.2)
    try:
        with sandbox(make(tmp_path, m=PROBES), mode) as box:
            assert box.call("m", "unix", {"path": path}, 30).value == errno.EPERM
            got = box.call("m", "sysv", {}, 30).value
            assert got == {"shmget": errno.EPERM, "msgget": errno.EPERM, "semget": errno.EPERM,
                           "unreap": errno.EPERM, "udp": errno.EPERM}, got
        with pytest.raises(TimeoutError):
            server.accept()
    finally:
        server.close()


def test_the_grader_environment_is_not_readable_by_a_process_mode_child(tmp_path):
    with sandbox(make(tmp_path, m=PROBES), "process") as box:
        assert box.call("m", "grader_environ", {"pid": os.getpid()}, 30).value == "PermissionError"
        if os.geteuid() == 0:
            assert box.isolation["capabilities"] == "dropped"


@pytest.mark.parametrize("mode", MODES)
def test_numpy_and_numba_work_under_the_filters(tmp_path, mode):
    with sandbox(make(tmp_path, m=PROBES), mode) as box:
        reply = box.call("m", "jit", {"n": 4}, 120)
        assert reply.ok and reply.value == 16.0, reply
        assert box.isolation["seccomp"] == "applied" and box.isolation["subreaper"] is True


DAEMON = """
import os, sys

def leave(tag, then_exit):
    if os.fork() == 0:
        os.setsid()
        if os.fork() == 0:
            # a shell, not Python: the sandbox cannot list the standard library, so no new interpreter starts
            os.execve("/bin/sh", ["/bin/sh", "-c", "sleep 60; :", tag], {})
        os._exit(0)
    os.wait()
    if then_exit:
        os._exit(0)
    return 1
"""


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("then_exit", [False, True])
def test_a_double_forked_process_without_environment_is_gone_after_close(tmp_path, mode, then_exit):
    tag = f"dg-daemon-{uuid.uuid4().hex}"
    box = sandbox(make(tmp_path, m=DAEMON), mode)
    try:
        reply = box.call("m", "leave", {"tag": tag, "then_exit": then_exit}, 30)
        if then_exit:  # the child died: its orphan came back to the grader, and the sweep took it
            assert reply.status == "crashed" and holders(tag) == []
        else:
            wait_for(lambda: holders(tag))
            assert reply.ok and holders(tag)  # the shell, and for an instant the copy it forks for sleep
    finally:
        box.close()
    wait_for(lambda: not holders(tag))
    assert holders(tag) == []


def test_private_folder_is_named_for_the_stale_sweep_and_removed(tmp_path):
    box = sandbox(make(tmp_path, m=GOOD), "process")
    assert box.private.name.startswith(f"deepgrade-sbx-{os.getpid()}-")
    box.close()
    assert not box.private.exists()


def test_a_child_that_exits_while_a_fork_holds_its_channel_is_seen_dead(tmp_path):
    code = """
    import os, time

    def leave():
        if os.fork() == 0:
            time.sleep(30)
            os._exit(0)
        os._exit(0)

    def ok():
        return 1
    """
    with sandbox(make(tmp_path, m=code), "process") as box:
        t0 = time.monotonic()
        reply = box.call("m", "leave", {}, 20)
        assert reply.status == "crashed" and "exited with code 0" in reply.error, reply
        assert time.monotonic() - t0 < 5
        assert box.call("m", "ok", {}, 20).value == 1


def _run_bpf(prog: list[tuple[int, int, int, int]], arch: int, nr: int, arg0: int = 0) -> int:
    """A classic-BPF interpreter for the few instructions the filter uses."""
    data, acc, pc = {0: nr, 4: arch, 16: arg0}, 0, 0
    while True:
        code, jt, jf, k = prog[pc]
        assert 0 <= jt < 256 and 0 <= jf < 256
        if code == 0x20:
            acc, pc = data[k], pc + 1
        elif code == 0x15:
            pc += 1 + (jt if acc == k else jf)
        elif code == 0x35:
            pc += 1 + (jt if acc >= k else jf)
        else:
            assert code == 0x06
            return k


@pytest.mark.parametrize(("machine", "arch", "socket_nr", "getpid_nr", "prctl_nr"), [
    ("x86_64", 0xC000003E, 41, 39, 157),
    ("aarch64", 0xC00000B7, 198, 172, 167),
])
def test_the_seccomp_program_denies_with_eperm_and_allows_the_rest(machine, arch, socket_nr, getpid_nr,
                                                                    prctl_nr):
    from grader.sandbox.confine import seccomp_program

    prog = seccomp_program(machine)
    allow, eperm = 0x7FFF0000, 0x00050001
    assert _run_bpf(prog, arch, socket_nr) == eperm
    assert _run_bpf(prog, arch, getpid_nr) == allow
    assert _run_bpf(prog, arch, prctl_nr, 36) == eperm  # PR_SET_CHILD_SUBREAPER
    assert _run_bpf(prog, arch, prctl_nr, 15) == allow  # PR_SET_NAME
    assert _run_bpf(prog, 0x40000003, getpid_nr) == eperm  # another architecture's entry point
    if machine == "x86_64":
        assert _run_bpf(prog, arch, 0x40000000 | 39) == eperm  # x32
    assert seccomp_program("riscv64") is None


def test_the_sweep_spares_the_graders_own_children(tmp_path):
    import subprocess

    own = subprocess.Popen(["sleep", "30"])
    try:
        box = sandbox(make(tmp_path, m=DAEMON), "process")
        tag = f"dg-daemon-{uuid.uuid4().hex}"
        assert box.call("m", "leave", {"tag": tag, "then_exit": True}, 30).status == "crashed"
        box.close()
        assert own.poll() is None and holders(tag) == []
        status = Path("/proc/self/status").read_text()
        assert "NoNewPrivs:\t0" in status  # the grader itself carries no sandbox mark
    finally:
        own.kill()
        own.wait()
