"""The processes of a sandbox child, seen from the grader: finding them, measuring them, killing them.

``killpg`` on the child's session reaches what stayed in its process group. Descendants that called
``setsid`` or ``setpgid`` escape it, so ``/proc`` is swept as well: every process whose session or group is
the child's, whose parent chain leads to the child, or whose initial environment carries the child's
token. The child makes itself a subreaper (``PR_SET_CHILD_SUBREAPER``), so a double fork stays in its
parent chain while it lives; the grading process is a subreaper too (``harden_grader``), so what a dying
child orphans comes to the grader, where ``kill_all`` finds it: a child of the grader that is no live
sandbox child (``LIVE``) and carries a sandbox's marks (more seccomp filters than the grader, or
``no_new_privs`` that the grader lacks) is killed and reaped. Bubblewrap's PID namespace closes the
remaining gaps (a process that escapes before the child's own filters apply).

Everything here reads ``/proc`` only (no cgroups: on hosts with cgroup v1 or a read-only cgroup tree the
grader cannot create one). Measurements are the parent's own: ``cpu_seconds`` (every thread and every
reaped child of every process) and ``memory_bytes`` (anonymous and shared-memory resident pages).
"""

from __future__ import annotations

import os
import signal
import time

PROC = "/proc"
TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

LIVE: set[int] = set()
"""Pids of the sandbox children this process started and has not reaped yet (``Sandbox`` keeps it)."""

_HARDENED: dict[int, tuple[bool, bool]] = {}
_PR_SET_DUMPABLE, _PR_SET_CHILD_SUBREAPER = 4, 36


def _read(path: str, limit: int = 1 << 16) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        return os.read(fd, limit)
    except OSError:
        return None
    finally:
        os.close(fd)


def _fields(pid: int) -> list[bytes] | None:
    """The fields of /proc/<pid>/stat after the command name (field 3 onwards)."""
    text = _read(f"{PROC}/{pid}/stat")
    if not text:
        return None
    return text[text.rfind(b")") + 2 :].split()


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, pgrp, session) of a live process."""
    fields = _fields(pid)
    if fields is None or len(fields) < 4:
        return None
    return int(fields[1]), int(fields[2]), int(fields[3])


def _has_token(pid: int, token: bytes) -> bool:
    data = _read(f"{PROC}/{pid}/environ", 1 << 20)
    return data is not None and token in data.split(b"\0")


def _pids() -> list[int]:
    try:
        return [int(name) for name in os.listdir(PROC) if name.isdigit()]
    except OSError:
        return []


def related(root: int, token: str | None) -> set[int]:
    """Processes that belong to the sandbox child ``root`` (itself excluded if already gone): its session
    and group, its descendants by parent chain, and (given ``token``) the holders of its token."""
    me = os.getpid()
    stats = {}
    for pid in _pids():
        if pid != me:
            st = _stat(pid)
            if st is not None:
                stats[pid] = st
    found = {pid for pid, (_, pgrp, sid) in stats.items() if sid == root or pgrp == root}
    if root in stats:
        found.add(root)
    changed = True
    while changed:
        changed = False
        for pid, (ppid, _, _) in stats.items():
            if ppid in found and pid not in found:
                found.add(pid)
                changed = True
    if token:
        marker = f"DEEPGRADE_SANDBOX={token}".encode()
        found |= {pid for pid in stats if pid not in found and _has_token(pid, marker)}
    return found


def _process_cpu(pid: int) -> float:
    """CPU seconds of one process: its threads (``schedstat``, ns; ``stat`` ticks also cover threads that
    ended) plus its reaped children (``cutime + cstime``)."""
    fields = _fields(pid)
    if fields is None or len(fields) < 15:
        return 0.0
    ticks = (int(fields[11]) + int(fields[12])) / TICK
    reaped = (int(fields[13]) + int(fields[14])) / TICK
    threads = 0
    try:
        tids = os.listdir(f"{PROC}/{pid}/task")
    except OSError:
        tids = []
    for tid in tids:
        text = _read(f"{PROC}/{pid}/task/{tid}/schedstat", 256)
        if text:
            threads += int(text.split()[0])
    return max(threads / 1e9, ticks) + reaped


def cpu_seconds(pids: set[int]) -> float:
    """CPU time consumed so far by ``pids`` (all threads, plus the children each reaped)."""
    return sum(_process_cpu(pid) for pid in pids)


def memory_bytes(pids: set[int]) -> int:
    """Resident anonymous and shared-memory bytes of ``pids`` (``RssAnon + RssShmem``; library and file
    pages are left out, memory shared between processes counts once per process)."""
    return sum((_status(pid, b"RssAnon:") + _status(pid, b"RssShmem:")) * 1024 for pid in pids)


def _status(pid: int, key: bytes) -> int:
    """A number of /proc/<pid>/status. The last line with ``key`` is the kernel's: the process name, on
    the first line, is the only text a process sets there."""
    text = _read(f"{PROC}/{pid}/status") or b""
    for line in reversed(text.splitlines()):
        if line.startswith(key):
            try:
                return int(line.split()[1])
            except (IndexError, ValueError):
                return 0
    return 0


def harden_grader() -> tuple[bool, bool]:
    """Once per process: make the grading process a subreaper (orphans of a dead child come back to it
    for ``kill_all``) and not dumpable (a child of the same user cannot read its ``/proc/<pid>/environ``
    or attach to it). Returns ``(subreaper, not_dumpable)`` as applied."""
    me = os.getpid()
    if me not in _HARDENED:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            reaper = libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
            dumpable = libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
        except (OSError, AttributeError):
            reaper = dumpable = False
        _HARDENED[me] = (reaper, dumpable)
    return _HARDENED[me]


def become_subreaper() -> bool:
    """Make the grading process a subreaper (and not dumpable, see ``harden_grader``); True when it is."""
    return harden_grader()[0]


def _orphans(tokens: set[bytes]) -> set[int]:
    """Children of this process that are no live sandbox child but were started inside a sandbox child:
    they carry more seccomp filters, or ``no_new_privs`` where this process has none, or a token."""
    me = os.getpid()
    filters, nnp = _status(me, b"Seccomp_filters:"), _status(me, b"NoNewPrivs:")
    found = set()
    for pid in _pids():
        st = _stat(pid)
        if st is None or st[0] != me or pid in LIVE:
            continue
        if (_status(pid, b"Seccomp_filters:") > filters or _status(pid, b"NoNewPrivs:") > nnp
                or any(_has_token(pid, t) for t in tokens)):
            found.add(pid)
    return found


def _reap(pids: set[int], wait_s: float = 2.0) -> None:
    """Collect the zombies of ``pids`` (children of this process only). They were sent SIGKILL, but a
    process releasing a large memory takes a while to die, longer on a loaded machine: wait for them all
    up to ``wait_s``, or they would stay zombies until the next sweep."""
    pending, deadline = set(pids), time.monotonic() + wait_s
    while pending:
        for pid in list(pending):
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done = pid
            if done:
                pending.discard(pid)
        if not pending or time.monotonic() > deadline:
            return
        time.sleep(0.005)


def kill_all(root: int, token: str | None, passes: int = 10) -> None:
    """SIGKILL the child's process group and every related process found in /proc, again until a sweep
    finds none (a fork bomb may race the first passes); then kill and reap the orphans that sandbox
    children left to this process."""
    for _ in range(passes):
        try:
            os.killpg(root, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        found = related(root, token)
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if not found - {root}:
            break
    sweep_orphans({f"DEEPGRADE_SANDBOX={token}".encode()} if token else set())


def sweep_orphans(tokens: set[bytes] | None = None, passes: int = 10) -> None:
    """Kill and reap the orphans of sandbox children that were reparented to this process."""
    for _ in range(passes):
        found = _orphans(tokens or set())
        if not found:
            return
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _reap(found)
