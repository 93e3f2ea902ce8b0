"""The stand-in registry with one timing exercise whose inputs depend on the seed (every timed run gets
fresh ones): a result cached at the warm-up cannot be replayed."""

import importlib.util
import sys
from pathlib import Path

from grader.model import Check, Exercise

_spec = importlib.util.spec_from_file_location("_standin_base", Path(__file__).with_name("standin.py"))
_base = importlib.util.module_from_spec(_spec)
sys.modules["_standin_base"] = _base
_spec.loader.exec_module(_base)

HARNESS = _base.HARNESS
make_case, judge, feedback = _base.make_case, _base.judge, _base.feedback
secret, reference_module = _base.secret, _base.reference_module

FRESH = Exercise("ex03_speed", _base._t("Speed"), "3.2.7", ("total",), (
    Check("fresh", 1.0, "harness.total", lambda rng: {"n": int(rng.integers(2_000_000, 3_000_000))}, "3.2.7",
          _base._t("vectorise"), timing=True, timeout_s=20.0),
))
EXERCISES = (FRESH,)
