"""Security headers on every answer, HEAD /, the framework's 404/405 in the error shape, tokens out of the log."""
from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.log_redaction import redact, redact_secrets_in_server_logs
from app.main import create_app


@pytest.fixture(scope="module")
def client():
    with TestClient(create_app(Settings(frame_process=False))) as c:
        yield c


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/", 200), ("HEAD", "/", 200), ("GET", "/docs", 200), ("GET", "/static/js/main.js", 200),
    ("GET", "/api/v1/datasets", 200), ("GET", "/no/such/page", 404), ("DELETE", "/", 405),
])
def test_every_answer_carries_the_security_headers(client, method, path, status):
    res = client.request(method, path)
    assert res.status_code == status
    assert res.headers["x-content-type-options"] == "nosniff"
    assert res.headers["referrer-policy"] == "same-origin"
    policy = res.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors *" in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]


@pytest.mark.parametrize("page", ["/", "/teach", "/calculus"])
def test_a_page_has_no_inline_script_but_its_import_map_with_the_answers_nonce(client, page):
    res = client.get(page)
    nonce = re.search(r"'nonce-([^']+)'", res.headers["content-security-policy"]).group(1)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", res.text, re.S)
    inline = [attrs for attrs, body in scripts if body.strip() and 'type="application/json"' not in attrs]
    assert inline == [f' type="importmap" nonce="{nonce}"']
    assert not re.search(r"\son[a-z]+=", res.text)  # no inline event handlers
    assert client.get(page).headers["content-security-policy"] != res.headers["content-security-policy"]


def test_the_docs_page_starts_swagger_ui_from_a_file(client):
    html = client.get("/docs").text
    assert re.findall(r"<script([^>]*)>\s*</script>", html) == [
        ' src="/vendor/docs/swagger-ui-bundle.js"', ' src="/vendor/docs/swagger-init.js"']
    assert "SwaggerUIBundle(" in client.get("/vendor/docs/swagger-init.js").text


def test_frame_ancestors():
    with TestClient(create_app(Settings(frame_process=False, frame_ancestors="'self' https://lms.example"))) as c:
        assert "frame-ancestors 'self' https://lms.example" in c.get("/").headers["content-security-policy"]


def test_head_of_the_page_is_200_with_no_body(client):
    res = client.head("/")
    assert res.status_code == 200 and res.content == b""


@pytest.mark.parametrize("method, path, status, loc, kind", [
    ("GET", "/no/such/page", 404, ["path"], "not_found"),
    ("POST", "/api/v1/datasets", 405, ["method"], "method_not_allowed"),
    ("DELETE", "/", 405, ["method"], "method_not_allowed"),
])
def test_the_routers_own_errors_have_the_documented_shape(client, method, path, status, loc, kind):
    res = client.request(method, path)
    assert res.status_code == status
    assert res.json() == {"detail": [{"loc": loc, "msg": res.json()["detail"][0]["msg"], "type": kind}]}
    if status == 405:
        assert "GET" in res.headers["allow"]


@pytest.mark.parametrize("text, expected", [
    ("/ws/session?session=abc&token=s3cret", "/ws/session?session=abc&token=***"),
    ("/ws/class?token=s3cret&code=AB12", "/ws/class?token=***&code=AB12"),
    ("/?class=AB12&teacher=t0k", "/?class=AB12&teacher=***"),
    ("/api/v1/datasets/spiral?n=10", "/api/v1/datasets/spiral?n=10"),
    ("/?tokens=1&mytoken=2", "/?tokens=1&mytoken=2"),
])
def test_redact(text, expected):
    assert redact(text) == expected


def test_the_access_log_redacts_tokens(caplog):
    redact_secrets_in_server_logs()
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        logging.getLogger("uvicorn.access").info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET",
                                                 "/ws/session?session=a&token=s3cret", "1.1", 101)
    assert "s3cret" not in caplog.text and "token=***" in caplog.text
