"""Live-stream benchmark: /ws/session against a real uvicorn server.

Run:  .venv/bin/python bench/stream.py [--quick] [--viewers N] [--sessions N]

Prints figures, with the targets beside them; it never passes or fails on
time (the exit status is 0 whatever the figures). In one run:

1. in process (the server's code and malloc setting, one BLAS thread as on
   its training thread and in its frame worker): one 100x100 boundary at
   H=100 four ways — (a) a plain float64 forward over the 10,000 grid points
   (np.meshgrid + Network.forward + softmax), (b) the dense float32 forward in
   row blocks (the path for networks that are not piecewise linear), (c)
   BoundaryGrid.probabilities (the exact path for this network), (d) the full
   encode (c + u8 + base64) — then each piece of a frame as the server makes
   it: snapshot() on the event loop, the snapshot's pickle to the frame
   worker, render_parts() in the worker (during play; paused, with
   evaluate()), frame_body() once per frame, BuiltFrame.text_for() once per
   subscriber (the first at a cursor, and one level with it), the whole of
   TrainingSession.frame_text(), permessage-deflate of a frame and one
   training step: medians of repetitions interleaved in random order;
2. bytes per frame (the JSON text) at R=100 and R=200, 3 classes;
3. one session at the contract's default setting (spiral 300 points,
   3 classes, 100 ReLU, lr 1, lambda 5e-4, full batch, fps 30) played over a
   real WebSocket: frames/s received, steps/s (from frame.step), and the time
   from `play` to train accuracy >= 0.95;
4. one driver playing that session and 100 viewers of it (`watch=1`):
   frames/s of each viewer (target >= 25) and of the driver, frames drawn
   per second (counted at FramePool.draw and by the worker: once per session,
   not once per connection), bytes/s received over all connections, the
   event loop's CPU per frame sent and its lag;
5. 30 sessions playing at once: frames/s and steps/s of each (min / median /
   max), the longest gap between two frames of one session, and the event
   loop's lag; then the same against a server that draws frames on a thread
   of its own instead of its worker process (NNPG_FRAME_PROCESS=0), and the
   ratios;
6. the largest network the limits allow (3 x 1,024 units, 5,000 points, 10
   classes, R=200) playing beside 4 default sessions, against both servers:
   the default sessions' frames/s and longest gap between frames;
7. images: the seed's 3072 -> 100 -> 10 network on `shapes` at its defaults,
   one session playing: frames/s, steps/s, bytes per frame and how many frames
   carried templates; and on `digits` at its defaults, the seconds from `play`
   to a test accuracy of 0.95 (64 -> 100 -> 10 ReLU) and 0.90 (linear 64 -> 10).
   `--images` runs this part alone.
7. the per-neuron maps (the `neurons` view) and the `health` view, which
   the page asks for (the 30 sessions of 4 have them on; health is on by default): in
   process, the time to draw the neurons view against the boundary's, and
   their ratio, for 1 x 8 and 1 x 100 units; over the WebSocket, one session
   of each with the views on and off: frames/s and steps/s.

The server is a real uvicorn subprocess on a free port. By default it is this
file run with --serve: `python -m app` (app.__main__.main: the same uvicorn
settings, socket and process settings of app/runtime.py), plus a probe
installed in the app it creates: a watcher task in the server's event loop
(it sleeps 10 ms and records the overshoot: the loop's lag), the wall time
of each FramePool.draw() call (how many frames were drawn, and how long the
loop waited for each), and a GET /__bench/stats route that reports those,
the frame workers' `drawn` counters and the CPU time of each server thread.
--plain-server runs `python -m app` itself instead; the lag is then only the
client-side proxy (the round trip of WebSocket pings on loaded connections,
which also includes the client's own delays).

The client is one asyncio process (websockets), one connection per session
or viewer, reading every message; viewers read bytes without decoding them.
This machine has 2 shared cores and the client runs on them too: every
server phase prints how the cores were used (server, its frame worker
process, this client, other processes), read from /proc.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import datetime
import json
import os
import platform
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zlib
from contextlib import asynccontextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")
LAG_INTERVAL = 0.010  # the server-side watcher's sleep
STEPS_PER_FRAME = 33  # 1,000 steps/s at 30 frames/s: the history a frame carries

PLAY = json.dumps({"type": "play"})
PAUSE = json.dumps({"type": "pause"})
STEP_RE = re.compile(r'"step":(\d+)')
STEP_RE_BYTES = re.compile(rb'"step":(\d+)')


# ---------------------------------------------------------------------------
# The server side (--serve PORT): the app as `python -m app` serves it, plus
# a lag watcher and a stats route.


def thread_cpu_seconds():
    """CPU seconds (user + system) of each thread of this process, by name."""
    out = {}
    for t in threading.enumerate():
        try:
            with open(f"/proc/self/task/{t.native_id}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, TypeError):
            continue
        out[t.name] = (int(fields[11]) + int(fields[12])) / TICK
    return out


async def watch_lag(samples):
    """Sleep LAG_INTERVAL again and again; the overshoot is the loop's lag."""
    loop = asyncio.get_running_loop()
    while True:
        start = loop.time()
        await asyncio.sleep(LAG_INTERVAL)
        samples.append((loop.time() - start - LAG_INTERVAL) * 1e3)


def time_draws(pool, draws):
    """Count the frames the session store's frame pool draws (in a worker
    process or on its thread) and how long the loop waits for each: every
    FramePool.draw() call appends its wall time (ms) to ``draws``."""
    draw = pool.draw

    async def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return await draw(*args, **kwargs)
        finally:
            draws.append((time.perf_counter() - start) * 1e3)

    pool.draw = timed


def install_probe(app):
    samples: list = []
    original = app.router.lifespan_context

    draws: list = []  # the wall time of each FramePool.draw(), ms

    @asynccontextmanager
    async def lifespan(a):
        async with original(a) as state:
            time_draws(a.state.sessions.pool, draws)
            task = asyncio.create_task(watch_lag(samples))
            try:
                yield state
            finally:
                task.cancel()

    app.router.lifespan_context = lifespan

    async def stats(reset: bool = False):
        workers = app.state.sessions.pool.workers
        out = {"lag_ms": list(samples), "threads": thread_cpu_seconds(),
               "process": time.process_time(), "draw_ms": list(draws),
               "worker_drawn": {lane: w.drawn for lane, w in workers.items()}}
        if reset:
            samples.clear()
            draws.clear()
        return out

    app.add_api_route("/__bench/stats", stats, methods=["GET"], include_in_schema=False)


def serve(port):
    """`python -m app --host 127.0.0.1 --port PORT`, with the probe installed in
    the app it creates: the same uvicorn settings and socket, whatever they are."""
    import app.main
    from app.__main__ import main

    create_app = app.main.create_app

    def create_app_with_probe(*args, **kwargs):
        application = create_app(*args, **kwargs)
        install_probe(application)
        return application

    app.main.create_app = create_app_with_probe  # uvicorn imports "app.main:create_app"
    main(["--host", "127.0.0.1", "--port", str(port)])


# ---------------------------------------------------------------------------
# Small tools


def median_ms(xs):
    return statistics.median(xs) * 1e3


def percentile(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    k = min(len(xs) - 1, max(0, int(round(q / 100 * (len(xs) - 1)))))
    return xs[k]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def machine_busy_jiffies():
    with open("/proc/stat") as f:
        parts = [int(v) for v in f.readline().split()[1:]]
    idle = parts[3] + parts[4]  # idle + iowait
    return sum(parts[:8]) - idle  # user nice system idle iowait irq softirq steal


def process_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def descendants(pid):
    """The pids of every process below pid (the frame worker and its forkserver)."""
    out, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{parent}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{parent}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
            except OSError:
                continue
            todo.extend(kids)
            out.extend(kids)
    return out


def tree_cpu_seconds(pids):
    total = 0.0
    for pid in pids:
        try:
            total += process_cpu_seconds(pid)
        except OSError:  # gone meanwhile
            pass
    return total


class CpuMeter:
    """How the cores were used between start() and stop(): the machine, the
    server process, its frame worker (the processes below it), this client,
    and everything else."""

    def __init__(self, server_pid):
        self.pid = server_pid

    def _read(self):
        t = os.times()
        return (time.perf_counter(), machine_busy_jiffies() / TICK,
                process_cpu_seconds(self.pid), t.user + t.system,
                tree_cpu_seconds(descendants(self.pid)))

    def start(self):
        self.a = self._read()

    def stop(self):
        b = self._read()
        wall = b[0] - self.a[0]
        machine, server, client, worker = ((b[i] - self.a[i]) / wall for i in (1, 2, 3, 4))
        self.result = {"machine": machine, "server": server, "client": client, "worker": worker,
                       "other": max(0.0, machine - server - client - worker)}
        return self.result

    def line(self):
        r = self.result
        return (f"cores busy {r['machine']:.2f} of {os.cpu_count()}: server {r['server']:.2f}, "
                f"its frame worker {r['worker']:.2f}, bench client {r['client']:.2f}, "
                f"other processes {r['other']:.2f}")


def get_stats(port, reset=False):
    url = f"http://127.0.0.1:{port}/__bench/stats" + ("?reset=true" if reset else "")
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def thread_use(before, after, wall):
    """Share of one core each server thread used between two stats answers."""
    names = set(before["threads"]) & set(after["threads"])
    return {n: (after["threads"][n] - before["threads"][n]) / wall for n in names}


# ---------------------------------------------------------------------------
# 1-2. In process: the boundary, frame(), one step, json, bytes


def deflate(data):
    """One message as uvicorn's permessage-deflate compresses it (websockets:
    window 2^12, memLevel 5, default level; a fresh context, no takeover)."""
    c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -12, 5)
    return c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH)


def as_grid(p, R, C):
    """probabilities() as (R, R, C) whether it returns (R, R, C), (R·R, C)
    or class-major (C, R·R)."""
    p = np.asarray(p)
    if p.shape[0] == C and p.size == C * R * R and p.shape != (R, R, C):
        p = p.reshape(C, R * R).T
    return p.reshape(R, R, C)


def bench_in_process(reps):
    import pickle

    from threadpoolctl import threadpool_limits

    from app.boundary import BoundaryGrid
    from app.compact import encode_frame as compact
    from app.nn import softmax
    from app.runtime import keep_freed_memory
    from app.subscribers import BuiltFrame, Subscriber
    from app.training import TrainingSession
    from app.views import frame_body, render_parts

    keep_freed_memory()  # as the server and its frame worker do
    res = {}
    with threadpool_limits(1):  # as on the server's training thread and in the frame worker
        t = TrainingSession()
        t.running = True  # frames as during play
        t.train(1000)  # a partly trained net
        R = t.config.grid_resolution
        extent = t.extent
        net = t.net
        grid = BoundaryGrid()  # the frame worker's: one for every session

        def plain():
            xs = np.linspace(extent[0], extent[1], R)
            ys = np.linspace(extent[2], extent[3], R)
            gx, gy = np.meshgrid(xs, ys)
            scores, _ = net.forward(np.column_stack([gx.ravel(), gy.ravel()]))
            return softmax(scores).reshape(R, R, -1)

        def dense():
            return grid.dense_probabilities(net, extent, R)

        def fast():
            return grid.probabilities(net, extent, R)

        def encode():
            return grid.encode(net, extent, R)

        # The same numbers, in float32; and the encoded bytes against float64.
        ref = plain()
        C = ref.shape[-1]
        res["max_dp"] = float(np.abs(ref - as_grid(fast(), R, C)).max())
        res["max_dp_dense"] = float(np.abs(ref - as_grid(dense(), R, C)).max())
        u8 = np.frombuffer(base64.b64decode(encode()["data"]), np.uint8).reshape(R, R, C)
        res["max_du8"] = int(np.abs(u8.astype(int) - np.rint(ref * 255).astype(int)).max())

        # A frame during play, as the server makes it: the snapshot (event loop),
        # its pickle (to the worker), render_parts (the worker), the parts'
        # pickle (back), frame_body (once per session) and text_for (once per
        # subscriber: its own history, about STEPS_PER_FRAME points).
        t.frame_text()  # the first frame carries the points; later ones do not
        t.train(STEPS_PER_FRAME)
        snapshot = t.snapshot()
        parts = render_parts(snapshot, grid)
        viewer_cursor = (t.history.generation, t.history.recorded - STEPS_PER_FRAME)
        built = BuiltFrame(frame_body(parts), t.history.tail(viewer_cursor), t.points_version,
                           t.points_json())
        viewer = Subscriber("viewer")
        viewer.points_seen = t.points_version

        def text_for():
            """The first subscriber at its cursor: its history encoded."""
            built.texts.clear()
            viewer.cursor = viewer_cursor
            return built.text_for(viewer)

        def text_shared():
            """A subscriber level with one already served: the same text."""
            viewer.cursor = viewer_cursor
            return built.text_for(viewer)

        frame_bytes = text_for().encode()
        still = TrainingSession()  # paused: its frames evaluate the network as it is
        still.train(1000)
        paused = still.snapshot()
        paused_grid = BoundaryGrid()
        step_session = TrainingSession()
        step_session.train(1000)

        cases = {
            "plain": plain,
            "dense": dense,
            "fast": fast,
            "encode": encode,
            "evaluate": t.evaluate,
            "snapshot": t.snapshot,
            "pickle": lambda: pickle.loads(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)),
            "parts": lambda: render_parts(snapshot, grid),
            "parts_paused": lambda: render_parts(paused, grid),
            "frame_body": lambda: frame_body(parts),
            "text_for": text_for,
            "text_shared": text_shared,
            "frame_text": t.frame_text,
            "deflate": lambda: deflate(frame_bytes),
            "step": lambda: step_session.train(1),
        }
        times = {k: [] for k in cases}
        for _ in range(3):  # warm-up
            for fn in cases.values():
                fn()
        shuffle = random.Random(0).shuffle
        for _ in range(reps):
            order = list(cases.items())
            shuffle(order)  # each case follows a different one each time: fair cache state
            for name, fn in order:
                a = time.perf_counter()
                fn()
                times[name].append(time.perf_counter() - a)
        res["times"] = {k: median_ms(v) for k, v in times.items()}
        res["p90"] = {k: percentile(v, 90) * 1e3 for k, v in times.items()}
        res["pickle_bytes"] = len(pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))

    # (c) with the library's default thread count, for comparison.
    fast_default = []
    for _ in range(max(10, reps // 2)):
        a = time.perf_counter()
        fast()
        fast_default.append(time.perf_counter() - a)
    res["fast_default_threads"] = median_ms(fast_default)

    # Bytes per frame: a frame during play (about STEPS_PER_FRAME new history
    # points, no points payload), at R=100 and R=200; and the first frame.
    sizes = {}
    s = TrainingSession()
    sizes["first_100"] = len(s.frame_text())  # a new session's first frame
    s.train(1000)
    for r in (100, 200):
        s.apply_config({"grid_resolution": r})
        s.frame_text()
        s.train(STEPS_PER_FRAME)
        text = s.frame_text()
        frame = json.loads(text)
        boundary_chars = len(frame["boundary"]["data"])
        sizes[r] = {"json": len(text), "boundary_b64": boundary_chars,
                    "deflate": len(deflate(text.encode())), "compact": len(compact(frame))}
    res["sizes"] = sizes
    return res


def bench_maps_in_process(reps):
    """Medians (ms) of drawing the neurons view and the boundary (each as the frame
    worker draws it, JSON text included), for 1 x 8 and 1 x 100 units."""
    from threadpoolctl import threadpool_limits

    from app.boundary import BoundaryGrid
    from app.session_config import TrainingConfig
    from app.training import TrainingSession
    from app.views import VIEWS

    out = {}
    with threadpool_limits(1):
        for width in MAP_WIDTHS:
            t = TrainingSession(TrainingConfig(hidden_sizes=[width], neurons=True))
            t.train(1000)
            snap, grid = t.snapshot(), BoundaryGrid()
            cases = {name: (lambda view=VIEWS[name]: view.render(snap, grid)) for name in ("boundary", "neurons")}
            times = {name: [] for name in cases}
            for _ in range(3):
                for fn in cases.values():
                    fn()
            for _ in range(reps):
                for name, fn in cases.items():
                    a = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - a)
            out[width] = {name: median_ms(v) for name, v in times.items()}
            out[width]["bytes"] = len(cases["neurons"]())
    return out


MAP_WIDTHS = (8, 100)
MAPS_ON = {"neurons": True}  # the page's sessions: its network diagram asks for the maps


async def bench_maps(url, port, pid, seconds, warm, probe):
    """One session at a time, 1 x 8 then 1 x 100 units, with the neurons and health views on and off."""
    out = {}
    for width in MAP_WIDTHS:
        for on in (True, False):
            config = {"hidden_sizes": [width], "neurons": on, "health": on}
            run = await bench_many(url, port, pid, 1, seconds, warm, probe, configs=[config])
            out[(width, on)] = (run["fps"][0], run["steps"][0])
    return out


def report_maps(inproc, maps, n, many, seconds):
    print(f"\n[per-neuron maps and health]  the neurons view (20 x 20 maps, at most 8 units a layer) "
          f"against the boundary (100 x 100); {seconds:g} s windows")
    for width in MAP_WIDTHS:
        r = inproc[width]
        row(f"1 x {width} units: neurons view / boundary (in process)",
            f"{r['neurons']:.2f} / {r['boundary']:.2f} ms", "ratio <= 1 " + verdict(r["neurons"] <= r["boundary"]),
            f"ratio {r['neurons'] / r['boundary']:.2f}; {r['bytes']:,} bytes of JSON")
    for width in MAP_WIDTHS:
        on, off = maps[(width, True)], maps[(width, False)]
        row(f"1 x {width} units, one session: frames/s with / without the views",
            f"{on[0]:.1f} / {off[0]:.1f}", "", f"steps/s {on[1]:,.0f} / {off[1]:,.0f}")
    row(f"{n} sessions with the views on (the default): frames/s per session min / median",
        f"{min(many['fps']):.1f} / {statistics.median(many['fps']):.1f}", "", "the run of section 4")


# ---------------------------------------------------------------------------
# 3-4. Over a real WebSocket


def ws_connect(url):
    try:
        from websockets.asyncio.client import connect
    except ImportError:  # websockets < 14
        from websockets import connect
    # Compression as a browser negotiates it (permessage-deflate).
    return connect(url, max_size=None, open_timeout=30, ping_interval=None)


def negotiated_extensions(ws):
    response = getattr(ws, "response", None)  # websockets >= 14
    headers = response.headers if response is not None else getattr(ws, "response_headers", {})
    return headers.get("Sec-WebSocket-Extensions") or ""


async def open_session(url):
    ws = await ws_connect(url)
    hello = json.loads(await ws.recv())
    assert hello["type"] == "hello", hello
    while True:  # the frame that follows hello
        msg = await ws.recv()
        if msg.startswith('{"type":"frame"'):
            return ws, hello


async def pinger(ws, rtts, stop, every=0.1):
    """WebSocket ping round trips: the client-side proxy of the loop's lag."""
    while not stop.is_set():
        a = time.perf_counter()
        try:
            waiter = await ws.ping()
            await asyncio.wait_for(waiter, 5)
        except Exception:
            return
        rtts.append((time.perf_counter() - a) * 1e3)
        try:
            await asyncio.wait_for(stop.wait(), every)
        except asyncio.TimeoutError:
            pass


async def reader(ws, log, parse_accuracy):
    """Record (time, text length, step, train accuracy) of every frame."""
    while True:
        text = await ws.recv()
        now = time.perf_counter()
        if not text.startswith('{"type":"frame"'):
            continue
        if parse_accuracy:
            msg = json.loads(text)
            log.append((now, len(text), msg["step"], msg["train_accuracy"]))
        else:  # the top-level step comes first in a frame; spare the client CPU
            m = STEP_RE.search(text, 0, 200)
            log.append((now, len(text), int(m.group(1)) if m else json.loads(text)["step"], None))


def window_rates(log, start, end):
    """frames/s, steps/s and the longest frame gap (s) within [start, end]."""
    inside = [e for e in log if start <= e[0] <= end]
    fps = len(inside) / (end - start)
    if len(inside) >= 2:
        steps = (inside[-1][2] - inside[0][2]) / (inside[-1][0] - inside[0][0])
        times = [start] + [e[0] for e in inside] + [end]
        gaps = [b - a for a, b in zip(times, times[1:])]
        gap, typical = max(gaps), statistics.median(gaps)
    else:
        steps, gap, typical = 0.0, end - start, end - start
    return fps, steps, gap, typical


async def measure_window(port, meter, rtts, warm, seconds, probe):
    """Warm up, then measure for `seconds`: (start, end, server stats before, after)."""
    await asyncio.sleep(warm)
    rtts.clear()
    meter.start()
    before = await asyncio.to_thread(get_stats, port, True) if probe else None
    w0 = time.perf_counter()
    await asyncio.sleep(seconds)
    w1 = time.perf_counter()
    after = await asyncio.to_thread(get_stats, port) if probe else None
    meter.stop()
    return w0, w1, before, after


async def bench_one(url, port, pid, seconds, warm, probe):
    ws, hello = await open_session(url)
    log, rtts, stop = [], [], asyncio.Event()
    read_task = asyncio.create_task(reader(ws, log, parse_accuracy=True))
    meter = CpuMeter(pid)
    t0 = time.perf_counter()
    await ws.send(PLAY)
    ping_task = asyncio.create_task(pinger(ws, rtts, stop))
    w0, w1, before, after = await measure_window(port, meter, rtts, warm, seconds, probe)
    stop.set()
    await ws.send(PAUSE)
    await ping_task
    read_task.cancel()
    await ws.close()

    fps, steps, gap, typical = window_rates(log, w0, w1)
    reached = next(((e[0] - t0, e[2]) for e in log if e[3] is not None and e[3] >= 0.95), None)
    out = {"config": hello["config"], "deflate": "permessage-deflate" in negotiated_extensions(ws),
           "fps": fps, "steps": steps, "gap": gap, "typical_gap": typical,
           "reached": reached, "play_seconds": w1 - t0, "cpu": meter,
           "sizes": [e[1] for e in log if w0 <= e[0] <= w1],
           "ping": rtts, "final_acc": log[-1][3] if log else None}
    if probe:
        out.update(lag=after["lag_ms"], draw_ms=after["draw_ms"],
                   threads=thread_use(before, after, w1 - w0))
    return out


async def bench_many(url, port, pid, n, seconds, warm, probe, configs=()):
    """n sessions playing at once; configs[i], where given, is sent to session i first."""
    sessions = []
    for i in range(n):
        ws = (await open_session(url))[0]
        if i < len(configs):
            await ws.send(json.dumps({"type": "config", "config": configs[i]}))
        sessions.append(ws)
    logs = [[] for _ in sessions]
    readers = [asyncio.create_task(reader(ws, log, parse_accuracy=False))
               for ws, log in zip(sessions, logs)]
    rtts, stop = [], asyncio.Event()
    meter = CpuMeter(pid)
    await asyncio.gather(*(ws.send(PLAY) for ws in sessions))
    ping_task = asyncio.create_task(pinger(sessions[0], rtts, stop))
    w0, w1, before, after = await measure_window(port, meter, rtts, warm, seconds, probe)
    stop.set()
    await asyncio.gather(*(ws.send(PAUSE) for ws in sessions), return_exceptions=True)
    await ping_task
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sessions), return_exceptions=True)

    rates = [window_rates(log, w0, w1) for log in logs]
    out = {"fps": [r[0] for r in rates], "steps": [r[1] for r in rates],
           "gap": max(r[2] for r in rates), "gaps": [r[2] for r in rates],
           "typical_gap": statistics.median(r[3] for r in rates),
           "cpu": meter, "ping": rtts}
    if probe:
        out.update(lag=after["lag_ms"], draw_ms=after["draw_ms"],
                   threads=thread_use(before, after, w1 - w0))
    return out


async def recv_raw(ws):
    """The next message as bytes, not decoded to str (the websockets >= 14
    client can skip its UTF-8 decoding: 100 viewers' frames are a lot to decode)."""
    try:
        message = await ws.recv(decode=False)
    except TypeError:  # an older client
        message = await ws.recv()
    return message.encode() if isinstance(message, str) else message


def frame_step(data):
    """The step of a frame message (JSON text or compact binary, as bytes);
    None for any other message."""
    head = data if data.startswith(b'{"type":"frame"') else data[4:]  # compact: u32 length first
    if not head.startswith(b'{"type":"frame"'):
        return None
    m = STEP_RE_BYTES.search(head, 0, 200)
    return int(m.group(1)) if m else None


async def raw_reader(ws, log):
    """Record (time, bytes, step) of every frame; (time, bytes, None) of other messages."""
    while True:
        data = await recv_raw(ws)
        log.append((time.perf_counter(), len(data), frame_step(data)))


async def open_raw(url, role):
    """A connection in ``role`` whose hello and first frame have come: (ws, hello)."""
    ws = await ws_connect(url)
    hello = json.loads(await recv_raw(ws))
    assert hello["type"] == "hello" and hello["role"] == role, hello
    while frame_step(await recv_raw(ws)) is None:
        pass
    return ws, hello


async def bench_viewers(url, port, pid, n, seconds, warm, probe, encoding="json"):
    """One driver playing the default network, n viewers of its session
    (`watch=1`), every connection asking for ``encoding``: frames/s of each,
    frames drawn, bytes on the wire, loop lag."""
    driver, hello = await open_raw(f"{url}?encoding={encoding}", "driver")
    viewers = []
    watch = f"{url}?session={hello['session']}&watch=1&encoding={encoding}"
    for i in range(0, n, 20):  # connect in batches: a burst of 100 handshakes is not the point
        viewers += [ws for ws, _ in await asyncio.gather(*(open_raw(watch, "viewer")
                                                           for _ in range(min(20, n - i))))]
    sockets = [driver] + viewers
    logs = [[] for _ in sockets]
    readers = [asyncio.create_task(raw_reader(ws, log)) for ws, log in zip(sockets, logs)]
    rtts, stop = [], asyncio.Event()
    meter = CpuMeter(pid)
    await driver.send(PLAY)
    ping_task = asyncio.create_task(pinger(driver, rtts, stop))
    w0, w1, before, after = await measure_window(port, meter, rtts, warm, seconds, probe)
    stop.set()
    await driver.send(PAUSE)
    await ping_task
    for task in readers:
        task.cancel()
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)

    wall = w1 - w0
    frames = [[e for e in log if e[2] is not None] for log in logs]
    rates = [window_rates(f, w0, w1) for f in frames]
    received = sum(e[1] for log in logs for e in log if w0 <= e[0] <= w1)
    out = {"n": n, "encoding": encoding, "driver_fps": rates[0][0], "steps": rates[0][1],
           "viewer_fps": [r[0] for r in rates[1:]], "gap": max(r[2] for r in rates),
           "typical_gap": statistics.median(r[3] for r in rates),
           "bytes_per_s": received / wall, "cpu": meter, "ping": rtts,
           "frame_bytes": statistics.median(e[1] for f in frames for e in f) if frames[0] else 0}
    if probe:
        out.update(lag=after["lag_ms"], draw_ms=after["draw_ms"], threads=thread_use(before, after, wall),
                   draws=len(after["draw_ms"]) / wall,
                   worker_drawn=(sum(after["worker_drawn"].values())
                                 - sum(before["worker_drawn"].values())) / wall)
    return out


def start_server(port, plain, env=None):
    if plain:
        cmd = [sys.executable, "-m", "app", "--port", str(port)]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port)]
    log = tempfile.TemporaryFile()  # not a pipe: a full pipe would block the server's logging
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            env={**os.environ, **(env or {})})
    proc.log = log
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            log.seek(0)
            raise RuntimeError("the server exited:\n" + log.read().decode(errors="replace"))
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start within 60 s")


def stop_server(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if getattr(proc, "log", None) is not None:
        proc.log.close()


# ---------------------------------------------------------------------------
# Report


def row(name, value, target="", note=""):
    print(f"  {name:<46} {value:>22}  {target:<16} {note}")


def verdict(ok):
    return "meets" if ok else "MISSES"


def header(args):
    from threadpoolctl import threadpool_info

    blas = [i for i in threadpool_info() if i.get("user_api") == "blas"]
    blas_text = ", ".join(f"{i['internal_api']} {i.get('version', '?')} "
                          f"({i.get('threading_layer', '?')}), {i['num_threads']} threads by default"
                          for i in blas) or "none found"
    load = os.getloadavg()
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "app"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        code = f"commit {head}" + (" + uncommitted changes in app/" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        code = "not a git checkout"
    print(f"nn-playground live-stream benchmark  {datetime.datetime.now():%Y-%m-%d %H:%M}"
          f"{'  (--quick)' if args.quick else ''}")
    print(f"  python {platform.python_version()}, numpy {np.__version__}, "
          f"{os.cpu_count()} cores, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at start; "
          f"code: {code}")
    print(f"  BLAS: {blas_text}; in-process timings use 1 thread, as the server's training "
          "thread does")
    print("  Noise: the cores are shared with other processes and with this bench's client;"
          " each server phase prints how they were used. Figures vary from run to run.")


def report_in_process(ip):
    t = ip["times"]
    print("\n[boundary and frame, in process]  median of repetitions interleaved in random order "
          f"({ip['reps']} each), ms (p90 in brackets)")

    def ms(k):
        digits = 3 if t[k] < 0.1 else 2
        return f"{t[k]:.{digits}f} ({ip['p90'][k]:.{digits}f})"

    row("(a) plain float64 forward, 100x100 grid, H=100", ms("plain"), "",
        "meshgrid + Network.forward + softmax")
    row("(b) dense: float32 forward in row blocks", ms("dense"), "",
        f"the path for sigmoid, tanh, 2+ layers; max |p(a) - p(b)| = {ip['max_dp_dense']:.1e}")
    row("(c) BoundaryGrid.probabilities (exact path)", ms("fast"), "<= 3 ms " + verdict(t["fast"] <= 3),
        f"running sums per row; max |p(a) - p(c)| = {ip['max_dp']:.1e}; u8 off by <= {ip['max_du8']}")
    row("    ratios (a)/(c), (b)/(c)", f"{t['plain'] / t['fast']:.1f}x, {t['dense'] / t['fast']:.1f}x")
    row("    (c) with the default BLAS threads", f"{ip['fast_default_threads']:.2f}", "",
        "for comparison only")
    row("(d) full encode: (c) + u8 + base64", ms("encode"))
    row("evaluate() (300 points)", ms("evaluate"), "",
        "in a frame only when no full-batch step stands for now")
    row("snapshot() during play (event loop)", ms("snapshot"), "", "a copy of the network")
    row("pickle of the snapshot, both ways", ms("pickle"), "",
        f"{ip['pickle_bytes']:,} B to the frame worker")
    row("render_parts() during play (frame worker)", ms("parts"), "",
        "head + boundary JSON; the last step's loss, no evaluate()")
    row("render_parts() while paused", ms("parts_paused"), "", "with evaluate()")
    row("frame_body(parts) (event loop, once a frame)", ms("frame_body"))
    row("text_for(), first subscriber at a cursor", ms("text_for"), "",
        f"event loop: body + its history ({STEPS_PER_FRAME} points) as JSON")
    row("text_for(), a subscriber level with one served", ms("text_shared"), "",
        "the same text again (most viewers of a session)")
    row("TrainingSession.frame_text() (all in process)", ms("frame_text"), "",
        "the notebook path: snapshot + render_parts + text")
    row("deflate of a frame (permessage-deflate)", ms("deflate"), "",
        "event-loop cost per frame sent, if the connection negotiated it")
    row("one training step (full batch, 240 points)", ms("step"), "",
        f"= {1e3 / t['step']:,.0f} steps/s at most, one thread")
    row("frames/s one frame worker can draw", f"{1e3 / (t['parts'] + t['pickle']):,.0f}", "",
        "render_parts + pickles, back to back; 30 sessions x 10 frames/s need 300")


def report_sizes(ip, one):
    s = ip["sizes"]
    print(f"\n[bytes per frame]  JSON text of a frame during play ({STEPS_PER_FRAME} history points)")
    for r in (100, 200):
        row(f"R={r}, 3 classes", f"{s[r]['json']:,} B", "",
            f"boundary base64 {s[r]['boundary_b64']:,} B; permessage-deflate would make it "
            f"~{s[r]['deflate']:,} B")
    row("first frame of a new session (with its points)", f"{s['first_100']:,} B", "",
        "300 points: X, y, test flags")
    print("  the compact encoding (?encoding=compact, app/compact.py): one binary message per frame")
    for r in (100, 200):
        row(f"R={r}, 3 classes, compact", f"{s[r]['compact']:,} B", "<= 10,000 B" if r == 100 else "",
            f"{s[r]['json'] / s[r]['compact']:.1f}x smaller than the JSON text")
    if one and one["sizes"]:
        row("received over the WebSocket, R=100 (median)", f"{statistics.median(one['sizes']):,.0f} B",
            "", "text length" + ("; the wire carries it deflated" if one["deflate"] else ""))
    if one:
        at = one["fps"] * statistics.median(one["sizes"]) if one["sizes"] else 0
        row("one session's stream at the measured frames/s", f"{at / 1e6:.2f} MB/s", "", "uncompressed")


def lag_rows(result, probe):
    if probe:
        lag = result["lag"]
        row("event-loop lag p99 (server-side watcher)", f"{percentile(lag, 99):.1f} ms", "",
            f"p50 {percentile(lag, 50):.1f}, max {max(lag, default=float('nan')):.1f} ms; {len(lag)} samples of a "
            f"{LAG_INTERVAL * 1e3:.0f} ms sleep")
        draw = result["draw_ms"]
        if draw:
            row("a frame's draw as the loop waits for it, p50 / p99",
                f"{percentile(draw, 50):.1f} / {percentile(draw, 99):.1f} ms", "",
                "snapshot to the frame worker and its parts back: a session's next frame "
                "starts after it")
    ping = result["ping"]
    if ping:
        row("WebSocket ping round trip p99 (client proxy)", f"{percentile(ping, 99):.1f} ms", "",
            f"p50 {percentile(ping, 50):.1f}, max {max(ping):.1f} ms; {len(ping)} pings")
    if probe:
        use = result["threads"]
        loop_use = use.get("MainThread", 0)
        train = sum(v for k, v in use.items() if k.startswith("nnpg-train"))
        frame = [v for k, v in use.items() if k.startswith("nnpg-frame")]
        row("server threads busy (share of one core)",
            f"loop {loop_use:.0%}, train {train:.0%}" + (f", frame {sum(frame):.0%}" if frame else ""))
    row("CPU during the window", "", "", result["cpu"].line())


def report_one(one, probe, seconds):
    c = one["config"]
    print(f"\n[one session over a WebSocket]  {c['dataset']} {c['n_points']} points, {c['classes']} "
          f"classes, hidden {c['hidden_sizes']} {c['activation']}, lr {c['learning_rate']}, "
          f"reg {c['reg']}, batch {c['batch_size'] or 'full'}, fps {c['fps']:g}; "
          f"{seconds:g} s window after warm-up")
    row("frames/s received", f"{one['fps']:.1f}", ">= 30 " + verdict(one["fps"] >= 29.5),
        f"gap between frames: median {one['typical_gap'] * 1e3:.0f} ms, longest {one['gap'] * 1e3:.0f} ms")
    row("steps/s (from frame.step)", f"{one['steps']:,.0f}", ">= 1,000 " + verdict(one["steps"] >= 1000))
    if one["reached"]:
        when, step = one["reached"]
        row("time from play to train accuracy >= 0.95", f"{when:.2f} s", "<= 10 s " + verdict(when <= 10),
            f"at step {step:,}")
    else:
        row("time from play to train accuracy >= 0.95", "not reached", "<= 10 s MISSES",
            f"in {one['play_seconds']:.1f} s; last {one['final_acc']}")
    row("permessage-deflate (client offers it)", "negotiated" if one["deflate"] else "off", "",
        "as a browser offers it; the server decides")
    lag_rows(one, probe)


def rate_rows(many, target=""):
    fps, steps = many["fps"], many["steps"]
    row("frames/s per session  min / median / max",
        f"{min(fps):.1f} / {statistics.median(fps):.1f} / {max(fps):.1f}",
        target and target + verdict(min(fps) >= 10), f"total {sum(fps):.0f} frames/s")
    row("steps/s per session  min / median / max",
        f"{min(steps):,.0f} / {statistics.median(steps):,.0f} / {max(steps):,.0f}", "",
        f"total {sum(steps):,.0f} steps/s")


VIEWER_TARGET = 25  # frames/s each viewer of a session should get, on 2 cores


def report_viewers(v, probe, seconds):
    fps = v["viewer_fps"]
    print(f"\n[1 driver playing the default network + {v['n']} viewers (watch=1), "
          f"encoding={v['encoding']}]  {seconds:g} s window after warm-up")
    row("frames/s per viewer  min / median",
        f"{min(fps):.1f} / {statistics.median(fps):.1f}",
        f">= {VIEWER_TARGET} each " + verdict(min(fps) >= VIEWER_TARGET),
        f"max {max(fps):.1f}; all viewers {sum(fps):,.0f} frames/s")
    row("the driver's frames/s", f"{v['driver_fps']:.1f}", "", f"steps/s {v['steps']:,.0f}")
    if probe:
        row("frames drawn per second (frame pool)", f"{v['draws']:.1f}", "",
            f"the worker's own counter: {v['worker_drawn']:.1f}/s; a frame is drawn once per "
            f"session, not once per subscriber ({v['n'] + 1})")
    row("bytes/s on the wire (all connections)", f"{v['bytes_per_s'] / 1e6:.1f} MB/s", "",
        f"frame {v['frame_bytes']:,.0f} B (median); no permessage-deflate")
    if probe:
        sent = sum(fps) + v["driver_fps"]
        loop = v["threads"].get("MainThread", 0)
        row("event-loop CPU per frame sent", f"{loop / max(sent, 1e-9) * 1e6:.0f} us", "",
            f"loop {loop:.0%} of a core for {sent:,.0f} frames/s sent")
    row("gap between two frames of a connection", f"{v['gap'] * 1e3:.0f} ms longest", "",
        f"median {v['typical_gap'] * 1e3:.0f} ms")
    lag_rows(v, probe)


def report_many(many, n, probe, seconds):
    print(f"\n[{n} sessions playing at once]  default setting each (per-neuron maps and health on); "
          f"{seconds:g} s window after warm-up")
    rate_rows(many, ">= 10 each ")
    row("gap between two frames of one session", f"{many['gap'] * 1e3:.0f} ms longest", "",
        f"median {many['typical_gap'] * 1e3:.0f} ms")
    lag_rows(many, probe)


# The largest network the limits allow a session, on the largest grid: each of
# its frames takes seconds to draw.
HUGE = {"hidden_sizes": [1024, 1024, 1024], "n_points": 5000, "classes": 10, "grid_resolution": 200}
BESIDE_HUGE = 4


async def bench_server(args, seconds, warm, env=None):
    """(one session, many sessions, a huge one beside 4 default ones) against a
    server started with the environment ``env``."""
    port = free_port()
    proc = start_server(port, args.plain_server, env)
    probe = not args.plain_server
    url = f"ws://127.0.0.1:{port}/ws/session"
    one = viewers = huge = maps = None
    try:
        if not env:
            one = await bench_one(url, port, proc.pid, seconds, warm, probe)
            if args.viewers:  # as JSON text, then as the page takes them (compact binary)
                viewers = [await bench_viewers(url, port, proc.pid, args.viewers, seconds, warm, probe,
                                               encoding) for encoding in ("json", "compact")]
        many = await bench_many(url, port, proc.pid, args.sessions, seconds, warm, probe,
                                configs=[MAPS_ON] * args.sessions)
        if not args.no_huge:
            huge = await bench_many(url, port, proc.pid, 1 + BESIDE_HUGE, seconds, max(warm, 2.0),
                                    probe, configs=[HUGE])
        maps = None if env else await bench_maps(url, port, proc.pid, seconds, warm, probe)
    finally:
        stop_server(proc)
    return {"one": one, "viewers": viewers, "many": many, "huge": huge, "probe": probe, "maps": maps}


async def bench_images_server(args, seconds, warm):
    port = free_port()
    proc = start_server(port, args.plain_server)
    try:
        return await bench_images(f"ws://127.0.0.1:{port}/ws/session", port, proc.pid, seconds, warm)
    finally:
        stop_server(proc)


def report_huge(huge, seconds, label):
    small_fps = huge["fps"][1:]
    print(f"\n[a huge network beside {BESIDE_HUGE} default sessions, {label}]  3 x 1,024 units, "
          f"5,000 points, 10 classes, R=200; {seconds:g} s window")
    row("frames/s of each default session  min / max", f"{min(small_fps):.1f} / {max(small_fps):.1f}")
    row("longest gap between two frames of a default one", f"{max(huge['gaps'][1:]) * 1e3:,.0f} ms", "",
        "one frame of the huge network takes seconds to draw")
    row("steps/s of each default session  min / max",
        f"{min(huge['steps'][1:]):,.0f} / {max(huge['steps'][1:]):,.0f}", "",
        f"the huge one: {huge['fps'][0]:.2f} frames/s, {huge['steps'][0]:.1f} steps/s")


SHAPES = {"dataset": "shapes", "hidden_sizes": [100]}
DIGITS = {"relu 64 -> 100 -> 10": ({"dataset": "digits", "hidden_sizes": [100]}, 0.95),
          "linear 64 -> 10": ({"dataset": "digits", "hidden_sizes": []}, 0.90)}
DIGITS_LIMIT = 30.0  # seconds of play


async def image_frames(ws, log):
    """Record (time, text length, step, test accuracy, carries templates) of every frame."""
    while True:
        text = await ws.recv()
        if text.startswith('{"type":"frame"'):
            msg = json.loads(text)
            log.append((time.perf_counter(), len(text), msg["step"], msg["test_accuracy"], "templates" in msg))


async def configured_session(url, config):
    ws, _ = await open_session(url)
    await ws.send(json.dumps({"type": "config", "config": config}))
    while not (await ws.recv()).startswith('{"type":"config"'):
        pass
    return ws


async def bench_images(url, port, pid, seconds, warm):
    """The shapes session's rates, and the digits sessions' time to their accuracy."""
    ws = await configured_session(url, SHAPES)
    log = []
    read_task = asyncio.create_task(image_frames(ws, log))
    meter = CpuMeter(pid)
    await ws.send(PLAY)
    w0, w1, _, _ = await measure_window(port, meter, [], warm, seconds, False)
    await ws.send(PAUSE)
    read_task.cancel()
    await ws.close()
    inside = [e for e in log if w0 <= e[0] <= w1]
    fps, steps, gap, _ = window_rates([(t, n, s, None) for t, n, s, _, _ in log], w0, w1)
    out = {"shapes": {"fps": fps, "steps": steps, "gap": gap, "cpu": meter,
                      "bytes": statistics.median(e[1] for e in inside) if inside else 0,
                      "templates": sum(e[4] for e in inside), "frames": len(inside),
                      "test": log[-1][3] if log else None}}
    for name, (config, floor) in DIGITS.items():
        ws = await configured_session(url, config)
        log = []
        read_task = asyncio.create_task(image_frames(ws, log))
        t0 = time.perf_counter()
        await ws.send(PLAY)
        while time.perf_counter() - t0 < DIGITS_LIMIT and not any((e[3] or 0) >= floor for e in log):
            await asyncio.sleep(0.05)
        await ws.send(PAUSE)
        read_task.cancel()
        await ws.close()
        hit = next(((e[0] - t0, e[2]) for e in log if (e[3] or 0) >= floor), None)
        out[name] = {"floor": floor, "reached": hit, "best": max((e[3] or 0) for e in log) if log else None}
    return out


def report_images(images, seconds):
    s = images["shapes"]
    print(f"\n[images]  shapes 3072 -> 100 -> 10 (308,310 parameters) at its defaults (mini-batch 64, "
          f"lr 0.05, lambda 0.01, 800 training images); {seconds:g} s window")
    row("frames/s, steps/s", f"{s['fps']:.1f}, {s['steps']:,.0f}", "", f"longest gap {s['gap'] * 1e3:.0f} ms")
    row("frames carrying templates", f"{s['templates']} of {s['frames']}", "<= 4 a s and 500 KB/s",
        f"median frame {s['bytes'] / 1024:,.1f} KB")
    for name in DIGITS:
        d = images[name]
        reached = (f"{d['reached'][0]:.1f} s (step {d['reached'][1]:,})" if d["reached"]
                   else f"not within {DIGITS_LIMIT:g} s (best {d['best']})")
        row(f"digits {name}: play to test acc >= {d['floor']}", reached, f"<= {DIGITS_LIMIT:g} s "
            + verdict(d["reached"] is not None and d["reached"][0] <= DIGITS_LIMIT))


def report_frame_thread(thread, many, n, probe, seconds):
    print(f"\n[{n} sessions, frames drawn on a thread of the server (NNPG_FRAME_PROCESS=0)]  "
          f"for comparison with the worker process above; {seconds:g} s window")
    rate_rows(thread)
    lag_rows(thread, probe)
    for what in ("fps", "steps"):
        row(f"worker process / thread: total {'frames' if what == 'fps' else 'steps'}/s",
            f"{sum(many[what]) / max(sum(thread[what]), 1e-9):.2f}x")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short windows, fewer repetitions")
    parser.add_argument("--seconds", type=float, help="length of each WebSocket window (default 10, 2 quick)")
    parser.add_argument("--sessions", type=int, default=30, help="concurrent sessions (default 30)")
    parser.add_argument("--viewers", type=int, default=100,
                        help="viewers watching one driver's session (default 100; 0 skips it)")
    parser.add_argument("--no-thread-comparison", action="store_true",
                        help="skip the many-sessions run with frames drawn on a thread")
    parser.add_argument("--no-huge", action="store_true",
                        help="skip the huge network beside default sessions")
    parser.add_argument("--reps", type=int, help="in-process repetitions (default 150, 30 quick)")
    parser.add_argument("--plain-server", action="store_true",
                        help="run `python -m app` unchanged (no server-side lag watcher)")
    parser.add_argument("--images", action="store_true", help="only the image sessions (part 7)")
    parser.add_argument("--no-images", action="store_true", help="skip the image sessions")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return 0

    seconds = args.seconds or (2.0 if args.quick else 10.0)
    warm = 0.5 if args.quick else 1.0
    reps = args.reps or (30 if args.quick else 150)

    header(args)
    if args.images:
        report_images(asyncio.run(bench_images_server(args, seconds, warm)), seconds)
        return 0
    ip = bench_in_process(reps)
    ip["reps"] = reps
    report_in_process(ip)
    maps_ip = bench_maps_in_process(reps)
    procs = asyncio.run(bench_server(args, seconds, warm))
    probe = procs["probe"]
    report_one(procs["one"], probe, seconds)
    for viewers in procs["viewers"] or ():
        report_viewers(viewers, probe, seconds)
    report_many(procs["many"], args.sessions, probe, seconds)
    if procs["huge"]:
        report_huge(procs["huge"], seconds, "frames in worker processes")
    report_maps(maps_ip, procs["maps"], args.sessions, procs["many"], seconds)
    if not args.no_thread_comparison:
        thread = asyncio.run(bench_server(args, seconds, warm, env={"NNPG_FRAME_PROCESS": "0"}))
        report_frame_thread(thread["many"], procs["many"], args.sessions, probe, seconds)
        if thread["huge"]:
            report_huge(thread["huge"], seconds, "frames on a thread")
    if not args.no_images:
        report_images(asyncio.run(bench_images_server(args, seconds, warm)), seconds)
    report_sizes(ip, procs["one"])
    print("\nTimings are figures, not tests: nothing here passes or fails on time.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
