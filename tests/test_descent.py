"""app/descent.py: J, its gradient, the grid, and every method's path recomputed by hand."""
from __future__ import annotations

import numpy as np
import pytest

from app import descent
from app.descent import cost, cost_grid, descent_path, gradient, least_squares, make_data


@pytest.fixture(scope="module")
def data():
    return make_data(40, seed=0)


def test_data_is_deterministic_and_bounded():
    x, y = make_data(40, seed=3)
    x2, y2 = make_data(40, seed=3)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    assert x.shape == y.shape == (40,) and 0 <= x.min() and x.max() <= 3


def test_cost_and_gradient_by_hand():
    x, y = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0, 2.0])
    theta = (0.5, 1.0)
    r = y - 0.5 - 1.0 * x                                    # [0.5, 1.5, -0.5]
    assert cost(theta, x, y) == pytest.approx((0.25 + 2.25 + 0.25) / 6)
    assert gradient(theta, x, y) == pytest.approx([-r.mean(), -(r * x).mean()])


def test_gradient_matches_centred_differences(data):
    x, y = data
    theta = np.array([-0.3, 1.7])
    numeric = [(cost(theta + e, x, y) - cost(theta - e, x, y)) / 2e-6 for e in np.eye(2) * 1e-6]
    assert gradient(theta, x, y) == pytest.approx(numeric, rel=1e-7)


def test_grid_is_j_everywhere(data):
    x, y = data
    t0, t1 = np.linspace(-2, 3, 7), np.linspace(0, 4, 5)
    grid = cost_grid(x, y, t0, t1)
    assert grid.shape == (5, 7)
    for i, b in enumerate(t1):
        for j, a in enumerate(t0):
            assert grid[i, j] == pytest.approx(cost((a, b), x, y), rel=1e-12)


def test_least_squares_is_the_minimum(data):
    x, y = data
    best = least_squares(x, y)
    assert np.allclose(gradient(best, x, y), 0, atol=1e-12)
    assert best == pytest.approx(descent.TRUE_THETA, abs=0.3)


def _batches(n, size, seed, steps):
    """Which examples each step uses, written out: shuffled per epoch, slices of size."""
    rng = np.random.default_rng(seed)
    out, order = [], []
    while len(out) < steps:
        if not order:
            perm = rng.permutation(n)
            order = [perm[i:i + size] for i in range(0, n, size)]
        out.append(order.pop(0))
    return out


@pytest.mark.parametrize("method, size", [("batch", None), ("minibatch", 7), ("sgd", 1)])
def test_sgd_family_paths_are_exact(data, method, size):
    x, y = data
    lr, steps, start = 0.2, 50, (-2.0, 4.0)
    path = descent_path(x, y, method, start, lr, steps, batch_size=7, seed=5)
    theta = np.array(start)
    batches = _batches(len(x), size, 5, steps) if size else [np.arange(len(x))] * steps
    expected = [theta.copy()]
    for idx in batches:
        theta = theta - lr * gradient(theta, x[idx], y[idx])
        expected.append(theta.copy())
    assert path["status"] == "ok" and path["steps"] == steps
    np.testing.assert_allclose(path["theta"], expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(path["cost"], [cost(t, x, y) for t in expected], rtol=1e-12)


def test_momentum_and_adam_paths_are_exact(data):
    x, y = data
    lr, steps, start = 0.1, 40, (-2.0, 4.0)
    theta, v = np.array(start), np.zeros(2)
    momentum = [theta.copy()]
    for _ in range(steps):
        v = 0.9 * v - lr * gradient(theta, x, y)
        theta = theta + v
        momentum.append(theta)
    np.testing.assert_allclose(descent_path(x, y, "momentum", start, lr, steps)["theta"], momentum, atol=1e-12)

    theta, m, s = np.array(start), np.zeros(2), np.zeros(2)
    adam = [theta.copy()]
    for t in range(1, steps + 1):
        g = gradient(theta, x, y)
        m = 0.9 * m + 0.1 * g
        s = 0.999 * s + 0.001 * g * g
        theta = theta - lr * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
        adam.append(theta)
    np.testing.assert_allclose(descent_path(x, y, "adam", start, lr, steps)["theta"], adam, atol=1e-12)


def test_small_steps_converge_large_ones_diverge(data):
    x, y = data
    slow = descent_path(x, y, "batch", (-2, 4), 0.2, 400)
    assert slow["status"] == "ok"
    assert slow["cost"][-1] == pytest.approx(cost(least_squares(x, y), x, y), rel=1e-6)
    assert np.all(np.diff(slow["cost"]) <= 1e-15)          # batch descent at a small step never goes up
    fast = descent_path(x, y, "batch", (-2, 4), 1.0, 400)
    assert fast["status"] == "diverged" and fast["steps"] < 400
    assert np.isfinite(fast["theta"]).all() and fast["cost"][-1] <= descent.DIVERGED
    assert fast["cost"][-1] > 100 * fast["cost"][0]         # it climbed out of the bowl before stopping


def test_surface_covers_the_paths_and_the_minimum(data):
    x, y = data
    path = descent_path(x, y, "sgd", (-2, 4), 0.1, 60)
    s = descent.surface(x, y, [path], resolution=30)
    assert s["cost"].shape == (30, 30)
    for t0, t1 in np.vstack([path["theta"], s["minimum"][None]]):
        assert s["theta0"][0] <= t0 <= s["theta0"][-1] and s["theta1"][0] <= t1 <= s["theta1"][-1]


def test_surface_does_not_chase_a_path_that_overshoots(data):
    x, y = data
    wild = descent_path(x, y, "batch", (-2, 4), 0.6, 60)
    s = descent.surface(x, y, [wild])
    assert wild["status"] == "diverged"
    assert s["theta0"][-1] - s["theta0"][0] < 20 and s["theta1"][-1] - s["theta1"][0] < 20
    t0, t1 = wild["theta"][-1]
    assert not (s["theta0"][0] <= t0 <= s["theta0"][-1] and s["theta1"][0] <= t1 <= s["theta1"][-1])
