"""Two app processes behind nginx and Redis (app/cluster.py): each session's
connections reach the process that holds it, whichever it is."""
from __future__ import annotations

import json
import time
import urllib.request

import pytest

from .conftest import open_session, until

pytestmark = pytest.mark.cluster
SESSIONS = 20
MAX_SESSIONS = 200  # nginx's hash may give one process a small share: go on until both hold some


def fresh_id(base: str) -> str:
    req = urllib.request.Request(base + "/api/v1/sessions", method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())["session"]


def holders(cluster, sid) -> list[int]:
    """The running app processes (by index) that hold ``sid``: asked directly, not through nginx."""
    found = []
    for i, url in enumerate(cluster.app_urls):
        if not cluster.apps[i].alive:
            continue
        with open_session(url, f"?session={sid}&watch=1") as (_, first):
            pass
        if first["type"] == "hello":
            found.append(i)
        else:
            assert first["type"] == "error" and first["field"] == "session"
    return found


def test_sessions_spread_and_every_resume_and_viewer_reaches_the_owner(cluster):
    created, owners = {}, {}  # id → (token, steps taken), id → the processes holding it
    for n in range(1, MAX_SESSIONS + 1):
        if n > SESSIONS and len({tuple(found) for found in owners.values()}) > 1:
            break
        sid = fresh_id(cluster.url)
        with open_session(cluster.url, f"?session={sid}&new=1") as (ws, hello):
            assert hello["type"] == "hello" and hello["session"] == sid
            ws.send(json.dumps({"type": "step", "n": n}))
            until(ws, lambda m: m["type"] == "frame" and m["step"] == n)
        created[sid] = (hello["token"], n)
        owners[sid] = holders(cluster, sid)

    assert all(len(found) == 1 for found in owners.values()), owners
    per_process = [sum(found == [i] for found in owners.values()) for i in range(2)]
    assert min(per_process) >= 1 and sum(per_process) == len(created) >= SESSIONS, per_process

    for sid, (token, steps) in created.items():
        with open_session(cluster.url, f"?session={sid}&watch=1") as (viewer, vh), \
                open_session(cluster.url, f"?session={sid}&token={token}") as (driver, dh):
            assert (vh["type"], vh["role"], vh["step"]) == ("hello", "viewer", steps), vh
            assert (dh["type"], dh["role"], dh["step"]) == ("hello", "driver", steps), dh
            driver.send(json.dumps({"type": "step", "n": 1}))
            until(viewer, lambda m: m["type"] == "frame" and m["step"] == steps + 1)


def test_a_plain_connection_still_gets_a_session(cluster):
    with open_session(cluster.url, "") as (ws, hello):
        assert hello["type"] == "hello" and hello["token"]
        assert until(ws, lambda m: m["type"] == "frame")["step"] == 0


def test_rest_and_static_go_to_any_process(cluster):
    for path in ("/", "/api/v1/datasets", "/api/v1/catalog"):
        with urllib.request.urlopen(cluster.url + path, timeout=30) as res:
            assert res.status == 200


def test_a_slow_reader_gets_all_of_a_large_file(cluster):
    """nginx buffers what a slow client has not read yet in its temp folder, which
    its unprivileged workers must be able to write: the body arrives whole."""
    with urllib.request.urlopen(cluster.app_urls[0] + "/vendor/plotly.min.js", timeout=30) as res:
        whole = res.read()
    with urllib.request.urlopen(cluster.url + "/vendor/plotly.min.js", timeout=30) as res:
        head = res.read(1024)
        time.sleep(1.0)  # nginx reads the app's answer meanwhile and spills it to disk
        body = head + res.read()
    assert len(whole) > 1_000_000 and body == whole


def test_a_sessions_rest_calls_reach_the_process_holding_it(cluster):
    """GET /api/v1/sessions/ID/model through nginx: routed by the id in the path."""
    held = set()
    for n in range(1, MAX_SESSIONS + 1):
        if n > 8 and len(held) > 1:
            break
        sid = fresh_id(cluster.url)
        with open_session(cluster.url, f"?session={sid}&new=1") as (ws, hello):
            ws.send(json.dumps({"type": "step", "n": n}))
            until(ws, lambda m: m["type"] == "frame" and m["step"] == n)
            with urllib.request.urlopen(cluster.url + f"/api/v1/sessions/{sid}/model", timeout=30) as res:
                body = json.loads(res.read())
        assert (body["session"], body["step"]) == (sid, n)
        held.update(holders(cluster, sid))
    assert held == {0, 1}
