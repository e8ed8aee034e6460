"""Which pages may open a WebSocket on this server (/ws/session, /ws/class).

A browser sends the page's Origin with every WebSocket upgrade, and a page on
any site may open one to any server it can reach. So only the server's own
pages are accepted by default: Origin's host:port must be the Host the
request was sent to. A deployment whose pages are served from another origin
(a proxy that rewrites Host, another domain) lists those origins in
Settings.allowed_origins ("*" accepts every origin). A request without Origin
is not from a page (a script, a test client): it is accepted.
"""
from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": "80", "https": "443", "ws": "80", "wss": "443"}

ORIGIN_REFUSED = ("this page's origin may not open a session here; the server accepts its own "
                  "pages (and NNPG_ALLOWED_ORIGINS)")


def _without_default_port(netloc: str, scheme: str) -> str:
    port = DEFAULT_PORTS.get(scheme)
    netloc = netloc.lower()
    if port and netloc.endswith(":" + port):
        return netloc[: -len(port) - 1]
    return netloc


def origin_allowed(origin: str | None, host: str | None, allowed: list[str]) -> bool:
    """True when a WebSocket with this Origin header, sent to this Host, may be accepted."""
    if origin is None:
        return True
    if "*" in allowed:
        return True
    origin = origin.strip().rstrip("/").lower()
    if origin in {entry.strip().rstrip("/").lower() for entry in allowed}:
        return True
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if not parts.netloc or host is None:
        return False
    own = _without_default_port(parts.netloc, parts.scheme)
    return own in (_without_default_port(host, "http"), _without_default_port(host, "https"))
