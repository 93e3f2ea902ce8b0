"""The sandboxed child's main program: a standalone file, copied into the child's private folder and run
as ``python -I -S <copy> <config.json>``. It imports only the standard library and NumPy, and never the
grader (which the child cannot import anyway).

Order matters: resource limits first, then ``sys.path`` built from the config (submission copy, standard
library, overlay of allowed site-packages), then the request loop on the private pipe descriptors named in
the config. Student output goes to descriptors 1 and 2, which the parent drains and caps; the protocol
never uses them. Requests and replies are framed JSON (see ``values.pack``)::

    {"op": "import", "module": m}                       -> {"status": s, "error": e}
    {"op": "call", "module": m, "target": t, "kwargs": k} -> {"status": s, "value": v, "error": e}

with ``s`` one of ok, missing, syntax_error, import_error, not_implemented, error, invalid, crashed.
Nothing the child sends is trusted: the parent times the calls and checks every reply.
"""

import importlib
import importlib.util
import json
import os
import resource
import sys
import traceback

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

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
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


def load_file(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def die_with_parent(parent):
    """SIGKILL this child when the grader dies (PR_SET_PDEATHSIG), even if it was killed itself."""
    import ctypes

    ctypes.CDLL(None).prctl(1, 9, 0, 0, 0)
    if parent and os.getppid() != parent:
        os._exit(1)


def main():
    with open(sys.argv[1], encoding="utf-8") as fh:
        cfg = json.load(fh)
    die_with_parent(cfg["parent"])
    sys.dont_write_bytecode = True
    set_limits(cfg)
    sys.path[:] = [*sys.path, *cfg["overlay"]]
    values = load_file("_dg_values", cfg["values"])
    import numpy  # noqa: F401  (imported before the submission can shadow it)

    rfd, wfd = cfg["rfd"], cfg["wfd"]
    read, write, dumps, loads = os.read, os.write, json.dumps, json.loads
    pack, unpack, encode, decode = values.pack, values.unpack, values.encode, values.decode
    isolation = landlock(cfg["read_paths"], cfg["write_paths"]) if cfg["landlock"] else 0
    sys.path.insert(0, cfg["submission"])
    sys.argv = ["submission"]
    sys.stdin = None
    imported = {}
    state = {"harness": None}

    def recv():
        head = b""
        while len(head) < 8:
            chunk = read(rfd, 8 - len(head))
            if not chunk:
                return None
            head += chunk
        size, parts = unpack(head), []
        while size:
            chunk = read(rfd, min(size, 1 << 20))
            if not chunk:
                return None
            parts.append(chunk)
            size -= len(chunk)
        return loads(b"".join(parts).decode("utf-8"))

    def send(message):
        data = memoryview(pack(dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")))
        while data:
            data = data[write(wfd, data):]

    def describe(err):
        text = "".join(traceback.format_exception_only(type(err), err)).strip().splitlines()
        return (text[-1] if text else type(err).__name__)[:500]

    def do_import(name):
        if name in imported:
            return imported[name]
        try:
            importlib.import_module(name)
            reply = {"status": "ok", "error": ""}
        except SyntaxError as err:
            reply = {"status": "syntax_error", "error": f"{type(err).__name__} line {err.lineno}: {err.msg}"}
        except ModuleNotFoundError as err:
            if err.name == name:
                reply = {"status": "missing", "error": f"no module {name}.py in the submission"}
            else:
                reply = {"status": "import_error", "error": describe(err)}
        except MemoryError:
            reply = {"status": "crashed", "error": "MemoryError at import: memory limit exceeded"}
        except SystemExit as err:
            reply = {"status": "import_error", "error": f"the module called sys.exit({err.code!r}) at import"}
        except BaseException as err:
            reply = {"status": "import_error", "error": describe(err)}
        imported[name] = reply
        return reply

    def do_call(req):
        reply = do_import(req["module"])
        if reply["status"] != "ok":
            return reply
        module, target = sys.modules[req["module"]], req["target"]
        if target.startswith("harness."):
            if state["harness"] is None:
                state["harness"] = load_file("_dg_harness", cfg["harness"])
            fn = getattr(state["harness"], target.split(".", 1)[1])
            args = (module,)
        else:
            fn = getattr(module, target, None)
            args = ()
            if not callable(fn):
                return {"status": "missing", "error": f"{req['module']}.{target} is not defined"}
        kwargs = decode(req["kwargs"])
        try:
            value = fn(*args, **kwargs)
        except NotImplementedError as err:
            frames = traceback.extract_tb(err.__traceback__)
            where = frames[-1].name if frames else target
            return {"status": "not_implemented", "error": f"{where} raises NotImplementedError"}
        except MemoryError:
            return {"status": "crashed", "error": "MemoryError: memory limit exceeded"}
        except SystemExit as err:
            return {"status": "error", "error": f"{target} called sys.exit({err.code!r})"}
        except AttributeError as err:
            if getattr(err, "obj", None) is module:
                return {"status": "missing", "error": f"{req['module']}.{err.name} is not defined"}
            return {"status": "error", "error": describe(err)}
        except BaseException as err:
            return {"status": "error", "error": describe(err)}
        try:
            return {"status": "ok", "value": encode(value), "error": ""}
        except (ValueError, TypeError, RecursionError) as err:
            return {"status": "invalid", "error": f"returned value cannot be graded: {describe(err)}"}
        except BaseException as err:
            return {"status": "invalid", "error": f"returned value cannot be graded: {describe(err)}"}

    send({"status": "ready", "landlock": isolation})
    while True:
        req = recv()
        if req is None or req.get("op") == "exit":
            break
        try:
            reply = do_import(req["module"]) if req["op"] == "import" else do_call(req)
        except BaseException as err:
            reply = {"status": "error", "error": f"sandbox: {describe(err)}"}
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        send(reply)
    os._exit(0)


if __name__ == "__main__":
    main()
