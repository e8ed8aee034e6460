"""Framer: how a LiveSession draws its frames — when one is due, the snapshot
taken between two training turns, drawn once by the frame pool and offered to
every subscriber. A base of LiveSession (app/live.py), which holds the state
it reads: training, subscribers, store, the pacing fields of _reset_pacing().
"""
from __future__ import annotations

import asyncio
import logging
import time

from .subscribers import BuiltFrame
from .views import frame_body, sticky_parts, views_of

log = logging.getLogger("nn_playground")


class Framer:
    def want_frame(self):
        self.frame_wanted = True
        self.wake_framer.set()

    def frame_sent(self):
        self.wake_framer.set()

    async def _framer(self):
        """Starts a frame whenever one is due (every 1/fps while playing, within
        1/fps of a change while paused) and a subscriber is ready for it. The
        snapshot is taken here, on the event loop, between two of this
        session's training turns, so a frame waits for no other session's turn."""
        while True:
            delay = None
            ready = any(sub.ready() for sub in self.subscribers)
            if self.frame_wanted and not self.busy and self.drawing is None and ready:
                delay = self.next_frame_at - time.monotonic()
                if delay <= 0:
                    if self._frame_now():
                        continue
                    delay = 0.001  # this session is on the training thread right now
            self.wake_framer.clear()
            try:
                await asyncio.wait_for(self.wake_framer.wait(), delay)
            except asyncio.TimeoutError:
                pass

    def _frame_now(self):
        """Snapshot and start drawing, unless the session is being trained (False)."""
        t = self.training
        if not t.lock.acquire(blocking=False):
            return False
        try:
            snapshot, tail, points = self._snapshot()
        finally:
            t.lock.release()
        now = time.monotonic()
        self.drawing = asyncio.create_task(self._draw(snapshot, tail, points))
        self.frame_wanted = t.running
        # Keep to the fps grid (a late frame does not push every later one back),
        # but never owe a burst of frames after a pause; and take no more than
        # this session's share of the frame worker.
        playing = [(s.draw_seconds, len(s.subscribers)) for s in self.store.playing()]
        share = self.store.pool.interval(self.draw_seconds, playing, len(self.subscribers))
        self.next_frame_at = max(self.next_frame_at + 1.0 / t.config.fps, now, now + share)
        return True

    def _snapshot(self):
        """Holding the lock: (snapshot with its reusable views, history tail, points)."""
        t = self.training
        snapshot = t.snapshot()
        snapshot.compact = any(sub.encoding == "compact" for sub in self.subscribers)
        for view in views_of(snapshot):
            cached = self.view_cache.get(view.name)
            # While diverged the last good picture stays on screen.
            if cached and (cached[0] == view.key(snapshot) or snapshot.status != "ok"):
                snapshot.reuse[view.name] = cached[1]
        cursors = [sub.cursor for sub in self.subscribers]
        generation = t.history.generation
        oldest = min((c for c in cursors if c[0] == generation), default=(generation, 0),
                     key=lambda c: c[1])
        if any(c[0] != generation for c in cursors):
            oldest = (generation, 0)
        if self._points[0] != t.points_version:
            self._points = (t.points_version, t.points_json())
        return snapshot, t.history.tail(oldest), self._points

    async def _draw(self, snapshot, tail, points):
        """Draw a frame in the frame pool while this session trains on, and
        offer it to every subscriber."""
        try:
            parts, self.draw_seconds = await self.store.pool.draw(snapshot, self.draw_seconds,
                                                                  len(self.subscribers))
        except Exception:  # a bug must cost this frame, not the session's later ones
            log.exception("drawing a frame failed")
            self.frame_wanted = True
            return
        finally:
            self.drawing = None
        for view in views_of(snapshot):
            if view.name not in snapshot.reuse:
                self.view_cache[view.name] = (view.key(snapshot), parts[1][view.name])
        frame = BuiltFrame(frame_body(parts), tail, *points, sticky=sticky_parts(parts, snapshot),
                           compact=parts[2] if len(parts) > 2 else None)
        for sub in self.subscribers:
            sub.offer(frame)
        self.wake_framer.set()
