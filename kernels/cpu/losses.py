"""Loss kernels (report 2.3.4-2.3.6): each returns the batch loss and writes ``dJ/d(input)`` into ``grad``.

Reductions accumulate in float64 whatever the input dtype. Inputs are 2-D ``(batch, k)``.
Reductions: quadratic and softmax cross-entropy sum over the outputs and average over the batch; MSE and
binary cross-entropy average over every element (PyTorch's ``reduction="mean"``).
"""

from __future__ import annotations

from kernels import rows
from kernels._jit import kernel
from kernels.cpu import rules as r

QUADRATIC, MSE, BCE, SOFTMAX_CE = range(4)
CODES = {
    "quadratic": QUADRATIC,
    "mse": MSE,
    "binary_cross_entropy": BCE,
    "softmax_cross_entropy": SOFTMAX_CE,
}


@kernel
def quadratic(y_hat, y, grad):
    """``J = 1/B sum_i sum_j 1/2 (y_hat_ij - y_ij)^2``; ``dJ/dy_hat = (y_hat - y) / B``."""
    inv_b = 1.0 / y_hat.shape[0]
    total = 0.0
    for i in range(y_hat.shape[0]):
        for j in range(y_hat.shape[1]):
            total += r.quadratic_loss(y_hat[i, j], y[i, j])
            grad[i, j] = r.quadratic_loss_grad(y_hat[i, j], y[i, j]) * inv_b
    return total * inv_b


@kernel
def mse(y_hat, y, grad):
    """``J = 1/N sum (y_hat - y)^2`` over all ``N`` elements; ``dJ/dy_hat = 2 (y_hat - y) / N``
    (twice the quadratic rule's terms)."""
    inv_n = 1.0 / y_hat.size
    total = 0.0
    for i in range(y_hat.shape[0]):
        for j in range(y_hat.shape[1]):
            total += 2.0 * r.quadratic_loss(y_hat[i, j], y[i, j])
            grad[i, j] = 2.0 * r.quadratic_loss_grad(y_hat[i, j], y[i, j]) * inv_n
    return total * inv_n


@kernel
def binary_cross_entropy(p, y, grad, eps):
    """``J = -1/N sum (y log p + (1 - y) log(1 - p))`` with ``p`` clipped to ``[eps, 1 - eps]``;
    ``dJ/dp = (p - y) / (p (1 - p)) / N``."""
    inv_n = 1.0 / p.size
    total = 0.0
    for i in range(p.shape[0]):
        for j in range(p.shape[1]):
            total += r.binary_cross_entropy(p[i, j], y[i, j], eps)
            grad[i, j] = r.binary_cross_entropy_grad(p[i, j], y[i, j], eps) * inv_n
    return total * inv_n


_softmax_cross_entropy_row = kernel(rows.softmax_cross_entropy_row)


@kernel
def softmax_cross_entropy(logits, y, grad):
    """Softmax fused with the cross-entropy, on logits ``z`` and target rows ``y`` (one-hot or distributions):
    ``J = -1/B sum_i sum_j y_ij log softmax(z_i)_j``, with ``log softmax = z - m - log sum exp(z - m)``;
    ``dJ/dz_i = (softmax(z_i) sum_j y_ij - y_i) / B``, i.e. ``(softmax(z) - y) / B`` for one-hot rows."""
    inv_b = 1.0 / logits.shape[0]
    total = 0.0
    for i in range(logits.shape[0]):
        total = _softmax_cross_entropy_row(logits, y, grad, i, inv_b, total)
    return total * inv_b


@kernel
def loss_and_grad(code, y_hat, y, grad, eps):
    """Dispatch on the loss ``code`` (one compiled kernel for the MLP and the training loop)."""
    if code == QUADRATIC:
        return quadratic(y_hat, y, grad)
    if code == MSE:
        return mse(y_hat, y, grad)
    if code == BCE:
        return binary_cross_entropy(y_hat, y, grad, eps)
    return softmax_cross_entropy(y_hat, y, grad)
