"""Killing a child and everything it started.

``killpg`` on the child's session reaches what stayed in its process group. Descendants that called
``setsid`` or ``setpgid`` escape it, so ``/proc`` is swept as well: every process whose session or group is
the child's, whose parent chain leads to the child, or whose initial environment carries the child's
token (a double fork reparented to init still inherits it). A process that cleared its environment and
left the session and the parent chain escapes this sweep; bubblewrap's PID namespace closes that gap.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

PROC = Path("/proc")


def _stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, pgrp, session) of a live process, from /proc/<pid>/stat."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2 :].split()
    return int(fields[1]), int(fields[2]), int(fields[3])


def _has_token(pid: int, token: bytes) -> bool:
    try:
        return token in (PROC / str(pid) / "environ").read_bytes().split(b"\0")
    except OSError:
        return False


def related(root: int, token: str | None) -> set[int]:
    """Processes that belong to the sandbox child ``root`` (itself excluded if already gone)."""
    if not PROC.is_dir():
        return set()
    me = os.getpid()
    stats = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and int(entry.name) != me:
            st = _stat(int(entry.name))
            if st is not None:
                stats[int(entry.name)] = st
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


def kill_all(root: int, token: str | None, passes: int = 10) -> None:
    """SIGKILL the child's process group and every related process found in /proc, again until a sweep
    finds none (a fork bomb may race the first passes)."""
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
