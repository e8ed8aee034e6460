"""uvicorn's WebSocket protocol, with a peer that no longer reads dropped.

uvicorn closes a WebSocket with ``transport.close()``, which first flushes
what is still buffered: to a peer that never reads, that is forever, so the
socket and its buffer stay (the keepalive ping cannot help: it closes the
same way). Here a connection is cut off with ``transport.abort()`` when
bytes have waited in its write buffer without any of them being taken for
``client_stall_seconds`` (the peer does not read: "not reading" in
docs/protocol.md), and once the application has let a connection go, when
its peer still does not read (at once if the buffer is full, at the latest
after the closing handshake's timeout). The application closes a connection
whose send stays blocked itself (app/subscribers.py); this catches the last
message that fits in the buffers but is never read.
"""
from __future__ import annotations

import logging

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

log = logging.getLogger("nn_playground")

# After the app has finished: how long a blocked write buffer may stay before
# the connection is aborted, and the margin after the closing handshake's timeout.
STUCK_SECONDS = 1.0
CHECK_SECONDS = 0.5  # how often a connection's write buffer is looked at


class DroppingWebSocketProtocol(WebSocketsSansIOProtocol):
    stall_seconds = 30.0  # Settings.client_stall_seconds, set by app/server.py

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        self._waiting = (0, 0.0)  # (bytes buffered at the last look, since when none were taken)
        self._checker = self.loop.call_later(CHECK_SECONDS, self._check_reading)

    def connection_lost(self, exc) -> None:
        self._checker.cancel()
        super().connection_lost(exc)

    def _check_reading(self):
        """Abort when buffered bytes have waited ``stall_seconds`` with none taken."""
        now, size = self.loop.time(), self.transport.get_write_buffer_size()
        before, since = self._waiting
        if size == 0 or size < before:
            since = now  # empty, or the peer took some
        self._waiting = (size, since)
        if size and now - since >= self.stall_seconds:
            log.warning("dropping a WebSocket connection that is not reading (%d bytes unsent for %.0f s)",
                     size, now - since)
            self.transport.abort()
            return
        self._checker = self.loop.call_later(CHECK_SECONDS, self._check_reading)

    async def run_asgi(self) -> None:
        await super().run_asgi()
        self.loop.call_later(STUCK_SECONDS, self._drop_if_stuck)
        self.loop.call_later(self.close_timeout + STUCK_SECONDS, self._drop_if_open)

    def _drop_if_stuck(self):
        """Abort when the peer has stopped reading (the write buffer is full)."""
        if not self.disconnected and not self.writable.is_set():
            self.transport.abort()

    def _drop_if_open(self):
        """Abort a connection whose closing outlasted the closing handshake's timeout."""
        if not self.disconnected:
            self.transport.abort()
