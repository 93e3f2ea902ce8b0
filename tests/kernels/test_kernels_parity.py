"""Every element-wise kernel equals its plain-Python rule of ``kernels.rules`` on seeded inputs.

float64: equal to 1 ulp-level (rtol 1e-14: LLVM may contract a multiply-add); float32: the rule in float64
rounded, within float32 precision (rtol 2e-6), which also shows the kernel does not drift from the formula.
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import activations, losses, optim, regularization, rules

RNG_SEED = 20240601
TOL = {np.float64: {"rtol": 1e-14, "atol": 1e-15}, np.float32: {"rtol": 2e-6, "atol": 1e-6}}


def _inputs(dtype, n=257, scale=4.0):
    rng = np.random.default_rng(RNG_SEED)
    z = rng.normal(scale=scale, size=n)
    z[:4] = [0.0, -0.0, 40.0, -40.0]
    return z.astype(dtype)


def _python(rule, *columns):
    return np.array([rule(*map(float, args)) for args in zip(*columns, strict=True)])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", activations.NAMES)
def test_activation_kernels_match_rules(name, dtype):
    z = _inputs(dtype)
    alpha = {"leaky_relu": 0.05, "elu": 0.7}.get(name)
    hp = {} if alpha is None else {"alpha": alpha}
    extra = () if alpha is None else (np.full(z.size, alpha),)
    forward = getattr(rules, name)
    derivative = getattr(rules, f"{name}_grad")
    np.testing.assert_allclose(activations.forward(name, z, **hp), _python(forward, z, *extra), **TOL[dtype])
    np.testing.assert_allclose(
        activations.backward(name, z, **hp), _python(derivative, z, *extra), **TOL[dtype]
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_elementwise_losses_match_rules(dtype):
    rng = np.random.default_rng(RNG_SEED)
    y_hat = rng.uniform(0.02, 0.98, size=(16, 3)).astype(dtype)
    y = rng.integers(0, 2, size=(16, 3)).astype(dtype)
    cost, grad = losses.quadratic(y_hat, y)
    terms = _python(rules.quadratic_loss, y_hat.ravel(), y.ravel())
    assert cost == pytest.approx(terms.sum() / 16, rel=TOL[dtype]["rtol"])
    np.testing.assert_allclose(
        grad.ravel(), _python(rules.quadratic_loss_grad, y_hat.ravel(), y.ravel()) / 16, **TOL[dtype]
    )
    eps = np.full(y.size, losses.BCE_EPS)
    cost, grad = losses.binary_cross_entropy(y_hat, y)
    terms = _python(rules.binary_cross_entropy, y_hat.ravel(), y.ravel(), eps)
    assert cost == pytest.approx(terms.mean(), rel=TOL[dtype]["rtol"])
    expected = _python(rules.binary_cross_entropy_grad, y_hat.ravel(), y.ravel(), eps) / y.size
    np.testing.assert_allclose(grad.ravel(), expected, **TOL[dtype])


OPTIMIZER_CASES = [
    ("sgd", rules.sgd_rule, (), {"lr": 0.05}),
    ("momentum", rules.momentum_rule, ("v",), {"lr": 0.05, "beta": 0.8}),
    ("nesterov", rules.nesterov_rule, ("v",), {"lr": 0.05, "beta": 0.8}),
    ("adagrad", rules.adagrad_rule, ("G",), {"lr": 0.05, "eps": 1e-6}),
    ("rmsprop", rules.rmsprop_rule, ("E",), {"lr": 0.05, "beta": 0.8, "eps": 1e-6}),
]


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("name", "rule", "keys", "hp"), OPTIMIZER_CASES, ids=[c[0] for c in OPTIMIZER_CASES])
def test_optimizer_kernels_match_rules(name, rule, keys, hp, dtype, parallel):
    rng = np.random.default_rng(RNG_SEED)
    w, g = (rng.normal(size=(7, 11)).astype(dtype) for _ in range(2))
    state = optim.init_state(name, w)
    for key in keys:
        state[key][...] = rng.uniform(0.1, 1.0, size=w.shape)
    columns = [w.ravel().copy(), g.ravel().copy(), *(state[k].ravel().copy() for k in keys)]
    expected = [rule(*map(float, args), *hp.values()) for args in zip(*columns, strict=True)]
    expected = np.array([e if isinstance(e, tuple) else (e,) for e in expected])
    optim.step(name, w, g, state, parallel=parallel, **hp)
    np.testing.assert_allclose(w.ravel(), expected[:, 0], **TOL[dtype])
    for k, key in enumerate(keys, start=1):
        np.testing.assert_allclose(state[key].ravel(), expected[:, k], **TOL[dtype])


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_and_lookahead_kernels_match_rules(dtype, parallel):
    rng = np.random.default_rng(RNG_SEED)
    w, g = (rng.normal(size=300).astype(dtype) for _ in range(2))
    state = optim.init_state("adam", w)
    state["m"][...] = rng.normal(size=300)
    state["v"][...] = rng.uniform(0.0, 1.0, size=300)
    state["t"] = 4
    lr, b1, b2, eps = 0.01, 0.8, 0.95, 1e-7
    bc1, bc2 = 1 - b1**5, 1 - b2**5
    cols = [a.astype(np.float64) for a in (w, g, state["m"], state["v"])]
    expected = np.array(
        [rules.adam_rule(*map(float, a), lr, b1, b2, eps, bc1, bc2) for a in zip(*cols, strict=True)]
    )
    optim.adam_step(w, g, state, lr=lr, beta1=b1, beta2=b2, eps=eps, parallel=parallel)
    assert state["t"] == 5
    for got, k in ((w, 0), (state["m"], 1), (state["v"], 2)):
        np.testing.assert_allclose(got, expected[:, k], **TOL[dtype])
    ahead = optim.nesterov_lookahead(w, {"v": state["v"]}, lr=0.3, beta=0.7, parallel=parallel)
    cols = (w.astype(np.float64), state["v"].astype(np.float64))
    reference = [
        rules.nesterov_lookahead_rule(float(a), float(v), 0.3, 0.7) for a, v in zip(*cols, strict=True)
    ]
    np.testing.assert_allclose(ahead, reference, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regularisation_kernels_match_rules(dtype):
    rng = np.random.default_rng(RNG_SEED)
    w, g = (rng.normal(size=(5, 9)).astype(dtype) for _ in range(2))
    lam = 0.03
    expected_penalty = sum(rules.l2_penalty_term(float(x), lam) for x in w.ravel())
    assert regularization.l2_penalty(w, lam) == pytest.approx(expected_penalty, rel=TOL[dtype]["rtol"])
    expected_grad = [
        rules.l2_grad_rule(float(a), float(b), lam) for a, b in zip(g.ravel(), w.ravel(), strict=True)
    ]
    regularization.l2_grad(g, w, lam)
    np.testing.assert_allclose(g.ravel(), expected_grad, **TOL[dtype])
    mask = regularization.dropout_mask(w.shape, 0.6, seed=3, dtype=dtype)
    expected = [
        rules.dropout_rule(float(h), float(k), 0.6) for h, k in zip(w.ravel(), mask.ravel(), strict=True)
    ]
    np.testing.assert_allclose(regularization.dropout_forward(w, mask, 0.6).ravel(), expected, **TOL[dtype])
