"""The Redis class backend: classes shared by every app process (NNPG_REDIS_URL).

The same interface as the in-process backend (app/class_backend.py), kept in
Redis so that a teacher on one process leads students on others:

    nnpg:classes                   set of class codes
    nnpg:class:CODE                hash: record field → JSON value
    nnpg:roster:CODE               hash: session id → display name
    nnpg:reports:CODE:PROCESS      hash: session id → JSON summary, one per reporting
                                   process, expiring unless that process reports again
                                   (so a process that dies takes its students off the board)
    nnpg:reporters:CODE            set of the PROCESS ids above
    nnpg:hits:KEY                  a counter expiring with its window
    channel nnpg:events:CODE       the class's events (push, spotlight, pause, resume, end)

Each process subscribes once, at start, to every class's channel (a pattern),
and hands an event to the listeners of its class; so a class's events reach a
process from the moment it starts, with no subscription to wait for.

When Redis cannot be reached, every call raises ClassStoreDown. The event
reader is the one judge of whether Redis is there (it pings it every second):
the listeners of `watch_status` hear `False` when it goes, and `True` once it
answers again.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import time
from typing import Callable

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("nn_playground")

PREFIX = "nnpg:"
RETRY_SECONDS = 0.5        # how often the event reader tries a Redis that went away
PING_SECONDS = 1.0         # how often it checks that Redis answers
REPORT_TTL_SECONDS = 5.0   # a process's reports outlive it by this long at most
DOWN_ERRORS = (RedisConnectionError, RedisTimeoutError, OSError)

_CREATE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
redis.call('SADD', KEYS[2], KEYS[3])
return 1
"""
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
if #ARGV > 0 then redis.call('HSET', KEYS[1], unpack(ARGV)) end
return redis.call('HGETALL', KEYS[1])
"""
_ADD_STUDENT = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 0 and redis.call('HLEN', KEYS[2]) >= tonumber(ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1
"""


CLASS_STORE_DOWN = ("classes are paused: the class store cannot be reached; sessions keep "
                    "training, and the class goes on when it is back")


class ClassStoreDown(ConnectionError):
    """Redis, which holds the classes, cannot be reached right now."""


def _dumps(value) -> str:
    return json.dumps(value, allow_nan=False, separators=(",", ":"))


def _record(pairs) -> dict:
    if isinstance(pairs, list):  # HGETALL from a script: [field, value, field, value, ...]
        pairs = dict(zip(pairs[::2], pairs[1::2]))
    return {field: json.loads(value) for field, value in pairs.items()}


def _flat(fields: dict) -> list[str]:
    return [part for key, value in fields.items() for part in (key, _dumps(value))]


class RedisClassBackend:
    def __init__(self, url: str, process_id: str | None = None, report_ttl=REPORT_TTL_SECONDS):
        self.url = url
        self.report_ttl = report_ttl
        self.process = process_id or f"{os.getpid()}-{secrets.token_hex(3)}"
        # A pooled connection broken by a Redis restart is retried once on a new one.
        self.redis = aioredis.from_url(url, decode_responses=True, socket_connect_timeout=1.0,
                                       socket_timeout=2.0, retry=Retry(NoBackoff(), 1),
                                       retry_on_error=[RedisConnectionError, RedisTimeoutError])
        self.listeners: dict[str, set] = {}
        self.status_listeners: list[Callable[[bool], None]] = []
        self.available = True
        self._reader = None
        self._subscribed = asyncio.Event()

    # ---- life -----------------------------------------------------------------------------

    async def start(self):
        """Start the event reader; returns once it is subscribed (or Redis is found down)."""
        self._reader = asyncio.create_task(self._read_events())
        await self._subscribed.wait()

    async def close(self):
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self.redis.aclose()

    def watch_status(self, listener: Callable[[bool], None]):
        """Call ``listener(available)`` whenever Redis goes away or comes back."""
        self.status_listeners.append(listener)

    def _set_available(self, available: bool):
        if available != self.available:
            self.available = available
            log.warning("the class store (Redis) is %s", "back" if available else "unreachable")
            for listener in list(self.status_listeners):
                listener(available)

    async def _call(self, coro):
        try:
            return await coro
        except DOWN_ERRORS as exc:  # the event reader finds out and tells the listeners
            raise ClassStoreDown("the class store (Redis) cannot be reached") from exc

    # ---- the registry ----------------------------------------------------------------------

    def _key(self, kind, code):
        return f"{PREFIX}{kind}:{code}"

    async def create_class(self, code, record):
        keys = [self._key("class", code), PREFIX + "classes", code]
        return bool(await self._call(self.redis.eval(_CREATE, 3, *keys, *_flat(record))))

    async def get_class(self, code):
        pairs = await self._call(self.redis.hgetall(self._key("class", code)))
        return _record(pairs) if pairs else None

    async def update_class(self, code, fields):
        pairs = await self._call(self.redis.eval(_UPDATE, 1, self._key("class", code), *_flat(fields)))
        return _record(pairs) if pairs else None

    async def delete_class(self, code):
        reporters = await self._call(self.redis.smembers(self._key("reporters", code)))
        keys = [self._key(kind, code) for kind in ("class", "roster", "reporters")]
        keys += [self._key("reports", f"{code}:{p}") for p in reporters]
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(*keys).srem(PREFIX + "classes", code)
            await self._call(pipe.execute())

    async def class_codes(self):
        return sorted(await self._call(self.redis.smembers(PREFIX + "classes")))

    # ---- the roster -------------------------------------------------------------------------

    async def add_student(self, code, session_id, name, limit):
        keys = [self._key("class", code), self._key("roster", code)]
        return bool(await self._call(self.redis.eval(_ADD_STUDENT, 2, *keys, session_id, str(name),
                                                     int(limit))))

    async def roster(self, code):
        return dict(await self._call(self.redis.hgetall(self._key("roster", code))))

    # ---- events ------------------------------------------------------------------------------

    async def publish(self, code, event):
        await self._call(self.redis.publish(self._key("events", code), _dumps(event)))

    def subscribe(self, code, listener):
        self.listeners.setdefault(code, set()).add(listener)

        def unsubscribe():
            self.listeners.get(code, set()).discard(listener)
        return unsubscribe

    def _deliver(self, channel: str, data: str):
        code = channel[len(self._key("events", "")):]
        for listener in list(self.listeners.get(code, ())):
            try:
                listener(json.loads(data))  # each listener its own copy
            except Exception:  # one listener must not stop the others
                log.exception("a class event listener failed")

    async def _read_events(self):
        """Deliver every class event to this process's listeners, for as long as
        the process runs: reconnecting (and saying so) whenever Redis goes away."""
        pattern = self._key("events", "*")
        while True:
            pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(pattern)
                await self.redis.ping()
                self._set_available(True)
                self._subscribed.set()
                checked = time.monotonic()
                while True:
                    message = await pubsub.get_message(timeout=PING_SECONDS)
                    if message and message["type"] == "pmessage":
                        self._deliver(message["channel"], message["data"])
                    if time.monotonic() - checked >= PING_SECONDS:  # a hung Redis, too
                        await self.redis.ping()
                        checked = time.monotonic()
            except DOWN_ERRORS:
                self._set_available(False)
                self._subscribed.set()
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()

    # ---- summaries for the board -------------------------------------------------------------

    async def report(self, code, summaries):
        key = self._key("reports", f"{code}:{self.process}")
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.exists(self._key("class", code))
            pipe.hset(key, mapping={sid: _dumps(s) for sid, s in summaries.items()} or {"": "{}"})
            pipe.pexpire(key, int(self.report_ttl * 1000))
            pipe.sadd(self._key("reporters", code), self.process)
            exists, *_ = await self._call(pipe.execute())
        if not exists:  # the class ended meanwhile
            await self._call(self.redis.delete(key))

    async def summaries(self, code):
        reporters = sorted(await self._call(self.redis.smembers(self._key("reporters", code))))
        async with self.redis.pipeline(transaction=False) as pipe:
            for process in reporters:
                pipe.hgetall(self._key("reports", f"{code}:{process}"))
            tables = await self._call(pipe.execute())
        gone = [p for p, table in zip(reporters, tables) if not table]
        if gone:
            await self._call(self.redis.srem(self._key("reporters", code), *gone))
        out = {}
        for table in tables:
            out.update({sid: json.loads(s) for sid, s in table.items() if sid})
        return out

    # ---- rates ----------------------------------------------------------------------------------

    async def hit(self, key, window_seconds):
        name = PREFIX + "hits:" + key
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name).pexpire(name, max(1, int(window_seconds * 1000)), nx=True)
            count, _ = await self._call(pipe.execute())
        return int(count)
