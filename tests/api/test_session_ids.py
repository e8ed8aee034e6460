"""A session id chosen before connecting: POST /api/v1/sessions, then
/ws/session?session=ID&new=1 creates the session with that id (what lets a
proxy route a session's first connection by its id already)."""
from __future__ import annotations

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.config import Settings
from app.main import create_app
from app.sessions import SESSION_ID

from .test_stream import next_frame, recv, send, session, start


@pytest.fixture
def tc():
    with TestClient(create_app(Settings(frame_process=False))) as c:
        yield c


def fresh_id(c) -> str:
    res = c.post("/api/v1/sessions")
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {"session"} and SESSION_ID.fullmatch(body["session"])
    return body["session"]


def refused(c, query) -> dict:
    with c.websocket_connect("/ws/session" + query) as ws:
        err = recv(ws)
        with pytest.raises(WebSocketDisconnect) as closed:
            recv(ws)
    assert closed.value.code == 1008
    return err


def test_fresh_ids_differ(tc):
    ids = {fresh_id(tc) for _ in range(50)}
    assert len(ids) == 50
    assert tc.app.state.sessions.sessions == {}  # an id alone holds nothing


def test_new_creates_the_session_with_that_id_and_it_resumes(tc):
    sid = fresh_id(tc)
    with session(tc, f"?session={sid}&new=1") as (ws, hello, _):
        assert hello["session"] == sid and hello["role"] == "driver" and hello["token"]
        token = hello["token"]
        send(ws, {"type": "step", "n": 4})
        assert next_frame(ws, lambda f: f["step"] == 4)["step"] == 4
    with tc.websocket_connect(f"/ws/session?session={sid}&token={token}") as ws:
        hello, frame = start(ws)
        assert (hello["session"], hello["step"]) == (sid, 4)


def test_an_id_in_use_is_refused(tc):
    sid = fresh_id(tc)
    with session(tc, f"?session={sid}&new=1") as (ws, hello, _):
        err = refused(tc, f"?session={sid}&new=1")
        assert err["type"] == "error" and err["field"] == "session"
        assert "fresh" in err["message"]
        send(ws, {"type": "step", "n": 1})  # the holder is undisturbed
        assert next_frame(ws)["step"] == 1
        assert tc.app.state.sessions.sessions[sid].token == hello["token"]


@pytest.mark.parametrize("bad", ["short", "has%20space", "x" * 65, "%3Cscript%3E12345", "", "a.b.c.d.e"])
def test_a_malformed_id_is_refused_without_echoing_it(tc, bad):
    err = refused(tc, f"?session={bad}&new=1")
    assert err["type"] == "error" and err["field"] == "session"
    assert not bad or bad not in err["message"]
    assert tc.app.state.sessions.sessions == {}


def test_new_without_an_id_is_refused(tc):
    err = refused(tc, "?new=1")
    assert err["field"] == "session" and "POST /api/v1/sessions" in err["message"]


def test_no_query_still_creates_a_session_with_an_id_of_its_own(tc):
    with session(tc) as (ws, hello, _):
        assert SESSION_ID.fullmatch(hello["session"]) and hello["token"]
