"""/ws/session: a live training session over a WebSocket.

Per connection four tasks: the receiver validates client messages and queues
them; the runner applies them between training slices and trains; the framer
takes a snapshot when a frame is due and the previous one has been sent, and
has it drawn by a frame worker (SessionStore.draw); the writer sends. Frames
are never queued: the writer holds at most one, and the framer starts the
next only once it has gone, so a slow client gets fewer frames, not a
backlog. See docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import json
import logging
import time

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import TypeAdapter, ValidationError

from ..inside import ParamError
from ..schemas import ClientMessage, SessionConfig
from ..sessions import LiveSession, SessionRefused, SessionStore
from ..training import (DATA_FIELDS, ConfigError, changed_fields, check_config, merge_config,
                        to_json)

router = APIRouter()
log = logging.getLogger("nn_playground")

CLIENT_MESSAGE = TypeAdapter(ClientMessage)
# How far (seconds of training-thread time) a session may run ahead of the
# least-served running session before it sits out its turns.
FAIR_LEAD_SECONDS = 0.25


dumps = to_json


def _reject_constant(name):
    raise ValueError(f"{name} is not allowed in JSON")


def error(message, field=None):
    return {"type": "error", "message": message, "field": field}


def validation_error(exc: ValidationError, default_field=None):
    """The first problem of a pydantic error as an `error` message naming the
    field (for a config, the config field itself: "learning_rate")."""
    first = exc.errors(include_input=False, include_url=False)[0]
    # (a union names its member types in the location: "label.constrained-int")
    loc = [str(p) for p in first["loc"]
           if not str(p).startswith(("function-", "tagged-union", "constrained-")) and p not in ("int", "float")]
    # A discriminated union puts the message type first in the location.
    if len(loc) > 1 and loc[0] in ("config", "play", "pause", "step", "reset", "probe", "points", "param"):
        loc = loc[1:]
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        loc = ["type"]  # an unknown message type: the field at fault is `type`
    field = ".".join(loc) or default_field
    return error(f"{field}: {first['msg']}" if field else first["msg"], field)


def parse_client_message(text: str, max_bytes: int):
    """A validated client message, or an `error` dict."""
    if len(text) > max_bytes or len(text.encode()) > max_bytes:
        return error(f"message too large (over {max_bytes} bytes)")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return error("message is not valid JSON")
    if not isinstance(data, dict) or "type" not in data:
        return error("a message is a JSON object with a 'type'", "type")
    try:
        return CLIENT_MESSAGE.validate_python(data)
    except ValidationError as exc:
        return validation_error(exc)


def validate_config_patch(patch: dict) -> dict:
    """Per-field validation of a partial config, with the ranges of SessionConfig."""
    checked = SessionConfig.model_validate(patch)
    return {key: getattr(checked, key) for key in patch}


class Connection:
    def __init__(self, websocket: WebSocket, live: LiveSession, store: SessionStore):
        self.ws = websocket
        self.live = live
        self.training = live.training
        self.store = store
        self.settings = store.settings
        self.commands: asyncio.Queue = asyncio.Queue()
        self.outbox: list = []          # control messages, sent before any frame
        self.frame_slot = None          # at most one frame waiting to be sent
        self.sending_frame = False
        self.drawing = None             # the task drawing the next frame
        self.wake_writer = asyncio.Event()
        self.wake_runner = asyncio.Event()
        self.wake_framer = asyncio.Event()
        self.busy = False               # a command is being applied
        self.frame_wanted = True        # a frame follows hello at once
        self.next_frame_at = 0.0
        self.allowance = 0.0            # steps earned at a limited `speed`
        self.closed = False
        self.tasks: list = []

    # ---- sending --------------------------------------------------------

    def post(self, message):
        self.outbox.append(dumps(message))
        self.wake_writer.set()

    def frame_slot_free(self):
        return self.frame_slot is None and not self.sending_frame and self.drawing is None

    async def writer(self):
        while True:
            await self.wake_writer.wait()
            self.wake_writer.clear()
            while self.outbox:
                await self.ws.send_text(self.outbox.pop(0))
            if self.frame_slot is not None:
                text, self.frame_slot = self.frame_slot, None
                self.sending_frame = True
                try:
                    await self.ws.send_text(text)
                finally:
                    self.sending_frame = False
                self.wake_framer.set()

    # ---- receiving ------------------------------------------------------

    async def receiver(self):
        limit = self.settings.max_message_bytes
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            text = message.get("text")
            if text is None:
                raw = message.get("bytes") or b""
                text = raw.decode("utf-8", errors="replace") if len(raw) <= limit else "x" * (limit + 1)
            parsed = parse_client_message(text, limit)
            if isinstance(parsed, dict):
                self.post(parsed)
            else:
                self.live.last_seen = time.monotonic()
                self.commands.put_nowait(parsed)
                self.wake_runner.set()

    # ---- the runner -----------------------------------------------------

    async def runner(self):
        """Applies commands between training turns, and trains while running."""
        t = self.training
        last_tick = time.monotonic()
        while True:
            while not self.commands.empty():
                msg = self.commands.get_nowait()
                self.busy = True  # no frame in the middle of a command (`step n`)
                try:
                    await self.apply(msg)
                except Exception:  # a bug must cost this command, not the connection
                    log.exception("applying a %r message failed", msg.type)
                    self.post(error(f"the server could not apply this {msg.type} message"))
                finally:
                    self.busy = False
                self.want_frame()
            now = time.monotonic()
            if t.running and t.config.speed > 0:
                rate = t.config.speed
                self.allowance = min(self.allowance + rate * (now - last_tick), max(1.0, rate / 4))
            last_tick = now
            if t.running:
                await self.train_slice()
            await self.idle()

    async def locked(self, fn, *args):
        """Run ``fn`` on the training thread, holding this session's lock."""
        return await self.store.run(_locked, self.training.lock, fn, *args)

    async def train_slice(self):
        """One turn on the training thread. A session that has had more than its
        share of the thread sits its turn out while the others catch up."""
        t = self.training
        lead = self.store.lead(self.live)
        if lead > FAIR_LEAD_SECONDS:
            await asyncio.sleep(min(lead, 0.05))
            return
        max_steps = int(self.allowance) if t.config.speed > 0 else 1 << 30
        if max_steps <= 0:
            return
        seconds = self.store.slice_seconds()
        if self.frame_slot_free():  # end the turn when the next frame falls due
            seconds = min(seconds, max(0.0005, self.next_frame_at - time.monotonic()))
        done, used = await self.locked(_train_for, t, max_steps, seconds, self.store.frames_waiting)
        self.live.used += used
        if t.config.speed > 0:
            self.allowance -= done

    async def idle(self):
        """Yield to the loop; with nothing to train, sleep until a command
        arrives (or, at a limited speed, the next step is due)."""
        t = self.training
        if t.running and (t.config.speed <= 0 or self.allowance >= 1):
            await asyncio.sleep(0)
            return
        timeout = (1 - self.allowance) / t.config.speed if t.running else None
        self.wake_runner.clear()
        if not self.commands.empty():
            return
        try:
            await asyncio.wait_for(self.wake_runner.wait(), timeout)
        except asyncio.TimeoutError:
            pass

    # ---- frames ---------------------------------------------------------

    def want_frame(self):
        self.frame_wanted = True
        self.wake_framer.set()

    async def framer(self):
        """Starts a frame whenever one is due: every 1/fps while running, and
        within 1/fps of a change while paused. The snapshot is taken here, on
        the event loop, between two of this session's training turns, so a
        frame waits for no other session's turn."""
        while True:
            delay = None
            if self.frame_wanted and not self.busy and self.frame_slot_free():
                delay = self.next_frame_at - time.monotonic()
                if delay <= 0:
                    if self.frame_now():
                        continue
                    delay = 0.001  # this session is on the training thread right now
            self.wake_framer.clear()
            try:
                await asyncio.wait_for(self.wake_framer.wait(), delay)
            except asyncio.TimeoutError:
                pass

    def frame_now(self):
        """Snapshot and start drawing, unless the session is being trained (False)."""
        t = self.training
        if not t.lock.acquire(blocking=False):
            return False
        try:
            snapshot = t.snapshot()
        finally:
            t.lock.release()
        now = time.monotonic()
        self.drawing = asyncio.create_task(self.draw(snapshot))
        self.frame_wanted = t.running
        # Keep to the fps grid (a late frame does not push every later one back),
        # but never owe a burst of frames after a pause. Each playing session
        # may take its part of the frame worker's share of time: a session
        # whose frames are slow to draw (a big network on a 200² grid takes
        # seconds), or one of many, is drawn less often.
        share = self.store.frame_interval(self.live)
        self.next_frame_at = max(self.next_frame_at + 1.0 / t.config.fps, now, now + share)
        return True

    async def draw(self, snapshot):
        """Draw a frame in the frame worker while this session trains on."""
        try:
            self.frame_slot, self.live.draw_seconds = await self.store.draw(
                self.training, snapshot, self.live.draw_seconds)
        except Exception:  # a bug must cost this frame, not the session's later ones
            log.exception("drawing a frame failed")
            self.frame_wanted = True
            return
        finally:
            self.drawing = None
        self.wake_writer.set()

    # ---- commands -------------------------------------------------------

    async def apply(self, msg):
        t = self.training
        self.frame_wanted = True
        kind = msg.type
        if kind == "play":
            if t.status == "diverged":
                self.post(error("the network diverged: reset it (or change a setting that "
                                "re-initializes it) before playing", "status"))
                return
            self.store.join_running(self.live)
            t.running = True
        elif kind == "pause":
            t.running = False
        elif kind == "reset":
            await self.locked(t.reset)
        elif kind == "step":
            t.running = False
            await self.run_steps(msg.n)
        elif kind == "config":
            await self.apply_config(msg.config)
        elif kind == "probe":
            await self.set_probe(msg)
        elif kind == "points":
            await self.change_points(msg)
        elif kind == "param":
            await self.set_param(msg)

    async def set_param(self, msg):
        """One weight or bias typed by hand: applied to the live network, no reset."""
        t = self.training
        try:
            await self.locked(t.set_parameter, msg.layer, msg.name, list(msg.index), msg.value)
        except ParamError as exc:
            self.post(error(str(exc), exc.field))

    async def run_steps(self, n):
        """Exactly n steps (fewer only if the network diverges), in slices so
        that other sessions keep their turns; no frame until they are done."""
        t = self.training
        left = n
        while left > 0 and t.status == "ok":
            done, used = await self.locked(_train_for, t, left, self.store.slice_seconds(),
                                           self.store.frames_waiting)
            self.live.used += used
            left -= done

    async def apply_config(self, patch):
        t = self.training
        try:
            clean = validate_config_patch(patch)
            new = merge_config(t.config, clean)
            kept_points = 0 if changed_fields(t.config, new) & DATA_FIELDS else len(t.user_points)
            check_config(new, kept_points, self.settings.max_points)
        except ValidationError as exc:
            self.post(validation_error(exc, default_field="config"))
            return
        except ConfigError as exc:
            self.post(error(str(exc), exc.field))
            return
        reset = await self.locked(t.apply_config, clean)
        self.post({"type": "config", "config": t.config.to_dict(), "reset": reset})

    def labels_fit(self, labels):
        """Whether labels fit the session: class indices, or for regression any target
        (the message's schema keeps those in [-1, 1])."""
        if self.training.config.regression:
            return True
        return all(type(label) is int and label < self.training.config.classes for label in labels)

    def class_range(self):
        return f"integers between 0 and {self.training.config.classes - 1}"

    async def set_probe(self, msg):
        t = self.training
        if msg.label is not None and not self.labels_fit([msg.label]):
            self.post(error(f"label must be one of the {self.class_range()}", "label"))
            return
        t.probe_point = (tuple(msg.x), msg.label)
        self.post({"type": "probe", **await self.locked(t.probe, *t.probe_point)})

    async def change_points(self, msg):
        t = self.training
        if msg.clear:
            await self.locked(t.clear_points)
        if msg.add:
            if not self.labels_fit([label for _, _, label in msg.add]):
                self.post(error(f"labels must be {self.class_range()}", "add"))
                return
            if t.n_points + len(msg.add) > self.settings.max_points:
                self.post(error(f"a session holds at most {self.settings.max_points} points", "add"))
                return
            await self.locked(t.add_points, msg.add)

    # ---- the connection's life ------------------------------------------

    def hello(self):
        t = self.training
        return {
            "type": "hello",
            "session": self.live.id,
            "token": self.live.token,
            "config": t.config.to_dict(),
            "limits": self.store.limits(),
            "step": t.step_count,
            "running": t.running,
            "status": t.status,
            "points": t.points_payload(),
        }

    async def serve(self):
        previous = self.live.attach(self)
        if previous is not None:
            await previous.taken_over()
        self.training.points_changed = True  # this client has not seen them yet
        self.post(self.hello())
        tasks = [asyncio.create_task(c())
                 for c in (self.receiver, self.runner, self.framer, self.writer)]
        self.tasks = tasks
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task.cancelled():  # taken over
                    continue
                exc = task.exception()
                if exc and not isinstance(exc, (WebSocketDisconnect, RuntimeError)):
                    raise exc
        finally:
            # Detach first: if this task is itself being cancelled, the await
            # below raises at once and nothing after it would run.
            self.closed = True
            self.live.detach(self)
            if self.drawing is not None:
                tasks.append(self.drawing)
            for task in tasks:
                task.cancel()
            # asyncio.wait, not gather: it does not re-cancel the tasks, so a
            # cancellation of this task propagates as the canceller's own.
            await asyncio.wait(tasks)
            for task in tasks:
                if not task.cancelled():
                    task.exception()  # retrieved: no "never retrieved" warning

    async def taken_over(self):
        """Another connection resumed this session: tell this one and close it."""
        if self.closed:
            return
        self.closed = True
        try:
            # Bounded: a connection that no longer drains (a sleeping laptop)
            # must not hold up the one taking over.
            await asyncio.wait_for(self._farewell(), timeout=1.0)
        except Exception:  # the old connection may already be gone
            pass
        for task in self.tasks:  # its runner must not train the session any more
            task.cancel()

    async def _farewell(self):
        await self.ws.send_text(dumps(error("this session was taken over by another connection",
                                            "session")))
        await self.ws.close(code=1000, reason="taken over")


def _locked(lock, fn, *args):
    with lock:
        return fn(*args)


def _train_for(training, max_steps, seconds, interrupted):
    """On the training thread: up to max_steps steps within `seconds` (at
    least one), ending early when interrupted(): (steps, seconds it took)."""
    start = time.perf_counter()
    done = training.train(max_steps, deadline=start + seconds, interrupted=interrupted)
    return done, time.perf_counter() - start


@router.websocket("/ws/session")
async def session_socket(websocket: WebSocket, session: str | None = None, token: str | None = None):
    await websocket.accept()
    store: SessionStore = websocket.app.state.sessions
    try:
        live = store.resume(session, token) if session is not None else store.create()
    except SessionRefused as refused:
        await websocket.send_text(dumps(error(str(refused), refused.field)))
        await websocket.close(code=refused.close_code)
        return
    await Connection(websocket, live, store).serve()
