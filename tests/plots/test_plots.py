"""Pictures of the student's own work (grader/plots): the arrays each picture draws come from the student's
code run in the sandbox, agree with the trusted reference for the solutions, move when the student's
answer is wrong, and a picture is absent, with the reason, when the code is not implemented.

The data compared is what ``collect`` returns, the very arrays ``draw`` plots (not pixels)."""

from __future__ import annotations

import shutil
import string
from pathlib import Path

import numpy as np
import pytest

from grader.engine.backend import GRADER
from grader.errors import UsageError
from grader.plots import (
    KINDS,
    PLOTTED,
    activations,
    gradient_check,
    learning_rate,
    optimizers,
    training,
    why_not,
    write_plots,
)
from grader.plots.common import departure
from grader.plots.reference import TABLE, reference, render
from grader.plots.text import TEXT, t
from grader.sandbox import Sandbox, bwrap

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "submissions"
MISTAKES = ROOT / "tests" / "exercises" / "mistakes"


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_text_is_in_both_languages_with_the_same_fields() -> None:
    for key, texts in TEXT.items():
        assert set(texts) == {"fr", "en"}, key
        assert all(texts.values()), key
        assert _fields(texts["fr"]) == _fields(texts["en"]), key
    assert t("departs", "fr", k=3) == "s'écarte ici (pas 3)"
    from grader.model import Outcome

    for outcome in set(Outcome) - {Outcome.PASSED, Outcome.FAILED, Outcome.NOT_IMPLEMENTED}:
        assert f"status_{outcome}" in TEXT, outcome
    assert why_not("timeout", "ran past 30 s", "fr") == "temps dépassé : ran past 30 s"
    assert why_not("missing", "no function sigmoid", "en") == "missing: no function sigmoid"
    assert why_not("error", "ValueError: \x1b[2J\x1b]0;owned\x07 wiped\nsecond line", "en") == (
        "error: ValueError: [2J ]0;owned wiped second line")
    assert why_not("missing", "ex02_sigmoid.sigmoid is not defined", "fr") == (
        "ex02_sigmoid.sigmoid n'est pas définie")
    assert t("departs", "en", k=3) == "departs here (step 3)"


def test_departure_is_the_first_point_apart() -> None:
    ref = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert departure(ref.copy(), ref) is None
    moved = ref.copy()
    moved[2, 1] += 1e-3
    moved[3, 0] += 1.0
    assert departure(moved, ref) == 2
    assert departure(ref + 1e-9, ref) is None  # within rtol 1e-6 (1 + |r|)
    assert departure(ref[:3], ref) == 3  # a path that stops early departs where it stops
    nan = ref.copy()
    nan[1, 0] = np.nan
    assert departure(nan, ref) == 1


def test_the_shipped_reference_table_is_the_solutions() -> None:
    """The bundle draws its references from grader/data/plot_reference.json: it must be what solutions/
    gives today (regenerate with ``python -m grader.plots``)."""
    assert TABLE.read_text(encoding="utf-8") == render()


def test_without_solutions_references_come_from_the_shipped_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """The student bundle has no solutions/: ``reference`` reads grader/data/plot_reference.json, which holds
    the same float64 arrays (exact hex floats)."""
    import grader.expected

    fresh = {(kind, ex): reference(kind, ex) for kind in KINDS for ex in kind.EXERCISES}

    def absent(exercise_id: str) -> None:
        raise UsageError("no solutions here")

    monkeypatch.setattr(grader.expected, "solution_module", absent)
    for (kind, ex), want in fresh.items():
        got = reference(kind, ex)
        assert set(got.data) == set(want.data)
        for panel, array in want.data.items():
            np.testing.assert_array_equal(got.data[panel], array)


# --------------------------------------------------------------------------- the student's side, sandboxed


def _folder(tmp: Path, name: str, files: dict[str, Path]) -> Path:
    folder = tmp / name
    folder.mkdir()
    for exercise, source in files.items():
        shutil.copyfile(source, folder / f"{exercise}.py")
    return folder


def _collect(folder: Path, kind: object, exercise: str) -> object:
    from grader.plots import sandbox_caller

    launcher, _ = bwrap.resolve("auto")
    with Sandbox(folder, harness=GRADER / "harness.py", launcher=launcher) as box:
        return kind.collect(exercise, sandbox_caller(box, 30.0))


def test_the_solutions_run_in_the_sandbox_draw_the_reference(tmp_path: Path) -> None:
    """Every panel of every picture, from the perfect sample in the sandbox, is the reference's array
    (float64 round trip: equal to 1e-12)."""
    from grader.plots import sandbox_caller

    launcher, _ = bwrap.resolve("auto")
    with Sandbox(SAMPLES / "perfect", harness=GRADER / "harness.py", launcher=launcher) as box:
        call = sandbox_caller(box, 30.0)
        for kind in KINDS:
            for exercise in kind.EXERCISES:
                got, ref = kind.collect(exercise, call), reference(kind, exercise)
                assert not got.missing, (exercise, got.missing)
                assert set(got.data) == set(ref.data)
                for panel, array in got.data.items():
                    np.testing.assert_allclose(array, ref.data[panel], rtol=1e-12, atol=1e-12,
                                               err_msg=f"{exercise} {panel}")


def _gap(a: np.ndarray, b: np.ndarray) -> float:
    """The largest distance between the two paths over their common steps."""
    n = min(len(a), len(b))
    return float(np.max(np.linalg.norm((a[:n] - b[:n]).reshape(n, -1), axis=1)))


# (mistake module, picture kind, panels that must move and by at least how much, panels that must not)
CASES = [
    ("ex11_optimizers__momentum_without_one_minus_beta", optimizers,
     {"quadratic/momentum": 1.0, "valley/momentum": 0.3}, ["quadratic/sgd", "valley/adam"]),
    ("ex11_optimizers__adam_without_bias_correction", optimizers,
     {"quadratic/adam": 0.5, "valley/adam": 0.3}, ["quadratic/momentum", "valley/rmsprop"]),
    ("ex09_gradient_check__forward_difference", gradient_check, {"path": 0.3}, []),
    ("ex06_gradient_descent__derivative_without_2", learning_rate,
     {"lr_small": 0.5, "lr_good": 1.0, "lr_large": 5.0}, []),
    ("ex07_activations__elu_grad_without_alpha", activations, {"elu_grad": 0.5}, ["elu", "relu_grad"]),
]


@pytest.mark.parametrize(("mistake", "kind", "moved", "same"), CASES, ids=[c[0] for c in CASES])
def test_a_mistake_moves_its_picture_visibly(tmp_path: Path, mistake: str, kind: object,
                                             moved: dict[str, float], same: list[str]) -> None:
    """The student's arrays leave the reference's at the mistake, by a visible distance (in the plot's
    units: at least 0.3 on windows about 4 wide), and only in the panels the mistake touches."""
    exercise = mistake.split("__")[0]
    folder = _folder(tmp_path, "student", {exercise: MISTAKES / f"{mistake}.py"})
    got, ref = _collect(folder, kind, exercise), reference(kind, exercise)
    assert not got.missing
    for panel, at_least in moved.items():
        assert departure(got.data[panel], ref.data[panel]) is not None, panel
        assert _gap(got.data[panel], ref.data[panel]) >= at_least, panel
    for panel in same:
        assert departure(got.data[panel], ref.data[panel]) is None, panel


def test_elu_grad_without_alpha_differs_on_the_negative_side_only(tmp_path: Path) -> None:
    exercise = "ex07_activations"
    mistake = MISTAKES / "ex07_activations__elu_grad_without_alpha.py"
    folder = _folder(tmp_path, "student", {exercise: mistake})
    got = _collect(folder, activations, exercise)
    wrong = activations.differ(got.data["elu_grad"], reference(activations, exercise).data["elu_grad"])
    assert wrong[activations.Z < 0].all() and not wrong[activations.Z > 0].any()



# --------------------------------------------------------------------------- training (ex14, ex15)


def _trained_less(tmp: Path) -> Path:
    """The perfect sample trained far less: ex14 for 1 epoch instead of 40, ex15's head for 1 step of
    gradient descent instead of 300."""
    folder = tmp / "trained_less"
    folder.mkdir()
    for exercise, old, new in (("ex14_train_digits", "epochs = 40", "epochs = 1"),
                               ("ex15_transfer_learning", "range(300)", "range(1)")):
        source = (SAMPLES / "perfect" / f"{exercise}.py").read_text(encoding="utf-8")
        assert source.count(old) == 1, exercise
        (folder / f"{exercise}.py").write_text(source.replace(old, new), encoding="utf-8")
    return folder


def test_the_learning_curve_is_the_accuracy_of_each_training_size() -> None:
    """Sizes 1/8, 1/4, 1/2 and all of the public accuracy check's training split; the solutions' held-out
    accuracy passes that check's threshold with all the rows."""
    for exercise, n_train in (("ex14_train_digits", 1348), ("ex15_transfer_learning", 672)):
        assert training.sizes(exercise) == [round(f * n_train) for f in (0.125, 0.25, 0.5, 1.0)]
        ref = reference(training, exercise)
        assert list(ref.data) == [str(n) for n in training.sizes(exercise)]
        for n, row in ((int(k), v) for k, v in ref.data.items()):
            assert row[0] == n and 0.0 <= row[1] <= 1.0 and 0.0 <= row[2] <= 1.0
        full = ref.data[str(n_train)]
        assert full[2] >= training.THRESHOLD[exercise] and full[1] >= 0.95, (exercise, full)


def test_a_shorter_training_lowers_the_learning_curve(tmp_path: Path) -> None:
    """Trained far less, the student's held-out accuracy is below the reference's at every size (by at
    least 10 points for ex14, 8 for ex15; measured 15-60 and 10-27) and, for ex14, below the check's
    threshold with all the rows; the picture is drawn."""
    folder = _trained_less(tmp_path)
    held_out = {}
    for exercise, at_least in (("ex14_train_digits", 0.10), ("ex15_transfer_learning", 0.08)):
        got, ref = _collect(folder, training, exercise), reference(training, exercise)
        assert not got.missing
        for n in training.sizes(exercise):
            assert ref.data[str(n)][2] - got.data[str(n)][2] >= at_least, (exercise, n)
        held_out[exercise] = got.data[str(training.sizes(exercise)[-1])][2]
    assert held_out["ex14_train_digits"] < training.THRESHOLD["ex14_train_digits"]
    pictures = write_plots(folder, tmp_path / "out", "fr", exercises=["ex15_transfer_learning"])
    assert [p.path for p in pictures] == [tmp_path / "out" / "ex15_transfer_learning.png"]


def test_training_that_gives_no_usable_labels_has_no_picture_and_says_why(tmp_path: Path) -> None:
    """A ``predict`` over the wrong axis returns 10 labels; a transposed output layer cannot be run."""
    mistakes = (("ex14_train_digits", "predict_wrong_axis"),
                ("ex15_transfer_learning", "output_layer_transposed"))
    files = {ex: MISTAKES / f"{ex}__{m}.py" for ex, m in mistakes}
    folder = _folder(tmp_path, "student", files)
    got = {p.exercise: p.result for p in write_plots(folder, tmp_path / "out", "en", exercises=files)}
    assert got["ex14_train_digits"] == "invalid value: 10 labels for 617 images"
    assert got["ex15_transfer_learning"].startswith("error: ValueError: matmul: ")
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())



def test_a_training_size_that_runs_out_of_time_skips_the_larger_ones(tmp_path: Path) -> None:
    """A ``train_mlp`` that takes 5 s from 300 rows on, under a 2 s limit: the 168-row point is drawn, the
    337-row call times out once, and 674 and 1348 are not tried, with the same reason."""
    import time

    from grader.plots import sandbox_caller

    source = (SAMPLES / "perfect" / "ex14_train_digits.py").read_text(encoding="utf-8")
    slow = "\n\n_train = train_mlp\n\n\ndef train_mlp(X, y, seed):\n    if len(X) > 300:\n" \
        "        import time\n        time.sleep(5)\n    return _train(X, y, seed)\n"
    folder = tmp_path / "slow"
    folder.mkdir()
    (folder / "ex14_train_digits.py").write_text(source + slow, encoding="utf-8")
    launcher, _ = bwrap.resolve("auto")
    started = time.monotonic()
    with Sandbox(folder, harness=GRADER / "harness.py", launcher=launcher) as box:
        got = training.collect("ex14_train_digits", sandbox_caller(box, 2.0, "en"))
    assert time.monotonic() - started < 15
    assert list(got.data) == ["168"]
    assert sorted(got.missing) == ["1348", "337", "674"]
    assert len(set(got.missing.values())) == 1 and got.missing["1348"].startswith("timeout: ")


# --------------------------------------------------------------------------- write_plots end to end


def test_partial_sample_draws_the_sigmoid_and_says_why_the_rest_is_absent(tmp_path: Path) -> None:
    """The bundled partial sample solves ex02 and leaves ex06, ex07, ex09, ex11, ex14 and ex15 as stubs."""
    out = tmp_path / "plots"
    pictures = write_plots(SAMPLES / "partial", out, "fr")
    assert [p.exercise for p in pictures] == list(PLOTTED)
    drawn = {p.exercise: p.path for p in pictures if p.path is not None}
    assert list(drawn) == ["ex02_sigmoid"]
    png = drawn["ex02_sigmoid"]
    assert png == out / "ex02_sigmoid.png" and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert 5_000 < png.stat().st_size < 150_000
    reasons = {p.exercise: p.result for p in pictures if p.path is None}
    assert reasons == {
        "ex07_activations": "tanh n'est pas encore écrite (NotImplementedError)",
        "ex06_gradient_descent": "gradient_descent n'est pas encore écrite (NotImplementedError)",
        "ex09_gradient_check": "numerical_gradient n'est pas encore écrite (NotImplementedError)",
        "ex11_optimizers": "sgd_step n'est pas encore écrite (NotImplementedError)",
        "ex14_train_digits": "train_mlp n'est pas encore écrite (NotImplementedError)",
        "ex15_transfer_learning": "fine_tune_output n'est pas encore écrite (NotImplementedError)",
    }
    assert sorted(p.name for p in out.iterdir()) == ["ex02_sigmoid.png"]


def test_one_optimizer_left_out_leaves_its_panels_empty_with_the_reason(tmp_path: Path) -> None:
    """A student who wrote every optimizer but Adam still gets the picture; Adam's panels say why."""
    source = (SAMPLES / "perfect" / "ex11_optimizers.py").read_text(encoding="utf-8")
    head, _, _ = source.partition("def adam_step(")
    folder = tmp_path / "student"
    folder.mkdir()
    stub = "def adam_step(*args, **kwargs):\n    raise NotImplementedError\n"
    (folder / "ex11_optimizers.py").write_text(head + stub, encoding="utf-8")
    got = _collect(folder, optimizers, "ex11_optimizers")
    assert set(got.missing) == {"quadratic/adam", "valley/adam"}
    assert got.missing["valley/adam"] == "adam_step is not written yet (NotImplementedError)"
    assert len(got.data) == 10
    pictures = write_plots(folder, tmp_path / "out", "en", exercises=["ex11_optimizers", "ex02_sigmoid"])
    assert [(p.exercise, p.result) for p in pictures] == [
        ("ex02_sigmoid", "no file ex02_sigmoid.py"),
        ("ex11_optimizers", tmp_path / "out" / "ex11_optimizers.png"),
    ]


def test_without_matplotlib_one_line_says_what_to_install(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "matplotlib.figure", None)
    with pytest.raises(UsageError, match=r"^pictures need matplotlib: pip install matplotlib"):
        write_plots(SAMPLES / "partial", tmp_path, "fr")


def test_check_plots_writes_the_pictures_and_names_them(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    """``deepgrade check --plots DIR`` on the bundled partial sample: the sigmoid's picture is written, the
    stubs' absence is explained, in the chosen language."""
    from grader.cli import main

    out = tmp_path / "pics"
    main(["check", str(SAMPLES / "partial"), "--sandbox", "auto", "--lang", "en", "-e", "ex02_sigmoid",
          "-e", "ex11_optimizers", "--plots", str(out)])
    printed = capsys.readouterr().out.splitlines()
    assert sorted(p.name for p in out.iterdir()) == ["ex02_sigmoid.png"]
    assert f"picture of ex02_sigmoid: {out / 'ex02_sigmoid.png'}" in printed
    assert "no picture of ex11_optimizers: sgd_step is not written yet (NotImplementedError)" in printed


def test_the_instructor_reports_link_and_show_each_students_pictures(tmp_path: Path) -> None:
    """``write_student_plots`` then ``write_reports``: feedback/<slug>.md embeds the pictures drawn for that
    student (a relative link that resolves), summary.html shows them; a student with none gets no link."""
    from grader.model import CheckResult, Outcome
    from grader.plots.students import write_student_plots
    from grader.reports import write_reports

    out = tmp_path / "reports"
    drawn = write_student_plots(SAMPLES, out, "fr", students=["partial", "stubs"])
    assert [p.exercise for p in drawn["partial"] if p.path] == ["ex02_sigmoid"]
    assert not [p for p in drawn["stubs"] if p.path]
    results = [CheckResult(s, "ex02_sigmoid", "report_values", 1.0 if s == "partial" else 0.0, 1.0,
                           Outcome.PASSED if s == "partial" else Outcome.NOT_IMPLEMENTED, "", "", "", 0.1,
                           False) for s in ("partial", "stubs")]
    write_reports(results, out, lang="fr")
    page = (out / "feedback" / "partial.md").read_text(encoding="utf-8")
    link = "../plots/partial/ex02_sigmoid.png"
    assert f"![Image de votre travail : ex02_sigmoid](<{link}>)" in page
    assert (out / "feedback" / link).resolve().is_file()
    assert "plots/" not in (out / "feedback" / "stubs.md").read_text(encoding="utf-8")
    summary = (out / "summary.html").read_text(encoding="utf-8")
    assert '<a href="plots/partial/ex02_sigmoid.png"><img src="data:image/png;base64,' in summary  # inline
    assert 'alt="ex02_sigmoid"' in summary
    assert "<h3>stubs</h3>" not in summary


def test_values_no_panel_can_show_give_reasons_not_tracebacks(tmp_path: Path) -> None:
    """tests/plots/odd: an empty path, a scalar tanh, a string, ragged lists, NaN and inf, steps that
    return the wrong shape or too few arrays. The pictures that can be drawn are; the rest say why."""
    pictures = write_plots(ROOT / "tests" / "plots" / "odd", tmp_path, "en",
                           exercises=["ex06_gradient_descent", "ex07_activations", "ex11_optimizers"])
    got = {p.exercise: p.result for p in pictures}
    assert got["ex06_gradient_descent"] == "invalid value: empty array of shape (0,)"
    assert got["ex07_activations"] == tmp_path / "ex07_activations.png"
    assert got["ex11_optimizers"] == tmp_path / "ex11_optimizers.png"
    folder = ROOT / "tests" / "plots" / "odd"
    acts = _collect(folder, activations, "ex07_activations")
    assert acts.missing["relu"] == "invalid value: could not convert string to float: 'abc'"
    assert acts.missing["elu_grad"] == "error: ValueError: boom"
    assert acts.data["tanh"].shape == ()
    opts = _collect(folder, optimizers, "ex11_optimizers")
    assert sorted(opts.data) == ["quadratic/adagrad", "quadratic/rmsprop", "valley/adagrad", "valley/rmsprop"]
    assert len(opts.data["valley/adagrad"]) < 10  # stopped once it left the finite world
