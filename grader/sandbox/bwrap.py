"""Operating-system isolation of a sandbox child with bubblewrap (``bwrap``, Debian package ``bubblewrap``).

``launcher(private, disk_mb)`` returns the command prefix that ``Sandbox`` puts before the child's
interpreter:
a new mount namespace whose root is an empty tmpfs holding only

* read-only binds of what ``overlay.readable_paths`` allows: the system (``/usr``, ``/lib*``, ``/bin``,
  split around any site-packages folder or project tree beneath them), a few files of ``/etc``, the CPU
  description in ``/sys``, the interpreter binary and its shared library, each standard-library entry
  (never ``sys.base_prefix`` wholesale, never a site-packages folder), the virtual environment's
  interpreter links and ``pyvenv.cfg``, the child's package overlay and the entries it links to (NumPy,
  Numba, llvmlite);
* the submission's private folder as one tmpfs capped at ``Limits.disk_mb`` (where bubblewrap can cap
  it) holding the child's writable folders (``home``, ``tmp``, ``numba_cache``) and the submission's
  copy ``sub`` bound read-only: nothing the child writes reaches the disk, and ``/tmp`` is another capped
  tmpfs; ``/dev/null``-style devices;

and new user, PID, network, IPC, UTS and cgroup namespaces (``--unshare-all``): no network interface
but a loopback that is down, no view of the grader's processes, and every process of the child dies
with the namespace's first process. ``--die-with-parent`` kills it when the grader dies; capabilities
are dropped. The project (``solutions/``, ``grader/``), the reports folder and the other submissions are
not in the namespace at all, so no absolute path reaches them.

``resolve(mode)`` picks the isolation of a run: ``"bwrap"`` (error if bubblewrap cannot run here),
``"process"`` (no namespaces), or ``"auto"`` (bubblewrap when a probe run succeeds).
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from grader.errors import UsageError
from grader.sandbox.overlay import allowed_beneath, hidden_paths, python_paths, shared_overlay

MODES = ("auto", "bwrap", "process")
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime", "/etc/passwd",
       "/etc/group", "/etc/nsswitch.conf", "/etc/os-release", "/etc/alternatives")
SYS = ("/sys/devices/system/cpu", "/sys/fs/cgroup")
PROCESS_ONLY_WARNING = (
    "bubblewrap (bwrap) is not usable here: isolation is process-level only (resource limits, scrubbed "
    "environment, Landlock where the kernel has it); install bubblewrap or run the grader in a "
    "container, see SECURITY.md"
)

TMP_BYTES = 64 * 2**20  # the namespace's /tmp lives in memory
PRIVATE_DIRS = ("home", "tmp", "numba_cache")  # sandbox.WRITABLE without "sub", which is read-only
Launcher = Callable[[Path, int], Sequence[str]]


def _link_chain(path: Path) -> tuple[list[tuple[str, str]], Path]:
    """The symlinks from ``path`` to the real file as ``(target text, link path)``, and the real file."""
    links: list[tuple[str, str]] = []
    current = Path(os.path.abspath(path))
    for _ in range(40):
        if not current.is_symlink():
            break
        target = os.readlink(current)
        links.append((target, str(current)))
        current = Path(os.path.abspath(current.parent / target))
    return links, current


def _covered(path: str, bound: list[str]) -> bool:
    return any(path == b or path.startswith(b.rstrip("/") + "/") for b in bound)


def _ro_binds(paths: list[str], bound: list[str]) -> list[str]:
    """``--ro-bind`` arguments for the paths not already beneath a bound one (``bound`` grows)."""
    args: list[str] = []
    for path in sorted(paths, key=lambda p: (p.count("/"), p)):
        if os.path.exists(path) and not _covered(path, bound):
            args += ["--ro-bind", path, path]
            bound.append(path)
    return args


def _system_args(bound: list[str]) -> list[str]:
    args: list[str] = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
    args += _ro_binds(allowed_beneath([p for p in SYSTEM if not os.path.islink(p)], hidden_paths()), bound)
    for path in (*ETC, *SYS):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def _python_args(bound: list[str]) -> list[str]:
    """The interpreter as the child starts it (``sys.executable`` and its links), its shared library and
    standard library entry by entry, and the virtual environment's ``pyvenv.cfg``; never the rest of the
    installation or of the environment's folder."""
    args: list[str] = []
    links, _real = _link_chain(Path(sys.executable))
    for target, link in links:
        args += ["--symlink", target, link]
    args += _ro_binds(python_paths(), bound)
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    if sys.prefix != sys.base_prefix and cfg.is_file():
        args += ["--ro-bind", str(cfg), str(cfg)]
    return args


def _overlay_args(bound: list[str]) -> list[str]:
    """The overlay folder and the site-packages entries its links point to."""
    overlay, readable = shared_overlay()
    args = ["--ro-bind", str(overlay), str(overlay)]
    links = [str(link.resolve()) for link in overlay.iterdir() if link.is_symlink()]
    return args + _ro_binds([p for p in links if p in readable], bound)


@functools.cache
def _has_size_option(executable: str) -> bool:
    """bubblewrap >= 0.7 can cap a tmpfs (``--size``); older versions leave ``/tmp`` uncapped."""
    try:
        text = subprocess.run([executable, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "--size" in text


@functools.cache
def _static_args(executable: str) -> tuple[str, ...]:
    bound: list[str] = []
    return (
        executable,
        "--unshare-all",
        "--die-with-parent",
        "--cap-drop", "ALL",
        "--hostname", "sandbox",
        *_system_args(bound),
        "--proc", "/proc",
        "--dev", "/dev",
        *(["--size", str(TMP_BYTES)] if _has_size_option(executable) else []),
        "--tmpfs", "/tmp",
        *_python_args(bound),
        *_overlay_args(bound),
    )


def command_prefix(private: Path, disk_mb: int = 256, executable: str = "bwrap") -> list[str]:
    """The bubblewrap prefix for a child whose private folder is ``private``: a tmpfs capped at
    ``disk_mb`` MB (all the child writes: home, tmp, Numba's cache, in memory) mounted there, holding
    empty writable ``PRIVATE_DIRS`` and the submission's copy
    ``private/sub`` bound read-only, which is the working directory. bubblewrap applies its arguments in
    order, so the tmpfs is mounted before the folders are made in it and ``sub`` is bound over them."""
    private = Path(private).resolve()
    sub = str(private / "sub")
    size = ["--size", str(disk_mb * 2**20)] if _has_size_option(executable) else []
    dirs = [arg for name in PRIVATE_DIRS for arg in ("--dir", str(private / name))]
    return [*_static_args(executable), *size, "--tmpfs", str(private), *dirs, "--dir", sub,
            "--ro-bind", sub, sub, "--chdir", sub]


@functools.cache
def probe(executable: str | None = None) -> str:
    """Empty when bubblewrap can start the interpreter here; otherwise why not (one line)."""
    exe = executable or shutil.which("bwrap")
    if exe is None:
        return "bwrap not found on PATH"
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / f"deepgrade-bwrap-probe-{os.getpid()}"
    (scratch / "sub").mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            [*command_prefix(scratch, executable=exe), sys.executable, "-I", "-S", "-c",
             "import os; os.listdir('.')"],
            capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"},
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bwrap failed to run: {err}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if proc.returncode != 0:
        lines = (proc.stderr or "").strip().splitlines()
        return f"bwrap failed: {lines[-1] if lines else f'exit code {proc.returncode}'}"
    return ""


def launcher(executable: str | None = None) -> Launcher:
    """A ``Sandbox`` launcher running each child under bubblewrap."""
    exe = executable or shutil.which("bwrap") or "bwrap"
    return functools.partial(command_prefix, executable=exe)


def resolve(mode: str) -> tuple[Launcher | None, str]:
    """``(launcher or None, warning)`` for a ``--sandbox`` mode; the warning is empty unless ``auto``
    fell back to process-level isolation. Raises ``UsageError`` for ``bwrap`` when it cannot run."""
    if mode not in MODES:
        raise UsageError(f"--sandbox expects one of {', '.join(MODES)}, got {mode!r}")
    if mode == "process":
        return None, ""
    why = probe()
    if not why:
        return launcher(), ""
    if mode == "bwrap":
        raise UsageError(f"--sandbox bwrap: {why}")
    return None, f"{PROCESS_ONLY_WARNING} ({why})"
