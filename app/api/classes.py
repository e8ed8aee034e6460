"""Classes: POST /api/v1/classes, the teacher's board page (/teach) and socket
(/ws/class), and the QR code of a class's join URL.

A thin adapter: app/classroom.py and app/class_board.py do the work. See
docs/api.md and docs/protocol.md.
"""
from __future__ import annotations

import asyncio
import io

import segno
from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from pydantic import TypeAdapter

from ..class_board import board_message, lead
from ..class_redis import CLASS_STORE_DOWN, ClassStoreDown
from ..classes import normalize_code
from ..classroom import join_url
from ..origins import ORIGIN_REFUSED
from ..protocol import error, parse_client_message, to_json
from ..schemas import CreateClassResponse, TeacherMessage
from ..sessions import SessionRefused
from ..subscribers import NOT_READING
from .pages import page_context, templates
from .stream import origin_refused, refuse
from .strict import ApiError

router = APIRouter()
TEACHER_MESSAGE = TypeAdapter(TeacherMessage)


@router.post("/api/v1/classes", response_model=CreateClassResponse, status_code=201, tags=["classes"])
async def create_class(request: Request):
    """A new class: its code, the teacher's token (keep it: it leads the class),
    the URL students open to join, and when it expires if nobody uses it."""
    try:
        return await request.app.state.classroom.create(str(request.base_url))
    except SessionRefused as refused:
        raise ApiError(429, ("body",), str(refused), "too_many_classes") from None


@router.get("/teach", response_class=HTMLResponse, include_in_schema=False)
def teach_page(request: Request):
    return templates.TemplateResponse(request, "teach.html", page_context(request))


@router.get("/teach/qr.svg", include_in_schema=False)
def join_qr(request: Request, code: str = ""):
    """The QR code of a class's join URL, drawn here (no outside service)."""
    code = normalize_code(code)
    if code is None:
        raise ApiError(422, ("query", "code"), "code: a class code is 6 letters and digits", "code")
    out = io.BytesIO()
    segno.make(join_url(str(request.base_url), code), error="m").save(
        out, kind="svg", scale=8, border=2, xmldecl=False, svgns=True, title="join URL",
        dark="#111", light="#fff")
    return Response(out.getvalue(), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@router.websocket("/ws/class")
async def class_socket(websocket: WebSocket, code: str | None = None, token: str | None = None):
    """The teacher's board: `board` updates out, the teacher's lead in."""
    await websocket.accept()
    room = websocket.app.state.classroom
    if origin_refused(websocket):
        await refuse(websocket, ORIGIN_REFUSED, "origin", 1008)
        return
    try:
        try:
            code, _ = await room.lead(code, token)
        except ClassStoreDown:
            raise SessionRefused(CLASS_STORE_DOWN, close_code=1013) from None  # the page tries again
    except SessionRefused as refused:
        await refuse(websocket, str(refused), refused.field, refused.close_code)
        return
    outbox = _Outbox(room.settings.max_outbox_messages)
    tasks = [asyncio.create_task(_read(websocket, room, code, outbox)),
             asyncio.create_task(_tick(room, outbox)),
             asyncio.create_task(_write(websocket, room, code, outbox))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks)
        for task in tasks:
            if not task.cancelled():
                task.exception()
    if outbox.stalled:  # a board that does not read is closed as a session's socket is
        await _close_quietly(websocket, *NOT_READING)


async def _close_quietly(ws: WebSocket, code: int, reason: str):
    try:
        await asyncio.wait_for(ws.close(code=code, reason=reason), 1.0)
    except Exception:  # it does not read its close either
        pass


class _Outbox:
    """What the board connection sends next: replies in order, and a board
    update (at most one waiting: it is built when it is sent)."""

    BOARD = object()

    def __init__(self, limit: int):
        self.queue: asyncio.Queue = asyncio.Queue()
        self.board_waiting = False
        self.limit = limit
        self.stalled = False  # replies piled up past the limit, or a send stayed blocked

    def reply(self, message: dict) -> bool:
        """Queue a reply; False (the connection is not reading) past the limit."""
        if self.queue.qsize() >= self.limit:
            self.stalled = True
            return False
        self.queue.put_nowait(message)
        return True

    def board(self):
        if not self.board_waiting:
            self.board_waiting = True
            self.queue.put_nowait(self.BOARD)


async def _read(ws: WebSocket, room, code, outbox: _Outbox):
    max_bytes = room.settings.max_message_bytes
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text") or (message.get("bytes") or b"").decode("utf-8", "replace")
        parsed = parse_client_message(text, max_bytes, room.settings, TEACHER_MESSAGE.validate_python)
        try:
            reply = parsed if isinstance(parsed, dict) else await lead(room, code, parsed)
        except ClassStoreDown:
            reply = error(CLASS_STORE_DOWN)
        if reply is not None and not outbox.reply(reply):
            return
        outbox.board()  # show what changed at once


async def _tick(room, outbox: _Outbox):
    while True:
        outbox.board()
        await asyncio.sleep(room.settings.board_interval_seconds)


async def _write(ws: WebSocket, room, code, outbox: _Outbox):
    seen: dict = {}  # session id → the thumbnail version this connection has
    stall = room.settings.client_stall_seconds
    while True:
        item = await outbox.queue.get()
        if item is _Outbox.BOARD:
            outbox.board_waiting = False
            try:
                record = await room.backend.get_class(code)
                item = record and await board_message(room, code, record, seen)
            except ClassStoreDown:  # the board says so until the store is back
                item = {"type": "class_store", "available": False, "message": CLASS_STORE_DOWN}
            if item is None:
                await ws.send_text(to_json({"type": "ended", "code": code}))
                await ws.close(code=1000)
                return
        try:
            await asyncio.wait_for(ws.send_text(to_json(item)), stall)
        except asyncio.TimeoutError:
            outbox.stalled = True
            return
