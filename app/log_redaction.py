"""Secrets in request URLs are not written to the server's log.

A session is resumed with ``/ws/session?session=ID&token=TOKEN`` and a teacher
leads a class with ``?teacher=TOKEN`` or ``/ws/class?code=C&token=TOKEN``:
whoever reads the log must not be able to take those over. Uvicorn logs each
request's path and query (``uvicorn.access``) and each WebSocket's
(``uvicorn.error``, "WebSocket ... [accepted]"); the filter here replaces the
value of every secret query parameter with ``***`` in those records.
"""
from __future__ import annotations

import logging
import re

SECRET_PARAMETERS = ("token", "teacher")
REDACTED = "***"
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error")

_SECRET_VALUE = re.compile(r"(?P<key>(?:^|[?&;])(?:%s)=)[^&;#\s\"]*" % "|".join(SECRET_PARAMETERS),
                           re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with the value of each secret query parameter replaced by ***."""
    return _SECRET_VALUE.sub(lambda m: m.group("key") + REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and string arguments with ``redact``; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


def redact_secrets_in_server_logs() -> None:
    """Installs RedactSecrets on uvicorn's loggers (once, however often it is called)."""
    for name in SERVER_LOGGERS:
        log = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in log.filters):
            log.addFilter(RedactSecrets())
