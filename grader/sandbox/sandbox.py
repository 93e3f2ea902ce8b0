"""``Sandbox``: one submission's code in a fresh child interpreter, called function by function.

The child is started with ``subprocess`` (never a fork of the grader's Python state) as
``python -I -S child.py config.json`` from a private temporary copy of the submission, with a scrubbed
environment, its own session (``start_new_session``) and resource limits set by the child before it
imports anything. Requests travel on a private pipe pair (``pass_fds``); the student's stdout and stderr
go to a third pipe that a thread drains, keeping only a short tail: a child that prints more than
``Limits.output_mb`` is killed. Each call has a wall-clock limit measured by the parent; on expiry the
whole process group and every related process found in ``/proc`` are killed. A child that dies, hangs or
answers garbage is recorded and started again on the next call; a module whose import kills or hangs the
child is remembered, so each later check of it fails at once with the same reason.

Where the kernel has Landlock (Linux >= 5.13, ABI reported in ``Sandbox.landlock_abi``), the child
restricts itself before any student code runs: it may read only the Python installation, the system
libraries and the site-packages entries of its overlay, and write only beneath its private folder, so
``solutions/``, the grader, other submissions and the reports are out of reach even by absolute path;
with ABI >= 4 it cannot bind or connect TCP sockets, with ABI >= 6 it cannot signal processes outside
its sandbox. Without Landlock a warning is issued once and isolation is process-level only.

What this does not stop: ``RLIMIT_NPROC`` does not bind root (CI runs as root), so a fork bomb as root is
contained only by the timeouts and the kill sweep (``procs.kill_all``); ``/proc/<pid>/environ`` of the
grader stays readable (keep the instructor's secret out of long-lived environments); UDP is not covered
by Landlock. Bubblewrap (namespaces) closes these gaps.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader import values
from grader.model import Outcome
from grader.sandbox.overlay import SYSTEM_WRITE, shared_overlay
from grader.sandbox.procs import kill_all

HERE = Path(__file__).resolve().parent
STATUSES = frozenset(o.value for o in Outcome) - {Outcome.PASSED.value, Outcome.FAILED.value}
_SIGNALS = {
    signal.SIGSEGV: "segmentation fault",
    signal.SIGBUS: "bus error",
    signal.SIGABRT: "aborted",
    signal.SIGKILL: "killed",
    signal.SIGXCPU: "CPU time limit exceeded",
    signal.SIGXFSZ: "file size limit exceeded",
    signal.SIGFPE: "floating-point exception",
    signal.SIGILL: "illegal instruction",
}


@dataclass(frozen=True)
class Limits:
    """Resource limits of one child. ``cpu_s`` caps the child's whole life (it is restarted when it dies);
    ``processes`` binds only non-root users."""

    memory_mb: int = 2048
    cpu_s: int = 600
    file_mb: int = 64
    open_files: int = 256
    processes: int = 64
    threads: int = 1
    startup_s: float = 60.0
    output_mb: float = 8.0
    max_copy_mb: float = 64.0
    landlock: bool = True


@dataclass(frozen=True)
class Reply:
    """What one call gave: ``status`` is ``"ok"`` or an ``Outcome`` value other than passed/failed;
    ``duration_s`` is the parent's wall-clock time around the call."""

    status: str
    value: Any = None
    error: str = ""
    duration_s: float = 0.0
    output_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def outcome(self) -> Outcome | None:
        return None if self.ok else Outcome(self.status)


class _Drain(threading.Thread):
    """Reads the child's merged stdout/stderr, keeps the last ``keep`` bytes, kills past ``limit``."""

    def __init__(self, fd: int, limit: int, on_limit: Any, keep: int = 4096) -> None:
        super().__init__(daemon=True)
        self.fd, self.limit, self.on_limit, self.keep = fd, limit, on_limit, keep
        self.total, self.tail, self.over = 0, bytearray(), False
        self.lock = threading.Lock()

    def run(self) -> None:
        while True:
            try:
                chunk = os.read(self.fd, 1 << 16)
            except OSError:
                break
            if not chunk:
                break
            with self.lock:
                self.total += len(chunk)
                self.tail += chunk
                del self.tail[: -self.keep]
            if self.total > self.limit and not self.over:
                self.over = True
                self.on_limit()
        os.close(self.fd)

    def since(self, mark: int) -> str:
        with self.lock:
            n = min(self.total - mark, len(self.tail))
            text = bytes(self.tail[len(self.tail) - n :]).decode("utf-8", "replace") if n > 0 else ""
            skipped = self.total - mark - n
        return (f"[... {skipped} bytes ...]\n" if skipped > 0 else "") + text


def _copy_submission(src: Path, dest: Path, max_bytes: float) -> None:
    """Copy regular files only (symlinks are skipped: they could point at solutions/), within a size cap."""
    total = 0
    dest.mkdir(parents=True)
    if src.is_file():
        shutil.copyfile(src, dest / src.name)
        return
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink() and d != "__pycache__"]
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > max_bytes:
                raise OSError(f"submission larger than {max_bytes / 2**20:.0f} MB")
            shutil.copyfile(path, dest / rel / name)


def child_environment(private: Path, token: str, threads: int) -> dict[str, str]:
    """The child's whole environment: nothing inherited from the grader (no PYTHONPATH, PYTEST_ADDOPTS,
    paths to the project or the output)."""
    n = str(threads)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(private / "home"),
        "TMPDIR": str(private / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NUMBA_CACHE_DIR": str(private / "numba_cache"),
        "NUMBA_NUM_THREADS": n,
        "OMP_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(private / "home"),
        "DEEPGRADE_SANDBOX": token,
    }


def _warn_once() -> None:
    import warnings

    warnings.warn(
        "Landlock is not available: the sandbox isolates processes only (a child can read files by "
        "absolute path and open sockets); run the grader in a container or with bubblewrap",
        RuntimeWarning,
        stacklevel=3,
    )


class Sandbox:
    """A submission folder (or a single module file) served by a sandboxed child.

    >>> with Sandbox(Path("alice")) as box:          # doctest: +SKIP
    ...     box.call("ex02_sigmoid", "sigmoid", {"z": np.zeros(3)}, timeout_s=5)
    """

    def __init__(
        self,
        source: Path,
        *,
        limits: Limits | None = None,
        harness: Path | None = None,
        launcher: Callable[[Path], Sequence[str]] | None = None,
    ) -> None:
        """``launcher(private_dir)`` may return a command prefix (e.g. a bubblewrap invocation) that
        runs the child; the descriptors in ``pass_fds`` must survive it."""
        self.limits = limits or Limits()
        self.launcher = launcher
        self.private = Path(tempfile.mkdtemp(prefix="deepgrade-sbx-"))
        self._proc: subprocess.Popen[bytes] | None = None
        self._token = ""
        self._imported: set[str] = set()
        self._fatal: dict[str, Reply] = {}
        self._broken: Reply | None = None
        self._drain: _Drain | None = None
        self._fds: tuple[int, int] = (-1, -1)
        self._output_killed = False
        self.starts = 0
        try:
            _copy_submission(Path(source), self.private / "sub", self.limits.max_copy_mb * 2**20)
        except OSError as err:
            self._broken = Reply("crashed", error=f"could not copy the submission: {err}")
            (self.private / "sub").mkdir(exist_ok=True)
        rt = self.private / "rt"
        rt.mkdir()
        shutil.copyfile(HERE / "child.py", rt / "_dg_child.py")
        shutil.copyfile(Path(values.__file__), rt / "_dg_values.py")
        if harness is not None:
            shutil.copyfile(harness, rt / "_dg_harness.py")
        for name in ("home", "tmp", "numba_cache"):
            (self.private / name).mkdir()
        self._overlay, self._readable = shared_overlay()
        self.landlock_abi: int | None = None

    # ---------------------------------------------------------------- life cycle
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _config(self, rfd: int, wfd: int) -> Path:
        lim = self.limits
        cfg = {
            "parent": os.getpid() if self.launcher is None else 0,
            "rfd": rfd,
            "wfd": wfd,
            "values": str(self.private / "rt" / "_dg_values.py"),
            "harness": str(self.private / "rt" / "_dg_harness.py"),
            "submission": str(self.private / "sub"),
            "overlay": [str(self._overlay)],
            "memory_mb": lim.memory_mb,
            "cpu_s": lim.cpu_s,
            "file_mb": lim.file_mb,
            "open_files": lim.open_files,
            "processes": lim.processes,
            "landlock": lim.landlock,
            "read_paths": self._readable,
            "write_paths": [str(self.private), *SYSTEM_WRITE],
        }
        path = self.private / "rt" / "config.json"
        path.write_text(json.dumps(cfg))
        return path

    def _start(self) -> Reply | None:
        """Start a child and wait for its greeting; returns a failure reply or None."""
        self._kill()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        self._token = uuid.uuid4().hex
        cfg = self._config(req_r, rep_w)
        try:
            prefix = list(self.launcher(self.private)) if self.launcher is not None else []
            self._proc = subprocess.Popen(
                [*prefix, sys.executable, "-I", "-S", str(self.private / "rt" / "_dg_child.py"), str(cfg)],
                cwd=self.private / "sub",
                env=child_environment(self.private, self._token, self.limits.threads),
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        self.starts += 1
        self._fds = (req_w, rep_r)
        self._output_killed = False
        self._drain = _Drain(out_r, int(self.limits.output_mb * 2**20), self._on_output_limit)
        self._drain.start()
        self._imported.clear()
        drain = self._drain
        reply, failure = self._exchange(None, self.limits.startup_s)
        if failure is not None:
            return replace(failure, error=f"the sandbox did not start: {failure.error}",
                           output_tail=drain.since(0))
        if reply.get("status") != "ready":
            self._kill()
            return Reply("crashed", error="the sandbox did not start: bad greeting")
        self.landlock_abi = int(reply.get("landlock") or 0)
        if self.limits.landlock and not self.landlock_abi:
            _warn_once()
        return None

    def _on_output_limit(self) -> None:
        self._output_killed = True
        if self._proc is not None:
            kill_all(self._proc.pid, self._token)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            kill_all(proc.pid, self._token)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        for fd in self._fds:
            if fd >= 0:
                try:
                    os.close(fd)
                except OSError:
                    pass
        self._fds = (-1, -1)
        if self._drain is not None:
            self._drain.join(timeout=5)
            self._drain = None

    def close(self) -> None:
        """Kill the child and everything it started; delete the private folder."""
        self._kill()
        shutil.rmtree(self.private, ignore_errors=True)

    # ---------------------------------------------------------------- protocol
    def _death(self) -> Reply:
        """Describe why the child stopped answering, then make sure it is gone."""
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        output_killed = self._output_killed
        self._kill()
        if output_killed:
            why = f"output limit exceeded (printed more than {self.limits.output_mb:g} MB)"
        elif code is None:
            why = "the child closed its channel"
        elif code < 0 or (self.launcher is not None and code - 128 in _SIGNALS):
            sig = signal.Signals(-code if code < 0 else code - 128)  # a launcher reports 128 + signal
            why = _SIGNALS.get(sig, sig.name)
            if sig == signal.SIGKILL:
                why += f" (memory limit {self.limits.memory_mb} MB or another limit)"
        else:
            why = f"the child exited with code {code} (sys.exit or os._exit in the submission?)"
        return Reply("crashed", error=why)

    def _exchange(
        self, message: dict[str, Any] | None, timeout_s: float
    ) -> tuple[dict[str, Any], Reply | None]:
        """Send ``message`` (None: only read) and read one reply before ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        req_w, rep_r = self._fds
        if message is not None:
            data = memoryview(values.pack(json.dumps(message, allow_nan=False).encode("utf-8")))
            try:
                while data:
                    _, ready, _ = select.select([], [req_w], [], max(0.0, deadline - time.monotonic()))
                    if not ready:
                        return {}, self._timeout(timeout_s)
                    data = data[os.write(req_w, data[: 1 << 16]) :]
            except OSError:
                return {}, self._death()
        buf = bytearray()
        need, header = 8, True
        while True:
            while len(buf) < need:
                left = deadline - time.monotonic()
                ready, _, _ = select.select([rep_r], [], [], max(0.0, left))
                if not ready:
                    return {}, self._timeout(timeout_s)
                chunk = os.read(rep_r, min(need - len(buf), 1 << 20))
                if not chunk:
                    return {}, self._death()
                buf += chunk
            if not header:
                break
            try:
                need = 8 + values.unpack(bytes(buf[:8]))
            except ValueError as err:
                self._kill()
                return {}, Reply("invalid", error=f"the child sent a malformed reply: {err}")
            header = False
        try:
            reply = json.loads(bytes(buf[8:]).decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            reply = None
        if type(reply) is not dict:
            self._kill()
            return {}, Reply("invalid", error="the child sent a malformed reply")
        return reply, None

    def _timeout(self, timeout_s: float) -> Reply:
        self._kill()
        return Reply("timeout", error=f"no answer within {timeout_s:g} s; the child was killed")

    def _ensure_started(self) -> Reply | None:
        if self._broken is not None:
            return self._broken
        if self._proc is None:
            failure = self._start()
            if failure is not None and self.starts >= 3:
                self._broken = failure
            return failure
        return None

    def _request(self, message: dict[str, Any], timeout_s: float) -> Reply:
        mark = self._drain.total if self._drain is not None else 0
        drain = self._drain
        t0 = time.perf_counter()
        raw, failure = self._exchange(message, timeout_s)
        duration = time.perf_counter() - t0
        tail = drain.since(mark) if drain is not None else ""
        if failure is not None:
            return replace(failure, duration_s=duration, output_tail=tail)
        status, error = raw.get("status"), raw.get("error", "")
        if (status != "ok" and status not in STATUSES) or type(error) is not str:
            self._kill()
            return Reply("invalid", error="the child sent a malformed reply", duration_s=duration,
                         output_tail=tail)
        error = " ".join(error.split())[:500]
        value = None
        if status == "ok" and "value" in raw:
            try:
                value = values.decode(raw["value"])
            except (ValueError, RecursionError) as err:
                return Reply("invalid", error=f"returned value cannot be graded: {err}",
                             duration_s=duration, output_tail=tail)
        if status == "crashed":
            self._kill()
        return Reply(status, value, error, duration, tail)

    def call(self, module: str, target: str, kwargs: dict[str, Any], timeout_s: float) -> Reply:
        """Import ``module`` in the child if needed and call ``target`` (a function of the module, or
        ``"harness.<scenario>"``) with ``kwargs``; ``timeout_s`` bounds the import and the call each."""
        if not module.isidentifier() or not all(p.isidentifier() for p in target.split(".")):
            raise ValueError(f"bad module or target name: {module!r}, {target!r}")
        if module in self._fatal:
            return self._fatal[module]
        failure = self._ensure_started()
        if failure is not None:
            return failure
        if module not in self._imported:
            reply = self._request({"op": "import", "module": module}, timeout_s)
            if reply.status in ("timeout", "crashed", "invalid"):
                self._fatal[module] = replace(reply, error=f"at import: {reply.error}", duration_s=0.0)
                return replace(reply, error=f"at import: {reply.error}")
            self._imported.add(module)
            if not reply.ok:
                return reply
        return self._request(
            {"op": "call", "module": module, "target": target, "kwargs": values.encode(kwargs)}, timeout_s
        )
