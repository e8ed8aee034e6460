"""Image sessions over /ws/session: defaults, templates, confusion, the image probe."""
from __future__ import annotations

import json

import numpy as np
import pytest
from starlette.testclient import TestClient

from app.datasets import make_dataset
from app.image_views import decode_templates
from app.main import create_app
from app.nn import Network

from .test_stream import next_frame, recv, reply, send, session


@pytest.fixture(scope="module")
def tc():
    with TestClient(create_app()) as c:
        yield c


def net_of(model):
    return Network([(np.array(l["W"]), np.array(l["b"])) for l in model["layers"]], model["activation"])


def ask_model(ws):
    """The session's live model (frames before the reply are skipped)."""
    send(ws, {"type": "model"})
    while True:
        msg = json.loads(ws.receive_text())
        if msg["type"] == "model":
            return msg["model"]
        assert msg["type"] == "frame", msg


def switch(ws, **config):
    send(ws, {"type": "config", "config": config})
    msg = reply(ws, "config")
    assert msg["reset"] is True
    return msg["config"]


def steps(ws, n):
    send(ws, {"type": "step", "n": n})
    return next_frame(ws, lambda f: f["step"] == n and not f["running"])


def test_digits_takes_its_defaults_and_frames_carry_the_image_views(tc):
    with session(tc) as (ws, hello, _):
        config = switch(ws, dataset="digits")
        assert (config["classes"], config["n_points"], config["batch_size"]) == (10, 1797, 64)
        assert (config["learning_rate"], config["reg"]) == (0.5, 1e-3)
        frame = next_frame(ws, lambda f: "templates" in f)
        assert "boundary" not in frame
        assert frame["templates"]["shape"] == [100, 8, 8, 1]
        assert "X" not in frame["points"] and len(frame["points"]["y"]) == 1797
        matrix = np.array(frame["confusion"])
        assert len(frame["test_predictions"]["predicted"]) == 359
        assert matrix.shape == (10, 10) and matrix.sum() == 359 == sum(frame["points"]["test"])
        # Back to a 2-D set: its own defaults again.
        config = switch(ws, dataset="spiral")
        assert (config["classes"], config["n_points"], config["batch_size"], config["learning_rate"]) == (3, 300, 0, 1.0)
        assert "boundary" in next_frame(ws, lambda f: "boundary" in f)


@pytest.mark.parametrize("hidden, floor", [([100], 0.95), ([], 0.90)])
def test_digits_learn_at_the_defaults(tc, hidden, floor):
    """The seed's question on digits: 64 → 100 → 10 ReLU, and the linear 64 → 10."""
    with session(tc) as (ws, hello, _):
        switch(ws, dataset="digits", hidden_sizes=hidden)
        frame = steps(ws, 2000)
        assert frame["test_accuracy"] >= floor
        matrix = np.array(frame["confusion"])
        assert np.trace(matrix) / matrix.sum() == pytest.approx(frame["test_accuracy"])


def test_confusion_agrees_with_rest_forward_on_the_same_model(tc):
    with session(tc) as (ws, hello, _):
        config = switch(ws, dataset="digits", hidden_sizes=[], seed=3)
        frame = steps(ws, 50)
        model = ask_model(ws)
        ds = make_dataset("digits", n=config["n_points"], seed=3, test_fraction=config["test_fraction"])
        X_test, y_test = ds.X[ds.test], ds.y[ds.test]
        r = tc.post("/api/v1/forward", json={"model": model, "X": X_test.tolist(), "y": y_test.tolist()})
        assert r.status_code == 200, r.text
        fwd = r.json()
        assert frame["test_predictions"]["predicted"] == fwd["predictions"]
        expected = np.zeros((10, 10), dtype=int)
        np.add.at(expected, (y_test, fwd["predictions"]), 1)
        assert np.array_equal(frame["confusion"], expected) and expected.sum() == len(y_test)
        assert frame["test_accuracy"] == pytest.approx(fwd["accuracy"])


def test_templates_are_the_rows_of_w_and_sent_only_when_changed(tc):
    with session(tc) as (ws, hello, _):
        switch(ws, dataset="digits", hidden_sizes=[])
        frame = steps(ws, 20)
        t = decode_templates(frame["templates"])
        net = net_of(ask_model(ws))
        assert t.shape == (10, 8, 8, 1)
        W = net.layers[0][0]
        k = 3
        row = W[:, k]
        assert np.array_equal(t[k].reshape(-1), np.round(255 * (row - row.min()) / np.ptp(row)).astype(np.uint8))
        # A probe changes nothing in the network: its frame comes without templates.
        send(ws, {"type": "probe", "x": [0.0] * 64})
        probe = reply(ws, "probe")
        assert len(probe["probs"]) == 10
        frame = next_frame(ws, lambda f: "probe" in f)
        assert "templates" not in frame and "confusion" in frame


def test_an_image_probe_is_the_rest_forward(tc):
    with session(tc) as (ws, hello, _):
        switch(ws, dataset="digits")
        steps(ws, 30)
        image = make_dataset("digits", n=10).X[4]
        send(ws, {"type": "probe", "x": image.tolist()})
        probe = reply(ws, "probe")
        model = ask_model(ws)
        fwd = tc.post("/api/v1/forward", json={"model": model, "X": [image.tolist()]}).json()
        assert probe["scores"] == pytest.approx(fwd["scores"][0], abs=1e-12)
        assert probe["prediction"] == fwd["predictions"][0]


def test_a_probe_of_the_wrong_width_is_refused(tc):
    with session(tc) as (ws, hello, _):
        switch(ws, dataset="digits")
        send(ws, {"type": "probe", "x": [0.5, 0.5]})
        msg = reply(ws, "error")
        assert msg["field"] == "x" and "64" in msg["message"]
        send(ws, {"type": "points", "add": [[0.1, 0.2, 1]]})
        assert reply(ws, "error")["field"] == "add"


def test_a_reconnecting_viewer_gets_the_templates_again(tc):
    with session(tc) as (ws, hello, _):
        switch(ws, dataset="digits", hidden_sizes=[])
        steps(ws, 5)
        with tc.websocket_connect(f"/ws/session?session={hello['session']}&watch=1") as viewer:
            assert recv(viewer)["type"] == "hello"
            frame = next_frame(viewer, lambda f: True)
            assert frame["templates"]["shape"] == [10, 8, 8, 1]


def test_points_replace_loads_your_own_points_whole_or_not_at_all(tc):
    rng = np.random.default_rng(0)
    points = [[float(a), float(b), int(k)] for (a, b), k in zip(rng.uniform(-1, 1, (50, 2)), rng.integers(0, 3, 50))]
    with session(tc) as (ws, hello, _):
        send(ws, {"type": "points", "replace": points[:10] + [[0.0, 0.0, 3]] + points[10:]})
        assert reply(ws, "error")["field"] == "replace"
        send(ws, {"type": "points", "replace": points})
        frame = next_frame(ws, lambda f: "points" in f)
        got = frame["points"]
        assert got["own"] == 50 and got["X"] == [p[:2] for p in points] and got["y"] == [p[2] for p in points]
        assert sum(got["test"]) == 10  # 20 % of 50, held out
        # Training goes on from where it was, on the new points.
        send(ws, {"type": "points", "add": [[0.5, 0.5, 1]]})
        got = next_frame(ws, lambda f: "points" in f)["points"]
        assert len(got["X"]) == 51 and got["own"] == 50
        switch(ws, seed=4)  # a data setting: the dataset's own points again
        got = next_frame(ws, lambda f: "points" in f)["points"]
        assert len(got["X"]) == 300 and "own" not in got


def test_model_set_continues_from_a_saved_model(tc):
    with session(tc) as (ws, hello, _):
        switch(ws, dataset="digits", hidden_sizes=[])
        steps(ws, 40)
        saved = ask_model(ws)
        send(ws, {"type": "reset"})
        next_frame(ws, lambda f: f["step"] == 0)
        send(ws, {"type": "model", "set": saved})
        assert reply(ws, "config")["reset"] is False
        assert ask_model(ws) == saved
        send(ws, {"type": "model", "set": {"layers": [{"W": [[1.0, 2.0]], "b": [0.0, 0.0]}]}})
        msg = reply(ws, "error")
        assert msg["field"] == "set" and "[1, 2]" in msg["message"]
