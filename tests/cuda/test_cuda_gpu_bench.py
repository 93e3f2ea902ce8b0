"""Smoke test of ``benchmarks/gpu_bench.py`` in simulator mode: tiny sizes, every table written."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from cuda_harness import NUMBA_CUDA_MISSING, run_child


@pytest.mark.slow
@pytest.mark.skipif(NUMBA_CUDA_MISSING, reason="numba-cuda (the cuda extra) is not installed")
def test_gpu_bench_runs_in_simulator(tmp_path):
    run = run_child(["benchmarks/gpu_bench.py", "--simulate", "--out", str(tmp_path)], simulate=True)
    assert run.returncode == 0, run.output[-6000:]
    optim = pd.read_csv(tmp_path / "gpu_optim.csv")
    assert {
        f"kernels.cuda {n}_step" for n in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
    } <= set(optim["peer"])
    assert (optim["median_s"] > 0).all() and (optim["gb_s"] > 0).all()
    adam = optim[optim["peer"] == "kernels.cuda adam_step"].iloc[0]
    assert adam["bytes_per_param"] == 28
    assert adam["gb_s"] == pytest.approx(adam["n_params"] * 28 / adam["median_s"] / 1e9, rel=1e-12)
    copy = optim[optim["optimizer"] == "copy"]
    assert (copy["of_copy_roof"] == 1.0).all()
    training = pd.read_csv(tmp_path / "gpu_training.csv")
    ours = training[training["peer"] == "kernels.cuda train (on device)"].iloc[0]
    assert ours["samples_per_s"] == pytest.approx(ours["n_samples"] / ours["median_s"], rel=1e-12)
    summary = json.loads((tmp_path / "gpu_device.json").read_text())
    assert summary["simulated"] is True and summary["tests"] == "skipped"
    assert summary["adam_step_gb_s"] == pytest.approx(adam["gb_s"], rel=1e-12)
