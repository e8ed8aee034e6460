"""The Redis class backend (app/class_redis.py) against a real redis-server:
the interface's behaviour, shared by two backends as two processes would
share it, and what happens while Redis is away."""
from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import pytest

from app.class_redis import ClassStoreDown, RedisClassBackend
from app.cluster import Child, find_tool, free_port, redis_ping, wait_until



@pytest.fixture(autouse=True)
def redis_server_installed():
    """A missing redis-server fails loudly (`make test` installs it), never skips."""
    if find_tool("redis-server") is None:
        pytest.fail("needs Debian's redis-server: `make cluster-tools` as root")

RECORD = {"teacher": "digest", "created": 1.5, "spotlight": None, "paused": False, "lesson": {"a": [1, 2]}}


class RedisServer:
    def __init__(self, folder: Path):
        self.port = free_port()
        self.child = Child("redis-server", [find_tool("redis-server"), "--port", str(self.port),
                                            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                                            "--dir", str(folder)], folder / "redis.log")

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.child.start()
        wait_until(lambda: redis_ping(self.port), self.child, "PONG")

    def stop(self):
        self.child.stop()


@pytest.fixture
def redis_server():
    with tempfile.TemporaryDirectory() as folder:
        server = RedisServer(Path(folder))
        server.start()
        try:
            yield server
        finally:
            server.stop()


async def backends(url, n=2, **kw):
    out = [RedisClassBackend(url, process_id=f"p{i}", **kw) for i in range(n)]
    for b in out:
        await b.start()
    return out


async def until(pred, seconds=30.0):
    """Poll ``pred`` (a function, or an async one) until it holds; a hang fails after ``seconds``."""
    for _ in range(int(seconds / 0.01)):
        held = pred()
        if asyncio.iscoroutine(held):
            held = await held
        if held:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition never held")


def test_registry_roster_and_rates_are_shared(redis_server):
    async def scenario():
        a, b = await backends(redis_server.url)
        try:
            assert await a.create_class("ABCD", RECORD) is True
            assert await b.create_class("ABCD", {"other": 1}) is False
            assert await b.get_class("ABCD") == RECORD
            assert await b.get_class("ZZZZ") is None
            updated = await b.update_class("ABCD", {"spotlight": "s1", "paused": True})
            assert updated == {**RECORD, "spotlight": "s1", "paused": True}
            assert await a.get_class("ABCD") == updated
            assert await a.update_class("ZZZZ", {"x": 1}) is None
            assert await a.get_class("ZZZZ") is None  # not created by the update
            assert await b.class_codes() == ["ABCD"]

            assert await a.add_student("ABCD", "s1", "Ada", limit=2)
            assert await b.add_student("ABCD", "s2", "李雷", limit=2)
            assert not await a.add_student("ABCD", "s3", "Full", limit=2)
            assert await a.add_student("ABCD", "s1", "Ada L.", limit=2)  # already in: renamed
            assert not await a.add_student("ZZZZ", "s9", "Nobody", limit=2)
            assert await b.roster("ABCD") == {"s1": "Ada L.", "s2": "李雷"}

            assert [await a.hit("join:1.2.3.4", 60), await b.hit("join:1.2.3.4", 60)] == [1, 2]

            await a.delete_class("ABCD")
            assert await b.get_class("ABCD") is None and await b.roster("ABCD") == {}
            assert await b.class_codes() == []
        finally:
            for x in (a, b):
                await x.close()
    asyncio.run(scenario())


def test_events_reach_every_process_and_only_their_class(redis_server):
    async def scenario():
        a, b = await backends(redis_server.url)
        got_a, got_b, other = [], [], []
        try:
            a.subscribe("ABCD", got_a.append)
            unsubscribe = b.subscribe("ABCD", got_b.append)
            b.subscribe("WXYZ", other.append)
            await a.publish("ABCD", {"kind": "push", "config": {"learning_rate": 0.5}})
            await until(lambda: (len(got_a) == len(got_b) == 1))
            assert got_a == got_b == [{"kind": "push", "config": {"learning_rate": 0.5}}]
            assert got_a[0] is not got_b[0]
            unsubscribe()
            await b.publish("ABCD", {"kind": "pause"})
            await b.publish("WXYZ", {"kind": "end"})
            await until(lambda: (len(got_a) == 2 and other))
            assert got_b == [got_a[0]] and other == [{"kind": "end"}]
        finally:
            for x in (a, b):
                await x.close()
    asyncio.run(scenario())


def test_summaries_from_every_process_and_a_silent_process_leaves_the_board(redis_server):
    async def scenario():
        a, b = await backends(redis_server.url, report_ttl=0.5)
        try:
            await a.create_class("ABCD", RECORD)
            await a.report("ABCD", {"s1": {"step": 10}})
            await b.report("ABCD", {"s2": {"step": 20}, "s3": {"step": 30}})
            assert await a.summaries("ABCD") == {"s1": {"step": 10}, "s2": {"step": 20},
                                                 "s3": {"step": 30}}
            await b.report("ZZZZ", {"s9": {"step": 1}})  # no such class: nothing stored
            assert await a.summaries("ZZZZ") == {}

            async def board_while_only_a_reports():
                await a.report("ABCD", {"s1": {"step": 10}})
                return await a.summaries("ABCD") == {"s1": {"step": 10}}
            # b stops reporting (its process died): its students leave the board
            await until(board_while_only_a_reports)
        finally:
            for x in (a, b):
                await x.close()
    asyncio.run(scenario())


def test_while_redis_is_away_calls_raise_and_listeners_hear_it(redis_server):
    async def scenario():
        (a,) = await backends(redis_server.url, n=1)
        heard, events = [], []
        a.watch_status(heard.append)
        a.subscribe("ABCD", events.append)
        try:
            await a.create_class("ABCD", RECORD)
            await asyncio.to_thread(redis_server.stop)
            with pytest.raises(ClassStoreDown):
                await a.get_class("ABCD")
            await until(lambda: (heard == [False]))
            await asyncio.to_thread(redis_server.start)  # an empty Redis, on the same port
            await until(lambda: (heard == [False, True]))
            assert await a.create_class("ABCD", RECORD) is True
            await a.publish("ABCD", {"kind": "resume"})
            await until(lambda: (events == [{"kind": "resume"}]))
        finally:
            await a.close()
    asyncio.run(scenario())
