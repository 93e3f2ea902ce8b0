"""How the sandboxed child confines itself before any student code runs (sent to it in the first frame,
like ``child.py``; standard library only): resource limits, subreaper, capabilities dropped, death with the
grader, Landlock (reads of an allow-list, writes beneath the private folder, TCP, signals and abstract
sockets scoped) and a seccomp filter that makes sockets, System V/POSIX IPC, ptrace, bpf, io_uring and
namespace calls fail with EPERM. ``child.main`` calls them in the order its docstring gives."""

import os
import resource

MB = 1 << 20


def set_limits(cfg):
    """CPU seconds (hard cap for the child's life), address space, file size, open files, no core dumps;
    processes only for non-root users (RLIMIT_NPROC does not bind root)."""
    limits = [
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_AS, cfg["memory_mb"] * MB),
        (resource.RLIMIT_FSIZE, cfg["file_mb"] * MB),
        (resource.RLIMIT_NOFILE, cfg["open_files"]),
        (resource.RLIMIT_CPU, cfg["cpu_s"]),
    ]
    if os.getuid() != 0:
        limits.append((resource.RLIMIT_NPROC, cfg["processes"]))
    for which, value in limits:
        _soft, hard = resource.getrlimit(which)
        cap = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (cap, cap))


def _libc():
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return libc


def subreaper():
    """PR_SET_CHILD_SUBREAPER: a double-forked descendant is reparented to this child, not to init, so it
    stays in the parent chain that the grader's sweep follows."""
    return _libc().prctl(36, 1, 0, 0, 0) == 0


def _capabilities():
    with open("/proc/self/status", encoding="ascii") as fh:
        lines = [line.split() for line in fh if line.startswith("Cap")]
    return {line[0].rstrip(":"): int(line[1], 16) for line in lines if len(line) == 2}


def drop_capabilities():
    """Drop every capability (ambient, bounding set, then effective/permitted/inheritable), so a child
    running as root cannot override file permissions, read a non-dumpable grader's ``/proc`` files or
    regain privileges by exec. Returns what happened, in words."""
    import ctypes
    import struct

    try:
        held = _capabilities()
    except OSError:
        return "unknown"
    if not any(held.values()):
        return "none held"
    libc = _libc()
    libc.prctl(47, 4, 0, 0, 0)  # PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL
    try:
        with open("/proc/sys/kernel/cap_last_cap", encoding="ascii") as fh:
            last = int(fh.read())
    except (OSError, ValueError):
        last = 63
    for cap in range(last + 1):
        libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP
    header = ctypes.create_string_buffer(struct.pack("=Ii", 0x20080522, 0))  # _LINUX_CAPABILITY_VERSION_3
    data = ctypes.create_string_buffer(24)
    libc.capset(header, data)
    left = _capabilities()
    return "dropped" if not any(left.values()) else f"failed ({', '.join(k for k, v in left.items() if v)})"


# seccomp: (AUDIT_ARCH, seccomp syscall, prctl, denied syscalls) per machine. Denied: every socket, System V
# IPC and POSIX message queues (they outlive the child), ptrace and cross-process memory, keyrings, bpf,
# userfaultfd, perf events, io_uring (it performs socket operations behind a filter's back), namespaces;
# and prctl(PR_SET_CHILD_SUBREAPER), so the child cannot give its orphans away.
_SECCOMP = {
    "x86_64": (0xC000003E, 317, 157, {
        "socket": 41, "shmget": 29, "shmat": 30, "shmctl": 31, "semget": 64, "semop": 65, "semctl": 66,
        "shmdt": 67, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "ptrace": 101,
        "semtimedop": 220, "mq_open": 240, "add_key": 248, "request_key": 249, "keyctl": 250,
        "unshare": 272, "perf_event_open": 298, "setns": 308, "process_vm_readv": 310,
        "process_vm_writev": 311, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425,
        "io_uring_enter": 426, "io_uring_register": 427, "pidfd_getfd": 438,
    }),
    "aarch64": (0xC00000B7, 277, 167, {
        "socket": 198, "shmget": 194, "shmctl": 195, "shmat": 196, "shmdt": 197, "msgget": 186,
        "msgctl": 187, "msgrcv": 188, "msgsnd": 189, "semget": 190, "semctl": 191, "semtimedop": 192,
        "semop": 193, "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "keyctl": 219,
        "add_key": 217, "request_key": 218, "bpf": 280, "userfaultfd": 282, "perf_event_open": 241,
        "mq_open": 180, "unshare": 97, "setns": 268, "io_uring_setup": 425, "io_uring_enter": 426,
        "io_uring_register": 427, "pidfd_getfd": 438,
    }),
}
_X32_BIT = 0x40000000
_PR_SET_CHILD_SUBREAPER = 36


def seccomp_program(machine):
    """The classic BPF program (list of (code, jt, jf, k)) for ``machine``, or None when unsupported.
    A foreign architecture (i386 entry points on x86_64) and x32 system calls fail as well."""
    if machine not in _SECCOMP:
        return None
    arch, _, prctl, numbers = _SECCOMP[machine]
    ld, jeq, jge, ret = 0x20, 0x15, 0x35, 0x06
    allow, deny = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
    tests = ([(jge, _X32_BIT)] if machine == "x86_64" else []) + [(jeq, n) for n in sorted(numbers.values())]
    head = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, deny), (ld, 0, 0, 0)]
    # layout: head, tests, [prctl?, load args[0], subreaper?], allow, deny
    allow_at = len(head) + len(tests) + 3
    deny_at = allow_at + 1
    prog = list(head)
    for code, k in tests:
        prog.append((code, deny_at - len(prog) - 1, 0, k))
    prog.append((jeq, 0, allow_at - len(prog) - 1, prctl))
    prog.append((ld, 0, 0, 16))  # args[0], low 32 bits (little-endian)
    prog.append((jeq, deny_at - len(prog) - 1, 0, _PR_SET_CHILD_SUBREAPER))
    prog += [(ret, 0, 0, allow), (ret, 0, 0, deny)]
    return prog


def seccomp():
    """Install the filter on every thread of this process (inherited by all descendants, irreversible).
    Returns "applied" or why not."""
    import ctypes
    import struct

    machine = os.uname().machine
    prog = seccomp_program(machine)
    if prog is None:
        return f"unavailable (no filter for {machine})"
    filt = ctypes.create_string_buffer(b"".join(struct.pack("=HBBI", *ins) for ins in prog))

    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    fprog = Fprog(len(prog), ctypes.addressof(filt))
    libc = _libc()
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return "unavailable (no_new_privs refused)"
    # seccomp(SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, prog), else prctl(PR_SET_SECCOMP)
    if libc.syscall(_SECCOMP[machine][1], 1, 1, ctypes.byref(fprog)) == 0:
        return "applied"
    if libc.prctl(22, 2, ctypes.byref(fprog), 0, 0) == 0:
        return "applied"
    return f"unavailable (errno {ctypes.get_errno()})"


# Landlock (Linux >= 5.13): unprivileged, inherited by every descendant, irreversible.
_SYS_CREATE, _SYS_ADD_RULE, _SYS_RESTRICT = 444, 445, 446
_FS_EXECUTE, _FS_WRITE, _FS_READ, _FS_READ_DIR = 1, 2, 4, 8
_FS_ALL_ABI1 = (1 << 13) - 1
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_NET_BIND_TCP, _NET_CONNECT_TCP = 1, 2
_SCOPE_ABSTRACT_UNIX, _SCOPE_SIGNAL = 1, 2


def landlock(read_paths, write_paths):
    """Restrict the filesystem to reading ``read_paths`` and everything beneath ``write_paths``; with
    ABI >= 4 forbid TCP bind/connect, with ABI >= 6 forbid signalling or reaching (abstract unix
    sockets) any process outside the sandbox. Returns the ABI applied, 0 when Landlock is missing."""
    import ctypes
    import struct

    libc = _libc()
    abi = libc.syscall(_SYS_CREATE, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        return 0
    fs = _FS_ALL_ABI1 | (_FS_REFER if abi >= 2 else 0) | (_FS_TRUNCATE if abi >= 3 else 0)
    fs |= _FS_IOCTL_DEV if abi >= 5 else 0
    fields = [fs]
    if abi >= 4:
        fields.append(_NET_BIND_TCP | _NET_CONNECT_TCP)
    if abi >= 6:
        fields.append(_SCOPE_ABSTRACT_UNIX | _SCOPE_SIGNAL)
    attr = ctypes.create_string_buffer(struct.pack(f"<{len(fields)}Q", *fields))
    ruleset = libc.syscall(_SYS_CREATE, attr, ctypes.c_size_t(len(attr.raw)), ctypes.c_uint32(0))
    if ruleset < 0:
        return 0
    file_rights = _FS_EXECUTE | _FS_WRITE | _FS_READ | (_FS_TRUNCATE if abi >= 3 else 0)
    rules = [(p, _FS_EXECUTE | _FS_READ | _FS_READ_DIR) for p in read_paths]
    rules += [(p, fs) for p in write_paths]
    for path, rights in rules:
        try:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
        except OSError:
            continue
        if not os.path.isdir(path):
            rights &= file_rights
        beneath = ctypes.create_string_buffer(struct.pack("<Qi", rights, fd))
        libc.syscall(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(1), beneath, ctypes.c_uint32(0))
        os.close(fd)
    if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
        return 0
    if libc.syscall(_SYS_RESTRICT, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
        return 0
    os.close(ruleset)
    return abi


def die_with_parent(parent):
    """SIGKILL this child when the grader dies (PR_SET_PDEATHSIG), even if it was killed itself."""
    _libc().prctl(1, 9, 0, 0, 0)
    if parent and os.getppid() != parent:
        os._exit(1)
