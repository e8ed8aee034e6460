"""/ws/session against a real server: `python -m app` in a subprocess, spoken to
with the `websockets` client over real sockets (uvicorn's WebSocket stack, its
message size limit and close codes, many sessions sharing one training thread).
"""
from __future__ import annotations

import asyncio
import json
import os
import time

import pytest
import servers
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from app.schemas import ConfigReply, ErrorReply, Frame, Hello, ProbeReply

MODELS = {"hello": Hello, "config": ConfigReply, "frame": Frame, "probe": ProbeReply,
          "error": ErrorReply}


def _refuse_constant(name):
    raise AssertionError(f"the server sent {name}, which is not JSON")


def parse(text) -> dict:
    msg = json.loads(text, parse_constant=_refuse_constant)
    MODELS[msg["type"]].model_validate_json(text, strict=True)
    return msg


@pytest.fixture(scope="module")
def server(real_server):
    """The real app's /ws/session URL."""
    return real_server.ws


async def recv(ws, timeout=60.0) -> dict:
    return parse(await asyncio.wait_for(ws.recv(), timeout))


async def frame_where(ws, pred, timeout=60.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        msg = await recv(ws, max(0.01, deadline - time.monotonic()))
        assert msg["type"] != "error", msg
        if msg["type"] == "frame" and pred(msg):
            return msg


def run(coro):
    return asyncio.run(coro)


# ---- many sessions at once ------------------------------------------------------------

async def one_client(url, index):
    async with connect(url, max_size=None, open_timeout=60) as ws:
        hello = await recv(ws)
        assert hello["type"] == "hello" and hello["step"] == 0
        assert (await recv(ws))["type"] == "frame"
        await ws.send(json.dumps({"type": "play"}))
        steps = []
        start = time.monotonic()
        while len(steps) < 4 or steps[-1] == steps[0]:  # frames until it has trained
            f = await frame_where(ws, lambda f: f["running"], timeout=max(0.1, 60 - (time.monotonic() - start)))
            assert f["status"] == "ok"
            assert all(v is not None for v in f["loss"].values())
            steps.append(f["step"])
        assert steps == sorted(steps) and steps[-1] > steps[0], steps
        await ws.send(json.dumps({"type": "pause"}))
        paused = await frame_where(ws, lambda f: not f["running"])
        await ws.close()
        assert ws.close_code == 1000
        return hello["session"], steps, paused["step"]


def test_twenty_sessions_at_once_all_get_frames(server):
    async def main():
        return await asyncio.wait_for(
            asyncio.gather(*(one_client(server, i) for i in range(20))), 120)

    results = run(main())
    assert len({sid for sid, _, _ in results}) == 20
    for sid, steps, last in results:
        assert last >= steps[-1]


# ---- the real transport's limits and close codes ----------------------------------------

def test_a_message_over_64_kib_is_refused_and_small_ones_work(server):
    async def main():
        async with connect(server, max_size=None) as ws:
            await recv(ws)
            await recv(ws)
            await ws.send(json.dumps({"type": "step", "n": 3}))
            assert (await frame_where(ws, lambda f: True))["step"] == 3
            await ws.send(json.dumps({"type": "probe", "x": [0, 0], "pad": "x" * (64 * 1024)}))
            try:
                msg = await recv(ws)
                while msg["type"] == "frame":
                    msg = await recv(ws)
                assert msg["type"] == "error"          # an error (the connection stays)...
            except ConnectionClosed:
                assert ws.close_code == 1009           # ...or close 1009, as the contract allows

    run(main())


def test_resume_over_a_real_socket_and_a_wrong_token_gets_1008(server):
    async def main():
        async with connect(server, max_size=None) as ws:
            hello = await recv(ws)
            await recv(ws)
            await ws.send(json.dumps({"type": "step", "n": 5}))
            assert (await frame_where(ws, lambda f: True))["step"] == 5
        sid, token = hello["session"], hello["token"]
        async with connect(f"{server}?session={sid}&token={token}", max_size=None) as ws:
            again = await recv(ws)
            assert (again["type"], again["session"], again["step"]) == ("hello", sid, 5)
        async with connect(f"{server}?session={sid}&token=not-it", max_size=None) as ws:
            err = await recv(ws)
            assert err["type"] == "error" and err["field"] == "token"
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 1008

    run(main())


def test_takeover_over_real_sockets(server):
    async def main():
        async with connect(server, max_size=None) as a:
            hello = await recv(a)
            await a.send(json.dumps({"type": "play"}))
            await frame_where(a, lambda f: f["step"] > 5)
            url = f"{server}?session={hello['session']}&token={hello['token']}"
            async with connect(url, max_size=None) as b:
                assert (await recv(b))["session"] == hello["session"]
                told = False
                with pytest.raises(ConnectionClosed):
                    while True:
                        msg = await recv(a)
                        told = told or (msg["type"] == "error" and msg["field"] == "session")
                assert told
                await b.send(json.dumps({"type": "pause"}))
                f = await frame_where(b, lambda f: not f["running"])
                await b.send(json.dumps({"type": "step", "n": 2}))
                assert (await frame_where(b, lambda g: g["step"] != f["step"]))["step"] == f["step"] + 2

    run(main())


# ---- no process outlives the server -------------------------------------------------------

def descendants(pid):
    """Every process below pid, from /proc (the frame workers and their forkserver)."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        for task in os.listdir(f"/proc/{parent}/task"):
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def running(pid):
    """Alive and not a zombie (an exited child not yet reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", ["terminate", "kill"])
def test_no_frame_worker_outlives_the_server(tmp_path, how):
    """`python -m app` draws frames in worker processes; stopped (SIGTERM) or
    killed (SIGKILL), it leaves none of them behind."""
    server = servers.start(tmp_path / "server.log")
    proc, port = server.proc, server.port
    children = []
    try:
        async def heavy_and_light():
            url = f"ws://127.0.0.1:{port}/ws/session"
            async with connect(url, max_size=None) as a, connect(url, max_size=None) as b:
                await recv(a)
                await recv(b)
                await a.send(json.dumps({"type": "config", "config": {"hidden_sizes": [1024, 1024]}}))
                await b.send(json.dumps({"type": "step", "n": 1}))
                await frame_where(b, lambda f: f["step"] == 1)
                await a.send(json.dumps({"type": "step", "n": 1}))
                await frame_where(a, lambda f: f["step"] == 1)  # drawn by the slow lane's worker

        run(heavy_and_light())
        children = descendants(proc.pid)
        assert len(children) >= 3, children  # forkserver, the fast and the slow frame worker
    finally:
        servers.stop(server, kill=how == "kill")
    deadline = time.monotonic() + 10
    while any(running(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [c for c in children if running(c)], "frame workers outlived the server"
