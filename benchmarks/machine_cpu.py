"""CPU seconds the whole machine spent, from ``/proc/stat``: what a grading run costs, sandbox children
included, however they end.

``RUSAGE_CHILDREN`` (and ``os.times``) count a process's descendants only once each has been waited for
by a parent that is itself waited for. Bubblewrap's sandboxes break that chain: a child in its PID
namespace is reaped by the namespace's teardown, and its CPU time never reaches the grader's rusage (a
sandbox child that burns 2 s of CPU adds 0.04 s there, 2.06 s under ``--sandbox process``). The machine's
busy time counts everything, and everything else too: it is the grading's cost only on an otherwise idle
machine, so ``idle_rate`` measures what the machine burns while nothing runs and the callers print it.
"""

from __future__ import annotations

import time


def busy_seconds() -> float:
    """Busy CPU seconds of all cores since boot (user, nice, system, irq, softirq, steal)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / 100.0


def idle_rate(seconds: float = 2.0) -> float:
    """Busy CPU seconds per wall second while this process sleeps for ``seconds`` (others' load)."""
    start = busy_seconds()
    time.sleep(seconds)
    return (busy_seconds() - start) / seconds
