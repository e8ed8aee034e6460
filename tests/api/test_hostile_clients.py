"""/ws/session under hostile clients: bounded per-connection memory, no lockout,
fair turns for `step n`, the Origin rule, odd tokens and short echoes.

The settings each of these relies on are tested one by one in test_limits.py.
"""
from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import threading
import time
from pathlib import Path

import pytest
import servers
from fastapi.testclient import TestClient
from websockets.sync.client import connect

from app.command_queue import CommandQueue
from app.config import Settings
from app.main import create_app

from .conftest import next_of
from app.subscribers import Subscriber

HANG_GUARD = 120  # seconds: a wait that never ends is a failure, however loaded the machine


def make_client(**settings) -> TestClient:
    settings.setdefault("new_sessions_per_minute", 1000)
    return TestClient(create_app(Settings(frame_process=False, **settings)))




def refusal(ws) -> tuple[dict, int]:
    """The `error` a refused connection gets, and its close code."""
    error = ws.receive_json()
    assert error["type"] == "error", error
    return error, ws.receive()["code"]


# ---- a client that never reads (a real server: only real sockets fill up) --------------------

BIG = {"hidden_sizes": [1024, 1024, 1024]}
PROBES = 2000
STALL_SECONDS = 2
# How much higher the server's RSS may peak while one client floods 2,000 probes and never
# reads than while a client resumes the same session, probes and reads (that costs a frame's
# copy of the weights, ~50 MB here, whatever the client does). What the server keeps for the
# stalled client is bounded: one unsent probe reply (~60 KB here), at most
# max_outbox_messages small replies, max_pending_commands parsed messages and one frame, plus
# the socket buffers (~130 KB); the rest is allocator slack. Unbounded, the same flood queued
# 2,000 replies of ~60 KB each: over 100 MB.
RSS_GROWTH_BOUND = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def stall_server(tmp_path_factory):
    with servers.running(tmp_path_factory.mktemp("stall") / "server.log",
                         env={"NNPG_CLIENT_STALL_SECONDS": str(STALL_SECONDS)}) as server:
        yield server


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


class PeakRss(threading.Thread):
    """The highest RSS of a process while running."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.done = pid, 0, threading.Event()

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.02)


def masked_frame(payload: bytes, opcode=0x1) -> bytes:
    """A client → server WebSocket frame (clients must mask)."""
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    n = len(payload)
    head += bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + n.to_bytes(2, "big")
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def raw_socket(port: int, path: str, receive_buffer=4096) -> socket.socket:
    """A WebSocket opened by hand on a socket with a tiny receive buffer; nothing read past the 101."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.settimeout(HANG_GUARD)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)  # byte by byte: nothing of the first frame is taken
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def wait_until_dropped(sock) -> float:
    """Keep sending small pings (never reading) until the server has dropped the
    connection; the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < HANG_GUARD:
        try:
            sock.sendall(masked_frame(b"p", opcode=0x9))
        except OSError:  # reset or broken pipe: the server let it go
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"the connection was still open after {HANG_GUARD} s")


def probe_and_read(ws, n):
    """Send n probes and read until the last one's reply (older ones may be replaced by it)."""
    for i in range(n):
        ws.send(json.dumps({"type": "probe", "x": [0.1, 0.25 * i]}))
    last = [0.1, 0.25 * (n - 1)]
    while True:
        msg = json.loads(ws.recv(timeout=HANG_GUARD))
        if msg["type"] == "probe" and msg["x"] == last:
            return


def test_a_client_that_never_reads_is_bounded_closed_and_its_session_resumable(stall_server):
    # A well-behaved client makes the big network (so that the flood adds nothing but replies).
    with connect(stall_server.ws, max_size=None, open_timeout=HANG_GUARD) as ws:
        hello = json.loads(ws.recv(timeout=HANG_GUARD))
        ws.send(json.dumps({"type": "config", "config": BIG}))
        probe_and_read(ws, 1)
    session, token = hello["session"], hello["token"]
    resume = f"{stall_server.ws}?session={session}&token={token}"
    pid = stall_server.proc.pid
    reading = PeakRss(pid)  # the same session resumed by a client that reads
    reading.start()
    with connect(resume, max_size=None, open_timeout=HANG_GUARD) as ws:
        probe_and_read(ws, 20)
        time.sleep(1.0)
    reading.done.set()
    reading.join()
    baseline = reading.peak

    sock = raw_socket(stall_server.port, f"/ws/session?session={session}&token={token}")
    peak = PeakRss(pid)
    peak.start()
    try:
        probe = masked_frame(json.dumps({"type": "probe", "x": [0.3, -0.4]}).encode())
        sent = 0
        try:
            for _ in range(PROBES):
                sock.sendall(probe)
                sent += 1
        except OSError:  # dropped mid-flood: the server may decide before the last probe
            pass
        dropped_after = wait_until_dropped(sock)
    finally:
        peak.done.set()
        peak.join()
        sock.close()
    assert sent > 0
    growth = peak.peak - baseline
    print(f"\nRSS peak with a reading client {baseline / 2**20:.1f} MB, "
          f"with a stalled one {peak.peak / 2**20:.1f} MB "
          f"(+{growth / 2**20:.1f} MB) for {sent} probes; dropped {dropped_after:.1f} s after the flood")
    assert growth < RSS_GROWTH_BOUND
    log = stall_server.log_tail(20_000)
    assert "not reading" in log and "Traceback" not in log

    with connect(resume, max_size=None, open_timeout=HANG_GUARD) as ws:
        again = json.loads(ws.recv(timeout=HANG_GUARD))
        assert again["type"] == "hello" and again["session"] == session
        assert again["config"]["hidden_sizes"] == BIG["hidden_sizes"]


# ---- bounded queues, one by one -------------------------------------------------------------

def test_a_newer_probe_or_model_reply_replaces_an_unsent_older_one_and_order_is_kept():
    sub = Subscriber("driver")
    sub.post({"type": "probe", "x": [1, 0]})
    sub.post({"type": "config", "config": {}, "reset": False})
    sub.post({"type": "model", "model": 1})
    sub.post({"type": "probe", "x": [2, 0]})
    sub.post({"type": "model", "model": 2})
    assert [json.loads(text) for _, text in sub.outbox] == [
        {"type": "config", "config": {}, "reset": False}, {"type": "probe", "x": [2, 0]},
        {"type": "model", "model": 2}]


class Msg:
    def __init__(self, type, n=0):
        self.type, self.n = type, n


def test_waiting_probes_coalesce_to_the_newest_and_the_queue_is_capped():
    queue, driver = CommandQueue(limit=3), object()
    assert all(queue.put(driver, Msg("probe", i)) for i in range(20_000))
    assert len(queue) == 1 and queue.pop()[1].n == 19_999
    assert queue.put(driver, Msg("pause")) and queue.put(driver, Msg("probe", 1))
    assert queue.put(driver, Msg("pause"))
    assert not queue.put(driver, Msg("reset"))  # full
    assert queue.put(driver, Msg("probe", 2))   # a newer probe still replaces the waiting one
    assert [m.type for _, m in (queue.pop(), queue.pop(), queue.pop())] == ["pause", "pause", "probe"]


# ---- slots: detached sessions never lock anyone out -------------------------------------------

def test_connect_and_close_cycles_never_lock_a_new_visitor_out():
    with make_client() as client:
        store = client.app.state.sessions
        first = None
        for _ in range(store.settings.max_sessions + 6):
            with client.websocket_connect("/ws/session") as ws:
                hello = next_of(ws, "hello")
                first = first or hello
        assert len(store.sessions) == store.settings.max_sessions
        with client.websocket_connect("/ws/session") as ws:
            assert next_of(ws, "hello", "error")["type"] == "hello"
        # the oldest detached session made room; its resume says so
        with client.websocket_connect(f"/ws/session?session={first['session']}&token={first['token']}") as ws:
            error, code = refusal(ws)
            assert error["field"] == "session" and error["code"] == "evicted" and code == 1008
            assert "closed to make room" in error["message"]


def test_a_session_with_a_connection_is_never_evicted():
    with make_client(max_sessions=2) as client:
        with client.websocket_connect("/ws/session") as a, client.websocket_connect("/ws/session") as b:
            ids = {next_of(a, "hello")["session"], next_of(b, "hello")["session"]}
            with client.websocket_connect("/ws/session") as c:
                error, code = refusal(c)
                assert "full" in error["message"] and code == 1013
            assert set(client.app.state.sessions.sessions) == ids
        with client.websocket_connect("/ws/session") as d:  # both detached now: one makes room
            assert next_of(d, "hello")["session"] not in ids


# ---- `step n` takes fair turns ----------------------------------------------------------------

ADVANCING_FRAMES = 5


def test_a_long_step_on_a_big_network_does_not_stall_a_playing_session():
    with make_client() as client:
        store = client.app.state.sessions
        with client.websocket_connect("/ws/session") as victim, \
                client.websocket_connect("/ws/session") as attacker:
            next_of(victim, "hello")
            attacker_id = next_of(attacker, "hello")["session"]
            attacker.send_json({"type": "config", "config": {"hidden_sizes": [1024, 1024], "n_points": 2000}})
            next_of(attacker, "config")
            heavy = store.sessions[attacker_id]
            n = 8
            attacker.send_json({"type": "step", "n": n})
            deadline = time.monotonic() + HANG_GUARD
            while not heavy.stepping:
                assert time.monotonic() < deadline, "the step never started"
                time.sleep(0.01)
            victim.send_json({"type": "play"})
            advancing, last = 0, None
            while advancing < ADVANCING_FRAMES:
                frame = next_of(victim, "frame", where=lambda f: f["running"])
                advancing = advancing + 1 if last is not None and frame["step"] > last else 0
                last = frame["step"]
            assert heavy.stepping and heavy.training.step_count < n, \
                "the victim's frames advanced only once the attacker's step was over"
            done = next_of(attacker, "frame", where=lambda f: f["step"] >= n)
            assert done["step"] == n


# ---- Origin, tokens, echoes -------------------------------------------------------------------

def test_only_the_servers_own_origin_may_open_a_socket_by_default():
    with make_client() as client:
        for path in ("/ws/session", "/ws/class?code=ABCDEF&token=x"):
            with client.websocket_connect(path, headers={"origin": "http://evil.example"}) as ws:
                error, code = refusal(ws)
                assert error["field"] == "origin" and code == 1008
        with client.websocket_connect("/ws/session", headers={"origin": "http://testserver"}) as ws:
            assert next_of(ws, "hello")["role"] == "driver"
        with client.websocket_connect("/ws/session") as ws:  # a script: no Origin
            assert next_of(ws, "hello")["role"] == "driver"


def test_a_non_ascii_token_is_a_wrong_token():
    with make_client() as client:
        with client.websocket_connect("/ws/session") as ws:
            session = next_of(ws, "hello")["session"]
        with client.websocket_connect(f"/ws/session?session={session}&token=%C3%A9") as ws:
            error, code = refusal(ws)
            assert error["field"] == "token" and code == 1008
        klass = client.post("/api/v1/classes").json()
        with client.websocket_connect(f"/ws/class?code={klass['code']}&token=%C3%A9") as ws:
            error, code = refusal(ws)
            assert error["field"] == "token" and code == 1008


def test_errors_repeat_only_a_short_prefix_of_what_was_sent():
    long_key, long_type = "k" * 60_000, "t" * 60_000
    with make_client(max_message_bytes=200_000) as client:
        with client.websocket_connect("/ws/session") as ws:
            next_of(ws, "hello")
            for message in ({"type": "play", long_key: 1}, {"type": long_type},
                            {"type": "config", "config": {long_key: 1}}):
                ws.send_json(message)
                error = next_of(ws, "error")
                assert len(json.dumps(error)) < 500, error
                assert "k" * 41 not in error["message"] and "t" * 41 not in error["message"]
                assert error["field"] is not None and len(error["field"]) <= 41
