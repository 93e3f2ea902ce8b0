"""The minibatch training loop (report 2.3.4, 3.2, 3.4.1), entirely inside one Numba call."""

from __future__ import annotations

import numpy as np

from kernels._jit import kernel
from kernels.cpu import mlp, optim, regularization
from kernels.cpu import rules as r

SGD, MOMENTUM, NESTEROV, ADAGRAD, RMSPROP, ADAM = range(6)
CODES = {
    "sgd": SGD,
    "momentum": MOMENTUM,
    "nesterov": NESTEROV,
    "adagrad": ADAGRAD,
    "rmsprop": RMSPROP,
    "adam": ADAM,
}


@kernel
def _step(code, w, g, s1, s2, t, lr, beta1, beta2, eps, bc):
    if code == SGD:
        optim.sgd(w, g, lr)
    elif code == MOMENTUM or code == NESTEROV:
        optim.momentum(w, g, s1, lr, beta1)
    elif code == ADAGRAD:
        optim.adagrad(w, g, s1, lr, eps)
    elif code == RMSPROP:
        optim.rmsprop(w, g, s1, lr, beta1, eps)
    else:
        # the bias corrections of kernels.optim: float64 from the betas in the parameters' dtype, then
        # rounded to that dtype by the store
        bc[0] = r.adam_bias_correction(np.float64(beta1), np.float64(t))
        bc[1] = r.adam_bias_correction(np.float64(beta2), np.float64(t))
        optim.adam(w, g, s1, s2, lr, beta1, beta2, eps, bc[0], bc[1])


@kernel
def _add_l2(params, grads, sizes, lam):
    penalty = 0.0
    off = 0
    for layer in range(sizes.size - 1):
        n_w = sizes[layer + 1] * sizes[layer]
        penalty += regularization.l2_penalty(params[off : off + n_w], lam)
        regularization.l2_grad(grads[off : off + n_w], params[off : off + n_w], lam)
        off += n_w + sizes[layer + 1]
    return penalty


@kernel
def train(
    params,
    sizes,
    codes,
    alphas,
    X,
    Y,
    loss_code,
    eps_loss,
    opt_code,
    lr,
    beta1,
    beta2,
    eps,
    l2,
    epochs,
    batch_size,
    seed,
    losses,
):
    """Run ``epochs`` passes of minibatch training on ``(X, Y)``, updating ``params`` in place.

    Each epoch draws a permutation of the rows from Numba's generator seeded once with ``seed``, then for
    each minibatch: gradient of the loss (at the look-ahead point ``w - eta beta v`` for Nesterov), plus
    ``2 lambda W`` for the L2 penalty ``lambda sum W^2`` on the weights (not the biases), then one fused
    optimizer step; Adam's counter ``t`` is incremented before the step. ``losses[e]`` receives the mean
    over epoch ``e`` of the minibatch losses (penalty included), weighted by minibatch size.
    """
    np.random.seed(seed)
    n, n_in = X.shape
    n_out = Y.shape[1]
    width = 0
    total = 0
    for k in range(1, sizes.size):
        width = max(width, sizes[k])
        total += sizes[k]
    zbuf = np.empty(batch_size * total, dtype=params.dtype)
    abuf = np.empty_like(zbuf)
    work1 = np.empty(batch_size * width, dtype=params.dtype)
    work2 = np.empty_like(work1)
    xbuf = np.empty(batch_size * n_in, dtype=X.dtype)
    ybuf = np.empty(batch_size * n_out, dtype=Y.dtype)
    grads = np.zeros_like(params)
    s1 = np.zeros_like(params)
    s2 = np.zeros_like(params)
    ahead = np.empty_like(params)
    bc = np.empty(2, dtype=params.dtype)
    t = 0
    for epoch in range(epochs):
        order = np.random.permutation(n)
        epoch_loss = 0.0
        for start in range(0, n, batch_size):
            rows = min(batch_size, n - start)
            xb = xbuf[: rows * n_in].reshape((rows, n_in))
            yb = ybuf[: rows * n_out].reshape((rows, n_out))
            for i in range(rows):
                xb[i, :] = X[order[start + i], :]
                yb[i, :] = Y[order[start + i], :]
            at = params
            if opt_code == NESTEROV:
                optim.nesterov_lookahead(params, s1, ahead, lr, beta1)
                at = ahead
            loss = mlp.loss_and_grad(
                at, grads, sizes, codes, alphas, xb, yb, loss_code, eps_loss, zbuf, abuf, work1, work2
            )
            if l2 > 0.0:
                loss += _add_l2(at, grads, sizes, l2)
            t += 1
            _step(opt_code, params, grads, s1, s2, t, lr, beta1, beta2, eps, bc)
            epoch_loss += loss * rows
        losses[epoch] = epoch_loss / n
