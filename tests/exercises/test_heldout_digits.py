"""The held-out images of ex14/ex15 are no rows of the public digits: looking their labels up fails the
accuracy checks, while the master solution passes them for every student id with a margin."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from grader.compare import judge
from grader.datasets import _same_class_partners, _translate, digits_split, heldout_digits
from grader.expected import call_target, make_case, plain, solution_module
from grader.model import Check, Exercise, Outcome
from grader.registry import by_id

SECRET = "heldout-test-secret"
NEAR_EXACT = 0.25  # a public row this close counts as "the same image" for a lookup
FEW_IDS = [f"few{i}" for i in range(4)]
MANY_IDS = [f"student{i:04d}" for i in range(240)]
THRESHOLDS = {"ex14_train_digits": 0.90, "ex15_transfer_learning": 0.85}


@cache
def _public_digits() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.data / 16.0, data.target.astype(np.int64)


def _accuracy_check(exercise_id: str, hidden: bool) -> tuple[Exercise, Check]:
    exercise = by_id(exercise_id)
    return exercise, next(c for c in exercise.checks if c.hidden == hidden and "accuracy" in c.name)


def _held_out(exercise_id: str, expected: Any, inputs: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The held-out images and labels of a case: in the inputs for ex14, in the expected value for ex15."""
    if exercise_id == "ex15_transfer_learning":
        return expected["X_test"], expected["labels"]
    return inputs["X_test"], expected


def _distances(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    squared = (A * A).sum(1)[:, None] + (B * B).sum(1)[None, :] - 2.0 * A @ B.T
    return np.sqrt(np.maximum(squared, 0.0))


def _lookup(X: np.ndarray, offset: int, tolerance: float) -> np.ndarray:
    """The cheat: the label of a public row within ``tolerance`` of each image, else a guess (0)."""
    public_X, public_y = _public_digits()
    d = _distances(X, public_X)
    return np.where(d.min(1) <= tolerance, public_y[d.argmin(1)] - offset, 0)


def _solution_accuracy(exercise: Exercise, check: Check, student_id: str) -> tuple[Outcome, float]:
    case = make_case(exercise, check, student_id=student_id, secret=SECRET)
    got = plain(call_target(solution_module(exercise.id), check.target, case.inputs))
    outcome, _ = judge(check, case.expected, got)
    X, labels = _held_out(exercise.id, case.expected, case.inputs)
    if exercise.id == "ex15_transfer_learning":
        Ws, bs = got
        for W, b in zip(Ws[:-1], bs[:-1], strict=True):
            X = np.tanh(X @ W.T + b)
        got = np.argmax(X @ Ws[-1].T + bs[-1], axis=1)
    return outcome, float(np.mean(np.asarray(got) == labels))


# --------------------------------------------------------------------------- the transformation


def test_heldout_images_keep_shape_range_and_are_seeded() -> None:
    _, _, X_test, y_test = digits_split(np.random.default_rng(0))
    a = heldout_digits(X_test, y_test, np.random.default_rng(1))
    b = heldout_digits(X_test, y_test, np.random.default_rng(1))
    assert a.shape == X_test.shape and a.dtype == np.float64
    assert a.min() >= 0.0 and a.max() <= 1.0
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, heldout_digits(X_test, y_test, np.random.default_rng(2)))


def test_partners_are_other_images_of_the_same_class() -> None:
    y = np.array([3, 1, 3, 3, 1, 7])
    for seed in range(20):
        partner = _same_class_partners(y, np.random.default_rng(seed))
        np.testing.assert_array_equal(y[partner], y)
        assert partner[5] == 5  # alone in its class
        assert np.all(partner[:5] != np.arange(5))


def test_translate_moves_by_whole_and_half_pixels() -> None:
    img = np.arange(16.0).reshape(1, 4, 4)
    np.testing.assert_array_equal(_translate(img, np.array([[0.0, 0.0]])), img)
    down = _translate(img, np.array([[1.0, 0.0]]))[0]
    np.testing.assert_array_equal(down[1:], img[0, :-1])
    np.testing.assert_array_equal(down[0], 0.0)
    left_half = _translate(img, np.array([[0.0, -0.5]]))[0]
    np.testing.assert_allclose(left_half[:, :3], (img[0, :, :3] + img[0, :, 1:]) / 2)
    np.testing.assert_allclose(left_half[:, 3], img[0, :, 3] / 2)


# --------------------------------------------------------------------------- the lookup attack


@pytest.mark.parametrize("exercise_id", list(THRESHOLDS))
@pytest.mark.parametrize("hidden", [False, True], ids=["public", "hidden"])
def test_no_held_out_image_is_near_a_public_row(exercise_id: str, hidden: bool) -> None:
    exercise, check = _accuracy_check(exercise_id, hidden)
    public_X, _ = _public_digits()
    for student in FEW_IDS[: 2 if hidden else 1]:
        case = make_case(exercise, check, student_id=student, secret=SECRET)
        X, _ = _held_out(exercise_id, case.expected, case.inputs)
        assert _distances(X, public_X).min() > NEAR_EXACT


@pytest.mark.parametrize("exercise_id", list(THRESHOLDS))
@pytest.mark.parametrize("tolerance", [1e-9, NEAR_EXACT], ids=["exact", "near-exact"])
def test_a_lookup_of_the_public_digits_fails_the_hidden_check(exercise_id: str, tolerance: float) -> None:
    exercise, check = _accuracy_check(exercise_id, hidden=True)
    offset = 5 if exercise_id == "ex15_transfer_learning" else 0
    for student in FEW_IDS[:2]:
        case = make_case(exercise, check, student_id=student, secret=SECRET)
        X, labels = _held_out(exercise_id, case.expected, case.inputs)
        answer = _lookup(X, offset, tolerance)
        assert np.mean(answer == labels) < 0.5
        if exercise_id == "ex14_train_digits":
            outcome, detail = judge(check, case.expected, answer)
            assert outcome is Outcome.FAILED and "accuracy" in detail


def test_ex15_held_out_images_never_reach_the_child() -> None:
    exercise = by_id("ex15_transfer_learning")
    for check in exercise.checks:
        if "accuracy" not in check.name:
            continue
        case = make_case(exercise, check, student_id="anyone", secret=SECRET)
        assert set(case.inputs) == {"Ws", "bs", "X", "y", "n_classes", "seed"}
        sent = {row.tobytes() for row in np.asarray(case.inputs["X"])}
        assert not any(row.tobytes() in sent for row in case.expected["X_test"])


def test_the_source_row_is_mostly_not_the_nearest_public_row() -> None:
    """The public row an ex14 image was made from (the first draws of its seed are the split) is its nearest
    public row for about a quarter of the images only (all of them without the transformation): a nearest
    row lookup mostly lands on other images of the class, as a nearest-neighbour classifier would."""
    exercise, check = _accuracy_check("ex14_train_digits", hidden=True)
    public_X, _ = _public_digits()
    for student in FEW_IDS:
        case = make_case(exercise, check, student_id=student, secret=SECRET)
        _, _, sources, _ = digits_split(np.random.default_rng(case.seed))
        to_sources = _distances(sources, public_X)
        assert to_sources.min(1).max() < 1e-9
        nearest = _distances(case.inputs["X_test"], public_X).argmin(1)
        assert np.mean(nearest == to_sources.argmin(1)) < 0.4


# --------------------------------------------------------------------------- ex15's parent-side network


@pytest.mark.parametrize(
    ("got", "why"),
    [
        ("abc", "must return"),
        (([np.ones((32, 64))], [np.ones(32), np.ones(5)]), "same, non-zero length"),
        (([np.ones((32, 64)), np.ones((5, 31))], [np.ones(32), np.ones(5)]), "layer 2"),
        (([np.ones((32, 64)), np.ones((4, 32))], [np.ones(32), np.ones(4)]), "4 outputs"),
        (([np.ones((32, 64)), np.full((5, 32), np.nan)], [np.ones(32), np.ones(5)]), "not finite"),
    ],
)
def test_ex15_malformed_networks_are_invalid(got: Any, why: str) -> None:
    exercise, check = _accuracy_check("ex15_transfer_learning", hidden=False)
    case = make_case(exercise, check, student_id="", secret=SECRET)
    outcome, detail = judge(check, case.expected, plain(got))
    assert outcome is Outcome.INVALID and why in detail


# --------------------------------------------------------------------------- the master solution


@pytest.mark.parametrize("exercise_id", list(THRESHOLDS))
def test_solution_passes_with_a_margin_on_a_few_ids(exercise_id: str) -> None:
    for hidden, students in ((False, [""]), (True, FEW_IDS)):
        exercise, check = _accuracy_check(exercise_id, hidden)
        for student in students:
            outcome, accuracy = _solution_accuracy(exercise, check, student)
            assert outcome is Outcome.PASSED and accuracy >= THRESHOLDS[exercise_id] + 0.04, student


@pytest.mark.slow
@pytest.mark.parametrize("exercise_id", list(THRESHOLDS))
def test_solution_passes_the_hidden_check_for_many_ids(exercise_id: str) -> None:
    exercise, check = _accuracy_check(exercise_id, hidden=True)
    accuracies = []
    for student in MANY_IDS:
        outcome, accuracy = _solution_accuracy(exercise, check, student)
        assert outcome is Outcome.PASSED, (student, accuracy)
        accuracies.append(accuracy)
    assert min(accuracies) >= THRESHOLDS[exercise_id] + 0.03, min(accuracies)
