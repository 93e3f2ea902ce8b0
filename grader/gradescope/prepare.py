"""``setup.sh``'s Python part, run once when Gradescope builds the autograder's image:
``python -m grader.gradescope.prepare --root /autograder``.

It checks that the zip unpacked in ``<root>/source`` holds deepgrade's settings and a solutions package, and
locks ``source/instructor/`` so that no sandbox child can read the solutions: as root (Gradescope runs the
autograder as root) the folder is given to the unprivileged ``nobody`` (uid 65534) with modes 0700/0600, so
the grading process reads it through its capabilities while a child, which drops every capability before
student code runs (``grader.sandbox.child``), is refused by the permission bits like any other user; as any
other user the folder is made private to that user, and bubblewrap (not mounted) or Landlock (not on the read
allow-list) keeps the child out. Prints what it did, one line each; a problem is a one-line error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.errors import UsageError
from grader.gradescope.layout import DEFAULT_ROOT, INSTRUCTOR, SOURCE, load_settings, solutions

NOBODY = 65534


def lock(folder: Path) -> str:
    """Make ``folder`` (and everything below it) unreadable to a sandbox child; says how, in words."""
    as_root = os.geteuid() == 0
    for path in [folder, *folder.rglob("*")]:
        if path.is_symlink():
            path.unlink()
            continue
        if as_root:
            os.chown(path, NOBODY, NOBODY)
        path.chmod(0o700 if path.is_dir() else 0o600)
    if as_root:
        return f"{folder}: owned by uid {NOBODY}, modes 0700/0600 (a capless child cannot read it)"
    return f"{folder}: private to uid {os.geteuid()} (bubblewrap or Landlock keeps the child out)"


def prepare(root: Path) -> list[str]:
    """Check and lock the autograder unpacked under ``root``; the lines to print."""
    settings = load_settings(root)
    solved = solutions(root)
    if not (solved / "__init__.py").is_file():
        raise UsageError(f"no solutions package in {solved}: rebuild the zip with deepgrade gradescope build")
    from grader.sandbox import bwrap

    why = bwrap.probe()
    lines = [
        f"deepgrade {settings.version} autograder: language {settings.lang}, sandbox {settings.sandbox}",
        lock(root / SOURCE / INSTRUCTOR),
        "bubblewrap: usable" if not why else f"bubblewrap: not usable here ({why}); process-level isolation",
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.gradescope.prepare", description=__doc__)
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="the autograder root (/autograder)")
    args = parser.parse_args(argv)
    try:
        for line in prepare(args.root):
            print(line)
    except UsageError as err:
        print(f"deepgrade: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
