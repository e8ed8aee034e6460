"""TrainingSession without the web: steps, epochs, history, learning, config, probe, frames."""
from __future__ import annotations

import base64
import json
import math
import time

import numpy as np
import pytest

from app.datasets import make_dataset
from app.nn import Network, softmax
from app.schemas import Frame, ProbeResult
from app.training import (
    HISTORY_KEYS,
    HISTORY_LIMIT,
    History,
    TrainingConfig,
    TrainingSession,
    check_config,
    ConfigError,
    merge_config,
)
from app.protocol import json_with_data, to_json


def strict_json(obj):
    """Serialise as the server does: NaN or Infinity anywhere is an error."""
    return json.dumps(obj, allow_nan=False)


def fresh_net(config: TrainingConfig) -> Network:
    return Network.create([2, *config.hidden_sizes, config.classes], config.activation,
                          config.init, config.seed)


def assert_same_net(a: Network, b: Network):
    assert a.activation == b.activation
    assert len(a.layers) == len(b.layers)
    for (wa, ba), (wb, bb) in zip(a.layers, b.layers):
        np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(ba, bb)


# ---- the defaults and the data ------------------------------------------------

def test_defaults_are_the_cs231n_case_study():
    c = TrainingConfig()
    assert c.to_dict() == {
        "dataset": "spiral", "n_points": 300, "classes": 3, "noise": 0.2,
        "test_fraction": 0.2, "seed": 0, "hidden_sizes": [100], "activation": "relu",
        "init": "small", "loss": "softmax", "margin": 1.0, "reg": 5e-4,
        "learning_rate": 1.0, "batch_size": 0, "optimizer": "sgd", "speed": 0.0,
        "fps": 30.0, "grid_resolution": 100,
        "regularization": "l2", "features": ["x1", "x2"], "neurons": False, "health": True,
    }


def test_points_are_the_dataset_generator_and_the_network_the_seeded_init():
    t = TrainingSession()
    ds = make_dataset("spiral", n=300, classes=3, noise=0.2, seed=0, test_fraction=0.2)
    np.testing.assert_array_equal(t.dataset.X, ds.X)
    np.testing.assert_array_equal(t.dataset.y, ds.y)
    np.testing.assert_array_equal(t.dataset.test, ds.test)
    assert len(t.y_train) == 240 and len(t.y_test) == 60
    assert_same_net(t.net, Network.create([2, 100, 3], "relu", "small", 0))
    assert (t.step_count, t.epoch, t.status, t.running) == (0, 0, "ok", False)


# ---- steps and epochs ------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 7, 250])
def test_train_runs_exactly_n_steps(n):
    t = TrainingSession()
    assert t.train(n) == n
    assert t.step_count == n
    assert t.train(3) == 3
    assert t.step_count == n + 3


def test_train_stops_at_the_deadline():
    t = TrainingSession()
    start = time.perf_counter()
    done = t.train(10**9, deadline=start + 0.05)
    assert 1 <= done < 10**9
    assert t.step_count == done


def test_a_step_is_one_sgd_update_of_the_total_loss():
    t = TrainingSession(TrainingConfig(hidden_sizes=[5], learning_rate=0.5, reg=0.01))
    before = t.net.copy()
    res = before.loss(t.X_train, t.y_train, "softmax", 0.01, 1.0)
    t.train(1)
    for (w0, b0), (dw, db), (w1, b1) in zip(before.layers, res.grads, t.net.layers):
        np.testing.assert_allclose(w1, w0 - 0.5 * dw, rtol=0, atol=1e-15)
        np.testing.assert_allclose(b1, b0 - 0.5 * db, rtol=0, atol=1e-15)


def test_full_batch_epoch_is_one_step():
    t = TrainingSession(TrainingConfig(hidden_sizes=[10]))
    t.train(17)
    assert t.epoch == 17


def test_mini_batch_32_on_240_training_points_takes_8_steps_per_epoch():
    t = TrainingSession(TrainingConfig(hidden_sizes=[10], batch_size=32))
    assert len(t.y_train) == 240
    t.train(7)
    assert t.epoch == 0          # 7 × 32 = 224 < 240
    t.train(1)
    assert t.epoch == 1          # the 8th step takes the last 16
    t.train(80 - 8)
    assert t.epoch == 10
    t.train(3)
    assert (t.step_count, t.epoch) == (83, 10)


def test_plain_sgd_batch_size_one_counts_an_epoch_per_training_point():
    t = TrainingSession(TrainingConfig(hidden_sizes=[4], batch_size=1))
    t.train(240 * 2 + 5)
    assert t.epoch == 2


# ---- history ---------------------------------------------------------------------

def test_history_records_every_step_at_first_and_hands_out_only_new_points():
    t = TrainingSession(TrainingConfig(hidden_sizes=[10]))
    t.train(5)
    batch = t.history.take_unsent()
    assert set(batch) == set(HISTORY_KEYS)
    assert batch["step"] == [1, 2, 3, 4, 5]
    for k in HISTORY_KEYS:
        assert len(batch[k]) == 5
    for d, r, tot in zip(batch["data_loss"], batch["reg_loss"], batch["total"]):
        assert tot == pytest.approx(d + r, rel=1e-12)
        assert r > 0
    assert all(0 <= a <= 1 for a in batch["train_accuracy"] + batch["test_accuracy"])
    t.train(2)
    assert t.history.take_unsent()["step"] == [6, 7]
    assert t.history.take_unsent()["step"] == []


def test_history_values_are_the_losses_after_each_step():
    """A full-batch point is the step's own forward pass: the loss before its update."""
    c = TrainingConfig(hidden_sizes=[10])
    t = TrainingSession(c)
    net = fresh_net(c)
    res = net.loss(t.X_train, t.y_train, "softmax", c.reg, c.margin)
    t.train(1)
    batch = t.history.take_unsent()
    assert batch["data_loss"][0] == pytest.approx(res.data_loss, rel=1e-12)
    assert batch["reg_loss"][0] == pytest.approx(res.reg_loss, rel=1e-12)
    assert batch["train_accuracy"][0] == pytest.approx(
        float((res.scores.argmax(1) == t.y_train).mean()))


def test_history_is_thinned_but_stays_bounded_and_ordered():
    h = History()
    for s in range(1, 100_001):
        if h.due(s):
            h.record(step=s, data_loss=1.0, reg_loss=0.5, total=1.5,
                     train_accuracy=0.5, test_accuracy=None)
    assert len(h) <= HISTORY_LIMIT + 1
    steps = h.points["step"]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)
    assert steps[-1] > 90_000       # the recent end is kept
    assert len(h) > HISTORY_LIMIT / 4  # and it is not thinned to nothing


def test_history_after_10000_steps_of_a_tiny_network():
    t = TrainingSession(TrainingConfig(hidden_sizes=[2]))
    unsent = []
    for _ in range(10):
        t.train(1000)
        unsent += t.history.take_unsent()["step"]
    assert t.step_count == 10_000
    assert len(t.history) <= HISTORY_LIMIT + 1
    assert t.history.stride > 1
    kept = t.history.points["step"]
    assert kept == sorted(kept) and kept[-1] <= 10_000
    assert kept[-1] >= 10_000 - t.history.stride
    # every recorded point was handed out exactly once, in order
    assert unsent == sorted(set(unsent)) and unsent[:5] == [1, 2, 3, 4, 5]
    assert set(kept) <= set(unsent)


# ---- learning --------------------------------------------------------------------

def test_spiral_two_layer_net_reaches_95_percent_within_5000_steps():
    t = TrainingSession(TrainingConfig(hidden_sizes=[100], activation="relu", learning_rate=1.0,
                                       reg=5e-4, batch_size=0))
    train_acc = 0.0
    while t.step_count < 5000:
        t.train(200)
        _, _, train_acc, _ = t.evaluate()
        if train_acc >= 0.95:
            break
    assert train_acc >= 0.95, (t.step_count, train_acc)
    assert t.status == "ok"


def test_linear_model_cannot_separate_the_spiral():
    t = TrainingSession(TrainingConfig(hidden_sizes=[]))
    t.train(2000)
    data, reg, train_acc, test_acc = t.evaluate()
    assert t.status == "ok"
    assert len(t.net.layers) == 1
    assert train_acc <= 0.65
    assert train_acc > 0.4          # it does learn something
    assert math.isfinite(data + reg)


# ---- config ----------------------------------------------------------------------

LIVE = [("learning_rate", 0.5), ("reg", 1e-3), ("loss", "svm"), ("margin", 2.0),
        ("batch_size", 32), ("optimizer", "adam"), ("speed", 100.0), ("fps", 20.0),
        ("grid_resolution", 50)]
RESET = [("dataset", "circles"), ("n_points", 200), ("classes", 4), ("noise", 0.1), ("seed", 3),
         ("test_fraction", 0.3), ("hidden_sizes", [10, 10]), ("activation", "tanh"),
         ("init", "xavier")]


@pytest.mark.parametrize("field,value", LIVE)
def test_live_fields_keep_the_network_and_the_step(field, value):
    t = TrainingSession(TrainingConfig(hidden_sizes=[10]))
    t.train(5)
    t.running = True
    net = t.net.copy()
    assert t.apply_config({field: value}) is False
    assert getattr(t.config, field) == value
    assert (t.step_count, t.epoch, t.running) == (5, 5, True)
    assert_same_net(t.net, net)
    assert t.train(3) == 3 and t.step_count == 8


@pytest.mark.parametrize("running", [False, True])
@pytest.mark.parametrize("field,value", RESET)
def test_reset_fields_reinitialize_but_keep_running(field, value, running):
    t = TrainingSession(TrainingConfig(hidden_sizes=[10]))
    t.train(5)
    t.running = running
    assert t.apply_config({field: value}) is True
    assert getattr(t.config, field) == value
    assert (t.step_count, t.epoch, t.status, t.running) == (0, 0, "ok", running)
    assert len(t.history) == 0
    assert_same_net(t.net, fresh_net(t.config))
    c = t.config
    ds = make_dataset(c.dataset, n=c.n_points, classes=c.classes, noise=c.noise, seed=c.seed,
                      test_fraction=c.test_fraction)
    np.testing.assert_array_equal(t.dataset.X, ds.X)
    np.testing.assert_array_equal(t.dataset.test, ds.test)


def test_unchanged_value_is_not_a_reset():
    t = TrainingSession(TrainingConfig(hidden_sizes=[10]))
    t.train(4)
    assert t.apply_config({"seed": 0, "hidden_sizes": [10], "dataset": "spiral"}) is False
    assert t.step_count == 4


def test_switching_dataset_takes_its_default_noise_and_a_class_count_it_allows():
    c = merge_config(TrainingConfig(), {"dataset": "xor"})
    assert (c.classes, c.noise) == (2, 0.1)
    c = merge_config(TrainingConfig(), {"dataset": "gaussians"})
    assert (c.classes, c.noise) == (3, 0.25)
    with pytest.raises(ConfigError) as err:
        check_config(merge_config(TrainingConfig(), {"dataset": "xor", "classes": 3}))
    assert err.value.field == "classes"


def test_config_change_drops_a_probe_label_the_new_classes_do_not_have():
    t = TrainingSession()
    t.probe_point = ((0.1, 0.2), 2)
    t.apply_config({"dataset": "xor"})          # 2 classes now
    frame = t.frame()                           # must not fail
    assert frame["probe"]["x"] == [0.1, 0.2]
    assert frame["probe"].get("label") is None
    assert len(frame["probe"]["scores"]) == 2


def test_reset_restores_the_initial_network():
    t = TrainingSession()
    t.train(20)
    t.running = True
    t.reset()
    assert (t.step_count, t.epoch, t.running, t.status) == (0, 0, True, "ok")
    assert_same_net(t.net, Network.create([2, 100, 3], "relu", "small", 0))


def test_user_points_are_training_points_and_clear_restores_the_dataset():
    t = TrainingSession()
    t.add_points([(0.5, 0.5, 0), (-0.5, 0.25, 2)])
    assert t.n_points == 302 and len(t.y_train) == 242 and len(t.y_test) == 60
    payload = t.points_payload()
    assert payload["X"][-2:] == [[0.5, 0.5], [-0.5, 0.25]]
    assert payload["y"][-2:] == [0, 2] and payload["test"][-2:] == [False, False]
    assert t.train(3) == 3
    t.clear_points()
    assert t.n_points == 300 and len(t.y_train) == 240


# ---- probe -----------------------------------------------------------------------

def test_probe_softmax_values():
    t = TrainingSession()
    t.train(50)
    x = (0.3, -0.4)
    out = t.probe(x, label=1)
    ProbeResult.model_validate(out)
    scores, cache = t.net.forward(np.array([x]))
    p = softmax(scores)[0]
    np.testing.assert_allclose(out["scores"], scores[0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(out["probs"], p, rtol=0, atol=1e-12)
    assert sum(out["probs"]) == pytest.approx(1, abs=1e-12)
    assert out["prediction"] == int(np.argmax(scores[0]))
    h = np.maximum(0, np.array([x]) @ t.net.layers[0][0] + t.net.layers[0][1])[0]
    np.testing.assert_allclose(out["hidden"][0], h, rtol=0, atol=1e-12)
    assert len(out["hidden"]) == 1 and len(out["hidden"][0]) == 100
    assert out["loss"] == pytest.approx(-math.log(p[1]), rel=1e-12)
    np.testing.assert_allclose(out["terms"], -np.log(p), rtol=1e-12)
    assert "margins" not in out
    strict_json(out)


def test_probe_svm_margins_sum_to_the_loss():
    t = TrainingSession(TrainingConfig(loss="svm", margin=1.0))
    t.train(30)
    x = (-0.2, 0.6)
    out = t.probe(x, label=2)
    s = t.net.scores(np.array([x]))[0]
    expected = np.maximum(0, s - s[2] + 1.0)
    expected[2] = 0
    np.testing.assert_allclose(out["margins"], expected, rtol=0, atol=1e-12)
    assert out["margins"][2] == 0
    assert out["loss"] == pytest.approx(expected.sum(), abs=1e-12)
    assert "terms" not in out


def test_probe_without_label_has_no_loss():
    t = TrainingSession(TrainingConfig(hidden_sizes=[]))
    out = t.probe((1.0, 2.0))
    assert out["hidden"] == []
    assert "loss" not in out or out["loss"] is None


# ---- frames ----------------------------------------------------------------------

def decode_boundary(b):
    R, C = b["resolution"], b["classes"]
    return np.frombuffer(base64.b64decode(b["data"]), dtype=np.uint8).reshape(R, R, C)


def test_frame_fields_and_boundary():
    t = TrainingSession()
    t.train(100)
    t.probe_point = ((0.0, 0.5), 0)
    frame = t.frame()
    Frame.model_validate_json(strict_json(frame), strict=True)
    assert frame["step"] == 100 and frame["epoch"] == 100
    assert frame["history"]["step"] == list(range(1, 101))
    assert frame["points"]["y"] == t.dataset.y.tolist()
    assert frame["probe"]["label"] == 0
    data, reg, train_acc, test_acc = t.evaluate()  # paused: the network as it is now
    assert frame["loss"] == {"data": data, "reg": reg, "total": data + reg}
    assert (frame["train_accuracy"], frame["test_accuracy"]) == (train_acc, test_acc)
    b = frame["boundary"]
    u8 = decode_boundary(b)
    assert u8.shape == (100, 100, 3)
    xmin, xmax, ymin, ymax = b["extent"]
    assert xmin < t.dataset.X[:, 0].min() and t.dataset.X[:, 0].max() < xmax
    assert ymin < t.dataset.X[:, 1].min() and t.dataset.X[:, 1].max() < ymax
    R = 100
    gx = xmin + np.arange(R) * (xmax - xmin) / (R - 1)
    gy = ymin + np.arange(R) * (ymax - ymin) / (R - 1)
    P = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)  # row i is y_i, column j is x_j
    expected = np.rint(255 * softmax(t.net.scores(P))).reshape(R, R, 3)
    assert np.abs(u8.astype(int) - expected).max() <= 1
    # the second frame carries only new history and no points
    t.train(2)
    again = t.frame()
    assert again["history"]["step"] == [101, 102]
    assert "points" not in again


def test_while_playing_the_readout_is_the_last_steps_forward_pass():
    """Playing with full batch, a frame's loss and accuracies are those of the
    last step's own forward pass (the history's last point: the loss before
    that step's update), so the frame does not evaluate the network again."""
    t = TrainingSession()
    t.running = True
    t.train(20)
    frame = t.frame()
    h = frame["history"]
    assert frame["loss"] == {"data": h["data_loss"][-1], "reg": h["reg_loss"][-1], "total": h["total"][-1]}
    assert (frame["train_accuracy"], frame["test_accuracy"]) == (h["train_accuracy"][-1],
                                                                 h["test_accuracy"][-1])
    now = t.evaluate()[0]  # the weights after that update: a little lower
    assert 0 < frame["loss"]["data"] - now < 1e-2


def test_the_readout_is_evaluated_now_when_no_step_stands_for_it():
    """Paused (after `step n` too), after a change the last step did not see
    (config, points, reset), or with mini-batches, a frame evaluates the
    network as it is now."""
    t = TrainingSession()

    def readout():
        f = t.frame()
        return (f["loss"]["data"], f["loss"]["reg"], f["train_accuracy"], f["test_accuracy"])

    t.train(20)  # paused
    assert readout() == t.evaluate()
    t.running = True
    t.train(3)
    t.apply_config({"reg": 0.01})
    assert readout() == t.evaluate()
    t.train(3)
    t.add_points([(0.1, 0.1, 0)])
    assert readout() == t.evaluate()
    t.apply_config({"batch_size": 16})
    t.train(3)
    assert readout() == t.evaluate()
    t.reset()
    assert readout() == t.evaluate()


def test_frame_text_is_the_frame():
    """The boundary's base64 is spliced in as text: the same JSON as to_json()
    of the frame, and just as compact."""
    t = TrainingSession()
    t.train(5)
    t.probe_point = ((0.1, 0.2), 1)
    text = t.frame_text()
    frame = json.loads(text)
    assert len(text) == len(to_json(frame))
    assert json.loads(json_with_data(frame["boundary"])) == frame["boundary"]
    assert frame["history"]["step"] == [1, 2, 3, 4, 5] and frame["points"]["y"]


def test_a_diverged_frame_is_strict_json_with_nulls():
    t = TrainingSession(TrainingConfig(learning_rate=100, reg=100))
    t.running = True
    t.probe_point = ((0.1, 0.1), 1)
    done = t.train(1000)
    assert t.status == "diverged" and t.running is False
    assert done < 1000
    frame = t.frame()
    text = strict_json(frame)            # raises on NaN or Infinity
    Frame.model_validate_json(text, strict=True)
    assert frame["status"] == "diverged"
    assert None in frame["history"]["total"] or frame["loss"]["total"] is None
    assert t.train(10) == 0              # no more steps until a reset
    t.reset()
    assert t.status == "ok" and t.train(5) == 5
    assert all(v is not None for v in t.frame()["loss"].values())


def test_boundary_of_a_network_beyond_float32_range_is_still_probabilities():
    """Weights finite in float64 whose scores overflow float32 (the run-up to a divergence):
    the boundary is still round(255·p) of the network, not NaN cast to 0."""
    t = TrainingSession(TrainingConfig(hidden_sizes=[10]))
    t.net.layers = [(w * 1e25, b) for w, b in t.net.layers]
    assert t.net.is_finite()
    b = t.frame()["boundary"]
    u8 = decode_boundary(b)
    sums = u8.sum(axis=-1, dtype=int)
    assert np.all(np.abs(sums - 255) <= 3), (sums.min(), sums.max())
    R = b["resolution"]
    xmin, xmax, ymin, ymax = b["extent"]
    gx = xmin + np.arange(R) * (xmax - xmin) / (R - 1)
    gy = ymin + np.arange(R) * (ymax - ymin) / (R - 1)
    P = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
    expected = np.rint(255 * softmax(t.net.scores(P))).reshape(R, R, 3)
    assert np.mean(np.abs(u8.astype(int) - expected) <= 1) > 0.999
