"""Network health: each hint is produced by a real network in its situation."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from app.datasets import make_dataset
from app.health import dead_fraction, layer_figures, network_health, saturated_fraction
from app.nn import Network, make_optimizer

I18N = Path(__file__).resolve().parents[1] / "static" / "i18n"


@pytest.fixture(scope="module")
def spiral():
    ds = make_dataset("spiral", n=300, classes=3, seed=0)
    return ds.X, ds.y


def train(net, X, y, optimizer="sgd", lr=1.0, steps=100, init="small", reg=5e-4):
    """Train full batch for ``steps``; the health of the last step."""
    opt, losses = make_optimizer(optimizer), []
    for _ in range(steps):
        res = net.loss(X, y, "softmax", reg)
        losses.append(res.total)
        before = [w.copy() for w in net.weights]
        opt.step(net.params, [g for pair in res.grads for g in pair], lr)
    updates = [w - b for w, b in zip(net.weights, before)]
    return network_health(net.weights, [dw for dw, _ in res.grads], res.hidden, net.activation, losses,
                          optimizer, lr, init, updates, first_loss=losses[0])


def hint_key(health):
    return health["hint"]["key"].rsplit(".", 1)[1] if health["hint"] else None


def test_a_healthy_run_has_no_hint_and_a_rule_of_thumb_update_ratio(spiral):
    health = train(Network.create([2, 100, 3], "relu", "small", 0), *spiral, lr=1.0, steps=100)
    assert health["hint"] is None
    first, second = health["layers"]
    assert first["layer"] == 1 and second["layer"] == 2
    assert 1e-4 < first["update_ratio"] < 1e-1 and first["grad_norm"] > 0
    assert first["dead"] < 0.5 and first["saturated"] is None and second["dead"] is None


def test_learning_rate_10_oscillates(spiral):
    health = train(Network.create([2, 100, 3], "relu", "small", 0), *spiral, lr=10.0, steps=200)
    assert health["hint"] == {"key": "engine.health.hint.lr_high", "vars": {"lr": 10.0}}


def test_adam_at_learning_rate_1(spiral):
    health = train(Network.create([2, 100, 3], "relu", "small", 0), *spiral, optimizer="adam", lr=1.0, steps=50)
    assert hint_key(health) == "adam_lr" and health["hint"]["vars"] == {"lr": 1.0}
    # and what it did: most ReLUs died
    assert health["layers"][0]["dead"] > 0.5


def test_three_layers_with_small_init_vanish(spiral):
    net = Network.create([2, 100, 100, 100, 3], "tanh", "small", 0)
    health = train(net, *spiral, lr=1.0, steps=40)
    assert hint_key(health) == "vanishing_small_init"
    assert health["hint"]["vars"]["layer"] == 1 and health["hint"]["vars"]["layers"] == 3
    assert health["hint"]["vars"]["power"] <= -5
    assert health["hint"]["vars"]["magnitude"] == "10" + str(health["hint"]["vars"]["power"]).translate(
        str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    # the same network with He init learns
    assert train(Network.create([2, 100, 100, 100, 3], "tanh", "he", 0), *spiral, lr=0.1, steps=40,
                 init="he")["hint"] is None


def test_most_relus_die_at_learning_rate_5(spiral):
    health = train(Network.create([2, 100, 3], "relu", "small", 0), *spiral, lr=5.0, steps=300)
    assert hint_key(health) == "dead"
    assert health["hint"]["vars"]["layer"] == 1 and health["hint"]["vars"]["percent"] >= 90
    assert health["hint"]["vars"]["percent"] == round(100 * health["layers"][0]["dead"])


def test_large_first_layer_weights_saturate_tanh(spiral):
    net = Network.create([2, 16, 3], "tanh", "xavier", 0)
    net.layers[0][0][:] *= 100       # a student typed large weights
    health = train(net, *spiral, lr=0.01, steps=5, init="xavier")
    assert hint_key(health) == "saturated"
    assert health["hint"]["vars"]["layer"] == 1 and health["hint"]["vars"]["percent"] >= 50


def test_dead_and_saturated_fractions_by_hand():
    h = np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    assert dead_fraction(h) == pytest.approx(2 / 3)
    t = np.array([[0.995, 0.5], [-0.999, 0.2]])  # unit 0 flat on both rows, unit 1 on neither
    assert saturated_fraction(t, "tanh") == 0.5
    s = np.array([[0.001, 0.5], [0.999, 0.5]])
    assert saturated_fraction(s, "sigmoid") == 0.5


def test_update_ratio_is_the_norm_of_the_step_over_the_weights():
    W = np.array([[3.0, 4.0]])
    rows = layer_figures([W], [np.array([[0.0, 2.0]])], [], "relu", updates=[np.array([[0.03, 0.04]])])
    assert rows == [{"layer": 1, "grad_norm": 2.0, "update_ratio": pytest.approx(0.01), "dead": None,
                     "saturated": None}]


@pytest.mark.parametrize("key", ["adam_lr", "lr_high", "vanishing", "vanishing_small_init", "dead", "saturated"])
def test_every_hint_is_worded_in_both_languages(key):
    for lang in ("en", "zh"):
        text = json.loads((I18N / f"{lang}.json").read_text())["engine.health.hint." + key]
        assert text.strip()


def test_a_converged_deep_network_is_not_called_vanishing():
    """Flat loss and tiny gradients after learning: converged, not stuck."""
    ds = make_dataset("plane", n=200, seed=0)
    net = Network.create([2, 8, 8, 1], "tanh", "xavier", 0)
    opt, losses = make_optimizer("sgd"), []
    for _ in range(3000):
        res = net.loss(ds.X, ds.y, "mse")
        losses.append(res.total)
        opt.step(net.params, [g for pair in res.grads for g in pair], 0.1)
    health = network_health(net.weights, [dw for dw, _ in res.grads], res.hidden, "tanh", losses, "sgd", 0.1,
                            "xavier", first_loss=losses[0])
    assert losses[-1] < 0.1 * losses[0] and health["hint"] is None


def test_weights_typed_small_vanish_whatever_the_init(spiral):
    """Xavier init (std 0.1 for 100 inputs), then every weight scaled by hand to a tenth, about
    0.01: the same vanishing, and the hint does not blame the init."""
    net = Network.create([2, 100, 100, 100, 3], "tanh", "xavier", 0)
    for w, _ in net.layers:
        w *= 0.1
    health = train(net, *spiral, lr=1.0, steps=40, init="xavier")
    assert hint_key(health) == "vanishing" and health["hint"]["vars"]["layers"] == 3
