"""A class across two app processes behind nginx, with Redis between them:
a teacher on one process leads students on both; then Redis goes away and
comes back; then the process holding some students dies."""
from __future__ import annotations

import contextlib
import json
import urllib.request
from urllib.parse import quote

import pytest
from websockets.sync.client import connect

from .conftest import open_session, recv, until
from .test_cluster import fresh_id, holders

pytestmark = pytest.mark.cluster
STUDENTS = 6
MAX_STUDENTS = 60  # nginx's hash may give one process a small share: join until both hold some


def new_class(base) -> dict:
    req = urllib.request.Request(base + "/api/v1/classes", method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        assert res.status == 201
        return json.loads(res.read())


def send(ws, msg):
    ws.send(json.dumps(msg))


def of_type(ws, kind, pred=lambda m: True):
    return until(ws, lambda m: m["type"] == kind and pred(m))


def join(stack, cluster, code, name):
    """A student joining through nginx as the page does: (socket, hello, the process holding it)."""
    sid = fresh_id(cluster.url)
    ws, hello = stack.enter_context(open_session(cluster.url, f"?class={code}&name={quote(name)}"
                                                              f"&session={sid}&new=1"))
    assert hello["type"] == "hello" and hello["session"] == sid, hello
    assert of_type(ws, "class")["event"] == "joined"
    (owner,) = holders(cluster, sid)
    return ws, hello, owner


def board_listing(board, ids, pred=lambda s: True):
    """The first board update listing exactly ``ids``, each satisfying ``pred``."""
    return of_type(board, "board", lambda m: sorted(s["session"] for s in m["students"]) == sorted(ids)
                   and all(pred(s) for s in m["students"]))


def test_a_class_across_processes_survives_redis_and_a_process_going_away(cluster):
    klass = new_class(cluster.url)
    code = klass["code"]
    board_url = cluster.app_urls[0].replace("http://", "ws://") + \
        f"/ws/class?code={code}&token={klass['teacher_token']}"
    with contextlib.ExitStack() as stack:
        board = stack.enter_context(connect(board_url, max_size=None, open_timeout=60))
        students = []  # (socket, hello, owner)
        while len(students) < STUDENTS or len({o for _, _, o in students}) < 2:
            assert len(students) < MAX_STUDENTS
            students.append(join(stack, cluster, code, f"S{len(students)}"))
        ids = [h["session"] for _, h, _ in students]
        board_listing(board, ids, lambda s: s["step"] is not None)

        # the teacher (on process 0) pushes: every student, on either process, takes it
        send(board, {"type": "push", "config": {"learning_rate": 0.3}})
        assert of_type(board, "ack")["students"] == len(students)
        for ws, _, _ in students:
            assert of_type(ws, "config")["config"]["learning_rate"] == 0.3
            assert of_type(ws, "class")["event"] == "pushed"
        # a spotlight on a student of process 1: everyone is told, and watches it through nginx
        spot = next(h["session"] for _, h, owner in students if owner == 1)
        send(board, {"type": "spotlight", "session": spot})
        assert of_type(board, "ack")["session"] == spot
        for ws, _, _ in students:
            assert of_type(ws, "spotlight")["session"] == spot
        with open_session(cluster.url, f"?session={spot}&watch=1") as (_, watching):
            assert (watching["type"], watching["role"], watching["session"]) == ("hello", "viewer", spot)
        send(board, {"type": "resume_all"})
        steps = {}
        for ws, hello, _ in students:
            of_type(ws, "class", lambda m: m["event"] == "resumed")
            steps[hello["session"]] = of_type(ws, "frame", lambda f: f["running"])["step"]

        # Redis goes away: the board and every student are told; training goes on
        cluster.redis.kill()
        assert of_type(board, "class_store")["available"] is False
        for ws, hello, _ in students:
            of_type(ws, "class", lambda m: m["event"] == "store_down")
            sid = hello["session"]
            steps[sid] = of_type(ws, "frame", lambda f: f["step"] > steps[sid])["step"]
        send(board, {"type": "pause_all"})
        assert of_type(board, "error")["field"] is None  # refused while the store is away

        # Redis is back (with the class, from its append-only file): the class goes on
        cluster.start_redis()
        for ws, _, _ in students:
            of_type(ws, "class", lambda m: m["event"] == "store_back")
        board_listing(board, ids)
        send(board, {"type": "push", "config": {"learning_rate": 0.2}})
        assert of_type(board, "ack")["students"] == len(students)
        for ws, _, _ in students:
            assert of_type(ws, "config")["config"]["learning_rate"] == 0.2

        # process 1 dies: the students on process 0 train on and stay on the board;
        # those on process 1 find their session gone and join again with a new one
        cluster.apps[1].kill()
        staying = [(ws, h) for ws, h, owner in students if owner == 0]
        lost = [(ws, h) for ws, h, owner in students if owner == 1]
        for ws, hello in staying:
            sid = hello["session"]
            steps[sid] = of_type(ws, "frame", lambda f: f["step"] > steps[sid])["step"]
        rejoined = []
        for i, (ws, hello) in enumerate(lost):
            with open_session(cluster.url, f"?session={hello['session']}&token={hello['token']}") \
                    as (_, refused):
                assert refused["type"] == "error" and refused["field"] == "token"
            again, hello2, owner = join(stack, cluster, code, f"Back{i}")
            assert owner == 0 and hello2["session"] != hello["session"]
            rejoined.append(hello2["session"])
        alive = [h["session"] for _, h in staying] + rejoined
        update = of_type(board, "board", lambda m: set(alive) <= {s["session"] for s in m["students"]}
                         and all(s["status"] != "disconnected" for s in m["students"]
                                 if s["session"] in alive))
        assert {s["session"] for s in update["students"]} >= set(alive)
