"""CommandQueue: what a live session has still to apply, bounded.

A driver's messages wait here until the session's runner applies them between
training turns. A client that sends faster than they are applied cannot make
the queue grow: a `probe` replaces one still waiting (only the newest point
matters), and past the limit a message is refused. Work of the class layer
(LiveSession.between_turns) is never refused: the server itself sends it.
"""
from __future__ import annotations

from collections import deque

# Messages of which only the newest waiting one is applied.
REPLACED_WHILE_WAITING = ("probe",)


class CommandQueue:
    def __init__(self, limit: int):
        self.limit = limit
        self._items: deque = deque()  # (driver, message) or (None, (work, future))

    def put(self, sub, msg) -> bool:
        """Queue ``sub``'s message; False (not queued) when the queue is full."""
        if msg.type in REPLACED_WHILE_WAITING:
            self._drop_waiting(sub, msg.type)
        if len(self._items) >= self.limit:
            return False
        self._items.append((sub, msg))
        return True

    def put_work(self, work, done):
        self._items.append((None, (work, done)))

    def pop(self):
        return self._items.popleft()

    def _drop_waiting(self, sub, kind):
        for i, (who, msg) in enumerate(self._items):
            if who is sub and msg.type == kind:
                del self._items[i]
                return

    def __len__(self):
        return len(self._items)
