"""exercises/ is generated from solutions/ and holds no solution code; generated files are current."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from grader import exercise_docs, expected, make_stubs
from grader.make_stubs import FenceError, make_stub, strip_hidden_tests

ROOT = Path(__file__).resolve().parents[2]
FRENCH_WORDS = (
    " de ",
    " la ",
    " le ",
    " les ",
    " du ",
    " des ",
    " si ",
    " sur ",
    " pour ",
    " et ",
    " une ",
    " un ",
    " d'",
    " l'",
)


def test_regenerating_the_stubs_changes_nothing(tmp_path: Path) -> None:
    make_stubs.write_stubs(tmp_path)
    for path in make_stubs.solution_modules():
        assert (tmp_path / path.name).read_text(encoding="utf-8") == (
            ROOT / "exercises" / path.name
        ).read_text(encoding="utf-8"), f"exercises/{path.name} is stale: run python -m grader.make_stubs"
    assert make_stubs.stale_stubs() == []
    assert make_stubs.main(["--check"]) == 0


def test_stub_replaces_each_fence_at_its_indentation() -> None:
    source = "def f(x):\n    '''doc'''\n    ### BEGIN SOLUTION\n    y = x + 1\n"
    source += "    return y\n    ### END SOLUTION\n"
    stub = make_stub(source, "m.py")
    assert stub.endswith("def f(x):\n    '''doc'''\n    raise NotImplementedError\n")
    assert "x + 1" not in stub


@pytest.mark.parametrize(
    "source",
    [
        "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n",
        "### END SOLUTION\n",
        "### BEGIN SOLUTION\nx = 1\n",
    ],
)
def test_unbalanced_fences_are_refused(source: str) -> None:
    with pytest.raises(FenceError):
        make_stub(source)


def _fenced_functions(tree: ast.Module, source: str) -> set[str]:
    lines = source.splitlines()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            body = lines[node.lineno - 1 : node.end_lineno]
            if any(line.strip() == make_stubs.BEGIN_SOLUTION for line in body):
                names.add(node.name)
    return names


@pytest.mark.parametrize("path", make_stubs.solution_modules(), ids=lambda p: p.stem)
def test_exercise_holds_no_solution_code(path: Path) -> None:
    solution = path.read_text(encoding="utf-8")
    stub_text = (ROOT / "exercises" / path.name).read_text(encoding="utf-8")
    assert "### BEGIN SOLUTION" not in stub_text and "### END SOLUTION" not in stub_text
    fenced = _fenced_functions(ast.parse(solution), solution)
    assert fenced, f"{path.name} has no exercise"
    stub_functions = {n.name: n for n in ast.walk(ast.parse(stub_text)) if isinstance(n, ast.FunctionDef)}
    for name in fenced:
        body = stub_functions[name].body
        assert len(body) == 2 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        assert isinstance(body[1], ast.Raise) and ast.unparse(body[1]) == "raise NotImplementedError"
    inside = False
    for line in solution.splitlines():
        if line.strip() in (make_stubs.BEGIN_SOLUTION, make_stubs.END_SOLUTION):
            inside = line.strip() == make_stubs.BEGIN_SOLUTION
        elif inside and len(line.strip()) > 25:
            assert line not in stub_text.splitlines(), f"solution line leaked into the stub: {line.strip()!r}"


@pytest.mark.parametrize("path", make_stubs.solution_modules(), ids=lambda p: p.stem)
def test_every_exercise_function_has_bilingual_docstring_and_type_hints(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for name in _fenced_functions(tree, path.read_text(encoding="utf-8")):
        node = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
        doc = ast.get_docstring(node) or ""
        assert "Inputs:" in doc and "Returns:" in doc, name
        french, english = doc.split("\n\n")[:2]
        assert any(w in f" {french} " for w in FRENCH_WORDS), name
        assert "Inputs:" not in french and english.strip(), name
        assert node.returns is not None and all(a.annotation is not None for a in node.args.args), name


def test_public_expected_json_is_current() -> None:
    assert expected.PUBLIC_EXPECTED.read_text(encoding="utf-8") == expected.render_public_table(), (
        "run python -m grader.expected --write"
    )


def test_exercises_page_is_current_and_lists_every_exercise() -> None:
    page = (ROOT / "docs" / "EXERCISES.md").read_text(encoding="utf-8")
    assert page == exercise_docs.render(), "run python -m grader.exercise_docs"
    from grader.registry import EXERCISES

    for e in EXERCISES:
        assert f"| `{e.id}` |" in page and f"({e.max_points:g} points)" in page


def test_checks_without_hidden_blocks_import_and_keep_public_checks() -> None:
    import grader.checks as full
    from grader.checks import common

    public_common: dict = {"__name__": "common_public"}
    exec(compile(strip_hidden_tests(inspect.getsource(common)), "common_public.py", "exec"), public_common)
    assert "check" in public_common and "hidden" not in public_common and "with_zeros" not in public_common
    for whole in full.EXERCISES:
        source = inspect.getsource(importlib.import_module(f"grader.checks.{whole.id}"))
        public_source = strip_hidden_tests(source)
        assert "### BEGIN HIDDEN TESTS" in source and "hidden(" not in public_source, whole.id
        namespace: dict = {"__name__": f"{whole.id}_public"}
        exec(compile(public_source, f"{whole.id}_public.py", "exec"), namespace)
        pub = namespace["EXERCISE"]
        assert pub.id == whole.id and pub.checks, whole.id
        assert not any(c.hidden for c in pub.checks)
        assert [c.name for c in pub.checks] == [c.name for c in whole.checks if not c.hidden]
