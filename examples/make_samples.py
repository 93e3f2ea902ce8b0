"""Generate the bundled sample submissions ``examples/submissions/`` from ``solutions/`` and ``exercises/``.

Each sample is a text transformation of the master copies, so the samples never drift from them (a test
regenerates them and compares byte for byte). ``SAMPLES`` says what each sample holds per exercise; the
acceptance test derives the points each sample must get from it and the registry:

* ``solved``: the solution with its ``### BEGIN/END SOLUTION`` marker lines removed (full points);
* ``stub``: the untouched stub from ``exercises/`` (0 points, not implemented);
* ``wrong``: the solution with the beginner's mistakes of ``MISTAKES`` (0 points: every check fails);
* ``syntax``: the solution with a colon removed from its first ``def`` line (0 points, syntax error).

An exercise not listed is absent from the sample (0 points, missing). Samples: ``perfect/``,
``partial/``, ``stubs/``, ``syntax_error/`` (folders of modules), ``notebook.ipynb`` (one code cell per
module, in course order, built with nbformat) and ``zipped.zip`` (a folder of modules inside a zip, as
learning platforms export it; stored, fixed timestamps, so the bytes are reproducible).

Usage: ``python examples/make_samples.py`` rewrites ``examples/submissions/``.
"""

from __future__ import annotations

import re
import shutil
import sys
import zipfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS, EXERCISES = ROOT / "solutions", ROOT / "exercises"
DEFAULT_OUT = ROOT / "examples" / "submissions"

ALL = tuple(p.stem for p in sorted(SOLUTIONS.glob("ex[0-9][0-9]_*.py")))
SAMPLES: dict[str, dict[str, str]] = {
    "perfect": dict.fromkeys(ALL, "solved"),
    "partial": {
        **dict.fromkeys(ALL, "stub"),
        **dict.fromkeys(
            ("ex01_perceptron", "ex02_sigmoid", "ex03_two_layer_network", "ex04_forward_pass"), "solved"
        ),
        "ex05_quadratic_cost": "wrong",
    },
    "stubs": dict.fromkeys(ALL, "stub"),
    "syntax_error": {"ex01_perceptron": "solved", "ex02_sigmoid": "syntax", "ex05_quadratic_cost": "solved"},
    "notebook": {"ex01_perceptron": "solved", "ex02_sigmoid": "solved", "ex05_quadratic_cost": "stub"},
    "zipped": {"ex02_sigmoid": "solved", "ex04_forward_pass": "solved", "ex05_quadratic_cost": "wrong"},
}
NOTEBOOKS = ("notebook",)
ZIPS = ("zipped",)

# Exercise -> (text of the solution, the mistaken text): forgetting the 1/2 and the sign of the derivative.
MISTAKES: dict[str, tuple[tuple[str, str], ...]] = {
    "ex05_quadratic_cost": (
        ("return 0.5 * float(np.sum(d * d))", "return float(np.sum(d * d))"),
        (
            "return np.asarray(y_pred, dtype=np.float64) - np.asarray(y_true, dtype=np.float64)",
            "return np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)",
        ),
    ),
}
_MARKER = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", re.MULTILINE)
_FUTURE = "from __future__ import annotations\n"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


def _replace_once(text: str, old: str, new: str, where: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"{where}: expected {old!r} exactly once; update examples/make_samples.py")
    return text.replace(old, new)


def module_source(exercise: str, state: str) -> str:
    """The text of one module of a sample."""
    if state == "stub":
        return (EXERCISES / f"{exercise}.py").read_text(encoding="utf-8")
    solved = _MARKER.sub("", (SOLUTIONS / f"{exercise}.py").read_text(encoding="utf-8"))
    if state == "solved":
        return solved
    if state == "wrong":
        for old, new in MISTAKES[exercise]:
            solved = _replace_once(solved, old, new, exercise)
        return solved
    if state == "syntax":
        first_def = re.search(r"^def .*:$", solved, re.MULTILINE)
        if first_def is None:
            raise ValueError(f"{exercise}: no one-line def to break")
        return solved[: first_def.end() - 1] + solved[first_def.end() :]
    raise ValueError(f"unknown state {state!r}")


def modules(sample: str) -> dict[str, str]:
    """File name -> text for every module of ``sample``."""
    return {f"{ex}.py": module_source(ex, state) for ex, state in sorted(SAMPLES[sample].items())}


def notebook(sample: str) -> str:
    """The sample as one notebook: a title, then per module a heading and its code, in course order.

    ``from __future__ import annotations`` is hoisted into the first code cell so that the code cells,
    run or concatenated in order, form a valid module.
    """
    cells = [
        nbformat.v4.new_markdown_cell(f"# Travaux pratiques : {sample}"),
        nbformat.v4.new_code_cell(_FUTURE.strip()),
    ]
    for name, text in modules(sample).items():
        cells.append(nbformat.v4.new_markdown_cell(f"## {name.removesuffix('.py')}"))
        cells.append(nbformat.v4.new_code_cell(text.replace(_FUTURE, "").strip()))
    for number, cell in enumerate(cells):
        cell["id"] = f"cell-{number:02d}"
    nb = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
        },
    )
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def write_zip(path: Path, folder: str, files: dict[str, str]) -> None:
    """A zip holding ``folder/<name>`` for each file, stored uncompressed with fixed dates and modes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, text in sorted(files.items()):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))


def build(out: Path) -> list[Path]:
    """Write every sample into the folder ``out`` (created, emptied first); return the entries."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    entries = []
    for sample in SAMPLES:
        if sample in NOTEBOOKS:
            entry = out / f"{sample}.ipynb"
            entry.write_text(notebook(sample), encoding="utf-8")
        elif sample in ZIPS:
            entry = out / f"{sample}.zip"
            write_zip(entry, sample, modules(sample))
        else:
            entry = out / sample
            entry.mkdir()
            for name, text in modules(sample).items():
                (entry / name).write_text(text, encoding="utf-8")
        entries.append(entry)
    return entries


def main(argv: list[str] | None = None) -> int:
    out = Path(argv[0]) if argv else DEFAULT_OUT
    for entry in build(out):
        print(f"wrote {entry.relative_to(out.parent) if out.parent in entry.parents else entry}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
