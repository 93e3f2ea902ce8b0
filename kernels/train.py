"""Minibatch training of a :class:`kernels.mlp.MLP`, the whole loop in one Numba call (report 3.2, 3.4),
with inverted dropout on the hidden layers (3.4.2), learning curves and early stopping (3.5.3)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kernels import _dispatch, _split_train, _validate
from kernels import _optim_table as _table
from kernels import losses as _losses
from kernels.cpu import losses as _cpu_losses
from kernels.cpu import train as _cpu
from kernels.mlp import MLP

DEFAULT_HP = {name: spec.defaults for name, spec in _table.OPTIMIZERS.items()}
"""The hyperparameters each optimizer fills in when ``hp`` leaves them out (``kernels._optim_table``)."""


@dataclass(frozen=True)
class TrainHistory:
    """What :func:`train` returns when a validation set, dropout or a patience is given.

    ``loss``: per-epoch mean minibatch loss as trained (dropout on, L2 penalty included; the array the plain
    call returns). ``train_loss``, ``train_accuracy``, ``val_loss``, ``val_accuracy``: the network without
    dropout evaluated after each epoch on the whole training and validation sets (loss without penalty;
    validation NaN without a validation set). All have ``epochs_run`` values (float64). ``best_epoch``
    (0-based): the epoch of the lowest validation loss whose weights were restored under early stopping,
    else the last epoch run. ``stopped_early``: training ended before ``epochs``.
    """

    loss: np.ndarray
    train_loss: np.ndarray
    train_accuracy: np.ndarray
    val_loss: np.ndarray
    val_accuracy: np.ndarray
    epochs_run: int
    best_epoch: int
    stopped_early: bool


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
    X_val: np.ndarray | None = None,
    Y_val: np.ndarray | None = None,
    dropout_keep: float | None = None,
    patience: int | None = None,
) -> np.ndarray | TrainHistory:
    """Train ``mlp`` in place for ``epochs`` epochs of minibatches of ``batch_size`` rows; return the
    per-epoch mean training loss (float64, ``epochs`` values), or a :class:`TrainHistory` when any of
    ``X_val``/``Y_val``, ``dropout_keep`` or ``patience`` is given.

    Each epoch visits the rows in a fresh permutation drawn from a generator seeded once with ``seed``
    (same inputs, same seed: same weights). ``optimizer`` is a name of ``kernels.optim.NAMES`` with
    hyperparameters ``hp`` (``lr`` required; ``beta``, ``beta1``, ``beta2``, ``eps`` default as in
    ``kernels.optim``). Nesterov's gradient is taken at the look-ahead point. ``l2 > 0`` adds the penalty
    ``l2 sum W^2`` over the weight matrices (not the biases) to the loss and ``2 l2 W`` to their gradient.
    The optimizer state starts at zero on every call. ``target="cuda"`` trains on the GPU
    (``kernels.cuda.train``) with the same arguments, shuffles, dropout masks and history, and writes the
    weights back into ``mlp``; every argument is checked here first, by the same functions on both targets.

    ``dropout_keep = p`` in ``(0, 1]`` trains with inverted dropout on every hidden layer (report 3.4.2,
    eq. 3.6; ``p`` is the keep probability, kept activations scaled by ``1 / p``, none on the input, the
    output or at evaluation); each minibatch's masks are drawn from the same seeded generator as the
    shuffles (``kernels.cpu.train.train_history``). ``X_val``, ``Y_val``: a validation set evaluated after
    each epoch with the training set (3.5.3). ``patience = k >= 1`` (needs the validation set): early
    stopping after ``k`` epochs in a row without a validation loss strictly below the best so far, then the
    best epoch's weights are restored into ``mlp`` (also when the epochs run out first).
    """
    code, (lr, beta1, beta2, eps), opt_code, epochs, batch_size, seed, l2 = check_settings(
        mlp, optimizer=optimizer, hp=hp, epochs=epochs, batch_size=batch_size, seed=seed, loss=loss, l2=l2
    )
    history = any(v is not None for v in (X_val, Y_val, dropout_keep, patience))
    keep, stop_after = check_history_settings(X_val, Y_val, dropout_keep, patience)
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
            X_val=X_val,
            Y_val=Y_val,
            dropout_keep=dropout_keep,
            patience=patience,
        )
    if not isinstance(mlp, MLP):
        raise TypeError(f"mlp must be a kernels.mlp.MLP, got {type(mlp).__name__}")
    X = mlp._inputs(X)
    Y = mlp.targets(Y, X.shape[0])
    batch_size = min(batch_size, X.shape[0])
    c = mlp.dtype.type
    losses = np.empty(epochs, dtype=np.float64)
    if X_val is None:  # the plain call is the same kernel without validation, dropout or early stopping
        X_val, Y_val = X[:0], Y[:0]
    else:
        X_val, Y_val = validation_set(mlp, X_val, Y_val)
    stats = np.full((epochs, 4), np.nan) if history else np.empty((0, 4), dtype=np.float64)
    run, best = _split_train.train_history(
        mlp.params,
        mlp.sizes,
        mlp.codes,
        mlp.alphas,
        X,
        Y,
        np.ascontiguousarray(X_val),
        np.ascontiguousarray(Y_val),
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
        c(keep),
        stop_after,
        history,
        losses,
        stats,
    )
    if not history:
        return losses
    run, best = int(run), int(best)
    return TrainHistory(
        loss=losses[:run].copy(),
        train_loss=stats[:run, 0].copy(),
        train_accuracy=stats[:run, 1].copy(),
        val_loss=stats[:run, 2].copy(),
        val_accuracy=stats[:run, 3].copy(),
        epochs_run=run,
        best_epoch=best,
        stopped_early=run < epochs,
    )


def check_history_settings(
    X_val: object, Y_val: object, dropout_keep: object, patience: object
) -> tuple[float, int]:
    """``(keep, patience)`` for the kernel (1.0 and 0 when not given), each checked with a one-line error;
    the CUDA trainer (``kernels.cuda.train``) calls it too, so both targets refuse the same input alike."""
    if (X_val is None) != (Y_val is None):
        raise ValueError("X_val and Y_val go together: give both or neither")
    keep = (
        1.0
        if dropout_keep is None
        else _validate.number("dropout_keep", dropout_keep, low=0.0, high=1.0, low_open=True)
    )
    if patience is None:
        return keep, 0
    patience = _validate.positive_int("patience", patience)
    if X_val is None:
        raise ValueError("patience (early stopping) needs a validation set: give X_val and Y_val")
    return keep, patience


def validation_set(mlp: MLP, X_val: np.ndarray, Y_val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(X_val, Y_val)`` checked as the training set is (the network's dtype and width; integer labels
    become one-hot rows), on both targets."""
    X_val = mlp._inputs(X_val)
    return X_val, mlp.targets(Y_val, X_val.shape[0])
