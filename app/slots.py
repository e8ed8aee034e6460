"""Who may have a session slot: new sessions per client address, and the ids
of sessions closed to make room for others.

A session with no connection costs memory but no training time, so it never
keeps a new visitor out: when the table is full, the least recently used
detached session is closed (SessionStore.create). Its id is remembered for a
while, so that a resume of it can say why it is gone. New sessions are
counted per client address over a sliding minute, so that one client cannot
churn the table.
"""
from __future__ import annotations

import time
from collections import OrderedDict, deque

EVICTED_IDS_KEPT = 4096        # the most recent evictions a resume can be told about
ADDRESSES_KEPT = 10_000        # addresses whose last minute is remembered
WINDOW_SECONDS = 60.0

EVICTED_MESSAGE = "this session was closed to make room for others; a new one starts"
TOO_MANY_NEW = ("too many new sessions from your address ({limit} a minute): resume yours "
                "(?session=ID&token=TOKEN) or try again in a minute")


class EvictedIds:
    """A bounded memory of evicted session ids, oldest forgotten first."""

    def __init__(self, kept: int = EVICTED_IDS_KEPT):
        self.kept = kept
        self._ids: OrderedDict[str, None] = OrderedDict()

    def add(self, session_id: str):
        self._ids[session_id] = None
        while len(self._ids) > self.kept:
            self._ids.popitem(last=False)

    def __contains__(self, session_id) -> bool:
        return session_id in self._ids

    def __len__(self):
        return len(self._ids)


class NewSessionRate:
    """New sessions per client address in the last minute (a sliding window)."""

    def __init__(self, per_minute: int, clock=time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._hits: OrderedDict[str, deque] = OrderedDict()

    def allow(self, address: str) -> bool:
        """Count one new session for ``address``; False (not counted) over the limit."""
        now = self.clock()
        hits = self._hits.pop(address, None) or deque()
        while hits and now - hits[0] >= WINDOW_SECONDS:
            hits.popleft()
        allowed = len(hits) < self.per_minute
        if allowed:
            hits.append(now)
        if hits:
            self._hits[address] = hits  # most recently seen last
        while len(self._hits) > ADDRESSES_KEPT:
            self._hits.popitem(last=False)
        return allowed
