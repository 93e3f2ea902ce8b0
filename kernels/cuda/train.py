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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import cuda, njit

from kernels.cuda import _arrays, config, layers, losses, optim, regularization
from kernels.cuda import activations as _acts


@njit(cache=True)
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
    """Per-layer device buffers sized for the largest batch; shorter batches use leading-row views."""

    def __init__(self, net: DeviceNet, batch: int) -> None:
        dtype = net.params.dtype
        self.z = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in net.shapes]
        self.a = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in net.shapes]
        self.delta = [cuda.device_array((batch, n_out), dtype=dtype) for n_out, _ in net.shapes]
        self.da = [cuda.device_array((batch, n_in), dtype=dtype) for _, n_in in net.shapes]


def _forward_backward(net: DeviceNet, buf, ws: _Workspace, x, y, loss: str, total, weight: float, l2: float):
    """Gradients of the batch loss (plus ``l2 sum W^2``) into ``net.grads`` at the parameters ``buf``; adds
    ``weight *`` the batch loss to ``total[0]``."""
    rows = x.shape[0]
    params = net.views(buf)
    grads = net.views(net.grads)
    a_prev = x
    for l, (W, b) in enumerate(params):
        z, a = ws.z[l][:rows], ws.a[l][:rows]
        layers.gemm(a_prev, W, z, trans_b=True, bias=b)
        layers.apply_activation(net.activations[l], z, a, **net.act_hp(l))
        a_prev = a
    last = len(params) - 1
    dA = ws.delta[last][:rows]
    loss_scale, grad_scale = losses.scales(loss, (rows, y.shape[1]))
    losses.loss_into(loss, a_prev, y, dA, total, loss_scale * weight, grad_scale)
    for l in range(last, -1, -1):
        delta = ws.delta[l][:rows]
        _acts.chain(net.activations[l], dA, ws.z[l][:rows], delta, **net.act_hp(l))
        dW, db = grads[l]
        a_in = x if l == 0 else ws.a[l - 1][:rows]
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

    def __init__(self, net: DeviceNet, *, optimizer: str, hp: dict, loss: str, max_batch: int) -> None:
        if loss not in losses.NAMES:
            raise ValueError(f"unknown loss {loss!r}; expected one of {', '.join(losses.NAMES)}")
        if "softmax" in net.activations:
            raise ValueError("train the logits (activation 'identity') with loss='softmax_cross_entropy'")
        self.net, self.optimizer, self.loss = net, optimizer, loss
        self.opt_hp = {k: v for k, v in hp.items() if k != "l2"}
        self.l2 = float(hp.get("l2", 0.0))
        self.state = optim.init_state(optimizer, net.params)
        self.ws = _Workspace(net, max_batch)
        self.ahead = cuda.device_array_like(net.params) if optimizer == "nesterov" else None

    def step(self, x, y, total=None, weight: float = 1.0):
        """One minibatch step from device arrays ``x`` ``(rows, n_in)`` and ``y`` ``(rows, n_out)``: the
        gradient at the parameters (at the look-ahead point for Nesterov), the L2 term, then ONE fused
        optimizer kernel over the flat parameters. Adds ``weight *`` the batch loss (before the update) to
        ``total[0]`` and returns ``total`` (a new 1-element float64 device array when ``None``)."""
        if total is None:
            total = cuda.to_device(np.zeros(1, dtype=np.float64))
        buf = self.net.params
        if self.ahead is not None:
            optim.nesterov_lookahead(self.net.params, self.state, out=self.ahead, **self.opt_hp)
            buf = self.ahead
        _forward_backward(self.net, buf, self.ws, x, y, self.loss, total, weight, self.l2)
        optim.step(self.optimizer, self.net.params, self.net.grads, self.state, **self.opt_hp)
        return total


def _device_data(A, dtype, name: str):
    if _arrays.is_device(A):
        return _arrays.to_device(A, name)
    return _arrays.to_device(np.asarray(A, dtype=dtype), name)


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
    """Train ``net`` in place on the device; returns the per-epoch losses (float64, length ``epochs``)."""
    if int(batch_size) < 1 or int(epochs) < 0:
        raise ValueError(f"batch_size must be >= 1 and epochs >= 0, got {batch_size}, {epochs}")
    dtype = net.params.dtype
    if loss == "softmax_cross_entropy" and not _arrays.is_device(Y) and np.asarray(Y).ndim == 1:
        Y = losses.one_hot(Y, net.shapes[-1][0], dtype)
    Xd, Yd = _device_data(X, dtype, "X"), _device_data(Y, dtype, "Y")
    n = Xd.shape[0]
    if Xd.ndim != 2 or Xd.shape[1] != net.shapes[0][1] or tuple(Yd.shape) != (n, net.shapes[-1][0]):
        raise ValueError(
            f"X {tuple(Xd.shape)} / Y {tuple(Yd.shape)} do not fit a network "
            f"{net.shapes[0][1]} -> {net.shapes[-1][0]}"
        )
    batch = min(int(batch_size), n)
    trainer = DeviceTrainer(net, optimizer=optimizer, hp=hp, loss=loss, max_batch=batch)
    xb = cuda.device_array((batch, Xd.shape[1]), dtype=dtype)
    yb = cuda.device_array((batch, Yd.shape[1]), dtype=dtype)
    totals = cuda.to_device(np.zeros(max(epochs, 1), dtype=np.float64))
    orders = permutations(n, epochs, seed)
    tpb = config.THREADS_PER_BLOCK
    for e in range(epochs):
        idx = cuda.to_device(orders[e])
        for start in range(0, n, batch):
            rows = min(batch, n - start)
            gather_rows[config.blocks_for(rows * Xd.shape[1]), tpb](Xd, idx, start, xb[:rows])
            gather_rows[config.blocks_for(rows * Yd.shape[1]), tpb](Yd, idx, start, yb[:rows])
            trainer.step(xb[:rows], yb[:rows], totals[e : e + 1], rows / n)
    return totals.copy_to_host()[:epochs]


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
) -> np.ndarray:
    """Train ``mlp`` (per-layer ``W``, ``b`` and ``activations``, optional ``alphas``, as ``kernels.mlp.MLP``)
    on the GPU and write the trained weights back into ``mlp.W[l]``, ``mlp.b[l]`` in place; returns the
    per-epoch losses. Host targets go through ``mlp.targets`` when it exists (integer labels become
    one-hot rows, as on the CPU). Every setting is checked first by ``kernels.train.check_settings``, as on
    the CPU. Dropout, validation curves and early stopping (``X_val``, ``Y_val``, ``dropout_keep``,
    ``patience``) are CPU-only so far: giving any raises a one-line ``ValueError``."""
    from kernels.train import check_settings

    if any(v is not None for v in (X_val, Y_val, dropout_keep, patience)):
        raise ValueError(
            "target='cuda' does not take X_val, Y_val, dropout_keep or patience yet; train on the CPU"
        )

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
    net = DeviceNet.from_host(mlp.W, mlp.b, mlp.activations, getattr(mlp, "alphas", None))
    if hasattr(mlp, "targets") and not _arrays.is_device(Y):
        Y = mlp.targets(Y, np.shape(X)[0])
    out = train_net(
        net, X, Y, optimizer=optimizer, hp=hp, epochs=epochs, batch_size=batch_size, seed=seed, loss=loss
    )
    for (W, b), (W_new, b_new) in zip(zip(mlp.W, mlp.b, strict=True), net.to_host(), strict=True):
        W[...] = W_new
        b[...] = b_new
    return out


__all__ = ["DeviceNet", "DeviceTrainer", "permutations", "train", "train_net"]
