"""Where classes live: the backend interface, and the in-process backend (the default).

Everything that crosses this interface is JSON (dicts of strings, numbers,
lists) and names sessions by id, never by object, so that a backend shared by
several app processes (Redis: hashes for records, rosters and summaries,
pub/sub for events, INCR with EXPIRE for rates) is a drop-in. The class
layer (app/classroom.py) holds the Python objects of its own process: live
sessions, connections. docs/classes.md describes the interface.
"""
from __future__ import annotations

import json
import time
from typing import Callable, Protocol

Listener = Callable[[dict], None]


def as_json(value):
    """A copy of ``value`` as it would arrive from a shared backend (and a
    TypeError now, rather than in production, if it is not JSON)."""
    return json.loads(json.dumps(value, allow_nan=False))


class ClassBackend(Protocol):
    # ---- the registry of classes: code → record ---------------------------------------
    async def create_class(self, code: str, record: dict) -> bool:
        """Store a new class; False if ``code`` is taken."""

    async def get_class(self, code: str) -> dict | None: ...

    async def update_class(self, code: str, fields: dict) -> dict | None:
        """Merge ``fields`` into the record; the new record, None if there is no class."""

    async def delete_class(self, code: str) -> None:
        """Forget the class, its roster and its summaries."""

    async def class_codes(self) -> list[str]: ...

    # ---- the roster: session id → display name ----------------------------------------------
    async def add_student(self, code: str, session_id: str, name: str, limit: int) -> bool:
        """Add a student unless the class already has ``limit`` (False)."""

    async def roster(self, code: str) -> dict[str, str]: ...

    # ---- events to the students (push, spotlight, pause, resume, end) ---------------------
    async def publish(self, code: str, event: dict) -> None:
        """Deliver ``event`` to every subscriber of the class, in every process."""

    def subscribe(self, code: str, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` for each event of the class; returns the unsubscriber."""

    # ---- student summaries, for the board --------------------------------------------------------
    async def report(self, code: str, summaries: dict[str, dict]) -> None:
        """Store the latest summary of each of these students (session id → summary)."""

    async def summaries(self, code: str) -> dict[str, dict]: ...

    # ---- rates --------------------------------------------------------------------------------------
    async def hit(self, key: str, window_seconds: float) -> int:
        """Count one hit on ``key``; the hits in its current window, this one included."""


class LocalClassBackend:
    """The in-process backend: plain dicts, listeners called in place."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.classes: dict[str, dict] = {}
        self.rosters: dict[str, dict[str, str]] = {}
        self.reports: dict[str, dict[str, dict]] = {}
        self.listeners: dict[str, set] = {}
        self.windows: dict[str, tuple[float, int]] = {}

    async def create_class(self, code, record):
        if code in self.classes:
            return False
        self.classes[code] = as_json(record)
        self.rosters[code] = {}
        self.reports[code] = {}
        return True

    async def get_class(self, code):
        record = self.classes.get(code)
        return as_json(record) if record is not None else None

    async def update_class(self, code, fields):
        record = self.classes.get(code)
        if record is None:
            return None
        record.update(as_json(fields))
        return as_json(record)

    async def delete_class(self, code):
        for table in (self.classes, self.rosters, self.reports):
            table.pop(code, None)

    async def class_codes(self):
        return list(self.classes)

    async def add_student(self, code, session_id, name, limit):
        roster = self.rosters.get(code)
        if roster is None or (session_id not in roster and len(roster) >= limit):
            return False
        roster[session_id] = str(name)
        return True

    async def roster(self, code):
        return dict(self.rosters.get(code, {}))

    async def publish(self, code, event):
        event = as_json(event)
        for listener in list(self.listeners.get(code, ())):
            listener(as_json(event))

    def subscribe(self, code, listener):
        self.listeners.setdefault(code, set()).add(listener)

        def unsubscribe():
            self.listeners.get(code, set()).discard(listener)
        return unsubscribe

    async def report(self, code, summaries):
        if code in self.reports:
            self.reports[code].update(as_json(summaries))

    async def summaries(self, code):
        return dict(self.reports.get(code, {}))

    async def hit(self, key, window_seconds):
        now = self.clock()
        start, count = self.windows.get(key, (now, 0))
        if now - start >= window_seconds:
            start, count = now, 0
        self.windows[key] = (start, count + 1)
        if len(self.windows) > 10_000:  # forget windows that have ended
            self.windows = {k: v for k, v in self.windows.items() if now - v[0] < window_seconds}
        return count + 1
