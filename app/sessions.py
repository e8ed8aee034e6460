"""SessionStore: the live sessions, their secrets, limits and idle expiry.

A session outlives its connection: a client that reconnects within the idle
expiry with the session id and its token takes it over. All training and frame
building runs on one worker thread shared by every session, so the event loop
never stalls and sessions take turns (the executor's queue is first in, first
out: each running session gets a slice in turn). Frames are drawn from a
snapshot on a second thread, so that drawing (NumPy work that mostly releases
the GIL) uses the second core while training goes on.
"""
from __future__ import annotations

import asyncio
import secrets
import threading
import time
import multiprocessing
import multiprocessing.connection
import os
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .boundary import BoundaryGrid
from .config import Settings
from .datasets import DATASETS
from .memory import keep_freed_memory
from .training import TrainingSession, frame_json, render_frame


# The longest a training turn waits for frames to be drawn first: training
# gets at least a share of the thread however many frames are due.
FRAMES_FIRST_SECONDS = 0.05
# The part of the server's time that frames drawn on a thread may take when
# every session wants more frames than that allows; training has the rest.
FRAME_SHARE = 0.6


_FORKSERVER = multiprocessing.get_context("forkserver")
_FORKSERVER.set_forkserver_preload(["app.sessions"])


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
        self._frame_executor = None
        # Frames first: training waits while frames are being drawn (see run()).
        self._frames = 0
        self._no_frames = threading.Event()
        self._no_frames.set()
        self._reaper = None

    async def start(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnpg-train")
        self._executor.submit(_limit_blas_threads).result()
        self._frame_executor = self._new_frame_executor()
        self._reaper = asyncio.create_task(self._reap_forever())

    def _new_frame_executor(self):
        if not self.settings.frame_process:
            return ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnpg-frame")
        # A process of its own: drawing does not share this process's GIL with
        # training and the event loop. forkserver: workers fork from a clean
        # server process that has the modules loaded, not from this threaded one.
        return ProcessPoolExecutor(max_workers=1, mp_context=_FORKSERVER,
                                   initializer=_start_frame_worker)

    async def stop(self):
        if self._reaper:
            self._reaper.cancel()
        if self._executor:
            self._executor.shutdown(wait=False, cancel_futures=True)
        if self._frame_executor:  # a worker process must not outlive the server
            self._frame_executor.shutdown(wait=True, cancel_futures=True)

    async def run(self, fn, *args):
        """Run CPU work on the shared training thread. With frames drawn on a
        thread of this process, first wait until no frame is waiting to be
        drawn (FRAMES_FIRST_SECONDS at most): the two would share the GIL."""
        if self.settings.frame_process:
            return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, _after_frames, self._no_frames, fn, *args)

    async def draw(self, training: TrainingSession, snapshot):
        """(a frame's JSON text, the seconds it took), drawn from ``snapshot``
        by the frame worker."""
        self._frames += 1
        self._no_frames.clear()
        loop = asyncio.get_running_loop()
        try:
            try:
                text, seconds = await loop.run_in_executor(self._frame_executor, draw_frame, snapshot)
            except BrokenProcessPool:  # the worker died (killed, out of memory): a new one
                self._frame_executor.shutdown(wait=False, cancel_futures=True)
                self._frame_executor = self._new_frame_executor()
                text, seconds = await loop.run_in_executor(self._frame_executor, draw_frame, snapshot)
        finally:
            self._frames -= 1
            if not self._frames:
                self._no_frames.set()
        training.remember_frame(text)
        return text, seconds

    def frames_waiting(self):
        """True while a frame is queued or being drawn on this process's frame
        thread: a training slice ends early then, so that frames do not share
        the GIL with training."""
        return not self.settings.frame_process and not self._no_frames.is_set()

    def frame_share(self):
        """The part of the frame worker's time that frames may take when every
        session wants more: all of a worker process's; of a thread's, what
        training leaves (FRAME_SHARE)."""
        return 1.0 if self.settings.frame_process else FRAME_SHARE

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


# The frame worker's buffers, shared by every session: one frame is drawn at
# a time, so 64 sessions need one buffer, not 64.
_GRID = BoundaryGrid()


def draw_frame(snapshot):
    """In the frame worker: (the frame's JSON text, the seconds it took)."""
    start = time.perf_counter()
    text = frame_json(render_frame(snapshot, _GRID))
    return text, time.perf_counter() - start


def _start_frame_worker():
    _limit_blas_threads()
    keep_freed_memory()
    threading.Thread(target=_exit_with_parent, name="nnpg-parent-watch", daemon=True).start()


def _exit_with_parent():
    """End the frame worker when the server process ends, however it ends: the
    worker holds both ends of its task pipe, so it would wait on it forever."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)


def _limit_blas_threads():
    """One BLAS thread for the training thread: small matmuls run about twice
    as fast without the thread hand-off (bench/engine.py measures it)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        return
    threadpool_limits(1)
