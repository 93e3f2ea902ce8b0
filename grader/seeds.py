"""Seeds of the checks' inputs (trusted, parent side).

A public check draws its inputs from a fixed seed that depends only on the exercise and check names, so
the student's self-check and the instructor's grading see the same inputs. A hidden check's seed is derived
from the instructor's secret and the student id with SHA-256: a student cannot predict it, and a re-run
gives the same inputs and so the same grade.
"""

from __future__ import annotations

import hashlib
import os

SECRET_ENV = "DEEPGRADE_SECRET"
DEVELOPMENT_SECRET = "deepgrade-development-secret: set DEEPGRADE_SECRET when grading for real"


def secret() -> str:
    """The instructor's secret: environment variable ``DEEPGRADE_SECRET``, or the public development
    secret ``DEVELOPMENT_SECRET`` (fine for tests and demos, useless against a student who reads this
    file)."""
    return os.environ.get(SECRET_ENV) or DEVELOPMENT_SECRET


def _digest(*parts: str) -> int:
    data = "\x1f".join(parts).encode("utf-8")
    return int.from_bytes(hashlib.sha256(data).digest()[:8], "big")


def check_seed(exercise_id: str, check_name: str, student_id: str, secret: str, hidden: bool) -> int:
    """The seed of one check's inputs: ``sha256(exercise, check)`` for a public check (student and secret
    ignored); ``sha256(secret, student, exercise, check)`` for a hidden one. A 64-bit non-negative int."""
    if not hidden:
        return _digest("public", exercise_id, check_name)
    return _digest("hidden", secret, student_id, exercise_id, check_name)
