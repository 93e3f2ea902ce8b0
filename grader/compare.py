"""Judging one value that came back from a check (trusted, parent side).

``got`` has already been decoded to plain data (``grader.values``): float, int, bool, str, None, ndarray,
and lists/tuples/dicts of them. Lists and tuples are interchangeable; a scalar and a 0-d array too. A value
of the wrong type or shape, or holding NaN/inf where a finite number is expected, is ``INVALID``; a
well-formed but wrong value is ``FAILED``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from grader.messages import REASONS, WHERE
from grader.model import Check, Comparison, Outcome


class InvalidValue(Exception):
    """The value does not have the structure of the expected one (predicates may raise it too)."""


class _Wrong(Exception):
    """The value has the right structure but a wrong number."""


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating | np.bool_) or (
        isinstance(x, np.ndarray) and x.ndim == 0
    )


def _fmt(x: Any) -> str:
    if isinstance(x, bool | np.bool_):
        return str(bool(x))
    if isinstance(x, int | np.integer):
        return str(int(x))
    return f"{float(x):.10g}"


def _where(path: str) -> str:
    return WHERE.en.format(path=path) if path else ""


def _say(key: str, path: str = "", **params: Any) -> str:
    """The canonical (English) reason ``key`` of ``grader.messages.REASONS``; ``path`` fills ``{where}``."""
    return REASONS[key].en.format(where=_where(path), **params)


def _pair(expected: Any, got: Any) -> tuple[str, str]:
    """``expected`` and ``got`` with enough significant digits (4 to 17) for the two texts to differ."""
    whole = bool | np.bool_ | int | np.integer
    if isinstance(expected, whole) and isinstance(got, whole):
        return _fmt(expected), _fmt(got)
    e, g = float(expected), float(got)
    digits = next((d for d in range(4, 18) if f"{e:.{d}g}" != f"{g:.{d}g}"), 16) + 1  # one more than needed
    return f"{e:.{digits}g}", f"{g:.{digits}g}"


def _array(x: Any, path: str) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if _is_number(x):
        return np.asarray(x)
    if isinstance(x, list | tuple):
        try:
            arr = np.asarray(x)
        except ValueError as exc:
            raise InvalidValue(_say("ragged", path)) from exc
        if arr.dtype.kind in "biuf":
            return arr
    raise InvalidValue(_say("not_array", path, got=type(x).__name__))


def _close(expected: Any, got: Any, cmp: Comparison, path: str) -> None:
    e = np.asarray(expected, dtype=np.float64)
    g = _array(got, path)
    if g.dtype.kind not in "biuf":
        raise InvalidValue(_say("dtype", path, dtype=g.dtype))
    if e.shape != g.shape:
        raise InvalidValue(_say("shape", path, expected=e.shape, got=g.shape))
    g = g.astype(np.float64)
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
        bad = np.flatnonzero(~np.isfinite(g.reshape(-1)))[0]
        raise InvalidValue(_say("non_finite_at", path, index=bad))
    err = np.abs(g - e)
    allowed = cmp.atol + cmp.rtol * np.abs(e)
    wrong = ~(err <= allowed)
    if np.any(wrong):
        first = int(np.flatnonzero(wrong.reshape(-1))[0])
        max_abs = float(np.max(err))
        nonzero = wrong & (e != 0)  # a relative error against an expected 0 says nothing: absolute only
        numbers: dict[str, Any] = {"abs_err": f"{max_abs:.3g}", "rtol": f"{cmp.rtol:g}",
                                   "atol": f"{cmp.atol:g}"}
        if np.any(nonzero):
            numbers["rel_err"] = f"{float(np.max(err[nonzero] / np.abs(e[nonzero]))):.3g}"
        if isinstance(expected, bool | np.bool_) and expected and path.endswith("_unchanged']"):
            raise _Wrong(_say("arguments_modified", path))
        shown_e, shown_g = _pair(e.reshape(-1)[first], g.reshape(-1)[first])
        if e.ndim == 0:
            key = "close_scalar" if "rel_err" in numbers else "close_scalar_abs"
            raise _Wrong(_say(key, path, expected=shown_e, got=shown_g, **numbers))
        idx = tuple(int(i) for i in np.unravel_index(first, e.shape))
        key = "close_array" if "rel_err" in numbers else "close_array_abs"
        raise _Wrong(_say(key, path, index=idx, expected=shown_e, got=shown_g, wrong=int(wrong.sum()),
                          size=e.size, **numbers))


def _equal(expected: Any, got: Any, path: str) -> None:
    if isinstance(expected, np.ndarray | list | tuple) or isinstance(got, np.ndarray):
        e = np.asarray(expected)
        g = _array(got, path)
        if e.shape != g.shape:
            raise InvalidValue(_say("shape", path, expected=e.shape, got=g.shape))
        wrong = e != g
        if np.any(wrong):
            first = int(np.flatnonzero(np.asarray(wrong).reshape(-1))[0])
            shown_e, shown_g = _pair(e.reshape(-1)[first], g.reshape(-1)[first])
            raise _Wrong(_say("entries_differ", path, wrong=int(np.sum(wrong)), size=e.size, index=first,
                              expected=shown_e, got=shown_g))
        return
    if isinstance(expected, str) or isinstance(got, str):
        if type(got) is not type(expected):
            raise InvalidValue(_say("expected_got", path, expected=type(expected).__name__,
                                    got=type(got).__name__))
        if got != expected:
            raise _Wrong(_say("expected_got", path, expected=repr(expected), got=repr(got)))
        return
    if not _is_number(got):
        raise InvalidValue(_say("not_number", path, got=type(got).__name__))
    if isinstance(got, float | np.floating) and not np.isfinite(got):
        raise InvalidValue(_say("non_finite", path, value=got))
    if got != expected:
        if expected is True and got is False and path.endswith("_unchanged']"):
            raise _Wrong(_say("arguments_modified", path))
        shown_e, shown_g = _pair(expected, got)
        raise _Wrong(_say("expected_got", path, expected=shown_e, got=shown_g))


def _walk(expected: Any, got: Any, cmp: Comparison, path: str) -> None:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise InvalidValue(_say("not_dict", path, got=type(got).__name__))
        if set(got) != set(expected):
            keys = {"expected": sorted(map(str, expected)), "got": sorted(map(str, got))}
            raise InvalidValue(_say("keys", path, **keys))
        for key in expected:
            _walk(expected[key], got[key], cmp, f"{path}[{key!r}]")
        return
    if isinstance(expected, list | tuple) and not _numeric_sequence(expected):
        if not isinstance(got, list | tuple):
            raise InvalidValue(_say("not_sequence", path, count=len(expected), got=type(got).__name__))
        if len(got) != len(expected):
            raise InvalidValue(_say("items", path, count=len(expected), got=len(got)))
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            _walk(e, g, cmp, f"{path}[{i}]")
        return
    if cmp.kind == "equal" or isinstance(expected, str):  # a label is never "close": it is equal or not
        _equal(expected, got, path)
    else:
        _close(expected, got, cmp, path)


def _numeric_sequence(x: list | tuple) -> bool:
    return len(x) > 0 and all(_is_number(v) for v in x)


def judge(check: Check, expected: Any, got: Any) -> tuple[Outcome, str]:
    """Compare ``got`` with ``expected`` under ``check.compare``; returns the outcome (``PASSED``,
    ``FAILED`` or ``INVALID``) and a one-line detail (empty when passed)."""
    cmp = check.compare
    try:
        if cmp.kind == "predicate":
            if cmp.predicate is None:
                raise ValueError(f"check {check.name!r}: predicate comparison without a predicate")
            try:
                ok, detail = cmp.predicate(got, expected)
            except (TypeError, ValueError, IndexError, KeyError) as exc:
                raise InvalidValue(_say("predicate_value", inner=exc)) from exc
            return (Outcome.PASSED, "") if ok else (Outcome.FAILED, detail)
        if cmp.kind not in ("close", "equal"):
            raise ValueError(f"check {check.name!r}: unknown comparison kind {cmp.kind!r}")
        _walk(expected, got, cmp, "")
    except InvalidValue as exc:
        return Outcome.INVALID, str(exc)
    except _Wrong as exc:
        return Outcome.FAILED, str(exc)
    return Outcome.PASSED, ""
