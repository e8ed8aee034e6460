"""Feature inputs: the registry's functions, their order and the errors."""
from __future__ import annotations

import numpy as np
import pytest

from app.features import DEFAULT_FEATURES, FEATURES, check_features, feature_matrix


def test_every_feature_of_one_point():
    X = np.array([[0.5, -2.0]])
    values = dict(zip(FEATURES, feature_matrix(X, list(FEATURES))[0]))
    assert values == pytest.approx({"x1": 0.5, "x2": -2.0, "x1^2": 0.25, "x2^2": 4.0, "x1*x2": -1.0,
                                    "sin(x1)": np.sin(0.5), "sin(x2)": np.sin(-2.0)})


def test_the_default_features_are_the_plane_itself():
    X = np.random.default_rng(0).standard_normal((10, 2))
    assert list(DEFAULT_FEATURES) == ["x1", "x2"]
    assert np.array_equal(feature_matrix(X), X)
    assert feature_matrix(X.astype(np.float32)).dtype == np.float32


def test_check_features_orders_as_the_registry_and_refuses_bad_lists():
    assert check_features(["sin(x1)", "x1", "x1*x2"]) == ["x1", "x1*x2", "sin(x1)"]
    for bad in ([], ["x3"], ["x1", "x1"], ["__import__('os')"]):
        with pytest.raises(ValueError) as e:
            check_features(bad)
        assert "features" in str(e.value) and "__import__" not in str(e.value)


def test_squares_make_a_circle_linearly_separable():
    """x1² + x2² < r² is a linear rule in the squared features: no hidden layer needed."""
    rng = np.random.default_rng(1)
    X = rng.uniform(-1, 1, (400, 2))
    inside = (X ** 2).sum(axis=1) < 0.5
    F = feature_matrix(X, ["x1^2", "x2^2"])
    assert np.array_equal(F @ np.array([1.0, 1.0]) < 0.5, inside)
