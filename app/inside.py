"""What a live session shows of the inside of its network, and the one edit a student may make by hand.

NumPy only (with the other pure modules):

- ``neurons_view``: the per-neuron maps (app/neurons.py) plus the edges the
  diagram draws between the drawn units: each affine layer's weights, biases
  and last gradients restricted to the drawn units (inputs: every feature;
  outputs: every class or target).
- ``field_view``: the plane's colours when the fast boundary does not apply:
  class probabilities ("u8-probs", as the boundary) for a network on feature
  inputs, or the predicted value ("u8-values") for regression.
- ``set_parameter``: one weight or bias set to a typed value, in place.
- ``model_payload``: the network as REST v1 writes a model.
"""
from __future__ import annotations

import base64
import math

import numpy as np

from .boundary import grid_axes
from .features import feature_matrix
from .neurons import MAP_RESOLUTION, neuron_maps
from .nn import Network, parameter_count, softmax

VALUE_RANGE = (-1.0, 1.0)   # regression targets; predictions are clipped to it for colour
GRID_BLOCK_POINTS = 4096    # grid points per forward pass (bounds the hidden values held at once)
MAX_EDIT = 1e3              # |value| a hand edit may set


def neurons_view(net: Network, extent, features, grads=None, resolution=MAP_RESOLUTION):
    """The frame's `neurons` view: neuron_maps(...) plus `edges`, one entry per affine layer l:
    {"rows": drawn inputs of l, "cols": drawn outputs of l, "W", "b", and "dW", "db" when grads
    (the last step's [(dW, db)]) are given}, and `parameters` {"total", "arithmetic"}."""
    view = neuron_maps(net, extent, resolution, features)
    drawn = [list(range(len(features)))] + [layer["units"] for layer in view["layers"]]
    drawn.append(list(range(net.sizes[-1])))
    edges = []
    for l, (w, b) in enumerate(net.layers):
        rows, cols = drawn[l], drawn[l + 1]
        edge = {"rows": rows, "cols": cols, "W": _finite(w[np.ix_(rows, cols)]), "b": _finite(b[cols])}
        if grads is not None:
            dw, db = grads[l]
            edge["dW"], edge["db"] = _finite(dw[np.ix_(rows, cols)]), _finite(db[cols])
        edges.append(edge)
    view["edges"] = edges
    view["parameters"] = parameter_count(net.sizes)
    return view


def _finite(a):
    """A nested list of floats, None where not finite (a diverged network)."""
    a = np.asarray(a, dtype=np.float64)
    if np.isfinite(a).all():
        return a.tolist()
    if a.ndim > 1:
        return [_finite(row) for row in a]
    return [float(v) if math.isfinite(v) else None for v in a]


def grid_scores(net: Network, extent, resolution, features):
    """(R·R, C) float64 scores at the grid points (row by row), through the features, in blocks."""
    xs, ys = grid_axes(extent, resolution)
    gx, gy = np.meshgrid(xs, ys)
    points = np.column_stack([gx.ravel(), gy.ravel()])
    layers = [(np.asarray(w, np.float64), np.asarray(b, np.float64)) for w, b in net.layers]
    net64 = Network(layers, net.activation)
    block = max(1, GRID_BLOCK_POINTS * 64 // max(64, max(net.sizes[1:])))
    scores = np.empty((len(points), net.sizes[-1]))
    for start in range(0, len(points), block):
        scores[start:start + block] = net64.scores(feature_matrix(points[start:start + block], features))
    return scores


def field_view(net: Network, extent, resolution, features, regression):
    """The frame's `boundary` from a float64 forward pass over the grid.

    Classification: "u8-probs" exactly as the boundary (round(255·p), (R, R, C)).
    Regression: "u8-values", (R, R, K) bytes round(255·(v − lo)/(hi − lo)) of the
    prediction v clipped to `range` [lo, hi] = [−1, 1], the targets' range.
    """
    with np.errstate(all="ignore"):
        scores = grid_scores(net, extent, resolution, features)
        if regression:
            lo, hi = VALUE_RANGE
            values = (np.clip(np.nan_to_num(scores, nan=0.0), lo, hi) - lo) * (255 / (hi - lo))
            encoding = {"encoding": "u8-values", "range": [lo, hi]}
        else:
            values = np.nan_to_num(softmax(scores), nan=0.0) * 255
            encoding = {"encoding": "u8-probs"}
    u8 = (values + 0.5).astype(np.uint8)
    return {
        "resolution": resolution,
        "extent": [float(v) for v in extent],
        "classes": int(scores.shape[1]),
        **encoding,
        "data": base64.b64encode(u8.tobytes(order="C")).decode("ascii"),
    }


class ParamError(ValueError):
    """A hand edit that does not fit the network; names the message field at fault."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def set_parameter(net: Network, layer, name, index, value):
    """Set W[i, j] (index [i, j]) or b[j] (index [j]) of affine layer ``layer`` (0 = first) in place."""
    if not 0 <= layer < len(net.layers):
        raise ParamError("layer", f"layer must be between 0 and {len(net.layers) - 1}")
    if not (isinstance(value, (int, float)) and math.isfinite(value) and abs(value) <= MAX_EDIT):
        raise ParamError("value", f"value must be a finite number between -{MAX_EDIT:g} and {MAX_EDIT:g}")
    w, b = net.layers[layer]
    target = w if name == "W" else b
    if len(index) != target.ndim:
        raise ParamError("index", f"index of {name} has {target.ndim} number{'s' if target.ndim > 1 else ''}")
    for k, (i, size) in enumerate(zip(index, target.shape)):
        if not 0 <= i < size:
            raise ParamError("index", f"index[{k}] must be between 0 and {size - 1}")
    target[tuple(index)] = value


def model_payload(net: Network):
    """{"activation", "layers": [{"W", "b"}, ...]}: the network as a REST v1 model."""
    return {"activation": net.activation,
            "layers": [{"W": _finite(w), "b": _finite(b)} for w, b in net.layers]}
