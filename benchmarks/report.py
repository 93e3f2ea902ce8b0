"""The headline ratios against the targets of the benchmark issue, and the generated ``README.md``.

Every headline is recomputed from the saved tables (medians of the same run), so a reader can check it
from the CSV files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.optim_peers import BYTES_PER_ELEM, TORCH_MAPPING


def markdown_table(df: pd.DataFrame, floatfmt: str = "{:.3g}") -> str:
    """A GitHub markdown table of ``df`` (no index)."""

    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else floatfmt.format(v)
        return str(v)

    lines = ["| " + " | ".join(map(str, df.columns)) + " |", "|" + " --- |" * len(df.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


def _target(rows: list, what: str, value: float, op: str, goal: float, where: str) -> None:
    met = value >= goal if op == ">=" else value <= goal
    rows.append(
        {
            "target": what,
            "where": where,
            "measured": value,
            "goal": f"{op} {goal:g}",
            "met": "yes" if met else "NO",
        }
    )


def optimizer_targets(df: pd.DataFrame, rows: list) -> None:
    """Fraction of the floor and speed-ups against torch at the sizes the issue names (largest measured sizes
    stand in when 1e7 and 5e7 were not run)."""
    big = sorted(df["n"].unique())[-2:]
    for name, sub in df[df.optimizer != "nesterov_lookahead"].groupby("optimizer", sort=False):
        for n in big:
            s = sub[sub.n == n]
            numba = s[s.family == "numba"]
            best = numba.loc[numba["median_s"].idxmin()]
            _target(
                rows,
                f"{name}: fused Numba / same-stream floor",
                best["frac_of_floor"],
                ">=",
                0.95,
                f"n={n:.0e}, {best['peer']}",
            )
            fused = s[s.peer == "torch fused=True"]
            if len(fused):
                _target(
                    rows,
                    f"{name}: torch fused time / Numba",
                    float(fused["ratio_vs_numba"].iloc[0]),
                    ">=",
                    1.0,
                    f"n={n:.0e}",
                )
        s = sub[sub.n == 100_000]
        fused = s[s.peer == "torch fused=True"]
        if len(fused):
            _target(
                rows,
                f"{name}: torch fused time / Numba",
                float(fused["ratio_vs_numba"].iloc[0]),
                ">=",
                3.0,
                "n=1e+05",
            )
        default = sub[sub.peer == "torch foreach=False"]
        if len(default):
            worst = default.loc[default["ratio_vs_numba"].idxmin()]
            _target(
                rows,
                f"{name}: torch default (foreach=False) time / Numba",
                float(worst["ratio_vs_numba"]),
                ">=",
                5.0,
                f"worst size n={worst['n']:.0e}",
            )


def mlp_targets(df: pd.DataFrame, rows: list) -> None:
    for net, goal in (("64-32-10", 7.0), ("64-256-256-10", 1.4)):
        sub = df[(df.net == net) & (df.peer == "numba") & df.best]
        if len(sub) and not np.isnan(sub["speedup_vs_torch_best"].iloc[0]):
            r = sub.iloc[0]
            _target(
                rows,
                f"MLP {net}: Numba samples/s / PyTorch best",
                float(r["speedup_vs_torch_best"]),
                ">=",
                goal,
                f"numba {r['threads']} thr",
            )
        if net == "64-256-256-10" and len(sub):
            _target(
                rows,
                f"MLP {net}: Numba / GEMM roof",
                float(sub["frac_of_gemm_roof"].iloc[0]),
                ">=",
                0.7,
                "same run",
            )


def grading_targets(df: pd.DataFrame, rows: list) -> None:
    if "speedup_vs_nbgrader" in df.columns and df["speedup_vs_nbgrader"].notna().any():
        _target(
            rows,
            "grading: nbgrader s/submission / deepgrade",
            float(df["speedup_vs_nbgrader"].max()),
            ">=",
            10.0,
            "best -n",
        )


def targets(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per target: ``target``, ``where``, ``measured``, ``goal``, ``met``."""
    rows: list[dict] = []
    if "optim" in tables:
        optimizer_targets(tables["optim"], rows)
    if "mlp" in tables:
        mlp_targets(tables["mlp"], rows)
    if "grading" in tables:
        grading_targets(tables["grading"], rows)
    return pd.DataFrame(rows, columns=["target", "where", "measured", "goal", "met"])


def _summary(name: str, df: pd.DataFrame) -> pd.DataFrame | None:
    if name == "stream":
        return df[["kernel", "n", "peer", "threads", "gbps"]]
    if name == "optim":
        big = df["n"].max()
        cols = ["optimizer", "peer", "threads", "us_per_step", "gbps", "frac_of_floor", "ratio_vs_numba"]
        return df[df.n == big][cols].rename(columns={"us_per_step": f"us/step (n={big:.0e})"})
    if name in ("activations", "dense"):
        cols = [c for c in ("op", "shape", "peer", "median_s", "speedup_vs_torch") if c in df.columns]
        return df[cols]
    if name == "mlp":
        cols = [
            "net",
            "peer",
            "threads",
            "best",
            "samples_per_s",
            "speedup_vs_torch_best",
            "frac_of_gemm_roof",
            "test_accuracy",
            "final_loss",
        ]
        return df[[c for c in cols if c in df.columns]]
    if name == "figure39":
        last = df[df.epoch == df.epoch.max()]
        return last[["optimizer", "hyperparameters", "batch_size", "epoch", "train_loss", "test_accuracy"]]
    return df.head(20)


NOTES = {
    "optim": "Bytes per element that a step must move (float32): "
    + ", ".join(f"{k} {v} B" for k, v in BYTES_PER_ELEM.items())
    + ". `frac_of_floor` = floor time / peer time at the peer's thread count; `ratio_vs_numba` = peer time /"
    " best Numba time (>1: the peer is slower).",
}


def write_readme(
    out: Path,
    machine: dict,
    cfg_desc: str,
    tables: dict[str, pd.DataFrame],
    status: dict[str, str],
    files: list[str],
    elapsed_s: float,
) -> Path:
    """Write ``out/README.md`` summarising the run; returns its path."""
    lines = [
        "# deepgrade benchmark run",
        "",
        f"Generated by `deepgrade bench` ({cfg_desc}) in {elapsed_s:.0f} s.",
        "Peers run interleaved (round-robin) in one process; times are medians of the repetitions, with"
        " min and max in the CSV files.",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- **{k}**: {v}" for k, v in machine.items()]
    lines += [
        "",
        "## Sections",
        "",
        markdown_table(pd.DataFrame([{"section": k, "status": v} for k, v in status.items()])),
        "",
    ]
    tgt = targets(tables)
    if len(tgt):
        lines += ["## Targets of the issue", "", markdown_table(tgt), ""]
    for name, df in tables.items():
        summary = _summary(name, df)
        if summary is None:
            continue
        lines += [f"## {name}", "", markdown_table(summary), ""]
        if name in NOTES:
            lines += [NOTES[name], ""]
    lines += ["## Conventions: the course's optimizers mapped to torch.optim", ""]
    lines += [f"- **{k}**: {v}" for k, v in TORCH_MAPPING.items()]
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files] + [""]
    path = out / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
