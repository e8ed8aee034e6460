"""Per-neuron maps: every map equals the forward pass at its grid point, to the byte's precision."""
from __future__ import annotations

import base64

import numpy as np
import pytest

from app.boundary import grid_axes
from app.features import FEATURES
from app.neurons import MAX_UNITS, decode_maps, encode_maps, most_active, neuron_maps
from app.nn import ACTIVATIONS, Network

EXTENT = [-1.5, 1.5, -1.0, 2.0]


def forward_at(net, features, x1, x2):
    """A hand-written forward pass at one point: the features, then each hidden layer's values."""
    point = np.array([[x1, x2]])
    h = np.array([FEATURES[name](point)[0] for name in features])
    act = {"relu": lambda z: np.maximum(z, 0), "tanh": np.tanh, "linear": lambda z: z,
           "sigmoid": lambda z: 1 / (1 + np.exp(-z)), "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z)}
    inputs, layers = h.copy(), []
    for w, b in net.layers[:-1]:
        h = act[net.activation](h @ w + b)
        layers.append(h)
    return inputs, layers


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [[5], [3, 8], [12, 4, 30]])
def test_every_map_matches_the_forward_pass_on_the_same_grid(activation, hidden):
    features = ["x1", "x2", "x1*x2", "sin(x2)"]
    net = Network.create([len(features), *hidden, 3], activation=activation, init="xavier", seed=len(hidden))
    for _, b in net.layers:
        b[:] = np.random.default_rng(3).standard_normal(b.shape) * 0.3
    R = 9
    view = neuron_maps(net, EXTENT, R, features)
    assert view["resolution"] == R and view["extent"] == EXTENT and view["encoding"] == "u8-range"
    assert view["inputs"]["names"] == features
    inputs = decode_maps(view["inputs"], R)
    layers = [decode_maps(layer, R) for layer in view["layers"]]
    xs, ys = grid_axes(EXTENT, R)
    for i in range(R):
        for j in range(R):
            exact_inputs, exact_layers = forward_at(net, features, xs[j], ys[i])
            tol = (np.asarray(view["inputs"]["hi"]) - view["inputs"]["lo"]) / 510 + 1e-12
            assert np.all(np.abs(inputs[:, i * R + j] - exact_inputs) <= tol)
            for layer, maps, exact in zip(view["layers"], layers, exact_layers):
                tol = (np.asarray(layer["hi"]) - layer["lo"]) / 510 + 1e-12
                assert np.all(np.abs(maps[:, i * R + j] - exact[layer["units"]]) <= tol)
    for layer, width in zip(view["layers"], hidden):
        assert layer["width"] == width
        assert len(layer["units"]) == min(width, MAX_UNITS) and layer["more"] == max(0, width - MAX_UNITS)


def test_a_wide_layer_sends_its_most_active_units_and_counts_the_rest():
    net = Network.create([2, 100, 3], activation="relu", init="xavier", seed=0)
    w, b = net.layers[0]
    b[:] = -10.0           # every unit dead on the plane ...
    b[[7, 42, 99]] = 0.0   # ... but three
    view = neuron_maps(net, EXTENT, 10)
    layer = view["layers"][0]
    assert layer["width"] == 100 and layer["more"] == 92 and len(layer["units"]) == 8
    assert {7, 42, 99} <= set(layer["units"])
    assert layer["units"] == sorted(layer["units"])


def test_most_active_ranks_by_mean_absolute_value():
    values = np.array([[0.0, 0.0], [1.0, -1.0], [0.1, 0.2], [-3.0, 0.0]])
    assert most_active(values, 2).tolist() == [1, 3]
    assert most_active(values, 8).tolist() == [0, 1, 2, 3]


def test_encoding_keeps_each_maps_own_range_and_flat_maps():
    maps = np.array([[0.0, 0.001, 0.002], [5.0, 5.0, 5.0], [-1.0, 0.0, 1.0]])
    enc = encode_maps(maps)
    assert enc["lo"] == [0.0, 5.0, -1.0] and enc["hi"] == [0.002, 5.0, 1.0]
    q = np.frombuffer(base64.b64decode(enc["data"]), np.uint8).reshape(3, 3)
    assert q.tolist() == [[0, 128, 255], [0, 0, 0], [0, 128, 255]]
