"""SessionStore: the live sessions, their secrets, limits and idle expiry.

A session outlives its connections: a driver that reconnects within the idle
expiry with the session id and its token takes it over; anyone with the id
may watch it (read-only). Where the work runs: app/scheduler.py (training,
one thread shared fairly) and app/frame_pool.py (frames, worker processes).
"""
from __future__ import annotations

import asyncio
import re
import secrets
import time

from .budget import over_budget
from .catalog import catalog, session_limits
from .config import Settings
from .frame_pool import FramePool
from .live import LiveSession
from .schemas import validate_config_patch
from .scheduler import Scheduler
from .training import TrainingConfig, TrainingSession


# What new_session_id() makes (12 URL-safe characters), with room for longer ids.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def new_session_id() -> str:
    """A fresh session id: 72 random bits, so ids chosen by different processes never meet."""
    return secrets.token_urlsafe(9)


class SessionRefused(Exception):
    """A connection that cannot have a session; ``field`` and ``close_code`` say why."""

    def __init__(self, message, field=None, close_code=1008):
        super().__init__(message)
        self.field = field
        self.close_code = close_code


def default_config(settings: Settings) -> TrainingConfig:
    """The case study's config, brought within this server's limits (a server
    that allows 8 units or 100 points starts its sessions inside them)."""
    c = TrainingConfig()
    c.hidden_sizes = [min(w, settings.max_session_width)
                      for w in c.hidden_sizes[:settings.max_session_hidden_layers]]
    c.classes = min(max(c.classes, settings.min_classes), settings.max_classes)
    c.n_points = max(c.classes, min(c.n_points, settings.max_points))
    return c


class SessionStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, LiveSession] = {}
        self.scheduler = Scheduler(settings.train_slice_seconds,
                                   frames_first=not settings.frame_process, playing=self.playing)
        self.pool = FramePool(settings.frame_process, self.scheduler)
        self._reaper = None
        self._catalog = None
        self.classroom = None  # the classes (app/classroom.py), set by the app

    async def start(self):
        self.scheduler.start()
        await self.pool.start()
        self._reaper = asyncio.create_task(self._reap_forever())

    async def stop(self):
        if self._reaper:
            self._reaper.cancel()
        for live in self.sessions.values():
            live._stop()
        self.scheduler.stop()
        await self.pool.stop()

    def playing(self):
        return [s for s in self.sessions.values() if s.playing]

    def validate_config_patch(self, patch: dict) -> dict:
        """Per-field validation of a partial config, with the ranges of this app's Settings."""
        return validate_config_patch(patch, self.settings)

    # ---- create, resume, watch, expire --------------------------------------------

    def create(self, session_id: str | None = None) -> LiveSession:
        """A new session, with ``session_id`` if given (one chosen before connecting,
        so that a proxy routing by id sends it here) or a fresh id."""
        self.expire()
        if session_id is not None:
            self._check_new_id(session_id)
        if len(self.sessions) >= self.settings.max_sessions:
            raise SessionRefused(
                f"the server is full ({self.settings.max_sessions} live sessions); try again later",
                close_code=1013)
        if refused := over_budget(self.sessions.values(), default_config(self.settings), self.settings):
            raise SessionRefused(refused[1], field=refused[0], close_code=1013)
        session_id = session_id or new_session_id()
        live = LiveSession(session_id, secrets.token_urlsafe(24),
                           TrainingSession(default_config(self.settings)), self)
        self.sessions[session_id] = live
        return live

    def _check_new_id(self, session_id: str):
        if not SESSION_ID.fullmatch(session_id):
            raise SessionRefused("session must be 8 to 64 letters, digits, '-' or '_', "
                                 "as POST /api/v1/sessions gives", field="session")
        if session_id in self.sessions:
            raise SessionRefused("that session id is taken: ask POST /api/v1/sessions for a fresh one",
                                 field="session")

    def resume(self, session_id, token) -> LiveSession:
        self.expire()
        live = self.sessions.get(session_id)
        # Compare in constant time, and give one answer for both failures.
        if live is None or not secrets.compare_digest(str(token or ""), live.token):
            raise SessionRefused("unknown session or wrong token", field="token", close_code=1008)
        return live

    def watch(self, session_id) -> LiveSession:
        """The session to watch read-only: no token needed, only its id."""
        self.expire()
        live = self.sessions.get(session_id or "")
        if live is None:
            raise SessionRefused("unknown session", field="session", close_code=1008)
        return live

    def expire(self, now=None):
        """Drop sessions with no connection for longer than the idle expiry."""
        now = time.monotonic() if now is None else now
        idle = self.settings.session_idle_seconds
        for sid in [sid for sid, s in self.sessions.items()
                    if not s.attached and now - s.last_seen > idle]:
            del self.sessions[sid]

    async def _reap_forever(self):
        while True:
            await asyncio.sleep(min(30.0, self.settings.session_idle_seconds / 4))
            self.expire()

    def limits(self):
        return session_limits(self.settings)

    def catalog(self):
        """What this server offers and allows (app/catalog.py), built once."""
        if self._catalog is None:
            self._catalog = catalog(self.settings)
        return self._catalog
