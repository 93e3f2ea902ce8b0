"""Operating-system isolation of a sandbox child with bubblewrap (``bwrap``, Debian package ``bubblewrap``).

``launcher(private)`` returns the command prefix that ``Sandbox`` puts before the child's interpreter:
a new mount namespace whose root is an empty tmpfs holding only

* read-only binds of the system (``/usr``, ``/lib*``, ``/bin``, a few files of ``/etc``, the CPU
  description in ``/sys``), the Python installation (``sys.base_prefix``), the virtual environment's
  interpreter links and ``pyvenv.cfg``, the child's package overlay and every site-packages entry it
  links to (``overlay.readable_paths``);
* the submission's private folder, read-write: the only writable place besides ``/tmp`` (a tmpfs of
  64 MB where bubblewrap can cap it) and ``/dev/null``-style devices;

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
from grader.sandbox.overlay import shared_overlay

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
Launcher = Callable[[Path], Sequence[str]]


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


def _system_args() -> list[str]:
    args: list[str] = []
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for path in (*ETC, *SYS):
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    return args


def _python_args() -> list[str]:
    """The interpreter as the child starts it (``sys.executable`` and its links), its installation and
    the virtual environment's ``pyvenv.cfg``, never the rest of the environment's folder."""
    args: list[str] = []
    covered = [Path(p) for p in (sys.base_prefix, *SYSTEM)]
    links, real = _link_chain(Path(sys.executable))
    for target, link in links:
        args += ["--symlink", target, link]
    if not any(real == c or c in real.parents for c in covered):
        args += ["--ro-bind", str(real), str(real)]
    args += ["--ro-bind", sys.base_prefix, sys.base_prefix]
    cfg = Path(sys.prefix) / "pyvenv.cfg"
    if sys.prefix != sys.base_prefix and cfg.is_file():
        args += ["--ro-bind", str(cfg), str(cfg)]
    return args


def _overlay_args() -> list[str]:
    overlay, readable = shared_overlay()
    args = ["--ro-bind", str(overlay), str(overlay)]
    skip = {sys.base_prefix, *SYSTEM, *ETC, "/etc", "/proc", "/sys", "/dev", "/dev/urandom", "/dev/random"}
    for path in readable:
        if path not in skip and path != str(overlay):
            args += ["--ro-bind", path, path]
    return args


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
    return (
        executable,
        "--unshare-all",
        "--die-with-parent",
        "--cap-drop", "ALL",
        "--hostname", "sandbox",
        *_system_args(),
        "--proc", "/proc",
        "--dev", "/dev",
        *(["--size", str(TMP_BYTES)] if _has_size_option(executable) else []),
        "--tmpfs", "/tmp",
        *_python_args(),
        *_overlay_args(),
    )


def command_prefix(private: Path, executable: str = "bwrap") -> list[str]:
    """The bubblewrap prefix for a child whose private folder is ``private`` (bound read-write, and the
    working directory is its ``sub`` folder)."""
    private = Path(private).resolve()
    return [*_static_args(executable), "--bind", str(private), str(private), "--chdir", str(private / "sub")]


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
            [*command_prefix(scratch, exe), sys.executable, "-I", "-S", "-c", "import os; os.listdir('.')"],
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
