"""The benchmark suite: runs the sections, saves each table as CSV and plot as PNG, writes the README.

A section that cannot run here (a missing optional package or module of another part) is recorded as
skipped with its reason; a section that raises is recorded as failed with a one-line reason and the suite
goes on, so that one broken part never hides the other measurements.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from benchmarks import (
    external,
    figure39,
    figure311,
    figures_curves,
    figures_descent,
    figures_optimizers,
    optim_bench,
    overhead,
    report,
    stream,
    training_bench,
)
from benchmarks.harness import Config, machine_description


@dataclass(frozen=True)
class Section:
    name: str
    run: Callable[[Config], pd.DataFrame]
    plot: Callable[[pd.DataFrame, Path], None] | None
    title: str


SECTIONS: tuple[Section, ...] = (
    Section("stream", stream.run, stream.plot, "STREAM copy and triad bandwidth"),
    Section("optim", optim_bench.run, optim_bench.plot, "optimizer steps on flat float32 vectors"),
    Section("overhead", overhead.run, None, "per-call overhead of the public kernels"),
    Section("activations", training_bench.run_activations, None, "activations"),
    Section("dense", training_bench.run_dense, None, "dense forward and backward"),
    Section("mlp", training_bench.run_mlp, training_bench.plot, "MLP training epoch on digits"),
    Section("compile", external.run_compile_times, None, "Numba compile and cached-load times"),
    Section("grading", external.run_grading, None, "grading throughput"),
    Section("figure39", figure39.run, figure39.plot, "Figure 3.9 on digits"),
    Section("figure311", figure311.run, figure311.plot, "Figure 3.11, grid against random search"),
    Section("figure31", figures_descent.run31, figures_descent.plot31, "Figure 3.1, learning-rate regimes"),
    Section("figure35_38", figures_descent.run35, figures_descent.plot35, "Figures 3.5-3.8, trajectories"),
    Section("curves", figures_curves.run, figures_curves.plot, "learning curves, dropout, early stopping"),
    Section("figure39_tuned", figures_optimizers.run, figures_optimizers.plot, "Figure 3.9, tuned rates"),
)
NAMES = tuple(s.name for s in SECTIONS)


def _reason(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}"[:200]


def run_suite(
    out: Path,
    *,
    quick: bool,
    only: Sequence[str] | None = None,
    tiny: bool = False,
    log: Callable[[str], None] = print,
) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Run the selected sections into ``out``; returns the tables and the status line of every section."""
    cfg = Config.make(quick, tiny)
    out.mkdir(parents=True, exist_ok=True)
    tables: dict[str, pd.DataFrame] = {}
    status: dict[str, str] = {}
    files: list[str] = []
    t_start = time.perf_counter()
    machine_at_start = machine_description()
    for section in SECTIONS:
        if only and section.name not in only:
            continue
        t0 = time.perf_counter()
        log(f"bench: {section.name} ({section.title}) ...")
        try:
            df = section.run(cfg)
        except external.SectionSkipped as err:
            status[section.name] = f"skipped: {err}"
        except ModuleNotFoundError as err:
            status[section.name] = f"skipped: module {err.name} is not installed"
        except Exception as err:  # one failing section must not hide the others
            status[section.name] = f"FAILED: {_reason(err)}"
        else:
            tables[section.name] = df
            df.to_csv(out / f"{section.name}.csv", index=False)
            files.append(f"{section.name}.csv")
            if section.plot is not None:
                section.plot(df, out / f"{section.name}.png")
                files.append(f"{section.name}.png")
            status[section.name] = f"ok ({time.perf_counter() - t0:.1f} s, {len(df)} rows)"
        log(f"bench: {section.name}: {status[section.name]}")
    tgt = report.targets(tables)
    if len(tgt):
        tgt.to_csv(out / "targets.csv", index=False)
        files.append("targets.csv")
    desc = "quick" if quick else "full"
    desc += f", {cfg.repeats} repetitions" + (", tiny sizes" if tiny else "")
    machine = {**machine_at_start, "load_average_at_end": " ".join(f"{x:.2f}" for x in os.getloadavg())}
    report.write_readme(out, machine, desc, tables, status, files, time.perf_counter() - t_start)
    return tables, status
