"""``kernels.train.train`` with dropout, learning curves and early stopping (report 3.4.2, 3.5.3), checked
against an independent NumPy float64 reference written here: the same shuffles and masks (the stream of
Numba's generator, replayed by a small function of this file) give the same losses, accuracies, stopping
epoch and restored weights."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit
from sklearn.datasets import load_digits

from kernels.mlp import MLP
from kernels.train import TrainHistory, train


@njit(cache=True)
def _stream(n, epochs, batch, widths, keep, seed):
    """Replay of the documented draw order: per epoch ``permutation(n)``, then per minibatch, hidden layer
    after hidden layer, ``rows * width`` draws ``random() < keep`` (row-major); none when ``keep == 1``."""
    np.random.seed(seed)
    n_batches = (n + batch - 1) // batch
    perms = np.empty((epochs, n), dtype=np.int64)
    masks = np.ones((epochs, n_batches, batch * widths.sum()))
    for e in range(epochs):
        perms[e, :] = np.random.permutation(n)
        if keep < 1.0:
            for k in range(n_batches):
                rows = min(batch, n - k * batch)
                off = 0
                for w in widths:
                    for i in range(rows * w):
                        masks[e, k, off + i] = 1.0 if np.random.random() < keep else 0.0
                    off += rows * w
    return perms, masks


def _softmax_ce(Z, Y):
    """``-1/B sum y log softmax(z)`` and its gradient ``(softmax(z) - y) / B`` (one-hot rows)."""
    Z = Z - Z.max(axis=1, keepdims=True)
    log_p = Z - np.log(np.exp(Z).sum(axis=1, keepdims=True))
    return -(Y * log_p).sum() / len(Z), (np.exp(log_p) - Y) / len(Z)


def _flat(weights):
    """``[W0, W1, W2, b0, b1, b2]`` in the network's flat layout ``[W0, b0, W1, b1, W2, b2]``."""
    half = len(weights) // 2
    return np.concatenate([w.ravel() for p in zip(weights[:half], weights[half:], strict=True) for w in p])


def _evaluate(Ws, bs, X, Y):
    A = X
    for W, b in zip(Ws[:-1], bs[:-1], strict=True):
        A = np.tanh(A @ W.T + b)
    Z = A @ Ws[-1].T + bs[-1]
    return _softmax_ce(Z, Y)[0], float((Z.argmax(1) == Y.argmax(1)).mean())


def _reference(Ws, bs, X, Y, Xv, Yv, *, lr, l2, epochs, batch, seed, keep, patience):
    """Momentum-free SGD on tanh hidden layers and a linear softmax output, inverted dropout
    ``a * m / keep`` on the hidden layers, L2 ``l2 sum W^2`` on the weights; early stopping on the strictly
    best validation loss. Returns the run's per-epoch arrays, the epochs run, the best epoch and its
    weights."""
    Ws, bs = [W.copy() for W in Ws], [b.copy() for b in bs]
    widths = np.array([W.shape[0] for W in Ws[:-1]], dtype=np.int64)
    perms, masks = _stream(len(X), epochs, batch, widths, keep, seed)
    out = {k: [] for k in ("loss", "train_loss", "train_accuracy", "val_loss", "val_accuracy")}
    best, best_epoch, waited, best_weights = math.inf, -1, 0, None
    for e in range(epochs):
        total = 0.0
        for k, start in enumerate(range(0, len(X), batch)):
            idx = perms[e, start : start + batch]
            xb, yb = X[idx], Y[idx]
            rows, off = len(idx), 0
            acts, drops, ms = [xb], [xb], []
            for W, b in zip(Ws[:-1], bs[:-1], strict=True):
                a = np.tanh(drops[-1] @ W.T + b)
                m = masks[e, k, off : off + rows * W.shape[0]].reshape(rows, W.shape[0])
                off += rows * W.shape[0]
                acts.append(a)
                ms.append(m)
                drops.append(a * m / keep)
            loss, delta = _softmax_ce(drops[-1] @ Ws[-1].T + bs[-1], yb)
            loss += l2 * sum(float((W**2).sum()) for W in Ws)
            grads = []
            for layer in range(len(Ws) - 1, -1, -1):
                grads.append((delta.T @ drops[layer] + 2 * l2 * Ws[layer], delta.sum(0)))
                if layer:
                    delta = (delta @ Ws[layer]) * ms[layer - 1] / keep * (1 - acts[layer] ** 2)
            for (dW, db), W, b in zip(grads[::-1], Ws, bs, strict=True):
                W -= lr * dW
                b -= lr * db
            total += loss * rows
        out["loss"].append(total / len(X))
        for name, (XX, YY) in (("train", (X, Y)), ("val", (Xv, Yv))):
            loss, acc = _evaluate(Ws, bs, XX, YY)
            out[f"{name}_loss"].append(loss)
            out[f"{name}_accuracy"].append(acc)
        if patience:
            if out["val_loss"][-1] < best:
                best, best_epoch, waited = out["val_loss"][-1], e, 0
                best_weights = [W.copy() for W in Ws] + [b.copy() for b in bs]
            else:
                waited += 1
                if waited >= patience:
                    break
    if not patience:
        best_epoch, best_weights = len(out["loss"]) - 1, Ws + bs
    return {k: np.array(v) for k, v in out.items()}, len(out["loss"]), best_epoch, best_weights


@pytest.fixture(scope="module")
def data():
    """60 training rows of digits with 20% of their labels replaced (so the net over-fits quickly), 150
    validation rows."""
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    rng = np.random.default_rng(0)
    y_train = y[:60].copy()
    noisy = rng.random(60) < 0.2
    y_train[noisy] = rng.integers(0, 10, noisy.sum())
    eye = np.eye(10)
    return X[:60].copy(), eye[y_train], X[300:450].copy(), eye[y[300:450]]


def _run(data, *, keep, patience, epochs, l2=0.0, sizes=(64, 24, 16, 10)):
    X, Y, Xv, Yv = data
    net = MLP(list(sizes), ["tanh"] * (len(sizes) - 2) + ["identity"], seed=4)
    Ws, bs = [W.copy() for W in net.W], [b.copy() for b in net.b]
    got = train(
        net, X, Y, optimizer="sgd", hp={"lr": 0.3}, epochs=epochs, batch_size=16, seed=7,
        loss="softmax_cross_entropy", l2=l2, X_val=Xv, Y_val=Yv, dropout_keep=keep, patience=patience,
    )  # fmt: skip
    ref = _reference(
        Ws, bs, X, Y, Xv, Yv, lr=0.3, l2=l2, epochs=epochs, batch=16, seed=7, keep=keep or 1.0,
        patience=patience,
    )  # fmt: skip
    return net, got, ref


@pytest.mark.parametrize("keep", [0.5, 0.8, None])
def test_dropout_losses_and_curves_equal_the_numpy_reference(data, keep):
    """Two tanh hidden layers (24, 16), batches of 16 (the last of 12 rows), 6 epochs, L2 1e-3: every
    per-epoch value within 1e-9 relative of the float64 reference and the weights within 1e-9."""
    net, got, (ref, _, _, weights) = _run(data, keep=keep, patience=None, epochs=6, l2=1e-3)
    assert isinstance(got, TrainHistory)
    assert (got.epochs_run, got.best_epoch, got.stopped_early) == (6, 5, False)
    for name, values in ref.items():
        np.testing.assert_allclose(getattr(got, name), values, rtol=1e-9, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(net.params, _flat(weights), rtol=1e-9, atol=1e-12)


def test_dropout_changes_the_run_and_keep_1_does_not(data):
    """Masks with keep 0.5 change the losses by more than 1e-3; keep 1.0 gives bit for bit the plain run."""
    _, plain, _ = _run(data, keep=None, patience=None, epochs=2)
    _, one, _ = _run(data, keep=1.0, patience=None, epochs=2)
    _, half, _ = _run(data, keep=0.5, patience=None, epochs=2)
    np.testing.assert_array_equal(plain.loss, one.loss)
    assert np.abs(half.loss - plain.loss).max() > 1e-3


@pytest.mark.parametrize("keep", [None, 0.7])
def test_early_stopping_stops_where_the_reference_does_and_restores_its_weights(data, keep):
    """Patience 3 on 60 noisy rows: the reference stops before the 60 epochs (checked, so this test cannot
    pass vacuously); the kernel runs the same number of epochs, names the same best epoch and leaves the
    network at that epoch's weights (1e-9)."""
    net, got, (ref, run, best, weights) = _run(data, keep=keep, patience=3, epochs=60)
    assert run < 60 and best == run - 4, (run, best)
    assert (got.epochs_run, got.best_epoch, got.stopped_early) == (run, best, True)
    np.testing.assert_allclose(got.val_loss, ref["val_loss"], rtol=1e-9)
    np.testing.assert_allclose(net.params, _flat(weights), rtol=1e-9, atol=1e-12)
    assert got.val_loss[best] == got.val_loss.min()


def test_plain_call_keeps_its_array_and_float32_works(data):
    """The old call returns the float64 array of per-epoch losses, equal to ``TrainHistory.loss`` with a
    validation set only (evaluation draws nothing); float32 trains with dropout too."""
    X, Y, Xv, Yv = data
    a, b = MLP([64, 8, 10], ["tanh", "identity"], seed=1), MLP([64, 8, 10], ["tanh", "identity"], seed=1)
    settings = dict(
        optimizer="adam", hp={"lr": 1e-2}, epochs=3, batch_size=16, seed=2, loss="softmax_cross_entropy"
    )
    plain = train(a, X, Y, **settings)
    hist = train(b, X, Y, X_val=Xv, Y_val=Yv, **settings)
    assert isinstance(plain, np.ndarray) and plain.shape == (3,)
    np.testing.assert_array_equal(plain, hist.loss)
    np.testing.assert_array_equal(a.params, b.params)
    c = MLP([64, 8, 10], ["tanh", "identity"], seed=1, dtype=np.float32)
    h32 = train(c, X.astype(np.float32), Y.argmax(1), dropout_keep=0.5, **settings)
    assert np.isnan(h32.val_loss).all() and np.all(np.isfinite(h32.train_loss))
    np.testing.assert_allclose(h32.loss[0], hist.loss[0], rtol=0.2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"dropout_keep": 0.0}, "dropout_keep"),
        ({"dropout_keep": 1.5}, "dropout_keep"),
        ({"patience": 0}, "patience"),
        ({"patience": 2}, "needs a validation set"),
        ({"X_val": np.zeros((3, 64))}, "X_val and Y_val go together"),
        ({"X_val": np.zeros((3, 5)), "Y_val": np.zeros(3, dtype=int)}, "features"),
        ({"dropout_keep": 1.5, "target": "cuda"}, "dropout_keep"),  # checked before dispatch, GPU or not
        ({"patience": 2, "target": "cuda"}, "needs a validation set"),
    ],
)
def test_bad_new_settings_raise_one_line_errors(data, kwargs, message):
    X, Y, _, _ = data
    net = MLP([64, 8, 10], ["tanh", "identity"])
    with pytest.raises((ValueError, TypeError), match=message) as info:
        train(net, X, Y, optimizer="sgd", hp={"lr": 0.1}, epochs=1, batch_size=8, seed=0,
              loss="softmax_cross_entropy", **kwargs)  # fmt: skip
    assert "\n" not in str(info.value)
