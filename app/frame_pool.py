"""Where frames are drawn: worker processes (the default) or a thread.

One interface: ``await pool.draw(snapshot, last_seconds)`` → (parts, seconds),
parts as app/views.py's render_parts() returns them. In processes, frames that
take long (CPU time measured in the worker, or foreseen by frame_work()) go
to a second "slow" worker, so that one session with a huge network never
holds up everyone else's frames.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import time
from concurrent.futures import ThreadPoolExecutor

from .boundary import BoundaryGrid
from .frame_worker import FrameWorker, FrameWorkerDied
from .views import frame_work, render_parts

log = logging.getLogger("nn_playground")

SLOW_FRAME_SECONDS = 0.03
SLOW_FRAME_WORK = 10**9  # multiply-adds: a few hundred ms
# The part of the server's time that frames drawn on a thread may take when
# every session wants more frames than that allows; training has the rest.
FRAME_SHARE = 0.6
# Frames sent to a worker process before it has answered; the others wait
# here, those that serve the most connections first (a run watched by a whole
# class before one student's own), then in the order they came.
IN_FLIGHT = 2


class FramePool:
    def __init__(self, processes: bool, scheduler):
        self.processes = processes
        self.scheduler = scheduler
        self.workers: dict[str, FrameWorker] = {}  # "fast", "slow"
        self._starting: dict[str, asyncio.Lock] = {}
        self._executor = None
        self._grid = None
        self._in_flight = {"fast": 0, "slow": 0}
        self._waiting = {"fast": [], "slow": []}  # heaps of (-connections, order, future)
        self._order = itertools.count()

    async def start(self):
        if self.processes:
            await self._worker("fast")
        else:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nnpg-frame")
            self._grid = BoundaryGrid()  # one frame at a time: one buffer for every session

    async def stop(self):
        if self._executor:
            self._executor.shutdown(wait=False, cancel_futures=True)
        for worker in self.workers.values():  # no process outlives the server
            await worker.stop()

    async def draw(self, snapshot, last_seconds=0.0, connections=1):
        """(the frame's parts, the seconds it took to draw) for ``snapshot``;
        ``last_seconds``: how long this session's previous frame took;
        ``connections``: how many connections the frame serves."""
        if self._executor is not None:
            self.scheduler.frame_started()
            try:
                return await asyncio.get_running_loop().run_in_executor(
                    self._executor, _draw_here, snapshot, self._grid)
            finally:
                self.scheduler.frame_done()
        slow = last_seconds > SLOW_FRAME_SECONDS or frame_work(snapshot) > SLOW_FRAME_WORK
        lane = "slow" if slow else "fast"
        await self._turn(lane, connections)
        try:
            return await (await self._worker(lane)).draw(snapshot)
        except FrameWorkerDied:  # killed, out of memory: a new worker, and one more try
            return await (await self._worker(lane)).draw(snapshot)
        finally:
            self._next(lane)

    async def _turn(self, lane, connections):
        """Wait until this frame may go to the lane's worker."""
        if self._in_flight[lane] < IN_FLIGHT:
            self._in_flight[lane] += 1
            return
        turn = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting[lane], (-connections, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._next(lane)  # handed the turn as it was cancelled: pass it on
            raise

    def _next(self, lane):
        """A frame of the lane is done: the next waiting one goes."""
        waiting = self._waiting[lane]
        while waiting:
            turn = heapq.heappop(waiting)[2]
            if not turn.done():
                turn.set_result(None)
                return
        self._in_flight[lane] -= 1

    def interval(self, draw_seconds, playing, connections=1):
        """The shortest time between two frames of a session whose frames take
        ``draw_seconds`` and serve ``connections``, given (draw seconds,
        connections) of every playing session: its share of the worker that
        draws it, in proportion to the connections its frames serve (a run
        watched by a whole class draws for all of them). A worker process is
        all for frames; a thread gives training the rest of FRAME_SHARE."""
        connections = max(1, connections)
        if not self.processes:
            total = sum(max(1, c) for _, c in playing)
            return draw_seconds * max(connections, total) / connections / FRAME_SHARE
        slow = draw_seconds > SLOW_FRAME_SECONDS
        total = sum(max(1, c) for s, c in playing if (s > SLOW_FRAME_SECONDS) == slow)
        return draw_seconds * max(connections, total) / connections

    async def _worker(self, lane):
        """The worker process of a lane, started if there is none (or it died)."""
        worker = self.workers.get(lane)
        if worker is not None and worker.alive:
            return worker
        # One start per lane at a time, seen by every caller; the other lane's
        # frames do not wait for it.
        async with self._starting.setdefault(lane, asyncio.Lock()):
            worker = self.workers.get(lane)
            if worker is None or not worker.alive:
                if worker is not None:
                    log.warning("the %s frame worker stopped; starting a new one", lane)
                    asyncio.create_task(worker.stop())
                worker = FrameWorker()
                await worker.start()
                self.workers[lane] = worker
            return worker


def _draw_here(snapshot, grid):
    """On the frame thread: (the frame's parts, the seconds it took)."""
    start = time.perf_counter()
    parts = render_parts(snapshot, grid)
    return parts, time.perf_counter() - start
