"""Minibatch training on the GPU (report 3.2, Algorithm of SGD): parameters, gradients, optimizer state and
the whole data set stay on the device; each step gathers its batch rows there, runs the forward pass, the
loss, the backward pass and ONE fused optimizer kernel over the flat parameter vector. The host only
uploads the row permutations (one small copy per epoch) and reads the per-epoch losses back once.

Conventions, those of the CPU loop ``kernels.cpu.train`` so that both give the same weights: the rows are
shuffled by Numba's generator seeded once with ``seed`` (``np.random.permutation(n)`` per epoch); the
batches are consecutive slices of the permutation, the last one possibly shorter; the optional L2 penalty
``hp["l2"] * sum W^2`` covers the weights, not the biases; Nesterov takes the gradient (and the penalty)
at the look-ahead point ``w - eta beta v``; an epoch's loss is the mean of its batch losses weighted by
batch size, each computed before that batch's update.

Dropout, learning curves and early stopping follow ``kernels.cpu.train.train_history`` (report 3.4.2,
3.5.3): the dropout masks are the CPU's very masks, drawn on the host from the same Numba generator right
after each epoch's permutation (batches in order, hidden layers in order, row-major; nothing drawn when
``keep == 1``), uploaded once per epoch as bytes and applied on the device by the rule ``h m / p``. The
per-epoch evaluation (no dropout, no penalty) runs on the device in chunks of the batch size; only its
loss and correct-row count come back to the host, which decides early stopping and keeps the best weights
in a device copy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import cuda

from kernels._jit import kernel
from kernels.cuda import _arrays, config, device, layers, losses, optim, regularization
from kernels.cuda import activations as _acts


@kernel
def _permutations(n, epochs, seed):
    np.random.seed(seed)
    out = np.empty((epochs, n), dtype=np.int64)
    for e in range(epochs):
        out[e, :] = np.random.permutation(n)
    return out


def permutations(n: int, epochs: int, seed: int) -> np.ndarray:
    """The rows of each epoch, ``(epochs, n)``: the stream of ``kernels.cpu.train`` (Numba's generator,
    which is not NumPy's), drawn on the host."""
    return _permutations(n, epochs, seed)


@kernel
def _seed_stream(seed):
    np.random.seed(seed)


@kernel
def _epoch_stream(n, batch, hidden, keep, masks):
    order = np.random.permutation(n)
    if keep < 1.0:
        pos = 0
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            for k in range(hidden.size):
                for _ in range(rows * hidden[k]):
                    masks[pos] = 1 if np.random.random() < keep else 0
                    pos += 1
    return order


def epoch_stream(n: int, epochs: int, seed: int, batch: int, hidden: np.ndarray, keep):
    """Per epoch, ``(order, masks)``: the draws of ``kernels.cpu.train.train_history`` from Numba's
    generator seeded once with ``seed`` (the permutation of the ``n`` rows, then, when ``keep < 1``, the
    mask of every batch of ``batch`` rows, hidden layers of widths ``hidden`` in order, row-major, 1 where
    ``random() < keep``), drawn on the host one epoch at a time. ``masks`` (uint8, ``n * sum(hidden)``
    values, batch ``start`` at ``start * sum(hidden)``) is one buffer refilled each epoch. ``keep`` must
    have the network's dtype, as on the CPU, for the same comparisons. Numba's generator state lives in
    the thread, so nothing else may draw from it in this thread while the epochs are consumed."""
    masks = np.zeros(n * int(hidden.sum()) if keep < 1.0 else 0, dtype=np.uint8)
    _seed_stream(np.uint32(seed))
    for _ in range(epochs):
        yield _epoch_stream(n, batch, hidden, keep, masks), masks


@cuda.jit
def dropout_rows(h, mask, off, p, one, out):
    """``out[r, c] = h[r, c] m / p`` (inverted dropout, 3.4.2 eq. 3.6) with ``m = 1`` where the byte
    ``mask[off + r * cols + c]`` is set, else 0 (``one`` gives the dtype); ``out`` may be ``h``."""
    n_cols = h.shape[1]
    for t in range(cuda.grid(1), h.shape[0] * n_cols, cuda.gridsize(1)):
        r = t // n_cols
        c = t - r * n_cols
        m = one if mask[off + t] != 0 else one - one
        out[r, c] = device.dropout_rule(h[r, c], m, p)


@cuda.jit(device=True)
def _argmax_row(a, i):
    """``np.argmax(a[i, :])``: the first largest entry, or the first NaN."""
    best = 0
    v = a[i, 0]
    if v != v:
        return 0
    for j in range(1, a.shape[1]):
        w = a[i, j]
        if w != w:
            return j
        if w > v:
            best = j
            v = w
    return best


@cuda.jit
def count_correct(out, y, correct):
    """``correct[0] +=`` the rows where ``argmax out == argmax y`` (several outputs) or
    ``(out >= 0.5) == (y >= 0.5)`` (one output), as ``kernels.cpu.train.evaluate`` counts them."""
    for i in range(cuda.grid(1), out.shape[0], cuda.gridsize(1)):
        if out.shape[1] == 1:
            ok = (out[i, 0] >= 0.5) == (y[i, 0] >= 0.5)
        else:
            ok = _argmax_row(out, i) == _argmax_row(y, i)
        if ok:
            cuda.atomic.add(correct, 0, 1)


@cuda.jit
def gather_rows(src, idx, start, out):
    """``out[r, :] = src[idx[start + r], :]`` for the rows of ``out``."""
    n_cols = src.shape[1]
    for t in range(cuda.grid(1), out.shape[0] * n_cols, cuda.gridsize(1)):
        r = t // n_cols
        c = t - r * n_cols
        out[r, c] = src[idx[start + r], c]


@dataclass
class DeviceNet:
    """A dense network laid out in one flat device vector: ``[W0, b0, W1, b1, ...]`` (row-major ``W``)."""

    shapes: list[tuple[int, int]]
    activations: tuple[str, ...]
    params: object
    grads: object
    alphas: tuple[dict, ...] = ()

    def act_hp(self, layer: int) -> dict:
        """Hyperparameters of layer ``layer``'s activation (``{"alpha": ...}`` or ``{}``)."""
        return self.alphas[layer] if self.alphas else {}

    @classmethod
    def from_host(cls, Ws, bs, activations, alphas=None) -> DeviceNet:
        Ws = [np.ascontiguousarray(W) for W in Ws]
        flat = np.concatenate(
            [np.concatenate([W.ravel(), np.asarray(b).ravel()]) for W, b in zip(Ws, bs, strict=True)]
        )
        params = cuda.to_device(flat)
        grads = cuda.device_array_like(params)
        hps = tuple(
            {"alpha": float(alphas[l] if alphas is not None else _acts.DEFAULT_ALPHA[name])}
            if name in _acts.DEFAULT_ALPHA
            else {}
            for l, name in enumerate(activations)
        )
        return cls([tuple(W.shape) for W in Ws], tuple(activations), params, grads, hps)

    def views(self, buf) -> list[tuple[object, object]]:
        """Per-layer ``(W, b)`` views into the flat vector ``buf`` (a device or a NumPy array)."""
        out, off = [], 0
        for n_out, n_in in self.shapes:
            W = buf[off : off + n_out * n_in].reshape((n_out, n_in))
            off += n_out * n_in
            out.append((W, buf[off : off + n_out]))
            off += n_out
        return out

    def to_host(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(W.copy(), b.copy()) for W, b in self.views(self.params.copy_to_host())]


class _Workspace:
    """Per-layer device buffers sized for the largest batch; shorter batches use leading-row views
    (``d``: the dropped-out hidden activations, only when training with dropout)."""

    def __init__(self, net: DeviceNet, batch: int, dropout: bool = False) -> None:
        dtype = net.params.dtype
        self.z = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in net.shapes]
        self.a = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in net.shapes]
        self.delta = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in net.shapes]
        self.da = [cuda.device_array((batch, n_in), dtype=dtype) for _, n_in in net.shapes]
        hidden = net.shapes[:-1] if dropout else []
        self.d = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in hidden]


@dataclass
class Dropout:
    """The masks of one batch: hidden layer ``l``'s ``(rows, width)`` mask is the bytes of ``mask`` (a
    device uint8 vector) from ``offsets[l]``, row-major; ``keep`` (the network's dtype) is ``p``."""

    mask: object
    offsets: list[int]
    keep: object

    def apply(self, layer: int, h, out) -> None:
        """``out = h m / p`` with hidden layer ``layer``'s mask (``out`` may be ``h``)."""
        n = h.shape[0] * h.shape[1]
        one = h.dtype.type(1)
        dropout_rows[config.blocks_for(n), config.THREADS_PER_BLOCK](
            h, self.mask, self.offsets[layer], self.keep, one, out
        )


def _forward(net: DeviceNet, buf, ws: _Workspace, x, drop: Dropout | None = None):
    """The output ``A_L`` (a view of ``ws.a[-1]``) of the parameters ``buf`` on the device batch ``x``, each
    hidden layer's ``A_l`` dropped out into ``ws.d[l]`` and fed on when ``drop`` is given."""
    rows = x.shape[0]
    params = net.views(buf)
    a_prev = x
    for l, (W, b) in enumerate(params):
        z, a = ws.z[l][:rows], ws.a[l][:rows]
        layers.gemm(a_prev, W, z, trans_b=True, bias=b)
        layers.apply_activation(net.activations[l], z, a, **net.act_hp(l))
        a_prev = a
        if drop is not None and l < len(params) - 1:
            a_prev = ws.d[l][:rows]
            drop.apply(l, a, a_prev)
    return a_prev


def _forward_backward(
    net: DeviceNet,
    buf,
    ws: _Workspace,
    x,
    y,
    loss: str,
    total,
    weight: float,
    l2: float,
    drop: Dropout | None = None,
):
    """Gradients of the batch loss (plus ``l2 sum W^2``) into ``net.grads`` at the parameters ``buf``; adds
    ``weight *`` the batch loss to ``total[0]``. With ``drop`` (``kernels.cpu.train.loss_and_grad_dropout``):
    ``D_l = A_l M_l / p`` feeds layer ``l + 1``, ``dJ/dA_l = (dJ/dD_l) M_l / p``,
    ``dW_{l+1} = delta_{l+1}^T D_l``."""
    rows = x.shape[0]
    params = net.views(buf)
    grads = net.views(net.grads)
    out = _forward(net, buf, ws, x, drop)
    last = len(params) - 1
    dA = ws.delta[last][:rows]
    loss_scale, grad_scale = losses.scales(loss, (rows, y.shape[1]))
    losses.loss_into(loss, out, y, dA, total, loss_scale * weight, grad_scale)
    hidden = ws.d if drop is not None else ws.a
    for l in range(last, -1, -1):
        delta = ws.delta[l][:rows]
        if drop is not None and l < last:
            drop.apply(l, dA, dA)
        _acts.chain(net.activations[l], dA, ws.z[l][:rows], delta, **net.act_hp(l))
        dW, db = grads[l]
        a_in = x if l == 0 else hidden[l - 1][:rows]
        layers.gemm(delta, a_in, dW, trans_a=True)
        layers.column_sums[config.blocks_for(db.size), config.THREADS_PER_BLOCK](delta, db)
        if l > 0:
            dA = ws.da[l][:rows]
            layers.gemm(delta, params[l][0], dA)
    if l2 > 0.0:
        for (W, _), (dW, _) in zip(params, grads, strict=True):
            regularization.l2_penalty_into(W, l2 * weight, total)
            regularization.l2_grad(dW, W, l2)


class DeviceTrainer:
    """The training state of one :class:`DeviceNet` on the device: optimizer state, work buffers for
    batches of up to ``max_batch`` rows, and :meth:`step`.

    ``hp`` holds the keyword hyperparameters of ``kernels.cuda.optim.<optimizer>_step`` and optionally
    ``l2``, the weight of the L2 penalty on the weight matrices."""

    def __init__(
        self, net: DeviceNet, *, optimizer: str, hp: dict, loss: str, max_batch: int, dropout: bool = False
    ) -> None:
        if loss not in losses.NAMES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(losses.NAMES)}")
        if "softmax" in net.activations:
            raise ValueError("train the logits (activation 'identity') with loss='softmax_cross_entropy'")
        self.net, self.optimizer, self.loss = net, optimizer, loss
        self.opt_hp = {k: v for k, v in hp.items() if k != "l2"}
        self.l2 = float(hp.get("l2", 0.0))
        self.state = optim.init_state(optimizer, net.params)
        self.ws = _Workspace(net, max_batch, dropout)
        self.ahead = cuda.device_array_like(net.params) if optimizer == "nesterov" else None

    def step(self, x, y, total=None, weight: float = 1.0, drop: Dropout | None = None):
        """One minibatch step from device arrays ``x`` ``(rows, n_in)`` and ``y`` ``(rows, n_out)``: the
        gradient at the parameters (at the look-ahead point for Nesterov; through the masks of ``drop``
        when given, which needs ``dropout=True``), the L2 term, then ONE fused optimizer kernel over the
        flat parameters. Adds ``weight *`` the batch loss (before the update) to ``total[0]`` and returns
        ``total`` (a new 1-element float64 device array when ``None``)."""
        if total is None:
            total = cuda.to_device(np.zeros(1, dtype=np.float64))
        buf = self.net.params
        if self.ahead is not None:
            optim.nesterov_lookahead(self.net.params, self.state, out=self.ahead, **self.opt_hp)
            buf = self.ahead
        _forward_backward(self.net, buf, self.ws, x, y, self.loss, total, weight, self.l2, drop)
        optim.step(self.optimizer, self.net.params, self.net.grads, self.state, **self.opt_hp)
        return total


def _device_data(A, dtype, name: str):
    if _arrays.is_device(A):
        return _arrays.to_device(A, name)
    return _arrays.to_device(np.asarray(A, dtype=dtype), name)


@dataclass
class History:
    """What :func:`train_history` returns: ``loss`` (per epoch, as trained), ``stats`` (``(epochs run, 4)``:
    training loss and accuracy, validation loss and accuracy after each epoch; NaN where not evaluated),
    ``epochs_run`` and ``best_epoch`` (0-based), as ``kernels.cpu.train.train_history``."""

    loss: np.ndarray
    stats: np.ndarray
    epochs_run: int
    best_epoch: int


def _fitting(net: DeviceNet, X, Y, names: tuple[str, str]):
    """``(X, Y)`` on the device in the network's dtype, checked against its input and output widths."""
    dtype = net.params.dtype
    Xd, Yd = _device_data(X, dtype, names[0]), _device_data(Y, dtype, names[1])
    n = Xd.shape[0]
    if Xd.ndim != 2 or Xd.shape[1] != net.shapes[0][1] or tuple(Yd.shape) != (n, net.shapes[-1][0]):
        raise ValueError(
            f"{names[0]} {tuple(Xd.shape)} / {names[1]} {tuple(Yd.shape)} do not fit a network "
            f"{net.shapes[0][1]} -> {net.shapes[-1][0]}"
        )
    return Xd, Yd


def evaluate(net: DeviceNet, ws: _Workspace, X, Y, loss: str) -> tuple[float, float]:
    """``(mean loss, accuracy)`` of the network without dropout on the device arrays ``(X, Y)``, in chunks of
    the workspace's rows, as ``kernels.cpu.train.evaluate`` (no penalty; each chunk's loss weighted by its
    rows; accuracy by ``count_correct``). Only the two sums come back to the host."""
    n, chunk = X.shape[0], ws.z[0].shape[0]
    total = cuda.to_device(np.zeros(1, dtype=np.float64))
    correct = cuda.to_device(np.zeros(1, dtype=np.int64))
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        x, y = X[start : start + rows], Y[start : start + rows]
        out = _forward(net, net.params, ws, x)
        loss_scale, grad_scale = losses.scales(loss, (rows, y.shape[1]))
        losses.loss_into(loss, out, y, ws.delta[-1][:rows], total, loss_scale * rows / n, grad_scale)
        count_correct[config.blocks_for(rows), config.THREADS_PER_BLOCK](out, y, correct)
    return float(total.copy_to_host()[0]), int(correct.copy_to_host()[0]) / n


def train_history(
    net: DeviceNet,
    X,
    Y,
    *,
    optimizer: str,
    hp: dict,
    epochs: int,
    batch_size: int,
    seed: int,
    loss: str = "quadratic",
    X_val=None,
    Y_val=None,
    keep: float = 1.0,
    patience: int = 0,
    evaluate_each: bool = True,
) -> History:
    """Train ``net`` in place on the device as ``kernels.cpu.train.train_history`` does: the same rows and
    dropout masks (:func:`epoch_stream`; ``keep`` rounded to the network's dtype, dropout only below 1),
    ``(training loss, accuracy, validation loss, accuracy)`` of :func:`evaluate` after each epoch when
    ``evaluate_each``, and with ``patience > 0`` and a validation set, a stop after ``patience`` epochs in
    a row without a validation loss strictly below the best, the best epoch's weights restored on the
    device (also when the epochs run out)."""
    if int(batch_size) < 1 or int(epochs) < 0:
        raise ValueError(f"batch_size must be >= 1 and epochs >= 0, got {batch_size}, {epochs}")
    dtype = net.params.dtype
    if loss == "softmax_cross_entropy":
        Y, Y_val = (
            losses.one_hot(T, net.shapes[-1][0], dtype)
            if T is not None and not _arrays.is_device(T) and np.asarray(T).ndim == 1
            else T
            for T in (Y, Y_val)
        )
    Xd, Yd = _fitting(net, X, Y, ("X", "Y"))
    Xv = Yv = None
    if X_val is not None:
        Xv, Yv = _fitting(net, X_val, Y_val, ("X_val", "Y_val"))
    n = Xd.shape[0]
    batch = min(int(batch_size), n)
    keep = dtype.type(keep)
    dropping = bool(keep < 1.0)
    trainer = DeviceTrainer(net, optimizer=optimizer, hp=hp, loss=loss, max_batch=batch, dropout=dropping)
    xb = cuda.device_array((batch, Xd.shape[1]), dtype=dtype)
    yb = cuda.device_array((batch, Yd.shape[1]), dtype=dtype)
    totals = cuda.to_device(np.zeros(max(epochs, 1), dtype=np.float64))
    stats = np.full((epochs, 4), np.nan)
    hidden = np.array([n_out for n_out, _ in net.shapes[:-1]], dtype=np.int64)
    before = np.concatenate([[0], np.cumsum(hidden)])  # mask bytes of a batch row before each hidden layer
    mask = cuda.device_array(n * int(before[-1]) if dropping else 1, dtype=np.uint8)
    stopping = patience > 0 and Xv is not None and Xv.shape[0] > 0
    best = cuda.device_array_like(net.params) if stopping else None
    best_loss, best_epoch, waited, run = np.inf, -1, 0, 0
    tpb = config.THREADS_PER_BLOCK
    for e, (order, masks) in enumerate(epoch_stream(n, epochs, seed, batch, hidden, keep)):
        idx = cuda.to_device(order)
        if dropping:
            mask.copy_to_device(masks)
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            gather_rows[config.blocks_for(rows * Xd.shape[1]), tpb](Xd, idx, start, xb[:rows])
            gather_rows[config.blocks_for(rows * Yd.shape[1]), tpb](Yd, idx, start, yb[:rows])
            drop = None
            if dropping:
                drop = Dropout(mask, [int(start * before[-1] + rows * b) for b in before[:-1]], keep)
            trainer.step(xb[:rows], yb[:rows], totals[e : e + 1], rows / n, drop)
        run = e + 1
        if evaluate_each:
            stats[e, :2] = evaluate(net, trainer.ws, Xd, Yd, loss)
            if Xv is not None and Xv.shape[0] > 0:
                stats[e, 2:] = evaluate(net, trainer.ws, Xv, Yv, loss)
        if stopping:
            if stats[e, 2] < best_loss:
                best_loss, best_epoch, waited = stats[e, 2], e, 0
                best.copy_to_device(net.params)
            else:
                waited += 1
                if waited >= patience:
                    break
    if stopping:
        net.params.copy_to_device(best)
    else:
        best_epoch = run - 1
    return History(totals.copy_to_host()[:run], stats[:run], run, best_epoch)


def train_net(
    net: DeviceNet,
    X,
    Y,
    *,
    optimizer: str,
    hp: dict,
    epochs: int,
    batch_size: int,
    seed: int,
    loss: str = "quadratic",
) -> np.ndarray:
    """Train ``net`` in place on the device; returns the per-epoch losses (float64, length ``epochs``):
    :func:`train_history` without dropout, evaluation or early stopping."""
    return train_history(
        net,
        X,
        Y,
        optimizer=optimizer,
        hp=hp,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        loss=loss,
        evaluate_each=False,
    ).loss


def train(
    mlp,
    X,
    Y,
    *,
    optimizer: str,
    hp: dict,
    epochs: int,
    batch_size: int,
    seed: int,
    loss: str = "quadratic",
    X_val=None,
    Y_val=None,
    dropout_keep: float | None = None,
    patience: int | None = None,
):
    """Train ``mlp`` (per-layer ``W``, ``b`` and ``activations``, optional ``alphas``, as ``kernels.mlp.MLP``)
    on the GPU and write the trained weights back into ``mlp.W[l]``, ``mlp.b[l]`` in place; returns the
    per-epoch losses, or a ``kernels.train.TrainHistory`` when any of ``X_val``/``Y_val``,
    ``dropout_keep``, ``patience`` is given (their meaning is ``kernels.train.train``'s). Host targets go
    through ``mlp.targets`` when it exists (integer labels become one-hot rows, as on the CPU), and a host
    validation set of a ``kernels.mlp.MLP`` through ``kernels.train.validation_set``. Every setting is
    checked first by ``kernels.train.check_settings`` and ``check_history_settings``, as on the CPU."""
    from kernels.train import TrainHistory, check_history_settings, check_settings, validation_set

    opt_hp = {k: v for k, v in hp.items() if k != "l2"} if isinstance(hp, dict) else hp
    check_settings(
        mlp,
        optimizer=optimizer,
        hp=opt_hp,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        loss=loss,
        l2=hp.get("l2", 0.0) if isinstance(hp, dict) else 0.0,
    )
    history = any(v is not None for v in (X_val, Y_val, dropout_keep, patience))
    keep, patience = check_history_settings(X_val, Y_val, dropout_keep, patience)
    on_host = X_val is not None and not (_arrays.is_device(X_val) or _arrays.is_device(Y_val))
    if on_host and hasattr(mlp, "_inputs") and hasattr(mlp, "targets"):
        X_val, Y_val = validation_set(mlp, X_val, Y_val)
    net = DeviceNet.from_host(mlp.W, mlp.b, mlp.activations, getattr(mlp, "alphas", None))
    if hasattr(mlp, "targets") and not _arrays.is_device(Y):
        Y = mlp.targets(Y, np.shape(X)[0])
    run = train_history(
        net,
        X,
        Y,
        optimizer=optimizer,
        hp=hp,
        epochs=epochs,
        batch_size=batch_size,
        seed=seed,
        loss=loss,
        X_val=X_val,
        Y_val=Y_val,
        keep=keep,
        patience=patience,
        evaluate_each=history,
    )
    for (W, b), (W_new, b_new) in zip(zip(mlp.W, mlp.b, strict=True), net.to_host(), strict=True):
        W[...] = W_new
        b[...] = b_new
    if not history:
        return run.loss
    return TrainHistory(
        loss=run.loss.copy(),
        train_loss=run.stats[:, 0].copy(),
        train_accuracy=run.stats[:, 1].copy(),
        val_loss=run.stats[:, 2].copy(),
        val_accuracy=run.stats[:, 3].copy(),
        epochs_run=run.epochs_run,
        best_epoch=run.best_epoch,
        stopped_early=run.epochs_run < epochs,
    )


__all__ = [
    "DeviceNet",
    "DeviceTrainer",
    "Dropout",
    "History",
    "epoch_stream",
    "evaluate",
    "permutations",
    "train",
    "train_history",
    "train_net",
]
