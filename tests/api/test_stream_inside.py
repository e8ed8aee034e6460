"""/ws/session: regression, L1, feature inputs, the neurons and health views, and hand edits of a weight."""
from __future__ import annotations

import base64

import numpy as np
import pytest
from starlette.testclient import TestClient

from app.config import Settings
from app.main import create_app
from app.neurons import decode_maps
from .test_stream import decode_boundary, next_frame, reply, send, session, training


@pytest.fixture(scope="module")
def tc():
    with TestClient(create_app(Settings(frame_process=False))) as c:
        yield c


def configure(ws, **config):
    send(ws, {"type": "config", "config": config})
    return reply(ws, "config")


def step(ws, n=1, at=None):
    """Step n and return the frame at step ``at`` (default n: from step 0)."""
    send(ws, {"type": "step", "n": n})
    target = n if at is None else at
    return next_frame(ws, lambda f: not f["running"] and f["step"] == target)


def test_a_linear_regression_session_on_plane_reaches_r2_095(tc):
    with session(tc) as (ws, hello, _):
        config = configure(ws, dataset="plane", hidden_sizes=[])["config"]
        assert (config["loss"], config["classes"]) == ("mse", 1)   # regression takes the mse loss
        frame = step(ws, 200)
        assert frame["test_r2"] >= 0.95 and frame["train_r2"] >= 0.95
        assert frame["train_accuracy"] is None and frame["test_accuracy"] is None
        assert frame["history"]["train_r2"] and frame["history"]["train_accuracy"][0] is None
        b = frame["boundary"]
        assert b["encoding"] == "u8-values" and b["range"] == [-1.0, 1.0] and b["classes"] == 1
        # the field is the predicted plane 0.6·x1 − 0.3·x2, to the byte
        u8 = decode_boundary(b)[:, :, 0].astype(float)
        xmin, xmax, ymin, ymax = b["extent"]
        R = b["resolution"]
        xs, ys = np.linspace(xmin, xmax, R), np.linspace(ymin, ymax, R)
        plane = np.clip(0.6 * xs[None, :] - 0.3 * ys[:, None], -1, 1)
        assert np.abs(u8 / 255 * 2 - 1 - plane).max() < 0.06
        # the probe: prediction, target and squared error
        send(ws, {"type": "probe", "x": [0.5, 0.5], "label": 0.2})
        p = reply(ws, "probe")
        assert p["prediction"] == pytest.approx(0.15, abs=0.03) and p["label"] == 0.2
        assert p["squared_error"] == pytest.approx((p["prediction"] - 0.2) ** 2)
        assert p["loss"] == pytest.approx(p["squared_error"] / 2)
        # a point with a real target
        send(ws, {"type": "points", "add": [[0.1, 0.1, 0.75]]})
        frame = next_frame(ws, lambda f: "points" in f)
        assert frame["points"]["y"][-1] == 0.75
        # back to classification: softmax again
        assert configure(ws, dataset="spiral")["config"]["loss"] == "softmax"


def test_regression_and_classification_losses_do_not_mix(tc):
    with session(tc) as (ws, _, _):
        send(ws, {"type": "config", "config": {"loss": "mse"}})
        assert reply(ws, "error")["field"] == "loss"
        configure(ws, dataset="gaussians-regression")
        send(ws, {"type": "config", "config": {"loss": "svm"}})
        assert reply(ws, "error")["field"] == "loss"
        send(ws, {"type": "probe", "x": [0, 0], "label": 1.5})
        assert reply(ws, "error")["field"] == "label"


def test_l1_applies_live_and_the_reg_loss_follows(tc):
    with session(tc) as (ws, hello, _):
        t = training(tc, hello["session"])
        frame = step(ws, 5)
        l2 = frame["loss"]["reg"]
        assert configure(ws, regularization="l1", reg=0.01)["reset"] is False
        frame = step(ws, 1, at=6)
        assert frame["step"] == 6
        assert frame["loss"]["reg"] == pytest.approx(0.01 * sum(np.abs(w).sum() for w in t.net.weights), rel=1e-9)
        assert l2 != frame["loss"]["reg"]


def test_features_reinitialize_and_feed_the_network(tc):
    with session(tc) as (ws, hello, _):
        t = training(tc, hello["session"])
        step(ws, 3)
        reply_ = configure(ws, features=["x1^2", "x2^2", "x1"], neurons=True)
        assert reply_["reset"] is True and reply_["config"]["features"] == ["x1", "x1^2", "x2^2"]
        assert t.net.sizes[0] == 3 and t.step_count == 0
        frame = step(ws, 1)
        assert frame["neurons"]["inputs"]["names"] == ["x1", "x1^2", "x2^2"]
        assert frame["boundary"]["encoding"] == "u8-probs"
        for bad in (["x3"], [], ["x1", "x1"]):
            send(ws, {"type": "config", "config": {"features": bad}})
            assert reply(ws, "error")["field"].startswith("features")


def test_frames_carry_the_neurons_view_with_exact_maps_and_edges(tc):
    with session(tc) as (ws, hello, _):
        assert "neurons" not in step(ws, 1) and configure(ws, neurons=True)["reset"] is False  # off by default
        configure(ws, hidden_sizes=[8, 12], activation="tanh", init="xavier")
        frame = step(ws, 2)
        t = training(tc, hello["session"])
        view = frame["neurons"]
        R = view["resolution"]
        assert [layer["width"] for layer in view["layers"]] == [8, 12]
        assert view["layers"][1]["more"] == 4 and len(view["layers"][1]["units"]) == 8
        # the first layer's maps are tanh(x W + b) on the grid
        xmin, xmax, ymin, ymax = view["extent"]
        xs, ys = np.linspace(xmin, xmax, R), np.linspace(ymin, ymax, R)
        P = np.column_stack([np.tile(xs, R), np.repeat(ys, R)])
        w, b = t.net.layers[0]
        exact = np.tanh(P @ w + b).T
        maps = decode_maps(view["layers"][0], R)
        assert np.abs(maps - exact).max() <= (2 / 510) + 1e-9
        edges = view["edges"]
        assert len(edges) == 3
        assert np.allclose(edges[0]["W"], w) and np.allclose(edges[0]["b"], b)
        cols = view["layers"][1]["units"]
        assert edges[1]["cols"] == cols and np.allclose(edges[1]["W"], t.net.layers[1][0][:, cols])
        assert np.shape(edges[2]["dW"]) == (8, 3) and edges[2]["rows"] == cols
        # the health view
        health = frame["health"]
        assert [row["layer"] for row in health["layers"]] == [1, 2, 3]
        assert health["layers"][0]["saturated"] is not None and health["layers"][0]["update_ratio"] > 0
        # both views can be switched off, live
        assert configure(ws, neurons=False, health=False)["reset"] is False
        frame = step(ws, 1, at=3)
        assert "neurons" not in frame and "health" not in frame


def test_a_hand_edit_changes_the_next_boundary_and_the_rest_model(tc):
    with session(tc) as (ws, hello, first):
        sid = hello["session"]
        model = tc.get(f"/api/v1/sessions/{sid}/model").json()
        assert model["features"] == ["x1", "x2"] and len(model["model"]["layers"]) == 2
        before = first["boundary"]["data"]
        send(ws, {"type": "param", "layer": 1, "name": "b", "index": [2], "value": 5.0})
        frame = next_frame(ws, lambda f: f["boundary"]["data"] != before)
        assert frame["step"] == 0                     # no reset, no step: the edit alone
        assert decode_boundary(frame["boundary"])[:, :, 2].min() >= 250   # class 2 everywhere now
        after = tc.get(f"/api/v1/sessions/{sid}/model").json()
        assert after["model"]["layers"][1]["b"][2] == 5.0
        send(ws, {"type": "param", "layer": 0, "name": "W", "index": [1, 7], "value": -2.5})
        next_frame(ws)
        assert tc.get(f"/api/v1/sessions/{sid}/model").json()["model"]["layers"][0]["W"][1][7] == -2.5
        for bad, field in (({"layer": 2}, "layer"), ({"index": [2, 0]}, "index"), ({"index": [0]}, "index"),
                           ({"value": 1e9}, "value"), ({"name": "c"}, "name"), ({"value": "1"}, "value")):
            send(ws, {"type": "param", "layer": 0, "name": "W", "index": [0, 0], "value": 1.0, **bad})
            assert reply(ws, "error")["field"] == field
        assert tc.get("/api/v1/sessions/nope/model").status_code == 404


def test_six_hidden_layers_in_a_session(tc):
    with session(tc) as (ws, hello, _):
        assert configure(ws, hidden_sizes=[4, 5, 6, 7, 8, 9], neurons=True)["reset"] is True
        frame = step(ws, 1)
        assert [layer["width"] for layer in frame["neurons"]["layers"]] == [4, 5, 6, 7, 8, 9]
        assert len(frame["health"]["layers"]) == 7
