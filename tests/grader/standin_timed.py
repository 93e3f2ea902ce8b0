"""The stand-in registry plus one timing exercise (kept apart: timing checks are slower)."""

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location("_standin_base", Path(__file__).with_name("standin.py"))
_base = importlib.util.module_from_spec(_spec)
sys.modules["_standin_base"] = _base
_spec.loader.exec_module(_base)

HARNESS = _base.HARNESS
make_case, judge, feedback = _base.make_case, _base.judge, _base.feedback
secret, reference_module = _base.secret, _base.reference_module
EXERCISES = (_base.EXERCISES[0], _base.TIMED)
