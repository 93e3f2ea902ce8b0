"""The solutions agree with the scalar rules of kernels/rules.py and with the compiled kernels on seeded
inputs, and the backward passes agree with centred finite differences (independent references)."""

from __future__ import annotations

import importlib
import itertools

import numpy as np
import pytest

from kernels import rules
from solutions import (
    ex01_perceptron,
    ex02_sigmoid,
    ex05_quadratic_cost,
    ex07_activations,
    ex08_dense_layer,
    ex09_gradient_check,
    ex10_mlp_backward,
    ex11_optimizers,
    ex12_regularization,
    ex16_fused_adam,
)


def _kernel(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:  # the kernels land in parallel with the exercises
        pytest.skip(f"{module} not available: {exc}")


RNG_SEED = 20241125
Z = np.concatenate(
    [np.random.default_rng(RNG_SEED).normal(0.0, 3.0, 200), [0.0, -0.0, 1e-12, -1e-12, 30.0, -30.0]]
)

# (solution function, scalar rule, keyword hyperparameters)
ACTIVATIONS = [
    (ex01_perceptron.step, rules.step, {}),
    (ex02_sigmoid.sigmoid, rules.sigmoid, {}),
    (ex02_sigmoid.sigmoid_grad, rules.sigmoid_grad, {}),
    (ex07_activations.tanh, rules.tanh, {}),
    (ex07_activations.tanh_grad, rules.tanh_grad, {}),
    (ex07_activations.relu, rules.relu, {}),
    (ex07_activations.relu_grad, rules.relu_grad, {}),
    (ex07_activations.leaky_relu, rules.leaky_relu, {"alpha": 0.07}),
    (ex07_activations.leaky_relu_grad, rules.leaky_relu_grad, {"alpha": 0.07}),
    (ex07_activations.elu, rules.elu, {"alpha": 1.3}),
    (ex07_activations.elu_grad, rules.elu_grad, {"alpha": 1.3}),
]


@pytest.mark.parametrize(("solution", "rule", "hp"), ACTIVATIONS, ids=lambda x: getattr(x, "__name__", ""))
def test_activation_matches_scalar_rule(solution, rule, hp) -> None:
    expected = np.array([rule(float(z), *hp.values()) for z in Z])
    np.testing.assert_allclose(solution(Z, **hp), expected, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["step", "sigmoid", "tanh", "relu", "leaky_relu", "elu"], ids=lambda n: n)
def test_activation_matches_compiled_kernel(name: str) -> None:
    activations = _kernel("kernels.activations")
    hp = {"alpha": 0.07} if name in ("leaky_relu", "elu") else {}
    module = {"step": ex01_perceptron, "sigmoid": ex02_sigmoid}.get(name, ex07_activations)
    np.testing.assert_allclose(
        getattr(module, name)(Z, **hp), activations.forward(name, Z, **hp), rtol=1e-13, atol=1e-15
    )
    if name != "step":
        grad = getattr(module, f"{name}_grad")(Z, **hp)
        np.testing.assert_allclose(grad, activations.backward(name, Z, **hp), rtol=1e-13, atol=1e-15)


def test_softmax_matches_kernel_and_is_a_distribution() -> None:
    activations = _kernel("kernels.activations")
    z = np.random.default_rng(RNG_SEED).normal(0.0, 20.0, (16, 7))
    s = ex07_activations.softmax(z)
    np.testing.assert_allclose(s, activations.softmax(z), rtol=1e-13)
    np.testing.assert_allclose(s.sum(axis=1), 1.0, rtol=1e-15)
    jac = ex07_activations.softmax_jacobian(z[0])
    num = np.stack(
        [
            ex09_gradient_check.numerical_gradient(
                lambda v, i=i: ex07_activations.softmax(v[None])[0, i], z[0] / 10, 1e-6
            )
            for i in range(7)
        ]
    )
    np.testing.assert_allclose(ex07_activations.softmax_jacobian(z[0] / 10), num, atol=1e-8)
    assert jac.shape == (7, 7)


def test_quadratic_cost_matches_rules() -> None:
    rng = np.random.default_rng(RNG_SEED)
    y_hat, y = rng.standard_normal(9), rng.standard_normal(9)
    assert ex05_quadratic_cost.quadratic_cost(y_hat, y) == pytest.approx(
        sum(rules.quadratic_loss(a, b) for a, b in zip(y_hat, y, strict=True)), rel=1e-14
    )
    np.testing.assert_allclose(
        ex05_quadratic_cost.quadratic_cost_grad(y_hat, y),
        [rules.quadratic_loss_grad(a, b) for a, b in zip(y_hat, y, strict=True)],
    )


def _state(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    return {
        "w": rng.standard_normal(n),
        "g": rng.standard_normal(n),
        "s1": 0.3 * rng.random(n),
        "s2": 0.3 * rng.random(n),
    }


def test_optimizer_steps_match_scalar_rules() -> None:
    rng = np.random.default_rng(RNG_SEED)
    a = _state(rng, 50)
    w, g, s1, s2 = a["w"], a["g"], a["s1"], a["s2"]
    cases = {
        "sgd": (
            (ex11_optimizers.sgd_step(w, g, 0.1),),
            [(rules.sgd_rule(*x, 0.1),) for x in zip(w, g, strict=True)],
        ),
        "momentum": (
            ex11_optimizers.momentum_step(w, g, s1, 0.1, 0.9),
            [rules.momentum_rule(*x, 0.1, 0.9) for x in zip(w, g, s1, strict=True)],
        ),
        "nesterov": (
            ex11_optimizers.nesterov_step(w, g, s1, 0.1, 0.9),
            [rules.nesterov_rule(*x, 0.1, 0.9) for x in zip(w, g, s1, strict=True)],
        ),
        "lookahead": (
            (ex11_optimizers.nesterov_lookahead(w, s1, 0.1, 0.9),),
            [(rules.nesterov_lookahead_rule(*x, 0.1, 0.9),) for x in zip(w, s1, strict=True)],
        ),
        "adagrad": (
            ex11_optimizers.adagrad_step(w, g, s1, 0.5, 1e-8),
            [rules.adagrad_rule(*x, 0.5, 1e-8) for x in zip(w, g, s1, strict=True)],
        ),
        "rmsprop": (
            ex11_optimizers.rmsprop_step(w, g, s1, 0.05, 0.9, 1e-8),
            [rules.rmsprop_rule(*x, 0.05, 0.9, 1e-8) for x in zip(w, g, s1, strict=True)],
        ),
        "adam": (
            ex11_optimizers.adam_step(w, g, s1, s2, 4, 0.05, 0.9, 0.999, 1e-8),
            [
                rules.adam_rule(*x, 0.05, 0.9, 0.999, 1e-8, 1 - 0.9**4, 1 - 0.999**4)
                for x in zip(w, g, s1, s2, strict=True)
            ],
        ),
    }
    for name, (got, per_element) in cases.items():
        expected = np.array(per_element).T
        for got_array, exp_array in zip(got, expected, strict=True):
            np.testing.assert_allclose(got_array, exp_array, rtol=1e-13, atol=1e-15, err_msg=name)
    assert np.array_equal(w, a["w"]) and np.array_equal(s1, a["s1"]), "a pure step modified its inputs"


@pytest.mark.parametrize("name", ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"])
def test_optimizer_runs_match_compiled_kernels(name: str) -> None:
    optim = _kernel("kernels.optim")
    rng = np.random.default_rng(RNG_SEED)
    hp = {
        "sgd": {"lr": 0.1},
        "momentum": {"lr": 0.1, "beta": 0.9},
        "nesterov": {"lr": 0.1, "beta": 0.8},
        "adagrad": {"lr": 0.3, "eps": 1e-8},
        "rmsprop": {"lr": 0.05, "beta": 0.9, "eps": 1e-8},
        "adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
    }[name]
    scales, center = rng.uniform(0.5, 2.0, 20), rng.standard_normal(20)
    w_sol = rng.standard_normal(20)
    w_ker = w_sol.copy()
    state_sol = [np.zeros(20) for _ in range({"sgd": 0, "adam": 2}.get(name, 1))]
    state_ker = optim.init_state(name, w_ker)
    for t in range(1, 16):
        if name == "nesterov":
            g = scales * (ex11_optimizers.nesterov_lookahead(w_sol, state_sol[0], **hp) - center)
            g_ker = scales * (optim.nesterov_lookahead(w_ker, state_ker, **hp) - center)
            w_sol, *state_sol = ex11_optimizers.nesterov_step(w_sol, g, *state_sol, **hp)
            optim.nesterov_step(w_ker, g_ker, state_ker, **hp)
            continue
        g, g_ker = scales * (w_sol - center), scales * (w_ker - center)
        if name == "sgd":
            w_sol = ex11_optimizers.sgd_step(w_sol, g, **hp)
            optim.sgd_step(w_ker, g_ker, **hp)
        elif name == "adam":
            w_sol, *state_sol = ex11_optimizers.adam_step(w_sol, g, *state_sol, t, **hp)
            optim.adam_step(w_ker, g_ker, state_ker, **hp)
        else:
            w_sol, *state_sol = getattr(ex11_optimizers, f"{name}_step")(w_sol, g, *state_sol, **hp)
            getattr(optim, f"{name}_step")(w_ker, g_ker, state_ker, **hp)
    np.testing.assert_allclose(w_sol, w_ker, rtol=1e-12, atol=1e-14)
    keys = {"momentum": ["v"], "nesterov": ["v"], "adagrad": ["G"], "rmsprop": ["E"], "adam": ["m", "v"]}.get(
        name, []
    )
    for key, value in zip(keys, state_sol, strict=True):
        np.testing.assert_allclose(value, state_ker[key], rtol=1e-12, atol=1e-14, err_msg=key)


def test_fused_adam_matches_pure_adam_and_reference_module() -> None:
    rng = np.random.default_rng(RNG_SEED)
    a = _state(rng, 257)
    w, g, m, v = (a[k].copy() for k in ("w", "g", "s1", "s2"))
    expected = ex11_optimizers.adam_step(w, g, m, v, 7, 0.01, 0.9, 0.999, 1e-8)
    ex16_fused_adam.adam_step_fused(w, g, m, v, 7, 0.01, 0.9, 0.999, 1e-8)
    for got, exp in zip((w, m, v), expected, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-13, atol=1e-16)
    _kernel("kernels.optim")
    from grader.reference import ex16_fused_adam as reference

    w2, m2, v2 = (a[k].copy() for k in ("w", "s1", "s2"))
    reference.adam_step_fused(w2, g, m2, v2, 7, 0.01, 0.9, 0.999, 1e-8)
    for got, exp in zip((w2, m2, v2), expected, strict=True):
        np.testing.assert_allclose(got, exp, rtol=1e-13, atol=1e-16)


def test_regularization_matches_scalar_rules() -> None:
    rng = np.random.default_rng(RNG_SEED)
    w, dw, h = rng.standard_normal(30), rng.standard_normal(30), rng.standard_normal(30)
    assert ex12_regularization.l2_penalty([w[:10], w[10:]], 0.03) == pytest.approx(
        sum(rules.l2_penalty_term(x, 0.03) for x in w), rel=1e-13
    )
    np.testing.assert_allclose(
        ex12_regularization.l2_grad(dw, w, 0.03),
        [rules.l2_grad_rule(a, b, 0.03) for a, b in zip(dw, w, strict=True)],
    )
    out, mask = ex12_regularization.dropout_forward(h, 0.6, seed=5)
    np.testing.assert_allclose(
        out, [rules.dropout_rule(a, float(k), 0.6) for a, k in zip(h, mask, strict=True)]
    )


def test_regularization_matches_kernels() -> None:
    regularization = _kernel("kernels.regularization")
    rng = np.random.default_rng(RNG_SEED)
    w, dw, h = rng.standard_normal(30), rng.standard_normal(30), rng.standard_normal((5, 6))
    assert ex12_regularization.l2_penalty([w], 0.03) == pytest.approx(
        regularization.l2_penalty(w, 0.03), rel=1e-13
    )
    g = dw.copy()
    regularization.l2_grad(g, w, 0.03)
    np.testing.assert_allclose(ex12_regularization.l2_grad(dw, w, 0.03), g, rtol=1e-14)
    out, mask = ex12_regularization.dropout_forward(h, 0.7, seed=11)
    np.testing.assert_allclose(
        out, regularization.dropout_forward(h, mask.astype(np.float64), 0.7), rtol=1e-14
    )
    np.testing.assert_allclose(
        ex12_regularization.dropout_backward(h, mask, 0.7),
        regularization.dropout_backward(h, mask.astype(np.float64), 0.7),
        rtol=1e-14,
    )
    assert abs(ex12_regularization.dropout_forward(np.ones(20000), 0.7, seed=3)[1].mean() - 0.7) < 0.02


def test_dense_layer_matches_kernels_and_finite_differences() -> None:
    layers = _kernel("kernels.layers")
    rng = np.random.default_rng(RNG_SEED)
    a_prev, W, b = rng.standard_normal((6, 4)), rng.standard_normal((3, 4)), rng.standard_normal(3)
    delta = rng.standard_normal((6, 3))
    z = ex08_dense_layer.dense_forward(a_prev, W, b)
    np.testing.assert_allclose(z, layers.dense_forward(a_prev, W, b, "identity")[1], rtol=1e-13)
    for got, exp in zip(
        ex08_dense_layer.dense_backward(delta, a_prev, W),
        layers.dense_backward(delta, a_prev, W),
        strict=True,
    ):
        np.testing.assert_allclose(got, exp, rtol=1e-12, atol=1e-14)
    dW, db, dA = ex08_dense_layer.dense_backward(delta, a_prev, W)
    num = ex09_gradient_check.numerical_gradient
    np.testing.assert_allclose(
        dW, num(lambda M: np.sum(delta * ex08_dense_layer.dense_forward(a_prev, M, b)), W, 1e-6), atol=1e-7
    )
    np.testing.assert_allclose(
        db, num(lambda c: np.sum(delta * ex08_dense_layer.dense_forward(a_prev, W, c)), b, 1e-6), atol=1e-7
    )
    np.testing.assert_allclose(
        dA, num(lambda A: np.sum(delta * ex08_dense_layer.dense_forward(A, W, b)), a_prev, 1e-6), atol=1e-7
    )


def test_mlp_gradients_match_finite_differences() -> None:
    rng = np.random.default_rng(RNG_SEED)
    sizes = (3, 5, 4, 2)
    Ws = [rng.standard_normal((o, i)) / np.sqrt(i) for i, o in itertools.pairwise(sizes)]
    bs = [0.1 * rng.standard_normal(o) for o in sizes[1:]]
    X, Y = rng.standard_normal((7, 3)), rng.standard_normal((7, 2))
    J, dWs, dbs = ex10_mlp_backward.mlp_loss_and_grads(X, Y, Ws, bs)
    assert J == pytest.approx(
        0.5 * np.sum((ex10_mlp_backward.mlp_forward(X, Ws, bs) - Y) ** 2) / 7, rel=1e-14
    )

    def loss_with(layer: int, which: str):
        def f(p: np.ndarray) -> float:
            W2 = [w.copy() for w in Ws]
            b2 = [b.copy() for b in bs]
            (W2 if which == "W" else b2)[layer] = p
            return ex10_mlp_backward.mlp_loss_and_grads(X, Y, W2, b2)[0]

        return f

    for layer in range(3):
        num_W = ex09_gradient_check.numerical_gradient(loss_with(layer, "W"), Ws[layer], 1e-6)
        num_b = ex09_gradient_check.numerical_gradient(loss_with(layer, "b"), bs[layer], 1e-6)
        np.testing.assert_allclose(dWs[layer], num_W, atol=1e-8)
        np.testing.assert_allclose(dbs[layer], num_b, atol=1e-8)
        assert ex09_gradient_check.relative_error(dWs[layer], num_W) < 1e-6


def test_numerical_gradient_of_harness_function_matches_its_analytic_gradient() -> None:
    from grader import harness

    rng = np.random.default_rng(RNG_SEED)
    x, A = rng.standard_normal(6), rng.standard_normal((4, 6))
    out = harness.numerical_gradient_of_test_function(ex09_gradient_check, x, A, 1e-5)
    analytic = A.T @ (1.0 - np.tanh(A @ x) ** 2) + x
    np.testing.assert_allclose(out["grad"], analytic, atol=1e-8)
    np.testing.assert_array_equal(out["x_after"], x)
