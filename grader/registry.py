"""The stable import path of the course's exercises and checks: ``EXERCISES``, ``by_id`` and
``EXPECTED_KEY``, re-exported from where they live.

The checks are written in ``grader/checks/``, one module per exercise (``grader.checks.ex11_optimizers``),
public checks first, then the hidden ones between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
``EXPECTED_KEY`` belongs to the data model (``grader.model``). Import from here or from there alike.
"""

from __future__ import annotations

from grader.checks import EXERCISES, by_id
from grader.model import EXPECTED_KEY

__all__ = ["EXERCISES", "EXPECTED_KEY", "by_id"]
