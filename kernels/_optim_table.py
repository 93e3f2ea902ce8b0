"""The optimizers of report section 3 as one table: state, hyperparameters (defaults and bounds), kernels.

Both targets read this table: ``kernels.optim.step`` (CPU, and the front door of ``target="cuda"``) and
``kernels.cuda.optim.step`` validate a call with :func:`prepare` and launch the optimizer's kernel with
``(w, g, *state arrays, *scalars)``. Every default and every bound of an optimizer hyperparameter is
written here once. Importing this module does not import Numba.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

import numpy as np

from kernels import _validate, rules


@dataclass(frozen=True)
class Hyper:
    """A hyperparameter: its name, what it is, its default (None: the caller must give it) and the interval
    it lies in."""

    name: str
    meaning: str
    default: float | None = None
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    def __post_init__(self) -> None:
        # the bounds as four floats, so that the common case (a float inside them) costs two chained
        # comparisons and two inequalities; NaN and the infinities fail them
        big = sys.float_info.max
        object.__setattr__(self, "_lo", -big if self.low is None else self.low)
        object.__setattr__(self, "_hi", big if self.high is None else self.high)
        object.__setattr__(self, "_lo_x", self.low if self.low_open else math.nan)
        object.__setattr__(self, "_hi_x", self.high if self.high_open else math.nan)
        if self.default is not None:
            self.check(self.default)  # so that a step may use it unchecked

    def check(self, value: object) -> float:
        """``value`` as a finite float within the bounds, else ``TypeError``/``ValueError`` naming it."""
        if (
            type(value) is float
            and self._lo <= value <= self._hi
            and value != self._lo_x
            and value != self._hi_x
        ):
            return value
        return _validate.number(
            self.name, value, low=self.low, high=self.high, low_open=self.low_open, high_open=self.high_open
        )


LR = Hyper("lr", "the learning rate eta", low=0.0)
BETA = Hyper("beta", "the decay of the momentum / RMSprop average", 0.9, low=0.0, high=1.0, high_open=True)
BETA1 = Hyper("beta1", "Adam's first-moment decay", 0.9, low=0.0, high=1.0, high_open=True)
BETA2 = Hyper("beta2", "Adam's second-moment decay", 0.999, low=0.0, high=1.0, high_open=True)
EPS = Hyper("eps", "the term that keeps the denominator positive", 1e-8, low=0.0, low_open=True)


@dataclass(frozen=True)
class Optimizer:
    """One optimizer: its update (``formula``, with the report's section), its state arrays, its
    hyperparameters in kernel order (``lr`` first), and ``kernel``, the name of its compiled kernels:
    ``kernels.cpu.optim.<kernel>`` (serial), ``<kernel>_parallel`` (``prange``) and
    ``kernels.cuda.optim.<kernel>_kernel``. ``counted``: the step counter ``state["t"]`` is incremented
    before the step and the bias corrections ``1 - beta1^t``, ``1 - beta2^t`` follow the hyperparameters
    (Adam). ``grad``: what the gradient argument is called."""

    name: str
    formula: str
    state: tuple[str, ...]
    hyper: tuple[Hyper, ...]
    kernel: str
    counted: bool = False
    grad: str = "g"

    @property
    def defaults(self) -> dict[str, float]:
        """The hyperparameters that have a default, with it (``lr`` has none)."""
        return {h.name: h.default for h in self.hyper if h.default is not None}

    @cached_property
    def names(self) -> tuple[str, ...]:
        """The hyperparameters' names in kernel order."""
        return tuple(h.name for h in self.hyper)

    @cached_property
    def allowed(self) -> frozenset[str]:
        """The hyperparameters' names as a set."""
        return frozenset(self.names)

    def values(self, hp: Mapping[str, object]) -> dict[str, float]:
        """``hp`` checked and completed with the defaults, in kernel order."""
        return dict(zip(self.names, self.checked(hp), strict=True))

    def checked(self, hp: Mapping[str, object]) -> tuple[float, ...]:
        """:meth:`values` as a tuple in kernel order (the hot path of a step: a few comparisons per
        hyperparameter when they are floats within their bounds)."""
        if not hp.keys() <= self.allowed:
            allowed = list(self.names)
            unknown = sorted(set(hp) - set(allowed))
            if unknown:
                raise TypeError(f"optimizer {self.name!r} takes {allowed}, not {unknown}")
        out = []
        for h in self.hyper:
            if h.name in hp:
                x = h.check(hp[h.name])
            elif h.default is None:
                raise ValueError(f"hp must give {h.meaning} {h.name!r} for {self.name!r}")
            else:
                x = h.default  # checked once, when the table was built
            out.append(x)
        return tuple(out)

    def checked_values(self, values: tuple[object, ...]) -> tuple[float, ...]:
        """``values`` (every hyperparameter, in kernel order) each through :meth:`Hyper.check` (ints become
        floats; the first bad one raises, named)."""
        return tuple(h.check(v) for h, v in zip(self.hyper, values, strict=True))

    def next_count(self, state: Mapping[str, object]) -> int | None:
        """``state["t"] + 1`` for a counted optimizer (checked), None otherwise."""
        if not self.counted:
            return None
        t = state.get("t")
        if type(t) is int and 0 <= t < _MAX_COUNT:
            return t + 1
        if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or not 0 <= t < _MAX_COUNT:
            raise ValueError(
                f"state['t'] must be a non-negative int below 2**63 - 1 (the step counter), got {t!r}"
            )
        return int(t) + 1


_MAX_COUNT = 2**63 - 1
"""The counted kernels take the new step count as a 64-bit integer."""


OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer("sgd", "Gradient descent / SGD (3.1, 3.2.2): ``w <- w - eta g``.", (), (LR,), "sgd"),
        Optimizer(
            "momentum",
            "Momentum (3.2.3, eq. 3.1-3.2): ``v <- beta v + (1 - beta) g``; ``w <- w - eta v``.",
            ("v",),
            (LR, BETA),
            "momentum",
        ),
        Optimizer(
            "nesterov",
            "Nesterov update (3.2.4, eq. 3.3-3.4) with ``g_ahead``, the gradient at the look-ahead point "
            "``w - eta beta v`` (``nesterov_lookahead``): ``v <- beta v + (1 - beta) g_ahead``; "
            "``w <- w - eta v``.",
            ("v",),
            (LR, BETA),
            "nesterov",
            grad="g_ahead",
        ),
        Optimizer(
            "adagrad",
            "Adagrad (3.2.5): ``G <- G + g^2``; ``w <- w - eta g / sqrt(G + eps)`` (eps inside the root).",
            ("G",),
            (LR, EPS),
            "adagrad",
        ),
        Optimizer(
            "rmsprop",
            "RMSprop (3.2.6): ``E <- beta E + (1 - beta) g^2``; ``w <- w - eta g / sqrt(E + eps)``.",
            ("E",),
            (LR, BETA, EPS),
            "rmsprop",
        ),
        Optimizer(
            "adam",
            "Adam (3.2.7): ``t <- t + 1``; ``m <- beta1 m + (1 - beta1) g``; "
            "``v <- beta2 v + (1 - beta2) g^2``; "
            "``w <- w - eta (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)``.",
            ("m", "v"),
            (LR, BETA1, BETA2, EPS),
            "adam",
            counted=True,
        ),
    )
}
NAMES = tuple(OPTIMIZERS)
LOOKAHEAD = Optimizer(
    "nesterov_lookahead",
    "Nesterov's look-ahead point (3.2.4, eq. 3.3): ``w - eta beta v``, where the gradient is evaluated.",
    ("v",),
    (LR, BETA),
    "nesterov_lookahead",
)
"""Not a step: no gradient, and a result instead of an update."""


def lookup(name: object) -> Optimizer:
    """The optimizer called ``name``, else ``ValueError`` listing the names."""
    if not isinstance(name, str) or name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {NAMES}")
    return OPTIMIZERS[name]


ROUNDED: dict[tuple, tuple] = {}
"""Checked hyperparameters rounded to a dtype, by ``(values, dtype's scalar type)``: rounding four floats
costs more than finding them here."""


def rounded_to(values: tuple[float, ...], scalar_type: type) -> tuple:
    """The checked hyperparameters ``values`` rounded to ``scalar_type`` (``np.float32``/``np.float64``),
    remembered in :data:`ROUNDED` unless one is a zero (``0.0 == -0.0``: one key would serve both signs)."""
    key = (values, scalar_type)
    rounded = ROUNDED.get(key)
    if rounded is None:
        rounded = tuple(map(scalar_type, values))
        if 0.0 not in values:
            if len(ROUNDED) > 4096:  # a long search over hyperparameters: start again
                ROUNDED.clear()
            ROUNDED[key] = rounded
    return rounded


class Call(NamedTuple):
    """A checked step: the optimizer, its hyperparameters (defaults filled in, kernel order) and the new step
    counter to store once the kernel has run (None when the optimizer has none)."""

    spec: Optimizer
    values: tuple[float, ...]
    count: int | None

    def keywords(self) -> dict[str, float]:
        """The hyperparameters by name."""
        return dict(zip(self.spec.names, self.values, strict=True))

    def scalars(self, dtype: np.dtype) -> tuple:
        """The kernel's scalar arguments in ``dtype`` (the parameters' dtype): the hyperparameters rounded
        to it, then for Adam the bias corrections ``1 - beta1^t`` and ``1 - beta2^t`` computed in float64
        from those rounded betas and rounded to ``dtype`` (``kernels.rules.adam_bias_correction``), as the
        training loop of ``kernels.cpu.train`` does."""
        c = dtype.type
        rounded = rounded_to(self.values, c)
        if self.count is None:
            return rounded
        _, beta1, beta2, _ = rounded
        t = float(self.count)
        bc1 = rules.adam_bias_correction(float(beta1), t)
        bc2 = rules.adam_bias_correction(float(beta2), t)
        return (*rounded, c(bc1), c(bc2))

    def state_arrays(self, state: Mapping[str, object]) -> list[tuple[str, object]]:
        """``[(key, state[key])]`` in kernel order."""
        return [(key, state[key]) for key in self.spec.state]

    def done(self, state: dict) -> None:
        """Record the step in ``state`` (Adam: ``t += 1``)."""
        if self.count is not None:
            state["t"] = self.count


def prepare(spec: Optimizer, state: object, hp: Mapping[str, object]) -> Call:
    """Check the hyperparameters and the state dict of one step of ``spec`` (arrays are the target's job)."""
    values = spec.checked(hp)
    check_state(spec, state)
    return Call(spec, values, spec.next_count(state) if spec.counted else None)


def check_state(spec: Optimizer, state: object) -> None:
    """Raise unless ``state`` is a dict holding every state array of ``spec`` (not checked: the arrays)."""
    if type(state) is not dict and not isinstance(state, dict):
        raise TypeError(f"state must be the dict of init_state(), got {type(state).__name__}")
    for key in spec.state:
        if key not in state:
            raise ValueError(f"state has no {key!r}; create it with init_state()")


Body = tuple[str, dict[str, object]]
"""The end of a generated named step: its source (indented by four spaces) and the names it uses."""


def named_steps(
    body: Callable[[Optimizer], Body], module: str, extra: Mapping[str, object]
) -> tuple[Callable[..., None], ...]:
    """``(sgd_step, ..., adam_step)`` of ``module``, in the order of :data:`NAMES`, each made by
    :func:`named_step` with ``body(spec)``, the module's step for that optimizer."""
    return tuple(named_step(spec, body(spec), module, extra) for spec in OPTIMIZERS.values())


def calling(bound: Callable[..., None]) -> Body:
    """The body that calls ``bound(w, g, state, values)`` (the checked hyperparameters in kernel order)."""
    return "    return _bound(w, g, state, _values)\n", {"_bound": bound}


_REQUIRED = object()
"""The default of a hyperparameter that has none (``lr``): the named step says it is missing."""


def named_step(
    spec: Optimizer, body: Body, module: str, extra: Mapping[str, object]
) -> Callable[..., None]:
    """``<name>_step(w, g, state, /, *, lr, <hyperparameters>, <extra>)``: checks the hyperparameters,
    binds ``_values`` to them in kernel order (and ``state`` to ``{}`` for an optimizer without state,
    whose step takes none), then runs ``body`` (its source and the names it uses: :func:`calling`, or a
    whole step: ``kernels.optim``). ``spec``'s formula is the docstring; the signature shows the defaults
    and calls the gradient ``spec.grad``.

    The function is generated from source, as :mod:`dataclasses` makes ``__init__``: real keyword
    parameters, each tested inline against its bounds (``type(lr) is float and 0.0 <= lr <= max``), cost
    0.1 us where a ``**hp`` dictionary checked key by key cost 0.75 (measured); with the body written
    inline too, a step on a small vector pays no other Python call but its checks' fallbacks. Anything
    else (an int, a bad value) takes :meth:`Optimizer.checked_values`; an unknown keyword or a missing
    ``lr`` raises :meth:`Optimizer.checked`'s one-line errors."""
    names = [h.name for h in spec.hyper]
    hyper = [f"{h.name}={'_required' if h.default is None else f'_default_{h.name}'}" for h in spec.hyper]
    options = [f"{k}=_extra_{k}" for k in extra]
    missing = "".join(f" or {h.name} is _required" for h in spec.hyper if h.default is None)
    given = ", ".join(f"{n!r}: {n}" for n in names)
    values = "".join(f"{n}, " for n in names)
    fast = " and ".join(
        f"type({h.name}) is float and _low_{h.name} {'<' if h.low_open else '<='} {h.name} "
        f"{'<' if h.high_open else '<='} _high_{h.name}"
        for h in spec.hyper
    )
    tail, used = body
    source = (
        f"def {spec.name}_step(w, g, {'state, ' if spec.state else ''}/, *, "
        f"{', '.join([*hyper, *options])}, **unknown):\n"
        f"    if unknown{missing}:\n"
        f"        _reject({{{given}}}, unknown)\n"
        f"    if not ({fast}):\n"
        f"        ({values}) = _checked(({values}))\n"
        f"    _values = ({values})\n"
        f"{'' if spec.state else '    state = {}' + chr(10)}"
        f"{tail}"
    )
    big = sys.float_info.max
    namespace: dict[str, object] = {
        **used,
        "_required": _REQUIRED,
        "_checked": spec.checked_values,
        **{f"_default_{h.name}": h.default for h in spec.hyper if h.default is not None},
        **{f"_low_{h.name}": -big if h.low is None else h.low for h in spec.hyper},
        **{f"_high_{h.name}": big if h.high is None else h.high for h in spec.hyper},
        **{f"_extra_{k}": v for k, v in extra.items()},
    }

    def reject(given: dict[str, object], unknown: dict[str, object]) -> None:
        spec.checked({**{k: v for k, v in given.items() if v is not _REQUIRED}, **unknown})

    namespace["_reject"] = reject
    # the source is built from the table's identifiers only; tracebacks name the generated step
    exec(compile(source, f"<{module}.{spec.name}_step, generated>", "exec"), namespace)
    named = namespace[f"{spec.name}_step"]
    p = inspect.Parameter
    arrays = ("w", spec.grad, "state") if spec.state else ("w", spec.grad)
    keywords = [(h.name, p.empty if h.default is None else h.default) for h in spec.hyper]
    named.__signature__ = inspect.Signature(
        [p(a, p.POSITIONAL_ONLY) for a in arrays]
        + [p(k, p.KEYWORD_ONLY, default=d) for k, d in (*keywords, *extra.items())],
        return_annotation=None,
    )
    named.__module__ = module
    named.__doc__ = f"{spec.formula}\n\nOne call of ``{module}.step({spec.name!r}, ...)``."
    return named
