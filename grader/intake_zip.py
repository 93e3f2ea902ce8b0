"""Extracting a student's zip safely (trusted, parent side).

Members are extracted one by one; sizes are measured while reading (never taken from the headers) and
drawn from the submission's ``Budget``, which every zip of the submission shares, so nested zips cannot
multiply the caps. Absolute paths, drive letters and ``..`` components are refused; symbolic-link
members are never created. Any failure is an ``IntakeError`` whose message is the recorded reason.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from pathlib import Path, PurePosixPath

from grader import intake_limits as limits
from grader.intake_limits import Budget, IntakeError, printable, safe_open


def _parts(filename: str) -> tuple[str, ...]:
    name = filename.replace("\\", "/")
    parts = PurePosixPath(name).parts
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or "\0" in name:
        raise IntakeError(f"zip entry with an unsafe path: {filename!r}")
    return parts


def _open(archive: Path) -> zipfile.ZipFile:
    label = printable(archive.name)
    try:
        fh = safe_open(archive)
    except OSError as err:
        raise IntakeError(f"zip {label} cannot be read ({err.strerror or err})") from None
    try:
        if os.fstat(fh.fileno()).st_size > limits.MAX_BYTES:
            raise IntakeError(f"zip {label} is larger than {limits.MAX_BYTES // 2**20} MB")
        return zipfile.ZipFile(fh)
    except IntakeError:
        fh.close()
        raise
    except UnicodeDecodeError:
        fh.close()
        raise IntakeError(f"zip {label} has entry names marked UTF-8 that are not UTF-8") from None
    except Exception as err:  # BadZipFile, OSError, ValueError, ...: a broken archive, not a grader bug
        fh.close()
        raise IntakeError(f"not a readable zip file ({type(err).__name__}: {err})") from None


def extract_zip(archive: Path, dest: Path, budget: Budget | None = None) -> Path:
    """Extract ``archive`` into ``dest`` within ``budget`` (a fresh one when None); returns ``dest``.
    Raises ``IntakeError`` on a hostile, broken or oversized zip."""
    budget = budget if budget is not None else Budget()
    budget.open_zip()
    zf = _open(archive)
    with zf:
        dest.mkdir(parents=True, exist_ok=True)
        for info in zf.infolist():
            budget.add_member("zip")
            parts = _parts(info.filename)
            if stat.S_ISLNK(info.external_attr >> 16):
                continue
            target = dest.joinpath(*parts) if parts else dest
            try:
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, target.open("wb") as out:
                    while chunk := src.read(1 << 16):
                        budget.spend_bytes(len(chunk), "zip expands beyond")
                        out.write(chunk)
            except IntakeError:
                raise
            except Exception as err:  # corrupt data, unsupported method, encryption, name clash
                raise IntakeError(
                    f"zip entry {info.filename!r} cannot be extracted ({type(err).__name__}: {err})"
                ) from None
    return dest
