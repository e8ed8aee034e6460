"""Viewers: `/ws/session?session=ID&watch=1` watches a session read-only.

One driver (the token holder) controls a session; any number of viewers get
the same frames, drawn once; a viewer's control message is refused with
`field: "role"`; `hello` carries the history so far.
"""
from __future__ import annotations

import contextlib

import pytest
from starlette.testclient import TestClient

from app.config import Settings
from app.main import create_app

from .test_stream import next_frame, recv, reply, send, session, start


@pytest.fixture
def tc():
    with TestClient(create_app(Settings())) as c:
        yield c


@contextlib.contextmanager
def viewers(c, session_id, n):
    with contextlib.ExitStack() as stack:
        out = []
        for _ in range(n):
            ws = stack.enter_context(c.websocket_connect(f"/ws/session?session={session_id}&watch=1"))
            hello, _ = start(ws)
            out.append((ws, hello))
        yield out


def test_twenty_viewers_get_the_drivers_frames_drawn_once(tc):
    with session(tc) as (driver, hello, _):
        sid = hello["session"]
        send(driver, {"type": "step", "n": 50})
        assert next_frame(driver)["step"] == 50
        with viewers(tc, sid, 20) as watching:
            for ws, vh in watching:
                assert vh["role"] == "viewer" and vh["token"] is None
                assert vh["session"] == sid and vh["step"] == 50
                assert vh["history"]["step"] == list(range(1, 51))  # hello carries the history
            worker = tc.app.state.sessions.pool.workers["fast"]
            for n in (7, 30):
                drawn = worker.drawn
                send(driver, {"type": "step", "n": n})
                target = next_frame(driver, lambda f: f["step"] >= 50 + n and not f["running"])
                for ws, _ in watching:
                    f = next_frame(ws, lambda f: f["step"] == target["step"])
                    assert f["boundary"] == target["boundary"]  # the same bytes
                    assert f["loss"] == target["loss"]
                # one frame drawn for 21 connections (the viewers' first frames may
                # have been drawn meanwhile too, but never one per connection)
                assert worker.drawn - drawn < 21
                send(driver, {"type": "pause"})
            # and while playing: whatever step a viewer sees, the driver saw the same frame
            send(driver, {"type": "play"})
            mine = {}
            while len(mine) < 5:
                f = next_frame(driver, lambda f: f["running"])
                mine[f["step"]] = f["boundary"]["data"]
            send(driver, {"type": "pause"})
            paused = next_frame(driver, lambda f: not f["running"])
            for ws, _ in watching[:5]:
                f = next_frame(ws, lambda f: f["step"] == paused["step"] and not f["running"])
                assert f["boundary"]["data"] == paused["boundary"]["data"]


def test_a_viewer_cannot_control_and_stays_connected(tc):
    with session(tc) as (driver, hello, _):
        with viewers(tc, hello["session"], 1) as [(ws, _)]:
            for msg in ({"type": "play"}, {"type": "step", "n": 5}, {"type": "reset"},
                        {"type": "config", "config": {"learning_rate": 0.1}},
                        {"type": "probe", "x": [0, 0]}, {"type": "points", "clear": True}):
                send(ws, msg)
                err = reply(ws, "error")
                assert err["field"] == "role"
            # nothing changed, and the viewer still gets frames
            send(driver, {"type": "step", "n": 3})
            assert next_frame(ws, lambda f: f["step"] == 3)["running"] is False
            assert tc.app.state.sessions.sessions[hello["session"]].training.config.learning_rate == 1.0


def test_viewers_see_config_changes(tc):
    with session(tc) as (driver, hello, _):
        with viewers(tc, hello["session"], 2) as watching:
            send(driver, {"type": "config", "config": {"learning_rate": 0.3}})
            assert reply(driver, "config")["config"]["learning_rate"] == 0.3
            for ws, _ in watching:
                assert reply(ws, "config")["config"]["learning_rate"] == 0.3


def test_watching_an_unknown_session_is_refused(tc):
    with tc.websocket_connect("/ws/session?session=nope&watch=1") as ws:
        err = recv(ws)
        assert err["type"] == "error" and err["field"] == "session"


def test_a_session_trains_on_for_its_viewers_after_the_driver_leaves(tc):
    with session(tc) as (driver, hello, _):
        sid, token = hello["session"], hello["token"]
        with viewers(tc, sid, 1) as [(ws, _)]:
            send(driver, {"type": "play"})
            next_frame(driver, lambda f: f["step"] > 5)
            driver.close()
            seen = next_frame(ws, lambda f: f["running"])
            later = next_frame(ws, lambda f: f["step"] > seen["step"])
            assert later["running"] is True
            # the driver comes back with its token and takes control again
            with tc.websocket_connect(f"/ws/session?session={sid}&token={token}") as again:
                h2, _ = start(again)
                assert h2["role"] == "driver" and h2["token"] == token
                assert h2["history"]["step"][:3] == [1, 2, 3]  # the chart comes back
                send(again, {"type": "pause"})
                paused = next_frame(again, lambda f: not f["running"])
                assert next_frame(ws, lambda f: not f["running"])["step"] == paused["step"]
