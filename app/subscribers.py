"""The connections attached to a live session: one driver, any number of viewers.

A frame is drawn once per session and handed to every subscriber; each one
holds only the newest frame it has not sent yet (a slow reader gets fewer
frames, never a backlog) and reads the history and the points through its
own cursor, so that nothing is consumed by another subscriber.

Nothing a client does grows what is kept for it without bound: a newer
`probe` or `model` reply replaces an unsent older one, the control messages
waiting are capped, and a connection whose send stays blocked (it does not
read) is let go as "not reading" (docs/protocol.md, "Limits and close codes").
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from . import compact
from .protocol import history_since, to_json


# Replies of which only the newest matters: an unsent older one is replaced.
COALESCED = ("probe", "model")
# How a connection is closed when it is let go: (close code, reason).
TAKEN_OVER = (1000, "taken over")
NOT_READING = (1008, "not reading")


@dataclass
class BuiltFrame:
    """A drawn frame: the body every subscriber shares, and what is needed to
    add each one's own history and points."""
    body: str               # the frame's JSON text without history and points
    tail: dict              # the history past the least advanced subscriber (History.tail)
    points_version: int
    points_text: str        # the points' JSON text (sent to a subscriber that has not seen them)
    sticky: dict = field(default_factory=dict)  # view name → (key, JSON text): sent when not seen
    compact: tuple | None = None  # (body without the boundary's data, its zlib stream): app/compact.py
    # (cursor, with points, sticky views not seen, compact) → the message:
    # subscribers that are level (most viewers of a session) share one
    # instead of each encoding the same history.
    texts: dict = field(default_factory=dict, repr=False)

    def text_for(self, sub: "Subscriber") -> str | bytes:
        """The frame's JSON text for ``sub`` (a compact subscriber's binary
        message, when the frame was drawn for one); advances its cursors."""
        unseen = tuple(name for name, (key, _) in self.sticky.items()
                       if sub.views_seen.get(name) != key)
        key = (sub.cursor, sub.points_seen != self.points_version, unseen,
               sub.encoding == "compact" and self.compact is not None)
        text = self.texts.get(key)
        if text is None:
            text = self.texts[key] = self._text(*key)
        seqs, generation = self.tail["seq"], self.tail["generation"]
        if seqs:
            sub.cursor = (generation, seqs[-1])
        elif sub.cursor[0] != generation:
            sub.cursor = (generation, 0)
        sub.points_seen = self.points_version
        for name in unseen:
            sub.views_seen[name] = self.sticky[name][0]
        return text

    def _text(self, cursor, with_points, unseen, compact_message):
        extra = ',"history":' + to_json(history_since(self.tail, cursor))
        if with_points:
            extra += ',"points":' + self.points_text
        for name in unseen:
            extra += f',"{name}":{self.sticky[name][1]}'
        if compact_message:
            body, blob = self.compact
            return compact.message(body[:-1] + extra + "}", blob)
        return self.body[:-1] + extra + "}"


class Subscriber:
    """One connection's side of a session: its messages and its newest frame."""

    def __init__(self, role: str, encoding: str = "json", max_outbox: int = 64,
                 stall_seconds: float | None = None):
        self.role = role                # "driver" or "viewer"
        self.encoding = encoding        # of frames: "json" text, or "compact" binary (app/compact.py)
        self.outbox: list[tuple[str | None, str]] = []  # (type if coalesced, text): sent before any frame
        self.max_outbox = max_outbox
        self.stall_seconds = stall_seconds  # the longest one send may stay blocked (None: no limit)
        self.frame: BuiltFrame | None = None
        self.sending = False
        self.wake = asyncio.Event()
        self.cursor = (0, 0)            # history: (generation, last sequence number sent)
        self.points_seen = -1           # points: the version last sent
        self.views_seen: dict = {}      # sticky views: name → the key last sent
        self.gone = asyncio.Event()     # set when the session lets this connection go
        self.farewell = None            # the error message to send as it goes (or None)
        self.close_with = TAKEN_OVER    # (code, reason) of the close as it goes

    def post(self, message: dict):
        """Queue a control message; a newer probe/model reply replaces an unsent
        older one, and a backlog past ``max_outbox`` lets this connection go."""
        if self.gone.is_set():
            return
        kind = message.get("type") if message.get("type") in COALESCED else None
        if kind is not None:
            self.outbox = [entry for entry in self.outbox if entry[0] != kind]
        if len(self.outbox) >= self.max_outbox:
            self.let_go(None, NOT_READING)
            return
        self.outbox.append((kind, to_json(message)))
        self.wake.set()

    def offer(self, frame: BuiltFrame):
        """Hold ``frame`` as the newest one to send (an older unsent one is dropped)."""
        self.frame = frame
        self.wake.set()

    def ready(self) -> bool:
        """True when this subscriber would take a new frame now."""
        return self.frame is None and not self.sending and not self.gone.is_set()

    def let_go(self, message: dict | None, close_with=TAKEN_OVER):
        """End this subscription (another connection took the session over, or
        this one does not read): ``message`` then a close (code, reason)."""
        if not self.gone.is_set():
            self.farewell, self.close_with = message, close_with
        self.outbox.clear()
        self.gone.set()

    async def write_forever(self, send_text, on_sent):
        """Send control messages first, then the newest frame; ``on_sent()``
        after each frame (the session may draw the next one). Returns when a
        send stays blocked for ``stall_seconds`` (the connection is let go)."""
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox:
                if not await self._send(send_text, self.outbox.pop(0)[1]):
                    return
            if self.frame is not None:
                frame, self.frame = self.frame, None
                self.sending = True
                try:
                    if not await self._send(send_text, frame.text_for(self)):
                        return
                finally:
                    self.sending = False
                on_sent()

    async def _send(self, send_text, text) -> bool:
        """Send ``text``; False (and this connection let go) if it did not go
        within ``stall_seconds``."""
        try:
            await asyncio.wait_for(send_text(text), self.stall_seconds)
            return True
        except asyncio.TimeoutError:
            self.let_go(None, NOT_READING)
            return False
