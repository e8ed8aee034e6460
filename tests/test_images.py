"""Tests for app.images: the bundled digits and the synthetic shapes."""
from __future__ import annotations

import numpy as np
import pytest

from app import images
from app.datasets import DATASETS, add_points, make_dataset


def test_digits_file_is_the_uci_set():
    X, y = images.digit_images()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert np.bincount(y).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert X.min() == 0.0 and X.max() == 1.0
    assert np.array_equal(X * 16, np.round(X * 16))  # grey levels 0..16


def test_digits_default_is_every_image():
    ds = make_dataset("digits")
    assert ds.X.shape == (1797, 64) and ds.classes == 10
    assert sorted(map(tuple, ds.X)) == sorted(map(tuple, images.digit_images()[0]))
    assert ds.test.sum() == round(0.2 * 1797)


@pytest.mark.parametrize("n", [10, 95, 500, 1740, 1750, 1797])
def test_digits_subsample_is_balanced_and_deterministic(n):
    a, b = make_dataset("digits", n=n, seed=3), make_dataset("digits", n=n, seed=3)
    counts = np.bincount(a.y, minlength=10)
    assert counts.sum() == n
    available = np.bincount(images.digit_images()[1])
    # As even as the class sizes allow: no class is short while another has two more.
    short = counts < available
    assert counts.max() - counts[short].min() <= 1 if short.any() else True
    assert np.array_equal(a.X, b.X) and np.array_equal(a.test, b.test)
    assert not np.array_equal(a.X, make_dataset("digits", n=n, seed=4).X) or n == 1797


def test_digits_images_keep_their_labels():
    X, y = images.digit_images()
    ds = make_dataset("digits", n=200, seed=1)
    lookup = {tuple(row): label for row, label in zip(X, y)}
    assert all(lookup[tuple(row)] == label for row, label in zip(ds.X, ds.y))


def test_digits_n_over_the_set_is_refused():
    with pytest.raises(ValueError, match="n must be between 1 and 1797"):
        make_dataset("digits", n=1798)


def test_shapes_shape_range_and_balance():
    ds = make_dataset("shapes", n=200, seed=0)
    assert ds.X.shape == (200, 3072) and ds.X.dtype == np.float64
    assert ds.X.min() >= 0.0 and ds.X.max() <= 1.0
    assert np.bincount(ds.y).tolist() == [20] * 10
    assert ds.test.sum() == 40 and np.bincount(ds.y[ds.test]).tolist() == [4] * 10
    assert np.array_equal(ds.X, np.round(ds.X, 3))


def test_shapes_are_deterministic_from_the_seed():
    a, b = make_dataset("shapes", n=50, seed=7), make_dataset("shapes", n=50, seed=7)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.test, b.test)
    assert not np.array_equal(a.X, make_dataset("shapes", n=50, seed=8).X)


def test_shapes_noise_moves_the_same_images():
    clean = make_dataset("shapes", n=30, noise=0.0).X.reshape(30, 32, 32, 3)
    noisy = make_dataset("shapes", n=30, noise=0.2).X.reshape(30, 32, 32, 3)
    assert np.abs(noisy - clean).mean() > 0.05
    # Without noise an image is two colours: the shape and its background.
    assert all(len(np.unique(img.reshape(-1, 3), axis=0)) == 2 for img in clean)


@pytest.mark.parametrize("name", images.SHAPE_CLASSES)
def test_each_shape_covers_part_of_the_image(name):
    rng = np.random.default_rng(0)
    img = images.draw_shapes(rng, name, 5, 0.0)
    ink = (img.reshape(5, -1, 3).max(axis=2) > 0.5).mean(axis=1)  # bright pixels: the ink
    assert ((ink > 0.03) & (ink < 0.5)).all()


def test_classes_differ_on_average():
    """The mean images of two classes differ: there is something to learn."""
    ds = make_dataset("shapes", n=500, noise=0.0)
    means = np.array([ds.X[ds.y == k].mean(axis=0) for k in range(10)])
    gaps = np.abs(means[:, None] - means[None]).mean(axis=2)
    assert gaps[~np.eye(10, dtype=bool)].min() > 0.01


@pytest.mark.parametrize("name, shape", [("digits", (8, 8, 1)), ("shapes", (32, 32, 3))])
def test_registry_entries(name, shape):
    spec = DATASETS[name]
    assert spec.kind == "image" and spec.image_shape == shape
    assert spec.input_width == int(np.prod(shape)) and len(spec.class_names) == 10
    assert spec.min_classes == spec.max_classes == 10
    assert DATASETS["spiral"].kind == "points" and DATASETS["spiral"].input_width == 2


def test_points_cannot_be_added_to_images():
    with pytest.raises(ValueError, match="2-D"):
        add_points(make_dataset("digits", n=20), [(0.0, 0.0, 1)])


def test_switching_to_and_from_an_image_set():
    from app.session_config import switch_defaults
    base = {"n_points": 300, "batch_size": 0, "learning_rate": 1.0, "reg": 5e-4}
    to_digits = switch_defaults(DATASETS["spiral"], DATASETS["digits"], base)
    assert to_digits == {"classes": 10, "n_points": 1797, "batch_size": 64, "learning_rate": 0.5, "reg": 1e-3}
    back = switch_defaults(DATASETS["digits"], DATASETS["moons"], base)
    assert back == {**base, "classes": 2}
    assert switch_defaults(DATASETS["digits"], DATASETS["shapes"], base)["learning_rate"] == 0.05
    assert switch_defaults(DATASETS["spiral"], DATASETS["moons"], base) == {}
