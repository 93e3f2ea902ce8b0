"""Smoke test of the benchmark suite on tiny sizes: the tables carry the columns that recompute their ratios,
the plots and the README exist, and the peers of the MLP benchmark learn the same thing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchmarks import external, harness, report, suite
from grader.cli import main
from grader.commands import bench as bench_cmd

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
OWN_SECTIONS = [name for name in suite.NAMES if name not in ("compile", "grading")]
"""Compile times and grading run other parts' scripts (minutes); their adapters are tested apart."""


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    rc = main(["bench", "--tiny", "--out", str(out), "--only", *OWN_SECTIONS])
    return out, rc


def _table(out, name) -> pd.DataFrame:
    path = out / f"{name}.csv"
    assert path.exists(), f"{name}.csv missing; README says:\n{(out / 'README.md').read_text()}"
    return pd.read_csv(path)


@pytest.mark.slow  # shares the module's suite run (about 20-30 s on 2 busy cores)
def test_suite_succeeds_and_writes_readme(run_dir):
    out, rc = run_dir
    readme = (out / "README.md").read_text()
    assert rc == 0, readme
    assert "## Machine" in readme and harness.cpu_model() in readme
    assert "FAILED" not in readme


@pytest.mark.slow
@pytest.mark.parametrize("name", ["stream", "optim", "mlp", "figure39"])
def test_plots_are_png(run_dir, name):
    out, _ = run_dir
    data = (out / f"{name}.png").read_bytes()
    assert data[:8] == PNG_MAGIC and len(data) > 5000


@pytest.mark.slow  # shares the module's suite run (about 20-30 s on 2 busy cores)
def test_stream_bandwidth_recomputes(run_dir):
    df = _table(run_dir[0], "stream")
    assert set(df["kernel"]) == {"copy", "triad", "sqrt+div float32", "sqrt+div float64"}
    np.testing.assert_allclose(df["gbps"], df["n"] * df["bytes_per_elem"] / df["median_s"] / 1e9, rtol=1e-9)
    roof = df[df["kernel"].str.startswith("sqrt+div")]
    np.testing.assert_allclose(roof["ns_per_elem"], roof["min_s"] / roof["n"] * 1e9, rtol=1e-9)
    assert (df["min_s"] <= df["median_s"]).all() and (df["median_s"] <= df["max_s"]).all()


@pytest.mark.slow  # shares the module's suite run (about 20-30 s on 2 busy cores)
def test_optimizer_ratios_recompute(run_dir):
    df = _table(run_dir[0], "optim")
    assert set(df["optimizer"]) >= {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"}
    np.testing.assert_allclose(df["frac_of_floor"], df["floor_s"] / df["median_s"], rtol=1e-9)
    np.testing.assert_allclose(df["ratio_vs_numba"], df["median_s"] / df["numba_best_s"], rtol=1e-9)
    np.testing.assert_allclose(df["gbps"], df["n"] * df["bytes_per_elem"] / df["median_s"] / 1e9, rtol=1e-9)
    for (opt, n), grp in df.groupby(["optimizer", "n"]):
        numba = grp[grp.family == "numba"]["median_s"]
        assert grp["numba_best_s"].iloc[0] == pytest.approx(numba.min()), (opt, n)
        assert {"floor serial", "floor parallel"} <= set(grp["peer"]), (opt, n)
    assert df.loc[df.optimizer == "adam", "bytes_per_elem"].iloc[0] == 28
    adam = df[df.optimizer == "adam"]
    assert {"compute roof serial", "compute roof parallel"} <= set(adam["peer"])
    limit = np.fmax(adam["floor_s"], adam["roof_s"])
    np.testing.assert_allclose(adam["frac_of_limit"], limit / adam["median_s"], rtol=1e-9)
    assert df.loc[df.optimizer == "sgd", "roof_s"].isna().all()  # no square root, no division


@pytest.mark.slow  # shares the module's suite run (about 20-30 s on 2 busy cores)
def test_mlp_table_and_same_learning(run_dir):
    df = _table(run_dir[0], "mlp")
    for col in (
        "net",
        "peer",
        "threads",
        "samples_per_s",
        "best",
        "gemm_roof_samples_per_s",
        "frac_of_gemm_roof",
        "speedup_vs_torch_best",
        "test_accuracy",
        "final_loss",
    ):
        assert col in df.columns
    runs = df[df.peer != "gemm roof"]
    np.testing.assert_allclose(runs["samples_per_s"], runs["n_train"] / runs["median_s"], rtol=1e-9)
    np.testing.assert_allclose(df["frac_of_gemm_roof"], df["samples_per_s"] / df["gemm_roof_samples_per_s"])
    np.testing.assert_allclose(
        df["frac_of_gemm_roof_same_threads"], df["samples_per_s"] / df["gemm_roof_same_threads"]
    )
    roofs = df[df.peer == "gemm roof"]
    assert (
        roofs.groupby("net")["samples_per_s"].max() == roofs.groupby("net")["gemm_roof_samples_per_s"].first()
    ).all()
    for net, grp in runs.groupby("net"):
        acc = grp.groupby("peer")["test_accuracy"].first()
        # the three take the same steps from the same weights and batches: at most one test sample differs
        assert abs(acc["numpy"] - acc["torch"]) <= 1 / 359 + 1e-9, net
        assert abs(acc["numpy"] - acc["numba"]) <= 1 / 359 + 1e-9, net
        assert acc["numpy"] > 0.5, net


@pytest.mark.slow  # shares the module's suite run (about 20-30 s on 2 busy cores)
def test_figure39_has_every_optimizer_and_learns(run_dir):
    df = _table(run_dir[0], "figure39")
    assert list(dict.fromkeys(df["optimizer"])) == [
        "GD",
        "SGD",
        "Momentum",
        "Nesterov",
        "Adagrad",
        "RMSprop",
        "Adam",
    ]
    first = df[df.epoch == 0]
    assert first["train_loss"].nunique() == 1  # the same initial network for every optimizer
    last = df[df.epoch == df.epoch.max()].set_index("optimizer")
    assert last.loc["Adam", "train_loss"] < first["train_loss"].iloc[0] - 0.3
    assert np.isfinite(df["train_loss"]).all()


def test_measure_interleaves_peers():
    calls: list[str] = []
    peers = [harness.Peer("a", lambda: calls.append("a")), harness.Peer("b", lambda: calls.append("b"))]
    cfg = harness.Config(repeats=3, min_sample_s=0.0)
    df = harness.measure(peers, cfg)
    # warm-up and calibration of each peer, then 3 round-robin rounds of one call each
    assert calls == ["a", "a", "b", "b"] + ["a", "b"] * 3
    assert list(df["peer"]) == ["a", "b"] and (df["repeats"] == 3).all() and (df["number"] == 1).all()


def test_cli_sections_match_suite():
    assert bench_cmd.SECTIONS == suite.NAMES


def test_cli_rejects_unknown_section(tmp_path, capsys):
    assert main(["bench", "--out", str(tmp_path), "--only", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "unknown section(s) nosuch" in err and len(err.strip().splitlines()) == 1


FAKE_COMPILE_TIMES = (
    "import json, os, sys\n"
    "folder = os.environ.get('NUMBA_CACHE_DIR') or os.environ['FAKE_CACHE']\n"
    "marker = os.path.join(folder, 'seen')\n"
    "cold = not os.path.exists(marker)\n"
    "open(marker, 'w').close()\n"
    "assert sys.argv[1:] == ['--child']\n"
    "adam = [2.0, 1.5] if cold else [0.01, 0.01]\n"
    "print(json.dumps({'import kernels': [0.2, 0.1], 'optim.adam_step': adam,"
    " 'train': 4.0 if cold else 0.02}))\n"
)
"""Stands in for compile_times.py: slow first calls while its cache folder is empty."""


@pytest.fixture
def fake_compile_times(tmp_path, monkeypatch):
    (tmp_path / "compile_times.py").write_text(FAKE_COMPILE_TIMES)
    monkeypatch.setattr(external, "__file__", str(tmp_path / "external.py"))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    (tmp_path / "project_cache").mkdir()
    monkeypatch.setenv("FAKE_CACHE", str(tmp_path / "project_cache"))


def test_compile_adapter_follows_the_two_interpreter_protocol(fake_compile_times):
    df = external.run_compile_times(harness.Config()).set_index("kernel")
    assert df.loc["total (all kernels)", "first_compile_s"] == pytest.approx(6.0)
    assert df.loc["total (all kernels)", "cached_load_s"] == pytest.approx(0.03)
    assert df.loc["optim.adam_step", "speedup_of_cache"] == pytest.approx(200.0)
    assert df.loc["optim.adam_step", "first_compile_cpu_s"] == pytest.approx(1.5)
    assert np.isnan(df.loc["train", "first_compile_cpu_s"])  # a bare number is a wall time


def test_quick_compile_times_only_the_cached_load(fake_compile_times):
    df = external.run_compile_times(harness.Config.make(True)).set_index("kernel")
    assert df["first_compile_s"].isna().all()
    assert df.loc["total (all kernels)", "cached_load_s"] == pytest.approx(0.03)


def test_missing_external_module_is_skipped_with_reason(monkeypatch):
    monkeypatch.setattr(external, "__file__", "/nonexistent/external.py")
    with pytest.raises(external.SectionSkipped, match=r"compile_times\.py is not available"):
        external.run_compile_times(harness.Config.make(True, tiny=True))


@pytest.mark.slow  # shares the module's suite run (about 20-30 s on 2 busy cores)
def test_targets_table_has_both_estimates(run_dir):
    tgt = _table(run_dir[0], "targets")
    assert list(tgt.columns) == ["target", "where", "measured", "measured_fastest", "goal", "met"]
    assert set(tgt["met"]) <= {"yes", "NO"}
    floor_rows = tgt[tgt.target.str.endswith("Numba / same-stream floor")]
    assert len(floor_rows) == 6  # one per optimizer at the single tiny size


def test_grading_target_compares_deepgrade_with_nbgrader():
    df = pd.DataFrame(
        {
            "tool": ["deepgrade grade", "deepgrade grade", "nbgrader autograde"],
            "workers": [1, 2, 1],
            "copies": [6, 6, 2],
            "wall_s": [30.0, 18.0, 120.0],
        }
    )
    df["s_per_submission"] = df["wall_s"] / df["copies"]
    df["speedup_vs_nbgrader"] = 60.0 / df["s_per_submission"]
    tgt = report.targets({"grading": df})
    assert len(tgt) == 1
    row = tgt.iloc[0]
    assert row["where"] == "deepgrade -n 2" and row["measured"] == pytest.approx(20.0) and row["met"] == "yes"
