"""Grade a directory of exercise modules IN THIS PROCESS: for trusted code only.

This is how the tests grade ``solutions/``, the generated stubs and hand-made mutants of the solutions
without the sandbox. It imports the modules and calls them in the grader's own interpreter, so it offers
no protection at all: never point it at a student's submission (``deepgrade grade`` runs those in the
sandboxed child). Values still make the round trip through ``grader.values`` as they would from the
child, each call's outcome is classified by the child's own rules (``grader.calls``), and values are
judged by ``grader.compare`` with the feedback of ``grader.messages``. Timing checks are
judged on their value only; their speed is measured by the engine.
"""

from __future__ import annotations

import atexit
import importlib.util
import shutil
import sys
import tempfile
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType

from grader.calls import run_call
from grader.compare import judge
from grader.expected import make_case
from grader.messages import feedback
from grader.model import Check, CheckResult, Exercise, Outcome, check_result
from grader.registry import EXERCISES

_SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


@contextmanager
def _private_numba_cache() -> Iterator[None]:
    """Numba's on-disk cache in a folder of this process while a module loads under a throw-away name.

    ``@njit(cache=True)`` keys its index by the source file; an entry written next to the file while the
    module had a throw-away name cannot be loaded by a later run (``No module named '<dynamic>'``), so such
    entries never go next to the file. Numba reads ``config.CACHE_DIR`` when the decorator runs."""
    import numba

    global _CACHE_DIR
    if _CACHE_DIR is None:
        _CACHE_DIR = tempfile.mkdtemp(prefix="deepgrade-numba-")
        atexit.register(shutil.rmtree, _CACHE_DIR, True)
    before, numba.config.CACHE_DIR = numba.config.CACHE_DIR, _CACHE_DIR
    try:
        yield
    finally:
        numba.config.CACHE_DIR = before


_CACHE_DIR: str | None = None


def _load(path: Path, exercise: Exercise) -> tuple[ModuleType | None, Outcome, str]:
    file = path / f"{exercise.id}.py"
    if not file.exists():
        return None, Outcome.MISSING, f"no file {file.name}"
    if path.resolve() == _SOLUTIONS:
        # Under its real name: Numba's on-disk cache is keyed by the file, and an entry written while the
        # module had a throw-away name cannot be loaded later by ``import solutions.<id>``.
        return importlib.import_module(f"solutions.{exercise.id}"), Outcome.PASSED, ""
    name = f"_deepgrade_inprocess_{abs(hash(str(path.resolve())))}_{exercise.id}"
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    try:
        with _private_numba_cache():
            spec.loader.exec_module(module)
    except SyntaxError as exc:
        return None, Outcome.SYNTAX_ERROR, f"{type(exc).__name__}: {exc.msg} (line {exc.lineno})"
    except Exception as exc:
        return None, Outcome.IMPORT_ERROR, f"{type(exc).__name__}: {exc}"
    sys.modules.pop(name, None)
    return module, Outcome.PASSED, ""


def _run(
    module: ModuleType, exercise: Exercise, check: Check, student_id: str, secret: str | None
) -> tuple[Outcome, str]:
    case = make_case(exercise, check, student_id=student_id, secret=secret)
    outcome, detail, got = run_call(module, exercise.id, check.target, case.inputs)
    if outcome is not Outcome.PASSED:
        return outcome, detail
    return judge(check, case.expected, got)


def grade_directory(
    path: str | Path,
    *,
    student_id: str = "solutions",
    secret: str | None = None,
    public_only: bool = False,
    only: Collection[str] | None = None,
) -> list[CheckResult]:
    """One ``CheckResult`` per check of the registry for the modules ``<path>/<exercise id>.py``, run in
    this process (trusted code only: see the module docstring). ``only`` restricts grading to these
    exercise ids."""
    path = Path(path)
    results: list[CheckResult] = []
    for exercise in EXERCISES:
        if only is not None and exercise.id not in only:
            continue
        module, load_outcome, load_detail = _load(path, exercise)
        for check in exercise.checks:
            if public_only and check.hidden:
                continue
            start = time.perf_counter()
            if module is None:
                outcome, detail = load_outcome, load_detail
            else:
                outcome, detail = _run(module, exercise, check, student_id, secret)
            results.append(check_result(student_id, exercise, check, outcome, detail,
                                        duration_s=time.perf_counter() - start, feedback=feedback))
    return results
