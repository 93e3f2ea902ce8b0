"""The sandbox child: isolation from the grader's packages, limits, and recorded reasons."""

from __future__ import annotations

import importlib.util
import os
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from grader.sandbox import Limits, Sandbox
from grader.sandbox.procs import related

LIMITS = Limits(memory_mb=1024, output_mb=2.0, startup_s=60.0)


def make(tmp_path: Path, **modules: str) -> Path:
    folder = tmp_path / "sub"
    folder.mkdir(parents=True)
    for name, code in modules.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))
    return folder


@pytest.fixture
def box(tmp_path):
    folder = make(
        tmp_path,
        m="""
        import os, sys, subprocess, ctypes
        import numpy as np

        def double(x):
            return np.asarray(x) * 2

        def imports(name):
            try:
                __import__(name)
            except ImportError as err:
                return "ImportError: " + str(err)
            return "imported " + name

        def environ():
            return {k: v for k, v in os.environ.items()}

        def path():
            return list(sys.path)

        def loop():
            while True:
                pass

        def detached():
            subprocess.Popen(["sleep", "60"], start_new_session=True)
            while True:
                pass

        def shout():
            chunk = "x" * 10_000 + "\\n"
            for _ in range(10_000):
                sys.stdout.write(chunk)

        def segfault():
            ctypes.string_at(0)

        def bomb():
            return len(bytearray(10 * 2**30))

        def stub():
            raise NotImplementedError

        def boom():
            raise ValueError("nope")

        def exit_in_call():
            sys.exit(3)

        def weird():
            return object()

        def jit(n):
            import numba
            f = numba.njit(lambda k: k * (k + 1) // 2)
            return int(f(n))
        """,
    )
    with Sandbox(folder, limits=LIMITS) as sandbox:
        yield sandbox


def test_child_cannot_import_grader_or_solutions_even_when_installed(box):
    assert importlib.util.find_spec("solutions") is not None  # importable here (editable install)
    assert importlib.util.find_spec("grader") is not None
    for name in ("solutions", "grader", "grader.registry", "kernels", "kernels.optim"):
        reply = box.call("m", "imports", {"name": name}, 20)
        assert reply.ok and reply.value.startswith("ImportError"), reply


def test_child_environment_and_path_are_scrubbed(box, monkeypatch):
    env = box.call("m", "environ", {}, 20).value
    for leaked in ("PYTHONPATH", "PYTEST_ADDOPTS", "VIRTUAL_ENV", "DEEPGRADE_SECRET"):
        assert leaked not in env
    assert env["NUMBA_CACHE_DIR"].startswith(str(box.private))
    assert env["HOME"].startswith(str(box.private)) and env["OMP_NUM_THREADS"] == "1"
    path = box.call("m", "path", {}, 20).value
    assert path[0] == str(box.private / "sub")
    project = str(Path(__file__).resolve().parents[2])
    assert not any(p.startswith(project) for p in path), path


def test_values_and_plain_errors(box):
    reply = box.call("m", "double", {"x": np.arange(3.0)}, 20)
    assert reply.ok and reply.value.tolist() == [0.0, 2.0, 4.0] and reply.duration_s > 0
    assert box.call("m", "stub", {}, 5).status == "not_implemented"
    err = box.call("m", "boom", {}, 5)
    assert err.status == "error" and "ValueError: nope" in err.error
    assert box.call("m", "exit_in_call", {}, 5).status == "error"
    assert box.call("m", "weird", {}, 5).status == "invalid"
    assert box.call("m", "absent", {}, 5).status == "missing"
    assert box.call("nomodule", "f", {}, 5).status == "missing"
    assert box.starts == 1  # none of these killed the child


def test_timeout_kills_the_group_and_detached_descendants(box):
    t0 = time.monotonic()
    reply = box.call("m", "detached", {}, 1.5)
    assert reply.status == "timeout" and "1.5 s" in reply.error
    assert time.monotonic() - t0 < 10
    assert box.pid is None
    token_holders = [p for p in os.listdir("/proc") if p.isdigit() and _has_token(int(p), box._token)]
    assert token_holders == []
    assert box.call("m", "double", {"x": 1}, 20).value == 2  # restarted for the next check
    assert box.starts == 2


def _has_token(pid: int, token: str) -> bool:
    try:
        return f"DEEPGRADE_SANDBOX={token}".encode() in Path(f"/proc/{pid}/environ").read_bytes()
    except OSError:
        return False


def test_output_is_capped_and_recorded(box):
    reply = box.call("m", "shout", {}, 20)
    assert reply.status == "crashed" and "output limit" in reply.error
    assert len(reply.output_tail) < 10_000
    assert box.call("m", "double", {"x": 2}, 20).value == 4


def test_segfault_and_memory_bomb_are_recorded(box):
    seg = box.call("m", "segfault", {}, 20)
    assert seg.status == "crashed" and "segmentation fault" in seg.error
    mem = box.call("m", "bomb", {}, 20)
    assert mem.status == "crashed" and "memory" in mem.error.lower()
    assert box.call("m", "double", {"x": 3}, 20).value == 6


def test_numba_compiles_inside_the_limits(box):
    assert box.call("m", "jit", {"n": 10}, 60).value == 55


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("import os\nos._exit(0)\n", "crashed", "exited with code 0"),
        ("import sys\nsys.exit(0)\n", "import_error", "sys.exit(0)"),
        ("def f(:\n", "syntax_error", "line 1"),
        ("import nosuchpackage\n", "import_error", "nosuchpackage"),
        ("while True:\n    pass\n", "timeout", "no answer"),
    ],
)
def test_import_failures_are_recorded_once(tmp_path, code, status, words):
    folder = make(tmp_path, bad=code, good="def f():\n    return 1\n")
    with Sandbox(folder, limits=LIMITS) as sandbox:
        first = sandbox.call("bad", "f", {}, 2)
        assert first.status == status and words in first.error, first
        t0 = time.monotonic()
        again = sandbox.call("bad", "f", {}, 2)
        assert again.status == status and time.monotonic() - t0 < 1.0  # remembered, not re-run
        assert sandbox.call("good", "f", {}, 20).value == 1


def test_symlinks_in_a_submission_are_not_followed(tmp_path):
    folder = make(tmp_path, good="def f():\n    return 1\n")
    target = Path(__file__).resolve().parents[2] / "solutions"
    (folder / "stolen.py").symlink_to(next(target.glob("*.py")))
    with Sandbox(folder, limits=LIMITS) as sandbox:
        assert not (sandbox.private / "sub" / "stolen.py").exists()
        assert sandbox.call("stolen", "f", {}, 20).status == "missing"


def test_close_leaves_no_process(tmp_path):
    folder = make(tmp_path, good="def f():\n    return 1\n")
    sandbox = Sandbox(folder, limits=LIMITS)
    sandbox.call("good", "f", {}, 20)
    pid, token = sandbox.pid, sandbox._token
    sandbox.close()
    assert related(pid, token) == set()
    assert not sandbox.private.exists()


def _landlock_abi() -> int:
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return max(0, libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)))


needs_landlock = pytest.mark.skipif(_landlock_abi() < 1, reason="the kernel has no Landlock")


@needs_landlock
def test_landlock_denies_the_project_reports_and_other_submissions(tmp_path):
    project = Path(__file__).resolve().parents[2]
    reports = tmp_path / "reports"
    reports.mkdir()
    other = make(tmp_path / "o", other="SECRET = 1\n")
    code = f"""
    import os

    def attempt(path, mode):
        try:
            with open(path, mode) as fh:
                return "read" if "r" in mode and fh.read(1) is not None else "wrote"
        except OSError as err:
            return type(err).__name__

    def probe():
        return {{
            "solution": attempt({str(next((project / "solutions").glob("*.py")))!r}, "r"),
            "registry": attempt({str(project / "grader" / "registry.py")!r}, "r"),
            "other": attempt({str(other / "other.py")!r}, "r"),
            "report": attempt({str(reports / "pwned.txt")!r}, "w"),
            "own": attempt("mine.txt", "w"),
            "stdlib": attempt(os.__file__, "r"),
        }}
    """
    with Sandbox(make(tmp_path / "p", m=code), limits=LIMITS) as sandbox:
        got = sandbox.call("m", "probe", {}, 30)
        assert sandbox.landlock_abi >= 1
    assert got.value == {"solution": "PermissionError", "registry": "PermissionError",
                         "other": "PermissionError", "report": "PermissionError", "own": "wrote",
                         "stdlib": "read"}, got
    assert not (reports / "pwned.txt").exists()


@needs_landlock
def test_landlock_blocks_tcp_and_signals_to_the_grader(tmp_path):
    if _landlock_abi() < 6:
        pytest.skip("network and signal scoping need Landlock ABI 6")
    code = """
    import os, socket

    def probe():
        out = {}
        try:
            socket.create_connection(("127.0.0.1", 9), timeout=1)
            out["tcp"] = "connected"
        except OSError as err:
            out["tcp"] = err.errno
        try:
            os.kill(os.getppid(), 0)
            out["kill"] = "sent"
        except OSError as err:
            out["kill"] = type(err).__name__
        return out
    """
    with Sandbox(make(tmp_path, m=code), limits=replace(LIMITS, seccomp=False)) as sandbox:  # Landlock alone
        got = sandbox.call("m", "probe", {}, 30).value
    assert got == {"tcp": 13, "kill": "PermissionError"}  # EACCES from Landlock, EPERM for the signal
