"""The teacher's board: what it shows and what it leads.

Each process reports a summary of each of its students (app/class_runs.py)
to the backend every board interval; a board connection reads every
summary of its class from the backend and sends a `board` message, with
a student's thumbnail only when it changed since that connection last had
it. The teacher's messages (push, spotlight, pause/resume all, end) become
events published to the class: every process applies them to its own
students (app/classroom.py). See docs/classes.md and docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import logging
import time

from pydantic import ValidationError

from .boundary import BoundaryGrid
from .class_redis import ClassStoreDown
from .class_runs import summarize, thumbnail
from .classes import iso_time, reached
from .classroom import Classroom
from .protocol import error, validation_error

log = logging.getLogger("nn_playground")

EXPIRY_CHECK_SECONDS = 30.0
SUMMARY_KEYS = ("step", "loss", "train_accuracy", "test_accuracy", "status", "help")


class Reporter:
    """Summaries of this process's students, reported to the backend every
    board interval. Thumbnails are drawn on the training thread, beside the
    reports: a report never waits for them, it sends the newest ones drawn."""

    def __init__(self, classroom: Classroom):
        self.classroom = classroom
        self.grid = BoundaryGrid()
        self.drawn: dict[str, tuple] = {}  # session id → thumbnail() of its run
        self.drawing = None                # the task drawing thumbnails, if one is
        self.task = None

    def start(self):
        self.task = asyncio.create_task(self._forever())

    def stop(self):
        for task in (self.task, self.drawing):
            if task:
                task.cancel()

    async def _forever(self):
        interval = self.classroom.settings.board_interval_seconds
        expire_at = 0.0
        while True:
            started = time.monotonic()
            try:
                await self.report_once()
                if started > expire_at:
                    expire_at = started + EXPIRY_CHECK_SECONDS
                    await self.classroom.expire()
            except ClassStoreDown:  # classes pause; the students' sessions go on
                pass
            except Exception:  # a bug must cost one report, not the board
                log.exception("reporting the students' summaries failed")
            await asyncio.sleep(max(0.0, interval - (time.monotonic() - started)))

    def _students(self) -> dict[str, list]:
        """This process's student sessions, by class code."""
        room, by_code = self.classroom, {}
        for sid, code in list(room.students.items()):
            live = room.store.sessions.get(sid)
            if live is not None:
                by_code.setdefault(code, []).append(live)
        return by_code

    async def report_once(self):
        room = self.classroom
        by_code = self._students()
        everyone = [live for lives in by_code.values() for live in lives]
        self.drawn = {live.id: self.drawn[live.id] for live in everyone if live.id in self.drawn}
        if everyone and self.drawing is None:
            self.drawing = asyncio.create_task(self._draw(everyone))
        for code, lives in by_code.items():
            report = {}
            for live in lives:
                drawn = self.drawn.get(live.id)
                summary = summarize(live.training, drawn)
                if live.driver is None:
                    summary["status"] = "disconnected"
                report[live.id] = {**summary, "thumbnail": drawn[1] if drawn else None}
            await room.backend.report(code, report)
            if any(live.attached for live in lives):
                await room.touch(code)

    async def _draw(self, lives):
        try:
            drawn = {live.id: self.drawn.get(live.id) for live in lives}
            new = await self.classroom.store.scheduler.run(_thumbnails, lives, self.grid, drawn)
            self.drawn.update(new)  # the table as it is now: reports replace it meanwhile
        except Exception:
            log.exception("drawing the students' thumbnails failed")
        finally:
            self.drawing = None


def _thumbnails(lives, grid, drawn):
    """On the training thread: each session's thumbnail(), under its lock."""
    out = {}
    for live in lives:
        with live.training.lock:
            out[live.id] = thumbnail(live.training, grid, drawn[live.id])
    return out


async def board_message(room: Classroom, code: str, record: dict, seen: dict) -> dict:
    """The `board` message for one connection; ``seen``: session id → the
    thumbnail version that connection has (updated here)."""
    roster = await room.backend.roster(code)
    reports = await room.backend.summaries(code)
    students = []
    for sid, name in roster.items():
        summary = reports.get(sid) or {"status": "disconnected"}
        entry = {"session": sid, "name": name, **{k: summary.get(k) for k in SUMMARY_KEYS}}
        thumbnail = summary.get("thumbnail")
        if thumbnail is not None and seen.get(sid) != summary.get("thumb"):
            entry["thumbnail"] = thumbnail
            seen[sid] = summary.get("thumb")
        students.append(entry)
    lesson = record.get("lesson")
    if lesson:
        goal = lesson.get("goal")
        lesson = {**lesson, "of": len(students),
                  "reached": sum(reached(s, goal) for s in students) if goal else None}
    return {"type": "board", "code": code, "students": students, "spotlight": record["spotlight"],
            "teacher_session": record["teacher_session"], "paused": record["paused"],
            "lesson": lesson, "expires_at": iso_time(record["last_active"] +
                                                     room.settings.class_idle_seconds)}


async def lead(room: Classroom, code: str, msg) -> dict | None:
    """Carry out one of the teacher's messages (validated); the reply to send."""
    backend = room.backend
    await room.touch(code, force=True)
    if msg.type == "push":
        try:
            patch = room.store.validate_config_patch(msg.config)
        except ValidationError as exc:
            return validation_error(exc, default_field="config")
        lesson = msg.lesson.model_dump() if msg.lesson else None
        await backend.update_class(code, {"lesson": lesson})
        await backend.publish(code, {"kind": "push", "config": patch, "lesson": lesson,
                                     "restart": msg.restart})
        return {"type": "ack", "of": "push", "students": len(await backend.roster(code))}
    if msg.type == "spotlight":
        record = await backend.get_class(code)
        roster = await backend.roster(code)
        if msg.session is not None and msg.session not in roster \
                and msg.session != record["teacher_session"]:
            return error("spotlight a student of this class or your own run", "session")
        name = roster.get(msg.session) if msg.session else None
        await backend.update_class(code, {"spotlight": msg.session})
        await backend.publish(code, {"kind": "spotlight", "session": msg.session, "name": name})
        return {"type": "ack", "of": "spotlight", "session": msg.session}
    if msg.type in ("pause_all", "resume_all"):
        paused = msg.type == "pause_all"
        await backend.update_class(code, {"paused": paused})
        await backend.publish(code, {"kind": "pause" if paused else "resume"})
        return {"type": "ack", "of": msg.type, "students": len(await backend.roster(code))}
    if msg.type == "end":
        await room.end(code)
        return None
    return error("unknown message type", "type")
