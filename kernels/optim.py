"""Optimizer steps of report section 3, fused and in place: one pass over memory, no temporaries.

Every step updates ``w`` and the ``state`` arrays in place and returns None. Each optimizer is a row of
``kernels._optim_table`` (state keys, hyperparameters with their defaults and bounds, kernels); every
named step (``sgd_step``, ..., ``adam_step``, generated from the table) and :func:`step` end in one
validated body per optimizer, whatever the target (``_step_body``). ``w`` may have any shape (C-contiguous,
float32 or float64); ``g`` and the state arrays have its shape and dtype. Hyperparameters are cast to
``w``'s dtype. ``parallel=None`` picks the ``prange`` kernel from ``PARALLEL_THRESHOLD`` elements on;
True/False forces it. NaN or inf in ``g`` propagates to the elements it touches (``kernels.check_finite``
raises on them; ``docs/CONVENTIONS.md``).

Conventions (the report's; ``docs/CONVENTIONS.md`` maps them to PyTorch):
momentum ``v = beta v + (1 - beta) g; w -= eta v``; Nesterov takes its gradient at the look-ahead point
``w - eta beta v`` (:func:`nesterov_lookahead`) and then applies the momentum update
(:func:`nesterov_step`); Adagrad and RMSprop put ``eps`` inside the square root; Adam's ``state["t"]`` is
incremented by :func:`adam_step` before the step, and bias corrections ``1 - beta^t`` are applied.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kernels import _dispatch, _validate
from kernels import _optim_table as _table
from kernels._optim_table import BETA
from kernels.cpu import optim as _cpu

PARALLEL_THRESHOLD = 1 << 18
"""Elements from which ``parallel=None`` runs the ``prange`` kernel. Measured on the 2-core benchmark machine
(float32 Adam, 2 Numba threads, load average 0.4-0.7; serial time / ``prange`` time): at 2**18 elements
2.37 with steps back to back, 1.29-1.30 with 5-20 ms of other work between steps (the second thread has
gone to sleep and its cache cold); at 2**17, 1.95 back to back but 0.70-0.83 with those gaps; at 1e5, 1.6-1.7
back to back (all five steps: 1.3-1.7) but 0.76 with 5 ms gaps. From 2**18 on it wins in every regime."""
STATE_KEYS = {name: spec.state for name, spec in _table.OPTIMIZERS.items()}
NAMES = _table.NAMES


def init_state(name: str, w: np.ndarray) -> dict[str, object]:
    """Zero state of optimizer ``name`` for parameters ``w``: ``{}`` for sgd, ``{"v"}`` for momentum and
    nesterov, ``{"G"}`` for adagrad, ``{"E"}`` for rmsprop, ``{"m", "v", "t": 0}`` for adam. A CUDA
    device array gets its state from ``kernels.cuda.optim.init_state``."""
    spec = _table.lookup(name)
    if hasattr(w, "__cuda_array_interface__"):
        return _dispatch.cuda_function("optim", "init_state")(name, w)
    _validate.float_array("w", w)
    state: dict[str, object] = {key: np.zeros_like(w) for key in spec.state}
    if spec.counted:
        state["t"] = 0
    return state


def _kernels(kernel_name: str) -> tuple[Callable[..., None], Callable[..., None]]:
    """The serial and ``prange`` CPU kernels called ``kernel_name``."""
    return getattr(_cpu, kernel_name), getattr(_cpu, f"{kernel_name}_parallel")


_KERNELS = {spec.name: _kernels(spec.kernel) for spec in (*_table.OPTIMIZERS.values(), _table.LOOKAHEAD)}


def _launch(
    kernels: tuple[Callable[..., None], Callable[..., None]],
    w: np.ndarray,
    arrays: tuple[tuple[str, object], ...],
    scalars: Callable[[np.dtype], tuple],
    parallel: bool | None,
) -> None:
    """Check ``w`` and ``arrays`` (like ``w``; written in place unless named ``g``) and run the serial or the
    ``prange`` kernel of ``kernels`` (the latter from ``PARALLEL_THRESHOLD`` elements on, or as ``parallel``
    says) on their flat views, with the scalars ``scalars(w.dtype)`` (``Call.scalars``)."""
    _validate.float_array("w", w, writeable=True)
    flat = _validate.flat
    views = [flat(_validate.like(name, a, "w", w, writeable=name != "g")) for name, a in arrays]
    if parallel is None:
        parallel = w.size >= PARALLEL_THRESHOLD
    kernels[1 if parallel else 0](flat(w), *views, *scalars(w.dtype))


def _array_test(name: str, writeable: bool) -> str:
    """Source of the common-case test of one more array of a step: an ndarray like ``w`` (same dtype,
    shape and strides, so C-contiguous), writeable if it is updated in place."""
    test = f"type({name}) is _ndarray and {name}.dtype is _dtype and {name}.shape == _shape"
    test += f" and {name}.strides == _strides"
    return test + (f" and {name}.flags.writeable" if writeable else "")


def _step_body(spec: _table.Optimizer) -> _table.Body:
    """The body of the named step of ``spec`` (after ``_table.named_step``'s hyperparameter checks),
    written out for this optimizer: its state arrays fetched and checked, the CUDA hand-off, the arrays'
    common case tested inline (else :func:`kernels._validate.flat_group` raises naming the problem or
    returns the flat views), the hyperparameters rounded to ``w``'s dtype, the serial or ``prange``
    kernel. Adam runs ``adam_counted``, which computes its bias corrections from the step count.

    Inline, a float32 Adam step on 1,024 elements costs its kernel plus 1.4 us of Python; through a
    closure and one checking call per step it cost 2.7 (measured: the calls and their argument tuples,
    not the tests themselves, were half of it)."""
    keys = spec.state
    held = [f"_s{k}" for k in range(len(keys))]
    arrays = ", ".join(["w", "g", *held])
    present = "".join(f" or {key!r} not in state" for key in keys)
    kernel_name = "adam_counted" if spec.counted else spec.kernel
    tests = "\n            and ".join(
        [_array_test("g", writeable=False), *[_array_test(name, writeable=True) for name in held]]
    )
    lines = [
        f"if type(state) is not dict{present}:",
        "    _check_state(state)",
        *[f"{name} = state[{key!r}]" for name, key in zip(held, keys, strict=True)],
        'if target != "cpu" and not _is_cpu(target):',
        f"    return _cuda_step({spec.name!r}, w, g, state, **dict(zip(_names_hp, _values)))",
        "_fast = False",
        "if type(w) is _ndarray:",
        "    _dtype, _shape, _strides, _flags = w.dtype, w.shape, w.strides, w.flags",
        "    _fast = (",
        "        (_dtype is _F32 or _dtype is _F64) and _flags.c_contiguous and _flags.writeable",
        "        and w.size > 0",
        f"        and {tests}",
        "    )",
        "if not _fast:",
        f"    {arrays} = _flat_group(w, ({', '.join(['g', *held])},), _names, _writeable)",
        "elif w.ndim != 1:",
        f"    {arrays} = {', '.join(f'{a}.reshape(-1)' for a in ['w', 'g', *held])}",
        "_type = w.dtype.type",
        "_scalars = _rounded.get((_values, _type)) or _rounded_to(_values, _type)",
        "if parallel is None:",
        "    parallel = w.size >= _threshold",
    ]
    if spec.counted:
        lines += [
            "_t = _next_count(state)",
            f"(_prange_kernel if parallel else _serial_kernel)({arrays}, *_scalars, _t)",
            'state["t"] = _t',
        ]
    else:
        lines.append(f"(_prange_kernel if parallel else _serial_kernel)({arrays}, *_scalars)")
    lines.append("return None")
    serial, prange_kernel = _kernels(kernel_name)
    used = {
        "_check_state": lambda state: _table.check_state(spec, state),
        "_is_cpu": _dispatch.is_cpu,
        "_cuda_step": lambda *args, **hp: _dispatch.cuda_function("optim", "step")(*args, **hp),
        "_names_hp": spec.names,
        "_ndarray": np.ndarray,
        "_F32": _validate.F32,
        "_F64": _validate.F64,
        "_flat_group": _validate.flat_group,
        "_names": ("w", spec.grad, *keys),
        "_writeable": (False, *(True for _ in keys)),
        "_rounded": _table.ROUNDED,
        "_rounded_to": _table.rounded_to,
        "_threshold": PARALLEL_THRESHOLD,
        "_next_count": spec.next_count,
        "_serial_kernel": serial,
        "_prange_kernel": prange_kernel,
    }
    return "".join(f"    {line}\n" for line in lines), used


def step(
    name: str,
    w: np.ndarray,
    g: np.ndarray,
    state: dict,
    *,
    target: str = "cpu",
    parallel: bool | None = None,
    **hp: float,
) -> None:
    """One step of optimizer ``name`` with hyperparameters ``hp`` (``lr`` required; the others default as
    in ``kernels._optim_table``), on ``w`` and ``state`` in place.

    For ``"nesterov"``, ``g`` must be the gradient at :func:`nesterov_lookahead`. ``target="cuda"`` runs
    ``kernels.cuda.optim.step`` with the checked hyperparameters, defaults filled in. Every argument is
    checked before any kernel runs, whatever the target.
    """
    spec = _table.lookup(name)
    named = _NAMED[spec.name]
    if spec.state:
        return named(w, g, state, target=target, parallel=parallel, **hp)
    _table.check_state(spec, state)
    return named(w, g, target=target, parallel=parallel, **hp)


def nesterov_lookahead(
    w: np.ndarray,
    state: dict,
    *,
    lr: float,
    beta: float = BETA.default,
    out: np.ndarray | None = None,
    parallel: bool | None = None,
    target: str = "cpu",
) -> np.ndarray:
    """Nesterov's look-ahead point (3.2.4, eq. 3.3): ``w - eta beta v``, where the gradient is evaluated
    before :func:`nesterov_step`. Written into ``out`` (a new array if None) and returned."""
    call = _table.prepare(_table.LOOKAHEAD, state, {"lr": lr, "beta": beta})
    if target != "cpu" and not _dispatch.is_cpu(target):
        return _dispatch.cuda_function("optim", "nesterov_lookahead")(w, state, **call.keywords(), out=out)
    _validate.float_array("w", w)
    out = _validate.output(out, "w", w)
    arrays = (("v", state["v"]), ("out", out))
    _launch(_KERNELS[_table.LOOKAHEAD.name], w, arrays, call.scalars, parallel)
    return out


_steps = _table.named_steps(_step_body, __name__, {"parallel": None, "target": "cpu"})
sgd_step, momentum_step, nesterov_step, adagrad_step, rmsprop_step, adam_step = _steps
_NAMED = dict(zip(_table.NAMES, _steps, strict=True))
