"""The results journal ``<out>/results.jsonl``: one JSON object per line, one line per check result.

Each object holds the fields of :class:`grader.model.CheckResult`, the outcome as its string. The engine
appends a line as each result arrives, so a killed run can leave a truncated last line: reading skips it
with a warning and keeps everything before it.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from grader.errors import UsageError
from grader.model import CheckResult, Outcome

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


def to_json(result: CheckResult) -> str:
    """One journal line (without the newline) for ``result``."""
    record = dataclasses.asdict(result)
    record["outcome"] = str(result.outcome)
    return json.dumps(record, ensure_ascii=False)


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
    """Append ``results`` to the journal at ``path``, one flushed line each."""
    with path.open("a", encoding="utf-8") as journal:
        for result in results:
            journal.write(to_json(result) + "\n")
            journal.flush()


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
