"""The server `python -m app` runs, under hostile clients, tested with raw sockets (app/server.py).

Each server here runs with small limits set through NNPG_* variables, so a
megabyte stands for the 128 MB header and a few hundred connections for the
twenty thousand. Waits are hang guards, never speed checks.
"""
from __future__ import annotations

import json
import resource
import selectors
import socket
import threading
import time

import pytest
import servers

from app.config import Settings

HANG_SECONDS = 30.0
LIMITS = {
    "NNPG_MAX_REQUEST_LINE_BYTES": "4096",
    "NNPG_MAX_HEADER_BYTES": "8192",
    "NNPG_HEADER_TIMEOUT_SECONDS": "1",
    "NNPG_KEEP_ALIVE_SECONDS": "1",
    "NNPG_BODY_TIMEOUT_SECONDS": "1",
    "NNPG_MAX_CONNECTIONS_PER_ADDRESS": "20",
}
UPGRADE = (b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
           b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with servers.running(tmp_path_factory.mktemp("http") / "server.log", env=LIMITS) as running:
        yield running


def connect(server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=HANG_SECONDS)
    return sock


def read_answer(sock) -> bytes:
    """Everything the server sends until it closes the connection (or the hang guard)."""
    chunks = []
    while True:
        try:
            chunk = sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def error_body(answer: bytes) -> dict:
    return json.loads(answer.split(b"\r\n\r\n", 1)[1])


def ask(server, request: bytes) -> bytes:
    """Sends ``request`` whole (ignoring a close mid-way) and reads the answer to the end."""
    with connect(server) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_answer(sock)


def get_root(server) -> int:
    return status_of(ask(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))


def wait_until(predicate, what):
    deadline = time.monotonic() + HANG_SECONDS
    while not predicate():
        assert time.monotonic() < deadline, f"hung waiting for {what}"
        time.sleep(0.05)


# ---- request line and header size --------------------------------------------------------

def test_a_request_line_over_max_request_line_bytes_is_answered_414(server):
    answer = ask(server, b"GET /?x=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert status_of(answer) == 414
    assert error_body(answer)["detail"][0]["loc"] == ["request line"]


def test_headers_over_max_header_bytes_are_answered_431_while_others_are_served(server):
    """A megabyte of header: refused at the limit, and a small GET meanwhile is served."""
    with connect(server) as big:
        big.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: ")
        sent = threading.Event()

        def send_a_megabyte():
            try:
                for _ in range(64):
                    big.sendall(b"a" * 16384)
            except OSError:
                pass  # the server closed the connection at its limit
            sent.set()

        threading.Thread(target=send_a_megabyte, daemon=True).start()
        assert get_root(server) == 200
        answer = read_answer(big)
        sent.wait(HANG_SECONDS)
    assert status_of(answer) == 431
    assert error_body(answer)["detail"][0]["type"] == "headers_too_large"


def test_a_header_just_under_the_limit_is_served(server):
    assert status_of(ask(server, b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-A: "
                         + b"a" * 6000 + b"\r\n\r\n")) == 200


@pytest.mark.parametrize("request_, status", [
    (b"GET /ws/session?x=" + b"a" * 5000 + b" HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n", 414),
    (b"GET /ws/session?x=" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n", 414),
    (b"GET /ws/session HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"X-Big: " + b"a" * 20_000 + b"\r\n\r\n", 431),
])
def test_a_websocket_upgrade_over_the_limits_is_answered(server, request_, status):
    assert status_of(ask(server, request_)) == status


def test_a_websocket_upgrade_within_the_limits_still_switches(server):
    with connect(server) as sock:
        sock.sendall(b"GET /ws/session HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 101 ")


# ---- slow and idle connections -------------------------------------------------------------

def test_headers_not_complete_within_header_timeout_seconds_get_408_and_close(server):
    with connect(server) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        answer = read_answer(sock)
    assert status_of(answer) == 408


def test_a_connection_that_sends_nothing_is_closed_after_header_timeout_seconds(server):
    with connect(server) as sock:
        assert read_answer(sock) == b""


POST_HEAD = (b"POST /api/v1/forward HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
             b"Content-Length: %d\r\n\r\n")


def test_a_body_that_stops_arriving_gets_408_after_body_timeout_seconds(server):
    with connect(server) as sock:
        sock.sendall(POST_HEAD % 100_000 + b"{" + b" " * 1000)  # and then nothing
        answer = read_answer(sock)
    assert status_of(answer) == 408
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["detail"][0]["loc"] == ["body"]


def test_a_slow_but_steady_body_is_served_though_it_takes_longer_than_body_timeout_seconds(server):
    """Twenty pieces 0.1 s apart (2 s in all, the timeout is 1 s): the wait is between pieces.
    The request is the seed's cat image scored by its W and b."""
    seed_w_t = [[0.2, 1.5, 0.0], [-0.5, 1.3, 0.25], [0.1, 2.1, 0.2], [2.0, 0.0, -0.3]]
    body = json.dumps({"model": {"activation": "relu", "layers": [{"W": seed_w_t, "b": [1.1, 3.2, -1.2]}]},
                       "X": [[56.0, 231.0, 24.0, 2.0]]}).encode()
    body += b" " * (20 - len(body) % 20)
    step = len(body) // 20
    with connect(server) as sock:
        sock.sendall(POST_HEAD % len(body))
        for i in range(0, len(body), step):
            time.sleep(0.1)
            sock.sendall(body[i:i + step])
        answer = read_answer(sock)  # the whole answer: the server closes after it
    assert status_of(answer) == 200, answer[:300]
    scores = json.loads(answer.split(b"\r\n\r\n", 1)[1])["scores"][0]
    assert [round(v, 6) for v in scores] == [-96.8, 437.9, 60.75]


def test_an_idle_keep_alive_connection_is_closed_after_keep_alive_seconds(server):
    with connect(server) as sock:
        sock.sendall(b"GET /favicon.svg HTTP/1.1\r\nHost: x\r\n\r\n")
        answer = read_answer(sock)  # the answer, then the close once idle
    assert status_of(answer) == 200 and answer.endswith(b"</svg>")


def test_connections_over_max_connections_per_address_get_503(server):
    """300 half-open requests from one address: 20 are held, the rest refused, then all is well."""
    assert refused_in_a_flood(server, 300) >= 300 - 20
    log = server.log_tail(200_000)
    assert "Traceback" not in log
    assert log.count("Refusing connections from 127.0.0.1") == 1  # once a minute, not once per refusal


def refused_in_a_flood(server, count: int) -> int:
    """Opens ``count`` connections, each sending half a request; how many were answered 503.

    All are closed after, and the server is waited for until it serves a request again."""
    socks = []
    try:
        for _ in range(count):
            socks.append(connect(server))
            socks[-1].sendall(b"GET / HTTP/1.1\r\n")
        refused = sum(status_of(answer) == 503 for answer in first_answers(socks))
    finally:
        for sock in socks:
            sock.close()
    wait_until(lambda: get_root(server) == 200, "a request once the connections closed")
    return refused


def first_answers(socks, quiet_seconds=2.0) -> list[bytes]:
    """The first bytes each socket receives, collected until none has anything for ``quiet_seconds``."""
    answers = {sock: b"" for sock in socks}
    with selectors.DefaultSelector() as selector:
        for sock in socks:
            selector.register(sock, selectors.EVENT_READ)
        while events := selector.select(quiet_seconds):
            for key, _ in events:
                try:
                    answers[key.fileobj] = key.fileobj.recv(4096)
                except OSError:
                    pass
                selector.unregister(key.fileobj)
    return [answers[sock] for sock in socks]


# ---- the open-file limit ------------------------------------------------------------------

def _low_open_file_limit():
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))


def test_near_the_open_file_limit_new_connections_are_refused_with_one_log_line(tmp_path):
    env = {"NNPG_MAX_CONNECTIONS_PER_ADDRESS": "1000", "NNPG_HEADER_TIMEOUT_SECONDS": "60",
           "NNPG_OPEN_FILES_RESERVE": "100"}
    with servers.running(tmp_path / "server.log", env=env, preexec_fn=_low_open_file_limit) as srv:
        assert refused_in_a_flood(srv, 400) >= 400 - 256
        log = srv.log_tail(200_000)
    assert "Traceback" not in log
    assert log.count("near its open-file limit") == 1


# ---- secrets in the log, abandoned uploads ------------------------------------------------

def test_tokens_are_not_written_to_the_log(server):
    secret = "S3cr3tT0ken"
    with connect(server) as sock:
        sock.sendall(f"GET /ws/session?session=abc&token={secret} HTTP/1.1\r\nHost: x\r\n".encode()
                     + UPGRADE + b"\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 101 ")
    ask(server, f"GET /?class=ABC&teacher={secret} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    wait_until(lambda: "teacher=***" in server.log_tail(20_000), "the access log line")
    log = server.log_tail(200_000)
    assert secret not in log
    assert "token=***" in log


def test_an_upload_abandoned_mid_body_is_one_log_line(server):
    with connect(server) as sock:
        sock.sendall(b"POST /api/v1/forward HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n{" + b" " * 1000)
        time.sleep(0.2)  # let the server start reading the body
    wait_until(lambda: "before sending its whole body" in server.log_tail(20_000), "the log line")
    log = server.log_tail(200_000)
    assert "Traceback" not in log and "ClientDisconnect" not in log


def test_the_server_settings_defaults():
    """The defaults docs/security.md promises."""
    s = Settings()
    assert (s.max_request_line_bytes, s.max_header_bytes) == (8 * 1024, 16 * 1024)
    assert (s.header_timeout_seconds, s.keep_alive_seconds, s.body_timeout_seconds) == (10.0, 5.0, 20.0)
    assert s.max_connections_per_address > 101  # bench/stream.py: a driver and 100 viewers
    assert s.open_files_reserve == 64 and s.frame_ancestors == "*"
