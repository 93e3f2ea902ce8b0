"""Atomic file writes and file names for student ids.

Every report is written to a temporary file in its destination folder and moved into place with
``os.replace``, so a reader (or a run killed half-way) sees either the old file or the new one, never a
partial one. The file gets the mode of a plain ``open(..., "w")`` (0644 under the default umask 022), not
``mkstemp``'s 0600, so TAs and a web server can read the reports as they read ``results.jsonl``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_WINDOWS_RESERVED = {"con", "prn", "aux", "nul", *(f"{p}{i}" for p in ("com", "lpt") for i in range(10))}
_MAX_LEN = 64


def file_mode() -> int:
    """The mode ``open(..., "w")`` gives a new file: 0666 less the process's umask."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp)`` on a temporary path beside ``path``, then move it onto ``path`` with the mode of
    :func:`file_mode`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        write(tmp)
        os.chmod(tmp, file_mode())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def slugify(student: str) -> str:
    """A file-name-safe form of a student id: ASCII letters, digits, ``.``, ``_`` and ``-`` only."""
    ascii_ = unicodedata.normalize("NFKD", student).encode("ascii", "ignore").decode("ascii")
    slug = _UNSAFE.sub("_", ascii_).strip("._-")[:_MAX_LEN] or "student"
    if slug.split(".")[0].lower() in _WINDOWS_RESERVED:
        slug = f"{slug}_"
    return slug


def student_slugs(students: Iterable[str]) -> dict[str, str]:
    """Map each student id to a unique file name stem.

    Ids whose slugs clash (case-insensitively, for case-insensitive file systems) all get a short hash of
    the id appended, so a name never depends on which other students are in the run.
    """
    unique = sorted(set(students))
    base = {s: slugify(s) for s in unique}
    count: dict[str, int] = {}
    for slug in base.values():
        count[slug.lower()] = count.get(slug.lower(), 0) + 1
    return {
        s: slug if count[slug.lower()] == 1 else f"{slug}-{hashlib.sha256(s.encode()).hexdigest()[:8]}"
        for s, slug in base.items()
    }
