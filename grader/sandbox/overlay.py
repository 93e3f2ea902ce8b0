"""The child's view of the installed packages: a folder of symlinks to site-packages entries.

The child runs with ``-I -S``, so neither ``site`` nor any ``*.pth`` file is processed and the editable
install's finder (``__editable__*``) never loads. Its ``sys.path`` is the submission copy, the standard
library and this overlay. The overlay leaves out the project's trusted packages (``grader``,
``solutions``, the ``deepgrade`` distribution) and every ``*.pth``/``__editable__`` entry, so
``import solutions`` and ``import grader`` fail in the child. Packages that ship to students
(``kernels``) are copied in, so a student module may import them even under an editable install.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import site
import sys
import tempfile
from pathlib import Path

TRUSTED = ("grader", "solutions")
SHIPPED = ("kernels",)


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def site_dirs() -> list[Path]:
    """The site-packages folders of this interpreter, in ``sys.path`` order."""
    found = [Path(p) for p in sys.path if p.rstrip("/").endswith(("site-packages", "dist-packages"))]
    found += [Path(p) for p in site.getsitepackages()]
    unique: list[Path] = []
    for path in found:
        if path.is_dir() and path.resolve() not in unique:
            unique.append(path.resolve())
    return unique


def _excluded(entry: Path, trusted_dirs: list[Path]) -> bool:
    name = entry.name
    stem = name.split(".", 1)[0].split("-", 1)[0]
    if name.endswith(".pth") or name.startswith("__editable__") or name == "__pycache__":
        return True
    if stem in TRUSTED or stem in SHIPPED or stem.lower() == "deepgrade":
        return True
    real = entry.resolve()
    return any(real == d or d in real.parents for d in trusted_dirs)


SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/etc", "/proc", "/sys", "/dev/urandom",
               "/dev/random")
SYSTEM_WRITE = ("/dev/null", "/dev/zero")


def readable_paths(overlay: Path) -> list[str]:
    """What the child may read under Landlock: the Python installation, the system libraries, and the
    targets of the overlay's links (never the project, the other submissions or the reports)."""
    paths = [sys.base_prefix, *SYSTEM_READ]
    paths += sorted({str(link.resolve()) for link in overlay.iterdir() if link.is_symlink()})
    return [p for p in dict.fromkeys(paths) if Path(p).exists()]


def build_overlay(dest: Path) -> Path:
    """Fill ``dest`` with the allowed entries and return it."""
    dest.mkdir(parents=True, exist_ok=True)
    trusted_dirs = [d for d in (_package_dir(n) for n in TRUSTED) if d is not None]
    for folder in site_dirs():
        for entry in sorted(folder.iterdir()):
            link = dest / entry.name
            if not _excluded(entry, trusted_dirs) and not link.exists() and not link.is_symlink():
                link.symlink_to(entry)
    for name in SHIPPED:
        src = _package_dir(name)
        if src is not None and not (dest / name).exists():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return dest


_SHARED: dict[int, tuple[Path, list[str]]] = {}


def shared_overlay() -> tuple[Path, list[str]]:
    """The overlay of this process (built once, removed at exit) and the paths a child may read. Children
    only read it: under Landlock it is outside their writable folder."""
    pid = os.getpid()
    if pid not in _SHARED:
        root = Path(tempfile.mkdtemp(prefix="deepgrade-overlay-"))
        atexit.register(shutil.rmtree, root, True)
        overlay = build_overlay(root / "site")
        _SHARED[pid] = (overlay, [str(overlay), *readable_paths(overlay)])
    return _SHARED[pid]
