"""LiveSession: a TrainingSession that trains and is drawn while connections watch.

The session, not a connection, owns the work: its runner applies the driver's
commands between training turns and trains while playing; its framer takes a
snapshot whenever a frame is due and some subscriber is ready for one, has it
drawn once by the frame pool and hands it to every subscriber. Both run while
at least one connection (driver or viewer) is attached; a session with none
keeps its state until it expires. See docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import logging
import time

from .command_queue import CommandQueue
from .commands import apply_command
from .live_frames import Framer
from .protocol import error
from .scheduler import locked, train_for
from .subscribers import TAKEN_OVER, Subscriber

log = logging.getLogger("nn_playground")


class LiveSession(Framer):
    """A session's runner (here) and framer (app/live_frames.py), and its subscribers."""

    def __init__(self, session_id, token, training, store):
        self.id = session_id
        self.token = token
        self.training = training
        self.store = store
        self.driver: Subscriber | None = None
        self.viewers: set[Subscriber] = set()
        self.last_seen = time.monotonic()
        self.opening = True      # created, its first connection not attached yet: not evictable
        self.used = 0.0          # seconds of the training thread this session has had
        self.draw_seconds = 0.0  # how long its last frame took to draw
        self.commands = CommandQueue(store.settings.max_pending_commands)
        self.stepping = False    # a `step n` is running: it shares the training thread like play
        self.tasks: list = []
        self.view_cache: dict = {}  # view name → (key, text) as last drawn
        self._points = (None, "")   # (version, JSON text)
        self._reset_pacing()

    def _reset_pacing(self):
        self.wake_runner = asyncio.Event()
        self.wake_framer = asyncio.Event()
        self.busy = False            # a command is being applied: no frame mid-command
        self.frame_wanted = True
        self.next_frame_at = 0.0
        self.allowance = 0.0         # steps earned at a limited `speed`
        self.drawing = None          # the task drawing the next frame

    @property
    def subscribers(self):
        return ([self.driver] if self.driver else []) + list(self.viewers)

    @property
    def attached(self):
        return bool(self.driver or self.viewers)

    @property
    def playing(self):
        return self.attached and self.training.running

    @property
    def sharing(self):
        """True while this session takes turns on the training thread (playing or stepping)."""
        return self.playing or (self.attached and self.stepping)

    # ---- subscribers ----------------------------------------------------------

    async def attach(self, sub: Subscriber):
        """Attach ``sub`` (a driver takes over from the previous driver) and
        post its hello: config, limits, points and the whole history so far."""
        hello = await self.store.scheduler.run(locked, self.training, self._hello, sub)
        if sub.role == "driver":
            previous, self.driver = self.driver, sub
            if previous is not None:
                previous.let_go(error("this session was taken over by another connection",
                                      "session"), TAKEN_OVER)
        else:
            self.viewers.add(sub)
        self.last_seen = time.monotonic()
        self.opening = False
        sub.post(hello)
        if not self.tasks:
            self._start()
        self.want_frame()

    def detach(self, sub: Subscriber):
        if self.driver is sub:
            self.driver = None
        self.viewers.discard(sub)
        self.last_seen = time.monotonic()
        if not self.attached:
            self._stop()

    def _hello(self, sub):
        """On the training thread, holding the lock: the hello for ``sub``."""
        t = self.training
        tail = t.history.tail()
        sub.cursor = t.history.cursor()
        sub.points_seen = -1  # the first frame carries the points too, as it always has
        sub.views_seen = {}   # and the sticky views (templates)
        return {
            "type": "hello", "session": self.id,
            "token": self.token if sub.role == "driver" else None, "role": sub.role,
            "config": t.config.to_dict(), "limits": self.store.limits(),
            "catalog": self.store.catalog(),
            "step": t.step_count, "running": t.running, "status": t.status,
            "points": t.points_payload(), "history": tail["points"],
        }

    def submit(self, sub: Subscriber, msg):
        """A validated client message from ``sub``: the driver's is queued (see
        CommandQueue: it may be refused), a viewer's is refused."""
        self.last_seen = time.monotonic()
        if sub is not self.driver:
            sub.post(error(f"a viewer cannot send {msg.type}: this session is controlled by "
                           "its driver", "role"))
            return
        if not self.commands.put(sub, msg):
            sub.post(error(f"too many messages waiting ({len(self.commands)}): this {msg.type} "
                           "was not applied; wait for the replies"))
            return
        self.wake_runner.set()

    def _start(self):
        self._reset_pacing()
        self.tasks = [asyncio.create_task(self._runner()), asyncio.create_task(self._framer())]

    def _stop(self):
        for task in self.tasks + ([self.drawing] if self.drawing else []):
            task.cancel()
        self.tasks, self.drawing = [], None
        while self.commands:  # nothing trains now: queued work runs at once
            sub, msg = self.commands.pop()
            if sub is None:
                asyncio.ensure_future(self._run_work(*msg))

    async def between_turns(self, work):
        """``await work()`` between two training turns (the runner runs it while
        the session trains; with no runner, now); its result."""
        if not self.tasks:
            return await work()
        done = asyncio.get_running_loop().create_future()
        self.commands.put_work(work, done)
        self.wake_runner.set()
        return await done

    async def _run_work(self, work, done):
        self.busy = True
        try:
            result = await work()
            if not done.done():
                done.set_result(result)
        except Exception as exc:  # the caller gets it
            if not done.done():
                done.set_exception(exc)
        finally:
            self.busy = False
        self.want_frame()

    # ---- the runner -----------------------------------------------------------

    async def _runner(self):
        """Applies commands between training turns, and trains while playing."""
        t = self.training
        last_tick = time.monotonic()
        while True:
            while self.commands:
                sub, msg = self.commands.pop()
                if sub is None:  # work of the class layer (between_turns)
                    await self._run_work(*msg)
                    continue
                if sub is not self.driver:
                    continue  # from a connection that has been taken over
                self.busy = True
                try:
                    await apply_command(self, sub, msg)
                except Exception:  # a bug must cost this command, not the session
                    log.exception("applying a %r message failed", msg.type)
                    sub.post(error(f"the server could not apply this {msg.type} message"))
                finally:
                    self.busy = False
                self.want_frame()
            now = time.monotonic()
            if t.running and t.config.speed > 0:
                rate = t.config.speed
                self.allowance = min(self.allowance + rate * (now - last_tick), max(1.0, rate / 4))
            last_tick = now
            if t.running:
                await self._train_slice()
            await self._idle()

    async def _train_slice(self):
        t, scheduler = self.training, self.store.scheduler
        if await scheduler.sat_out(self):
            return
        max_steps = int(self.allowance) if t.config.speed > 0 else 1 << 30
        if max_steps <= 0:
            return
        seconds = scheduler.slice_seconds()
        if self.drawing is None:  # end the turn when the next frame falls due
            seconds = min(seconds, max(0.0005, self.next_frame_at - time.monotonic()))
        done, used = await scheduler.run(train_for, t, max_steps, seconds, scheduler.frames_waiting)
        self.used += used
        if t.config.speed > 0:
            self.allowance -= done

    async def _idle(self):
        """Yield to the loop; with nothing to train, sleep until a command
        arrives (or, at a limited speed, the next step is due)."""
        t = self.training
        if t.running and (t.config.speed <= 0 or self.allowance >= 1):
            await asyncio.sleep(0)
            return
        timeout = (1 - self.allowance) / t.config.speed if t.running else None
        self.wake_runner.clear()
        if self.commands:
            return
        try:
            await asyncio.wait_for(self.wake_runner.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    async def locked(self, fn, *args):
        return await self.store.scheduler.run(locked, self.training, fn, *args)
