"""The larger net's minibatch split across threads (issue 17 item 4): ``kernels.cpu.mlp.loss_and_grad_blocks``
against the one-thread ``loss_and_grad``, training with and without the split, and the threshold that keeps
the small nets on the one-thread code.

The split changes the order of the summations (each block's GEMMs run over its own rows, then the blocks'
gradients are added with weights ``B_k / B``), so it is compared with stated tolerances, not bit for bit.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from kernels import _split_train
from kernels.cpu import losses as cpu_losses
from kernels.cpu import mlp as cpu_mlp
from kernels.cpu import train as cpu_train
from kernels.mlp import MLP
from kernels.train import train

SIZES = [64, 256, 256, 10]
ACTS = ["relu", "relu", "identity"]
CE = cpu_losses.CODES["softmax_cross_entropy"]
SIZES_ARR = np.array(SIZES, dtype=np.int64)


def _data(n: int, dtype, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.random((n, SIZES[0])).astype(dtype)
    Y = np.eye(SIZES[-1], dtype=dtype)[rng.integers(0, SIZES[-1], n)]
    return X, Y


def _gradients(net: MLP, X: np.ndarray, Y: np.ndarray, blocks: int) -> tuple[float, np.ndarray]:
    batch = X.shape[0]
    total, width = int(net.sizes[1:].sum()), int(net.sizes[1:].max())
    eps = net.dtype.type(1e-7)
    grads = np.full_like(net.params, np.nan)
    if blocks == 1:
        work = (np.empty(batch * total, net.dtype), np.empty(batch * total, net.dtype))
        work += (np.empty(batch * width, net.dtype), np.empty(batch * width, net.dtype))
        args = (net.params, grads, net.sizes, net.codes, net.alphas, X, Y, CE, eps)
        loss = cpu_mlp.loss_and_grad(*args, *work)
        return float(loss), grads
    rows = -(-batch // blocks)
    gblk = np.full((blocks, net.params.size), np.nan, dtype=net.dtype)
    zblk, ablk = (np.empty((blocks, rows * total), net.dtype) for _ in range(2))
    w1blk, w2blk = (np.empty((blocks, rows * width), net.dtype) for _ in range(2))
    args = (net.params, grads, gblk, net.sizes, net.codes, net.alphas, X, Y, CE, eps)
    loss = cpu_mlp.loss_and_grad_blocks(*args, zblk, ablk, w1blk, w2blk, np.empty(blocks))
    return float(loss), grads


@pytest.mark.parametrize(
    ("dtype", "rtol"),
    [(np.float64, 1e-14), (np.float32, 2e-6)],
)
@pytest.mark.parametrize(("batch", "blocks"), [(128, 2), (129, 2), (3, 2), (1, 2), (256, 4)])
def test_blocks_equal_one_thread_gradient(dtype, rtol, batch, blocks):
    """Loss within ``rtol`` relative and every gradient entry within ``rtol * max|grad|`` of the one-thread
    kernel (measured: float64 at most 7.4e-16 and 6.6e-16, float32 3.9e-9 and 3.6e-7), for even and odd
    batches and batches with fewer rows than blocks (those use one block per row)."""
    net = MLP(SIZES, ACTS, dtype=dtype, seed=1)
    X, Y = _data(batch, dtype)
    loss1, g1 = _gradients(net, X, Y, 1)
    loss2, g2 = _gradients(net, X, Y, blocks)
    scale = float(np.abs(g1).max())
    assert np.isfinite(g2).all()
    assert abs(loss2 - loss1) <= rtol * abs(loss1)
    assert float(np.abs(g2 - g1).max()) <= rtol * scale


def _train_kernel(net: MLP, X: np.ndarray, Y: np.ndarray, blocks: int, epochs: int, opt: str) -> np.ndarray:
    c = net.dtype.type
    losses = np.empty(epochs)
    lr, beta1 = (0.05, 0.9) if opt == "nesterov" else (0.1, 0.0)
    cpu_train.train_history(
        net.params, net.sizes, net.codes, net.alphas, X, Y, X[:0], Y[:0], CE, c(1e-7),
        cpu_train.CODES[opt], c(lr), c(beta1), c(0.0), c(1.0), c(1e-4), epochs, 128, np.uint32(3), c(1.0), 0,
        False, losses, np.empty((0, 4)), *_split_train.block_buffers(net.params, net.sizes, 128, blocks),
    )  # fmt: skip
    return losses


@pytest.mark.parametrize("opt", ["sgd", "nesterov"])
def test_split_training_follows_one_thread_training(opt):
    """Three float64 epochs (600 rows: 4 full batches of 128 and one of 88; L2 on) with and without the
    split: the weights stay within 1e-13 of their scale and the losses within 1e-13 relative (measured: at
    most 1.6e-16 and 5.3e-16)."""
    X, Y = _data(600, np.float64, seed=2)
    one, split = (MLP(SIZES, ACTS, seed=3) for _ in range(2))
    losses1 = _train_kernel(one, X, Y, 1, 3, opt)
    losses2 = _train_kernel(split, X, Y, 2, 3, opt)
    assert not np.array_equal(one.params, split.params)  # the split path did run
    np.testing.assert_allclose(losses2, losses1, rtol=1e-13)
    assert float(np.abs(split.params - one.params).max()) <= 1e-13 * float(np.abs(one.params).max())


def test_public_train_splits_on_two_threads_and_keeps_the_one_thread_code_on_one():
    """``kernels.train.train`` on the larger net at batch 128 (float32, 300 rows, 2 epochs): with one Numba
    thread its weights are those of the one-thread kernel bit for bit; with two (where the machine has
    them) it splits the batch, its weights stay within 1e-6 of their scale and its losses within 1e-7
    relative (measured 4.5e-8 and 8.9e-10), and the BLAS thread counts are restored afterwards."""
    assert _split_train.blocks_for(np.array(SIZES), 128, 2) == 2
    assert _split_train.blocks_for(np.array(SIZES), 128, 1) == 1
    X, Y = _data(300, np.float32, seed=4)
    reference = MLP(SIZES, ACTS, dtype=np.float32, seed=5)
    c = np.float32
    ref_loss = np.empty(2)
    cpu_train.train_history(
        reference.params, reference.sizes, reference.codes, reference.alphas, X, Y, X[:0], Y[:0], CE,
        c(1e-7), cpu_train.SGD, c(0.1), c(0.0), c(0.0), c(1.0), c(0.0), 2, 128, np.uint32(6), c(1.0), 0,
        False, ref_loss, np.empty((0, 4)), *_split_train.block_buffers(reference.params, SIZES_ARR, 128, 1),
    )  # fmt: skip
    saved_threads = numba.get_num_threads()
    libs = _split_train._blas_controllers() or ()
    blas_before = [lib.num_threads for lib in libs]
    results = {}
    try:
        for threads in sorted({1, min(2, numba.config.NUMBA_NUM_THREADS)}):
            numba.set_num_threads(threads)
            net = MLP(SIZES, ACTS, dtype=np.float32, seed=5)
            loss = train(net, X, Y, optimizer="sgd", hp={"lr": 0.1}, epochs=2, batch_size=128, seed=6,
                         loss="softmax_cross_entropy")  # fmt: skip
            results[threads] = (net.params.copy(), loss)
    finally:
        numba.set_num_threads(saved_threads)
    assert [lib.num_threads for lib in libs] == blas_before
    assert np.array_equal(results[1][0], reference.params)
    assert np.array_equal(results[1][1], ref_loss)
    assert ref_loss[-1] < ref_loss[0]
    if 2 in results:
        params, loss = results[2]
        assert not np.array_equal(params, reference.params)  # the split path did run
        assert float(np.abs(params - reference.params).max()) <= 1e-6 * float(np.abs(reference.params).max())
        np.testing.assert_allclose(loss, ref_loss, rtol=1e-7)


@pytest.mark.parametrize(
    ("batch", "width", "blocks"),
    [(32, 32, 1), (32, 1000, 1), (64, 256, 1), (128, 32, 1), (128, 127, 1), (128, 128, 2), (128, 256, 2),
     (1024, 256, 2)],
)  # fmt: skip
def test_split_threshold(batch, width, blocks):
    """The small nets (the 64-32-10 benchmark net and the grader's pretrained 64-h-10, both at batch 32)
    stay on the one-thread code; 2 blocks from 128 rows when ``batch * width >= 2**14`` (before the cap at
    the thread count)."""
    assert cpu_mlp.split_blocks(batch, width) == blocks


def test_block_buffers_are_kept_per_thread_and_replaced_when_the_shapes_change():
    """The split run's buffers are allocated once per thread and shape (no page faults at every call)."""
    params = np.zeros(10, dtype=np.float32)
    sizes = np.array([3, 2, 2], dtype=np.int64)
    first = _split_train.block_buffers(params, sizes, 128, 2)
    assert [b.shape for b in first] == [(2, 10), (2, 64 * 4), (2, 64 * 4), (2, 64 * 2), (2, 64 * 2)]
    assert all(a is b for a, b in zip(first, _split_train.block_buffers(params, sizes, 128, 2), strict=True))
    other = _split_train.block_buffers(params, sizes, 129, 2)
    assert other[1].shape == (2, 65 * 4) and other[0] is not first[0]
    assert [b.shape for b in _split_train.block_buffers(params, sizes, 128, 1)] == [(0, 10), *[(0, 0)] * 4]
