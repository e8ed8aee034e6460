"""/ws/session: a thin adapter between a WebSocket and a live session.

`/ws/session` creates a session and drives it; `?session=ID&new=1` creates it
with an id chosen beforehand (POST /api/v1/sessions), so that a proxy routing
by id sends every later connection of that session to the same process;
`?session=ID&token=TOKEN` resumes one and takes it over; `?session=ID&watch=1`
watches one read-only; `?class=CODE&name=NAME` joins a class with a session of
one's own (new, or the resumed one), `?class=CODE&teacher=TOKEN` is the
teacher's own run.
The session (app/live.py) trains and draws; this module only reads client
messages into it and writes its messages out. See docs/protocol.md.

A page of another origin is refused (app/origins.py); a connection that does
not read is closed with 1008 "not reading" (app/subscribers.py) and its
session stays resumable.
"""
from __future__ import annotations

import asyncio
import logging
import time

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect

from ..class_redis import CLASS_STORE_DOWN, ClassStoreDown
from ..live import LiveSession
from ..origins import ORIGIN_REFUSED, origin_allowed
from ..protocol import error, parse_client_message, to_json
from ..sessions import SessionRefused, SessionStore
from ..subscribers import Subscriber

router = APIRouter()
log = logging.getLogger("nn_playground")

FAREWELL_SECONDS = 1.0  # a connection that no longer drains does not hold up the one taking over


async def receive_into(ws: WebSocket, live: LiveSession, sub: Subscriber, max_bytes: int):
    """Read client messages until the socket closes; each goes to the session."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        if text is None:
            raw = message.get("bytes") or b""
            text = raw.decode("utf-8", errors="replace") if len(raw) <= max_bytes else "x" * (max_bytes + 1)
        parsed = parse_client_message(text, max_bytes, live.store.settings)
        if isinstance(parsed, dict):
            sub.post(parsed)
        else:
            live.submit(sub, parsed)


async def serve(ws: WebSocket, live: LiveSession, role: str, max_bytes: int, encoding: str = "json",
                welcome=None):
    """Attach a subscriber of ``role``, then ``await welcome(live, sub)`` (the
    class's messages after hello), and relay until either side ends."""
    settings = live.store.settings
    sub = Subscriber(role, encoding, settings.max_outbox_messages, settings.client_stall_seconds)
    await live.attach(sub)
    if welcome is not None:
        await welcome(live, sub)

    async def send(message):  # compact frames are bytes (app/compact.py)
        await (ws.send_bytes if isinstance(message, bytes) else ws.send_text)(message)

    tasks = [asyncio.create_task(receive_into(ws, live, sub, max_bytes)),
             asyncio.create_task(sub.write_forever(send, live.frame_sent)),
             asyncio.create_task(sub.gone.wait())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc and not isinstance(exc, (WebSocketDisconnect, RuntimeError)):
                raise exc
    finally:
        # Detach first: if this task is itself being cancelled, the await
        # below raises at once and nothing after it would run.
        live.detach(sub)
        for task in tasks:
            task.cancel()
        # asyncio.wait, not gather: it does not re-cancel the tasks, so a
        # cancellation of this task propagates as the canceller's own.
        await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()  # retrieved: no "never retrieved" warning
    if sub.gone.is_set():
        if sub.close_with[0] != 1000:
            log.warning("closing a %s connection of session %s: %s", role, live.id, sub.close_with[1])
        try:
            await asyncio.wait_for(_farewell(ws, sub.farewell, *sub.close_with), FAREWELL_SECONDS)
        except Exception:  # the connection may already be gone, or not read its farewell
            pass


async def _farewell(ws, message, code, reason):
    if message is not None:
        await ws.send_text(to_json(message))
    await ws.close(code=code, reason=reason)


async def refuse(ws: WebSocket, message: str, field, close_code: int, code=None):
    """Answer an accepted connection with `error`, then close it."""
    await ws.send_text(to_json(error(message, field, code)))
    await ws.close(code=close_code)


def origin_refused(ws: WebSocket) -> bool:
    """True when the page that opened ``ws`` is of an origin this server does not accept."""
    settings = ws.app.state.settings
    return not origin_allowed(ws.headers.get("origin"), ws.headers.get("host"),
                              settings.allowed_origins)


def client_address(ws: WebSocket) -> str:
    return ws.client.host if ws.client else "unknown"


def _flag(value) -> bool:
    return value not in (None, "", "0")


def _own_session(store: SessionStore, session, token, new, address):
    """The driver's own session: created with the id it chose (new=1), resumed
    (with its token), or None (nothing asked for). A new one counts against
    ``address``'s new sessions (None: not counted, as for a class join)."""
    if _flag(new):
        if session is None:
            raise SessionRefused("new=1 needs a session id: ask POST /api/v1/sessions for one",
                                 field="session")
        return store.create(session, address)
    return store.resume(session, token) if session is not None else None


async def _open(ws: WebSocket, session, token, watch, new, klass, name, teacher):
    """(the session, the role) a connection asks for; SessionRefused if it cannot."""
    store: SessionStore = ws.app.state.sessions
    if _flag(watch):
        return store.watch(session), "viewer"
    address = client_address(ws) if klass is None else None  # a class counts its joins itself
    live = _own_session(store, session, token, new, address)
    if klass is None:
        return live or store.create(address=address), "driver"
    try:
        return await _in_class(ws, live, klass, name, teacher), "driver"
    except SessionRefused:
        if _flag(new):
            store.sessions.pop(live.id, None)  # made for this class only
        raise


async def _in_class(ws: WebSocket, live, klass, name, teacher):
    room = ws.app.state.classroom
    try:
        if teacher is not None:
            return await room.teacher_session(klass, teacher, live)
        if live is not None and room.class_of(live.id):
            return live  # a student back in their own session: still in the class
        return await room.join(klass, name, client_address(ws), live)
    except ClassStoreDown:
        raise SessionRefused(CLASS_STORE_DOWN, close_code=1013) from None  # the page tries again


FRAME_ENCODINGS = ("json", "compact")  # compact: app/compact.py


@router.websocket("/ws/session")
async def session_socket(websocket: WebSocket, session: str | None = None,
                         token: str | None = None, watch: str | None = None,
                         new: str | None = None, encoding: str = "json",
                         klass: str | None = Query(None, alias="class"), name: str | None = None,
                         teacher: str | None = None):
    await websocket.accept()
    store: SessionStore = websocket.app.state.sessions
    if origin_refused(websocket):
        await refuse(websocket, ORIGIN_REFUSED, "origin", 1008)
        return
    if encoding not in FRAME_ENCODINGS:
        await refuse(websocket, "encoding must be one of: json, compact", "encoding", 1008)
        return
    try:
        live, role = await _open(websocket, session, token, watch, new, klass, name, teacher)
    except SessionRefused as refused:
        await refuse(websocket, str(refused), refused.field, refused.close_code, refused.code)
        return
    live.last_seen = time.monotonic()
    welcome = websocket.app.state.classroom.welcome if role == "driver" else None
    await serve(websocket, live, role, store.settings.max_message_bytes, encoding, welcome)
