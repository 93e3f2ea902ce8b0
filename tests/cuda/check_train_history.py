"""The CUDA trainer's dropout, learning curves and early stopping against the CPU's (``kernels.train.train``
with ``target="cuda"`` and ``target="cpu"``, issue 16): the same rows, the same dropout masks (drawn on the
host from the CPU's generator), so the same history within float64 rounding; bad input refused alike.

Tolerances: float64 throughout; the device sums (matrix products, block reductions of the loss) add in
another order than the CPU loops, so losses agree to ``rtol=1e-12`` and weights to ``rtol=1e-10``
(``atol=1e-12``), as in ``check_train.py``; accuracies, epoch counts and best epochs exactly."""

from __future__ import annotations

import numpy as np
import pytest

from kernels.cuda import train as cuda_train
from kernels.mlp import MLP
from kernels.train import train

pytestmark = pytest.mark.usefixtures("small_launch")

SIZES, ACTS = (4, 5, 3), ("tanh", "identity")
RNG = np.random.default_rng(0)
X, LABELS = RNG.standard_normal((10, 4)), RNG.integers(0, 3, 10)  # two batches of 5 per epoch
X_VAL, LABELS_VAL = RNG.standard_normal((6, 4)), RNG.integers(0, 3, 6)  # chunks of 5 and 1 rows
SETTINGS = {"batch_size": 5, "loss": "softmax_cross_entropy", "optimizer": "adam"}
LOSS_TOL = {"rtol": 1e-12}
WEIGHT_TOL = {"rtol": 1e-10, "atol": 1e-12}
FIELDS = ("loss", "train_loss", "val_loss")


@pytest.fixture(autouse=True)
def _one_tile_per_product(monkeypatch, small_launch):
    """The tiled product is checked over several tiles in check_layers; here one 8x8 tile keeps it fast."""
    monkeypatch.setattr(small_launch, "TILE", 8)


def _both(**kwargs):
    """``{target: (history or losses, trained network)}`` of one training call on each target."""
    out = {}
    for target in ("cpu", "cuda"):
        net = MLP(list(SIZES), list(ACTS), seed=1)
        out[target] = (train(net, X, LABELS, target=target, **{**SETTINGS, **kwargs}), net)
    return out


def _assert_same_history(cpu, gpu):
    for field in FIELDS:
        np.testing.assert_allclose(getattr(gpu, field), getattr(cpu, field), **LOSS_TOL, err_msg=field)
    np.testing.assert_array_equal(gpu.train_accuracy, cpu.train_accuracy)
    np.testing.assert_array_equal(gpu.val_accuracy, cpu.val_accuracy)
    assert (gpu.epochs_run, gpu.best_epoch, gpu.stopped_early) == (
        cpu.epochs_run,
        cpu.best_epoch,
        cpu.stopped_early,
    )


def test_learning_curves_match_the_cpu():
    runs = _both(hp={"lr": 0.05}, l2=0.01, epochs=2, seed=3, X_val=X_VAL, Y_val=LABELS_VAL)
    (cpu, cpu_net), (gpu, gpu_net) = runs["cpu"], runs["cuda"]
    assert np.all(np.isfinite(cpu.val_loss)) and cpu.epochs_run == 2 and cpu.best_epoch == 1
    _assert_same_history(cpu, gpu)
    # the evaluation is the network without the L2 penalty after the epoch, not the trained loss
    assert np.all(np.abs(gpu.train_loss - gpu.loss) > 1e-3)
    np.testing.assert_allclose(gpu_net.params, cpu_net.params, **WEIGHT_TOL)


@pytest.mark.parametrize(("epochs", "patience", "run", "best"), [(5, 1, 3, 1), (3, 3, 3, 1)])
def test_early_stopping_stops_and_restores_as_the_cpu(epochs, patience, run, best):
    """lr 0.5 overshoots: the validation loss of seed 1 goes 2.48, 2.10, 2.66, 3.05. With patience 1 the run
    stops after epoch 2; with patience 3 the epochs run out first. Either way the best epoch's weights
    come back, which differ from the last epoch's (checked on the CPU by a run without patience)."""
    settings = {"hp": {"lr": 0.5}, "epochs": epochs, "seed": 1, "X_val": X_VAL, "Y_val": LABELS_VAL}
    runs = _both(patience=patience, **settings)
    (cpu, cpu_net), (gpu, gpu_net) = runs["cpu"], runs["cuda"]
    assert (cpu.epochs_run, cpu.best_epoch, cpu.stopped_early) == (run, best, run < epochs)
    _assert_same_history(cpu, gpu)
    np.testing.assert_allclose(gpu_net.params, cpu_net.params, **WEIGHT_TOL)
    last = MLP(list(SIZES), list(ACTS), seed=1)
    train(last, X, LABELS, target="cpu", **{**SETTINGS, **settings, "epochs": run})
    assert np.abs(last.params - gpu_net.params).max() > 1e-3


def test_dropout_uses_the_cpu_masks():
    """Other masks (or none) would change the first batch's loss by far more than 1e-12 (checked against the
    run without dropout); the evaluation after each epoch has no dropout on either target."""
    runs = _both(hp={"lr": 0.05}, epochs=2, seed=3, X_val=X_VAL, Y_val=LABELS_VAL, dropout_keep=0.6)
    (cpu, cpu_net), (gpu, gpu_net) = runs["cpu"], runs["cuda"]
    _assert_same_history(cpu, gpu)
    np.testing.assert_allclose(gpu_net.params, cpu_net.params, **WEIGHT_TOL)
    net = MLP(list(SIZES), list(ACTS), seed=1)
    plain = train(net, X, LABELS, hp={"lr": 0.05}, epochs=2, seed=3, **SETTINGS)
    assert abs(plain[0] - gpu.loss[0]) > 1e-3


def test_float32_dropout_draws_the_same_masks():
    """float32 networks get the CPU's masks too (both targets compare the draws with ``keep`` in the
    network's dtype; other masks would move the loss by percents); the rest agrees to float32 rounding
    (Adam moves a weight by about lr whatever the gradient's size, so ``atol=1e-5`` as in check_dispatch)."""
    nets, runs = {}, {}
    for target in ("cpu", "cuda"):
        nets[target] = MLP(list(SIZES), list(ACTS), seed=1, dtype=np.float32)
        runs[target] = train(
            nets[target], X.astype(np.float32), LABELS, target=target, hp={"lr": 0.05}, epochs=1, seed=3,
            dropout_keep=0.7, **SETTINGS,
        )  # fmt: skip
    np.testing.assert_allclose(runs["cuda"].loss, runs["cpu"].loss, rtol=1e-5)
    np.testing.assert_allclose(runs["cuda"].train_loss, runs["cpu"].train_loss, rtol=1e-5)
    np.testing.assert_allclose(nets["cuda"].params, nets["cpu"].params, rtol=1e-5, atol=1e-5)


def test_keep_one_is_the_plain_run():
    runs = _both(hp={"lr": 0.05}, epochs=2, seed=3)
    kept = _both(hp={"lr": 0.05}, epochs=2, seed=3, dropout_keep=1.0)
    plain, plain_net = runs["cuda"]
    hist, hist_net = kept["cuda"]
    assert isinstance(plain, np.ndarray) and isinstance(hist, type(kept["cpu"][0]))
    np.testing.assert_array_equal(hist_net.params, plain_net.params)
    # the loss sums end in atomic adds of block sums, whose order a real GPU may change from run to run
    np.testing.assert_allclose(hist.loss, plain, rtol=1e-14)
    assert np.isnan(hist.val_loss).all() and np.isnan(hist.val_accuracy).all()
    np.testing.assert_allclose(plain, runs["cpu"][0], **LOSS_TOL)


def test_epoch_stream_masks_and_the_dropout_kernel():
    """The masks the trainer uploads: a permutation, then about ``keep`` ones; the kernel keeps a unit as
    ``h / p`` and zeroes the others, exactly."""
    from numba import cuda

    hidden = np.array([7, 3])
    (order, masks), *_ = list(cuda_train.epoch_stream(400, 1, 0, 64, hidden, np.float64(0.3)))
    assert sorted(order) == list(range(400)) and masks.size == 400 * 10
    assert abs(masks.mean() - 0.3) < 4 * np.sqrt(0.3 * 0.7 / masks.size)  # 4 sigma of a binomial mean
    none = next(cuda_train.epoch_stream(400, 1, 0, 64, hidden, np.float64(1.0)))
    assert none[1].size == 0 and np.array_equal(none[0], order)  # keep == 1 draws no masks
    h = np.random.default_rng(1).standard_normal((5, 7))
    drop = cuda_train.Dropout(cuda.to_device(masks), [64 * 10], np.float64(0.3))
    out = cuda.device_array_like(h)
    drop.apply(0, cuda.to_device(h), out)
    m = masks[640 : 640 + 35].reshape(5, 7)
    np.testing.assert_array_equal(out.copy_to_host(), np.where(m == 1, h / 0.3, 0.0))


BAD = {
    "patience without X_val": ({"patience": 2}, ValueError),
    "patience 0": ({"patience": 0, "X_val": X_VAL, "Y_val": LABELS_VAL}, ValueError),
    "keep 0": ({"dropout_keep": 0.0}, ValueError),
    "keep 1.5": ({"dropout_keep": 1.5}, ValueError),
    "keep nan": ({"dropout_keep": float("nan")}, ValueError),
    "X_val alone": ({"X_val": X_VAL}, ValueError),
    "X_val width": ({"X_val": np.ascontiguousarray(X_VAL[:, :3]), "Y_val": LABELS_VAL}, ValueError),
    "X_val dtype": ({"X_val": X_VAL.astype(np.float32), "Y_val": LABELS_VAL}, TypeError),
    "Y_val rows": ({"X_val": X_VAL, "Y_val": LABELS_VAL[:4]}, ValueError),
}


@pytest.mark.parametrize(("kwargs", "error"), BAD.values(), ids=BAD.keys())
def test_bad_input_is_refused_alike(kwargs, error):
    messages = []
    for target in ("cpu", "cuda"):
        net = MLP(list(SIZES), list(ACTS), seed=1)
        before = net.params.copy()
        with pytest.raises(error) as info:
            train(net, X, LABELS, target=target, hp={"lr": 0.1}, epochs=1, seed=0, **SETTINGS, **kwargs)
        np.testing.assert_array_equal(net.params, before)
        messages.append(str(info.value))
    assert messages[0] == messages[1] and "\n" not in messages[0], messages
