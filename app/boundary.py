"""The decision boundary: class probabilities on an R×R grid over the plane.

NumPy only. Row i of the grid is y_i = ymin + i·(ymax − ymin)/(R − 1) and
column j is x_j = xmin + j·(xmax − xmin)/(R − 1); tables are class-major,
(C, R·R) with entry [k, i·R + j] the value of class k at (x_j, y_i).

Two ways to the same numbers:

- **Exact and cheap** for the networks whose scores are piecewise linear in
  the plane with few pieces per row: no hidden layer, any depth of `linear`
  activation (one affine map), and one hidden layer of `relu` or
  `leaky_relu` — the playground's default. Along a row of the grid unit k's
  pre-activation z_k = a_k·x + d_k is a line, so its ReLU is zero on one side
  of the point where the line crosses 0 and linear on the other. A row's
  scores are then sums, over the units active at x_j, of a slope times x_j
  plus an offset; those sums change only where a unit switches on or off, so
  they are a running sum of one event per unit per row. That is O(R·(R + H))
  work per class instead of the O(R²·H) of a forward pass over the grid, and
  it is exact (float64): a grid point on a unit's crossing has z = 0, where
  the unit adds 0 whichever side it is counted on.
- **Dense** for every other network (sigmoid, tanh, two or more hidden layers
  of ReLU): a forward pass over the grid in float32 that still uses the
  grid's structure for the first layer: z[i, j] = x_j·W[0] + y_i·W[1] + b is
  a broadcast sum of two R×H tables. It works through blocks of rows whose
  hidden values fit one reused buffer of at most BLOCK_VALUES floats (8 MB),
  so a 200² grid through 1,024 units needs 8 MB, not 160.
"""
from __future__ import annotations

import base64
import math

import numpy as np

from .nn import Network, softmax
from .nn.layers import LEAKY_SLOPE, activation_forward

# Activations of the form f(z) = α·z + β·relu(z).
PIECEWISE_LINEAR = {
    "relu": (0.0, 1.0),
    "leaky_relu": (LEAKY_SLOPE, 1.0 - LEAKY_SLOPE),
    "linear": (1.0, 0.0),
}


def data_extent(X, pad=0.15, min_half=1.0):
    """A square box [xmin, xmax, ymin, ymax] around the points with a margin.

    Square so that the plane is not stretched; at least ±min_half around the
    centre so that a few points do not fill the view.
    """
    lo, hi = X.min(axis=0), X.max(axis=0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * (1 + pad), min_half)
    half = math.ceil(half * 10) / 10  # round numbers on the axes
    cx, cy = (round(float(c), 1) for c in centre)
    return [cx - half, cx + half, cy - half, cy + half]


def grid_axes(extent, resolution, dtype=np.float64):
    """(x_j, y_i): the grid's column and row coordinates."""
    xmin, xmax, ymin, ymax = extent
    return (np.linspace(xmin, xmax, resolution, dtype=dtype),
            np.linspace(ymin, ymax, resolution, dtype=dtype))


def softmax_columns(scores):
    """Softmax over axis 0 of a (C, N) table (changed in place), as float32.

    float32 because NumPy's exp is SIMD for float32 only (about 3× faster here)
    and probabilities drawn as bytes need no more; the max is taken out first
    in the scores' own precision, so nothing overflows.
    """
    scores -= scores.max(axis=0)
    with np.errstate(over="ignore"):  # a score far below the max becomes −inf, then p = 0
        shifted = scores.astype(np.float32)
    np.exp(shifted, out=shifted)
    shifted /= shifted.sum(axis=0)
    return shifted


def collapse_affine(layers):
    """One (W, b) equal to a chain of affine layers with nothing between them."""
    w, b = layers[0]
    for w_next, b_next in layers[1:]:
        w, b = w @ w_next, b @ w_next + b_next
    return w, b


def has_exact_scores(net: Network):
    """Whether exact_scores() handles this network."""
    return (len(net.layers) == 1 or net.activation == "linear"
            or (len(net.layers) == 2 and net.activation in PIECEWISE_LINEAR))


def grid_work(net: Network, resolution):
    """About how many multiply-adds the boundary of ``net`` takes at this
    resolution: R·(R + H)·C on the exact path, R²·(H₁ + Σ fan_in·fan_out of
    the later layers) on the dense one. For telling slow frames in advance."""
    sizes, R = net.sizes, resolution
    if has_exact_scores(net):
        return R * (R + sum(sizes[1:-1])) * sizes[-1]
    return R * R * (sizes[1] + sum(a * b for a, b in zip(sizes[1:-1], sizes[2:])))


def exact_scores(net: Network, extent, resolution):
    """(C, R·R) float64 scores on the grid, up to a per-point shift (class 0's
    score is subtracted from every class: softmax does not see it).

    For the networks has_exact_scores() accepts; see the module docstring.
    """
    xs, ys = grid_axes(extent, resolution)
    layers = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in net.layers]
    ramps = None
    if len(layers) == 1 or net.activation == "linear":
        w, b = relative_to_class_0(*collapse_affine(layers))
    else:
        (w_in, b_in), (w_out, b_out) = layers
        w_out, b_out = relative_to_class_0(w_out, b_out)
        alpha, beta = PIECEWISE_LINEAR[net.activation]
        # relu(z) = z + relu(−z): a unit whose z falls along x is a linear term
        # plus a ramp that rises along x, so every ramp rises (or is flat).
        flip = np.where(w_in[0] < 0, -1.0, 1.0)
        linear = (alpha + beta * (flip < 0))[:, None] * w_out   # (H, C'): what passes linearly
        w, b = w_in @ linear, b_in @ linear + b_out
        if beta:
            ramps = (w_in * flip, b_in * flip, beta * w_out)
    R, C1 = resolution, w.shape[1]
    out = np.empty((C1 + 1, R, R))
    out[0] = 0.0
    rel = out[1:]
    rel[:] = b[:, None, None]
    rel += w[0][:, None, None] * xs
    rel += w[1][:, None, None] * ys[:, None]
    if ramps is not None:
        rel += _ramps(*ramps, xs, ys)
    return out.reshape(C1 + 1, R * R)


def relative_to_class_0(w, b):
    """The weights of the score differences s_k − s_0, k ≥ 1: one class fewer
    to compute, and nothing that softmax would cancel."""
    return w[:, 1:] - w[:, :1], b[1:] - b[0]


def _ramps(w_in, b_in, w_out, xs, ys, max_values=1 << 20):
    """(C', R, R): Σ_k w_out[k] · relu(a_k·x_j + b_k·y_i + c_k) for a_k ≥ 0
    ((a, b) = w_in, c = b_in), as running sums along each row (see the module
    docstring), in blocks of rows of at most about max_values events."""
    a = w_in[0]
    # Below 1e-200 a unit counts as flat: its a·x is negligible, and its
    # crossing column −d/(a·dx) could overflow.
    rising = a > 1e-200
    flat = None
    if not rising.all():  # z ≈ b·y + c: on or off along the whole row
        flat = (w_in[1, ~rising], b_in[~rising], w_out[~rising])
        w_in, b_in, w_out = w_in[:, rising], b_in[rising], w_out[rising]
    R, H, n = len(ys), len(b_in), 2 * w_out.shape[1]
    blocks, per_block = scan_blocks(R + 1)  # column R: past the row
    out = np.empty((n // 2, R, blocks, per_block))
    rows = max(1, min(R, max_values // max(1, H * n)))
    for i in range(0, R, rows):
        _ramp_rows(w_in, b_in, w_out, xs, ys[i:i + rows], flat, out[:, i:i + rows])
    return out.reshape(n // 2, R, -1)[:, :, :R]


def _ramp_rows(w_in, b_in, w_out, xs, ys, flat, out):
    """_ramps for the rows at heights ys, units rising along x, into
    out (C', rows, blocks, per_block): column j = block·per_block + k."""
    (a, b), c = w_in, b_in
    rows, R, C1 = len(ys), len(xs), w_out.shape[1]
    m = 2 * C1 * rows  # running sums per column: C1 slopes (of x_j), C1 offsets, per row
    blocks, per_block = out.shape[2:]
    d = np.multiply.outer(ys, b)
    d += c                                      # (rows, H): z_k = a_k·x + d_k on a row
    # z_k > 0 from column τ = (−d_k/a_k − x_0)/dx on: the unit's ramp starts at
    # column j = ⌊τ⌋ + 1 (at an integer τ, column τ has z = 0 and adds nothing
    # either way). Column R stands for all the columns past the row.
    dx = (xs[-1] - xs[0]) / (R - 1)
    column = np.multiply(d, -1.0 / (a * dx))
    column += 1 - xs[0] / dx
    np.floor(column, out=column)
    np.clip(column, 0, R, out=column)
    # Each ramp adds a_k·w_k to the slope and d_k·w_k to the offset from its
    # column on: one event per unit and row, in a table [k, block, sum, row]
    # where column j = block·per_block + k (see running_sum()).
    block = column + 0.5  # ⌊(j + ½)/per_block⌋: exact, where ⌊j/per_block⌋ in floats may not be
    block *= 1.0 / per_block
    np.floor(block, out=block)
    column -= block * per_block
    column *= blocks * m
    block *= m
    column += block
    column += np.arange(rows)[:, None]
    index = np.add.outer(np.arange(0, m, rows), column.astype(np.intp))   # (2·C1, rows, H)
    events = np.empty(index.shape)
    events[:C1] = (a * w_out.T)[:, None, :]
    np.multiply(w_out.T[:, None, :], d, out=events[C1:])
    # (astype: with no event at all bincount answers in integers)
    table = np.bincount(index.ravel(), events.ravel(), blocks * per_block * m).astype(float, copy=False)
    table = table.reshape(per_block, blocks, 2 * C1, rows)
    if flat is not None:
        b0, c0, w0 = flat
        table[0, 0, C1:] += (np.maximum(np.multiply.outer(ys, b0) + c0, 0) @ w0).T
    running_sum(table)
    x = np.zeros(blocks * per_block)
    x[:R] = xs
    # out[class, row, block, k] = slope·x_j + offset
    np.multiply(table[:, :, :C1].transpose(2, 3, 1, 0), x.reshape(blocks, per_block), out=out)
    out += table[:, :, C1:].transpose(2, 3, 1, 0)


def scan_blocks(n):
    """(blocks, per_block) with blocks·per_block ≥ n, both about √n."""
    per_block = math.isqrt(max(n - 1, 0)) + 1
    return -(-n // per_block), per_block


def running_sum(t):
    """In place, the cumulative sum of t (per_block, blocks, ...) along the
    sequence t[0, 0], t[1, 0], …, t[per_block − 1, 0], t[0, 1], …: within each
    block, then each block's total carried into the later blocks. About 2·√n
    whole-array NumPy operations for a sequence of n, where a loop takes n and
    np.cumsum goes element by element. (Each operation reads and writes
    separate slabs: NumPy copies operands it finds overlapping.)"""
    for k in range(1, t.shape[0]):
        t[k] += t[k - 1]
    last = t[-1]
    for j in range(1, t.shape[1]):
        last[j] += last[j - 1]
    t[:-1, 1:] += last[:-1]


class BoundaryGrid:
    """Class probabilities on the grid, with the dense path's reused buffer."""

    BLOCK_VALUES = 1 << 21

    def __init__(self):
        self.buffer = np.empty(0, dtype=np.float32)

    def _block(self, size):
        if self.buffer.size < size:
            self.buffer = np.empty(size, dtype=np.float32)
        return self.buffer[:size]

    def probabilities(self, net: Network, extent, resolution):
        """(C, R·R): p_k at each grid point, by the cheapest exact path.

        Class-major because softmax over a short last axis is slow in NumPy;
        over the first axis it is a few whole-row operations.
        """
        if has_exact_scores(net):
            probs = softmax_columns(exact_scores(net, extent, resolution))
        else:
            probs = self.dense_probabilities(net, extent, resolution)
        if not np.isfinite(probs).all():  # overflowed (weights near divergence): plain float64
            probs = self.probabilities64(net, extent, resolution)
        return probs

    def dense_probabilities(self, net: Network, extent, resolution):
        """(C, R·R) float32 from a forward pass over the grid in row blocks."""
        R = resolution
        w0, b0 = (a.astype(np.float32) for a in net.layers[0])
        layers = [(w.astype(np.float32), b.astype(np.float32)) for w, b in net.layers[1:]]
        width = w0.shape[1]
        xs, ys = grid_axes(extent, R, np.float32)
        along_x = xs[:, None] * w0[0]
        along_y = ys[:, None] * w0[1] + b0
        rows = max(1, min(R, self.BLOCK_VALUES // (R * width)))
        buffer = self._block(rows * R * width)
        scores = np.empty((net.layers[-1][0].shape[1], R * R), dtype=np.float32)
        for i in range(0, R, rows):
            n = min(rows, R - i)
            z = buffer[:n * R * width].reshape(n, R, width)
            h = np.add(along_y[i:i + n, None, :], along_x[None, :, :], out=z).reshape(n * R, width)
            for w, b in layers:
                if net.activation == "relu":
                    np.maximum(h, 0, out=h)  # in place: h is a buffer of our own
                else:
                    h, _ = activation_forward(net.activation, h)
                h = h @ w + b
            scores[:, i * R:(i + n) * R] = h.T
        return softmax_columns(scores)

    @staticmethod
    def probabilities64(net: Network, extent, resolution):
        """The same (C, R·R) table from a plain float64 forward over the grid:
        the reference, and the fallback where float32 overflows."""
        xs, ys = grid_axes(extent, resolution)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        return softmax(net.scores(grid)).T

    def encode(self, net, extent, resolution):
        """The frame's `boundary` object: round(255·p) as base64 bytes, (R·R, C) row-major."""
        probs = self.probabilities(net, extent, resolution)
        probs *= 255
        probs += 0.5  # then truncating to u8 rounds: p ≥ 0
        u8 = probs.T.astype(np.uint8)
        return {
            "resolution": resolution,
            "extent": [float(v) for v in extent],
            "classes": int(probs.shape[0]),
            "encoding": "u8-probs",
            "data": base64.b64encode(u8.tobytes(order="C")).decode("ascii"),
        }
