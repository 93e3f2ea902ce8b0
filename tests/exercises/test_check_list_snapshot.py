"""The full check list, as the grader computes it, is the one recorded in ``check_list_snapshot.json``.

For every exercise of ``grader.registry.EXERCISES``: its id, title, section and functions; for every check
its name, points, target, section, hint, markers (hidden, timing), timeout, literal expected value and
comparison; for a public check its inputs and expected value (``grader.expected.make_case``), for a hidden
check the same for a fixed secret and two student ids. Inputs and expected values are recorded as the
sha256 of an exact fingerprint (arrays: shape, dtype and the sha256 of their float64 bytes; numbers: type
and ``repr``; containers tagged by type, dict keys in order), so the comparison is bit for bit. A predicate
comparison is recorded by its description and by what it says of the expected value taken as the answer (a
verdict or the error it raises), which fixes its threshold.

The snapshot was written from the registry as it stood before it was split into ``grader/checks/``; any
change of a check's data shows here. Regenerate it deliberately, after a reviewed change of the course:
``python tests/exercises/test_check_list_snapshot.py --write``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

SNAPSHOT = Path(__file__).with_name("check_list_snapshot.json")
SECRET = "snapshot-secret"
STUDENTS = ("alice", "bob")


def fingerprint(value: Any) -> Any:
    """JSON-ready, exact and small: arrays hashed, numbers tagged by type (``repr`` of a float round-trips
    bit for bit), containers tagged by type, dict keys in their order."""
    if isinstance(value, np.ndarray):
        data = hashlib.sha256(np.ascontiguousarray(value, dtype=np.float64).tobytes()).hexdigest()
        return f"array{list(value.shape)} {value.dtype} {data[:16]}"
    if isinstance(value, bool | np.bool_):
        return f"bool {bool(value)}"
    if isinstance(value, int | np.integer):
        return f"{type(value).__name__} {int(value)}"
    if isinstance(value, float | np.floating):
        return f"{type(value).__name__} {float(value)!r}"
    if isinstance(value, str) or value is None:
        return value
    if isinstance(value, dict):
        return {"dict": [[str(k), fingerprint(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return {type(value).__name__: [fingerprint(v) for v in value]}
    raise TypeError(f"no fingerprint for {type(value).__name__}")


def digest(value: Any) -> str:
    """The first 16 hex digits of the sha256 of the canonical JSON of ``fingerprint(value)``."""
    text = json.dumps(fingerprint(value), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _comparison(check: Any) -> dict[str, Any]:
    compare = check.compare
    describe = None if compare.describe is None else [compare.describe.fr, compare.describe.en]
    return {"kind": compare.kind, "rtol": fingerprint(compare.rtol), "atol": fingerprint(compare.atol),
            "describe": describe}


def _verdict(check: Any, expected: Any) -> Any:
    """What a predicate comparison says of the expected value offered as the answer."""
    if check.compare.predicate is None:
        return None
    try:
        ok, detail = check.compare.predicate(expected, expected)
    except Exception as exc:  # the recorded error is part of the behaviour
        return {"raises": type(exc).__name__, "message": str(exc)}
    return {"ok": bool(ok), "detail": detail}


def _case(exercise: Any, check: Any, student: str) -> dict[str, Any]:
    from grader.expected import make_case

    case = make_case(exercise, check, student_id=student, secret=SECRET)
    return {
        "seed": case.seed,
        "inputs": {name: digest(value) for name, value in case.inputs.items()},
        "expected": digest(case.expected),
        "verdict": _verdict(check, case.expected),
    }


def check_list() -> list[dict[str, Any]]:
    """The whole course as the grader's own functions see it."""
    from grader.registry import EXERCISES

    course = []
    for exercise in EXERCISES:
        checks = []
        for check in exercise.checks:
            students = STUDENTS if check.hidden else ("",)
            checks.append({  # one line of the snapshot per check
                "name": check.name,
                "points": fingerprint(check.points),
                "target": check.target,
                "section": check.section,
                "hint": [check.hint.fr, check.hint.en],
                "hidden": check.hidden,
                "timing": check.timing,
                "timeout_s": fingerprint(check.timeout_s),
                "literal_expected": fingerprint(check.expected),
                "compare": _comparison(check),
                "cases": {student: _case(exercise, check, student) for student in students},
            })
        course.append({
            "id": exercise.id,
            "title": [exercise.title.fr, exercise.title.en],
            "section": exercise.section,
            "functions": list(exercise.functions),
            "checks": checks,
        })
    return course


def render() -> str:
    """One line per exercise header and per check, so that a difference is easy to read."""
    lines = []
    for exercise in check_list():
        checks = exercise.pop("checks")
        lines.append(json.dumps(exercise, ensure_ascii=False))
        lines += [json.dumps(c, ensure_ascii=False) for c in checks]
    return "[\n" + ",\n".join(lines) + "\n]\n"


def test_check_list_is_the_recorded_one() -> None:
    assert SNAPSHOT.is_file(), f"{SNAPSHOT.name} is missing"
    recorded = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    current = render().splitlines()
    for now, then in zip(current, recorded, strict=False):
        assert now == then, f"check list changed:\n  now:  {now[:300]}\n  then: {then[:300]}"
    assert len(current) == len(recorded)
    entries = json.loads("\n".join(current))
    exercises = [e for e in entries if "functions" in e]
    hidden = [c for c in entries if c.get("hidden")]
    assert len(exercises) == 22 and len(hidden) >= 22
    assert all(len(c["cases"]) == len(STUDENTS) for c in hidden)


def test_fingerprint_tells_apart_what_the_grader_tells_apart() -> None:
    a = np.array([1.0, 2.0])
    assert fingerprint(a) != fingerprint(a.reshape(2, 1)) != fingerprint(np.array([1, 2]))
    assert fingerprint(a) != fingerprint(np.array([1.0, np.nextafter(2.0, 3.0)]))
    assert fingerprint(1) != fingerprint(1.0) != fingerprint(True)
    assert fingerprint([1.0]) != fingerprint((1.0,))
    assert fingerprint({"a": 1, "b": 2}) != fingerprint({"b": 2, "a": 1})


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        raise SystemExit("usage: python tests/exercises/test_check_list_snapshot.py --write")
    SNAPSHOT.write_text(render(), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
