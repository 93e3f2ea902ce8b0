"""The one registry of exercises and graded checks (report "Apprentissage Profond").

Every exercise of ``solutions/`` / ``exercises/`` is listed here with its checks: what is called, on which
inputs, against what, for how many points. A check's ``inputs`` builds keyword arguments from a seeded
generator (``grader.seeds``). Its expected value is the report's published number when ``expected`` is set,
otherwise the same target run on ``solutions/`` in float64 (precomputed in ``grader/data/
public_expected.json`` for public checks). An input maker may also return the key ``"_expected"``: that
value is the expected one and never reaches the student's code (held-out labels of a training check).

Hidden checks sit between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``: the student bundle is
this file with those blocks removed, and it still imports.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from grader.model import Check, Comparison, Exercise, Inputs, Text

EXPECTED_KEY = "_expected"

REPORT = Comparison(kind="close", rtol=0.0, atol=1e-4)  # "≈ 0.8808": four decimals, as printed
EXACT = Comparison(kind="close", rtol=1e-12, atol=1e-12)
CLOSE = Comparison(kind="close", rtol=1e-7, atol=1e-10)
EQUAL = Comparison(kind="equal")


def _fixed(**inputs: Any) -> Callable[[np.random.Generator], Inputs]:
    return lambda rng: inputs


def _check(
    name: str,
    points: float,
    target: str,
    inputs: Callable[[np.random.Generator], Inputs],
    section: str,
    hint: tuple[str, str],
    **kw: Any,
) -> Check:
    return Check(
        name=name, points=points, target=target, inputs=inputs, section=section, hint=Text(*hint), **kw
    )


def _accuracy_at_least(threshold: float) -> Comparison:
    def predicate(got: Any, expected: Any) -> tuple[bool, str]:
        labels = np.asarray(expected)
        pred = np.asarray(got)
        if pred.shape != labels.shape:
            raise ValueError(f"expected {labels.shape[0]} predicted labels, got shape {pred.shape}")
        acc = float(np.mean(pred == labels))
        return acc >= threshold, f"held-out accuracy {acc:.4f} < required {threshold:.2f}"

    return Comparison(
        kind="predicate",
        predicate=predicate,
        describe=Text(
            f"exactitude >= {threshold:.0%} sur les données de test",
            f"accuracy >= {threshold:.0%} on held-out data",
        ),
    )


_CHECKS: dict[str, list[Check]] = {}
_TITLES: dict[str, tuple[Text, str, tuple[str, ...]]] = {}


def _exercise(id_: str, fr: str, en: str, section: str, functions: tuple[str, ...]) -> None:
    _TITLES[id_] = (Text(fr, en), section, functions)
    _CHECKS[id_] = []


# ------------------------------------------------------------ ex01 perceptron (1.2)

_exercise(
    "ex01_perceptron", "Perceptron monocouche", "Single-layer perceptron", "1.2", ("step", "perceptron")
)
_CHECKS["ex01_perceptron"] += [
    _check(
        "report_truth_table",
        2,
        "perceptron",
        _fixed(x=np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]), w=np.array([1.0, -1.0]), b=0.0),
        "1.2",
        ("step(0) vaut 1 : la condition est z >= 0.", "step(0) is 1: the condition is z >= 0."),
        expected=[1.0, 0.0, 1.0, 1.0],
        compare=EQUAL,
    ),
    _check(
        "step_values",
        1,
        "step",
        _fixed(z=np.array([-2.0, -0.5, 0.0, 0.5, 3.0])),
        "1.2",
        ("Travaillez élément par élément (np.where).", "Work element-wise (np.where)."),
        expected=[0.0, 0.0, 1.0, 1.0, 1.0],
        compare=EQUAL,
    ),
    _check(
        "with_bias",
        1,
        "perceptron",
        _fixed(x=np.array([[1.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]), w=np.array([1.0, 1.0]), b=-1.5),
        "1.2",
        ("Ajoutez le biais : z = w . x + b.", "Add the bias: z = w . x + b."),
        compare=EQUAL,
    ),
]

# ------------------------------------------------------------ ex02 sigmoid (1.3.4)

_exercise(
    "ex02_sigmoid",
    "Fonction d'activation sigmoïde",
    "Sigmoid activation",
    "1.3.4",
    ("sigmoid", "sigmoid_grad"),
)
_CHECKS["ex02_sigmoid"] += [
    _check(
        "report_values",
        2,
        "sigmoid",
        _fixed(z=np.array([-1.0, 0.0, 2.0])),
        "1.3.5",
        ("sigma(z) = 1 / (1 + e^{-z}).", "sigma(z) = 1 / (1 + e^{-z})."),
        expected=[0.2689, 0.5, 0.8808],
        compare=REPORT,
    ),
    _check(
        "extreme_inputs",
        1,
        "harness.sigmoid_without_overflow",
        _fixed(z=np.array([-1000.0, -40.0, 40.0, 1000.0])),
        "1.3.4",
        (
            "Pour z < 0, utilisez e^z / (1 + e^z), sans jamais calculer e^{-z} (np.where calcule les deux).",
            "For z < 0 use e^z / (1 + e^z), never computing e^{-z} (np.where computes both branches).",
        ),
        compare=EXACT,
    ),
    _check(
        "grad_values",
        1,
        "sigmoid_grad",
        _fixed(z=np.array([-1.0, 0.0, 2.0])),
        "1.3.4",
        ("sigma'(z) = sigma(z) (1 - sigma(z)).", "sigma'(z) = sigma(z) (1 - sigma(z))."),
        compare=EXACT,
    ),
]

# ------------------------------------------------------------ ex03 two-layer network (1.4.1)

_exercise(
    "ex03_two_layer_network",
    "Réseau de neurones à deux couches",
    "Two-layer network",
    "1.4.1",
    ("two_layer_network",),
)
_CHECKS["ex03_two_layer_network"] += [
    _check(
        "report_value",
        2,
        "two_layer_network",
        _fixed(x=2.0, w1=0.5, b1=-1.0, w2=1.0, b2=0.0),
        "1.4.2",
        (
            "h1 = sigma(w1 x + b1), puis y = sigma(w2 h1 + b2).",
            "h1 = sigma(w1 x + b1), then y = sigma(w2 h1 + b2).",
        ),
        expected=0.6225,
        compare=REPORT,
    ),
]

# ------------------------------------------------------------ ex04 forward pass (2.3.2)

_exercise("ex04_forward_pass", "Forward pass", "Forward pass", "2.3.2", ("forward_pass",))
_CHECKS["ex04_forward_pass"] += [
    _check(
        "report_value",
        2,
        "forward_pass",
        _fixed(x=np.array([2.0]), w=np.array([0.5]), b=-1.0),
        "2.3.3",
        ("z = w . x + b, puis sigma(z).", "z = w . x + b, then sigma(z)."),
        expected=0.5,
        compare=REPORT,
    ),
]

# ------------------------------------------------------------ ex05 quadratic cost (2.3.5)

_exercise(
    "ex05_quadratic_cost",
    "Coût quadratique et sa dérivée",
    "Quadratic cost and its derivative",
    "2.3.5",
    ("quadratic_cost", "quadratic_cost_grad"),
)
_CHECKS["ex05_quadratic_cost"] += [
    _check(
        "report_cost",
        1,
        "quadratic_cost",
        _fixed(y_pred=0.5, y_true=1.0),
        "2.3.6",
        ("C = 1/2 (y_prédit - y_réel)^2.", "C = 1/2 (y_pred - y_true)^2."),
        expected=0.125,
        compare=REPORT,
    ),
    _check(
        "report_derivative",
        2,
        "quadratic_cost_grad",
        _fixed(y_pred=0.5, y_true=1.0),
        "2.3.6",
        ("dC/dy_prédit = y_prédit - y_réel.", "dC/dy_pred = y_pred - y_true."),
        expected=-0.5,
        compare=REPORT,
    ),
]

# ------------------------------------------------------------ ex06 gradient descent (3.1.1)

_exercise(
    "ex06_gradient_descent",
    "Descente de gradient",
    "Gradient descent",
    "3.1.1",
    ("cost_grad", "gradient_descent_step", "gradient_descent"),
)
_CHECKS["ex06_gradient_descent"] += [
    _check(
        "report_gradient",
        1,
        "cost_grad",
        _fixed(w=0.0),
        "3.1.2",
        ("dC/dw = 2 (w - 3).", "dC/dw = 2 (w - 3)."),
        expected=-6.0,
        compare=REPORT,
    ),
    _check(
        "report_step",
        2,
        "gradient_descent_step",
        _fixed(w=0.0, lr=0.1),
        "3.1.2",
        (
            "w_nouveau = w - alpha dC/dw : on descend le gradient.",
            "w_new = w - alpha dC/dw: go down the gradient.",
        ),
        expected=0.6,
        compare=REPORT,
    ),
    _check(
        "path_from_report_start",
        1,
        "gradient_descent",
        _fixed(w0=0.0, lr=0.1, n_steps=5),
        "3.1",
        ("Renvoyez n_steps + 1 valeurs, w0 compris.", "Return n_steps + 1 values, w0 included."),
        compare=EXACT,
    ),
]

# ------------------------------------------------------------ ex07 activations (1.3.2, 1.3.3)

_ACTIVATION_HINTS = {
    "tanh": ("tanh(z) = (e^z - e^-z) / (e^z + e^-z).", "tanh(z) = (e^z - e^-z) / (e^z + e^-z)."),
    "tanh_grad": ("tanh'(z) = 1 - tanh(z)^2.", "tanh'(z) = 1 - tanh(z)^2."),
    "relu": ("max(0, z), élément par élément.", "max(0, z), element-wise."),
    "relu_grad": ("1 si z > 0, sinon 0 (0 en z = 0).", "1 if z > 0 else 0 (0 at z = 0)."),
    "leaky_relu": ("z si z > 0, sinon alpha z.", "z if z > 0 else alpha z."),
    "leaky_relu_grad": (
        "1 si z > 0, sinon alpha (alpha en z = 0).",
        "1 if z > 0 else alpha (alpha at z = 0).",
    ),
    "elu": ("z si z > 0, sinon alpha (e^z - 1).", "z if z > 0 else alpha (e^z - 1)."),
    "elu_grad": ("1 si z > 0, sinon alpha e^z.", "1 if z > 0 else alpha e^z."),
}
_WITH_ALPHA = {"leaky_relu", "leaky_relu_grad", "elu", "elu_grad"}
_Z_PUBLIC = np.array([[-3.0, -1.0, -0.25, 0.0], [0.25, 1.0, 3.0, 20.0]])

_exercise(
    "ex07_activations",
    "Fonctions d'activation et leurs dérivées",
    "Activation functions and their derivatives",
    "1.3.3",
    (*_ACTIVATION_HINTS, "softmax", "softmax_jacobian"),
)
for _name, _hint in _ACTIVATION_HINTS.items():
    _inputs = {"z": _Z_PUBLIC, "alpha": 0.1} if _name in _WITH_ALPHA else {"z": _Z_PUBLIC}
    _CHECKS["ex07_activations"].append(
        _check(
            _name,
            0.5,
            _name,
            _fixed(**_inputs),
            "1.3.3" if _name in _WITH_ALPHA else "1.3.2",
            _hint,
            compare=CLOSE,
        )
    )
_CHECKS["ex07_activations"] += [
    _check(
        "softmax",
        1,
        "softmax",
        _fixed(z=np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 990.0], [-5.0, 0.0, 5.0]])),
        "1.3.3",
        ("Soustrayez le max de chaque ligne avant exp.", "Subtract each row's max before exp."),
        compare=CLOSE,
    ),
    _check(
        "softmax_jacobian",
        1,
        "softmax_jacobian",
        _fixed(z=np.array([0.5, -1.0, 2.0, 0.0])),
        "1.3.3",
        ("J = diag(s) - s s^T.", "J = diag(s) - s s^T."),
        compare=CLOSE,
    ),
]

# ------------------------------------------------------------ ex08 dense layer (2.3.1, 2.3.4)


def _dense_inputs(
    batch: int, n_in: int, n_out: int, backward: bool
) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        a_prev = rng.standard_normal((batch, n_in))
        W = rng.standard_normal((n_out, n_in))
        if backward:
            return {"delta": rng.standard_normal((batch, n_out)), "a_prev": a_prev, "W": W}
        return {"a_prev": a_prev, "W": W, "b": rng.standard_normal(n_out)}

    return make


_exercise(
    "ex08_dense_layer",
    "Couche dense : forward et backward",
    "Dense layer: forward and backward",
    "2.3.4",
    ("dense_forward", "dense_backward"),
)
_CHECKS["ex08_dense_layer"] += [
    _check(
        "forward",
        1,
        "dense_forward",
        _dense_inputs(4, 3, 2, backward=False),
        "2.3.1",
        ("Z = A_prev W^T + b, W de forme (n_out, n_in).", "Z = A_prev W^T + b, W of shape (n_out, n_in)."),
        compare=CLOSE,
    ),
    _check(
        "backward",
        2,
        "dense_backward",
        _dense_inputs(4, 3, 2, backward=True),
        "2.3.4",
        (
            "dW = delta^T A_prev, db = somme de delta sur le lot, dA_prev = delta W.",
            "dW = delta^T A_prev, db = delta summed over the batch, dA_prev = delta W.",
        ),
        compare=CLOSE,
    ),
]

# ------------------------------------------------------------ ex09 gradient check (2.3.4)


def _gradcheck_inputs(n: int, m: int) -> Callable[[np.random.Generator], Inputs]:
    return lambda rng: {"x": rng.standard_normal(n), "A": rng.standard_normal((m, n)), "h": 1e-5}


_exercise(
    "ex09_gradient_check",
    "Vérification du gradient par différences finies",
    "Gradient check by finite differences",
    "2.3.4",
    ("numerical_gradient", "relative_error"),
)
_CHECKS["ex09_gradient_check"] += [
    _check(
        "numerical_gradient",
        2,
        "harness.numerical_gradient_of_test_function",
        _gradcheck_inputs(5, 3),
        "2.3.4",
        (
            "Différence centrée (f(x+h) - f(x-h)) / 2h, une composante à la fois ; remettez x en place.",
            "Centred difference (f(x+h) - f(x-h)) / 2h, one component at a time; restore x.",
        ),
        compare=Comparison(kind="close", rtol=1e-6, atol=1e-8),
    ),
    _check(
        "relative_error",
        1,
        "relative_error",
        _fixed(a=np.array([1.0, -2.0, 3.0]), b=np.array([1.0, -2.1, 2.5])),
        "2.3.4",
        ("max |a - b| / max(1e-12, max(|a| + |b|)).", "max |a - b| / max(1e-12, max(|a| + |b|))."),
        compare=EXACT,
    ),
]

# ------------------------------------------------------------ ex10 MLP backward (2.3.4)


def _mlp_inputs(sizes: tuple[int, ...], batch: int, forward: bool) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        Ws = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in) for n_in, n_out in itertools.pairwise(sizes)]
        bs = [0.1 * rng.standard_normal(n_out) for n_out in sizes[1:]]
        X = rng.standard_normal((batch, sizes[0]))
        if forward:
            return {"X": X, "Ws": Ws, "bs": bs}
        return {"X": X, "Y": rng.standard_normal((batch, sizes[-1])), "Ws": Ws, "bs": bs}

    return make


_exercise(
    "ex10_mlp_backward",
    "Rétropropagation dans un perceptron multicouche",
    "Backpropagation through an MLP",
    "2.3.4",
    ("mlp_forward", "mlp_loss_and_grads"),
)
_CHECKS["ex10_mlp_backward"] += [
    _check(
        "forward",
        1,
        "mlp_forward",
        _mlp_inputs((3, 4, 2), 5, forward=True),
        "2.3.1",
        (
            "tanh sur les couches cachées, identité en sortie.",
            "tanh on hidden layers, identity on the output.",
        ),
        compare=CLOSE,
    ),
    _check(
        "loss_and_grads",
        3,
        "mlp_loss_and_grads",
        _mlp_inputs((3, 4, 2), 5, forward=False),
        "2.3.4",
        (
            "delta_L = (y_hat - y) / batch ; delta_{l-1} = (delta_l W_l) * (1 - a_{l-1}^2).",
            "delta_L = (y_hat - y) / batch; delta_{l-1} = (delta_l W_l) * (1 - a_{l-1}^2).",
        ),
        compare=CLOSE,
    ),
]

# ------------------------------------------------------------ ex11 optimizers (3.1, 3.2)

_OPT_HP = {
    "sgd": {"lr": 0.1},
    "momentum": {"lr": 0.1, "beta": 0.9},
    "nesterov": {"lr": 0.1, "beta": 0.9},
    # eps large enough that where it sits (inside or after the square root) shows in the result
    "adagrad": {"lr": 0.5, "eps": 0.1},
    "rmsprop": {"lr": 0.05, "beta": 0.9, "eps": 0.1},
    "adam": {"lr": 0.05, "beta1": 0.9, "beta2": 0.999, "eps": 1e-3},
}
_OPT_SECTIONS = {
    "sgd": "3.2.2",
    "momentum": "3.2.3",
    "nesterov": "3.2.4",
    "adagrad": "3.2.5",
    "rmsprop": "3.2.6",
    "adam": "3.2.7",
}
_OPT_HINTS = {
    "sgd": ("w - eta dw.", "w - eta dw."),
    "momentum": (
        "v = beta v + (1 - beta) dw, puis w - eta v ; renvoyez (w, v).",
        "v = beta v + (1 - beta) dw, then w - eta v; return (w, v).",
    ),
    "nesterov": (
        "Le gradient est pris au point anticipé w - eta beta v.",
        "The gradient is taken at the look-ahead point w - eta beta v.",
    ),
    "adagrad": (
        "G accumule dw^2 ; eps est sous la racine.",
        "G accumulates dw^2; eps is inside the square root.",
    ),
    "rmsprop": (
        "E = beta E + (1 - beta) dw^2 ; eps sous la racine.",
        "E = beta E + (1 - beta) dw^2; eps inside the root.",
    ),
    "adam": (
        "N'oubliez pas la correction du biais 1 - beta^t, et eps hors de la racine.",
        "Do not forget the bias correction 1 - beta^t, and eps outside the root.",
    ),
}


def _opt_step_inputs(name: str, n: int) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        w, dw = rng.standard_normal(n), rng.standard_normal(n)
        hp = dict(_OPT_HP.get(name, {}))
        if name == "sgd":
            return {"w": w, "dw": dw, **hp}
        if name == "momentum":
            return {"w": w, "dw": dw, "v": rng.standard_normal(n), **hp}
        if name == "nesterov_lookahead":
            return {"w": w, "v": rng.standard_normal(n), **_OPT_HP["nesterov"]}
        if name == "nesterov":
            return {"w": w, "g_ahead": dw, "v": rng.standard_normal(n), **hp}
        if name == "adagrad":
            return {"w": w, "dw": dw, "G": rng.random(n), **hp}
        if name == "rmsprop":
            return {"w": w, "dw": dw, "E": rng.random(n), **hp}
        return {"w": w, "dw": dw, "m": 0.1 * rng.standard_normal(n), "v": 0.1 * rng.random(n), "t": 3, **hp}

    return make


def _run_inputs(name: str, n: int, steps: int) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        return {
            "name": name,
            "w0": rng.standard_normal(n),
            "scales": rng.uniform(0.5, 3.0, n),
            "center": rng.standard_normal(n),
            "steps": steps,
            "hp": dict(_OPT_HP[name]),
        }

    return make


_exercise(
    "ex11_optimizers",
    "Un pas de chaque optimiseur",
    "One step of each optimizer",
    "3.2",
    (
        "sgd_step",
        "momentum_step",
        "nesterov_lookahead",
        "nesterov_step",
        "adagrad_step",
        "rmsprop_step",
        "adam_step",
    ),
)
for _name in ("sgd", "momentum", "nesterov_lookahead", "nesterov", "adagrad", "rmsprop", "adam"):
    _base = "nesterov" if _name.startswith("nesterov") else _name
    _target = _name if _name == "nesterov_lookahead" else f"{_name}_step"
    _CHECKS["ex11_optimizers"].append(
        _check(
            f"{_target}_one_step",
            1,
            _target,
            _opt_step_inputs(_name, 6),
            _OPT_SECTIONS[_base],
            _OPT_HINTS[_base],
            compare=CLOSE,
        )
    )
_CHECKS["ex11_optimizers"].append(
    _check(
        "adam_run_20_steps",
        1,
        "harness.run_optimizer",
        _run_inputs("adam", 5, 20),
        "3.2.7",
        (
            "Renvoyez de nouveaux tableaux sans modifier les arguments ; t commence à 1.",
            "Return new arrays without modifying the arguments; t starts at 1.",
        ),
        compare=CLOSE,
    )
)

# ------------------------------------------------------------ ex12 regularisation (3.4)

_exercise(
    "ex12_regularization",
    "Régularisation L2 et dropout",
    "L2 regularisation and dropout",
    "3.4",
    ("l2_penalty", "l2_grad", "dropout_forward", "dropout_backward"),
)


def _l2_inputs(rng: np.random.Generator) -> Inputs:
    return {"weights": [rng.standard_normal((3, 4)), rng.standard_normal(4)], "lam": 0.01}


def _dropout_inputs(rng: np.random.Generator) -> Inputs:
    return {"h": rng.standard_normal((6, 5)), "p": 0.8, "seed": 7}


def _dropout_backward_inputs(rng: np.random.Generator) -> Inputs:
    return {"dout": rng.standard_normal((6, 5)), "mask": rng.random((6, 5)) < 0.7, "p": 0.7}


_CHECKS["ex12_regularization"] += [
    _check(
        "l2_penalty",
        1,
        "l2_penalty",
        _l2_inputs,
        "3.4.1",
        (
            "lambda fois la somme des carrés de TOUS les poids (éq. 3.5).",
            "lambda times the sum of squares of ALL weights (eq. 3.5).",
        ),
        compare=CLOSE,
    ),
    _check(
        "l2_grad",
        1,
        "l2_grad",
        lambda rng: {"dw": rng.standard_normal(5), "w": rng.standard_normal(5), "lam": 0.05},
        "3.4.1",
        ("La dérivée de lambda w^2 est 2 lambda w.", "The derivative of lambda w^2 is 2 lambda w."),
        compare=CLOSE,
    ),
    _check(
        "dropout_forward",
        2,
        "dropout_forward",
        _dropout_inputs,
        "3.4.2",
        (
            "p est la probabilité de GARDER ; les activations gardées sont divisées par p.",
            "p is the probability to KEEP; kept activations are divided by p.",
        ),
        compare=CLOSE,
    ),
    _check(
        "dropout_backward",
        1,
        "dropout_backward",
        _dropout_backward_inputs,
        "3.4.2",
        ("Même masque, même facteur 1/p qu'en avant.", "Same mask and the same 1/p factor as forward."),
        compare=CLOSE,
    ),
]

# ------------------------------------------------------------ ex13 hyperparameter search (3.5.2)


def _search_data(
    rng: np.random.Generator, n_train: int = 60, n_val: int = 40, d: int = 4
) -> dict[str, np.ndarray]:
    w = rng.standard_normal(d)
    X = rng.standard_normal((n_train + n_val, d))
    y = ((X @ w + 0.7 * rng.standard_normal(n_train + n_val)) > 0).astype(np.float64)
    return {"X_train": X[:n_train], "y_train": y[:n_train], "X_val": X[n_train:], "y_val": y[n_train:]}


def _tied_search_data(
    rng: np.random.Generator, n_train: int, n_val: int, d: int
) -> dict[str, np.ndarray]:
    """Separable data whose validation labels are the opposite of the training rule: every trained model
    scores worse on them than the untrained one, whose loss is exactly log 2 whatever ``lam`` and
    ``epochs`` are when ``lr = 0``. A grid holding ``lr = 0`` then has several combinations tied at the
    lowest loss, and only the first of them, in ``itertools.product`` order, is the right answer."""
    w = rng.standard_normal(d)
    X = rng.standard_normal((n_train + n_val, d))
    y = (X @ w > 0).astype(np.float64)
    return {"X_train": X[:n_train], "y_train": y[:n_train], "X_val": X[n_train:], "y_val": 1.0 - y[n_train:]}


def _tied_grid(rng: np.random.Generator) -> dict[str, list[Any]]:
    """A grid over ``lr`` (one value 0), ``lam`` and ``epochs``, values and key order drawn at random."""
    grid: dict[str, list[Any]] = {
        "lr": [0.0, float(rng.uniform(0.3, 1.0))],
        "lam": [0.0, float(rng.uniform(0.01, 0.2))],
        "epochs": [int(e) for e in rng.choice(np.arange(5, 41), 2, replace=False)],
    }
    for values in grid.values():
        rng.shuffle(values)
    keys = list(grid)
    return {keys[i]: grid[keys[i]] for i in rng.permutation(len(keys))}


_GRID = {"lr": [0.05, 0.2, 0.8], "lam": [0.0, 0.01], "epochs": [10, 40]}
_TIED_GRID = {"lr": [0.5, 0.0], "lam": [0.0, 0.1], "epochs": [10, 40]}

_exercise(
    "ex13_hyperparameter_search",
    "Recherche d'hyperparamètres",
    "Hyperparameter search",
    "3.5.2",
    ("grid_size", "grid_search", "random_search"),
)
_CHECKS["ex13_hyperparameter_search"] += [
    _check(
        "grid_size",
        1,
        "grid_size",
        _fixed(grid=_GRID),
        "3.5.2",
        (
            "Éq. 3.7 : produit du nombre de valeurs de chaque hyperparamètre.",
            "Eq. 3.7: product of the number of values of each hyperparameter.",
        ),
        expected=12,
        compare=EQUAL,
    ),
    _check(
        "grid_search",
        2,
        "grid_search",
        lambda rng: {**_search_data(rng), "grid": _GRID},
        "3.5.2",
        (
            "Toutes les combinaisons (itertools.product), la première de perte minimale.",
            "Every combination (itertools.product), the first of lowest loss.",
        ),
        compare=CLOSE,
    ),
    _check(
        "grid_search_ties",
        1,
        "grid_search",
        lambda rng: {**_tied_search_data(rng, 40, 30, 3), "grid": _TIED_GRID},
        "3.5.2",
        (
            "Plusieurs combinaisons ont la même perte minimale : gardez la première (<, pas <=).",
            "Several combinations share the lowest loss: keep the first one (<, not <=).",
        ),
        compare=CLOSE,
    ),
    _check(
        "random_search",
        2,
        "random_search",
        lambda rng: {**_search_data(rng), "space": _GRID, "n_trials": 5, "seed": 3},
        "3.5.2",
        (
            "Tirez les essais exactement comme le dit l'énoncé.",
            "Draw the trials exactly as the docstring says.",
        ),
        compare=CLOSE,
    ),
]

# ------------------------------------------------------------ ex14 training on digits (2.3, 3.2)


def _digits_inputs(rng: np.random.Generator) -> Inputs:
    from grader.datasets import digits_split, heldout_digits

    X_train, y_train, X_test, y_test = digits_split(rng)
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": heldout_digits(X_test, y_test, rng),
        "seed": int(rng.integers(2**31)),
        EXPECTED_KEY: y_test,
    }


_exercise(
    "ex14_train_digits",
    "Entraîner un MLP sur les chiffres manuscrits",
    "Train an MLP on handwritten digits",
    "3.2",
    ("train_mlp", "predict"),
)
_CHECKS["ex14_train_digits"] += [
    _check(
        "accuracy_90",
        4,
        "harness.train_and_predict",
        _digits_inputs,
        "2.3",
        (
            "Softmax + entropie croisée, tanh ou ReLU, quelques dizaines d'epochs de SGD par mini-lots.",
            "Softmax + cross-entropy, tanh or ReLU, a few tens of epochs of minibatch SGD.",
        ),
        compare=_accuracy_at_least(0.90),
        timeout_s=60.0,
    ),
]

# ------------------------------------------------------------ ex15 transfer learning (3.6)

TRANSFER_HIDDEN = 32


def _transfer_inputs(with_test: bool) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        from grader.datasets import digits_split, heldout_digits, pretrain_digits

        X_src, y_src, _, _ = digits_split(rng, classes=(0, 1, 2, 3, 4))
        Ws, bs = pretrain_digits(X_src, y_src, hidden=TRANSFER_HIDDEN, seed=int(rng.integers(2**31)))
        X_train, y_train, X_test, y_test = digits_split(rng, classes=(5, 6, 7, 8, 9))
        inputs = {
            "Ws": Ws,
            "bs": bs,
            "X_train": X_train,
            "y_train": y_train - 5,
            "n_classes": 5,
            "seed": int(rng.integers(2**31)),
        }
        if with_test:
            held_out = {"X_test": heldout_digits(X_test, y_test, rng), "labels": y_test - 5}
            fit = {key: value for key, value in inputs.items() if key not in ("X_train", "y_train")}
            return {**fit, "X": X_train, "y": y_train - 5, EXPECTED_KEY: held_out}
        frozen = {
            "Ws": [w.copy() for w in Ws[:-1]],
            "bs": [b.copy() for b in bs[:-1]],
            "output_shapes": [[5, TRANSFER_HIDDEN], [5]],
        }
        return {**inputs, EXPECTED_KEY: frozen}

    return make


def _returned_network(got: Any, n_in: int, n_out: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``(new_Ws, new_bs)`` as ``fine_tune_output`` returned them, as float64 arrays whose shapes chain
    from ``n_in`` inputs to ``n_out`` outputs; ``ValueError`` (judged invalid) otherwise."""
    if not isinstance(got, list | tuple) or len(got) != 2:
        raise ValueError("fine_tune_output must return (new_Ws, new_bs)")
    Ws, bs = got
    if not isinstance(Ws, list | tuple) or not isinstance(bs, list | tuple) or not Ws or len(Ws) != len(bs):
        raise ValueError("new_Ws and new_bs must be lists of the same, non-zero length")
    Ws = [np.asarray(W, dtype=np.float64) for W in Ws]
    bs = [np.asarray(b, dtype=np.float64) for b in bs]
    width = n_in
    for layer, (W, b) in enumerate(zip(Ws, bs, strict=True), start=1):
        if W.ndim != 2 or W.shape[1] != width or b.shape != (W.shape[0],):
            raise ValueError(f"layer {layer}: W of shape {W.shape}, b of shape {b.shape} after {width} units")
        width = W.shape[0]
    if width != n_out:
        raise ValueError(f"the new output layer has {width} outputs, not n_classes = {n_out}")
    return Ws, bs


def _transfer_accuracy_at_least(threshold: float) -> Comparison:
    """``_accuracy_at_least(threshold)`` of the network that ``fine_tune_output`` returned (tanh hidden
    layers, linear output, arg max), run here in the parent on the held-out images of the expected value
    ``{"X_test", "labels"}``: they never reach the child, so nothing the submission runs can see them."""
    accuracy = _accuracy_at_least(threshold)
    of_labels: Callable[[Any, Any], tuple[bool, str]] = accuracy.predicate  # type: ignore[assignment]

    def predicate(got: Any, expected: Any) -> tuple[bool, str]:
        X = np.asarray(expected["X_test"], dtype=np.float64)
        labels = np.asarray(expected["labels"])
        Ws, bs = _returned_network(got, X.shape[1], int(labels.max()) + 1)
        with np.errstate(all="ignore"):
            for W, b in zip(Ws[:-1], bs[:-1], strict=True):
                X = np.tanh(X @ W.T + b)
            z = X @ Ws[-1].T + bs[-1]
        if not np.all(np.isfinite(z)):
            raise ValueError("the returned network's outputs on the held-out images are not finite")
        return of_labels(np.argmax(z, axis=1), labels)

    return Comparison(kind="predicate", predicate=predicate, describe=accuracy.describe)


_exercise(
    "ex15_transfer_learning",
    "Apprentissage par transfert",
    "Transfer learning",
    "3.6",
    ("hidden_features", "fine_tune_output"),
)
_CHECKS["ex15_transfer_learning"] += [
    _check(
        "accuracy_85",
        3,
        "fine_tune_output",
        _transfer_inputs(with_test=True),
        "3.6",
        (
            "Calculez les caractéristiques cachées une fois, puis entraînez une régression softmax dessus.",
            "Compute the hidden features once, then train a softmax regression on them.",
        ),
        compare=_transfer_accuracy_at_least(0.85),
        timeout_s=60.0,
    ),
    _check(
        "frozen_layers_unchanged",
        2,
        "harness.transfer_hidden_layers",
        _transfer_inputs(with_test=False),
        "3.6.1",
        (
            "Ne modifiez ni ne réentraînez les couches cachées ; la nouvelle sortie a n_classes lignes.",
            "Do not modify or retrain the hidden layers; the new output layer has n_classes rows.",
        ),
        compare=EQUAL,
        timeout_s=60.0,
    ),
]

# ------------------------------------------------------------ ex16 fused Adam (3.2.7, performance)

_ADAM_HP = {"lr": 1e-2, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}


def _fused_inputs(n: int, steps: int, random_t0: bool) -> Callable[[np.random.Generator], Inputs]:
    def make(rng: np.random.Generator) -> Inputs:
        return {
            "w": rng.standard_normal(n),
            "g": rng.standard_normal(n),
            "m": 0.1 * rng.standard_normal(n),
            "v": 0.1 * rng.random(n),
            "t0": int(rng.integers(0, 50)) if random_t0 else 0,
            "steps": steps,
            "hp": dict(_ADAM_HP),
        }

    return make


FUSED_ADAM_N = 2_000_000
FUSED_ADAM_STEPS = 40


def _benchmark_inputs(rng: np.random.Generator) -> Inputs:
    """The timed scenario's size and the seed of its arrays; every timed run draws its own seed."""
    return {"n": FUSED_ADAM_N, "steps": FUSED_ADAM_STEPS, "seed": int(rng.integers(2**31))}


_exercise(
    "ex16_fused_adam",
    "Performance : un pas d'Adam fusionné avec Numba",
    "Performance: a fused Numba Adam step",
    "3.2.7",
    ("adam_step_fused",),
)
_CHECKS["ex16_fused_adam"] += [
    _check(
        "correct_in_place",
        2,
        "harness.fused_adam_steps",
        _fused_inputs(50, 3, random_t0=False),
        "3.2.7",
        (
            "Écrivez dans les tableaux (m[i] = ...), ne les réaffectez pas ; corrections de biais avec t.",
            "Write into the arrays (m[i] = ...), do not rebind them; bias corrections use t.",
        ),
        compare=Comparison(kind="close", rtol=1e-10, atol=1e-12),
        timeout_s=60.0,
    ),
    _check(
        "speed_vs_reference",
        3,
        "harness.fused_adam_benchmark",
        _benchmark_inputs,
        "3.2.7",
        (
            "Une boucle @njit(error_model='numpy'), corrections de biais hors de la boucle, sans allocation.",
            "One @njit(error_model='numpy') loop, bias corrections outside the loop, no allocation.",
        ),
        compare=Comparison(kind="close", rtol=1e-9, atol=1e-9),
        timeout_s=120.0,
        timing=True,
    ),
]

### BEGIN HIDDEN TESTS
_H = "hidden"


def _hidden(
    exercise_id: str,
    name: str,
    points: float,
    target: str,
    inputs: Callable[[np.random.Generator], Inputs],
    section: str,
    hint: tuple[str, str],
    **kw: Any,
) -> None:
    _CHECKS[exercise_id].append(
        _check(f"{_H}_{name}", points, target, inputs, section, hint, hidden=True, **kw)
    )


def _with_zeros(rng: np.random.Generator, z: np.ndarray, count: int) -> np.ndarray:
    """``z`` with ``count`` entries at random places set to exactly 0 (where step and the ReLU-like
    derivatives have their convention), which random normals never hit."""
    z = np.array(z, dtype=np.float64)
    z.reshape(-1)[rng.choice(z.size, count, replace=False)] = 0.0
    return z


def _with_extremes(rng: np.random.Generator, z: np.ndarray) -> np.ndarray:
    """``z`` with a zero, two entries below -710 and two above 710 (``exp`` overflows past 709.78)."""
    z = np.array(z, dtype=np.float64)
    places = rng.choice(z.size, 5, replace=False)
    z.reshape(-1)[places] = [0.0, *(np.array([-1.0, -1.0, 1.0, 1.0]) * rng.uniform(710.0, 1500.0, 4))]
    return z


def _gradient_pair(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """An analytic gradient ``a`` and a numerical one ``b`` close to it, component errors of varied size,
    as a gradient check compares them."""
    a = rng.standard_normal(n)
    return {"a": a, "b": a * (1.0 + 0.01 * rng.standard_normal(n)) + 1e-4 * rng.standard_normal(n)}


def _row_offsets(rng: np.random.Generator, rows: int) -> np.ndarray:
    """A column of per-row offsets: one row near +1000, one near -1000, the others 0."""
    offsets = np.zeros((rows, 1))
    up, down = rng.choice(rows, 2, replace=False)
    offsets[up], offsets[down] = rng.uniform(800.0, 1200.0), -rng.uniform(800.0, 1200.0)
    return offsets


_hidden(
    "ex01_perceptron",
    "random_batch",
    2,
    "perceptron",
    lambda rng: {
        "x": 0.5 * rng.standard_normal((20, 3)),
        "w": rng.standard_normal(3),
        "b": float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)),
    },
    "1.2",
    ("Une sortie par ligne de x : step(x @ w + b).", "One output per row of x: step(x @ w + b)."),
    compare=EQUAL,
)
_hidden(
    "ex01_perceptron",
    "step_random",
    1,
    "step",
    lambda rng: {"z": _with_zeros(rng, np.round(rng.standard_normal((4, 5)), 1), 3)},
    "1.2",
    ("step(0) vaut 1.", "step(0) is 1."),
    compare=EQUAL,
)
_hidden(
    "ex02_sigmoid",
    "random_array",
    2,
    "harness.sigmoid_without_overflow",
    lambda rng: {"z": _with_extremes(rng, 6.0 * rng.standard_normal((5, 7)))},
    "1.3.4",
    (
        "Élément par élément, toute forme de tableau, sans dépassement pour |z| > 710.",
        "Element-wise, any array shape, no overflow for |z| > 710.",
    ),
    compare=CLOSE,
)
_hidden(
    "ex02_sigmoid",
    "grad_random",
    1,
    "sigmoid_grad",
    lambda rng: {"z": 4.0 * rng.standard_normal(9)},
    "1.3.4",
    ("sigma'(z) = sigma(z) (1 - sigma(z)).", "sigma'(z) = sigma(z) (1 - sigma(z))."),
    compare=CLOSE,
)
_hidden(
    "ex03_two_layer_network",
    "random_weights",
    2,
    "two_layer_network",
    lambda rng: dict(zip(("x", "w1", "b1", "w2", "b2"), map(float, rng.standard_normal(5)), strict=True)),
    "1.4.1",
    (
        "Utilisez tous les paramètres, pas les valeurs de l'exemple.",
        "Use every parameter, not the example's values.",
    ),
    compare=CLOSE,
)
_hidden(
    "ex04_forward_pass",
    "random_vector",
    2,
    "forward_pass",
    lambda rng: {"x": rng.standard_normal(6), "w": rng.standard_normal(6), "b": float(rng.standard_normal())},
    "2.3.1",
    ("z = somme des w_i x_i + b.", "z = sum of w_i x_i + b."),
    compare=CLOSE,
)
_hidden(
    "ex05_quadratic_cost",
    "random_vector_cost",
    1,
    "quadratic_cost",
    lambda rng: {"y_pred": rng.standard_normal(4), "y_true": rng.standard_normal(4)},
    "2.3.4",
    ("Somme sur les sorties de 1/2 (écart)^2.", "Sum over outputs of 1/2 (difference)^2."),
    compare=CLOSE,
)
_hidden(
    "ex05_quadratic_cost",
    "random_vector_grad",
    1,
    "quadratic_cost_grad",
    lambda rng: {"y_pred": rng.standard_normal(4), "y_true": rng.standard_normal(4)},
    "2.3.5",
    ("Un gradient par sortie.", "One gradient per output."),
    compare=CLOSE,
)
_hidden(
    "ex06_gradient_descent",
    "random_step",
    1,
    "gradient_descent_step",
    lambda rng: {"w": float(4 * rng.standard_normal()), "lr": float(rng.uniform(0.01, 0.4))},
    "3.1",
    ("w - alpha 2 (w - 3).", "w - alpha 2 (w - 3)."),
    compare=CLOSE,
)
_hidden(
    "ex06_gradient_descent",
    "random_path",
    1,
    "gradient_descent",
    lambda rng: {
        "w0": float(4 * rng.standard_normal()),
        "lr": float(rng.uniform(0.01, 0.4)),
        "n_steps": int(rng.integers(3, 12)),
    },
    "3.1",
    ("Chaque pas part du précédent.", "Each step starts from the previous one."),
    compare=CLOSE,
)
for _name, _hint in _ACTIVATION_HINTS.items():
    _hidden(
        "ex07_activations",
        f"{_name}_random",
        0.5,
        _name,
        (
            lambda rng: {
                "z": _with_zeros(rng, 3.0 * rng.standard_normal((4, 6)), 3),
                "alpha": float(rng.uniform(0.01, 1.5)),
            }
        )
        if _name in _WITH_ALPHA
        else (lambda rng: {"z": _with_zeros(rng, 3.0 * rng.standard_normal((4, 6)), 3)}),
        "1.3.3",
        _hint,
        compare=CLOSE,
    )
_hidden(
    "ex07_activations",
    "softmax_random",
    1,
    "softmax",
    lambda rng: {"z": 30.0 * rng.standard_normal((5, 4)) + _row_offsets(rng, 5)},
    "1.3.3",
    (
        "Chaque ligne somme à 1 ; soustrayez le max de la ligne (lignes autour de +-1000).",
        "Each row sums to 1; subtract the row's max (rows around +-1000).",
    ),
    compare=CLOSE,
)
_hidden(
    "ex07_activations",
    "softmax_jacobian_random",
    1,
    "softmax_jacobian",
    lambda rng: {"z": rng.standard_normal(5)},
    "1.3.3",
    ("J[i, j] = s_i (delta_ij - s_j).", "J[i, j] = s_i (delta_ij - s_j)."),
    compare=CLOSE,
)
_hidden(
    "ex08_dense_layer",
    "forward_random",
    1,
    "dense_forward",
    _dense_inputs(7, 5, 3, backward=False),
    "2.3.1",
    ("Vérifiez les formes : W est (n_out, n_in).", "Check the shapes: W is (n_out, n_in)."),
    compare=CLOSE,
)
_hidden(
    "ex08_dense_layer",
    "backward_random",
    2,
    "dense_backward",
    _dense_inputs(7, 5, 3, backward=True),
    "2.3.4",
    ("Sommez sur le lot pour dW et db.", "Sum over the batch for dW and db."),
    compare=CLOSE,
)
_hidden(
    "ex09_gradient_check",
    "numerical_gradient_random",
    2,
    "harness.numerical_gradient_of_test_function",
    _gradcheck_inputs(7, 4),
    "2.3.4",
    ("Une différence centrée par composante.", "One centred difference per component."),
    compare=Comparison(kind="close", rtol=1e-6, atol=1e-8),
)
_hidden(
    "ex09_gradient_check",
    "relative_error_random",
    1,
    "relative_error",
    lambda rng: _gradient_pair(rng, 6),
    "2.3.4",
    (
        "Maximum sur les composantes, au numérateur comme au dénominateur.",
        "Maximum over components, top and bottom.",
    ),
    compare=EXACT,
)
_hidden(
    "ex10_mlp_backward",
    "forward_deep",
    1,
    "mlp_forward",
    _mlp_inputs((4, 6, 5, 3), 7, forward=True),
    "2.3.1",
    ("Bouclez sur toutes les couches.", "Loop over every layer."),
    compare=CLOSE,
)
_hidden(
    "ex10_mlp_backward",
    "loss_and_grads_deep",
    3,
    "mlp_loss_and_grads",
    _mlp_inputs((4, 6, 5, 3), 7, forward=False),
    "2.3.4",
    (
        "Trois couches : la récurrence sur delta doit traverser chaque couche cachée.",
        "Three layers: the delta recursion must go through every hidden layer.",
    ),
    compare=CLOSE,
)
for _name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"):
    _hidden(
        "ex11_optimizers",
        f"{_name}_run",
        1,
        "harness.run_optimizer",
        _run_inputs(_name, 8, 25),
        _OPT_SECTIONS[_name],
        _OPT_HINTS[_name],
        compare=CLOSE,
    )
_hidden(
    "ex12_regularization",
    "l2_random",
    1,
    "l2_penalty",
    lambda rng: {
        "weights": [rng.standard_normal((4, 2)), rng.standard_normal(3), rng.standard_normal((2, 2))],
        "lam": float(rng.uniform(0.001, 0.1)),
    },
    "3.4.1",
    ("Sommez sur chaque tableau de la liste.", "Sum over every array of the list."),
    compare=CLOSE,
)
_hidden(
    "ex12_regularization",
    "dropout_random",
    2,
    "dropout_forward",
    lambda rng: {
        "h": rng.standard_normal((8, 6)),
        "p": float(rng.uniform(0.5, 0.8)),
        "seed": int(rng.integers(2**31)),
    },
    "3.4.2",
    (
        "Tirez le masque exactement comme indiqué, avec la graine donnée.",
        "Draw the mask exactly as stated, with the given seed.",
    ),
    compare=CLOSE,
)
_hidden(
    "ex12_regularization",
    "l2_grad_random",
    1,
    "l2_grad",
    lambda rng: {
        "dw": rng.standard_normal((3, 4)),
        "w": rng.standard_normal((3, 4)),
        "lam": float(rng.uniform(0.01, 0.5)),
    },
    "3.4.1",
    ("d/dw (lambda w^2) = 2 lambda w.", "d/dw (lambda w^2) = 2 lambda w."),
    compare=CLOSE,
)
_hidden(
    "ex12_regularization",
    "dropout_backward_random",
    1,
    "dropout_backward",
    lambda rng: {
        "dout": rng.standard_normal((7, 5)),
        "mask": rng.random((7, 5)) < 0.6,
        "p": float(rng.uniform(0.5, 0.9)),
    },
    "3.4.2",
    ("Le gradient des neurones gardés est divisé par p.", "The gradient of kept units is divided by p."),
    compare=CLOSE,
)
_hidden(
    "ex13_hyperparameter_search",
    "grid_size_random",
    1,
    "grid_size",
    lambda rng: {
        "grid": {
            key: [float(v) for v in rng.uniform(0.0, 1.0, int(rng.integers(2, 6)))]
            for key in ("lr", "lam", "epochs")
        }
    },
    "3.5.2",
    ("Un produit, pas une somme.", "A product, not a sum."),
    compare=EQUAL,
)
_hidden(
    "ex13_hyperparameter_search",
    "grid_search_random",
    2,
    "grid_search",
    lambda rng: {
        **_search_data(rng, 50, 30, 3),
        "grid": {"epochs": [5, 30], "lr": [0.1, 1.0], "lam": [0.0, 0.05, 0.2]},
    },
    "3.5.2",
    ("Respectez l'ordre des clés de la grille.", "Follow the order of the grid's keys."),
    compare=CLOSE,
)
_hidden(
    "ex13_hyperparameter_search",
    "grid_search_ties_random",
    1,
    "grid_search",
    lambda rng: {**_tied_search_data(rng, 40, 30, 3), "grid": _tied_grid(rng)},
    "3.5.2",
    (
        "À égalité de perte, la première combinaison dans l'ordre de itertools.product l'emporte.",
        "On equal losses, the first combination in itertools.product order wins.",
    ),
    compare=CLOSE,
)
_hidden(
    "ex13_hyperparameter_search",
    "random_search_random",
    2,
    "random_search",
    lambda rng: {
        **_search_data(rng, 50, 30, 3),
        "space": _GRID,
        "n_trials": int(rng.integers(3, 8)),
        "seed": int(rng.integers(2**31)),
    },
    "3.5.2",
    (
        "Un nouveau générateur par appel, np.random.default_rng(seed).",
        "One new generator per call, np.random.default_rng(seed).",
    ),
    compare=CLOSE,
)
_hidden(
    "ex14_train_digits",
    "accuracy_90_new_split",
    4,
    "harness.train_and_predict",
    _digits_inputs,
    "2.3",
    (
        "Le modèle doit généraliser à un autre découpage des données.",
        "The model must generalise to another split.",
    ),
    compare=_accuracy_at_least(0.90),
    timeout_s=60.0,
)
_hidden(
    "ex15_transfer_learning",
    "accuracy_85_new_split",
    2,
    "fine_tune_output",
    _transfer_inputs(with_test=True),
    "3.6",
    ("Entraînez seulement la couche de sortie.", "Train only the output layer."),
    compare=_transfer_accuracy_at_least(0.85),
    timeout_s=60.0,
)
_hidden(
    "ex15_transfer_learning",
    "frozen_layers_unchanged_new_split",
    1,
    "harness.transfer_hidden_layers",
    _transfer_inputs(with_test=False),
    "3.6.1",
    ("Renvoyez les couches cachées inchangées.", "Return the hidden layers unchanged."),
    compare=EQUAL,
    timeout_s=60.0,
)
_hidden(
    "ex16_fused_adam",
    "correct_random_t",
    2,
    "harness.fused_adam_steps",
    _fused_inputs(1000, 4, random_t0=True),
    "3.2.7",
    (
        "t change à chaque pas : recalculez les corrections de biais.",
        "t changes every step: recompute the bias corrections.",
    ),
    compare=Comparison(kind="close", rtol=1e-10, atol=1e-12),
    timeout_s=60.0,
)
### END HIDDEN TESTS

EXERCISES: tuple[Exercise, ...] = tuple(
    Exercise(id=id_, title=title, section=section, functions=functions, checks=tuple(_CHECKS[id_]))
    for id_, (title, section, functions) in _TITLES.items()
)
_BY_ID = {exercise.id: exercise for exercise in EXERCISES}


def by_id(exercise_id: str) -> Exercise:
    """The exercise with this id; ``KeyError`` naming the known ids otherwise."""
    try:
        return _BY_ID[exercise_id]
    except KeyError:
        raise KeyError(f"unknown exercise {exercise_id!r}; known: {', '.join(_BY_ID)}") from None
