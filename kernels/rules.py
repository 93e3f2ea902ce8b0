"""Scalar rules: every element-wise formula of the course, written once.

Each rule is a plain Python function of scalars (no NumPy calls, no defaults, no globals other than
``math``), so that the *same object* runs three ways:

* as plain Python (and, through NumPy broadcasting of ``+ - * /``, on float64 arrays where the rule has no
  branch): this is the readable reference;
* compiled by ``numba.njit(inline="always")`` inside the CPU loops of ``kernels.cpu``;
* compiled by ``numba.cuda.jit(device=True)`` inside the CUDA kernels of ``kernels.cuda``.

Conventions (``docs/CONVENTIONS.md`` explains where PyTorch differs):

* optimizer rules have the shape ``(param, grad, *state, *hyperparameters) -> (param, *state)``;
* the step counter ``t`` belongs to the driver, which increments it *before* calling a rule, and passes the
  bias corrections ``bc1 = 1 - beta1**t`` and ``bc2 = 1 - beta2**t`` already computed;
* activation derivatives take the pre-activation ``z`` (``sigmoid_grad(z) = sigma(z) (1 - sigma(z))``).

Section numbers refer to the course report "Apprentissage Profond" (C. Maleke, 2024).
"""

from __future__ import annotations

import math

# --------------------------------------------------------------------------- default parameters

DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}
"""``alpha`` of the rules that take one when the caller gives none: Leaky ReLU's slope and ELU's scale
(1.3.3). Every public activation of both targets reads it from here."""

BCE_EPS = 1e-7
"""The clipping ``eps`` of :func:`binary_cross_entropy` in the public losses and the MLP of both targets."""

# --------------------------------------------------------------------------- activations (1.2, 1.3)


def step(z):
    """Heaviside step of the perceptron (1.2): ``step(z) = 1 if z >= 0 else 0``."""
    return 1.0 if z >= 0.0 else 0.0


def step_grad(z):
    """Derivative of the step function almost everywhere: ``0`` (it cannot be trained by gradients)."""
    return 0.0


def sigmoid(z):
    """Logistic sigmoid (1.3.4): ``sigma(z) = 1 / (1 + exp(-z))``.

    Evaluated as ``exp(z) / (1 + exp(z))`` for ``z < 0`` so that ``exp`` never overflows; both cases share
    ``e = exp(-|z|)`` and differ only in the numerator, a select that a compiled loop vectorises.
    """
    e = math.exp(-abs(z))
    return (1.0 if z >= 0.0 else e) / (1.0 + e)


def sigmoid_grad(z):
    """``sigma'(z) = sigma(z) (1 - sigma(z))``."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """Hyperbolic tangent (1.3.2): ``tanh(z) = (e^z - e^-z) / (e^z + e^-z)``."""
    return math.tanh(z)


def tanh_grad(z):
    """``tanh'(z) = 1 - tanh(z)^2``."""
    t = math.tanh(z)
    return 1.0 - t * t


def relu(z):
    """Rectified linear unit (1.3.2): ``relu(z) = max(0, z)``."""
    return z if z > 0.0 else 0.0


def relu_grad(z):
    """``relu'(z) = 1 if z > 0 else 0`` (0 is taken at z = 0, as PyTorch does)."""
    return 1.0 if z > 0.0 else 0.0


def leaky_relu(z, alpha):
    """Leaky ReLU (1.3.3): ``z if z > 0 else alpha z``."""
    return z if z > 0.0 else alpha * z


def leaky_relu_grad(z, alpha):
    """``1 if z > 0 else alpha``."""
    return 1.0 if z > 0.0 else alpha


def elu(z, alpha):
    """Exponential linear unit (1.3.3): ``z if z > 0 else alpha (exp(z) - 1)``."""
    return z if z > 0.0 else alpha * math.expm1(z)


def elu_grad(z, alpha):
    """``1 if z > 0 else alpha exp(z)``."""
    return 1.0 if z > 0.0 else alpha * math.exp(z)


# --------------------------------------------------------------------------- element-wise losses (2.3.4)


def quadratic_loss(y_hat, y):
    """Quadratic cost of one output (2.3.4, 2.3.5): ``J = 1/2 (y_hat - y)^2``."""
    d = y_hat - y
    return 0.5 * d * d


def quadratic_loss_grad(y_hat, y):
    """``dJ/dy_hat = y_hat - y`` (2.3.6: -0.5 for y_hat = 0.5, y = 1)."""
    return y_hat - y


def binary_cross_entropy(p, y, eps):
    """Binary cross-entropy of a probability ``p`` clipped to ``[eps, 1 - eps]``:
    ``-(y log p + (1 - y) log(1 - p))``."""
    p = min(max(p, eps), 1.0 - eps)
    return -(y * math.log(p) + (1.0 - y) * math.log(1.0 - p))


def binary_cross_entropy_grad(p, y, eps):
    """``dJ/dp = (p - y) / (p (1 - p))`` with the same clipping as the loss."""
    p = min(max(p, eps), 1.0 - eps)
    return (p - y) / (p * (1.0 - p))


# --------------------------------------------------------------------------- optimizers (3.1, 3.2)


def sgd_rule(w, g, lr):
    """Gradient descent / SGD (3.1, 3.2.2): ``w <- w - eta g``.

    Full-batch gradient descent is this rule driven with the gradient of the whole data set.
    """
    return w - lr * g


def momentum_rule(w, g, v, lr, beta):
    """Momentum (3.2.3, eq. 3.1-3.2): ``v <- beta v + (1 - beta) g``; ``w <- w - eta v``."""
    v = beta * v + (1.0 - beta) * g
    return w - lr * v, v


def nesterov_lookahead_rule(w, v, lr, beta):
    """Nesterov look-ahead point (3.2.4, eq. 3.3): ``w - eta beta v``, where the gradient is evaluated."""
    return w - lr * beta * v


def nesterov_rule(w, g_ahead, v, lr, beta):
    """Nesterov update (3.2.4, eq. 3.3-3.4), given ``g_ahead``, the gradient at the look-ahead point:
    ``v <- beta v + (1 - beta) g_ahead``; ``w <- w - eta v``."""
    return momentum_rule(w, g_ahead, v, lr, beta)


def adagrad_rule(w, g, G, lr, eps):
    """Adagrad (3.2.5): ``G <- G + g^2``; ``w <- w - eta / sqrt(G + eps) g`` (eps inside the root)."""
    G = G + g * g
    return w - lr * g / math.sqrt(G + eps), G


def rmsprop_rule(w, g, E, lr, beta, eps):
    """RMSprop (3.2.6): ``E <- beta E + (1 - beta) g^2``; ``w <- w - eta / sqrt(E + eps) g``."""
    E = beta * E + (1.0 - beta) * g * g
    return w - lr * g / math.sqrt(E + eps), E


def adam_bias_correction(beta, t):
    """Adam's bias correction (3.2.7) after ``t`` steps: ``1 - beta^t``.

    Every driver (``kernels.optim``, the training loop of ``kernels.cpu.train``, ``kernels.cuda.optim``)
    calls it in float64 with ``beta`` already rounded to the parameters' dtype and ``t`` a float, then
    rounds the result to that dtype: the moments use that same rounded ``beta``, so in float32 the
    corrections match them (with the exact Python ``beta`` a float32 Adam drifted 1.3e-5 from a float32
    reference in 50 steps). ``math.pow`` is libm's ``pow`` both in Python and in Numba, so the drivers
    agree bit for bit.
    """
    return 1.0 - math.pow(beta, t)


def adam_rule(w, g, m, v, lr, beta1, beta2, eps, bc1, bc2):
    """Adam (3.2.7) with bias correction, ``bc1 = 1 - beta1^t`` and ``bc2 = 1 - beta2^t``:
    ``m <- beta1 m + (1 - beta1) g``; ``v <- beta2 v + (1 - beta2) g^2``;
    ``w <- w - eta (m / bc1) / (sqrt(v / bc2) + eps)``.

    Evaluated as ``(eta / bc1) m / (sqrt(v) (1 / sqrt(bc2)) + eps)`` (equal up to rounding): the two
    bracketed scalars do not depend on the element, so a compiled loop computes them once and pays one
    square root and one division per element instead of three divisions (1.7x faster in cache).
    """
    m = beta1 * m + (1.0 - beta1) * g
    v = beta2 * v + (1.0 - beta2) * g * g
    return w - (lr / bc1) * m / (math.sqrt(v) * (1.0 / math.sqrt(bc2)) + eps), m, v


# --------------------------------------------------------------------------- regularisation (3.4)


def l2_penalty_term(w, lam):
    """One term of the L2 penalty (3.4.1, eq. 3.5): ``lambda w^2``."""
    return lam * w * w


def l2_grad_rule(g, w, lam):
    """Gradient with the L2 penalty added: ``g + 2 lambda w``."""
    return g + 2.0 * lam * w


def dropout_rule(h, keep, p):
    """Inverted dropout (3.4.2, eq. 3.6) with keep probability ``p``: ``h keep / p``, ``keep`` in {0, 1}.

    The random mask is an input, so CPU and CUDA kernels stay pure and comparable.
    """
    return h * keep / p
