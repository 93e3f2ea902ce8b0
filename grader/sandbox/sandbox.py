"""``Sandbox``: one submission's code in a fresh child interpreter, called function by function.

The child is started with ``subprocess`` (never a fork of the grader's Python state) as
``python -I -S -c <bootstrap> <rfd> <wfd>``: the bootstrap reads, from the request pipe, a first frame
holding the runtime's source (``child.py``, the codec ``grader/values.py``, the harness) and its
configuration, and runs them from memory. Nothing the parent reads, runs or writes lives where the child
can write: the private folder (the submission's copy ``sub`` and the child's ``home``, ``tmp`` and
``numba_cache``) is filled before the first child starts and never touched by the parent again, except by
``close``, which removes it with ``shutil.rmtree`` (it does not follow symlinks).

The child runs with a scrubbed environment, its own session and resource limits set before it imports
anything; it makes itself a subreaper, drops every capability, and, before any student code, applies
Landlock (Linux >= 5.13; ABI in ``Sandbox.landlock_abi``: reads only of the Python installation, system
folders and its overlay, writes only beneath its private folder, TCP denied with ABI >= 4, signals out of
it with ABI >= 6) and a seccomp filter (sockets of every family, System V IPC, ptrace and the like fail
with EPERM). What applied is in ``Sandbox.isolation`` (reported by the child: informative, never a grade).

Requests travel on a private pipe pair (``pass_fds``), every frame numbered by the parent; the student's
stdout and stderr go to a third pipe that a thread drains, keeping only a short tail (a child that prints
more than ``Limits.output_mb`` is killed). Limits enforced by the parent, which never trusts a flag or a
time the child reports:

* a wall-clock timeout per request, and a time budget for all calls of the Sandbox (``budget_s``);
* memory and process count of all the child's processes together, polled every 50 ms while a call runs
  (``RLIMIT_AS`` alone is per process: five forked helpers each under it are not);
* disk written beneath the private folder (``disk_mb``), measured after each call and every second while
  one runs, by a walk that never follows links;
* every reply is confirmed by a ``sync`` round trip: the call's reply is the last frame of its number
  before the acknowledgement, so a frame forged early is replaced by the real one, and a child that dies
  right after answering loses that call (as ``crashed``, or ``invalid`` when what it sent cannot be
  decoded), never the next one;
* for a timed call (``call(..., timed=True)``), the CPU time of every process of the child measured from
  ``/proc`` just before the request and after the ``sync`` is acknowledged, so a forged early reply
  frame cannot stop the clock while work still runs (``Reply.cpu_s``). The child can still forge a
  frame's content: the parent checks values, and the engine gives each timed run fresh inputs.

A child that dies, hangs, exceeds a limit or answers garbage is recorded and started again on the next
call; a module whose import kills or hangs the child is remembered, so each later check of it fails at
once with the same reason; a child over the disk budget is killed and the next one starts from a fresh
private folder (a new copy of the submission).

What this does not stop: cgroups are not used (many hosts have cgroup v1 or a read-only tree), so memory
is polled, not capped, between two polls; memory held in unmapped ``memfd`` files is not counted; without
Landlock a process-mode child can read and write what the grader's user can. Bubblewrap closes most gaps.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from grader import values
from grader.sandbox import procs
from grader.sandbox.child import BOOTSTRAP
from grader.sandbox.frames import POLL_S, FrameIO
from grader.sandbox.limits import MB, STATUSES, Limits, Reply
from grader.sandbox.output import OutputDrain
from grader.sandbox.overlay import SYSTEM_WRITE, shared_overlay
from grader.sandbox.private import WRITABLE, child_environment, copy_submission, disk_usage, runtime_sources

DISK_POLL_S = 1.0
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


def _warn_once() -> None:
    import warnings

    warnings.warn(
        "Landlock is not available: the sandbox isolates processes only (a child can read files by "
        "absolute path and open sockets); run the grader in a container or with bubblewrap",
        RuntimeWarning,
        stacklevel=3,
    )


class Sandbox(FrameIO):
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
        launcher: Callable[[Path, int], Sequence[str]] | None = None,
    ) -> None:
        """``launcher(private_dir, disk_mb)`` may return a command prefix (e.g. a bubblewrap invocation) that
        runs the child; the descriptors in ``pass_fds`` must survive it."""
        procs.harden_grader()
        self.limits = limits or Limits()
        self.launcher = launcher
        self._source = Path(source)
        self._proc: subprocess.Popen[bytes] | None = None
        self._token = ""
        self._imported: set[str] = set()
        self._fatal: dict[str, Reply] = {}
        self._broken: Reply | None = None
        self._renew = False
        self._drain: OutputDrain | None = None
        self._fds: tuple[int, int] = (-1, -1)
        self._output_killed = False
        self._seq = 0
        self._spent = 0.0
        self._call_start = time.monotonic()
        self._next_poll = self._next_disk = 0.0
        self.starts = 0
        self.landlock_abi: int | None = None
        self.isolation: dict[str, Any] = {}
        self._harness = harness.read_text(encoding="utf-8") if harness is not None else None
        self._overlay, self._readable = shared_overlay()
        self._fresh_private()

    def _fresh_private(self) -> None:
        """Make the private folder: a copy of the submission and the child's empty writable folders. A
        folder the child filled past its disk budget is replaced by a new one (the parent never cleans
        inside a folder the child could write)."""
        old = getattr(self, "_finalizer", None)
        if old is not None:
            old()
        self.private = Path(tempfile.mkdtemp(prefix=f"deepgrade-sbx-{os.getpid()}-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.private), True)
        try:
            try:
                copy_submission(self._source, self.private / "sub", self.limits.max_copy_mb * MB)
            except OSError as err:
                self._broken = Reply("crashed", error=f"could not copy the submission: {err}")
                (self.private / "sub").mkdir(exist_ok=True)
            for name in WRITABLE[1:]:
                (self.private / name).mkdir()
        except BaseException:
            self._finalizer()
            raise

    # ---------------------------------------------------------------- life cycle
    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def _config(self, rfd: int, wfd: int) -> dict[str, Any]:
        lim = self.limits
        return {
            "parent": os.getpid() if self.launcher is None else 0,
            "rfd": rfd,
            "wfd": wfd,
            "submission": str(self.private / "sub"),
            "overlay": [str(self._overlay)],
            "memory_mb": lim.memory_mb,
            "cpu_s": lim.cpu_s,
            "file_mb": lim.file_mb,
            "open_files": lim.open_files,
            "processes": lim.processes,
            "landlock": lim.landlock,
            "seccomp": lim.seccomp,
            "read_paths": self._readable,
            "write_paths": [*(str(self.private / name) for name in WRITABLE), *SYSTEM_WRITE],
        }

    def _start(self, timeout_s: float) -> Reply | None:
        """Start a child, send it its runtime and wait for its greeting; returns a failure reply or None."""
        self._kill()
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        self._token = uuid.uuid4().hex
        boot = {**runtime_sources(), "harness": self._harness,
                "config": self._config(req_r, rep_w)}
        try:
            launcher = self.launcher
            prefix = list(launcher(self.private, self.limits.disk_mb)) if launcher is not None else []
            self._proc = subprocess.Popen(
                [*prefix, sys.executable, "-I", "-S", "-c", BOOTSTRAP, str(req_r), str(rep_w)],
                cwd=self.private / "sub",
                env=child_environment(self.private, self._token, self.limits.threads),
                stdin=subprocess.DEVNULL,
                stdout=out_w,
                stderr=out_w,
                pass_fds=(req_r, rep_w),
                start_new_session=True,
                close_fds=True,
            )
            procs.LIVE.add(self._proc.pid)
        except BaseException:
            for fd in (req_w, rep_r, out_r):
                os.close(fd)
            raise
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        self.starts += 1
        self._fds = (req_w, rep_r)
        self._output_killed = False
        self._drain = OutputDrain(out_r, int(self.limits.output_mb * MB), self._on_output_limit)
        self._drain.start()
        self._imported.clear()
        drain = self._drain
        deadline = time.monotonic() + timeout_s
        failure = self._send(boot, deadline, timeout_s, 0)
        greeting: dict[str, Any] = {}
        if failure is None:
            greeting, failure = self._receive(0, deadline, timeout_s, watch=False)
        if failure is not None:
            return replace(failure, error=f"the sandbox did not start: {failure.error}",
                           output_tail=drain.since(0))
        if greeting.get("status") != "ready":
            self._kill()
            return Reply("crashed", error="the sandbox did not start: bad greeting")
        landlock = greeting.get("landlock")
        self.landlock_abi = landlock if type(landlock) is int else 0
        self.isolation = {k: greeting.get(k) for k in ("landlock", "seccomp", "capabilities", "subreaper",
                                                        "threads")}
        if self.limits.landlock and not self.landlock_abi:
            _warn_once()
        return None

    def _on_output_limit(self) -> None:
        self._output_killed = True
        if self._proc is not None:
            procs.kill_all(self._proc.pid, self._token)

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            procs.kill_all(proc.pid, self._token)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            else:
                procs.LIVE.discard(proc.pid)
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
        try:
            self._kill()
        finally:
            self._finalizer()

    # ---------------------------------------------------------------- limits
    def _over_limits(self, *, disk_now: bool = False) -> str:
        """Why the child must be killed now (its processes' count or memory, its disk), or ""."""
        now = time.monotonic()
        lim = self.limits
        if self._proc is not None and now >= self._next_poll:
            self._next_poll = now + POLL_S
            found = procs.related(self._proc.pid, None)
            if len(found) > lim.processes:
                return f"process limit ({lim.processes}) of the submission exceeded"
            if procs.memory_bytes(found) > lim.memory_mb * MB:
                return f"memory limit ({lim.memory_mb} MB) of the submission exceeded by its processes"
        if disk_now or now >= self._next_disk:
            self._next_disk = now + DISK_POLL_S
            used, entries = disk_usage(self.private, lim.max_files)
            if used > lim.disk_mb * MB or entries > lim.max_files:
                self._renew = True
                return f"disk budget ({lim.disk_mb} MB) exceeded"
        return ""

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

    def _timeout(self, timeout_s: float) -> Reply:
        self._kill()
        if timeout_s <= 0 or self._budget_left() <= 0:
            return Reply("timeout", error=f"time budget of the submission ({self.limits.budget_s:g} s) spent")
        return Reply("timeout", error=f"no answer within {timeout_s:g} s; the child was killed")

    def _request(self, message: dict[str, Any], timeout_s: float, *, timed: bool = False,
                 max_elements: int | None = None) -> Reply:
        mark = self._drain.total if self._drain is not None else 0
        drain = self._drain
        root = self._proc.pid if self._proc is not None else 0
        self._seq += 1
        seq = self._seq
        cpu0 = procs.cpu_seconds(procs.related(root, None)) if timed else 0.0
        t0 = time.perf_counter()
        deadline = time.monotonic() + timeout_s
        failure = self._send(message, deadline, timeout_s, seq)
        raw: dict[str, Any] = {}
        if failure is None:
            raw, failure = self._receive(seq, deadline, timeout_s)
        if failure is None:
            synced, failure = self._synced(raw, seq, deadline, timeout_s)
            if failure is None:
                raw = synced
            elif self._decoded(raw, max_elements)[1]:
                failure = Reply("invalid", error=self._decoded(raw, max_elements)[1])
        cpu = -1.0
        if timed and failure is None:
            cpu = max(0.0, procs.cpu_seconds(procs.related(root, None)) - cpu0)
        duration = time.perf_counter() - t0
        if failure is None:
            reason = self._over_limits(disk_now=True)
            if reason:
                self._kill()
                failure = Reply("crashed", error=reason)
        tail = drain.since(mark) if drain is not None else ""
        if failure is not None:
            return replace(failure, duration_s=duration, output_tail=tail)
        status, error = raw.get("status"), raw.get("error", "")
        if (status != "ok" and status not in STATUSES) or type(error) is not str:
            self._kill()
            return Reply("invalid", error="the child sent a malformed reply", duration_s=duration,
                         output_tail=tail)
        error = " ".join(error.split())[:500]
        value, malformed = self._decoded(raw, max_elements)
        if malformed:
            return Reply("invalid", error=malformed, duration_s=duration, output_tail=tail, cpu_s=cpu)
        if status == "crashed":
            self._kill()
        return Reply(status, value, error, duration, tail, cpu)

    def _budget_left(self) -> float:
        return self.limits.budget_s - self._spent - (time.monotonic() - self._call_start)

    def call(self, module: str, target: str, kwargs: dict[str, Any], timeout_s: float, *,
             timed: bool = False, max_elements: int | None = None) -> Reply:
        """Import ``module`` in the child if needed and call ``target`` (a function of the module, or
        ``"harness.<scenario>"``) with ``kwargs``; ``timeout_s`` bounds the import and the call each, and
        the sandbox's time budget bounds both. ``timed``: measure the call's CPU time (``Reply.cpu_s``).
        ``max_elements`` bounds the size of the returned value (``values.decode``)."""
        if not module.isidentifier() or not all(p.isidentifier() for p in target.split(".")):
            raise ValueError(f"bad module or target name: {module!r}, {target!r}")
        if module in self._fatal:
            return self._fatal[module]
        self._call_start = time.monotonic()
        try:
            return self._call(module, target, kwargs, timeout_s, timed, max_elements)
        finally:
            self._spent += time.monotonic() - self._call_start

    def _call(self, module: str, target: str, kwargs: dict[str, Any], timeout_s: float, timed: bool,
              max_elements: int | None) -> Reply:
        if self._broken is not None:
            return self._broken
        if self._budget_left() <= 0:
            return self._timeout(0)
        if self._proc is None:
            if self._renew:
                self._renew = False
                self._fresh_private()
            failure = self._start(min(self.limits.startup_s, self._budget_left()))
            if failure is not None:
                if self.starts >= 3:
                    self._broken = failure
                return failure
        if module not in self._imported:
            reply = self._request({"op": "import", "module": module},
                                  min(timeout_s, max(0.0, self._budget_left())))
            if reply.status in ("timeout", "crashed", "invalid"):
                self._fatal[module] = replace(reply, error=f"at import: {reply.error}", duration_s=0.0)
                return replace(reply, error=f"at import: {reply.error}")
            self._imported.add(module)
            if not reply.ok:
                return reply
        encoded = values.encode(kwargs)
        return self._request(
            {"op": "call", "module": module, "target": target, "kwargs": encoded},
            min(timeout_s, max(0.0, self._budget_left())), timed=timed, max_elements=max_elements,
        )
