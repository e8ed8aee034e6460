"""The frame worker process: same frames as drawn in process, failures
contained, and no process left behind however the server ends."""
from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.boundary import BoundaryGrid
from app.config import Settings
from app.frame_worker import FrameError, FrameWorker, FrameWorkerDied
from app.sessions import SessionStore
from app.training import TrainingSession
from app.views import frame_body, render_parts

ROOT = Path(__file__).resolve().parent.parent


def run(coro):
    """asyncio.run() on a thread of its own: whatever loop this thread may hold."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def session_snapshot(steps=30, **config):
    t = TrainingSession()
    if config:
        t.apply_config(config)
    t.probe_point = ((0.2, -0.3), 1)
    t.train(steps)
    return t, t.snapshot()


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid, seconds=60.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_worker_frames_equal_frames_drawn_in_process():
    snapshots = [session_snapshot(s, **c)[1] for s, c in
                 [(30, {}), (5, {"activation": "tanh", "hidden_sizes": [20, 20]}),
                  (10, {"loss": "svm", "classes": 4, "grid_resolution": 37})]]

    async def main():
        worker = FrameWorker()
        await worker.start()
        try:
            return [await worker.draw(s) for s in snapshots]
        finally:
            await worker.stop()

    drawn = run(main())
    for snapshot, (parts, seconds) in zip(snapshots, drawn):
        assert json.loads(frame_body(parts)) == \
            json.loads(frame_body(render_parts(snapshot, BoundaryGrid())))
        assert seconds > 0  # the worker's CPU time for the draw


def test_a_frame_that_fails_raises_and_the_worker_goes_on():
    _, good = session_snapshot()
    _, bad = session_snapshot()
    bad.net = None  # render_frame cannot evaluate it

    async def main():
        worker = FrameWorker()
        await worker.start()
        try:
            with pytest.raises(FrameError, match="AttributeError"):
                await worker.draw(bad)
            parts, _ = await worker.draw(good)
            assert worker.alive
            return frame_body(parts)
        finally:
            await worker.stop()

    assert json.loads(run(main()))["step"] == 30


def test_stop_ends_the_process_and_later_draws_fail_cleanly():
    _, snapshot = session_snapshot()

    async def main():
        worker = FrameWorker()
        await worker.start()
        pid = worker.process.pid
        await worker.draw(snapshot)
        await worker.stop()
        assert not worker.alive
        with pytest.raises(FrameWorkerDied):
            await worker.draw(snapshot)
        return pid

    assert wait_gone(run(main()))


def test_a_killed_worker_fails_its_frames_and_the_store_starts_a_new_one():
    training, snapshot = session_snapshot()

    async def main():
        store = SessionStore(Settings())
        await store.start()
        try:
            first = store.pool.workers["fast"]
            text, _ = await store.pool.draw(snapshot)
            first.process.kill()
            # the next frame is drawn by a new worker
            again, _ = await store.pool.draw(training.snapshot())
            assert store.pool.workers["fast"] is not first and store.pool.workers["fast"].alive
            return first.process.pid, frame_body(text), frame_body(again)
        finally:
            await store.stop()

    pid, text, again = run(main())
    assert wait_gone(pid)
    assert json.loads(again)["step"] == json.loads(text)["step"] == 30


@pytest.mark.parametrize("how", ["exit", "kill"])
def test_the_worker_ends_with_the_server_process(how):
    """A server that dies without stopping its store (os._exit, SIGKILL) leaves
    no worker behind: the worker's socket closes and it ends."""
    script = textwrap.dedent(f"""
        import asyncio, os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from app.frame_worker import FrameWorker

        async def main():
            worker = FrameWorker()
            await worker.start()
            print(worker.process.pid, flush=True)
            if {how!r} == "exit":
                os._exit(0)
            os.kill(os.getpid(), signal.SIGKILL)

        asyncio.run(main())
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.split()[0])
    assert wait_gone(pid), f"frame worker {pid} outlived its server"
