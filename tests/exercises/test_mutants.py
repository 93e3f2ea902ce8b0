"""Every exercise has checks that can fail: each mutant of a solution (a wrong sign, a missing bias
correction, a wrong factor, ...) built by text substitution makes at least one check of its exercise fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.inprocess import grade_directory
from grader.model import Outcome
from grader.registry import EXERCISES

SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"

# (exercise id, text in the solution, replacement, what the mutant gets wrong)
MUTANTS: list[tuple[str, str, str, str]] = [
    ("ex01_perceptron", ">= 0.0, 1.0, 0.0)", "> 0.0, 1.0, 0.0)", "step(0) = 0"),
    (
        "ex01_perceptron",
        "np.asarray(w, dtype=np.float64) + b",
        "np.asarray(w, dtype=np.float64) - b",
        "bias sign",
    ),
    ("ex02_sigmoid", "1.0 / (1.0 + e), e / (1.0 + e)", "e / (1.0 + e), 1.0 / (1.0 + e)", "branches swapped"),
    ("ex02_sigmoid", "return s * (1.0 - s)", "return s * (1.0 + s)", "derivative sign"),
    ("ex03_two_layer_network", "(w2 * h1 + b2)", "(w2 * h1 - b2)", "second bias sign (b2 = 0 in the report)"),
    ("ex03_two_layer_network", "-(w1 * x + b1)", "(w1 * x + b1)", "exp sign"),
    (
        "ex04_forward_pass",
        "np.asarray(x, dtype=np.float64))) + b",
        "np.asarray(x, dtype=np.float64))) - b",
        "bias",
    ),
    (
        "ex05_quadratic_cost",
        "return 0.5 * float(np.sum(d * d))",
        "return float(np.sum(d * d))",
        "missing 1/2",
    ),
    (
        "ex05_quadratic_cost",
        "return np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)",
        "return np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)",
        "gradient sign",
    ),
    ("ex06_gradient_descent", "2.0 * (w - 3.0)", "2.0 * (w + 3.0)", "derivative"),
    ("ex06_gradient_descent", "w - lr * cost_grad(w)", "w + lr * cost_grad(w)", "ascent instead of descent"),
    ("ex07_activations", "return 1.0 - t * t", "return 1.0 - t", "tanh derivative"),
    ("ex07_activations", "> 0.0, 1.0, 0.0)", ">= 0.0, 1.0, 0.0)", "relu'(0) = 1"),
    ("ex07_activations", "alpha * np.expm1(", "np.expm1(", "ELU without alpha"),
    ("ex07_activations", "np.exp(z - z.max(axis=1, keepdims=True))", "np.exp(z)", "unstable softmax"),
    ("ex07_activations", "np.diag(s) - np.outer(s, s)", "np.diag(s) - np.outer(s, s).T * 0", "jacobian"),
    ("ex08_dense_layer", "db = delta.sum(axis=0)", "db = delta.mean(axis=0)", "bias gradient averaged"),
    (
        "ex08_dense_layer",
        "dA_prev = delta @ np.asarray(W, dtype=np.float64)",
        "dA_prev = delta @ np.asarray(W).T.T * 2",
        "input gradient",
    ),
    (
        "ex09_gradient_check",
        "(f_plus - f_minus) / (2.0 * h)",
        "(f_plus - f_minus) / h",
        "difference not halved",
    ),
    (
        "ex09_gradient_check",
        "max(1e-12, float(np.max(np.abs(a) + np.abs(b))))",
        "max(1e-12, float(np.max(np.abs(a))))",
        "relative error denominator",
    ),
    ("ex10_mlp_backward", "(1.0 - a_prev * a_prev)", "(1.0 - a_prev)", "tanh derivative"),
    ("ex10_mlp_backward", "delta = diff / batch", "delta = diff", "gradient not averaged"),
    ("ex11_optimizers", "m_hat = m / (1.0 - beta1**t)", "m_hat = m", "missing bias correction"),
    ("ex11_optimizers", "np.sqrt(v_hat) + eps", "np.sqrt(v_hat + eps)", "eps inside Adam's root"),
    ("ex11_optimizers", "return w - lr * dw\n", "w -= lr * dw\n    return w\n", "SGD modifies its argument"),
    (
        "ex11_optimizers",
        "v = beta * v + (1.0 - beta) * dw",
        "v = beta * v + dw",
        "momentum without (1 - beta)",
    ),
    ("ex11_optimizers", "return w - lr * beta * v", "return w - lr * v", "Nesterov look-ahead"),
    ("ex11_optimizers", "G = G + dw * dw", "G = dw * dw", "Adagrad forgets"),
    ("ex11_optimizers", "E = beta * E + (1.0 - beta) * dw * dw", "E = beta * E + dw * dw", "RMSprop average"),
    ("ex12_regularization", "return h * mask / p, mask", "return h * mask * p, mask", "dropout scale"),
    (
        "ex12_regularization",
        "random(h.shape) < p\n",
        "random(h.shape) > p\n",
        "p as drop probability",
    ),
    ("ex12_regularization", "+ 2.0 * lam * np.asarray(w", "+ lam * np.asarray(w", "L2 gradient factor"),
    (
        "ex12_regularization",
        "* np.asarray(mask, dtype=np.float64) / p",
        "* np.asarray(mask, dtype=np.float64)",
        "dropout backward scale",
    ),
    ("ex13_hyperparameter_search", "size *= len(values)", "size += len(values)", "sum instead of product"),
    (
        "ex13_hyperparameter_search",
        "n_evaluated += 1\n        if loss < best_loss",
        "n_evaluated += 1\n        if loss > best_loss",
        "keeps the worst",
    ),
    (
        "ex13_hyperparameter_search",
        "rng = np.random.default_rng(seed)\n",
        "rng = np.random.default_rng(seed + 1)\n",
        "other draws",
    ),
    ("ex14_train_digits", "lr, batch = 0.1, 32", "lr, batch = -0.1, 32", "gradient ascent"),
    (
        "ex14_train_digits",
        "return np.argmax(h @ Ws[1].T + bs[1], axis=1)",
        "return np.argmin(h @ Ws[1].T + bs[1], axis=1)",
        "least likely class",
    ),
    (
        "ex15_transfer_learning",
        "[np.array(w) for w in Ws[:-1]]",
        "[np.array(w) * 1.01 for w in Ws[:-1]]",
        "hidden layers not frozen",
    ),
    (
        "ex15_transfer_learning",
        "W = W - 1.0 * delta.T @ F",
        "W = W + 1.0 * delta.T @ F",
        "ascent on the new layer",
    ),
    (
        "ex16_fused_adam",
        "(mi / bc1) / (math.sqrt(vi / bc2) + eps)",
        "mi / (math.sqrt(vi) + eps)",
        "no bias correction",
    ),
    ("ex16_fused_adam", "m[i] = mi\n", "\n", "first moment never stored"),
    ("ex17_learning_rate", "e * e_next < 0.0", "e * e_next > 0.0", "oscillation test inverted"),
    ("ex17_learning_rate", "if abs(w_new - w) < tol:", "if abs(w_new - w) > tol:", "stops on a large step"),
    ("ex18_early_stopping", "if loss < best:", "if loss <= best:", "a tie counts as an improvement"),
    (
        "ex18_early_stopping",
        "val_losses.append(0.5 * float(r_val @ r_val) / len(y_val))",
        "val_losses.append(float(r_val @ r_val) / len(y_val))",
        "validation loss without its 1/2",
    ),
    (
        "ex19_dropout_training",
        "a = z if layer == len(Ws) - 1 else np.tanh(z) * masks[layer] / p",
        "a = z if layer == len(Ws) - 1 else np.tanh(z) * masks[layer] * p",
        "kept units multiplied by p",
    ),
    (
        "ex19_dropout_training",
        "delta = (delta @ Ws[layer]) * masks[layer - 1] / p * (1.0 - h * h)",
        "delta = (delta @ Ws[layer]) * (1.0 - h * h)",
        "backward pass ignores the masks",
    ),
    ("ex20_bayesian_optimisation", "gain = best - mu.flat[i] - xi", "gain = best - mu.flat[i] + xi",
     "xi added"),
    ("ex20_bayesian_optimisation", "return int(np.argmax(ei))", "return int(np.argmax(-ei))",
     "least improvement"),
    (
        "ex21_random_search",
        "config[name] = float(rng.uniform(args[0], args[1]))",
        "config[name] = float(rng.uniform(0.0, args[1]))",
        "uniform range from 0",
    ),
    ("ex21_random_search", "if losses[-1] < best_loss:", "if losses[-1] > best_loss:", "keeps no best"),
    (
        "ex22_transfer_kinds",
        "delta = (delta @ Ws[layer]) * (1.0 - acts[layer] ** 2)",
        "delta = delta @ Ws[layer]",
        "tanh derivative forgotten",
    ),
    ("ex22_transfer_kinds", '"fine_tuning": FINE_TUNE_FACTOR * LR', '"fine_tuning": 0.0',
     "fine-tuning frozen"),
]


def test_every_exercise_has_a_mutant() -> None:
    assert {e.id for e in EXERCISES} <= {m[0] for m in MUTANTS}


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize(
    ("exercise_id", "old", "new", "why"), MUTANTS, ids=[f"{m[0]}:{m[3]}" for m in MUTANTS]
)
def test_mutant_fails_a_check(tmp_path: Path, exercise_id: str, old: str, new: str, why: str) -> None:
    source = (SOLUTIONS / f"{exercise_id}.py").read_text(encoding="utf-8")
    assert source.count(old) == 1, f"mutation site for {why!r} not found exactly once"
    shutil.copy(SOLUTIONS / f"{exercise_id}.py", tmp_path / "original.py")
    (tmp_path / f"{exercise_id}.py").write_text(source.replace(old, new), encoding="utf-8")
    results = grade_directory(tmp_path, student_id="mutant", secret="test-secret", only={exercise_id})
    caught = [r.check for r in results if r.outcome in (Outcome.FAILED, Outcome.INVALID)]
    assert caught, (
        f"no check of {exercise_id} catches the mutant {why!r}: {[(r.check, r.outcome) for r in results]}"
    )
    assert sum(r.points for r in results) < sum(r.max_points for r in results)
