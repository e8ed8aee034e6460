"""SessionStore: the live sessions, their secrets, limits and idle expiry.

A session outlives its connections: a driver that reconnects within the idle
expiry with the session id and its token takes it over; anyone with the id
may watch it (read-only). Where the work runs: app/scheduler.py (training,
one thread shared fairly) and app/frame_pool.py (frames, worker processes).
"""
from __future__ import annotations

import asyncio
import secrets
import time

from .config import Settings
from .datasets import DATASETS
from .frame_pool import FramePool
from .live import LiveSession
from .schemas import SessionConfig
from .scheduler import Scheduler
from .training import TrainingSession


class SessionRefused(Exception):
    """A connection that cannot have a session; ``field`` and ``close_code`` say why."""

    def __init__(self, message, field=None, close_code=1008):
        super().__init__(message)
        self.field = field
        self.close_code = close_code


class SessionStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, LiveSession] = {}
        self.scheduler = Scheduler(settings.train_slice_seconds,
                                   frames_first=not settings.frame_process, playing=self.playing)
        self.pool = FramePool(settings.frame_process, self.scheduler)
        self._reaper = None
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
        """Per-field validation of a partial config, with the ranges of SessionConfig."""
        checked = SessionConfig.model_validate(patch)
        return {key: getattr(checked, key) for key in patch}

    # ---- create, resume, watch, expire --------------------------------------------

    def create(self) -> LiveSession:
        self.expire()
        if len(self.sessions) >= self.settings.max_sessions:
            raise SessionRefused(
                f"the server is full ({self.settings.max_sessions} live sessions); try again later",
                close_code=1013)
        session_id = secrets.token_urlsafe(9)
        live = LiveSession(session_id, secrets.token_urlsafe(24), TrainingSession(), self)
        self.sessions[session_id] = live
        return live

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
        s = self.settings
        return {
            "max_hidden_layers": s.max_session_hidden_layers,
            "max_width": s.max_session_width,
            "min_classes": s.min_classes,
            "max_classes": s.max_classes,
            "max_points": s.max_points,
            "max_steps": s.max_steps_per_command,
            "max_message_bytes": s.max_message_bytes,
            "idle_seconds": s.session_idle_seconds,
            "datasets": {name: {"min_classes": d.min_classes, "max_classes": d.max_classes,
                                "default_classes": d.default_classes,
                                "default_noise": d.default_noise, "max_noise": d.max_noise,
                                "description": d.description}
                         for name, d in DATASETS.items()},
        }
