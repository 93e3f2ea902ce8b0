"""What a sandbox promises per submission (``Limits``) and what one call gave (``Reply``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.model import Outcome

STATUSES = frozenset(o.value for o in Outcome) - {Outcome.PASSED.value, Outcome.FAILED.value}
MB = 2**20


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission's sandbox. ``memory_mb`` caps each process (``RLIMIT_AS``) and
    all of them together (polled); ``processes`` caps the processes counted together (and each user's via
    ``RLIMIT_NPROC`` for non-root); ``cpu_s`` caps one child's life (it is restarted when it dies);
    ``budget_s`` is the wall time of all calls of the sandbox together; ``disk_mb`` what its private folder
    may hold; ``max_files`` how many entries the disk walk visits before it counts the budget spent."""

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
    budget_s: float = 300.0
    disk_mb: int = 256
    max_files: int = 20_000
    seccomp: bool = True


@dataclass(frozen=True)
class Reply:
    """What one call gave: ``status`` is ``"ok"`` or an ``Outcome`` value other than passed/failed;
    ``duration_s`` is the parent's wall-clock time around the call; ``cpu_s`` the CPU seconds of all the
    child's processes during a timed call, measured by the parent (-1.0 when not measured)."""

    status: str
    value: Any = None
    error: str = ""
    duration_s: float = 0.0
    output_tail: str = ""
    cpu_s: float = -1.0

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def outcome(self) -> Outcome | None:
        return None if self.ok else Outcome(self.status)
