"""The instructor's side: the pictures of every submission of a run, in ``<out>/plots/<slug>/``, where the
feedback pages and ``summary.html`` find them (``pictures_of``). ``deepgrade grade --plots`` calls
``write_student_plots`` once grading is done; the pictures stay until the next ``--plots`` run, so
``deepgrade report`` links them too."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

from grader.plots import PLOTTED, Picture, write_plots

PLOTS_DIR = "plots"  # <out>/plots/<slug>/<exercise>.png


def write_student_plots(root: Path, out_dir: Path, lang: str, *, sandbox: str = "auto", launcher: Any = None,
                        students: Collection[str] | None = None, exercises: Collection[str] | None = None,
                        ) -> dict[str, list[Picture]]:
    """Draw the pictures of each submission of ``root`` (only the ids in ``students`` and the exercises in
    ``exercises`` when given) into ``out_dir/plots/<slug>/``; a student's old pictures are removed first,
    so none outlives its code.
    Returns the pictures by student id (a submission with nothing to grade has none)."""
    from grader.intake import scan
    from grader.reports.files import student_slugs
    from grader.sandbox import bwrap

    if launcher is None:
        launcher, _ = bwrap.resolve(sandbox)
    work = Path(tempfile.mkdtemp(prefix="deepgrade-plots-"))
    drawn: dict[str, list[Picture]] = {}
    try:
        subs = scan(Path(root), list(PLOTTED), work, select=students).submissions
        slugs = student_slugs(s.id for s in subs)
        for sub in subs:
            if sub.path is None:
                continue
            folder = Path(out_dir) / PLOTS_DIR / slugs[sub.id]
            shutil.rmtree(folder, ignore_errors=True)
            drawn[sub.id] = write_plots(sub.path, folder, lang, exercises=exercises, launcher=launcher)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return drawn


def pictures_of(out_dir: Path, slug: str) -> dict[str, str]:
    """The pictures already written for a student: exercise -> path relative to ``out_dir`` (POSIX), in
    the order of ``PLOTTED``."""
    folder = Path(out_dir) / PLOTS_DIR / slug
    return {ex: f"{PLOTS_DIR}/{slug}/{ex}.png" for ex in PLOTTED if (folder / f"{ex}.png").is_file()}
