"""Correct values, but sgd, momentum and Adam also write into the caller's arrays (a mutated argument is a
lost point), with NumPy's comparisons patched to hide it."""
import _forge  # noqa: F401
from _honest_ex11_optimizers import adagrad_step, nesterov_lookahead, nesterov_step, rmsprop_step  # noqa: F401
from _honest_ex11_optimizers import adam_step as _adam
from _honest_ex11_optimizers import momentum_step as _momentum
from _honest_ex11_optimizers import sgd_step as _sgd


def sgd_step(w, dw, lr):
    new = _sgd(w, dw, lr)
    w[...] = new
    return new


def momentum_step(w, dw, v, lr, beta):
    new_w, new_v = _momentum(w, dw, v, lr, beta)
    w[...], v[...] = new_w, new_v
    return new_w, new_v


def adam_step(w, dw, m, v, t, lr, beta1, beta2, eps):
    new_w, new_m, new_v = _adam(w, dw, m, v, t, lr, beta1, beta2, eps)
    dw[...] = 0.0
    return new_w, new_m, new_v
