"""`deepgrade grade`: accounting for every entry of the submissions folder before grading.

Hidden and system entries and symbolic links are not graded; they are written to ``<out>/skipped.csv``
(columns ``entry``, ``reason``) so that no entry disappears silently. ``--student`` and ``-e`` are checked
against the folder and the registry here, so a typo is a one-line error rather than an empty run; they
reach the pytest session as ``--grade-student``/``--grade-exercise`` (``-k``/``-m`` never match students).
"""

from __future__ import annotations

import argparse
import csv
import io
from pathlib import Path

from grader.errors import UsageError

SKIPPED_NAME = "skipped.csv"


def selection_args(args: argparse.Namespace) -> list[str]:
    """The pytest options that carry ``--student``/``-e`` (``=`` form: an id may start with ``-``)."""
    return [*(f"--grade-student={s}" for s in getattr(args, "students", None) or []),
            *(f"--grade-exercise={e}" for e in getattr(args, "exercises", None) or [])]


def write_skipped(out: Path, skipped: list[tuple[str, str]]) -> Path:
    """``<out>/skipped.csv``, written atomically (a header only when nothing was skipped)."""
    from grader.reports.csv_cells import safe_cell
    from grader.reports.files import atomic_write_text

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["entry", "reason"])
    writer.writerows([safe_cell(entry), safe_cell(reason)] for entry, reason in skipped)
    out.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(out / SKIPPED_NAME, buf.getvalue())


def account_for_entries(args: argparse.Namespace, out: Path) -> None:
    """Write the skipped entries, say how many, and check the selection; raises ``UsageError`` for an
    unknown student or exercise, or a folder with nothing to grade."""
    from grader.intake import list_entries

    listing = list_entries(args.submissions)
    path = write_skipped(out, listing.skipped)
    if listing.skipped:
        print(f"skipped {len(listing.skipped)} entries (see {path})")
    if not listing.entries:
        raise UsageError(f"no submission in {args.submissions} (every entry was skipped: see {path})")
    unknown = sorted(set(getattr(args, "students", None) or []) - {e.id for e in listing.entries})
    if unknown:
        raise UsageError(f"unknown student(s): {', '.join(unknown)}")
    if getattr(args, "exercises", None):
        from grader.engine.backend import load_backend

        known = set(load_backend(args.backend).module_names)
        wrong = sorted(set(args.exercises) - known)
        if wrong:
            raise UsageError(f"unknown exercise(s): {', '.join(wrong)}")
