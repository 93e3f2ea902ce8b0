"""Every use of Numba's private API in the project, behind a version fence.

Numba's on-disk cache keys a compiled function on its own bytecode (and its closure's cells), the
signature and the CPU; not on the functions it calls, nor on the decorator's flags. So a kernel whose
*callee* changed (a rule in ``kernels/rules.py``) would load stale machine code, and two dispatchers of one
function that differ only in ``parallel=`` would share one entry (the serial code would load for the
parallel kernel). :func:`cached_njit` fixes both by adding a tag (a hash of the kernels' sources and the
flags) to the key.

Numba's cache is also not safe across processes (numba issue 4807): saving an entry reads the index, picks
the first free data file name, writes the index, then the data file, so two processes compiling different
signatures of one kernel at once (two xdist workers, two grading workers on a cold cache) can both pick
``name.1.nbc``; the index then names one signature's machine code for the other's, and every later process
loads it (seen here as a crash in a call to address 0 that lasted until the cache files were deleted).
The cache of :func:`cached_njit` takes an exclusive ``flock`` on ``<index>.lock`` beside the index while it
saves and a shared one while it loads, so an index and its data files always change together.

That needs private corners of Numba, used here and nowhere else:

* ``numba.core.caching.FunctionCache._index_key(self, sig, codegen)``, overridden in a subclass, and its
  ``load_overload``/``save_overload`` wrapped; ``_cache_path`` and ``_cache_file._index_name`` name the lock;
* ``Dispatcher._cache``, the attribute where ``Dispatcher.enable_caching`` puts its ``FunctionCache``.

Both were checked on the Numba versions of :data:`VERIFIED` (``tests/kernels/test_kernels_jit.py`` edits a
rule in a copy of the package and asserts the recompilation in a fresh process). Outside that range, or
when either corner is missing, importing this module warns once and every kernel compiles without an
on-disk cache (``cache=False``): correct, only slower to start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import warnings
from collections.abc import Callable, Iterator

import numba
from numba import njit

VERIFIED = ((0, 60), (0, 70))
"""Numba versions ``>= 0.60, < 0.70``, the range ``pyproject.toml`` allows. The behavioural test ran on
0.68.1; on the others of the range the checks of :func:`unsupported_reason` run at import and the same test
runs wherever that version is installed. Widen both together, after running the test on the new version."""


def _version(text: str) -> tuple[int, int]:
    major, minor = (int(x) for x in re.findall(r"\d+", text)[:2])
    return major, minor


def unsupported_reason(version: str = numba.__version__) -> str | None:
    """None when the private corners can be used with Numba ``version``, else why not (one line)."""
    low, high = VERIFIED
    if not low <= _version(version) < high:
        return (
            f"numba {version} is outside the versions whose private cache API was verified "
            f"(>={low[0]}.{low[1]},<{high[0]}.{high[1]})"
        )
    try:
        from numba.core.caching import FunctionCache
    except ImportError as exc:
        return f"numba.core.caching.FunctionCache cannot be imported ({exc})"
    for name in ("_index_key", "load_overload", "save_overload"):
        if not callable(getattr(FunctionCache, name, None)):
            return f"numba.core.caching.FunctionCache has no {name}"
    probe = njit(lambda: None)
    if not hasattr(probe, "_cache") or not hasattr(probe, "enable_caching"):
        return "numba dispatchers have no _cache attribute"
    return None


REASON = unsupported_reason()
"""Why the on-disk cache is off in this process (None: it is on)."""

if REASON is not None:
    warnings.warn(
        f"deepgrade kernels: on-disk caching is off, every process compiles its kernels again: {REASON}",
        RuntimeWarning,
        stacklevel=2,
    )


def lock_path(cache: object) -> str | None:
    """The lock file beside a ``FunctionCache``'s index (None when the attributes are missing)."""
    folder = getattr(cache, "_cache_path", None)
    index = getattr(getattr(cache, "_cache_file", None), "_index_name", None)
    return None if folder is None or index is None else os.path.join(folder, f"{index}.lock")


@contextlib.contextmanager
def _locked(path: str | None, exclusive: bool) -> Iterator[None]:
    """An ``flock`` on ``path`` (exclusive or shared) for the block; none where the file cannot be opened
    (a read-only cache folder: Numba then saves nothing anyway)."""
    fd = -1
    if path is not None:
        with contextlib.suppress(OSError):
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        if fd >= 0:
            fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        if fd >= 0:
            os.close(fd)


def _tagged_cache(fn: Callable[..., object], tag: str) -> object:
    from numba.core.caching import FunctionCache

    class TaggedCache(FunctionCache):
        """Numba's function cache with ``tag`` added to the index key, loads and saves under a lock."""

        def _index_key(self, sig, codegen):
            return (*super()._index_key(sig, codegen), tag)

        def load_overload(self, sig, target_context):
            with _locked(lock_path(self), exclusive=False):
                return super().load_overload(sig, target_context)

        def save_overload(self, sig, data):
            with _locked(lock_path(self), exclusive=True):
                super().save_overload(sig, data)

    return TaggedCache(fn)


def cached_njit(fn: Callable[..., object], tag: str, **flags: object) -> Callable[..., object]:
    """``njit(**flags)(fn)`` cached on disk under a key that also holds ``tag`` and ``flags``, or not cached
    at all when :data:`REASON` says the private API cannot be trusted."""
    dispatcher = njit(**flags)(fn)
    if REASON is None:
        dispatcher._cache = _tagged_cache(fn, f"{tag}:{sorted(flags.items())}")
    return dispatcher
