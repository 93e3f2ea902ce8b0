"""The grader's temporary folders: named after the process that owns them, swept when that process is gone.

Every scratch folder is ``<tmp>/deepgrade-<kind>-<pid>-<random>``. A grading run killed with SIGKILL cannot
clean up, and its folders hold copies of students' code; the next run calls ``sweep_stale`` to remove the
folders whose owning process no longer exists (folders of live processes and of other users are left
alone). ``interrupt_on_sigterm`` turns SIGTERM into ``KeyboardInterrupt`` so that ``finally`` blocks and
pytest's unconfigure still remove the folders of a run that is asked to stop.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import stat
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

_KIND = re.compile(r"^[a-z][a-z0-9_]*$")
_OWNED = re.compile(r"^deepgrade-[a-z][a-z0-9_]*-(\d+)-")


def make(kind: str, *, remove_at_exit: bool = False) -> Path:
    """A new private folder ``deepgrade-<kind>-<pid>-XXXX`` in the temporary directory; with
    ``remove_at_exit`` it is also removed when the interpreter exits normally."""
    if not _KIND.match(kind):
        raise ValueError(f"temporary folder kind must be lowercase letters, digits or _: {kind!r}")
    path = Path(tempfile.mkdtemp(prefix=f"deepgrade-{kind}-{os.getpid()}-"))
    if remove_at_exit:
        atexit.register(remove, path)
    return path


def _writable_and_retry(func: Callable[..., object], path: str, _exc: object) -> None:
    """``rmtree`` error handler: a child may have left read-only folders behind."""
    try:
        os.chmod(os.path.dirname(path), stat.S_IRWXU)
        func(path)
    except OSError:
        pass


def remove(path: Path) -> None:
    """Remove a scratch folder and everything in it, never following symbolic links; errors are ignored."""
    if not os.path.lexists(path):
        return
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=_writable_and_retry)
    else:
        shutil.rmtree(path, onerror=_writable_and_retry)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def sweep_stale(tmp: Path | None = None) -> list[Path]:
    """Remove this user's ``deepgrade-<kind>-<pid>-*`` folders of ``tmp`` (default: the temporary
    directory) whose process is dead; returns what was removed."""
    base = Path(tmp or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return []
    for entry in entries:
        found = _OWNED.match(entry.name)
        if found is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
            continue
        pid = int(found.group(1))
        if pid == os.getpid() or _alive(pid):
            continue
        remove(Path(entry.path))
        removed.append(Path(entry.path))
    return removed


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM raise ``KeyboardInterrupt`` in the main thread (as SIGINT does), so that a run asked
    to stop removes its folders; returns a function that puts the previous handler back. Does nothing
    outside the main thread or when another handler is already installed."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.getsignal(signal.SIGTERM)
    if previous not in (signal.SIG_DFL, None):
        return lambda: None
    signal.signal(signal.SIGTERM, _raise_interrupt)

    def restore() -> None:
        if signal.getsignal(signal.SIGTERM) is _raise_interrupt:
            signal.signal(signal.SIGTERM, previous)

    return restore
