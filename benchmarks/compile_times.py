"""First-compile and cached-load times of every CPU kernel (not a test).

Run ``python benchmarks/compile_times.py``.

Two fresh interpreters share one empty ``NUMBA_CACHE_DIR``: the first compiles every kernel (float64 then
float32) and writes the cache, the second loads the same kernels from it. Each row times the first call of
one public function; rows are incremental (a composite such as ``mlp.loss_and_grad`` reuses kernels that
earlier rows compiled), so the column totals are the cost of everything. Also reports ``import kernels``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable


def _cases(dtype) -> list[tuple[str, Callable[[], object]]]:
    import numpy as np

    from kernels import activations, layers, losses, optim, regularization
    from kernels.mlp import MLP
    from kernels.train import train

    z = np.linspace(-2, 2, 12, dtype=dtype).reshape(3, 4)
    y = np.full_like(z, 0.5)
    w, g = np.ones(8, dtype=dtype), np.full(8, 0.1, dtype=dtype)
    big = np.ones(optim.PARALLEL_THRESHOLD, dtype=dtype)
    net = MLP([4, 5, 3], ["tanh", "identity"], dtype=dtype)
    labels = np.array([0, 1, 2])
    cases: list[tuple[str, Callable[[], object]]] = [
        ("activations.forward", lambda: activations.forward("sigmoid", z)),
        ("activations.backward", lambda: activations.backward("sigmoid", z)),
        ("activations.softmax", lambda: activations.softmax(z)),
        ("losses.quadratic", lambda: losses.quadratic(z, y)),
        ("losses.mse", lambda: losses.mse(z, y)),
        ("losses.binary_cross_entropy", lambda: losses.binary_cross_entropy(y, y)),
        ("losses.softmax_cross_entropy", lambda: losses.softmax_cross_entropy(z, labels)),
        (
            "layers.dense_forward",
            lambda: layers.dense_forward(z, np.ones((3, 4), dtype=dtype), np.zeros(3, dtype=dtype), "relu"),
        ),
        (
            "layers.dense_backward",
            lambda: layers.dense_backward(y[:, :3].copy(), z, np.ones((3, 4), dtype=dtype)),
        ),
        ("mlp.forward", lambda: net.forward(z)),
        ("mlp.loss_and_grad", lambda: net.loss_and_grad(z, labels, "softmax_cross_entropy")),
        ("regularization.l2", lambda: (regularization.l2_penalty(w, 0.1), regularization.l2_grad(g, w, 0.1))),
        (
            "regularization.dropout",
            lambda: regularization.dropout_forward(
                w, regularization.dropout_mask(w.shape, 0.8, 0, dtype), 0.8
            ),
        ),
    ]
    for name in optim.NAMES:
        for parallel, vec in ((False, w), (True, big)):
            label = f"optim.{name}_step" + (" (prange)" if parallel else "")

            def run(name=name, vec=vec, parallel=parallel):
                state = optim.init_state(name, vec)
                hp = {"beta": 0.9} if name in ("momentum", "nesterov", "rmsprop") else {}
                if name == "nesterov":
                    optim.nesterov_lookahead(vec, state, lr=0.1, beta=0.9, parallel=parallel)
                optim.step(name, vec, np.ones_like(vec), state, lr=0.1, parallel=parallel, **hp)

            cases.append((label, run))
    cases.append(
        (
            "train (whole loop)",
            lambda: train(
                net,
                z,
                labels,
                optimizer="adam",
                hp={"lr": 0.01},
                epochs=1,
                batch_size=2,
                seed=0,
                loss="softmax_cross_entropy",
            ),
        )
    )
    return cases


def _child() -> None:
    start = time.perf_counter(), time.process_time()
    import kernels  # noqa: F401

    timings = {"import kernels": (time.perf_counter() - start[0], time.process_time() - start[1])}
    import numpy as np

    for dtype in (np.float64, np.float32):
        for label, fn in _cases(dtype):
            t0 = time.perf_counter(), time.process_time()
            fn()
            timings[f"{label} [{np.dtype(dtype).name}]"] = (
                time.perf_counter() - t0[0],
                time.process_time() - t0[1],
            )
    print(json.dumps(timings))


def main() -> None:
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="deepgrade-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        runs = []
        for _ in ("cold", "warm"):
            out = subprocess.run(
                [sys.executable, __file__, "--child"], env=env, capture_output=True, text=True
            )
            if out.returncode:
                raise SystemExit(f"the timing child failed:\n{out.stderr}")
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    cold, warm = runs
    width = max(map(len, cold))
    print(f"load average at start: {load:.2f} (a busy machine stretches wall times, CPU times much less)")
    header = ("first compile wall", "CPU", "cached load wall", "CPU")
    print(f"{'kernel [dtype]':<{width}}  " + "  ".join(f"{h:>18}" for h in header))
    rows = [*cold, "total (all kernels)"]
    compiled = [k for k in cold if k != "import kernels"]
    cold["total (all kernels)"] = [sum(cold[k][i] for k in compiled) for i in (0, 1)]
    warm["total (all kernels)"] = [sum(warm[k][i] for k in compiled) for i in (0, 1)]
    for label in rows:
        values = (*cold[label], *warm[label])
        print(f"{label:<{width}}  " + "  ".join(f"{v:>17.3f}s" for v in values))


if __name__ == "__main__":
    if sys.argv[1:] == ["--child"]:
        _child()
    else:
        main()
