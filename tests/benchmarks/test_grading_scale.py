"""The scale benchmark's pure parts: the generated mix and the paper projection (grading itself is the
script's job: minutes)."""

from __future__ import annotations

import time

import pytest

from benchmarks import grading_scale, machine_cpu


def test_the_generated_mix_cycles_through_every_kind(tmp_path):
    kinds = grading_scale.generate(tmp_path, 12)
    assert kinds == {"perfect": 2, "partial": 2, "stubs": 1, "broken": 1, "hostile": 6}
    assert len(list(tmp_path.iterdir())) == 12
    assert not list(tmp_path.rglob("EXPECT"))  # the adversarial suite's expectations stay out
    assert (tmp_path / "s0004" / "ex02_sigmoid.py").is_file()  # the first hostile one


def test_the_projection_is_submissions_times_cost_over_cores():
    line = grading_scale.project(2.0, 0.002, subs=20_000, machines=50, cores=16)
    assert "= 50 s" in line  # 20,000 x 2.002 / 800 = 50.05 s
    assert grading_scale.project(1.0, 0.0, subs=800, machines=1, cores=16).endswith("= 50 s (0.8 min)")


def test_an_unknown_mode_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit):
        grading_scale.main(["--modes", "n3"])
    assert "unknown mode(s) n3" in capsys.readouterr().err


def test_the_machine_busy_time_counts_this_process_burning_cpu():
    before, start = machine_cpu.busy_seconds(), time.process_time()
    while time.process_time() - start < 0.5:
        pass
    assert machine_cpu.busy_seconds() - before >= 0.4  # /proc/stat ticks of 10 ms, all cores together
