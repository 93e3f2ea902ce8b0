"""Scenarios: public, trusted-free code that calls a student's functions several times.

A check whose target is ``"harness.NAME"`` runs ``NAME(module, **inputs)`` in the sandboxed child, where
``module`` is the student's exercise module, and sends back what it returns (plain data only). This file
is copied into the child: it imports only the standard library and NumPy, never ``grader`` nor
``solutions``. Nothing here decides a grade, nor any flag about the student's code: a scenario that must
show whether the student modified its arguments sends back the arguments as they were after each call
(copied at once, with ``ndarray.copy``, which a submission cannot replace), and the parent compares them
with the arguments it knows were passed (``grader.verdicts``), with its own NumPy.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import numpy as np

# --------------------------------------------------------------------------- optimizers (3.1, 3.2)


def _quadratic_grad(w: np.ndarray, scales: np.ndarray, center: np.ndarray) -> np.ndarray:
    """Gradient of ``f(w) = 1/2 sum_i scales_i (w_i - center_i)^2``."""
    return scales * (w - center)


def _snap(arrays: list[np.ndarray]) -> list[np.ndarray]:
    """Copies taken right after a call: later calls cannot change what is reported."""
    return [np.ndarray.copy(a) for a in arrays]


def _optimizer_step(
    module: ModuleType, name: str, w: np.ndarray, g: np.ndarray, state: list, t: int, hp: dict[str, float]
) -> tuple:
    """One call of the student's ``<name>_step`` (Adam also gets the step counter ``t``), its outputs as a
    tuple ``(w, *state)``."""
    if name == "sgd":
        return (module.sgd_step(w, g, **hp),)
    if name == "adam":
        return module.adam_step(w, g, *state, t, **hp)
    return getattr(module, f"{name}_step")(w, g, *state, **hp)


def run_optimizer(module: ModuleType, name: str, w0: np.ndarray, scales: np.ndarray, center: np.ndarray,
                  steps: int, hp: dict[str, float]) -> dict[str, Any]:
    """``steps`` steps of optimizer ``name`` (sgd, momentum, nesterov, adagrad, rmsprop, adam) of an
    exercise-11 module on ``f(w) = 1/2 sum scales (w - center)^2``, feeding each returned state into the
    next step. Returns ``{"calls": [...]}``, one entry per call of the student's code (for nesterov, the
    look-ahead and then the step): ``"args"``, the arrays it was given, as they were after the call
    (``[w, v]`` for the look-ahead, ``[w, g, *state]`` for a step), and ``"out"``, what it returned as
    float64 arrays. ``grader.verdicts`` turns this into the final parameters and state and decides, in the
    parent, whether the arguments were left unchanged."""
    w = np.array(w0, dtype=np.float64)
    state = [np.zeros_like(w) for _ in range({"sgd": 0, "adam": 2}.get(name, 1))]
    calls: list[dict[str, list[np.ndarray]]] = []
    for t in range(1, steps + 1):
        if name == "nesterov":
            w_ahead = np.array(module.nesterov_lookahead(w, state[0], **hp), dtype=np.float64)
            calls.append({"args": _snap([w, state[0]]), "out": _snap([w_ahead])})
            g = _quadratic_grad(w_ahead, scales, center)
        else:
            g = _quadratic_grad(w, scales, center)
        out = _optimizer_step(module, name, w, g, state, t, hp)
        args = _snap([w, g, *state])
        w, *state = (np.array(x, dtype=np.float64) for x in out)
        calls.append({"args": args, "out": _snap([w, *state])})
    return {"calls": calls}


# --------------------------------------------------------------------------- gradient check (2.3.4)


def numerical_gradient_of_test_function(
    module: ModuleType, x: np.ndarray, A: np.ndarray, h: float
) -> dict[str, Any]:
    """The student's ``numerical_gradient`` of ``f(x) = sum(tanh(A x)) + 1/2 ||x||^2``, and ``x`` as it
    was after the call (``"x_after"``); the parent decides whether it was left unchanged."""

    def f(v: np.ndarray) -> float:
        return float(np.sum(np.tanh(A @ v.reshape(-1))) + 0.5 * np.sum(v * v))

    x = np.array(x, dtype=np.float64)
    grad = np.array(module.numerical_gradient(f, x, h), dtype=np.float64)
    return {"grad": grad, "x_after": np.ndarray.copy(x)}


# --------------------------------------------------------------------------- training (3.5, 3.6)


def train_and_predict(
    module: ModuleType, X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray, seed: int
) -> np.ndarray:
    """Train with the student's ``train_mlp`` and return the student's ``predict`` on ``X_test``; the test
    labels never enter the child."""
    params = module.train_mlp(X_train, y_train, seed)
    return np.asarray(module.predict(params, X_test)).astype(np.int64).reshape(-1)


def _transfer(
    module: ModuleType, Ws: list, bs: list, X: np.ndarray, y: np.ndarray, n_classes: int, seed: int
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    Ws = [np.array(W, dtype=np.float64) for W in Ws]
    bs = [np.array(b, dtype=np.float64) for b in bs]
    new_Ws, new_bs = module.fine_tune_output(Ws, bs, X, y, n_classes, seed)
    return [np.asarray(W, dtype=np.float64) for W in new_Ws], [
        np.asarray(b, dtype=np.float64) for b in new_bs
    ]


def transfer_predict(module: ModuleType, Ws: list, bs: list, X_train: np.ndarray, y_train: np.ndarray, X_test:
                     np.ndarray, n_classes: int, seed: int) -> np.ndarray:
    """Fine-tune with the student's ``fine_tune_output``, then predict ``X_test`` with the network it
    returned (tanh hidden layers, linear output, arg max) computed here, not by the student."""
    new_Ws, new_bs = _transfer(module, Ws, bs, X_train, y_train, n_classes, seed)
    a = np.asarray(X_test, dtype=np.float64)
    for W, b in zip(new_Ws[:-1], new_bs[:-1], strict=True):
        a = np.tanh(a @ W.T + b)
    return np.argmax(a @ new_Ws[-1].T + new_bs[-1], axis=1).astype(np.int64)


def transfer_hidden_layers(module: ModuleType, Ws: list, bs: list, X_train: np.ndarray, y_train: np.ndarray,
                           n_classes: int, seed: int) -> dict[str, Any]:
    """The layers that must stay frozen (all but the last) as ``fine_tune_output`` returned them, and the
    shapes of the new output layer."""
    new_Ws, new_bs = _transfer(module, Ws, bs, X_train, y_train, n_classes, seed)
    return {
        "Ws": new_Ws[:-1],
        "bs": new_bs[:-1],
        "output_shapes": [list(new_Ws[-1].shape), list(new_bs[-1].shape)],
    }


# --------------------------------------------------------------------------- the fused Adam step (3.2.7)


def fused_adam_steps(module: ModuleType, w: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, t0: int,
                     steps: int, hp: dict[str, float]) -> dict[str, np.ndarray]:
    """``steps`` in-place calls of ``adam_step_fused`` with ``t = t0 + 1, ..., t0 + steps`` and the same
    gradient; returns the arrays after the last call."""
    w, g, m, v = (np.array(a, dtype=np.float64) for a in (w, g, m, v))
    for t in range(t0 + 1, t0 + steps + 1):
        module.adam_step_fused(w, g, m, v, t, hp["lr"], hp["beta1"], hp["beta2"], hp["eps"])
    return {"w": w, "m": m, "v": v}


def fused_adam_benchmark(module: ModuleType, n: int, steps: int, seed: int = 0) -> list[float]:
    """The timed scenario: allocate ``n`` parameters in the child (cheap patterns drawn from ``seed``,
    written so that no page is still the shared zero page), call ``adam_step_fused`` once on a tiny array
    (so compilation is not timed), run ``steps`` steps on the full arrays, and return a checksum
    ``[sum w, sum m, sum v, w[i] for 8 positions i drawn from seed]``. The engine gives every timed run a
    fresh seed and judges each checksum against the parent's value for that seed, so a result computed
    once cannot be replayed; it runs the same scenario on the reference module and compares the times."""
    tiny = [np.ones(4) for _ in range(4)]
    module.adam_step_fused(*tiny, 1, 1e-3, 0.9, 0.999, 1e-8)
    rng = np.random.default_rng(seed)
    lo, hi, shift, slope = rng.uniform(0.5, 1.5, 4)
    probe = rng.integers(0, n, 8)
    w = np.linspace(-lo, hi, n)
    g = (shift - 1.0) - slope * w[::-1]
    m = np.full(n, 0.0)
    v = np.full(n, 0.0)
    for t in range(1, steps + 1):
        module.adam_step_fused(w, g, m, v, t, 1e-3, 0.9, 0.999, 1e-8)
    return [float(w.sum()), float(m.sum()), float(v.sum()), *(float(w[i]) for i in probe)]


# --------------------------------------------------------------------------- the sigmoid (1.3.4)


def sigmoid_without_overflow(module: ModuleType, z: np.ndarray) -> np.ndarray:
    """The student's ``sigmoid(z)`` computed with NumPy's overflow and invalid-operation warnings turned
    into ``FloatingPointError``: the statement demands no overflow for large ``|z|``, and a raised
    exception is what the parent sees (an ``error`` outcome), never a flag sent back by the child."""
    with np.errstate(over="raise", invalid="raise"):
        return np.array(module.sigmoid(z), dtype=np.float64)


# --------------------------------------------------------------------------- pictures (grader/plots)
#
# Paths of the student's own code, drawn by the parent (``grader.plots``) next to the same scenario run on
# the trusted solution. Nothing here draws, and nothing here decides a grade.


def _quadratic_surface(w: np.ndarray, want_grad: bool) -> Any:
    """The elongated bowl ``f(x, y) = 1/2 (x^2 + 10 y^2)`` (report, figure 3.5), minimum at (0, 0)."""
    x, y = w[0], w[1]
    if want_grad:
        return np.array([x, 10.0 * y])
    return 0.5 * (x * x + 10.0 * y * y)


def _valley_surface(w: np.ndarray, want_grad: bool) -> Any:
    """A Rosenbrock-like valley ``f(x, y) = (1 - x)^2 + 5 (y - x^2)^2``, minimum at (1, 1); gradient
    ``(-2 (1 - x) - 20 x (y - x^2), 10 (y - x^2))``."""
    x, y = w[0], w[1]
    if want_grad:
        return np.array([-2.0 * (1.0 - x) - 20.0 * x * (y - x * x), 10.0 * (y - x * x)])
    return (1.0 - x) ** 2 + 5.0 * (y - x * x) ** 2


SURFACES = {"quadratic": _quadratic_surface, "valley": _valley_surface}


def surface_value(surface: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``f`` of a surface on a grid (the parent's contour plot)."""
    return SURFACES[surface](np.array([x, y]), False)


def _finite_path(path: list[np.ndarray]) -> bool:
    """A path stops once it leaves the plotted world: NaN, inf or a coordinate beyond 1e6."""
    return bool(np.all(np.isfinite(path[-1])) and np.max(np.abs(path[-1])) < 1e6)


def optimizer_path(
    module: ModuleType, name: str, surface: str, w0: np.ndarray, steps: int, hp: dict[str, float]
) -> np.ndarray:
    """The points ``w_0, ..., w_steps`` (array of shape (k, 2), k <= steps + 1) of optimizer ``name`` of an
    exercise-11 module on a 2-D surface, each returned state fed into the next step, as ``run_optimizer``
    does; the path stops early when it leaves the finite world."""
    grad = functools.partial(SURFACES[surface], want_grad=True)
    w = np.array(w0, dtype=np.float64)
    state = [np.zeros_like(w) for _ in range({"sgd": 0, "adam": 2}.get(name, 1))]
    path = [np.ndarray.copy(w)]
    for t in range(1, steps + 1):
        if name == "nesterov":
            g = grad(np.array(module.nesterov_lookahead(w, state[0], **hp), dtype=np.float64).reshape(2))
        else:
            g = grad(w)
        out = _optimizer_step(module, name, w, g, state, t, hp)
        w, *state = (np.array(x, dtype=np.float64).reshape(2) for x in out)
        path.append(np.ndarray.copy(w))
        if not _finite_path(path):
            break
    return np.array(path)


def numerical_gradient_path(
    module: ModuleType, surface: str, w0: np.ndarray, lr: float, h: float, steps: int
) -> np.ndarray:
    """Gradient descent ``w <- w - lr g`` on a 2-D surface where ``g`` is the exercise-9 module's
    ``numerical_gradient(f, w, h)``: the points visited, array of shape (k, 2), k <= steps + 1."""

    def f(v: np.ndarray) -> float:
        return float(SURFACES[surface](np.asarray(v, dtype=np.float64).reshape(2), False))

    w = np.array(w0, dtype=np.float64)
    path = [np.ndarray.copy(w)]
    for _ in range(steps):
        g = np.array(module.numerical_gradient(f, np.ndarray.copy(w), h), dtype=np.float64).reshape(2)
        w = w - lr * g
        path.append(np.ndarray.copy(w))
        if not _finite_path(path):
            break
    return np.array(path)


# --------------------------------------------------------------------------- Bayesian optimisation (3.5.2)


def forrester(x: np.ndarray, flip: bool = False, scale: float = 1.0, offset: float = 0.0) -> float:
    """The 1-D test function of Forrester et al. (2008), ``(6x - 2)^2 sin(12x - 4)`` on [0, 1]: a global
    minimum near x = 0.757 and a local one near x = 0.143; ``flip`` reads it at ``1 - x``, then
    ``scale * f + offset``."""
    u = float(np.asarray(x, dtype=np.float64).reshape(-1)[0])
    u = 1.0 - u if flip else u
    return scale * (6.0 * u - 2.0) ** 2 * float(np.sin(12.0 * u - 4.0)) + offset


def branin(x: np.ndarray, flip: bool = False, scale: float = 1.0, offset: float = 0.0) -> float:
    """Branin's function on the unit square (``x1 = 15 u - 5``, ``x2 = 15 v``): three global minima of value
    0.397887; ``flip`` reads it at ``(1 - u, v)``, then ``scale * f + offset``."""
    u, v = (float(c) for c in np.asarray(x, dtype=np.float64).reshape(-1)[:2])
    u = 1.0 - u if flip else u
    x1, x2 = 15.0 * u - 5.0, 15.0 * v
    b, c = 5.1 / (4.0 * np.pi**2), 5.0 / np.pi
    value = (x2 - b * x1 * x1 + c * x1 - 6.0) ** 2 + 10.0 * (1.0 - 1.0 / (8.0 * np.pi)) * np.cos(x1) + 10.0
    return scale * float(value) + offset


OBJECTIVES = {"forrester": forrester, "branin": branin}


def propose_with_scores(module: ModuleType, X_obs: np.ndarray, y_obs: np.ndarray, candidates: np.ndarray,
                        length_scale: float, xi: float) -> dict[str, Any]:
    """The index ``propose_next`` returns, and the module's own ``expected_improvement`` of every candidate
    under its ``gp_posterior`` (run on the solutions, the latter is what the parent judges the index by)."""
    index = int(module.propose_next(np.ndarray.copy(X_obs), np.ndarray.copy(y_obs),
                                    np.ndarray.copy(candidates), length_scale, xi))
    mu, sigma = module.gp_posterior(X_obs, y_obs, candidates, length_scale)
    ei = np.asarray(module.expected_improvement(mu, sigma, float(np.min(y_obs)), xi), dtype=np.float64)
    return {"index": index, "ei": ei.reshape(-1)}


def bayesian_optimisation_runs(module: ModuleType, objective: str, shape: dict[str, Any], candidates:
                               np.ndarray, n_init: int, n_iter: int, seeds: list[int], length_scale: float,
                               xi: float) -> list[np.ndarray]:
    """The points ``bayesian_optimisation`` evaluated on objective ``objective`` of ``OBJECTIVES`` (with
    the keywords ``shape``), one run per seed; the parent looks their values up itself."""
    f = functools.partial(OBJECTIVES[objective], **shape)
    runs = []
    for seed in seeds:
        X_obs, _ = module.bayesian_optimisation(f, np.ndarray.copy(candidates), n_init, n_iter, seed,
                                                length_scale, xi)
        runs.append(np.array(X_obs, dtype=np.float64).reshape(len(X_obs), -1))
    return runs


# --------------------------------------------------------------------------- grid against random (3.5.2)


def grid_and_random_values(
    module: ModuleType, space: dict[str, list[Any]], n_values: int, seed: int, important: str
) -> dict[str, list[Any]]:
    """Figure 3.11's comparison: the values of hyperparameter ``important`` in the student's grid of
    ``n_values`` per range, and in the same number of configurations drawn by the student's random
    search; the parent counts them."""
    grid = module.grid_configurations(space, n_values)
    drawn = module.sample_configurations(space, len(grid), seed)
    return {"grid": [c[important] for c in grid], "random": [c[important] for c in drawn]}


# --------------------------------------------------------------------------- kinds of transfer (3.6.2)

TRANSFER_KINDS = ("feature_extraction", "fine_tuning", "scratch")


def transfer_kinds_predict(module: ModuleType, Ws: list, bs: list, X_train: np.ndarray, y_train: np.ndarray,
                           X_test: np.ndarray, n_classes: int, seed: int) -> dict[str, np.ndarray]:
    """For each kind of ``TRANSFER_KINDS``, the student's ``transfer`` on the training images, then the
    labels its network predicts for ``X_test`` (tanh hidden layers, linear output, arg max), computed here,
    not by the student."""
    predicted = {}
    for kind in TRANSFER_KINDS:
        new_Ws, new_bs = module.transfer([np.array(W, dtype=np.float64) for W in Ws],
                                         [np.array(b, dtype=np.float64) for b in bs],
                                         np.ndarray.copy(X_train), np.ndarray.copy(y_train), n_classes,
                                         kind, seed)
        a = np.asarray(X_test, dtype=np.float64)
        for W, b in zip(new_Ws[:-1], new_bs[:-1], strict=True):
            a = np.tanh(a @ np.asarray(W, dtype=np.float64).T + np.asarray(b, dtype=np.float64))
        z = a @ np.asarray(new_Ws[-1], dtype=np.float64).T + np.asarray(new_bs[-1], dtype=np.float64)
        predicted[kind] = np.argmax(z, axis=1).astype(np.int64)
    return predicted


# --------------------------------------------------------------------------- learning rate (3.1)


def classify_paths(module: ModuleType, paths: list[list[float]], w_min: float) -> list[str]:
    """The student's ``classify_iterates(path, w_min)`` for each path of ``paths``."""
    return [str(module.classify_iterates(list(path), w_min)) for path in paths]


def learning_rate_regimes(
    module: ModuleType, lrs: list[float], a: float, w0: float, n_steps: int
) -> list[str]:
    """The student's ``classify_learning_rate(lr, a, w0, n_steps)`` for each learning rate of ``lrs``."""
    return [str(module.classify_learning_rate(float(lr), a, w0, n_steps)) for lr in lrs]


def stopping_path(
    module: ModuleType, w0: float, lr: float, a: float, tol: float, max_iter: int
) -> np.ndarray:
    """The iterates ``descent_with_stopping`` returned (its first item), as a float64 array."""
    path, _ = module.descent_with_stopping(w0, lr, a, tol, max_iter)
    return np.array(path, dtype=np.float64).reshape(-1)


def stopping_reasons(module: ModuleType, runs: list[dict[str, Any]]) -> list[str]:
    """The reason ``descent_with_stopping(**run)`` gave (its second item), for each run of ``runs``."""
    return [str(module.descent_with_stopping(**run)[1]) for run in runs]


# --------------------------------------------------------------------------- dropout in training (3.4.2)


def dropout_training_runs(module: ModuleType, X: np.ndarray, Y: np.ndarray, Ws: list, bs: list, p: float, lr:
                          float, steps: int, mask_seed: int) -> dict[str, Any]:
    """Two trainings of the same network from the same start with the student's ``train_step_dropout``:
    ``"plain"`` keeps every unit (all-True masks, ``p = 1``), ``"dropout"`` draws each step's masks as
    ``rng.random((batch, width)) < p`` from ``default_rng(mask_seed)``; both use the learning rate
    ``lr (1 - t / steps)`` at step ``t = 0, ..., steps - 1``. Returns the final ``[Ws, bs]`` of each run;
    the parent computes the losses and the train/validation gaps with its own NumPy."""
    widths = [np.asarray(W).shape[0] for W in Ws[:-1]]
    X = np.array(X, dtype=np.float64)
    Y = np.array(Y, dtype=np.float64)
    out: dict[str, Any] = {}
    for run, keep in (("plain", 1.0), ("dropout", p)):
        rng = np.random.default_rng(mask_seed)
        W_run = [np.array(W, dtype=np.float64) for W in Ws]
        b_run = [np.array(b, dtype=np.float64) for b in bs]
        for t in range(steps):
            if keep < 1.0:
                masks = [rng.random((X.shape[0], width)) < keep for width in widths]
            else:
                masks = [np.ones((X.shape[0], width), dtype=bool) for width in widths]
            step_lr = lr * (1.0 - t / steps)
            new_Ws, new_bs, _ = module.train_step_dropout(X, Y, W_run, b_run, masks, keep, step_lr)
            W_run = [np.array(W, dtype=np.float64) for W in new_Ws]
            b_run = [np.array(b, dtype=np.float64) for b in new_bs]
        out[run] = [W_run, b_run]
    return out
