"""Students simulated by scripts: each joins a class over a real WebSocket
(/ws/session?class=CODE&name=…), may play, and reads every message it gets.

Used by the browser tests of the teacher's board and by bench/classroom.py.
A Classroom runs its students on an event loop in a thread of its own, so a
synchronous test (Playwright's) can go on beside it.
"""
from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from websockets.asyncio.client import connect


@dataclass
class Student:
    name: str
    config: dict = field(default_factory=dict)  # sent once joined
    play: bool = True
    session: str | None = None
    token: str | None = None
    messages: dict = field(default_factory=dict)  # type → count
    last: dict = field(default_factory=dict)       # type → the newest message of that type
    frames_seen: list = field(default_factory=list)  # (time, step) of each frame
    watch_frames: list = field(default_factory=list)  # frames of the spotlit session, watched
    bytes: int = 0


class Classroom:
    """``students`` joining the class ``code`` on ``base_ws`` (ws://host:port)."""

    def __init__(self, base_ws: str, code: str, students: list[Student], follow_spotlight=False):
        self.base_ws = base_ws
        self.code = code
        self.students = students
        self.follow_spotlight = follow_spotlight
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.tasks = []
        self.joined = threading.Event()
        self._joined = 0
        self.errors: list[str] = []

    def __enter__(self):
        self.thread.start()
        for student in self.students:
            self.tasks.append(asyncio.run_coroutine_threadsafe(self._run(student), self.loop))
        return self

    def __exit__(self, *exc):
        asyncio.run_coroutine_threadsafe(self._close(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _close(self):
        mine = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in mine:
            task.cancel()
        await asyncio.gather(*mine, return_exceptions=True)

    def send(self, student: Student, message: dict):
        """Send a message on a student's own socket (from any thread)."""
        asyncio.run_coroutine_threadsafe(student._ws.send(json.dumps(message)), self.loop).result(10)

    async def _run(self, student: Student):
        url = f"{self.base_ws}/ws/session?class={self.code}&name={quote(student.name)}"
        try:
            async with connect(url, max_size=None, open_timeout=60) as ws:
                student._ws = ws
                watcher = None
                async for text in ws:
                    student.bytes += len(text)
                    msg = frame_head(text) or json.loads(text)
                    kind = msg["type"]
                    student.messages[kind] = student.messages.get(kind, 0) + 1
                    if kind != "frame":
                        student.last[kind] = msg
                    if kind == "hello":
                        student.session, student.token = msg["session"], msg["token"]
                        if student.config:
                            await ws.send(json.dumps({"type": "config", "config": student.config}))
                        if student.play:
                            await ws.send(json.dumps({"type": "play"}))
                    elif kind == "class" and msg["event"] == "joined":
                        self._joined += 1
                        if self._joined == len(self.students):
                            self.joined.set()
                    elif kind == "frame":
                        student.frames_seen.append((time.monotonic(), msg["step"]))
                        if len(student.frames_seen) > 4000:
                            del student.frames_seen[:2000]
                    elif kind == "spotlight" and self.follow_spotlight:
                        if watcher:
                            watcher.cancel()
                        student.watch_frames = []
                        if msg["session"]:
                            watcher = asyncio.create_task(self._watch(student, msg["session"]))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # reported to the test, which decides
            self.errors.append(f"{student.name}: {exc!r}")

    async def _watch(self, student: Student, session: str):
        url = f"{self.base_ws}/ws/session?session={session}&watch=1"
        async with connect(url, max_size=None, open_timeout=60) as ws:
            async for text in ws:
                student.bytes += len(text)
                msg = frame_head(text)
                if msg:
                    student.watch_frames.append((time.monotonic(), msg["step"], msg["boundary_hash"]))


FRAME_START = '{"type":"frame",'


def frame_head(text: str) -> dict | None:
    """A frame's type, step and a hash of its boundary bytes, read without
    parsing the whole message (a class's worth of frames is a lot of JSON for
    the client sharing the server's cores); None for any other message."""
    if not text.startswith(FRAME_START):
        return None
    at = text.index('"step":') + 7
    step = int(text[at:text.index(",", at)])
    data = text.find('"data":"')
    return {"type": "frame", "step": step,
            "boundary_hash": hash(text[data:text.index('"', data + 8)]) if data >= 0 else None}
