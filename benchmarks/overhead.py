"""Per-call overhead of the public kernels: each public call (every check, the dispatch, the outputs it
allocates) against a direct call of the compiled Numba function it ends in (arguments prepared in advance),
interleaved in one process, on a small input (1,024 elements) where the wrapper is most of the time.

``overhead_us = (public - direct) median``; ``ratio = public / direct``. The direct call itself includes
Numba's own dispatch (typing the arguments), the floor that a Python caller cannot go below.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from benchmarks.harness import Config, Peer, materialised, measure


def _cases(n: int) -> list[tuple[str, Callable[[], object], Callable[[], object]]]:
    """``(operation, public call, direct call)`` for every public kernel, float32."""
    from kernels import activations, layers, losses, optim, regularization
    from kernels.cpu import activations as ca
    from kernels.cpu import layers as cl
    from kernels.cpu import losses as closs
    from kernels.cpu import optim as co
    from kernels.cpu import regularization as cr

    f = np.float32
    rows, cols = 32, n // 32
    z = materialised((rows, cols), 1)
    up = materialised((rows, cols), 2)
    out = np.empty_like(z)
    zf, uf, of = z.reshape(-1), up.reshape(-1), out.reshape(-1)
    y = (materialised((rows, cols), 3) > 0).astype(f)
    p = (1 / (1 + np.exp(-z))).astype(f)
    grad = np.empty_like(z)
    mask = (materialised((rows, cols), 4) > 0).astype(f)
    W = materialised((16, cols), 5, scale=0.1)
    b = materialised(16, 6, scale=0.1)
    zz, aa = np.empty((rows, 16), f), np.empty((rows, 16), f)
    delta = materialised((rows, 16), 7)
    dW, db, da = np.empty_like(W), np.empty(16, f), np.empty_like(z)
    cases = []
    for name in ("relu", "sigmoid", "tanh"):
        code = ca.CODES[name]
        cases.append(
            (
                f"activations.{name}",
                lambda name=name: activations.forward(name, z, out),
                lambda code=code: ca.forward(code, zf, of, f(0)),
            )
        )
    relu = ca.CODES["relu"]
    cases += [
        (
            "activations.backward (upstream)",
            lambda: activations.backward("relu", z, out, upstream=up),
            lambda: ca.derivative(relu, zf, uf, of, f(0)),
        ),
        ("activations.softmax", lambda: activations.softmax(z, out), lambda: ca.softmax(z, out)),
        (
            "layers.dense_forward",
            lambda: layers.dense_forward(z, W, b, "relu"),
            lambda: cl.dense_forward(z, W, b, relu, f(0), zz, aa),
        ),
        (
            "layers.dense_backward",
            lambda: layers.dense_backward(delta, z, W),
            lambda: (cl.dense_backward_params(delta, z, dW, db), cl.dense_backward_input(delta, W, da)),
        ),
        ("losses.mse", lambda: losses.mse(p, y), lambda: closs.mse(p, y, grad)),
        (
            "losses.softmax_cross_entropy",
            lambda: losses.softmax_cross_entropy(z, y),
            lambda: closs.softmax_cross_entropy(z, y, grad),
        ),
        (
            "regularization.l2_penalty",
            lambda: regularization.l2_penalty(z, 0.1),
            lambda: cr.l2_penalty(zf, f(0.1)),
        ),
        (
            "regularization.dropout_forward",
            lambda: regularization.dropout_forward(z, mask, 0.5, out=out),
            lambda: cr.dropout_apply(zf, mask.reshape(-1), f(0.5), of),
        ),
    ]
    w = materialised(n, 8)
    g = materialised(n, 9, scale=1e-3)
    for name in optim.NAMES:
        state = optim.init_state(name, w)
        arrays = [state[k] for k in optim.STATE_KEYS[name]]
        hp = {"lr": 1e-6}
        public = getattr(optim, f"{name}_step")
        scalars = {"sgd": (f(1e-6),), "adagrad": (f(1e-6), f(1e-8))}.get(
            name, (f(1e-6), f(0.9)) if name != "rmsprop" else (f(1e-6), f(0.9), f(1e-8))
        )
        kernel = getattr(co, name)
        if name == "adam":  # the public step ends in the counted kernel (bias corrections from t)
            scalars, kernel = (f(1e-6), f(0.9), f(0.999), f(1e-8), 10), co.adam_counted
        if name == "sgd":
            call = lambda public=public, hp=hp: public(w, g, **hp)  # noqa: E731
        else:
            call = lambda public=public, state=state, hp=hp: public(w, g, state, **hp)  # noqa: E731
        cases.append(
            (
                f"optim.{name}_step",
                call,
                lambda kernel=kernel, arrays=arrays, scalars=scalars: kernel(w, g, *arrays, *scalars),
            )
        )
    return cases


def run(cfg: Config) -> pd.DataFrame:
    n = 256 if cfg.tiny else 1024
    frames = []
    for op, public, direct in _cases(n):
        df = measure([Peer("public", public), Peer("direct", direct)], cfg, extra={"op": op, "elements": n})
        frames.append(df)
    long = pd.concat(frames, ignore_index=True)
    wide = long.pivot_table(
        index=["op", "elements"], columns="peer", values=["median_s", "min_s"], sort=False
    )
    out = pd.DataFrame(
        {
            "op": [i[0] for i in wide.index],
            "elements": [i[1] for i in wide.index],
            "public_us": wide[("median_s", "public")].to_numpy() * 1e6,
            "direct_us": wide[("median_s", "direct")].to_numpy() * 1e6,
            "public_min_us": wide[("min_s", "public")].to_numpy() * 1e6,
            "direct_min_us": wide[("min_s", "direct")].to_numpy() * 1e6,
        }
    )
    out["overhead_us"] = out["public_us"] - out["direct_us"]
    out["overhead_min_us"] = out["public_min_us"] - out["direct_min_us"]
    out["ratio"] = out["public_us"] / out["direct_us"]
    return out
