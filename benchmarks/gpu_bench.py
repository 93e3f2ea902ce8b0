"""GPU tests and benchmarks of the CUDA target (issue 7), for a machine with an NVIDIA GPU.

    python benchmarks/gpu_bench.py [--out reports/bench] [--sizes 1e6,1e7,1e8] [--no-tests]
    python benchmarks/gpu_bench.py --simulate --out /tmp/x     # tiny sizes in Numba's CUDA simulator

It runs the real-GPU tests (``pytest -m gpu tests/cuda``), then writes, like the benchmark suite:

* ``gpu_optim.csv``: every optimizer step of ``kernels.cuda`` over ``n`` float32 parameters (up to 1e8),
  beside a device-to-device copy kernel (the bandwidth roof this device reaches: read n, write n), a
  "floor" kernel that moves exactly Adam's bytes with trivial arithmetic, and ``torch.optim.Adam``
  (``fused=True`` and ``foreach=True``) on CUDA when PyTorch with CUDA is installed. ``bytes_per_param``
  counts what one fused pass must move (Adam: read w, g, m, v; write w, m, v = 28 B); ``gb_s`` is that
  traffic over the median time, ``of_copy_roof`` its fraction of the copy kernel's GB/s at the same ``n``,
  ``of_spec`` its fraction of the memory bandwidth computed from the device's clock and bus width.
* ``gpu_training.csv``: samples per second of whole training epochs (Adam, softmax cross-entropy, ReLU),
  ``kernels.cuda`` (everything on the device) against a PyTorch CUDA loop with the same architecture,
  batch size, optimizer and initial weights, TF32 off; ``vs_torch`` = our samples/s over PyTorch's.
* ``gpu_device.json``: the device, its specification bandwidth, the test outcome and a summary.

Timings follow ``benchmarks.harness.measure``: peers interleaved round-robin, medians; each timed call ends
with a device synchronisation.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

BYTES_PER_PARAM_F32 = {"sgd": 12, "momentum": 20, "nesterov": 20, "adagrad": 20, "rmsprop": 20, "adam": 28}
"""Bytes one fused step must move per float32 parameter: (arrays read + arrays written) * 4."""

HP = {
    "sgd": {"lr": 0.01},
    "momentum": {"lr": 0.01, "beta": 0.9},
    "nesterov": {"lr": 0.01, "beta": 0.9},
    "adagrad": {"lr": 0.01, "eps": 1e-8},
    "rmsprop": {"lr": 0.001, "beta": 0.99, "eps": 1e-8},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
}

REAL = {
    "sizes": [10**6, 10**7, 10**8],
    "nets": [((784, 1024, 1024, 10), 256, 16384), ((4096, 4096, 4096, 10), 1024, 8192)],
}
SIMULATED = {"sizes": [200], "nets": [((4, 8, 3), 8, 16)]}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "reports" / "bench"), help="folder of the CSV tables")
    p.add_argument("--sizes", default=None, help="comma-separated parameter counts, e.g. 1e6,1e7,1e8")
    p.add_argument("--simulate", action="store_true", help="Numba's CUDA simulator, tiny sizes (smoke test)")
    p.add_argument("--no-tests", action="store_true", help="skip the GPU tests")
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    return p.parse_args(argv)


# --------------------------------------------------------------------------- device


def device_info(cuda) -> dict:
    """Name, compute capability and the specification bandwidth ``2 * memory clock * bus width / 8``."""
    dev = cuda.get_current_device()
    name = getattr(dev, "name", "unknown")
    info = {
        "name": name.decode() if isinstance(name, bytes) else str(name),
        "compute_capability": ".".join(map(str, getattr(dev, "compute_capability", ()))),
    }
    try:
        clock_khz = dev.MEMORY_CLOCK_RATE
        bus_bits = dev.GLOBAL_MEMORY_BUS_WIDTH
        info["spec_bandwidth_gb_s"] = 2 * clock_khz * 1e3 * bus_bits / 8 / 1e9
    except Exception:  # the simulator's device has no such attributes
        info["spec_bandwidth_gb_s"] = float("nan")
    return info


def run_gpu_tests(out: Path) -> str:
    """``pytest -m gpu tests/cuda`` in a child; the log goes to ``gpu_tests.txt``; returns its last line."""
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-m", "gpu", "-rfEs", "tests/cuda"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    log = proc.stdout + proc.stderr
    (out / "gpu_tests.txt").write_text(log, encoding="utf-8")
    last = log.strip().splitlines()[-1] if log.strip() else "no output"
    return f"exit {proc.returncode}: {last}"


# --------------------------------------------------------------------------- optimizer steps


def _optim_peers(n: int, torch) -> list:
    """The peers of one size; the arrays live as long as the peers' closures."""
    from numba import cuda

    from benchmarks.harness import Peer, materialised
    from kernels import cuda as kc
    from kernels.cuda import bandwidth, config, optim

    w = cuda.to_device(materialised(n, 0))
    g = cuda.to_device(materialised(n, 1, scale=0.01))
    dst = cuda.device_array_like(w)
    states = {name: kc.init_state(name, w) for name in HP}
    m, v = states["adam"]["m"], states["adam"]["v"]
    launch = (config.blocks_for(n), config.THREADS_PER_BLOCK)
    f32 = np.float32

    def synced(fn):
        def call():
            fn()
            cuda.synchronize()

        return call

    def step(name):
        return synced(lambda: optim.step(name, w, g, states[name], **HP[name]))

    peers = [
        Peer(
            "copy kernel (roof)",
            synced(lambda: bandwidth.copy_kernel[launch](w, dst)),
            meta={"optimizer": "copy", "bytes_per_param": 8},
        ),
        Peer(
            "adam-traffic floor kernel",
            synced(lambda: bandwidth.adam_traffic_kernel[launch](w, g, m, v)),
            meta={"optimizer": "adam", "bytes_per_param": 28},
        ),
        Peer(
            "kernels.cuda adam kernel (direct launch)",
            synced(
                lambda: optim.adam_kernel[launch](
                    w, g, m, v, f32(1e-3), f32(0.9), f32(0.999), f32(1e-8), f32(0.1), f32(0.001)
                )
            ),
            meta={"optimizer": "adam", "bytes_per_param": 28},
        ),
    ]
    peers += [
        Peer(
            f"kernels.cuda {name}_step",
            step(name),
            meta={"optimizer": name, "bytes_per_param": BYTES_PER_PARAM_F32[name]},
        )
        for name in HP
    ]
    if torch is not None:
        for flavour in ("fused", "foreach"):
            p = torch.nn.Parameter(torch.as_tensor(w.copy_to_host(), device="cuda"))
            p.grad = torch.as_tensor(g.copy_to_host(), device="cuda")
            opt = torch.optim.Adam([p], lr=1e-3, **{flavour: True})

            def torch_step(opt=opt):
                opt.step()
                torch.cuda.synchronize()

            peers.append(
                Peer(
                    f"torch Adam {flavour}=True",
                    torch_step,
                    meta={"optimizer": "adam", "bytes_per_param": 28},
                )
            )
    return peers


def bench_optimizers(sizes: list[int], cfg, torch) -> pd.DataFrame:
    """One table over ``sizes``: time, GB/s and fraction of the copy roof of every peer."""
    from benchmarks.harness import measure

    frames = []
    for n in sizes:
        frames.append(measure(_optim_peers(n, torch), cfg, extra={"n_params": n, "dtype": "float32"}))
        gc.collect()
        if torch is not None:
            torch.cuda.empty_cache()
    df = pd.concat(frames, ignore_index=True)
    df["gb_s"] = df["bytes_per_param"] * df["n_params"] / df["median_s"] / 1e9
    roof = df[df["optimizer"] == "copy"].set_index("n_params")["gb_s"]
    df["of_copy_roof"] = df["gb_s"] / df["n_params"].map(roof)
    return df


# --------------------------------------------------------------------------- training


def _init_weights(sizes: tuple[int, ...], seed: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    Ws = [
        (rng.standard_normal((sizes[k + 1], sizes[k])) * np.sqrt(2.0 / sizes[k])).astype(np.float32)
        for k in range(len(sizes) - 1)
    ]
    bs = [np.zeros(sizes[k + 1], np.float32) for k in range(len(sizes) - 1)]
    return Ws, bs


def _training_peers(sizes: tuple[int, ...], batch: int, n: int, torch) -> list:
    """Our on-device loop and a PyTorch CUDA loop from the same weights and data (one epoch per call)."""
    from numba import cuda

    from benchmarks.harness import Peer
    from kernels.cuda import losses
    from kernels.cuda import train as training

    hp = HP["adam"]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], n)
    Xd = cuda.to_device(X)
    Yd = cuda.to_device(losses.one_hot(labels, sizes[-1], np.float32))
    Ws, bs = _init_weights(sizes, 1)
    acts = ("relu",) * (len(sizes) - 2) + ("identity",)
    net = training.DeviceNet.from_host(Ws, bs, acts)
    epoch = [0]

    def ours():
        epoch[0] += 1
        training.train_net(
            net,
            Xd,
            Yd,
            optimizer="adam",
            hp=hp,
            epochs=1,
            batch_size=batch,
            seed=epoch[0],
            loss="softmax_cross_entropy",
        )
        cuda.synchronize()

    n_params = sum(W.size + b.size for W, b in zip(Ws, bs, strict=True))
    meta = {"net": "-".join(map(str, sizes)), "batch": batch, "n_samples": n, "n_params": n_params}
    peers = [Peer("kernels.cuda train (on device)", ours, meta=meta)]
    if torch is None:
        return peers
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    layers = []
    for k, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        lin = torch.nn.Linear(W.shape[1], W.shape[0])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(W))
            lin.bias.copy_(torch.from_numpy(b))
        layers.append(lin)
        if k < len(Ws) - 1:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers).cuda()
    opt = torch.optim.Adam(
        model.parameters(), lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), eps=hp["eps"], fused=True
    )
    Xt = torch.as_tensor(X, device="cuda")
    Lt = torch.as_tensor(labels, device="cuda")

    def theirs():
        perm = torch.randperm(n, device="cuda")
        for start in range(0, n, batch):
            idx = perm[start : start + batch]
            loss = torch.nn.functional.cross_entropy(model(Xt[idx]), Lt[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        torch.cuda.synchronize()

    return [*peers, Peer("torch CUDA loop (fused Adam)", theirs, meta=meta)]


def bench_training(nets, cfg, torch) -> pd.DataFrame:
    """Samples per second of one training epoch per peer, and our ratio to PyTorch's."""
    from benchmarks.harness import measure

    frames = []
    for sizes, batch, n in nets:
        frames.append(measure(_training_peers(sizes, batch, n, torch), cfg))
        gc.collect()
    df = pd.concat(frames, ignore_index=True)
    df["samples_per_s"] = df["n_samples"] / df["median_s"]
    torch_rate = df[df["peer"].str.startswith("torch")].set_index("net")["samples_per_s"]
    df["vs_torch"] = df["samples_per_s"] / df["net"].map(torch_rate)
    return df


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.simulate:
        if "numba.cuda" in sys.modules and os.environ.get("NUMBA_ENABLE_CUDASIM") != "1":
            print("--simulate must be chosen before numba.cuda is imported", file=sys.stderr)
            return 2
        os.environ["NUMBA_ENABLE_CUDASIM"] = "1"
    sys.path.insert(0, str(ROOT))
    from numba import cuda

    import kernels.cuda as kc
    from benchmarks.harness import Config, machine_description, torch_or_none
    from kernels.cuda import config

    if not kc.available:
        print(f"gpu_bench: {kc.unavailable_reason}", file=sys.stderr)
        return 2
    preset = SIMULATED if args.simulate else REAL
    if args.simulate:
        config.THREADS_PER_BLOCK, config.MAX_BLOCKS, config.TILE = 32, 2, 8
    sizes = [int(float(s)) for s in args.sizes.split(",")] if args.sizes else preset["sizes"]
    torch = torch_or_none()
    if torch is not None and not torch.cuda.is_available():
        torch = None
    cfg = Config.make(quick=args.quick or args.simulate, tiny=args.simulate)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    summary: dict = {"device": device_info(cuda), "simulated": args.simulate, "torch_cuda": torch is not None}
    summary["tests"] = "skipped" if (args.no_tests or args.simulate) else run_gpu_tests(out)

    optim_df = bench_optimizers(sizes, cfg, torch)
    optim_df["of_spec"] = optim_df["gb_s"] / summary["device"]["spec_bandwidth_gb_s"]
    optim_df.to_csv(out / "gpu_optim.csv", index=False)
    train_df = bench_training(preset["nets"], cfg, torch)
    train_df.to_csv(out / "gpu_training.csv", index=False)

    big = optim_df[optim_df["n_params"] == max(sizes)].set_index("peer")
    summary["adam_step_gb_s"] = float(big.loc["kernels.cuda adam_step", "gb_s"])
    summary["adam_of_copy_roof"] = float(big.loc["kernels.cuda adam_step", "of_copy_roof"])
    summary["copy_roof_gb_s"] = float(big.loc["copy kernel (roof)", "gb_s"])
    summary["training_vs_torch"] = {
        row.net: (None if np.isnan(row.vs_torch) else float(row.vs_torch))
        for row in train_df[train_df["peer"].str.startswith("kernels")].itertuples()
    }
    summary["machine"] = machine_description()
    (out / "gpu_device.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    print(
        optim_df[["n_params", "peer", "median_s", "gb_s", "of_copy_roof", "of_spec"]].to_string(index=False)
    )
    print(train_df[["net", "peer", "samples_per_s", "vs_torch"]].to_string(index=False))
    print(json.dumps({k: v for k, v in summary.items() if k != "machine"}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
