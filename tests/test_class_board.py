"""The board's reporter: numbers every interval, thumbnails drawn beside the reports."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

from app.class_backend import LocalClassBackend
from app.class_board import Reporter
from app.config import Settings
from app.training import TrainingSession


class HeldScheduler:
    """The training thread, held until ``gate`` opens: a draw in flight."""

    def __init__(self):
        self.gate = asyncio.Event()

    async def run(self, fn, *args):
        await self.gate.wait()
        return fn(*args)


def test_thumbnails_drawn_while_reports_go_on_reach_the_next_report():
    async def scenario():
        t = TrainingSession()
        t.train(3)
        live = SimpleNamespace(id="s1", training=t, driver=None, attached=False)
        backend = LocalClassBackend()
        await backend.create_class("ABCDEF", {"last_active": 0.0})

        async def touch(code):
            pass
        room = SimpleNamespace(settings=Settings(), backend=backend, students={"s1": "ABCDEF"},
                               store=SimpleNamespace(sessions={"s1": live}, scheduler=HeldScheduler()),
                               touch=touch)
        reporter = Reporter(room)
        await reporter.report_once()          # starts drawing (held)
        await asyncio.sleep(0)                # the drawing task runs up to the held thread
        first = (await backend.summaries("ABCDEF"))["s1"]
        assert first["step"] == 3 and first["thumbnail"] is None and first["status"] == "disconnected"
        await reporter.report_once()          # a report while the drawing is in flight
        room.store.scheduler.gate.set()
        await reporter.drawing
        assert reporter.drawn["s1"][0] == t.version  # kept, though reports replaced the table
        await reporter.report_once()
        summary = (await backend.summaries("ABCDEF"))["s1"]
        assert summary["thumb"] == t.version and summary["thumbnail"]["resolution"] == 32

    asyncio.run(scenario())
