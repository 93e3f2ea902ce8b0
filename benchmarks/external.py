"""Adapters to the measurements owned by other parts: compile times (``benchmarks/compile_times.py``) and
grading throughput (``benchmarks/grading_throughput.py``).

Each adapter calls the module's ``run(quick=..., tiny=...)`` (falling back to ``run()``) and expects a
pandas DataFrame. A module that does not exist yet raises ``SectionSkipped`` with the reason, which the
suite records in its README instead of failing.
"""

from __future__ import annotations

import importlib
import inspect

import pandas as pd

from benchmarks.harness import Config


class SectionSkipped(Exception):
    """A section that cannot run on this installation (a missing module or optional package)."""


def _call_run(module_name: str, cfg: Config) -> pd.DataFrame:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as err:
        if err.name in (module_name, module_name.rsplit(".", 1)[-1]):
            raise SectionSkipped(f"{module_name} is not available yet") from err
        raise
    run = getattr(module, "run", None)
    if run is None:
        raise SectionSkipped(f"{module_name} has no run() function")
    params = inspect.signature(run).parameters
    kwargs = {k: v for k, v in (("quick", cfg.quick), ("tiny", cfg.tiny)) if k in params}
    result = run(**kwargs)
    if not isinstance(result, pd.DataFrame):
        raise SectionSkipped(f"{module_name}.run() returned {type(result).__name__}, not a DataFrame")
    return result


def run_compile_times(cfg: Config) -> pd.DataFrame:
    """Numba first-compile and cached-load times of the kernel set (owned by ``compile_times``)."""
    return _call_run("benchmarks.compile_times", cfg)


def run_grading(cfg: Config) -> pd.DataFrame:
    """Seconds per submission for ``deepgrade grade`` (and ``nbgrader autograde`` when installed), owned by
    ``grading_throughput``."""
    return _call_run("benchmarks.grading_throughput", cfg)
