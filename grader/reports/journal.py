"""The results journal ``<out>/results.jsonl``: one JSON object per line, one line per check result.

Each object holds the fields of :class:`grader.model.CheckResult`, the outcome as its string. The engine
appends the lines of each submission as it finishes (one fsynced write), so a killed run can leave a
truncated last line: reading skips it with a warning and keeps everything before it. A regrade appends
its records and then merges them in (:func:`merge_journal`, an atomic rewrite).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.model import CheckResult, Outcome, to_json
from grader.reports.files import atomic_write

JOURNAL_NAME = "results.jsonl"
_FIELDS = tuple(f.name for f in dataclasses.fields(CheckResult))
_CASTS: dict[str, Any] = {
    "student": str,
    "exercise": str,
    "check": str,
    "points": float,
    "max_points": float,
    "outcome": Outcome,
    "reason": str,
    "message_fr": str,
    "message_en": str,
    "duration_s": float,
    "hidden": bool,
}


class TruncatedJournalWarning(UserWarning):
    """The last line of a journal could not be read (a run was killed while writing it)."""


def from_record(record: dict[str, Any]) -> CheckResult:
    """Build a :class:`CheckResult` from a decoded journal object; raise ``ValueError`` if it is not one."""
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    missing = [name for name in _FIELDS if name not in record]
    if missing:
        raise ValueError(f"missing field(s) {', '.join(missing)}")
    if not isinstance(record["hidden"], bool):
        raise ValueError("field hidden is not a boolean")
    return CheckResult(**{name: _CASTS[name](record[name]) for name in _FIELDS})


def append_results(path: Path, results: Iterable[CheckResult]) -> None:
    """Append ``results`` to the journal at ``path`` in one write, flushed and fsynced.

    On an ``OSError`` (a full disk) the journal is cut back to its length before the call, so it never
    ends in a torn line that later appends would follow, and the error is raised again."""
    data = "".join(to_json(result) + "\n" for result in results).encode("utf-8")
    with path.open("ab") as journal:
        start = journal.tell()
        try:
            journal.write(data)
            journal.flush()
            os.fsync(journal.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                journal.truncate(start)
            raise


def rewrite_journal(path: Path, results: Iterable[CheckResult]) -> None:
    """Replace the journal at ``path`` with ``results`` atomically: a temporary file beside it, fsynced,
    moved into place, the folder fsynced. A reader or a crash sees the old journal or the new one."""
    data = "".join(to_json(result) + "\n" for result in results).encode("utf-8")

    def write(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())

    atomic_write(path, write)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def merge_journal(path: Path) -> int:
    """Rewrite the journal with one record per check: the last one recorded, at the place of the first
    (a regrade appends its records, then merges them in). Returns the number of records kept."""
    merged: dict[tuple[str, str, str], CheckResult] = {}
    for result in load_results(path):
        merged[(result.student, result.exercise, result.check)] = result  # a dict keeps the first place
    rewrite_journal(path, merged.values())
    return len(merged)


def load_results(path: Path) -> list[CheckResult]:
    """Read a journal (a file, or a folder holding ``results.jsonl``).

    A last line that does not decode is skipped with a :class:`TruncatedJournalWarning`; a bad line
    elsewhere raises :class:`UsageError` naming the line, since it is not the trace of a killed run.
    """
    path = Path(path)
    if path.is_dir():
        path = path / JOURNAL_NAME
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise UsageError(f"cannot read the results journal {path}: {err.strerror or err}") from None
    lines = [(number, line) for number, line in enumerate(text.splitlines(), start=1) if line.strip()]
    results = []
    for index, (number, line) in enumerate(lines):
        try:
            results.append(from_record(json.loads(line)))
        except (ValueError, TypeError) as err:
            if index == len(lines) - 1:
                warnings.warn(
                    f"{path}:{number}: skipped the unreadable last line (a run killed while writing?): {err}",
                    TruncatedJournalWarning,
                    stacklevel=2,
                )
            else:
                raise UsageError(f"{path}:{number}: not a result record: {err}") from None
    return results
