"""Optimizers against ``torch.optim`` in float64 where the conventions agree (``docs/CONVENTIONS.md``).

* SGD and Adam: same formulas.
* Adagrad and RMSprop: PyTorch adds ``eps`` outside the square root; with PyTorch ``eps=0`` and ours
  ``eps=1e-300`` (``sqrt(G + 1e-300) == sqrt(G)`` in float64 once ``G > 1e-284``) both are ``g / sqrt(G)``.
* Momentum: course ``(eta, beta)`` equals ``SGD(lr=eta (1 - beta), momentum=beta, dampening=0)``, since
  torch's buffer is ``v / (1 - beta)``.
* Nesterov: the course's look-ahead points ``w - eta beta v`` follow the parameters of
  ``SGD(lr=eta (1 - beta), momentum=beta, nesterov=True)`` (its gradient taken at its own parameters).
"""

from __future__ import annotations

import numpy as np
import pytest

from kernels import optim

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

N = 257
STEPS = 100


def _problem():
    rng = np.random.default_rng(11)
    curvature = rng.uniform(0.2, 2.0, size=N)
    centre = rng.normal(size=N)
    noise = rng.normal(size=(STEPS, N))
    return rng.normal(size=N), {
        "quadratic": lambda w, k: curvature * (w - centre),
        "random": lambda w, k: noise[k],
    }


W0, PROBLEMS = _problem()


def torch_trajectory(make_optimizer, gradient):
    p = torch.tensor(W0.copy(), dtype=torch.float64, requires_grad=True)
    opt = make_optimizer([p])
    points = []
    for k in range(STEPS):
        points.append(p.detach().numpy().copy())
        p.grad = torch.from_numpy(gradient(p.detach().numpy(), k))
        opt.step()
    return p.detach().numpy(), opt.state[p], points


def ours(name, gradient, **hp):
    w = W0.copy()
    state = optim.init_state(name, w)
    for k in range(STEPS):
        optim.step(name, w, gradient(w, k), state, **hp)
    return w, state


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_sgd(problem):
    expected, _, _ = torch_trajectory(lambda p: torch.optim.SGD(p, lr=0.05), PROBLEMS[problem])
    got, _ = ours("sgd", PROBLEMS[problem], lr=0.05)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_adam(problem):
    hp = {"lr": 0.01, "beta1": 0.8, "beta2": 0.99, "eps": 1e-8}
    expected, tstate, _ = torch_trajectory(
        lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.8, 0.99), eps=1e-8, foreach=False), PROBLEMS[problem]
    )
    got, state = ours("adam", PROBLEMS[problem], **hp)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state["m"], tstate["exp_avg"].numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state["v"], tstate["exp_avg_sq"].numpy(), rtol=1e-10, atol=1e-12)
    assert state["t"] == int(tstate["step"]) == STEPS


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_adagrad_with_eps_moved(problem):
    expected, tstate, _ = torch_trajectory(
        lambda p: torch.optim.Adagrad(p, lr=0.1, eps=0.0), PROBLEMS[problem]
    )
    got, state = ours("adagrad", PROBLEMS[problem], lr=0.1, eps=1e-300)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(state["G"], tstate["sum"].numpy(), rtol=1e-12)


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_rmsprop_with_eps_moved(problem):
    expected, tstate, _ = torch_trajectory(
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=0.0), PROBLEMS[problem]
    )
    got, state = ours("rmsprop", PROBLEMS[problem], lr=0.01, beta=0.9, eps=1e-300)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(state["E"], tstate["square_avg"].numpy(), rtol=1e-12)


def test_adagrad_differs_from_torch_default_eps_placement():
    """The placement of eps matters with the defaults: the mapping above is needed, not decorative."""
    gradient = PROBLEMS["random"]
    expected, _, _ = torch_trajectory(lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-2), gradient)
    got, _ = ours("adagrad", gradient, lr=0.1, eps=1e-2)
    assert np.abs(got - expected).max() > 1e-3


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_momentum_mapping(problem):
    eta, beta = 0.05, 0.9
    expected, tstate, _ = torch_trajectory(
        lambda p: torch.optim.SGD(p, lr=eta * (1 - beta), momentum=beta, dampening=0), PROBLEMS[problem]
    )
    got, state = ours("momentum", PROBLEMS[problem], lr=eta, beta=beta)
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(
        state["v"], (1 - beta) * tstate["momentum_buffer"].numpy(), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("problem", sorted(PROBLEMS))
def test_nesterov_lookahead_points_follow_torch_nesterov(problem):
    eta, beta = 0.05, 0.9
    gradient = PROBLEMS[problem]
    _, _, torch_points = torch_trajectory(
        lambda p: torch.optim.SGD(p, lr=eta * (1 - beta), momentum=beta, nesterov=True), gradient
    )
    w = W0.copy()
    state = optim.init_state("nesterov", w)
    for k in range(STEPS):
        ahead = optim.nesterov_lookahead(w, state, lr=eta, beta=beta)
        np.testing.assert_allclose(ahead, torch_points[k], rtol=1e-10, atol=1e-12, err_msg=f"step {k}")
        optim.nesterov_step(w, gradient(ahead, k), state, lr=eta, beta=beta)
    if problem == "quadratic":
        assert np.abs(w - W0).max() > 0.1
