"""The decision boundary (app/boundary.py) against a plain float64 forward over the grid.

Grid convention: row i is y_i = linspace(ymin, ymax, R)[i], column j is
x_j = linspace(xmin, xmax, R)[j]; tables are class-major (C, R·R) with entry
[k, i·R + j].
"""
from __future__ import annotations

import base64
import math

import numpy as np
import pytest

from app import boundary
from app.boundary import (
    BoundaryGrid,
    data_extent,
    exact_scores,
    has_exact_scores,
    running_sum,
    scan_blocks,
    softmax_columns,
)
from app.nn import Network, softmax

EXTENTS = [[-1.5, 2.5, -2.0, 1.0], [-1.0, 1.0, -1.0, 1.0]]


# ---- references ----------------------------------------------------------------------

def grid_points(extent, R):
    """(R·R, 2) points, row-major: point i·R + j is (x_j, y_i)."""
    xmin, xmax, ymin, ymax = extent
    xs, ys = np.linspace(xmin, xmax, R), np.linspace(ymin, ymax, R)
    return np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)


def reference_relative_scores(net, extent, R):
    """(C, R·R): the forward's scores minus class 0's score."""
    ref = net.scores(grid_points(extent, R))
    return (ref - ref[:, :1]).T


def assert_exact(net, extent, R, tol=1e-12):
    got = exact_scores(net, extent, R)
    ref = reference_relative_scores(net, extent, R)
    assert got.shape == ref.shape == (net.sizes[-1], R * R)
    assert got.dtype == np.float64
    assert np.all(got[0] == 0)
    err = np.abs(got - ref).max() / (1 + np.abs(ref).max())
    assert err < tol, (err, net.sizes, net.activation, R, extent)


def perturbed_net(sizes, activation, seed):
    """A seeded network with standard normal noise added to every weight and bias."""
    net = Network.create(sizes, activation, "he", seed=seed)
    rng = np.random.default_rng(1000 + seed)
    for w, b in net.layers:
        w += rng.standard_normal(w.shape)
        b += rng.standard_normal(b.shape)
    return net


def decode(out):
    R, C = out["resolution"], out["classes"]
    return np.frombuffer(base64.b64decode(out["data"]), np.uint8).reshape(R * R, C)


# ---- 1. exact scores against the forward ------------------------------------------------

RESOLUTIONS = [10, 11, 99, 100, 200]
SIZES = [[2, 3], [2, 7, 3], [2, 100, 3], [2, 64, 2], [2, 30, 10]]
EXACT_CASES = ([(act, sizes) for act in ("relu", "leaky_relu", "linear") for sizes in SIZES]
               + [("linear", [2, 5, 5, 5, 2])])


@pytest.mark.parametrize("R", RESOLUTIONS)
@pytest.mark.parametrize("activation,sizes", EXACT_CASES)
def test_exact_scores_equal_the_forward(activation, sizes, R):
    net = perturbed_net(sizes, activation, seed=len(sizes) * 100 + sizes[1] + R)
    assert has_exact_scores(net)
    a = net.layers[0][0][0]
    if len(sizes) > 2 and sizes[1] >= 7:       # units fall both ways along x; biases are not 0
        assert (a > 0).any() and (a < 0).any()
        assert np.all(net.layers[0][1] != 0)
    assert_exact(net, EXTENTS[R % 2], R)


# ---- 2. edge cases -----------------------------------------------------------------

def aligned_net(activation, classes=3, seed=7):
    """Hand-built hidden units on extent [-1, 1, -1, 1] with R = 11: units flat
    along x (on or off along whole rows), units whose zero line runs exactly
    through grid columns, and units whose zero line misses the extent."""
    xs = np.linspace(-1.0, 1.0, 11)
    units = [  # (a = x-weight, b = y-weight, c = bias)
        (0.0, 0.0, 0.7),            # flat, always on
        (0.0, 0.0, -0.7),           # flat, always off
        (0.0, 1.0, 0.0),            # flat: on for rows y > 0, off below, z = 0 on row y = 0
        (-0.0, -1.0, 0.3),          # flat (negative zero): on for rows y < 0.3
        (0.0, 2.0, -xs[8] * 2),     # flat, z exactly 0 on one row
        (1.0, 0.0, -xs[3]),         # rising, z exactly 0 at column 3 on every row
        (-1.0, 0.0, xs[7]),         # falling, z exactly 0 at column 7
        (2.0, 0.0, -2 * xs[5]),     # rising, z exactly 0 at column 5
        (1.0, 0.0, -xs[0]),         # crossing at the first column
        (-1.0, 0.0, xs[-1]),        # crossing at the last column
        (1.0, 1.0, 0.0),            # the diagonal x = −y through grid points
        (-0.5, 0.5, 0.0),           # the diagonal x = y, falling
        (1.0, 0.0, 5.0),            # zero line at x = −5: always on
        (1.0, 0.0, -5.0),           # zero line at x = 5: always off
        (-1.0, 0.3, 5.0),           # falling, always on
        (-1.0, 0.3, -5.0),          # falling, always off
        (1e-3, 1.0, 0.5),           # nearly flat: crosses far outside the row
    ]
    w_in = np.array([[a for a, _, _ in units], [b for _, b, _ in units]])
    b_in = np.array([c for _, _, c in units])
    rng = np.random.default_rng(seed)
    w_out = rng.standard_normal((len(units), classes))
    b_out = rng.standard_normal(classes)
    return Network([(w_in, b_in), (w_out, b_out)], activation)


@pytest.mark.parametrize("R", [11, 21, 101])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_exact_scores_edge_units(activation, R):
    net = aligned_net(activation)
    assert_exact(net, [-1.0, 1.0, -1.0, 1.0], R)
    # on R = 11 the crossings are on grid points: z is exactly 0 there in the forward too
    if R == 11:
        z = grid_points([-1.0, 1.0, -1.0, 1.0], 11) @ net.layers[0][0] + net.layers[0][1]
        assert np.sum(z[:, 5:10] == 0) >= 4 * 11


@pytest.mark.parametrize("R", [10, 11, 100])
@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_exact_scores_units_with_zero_x_weight(activation, R):
    net = perturbed_net([2, 20, 3], activation, seed=5)
    w, b = net.layers[0]
    w[0, :3] = 0                     # on or off along whole rows
    w[1, 0], b[0] = 0.0, 1.5         # on everywhere
    w[1, 1], b[1] = 0.0, -1.5        # off everywhere
    b[2] = 0.25                      # on for some rows, off for others (y-weight ≠ 0)
    assert w[1, 2] != 0
    assert_exact(net, EXTENTS[0], R)
    assert_exact(net, [-1.0, 1.0, -1.0, 1.0], R)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_exact_scores_all_units_flat_along_x(activation):
    net = perturbed_net([2, 12, 4], activation, seed=9)
    net.layers[0][0][0, :] = 0
    for R in (10, 11, 57):
        assert_exact(net, EXTENTS[0], R)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_exact_scores_with_x_weights_too_small_to_divide_by(activation):
    """x-weights of ±1e-310 (subnormal) and ±1e-250: −d/(a·dx) would overflow;
    those units count as flat, off by a·x at most."""
    net = perturbed_net([2, 10, 3], activation, seed=11)
    net.layers[0][0][0, :4] = [1e-310, -1e-310, 1e-250, -1e-250]
    for R in (10, 100):
        assert_exact(net, EXTENTS[0], R)


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_probabilities_of_a_network_near_divergence_are_probabilities(activation):
    """Weights of 1e150 (finite, the run-up to a divergence): the scores
    overflow in the running sums or in float32, and the boundary falls back to
    the float64 forward: still the forward's probabilities, no NaN."""
    net = perturbed_net([2, 8, 3], activation, seed=2)
    net.layers = [(w * 1e150, b * 1e150) for w, b in net.layers]
    with np.errstate(all="ignore"):
        got = BoundaryGrid().probabilities(net, EXTENTS[0], 20)
        want = BoundaryGrid.probabilities64(net, EXTENTS[0], 20)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    assert np.allclose(got[ok], want[ok], atol=1e-6)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu"])
def test_exact_scores_zero_line_outside_the_extent(activation):
    net = perturbed_net([2, 6, 3], activation, seed=4)
    w, b = net.layers[0]
    w[:, :] = [[1.0, -1.0, 1.0, -1.0, 0.5, -2.0], [0.2, 0.3, -0.1, 0.4, 0.0, 0.0]]
    b[:] = [10.0, 10.0, -10.0, -10.0, 3.0, -5.0]   # always on, on, off, off, on, off
    for R in (10, 11, 64):
        assert_exact(net, [-1.0, 1.0, -1.0, 1.0], R)


# ---- 3. row blocking ------------------------------------------------------------------

@pytest.mark.parametrize("max_values", [1, 50, 100, 1000])
@pytest.mark.parametrize("sizes,R", [([2, 7, 3], 100), ([2, 30, 10], 37), ([2, 100, 3], 99)])
def test_ramps_in_many_row_blocks_are_exact(sizes, R, max_values, monkeypatch):
    net = perturbed_net(sizes, "relu", seed=R)
    net.layers[0][0][0, :2] = 0      # flat units too: they are added per block
    extent = EXTENTS[0]
    whole = exact_scores(net, extent, R)

    calls = []
    ramp_rows = boundary._ramp_rows

    def counting(*args):
        calls.append(len(args[4]))   # the block's rows
        return ramp_rows(*args)

    monkeypatch.setattr(boundary, "_ramp_rows", counting)
    monkeypatch.setattr(boundary._ramps, "__defaults__", (max_values,))
    blocked = exact_scores(net, extent, R)
    assert len(calls) > 1 and sum(calls) == R
    ref = reference_relative_scores(net, extent, R)
    assert np.abs(blocked - ref).max() / (1 + np.abs(ref).max()) < 1e-12
    np.testing.assert_allclose(blocked, whole, rtol=0, atol=1e-12 * (1 + np.abs(whole).max()))


@pytest.mark.parametrize("per_block", [1, 2, 7, 49, 98, 101])
def test_exact_scores_with_other_scan_layouts(per_block, monkeypatch):
    """Any (blocks, per_block) covering the row gives the same exact scores; 49
    and 98 are where j·(1/per_block) rounds below an integer (49·(1/49) < 1),
    which the default layout only reaches from R = 2304 on."""
    monkeypatch.setattr(boundary, "scan_blocks", lambda n: (-(-n // per_block), per_block))
    for sizes, R in (([2, 7, 3], 100), ([2, 40, 4], 100), ([2, 5, 2], 50)):
        net = perturbed_net(sizes, "relu", seed=per_block + R)
        assert_exact(net, EXTENTS[0], R)


def test_ramps_default_draws_small_grids_in_one_block(monkeypatch):
    calls = []
    ramp_rows = boundary._ramp_rows
    monkeypatch.setattr(boundary, "_ramp_rows", lambda *a: calls.append(1) or ramp_rows(*a))
    net = perturbed_net([2, 100, 3], "relu", seed=1)
    assert_exact(net, EXTENTS[0], 100)
    assert len(calls) == 1


# ---- 4. which path, and the probabilities -------------------------------------------------

EXACT_NETS = [([2, 3], "relu"), ([2, 3], "sigmoid"), ([2, 4], "tanh"),
              ([2, 5, 3], "linear"), ([2, 5, 5, 5, 2], "linear"), ([2, 8, 8, 8, 8, 8, 3], "linear"),
              ([2, 20, 3], "relu"), ([2, 20, 4], "leaky_relu")]
DENSE_NETS = [([2, 20, 3], "sigmoid"), ([2, 20, 3], "tanh"), ([2, 20, 20, 3], "relu"),
              ([2, 10, 10, 2], "leaky_relu"), ([2, 16, 16, 16, 4], "tanh")]


@pytest.mark.parametrize("sizes,activation", EXACT_NETS + DENSE_NETS)
def test_has_exact_scores_and_probabilities(sizes, activation):
    net = Network.create(sizes, activation, "he", seed=len(sizes) + sizes[1])
    rng = np.random.default_rng(sizes[1])
    for _, b in net.layers:
        b += rng.standard_normal(b.shape)
    exact = (sizes, activation) in EXACT_NETS
    assert has_exact_scores(net) is exact
    extent, R = EXTENTS[0], 60
    got = BoundaryGrid().probabilities(net, extent, R)
    want = BoundaryGrid.probabilities64(net, extent, R)
    # probabilities64 is the plain float64 forward over the grid
    np.testing.assert_allclose(want, softmax(net.scores(grid_points(extent, R))).T,
                               rtol=0, atol=1e-15)
    assert got.dtype == np.float32 and got.shape == (sizes[-1], R * R)
    assert np.abs(got - want).max() < (1e-6 if exact else 1e-4)


def test_boundary_grid_works_in_bounded_blocks():
    """A 200² grid through 1,024 units is drawn in row blocks through one
    buffer of at most BLOCK_VALUES floats, and equals the float64 forward."""
    net = Network.create([2, 1024, 4], "relu", "he", seed=3)
    grid = BoundaryGrid()
    extent, R = [-1.5, 1.5, -1.0, 2.0], 200
    out = grid.encode(net, extent, R)
    assert grid.buffer.size <= BoundaryGrid.BLOCK_VALUES < R * R * 1024
    got = np.frombuffer(base64.b64decode(out["data"]), np.uint8).reshape(R, R, 4)
    xs, ys = np.linspace(-1.5, 1.5, R), np.linspace(-1.0, 2.0, R)
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    want = np.rint(255 * softmax(net.scores(points))).reshape(R, R, 4)
    assert np.abs(got.astype(int) - want).max() <= 1


def test_dense_path_works_in_bounded_blocks():
    """The same for a network the dense path draws: the buffer is used, and bounded."""
    net = Network.create([2, 1024, 4], "tanh", "he", seed=3)
    assert not has_exact_scores(net)
    grid = BoundaryGrid()
    extent, R = [-1.5, 1.5, -1.0, 2.0], 200
    got = grid.probabilities(net, extent, R)
    assert 0 < grid.buffer.size <= BoundaryGrid.BLOCK_VALUES < R * R * 1024
    want = softmax(net.scores(grid_points(extent, R))).T
    assert np.abs(got - want).max() < 1e-4


# ---- 5. running sums and their blocks --------------------------------------------------

@pytest.mark.parametrize("shape", [(1, 1, 3), (1, 5, 2), (5, 1, 2), (4, 7, 3), (7, 4, 1),
                                   (3, 4, 2, 5), (15, 14, 6)])
def test_running_sum_is_the_cumsum_of_the_block_sequence(shape):
    rng = np.random.default_rng(sum(shape))
    pb, blocks = shape[:2]
    m = math.prod(shape[2:])

    def reference(t):
        flat = np.cumsum(t.reshape(pb, blocks, m).transpose(1, 0, 2).reshape(-1, m), axis=0)
        return flat.reshape(blocks, pb, m).transpose(1, 0, 2).reshape(shape)

    ints = rng.integers(-50, 50, shape).astype(np.float64)   # sums of integers: exact
    t = ints.copy()
    assert running_sum(t) is None
    np.testing.assert_array_equal(t, reference(ints))

    reals = rng.standard_normal(shape)
    t = reals.copy()
    running_sum(t)
    np.testing.assert_allclose(t, reference(reals), rtol=1e-12, atol=1e-12)


def test_scan_blocks_cover_n_with_about_sqrt_n_each():
    for n in range(1, 501):
        blocks, per_block = scan_blocks(n)
        assert blocks * per_block >= n, n
        assert 1 <= blocks <= math.isqrt(n) + 2, n
        assert 1 <= per_block <= math.isqrt(n) + 2, n


# ---- 6. softmax over columns ---------------------------------------------------------------

@pytest.mark.parametrize("C,N,scale", [(2, 1, 1.0), (3, 500, 3.0), (10, 200, 20.0)])
def test_softmax_columns_is_a_float32_softmax(C, N, scale):
    scores = scale * np.random.default_rng(C * N).standard_normal((C, N))
    p = softmax_columns(scores.copy())
    assert p.dtype == np.float32 and p.shape == (C, N)
    np.testing.assert_allclose(p.sum(axis=0, dtype=np.float64), 1.0, rtol=0, atol=1e-6)
    e = np.exp(scores - scores.max(axis=0))
    want = e / e.sum(axis=0)
    assert np.abs(p - want).max() < 1e-6
    np.testing.assert_allclose(p, softmax(scores.T).T, rtol=0, atol=1e-6)


def test_softmax_columns_of_huge_float64_scores_is_finite():
    scores = np.array([[0.0, 1e50, -1e50, 3e50, 0.0],
                       [1e50, 0.0, -1e50, 2e50, 1e50],
                       [-1e50, -1e50, -1e50, 1e50, 1e50 + 1e35]])
    with np.errstate(over="ignore"):     # as render_frame() calls it: -1e50 casts to -inf
        p = softmax_columns(scores.copy())
    assert p.dtype == np.float32 and np.all(np.isfinite(p))
    np.testing.assert_array_equal(p[:, :2], [[0, 1], [1, 0], [0, 0]])
    np.testing.assert_allclose(p[:, 2], 1 / 3, rtol=1e-6)       # a three-way tie
    np.testing.assert_array_equal(p[:, 3], [1, 0, 0])
    np.testing.assert_array_equal(p[:, 4], [0, 0, 1])


# ---- 7. the frame's boundary object ---------------------------------------------------

@pytest.mark.parametrize("sizes,activation", [([2, 50, 3], "relu"), ([2, 20, 4], "tanh")])
def test_encode_is_rounded_probabilities(sizes, activation):
    net = perturbed_net(sizes, activation, seed=11)
    extent, R = [-2, 2, -1.5, 2.5], 64
    out = BoundaryGrid().encode(net, extent, R)
    C = sizes[-1]
    assert out["resolution"] == R and out["classes"] == C and out["encoding"] == "u8-probs"
    assert out["extent"] == [-2.0, 2.0, -1.5, 2.5]
    assert all(type(v) is float for v in out["extent"])
    u8 = decode(out)
    assert u8.shape == (R * R, C)
    want = np.rint(255 * BoundaryGrid.probabilities64(net, extent, R)).T
    np.testing.assert_array_equal(want, np.rint(255 * softmax(net.scores(grid_points(extent, R)))))
    assert np.abs(u8.astype(int) - want).max() <= 1
    sums = u8.sum(axis=1, dtype=int)
    assert np.all(np.abs(sums - 255) <= C)
    assert len(np.unique(u8.argmax(axis=1))) > 1       # the grid shows more than one class


# ---- 8. the extent around the data ----------------------------------------------------

@pytest.mark.parametrize("centre,scale", [((0, 0), 1.0), ((3.3, -7.1), 0.001), ((0.5, 0.5), 0.3),
                                          ((-20, 40), 10.0), ((1.0, 2.0), 0.9),
                                          ((0, 0), 100.0)])
def test_data_extent_is_a_square_around_the_points(centre, scale):
    rng = np.random.default_rng(int(scale * 1000))
    X = np.asarray(centre) + scale * rng.standard_normal((200, 2)) * [1.0, 0.4]
    xmin, xmax, ymin, ymax = data_extent(X)
    assert xmax - xmin == pytest.approx(ymax - ymin, rel=1e-12)
    span = float((X.max(axis=0) - X.min(axis=0)).max())
    margin = min(X[:, 0].min() - xmin, xmax - X[:, 0].max(),
                 X[:, 1].min() - ymin, ymax - X[:, 1].max())
    assert margin >= 0.04 * max(1.0, span), (margin, span)
    mid = (X.min(axis=0) + X.max(axis=0)) / 2
    assert xmax - xmin >= 2.0
    assert xmin <= mid[0] - 0.95 and xmax >= mid[0] + 0.95
    assert ymin <= mid[1] - 0.95 and ymax >= mid[1] + 0.95
