"""The minibatch training loop (report 2.3.4, 3.2, 3.4.1), entirely inside one Numba call."""

from __future__ import annotations

import numpy as np

from kernels._jit import kernel
from kernels.cpu import activations, layers, losses, mlp, optim, regularization
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
def _gather(X, Y, order, start, xb, yb):
    """Rows ``order[start + i]`` of ``X`` and ``Y`` into row ``i`` of the minibatch buffers ``xb``, ``yb``.
    Element loops: a slice assignment per row (``xb[i, :] = X[k, :]``) cost 1.3 us per 32-row batch of
    the 64-32-10 net, about 20 ns per row and array for the views and the broadcast checks
    (``benchmarks/small_net_breakdown.py``)."""
    for i in range(xb.shape[0]):
        k = order[start + i]
        for j in range(xb.shape[1]):
            xb[i, j] = X[k, j]
        for j in range(yb.shape[1]):
            yb[i, j] = Y[k, j]


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
def _hidden_dropout(a, mask, dropped, keep):
    """Draw ``mask`` (1 with probability ``keep``, row-major, from Numba's generator) and write the inverted
    dropout ``dropped = a mask / keep`` (3.4.2, eq. 3.6)."""
    for i in range(a.shape[0]):
        for j in range(a.shape[1]):
            mask[i, j] = 1.0 if np.random.random() < keep else 0.0
            dropped[i, j] = r.dropout_rule(a[i, j], mask[i, j], keep)


@kernel
def loss_and_grad_dropout(
    params, grads, sizes, codes, alphas, X, Y, loss_code, eps, keep, zbuf, abuf, dbuf, mbuf, work1, work2
):
    """Loss and gradient of the batch ``(X, Y)`` with inverted dropout (keep probability ``keep``) on every
    hidden layer: ``A_l = f_l(Z_l)``, ``D_l = A_l M_l / keep`` feeds layer ``l + 1`` (``M_l`` drawn here,
    row-major, hidden layers in order); no dropout on the input or the output. Backward:
    ``dJ/dA_l = (dJ/dD_l) M_l / keep``, then ``delta_l = dJ/dA_l f_l'(Z_l)`` with the undropped ``A_l``,
    ``dW_{l+1} = delta_{l+1}^T D_l``. ``dbuf`` and ``mbuf`` have ``zbuf``'s layout."""
    batch = X.shape[0]
    last = sizes.size - 2
    a_in = X
    for layer in range(last):
        W, b = mlp._weights(params, sizes, layer)
        a = mlp._batch_view(abuf, sizes, layer, batch)
        layers.dense_forward(
            a_in, W, b, codes[layer], alphas[layer], mlp._batch_view(zbuf, sizes, layer, batch), a
        )
        d = mlp._batch_view(dbuf, sizes, layer, batch)
        _hidden_dropout(a, mlp._batch_view(mbuf, sizes, layer, batch), d, keep)
        a_in = d
    W, b = mlp._weights(params, sizes, last)
    out = mlp._batch_view(abuf, sizes, last, batch)
    layers.dense_forward(
        a_in, W, b, codes[last], alphas[last], mlp._batch_view(zbuf, sizes, last, batch), out
    )
    n_out = out.shape[1]
    loss = losses.loss_and_grad(loss_code, out, Y, work1[: batch * n_out].reshape((batch, n_out)), eps)
    current, spare = work1, work2
    for layer in range(last, -1, -1):
        n = sizes[layer + 1]
        delta = current[: batch * n].reshape((batch, n))
        if layer < last:
            m = mlp._batch_view(mbuf, sizes, layer, batch)
            for i in range(batch):
                for j in range(n):
                    delta[i, j] = r.dropout_rule(delta[i, j], m[i, j], keep)
        z = mlp._batch_view(zbuf, sizes, layer, batch)
        a = mlp._batch_view(abuf, sizes, layer, batch)
        activations.backward2d(codes[layer], z, a, delta, delta, alphas[layer])
        W, _ = mlp._weights(params, sizes, layer)
        dW, db = mlp._weights(grads, sizes, layer)
        if layer == 0:
            layers.dense_backward_params(delta, X, dW, db)
        else:
            layers.dense_backward_params(delta, mlp._batch_view(dbuf, sizes, layer - 1, batch), dW, db)
            n_prev = sizes[layer]
            layers.dense_backward_input(delta, W, spare[: batch * n_prev].reshape((batch, n_prev)))
            current, spare = spare, current
    return loss


@kernel
def evaluate(params, sizes, codes, alphas, X, Y, loss_code, eps, xbuf, ybuf, zbuf, abuf, work1):
    """``(mean loss, accuracy)`` of the network without dropout on ``(X, Y)``, in chunks of the buffers'
    batch (the loss without any penalty, weighted by chunk size). A row is correct when
    ``argmax_j A_L[i, j] == argmax_j Y[i, j]`` (several outputs) or ``(A_L[i, 0] >= 0.5) == (Y[i, 0] >= 0.5)``
    (one output)."""
    n, n_in = X.shape
    n_out = Y.shape[1]
    chunk = xbuf.size // n_in
    total = 0.0
    correct = 0
    for start in range(0, n, chunk):
        rows = min(chunk, n - start)
        xb = xbuf[: rows * n_in].reshape((rows, n_in))
        yb = ybuf[: rows * n_out].reshape((rows, n_out))
        for i in range(rows):
            for j in range(n_in):
                xb[i, j] = X[start + i, j]
            for j in range(n_out):
                yb[i, j] = Y[start + i, j]
        out = mlp.forward(params, sizes, codes, alphas, xb, zbuf, abuf)
        total += (
            losses.loss_and_grad(loss_code, out, yb, work1[: rows * n_out].reshape((rows, n_out)), eps) * rows
        )
        for i in range(rows):
            if n_out == 1:
                correct += (out[i, 0] >= 0.5) == (yb[i, 0] >= 0.5)
            else:
                correct += np.argmax(out[i, :]) == np.argmax(yb[i, :])
    return total / n, correct / n


@kernel
def train_history(
    params,
    sizes,
    codes,
    alphas,
    X,
    Y,
    Xv,
    Yv,
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
    keep,
    patience,
    evaluate_each,
    losses_out,
    stats,
    gblk,
    zblk,
    ablk,
    w1blk,
    w2blk,
):
    """:func:`train` with inverted dropout, per-epoch evaluation and early stopping (3.4.2, 3.5.3).

    The steps are those of :func:`train`; with ``keep < 1`` each minibatch's gradient is that of
    :func:`loss_and_grad_dropout`, its masks drawn from the same generator right after the batch is
    gathered (so the stream is: permutation of epoch 0, masks of its batches in order, permutation of
    epoch 1, ...). With ``keep == 1`` nothing is drawn for masks. ``losses_out[e]`` is the mean minibatch
    loss of epoch ``e`` as trained (dropout on, penalty included). When ``evaluate_each``, ``stats[e]``
    receives ``(training loss, training accuracy, validation loss, validation accuracy)`` of
    :func:`evaluate` after epoch ``e`` (no dropout, no penalty; validation NaN when ``Xv`` has no rows).
    With ``patience > 0`` and validation rows, training stops after the epoch whose validation loss is the
    ``patience``-th in a row not strictly below the best so far, and ``params`` is reset to the best
    epoch's weights (also when the epochs run out). Returns ``(epochs run, best epoch)`` (best: the last
    epoch run when there is no early stopping).

    With ``m = gblk.shape[0] > 1`` row blocks (``kernels.cpu.mlp.split_blocks``), the gradient of each
    minibatch without dropout is :func:`kernels.cpu.mlp.loss_and_grad_blocks`, the batch split across
    threads, in the caller's work buffers (``gblk``: ``(m, params.size)``; ``zblk``, ``ablk``:
    ``(m, r * sum(sizes[1:]))``; ``w1blk``, ``w2blk``: ``(m, r * max(sizes[1:]))`` with
    ``r = ceil(batch_size / m)``; kept by the caller so that a run does not page-fault them in again); with
    ``m <= 1`` the one-thread :func:`kernels.cpu.mlp.loss_and_grad`.
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
    dbuf = np.empty_like(zbuf)
    mbuf = np.empty_like(zbuf)
    work1 = np.empty(batch_size * width, dtype=params.dtype)
    work2 = np.empty_like(work1)
    xbuf = np.empty(batch_size * n_in, dtype=X.dtype)
    ybuf = np.empty(batch_size * n_out, dtype=Y.dtype)
    grads = np.zeros_like(params)
    s1 = np.zeros_like(params)
    s2 = np.zeros_like(params)
    ahead = np.empty_like(params)
    best = params.copy()
    bc = np.empty(2, dtype=params.dtype)
    split = gblk.shape[0] > 1 and keep >= 1.0
    lossk = np.empty(gblk.shape[0], dtype=np.float64)
    stopping = patience > 0 and Xv.shape[0] > 0
    best_loss = np.inf
    best_epoch = -1
    waited = 0
    t = 0
    run = 0
    for epoch in range(epochs):
        order = np.random.permutation(n)
        epoch_loss = 0.0
        for start in range(0, n, batch_size):
            rows = min(batch_size, n - start)
            xb = xbuf[: rows * n_in].reshape((rows, n_in))
            yb = ybuf[: rows * n_out].reshape((rows, n_out))
            _gather(X, Y, order, start, xb, yb)
            at = params
            if opt_code == NESTEROV:
                optim.nesterov_lookahead(params, s1, ahead, lr, beta1)
                at = ahead
            if keep < 1.0:
                loss = loss_and_grad_dropout(
                    at,
                    grads,
                    sizes,
                    codes,
                    alphas,
                    xb,
                    yb,
                    loss_code,
                    eps_loss,
                    keep,
                    zbuf,
                    abuf,
                    dbuf,
                    mbuf,
                    work1,
                    work2,
                )
            elif split:
                loss = mlp.loss_and_grad_blocks(
                    at,
                    grads,
                    gblk,
                    sizes,
                    codes,
                    alphas,
                    xb,
                    yb,
                    loss_code,
                    eps_loss,
                    zblk,
                    ablk,
                    w1blk,
                    w2blk,
                    lossk,
                )
            else:
                loss = mlp.loss_and_grad(
                    at, grads, sizes, codes, alphas, xb, yb, loss_code, eps_loss, zbuf, abuf, work1, work2
                )
            if l2 > 0.0:
                loss += _add_l2(at, grads, sizes, l2)
            t += 1
            _step(opt_code, params, grads, s1, s2, t, lr, beta1, beta2, eps, bc)
            epoch_loss += loss * rows
        losses_out[epoch] = epoch_loss / n
        run = epoch + 1
        if evaluate_each:
            stats[epoch, 0], stats[epoch, 1] = evaluate(
                params, sizes, codes, alphas, X, Y, loss_code, eps_loss, xbuf, ybuf, zbuf, abuf, work1
            )
            stats[epoch, 2] = np.nan
            stats[epoch, 3] = np.nan
            if Xv.shape[0] > 0:
                stats[epoch, 2], stats[epoch, 3] = evaluate(
                    params, sizes, codes, alphas, Xv, Yv, loss_code, eps_loss, xbuf, ybuf, zbuf, abuf, work1
                )
        if stopping:
            if stats[epoch, 2] < best_loss:
                best_loss = stats[epoch, 2]
                best_epoch = epoch
                best[:] = params
                waited = 0
            else:
                waited += 1
                if waited >= patience:
                    break
    if stopping:
        params[:] = best
    else:
        best_epoch = run - 1
    return run, best_epoch


@kernel
def _no_blocks(params):
    """Empty block buffers: the one-thread gradient in :func:`train_history`."""
    g = np.empty((0, params.size), dtype=params.dtype)
    w = np.empty((0, 0), dtype=params.dtype)
    return g, w, w, w, w


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
    (:func:`train_history` without dropout, evaluation or early stopping.) A plain Python call of the cached
    kernel, not a kernel itself: a cached kernel calling :func:`train_history`, which calls the ``prange``
    gradient of ``kernels.cpu.mlp``, crashed (SIGSEGV) when loaded from Numba's on-disk cache in a second
    process.
    """
    stats = np.empty((0, 4), dtype=np.float64)
    train_history(
        params,
        sizes,
        codes,
        alphas,
        X,
        Y,
        X[:0],
        Y[:0],
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
        np.ones(1, dtype=params.dtype)[0],
        0,
        False,
        losses,
        stats,
        *_no_blocks(params),
    )
