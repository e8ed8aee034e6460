"""Tests for app.datasets: the 2-D generators and user-added points."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from app.datasets import DATASETS, Dataset, DatasetSpec, add_points, make_dataset

NAMES = ["spiral", "circles", "xor", "gaussians", "moons", "linear"]   # classification
REGRESSION = ["plane", "gaussians-regression"]
MULTICLASS = [name for name in NAMES if DATASETS[name].max_classes > 2]


# ------------------------------------------------------------------ registry


def test_registry_names_in_order():
    assert list(DATASETS) == NAMES + REGRESSION + ["digits", "shapes"]


@pytest.mark.parametrize("name", NAMES)
def test_spec_is_consistent(name):
    spec = DATASETS[name]
    assert isinstance(spec, DatasetSpec)
    assert spec.name == name
    assert 2 <= spec.min_classes <= spec.default_classes <= spec.max_classes <= 10
    assert 0 < spec.default_noise < spec.max_noise
    # One sentence.
    assert spec.description.endswith(".") and spec.description.count(". ") == 0
    assert 20 < len(spec.description) < 120


def test_spec_values():
    got = {
        name: (s.min_classes, s.max_classes, s.default_classes, s.default_noise)
        for name, s in DATASETS.items() if s.kind == "points" and s.task == "classification"
    }
    assert got == {
        "spiral": (2, 10, 3, 0.2),
        "circles": (2, 10, 2, 0.1),
        "xor": (2, 2, 2, 0.1),
        "gaussians": (2, 10, 3, 0.25),
        "moons": (2, 2, 2, 0.1),
        "linear": (2, 10, 2, 0.05),
    }


# ------------------------------------------------------------ shapes, dtypes


@pytest.mark.parametrize("name", NAMES)
def test_default_shapes_and_dtypes(name):
    ds = make_dataset(name)
    assert isinstance(ds, Dataset)
    assert ds.classes == DATASETS[name].default_classes
    assert ds.X.shape == (300, 2) and ds.X.dtype == np.float64
    assert ds.y.shape == (300,) and ds.y.dtype == np.int64
    assert ds.test.shape == (300,) and ds.test.dtype == np.bool_
    assert set(np.unique(ds.y).tolist()) == set(range(ds.classes))
    assert np.isfinite(ds.X).all()


def test_dataset_is_immutable():
    ds = make_dataset("spiral")
    with pytest.raises(ValueError):
        ds.X[0, 0] = 5.0
    with pytest.raises(ValueError):
        ds.y[0] = 1
    with pytest.raises(ValueError):
        ds.test[0] = True
    with pytest.raises(dataclasses.FrozenInstanceError):
        ds.classes = 4  # type: ignore[misc]


# --------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_data(name):
    a = make_dataset(name, n=200, seed=42)
    b = make_dataset(name, n=200, seed=42)
    assert np.array_equal(a.X, b.X)
    assert np.array_equal(a.y, b.y)
    assert np.array_equal(a.test, b.test)


@pytest.mark.parametrize("name", NAMES)
def test_different_seed_different_data(name):
    a = make_dataset(name, n=200, seed=1)
    b = make_dataset(name, n=200, seed=2)
    assert not np.array_equal(a.X, b.X)
    assert not np.array_equal(a.test, b.test)
    assert np.array_equal(a.y, b.y)  # labels depend only on n and classes


def test_does_not_touch_global_rng():
    np.random.seed(123)
    expected = np.random.random(3)
    np.random.seed(123)
    for name in NAMES:
        make_dataset(name, seed=5)
    assert np.array_equal(np.random.random(3), expected)


@pytest.mark.parametrize("name", NAMES)
def test_noise_only_scales_the_same_draws(name):
    clean = make_dataset(name, seed=3, noise=0.0)
    a = make_dataset(name, seed=3, noise=0.05)
    b = make_dataset(name, seed=3, noise=0.1)
    # The held-out points do not move when the noise slider moves.
    assert np.array_equal(clean.test, a.test) and np.array_equal(a.test, b.test)
    if name == "spiral":
        # Angular noise: the radius of every point is unchanged.
        assert np.allclose(np.hypot(*a.X.T), np.hypot(*clean.X.T))
    else:
        # Every other shape is clean + noise * (fixed draws).
        assert np.allclose(b.X - clean.X, 2 * (a.X - clean.X))
        assert not np.allclose(a.X, clean.X)


# ---------------------------------------------------------------- class split


@pytest.mark.parametrize(
    "name, n, classes, counts",
    [
        ("spiral", 100, 3, [34, 33, 33]),
        ("spiral", 300, 3, [100, 100, 100]),
        ("circles", 7, 3, [3, 2, 2]),
        ("gaussians", 3, 3, [1, 1, 1]),
        ("linear", 23, 10, [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]),
        ("xor", 101, 2, [51, 50]),
        ("moons", 5, 2, [3, 2]),
        ("moons", 1, None, None),
    ],
)
def test_class_counts_split_evenly_in_order(name, n, classes, counts):
    if counts is None:  # n below the number of classes
        with pytest.raises(ValueError, match="^n must be at least"):
            make_dataset(name, n=n, classes=classes)
        return
    ds = make_dataset(name, n=n, classes=classes)
    assert len(ds.y) == n
    assert np.bincount(ds.y, minlength=classes).tolist() == counts
    assert np.array_equal(ds.y, np.repeat(np.arange(classes), counts))


# ----------------------------------------------------------------- test split


@pytest.mark.parametrize(
    "n, fraction, expected",
    [
        (300, 0.2, 60),
        (101, 0.25, 25),  # round(25.25)
        (10, 0.25, 2),  # round(2.5) == 2: Python rounds halves to even
        (10, 0.35, 4),  # round(3.5) == 4
        (50, 0.0, 0),
        (2, 0.9, 2),  # round(1.8): every point held out
        (5000, 0.9, 4500),
        (7, 0.5, 4),  # round(3.5)
    ],
)
def test_test_count_is_round_fraction_times_n(n, fraction, expected):
    assert round(fraction * n) == expected
    ds = make_dataset("gaussians", n=n, classes=2, test_fraction=fraction)
    assert int(ds.test.sum()) == expected


def test_test_split_is_stratified():
    ds = make_dataset("spiral", n=300, classes=3, test_fraction=0.2, seed=9)
    assert np.bincount(ds.y[ds.test], minlength=3).tolist() == [20, 20, 20]
    ds = make_dataset("linear", n=107, classes=4, test_fraction=0.3, seed=9)
    per_class = np.bincount(ds.y[ds.test], minlength=4)
    assert per_class.sum() == round(0.3 * 107) == 32
    share = np.bincount(ds.y, minlength=4) * 32 / 107  # the exact proportional share
    assert np.all(np.abs(per_class - share) < 1)


def test_test_split_is_random_within_classes():
    ds = make_dataset("circles", n=1000, classes=2, test_fraction=0.5, seed=0)
    first, second = ds.test[:250], ds.test[250:500]  # both halves of class 0
    assert 0.35 < first.mean() < 0.65 and 0.35 < second.mean() < 0.65


# --------------------------------------------------------------------- bounds


@pytest.mark.parametrize("name", NAMES)
def test_values_stay_in_a_bounded_box(name):
    spec = DATASETS[name]
    for classes in sorted({spec.min_classes, spec.default_classes, spec.max_classes}):
        for seed in range(3):
            clean = make_dataset(name, n=600, classes=classes, noise=0.0, seed=seed).X
            assert np.abs(clean).max() <= 1.0 + 1e-12
            default = make_dataset(name, n=300, classes=classes, seed=seed).X
            assert np.abs(default).max() < 2.0
            assert np.mean(np.abs(default) <= 1.5) > 0.99
            noisy = make_dataset(name, n=5000, classes=classes, noise=spec.max_noise, seed=seed).X
            assert np.abs(noisy).max() < (1.0 if name == "spiral" else 1.0 + 5 * spec.max_noise)


# --------------------------------------------------------------------- errors


def test_unknown_name_raises_key_error():
    with pytest.raises(KeyError) as info:
        make_dataset("donut")
    assert info.value.args == ("donut",)


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("xor", {"classes": 3}, "classes must be 2 for xor"),
        ("xor", {"classes": 1}, "classes must be 2 for xor"),
        ("moons", {"classes": 3}, "classes must be 2 for moons"),
        ("spiral", {"classes": 11}, "classes must be between 2 and 10 for spiral"),
        ("circles", {"classes": 1}, "classes must be between 2 and 10 for circles"),
        ("spiral", {"classes": 2.5}, "classes must be an integer"),
        ("spiral", {"n": 0}, "n must be between 1 and 5000"),
        ("spiral", {"n": 5001}, "n must be between 1 and 5000"),
        ("spiral", {"n": -3}, "n must be between 1 and 5000"),
        ("spiral", {"n": 2}, "n must be at least the number of classes"),
        ("spiral", {"n": 100.0}, "n must be an integer"),
        ("spiral", {"n": True}, "n must be an integer"),
        ("spiral", {"noise": -0.01}, "noise must be between 0 and 1.0 for spiral"),
        ("circles", {"noise": 0.31}, "noise must be between 0 and 0.3 for circles"),
        ("xor", {"noise": math.nan}, "noise must be between 0 and 0.3 for xor"),
        ("xor", {"noise": math.inf}, "noise must be between 0 and 0.3 for xor"),
        ("xor", {"noise": "0.1"}, "noise must be a number"),
        ("spiral", {"test_fraction": 0.95}, "test_fraction must be between 0 and 0.9"),
        ("spiral", {"test_fraction": -0.1}, "test_fraction must be between 0 and 0.9"),
        ("spiral", {"test_fraction": math.nan}, "test_fraction must be between 0 and 0.9"),
        ("spiral", {"seed": -1}, "seed must be a non-negative integer"),
        ("spiral", {"seed": 1.5}, "seed must be a non-negative integer"),
    ],
)
def test_bad_values_raise_value_error_naming_the_parameter(name, kwargs, message):
    with pytest.raises(ValueError) as info:
        make_dataset(name, **kwargs)
    assert str(info.value) == message


def test_error_messages_do_not_echo_the_value():
    with pytest.raises(ValueError) as info:
        make_dataset("spiral", n=4321987)
    assert "4321987" not in str(info.value)


def test_boundaries_are_accepted():
    assert len(make_dataset("spiral", n=5000).y) == 5000
    assert make_dataset("spiral", n=10, classes=10).classes == 10
    assert make_dataset("circles", noise=0.3).classes == 2
    assert make_dataset("linear", test_fraction=0.9, n=10).test.sum() == 9
    assert make_dataset("xor", classes=2, noise=0.0, seed=2**40).classes == 2
    assert make_dataset("spiral", n=np.int64(30), classes=np.int32(3)).classes == 3


# ------------------------------------------------------------ spiral = CS231n


def cs231n_spiral(N, K, noise, rng):
    """The CS231n case-study generator, line for line, with a Generator's randn."""
    D = 2
    X = np.zeros((N * K, D))  # data matrix (each row = single example)
    y = np.zeros(N * K, dtype="uint8")  # class labels
    for j in range(K):
        ix = range(N * j, N * (j + 1))
        r = np.linspace(0.0, 1, N)  # radius
        t = np.linspace(j * 4, (j + 1) * 4, N) + rng.standard_normal(N) * noise  # theta
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        y[ix] = j
    return X, y


@pytest.mark.parametrize("N, K, seed", [(100, 3, 0), (100, 3, 17), (40, 5, 3), (7, 10, 1)])
def test_spiral_is_the_cs231n_generator(N, K, seed):
    X_ref, y_ref = cs231n_spiral(N, K, 0.2, np.random.default_rng(seed))
    ds = make_dataset("spiral", n=N * K, classes=K, seed=seed)
    assert np.array_equal(ds.X, X_ref)
    assert np.array_equal(ds.y, y_ref)


def test_spiral_defeats_a_linear_softmax_classifier():
    # CS231n: a linear softmax classifier reaches only about half the points.
    ds = make_dataset("spiral")
    X, y = ds.X, ds.y
    rng = np.random.default_rng(0)
    W, b = 0.01 * rng.standard_normal((2, 3)), np.zeros(3)
    for _ in range(200):
        scores = X @ W + b
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y)), y] -= 1
        dscores = probs / len(y)
        W -= 1.0 * (X.T @ dscores + 1e-3 * W)
        b -= 1.0 * dscores.sum(axis=0)
    accuracy = np.mean(np.argmax(X @ W + b, axis=1) == y)
    assert 0.4 < accuracy < 0.6


# ------------------------------------------------------ the other clean shapes


def test_circles_rings_at_noise_zero():
    ds = make_dataset("circles", n=500, classes=4, noise=0.0)
    radius = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert np.allclose(radius, (ds.y + 1) / 4)


def test_xor_quadrants_at_noise_zero():
    ds = make_dataset("xor", n=400, noise=0.0)
    product = ds.X[:, 0] * ds.X[:, 1]
    assert np.all(product[ds.y == 0] > 0) and np.all(product[ds.y == 1] < 0)
    assert np.abs(ds.X).min() >= 0.1 and np.abs(ds.X).max() <= 1.0
    # All four quadrants are used.
    quadrant = (ds.X[:, 0] > 0) * 2 + (ds.X[:, 1] > 0)
    assert np.bincount(quadrant, minlength=4).min() > 50


def test_gaussians_centres_on_a_circle():
    clean = make_dataset("gaussians", n=50, classes=5, noise=0.0)
    for k in range(5):
        angle = 2 * np.pi * k / 5
        assert np.allclose(clean.X[clean.y == k], 0.75 * np.array([np.cos(angle), np.sin(angle)]))
    noisy = make_dataset("gaussians", n=5000, classes=2, noise=0.25)
    spread = noisy.X[noisy.y == 0] - np.array([0.75, 0.0])
    assert np.allclose(spread.std(axis=0), 0.25, atol=0.02)


def test_moons_half_circles_at_noise_zero():
    ds = make_dataset("moons", n=202, noise=0.0)  # 101 each: the angles include pi/2
    upper, lower = ds.X[ds.y == 0], ds.X[ds.y == 1]
    centre_upper, centre_lower = np.array([-1 / 3, -1 / 6]), np.array([1 / 3, 1 / 6])
    assert np.allclose(np.linalg.norm(upper - centre_upper, axis=1), 2 / 3)
    assert np.allclose(np.linalg.norm(lower - centre_lower, axis=1), 2 / 3)
    assert np.all(upper[:, 1] >= -1 / 6 - 1e-12) and np.all(lower[:, 1] <= 1 / 6 + 1e-12)
    assert np.allclose(ds.X.min(axis=0), [-1, -0.5]) and np.allclose(ds.X.max(axis=0), [1, 0.5])


def _fits_linear_classifier(X, y, classes, iters=20000):
    """Full-batch gradient descent on the multiclass hinge loss (margin 1), with
    bias; True as soon as argmax(scores) is right for every point."""
    Xb = np.c_[X, np.ones(len(X))]
    W = np.zeros((3, classes))
    rows = np.arange(len(y))
    for _ in range(iters):
        scores = Xb @ W
        if np.all(np.argmax(scores, axis=1) == y):
            return True
        margins = scores - scores[rows, y][:, None] + 1.0
        margins[rows, y] = 0
        dscores = (margins > 0).astype(float)
        dscores[rows, y] = -dscores.sum(axis=1)
        W -= Xb.T @ dscores / len(y)
    return False


@pytest.mark.parametrize("classes", range(2, 11))
def test_linear_is_linearly_separable_at_noise_zero(classes):
    ds = make_dataset("linear", n=300, classes=classes, noise=0.0, seed=classes)
    assert _fits_linear_classifier(ds.X, ds.y, classes)
    # The documented separator: row k is the unit vector through sector k.
    angles = np.pi / 4 + 2 * np.pi * np.arange(classes) / classes
    W = np.c_[np.cos(angles), np.sin(angles)]
    assert np.array_equal(np.argmax(ds.X @ W.T, axis=1), ds.y)


def test_spiral_is_not_linearly_separable():
    ds = make_dataset("spiral", noise=0.0)
    assert not _fits_linear_classifier(ds.X, ds.y, 3, iters=500)


# ----------------------------------------------------------------- add_points


def test_add_points_appends_training_points():
    ds = make_dataset("spiral", n=30, seed=4)
    out = add_points(ds, [(0.5, -0.25, 2), [1.0, 1.0, 0], (np.float32(0.1), 0, np.int64(1))])
    assert isinstance(out, Dataset) and out.classes == 3
    assert out.X.shape == (33, 2) and out.X.dtype == np.float64
    assert out.y.dtype == np.int64 and out.test.dtype == np.bool_
    assert np.array_equal(out.X[:30], ds.X) and np.array_equal(out.y[:30], ds.y)
    assert np.array_equal(out.test[:30], ds.test)
    assert np.allclose(out.X[30:], [[0.5, -0.25], [1.0, 1.0], [0.1, 0.0]])
    assert out.y[30:].tolist() == [2, 0, 1]
    assert out.test[30:].tolist() == [False, False, False]
    # The original is untouched and the new arrays are read-only too.
    assert ds.X.shape == (30, 2)
    with pytest.raises(ValueError):
        out.X[0, 0] = 1.0


def test_add_points_accepts_any_iterable_and_chains():
    ds = make_dataset("xor", n=10)
    out = add_points(add_points(ds, (p for p in [(0.0, 0.0, 1)])), iter([(0.2, 0.3, 0)]))
    assert out.y[10:].tolist() == [1, 0]
    assert add_points(ds, []).X.shape == (10, 2)


@pytest.mark.parametrize(
    "point, message",
    [
        ((0.0, 0.0, 3), "label must be between 0 and 2"),
        ((0.0, 0.0, -1), "label must be between 0 and 2"),
        ((0.0, 0.0, 1.0), "label must be an integer"),
        ((0.0, 0.0, True), "label must be an integer"),
        ((0.0, 0.0, "1"), "label must be an integer"),
        ((0.0, math.nan, 1), "point coordinates x1 and x2 must be finite numbers"),
        ((math.inf, 0.0, 1), "point coordinates x1 and x2 must be finite numbers"),
        ((10**400, 0.0, 1), "point coordinates x1 and x2 must be finite numbers"),
        (("a", 0.0, 1), "point coordinates x1 and x2 must be finite numbers"),
        ((0.0, 0.0), "points must be (x1, x2, label) triples"),
        ((0.0, 0.0, 1, 1), "points must be (x1, x2, label) triples"),
        (5, "points must be (x1, x2, label) triples"),
    ],
)
def test_add_points_refuses_bad_points(point, message):
    ds = make_dataset("spiral", n=30)
    with pytest.raises(ValueError) as info:
        add_points(ds, [(0.1, 0.1, 0), point])
    assert str(info.value) == message
    assert ds.X.shape == (30, 2)


def test_add_points_limit():
    ds = make_dataset("moons", n=4999)
    assert len(add_points(ds, [(0.0, 0.0, 1)]).y) == 5000
    with pytest.raises(ValueError, match="at most 5000 points"):
        add_points(ds, [(0.0, 0.0, 1), (0.1, 0.0, 0)])
    with pytest.raises(ValueError, match="at most 12 points"):
        add_points(make_dataset("moons", n=10), [(0.0, 0.0, 1)] * 3, max_points=12)


# ------------------------------------------------------------------ regression


@pytest.mark.parametrize("name", REGRESSION)
def test_regression_targets_are_reals_in_minus_one_one(name):
    ds = make_dataset(name, n=500, seed=3)
    assert ds.task == DATASETS[name].task == "regression" and ds.classes == 1
    assert ds.X.shape == (500, 2) and ds.y.shape == (500,) and ds.y.dtype == np.float64
    assert ds.y.min() >= -1 and ds.y.max() <= 1 and np.ptp(ds.y) > 1
    assert np.abs(ds.X).max() <= 1
    assert ds.test.sum() == 100
    again = make_dataset(name, n=500, seed=3)
    assert np.array_equal(ds.X, again.X) and np.array_equal(ds.y, again.y)


def test_plane_is_the_seeds_linear_regression():
    ds = make_dataset("plane", n=2000, noise=0.0)
    assert np.allclose(ds.y, 0.6 * ds.X[:, 0] - 0.3 * ds.X[:, 1], rtol=0, atol=1e-15)
    noisy = make_dataset("plane", n=2000, noise=0.1)
    residual = noisy.y - (0.6 * noisy.X[:, 0] - 0.3 * noisy.X[:, 1])
    assert 0.09 < residual.std() < 0.11
    # least squares finds the plane again
    w, *_ = np.linalg.lstsq(noisy.X, noisy.y, rcond=None)
    assert np.allclose(w, [0.6, -0.3], atol=0.02)


def test_gaussian_bumps_peak_at_their_centres():
    ds = make_dataset("gaussians-regression", n=4000, noise=0.0)
    near = lambda c1, c2: ds.y[np.hypot(ds.X[:, 0] - c1, ds.X[:, 1] - c2) < 0.05]
    assert near(-0.5, 0.5).min() > 0.95 and near(0.5, -0.5).min() > 0.95
    assert near(0.5, 0.5).max() < -0.95 and near(-0.5, -0.5).max() < -0.95


def test_regression_points_take_real_targets():
    ds = make_dataset("plane", n=10)
    more = add_points(ds, [(0.1, 0.2, 0.5), (0.0, 0.0, -1)])
    assert more.y.dtype == np.float64 and more.y[-2:].tolist() == [0.5, -1.0] and more.task == "regression"
    with pytest.raises(ValueError):
        add_points(ds, [(0.1, 0.2, 1.5)])
