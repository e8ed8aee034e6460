"""What every HTTP answer carries, and the framework's own errors in the API's error shape.

* Security headers on every response: a Content-Security-Policy (scripts only
  from this server, plus the page's inline import map, allowed by a nonce drawn
  for each response), ``X-Content-Type-Options: nosniff`` and
  ``Referrer-Policy: same-origin`` (a session link never leaks to another site).
  Styles may be inline: Plotly and the page's tables write style attributes.
  ``frame-ancestors`` comes from Settings (NNPG_FRAME_ANCESTORS).
* The router's own 404 (unknown path) and 405 (wrong method) answer
  ``{"detail": [{"loc", "msg", "type"}]}`` like every other error.
* An upload the client abandons mid-body is logged as one line, not a traceback.
"""
from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect

logger = logging.getLogger("uvicorn.error")

NONCE_KEY = "csp_nonce"  # request.state.csp_nonce, for templates' inline scripts
ERROR_KINDS = {404: (["path"], "not_found"), 405: (["method"], "method_not_allowed")}


def content_security_policy(nonce: str, frame_ancestors: str) -> str:
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


class SecurityHeaders:
    """ASGI middleware: the headers above on every HTTP response; a fresh nonce in each request's state."""

    def __init__(self, app, frame_ancestors: str):
        self.app = app
        self.frame_ancestors = frame_ancestors

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        nonce = secrets.token_urlsafe(16)
        scope.setdefault("state", {})[NONCE_KEY] = nonce
        extra = [(b"content-security-policy", content_security_policy(nonce, self.frame_ancestors).encode()),
                 (b"x-content-type-options", b"nosniff"),
                 (b"referrer-policy", b"same-origin")]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    header for header in extra if header[0] not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _framework_error(request: Request, exc: HTTPException) -> Response:
    if not isinstance(exc.detail, str):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    loc, kind = ERROR_KINDS.get(exc.status_code, ([], "http_error"))
    return JSONResponse({"detail": [{"loc": loc, "msg": exc.detail, "type": kind}]},
                        status_code=exc.status_code, headers=exc.headers)


async def _client_gone(request: Request, exc: ClientDisconnect) -> Response:
    logger.info('%s - "%s %s" the client disconnected before sending its whole body',
                request.client.host if request.client else "-", request.method, request.url.path)
    return Response(status_code=400)  # nobody reads it: the connection is gone


def install(app: FastAPI, frame_ancestors: str) -> None:
    app.add_middleware(SecurityHeaders, frame_ancestors=frame_ancestors)
    app.add_exception_handler(HTTPException, _framework_error)
    app.add_exception_handler(ClientDisconnect, _client_gone)
