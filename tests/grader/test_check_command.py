"""`deepgrade check` as a student sees it: output that fits 80 columns, a block per failed check naming
its section, tolerance and the numbers that differ, no held-out label, one language throughout; `-e`
takes an exercise number; `--watch` re-runs a saved module and Ctrl-C leaves cleanly."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from grader.commands.check import resolve_exercises
from grader.errors import UsageError
from grader.registry import EXERCISES, by_id

ROOT = Path(__file__).resolve().parents[2]
MISTAKES = ROOT / "tests" / "exercises" / "mistakes"
# One mistake per exercise, none that raises (an exception's message is the interpreter's, in English).
ONE_MISTAKE = {
    "ex01_perceptron": "bias_subtracted",
    "ex02_sigmoid": "grad_of_activation",
    "ex03_two_layer_network": "weights_swapped",
    "ex04_forward_pass": "bias_forgotten",
    "ex05_quadratic_cost": "missing_half",
    "ex06_gradient_descent": "derivative_without_2",
    "ex07_activations": "relu_grad_one_at_zero",
    "ex08_dense_layer": "dW_transposed",
    "ex09_gradient_check": "forward_difference",
    "ex10_mlp_backward": "gradient_not_averaged",
    "ex11_optimizers": "adam_without_bias_correction",
    "ex12_regularization": "l2_grad_without_2",
    "ex13_hyperparameter_search": "grid_size_sum",
    "ex14_train_digits": "predict_wrong_axis",
    "ex15_transfer_learning": "output_layer_transposed",
    "ex16_fused_adam": "not_in_place",
    "ex17_learning_rate": "path_without_w0",
    "ex18_early_stopping": "patience_off_by_one",
    "ex19_dropout_training": "dropout_not_rescaled",
    "ex20_bayesian_optimisation": "improvement_sign_flipped",
    "ex21_random_search": "log_range_drawn_uniformly",
    "ex22_transfer_kinds": "fine_tuning_rate_not_reduced",
}
# Words of one language that the other never uses; a line with two of them is in that language.
ENGLISH = set("the expected got wrong value values of and is your with at not for to hint first shape must "
              "keep raised returned entries differ checks passed failed accuracy required speed than was "
              "were should this that from which numbers measured only".split())
FRENCH = set("le la les des du une attendu obtenu valeur valeurs faux réussi réussis relisez votre écart "
             "exactitude requis forme est sur avec pour dans aucune été tolérance indice nombres mesurée "
             "différentes premier première".split())
_CODE = re.compile(r"\S*[_.=@^/\\]\S*|`[^`]*`")  # identifiers, formulas and paths are not prose


def words_of(line: str, vocabulary: set[str]) -> set[str]:
    """The words of ``vocabulary`` in ``line`` once identifiers and formulas are taken out."""
    prose = _CODE.sub(" ", line)
    return {w for w in re.findall(r"[a-zà-ÿ']+", prose.lower())} & vocabulary


def foreign_lines(text: str, lang: str) -> list[str]:
    """Lines of ``text`` holding two words or more of the other language."""
    other = ENGLISH if lang == "fr" else FRENCH
    return [line for line in text.splitlines() if len(words_of(line, other)) >= 2]


def test_the_detector_tells_the_languages_apart() -> None:
    assert foreign_lines("valeur incorrecte : expected 0.5, got 0.6", "fr")
    assert not foreign_lines("valeur incorrecte : attendu 0.5, obtenu 0.6 (rtol 1e-07)", "fr")
    assert foreign_lines("wrong value: attendu 0.5, obtenu 0.6", "en")
    assert not foreign_lines("wrong value: expected 0.5, got 0.6; report_values of ex02_sigmoid", "en")


def _solved(exercise_id: str) -> str:
    text = (ROOT / "solutions" / f"{exercise_id}.py").read_text(encoding="utf-8")
    return re.sub(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n", "", text, flags=re.MULTILINE)


def _env(columns: int = 80) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DEEPGRADE_SECRET", "LINES")}
    env["COLUMNS"] = str(columns)
    return env


def _check(folder: Path, *extra: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "check", str(folder), "--sandbox", "auto", *extra],
        cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=timeout,
    )


def _blocks(out: str) -> dict[tuple[str, str], str]:
    """The failed checks' blocks by (exercise, check): paragraphs whose heading names both."""
    found = {}
    for paragraph in out.split("\n\n"):
        heading = re.match(r"[A-ZÀ-Ü' ]+ (ex\d\d_\w+) · (\w+)", paragraph)
        if heading:
            found[(heading.group(1), heading.group(2))] = paragraph
    return found


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_one_mistake_per_exercise_in_80_columns(tmp_path: Path, lang: str) -> None:
    for exercise, mistake in ONE_MISTAKE.items():
        text = (MISTAKES / f"{exercise}__{mistake}.py").read_text(encoding="utf-8")
        (tmp_path / f"{exercise}.py").write_text(text, encoding="utf-8")
    assert set(ONE_MISTAKE) == {e.id for e in EXERCISES}
    proc = _check(tmp_path, "--lang", lang)
    out = proc.stdout
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert [ln for ln in out.splitlines() if len(ln) > 80] == []
    rows = [ln.split() for ln in out.splitlines() if re.match(r"ex\d\d_\w+ ", ln)]
    failed = {(r[0], r[1]) for r in rows if r[-1].startswith("0/")}
    blocks = _blocks(out)
    assert set(blocks) == failed and {e for e, _ in failed} == set(ONE_MISTAKE)  # every mistake is caught
    tolerance = "tolérance" if lang == "fr" else "tolerance"
    for (exercise, name), block in blocks.items():
        check = next(c for c in by_id(exercise).checks if c.name == name)
        flat = " ".join(block.split())
        assert f"section {check.section}" in flat, block
        assert f"{tolerance} :" in flat or f"{tolerance}:" in flat, block
        if check.compare.kind == "close":
            assert f"rtol {check.compare.rtol:g}, atol {check.compare.atol:g}" in flat, block
        differing = re.findall(r"^  (.+?) {2,}(\(.*?\)|\S+) {2,}(\(.*?\)|\S+)$", block, re.M)
        if check.compare.kind != "predicate" and not check.timing:
            assert any(e != g for _, e, g in differing), block  # the entries that differ, with their place
        else:
            assert re.search(r"\d", flat.split(":", 1)[1]), block  # the numbers said in the reason
    # no held-out label: the training exercises' expected labels never reach the output
    assert not re.search(r"(?:\b\d\b[ ,]+){6,}", out)
    labels = _public_labels()
    assert np.array2string(labels[:8], separator=" ")[1:-1] not in out
    assert foreign_lines(out, lang) == []


def _public_labels() -> np.ndarray:
    from grader.engine.backend import load_backend

    backend = load_backend(None)
    exercise = by_id("ex14_train_digits")
    check = next(c for c in exercise.checks if not c.hidden)
    return np.asarray(backend.make_case(exercise, check, "self-check").expected)


def test_exercise_by_number_or_closest_name() -> None:
    names = [e.id for e in EXERCISES]
    assert resolve_exercises(["ex02", "9", "ex16_fused_adam", "ex02_sigmoid"], names) == [
        "ex02_sigmoid", "ex09_gradient_check", "ex16_fused_adam"]
    with pytest.raises(UsageError, match="did you mean ex02_sigmoid"):
        resolve_exercises(["ex2_sigmoid"], names)
    with pytest.raises(UsageError, match="unknown exercise 'ex99'"):
        resolve_exercises(["ex99"], names)


def test_watch_reruns_a_saved_module_and_leaves_on_ctrl_c(tmp_path: Path) -> None:
    module = tmp_path / "ex02_sigmoid.py"
    module.write_text((MISTAKES / "ex02_sigmoid__grad_of_activation.py").read_text("utf-8"), "utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "check", str(tmp_path), "--sandbox", "auto", "--lang", "en",
         "--watch", "--watch-interval", "0.1", "--watch-cycles", "1500"],
        cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        seen = _read_until(proc, "Watching ")
        assert "WRONG RESULT ex02_sigmoid · grad_values" in seen and "2/3 public checks passed" in seen
        module.write_text(_solved("ex02_sigmoid"), "utf-8")
        stamp = time.time() + 5  # a new modification time even on a coarse clock
        os.utime(module, (stamp, stamp))
        changed = _read_until(proc, "public checks passed")
        assert "ex02_sigmoid.py changed: 1 check(s) changed." in changed
        assert re.search(r"ex02_sigmoid\s+grad_values\s+passed", changed)
        assert "report_values" not in changed  # only what changed
        assert "3/3 public checks passed" in changed
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert rest.strip().splitlines()[-1] == "Stopped watching." and "Traceback" not in err


def _read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 120) -> str:
    """Lines of ``proc``'s output up to the first holding ``marker``."""
    assert proc.stdout is not None
    seen, end = [], time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if marker in line:
            return "".join(seen)
    raise AssertionError(f"{marker!r} not seen in: {''.join(seen)[-2000:]}")
