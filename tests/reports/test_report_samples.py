"""The bundled sample submissions are exactly what examples/make_samples.py builds from solutions/ and
exercises/, and each holds what SAMPLES says."""

from __future__ import annotations

import zipfile

import nbformat
import pytest
from report_data import BUNDLED, ROOT, make_samples, tree


def test_the_bundled_samples_are_regenerated_identically(tmp_path):
    make_samples.build(tmp_path / "submissions")
    fresh, bundled = tree(tmp_path / "submissions"), tree(BUNDLED)
    assert sorted(fresh) == sorted(bundled), "run: python examples/make_samples.py"
    stale = [name for name in fresh if fresh[name] != bundled[name]]
    assert not stale, f"stale samples {stale}; run: python examples/make_samples.py"


def test_one_entry_per_sample():
    names = {p.name for p in BUNDLED.iterdir()}
    assert names == {"perfect", "partial", "stubs", "syntax_error", "notebook.ipynb", "zipped.zip"}


@pytest.mark.parametrize("sample", ["perfect", "partial", "stubs", "syntax_error"])
def test_folder_samples_compile_except_the_syntax_error(sample):
    for exercise, state in make_samples.SAMPLES[sample].items():
        source = (BUNDLED / sample / f"{exercise}.py").read_text(encoding="utf-8")
        assert "### BEGIN SOLUTION" not in source and "### END SOLUTION" not in source
        if state == "syntax":
            with pytest.raises(SyntaxError):
                compile(source, exercise, "exec")
        else:
            compile(source, exercise, "exec")
        if state == "stub":
            assert source == (ROOT / "exercises" / f"{exercise}.py").read_text(encoding="utf-8")
            assert "raise NotImplementedError" in source


def test_the_solved_modules_are_the_solutions_without_markers():
    for exercise in make_samples.ALL:
        solution = (ROOT / "solutions" / f"{exercise}.py").read_text(encoding="utf-8").splitlines()
        solved = (BUNDLED / "perfect" / f"{exercise}.py").read_text(encoding="utf-8").splitlines()
        assert solved == [
            line for line in solution if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")
        ]


def test_the_wrong_module_differs_from_the_solution_in_every_function():
    wrong = (BUNDLED / "partial" / "ex05_quadratic_cost.py").read_text(encoding="utf-8")
    for old, new in make_samples.MISTAKES["ex05_quadratic_cost"]:
        assert old not in wrong and new in wrong


def test_the_notebook_runs_as_one_module_in_order():
    nb = nbformat.read(BUNDLED / "notebook.ipynb", as_version=4)
    nbformat.validate(nb)
    code = [cell.source for cell in nb.cells if cell.cell_type == "code"]
    assert code[0] == "from __future__ import annotations"
    assert len(code) == 1 + len(make_samples.SAMPLES["notebook"])
    namespace: dict = {}
    exec(compile("\n\n".join(code), "notebook.ipynb", "exec"), namespace)
    assert namespace["perceptron"]([[1.0, 2.0], [-3.0, 0.0]], [1.0, 1.0], -0.5).tolist() == [1.0, 0.0]
    with pytest.raises(NotImplementedError):
        namespace["quadratic_cost"](1.0, 0.0)


def test_the_zip_holds_one_folder_of_modules_with_fixed_dates():
    with zipfile.ZipFile(BUNDLED / "zipped.zip") as archive:
        infos = archive.infolist()
        wanted = sorted(make_samples.SAMPLES["zipped"])
        assert [i.filename for i in infos] == [f"zipped/{ex}.py" for ex in wanted]
        stamps = {(i.date_time, i.compress_type) for i in infos}
        assert stamps == {(make_samples.ZIP_DATE, zipfile.ZIP_STORED)}
        text = archive.read("zipped/ex02_sigmoid.py").decode()
    assert text == (BUNDLED / "perfect" / "ex02_sigmoid.py").read_text(encoding="utf-8")
