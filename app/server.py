"""The HTTP server `python -m app` runs: uvicorn with httptools, bounded against hostile clients.

Uvicorn's httptools protocol feeds every byte it receives to the parser, which
keeps a header of any size until it ends, and waits without end for a request
whose headers never complete. The protocol here, a subclass of it, counts the
bytes of each request head as they arrive and feeds the parser no more than
the limit allows:

* a request line (method, target, version) over ``max_request_line_bytes`` → 414,
  a head over ``max_header_bytes`` → 431, then the connection closes; the bytes
  past the limit are never read into memory. A WebSocket upgrade is an HTTP
  request first, so the same limits answer it.
* a head not complete ``header_timeout_seconds`` after its first byte (or after
  the connection opened) → 408 if a byte of it came, then close.
* a body that stops arriving, no byte of it for ``body_timeout_seconds`` → 408
  and close (while the server itself holds the body back, flow control or an
  unanswered ``Expect: 100-continue``, the client is not waited on).
* connections per client address and near the open-file limit: app/connection_guard.py.

Idle keep-alive connections close after ``keep_alive_seconds`` (uvicorn's own timer).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .config import Settings
from .connection_guard import ConnectionGuard, error_response
from .log_redaction import redact_secrets_in_server_logs
from .ws_protocol import DroppingWebSocketProtocol


@dataclass(frozen=True)
class RequestLimits:
    request_line_bytes: int
    head_bytes: int
    timeout_seconds: float
    body_timeout_seconds: float


class GuardedHttpProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with bounded request heads, head and body timeouts, and admission by ConnectionGuard."""

    guard: ConnectionGuard  # set on the subclass made by protocol_classes()
    limits: RequestLimits

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.reading_head, self.head_bytes, self.client_timer = True, 0, None
        refusal = self.guard.admit(transport)
        if refusal is not None:
            self._answer_and_close(refusal)
            return
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_client_timer()
        self.guard.release(self.transport)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Feeds the parser at most up to the head limit, and checks the limits after each piece."""
        while data and not self.transport.is_closing() and self.transport.get_protocol() is self:
            if self.reading_head:
                if self.head_bytes == 0:
                    self._start_head_timer()
                room = self.limits.head_bytes - self.head_bytes
                piece, data = data[:room], data[room:]
                self.head_bytes += len(piece)
            else:
                piece, data = data, b""
            super().data_received(piece)
            if self.reading_head and not self.transport.is_closing():
                self._refuse_an_oversized_head()

    # parser callbacks: where a head starts and ends
    def on_headers_complete(self) -> None:
        self.reading_head = False
        self._stop_client_timer()
        super().on_headers_complete()
        if not self.transport.is_closing() and not self.parser.should_upgrade():  # an upgrade has no body
            self._start_body_timer()  # ended at once by on_message_complete when there is no body

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._start_body_timer()

    def on_message_complete(self) -> None:
        self._stop_client_timer()
        super().on_message_complete()
        self.reading_head, self.head_bytes = True, 0  # the next byte starts the next request

    def _refuse_an_oversized_head(self) -> None:
        limits = self.limits
        if len(getattr(self, "url", b"")) > limits.request_line_bytes:
            self._answer_and_close(error_response(
                414, ["request line"], f"the request line is longer than {limits.request_line_bytes:,} bytes",
                "request_line_too_long"))
        elif self.head_bytes >= limits.head_bytes:
            self._answer_and_close(error_response(
                431, ["header"], f"the request headers are larger than {limits.head_bytes:,} bytes",
                "headers_too_large"))

    # one timer waits on the client at a time: for the rest of a head, or the next piece of a body
    def _start_head_timer(self) -> None:
        self._start_client_timer(self.limits.timeout_seconds, self._head_timed_out)

    def _start_body_timer(self) -> None:
        self._start_client_timer(self.limits.body_timeout_seconds, self._body_timed_out)

    def _start_client_timer(self, seconds: float, callback) -> None:
        self._stop_client_timer()
        self.client_timer = self.loop.call_later(seconds, callback)

    def _stop_client_timer(self) -> None:
        if getattr(self, "client_timer", None) is not None:
            self.client_timer.cancel()
            self.client_timer = None

    def _body_timed_out(self) -> None:
        self.client_timer = None
        cycle = getattr(self, "cycle", None)
        if self.transport.is_closing() or self.transport.get_protocol() is not self or cycle is None:
            return
        if self.flow.read_paused or cycle.waiting_for_100_continue:  # the server holds the body back
            self._start_body_timer()
        elif cycle.response_started:  # answered already: the rest of the body is not wanted
            self.transport.close()
        else:
            self._answer_and_close(error_response(
                408, ["body"], f"the request body stopped arriving: nothing for {self.limits.body_timeout_seconds:g} s",
                "request_timeout"))

    def _head_timed_out(self) -> None:
        self.client_timer = None
        if self.transport.is_closing() or not self.reading_head:
            return
        if self.head_bytes == 0:  # nothing asked: an idle connection, closed without a word
            self.transport.close()
            return
        self._answer_and_close(error_response(
            408, ["header"], f"the request headers did not arrive within {self.limits.timeout_seconds:g} s",
            "request_timeout"))

    def _answer_and_close(self, response: bytes) -> None:
        self._stop_client_timer()
        self.reading_head = False
        self.transport.write(response)
        self.transport.close()


class GuardedWebSocketProtocol(DroppingWebSocketProtocol):
    """Uvicorn's WebSocket protocol (with a peer that does not read dropped: app/ws_protocol.py),
    giving the connection's slot back to the guard when it closes."""

    guard: ConnectionGuard

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.release(self.transport)
        super().connection_lost(exc)


def protocol_classes(settings: Settings) -> tuple[type, type]:
    """The HTTP and WebSocket protocol classes for one server, sharing one ConnectionGuard."""
    guard = ConnectionGuard(settings.max_connections_per_address, settings.open_files_reserve)
    limits = RequestLimits(settings.max_request_line_bytes, settings.max_header_bytes,
                        settings.header_timeout_seconds, settings.body_timeout_seconds)
    http = type("HttpProtocol", (GuardedHttpProtocol,), {"guard": guard, "limits": limits})
    ws = type("WebSocketProtocol", (GuardedWebSocketProtocol,),
              {"guard": guard, "stall_seconds": settings.client_stall_seconds})
    return http, ws


def server_config(settings: Settings, host: str, port: int) -> uvicorn.Config:
    """What `python -m app` serves with: the app, the guarded protocols, timeouts and log redaction."""
    http, ws = protocol_classes(settings)
    config = uvicorn.Config("app.main:create_app", factory=True, host=host, port=port,
                            http=http, ws=ws, log_level="info",
                            timeout_keep_alive=settings.keep_alive_seconds,
                            ws_max_size=settings.max_message_bytes, ws_per_message_deflate=False)
    redact_secrets_in_server_logs()  # after Config, which (re)configures uvicorn's loggers
    return config
