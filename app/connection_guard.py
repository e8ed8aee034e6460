"""Which new connections the server takes, and the short answers it gives the ones it does not.

A connection is refused (503, then closed) when its client address already
holds ``max_connections_per_address`` open connections (0: no limit, for an
app behind a proxy that keeps the count, as nginx does in app/cluster.py), or
when the process is near its open-file limit. The kernel hands out the lowest
free descriptor, so a new socket numbered ``fd`` means descriptors 0..fd are
all open: that number, compared with the limit, says how near the process is
without counting anything. Each reason to refuse is logged as one line, at most once a
minute per address, so a flood of refusals is not a flood of log lines.
"""
from __future__ import annotations

import json
import logging
import resource
import time
from collections import Counter
from http import HTTPStatus

LOG_EVERY_SECONDS = 60.0
MAX_REMEMBERED_WARNINGS = 4096
RETRY_AFTER_SECONDS = 5

logger = logging.getLogger("uvicorn.error")


def open_file_limit() -> int:
    """The process's soft limit on open files (RLIMIT_NOFILE), or a huge number when unlimited."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 30


def error_response(status: int, loc: list, msg: str, type: str, headers: dict | None = None) -> bytes:
    """A complete HTTP/1.1 answer that closes the connection, its body in the API's error shape."""
    body = json.dumps({"detail": [{"loc": loc, "msg": msg, "type": type}]}).encode()
    fields = {"content-type": "application/json", "content-length": str(len(body)),
              "x-content-type-options": "nosniff", "connection": "close", **(headers or {})}
    head = f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


def _peer_address(transport) -> str:
    peer = transport.get_extra_info("peername")
    return str(peer[0]) if isinstance(peer, (tuple, list)) and peer else "unknown"


def _descriptor(transport) -> int:
    sock = transport.get_extra_info("socket")
    try:
        return sock.fileno() if sock is not None else -1
    except OSError:
        return -1


class RateLimitedLog:
    """Logs a warning once per key per interval; the rest of a burst is counted, not written."""

    def __init__(self, interval: float = LOG_EVERY_SECONDS):
        self.interval = interval
        self.last: dict = {}

    def warn(self, key, message: str, *args) -> None:
        now = time.monotonic()
        if now - self.last.get(key, -self.interval) < self.interval:
            return
        if len(self.last) >= MAX_REMEMBERED_WARNINGS:
            self.last.clear()
        self.last[key] = now
        logger.warning(message, *args)


class ConnectionGuard:
    """Admits or refuses each new connection, and counts the open ones per client address."""

    def __init__(self, per_address: int, open_files_reserve: int):
        self.per_address = per_address
        self.descriptor_ceiling = open_file_limit() - open_files_reserve
        self.open: Counter[str] = Counter()
        self.held: dict[object, str] = {}  # transport → its client address
        self.log = RateLimitedLog()

    def admit(self, transport) -> bytes | None:
        """None if the connection is taken (and counted); else the answer to send before closing it."""
        if _descriptor(transport) >= self.descriptor_ceiling:
            self.log.warn("files", "Refusing new connections: the process is near its open-file limit "
                          "(%d; NNPG_OPEN_FILES_RESERVE keeps some free)", open_file_limit())
            return self._busy("the server has too many open connections; try again shortly")
        address = _peer_address(transport)
        if self.per_address and self.open[address] >= self.per_address:
            self.log.warn(("address", address), "Refusing connections from %s: it has %d open "
                          "(NNPG_MAX_CONNECTIONS_PER_ADDRESS)", address, self.open[address])
            return self._busy(f"more than {self.per_address} open connections from one address")
        self.open[address] += 1
        self.held[transport] = address
        return None

    def release(self, transport) -> None:
        """The connection closed: its address may open another one. Safe to call twice."""
        address = self.held.pop(transport, None)
        if address is None:
            return
        self.open[address] -= 1
        if self.open[address] <= 0:
            del self.open[address]

    @staticmethod
    def _busy(msg: str) -> bytes:
        return error_response(503, ["connection"], msg, "too_many_connections",
                              {"retry-after": str(RETRY_AFTER_SECONDS)})
