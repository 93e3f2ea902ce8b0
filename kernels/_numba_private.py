"""Every use of Numba's private API in the project, behind a version fence.

Numba's on-disk cache keys a compiled function on its own bytecode (and its closure's cells), the
signature and the CPU; not on the functions it calls, nor on the decorator's flags. So a kernel whose
*callee* changed (a rule in ``kernels/rules.py``) would load stale machine code, and two dispatchers of one
function that differ only in ``parallel=`` would share one entry (the serial code would load for the
parallel kernel). :func:`cached_njit` fixes both by adding a tag (a hash of the kernels' sources and the
flags) to the key. That needs two private corners of Numba, used here and nowhere else:

* ``numba.core.caching.FunctionCache._index_key(self, sig, codegen)``, overridden in a subclass;
* ``Dispatcher._cache``, the attribute where ``Dispatcher.enable_caching`` puts its ``FunctionCache``.

Both were checked on the Numba versions of :data:`VERIFIED` (``tests/kernels/test_kernels_jit.py`` edits a
rule in a copy of the package and asserts the recompilation in a fresh process). Outside that range, or
when either corner is missing, importing this module warns once and every kernel compiles without an
on-disk cache (``cache=False``): correct, only slower to start.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

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
    if not callable(getattr(FunctionCache, "_index_key", None)):
        return "numba.core.caching.FunctionCache has no _index_key"
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


def _tagged_cache(fn: Callable[..., object], tag: str) -> object:
    from numba.core.caching import FunctionCache

    class TaggedCache(FunctionCache):
        """Numba's function cache with ``tag`` added to the index key."""

        def _index_key(self, sig, codegen):
            return (*super()._index_key(sig, codegen), tag)

    return TaggedCache(fn)


def cached_njit(fn: Callable[..., object], tag: str, **flags: object) -> Callable[..., object]:
    """``njit(**flags)(fn)`` cached on disk under a key that also holds ``tag`` and ``flags``, or not cached
    at all when :data:`REASON` says the private API cannot be trusted."""
    dispatcher = njit(**flags)(fn)
    if REASON is None:
        dispatcher._cache = _tagged_cache(fn, f"{tag}:{sorted(flags.items())}")
    return dispatcher
