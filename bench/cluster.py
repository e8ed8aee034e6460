"""Students served through nginx by N app processes: bench/cluster.py --workers 1 2.

Run:  .venv/bin/python bench/cluster.py [--workers 1 2] [--ladder 4 8 12 16 24 32]
          [--seconds 8] [--warm 3] [--rounds 2]

For each N it starts the loopback cluster of app/cluster.py (redis-server,
N app processes, nginx), then, for each number S on the ladder, opens S student
sessions through nginx the way the page does (POST /api/v1/sessions, then
/ws/session?session=ID&new=1), has each play at the default setting (spiral,
100 ReLU units, 30 frames/s asked), waits --warm seconds and counts the frames
each receives over --seconds. A student is *served* when it receives at least
20 frames/s. The ladder stops at the first S where some student is not served;
the figure for N is the largest S where all were. It prints where the sessions
landed (asked of each process directly) and how busy the machine was.

With --rounds 2 (the default) the worker counts run in A, B, B, A order, so
that a machine whose load drifts does not favour one of them; each round's
figure is printed.

It never passes or fails on time; the exit status is 0 whatever the figures.
On a bigger machine, run it with more workers and a longer ladder (e.g.
`--workers 1 2 4 8 --ladder 8 16 32 64 96 128`) and read how the served count
grows with N: here the client, nginx, Redis and every process share 2 cores.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from websockets.asyncio.client import connect  # noqa: E402

from app.cluster import Cluster  # noqa: E402

SERVED_FPS = 20.0
TYPE_RE = re.compile(r'^\{"type":"(\w+)"')


def fresh_id(base: str) -> str:
    req = urllib.request.Request(base + "/api/v1/sessions", method="POST")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())["session"]


async def student(base, stop: asyncio.Event, counts: dict, index: int, opened: asyncio.Queue):
    """One student: a new session through nginx, playing; counts its frames."""
    sid = await asyncio.to_thread(fresh_id, base)
    url = base.replace("http://", "ws://") + f"/ws/session?session={sid}&new=1"
    async with connect(url, max_size=None, compression=None, open_timeout=60) as ws:
        await ws.send(json.dumps({"type": "play"}))
        await opened.put(sid)
        counts[index] = 0
        while not stop.is_set():
            try:
                text = await asyncio.wait_for(ws.recv(), 1.0)
            except asyncio.TimeoutError:
                continue
            match = TYPE_RE.match(text)
            if match and match.group(1) == "frame":
                counts[index] += 1


async def measure(base, n, warm, seconds):
    """Frames/s of each of ``n`` students playing at once; the session ids."""
    stop, counts, opened = asyncio.Event(), {}, asyncio.Queue()
    tasks = [asyncio.create_task(student(base, stop, counts, i, opened)) for i in range(n)]
    ids = [await opened.get() for _ in range(n)]
    await asyncio.sleep(warm)
    before, t0 = dict(counts), time.monotonic()
    await asyncio.sleep(seconds)
    after, wall = dict(counts), time.monotonic() - t0
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return [(after[i] - before[i]) / wall for i in range(n)], ids


def owners(cluster, ids):
    """How many of ``ids`` each app process holds (asked directly, not through nginx)."""
    from websockets.sync.client import connect as sync_connect

    held = [0] * len(cluster.app_urls)
    for sid in ids:
        for i, url in enumerate(cluster.app_urls):
            with sync_connect(url.replace("http://", "ws://") + f"/ws/session?session={sid}&watch=1",
                              max_size=None) as ws:
                if json.loads(ws.recv())["type"] == "hello":
                    held[i] += 1
    return held


def bench_workers(workers, ladder, warm, seconds):
    print(f"\n== {workers} app process{'es' if workers > 1 else ''} behind nginx ==", flush=True)
    best = 0
    with Cluster(workers=workers) as cluster:
        for n in ladder:
            fps, ids = asyncio.run(measure(cluster.url, n, warm, seconds))
            served = sum(f >= SERVED_FPS for f in fps)
            load = os.getloadavg()[0]
            print(f"  {n:4d} students: frames/s min {min(fps):5.1f}  median {statistics.median(fps):5.1f}"
                  f"  max {max(fps):5.1f}  served (>= {SERVED_FPS:.0f}/s) {served:4d}"
                  f"  sessions per process {owners(cluster, ids) if workers > 1 else [n]}"
                  f"  load {load:4.1f}", flush=True)
            if served < n:
                break
            best = n
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--ladder", type=int, nargs="+", default=[4, 8, 12, 16, 20, 24, 32, 40])
    parser.add_argument("--warm", type=float, default=3.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    print(f"bench/cluster.py on {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    results = {n: [] for n in args.workers}
    for r in range(args.rounds):
        for n in (args.workers if r % 2 == 0 else args.workers[::-1]):
            results[n].append(bench_workers(n, args.ladder, args.warm, args.seconds))
    print("\nstudents all served at >= 20 frames/s each (one figure per round):")
    for n, bests in results.items():
        print(f"  {n} app process{'es' if n > 1 else '  '}: {', '.join(map(str, bests))}")


if __name__ == "__main__":
    main()
