"""Operating-system isolation with bubblewrap: a child cannot read ``solutions/``, the grader's files or
another submission by absolute path, cannot write into the reports, cannot reach a TCP server, and does
not see the grader's processes. Each attack is run twice: without bubblewrap (and without Landlock or
seccomp) it succeeds, which shows the probe can fail; with bubblewrap it is stopped. Skipped where
bubblewrap cannot run (CI installs it). UDP is shown too: Landlock does not cover it, the network
namespace does. The child's writes stay in a capped tmpfs, and the submission's copy is read-only."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from adversarial_support import REPO, SAMPLES

from grader.sandbox import Limits, Sandbox, bwrap, overlay

needs_bwrap = pytest.mark.skipif(bool(bwrap.probe()), reason=f"bubblewrap unusable: {bwrap.probe()}")

SPY = '''
import os
import socket


def probe(reads, writes, port, udp_port):
    seen = {}
    for path in reads:
        try:
            with open(path, "rb") as fh:
                seen[path] = len(fh.read(64)) > 0
        except OSError:
            seen[path] = False
    for path in writes:
        try:
            with open(path, "a") as fh:
                fh.write("pwned")
            seen[path] = True
        except OSError:
            seen[path] = False
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        seen["tcp"] = True
    except OSError:
        seen["tcp"] = False
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(b"leak", ("127.0.0.1", udp_port))
        seen["udp"] = True
    except OSError:
        seen["udp"] = False
    seen["pids"] = sum(name.isdigit() for name in os.listdir("/proc"))
    return seen
'''


def _probe(tmp_path: Path, launcher) -> dict:
    sub = tmp_path / "spy"
    sub.mkdir(parents=True, exist_ok=True)
    (sub / "spy.py").write_text(SPY)
    other = tmp_path / "other"
    other.mkdir(exist_ok=True)
    (other / "ex02_sigmoid.py").write_text("def sigmoid(z):\n    return z\n")
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    reads = [str(REPO / "solutions" / "ex02_sigmoid.py"), str(REPO / "grader" / "registry.py"),
             str(other / "ex02_sigmoid.py"), str(SAMPLES / "perfect" / "ex02_sigmoid.py")]
    writes = [str(out / "results.jsonl")]
    with socket.socket() as server, socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(2)
        ports = {"port": server.getsockname()[1], "udp_port": udp.getsockname()[1]}
        with Sandbox(sub, limits=Limits(landlock=False, seccomp=False), launcher=launcher) as box:
            reply = box.call("spy", "probe", {"reads": reads, "writes": writes, **ports}, 30)
        try:
            received = udp.recv(16) == b"leak"
        except OSError:
            received = False
    assert reply.ok, reply
    return {**reply.value, "udp_received": received}


def test_prefix_binds_neither_the_project_nor_the_output(tmp_path):
    prefix = bwrap.command_prefix(tmp_path / "private")
    assert {"--unshare-all", "--die-with-parent"} <= set(prefix)
    assert prefix[prefix.index("--cap-drop") + 1] == "ALL"
    assert "--bind" not in prefix  # nothing of the host is writable: the private folder is a tmpfs
    sources = [prefix[i + 1] for i, a in enumerate(prefix) if a in ("--ro-bind", "--bind")]
    inside = [Path(s) for s in sources if Path(s) == REPO or REPO in Path(s).parents]
    venv = Path(sys.prefix)
    assert all(venv in p.parents for p in inside), [p for p in inside if venv not in p.parents]
    assert not any(p.name in ("solutions", "grader", "deepgrade") or "__editable__" in p.name for p in inside)
    sites = overlay.site_dirs()
    assert sys.base_prefix not in sources and not [s for s in sources if Path(s) in sites]
    in_site = [Path(s) for s in sources if Path(s).parent in sites]
    assert in_site and all(p.name in overlay.ALLOWED for p in in_site), in_site


def test_private_folder_is_a_capped_tmpfs_with_the_submission_read_only(tmp_path):
    private = (tmp_path / "private").resolve()
    prefix = bwrap.command_prefix(private, disk_mb=96)
    size = ["--size", str(96 * 2**20)] if bwrap._has_size_option("bwrap") else []
    dirs = [a for name in ("home", "tmp", "numba_cache") for a in ("--dir", str(private / name))]
    sub = str(private / "sub")
    expected = [*size, "--tmpfs", str(private), *dirs, "--dir", sub, "--ro-bind", sub, sub, "--chdir", sub]
    assert prefix[-len(expected):] == expected


WRITER = '''
import os


def write(megabytes):
    seen = {}
    for name in ("home", "tmp", "numba_cache", "sub"):
        path = os.path.join(os.path.dirname(os.getcwd()), name, "planted")
        try:
            with open(path, "w") as fh:
                fh.write("x")
            seen[name] = "written"
        except OSError as err:
            seen[name] = err.strerror
    try:
        with open(os.path.join(os.environ["HOME"], "fill"), "wb") as fh:
            for _ in range(megabytes):
                fh.write(bytes(1 << 20))
        seen["fill"] = "written"
    except OSError as err:
        seen["fill"] = err.strerror
    return seen
'''


@needs_bwrap
def test_child_writes_stay_in_memory_and_are_capped(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "writer.py").write_text(WRITER)
    limits = Limits(file_mb=1024, disk_mb=96)  # the tmpfs is capped at disk_mb: the kernel stops the write
    with Sandbox(sub, limits=limits, launcher=bwrap.launcher()) as box:
        reply = box.call("writer", "write", {"megabytes": limits.disk_mb + 16}, 60)
        on_disk = sorted(str(p.relative_to(box.private)) for p in box.private.rglob("*") if p.is_file())
    assert reply.ok, reply
    assert reply.value["sub"] == "Read-only file system", reply.value
    assert {reply.value[k] for k in ("home", "tmp", "numba_cache")} == {"written"}, reply.value
    if bwrap._has_size_option("bwrap"):
        assert reply.value["fill"] == "No space left on device", reply.value
    assert on_disk == ["sub/writer.py"], on_disk


@needs_bwrap
def test_bwrap_stops_absolute_paths_network_and_process_view(tmp_path):
    open_ = _probe(tmp_path / "process", None)
    assert all(open_[k] for k in open_ if k != "pids"), open_  # the attacks work without isolation
    closed = _probe(tmp_path / "bwrap", bwrap.launcher())
    # "udp" is a send on the namespace's own loopback: it succeeds and reaches nobody
    assert not any(closed[k] for k in closed if k not in ("pids", "udp")), closed
    assert closed["pids"] <= 3 < open_["pids"]  # bwrap's init, the child: the grader is out of sight
    assert not (tmp_path / "bwrap" / "out" / "results.jsonl").exists()


def _grade(tmp_path: Path, mode: str | None) -> subprocess.CompletedProcess:
    subs = tmp_path / "subs"
    if not subs.exists():
        subs.mkdir()
        (subs / "alice").mkdir()
        (subs / "alice" / "ex02_sigmoid.py").write_text((SAMPLES / "perfect" / "ex02_sigmoid.py").read_text())
    env = {**os.environ, "PATH": str(tmp_path), "DEEPGRADE_SECRET": "test-secret"}  # no bwrap on this PATH
    cmd = [sys.executable, "-m", "grader.cli", "grade", str(subs), "--out", str(tmp_path / f"out-{mode}"),
           *(["--sandbox", mode] if mode else []), "-k", "ex02_sigmoid and report_values", "--no-progress",
           "--timeout", "20"]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_without_bwrap_grading_refuses_unless_process_isolation_is_accepted(tmp_path):
    default = _grade(tmp_path, None)
    assert default.returncode == 2 and not (tmp_path / "out-None").exists()
    assert default.stderr.strip() == (
        "deepgrade: error: bubblewrap cannot run here (bwrap not found on PATH): install it (apt-get install "
        "bubblewrap), or accept process-level isolation with --sandbox process (see SECURITY.md)")
    accepted = _grade(tmp_path, "process")
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    assert "graded 1 submission" in accepted.stdout


def test_without_bwrap_auto_warns_once_and_bwrap_is_a_one_line_error(tmp_path):
    forced = _grade(tmp_path, "bwrap")
    assert forced.returncode == 2
    assert forced.stderr.strip() == "deepgrade: error: --sandbox bwrap: bwrap not found on PATH"
    auto = _grade(tmp_path, "auto")
    assert auto.returncode == 0, auto.stderr[-2000:]
    assert auto.stderr.count("isolation is process-level only") == 1, auto.stderr
    assert "graded 1 submission" in auto.stdout
