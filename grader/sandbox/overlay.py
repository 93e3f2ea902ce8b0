"""What a sandbox child may read: an allow-list, and the child's view of the installed packages.

The child runs with ``-I -S``, so neither ``site`` nor any ``*.pth`` file is processed and the editable
install's finder (``__editable__*``) never loads. Its ``sys.path`` is the submission copy, the standard
library and the overlay built here: a folder of symlinks to the site-packages entries in ``ALLOWED``
(NumPy, Numba, llvmlite), nothing else. The project's trees (``grader``, ``solutions``, ``kernels``,
``exercises``, ``benchmarks``, the ``deepgrade`` distribution) never reach it, so ``import solutions``,
``import kernels`` or ``import torch`` fail in the child, and no implementation of a graded function is
readable there.

``readable_paths`` is the one read list that Landlock (``confine.landlock``) and bubblewrap
(``grader.sandbox.bwrap``) both follow: the interpreter binary and its shared library, each entry of the
standard library except ``site-packages``/``dist-packages``, the system folders (split around any
site-packages folder or project tree that lies beneath them, as when Python lives in ``/usr/local``), the
overlay and its link targets. ``sys.base_prefix`` is never allowed wholesale.
"""

from __future__ import annotations

import importlib.util
import os
import site
import sys
import sysconfig
from collections.abc import Iterable
from pathlib import Path

from grader import tempdirs

TRUSTED = ("grader", "solutions", "kernels", "exercises", "benchmarks")
"""The project's packages: never linked, and their folders (and the folder holding them) never readable."""

# The site-packages entries a child may import, and nothing more. Found empirically: a child under this
# allow-list (Landlock and bubblewrap) imports numpy and compiles and calls serial and ``parallel=True``
# ``@njit`` functions (tests/grader/test_overlay.py::test_numpy_and_numba_run_under_the_allow_list);
# Numba needs llvmlite at import and NumPy's vendored libraries (``numpy.libs``, OpenBLAS) load with NumPy.
# No dist-info is needed (``-I -S``: no entry points are looked up). The exercises, the harness and the
# reference modules import only the standard library, NumPy and Numba.
ALLOWED = ("numpy", "numpy.libs", "numba", "llvmlite")

SYSTEM_READ = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/etc", "/proc", "/sys", "/dev/urandom",
               "/dev/random")
SYSTEM_WRITE = ("/dev/null", "/dev/zero")
SITE_NAMES = ("site-packages", "dist-packages")


def _package_dir(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def site_dirs() -> list[Path]:
    """The site-packages folders of this interpreter, in ``sys.path`` order (those a ``.pth`` file added
    included), then the base installation's."""
    found = [Path(p) for p in sys.path if p.rstrip("/").endswith(SITE_NAMES)]
    found += [Path(p) for p in site.getsitepackages()]
    base = {"base": sys.base_prefix, "platbase": sys.base_prefix}
    found += [Path(sysconfig.get_path(key, vars=base)) for key in ("purelib", "platlib")]
    unique: list[Path] = []
    for path in found:
        if path.is_dir() and path.resolve() not in unique:
            unique.append(path.resolve())
    return unique


def stdlib_dir() -> Path:
    """The standard library folder of the base installation (``<base_prefix>/lib/pythonX.Y``)."""
    return Path(sysconfig.get_path("stdlib", vars={"installed_base": sys.base_prefix})).resolve()


def hidden_paths() -> list[Path]:
    """Folders no read rule may cover: every site-packages folder and the project's trees with the
    folder that holds them (the source checkout)."""
    hidden = [*site_dirs(), *(stdlib_dir() / name for name in SITE_NAMES)]
    for name in TRUSTED:
        folder = _package_dir(name)
        if folder is not None:
            hidden += [folder, folder.parent]
    return list(dict.fromkeys(p.resolve() for p in hidden))


def _beneath(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def allowed_beneath(roots: Iterable[str], hidden: list[Path]) -> list[str]:
    """``roots`` resolved, each replaced by its entries, recursively, where a hidden folder lies beneath
    it, so that the result covers everything under the roots except the hidden folders."""
    out: list[str] = []

    def visit(path: Path) -> None:
        if any(_beneath(path, h) for h in hidden):
            return
        if not any(_beneath(h, path) for h in hidden) or not path.is_dir():
            out.append(str(path))
            return
        for entry in sorted(path.iterdir()):
            visit(entry.resolve())

    for root in roots:
        if os.path.lexists(root):
            visit(Path(root).resolve())
    return list(dict.fromkeys(out))


def _shared_libraries() -> list[str]:
    """The interpreter's own shared library (``libpython``) as this process mapped it, if any."""
    try:
        lines = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return []
    found = {line.split(None, 5)[5] for line in lines if len(line.split(None, 5)) == 6}
    return sorted(str(Path(p).resolve()) for p in found if Path(p).name.startswith("libpython"))


def python_paths() -> list[str]:
    """The interpreter binary, its shared library and each standard-library entry except site-packages."""
    stdlib = stdlib_dir()
    entries = [str(e.resolve()) for e in sorted(stdlib.iterdir()) if e.name not in SITE_NAMES]
    return list(dict.fromkeys([os.path.realpath(sys.executable), *_shared_libraries(), *entries]))


def readable_paths(overlay: Path) -> list[str]:
    """What the child may read under Landlock: the interpreter and standard library, the system folders
    (never a hidden folder beneath them), the overlay and the targets of its links."""
    hidden = hidden_paths()
    paths = [str(overlay), *python_paths(), *allowed_beneath(SYSTEM_READ, hidden)]
    paths += sorted({str(link.resolve()) for link in overlay.iterdir() if link.is_symlink()})
    return [p for p in dict.fromkeys(paths) if Path(p).exists()]


def build_overlay(dest: Path) -> Path:
    """Fill ``dest`` with links to the ``ALLOWED`` site-packages entries (the first found in ``sys.path``
    order) and to each standard-library entry, and return it.

    The standard-library links are a fallback: under Landlock the child may read each entry of
    ``lib/pythonX.Y`` but not list that folder itself (listing it would list site-packages too), so after
    ``importlib.invalidate_caches()`` (Numba or a student may call it) the standard library's path entry
    finds nothing and imports fall through to the overlay, which the child may list."""
    dest.mkdir(parents=True, exist_ok=True)
    for entry in sorted(stdlib_dir().iterdir()):
        if entry.name not in (*SITE_NAMES, "__pycache__") and entry.name.isascii():
            (dest / entry.name).symlink_to(entry)
    hidden = [d for d in (_package_dir(n) for n in TRUSTED) if d is not None]
    for folder in site_dirs():
        for name in ALLOWED:
            entry, link = folder / name, dest / name
            if entry.exists() and not os.path.lexists(link) and not any(
                _beneath(entry.resolve(), h) for h in hidden
            ):
                link.symlink_to(entry)
    return dest


_SHARED: dict[int, tuple[Path, list[str]]] = {}


def shared_overlay() -> tuple[Path, list[str]]:
    """The overlay of this process (built once, removed at exit) and the paths a child may read. Children
    only read it: under Landlock it is outside their writable folder."""
    pid = os.getpid()
    if pid not in _SHARED:
        root = tempdirs.make("overlay", remove_at_exit=True)  # swept by the next run if this one is killed
        overlay = build_overlay(root / "site")
        _SHARED[pid] = (overlay, readable_paths(overlay))
    return _SHARED[pid]
