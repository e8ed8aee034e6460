"""Heavy REST work off the event loop, in a bounded pool with a bounded queue.

A /forward with many rows through a wide layer computes and encodes tens of
megabytes: run on the event loop it would stall every connection and live
session, and run on an unbounded pool (Starlette's, 40 threads) a burst of
them would multiply that memory. Here ``workers`` threads compute (and encode)
the answers; at most ``queue`` more requests wait for one; the next is refused
at once with ``Busy`` (the API answers 503 with Retry-After). When the last
request of a burst is done, the memory it freed is handed back to the kernel.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from .runtime import trim_freed_memory


class Busy(Exception):
    """Every worker is busy and the queue is full."""


class HeavyPool:
    def __init__(self, workers: int, queue: int):
        self.workers, self.queue = workers, queue
        self.pending = 0     # running and waiting, counted on the event loop
        self.trims = 0       # how many times the pool went idle and gave memory back
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nnpg-rest")

    async def run(self, fn, *args):
        """``fn(*args)`` on a worker thread; Busy when the queue is full. A request
        whose client has gone still holds its place until its work is done."""
        if self.pending >= self.workers + self.queue:
            raise Busy
        loop = asyncio.get_running_loop()
        self.pending += 1
        future = self._executor.submit(fn, *args)
        future.add_done_callback(lambda _: loop.call_soon_threadsafe(self._finished))
        return await asyncio.wrap_future(future)

    def _finished(self):
        self.pending -= 1
        if self.pending == 0:
            self._executor.submit(self._trim)

    def _trim(self):
        trim_freed_memory()
        self.trims += 1

    def shutdown(self):
        self._executor.shutdown(wait=False, cancel_futures=True)
