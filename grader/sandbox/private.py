"""A child's private folder and environment: the copy of the submission it runs (``sub``, regular files
only), its empty writable folders, its whole environment (nothing inherited from the grader), what its
folder holds on disk, and the runtime it is sent (read once from the grader's own tree)."""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

from grader import values

HERE = Path(__file__).resolve().parent
WRITABLE = ("sub", "home", "tmp", "numba_cache")


def copy_submission(src: Path, dest: Path, max_bytes: float) -> None:
    """Copy regular files only (symlinks are skipped: they could point at solutions/), within a size cap."""
    total = 0
    dest.mkdir(parents=True)
    if src.is_file():
        shutil.copyfile(src, dest / src.name)
        return
    for root, dirs, files in os.walk(src, followlinks=False):
        rel = Path(root).relative_to(src)
        dirs[:] = [d for d in dirs if not (Path(root) / d).is_symlink() and d != "__pycache__"]
        (dest / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            path = Path(root) / name
            if path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > max_bytes:
                raise OSError(f"submission larger than {max_bytes / 2**20:.0f} MB")
            shutil.copyfile(path, dest / rel / name)


def child_environment(private: Path, token: str, threads: int) -> dict[str, str]:
    """The child's whole environment: nothing inherited from the grader (no PYTHONPATH, PYTEST_ADDOPTS,
    paths to the project or the output)."""
    n = str(threads)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(private / "home"),
        "TMPDIR": str(private / "tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        "NUMBA_CACHE_DIR": str(private / "numba_cache"),
        "NUMBA_NUM_THREADS": n,
        "OMP_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": str(private / "home"),
        "DEEPGRADE_SANDBOX": token,
    }


@functools.cache
def runtime_sources() -> dict[str, str]:
    """The child program, its confinement and the codec, read once from the grader's own tree."""
    return {"child": (HERE / "child.py").read_text(encoding="utf-8"),
            "confine": (HERE / "confine.py").read_text(encoding="utf-8"),
            "values": Path(values.__file__).read_text(encoding="utf-8")}


def disk_usage(root: Path, max_entries: int) -> tuple[int, int]:
    """``(bytes allocated, entries)`` beneath ``root``, by an ``fwalk`` that opens every folder relative to
    its parent and never follows a symlink (a child swapping a folder for a link cannot send the walk
    elsewhere); stops counting past ``max_entries``."""
    total = count = 0
    try:
        for _dir, dirs, files, dirfd in os.fwalk(root, follow_symlinks=False):
            for name in (*dirs, *files):
                count += 1
                if count > max_entries:
                    return total, count
                try:
                    total += os.stat(name, dir_fd=dirfd, follow_symlinks=False).st_blocks * 512
                except OSError:
                    pass
    except OSError:
        pass
    return total, count
