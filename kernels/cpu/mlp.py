"""Multi-layer perceptron kernels over flat buffers (report 2.3).

Parameters live in one flat array: for each layer ``l``, ``W_l`` (``sizes[l+1] * sizes[l]`` values,
row-major) then ``b_l`` (``sizes[l+1]``). Gradients use the same layout, so an optimizer step is one pass.
Pre-activations ``Z_l`` and activations ``A_l`` of a batch of ``B`` rows live in the flat work buffers
``zbuf`` and ``abuf`` (``B * sum(sizes[1:])`` values each), layer after layer.
"""

from __future__ import annotations

from kernels._jit import kernel
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
