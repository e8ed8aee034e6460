"""Classroom: classes of this process's live sessions, led by a teacher.

A class is a record, a roster and events in the backend (app/class_backend.py,
JSON and session ids only); this module holds what belongs to one process:
which of its live sessions are students of which class, the subscription of
each such class to its events, and the work of applying an event (a push, a
spotlight, pause/resume, the end) to the local sessions. The teacher's board
(app/class_board.py) reads the summaries that this process reports.
"""
from __future__ import annotations

import asyncio
import logging
import time

from .class_backend import ClassBackend, LocalClassBackend
from .budget import session_refusal
from .class_runs import adopt_fork, fork_state
from .classes import (BadName, clean_name, expired, iso_time, new_code, new_teacher_token,
                      normalize_code, token_digest, token_matches)
from .commands import apply_config_patch, start_playing
from .config import Settings
from .protocol import config_reply, error
from .sessions import SessionRefused, SessionStore

log = logging.getLogger("nn_playground")

JOIN_WINDOW_SECONDS = 60.0
TOUCH_SECONDS = 10.0  # how often a class in use is marked active in the backend


class Classroom:
    def __init__(self, settings: Settings, store: SessionStore, backend: ClassBackend | None = None):
        self.settings = settings
        self.store = store
        self.backend = backend or LocalClassBackend()
        self.students: dict[str, str] = {}      # local session id → class code
        self.subscriptions: dict[str, object] = {}  # code → unsubscribe()
        self.touched: dict[str, float] = {}
        self.pending: set = set()                # tasks applying events

    # ---- classes ----------------------------------------------------------------------------

    async def create(self, base_url: str) -> dict:
        """A new class: {code, teacher_token, join_url, expires_at};
        SessionRefused when there are `max_live_classes` already."""
        await self.expire()
        if len(await self.backend.class_codes()) >= self.settings.max_live_classes:
            raise SessionRefused(f"the server has {self.settings.max_live_classes} classes; "
                                 "try again when one has ended")
        token, now = new_teacher_token(), time.time()
        record = {"teacher": token_digest(token), "created": now, "last_active": now,
                  "spotlight": None, "teacher_session": None, "lesson": None, "paused": False}
        code = new_code()
        while not await self.backend.create_class(code, record):
            code = new_code()
        self._subscribe(code)
        return {"code": code, "teacher_token": token, "join_url": join_url(base_url, code),
                "expires_at": iso_time(now + self.settings.class_idle_seconds)}

    async def record(self, code) -> dict | None:
        code = normalize_code(code)
        return await self.backend.get_class(code) if code else None

    async def lead(self, code, token) -> tuple[str, dict]:
        """(code, record) when ``token`` is the class's teacher token."""
        record = await self.record(code)
        if record is None or not token_matches(token, record["teacher"]):
            raise SessionRefused("unknown class or wrong teacher token", field="token")
        return normalize_code(code), record

    async def touch(self, code, force=False):
        now = time.monotonic()
        if force or now - self.touched.get(code, 0.0) > TOUCH_SECONDS:
            self.touched[code] = now
            await self.backend.update_class(code, {"last_active": time.time()})

    def class_of(self, session_id) -> str | None:
        return self.students.get(session_id)

    # ---- joining ------------------------------------------------------------------------------

    async def join(self, code, name, address, live=None):
        """A student's session in the class: ``live`` (a resumed session) or a
        new one. SessionRefused (naming the field) if the class is unknown or
        full, the name unusable, or this address joins too often."""
        code, record = normalize_code(code), await self.record(code)
        if record is None:
            raise SessionRefused("unknown class code", field="class")
        try:
            name = clean_name(name, self.settings.max_name_length)
        except BadName as exc:
            raise SessionRefused(str(exc), field="name") from None
        hits = await self.backend.hit(f"join:{address}", JOIN_WINDOW_SECONDS)
        if hits > self.settings.class_joins_per_minute:
            raise SessionRefused("too many joins from this address: try again in a minute",
                                 field="class", close_code=1013)
        created = live is None
        live = live or self.store.create()
        if not await self.backend.add_student(code, live.id, name, self.settings.max_class_students):
            if created:
                self.store.sessions.pop(live.id, None)
            raise SessionRefused(f"this class is full ({self.settings.max_class_students} students)",
                                 field="class", close_code=1013)
        self.students[live.id] = code
        self._subscribe(code)
        await self.touch(code, force=True)
        return live

    async def teacher_session(self, code, token, live=None):
        """The teacher's own run (new, or ``live`` resumed), which may be spotlit."""
        code, _ = await self.lead(code, token)
        live = live or self.store.create()
        await self.backend.update_class(code, {"teacher_session": live.id})
        return live

    async def welcome(self, live, sub):
        """After a student's hello: the class, and the spotlight if there is one."""
        code = self.students.get(live.id)
        record = code and await self.backend.get_class(code)
        if not record:
            return
        name = (await self.backend.roster(code)).get(live.id)
        sub.post({"type": "class", "code": code, "event": "joined", "name": name,
                  "paused": record["paused"]})
        if record["spotlight"]:
            sub.post(await self._spotlight_message(code, record["spotlight"]))

    # ---- events: published by the teacher's board, applied here ---------------------------

    def _subscribe(self, code):
        if code not in self.subscriptions:
            self.subscriptions[code] = self.backend.subscribe(
                code, lambda event, code=code: self._on_event(code, event))

    def _on_event(self, code, event):
        task = asyncio.get_running_loop().create_task(self._apply(code, event))
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    def _local(self, code):
        return [live for sid, c in list(self.students.items()) if c == code
                for live in [self.store.sessions.get(sid)] if live is not None]

    async def _apply(self, code, event):
        kind = event["kind"]
        try:
            if kind == "spotlight":
                message = await self._spotlight_message(code, event["session"], event.get("name"))
                self._tell(code, message)
            elif kind == "end":
                self._tell(code, {"type": "class", "code": code, "event": "ended"})
                self._tell(code, {"type": "spotlight", "session": None, "name": None})
                self._forget(code)
            else:
                await asyncio.gather(*(live.between_turns(lambda live=live: _apply_to(live, code, event))
                                       for live in self._local(code)))
        except Exception:  # one bad event must not stop the class
            log.exception("applying a class %r event failed", kind)

    def _tell(self, code, message):
        for live in self._local(code):
            if live.driver is not None:
                live.driver.post(message)

    async def _spotlight_message(self, code, session_id, name=None):
        if session_id and name is None:
            name = (await self.backend.roster(code)).get(session_id)
        return {"type": "spotlight", "session": session_id, "name": name}

    def _forget(self, code):
        for sid in [sid for sid, c in self.students.items() if c == code]:
            del self.students[sid]
        unsubscribe = self.subscriptions.pop(code, None)
        if unsubscribe:
            unsubscribe()
        self.touched.pop(code, None)

    # ---- "make it mine" ---------------------------------------------------------------------

    async def fork(self, live, source_id):
        """Copy the spotlit run into the student's own session; an `error` if refused."""
        code = self.students.get(live.id)
        record = code and await self.backend.get_class(code)
        if not record or record["spotlight"] != source_id or source_id == live.id:
            return error("only the run in your class's spotlight can be made yours", "session")
        source = self.store.sessions.get(source_id)
        if source is None:
            return error("the run in the spotlight has ended", "session")
        src = source.training
        if refused := session_refusal(live, src.config, src.n_points, ("session",)):
            return error(refused[1], refused[0])
        state = await source.locked(fork_state, source.training)
        await live.locked(adopt_fork, live.training, state)
        if live.training.running:
            live.store.scheduler.join(live)
        for sub in live.subscribers:
            sub.post(config_reply(live.training.config, True))
        return None

    async def expire(self):
        """End the classes nobody has used for the idle time."""
        now = time.time()
        for code in await self.backend.class_codes():
            record = await self.backend.get_class(code)
            if record and expired(record, now, self.settings.class_idle_seconds):
                await self.end(code)

    async def end(self, code):
        """End the class: students keep their runs, the board is told."""
        await self.backend.publish(code, {"kind": "end"})  # each process then forgets it
        await self.backend.delete_class(code)


async def _apply_to(live, code, event):
    """A push, pause or resume, applied to one student's session."""
    t, kind = live.training, event["kind"]
    if kind == "push":
        refused = await apply_config_patch(live, event["config"])
        if event.get("restart"):
            await live.locked(t.reset)
            start_playing(live)
        message = {"type": "class", "code": code, "event": "pushed",
                   "teacher_pushed": {"config": event["config"], "lesson": event.get("lesson")}}
        if refused:
            message["refused"] = refused["message"]
    elif kind == "pause":
        t.running = False
        message = {"type": "class", "code": code, "event": "paused"}
    elif kind == "resume":
        start_playing(live)
        message = {"type": "class", "code": code, "event": "resumed"}
    else:
        return
    if live.driver is not None:
        live.driver.post(message)
    live.want_frame()
    live.wake_runner.set()


def join_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/?class={code}"
