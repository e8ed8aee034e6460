"""SessionStore: the live sessions, their secrets, limits and idle expiry.

A session outlives its connection: a client that reconnects within the idle
expiry with the session id and its token takes it over.

Where the work runs: training on one thread shared by every session, so the
event loop never stalls and sessions take turns (first in, first out, with
fair shares of time: see ``lead()``); frames are drawn from a snapshot in a
worker process of their own (app/frame_worker.py), which uses the second core
without sharing this process's GIL. With ``frame_process`` off they are drawn
on a second thread instead, and training then gives way to them.
"""
from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .boundary import BoundaryGrid
from .config import Settings
from .datasets import DATASETS
from .frame_worker import FrameWorker, FrameWorkerDied
from .runtime import one_blas_thread
from .training import TrainingSession, encode_frame, frame_work, render_frame

log = logging.getLogger("nn_playground")


# The longest a training turn waits for frames to be drawn first: training
# gets at least a share of the thread however many frames are due.
FRAMES_FIRST_SECONDS = 0.05
# Frames that take longer than this (CPU time measured in the worker, so not
# the machine's load; or foreseen by frame_work()) are drawn by a second worker
# process, so that one session with a huge network never holds up everyone
# else's frames.
SLOW_FRAME_SECONDS = 0.03
SLOW_FRAME_WORK = 10**9  # multiply-adds: a few hundred ms
# The part of the server's time that frames drawn on a thread may take when
# every session wants more frames than that allows; training has the rest.
FRAME_SHARE = 0.6


class SessionRefused(Exception):
    """A connection that cannot have a session; ``field`` and ``close_code`` say why."""

    def __init__(self, message, field=None, close_code=1008):
        super().__init__(message)
        self.field = field
        self.close_code = close_code


class LiveSession:
    """A TrainingSession with its id, token and the connection attached to it."""

    def __init__(self, session_id, token, training):
        self.id = session_id
        self.token = token
        self.training = training
        self.connection = None
        self.last_seen = time.monotonic()
        self.used = 0.0  # seconds of the training thread this session has had
        self.draw_seconds = 0.0  # how long its last frame took to draw

    def attach(self, connection):
        """Attach ``connection``; returns the one it takes over from, if any."""
        previous, self.connection = self.connection, connection
        self.last_seen = time.monotonic()
        return previous if previous is not connection else None

    def detach(self, connection):
        if self.connection is connection:
            self.connection = None
        self.last_seen = time.monotonic()


class SessionStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, LiveSession] = {}
        self._executor = None
        self._frame_executor = None  # frames on a thread (settings.frame_process off)
        self._frame_workers: dict[str, FrameWorker] = {}  # or in processes: "fast", "slow"
        self._starting: dict[str, asyncio.Lock] = {}
        # Frames first: training waits while frames are being drawn (see run()).
        self._frames = 0
        self._no_frames = threading.Event()
        self._no_frames.set()
        self._reaper = None

    async def start(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnpg-train")
        self._executor.submit(one_blas_thread).result()
        if self.settings.frame_process:
            await self._frame_worker("fast")
        else:
            self._frame_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnpg-frame")
            self._grid = BoundaryGrid()  # one frame at a time: one buffer for every session
        self._reaper = asyncio.create_task(self._reap_forever())

    async def stop(self):
        if self._reaper:
            self._reaper.cancel()
        for executor in (self._executor, self._frame_executor):
            if executor:
                executor.shutdown(wait=False, cancel_futures=True)
        for worker in self._frame_workers.values():  # no process outlives the server
            await worker.stop()

    async def run(self, fn, *args):
        """Run CPU work on the shared training thread. With frames drawn on a
        thread of this process, first wait until no frame is waiting to be
        drawn (FRAMES_FIRST_SECONDS at most): the two would share the GIL."""
        if self.settings.frame_process:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, _after_frames, self._no_frames, fn, *args)

    async def draw(self, training: TrainingSession, snapshot, last_seconds=0.0, encoding="json"):
        """(a frame's JSON text, the seconds it took to draw), drawn from
        ``snapshot`` by a frame worker process (or the frame thread).
        ``last_seconds``: how long this session's previous frame took;
        ``encoding``: "json" (text) or "compact" (bytes, app/compact.py)."""
        self._frames += 1
        self._no_frames.clear()
        try:
            if self._frame_executor is not None:
                text, seconds = await asyncio.get_running_loop().run_in_executor(
                    self._frame_executor, _draw_here, snapshot, self._grid, encoding)
            else:
                slow = last_seconds > SLOW_FRAME_SECONDS or frame_work(snapshot) > SLOW_FRAME_WORK
                text, seconds = await self._draw_in_worker("slow" if slow else "fast", snapshot, encoding)
        finally:
            self._frames -= 1
            if not self._frames:
                self._no_frames.set()
        training.remember_frame(text)
        return text, seconds

    async def _frame_worker(self, lane):
        """The worker process of a lane, started if there is none (or it died)."""
        worker = self._frame_workers.get(lane)
        if worker is not None and worker.alive:
            return worker
        # One start per lane at a time, seen by every caller; the other lane's
        # frames do not wait for it.
        async with self._starting.setdefault(lane, asyncio.Lock()):
            worker = self._frame_workers.get(lane)
            if worker is None or not worker.alive:
                if worker is not None:
                    log.warning("the %s frame worker stopped; starting a new one", lane)
                    asyncio.create_task(worker.stop())
                worker = FrameWorker()
                await worker.start()
                self._frame_workers[lane] = worker
            return worker

    async def _draw_in_worker(self, lane, snapshot, encoding):
        try:
            return await (await self._frame_worker(lane)).draw(snapshot, encoding)
        except FrameWorkerDied:  # killed, out of memory: a new worker, and one more try
            return await (await self._frame_worker(lane)).draw(snapshot, encoding)

    def frames_waiting(self):
        """True while a frame is queued or being drawn on this process's frame
        thread: a training slice ends early then, so that frames do not share
        the GIL with training."""
        return not self.settings.frame_process and not self._no_frames.is_set()

    def frame_interval(self, live: LiveSession):
        """The shortest time between two frames of ``live`` that its share of
        the frame workers allows: its draw time × the playing sessions that
        share its worker. A worker process is all for frames; a thread gives
        training the rest of FRAME_SHARE."""
        if not self.settings.frame_process:
            return live.draw_seconds * self.running_count() / FRAME_SHARE
        slow = live.draw_seconds > SLOW_FRAME_SECONDS
        lane = [s for s in self.running() if (s.draw_seconds > SLOW_FRAME_SECONDS) == slow]
        return live.draw_seconds * max(1, len(lane))

    # ---- create, resume, expire -------------------------------------------

    def create(self) -> LiveSession:
        self.expire()
        if len(self.sessions) >= self.settings.max_sessions:
            raise SessionRefused(
                f"the server is full ({self.settings.max_sessions} live sessions); try again later",
                close_code=1013)
        session_id = secrets.token_urlsafe(9)
        live = LiveSession(session_id, secrets.token_urlsafe(24), TrainingSession())
        self.sessions[session_id] = live
        return live

    def resume(self, session_id, token) -> LiveSession:
        self.expire()
        live = self.sessions.get(session_id)
        # Compare in constant time, and give one answer for both failures.
        if live is None or not secrets.compare_digest(str(token or ""), live.token):
            raise SessionRefused("unknown session or wrong token", field="token", close_code=1008)
        return live

    def expire(self, now=None):
        """Drop sessions with no connection for longer than the idle expiry."""
        now = time.monotonic() if now is None else now
        idle = self.settings.session_idle_seconds
        for sid in [sid for sid, s in self.sessions.items()
                    if s.connection is None and now - s.last_seen > idle]:
            del self.sessions[sid]

    async def _reap_forever(self):
        while True:
            await asyncio.sleep(min(30.0, self.settings.session_idle_seconds / 4))
            self.expire()

    # ---- fair shares ------------------------------------------------------

    def running(self):
        return [s for s in self.sessions.values() if s.connection is not None and s.training.running]

    def running_count(self):
        return len(self.running())

    def lead(self, live: LiveSession):
        """How far ahead of the least-served running session ``live`` is, in
        seconds of training-thread time. Turns are at least one step, and a
        step of a big network takes a second: a session that is ahead waits,
        so that time, not turns, is shared fairly."""
        used = [s.used for s in self.running() if s is not live]
        return live.used - min(used) if used else 0.0

    def join_running(self, live: LiveSession):
        """A session that starts to play starts level with the others
        (neither owed the time it spent paused nor behind)."""
        used = [s.used for s in self.running() if s is not live]
        if used:
            live.used = min(used)

    def slice_seconds(self):
        """How long one training slice may run: shorter as more sessions run, so
        that each gets its turn (and its frames) often."""
        share = self.settings.train_slice_seconds / max(1, self.running_count())
        return max(0.002, share)

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


def _after_frames(no_frames, fn, *args):
    no_frames.wait(FRAMES_FIRST_SECONDS)
    return fn(*args)


def _draw_here(snapshot, grid, encoding="json"):
    """On the frame thread: (the frame's text or bytes, the seconds it took)."""
    start = time.perf_counter()
    text = encode_frame(render_frame(snapshot, grid), encoding)
    return text, time.perf_counter() - start
