"""The one launcher of a real server for the tests: `python -m app` in a subprocess.

Used by the live-server tests, the browser tests and anything else that needs
real sockets. The server's output goes to a file (a full pipe would block it).

NNPG_TEST_APP_ROOT names another checkout whose app (server and page) is started
instead of this one's, so that these tests can be run against another version
of the page (docs/testing.md shows one such run).
"""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_ROOT = Path(os.environ.get("NNPG_TEST_APP_ROOT") or ROOT)  # the tree whose `python -m app` runs
START_SECONDS = 60  # generous: a loaded 2-core machine imports NumPy slowly


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    proc: subprocess.Popen
    port: int
    log_path: Path

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/session"

    def log_tail(self, chars=3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]


def _answers(url) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as res:
            return res.status == 200
    except OSError:
        return False


# Every test server: its one client address (127.0.0.1) opens far more sessions a
# minute than a person does (each browser test's page is a new session); a test
# of that limit sets its own.
TEST_ENV = {"NNPG_NEW_SESSIONS_PER_MINUTE": "1000"}


def start(log_path: Path, env: dict | None = None, args=(), preexec_fn=None) -> RunningServer:
    """Start `python -m app` on a free port and wait until GET / answers 200.

    ``preexec_fn`` runs in the child before it starts (e.g. to lower its open-file limit)."""
    port = free_port()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=APP_ROOT, env={**os.environ, **TEST_ENV, **(env or {})}, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=preexec_fn)
    log.close()  # the child has its own copy of the descriptor
    server = RunningServer(proc, port, log_path)
    deadline = time.monotonic() + START_SECONDS
    while not _answers(server.http + "/"):
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{server.log_tail()}")
        if time.monotonic() > deadline:
            stop(server)
            raise RuntimeError(f"the server did not answer within {START_SECONDS} s:\n"
                               f"{server.log_tail()}")
        time.sleep(0.05)
    return server


def stop(server: RunningServer, kill=False):
    """Terminate (or kill) the server and wait for it."""
    proc = server.proc
    if proc.poll() is None:
        proc.kill() if kill else proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def running(log_path: Path, env: dict | None = None, args=(), preexec_fn=None):
    """A real server for the duration of the block; stopped whatever happens."""
    server = start(log_path, env, args, preexec_fn)
    try:
        yield server
    finally:
        stop(server)
