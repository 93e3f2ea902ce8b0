"""Minibatch training of a :class:`kernels.mlp.MLP`, the whole loop in one Numba call (report 3.2, 3.4)."""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels import _optim_table as _table
from kernels import losses as _losses
from kernels.cpu import losses as _cpu_losses
from kernels.cpu import train as _cpu
from kernels.mlp import MLP

DEFAULT_HP = {name: spec.defaults for name, spec in _table.OPTIMIZERS.items()}
"""The hyperparameters each optimizer fills in when ``hp`` leaves them out (``kernels._optim_table``)."""


def _hyperparameters(optimizer: str, hp: dict[str, float]) -> tuple[float, float, float, float]:
    """``(lr, beta1, beta2, eps)`` for the CPU loop, checked by the optimizer's row of the table: ``beta1``
    is momentum's, Nesterov's and RMSprop's ``beta`` or Adam's ``beta1``; the ones an optimizer does not use
    are placeholders (0, 0, 1) that its kernel never reads."""
    full = _table.lookup(optimizer).values(hp)
    beta1 = full.get("beta", full.get("beta1", 0.0))
    return full["lr"], beta1, full.get("beta2", 0.0), full.get("eps", 1.0)


def check_settings(
    mlp: object,
    *,
    optimizer: object,
    hp: dict[str, float],
    epochs: object,
    batch_size: object,
    seed: object,
    loss: object,
    l2: object,
) -> tuple[int, tuple[float, float, float, float], int, int, int, int, float]:
    """Every scalar setting of a :func:`train` call checked, whatever the target (``kernels.cuda.train``
    calls it too): ``(loss code, (lr, beta1, beta2, eps), optimizer code, epochs, batch_size, seed, l2)``;
    a bad one raises a one-line ``TypeError``/``ValueError`` before any kernel runs. ``mlp`` is a
    :class:`kernels.mlp.MLP` or, for the CUDA target, an object with its ``W``, ``b`` and ``activations``."""
    if not isinstance(mlp, MLP) and not all(hasattr(mlp, a) for a in ("W", "b", "activations")):
        raise TypeError(f"mlp must be a kernels.mlp.MLP, got {type(mlp).__name__}")
    if not isinstance(hp, dict):
        raise TypeError(f"hp must be a dict of hyperparameters, got {type(hp).__name__}")
    hyper = _hyperparameters(optimizer, dict(hp))
    if loss not in _cpu_losses.CODES:
        raise ValueError(f"unknown loss {loss!r}; expected one of {tuple(_cpu_losses.CODES)}")
    if loss == "softmax_cross_entropy" and tuple(mlp.activations)[-1] != "identity":
        raise ValueError("softmax_cross_entropy takes logits: make the last activation 'identity'")
    code = _cpu_losses.CODES[loss]
    epochs = _validate.positive_int("epochs", epochs)
    batch_size = _validate.positive_int("batch_size", batch_size)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    l2 = _validate.number("l2", l2, low=0.0)
    return code, hyper, _cpu.CODES[optimizer], epochs, batch_size, int(seed), l2


def train(
    mlp: MLP,
    X: np.ndarray,
    Y: np.ndarray,
    *,
    optimizer: str,
    hp: dict[str, float],
    epochs: int,
    batch_size: int,
    seed: int,
    loss: str,
    l2: float = 0.0,
    target: str = "cpu",
) -> np.ndarray:
    """Train ``mlp`` in place for ``epochs`` epochs of minibatches of ``batch_size`` rows; return the
    per-epoch mean training loss (float64, ``epochs`` values).

    Each epoch visits the rows in a fresh permutation drawn from a generator seeded once with ``seed``
    (same inputs, same seed: same weights). ``optimizer`` is a name of ``kernels.optim.NAMES`` with
    hyperparameters ``hp`` (``lr`` required; ``beta``, ``beta1``, ``beta2``, ``eps`` default as in
    ``kernels.optim``). Nesterov's gradient is taken at the look-ahead point. ``l2 > 0`` adds the penalty
    ``l2 sum W^2`` over the weight matrices (not the biases) to the loss and ``2 l2 W`` to their gradient.
    The optimizer state starts at zero on every call. ``target="cuda"`` trains on the GPU
    (``kernels.cuda.train``) and writes the weights back into ``mlp``.
    """
    code, (lr, beta1, beta2, eps), opt_code, epochs, batch_size, seed, l2 = check_settings(
        mlp, optimizer=optimizer, hp=hp, epochs=epochs, batch_size=batch_size, seed=seed, loss=loss, l2=l2
    )
    if not _dispatch.is_cpu(target):
        extra = {"l2": l2} if l2 else {}
        return _dispatch.cuda_function("train", "train")(
            mlp,
            X,
            Y,
            optimizer=optimizer,
            hp={**hp, **extra},
            epochs=epochs,
            batch_size=batch_size,
            seed=seed,
            loss=loss,
        )
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a kernels.mlp.MLP, got {type(mlp).__name__}")
    X = mlp._inputs(X)
    Y = mlp.targets(Y, X.shape[0])
    batch_size = min(batch_size, X.shape[0])
    c = mlp.dtype.type
    history = np.empty(epochs, dtype=np.float64)
    _cpu.train(
        mlp.params,
        mlp.sizes,
        mlp.codes,
        mlp.alphas,
        X,
        Y,
        code,
        c(_losses.BCE_EPS),
        opt_code,
        c(lr),
        c(beta1),
        c(beta2),
        c(eps),
        c(l2),
        epochs,
        batch_size,
        np.uint32(seed),
        history,
    )
    return history
