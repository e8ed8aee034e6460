"""Per-neuron maps: what every input feature and hidden unit computes over the plane.

NumPy only. The grid is the boundary's (app/boundary.py): cell (i, j) is the
point (x_j, y_i) = (xmin + j·(xmax − xmin)/(R − 1), ymin + i·(ymax − ymin)/(R − 1)),
maps are stored row by row (index i·R + j), usually at a coarser R than the
boundary's (a map is drawn a few dozen pixels wide).

A layer of at most MAX_UNITS units is sent in full; a wider one sends its
MAX_UNITS most active units (largest mean |activation| over the grid: a dead
ReLU, flat 0, is the least active) and says how many it left out. Each map
is encoded as bytes over its own range [lo, hi]: value ≈ lo + q·(hi − lo)/255,
at most (hi − lo)/510 from the exact one, so a unit that varies by 0.001 is
as visible as one that varies by 10.
"""
from __future__ import annotations

import base64
from functools import lru_cache

import numpy as np

from .boundary import grid_axes
from .features import DEFAULT_FEATURES, feature_matrix
from .nn import Network

MAX_UNITS = 8
MAP_RESOLUTION = 20


def grid_points(extent, resolution):
    """(R·R, 2) float64: the grid's points row by row, (x_j, y_i) at index i·R + j."""
    xs, ys = grid_axes(extent, resolution)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


@lru_cache(maxsize=16)
def _grid_inputs(extent, resolution, features):
    """The features of the grid points (R·R, F) and their encoded maps: the same for
    every frame of a session until its extent or features change, so kept."""
    inputs = feature_matrix(grid_points(extent, resolution), features)
    inputs.setflags(write=False)
    return inputs, encode_maps(inputs.T)


def grid_fields(net: Network, extent, resolution, features=DEFAULT_FEATURES):
    """(inputs (F, R·R), [hidden layer l (H_l, R·R)], scores (C, R·R)), float64.

    The features of each grid point, then a forward pass of the network over them.
    """
    inputs = _grid_inputs(tuple(extent), resolution, tuple(features))[0]
    layers = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in net.layers]
    scores, cache = Network(layers, net.activation).forward(inputs)
    return inputs.T, [h.T for h in Network.hidden(cache)], scores.T


def most_active(values, k=MAX_UNITS):
    """Indices (ascending) of the k rows of values (H, P) with the largest mean |value|."""
    if len(values) <= k:
        return np.arange(len(values))
    strength = np.abs(values).mean(axis=1)
    return np.sort(np.argsort(-strength, kind="stable")[:k])


def encode_maps(maps):
    """{"lo", "hi", "data"}: each row of maps (U, P) as P bytes round(255·(v − lo)/(hi − lo)),
    rows one after another, base64. A flat map (hi = lo) is all zeros."""
    maps = np.asarray(maps, dtype=np.float64)
    lo, hi = maps.min(axis=1), maps.max(axis=1)
    span = hi - lo
    scale = np.divide(255.0, span, out=np.zeros_like(span), where=span > 0)
    q = ((maps - lo[:, None]) * scale[:, None] + 0.5).astype(np.uint8)
    return {"lo": lo.tolist(), "hi": hi.tolist(), "data": base64.b64encode(q.tobytes()).decode("ascii")}


def decode_maps(encoded, resolution):
    """The inverse of encode_maps, to the byte's precision: (U, R·R) float64."""
    q = np.frombuffer(base64.b64decode(encoded["data"]), np.uint8).reshape(-1, resolution * resolution)
    lo, hi = np.asarray(encoded["lo"]), np.asarray(encoded["hi"])
    return lo[:, None] + q * ((hi - lo) / 255)[:, None]


def neuron_maps(net: Network, extent, resolution=MAP_RESOLUTION, features=DEFAULT_FEATURES, max_units=MAX_UNITS):
    """The frame's `neurons` view: every feature's map and each hidden layer's drawn units' maps.

    {"resolution", "extent", "encoding": "u8-range",
     "inputs": {"names", "lo", "hi", "data"},
     "layers": [{"width", "units": [unit indices drawn], "more": width − drawn, "lo", "hi", "data"}]}
    """
    _, hidden, _ = grid_fields(net, extent, resolution, features)
    layers = []
    for values in hidden:
        units = most_active(values, max_units)
        layers.append({"width": len(values), "units": units.tolist(), "more": len(values) - len(units),
                       **encode_maps(values[units])})
    return {
        "resolution": resolution,
        "extent": [float(v) for v in extent],
        "encoding": "u8-range",
        "inputs": {"names": list(features), **_grid_inputs(tuple(extent), resolution, tuple(features))[1]},
        "layers": layers,
    }
