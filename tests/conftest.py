"""Shared fixtures: `real_server` starts the app in a subprocess (tests/servers.py)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import servers  # noqa: E402  (the one launcher, importable by every test module)


@pytest.fixture(scope="module")
def real_server(tmp_path_factory):
    """The app in a subprocess on a free port, for one test module."""
    with servers.running(tmp_path_factory.mktemp("server") / "server.log",
                         env={"NNPG_MAX_SESSIONS": "64"}) as server:
        yield server
