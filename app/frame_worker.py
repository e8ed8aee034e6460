"""FrameWorker: frames drawn in a process of their own, fed from the event loop.

Why a process: drawing a frame is about 1–2 ms of NumPy and JSON work. On a
thread of the server it shares the GIL with training and the event loop,
which wait on each other; in a process it has a core of its own.

Why not concurrent.futures.ProcessPoolExecutor: every task there passes
through two helper threads of the server (a queue manager and a pipe feeder),
each needing the GIL that training holds, so each hop can wait for the
interpreter's switch interval. Here the event loop itself writes the pickled
snapshot to a socket pair and reads the JSON text back, with asyncio streams:
no helper thread, no blocking.

Messages are length-prefixed pickles: 8 bytes of big-endian length, then
pickle.dumps((request id, snapshot)) one way and (request id, parts, seconds,
error) the other, parts as app/views.py's render_parts() returns them. The worker draws them in order, one at a time.

The worker ends when its socket closes: when the server stops, or dies.
forkserver: the worker forks from a clean server process that has the modules
loaded, not from the threaded server.
"""
from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import pickle
import socket
import struct
import time

from .boundary import BoundaryGrid
from .runtime import keep_freed_memory, one_blas_thread
from .views import render_parts

_HEADER = struct.Struct("!Q")
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["app.frame_worker"])


class FrameWorkerDied(RuntimeError):
    """The worker process ended while frames were waiting for it."""


class FrameError(RuntimeError):
    """Drawing one frame raised in the worker (the worker goes on)."""


class FrameWorker:
    """An asyncio client of one worker process; start() it in a running loop."""

    def __init__(self):
        self.process = None
        self._reader = self._writer = None
        self._pending: dict[int, asyncio.Future] = {}
        self._ids = itertools.count()
        self._listener = None
        self.drawn = 0  # frames this worker has answered

    async def start(self):
        ours, theirs = socket.socketpair()
        self.process = _CONTEXT.Process(target=worker_main, args=(theirs,), name="nnpg-frames",
                                        daemon=True)
        # Off the loop: the first start also starts the forkserver (NumPy imported: ~0.5 s).
        await asyncio.get_running_loop().run_in_executor(None, self.process.start)
        theirs.close()
        self._reader, self._writer = await asyncio.open_connection(sock=ours)
        self._listener = asyncio.create_task(self._listen())

    async def draw(self, snapshot):
        """(the frame's parts, the CPU seconds the worker took to draw it:
        its cost, whatever else the machine was doing meanwhile)."""
        if self._writer is None or self._writer.is_closing():
            raise FrameWorkerDied("the frame worker is not running")
        request = next(self._ids)
        future = asyncio.get_running_loop().create_future()
        self._pending[request] = future
        payload = pickle.dumps((request, snapshot), protocol=pickle.HIGHEST_PROTOCOL)
        self._writer.write(_HEADER.pack(len(payload)) + payload)
        return await future

    async def _listen(self):
        try:
            while True:
                size = _HEADER.unpack(await self._reader.readexactly(_HEADER.size))[0]
                request, text, seconds, error = pickle.loads(await self._reader.readexactly(size))
                self.drawn += 1
                future = self._pending.pop(request, None)
                if future is None or future.done():
                    continue
                if error is None:
                    future.set_result((text, seconds))
                else:
                    future.set_exception(FrameError(error))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # the worker is gone
        finally:
            self._fail_pending()

    def _fail_pending(self):
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(FrameWorkerDied("the frame worker stopped"))
        if self._writer is not None:
            self._writer.close()

    @property
    def alive(self):
        return (self.process is not None and self.process.is_alive()
                and self._writer is not None and not self._writer.is_closing())

    async def stop(self, timeout=2.0):
        """Close the socket (the worker then ends) and wait for the process."""
        if self._listener is not None:
            self._listener.cancel()
        self._fail_pending()
        if self.process is not None:
            process = self.process
            await asyncio.get_running_loop().run_in_executor(None, process.join, timeout)
            if process.is_alive():
                process.kill()


# ---------------------------------------------------------------------------
# The worker process


def worker_main(sock: socket.socket):
    """Draw frames from the socket's requests until it closes."""
    one_blas_thread()
    keep_freed_memory()
    grid = BoundaryGrid()  # its buffers serve every session in turn
    with sock:
        while True:
            header = _receive(sock, _HEADER.size)
            if header is None:
                return
            body = _receive(sock, _HEADER.unpack(header)[0])
            if body is None:
                return
            request, snapshot = pickle.loads(body)
            start = time.process_time()
            try:
                text, error = render_parts(snapshot, grid), None
            except Exception as exc:  # that frame fails, not the worker
                text, error = None, f"{type(exc).__name__}: {exc}"
            reply = pickle.dumps((request, text, time.process_time() - start, error),
                                 protocol=pickle.HIGHEST_PROTOCOL)
            try:
                sock.sendall(_HEADER.pack(len(reply)) + reply)
            except OSError:  # the server is gone
                return


def _receive(sock, size):
    """Exactly size bytes, or None at the end of the stream."""
    chunks, left = [], size
    while left:
        try:
            chunk = sock.recv(min(left, 1 << 20))
        except OSError:
            return None
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
