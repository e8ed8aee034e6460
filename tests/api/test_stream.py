"""/ws/session through Starlette's TestClient, message by message against the
contract in docs/protocol.md.

Every server message read here is parsed strictly (NaN/Infinity tokens fail the
test) and validated against its schema model in app/schemas.py.
"""
from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import math
import time

import numpy as np
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.config import Settings
from app.datasets import make_dataset
from app.main import create_app
from app.nn import Network, softmax
from app.schemas import ConfigReply, ErrorReply, Frame, Hello, ProbeReply

MODELS = {"hello": Hello, "config": ConfigReply, "frame": Frame, "probe": ProbeReply,
          "error": ErrorReply}

DEFAULTS = {
    "dataset": "spiral", "n_points": 300, "classes": 3, "noise": 0.2, "test_fraction": 0.2,
    "seed": 0, "hidden_sizes": [100], "activation": "relu", "init": "small",
    "loss": "softmax", "margin": 1.0, "reg": 5e-4, "learning_rate": 1.0, "batch_size": 0,
    "optimizer": "sgd", "speed": 0.0, "fps": 30.0, "grid_resolution": 100,
    "regularization": "l2", "features": ["x1", "x2"], "neurons": False, "health": True,
}


# ---- helpers -----------------------------------------------------------------------

def _refuse_constant(name):
    raise AssertionError(f"the server sent {name}, which is not JSON")


def parse(text: str) -> dict:
    """A server message: strict JSON, validated against its schema model."""
    msg = json.loads(text, parse_constant=_refuse_constant)
    assert isinstance(msg, dict) and msg.get("type") in MODELS, text[:200]
    MODELS[msg["type"]].model_validate_json(text, strict=True)
    return msg


def recv(ws) -> dict:
    """The next server message (a hang is caught by pytest-timeout)."""
    return parse(ws.receive_text())


def send(ws, msg):
    ws.send_text(msg if isinstance(msg, str) else json.dumps(msg))


def until(ws, pred, limit=100_000):
    """Read messages until one satisfies ``pred``: (that message, the ones before it)."""
    seen = []
    for _ in range(limit):
        msg = recv(ws)
        if pred(msg):
            return msg, seen
        seen.append(msg)
    raise AssertionError(f"no matching message among {len(seen)}: {[m['type'] for m in seen][-10:]}")


def next_frame(ws, pred=lambda f: True, **kw):
    """The next frame satisfying ``pred``; no `error` may come before it."""
    frame, before = until(ws, lambda m: m["type"] == "frame" and pred(m), **kw)
    assert not [m for m in before if m["type"] == "error"], before
    return frame


def reply(ws, kind, **kw):
    """The next message of type ``kind`` (frames before it are skipped; nothing else may come)."""
    msg, before = until(ws, lambda m: m["type"] != "frame", **kw)
    assert msg["type"] == kind, msg
    return msg


def start(ws):
    """Read hello and the frame that follows it."""
    hello = recv(ws)
    assert hello["type"] == "hello"
    frame = recv(ws)
    assert frame["type"] == "frame"
    return hello, frame


def paused_step(ws, s0=None):
    """From a paused session: `step 1` and return the frame's step (s0 + 1 if given)."""
    send(ws, {"type": "step", "n": 1})
    f = next_frame(ws, lambda f: not f["running"])
    if s0 is not None:
        assert f["step"] == s0 + 1
    return f["step"]


def training(c, session_id):
    return c.app.state.sessions.sessions[session_id].training


def model_json(net: Network) -> dict:
    return {"activation": net.activation,
            "layers": [{"W": w.tolist(), "b": b.tolist()} for w, b in net.layers]}


def decode_boundary(b) -> np.ndarray:
    raw = base64.b64decode(b["data"], validate=True)
    R, C = b["resolution"], b["classes"]
    assert len(raw) == R * R * C
    return np.frombuffer(raw, dtype=np.uint8).reshape(R, R, C)


def expected_boundary(net: Network, extent, R) -> np.ndarray:
    """round(255·softmax) of a float64 forward at the contract's grid points."""
    xmin, xmax, ymin, ymax = extent
    P = np.array([(xmin + j * (xmax - xmin) / (R - 1), ymin + i * (ymax - ymin) / (R - 1))
                  for i in range(R) for j in range(R)])
    return np.rint(255 * softmax(net.scores(P))).reshape(R, R, -1)


def check_boundary(b, net: Network, X=None):
    u8 = decode_boundary(b)
    R, C = b["resolution"], b["classes"]
    assert b["encoding"] == "u8-probs"
    assert u8.shape == (R, R, C) and C == net.sizes[-1]
    sums = u8.sum(axis=-1, dtype=int)
    assert np.all(np.abs(sums - 255) <= C), (sums.min(), sums.max())
    diff = np.abs(u8.astype(int) - expected_boundary(net, b["extent"], R))
    assert diff.max() <= 1, diff.max()
    if X is not None:  # the extent frames the data
        xmin, xmax, ymin, ymax = b["extent"]
        assert xmin < X[:, 0].min() and X[:, 0].max() < xmax
        assert ymin < X[:, 1].min() and X[:, 1].max() < ymax
    return u8


def wait_for(cond, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


@pytest.fixture(params=["frame process", "frame thread"])
def tc(request):
    """A fresh app, drawing frames in its worker process (the default) or on a
    thread of its own (NNPG_FRAME_PROCESS=0): every test runs both ways."""
    settings = Settings(frame_process=request.param == "frame process")
    with TestClient(create_app(settings)) as c:
        yield c


@contextlib.contextmanager
def session(c, query=""):
    with c.websocket_connect("/ws/session" + query) as ws:
        hello, frame = start(ws)
        yield ws, hello, frame


# ---- hello and the first frame ------------------------------------------------------

def test_hello_then_a_frame_at_once(tc):
    with tc.websocket_connect("/ws/session") as ws:
        hello = recv(ws)
        assert hello["type"] == "hello"
        assert hello["config"] == DEFAULTS
        assert (hello["step"], hello["running"], hello["status"]) == (0, False, "ok")
        assert isinstance(hello["session"], str) and len(hello["session"]) >= 8
        assert isinstance(hello["token"], str) and len(hello["token"]) >= 16
        assert hello["token"] != hello["session"]
        limits = hello["limits"]
        assert limits["max_width"] == 1024 and limits["max_hidden_layers"] == 6
        assert (limits["min_classes"], limits["max_classes"]) == (2, 10)
        assert limits["max_points"] == 5000 and limits["max_steps"] == 10_000
        assert limits["max_message_bytes"] == 64 * 1024
        assert limits["datasets"]["xor"]["max_classes"] == 2

        frame = recv(ws)
        assert frame["type"] == "frame"
        t = training(tc, hello["session"])
        assert (frame["step"], frame["epoch"], frame["running"], frame["status"]) == (0, 0, False, "ok")
        assert frame["history"] == {k: [] for k in
                                    ("step", "data_loss", "reg_loss", "total",
                                     "train_accuracy", "test_accuracy")}
        reg = 5e-4 * sum(float((w ** 2).sum()) for w in t.net.weights)
        assert frame["loss"]["reg"] == pytest.approx(reg, rel=1e-12)
        assert frame["loss"]["data"] == pytest.approx(math.log(3), abs=1e-3)  # small init
        assert frame["loss"]["total"] == pytest.approx(frame["loss"]["data"] + reg, rel=1e-12)
        pred = t.net.predict(t.X_train)
        assert frame["train_accuracy"] == pytest.approx(float((pred == t.y_train).mean()))
        assert frame["points"] == hello["points"]
        b = frame["boundary"]
        assert (b["resolution"], b["classes"]) == (100, 3)
        check_boundary(b, t.net, np.array(hello["points"]["X"]))


def test_boundary_after_training_equals_the_engine_forward_on_the_grid(tc):
    with session(tc) as (ws, hello, _):
        send(ws, {"type": "step", "n": 400})
        frame = next_frame(ws)
        assert frame["step"] == 400
        net = training(tc, hello["session"]).net
        u8 = check_boundary(frame["boundary"], net)
        # a trained spiral net is confident in places: the boundary is not uniform
        assert u8.max() > 240 and u8.min() < 15
        send(ws, {"type": "config", "config": {"grid_resolution": 37}})
        assert reply(ws, "config")["reset"] is False
        frame = next_frame(ws)
        assert frame["boundary"]["resolution"] == 37
        check_boundary(frame["boundary"], net)


# ---- config: live vs re-initializing --------------------------------------------------

LIVE = [("learning_rate", 0.5), ("reg", 1e-3), ("loss", "svm"), ("margin", 2.0),
        ("batch_size", 32), ("optimizer", "adam"), ("speed", 100.0), ("fps", 20.0),
        ("grid_resolution", 50)]
RESET = [("dataset", "circles"), ("n_points", 200), ("classes", 4), ("noise", 0.15),
         ("seed", 3), ("test_fraction", 0.3), ("hidden_sizes", [10, 10]),
         ("activation", "tanh"), ("init", "xavier")]


def test_live_fields_apply_without_reset(tc):
    with session(tc) as (ws, hello, _):
        t = training(tc, hello["session"])
        config = dict(DEFAULTS)
        step = 0
        for field, value in LIVE:
            send(ws, {"type": "step", "n": 5})
            step += 5
            assert next_frame(ws)["step"] == step
            weights = [w.copy() for w in t.net.params]
            send(ws, {"type": "config", "config": {field: value}})
            msg = reply(ws, "config")
            config[field] = value
            assert msg["reset"] is False, field
            assert msg["config"] == config
            frame = next_frame(ws)
            assert (frame["step"], frame["running"]) == (step, False), field
            for a, b in zip(weights, t.net.params):
                np.testing.assert_array_equal(a, b)
        assert frame["boundary"]["resolution"] == 50
        # and training goes on with them: svm, adam, mini-batches of 32
        send(ws, {"type": "step", "n": 8})
        frame = next_frame(ws)
        assert frame["step"] == step + 8 and frame["status"] == "ok"


def test_reinitializing_fields_reset_step_and_network(tc):
    with session(tc) as (ws, hello, _):
        t = training(tc, hello["session"])
        config = dict(DEFAULTS)
        for field, value in RESET:
            send(ws, {"type": "step", "n": 5})
            assert next_frame(ws)["step"] == 5
            send(ws, {"type": "config", "config": {field: value}})
            msg = reply(ws, "config")
            config[field] = value
            if field == "dataset":
                config["noise"] = 0.1              # circles' default noise
            assert msg["reset"] is True, field
            assert msg["config"] == config
            frame = next_frame(ws)
            assert (frame["step"], frame["epoch"], frame["running"], frame["status"]) == \
                (0, 0, False, "ok"), field
            assert frame["history"]["step"] == []
            c = t.config
            fresh = Network.create([2, *c.hidden_sizes, c.classes], c.activation, c.init, c.seed)
            for a, b in zip(fresh.params, t.net.params):
                np.testing.assert_array_equal(a, b)
            assert frame["boundary"]["classes"] == c.classes
        ds = make_dataset("circles", n=200, classes=4, noise=0.15, seed=3, test_fraction=0.3)
        assert frame.get("points") is None or frame["points"]["y"] == ds.y.tolist()
        assert t.dataset.X.tolist() == ds.X.tolist()


def test_config_while_running(tc):
    with session(tc) as (ws, _, _):
        send(ws, {"type": "play"})
        before = next_frame(ws, lambda f: f["step"] > 150)
        assert before["running"] is True
        # live: the step goes on from where it was
        send(ws, {"type": "config", "config": {"learning_rate": 0.3}})
        msg = reply(ws, "config")
        assert msg["reset"] is False and msg["config"]["learning_rate"] == 0.3
        f = next_frame(ws)
        assert f["running"] is True and f["step"] >= before["step"]
        prev = [f]
        # re-initializing: back to 0, still running
        send(ws, {"type": "config", "config": {"seed": 1}})
        msg, before = until(ws, lambda m: m["type"] == "config")
        assert msg["reset"] is True
        for m in before:
            new_run(prev, m)
        f = next_frame(ws, lambda f: new_run(prev, f))
        assert f["running"] is True and f["epoch"] == f["step"]
        g = next_frame(ws, lambda g: g["step"] > f["step"])
        assert g["running"] is True
        send(ws, {"type": "pause"})
        next_frame(ws, lambda f: not f["running"])


def test_switching_to_xor_takes_two_classes(tc):
    with session(tc) as (ws, _, _):
        send(ws, {"type": "config", "config": {"dataset": "xor"}})
        msg = reply(ws, "config")
        assert msg["reset"] is True
        assert (msg["config"]["classes"], msg["config"]["noise"]) == (2, 0.1)
        frame = next_frame(ws)
        assert frame["boundary"]["classes"] == 2
        assert set(frame["points"]["y"]) == {0, 1}


# ---- play, pause, step, reset -----------------------------------------------------------

def test_play_then_pause(tc):
    with session(tc) as (ws, hello, _):
        send(ws, {"type": "play"})
        frames = [next_frame(ws, lambda f: f["step"] > 0)]
        while len({f["step"] for f in frames}) < 4:
            frames.append(next_frame(ws))
        steps = [f["step"] for f in frames]
        assert steps == sorted(steps), steps
        assert all(f["running"] for f in frames)
        assert all(f["epoch"] == f["step"] for f in frames)  # full batch
        # the history batches add up to every step exactly once (stride 1 so early)
        recorded = [s for f in frames for s in f["history"]["step"]]
        assert recorded == list(range(frames[0]["history"]["step"][0], steps[-1] + 1))

        send(ws, {"type": "pause"})
        paused = next_frame(ws, lambda f: not f["running"])
        send(ws, {"type": "config", "config": {}})   # any change: a frame, same step
        msg, between = until(ws, lambda m: m["type"] == "config")
        assert msg["reset"] is False
        # paused means no step more: every frame since has the paused step
        assert all(m["step"] == paused["step"] for m in between if m["type"] == "frame")
        assert training(tc, hello["session"]).step_count == paused["step"]
        f = next_frame(ws)
        assert (f["step"], f["running"]) == (paused["step"], False)


@pytest.mark.parametrize("n", [1, 7, 250])
def test_step_n_advances_exactly_n_and_stays_paused(tc, n):
    with session(tc) as (ws, hello, _):
        paused_step(ws, 0)
        send(ws, {"type": "step", "n": n})
        f = next_frame(ws)                           # one frame, after all n steps
        assert (f["step"], f["running"]) == (1 + n, False)
        assert f["history"]["step"] == list(range(2, n + 2))
        time.sleep(0.1)
        assert training(tc, hello["session"]).step_count == 1 + n
        send(ws, {"type": "step", "n": n})
        assert next_frame(ws)["step"] == 1 + 2 * n


def test_step_while_running_pauses(tc):
    with session(tc) as (ws, hello, _):
        send(ws, {"type": "play"})
        next_frame(ws, lambda f: f["step"] > 20)
        send(ws, {"type": "step", "n": 7})
        f = next_frame(ws, lambda f: not f["running"])
        time.sleep(0.2)
        assert training(tc, hello["session"]).step_count == f["step"]
        send(ws, {"type": "step", "n": 7})
        assert next_frame(ws)["step"] == f["step"] + 7


def new_run(prev: list, f) -> bool:
    """True for the first frame of a new run: its step went down, or its history
    starts again at or before the previous frame's step (however far the new
    run got before this frame). ``prev`` holds the previous frame."""
    last, prev[0] = prev[0], f
    history = f["history"]["step"]
    return f["step"] < last["step"] or bool(history and history[0] <= last["step"])


def test_reset(tc):
    with session(tc) as (ws, hello, first):
        send(ws, {"type": "step", "n": 30})
        assert next_frame(ws)["step"] == 30
        send(ws, {"type": "reset"})
        f = next_frame(ws)
        assert (f["step"], f["epoch"], f["running"], f["status"]) == (0, 0, False, "ok")
        assert f["loss"] == first["loss"]
        assert f["boundary"]["data"] == first["boundary"]["data"]
        # reset while running keeps running
        send(ws, {"type": "play"})
        prev = [next_frame(ws, lambda f: f["step"] > 100)]
        send(ws, {"type": "reset"})
        f = next_frame(ws, lambda f: new_run(prev, f))
        assert f["running"] is True and f["epoch"] == f["step"]
        assert f["history"]["step"] == list(range(1, f["step"] + 1))
        send(ws, {"type": "pause"})
        next_frame(ws, lambda f: not f["running"])


def test_a_huge_network_does_not_starve_a_small_one(tc):
    """A step of 3×1024 units on 5,000 points takes about a second and cannot be
    cut short; the other session keeps training and keeps getting frames,
    because time on the training thread (not turns) is shared, a slow-to-draw
    session gets at most its share of the frame worker, and a frame's snapshot
    is taken on the event loop, not behind another session's turn. (How many
    frames per second each gets is measured by bench/stream.py.)"""
    processes = tc.app.state.settings.frame_process
    with session(tc) as (heavy, _, _), session(tc) as (light, _, _):
        send(heavy, {"type": "config", "config": {
            "hidden_sizes": [1024, 1024, 1024], "n_points": 5000, "classes": 10,
            "grid_resolution": 200 if processes else 100}})
        reply(heavy, "config")
        send(heavy, {"type": "play"})
        heavy_first = next_frame(heavy, lambda f: f["running"])
        send(light, {"type": "play"})
        frames = [next_frame(light, lambda f: f["running"])]
        # Twenty more frames of the light session, each a step further, while
        # the heavy one has not got past its first few steps.
        while len(frames) < 21:
            frames.append(next_frame(light, lambda f: f["step"] > frames[-1]["step"]))
        send(light, {"type": "pause"})
        send(heavy, {"type": "pause"})
        heavy_last = next_frame(heavy, lambda f: not f["running"])
    assert frames[-1]["step"] - frames[0]["step"] >= 20
    assert heavy_last["step"] >= heavy_first["step"]


def test_slow_frames_go_to_a_second_worker_process():
    """A network whose frames are foreseen to be slow is drawn by the "slow"
    worker; the default network's frames stay with the "fast" one."""
    with TestClient(create_app(Settings(frame_process=True))) as tc, session(tc) as (ws, _, _):
        store = tc.app.state.sessions
        assert "slow" not in store.pool.workers
        send(ws, {"type": "config", "config": {"hidden_sizes": [1024, 1024], "n_points": 2000}})
        reply(ws, "config")
        send(ws, {"type": "step", "n": 1})
        next_frame(ws, lambda f: f["step"] == 1)
        assert store.pool.workers["slow"].alive
        slow_pid = store.pool.workers["slow"].process.pid
        send(ws, {"type": "config", "config": {"hidden_sizes": [100], "n_points": 300}})
        reply(ws, "config")
        send(ws, {"type": "step", "n": 1})  # this frame may still go by the last one's time
        next_frame(ws, lambda f: f["step"] == 1)
        slow_drawn, fast_drawn = store.pool.workers["slow"].drawn, store.pool.workers["fast"].drawn
        send(ws, {"type": "step", "n": 1})
        next_frame(ws, lambda f: f["step"] == 2)
        assert store.pool.workers["slow"].drawn == slow_drawn
        assert store.pool.workers["fast"].drawn == fast_drawn + 1
    assert store.pool.workers["slow"].process.pid == slow_pid  # one worker per lane, reused


def test_speed_limits_steps_per_second(tc):
    """At `speed` 100 the session never runs ahead of 100 steps a second (plus
    the allowance of a quarter second's steps); a slow machine runs fewer."""
    with session(tc) as (ws, _, _):
        send(ws, {"type": "config", "config": {"speed": 100, "fps": 10}})
        reply(ws, "config")
        t0 = time.monotonic()
        send(ws, {"type": "play"})
        frames = [next_frame(ws, lambda f: f["running"])]
        while frames[-1]["step"] < 60:
            frames.append(next_frame(ws))
            elapsed = time.monotonic() - t0
            assert frames[-1]["step"] <= 100 * elapsed + 25 + 1, (frames[-1]["step"], elapsed)
        send(ws, {"type": "pause"})
        next_frame(ws, lambda f: not f["running"])


def test_frames_follow_fps_while_running(tc):
    """At fps 20 frames come at most 20 a second (a slow machine sends fewer)."""
    with session(tc) as (ws, _, _):
        send(ws, {"type": "config", "config": {"fps": 20, "grid_resolution": 20}})
        reply(ws, "config")
        # Running frame k (from 0) is built no sooner than k/20 s after play
        # was sent, and read after it was built.
        t0 = time.monotonic()
        send(ws, {"type": "play"})
        for k in range(20):
            next_frame(ws, lambda f: f["running"])
            elapsed = time.monotonic() - t0
            assert k <= 20 * elapsed, (k, elapsed)
        send(ws, {"type": "pause"})
        next_frame(ws, lambda f: not f["running"])


# ---- probe -----------------------------------------------------------------------------

def test_probe_values_match_the_engine(tc):
    with session(tc) as (ws, hello, _):
        send(ws, {"type": "step", "n": 200})
        next_frame(ws)
        net = training(tc, hello["session"]).net
        x = [0.25, -0.5]
        send(ws, {"type": "probe", "x": x, "label": 1})
        p = reply(ws, "probe")
        scores, cache = net.forward(np.array([x]))
        probs = softmax(scores)[0]
        assert p["x"] == x
        np.testing.assert_allclose(p["scores"], scores[0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(p["probs"], probs, rtol=0, atol=1e-12)
        np.testing.assert_allclose(p["hidden"][0], Network.hidden(cache)[0][0], rtol=0, atol=1e-12)
        assert p["prediction"] == int(np.argmax(scores))
        assert p["loss"] == pytest.approx(-math.log(probs[1]), rel=1e-12)
        np.testing.assert_allclose(p["terms"], -np.log(probs), rtol=1e-12)
        # the frames carry the probe from now on
        f = next_frame(ws)
        assert f["probe"]["x"] == x and f["probe"]["scores"] == p["scores"]
        send(ws, {"type": "step", "n": 5})
        f = next_frame(ws)
        assert f["probe"]["scores"] != p["scores"]
        net = training(tc, hello["session"]).net
        np.testing.assert_allclose(f["probe"]["scores"], net.scores(np.array([x]))[0], atol=1e-12)


# REST: /api/v1/forward, /api/v1/models and /api/v1/datasets are written by the REST engineer.

def rest_forward(c, model, x, **extra):
    r = c.post("/api/v1/forward", json={"model": model, "X": [x], **extra})
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize("loss", ["softmax", "svm"])
def test_probe_equals_the_rest_forward_of_the_same_model(tc, loss):
    with session(tc) as (ws, hello, _):
        send(ws, {"type": "config", "config": {"loss": loss, "margin": 1.5}})
        reply(ws, "config")
        send(ws, {"type": "step", "n": 150})
        next_frame(ws, lambda f: f["step"] == 150)
        model = model_json(training(tc, hello["session"]).net)
        for x, label in [([0.1, 0.2], None), ([-0.7, 0.4], 0), ([0.5, -0.9], 2)]:
            msg = {"type": "probe", "x": x} if label is None else {"type": "probe", "x": x, "label": label}
            send(ws, msg)
            p = reply(ws, "probe")
            extra = {} if label is None else {"y": [label], "loss": loss, "margin": 1.5}
            r = rest_forward(tc, model, x, **extra)
            np.testing.assert_allclose(p["scores"], r["scores"][0], rtol=0, atol=1e-12)
            np.testing.assert_allclose(p["probs"], r["probs"][0], rtol=0, atol=1e-12)
            assert len(p["hidden"]) == len(r["hidden"]) == 1
            np.testing.assert_allclose(p["hidden"][0], r["hidden"][0][0], rtol=0, atol=1e-12)
            assert p["prediction"] == r["predictions"][0]
            if label is None:
                assert p.get("loss") is None
                continue
            assert p["label"] == label
            assert p["loss"] == pytest.approx(r["per_example_loss"][0], abs=1e-12)
            s = np.array(p["scores"])
            if loss == "softmax":
                assert p["loss"] == pytest.approx(-math.log(p["probs"][label]), rel=1e-12)
                np.testing.assert_allclose(p["terms"], -np.log(p["probs"]), rtol=1e-12)
            else:
                m = np.array(p["margins"])
                np.testing.assert_allclose(m, np.maximum(0, s - s[label] + 1.5) * (np.arange(3) != label),
                                           rtol=0, atol=1e-12)
                assert m[label] == 0
                assert p["loss"] == pytest.approx(m.sum(), abs=1e-12)


def test_a_new_session_is_the_rest_model_and_dataset(tc):
    with session(tc) as (ws, hello, frame):
        r = tc.post("/api/v1/models", json={"sizes": [2, 100, 3], "activation": "relu",
                                             "init": "small", "seed": 0})
        assert r.status_code == 200, r.text
        model = r.json()["model"]
        assert model_json(training(tc, hello["session"]).net) == model
        r = tc.get("/api/v1/datasets/spiral", params={"n": 300, "classes": 3, "noise": 0.2,
                                                      "seed": 0, "test_fraction": 0.2})
        assert r.status_code == 200, r.text
        ds = r.json()
        for points in (hello["points"], frame["points"]):
            assert points["X"] == ds["X"] and points["y"] == ds["y"] and points["test"] == ds["test"]
        # the probe of an untrained session equals the REST forward of that model
        send(ws, {"type": "probe", "x": [0.3, 0.3], "label": 2})
        p = reply(ws, "probe")
        rf = rest_forward(tc, model, [0.3, 0.3], y=[2])
        np.testing.assert_allclose(p["scores"], rf["scores"][0], rtol=0, atol=1e-12)
        assert p["loss"] == pytest.approx(rf["per_example_loss"][0], abs=1e-12)


# ---- bad messages ------------------------------------------------------------------------

def cfg(**kw):
    return json.dumps({"type": "config", "config": kw})


BAD = [
    ("not json", None),
    ('{"type": "step", "n": NaN}', None),
    ('{"type": "probe", "x": [NaN, 1]}', None),
    ("[1, 2]", "type"),
    ('"play"', "type"),
    ('{"n": 3}', "type"),
    ('{"type": "jump"}', "type"),
    (cfg(colour="red"), "colour"),
    (cfg(learning_rate=0), "learning_rate"),
    (cfg(learning_rate=-1), "learning_rate"),
    (cfg(learning_rate=101), "learning_rate"),
    ('{"type": "config", "config": {"learning_rate": 1e400}}', "learning_rate"),
    (cfg(reg=-1), "reg"),
    (cfg(fps=0), "fps"),
    (cfg(fps=61), "fps"),
    (cfg(grid_resolution=5), "grid_resolution"),
    (cfg(grid_resolution=201), "grid_resolution"),
    (cfg(hidden_sizes=[10] * 7), "hidden_sizes"),
    (cfg(hidden_sizes=[10, 0]), "hidden_sizes"),
    (cfg(hidden_sizes=[1025]), "hidden_sizes"),
    (cfg(classes=1), "classes"),
    (cfg(classes=11), "classes"),
    (cfg(dataset="xor", classes=3), "classes"),
    (cfg(dataset="swirl"), "dataset"),
    (cfg(activation="swish"), "activation"),
    (cfg(loss="hinge"), "loss"),
    (cfg(optimizer="rmsprop"), "optimizer"),
    (cfg(init="zeros"), "init"),
    (cfg(n_points=2), "n_points"),
    ('{"type": "config", "config": [1]}', "config"),
    ('{"type": "step", "n": 0}', "n"),
    ('{"type": "step", "n": 10001}', "n"),
    ('{"type": "step", "n": "x"}', "n"),
    ('{"type": "probe", "x": [0.5]}', "x"),
    ('{"type": "probe", "x": [0.5, 1e400]}', "x"),
    ('{"type": "probe", "x": [0.5, 0.5], "label": 3}', "label"),
    ('{"type": "probe", "x": [0.5, 0.5], "label": -1}', "label"),
    ('{"type": "points", "add": [[0.1, 0.2, 3]]}', "add"),
    ('{"type": "points", "add": [[0.1, 0.2, -1]]}', "add"),
    ('{"type": "points", "add": [[0.1, 0.2]]}', "add"),
    ('{"type": "play", "now": true}', "now"),
    (json.dumps({"type": "probe", "x": [0, 0], "pad": "x" * (64 * 1024)}), None),
]


def test_bad_messages_get_an_error_and_the_connection_stays_usable(tc):
    with session(tc) as (ws, hello, _):
        t = training(tc, hello["session"])
        for text, field in BAD:
            send(ws, text)
            msg, before = until(ws, lambda m: m["type"] != "frame")
            assert msg["type"] == "error", (text[:80], msg)
            assert msg["message"]
            if field is not None:
                assert msg["field"] is not None and msg["field"].split(".")[0] == field, \
                    (text[:80], msg)
            assert t.config.to_dict() == DEFAULTS, text[:80]     # a refused value is not applied
            assert t.n_points == 300 and t.probe_point is None
        send(ws, {"type": "config", "config": {}})
        assert reply(ws, "config")["config"] == DEFAULTS
        send(ws, {"type": "step", "n": 3})
        assert next_frame(ws, lambda f: f["step"] > 0)["step"] == 3


def test_an_oversized_binary_message_is_refused_too(tc):
    with session(tc) as (ws, _, _):
        ws.send_bytes(b'{"type": "reset", "pad": "' + b"x" * (70 * 1024) + b'"}')
        assert reply(ws, "error")["type"] == "error"
        ws.send_bytes(json.dumps({"type": "step", "n": 2}).encode())
        assert next_frame(ws)["step"] == 2


def test_a_refused_config_changes_nothing_even_with_valid_fields_in_it(tc):
    with session(tc) as (ws, hello, _):
        send(ws, cfg(learning_rate=0.1, fps=0))
        assert reply(ws, "error")["field"] == "fps"
        send(ws, cfg(seed=4, dataset="moons", classes=5))
        assert reply(ws, "error")["field"] == "classes"
        assert training(tc, hello["session"]).config.to_dict() == DEFAULTS


# ---- points ---------------------------------------------------------------------------

def test_points_add_and_clear(tc):
    with session(tc) as (ws, hello, frame):
        base = frame["points"]
        added = [[0.5, 0.5, 0], [-0.25, 0.75, 2], [0.0, -0.9, 1]]
        send(ws, {"type": "points", "add": added})
        f = next_frame(ws, lambda f: f.get("points") is not None)
        pts = f["points"]
        assert len(pts["y"]) == 303 and len(pts["X"]) == 303 and len(pts["test"]) == 303
        assert pts["X"][:300] == base["X"] and pts["y"][:300] == base["y"]
        assert pts["X"][300:] == [p[:2] for p in added]
        assert pts["y"][300:] == [p[2] for p in added]
        assert pts["test"][300:] == [False] * 3
        t = training(tc, hello["session"])
        assert len(t.y_train) == 243
        send(ws, {"type": "step", "n": 4})
        f = next_frame(ws)
        assert f["step"] == 4 and f.get("points") is None   # only when they change
        send(ws, {"type": "points", "clear": True})
        f = next_frame(ws, lambda f: f.get("points") is not None)
        assert f["points"] == base
        assert len(t.y_train) == 240 and f["step"] == 4


# ---- divergence ------------------------------------------------------------------------

OVERFLOW = {"learning_rate": 100, "reg": 100}   # each step multiplies W by 1 − 2·lr·λ


def test_divergence_pauses_reports_nulls_and_reset_recovers(tc):
    with session(tc) as (a, hello_a, _), session(tc) as (b, hello_b, _):
        send(b, {"type": "play"})
        send(a, {"type": "config", "config": OVERFLOW})
        assert reply(a, "config")["reset"] is False
        send(a, {"type": "play"})
        frame = next_frame(a, lambda f: f["status"] == "diverged")
        assert frame["running"] is False
        nulls = [frame["loss"]["total"], *frame["history"]["total"]]
        assert None in nulls
        assert training(tc, hello_a["session"]).status == "diverged"
        # play while diverged: refused
        send(a, {"type": "play"})
        err = reply(a, "error")
        assert "diverg" in err["message"]
        assert training(tc, hello_a["session"]).running is False
        # a probe on the broken network is still strict JSON
        send(a, {"type": "probe", "x": [0.1, 0.1], "label": 0})
        reply(a, "probe")
        # the other session trained on, untouched
        fb = next_frame(b, lambda f: f["step"] > 50)
        assert fb["status"] == "ok" and fb["running"] is True
        assert all(v is not None and math.isfinite(v) for v in fb["loss"].values())
        assert all(v is not None for v in fb["history"]["total"])
        send(b, {"type": "pause"})
        # reset recovers
        send(a, {"type": "reset"})
        f = next_frame(a, lambda f: f["status"] == "ok")
        assert (f["step"], f["running"]) == (0, False)
        send(a, {"type": "config", "config": {"learning_rate": 1, "reg": 5e-4}})
        reply(a, "config")
        send(a, {"type": "step", "n": 10})
        f = next_frame(a, lambda f: f["step"] > 0)
        assert f["step"] == 10 and f["status"] == "ok"


def test_a_reinitializing_config_clears_divergence(tc):
    with session(tc) as (ws, _, _):
        send(ws, {"type": "config", "config": OVERFLOW})
        reply(ws, "config")
        send(ws, {"type": "step", "n": 200})
        f = next_frame(ws, lambda f: f["step"] > 0)
        assert f["status"] == "diverged" and f["step"] < 200
        send(ws, {"type": "config", "config": {"seed": 5, "learning_rate": 1, "reg": 5e-4}})
        assert reply(ws, "config")["reset"] is True
        f = next_frame(ws)
        assert (f["status"], f["step"]) == ("ok", 0)
        send(ws, {"type": "play"})
        f = next_frame(ws, lambda f: f["running"] and f["step"] > 0)
        send(ws, {"type": "pause"})


# ---- resume and takeover ----------------------------------------------------------------

def detached(c, sid):
    return lambda: c.app.state.sessions.sessions[sid].driver is None


def test_resume_with_the_token(tc):
    with session(tc) as (ws, hello, _):
        sid, token = hello["session"], hello["token"]
        send(ws, {"type": "config", "config": {"learning_rate": 0.7}})
        reply(ws, "config")
        send(ws, {"type": "step", "n": 12})
        next_frame(ws, lambda f: f["step"] == 12)
    wait_for(detached(tc, sid))
    with tc.websocket_connect(f"/ws/session?session={sid}&token={token}") as ws:
        hello, frame = start(ws)
        assert (hello["session"], hello["step"], hello["running"]) == (sid, 12, False)
        assert hello["config"]["learning_rate"] == 0.7
        assert frame["step"] == 12 and frame["points"] is not None
        send(ws, {"type": "step", "n": 3})
        assert next_frame(ws)["step"] == 15


@pytest.mark.parametrize("query", ["?session={sid}&token=wrong", "?session={sid}",
                                   "?session=nope&token={token}"])
def test_a_wrong_token_or_unknown_session_is_refused_with_1008(tc, query):
    with session(tc) as (ws, hello, _):
        sid, token = hello["session"], hello["token"]
        with tc.websocket_connect("/ws/session" + query.format(sid=sid, token=token)) as bad:
            err = recv(bad)
            assert err["type"] == "error" and err["field"] == "token"
            assert token not in err["message"]
            with pytest.raises(WebSocketDisconnect) as closed:
                recv(bad)
            assert closed.value.code == 1008
        # the rightful connection is undisturbed
        send(ws, {"type": "step", "n": 2})
        assert next_frame(ws)["step"] == 2


def test_resume_takes_over_from_an_attached_connection(tc):
    with session(tc) as (a, hello, _):
        sid, token = hello["session"], hello["token"]
        send(a, {"type": "play"})
        next_frame(a, lambda f: f["step"] > 10)
        with tc.websocket_connect(f"/ws/session?session={sid}&token={token}") as b:
            hb = recv(b)
            assert hb["type"] == "hello" and hb["session"] == sid and hb["running"] is True
            # A is told, then closed
            with pytest.raises(WebSocketDisconnect):
                msg, _ = until(a, lambda m: m["type"] == "error")
                assert msg["field"] == "session"
                until(a, lambda m: False)
            live = tc.app.state.sessions.sessions[sid]
            assert live.driver is not None
            send(b, {"type": "pause"})
            f = next_frame(b, lambda f: not f["running"])
            time.sleep(0.2)
            t = training(tc, hello["session"])
            assert t.step_count == f["step"]          # nobody trains it any more
            send(b, {"type": "step", "n": 4})
            assert next_frame(b)["step"] == f["step"] + 4


# ---- the session limit and expiry -------------------------------------------------------

def test_the_session_limit_and_expiry():
    with TestClient(create_app(Settings(max_sessions=2))) as c:
        store = c.app.state.sessions
        with session(c) as (a, ha, _), session(c) as (b, hb, _):
            with c.websocket_connect("/ws/session") as third:
                err = recv(third)
                assert err["type"] == "error" and "full" in err["message"]
                with pytest.raises(WebSocketDisconnect) as closed:
                    recv(third)
                assert closed.value.code == 1013
            a.close()
            wait_for(detached(c, ha["session"]))
            # detached: a new session takes its place (the least recently used detached one goes)
            with session(c) as (d, hd, _):
                assert hd["session"] not in (ha["session"], hb["session"])
                assert ha["session"] not in store.sessions
                send(d, {"type": "step", "n": 1})
                assert next_frame(d)["step"] == 1
            # the evicted one cannot be resumed, and is told why
            with c.websocket_connect(f"/ws/session?session={ha['session']}&token={ha['token']}") as r:
                err = recv(r)
                assert err["field"] == "session" and err["code"] == "evicted"
                with pytest.raises(WebSocketDisconnect) as closed:
                    recv(r)
                assert closed.value.code == 1008
            store.expire(now=time.monotonic() + 10 * store.settings.session_idle_seconds)
            assert hb["session"] in store.sessions        # attached: never expires
            assert hd["session"] not in store.sessions    # detached: expired
            # the expired one cannot be resumed
            with c.websocket_connect(f"/ws/session?session={hd['session']}&token={hd['token']}") as r:
                assert recv(r)["field"] == "token"
                with pytest.raises(WebSocketDisconnect) as closed:
                    recv(r)
                assert closed.value.code == 1008


def test_closing_right_after_a_message_detaches_the_session(tc):
    """The connection's end (even mid-command) always detaches it, so it can expire."""
    ids = []
    for msg in ({"type": "pause"}, {"type": "play"}, {"type": "step", "n": 50},
                {"type": "config", "config": {"seed": 2}}):
        with session(tc) as (ws, hello, _):
            send(ws, msg)
        ids.append(hello["session"])
    store = tc.app.state.sessions
    for sid in ids:
        wait_for(detached(tc, sid))
    store.expire(now=time.monotonic() + 10 * store.settings.session_idle_seconds)
    assert not set(ids) & set(store.sessions)


# ---- frames are never queued --------------------------------------------------------------

async def _drive(app, client, query=b""):
    """Run the ASGI app for one /ws/session connection with our own transport."""
    scope = {"type": "websocket", "asgi": {"version": "3.0"}, "path": "/ws/session",
             "raw_path": b"/ws/session", "root_path": "", "query_string": query,
             "headers": [], "scheme": "ws", "client": ("127.0.0.1", 1), "server": ("test", 80),
             "subprotocols": [], "state": {}}
    await app(scope, client.receive, client.send)


class SlowClient:
    """A transport that holds ``buffer`` messages; a send finishes only when there is room.

    While the client does not read, the server's sends block as they would on a
    full socket.
    """

    def __init__(self, buffer=1):
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.buffer: asyncio.Queue = asyncio.Queue(maxsize=buffer)
        self.blocked = 0
        self.built = 0
        self.inbox.put_nowait({"type": "websocket.connect"})

    async def receive(self):
        return await self.inbox.get()

    async def send(self, message):
        if message["type"] != "websocket.send":
            return
        self.built += 1
        self.blocked += 1
        try:
            await self.buffer.put(parse(message["text"]))
        finally:
            self.blocked -= 1

    def waiting(self):
        return self.buffer.qsize() + self.blocked

    def say(self, msg):
        self.inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(msg)})

    async def read(self, timeout=60.0):
        return await asyncio.wait_for(self.buffer.get(), timeout)


def test_a_client_that_does_not_read_gets_no_backlog():
    app = create_app()

    async def main():
        async with app.router.lifespan_context(app):
            client = SlowClient(buffer=1)
            task = asyncio.create_task(_drive(app, client))
            assert (await client.read())["type"] == "hello"
            assert (await client.read())["type"] == "frame"
            client.say({"type": "play"})
            for _ in range(3):
                await client.read()
            built = client.built
            await asyncio.sleep(1.0)          # not reading while it runs at 30 fps
            assert client.waiting() <= 3
            assert client.built - built <= 3  # no frame was built for nobody
            (live,) = app.state.sessions.sessions.values()
            step_now = live.training.step_count
            stale = [await client.read() for _ in range(client.waiting())]
            fresh = await client.read()
            # the next frame is built now, from the current state, not an old one held back
            assert fresh["type"] == "frame" and fresh["running"]
            assert fresh["step"] >= step_now
            assert all(fresh["step"] > m["step"] for m in stale if m["type"] == "frame")
            client.say({"type": "pause"})
            while (await client.read()).get("running"):
                pass
            client.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
            await asyncio.wait_for(task, 5)

    asyncio.run(main())


def test_takeover_from_a_connection_that_stopped_reading_is_not_held_up():
    """A stale tab whose socket no longer drains (a laptop that went to sleep) must
    not keep the session from being resumed elsewhere."""
    app = create_app()

    async def main():
        async with app.router.lifespan_context(app):
            stale = SlowClient(buffer=1)
            stale_task = asyncio.create_task(_drive(app, stale))
            hello = await stale.read()
            await stale.read()
            stale.say({"type": "play"})
            await asyncio.sleep(0.5)              # its sends are now blocked for good
            query = f"session={hello['session']}&token={hello['token']}".encode()
            fresh = SlowClient(buffer=100)
            fresh_task = asyncio.create_task(_drive(app, fresh, query))
            again = await fresh.read(timeout=5)
            assert again["type"] == "hello" and again["session"] == hello["session"]
            fresh.say({"type": "pause"})
            while (await fresh.read()).get("running", True):
                pass
            for client, task in ((fresh, fresh_task), (stale, stale_task)):
                client.inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
            while stale.buffer.qsize():
                stale.buffer.get_nowait()
            await asyncio.wait_for(asyncio.gather(fresh_task, stale_task, return_exceptions=True), 5)

    asyncio.run(main())


def test_a_failing_command_answers_error_and_keeps_the_connection(tc, monkeypatch):
    """A bug in applying one command costs that command, not the session."""
    from app.training import TrainingSession

    def broken_reset(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(TrainingSession, "reset", broken_reset)
    with session(tc) as (ws, _, frame):
        send(ws, {"type": "reset"})
        err = reply(ws, "error")
        assert "reset" in err["message"] and "boom" not in err["message"]
        assert next_frame(ws)["step"] == frame["step"]  # the frame after the failed command
        assert paused_step(ws, frame["step"]) == frame["step"] + 1
