import pytest
from fastapi.testclient import TestClient

from app.main import create_app


@pytest.fixture(scope="module")
def client():
    """One app per test module, so that a module can check the app still answers after errors."""
    with TestClient(create_app()) as c:
        yield c
