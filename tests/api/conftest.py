import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app


@pytest.fixture(scope="module")
def client():
    """One app per test module, so that a module can check the app still answers after errors."""
    # (the module's tests open many sessions from one address within a minute)
    with TestClient(create_app(Settings(new_sessions_per_minute=1000))) as c:
        yield c


def next_of(ws, *kinds, where=lambda msg: True, limit=5000) -> dict:
    """The next server message of one of ``kinds`` that satisfies ``where`` (others are skipped)."""
    for _ in range(limit):
        msg = ws.receive_json()
        if msg["type"] in kinds and where(msg):
            return msg
    raise AssertionError(f"no {kinds} message in {limit}")
