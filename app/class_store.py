"""Which class backend this process uses, and what its students hear while it is away.

Without NNPG_REDIS_URL: the in-process backend (app/class_backend.py), for one
process. With it: Redis (app/class_redis.py), shared by every process behind
nginx. While Redis cannot be reached, classes pause: the board says so, the
teacher's actions and new joins are refused, and each student of this process
is told (`class` event `store_down`, then `store_back`); their sessions keep
training, since they never touch the class store.
"""
from __future__ import annotations

from .class_backend import LocalClassBackend
from .class_redis import RedisClassBackend
from .config import Settings


def class_backend(settings: Settings):
    return RedisClassBackend(settings.redis_url) if settings.redis_url else LocalClassBackend()


async def open_class_backend(classroom):
    backend = classroom.backend
    if isinstance(backend, RedisClassBackend):
        backend.watch_status(lambda available: tell_students(classroom, available))
        await backend.start()


async def close_class_backend(backend):
    if isinstance(backend, RedisClassBackend):
        await backend.close()


def tell_students(classroom, available: bool):
    """Post the class store's state to every student (and teacher run) of this process."""
    event = "store_back" if available else "store_down"
    for session_id, code in list(classroom.students.items()):
        live = classroom.store.sessions.get(session_id)
        if live is not None and live.driver is not None:
            live.driver.post({"type": "class", "code": code, "event": event})
