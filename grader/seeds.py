"""Seeds of the checks' inputs and the instructor's secret (trusted, parent side).

A public check draws its inputs from a fixed seed that depends only on the exercise and check names, so
the student's self-check and the instructor's grading see the same inputs. A hidden check's seed is derived
from the instructor's secret and the student id with SHA-256: a student cannot predict it, and a re-run
gives the same inputs and so the same grade.

The secret lives in this module, not in the environment: the ``deepgrade`` command calls
:func:`take_secret_from_environment` first thing, which keeps ``DEEPGRADE_SECRET`` here, overwrites its
bytes in the process's initial environment block (what ``/proc/<pid>/environ`` shows to any process of the
same user, a submission graded with process-level isolation included) and removes it from ``os.environ``,
so no child or xdist worker inherits it. Workers receive it over their execnet channel instead
(``grader.plugin``).
"""

from __future__ import annotations

import ctypes
import hashlib
import os

SECRET_ENV = "DEEPGRADE_SECRET"
DEVELOPMENT_SECRET = "deepgrade-development-secret: set DEEPGRADE_SECRET when grading for real"

_held: str | None = None


def secret() -> str:
    """The instructor's secret: the one held by this process (:func:`use_secret`, or taken from the
    environment), else ``DEEPGRADE_SECRET``, else the public development secret ``DEVELOPMENT_SECRET``
    (fine for tests and demos, useless against a student who reads this file; ``deepgrade grade``
    refuses it unless told ``--dev-secret``)."""
    return _held or os.environ.get(SECRET_ENV) or DEVELOPMENT_SECRET


def held_secret() -> str | None:
    """The secret this process holds, if any (what a grading session hands to its xdist workers)."""
    return _held


def use_secret(value: str | None) -> None:
    """Hold ``value`` as this process's secret (``None`` forgets it)."""
    global _held
    _held = value or None


def _environ_entries(name: str) -> list[tuple[int, int]]:
    """(address, length) of every ``name=value`` string of libc's ``environ``."""
    try:
        libc = ctypes.CDLL(None)
        environ = ctypes.POINTER(ctypes.c_void_p).in_dll(libc, "environ")
    except (OSError, ValueError, AttributeError):
        return []
    prefix = f"{name}=".encode()
    found, index = [], 0
    while environ[index]:
        entry = ctypes.string_at(environ[index])
        if entry.startswith(prefix):
            found.append((int(environ[index]), len(entry)))
        index += 1
    return found


def take_secret_from_environment() -> str | None:
    """Move ``DEEPGRADE_SECRET`` from the environment into this module (see the module docstring);
    returns it, or ``None`` when the environment holds none (an empty value counts as none). Keeps a
    secret already held when the environment has none, so calling it twice is harmless.

    The variable is first removed (``unsetenv`` takes its pointer out of ``environ``, so children never
    inherit it), then its bytes are overwritten with NULs where they were: the initial block is what
    ``/proc/<pid>/environ`` shows, and removing a variable does not erase it there. glibc never frees
    those strings, so the addresses stay valid."""
    value = os.environ.get(SECRET_ENV)
    entries = _environ_entries(SECRET_ENV)
    os.environ.pop(SECRET_ENV, None)
    for address, length in entries:
        ctypes.memset(address, 0, length)
    if value:
        use_secret(value)
    return _held


def _digest(*parts: str) -> int:
    data = "\x1f".join(parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def check_seed(exercise_id: str, check_name: str, student_id: str, secret: str, hidden: bool) -> int:
    """The seed of one check's inputs: ``sha256(exercise, check)`` for a public check (student and secret
    ignored); ``sha256(secret, student, exercise, check)`` for a hidden one. A 64-bit non-negative int."""
    if not hidden:
        return _digest("public", exercise_id, check_name)
    return _digest("hidden", secret, student_id, exercise_id, check_name)
