"""Judging one value that came back from a check (trusted, parent side).

``got`` has already been decoded to plain data (``grader.values``): float, int, bool, str, None, ndarray,
and lists/tuples/dicts of them. Lists and tuples are interchangeable; a scalar and a 0-d array too. A value
of the wrong type or shape, or holding NaN/inf where a finite number is expected, is ``INVALID``; a
well-formed but wrong value is ``FAILED``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
    return f" at {path}" if path else ""


def _array(x: Any, path: str) -> np.ndarray:
    if isinstance(x, np.ndarray):
        return x
    if _is_number(x):
        return np.asarray(x)
    if isinstance(x, list | tuple):
        try:
            arr = np.asarray(x)
        except ValueError as exc:
            raise InvalidValue(f"ragged sequence{_where(path)}") from exc
        if arr.dtype.kind in "biuf":
            return arr
    raise InvalidValue(f"expected an array{_where(path)}, got {type(x).__name__}")


def _close(expected: Any, got: Any, cmp: Comparison, path: str) -> None:
    e = np.asarray(expected, dtype=np.float64)
    g = _array(got, path)
    if g.dtype.kind not in "biuf":
        raise InvalidValue(f"expected numbers{_where(path)}, got dtype {g.dtype}")
    if e.shape != g.shape:
        raise InvalidValue(f"shape mismatch{_where(path)}: expected {e.shape}, got {g.shape}")
    g = g.astype(np.float64)
    if not np.all(np.isfinite(g)) and np.all(np.isfinite(e)):
        bad = np.flatnonzero(~np.isfinite(g.reshape(-1)))[0]
        raise InvalidValue(f"non-finite value{_where(path)} (first at flat index {bad})")
    err = np.abs(g - e)
    allowed = cmp.atol + cmp.rtol * np.abs(e)
    wrong = ~(err <= allowed)
    if np.any(wrong):
        first = int(np.flatnonzero(wrong.reshape(-1))[0])
        max_abs = float(np.max(err))
        max_rel = float(np.max(err / np.maximum(np.abs(e), 1e-300)))
        if e.ndim == 0:
            head = f"expected {_fmt(e)}, got {_fmt(g)}"
        else:
            idx = np.unravel_index(first, e.shape)
            head = f"first wrong index {tuple(int(i) for i in idx)}: expected {_fmt(e.reshape(-1)[first])}, "
            head += f"got {_fmt(g.reshape(-1)[first])}; {int(wrong.sum())}/{e.size} wrong"
        raise _Wrong(
            f"{head}{_where(path)} (max abs err {max_abs:.3g}, max rel err {max_rel:.3g}; "
            f"rtol {cmp.rtol:g}, atol {cmp.atol:g})"
        )


def _equal(expected: Any, got: Any, path: str) -> None:
    if isinstance(expected, np.ndarray | list | tuple) or isinstance(got, np.ndarray):
        e = np.asarray(expected)
        g = _array(got, path)
        if e.shape != g.shape:
            raise InvalidValue(f"shape mismatch{_where(path)}: expected {e.shape}, got {g.shape}")
        wrong = e != g
        if np.any(wrong):
            first = int(np.flatnonzero(np.asarray(wrong).reshape(-1))[0])
            raise _Wrong(
                f"{int(np.sum(wrong))}/{e.size} entries differ{_where(path)}, first at flat index {first}: "
                f"expected {_fmt(e.reshape(-1)[first])}, got {_fmt(g.reshape(-1)[first])}"
            )
        return
    if isinstance(expected, str) or isinstance(got, str):
        if type(got) is not type(expected):
            raise InvalidValue(f"expected {type(expected).__name__}{_where(path)}, got {type(got).__name__}")
        if got != expected:
            raise _Wrong(f"expected {expected!r}{_where(path)}, got {got!r}")
        return
    if not _is_number(got):
        raise InvalidValue(f"expected a number{_where(path)}, got {type(got).__name__}")
    if isinstance(got, float | np.floating) and not np.isfinite(got):
        raise InvalidValue(f"non-finite value{_where(path)}: {got}")
    if got != expected:
        raise _Wrong(f"expected {_fmt(expected)}{_where(path)}, got {_fmt(got)}")


def _walk(expected: Any, got: Any, cmp: Comparison, path: str) -> None:
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            raise InvalidValue(f"expected a dict{_where(path)}, got {type(got).__name__}")
        if set(got) != set(expected):
            raise InvalidValue(
                f"keys{_where(path)}: expected {sorted(map(str, expected))}, got {sorted(map(str, got))}"
            )
        for key in expected:
            _walk(expected[key], got[key], cmp, f"{path}[{key!r}]")
        return
    if isinstance(expected, list | tuple) and not _numeric_sequence(expected):
        if not isinstance(got, list | tuple):
            raise InvalidValue(
                f"expected a sequence of {len(expected)}{_where(path)}, got {type(got).__name__}"
            )
        if len(got) != len(expected):
            raise InvalidValue(f"expected {len(expected)} items{_where(path)}, got {len(got)}")
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            _walk(e, g, cmp, f"{path}[{i}]")
        return
    if cmp.kind == "equal":
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
                raise InvalidValue(f"unexpected value: {exc}") from exc
            return (Outcome.PASSED, "") if ok else (Outcome.FAILED, detail)
        if cmp.kind not in ("close", "equal"):
            raise ValueError(f"check {check.name!r}: unknown comparison kind {cmp.kind!r}")
        _walk(expected, got, cmp, "")
    except InvalidValue as exc:
        return Outcome.INVALID, str(exc)
    except _Wrong as exc:
        return Outcome.FAILED, str(exc)
    return Outcome.PASSED, ""
