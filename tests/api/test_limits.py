"""Every limit in Settings, set small on create_app: announced by that app and enforced by it.

Announced: in `hello.limits` and the catalog (GET /api/v1/catalog) for the
sessions, in the catalog's `rest_limits` (and GET /api/v1/datasets) for REST.
Enforced: REST answers 413/422 naming the field; a session answers `error`
naming the field and stays usable.
"""
from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

from .conftest import next_of


def make_client(**limits) -> TestClient:
    return TestClient(create_app(Settings(frame_process=False, **limits)))




def refused(ws, message: dict) -> dict:
    """Send ``message``; the `error` it gets (a `config` reply would mean it was applied)."""
    ws.send_json(message)
    reply = next_of(ws, "error", "config", "probe")
    assert reply["type"] == "error", reply
    return reply


def still_serves(ws):
    ws.send_json({"type": "step", "n": 1})
    next_of(ws, "frame", where=lambda frame: frame["step"] == 1)


# ---- live sessions ------------------------------------------------------------------------

SESSION_CASES = [
    # (setting, value, hello.limits key, message over the limit, field named)
    ("max_session_width", 8, "max_width", {"type": "config", "config": {"hidden_sizes": [9]}}, "hidden_sizes.0"),
    ("max_session_hidden_layers", 2, "max_hidden_layers",
     {"type": "config", "config": {"hidden_sizes": [4, 4, 4]}}, "hidden_sizes"),
    ("min_classes", 3, "min_classes", {"type": "config", "config": {"classes": 2}}, "classes"),
    ("max_classes", 4, "max_classes", {"type": "config", "config": {"classes": 5}}, "classes"),
    ("max_points", 500, "max_points", {"type": "config", "config": {"n_points": 501}}, "n_points"),
    ("max_steps_per_command", 10, "max_steps", {"type": "step", "n": 11}, "n"),
]


@pytest.mark.parametrize("setting, value, key, message, field", SESSION_CASES,
                         ids=[case[0] for case in SESSION_CASES])
def test_a_session_limit_is_announced_and_enforced(setting, value, key, message, field):
    with make_client(**{setting: value}) as client:
        assert client.get("/api/v1/catalog").json()["limits"][key] == value
        with client.websocket_connect("/ws/session") as ws:
            hello = next_of(ws, "hello")
            assert hello["limits"][key] == value
            error = refused(ws, message)
            assert error["field"] == field
            still_serves(ws)


def test_the_session_limits_below_the_default_do_not_refuse_what_they_allow():
    with make_client(max_session_width=8, max_session_hidden_layers=2, max_classes=4) as client:
        with client.websocket_connect("/ws/session") as ws:
            next_of(ws, "hello")
            ws.send_json({"type": "config", "config": {"hidden_sizes": [8, 8], "classes": 4}})
            reply = next_of(ws, "config", "error")
            assert reply["type"] == "config" and reply["config"]["hidden_sizes"] == [8, 8]


def test_max_points_bounds_the_points_a_user_adds():
    with make_client(max_points=310) as client:
        with client.websocket_connect("/ws/session") as ws:
            next_of(ws, "hello")
            error = refused(ws, {"type": "points", "add": [[0.1, 0.2, 0]] * 11})
            assert error["field"] == "add"
            ws.send_json({"type": "points", "add": [[0.1, 0.2, 0]] * 10})
            next_of(ws, "frame", where=lambda frame: len((frame.get("points") or {}).get("y", ())) == 310)


def test_max_points_bounds_the_batch_size():
    with make_client(max_points=500) as client:
        assert client.get("/api/v1/catalog").json()["config"]["batch_size"]["max"] == 500
        with client.websocket_connect("/ws/session") as ws:
            next_of(ws, "hello")
            assert refused(ws, {"type": "config", "config": {"batch_size": 501}})["field"] == "batch_size"


def test_max_message_bytes():
    with make_client(max_message_bytes=200) as client:
        with client.websocket_connect("/ws/session") as ws:
            assert next_of(ws, "hello")["limits"]["max_message_bytes"] == 200
            error = refused(ws, {"type": "probe", "x": [0.5, 0.5], "pad": "x" * 200})
            assert "too large" in error["message"]
            ws.send_json({"type": "probe", "x": [0.5, 0.5]})
            assert next_of(ws, "probe", "error")["type"] == "probe"


def test_max_sessions():
    with make_client(max_sessions=1) as client:
        with client.websocket_connect("/ws/session") as first:
            next_of(first, "hello")
            with client.websocket_connect("/ws/session") as second:
                error = second.receive_json()
                assert error["type"] == "error" and "full" in error["message"]
                assert second.receive()["code"] == 1013
            still_serves(first)


def test_session_idle_seconds():
    with make_client(session_idle_seconds=5) as client:
        with client.websocket_connect("/ws/session") as ws:
            hello = next_of(ws, "hello")
            assert hello["limits"]["idle_seconds"] == 5
        store = client.app.state.sessions
        store.expire(now=time.monotonic() + 4)  # within the expiry: kept
        assert hello["session"] in store.sessions
        store.expire(now=time.monotonic() + 6)
        assert hello["session"] not in store.sessions
        with client.websocket_connect(f"/ws/session?session={hello['session']}&token={hello['token']}") as ws:
            assert ws.receive_json()["field"] == "token"


# ---- hostile clients on /ws/session ---------------------------------------------------------
# (a real server that a client never reads from: tests/api/test_hostile_clients.py)

def test_client_stall_seconds():
    """A send blocked for client_stall_seconds lets the connection go as "not reading"."""
    import asyncio

    from app.subscribers import NOT_READING, Subscriber

    settings = Settings(client_stall_seconds=0.2)

    async def stalled():
        sub = Subscriber("driver", stall_seconds=settings.client_stall_seconds)
        sub.post({"type": "error", "message": "a reply", "field": None})
        never = asyncio.Event()  # a socket whose peer never reads

        async def blocked_send(text):
            await never.wait()

        await asyncio.wait_for(sub.write_forever(blocked_send, lambda: None), 30)
        return sub

    sub = asyncio.run(stalled())
    assert sub.gone.is_set() and sub.close_with == NOT_READING == (1008, "not reading")


def test_max_outbox_messages():
    """Past max_outbox_messages unsent replies the connection is let go; probe replies coalesce."""
    from app.subscribers import NOT_READING, Subscriber

    settings = Settings(max_outbox_messages=4)
    sub = Subscriber("driver", max_outbox=settings.max_outbox_messages)
    for i in range(10):
        sub.post({"type": "probe", "x": [i, 0]})
    assert [json.loads(text)["x"] for _, text in sub.outbox] == [[9, 0]]
    for i in range(3):
        sub.post({"type": "error", "message": f"no {i}", "field": None})
    assert len(sub.outbox) == 4 and not sub.gone.is_set()
    sub.post({"type": "error", "message": "one too many", "field": None})
    assert sub.gone.is_set() and sub.close_with == NOT_READING


def test_max_pending_commands():
    """A driver's messages past max_pending_commands (while a step runs) get `error`."""
    with make_client(max_pending_commands=2) as client:
        with client.websocket_connect("/ws/session") as ws:
            next_of(ws, "hello")
            ws.send_json({"type": "step", "n": 2000})  # the runner is busy while the pauses arrive
            for _ in range(20):
                ws.send_json({"type": "pause"})
            error = next_of(ws, "error", where=lambda msg: "too many messages waiting" in msg["message"])
            assert error["field"] is None
            assert next_of(ws, "frame", where=lambda f: f["step"] >= 2000)["step"] == 2000
            still_serves_after(ws, 2000)


def still_serves_after(ws, step):
    ws.send_json({"type": "step", "n": 1})
    next_of(ws, "frame", where=lambda frame: frame["step"] == step + 1)


def test_new_sessions_per_minute():
    with make_client(new_sessions_per_minute=2) as client:
        hellos = []
        for _ in range(2):
            with client.websocket_connect("/ws/session") as ws:
                hellos.append(next_of(ws, "hello"))
        with client.websocket_connect("/ws/session") as ws:
            error = ws.receive_json()
            assert error["field"] == "session" and error["code"] == "rate_limited"
            assert "too many new sessions" in error["message"]
            assert ws.receive()["code"] == 1013
        first = hellos[0]  # resuming is not a new session
        with client.websocket_connect(f"/ws/session?session={first['session']}&token={first['token']}") as ws:
            assert next_of(ws, "hello")["session"] == first["session"]
            still_serves(ws)


def test_allowed_origins():
    with make_client(allowed_origins=["https://school.example"]) as client:
        for origin in ("https://school.example", "http://testserver", None):
            headers = {"origin": origin} if origin else {}
            with client.websocket_connect("/ws/session", headers=headers) as ws:
                assert next_of(ws, "hello", "error")["type"] == "hello", origin
        with client.websocket_connect("/ws/session", headers={"origin": "https://evil.example"}) as ws:
            error = ws.receive_json()
            assert error["type"] == "error" and error["field"] == "origin"
            assert ws.receive()["code"] == 1008
    with make_client(allowed_origins=["*"]) as client:
        with client.websocket_connect("/ws/session", headers={"origin": "https://evil.example"}) as ws:
            assert next_of(ws, "hello", "error")["type"] == "hello"


# ---- REST ---------------------------------------------------------------------------------

def model(sizes):
    return {"activation": "relu",
            "layers": [{"W": [[0.1] * b for _ in range(a)], "b": [0.0] * b} for a, b in zip(sizes[:-1], sizes[1:])]}


REST_CASES = [
    # (setting, value, a request over it: path and body, status, loc)
    ("max_input_width", 4, ("/api/v1/forward", {"model": model([5, 3, 2]), "X": [[0.0] * 5]}),
     422, ["body", "model", "layers", 0, "W"]),
    ("max_hidden_width", 4, ("/api/v1/forward", {"model": model([2, 5, 2]), "X": [[0.0, 0.0]]}),
     422, ["body", "model", "layers", 0, "W"]),
    ("max_output_width", 4, ("/api/v1/forward", {"model": model([2, 3, 5]), "X": [[0.0, 0.0]]}),
     422, ["body", "model", "layers", 1, "W"]),
    ("max_hidden_layers", 1, ("/api/v1/forward", {"model": model([2, 3, 3, 2]), "X": [[0.0, 0.0]]}),
     422, ["body", "model", "layers"]),
    ("max_request_numbers", 50, ("/api/v1/forward", {"model": model([2, 8, 2]), "X": [[0.0, 0.0]] * 10}),
     413, ["body"]),
    ("max_body_bytes", 100, ("/api/v1/forward", {"model": model([2, 8, 2]), "X": [[0.0, 0.0]]}),
     413, ["body"]),
    # 10 rows: 80 hidden values, 50 scores, probabilities and predictions
    ("max_response_numbers", 100, ("/api/v1/forward", {"model": model([2, 8, 2]), "X": [[0.0, 0.0]] * 10}),
     413, ["query", "hidden"]),
]


@pytest.mark.parametrize("setting, value, request_, status, loc", REST_CASES, ids=[case[0] for case in REST_CASES])
def test_a_rest_limit_is_announced_and_enforced(setting, value, request_, status, loc):
    path, body = request_
    with make_client() as client:  # the defaults take the same request
        assert client.post(path, json=body).status_code == 200
    with make_client(**{setting: value}) as client:
        assert client.get("/api/v1/catalog").json()["rest_limits"][setting] == value
        r = client.post(path, json=body)
        assert r.status_code == status, r.text
        assert r.json()["detail"][0]["loc"] == loc


def test_max_json_depth():
    body = json.dumps({"model": model([2, 2]), "X": [[0.0, 0.0]], "extra": [[[[[[0]]]]]]})
    with make_client(max_json_depth=6) as client:
        assert client.get("/api/v1/catalog").json()["rest_limits"]["max_json_depth"] == 6
        r = client.post("/api/v1/forward", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422 and "nested" in r.json()["detail"][0]["msg"]


def test_max_dataset_points():
    with make_client(max_dataset_points=100) as client:
        assert client.get("/api/v1/catalog").json()["rest_limits"]["max_dataset_points"] == 100
        listed = client.get("/api/v1/datasets").json()["datasets"][0]["parameters"]["n"]
        assert listed["max"] == 100
        r = client.get("/api/v1/datasets/spiral", params={"n": 101})
        assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["query", "n"]
        assert len(client.get("/api/v1/datasets/spiral", params={"n": 100}).json()["y"]) == 100
    with make_client(max_dataset_points=6000) as client:  # above the default, too
        assert len(client.get("/api/v1/datasets/spiral", params={"n": 5500}).json()["y"]) == 5500


# tested in tests/api/test_classes.py
CLASS_LIMITS = {"max_class_students", "class_idle_seconds", "max_name_length", "class_joins_per_minute",
                "max_live_classes"}

# tested against a real `python -m app` in tests/api/test_http_server.py (frame_ancestors in
# tests/api/test_security_headers.py)
SERVER_LIMITS = {"max_request_line_bytes", "max_header_bytes", "header_timeout_seconds", "keep_alive_seconds",
                 "body_timeout_seconds",
                 "max_connections_per_address", "open_files_reserve", "frame_ancestors"}


def test_every_limit_in_settings_has_a_test():
    tested = {case[0] for case in SESSION_CASES + REST_CASES} | {
        "max_message_bytes", "max_sessions", "session_idle_seconds", "max_json_depth", "max_dataset_points",
        "max_points", "client_stall_seconds", "max_outbox_messages", "max_pending_commands",
        "new_sessions_per_minute", "allowed_origins", "memory_budget_mb", "rest_workers", "rest_queue",
        "rest_retry_after_seconds"} | CLASS_LIMITS | SERVER_LIMITS
    not_limits = {"host", "port", "train_slice_seconds", "frame_process", "board_interval_seconds",
                  "redis_url"}
    assert set(Settings.model_fields) - not_limits == tested


def test_memory_budget_mb():
    """One default session (about 31 MB budgeted) fits in 40 MB; a second session, or wider
    layers, would not: refused naming the field, and the session goes on as it was."""
    with make_client(memory_budget_mb=40) as client, client.websocket_connect("/ws/session") as ws:
        next_of(ws, "hello")
        reply = refused(ws, {"type": "config", "config": {"hidden_sizes": [1024, 1024]}})
        assert reply["field"] == "hidden_sizes" and "NNPG_MEMORY_BUDGET_MB" in reply["message"]
        with client.websocket_connect("/ws/session") as second:
            error = second.receive_json()
            assert error["type"] == "error" and error["field"] == "session", error
        ws.send_json({"type": "config", "config": {"hidden_sizes": [8]}})
        assert next_of(ws, "config")["config"]["hidden_sizes"] == [8]


# A request over the light bounds of app/api/work.py (its answer: 105,000 numbers),
# which the bounded pool computes; a tiny one runs at once beside it.
HEAVY = {"model": model([2, 100, 2]), "X": [[0.0, 0.0]] * 1000}
TINY = {"model": model([2, 2]), "X": [[0.0, 0.0]]}


def _pool_after_one_request(client):
    assert client.post("/api/v1/forward", json=HEAVY).status_code == 200
    return client.app.state.rest_pool


def test_rest_workers():
    with make_client(rest_workers=3) as client:
        assert _pool_after_one_request(client)._executor._max_workers == 3


def test_rest_queue():
    """A pool with its workers and queue taken answers 503 naming the body, in the error
    shape; a tiny request is still answered."""
    with make_client(rest_workers=1, rest_queue=2) as client:
        pool = _pool_after_one_request(client)
        pool.pending = 2  # one working, one waiting: one place left
        assert client.post("/api/v1/forward", json=HEAVY).status_code == 200
        pool.pending = 3
        r = client.post("/api/v1/forward", json=HEAVY)
        assert r.status_code == 503 and r.json()["detail"][0]["loc"] == ["body"]
        assert client.post("/api/v1/forward", json=TINY).status_code == 200
        assert client.post("/api/v1/backward", json={**TINY, "y": [0]}).status_code == 200
        pool.pending = 0


def test_rest_retry_after_seconds():
    with make_client(rest_workers=1, rest_queue=0, rest_retry_after_seconds=7) as client:
        pool = _pool_after_one_request(client)
        pool.pending = 1
        heavy_step = {"model": model([300, 100, 2]), "X": [[0.0] * 300] * 500, "y": [0] * 500,
                      "learning_rate": 0.1}  # an answer of 210,607 numbers (the model twice, X's gradient)
        r = client.post("/api/v1/step", json=heavy_step)
        assert r.status_code == 503 and r.headers["retry-after"] == "7" and "7 s" in r.json()["detail"][0]["msg"]
        assert client.post("/api/v1/step", json={**TINY, "y": [0], "learning_rate": 0.1}).status_code == 200
        pool.pending = 0


def test_a_new_session_starts_within_small_limits():
    """A server that allows 8 units, 1 hidden layer and 100 points starts its
    sessions inside those limits, not with the case study's 100 units and 300 points."""
    from starlette.testclient import TestClient

    from app.config import Settings
    from app.main import create_app

    settings = Settings(max_session_width=8, max_session_hidden_layers=1, max_points=100)
    with TestClient(create_app(settings)) as c, c.websocket_connect("/ws/session") as ws:
        hello = json.loads(ws.receive_text())
        assert hello["config"]["hidden_sizes"] == [8]
        assert hello["config"]["n_points"] == 100
        ws.send_text(json.dumps({"type": "step", "n": 2}))
        while (msg := json.loads(ws.receive_text()))["type"] != "frame" or msg["step"] != 2:
            assert msg["type"] != "error", msg
