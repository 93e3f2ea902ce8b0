"""Where one 32-row training step of the small benchmark net (64-32-10, ReLU, softmax cross-entropy, SGD,
float32) spends its time, one thread (issue 17: the small net against PyTorch).

Each part of the step runs alone, ``LOOPS`` times in a row inside one compiled Numba function, on the very
shapes and buffers of a step of ``kernels.cpu.train.train_history`` (scikit-learn's digits, 1437 training
rows, batches of 32: 45 steps per epoch) and through the same compiled kernels the step calls:

* ``shuffle``: the epoch's ``np.random.permutation(1437)``, divided by the 45 steps of an epoch;
* ``gather``: the 32 rows of ``X`` and ``Y`` copied into the minibatch buffers, in the shuffled order;
* the forward pass, layer by layer: the matrix product ``A W^T`` (``np.dot``, OpenBLAS), then the bias add
  and the activation (ReLU for the hidden layer, the identity's copy for the output);
* ``softmax cross-entropy``: the loss and ``dJ/dZ`` of the output (``kernels.cpu.losses``);
* the backward pass: the activation derivatives (identity, ReLU), ``dW = delta^T A`` and
  ``dA = delta W`` (``np.dot``), and ``db = sum_i delta_i``;
* ``SGD step``: the optimizer's pass over the 2,410 parameters;
* ``step, whole``: gather + ``kernels.cpu.mlp.loss_and_grad`` + the optimizer step, as the epoch runs it;
  ``gradient, kernels.cpu.mlp``: ``loss_and_grad`` alone; ``gradient, same calls on made views``: its
  calls in its order on views of the same flat buffers made once, so the difference of the two is what the
  per-step views of the flat buffers cost (slices, ``reshape``, Numba's atomic reference counts);
  ``epoch / 45``: a kernel epoch (``kernels.cpu.train.train_history``) per step; ``train() / 45``: the
  public ``kernels.train.train`` call of the benchmark per step.

The parts are timed interleaved (one sample of each part in turn, ``REPEATS`` rounds) and the table gives
the median per step in microseconds and its share of ``step, whole``; the difference between the whole
step and the sum of its parts is the calls and views between the parts. Run with one Numba thread (the
small net never splits its batch): ``NUMBA_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python
benchmarks/small_net_breakdown.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from numba import njit

from benchmarks import mlp_peers as mp
from kernels.cpu import activations as ca
from kernels.cpu import layers as cl
from kernels.cpu import losses as closs
from kernels.cpu import mlp as cm
from kernels.cpu import train as ct

SIZES = (64, 32, 10)
BATCH = 32
LR = 0.1
LOOPS = 2000
REPEATS = 9
WHOLE = (
    "step, whole",
    "gradient, kernels.cpu.mlp",
    "gradient, same calls on made views",
    "epoch / 45 (kernels.cpu.train)",
    "train() / 45 (public call)",
)
"""The rows that time a whole step; every other row is one part of it."""


@njit
def _shuffle(n, loops):
    for _ in range(loops):
        np.random.permutation(n)


@njit
def _gather(X, Y, order, xb, yb, loops):
    for k in range(loops):
        ct._gather(X, Y, order, (k * 32) % (order.size - 32), xb, yb)


@njit
def _gemm_fwd(a, W, z, loops):
    for _ in range(loops):
        np.dot(a, W.T, z)


@njit
def _bias_act(z, b, a, code, loops):
    alpha = z.dtype.type(0)
    for _ in range(loops):
        for i in range(z.shape[0]):
            for j in range(z.shape[1]):
                z[i, j] += b[j]
        ca.forward2d(code, z, a, alpha)


@njit
def _loss(out, Y, grad, loops):
    total = 0.0
    for _ in range(loops):
        total += closs.loss_and_grad(closs.SOFTMAX_CE, out, Y, grad, 1e-12)
    return total


@njit
def _act_back(code, z, a, delta, loops):
    alpha = z.dtype.type(0)
    for _ in range(loops):
        ca.backward2d(code, z, a, delta, delta, alpha)


@njit
def _gemm_dw(delta, a, dW, loops):
    for _ in range(loops):
        np.dot(delta.T, a, dW)


@njit
def _bias_grad(delta, db, loops):
    for _ in range(loops):
        db[:] = 0.0
        for i in range(delta.shape[0]):
            for j in range(delta.shape[1]):
                db[j] += delta[i, j]


@njit
def _gemm_da(delta, W, da, loops):
    for _ in range(loops):
        np.dot(delta, W, da)


@njit
def _sgd(params, grads, s1, s2, lr, bc, loops):
    for t in range(loops):
        ct._step(ct.SGD, params, grads, s1, s2, t + 1, lr, lr, lr, lr, bc)


@njit
def _whole(
    params, grads, sizes, codes, alphas, X, Y, order, xb, yb, zbuf, abuf, w1, w2, s1, s2, lr, bc, loops
):
    total = 0.0
    for k in range(loops):
        ct._gather(X, Y, order, (k * 32) % (order.size - 32), xb, yb)
        total += cm.loss_and_grad(
            params, grads, sizes, codes, alphas, xb, yb, closs.SOFTMAX_CE, 1e-12, zbuf, abuf, w1, w2
        )
        ct._step(ct.SGD, params, grads, s1, s2, k + 1, lr, lr, lr, lr, bc)
    return total


@njit
def _gradient(params, grads, sizes, codes, alphas, X, Y, zbuf, abuf, w1, w2, loops):
    total = 0.0
    for _ in range(loops):
        total += cm.loss_and_grad(
            params, grads, sizes, codes, alphas, X, Y, closs.SOFTMAX_CE, 1e-12, zbuf, abuf, w1, w2
        )
    return total


@njit
def _gradient_on_views(
    X, Y, W1, b1, W2, b2, z1, a1, z2, a2, d2, d1, dW1, db1, dW2, db2, codes, alphas, loops
):
    """The calls of ``kernels.cpu.mlp.loss_and_grad`` for 64-32-10, in its order, on views made once."""
    total = 0.0
    for _ in range(loops):
        cl.dense_forward(X, W1, b1, codes[0], alphas[0], z1, a1)
        cl.dense_forward(a1, W2, b2, codes[1], alphas[1], z2, a2)
        total += closs.loss_and_grad(closs.SOFTMAX_CE, a2, Y, d2, 1e-12)
        ca.backward2d(codes[1], z2, a2, d2, d2, alphas[1])
        cl.dense_backward_params(d2, a1, dW2, db2)
        cl.dense_backward_input(d2, W2, d1)
        ca.backward2d(codes[0], z1, a1, d1, d1, alphas[0])
        cl.dense_backward_params(d1, X, dW1, db1)
    return total


def _cases(dtype) -> tuple[list[tuple[str, object]], int]:
    """``(part, callable of one sample)`` in step order, each sample covering ``per`` steps."""
    from kernels.mlp import MLP
    from kernels.train import train

    data = mp.load_digits(dtype=dtype)
    X, Y = data.X_train, data.Y_train
    n = X.shape[0]
    steps = -(-n // BATCH)
    f = np.dtype(dtype).type
    rng = np.random.default_rng(0)
    params = mp.init_params(SIZES, 0, dtype=dtype)
    sizes = np.array(SIZES, dtype=np.int64)
    codes = np.array([ca.RELU, ca.IDENTITY], dtype=np.int64)
    alphas = np.zeros(2, dtype=dtype)
    (W1, b1), (W2, b2) = mp.layer_views(params, SIZES)
    order = rng.permutation(n).astype(np.int64)
    xb, yb = np.empty((BATCH, 64), dtype), np.empty((BATCH, 10), dtype)
    xb[:] = X[order[:BATCH]]
    yb[:] = Y[order[:BATCH]]
    z1, a1 = np.empty((BATCH, 32), dtype), np.empty((BATCH, 32), dtype)
    z2, a2 = np.empty((BATCH, 10), dtype), np.empty((BATCH, 10), dtype)
    np.dot(xb, W1.T, z1)
    z1 += b1
    np.maximum(z1, 0, out=a1)
    np.dot(a1, W2.T, z2)
    a2[:] = z2
    d2 = np.empty((BATCH, 10), dtype)
    closs.loss_and_grad(closs.SOFTMAX_CE, a2, yb, d2, 1e-12)
    d1 = (d2 @ W2).astype(dtype)
    grads = np.zeros_like(params)
    (dW1, db1), (dW2, db2) = mp.layer_views(grads, SIZES)
    sgd_params, s1, s2 = params.copy(), np.zeros_like(params), np.zeros_like(params)
    bc = np.empty(2, dtype)
    zbuf, abuf = np.empty(BATCH * 42, dtype), np.empty(BATCH * 42, dtype)
    w1, w2 = np.empty(BATCH * 32, dtype), np.empty(BATCH * 32, dtype)
    whole_params = params.copy()
    lr = f(LR) * f(1e-3)  # a tiny rate: thousands of steps in a row stay finite and ReLU stays mixed
    z1c, a1c = z1.copy(), a1.copy()

    def per_step(fn, *args, per=1):
        return lambda: fn(*args, LOOPS), per

    def views_of(zbuf, abuf, w1, w2):
        """The views ``kernels.cpu.mlp`` makes at every step, made once, into the same flat buffers."""
        (W1v, b1v), (W2v, b2v) = mp.layer_views(params.copy(), SIZES)
        (dW1v, db1v), (dW2v, db2v) = mp.layer_views(np.zeros_like(params), SIZES)
        z1v, z2v = zbuf[: BATCH * 32].reshape(BATCH, 32), zbuf[BATCH * 32 :].reshape(BATCH, 10)
        a1v, a2v = abuf[: BATCH * 32].reshape(BATCH, 32), abuf[BATCH * 32 :].reshape(BATCH, 10)
        d2v, d1v = w1[: BATCH * 10].reshape(BATCH, 10), w2.reshape(BATCH, 32)
        return W1v, b1v, W2v, b2v, z1v, a1v, z2v, a2v, d2v, d1v, dW1v, db1v, dW2v, db2v

    net = MLP(list(SIZES), ["relu", "identity"], dtype=dtype, seed=0)
    net.params[:] = params
    epochs = {"k": 0}

    def public_epoch():
        train(
            net,
            X,
            Y,
            optimizer="sgd",
            hp={"lr": float(lr)},
            epochs=1,
            batch_size=BATCH,
            seed=epochs["k"],
            loss="softmax_cross_entropy",
        )
        epochs["k"] += 1

    def kernel_epoch():
        losses = np.empty(1)
        ct.train(
            net.params,
            net.sizes,
            net.codes,
            net.alphas,
            X,
            Y,
            closs.SOFTMAX_CE,
            f(1e-12),
            ct.SGD,
            lr,
            f(0.9),
            f(0.999),
            f(1e-8),
            f(0),
            1,
            BATCH,
            epochs["k"],
            losses,
        )
        epochs["k"] += 1

    cases = [
        ("shuffle (per epoch / 45)", (lambda: _shuffle(n, LOOPS), steps)),
        ("gather 32 rows of X, Y", per_step(_gather, X, Y, order, xb, yb)),
        ("fwd GEMM 32x64 @ 64x32", per_step(_gemm_fwd, xb, W1, z1)),
        ("fwd bias + ReLU 32x32", per_step(_bias_act, z1, b1, a1, ca.RELU)),
        ("fwd GEMM 32x32 @ 32x10", per_step(_gemm_fwd, a1, W2, z2)),
        ("fwd bias + identity 32x10", per_step(_bias_act, z2, b2, a2, ca.IDENTITY)),
        ("softmax cross-entropy 32x10", per_step(_loss, a2, yb, d2)),
        ("bwd identity derivative 32x10", per_step(_act_back, ca.IDENTITY, z2, a2, d2)),
        ("bwd dW2 GEMM 10x32 @ 32x32", per_step(_gemm_dw, d2, a1, dW2)),
        ("bwd db2 sum 32x10", per_step(_bias_grad, d2, db2)),
        ("bwd dA1 GEMM 32x10 @ 10x32", per_step(_gemm_da, d2, W2, d1)),
        ("bwd ReLU derivative 32x32", per_step(_act_back, ca.RELU, z1c, a1c, d1)),
        ("bwd dW1 GEMM 32x32 @ 32x64", per_step(_gemm_dw, d1, xb, dW1)),
        ("bwd db1 sum 32x32", per_step(_bias_grad, d1, db1)),
        ("SGD step, 2,410 parameters", per_step(_sgd, sgd_params, grads, s1, s2, lr, bc)),
        (
            "step, whole",
            per_step(
                _whole,
                whole_params,
                grads,
                sizes,
                codes,
                alphas,
                X,
                Y,
                order,
                xb,
                yb,
                zbuf,
                abuf,
                w1,
                w2,
                s1,
                s2,
                lr,
                bc,
            ),
        ),
        (
            "gradient, kernels.cpu.mlp",
            per_step(_gradient, params.copy(), grads, sizes, codes, alphas, xb, yb, zbuf, abuf, w1, w2),
        ),
        (
            "gradient, same calls on made views",
            per_step(
                _gradient_on_views,
                xb,
                yb,
                *views_of(zbuf, abuf, w1, w2),
                codes,
                alphas,
            ),
        ),
        ("epoch / 45 (kernels.cpu.train)", (lambda: [kernel_epoch() for _ in range(20)], 20 * steps / LOOPS)),
        ("train() / 45 (public call)", (lambda: [public_epoch() for _ in range(20)], 20 * steps / LOOPS)),
    ]
    return cases, steps


def breakdown(dtype=np.float32, repeats: int = REPEATS) -> list[tuple[str, float]]:
    """``(part, median microseconds per step)`` for every part, interleaved."""
    cases, _ = _cases(dtype)
    for _, (fn, _) in cases:  # compile and warm up
        fn()
    samples: dict[str, list[float]] = {name: [] for name, _ in cases}
    for _ in range(repeats):
        for name, (fn, per) in cases:
            t0 = time.perf_counter()
            fn()
            dt = time.perf_counter() - t0
            samples[name].append(dt / LOOPS / per * 1e6)  # ``per``: steps per loop iteration
    return [(name, float(np.median(v))) for name, v in samples.items()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    parser.add_argument("--repeats", type=int, default=REPEATS)
    args = parser.parse_args(argv)
    with open("/proc/loadavg") as fh:
        load0 = fh.read().split()[0]
    rows = breakdown(np.dtype(args.dtype).type, args.repeats)
    whole = dict(rows)["step, whole"]
    parts = [r for r in rows if r[0] not in WHOLE]
    with open("/proc/loadavg") as fh:
        load1 = fh.read().split()[0]
    print(f"64-32-10, batch 32, {args.dtype}, one thread; medians of {args.repeats} interleaved samples")
    print(f"load average {load0} at the start, {load1} at the end")
    print(f"{'part':34s} {'us/step':>8s} {'share':>7s}")
    for name, us in parts:
        print(f"{name:34s} {us:8.3f} {us / whole:7.1%}")
    total = sum(us for _, us in parts)
    print(f"{'sum of the parts':34s} {total:8.3f} {total / whole:7.1%}")
    for name, us in rows:
        if name in WHOLE:
            print(f"{name:34s} {us:8.3f} {us / whole:7.1%}")


if __name__ == "__main__":
    main()
