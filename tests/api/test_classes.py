"""Classes through the app: POST /api/v1/classes, students joining with
/ws/session?class=CODE&name=…, the teacher's board /ws/class, and what the
teacher leads (push, spotlight, pause/resume all, end) and students may not.

Every message read here is strict JSON validated against its schema model.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import math
import re
import time
from urllib.parse import quote
from urllib.request import Request, urlopen

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.budget import MB, SessionShape, session_bytes
from app.classes import CODE_ALPHABET
from app.config import Settings
from app.main import create_app
from app.session_config import TrainingConfig
from app.schemas import (BoardUpdate, ClassNotice, ConfigReply, CreateClassResponse, ErrorReply,
                         Frame, Hello, LeadAck, ModelReply, SpotlightNotice)

MODELS = {"hello": Hello, "config": ConfigReply, "frame": Frame, "error": ErrorReply,
          "model": ModelReply, "class": ClassNotice, "spotlight": SpotlightNotice,
          "board": BoardUpdate, "ack": LeadAck}


def _refuse_constant(name):
    raise AssertionError(f"the server sent {name}, which is not JSON")


def recv(ws) -> dict:
    text = ws.receive_text()
    msg = json.loads(text, parse_constant=_refuse_constant)
    if msg["type"] in MODELS:
        MODELS[msg["type"]].model_validate_json(text)
    return msg


def until(ws, pred, limit=20_000):
    """The first message satisfying ``pred`` (no `error` may come before it)."""
    for _ in range(limit):
        msg = recv(ws)
        if pred(msg):
            return msg
        assert msg["type"] != "error", msg
    raise AssertionError("no matching message")


def of_type(ws, kind, pred=lambda m: True):
    return until(ws, lambda m: m["type"] == kind and pred(m))


def send(ws, msg):
    ws.send_text(json.dumps(msg))


def make_app(**settings):
    return create_app(Settings(board_interval_seconds=0.1, **settings))


@pytest.fixture
def tc():
    with TestClient(make_app()) as c:
        yield c


def new_class(c) -> dict:
    res = c.post("/api/v1/classes")
    assert res.status_code == 201
    body = res.json()
    CreateClassResponse.model_validate(body)
    return body


@contextlib.contextmanager
def students(c, code, names):
    """Each student's (socket, hello, class notice), joined in order."""
    with contextlib.ExitStack() as stack:
        out = []
        for name in names:
            ws = stack.enter_context(c.websocket_connect(
                f"/ws/session?class={code}&name={quote(name)}"))
            hello = of_type(ws, "hello")
            joined = of_type(ws, "class")
            out.append((ws, hello, joined))
        yield out


def board_socket(c, klass):
    return c.websocket_connect(f"/ws/class?code={klass['code']}&token={klass['teacher_token']}")


def board_with(ws, n, thumbnails=None):
    """The first board update showing ``n`` students with a summary each;
    ``thumbnails`` collects each student's newest thumbnail on the way."""
    thumbnails = {} if thumbnails is None else thumbnails

    def complete(m):
        thumbnails.update({s["session"]: s["thumbnail"] for s in m["students"] if "thumbnail" in s})
        return len(m["students"]) == n and len(thumbnails) == n \
            and all(s["step"] is not None for s in m["students"])
    return of_type(ws, "board", complete)


def test_a_class_has_a_code_a_token_a_join_url_and_an_expiry(tc):
    klass = new_class(tc)
    assert re.fullmatch(f"[{CODE_ALPHABET}]{{6}}", klass["code"])
    assert len(klass["teacher_token"]) >= 32
    assert klass["join_url"] == f"http://testserver/?class={klass['code']}"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", klass["expires_at"])
    assert new_class(tc)["code"] != klass["code"]
    qr = tc.get(f"/teach/qr.svg?code={klass['code'].lower()}")
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/svg+xml"
    assert qr.text.startswith("<svg") and "<path" in qr.text
    bad = tc.get("/teach/qr.svg?code=<script>")
    assert bad.status_code == 422 and "<script>" not in bad.text
    assert bad.json()["detail"][0]["loc"] == ["query", "code"]
    page = tc.get("/teach")
    assert page.status_code == 200 and 'src="/static/js/teach.js' in page.text


NAMES = ["Ann", "<b>Eve</b>", "李雷", "Bob & Co", "<img src=x onerror=1>",
         "Cy", "Dee", "Fay", "Gus", "Hal"]


def test_a_teacher_leads_ten_students(tc):
    klass = new_class(tc)
    code = klass["code"]
    store = tc.app.state.sessions
    with students(tc, code, NAMES) as joined, board_socket(tc, klass) as board:
        ids = [hello["session"] for _, hello, _ in joined]
        assert [notice["name"] for _, _, notice in joined] == NAMES  # text, as typed
        assert all(notice["code"] == code and notice["event"] == "joined" for _, _, notice in joined)
        thumbnails = {}
        update = board_with(board, 10, thumbnails)
        assert [(s["session"], s["name"]) for s in update["students"]] == list(zip(ids, NAMES))
        assert all(s["status"] == "paused" for s in update["students"])
        assert sorted(thumbnails) == sorted(ids)
        assert all(t["resolution"] == 32 and t["classes"] == 3 for t in thumbnails.values())

        # push: every student's own session takes the config, with a banner
        send(board, {"type": "push", "config": {"learning_rate": 0.1, "reg": 0.001},
                     "lesson": {"id": "two-layers", "title": "Two layers can",
                                "goal": {"metric": "train_accuracy", "at_least": 0.5}}})
        assert of_type(board, "ack") == {"type": "ack", "of": "push", "students": 10}
        for ws, _, _ in joined:
            config = of_type(ws, "config")
            assert config["config"]["learning_rate"] == 0.1 and config["config"]["reg"] == 0.001
            notice = of_type(ws, "class")
            assert notice["event"] == "pushed"
            assert notice["teacher_pushed"]["lesson"]["id"] == "two-layers"
        assert [store.sessions[sid].training.config.learning_rate for sid in ids] == [0.1] * 10

        # the board counts the students who reached the lesson's point
        ws0 = joined[0][0]
        send(ws0, {"type": "step", "n": 400})
        of_type(ws0, "frame", lambda f: f["step"] == 400)
        update = of_type(board, "board", lambda m: m["students"][0]["step"] == 400)
        assert update["lesson"]["of"] == 10
        assert update["lesson"]["reached"] == (update["students"][0]["train_accuracy"] >= 0.5)

        # pause and resume everyone
        send(board, {"type": "resume_all"})
        for ws, _, _ in joined:
            of_type(ws, "class", lambda m: m["event"] == "resumed")
        assert all(store.sessions[sid].training.running for sid in ids)
        send(board, {"type": "pause_all"})
        paused_at = []
        for ws, _, _ in joined:
            of_type(ws, "class", lambda m: m["event"] == "paused")
            paused_at.append(of_type(ws, "frame", lambda f: not f["running"])["step"])
        assert not any(store.sessions[sid].training.running for sid in ids)
        assert paused_at == [store.sessions[sid].training.step_count for sid in ids]
        base = paused_at[0]
        # (waits until the board shows every student paused at the step they stopped at)
        of_type(board, "board", lambda m: m["paused"] and all(
            s["step"] == at and s["status"] == "paused" for s, at in zip(m["students"], paused_at)))

        # spotlight student 0: everyone is told, watches, and sees the same frames
        send(board, {"type": "spotlight", "session": ids[0]})
        assert of_type(board, "ack")["session"] == ids[0]
        for ws, _, _ in joined:
            assert of_type(ws, "spotlight") == {"type": "spotlight", "session": ids[0], "name": "Ann"}
        with contextlib.ExitStack() as stack:
            viewers = [stack.enter_context(tc.websocket_connect(
                f"/ws/session?session={ids[0]}&watch=1")) for _ in joined[1:]]
            for v in viewers:
                assert of_type(v, "hello")["role"] == "viewer"
            send(ws0, {"type": "step", "n": 7})
            target = of_type(ws0, "frame", lambda f: f["step"] == base + 7)
            for v in viewers:
                seen = of_type(v, "frame", lambda f: f["step"] == base + 7)
                assert seen["boundary"]["data"] == target["boundary"]["data"]
                assert seen["loss"] == target["loss"]

        # "make it mine": student 1 forks the spotlit run and goes on from its weights
        ws1 = joined[1][0]
        send(ws0, {"type": "model"})
        source_model = of_type(ws0, "model")["model"]
        send(ws1, {"type": "fork", "session": ids[0]})
        forked = of_type(ws1, "config", lambda m: m["reset"])
        assert forked["config"]["learning_rate"] == 0.1
        of_type(ws1, "frame", lambda f: f["step"] == base + 7)
        send(ws1, {"type": "model"})
        assert of_type(ws1, "model")["model"] == source_model
        for ws in (ws0, ws1):
            send(ws, {"type": "step", "n": 5})
            of_type(ws, "frame", lambda f: f["step"] == base + 12)
            send(ws, {"type": "model"})
        assert of_type(ws0, "model") == of_type(ws1, "model")

        # release, end: the students keep their runs
        send(board, {"type": "spotlight", "session": None})
        for ws, _, _ in joined:
            assert of_type(ws, "spotlight")["session"] is None
        send(board, {"type": "end"})
        assert of_type(board, "ended") == {"type": "ended", "code": code}
        for ws, _, _ in joined:
            assert of_type(ws, "class")["event"] == "ended"
        assert all(sid in store.sessions for sid in ids)
        send(ws0, {"type": "step", "n": 1})
        assert of_type(ws0, "frame", lambda f: f["step"] == base + 13)


def test_a_fork_over_the_memory_budget_is_refused_and_the_student_goes_on():
    """Ann's wide run beside Bob's default one fits the budget; a copy of it in Bob's place would not."""
    wide, default = (session_bytes(SessionShape.of(TrainingConfig(**c))) for c in ({"hidden_sizes": [256, 256]}, {}))
    assert wide > default + 2 * MB
    with TestClient(make_app(memory_budget_mb=math.ceil((wide + default) / MB) + 1)) as c:
        klass = new_class(c)
        with students(c, klass["code"], ["Ann", "Bob"]) as [(a, ha, _), (b, hb, _)], board_socket(c, klass) as board:
            send(a, {"type": "config", "config": {"hidden_sizes": [256, 256]}})
            of_type(a, "config")
            send(board, {"type": "spotlight", "session": ha["session"]})
            of_type(b, "spotlight")
            send(b, {"type": "fork", "session": ha["session"]})
            refusal = until(b, lambda m: m["type"] in ("error", "config"))  # a config: the fork was made
            assert refusal["type"] == "error", refusal
            assert refusal["field"] == "session" and "NNPG_MEMORY_BUDGET_MB" in refusal["message"]
            send(b, {"type": "step", "n": 3})
            assert of_type(b, "frame", lambda f: f["step"] == 3)["step"] == 3
            assert c.app.state.sessions.sessions[hb["session"]].training.config.hidden_sizes == \
                TrainingConfig().hidden_sizes


def test_students_cannot_lead_or_control_another_session(tc):
    klass = new_class(tc)
    with students(tc, klass["code"], ["Ann", "Bob"]) as [(a, ha, _), (b, hb, _)]:
        for msg in ({"type": "push", "config": {"learning_rate": 5}},
                    {"type": "spotlight", "session": ha["session"]},
                    {"type": "pause_all"}, {"type": "end"}):
            send(b, msg)
            err = until(b, lambda m: m["type"] == "error")
            assert err["field"] == "type"
        # fork of a run that is not in the spotlight
        send(b, {"type": "fork", "session": ha["session"]})
        assert until(b, lambda m: m["type"] == "error")["field"] == "session"
        # another student's session: watching is read-only, driving needs its token
        with tc.websocket_connect(f"/ws/session?session={ha['session']}&watch=1") as v:
            of_type(v, "hello")
            send(v, {"type": "config", "config": {"learning_rate": 5}})
            assert until(v, lambda m: m["type"] == "error")["field"] == "role"
        with tc.websocket_connect(f"/ws/session?session={ha['session']}&token={hb['token']}") as w:
            assert recv(w)["field"] == "token"
            with pytest.raises(WebSocketDisconnect) as closed:
                recv(w)
            assert closed.value.code == 1008
        # the board with a student's token (or none)
        for token in (hb["token"], "", klass["teacher_token"] + "x"):
            with tc.websocket_connect(f"/ws/class?code={klass['code']}&token={token}") as w:
                err = recv(w)
                assert err["type"] == "error" and err["field"] == "token"
                assert token not in err["message"] or not token
                with pytest.raises(WebSocketDisconnect) as closed:
                    recv(w)
                assert closed.value.code == 1008
        assert tc.app.state.sessions.sessions[ha["session"]].training.config.learning_rate == 1.0
        send(a, {"type": "step", "n": 2})  # Ann's session still answers Ann
        assert of_type(a, "frame", lambda f: f["step"] == 2)


def test_the_teacher_is_refused_bad_leads_by_field(tc):
    klass = new_class(tc)
    with students(tc, klass["code"], ["Ann"]) as [(a, ha, _)], board_socket(tc, klass) as board:
        cases = [({"type": "push", "config": {"learning_rate": -1}}, "learning_rate"),
                 ({"type": "push", "config": {"nope": 1}}, "nope"),
                 ({"type": "spotlight", "session": "not-a-student"}, "session"),
                 ({"type": "push", "config": {}, "lesson": {"id": "x", "title": "y",
                   "goal": {"metric": "test_accuracy", "at_least": 2}}}, "lesson.goal.at_least"),
                 ({"type": "jump"}, "type")]
        for msg, field in cases:
            send(board, msg)
            err = until(board, lambda m: m["type"] == "error")
            assert err["field"] == field, err
            assert "not-a-student" not in err["message"]
        assert tc.app.state.sessions.sessions[ha["session"]].training.config.learning_rate == 1.0


def test_joining_is_checked_by_code_name_size_and_rate():
    with TestClient(make_app(max_class_students=2, class_joins_per_minute=3, max_name_length=8)) as c:
        klass = new_class(c)
        code = klass["code"]

        def refused(query):
            with c.websocket_connect(f"/ws/session?{query}") as ws:
                err = recv(ws)
                with pytest.raises(WebSocketDisconnect) as closed:
                    recv(ws)
                return err, closed.value.code

        err, close = refused("class=ZZZZZZ&name=Ann")
        assert (err["field"], close) == ("class", 1008)
        err, close = refused(f"class={code}&name=%20%20")
        assert err["field"] == "name" and close == 1008
        err, close = refused(f"class={code}&name=ABCDEFGHIJ")
        assert err["field"] == "name" and "ABCDEFGHIJ" not in err["message"]
        with students(c, code.lower(), ["Ann", "Bob"]):  # the code in any case
            err, close = refused(f"class={code}&name=Cy")
            assert (err["field"], close) == ("class", 1013) and "full" in err["message"]
        err, close = refused(f"class={new_class(c)['code']}&name=Dee")  # a fourth join
        assert (err["field"], close) == ("class", 1013) and "too many joins" in err["message"]


def test_a_server_holds_at_most_max_live_classes():
    with TestClient(make_app(max_live_classes=2)) as c:
        first = new_class(c)
        new_class(c)
        res = c.post("/api/v1/classes")
        assert res.status_code == 429
        assert res.json()["detail"][0]["loc"] == ["body"] and "2 classes" in res.json()["detail"][0]["msg"]
        with board_socket(c, first) as board:
            of_type(board, "board")
            send(board, {"type": "end"})
            of_type(board, "ended")
        assert new_class(c)["code"] != first["code"]


def test_a_class_nobody_uses_ends_after_its_idle_time():
    with TestClient(make_app(class_idle_seconds=60)) as c:
        klass = new_class(c)
        code, room = klass["code"], c.app.state.classroom
        with students(c, code, ["Ann"]) as [(ws, hello, _)]:
            c.portal.call(room.expire)  # used just now: kept
            assert c.portal.call(room.record, code) is not None
            c.portal.call(room.backend.update_class, code, {"last_active": time.time() - 61})
            c.portal.call(room.expire)
            assert of_type(ws, "class")["event"] == "ended"
            send(ws, {"type": "step", "n": 1})  # the run stays the student's
            of_type(ws, "frame", lambda f: f["step"] == 1)
        assert c.portal.call(room.record, code) is None
        with board_socket(c, klass) as board:
            assert recv(board)["field"] == "token"


def test_a_dropped_student_resumes_and_stays_in_the_class(tc):
    klass = new_class(tc)
    with students(tc, klass["code"], ["Ann"]) as [(a, hello, _)]:
        sid, token = hello["session"], hello["token"]
    with board_socket(tc, klass) as board:
        gone = of_type(board, "board", lambda m: m["students"] and
                       m["students"][0]["status"] == "disconnected")
        assert gone["students"][0]["session"] == sid
        with tc.websocket_connect(f"/ws/session?session={sid}&token={token}") as again:
            assert of_type(again, "hello")["session"] == sid
            notice = of_type(again, "class")
            assert (notice["code"], notice["name"]) == (klass["code"], "Ann")
            of_type(board, "board", lambda m: m["students"][0]["status"] == "paused")
            send(board, {"type": "push", "config": {"reg": 0.01}})
            assert of_type(again, "config")["config"]["reg"] == 0.01


def test_a_solo_run_joins_a_class_as_it_is_and_the_teacher_run_can_be_spotlit(tc):
    klass = new_class(tc)
    with tc.websocket_connect("/ws/session") as solo:
        hello = of_type(solo, "hello")
        send(solo, {"type": "step", "n": 3})
        of_type(solo, "frame", lambda f: f["step"] == 3)
    query = f"session={hello['session']}&token={hello['token']}&class={klass['code']}&name=Ann"
    with tc.websocket_connect(f"/ws/session?{query}") as ws, \
            tc.websocket_connect(f"/ws/session?class={klass['code']}&teacher={klass['teacher_token']}") as mine, \
            board_socket(tc, klass) as board:
        assert of_type(ws, "hello")["step"] == 3
        assert of_type(ws, "class")["name"] == "Ann"
        teacher_session = of_type(mine, "hello")["session"]
        assert of_type(board, "board", lambda m: m["teacher_session"])["teacher_session"] == teacher_session
        send(board, {"type": "spotlight", "session": teacher_session})
        assert of_type(ws, "spotlight") == {"type": "spotlight", "session": teacher_session, "name": None}
    with tc.websocket_connect(f"/ws/session?class={klass['code']}&teacher=wrong") as w:
        assert recv(w)["field"] == "token"


# ---- over a real server -------------------------------------------------------------------


async def _until(ws, pred):
    """The first message satisfying ``pred`` on a `websockets` connection (a
    hang is caught by pytest-timeout)."""
    while True:
        text = await ws.recv()
        msg = json.loads(text, parse_constant=_refuse_constant)
        if msg["type"] in MODELS:
            MODELS[msg["type"]].model_validate_json(text)
        if pred(msg):
            return msg
        assert msg["type"] != "error", msg


async def _a_class_over_real_sockets(http, ws_base):
    from websockets.asyncio.client import connect

    res = await asyncio.to_thread(urlopen, Request(http + "/api/v1/classes", method="POST"))
    klass = json.loads(res.read())
    code = klass["code"]
    kinds = lambda kind, pred=lambda m: True: lambda m: m["type"] == kind and pred(m)  # noqa: E731
    async with contextlib.AsyncExitStack() as stack:
        socks = []
        for name in NAMES:
            ws = await stack.enter_async_context(connect(
                f"{ws_base}/ws/session?class={code}&name={quote(name)}", max_size=None))
            hello = await _until(ws, kinds("hello"))
            assert (await _until(ws, kinds("class")))["name"] == name
            socks.append((ws, hello["session"]))
        board = await stack.enter_async_context(connect(
            f"{ws_base}/ws/class?code={code}&token={klass['teacher_token']}", max_size=None))
        update = await _until(board, kinds("board", lambda m: len(m["students"]) == 10))
        assert [s["name"] for s in update["students"]] == NAMES

        # a student cannot push; the teacher can, to all ten
        await socks[3][0].send(json.dumps({"type": "push", "config": {"learning_rate": 9}}))
        assert (await _until(socks[3][0], kinds("error")))["field"] == "type"
        await board.send(json.dumps({"type": "push", "config": {"learning_rate": 0.3}}))
        for ws, _ in socks:
            assert (await _until(ws, kinds("config")))["config"]["learning_rate"] == 0.3

        # spotlight student 0; every other student watches it: the same frames
        ws0, sid0 = socks[0]
        await board.send(json.dumps({"type": "spotlight", "session": sid0}))
        viewers = []
        for ws, _ in socks[1:]:
            assert (await _until(ws, kinds("spotlight")))["session"] == sid0
            viewer = await stack.enter_async_context(connect(
                f"{ws_base}/ws/session?session={sid0}&watch=1", max_size=None))
            await _until(viewer, kinds("hello"))
            viewers.append(viewer)
        await ws0.send(json.dumps({"type": "step", "n": 40}))
        target = await _until(ws0, kinds("frame", lambda f: f["step"] == 40))
        for viewer in viewers:
            seen = await _until(viewer, kinds("frame", lambda f: f["step"] == 40))
            assert seen["boundary"]["data"] == target["boundary"]["data"]

        # student 1 makes it theirs: the same weights, and the same run on from there
        ws1, _ = socks[1]
        await ws1.send(json.dumps({"type": "fork", "session": sid0}))
        await _until(ws1, kinds("config", lambda m: m["reset"]))
        for ws in (ws0, ws1):
            await ws.send(json.dumps({"type": "step", "n": 3}))
            await _until(ws, kinds("frame", lambda f: f["step"] == 43))
            await ws.send(json.dumps({"type": "model"}))
        assert await _until(ws0, kinds("model")) == await _until(ws1, kinds("model"))


def test_a_class_over_a_real_server(real_server):
    asyncio.run(_a_class_over_real_sockets(real_server.http, real_server.http.replace("http", "ws")))
