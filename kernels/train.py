"""Minibatch training of a :class:`kernels.mlp.MLP`, the whole loop in one Numba call (report 3.2, 3.4)."""

from __future__ import annotations

import numpy as np

from kernels import _dispatch, _validate
from kernels import _optim_table as _table
from kernels import losses as _losses
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
    lr, beta1, beta2, eps = _hyperparameters(optimizer, dict(hp))
    X = mlp._inputs(X)
    code = mlp.loss_code(loss)
    Y = mlp.targets(Y, X.shape[0])
    epochs = _validate.positive_int("epochs", epochs)
    batch_size = min(_validate.positive_int("batch_size", batch_size), X.shape[0])
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an int in [0, 2**32), got {seed!r}")
    l2 = _validate.number("l2", l2, low=0.0)
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
        _cpu.CODES[optimizer],
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
