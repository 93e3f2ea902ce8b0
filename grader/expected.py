"""Inputs and expected values of one check for one student (trusted, parent side).

``make_case`` draws the check's inputs from its seed (``grader.seeds``) and pairs them with the expected
value, taken, in order of precedence, from:

1. the ``"_expected"`` entry of the inputs (``grader.registry.EXPECTED_KEY``), which is removed from the
   inputs so that it never reaches the student (held-out labels, the layers that must stay frozen);
2. ``check.expected``, the report's published value;
3. for a public check, ``grader/data/public_expected.json``, generated from ``solutions/`` by
   ``python -m grader.expected --write`` so that the student bundle can self-check without ``solutions/``;
4. for a hidden check, the same target run here on ``solutions/`` (float64), found by ``solutions_dir``:
   the source checkout's ``solutions/`` next to ``grader/`` (editable or source runs), else the folder
   named by ``DEEPGRADE_SOLUTIONS`` (a wheel install ships no ``solutions/``).

``call_target`` runs a target on a module in this process: use it only on trusted modules (solutions,
reference modules); student code goes through the sandbox.
"""

from __future__ import annotations

import argparse
import copy
import importlib
import importlib.util
import json
import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from grader import harness, values, verdicts
from grader.errors import UsageError
from grader.model import Check, Exercise
from grader.registry import EXERCISES, EXPECTED_KEY
from grader.seeds import check_seed
from grader.seeds import secret as default_secret

PUBLIC_EXPECTED = Path(__file__).resolve().parent / "data" / "public_expected.json"
CHECKOUT_SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"
SOLUTIONS_ENV = "DEEPGRADE_SOLUTIONS"


@dataclass(frozen=True)
class Case:
    """What the engine needs to run and judge one check: keyword arguments and the expected value."""

    inputs: dict[str, Any]
    expected: Any
    seed: int


def call_target(module: ModuleType, target: str, inputs: dict[str, Any]) -> Any:
    """``module.target(**inputs)`` or ``harness.NAME(module, **inputs)`` on a deep copy of the inputs, a
    scenario's reply settled by ``grader.verdicts`` as the engine settles the child's (so both sides of
    a comparison have the same form). Runs in this process: trusted modules only."""
    kwargs = copy.deepcopy(inputs)
    if target.startswith("harness."):
        raw = getattr(harness, target.removeprefix("harness."))(module, **kwargs)
        return verdicts.settle(target, inputs, raw)
    return getattr(module, target)(**kwargs)


def plain(value: Any) -> Any:
    """The value as it reaches the parent from the child: encoded and decoded by ``grader.values``."""
    return values.decode(values.encode(value))


def draw_inputs(exercise: Exercise, check: Check, seed: int) -> tuple[dict[str, Any], Any, bool]:
    """``(inputs, expected_from_inputs, has_expected)`` for a seed, ``"_expected"`` split off."""
    import numpy as np

    inputs = dict(check.inputs(np.random.default_rng(seed)))
    if EXPECTED_KEY in inputs:
        return inputs, inputs.pop(EXPECTED_KEY), True
    return inputs, None, False


@cache
def _public_table() -> dict[str, Any]:
    if not PUBLIC_EXPECTED.exists():
        return {}
    return json.loads(PUBLIC_EXPECTED.read_text(encoding="utf-8"))


def solutions_dir() -> Path:
    """The instructor's ``solutions/`` folder: the source checkout's, else ``$DEEPGRADE_SOLUTIONS``.
    Raises ``UsageError`` (one line, saying how to set it) when neither is a solutions package."""
    if (CHECKOUT_SOLUTIONS / "__init__.py").is_file():
        return CHECKOUT_SOLUTIONS
    named = os.environ.get(SOLUTIONS_ENV, "")
    if not named:
        raise UsageError(
            f"hidden checks need the instructor's solutions/ folder: set {SOLUTIONS_ENV}=/path/to/solutions "
            "(the source checkout's), or grade with --public-only"
        )
    folder = Path(named).expanduser().resolve()
    if not (folder / "__init__.py").is_file():
        raise UsageError(f"{SOLUTIONS_ENV}={named} is not a solutions/ folder (no __init__.py in it)")
    return folder


def _solutions_package() -> None:
    """Make ``solutions`` the package of ``solutions_dir()`` in ``sys.modules`` (imported from there
    even when a wheel install or the working directory would find another or none)."""
    folder = solutions_dir()
    loaded = sys.modules.get("solutions")
    if loaded is not None:
        where = [Path(p).resolve() for p in getattr(loaded, "__path__", [])]
        if folder not in where:
            raise UsageError(f"solutions was imported from {where[0] if where else '?'}, not {folder}")
        return
    spec = importlib.util.spec_from_file_location(
        "solutions", folder / "__init__.py", submodule_search_locations=[str(folder)]
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules["solutions"] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules["solutions"]
        raise


def solution_module(exercise_id: str) -> ModuleType:
    """The trusted solution module of an exercise (absent from the wheel and the student bundle)."""
    _solutions_package()
    return importlib.import_module(f"solutions.{exercise_id}")


def solution_value(exercise: Exercise, check: Check, inputs: dict[str, Any]) -> Any:
    """The target run on ``solutions/`` with these inputs, as plain data."""
    return plain(call_target(solution_module(exercise.id), check.target, inputs))


def make_case(exercise: Exercise, check: Check, *, student_id: str, secret: str | None = None) -> Case:
    """The inputs and expected value of ``check`` for ``student_id`` (public checks ignore both the
    student and the secret; ``secret=None`` reads ``grader.seeds.secret()``)."""
    seed = check_seed(exercise.id, check.name, student_id, secret or default_secret(), check.hidden)
    inputs, from_inputs, has_expected = draw_inputs(exercise, check, seed)
    if has_expected:
        expected = from_inputs
    elif check.expected is not None:
        expected = check.expected
    elif not check.hidden and check.name in _public_table().get(exercise.id, {}):
        expected = values.decode(_public_table()[exercise.id][check.name])
    else:
        expected = solution_value(exercise, check, inputs)
    return Case(inputs=inputs, expected=expected, seed=seed)


def needs_public_value(check: Check) -> bool:
    """Whether a check's expected value comes from ``public_expected.json``."""
    return not check.hidden and check.expected is None


def build_public_table() -> dict[str, dict[str, Any]]:
    """Every public check's expected value computed from ``solutions/``, encoded as JSON-ready data."""
    table: dict[str, dict[str, Any]] = {}
    for exercise in EXERCISES:
        for check in exercise.checks:
            if not needs_public_value(check):
                continue
            seed = check_seed(exercise.id, check.name, "", "", hidden=False)
            inputs, _, has_expected = draw_inputs(exercise, check, seed)
            if has_expected:
                continue
            table.setdefault(exercise.id, {})[check.name] = values.encode(
                solution_value(exercise, check, inputs)
            )
    return table


def render_public_table() -> str:
    return json.dumps(build_public_table(), indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.expected", description="Write or check grader/data/public_expected.json."
    )
    parser.add_argument("--write", action="store_true", help="regenerate the file from solutions/")
    args = parser.parse_args(argv)
    text = render_public_table()
    if args.write:
        PUBLIC_EXPECTED.parent.mkdir(parents=True, exist_ok=True)
        PUBLIC_EXPECTED.write_text(text, encoding="utf-8")
        print(f"wrote {PUBLIC_EXPECTED}")
        return 0
    current = PUBLIC_EXPECTED.read_text(encoding="utf-8") if PUBLIC_EXPECTED.exists() else ""
    if current != text:
        print(f"{PUBLIC_EXPECTED} is stale: run python -m grader.expected --write", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
