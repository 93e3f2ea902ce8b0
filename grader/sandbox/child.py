"""The sandboxed child's main program. The parent reads this file from the grader's own tree and sends
its source, with the codec's (``grader/values.py``) and the harness's, in the first frame on the request
pipe; the child's interpreter is started as ``python -I -S -c <BOOTSTRAP> <rfd> <wfd>`` and builds its
modules from memory, so nothing it runs was ever on a disk the child can write. It imports only the
standard library and NumPy, never the grader (which the child cannot import anyway).

Order matters (the confinement is ``confine.py``, sent in the same frame): resource limits, subreaper and
capabilities first, then ``sys.path`` (standard library,
overlay of allowed site-packages), NumPy and the codec, then Landlock and the seccomp filter, and only
then the submission's folder on ``sys.path`` and the request loop. Student output goes to descriptors 1
and 2, which the parent drains and caps; the protocol never uses them. Requests and replies are framed
JSON (see ``values.pack``), each carrying the parent's sequence number ``q``::

    {"op": "import", "q": n, "module": m}                       -> {"q": n, "status": s, "error": e}
    {"op": "call", "q": n, "module": m, "target": t, "kwargs": k} -> {"q": n, "status": s, "value": v, ...}
    {"op": "sync", "q": n, "nonce": x}                          -> {"q": n, "status": "synced", "nonce": x}

with ``s`` one of ok, missing, syntax_error, import_error, not_implemented, error, invalid, crashed,
forbidden_import. What a call's outcome is gets decided here once, by ``resolve`` and ``classify_call``
(standard library only, so that the child can run them): the in-process runner of trusted code
(``grader.calls``, used by ``grader.inprocess``) and nbgrader's check cells (``deepgrade_check``) import
the same two functions. Nothing the child sends is trusted: student code shares this process and can
write any frame; the parent times the calls, takes the last frame of a call before the acknowledgement of
the sync that follows it, and checks every value.
"""

import importlib
import json
import os
import sys
import traceback
import types

# Packages whose absence is a verdict, not an accident: the course's own code and the deep-learning
# libraries implement graded functions (the sandbox's read allow-list already leaves them out).
FORBIDDEN = frozenset({"kernels", "grader", "solutions", "exercises", "benchmarks", "torch", "sklearn",
                       "tensorflow", "keras", "jax"})

BOOTSTRAP = (
    "import os,sys\n"
    "def _r(fd,n):\n"
    " b=bytearray()\n"
    " while len(b)<n:\n"
    "  c=os.read(fd,n-len(b))\n"
    "  if not c:os._exit(3)\n"
    "  b+=c\n"
    " return bytes(b)\n"
    "_f=int(sys.argv[1])\n"
    "import json\n"
    "_b=json.loads(_r(_f,int.from_bytes(_r(_f,8),'big')).decode('utf-8'))\n"
    "_g={'__name__':'_dg_child','__builtins__':__builtins__}\n"
    "exec(compile(_b['child'],'<deepgrade child>','exec'),_g)\n"
    "_g['main'](_b)\n"
)
"""The ``-c`` program: reads the runtime frame from the request pipe and runs ``main`` from memory."""


def load_source(name, source):
    """A module built from ``source`` in memory (never registered in ``sys.modules``)."""
    module = types.ModuleType(name)
    module.__file__ = f"<deepgrade {name}>"
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module


def reply(status, error="", **extra):
    """The one record of a call's or an import's outcome: ``{"status", "error", ...}``, as the child sends
    it (``value`` holds the encoded return value when the status is ok)."""
    return {"status": status, "error": error, **extra}


def describe(err):
    """The last line of ``err``'s standard rendering, ``Type: message`` with the type's bare name (its
    module is named differently in the child, in-process and in a notebook), at most 500 characters."""
    text = "".join(traceback.format_exception_only(type(err), err)).strip().splitlines()
    line = text[-1] if text else type(err).__qualname__
    qualified = f"{type(err).__module__}.{type(err).__qualname__}"
    if line.startswith(qualified):
        line = type(err).__qualname__ + line[len(qualified):]
    return line[:500]


def forbidden(err):
    """The reply for an import of a package that implements graded functions, or None."""
    name = getattr(err, "name", None) or ""
    if not isinstance(err, ModuleNotFoundError) or name.split(".", 1)[0] not in FORBIDDEN:
        return None
    return reply("forbidden_import", f"import {name} (not available to a submission)")


def resolve(module, module_name, target, harness):
    """``(function, leading arguments)`` of a target: ``harness.NAME`` is called with the module first; any
    other target must be a callable attribute of the module, else the ``missing`` reply is returned."""
    if target.startswith("harness."):
        if harness is None:
            return reply("error", "sandbox: no harness was given")
        return getattr(harness, target.split(".", 1)[1]), (module,)
    fn = getattr(module, target, None)
    if not callable(fn):
        return reply("missing", f"{module_name}.{target} is not defined")
    return fn, ()


def classify_call(call, module, module_name, target, encode, contain_all=True):
    """Run ``call()`` (the student's function, or the harness driving it) and classify what happened: the
    stub's ``NotImplementedError`` is not_implemented; an ``AttributeError`` on the module itself is
    missing (a helper the module lacks), any other one (``np.no_such_function``) is the student's error;
    ``MemoryError`` is crashed; ``sys.exit`` is an error; a forbidden import is forbidden_import; a value
    that ``encode`` (the codec) refuses is invalid; else ok with the encoded value. ``contain_all=False``
    (in a process that must stay interruptible: in-process runs, nbgrader's kernel) lets
    ``KeyboardInterrupt`` and other non-``Exception`` signals through."""
    try:
        value = call()
    except NotImplementedError as err:
        frames = traceback.extract_tb(err.__traceback__)
        where = frames[-1].name if frames else target
        return reply("not_implemented", f"{where} raises NotImplementedError")
    except MemoryError:
        return reply("crashed", "MemoryError: memory limit exceeded")
    except SystemExit as err:
        return reply("error", f"{target} called sys.exit({err.code!r})")
    except AttributeError as err:
        if getattr(err, "obj", None) is module:
            return reply("missing", f"{module_name}.{err.name} is not defined")
        return reply("error", describe(err))
    except Exception as err:
        return forbidden(err) or reply("error", describe(err))
    except BaseException as err:
        if not contain_all:
            raise
        return forbidden(err) or reply("error", describe(err))
    try:
        return reply("ok", value=encode(value))
    except BaseException as err:
        if not contain_all and not isinstance(err, Exception):
            raise
        return reply("invalid", f"returned value cannot be graded: {describe(err)}")


def main(boot):
    cfg = boot["config"]
    confine = load_source("_dg_confine", boot["confine"])
    confine.die_with_parent(cfg["parent"])
    sys.dont_write_bytecode = True
    confine.set_limits(cfg)
    report = {"subreaper": confine.subreaper(), "capabilities": confine.drop_capabilities()}
    sys.path[:] = [*sys.path, *cfg["overlay"]]
    values = load_source("_dg_values", boot["values"])
    import numpy  # noqa: F401  (imported before the submission can shadow it)

    harness = load_source("_dg_harness", boot["harness"]) if boot.get("harness") else None
    rfd, wfd = cfg["rfd"], cfg["wfd"]
    os.set_inheritable(rfd, False)  # a program the submission execs does not hold the channel open
    os.set_inheritable(wfd, False)
    read, write, dumps, loads = os.read, os.write, json.dumps, json.loads
    pack, unpack, encode, decode = values.pack, values.unpack, values.encode, values.decode
    report["threads"] = len(os.listdir("/proc/self/task"))
    report["landlock"] = confine.landlock(cfg["read_paths"], cfg["write_paths"]) if cfg["landlock"] else 0
    report["seccomp"] = confine.seccomp() if cfg["seccomp"] else "disabled"
    del boot
    sys.path.insert(0, cfg["submission"])
    sys.argv = ["submission"]
    sys.stdin = None
    imported = {}

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

    def do_import(name):
        if name in imported:
            return imported[name]
        try:
            importlib.import_module(name)
            result = reply("ok")
        except SyntaxError as err:
            result = reply("syntax_error", f"{type(err).__name__} line {err.lineno}: {err.msg}")
        except ModuleNotFoundError as err:
            if err.name == name:
                result = reply("missing", f"no module {name}.py in the submission")
            else:
                result = forbidden(err) or reply("import_error", describe(err))
        except MemoryError:
            result = reply("crashed", "MemoryError at import: memory limit exceeded")
        except SystemExit as err:
            result = reply("import_error", f"the module called sys.exit({err.code!r}) at import")
        except BaseException as err:
            result = reply("import_error", describe(err))
        imported[name] = result
        return result

    def do_call(req):
        loaded = do_import(req["module"])
        if loaded["status"] != "ok":
            return loaded
        module, name, target = sys.modules[req["module"]], req["module"], req["target"]
        found = resolve(module, name, target, harness)
        if isinstance(found, dict):
            return found
        fn, args = found
        kwargs = decode(req["kwargs"])
        return classify_call(lambda: fn(*args, **kwargs), module, name, target, encode)

    send({"q": 0, "status": "ready", **report})
    while True:
        req = recv()
        if req is None or req.get("op") == "exit":
            break
        seq = req.get("q")
        if req.get("op") == "sync":
            send({"q": seq, "status": "synced", "nonce": req.get("nonce")})
            continue
        try:
            answer = do_import(req["module"]) if req["op"] == "import" else do_call(req)
        except BaseException as err:
            answer = reply("error", f"sandbox: {describe(err)}")
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:
                pass
        send({**answer, "q": seq})
    os._exit(0)
