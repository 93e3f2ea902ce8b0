"""The bounds of reading one submission (trusted, parent side): one budget per submission, whatever its
shape, so that nested zips, many notebooks or a huge folder cannot make every grading process do
unbounded work. Also the two primitives every reader uses: ``safe_open`` (regular files only, never
through a link, never blocking on a FIFO) and ``printable`` (file names as valid UTF-8 text).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

MAX_BYTES = 64 * 2**20  # written to the work folder per submission: extracted, copied, converted
MAX_MEMBERS = 2000  # files per submission: zip members (all zips together) and copied files
MAX_SCANNED = 20000  # folder entries looked at per submission
MAX_ZIPS = 3  # zips extracted per submission (a zip holding a zip holding a zip)
MAX_NOTEBOOK_BYTES = 16 * 2**20  # one notebook, checked before reading it
MAX_NOTEBOOKS_BYTES = 32 * 2**20  # every notebook of a submission together
MAX_NOTEBOOK_DEPTH = 100  # JSON nesting; nbformat needs fewer than 20 levels
MAX_TREE_DEPTH = 8  # folder levels copied below the folder that holds the modules


class IntakeError(Exception):
    """An entry (or one exercise of it) that cannot be graded; the message is the recorded reason."""


def _limit(name: str) -> int:
    return int(globals()[name])


@dataclass
class Budget:
    """What one submission may still cost; every extraction, copy and notebook draws from it."""

    bytes_left: int = field(default_factory=lambda: _limit("MAX_BYTES"))
    members_left: int = field(default_factory=lambda: _limit("MAX_MEMBERS"))
    scanned_left: int = field(default_factory=lambda: _limit("MAX_SCANNED"))
    zips_left: int = field(default_factory=lambda: _limit("MAX_ZIPS"))
    notebook_bytes_left: int = field(default_factory=lambda: _limit("MAX_NOTEBOOKS_BYTES"))

    def spend_bytes(self, n: int, why: str = "submission expands beyond") -> None:
        self.bytes_left -= n
        if self.bytes_left < 0:
            raise IntakeError(f"{why} {_limit('MAX_BYTES') // 2**20} MB")

    def add_member(self, what: str = "submission") -> None:
        self.members_left -= 1
        if self.members_left < 0:
            raise IntakeError(f"{what} holds more than {_limit('MAX_MEMBERS')} entries")

    def scan(self, n: int = 1) -> None:
        self.scanned_left -= n
        if self.scanned_left < 0:
            raise IntakeError(f"submission holds more than {_limit('MAX_SCANNED')} folder entries")

    def open_zip(self) -> None:
        self.zips_left -= 1
        if self.zips_left < 0:
            raise IntakeError(f"zips nested more than {_limit('MAX_ZIPS')} deep")

    def spend_notebook(self, n: int) -> None:
        self.notebook_bytes_left -= n
        if self.notebook_bytes_left < 0:
            raise IntakeError(f"notebooks larger than {_limit('MAX_NOTEBOOKS_BYTES') // 2**20} MB in all")


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(name: str) -> str:
    """``name`` as valid UTF-8 text fit for a terminal, a CSV or a page: bytes that are not UTF-8
    (``os.listdir``'s ``\\udcXX`` escapes), lone surrogates and control characters become ``\\xXX`` or
    ``\\udXXX`` escapes."""
    try:
        text = os.fsencode(name).decode("utf-8", "backslashreplace")
    except UnicodeError:
        text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class NotRegular(IntakeError):
    """The path is a link, a folder, a FIFO or a device: never read."""


def safe_open(path: Path) -> BinaryIO:
    """Open a regular file for reading without following a final symlink and without blocking on a FIFO;
    raises ``NotRegular`` for anything else and ``OSError`` when it cannot be read."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(f"{printable(path.name)} is not a regular file")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_capped(path: Path, cap: int, what: str) -> bytes:
    """The whole of a regular file of at most ``cap`` bytes (its size checked before reading and while
    reading); raises ``IntakeError`` when it is larger."""
    with safe_open(path) as fh:
        if os.fstat(fh.fileno()).st_size > cap:
            raise IntakeError(f"{what} is larger than {cap // 2**20} MB")
        data = fh.read(cap + 1)
    if len(data) > cap:
        raise IntakeError(f"{what} is larger than {cap // 2**20} MB")
    return data
