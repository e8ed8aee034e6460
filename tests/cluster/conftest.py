"""The cluster tests: nginx + Redis + app processes on loopback, from app/cluster.py.

Run alone with `pytest tests/cluster`. They need Debian's nginx and redis-server
(`make test` installs them as root, like chromium); without them they fail,
saying what to install.
"""
from __future__ import annotations

import contextlib
import json

import pytest
from websockets.sync.client import connect

from app.cluster import Cluster, missing_tools

RECV_SECONDS = 60  # a hang fails the test instead of blocking it


def _cluster():
    missing = missing_tools()
    if missing:
        pytest.fail(f"the cluster tests need {' and '.join(missing)}: "
                    "`make cluster-tools` as root, or `apt-get install nginx redis-server`")
    return Cluster(workers=2, app_env={"NNPG_MAX_SESSIONS": "256", "NNPG_NEW_SESSIONS_PER_MINUTE": "1000"})


@pytest.fixture(scope="module")
def cluster():
    """Two app processes behind nginx, with Redis, for one test module."""
    with _cluster() as running:
        yield running


@pytest.fixture
def own_cluster():
    """A cluster for one test alone (one that kills a process)."""
    with _cluster() as running:
        yield running


def ws_url(base: str, query: str) -> str:
    return base.replace("http://", "ws://") + "/ws/session" + query


def recv(ws) -> dict:
    return json.loads(ws.recv(timeout=RECV_SECONDS))


def until(ws, pred) -> dict:
    while True:
        msg = recv(ws)
        if pred(msg):
            return msg


@contextlib.contextmanager
def open_session(base: str, query: str):
    """A WebSocket on ``base``'s /ws/session and its first message."""
    with connect(ws_url(base, query), open_timeout=RECV_SECONDS, max_size=None) as ws:
        yield ws, recv(ws)
