"""Parent-side verdicts on what a harness scenario reports about the student's arguments (trusted).

Some checks grade a property of the student's calls rather than a value: "the optimizer step returns new
arrays and leaves its arguments unchanged" (ex11), "the gradient check restores ``x``" (ex09). Such a flag
is never computed in the child, where the submission may have replaced ``np.array_equal`` or anything
else. The scenario (``grader.harness``) sends back the arguments as they were after each call and what
each call returned; here the parent rebuilds the arguments it knows were passed (from the check's inputs,
which it holds, and the returned values, recomputing the gradients itself) and compares them bit for bit
with its own NumPy. ``settle`` turns such a raw reply into the value the registry's comparison judges
(e.g. ``{"w", "state", "inputs_unchanged"}``), the same shape as the expected value computed from
``solutions/``. A reply that does not have the scenario's structure raises ``BadTrace`` (``invalid``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["BadTrace", "budget", "settle"]


class BadTrace(ValueError):
    """A scenario's reply without the structure the parent needs to decide (recorded as ``invalid``)."""


@dataclass(frozen=True)
class _Verdict:
    settle: Callable[[Mapping[str, Any], Any], Any]
    budget: Callable[[Mapping[str, Any]], int]  # elements the raw reply may hold (``values.decode``)


def _same(got: Any, passed: np.ndarray) -> bool:
    """Bit-for-bit equality of an array the child reports with the one the parent knows was passed."""
    return (
        type(got) is np.ndarray and got.dtype == passed.dtype and got.shape == passed.shape
        and got.tobytes() == passed.tobytes()
    )


def _arrays(entry: Any, key: str, count: int, shape: tuple[int, ...], where: str) -> list[np.ndarray]:
    items = entry.get(key) if type(entry) is dict else None
    if type(items) not in (list, tuple) or len(items) != count:
        raise BadTrace(f"{where}: expected {count} arrays in {key!r}")
    for a in items:
        if type(a) is not np.ndarray or a.dtype != np.float64 or a.shape != shape:
            got = f"shape {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
            raise BadTrace(f"{where}: expected float64 arrays of shape {shape}, got {got}")
    return list(items)


def _optimizer_calls(inputs: Mapping[str, Any]) -> tuple[str, int, int]:
    name, steps = str(inputs["name"]), int(inputs["steps"])
    n_state = {"sgd": 0, "adam": 2}.get(name, 1)
    return name, n_state, steps * (2 if name == "nesterov" else 1)


def _settle_run_optimizer(inputs: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    name, n_state, n_calls = _optimizer_calls(inputs)
    calls = raw.get("calls") if type(raw) is dict else None
    if type(calls) not in (list, tuple) or len(calls) != n_calls:
        raise BadTrace(f"expected a trace of {n_calls} calls")
    w = np.array(inputs["w0"], dtype=np.float64)
    scales = np.asarray(inputs["scales"], dtype=np.float64)
    center = np.asarray(inputs["center"], dtype=np.float64)
    state = [np.zeros_like(w) for _ in range(n_state)]
    unchanged, i = True, 0
    for t in range(1, int(inputs["steps"]) + 1):
        if name == "nesterov":
            args = _arrays(calls[i], "args", 2, w.shape, f"look-ahead {t}")
            (ahead,) = _arrays(calls[i], "out", 1, w.shape, f"look-ahead {t}")
            unchanged &= _same(args[0], w) and _same(args[1], state[0])
            g = scales * (ahead - center)
            i += 1
        else:
            g = scales * (w - center)
        passed = [w, g, *state]
        args = _arrays(calls[i], "args", len(passed), w.shape, f"step {t}")
        unchanged &= all(_same(a, p) for a, p in zip(args, passed, strict=True))
        w, *state = _arrays(calls[i], "out", 1 + n_state, w.shape, f"step {t}")
        i += 1
    return {"w": w, "state": state, "inputs_unchanged": bool(unchanged)}


def _budget_run_optimizer(inputs: Mapping[str, Any]) -> int:
    name, n_state, n_calls = _optimizer_calls(inputs)
    arrays_per_call = 2 * (2 + n_state) if name != "nesterov" else 4  # args and out; nesterov's widest
    return 16 + n_calls * (8 + arrays_per_call * (1 + int(np.asarray(inputs["w0"]).size)))


def _settle_numerical_gradient(inputs: Mapping[str, Any], raw: Any) -> dict[str, Any]:
    x = np.array(inputs["x"], dtype=np.float64)
    if type(raw) is not dict or set(raw) != {"grad", "x_after"}:
        raise BadTrace("expected the keys 'grad' and 'x_after'")
    (after,) = _arrays({"x": [raw["x_after"]]}, "x", 1, x.shape, "x after the call")
    return {"grad": raw["grad"], "x_unchanged": _same(after, x)}


def _budget_numerical_gradient(inputs: Mapping[str, Any]) -> int:
    return 16 + 4 * int(np.asarray(inputs["x"]).size)


VERDICTS: dict[str, _Verdict] = {
    "harness.run_optimizer": _Verdict(_settle_run_optimizer, _budget_run_optimizer),
    "harness.numerical_gradient_of_test_function": _Verdict(
        _settle_numerical_gradient, _budget_numerical_gradient
    ),
}


def settle(target: str, inputs: Mapping[str, Any], raw: Any) -> Any:
    """The value to judge for a reply ``raw`` of ``target`` called with ``inputs`` (the parent's copy):
    the parent's verdicts filled in for the scenarios listed in ``VERDICTS``, ``raw`` itself otherwise.
    Raises ``BadTrace`` when ``raw`` lacks what the verdict needs."""
    verdict = VERDICTS.get(target)
    if verdict is None:
        return raw
    try:
        return verdict.settle(inputs, raw)
    except (KeyError, TypeError, IndexError) as exc:
        raise BadTrace(f"malformed reply: {exc}") from exc


def budget(target: str, inputs: Mapping[str, Any]) -> int:
    """How many elements (``grader.values.size``) a reply of ``target`` may hold; 0 when the target has
    no verdict (the expected value then sizes the reply)."""
    verdict = VERDICTS.get(target)
    return verdict.budget(inputs) if verdict is not None else 0
