"""The training thread, shared fairly by every playing or stepping session.

Training runs on one thread shared by every session, so the event loop never
stalls and sessions take turns. Time on that thread, not turns, is shared: a
session that has had more than its share sits its turns out while the others
catch up (a step of a huge network takes a second and cannot be cut short).
A `step n` takes the same turns as play: it is one of the sessions sharing
the thread while it runs.
With frames drawn on a thread of this process (no frame worker process),
training first waits for frames that are being drawn: the two would share the
GIL.
"""
from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from .runtime import one_blas_thread

# The longest a training turn waits for frames to be drawn first: training
# gets at least a share of the thread however many frames are due.
FRAMES_FIRST_SECONDS = 0.05
# How far (seconds of training-thread time) a session may run ahead of the
# least-served running session before it sits out its turns.
FAIR_LEAD_SECONDS = 0.25


class Scheduler:
    def __init__(self, slice_seconds: float, frames_first: bool, sharing):
        self.slice_seconds_total = slice_seconds
        self.frames_first = frames_first
        self.sharing = sharing  # () -> the LiveSessions taking turns now (playing or stepping)
        self._executor = None
        self._frames = 0
        self._no_frames = threading.Event()
        self._no_frames.set()

    def start(self):
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnpg-train")
        self._executor.submit(one_blas_thread).result()

    def stop(self):
        if self._executor:
            self._executor.shutdown(wait=False, cancel_futures=True)

    async def run(self, fn, *args):
        """Run CPU work on the training thread (after frames, when frames are
        drawn on a thread of this process)."""
        loop = asyncio.get_running_loop()
        if not self.frames_first:
            return await loop.run_in_executor(self._executor, fn, *args)
        return await loop.run_in_executor(self._executor, _after_frames, self._no_frames, fn, *args)

    # ---- frames drawn on this process's thread --------------------------------

    def frame_started(self):
        self._frames += 1
        self._no_frames.clear()

    def frame_done(self):
        self._frames -= 1
        if not self._frames:
            self._no_frames.set()

    def frames_waiting(self):
        """True while a frame is being drawn on this process's frame thread: a
        training slice ends early then."""
        return self.frames_first and not self._no_frames.is_set()

    # ---- fair shares -------------------------------------------------------------

    def lead(self, live):
        """How far ahead of the least-served sharing session ``live`` is, in
        seconds of training-thread time."""
        used = [s.used for s in self.sharing() if s is not live]
        return live.used - min(used) if used else 0.0

    def join(self, live):
        """A session that starts to play (or step) starts level with the others
        (neither owed the time it spent paused nor behind)."""
        used = [s.used for s in self.sharing() if s is not live]
        if used:
            live.used = min(used)

    def slice_seconds(self):
        """How long one training slice may run: shorter as more sessions share
        the thread, so that each gets its turn (and its frames) often."""
        return max(0.002, self.slice_seconds_total / max(1, len(self.sharing())))

    def must_wait(self, live):
        return self.lead(live) > FAIR_LEAD_SECONDS

    async def sat_out(self, live) -> bool:
        """True after sitting a while out when ``live`` is ahead of its fair
        share (the others catch up meanwhile); False at once when it may train."""
        if not self.must_wait(live):
            return False
        await asyncio.sleep(min(self.lead(live), 0.05))
        return True


def _after_frames(no_frames, fn, *args):
    no_frames.wait(FRAMES_FIRST_SECONDS)
    return fn(*args)


def train_for(training, max_steps, seconds, interrupted):
    """On the training thread, holding the session's lock: up to max_steps
    steps within ``seconds`` (at least one), ending early when interrupted():
    (steps, seconds it took)."""
    with training.lock:
        start = time.perf_counter()
        done = training.train(max_steps, deadline=start + seconds, interrupted=interrupted)
        return done, time.perf_counter() - start


def locked(training, fn, *args):
    """On the training thread: fn(*args) holding the session's lock."""
    with training.lock:
        return fn(*args)
