"""What the engine grades against: the registry and its trusted helpers, behind one small interface so
that tests can substitute a stand-in (``--grader-backend path/to/module.py``).

A backend module provides ``EXERCISES``, ``make_case(exercise, check, *, student_id, secret)`` returning
an object with ``inputs`` and ``expected``, ``judge(check, expected, got) -> (Outcome, detail)``,
``feedback(exercise, check, outcome, detail, lang) -> str``, ``secret() -> str``, ``HARNESS`` (path of the
scenarios file copied into the child) and ``reference_module(exercise_id) -> Path`` (the module that timing
checks race against); optionally ``check_ready(*, hidden)``, which raises ``UsageError`` when grading cannot
start (the default backend: hidden checks without the instructor's ``solutions/``).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.errors import UsageError
from grader.model import Check, Exercise, Outcome

GRADER = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Backend:
    """The registry and its helpers, resolved once per process."""

    exercises: tuple[Exercise, ...]
    module: ModuleType

    def by_id(self, exercise_id: str) -> Exercise:
        return next(e for e in self.exercises if e.id == exercise_id)

    def make_case(self, exercise: Exercise, check: Check, student_id: str) -> Any:
        return self.module.make_case(exercise, check, student_id=student_id, secret=self.module.secret())

    def judge(self, check: Check, expected: Any, got: Any) -> tuple[Outcome, str]:
        return self.module.judge(check, expected, got)

    def feedback(self, exercise: Exercise, check: Check, outcome: Outcome, detail: str, lang: str) -> str:
        return self.module.feedback(exercise, check, outcome, detail, lang)

    @property
    def harness(self) -> Path | None:
        path = getattr(self.module, "HARNESS", None)
        return Path(path) if path else None

    def reference_module(self, exercise_id: str) -> Path:
        return Path(self.module.reference_module(exercise_id))

    def check_ready(self, *, hidden: bool) -> None:
        """Raise ``UsageError`` before grading starts when this install lacks what the checks need (the
        default backend: the instructor's ``solutions/`` for hidden checks), instead of on every check.
        A stand-in module may define ``check_ready(*, hidden)`` too."""
        ready = getattr(self.module, "check_ready", None)
        if ready is not None:
            ready(hidden=hidden)

    @property
    def module_names(self) -> Sequence[str]:
        return [e.id for e in self.exercises]


class _Default:
    """The project's own registry (imported lazily: ``deepgrade check`` must work without solutions/)."""

    HARNESS = GRADER / "harness.py"

    def __init__(self) -> None:
        self.registry = importlib.import_module("grader.registry")
        self.EXERCISES = self.registry.EXERCISES

    def check_ready(self, *, hidden: bool) -> None:
        if hidden:
            from grader.expected import solutions_dir

            solutions_dir()

    def make_case(self, exercise: Exercise, check: Check, *, student_id: str, secret: str) -> Any:
        from grader.expected import make_case

        return make_case(exercise, check, student_id=student_id, secret=secret)

    def judge(self, check: Check, expected: Any, got: Any) -> tuple[Outcome, str]:
        from grader.compare import judge

        return judge(check, expected, got)

    def feedback(self, exercise: Exercise, check: Check, outcome: Outcome, detail: str, lang: str) -> str:
        from grader.messages import feedback

        return feedback(exercise, check, outcome, detail, lang)

    def secret(self) -> str:
        from grader.seeds import secret

        return secret()

    def reference_module(self, exercise_id: str) -> Path:
        """``grader/reference/<id>_standalone.py`` when there is one (a reference child cannot import
        ``kernels/``: it runs with the students' allow-list), else ``grader/reference/<id>.py``."""
        standalone = GRADER / "reference" / f"{exercise_id}_standalone.py"
        return standalone if standalone.is_file() else GRADER / "reference" / f"{exercise_id}.py"


_CACHE: dict[str, Backend] = {}


def load_backend(spec: str | None = None) -> Backend:
    """The default backend, or the module named by ``spec`` (a ``.py`` path or a dotted name)."""
    key = spec or ""
    if key not in _CACHE:
        if not spec:
            module: Any = _Default()
        elif spec.endswith(".py"):
            path = Path(spec).resolve()
            if not path.is_file():
                raise UsageError(f"grader backend not found: {spec}")
            name = f"_deepgrade_backend_{abs(hash(str(path)))}"
            loader_spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(loader_spec)
            sys.modules[name] = module
            loader_spec.loader.exec_module(module)
        else:
            module = importlib.import_module(spec)
        _CACHE[key] = Backend(tuple(module.EXERCISES), module)
    return _CACHE[key]
