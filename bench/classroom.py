"""Classroom benchmark: 60 students playing, a teacher's board, one spotlight.

Run:  .venv/bin/python bench/classroom.py [--students 60] [--seconds 15]

Prints figures with the targets beside them; it never passes or fails on
time (the exit status is 0 whatever the figures). Against a real uvicorn
server (bench/stream.py --serve: `python -m app` plus an event-loop lag
watcher and a stats route), with the bench client on the same 2 cores:

1. every student plays the default network (spiral, 100 ReLU units, full
   batch, fps 30) on its own session, the teacher's board is open: frames/s
   per student on their own socket, board updates/s, how often each student's
   line on the board changes (its step), the event loop's lag (p50, p99,
   max) and the bytes/s on the wire (every socket the clients read);
2. the same, with the teacher's own run (a 61st session, playing) in the
   spotlight and every student watching it (/ws/session?session=ID&watch=1)
   beside their own run: spotlight frames/s per student and how many distinct
   spotlight frames all the students saw together against one student (a
   frame drawn once and shared: the two are equal).

Targets: spotlight ≥ 25 frames/s per student with the frame drawn once;
board ≥ 1 update/s per student.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

import stream  # noqa: E402  (bench/stream.py: the server with its lag probe)
import students  # noqa: E402  (tests/students.py: students simulated by scripts)
from websockets.asyncio.client import connect  # noqa: E402


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q / 100 * len(xs)))] if xs else float("nan")


def spread(xs):
    return f"min {min(xs):6.1f}  median {statistics.median(xs):6.1f}  max {max(xs):6.1f}"


class Board:
    """The teacher's board socket, counted: updates, bytes, each student's step changes."""

    def __init__(self, url):
        self.url = url
        self.updates = 0
        self.bytes = 0
        self.changes: dict[str, int] = {}
        self.steps: dict[str, int] = {}
        self.thumbnails: dict[str, int] = {}
        self.ws = None

    async def run(self):
        async with connect(self.url, max_size=None) as ws:
            self.ws = ws
            async for text in ws:
                self.bytes += len(text)
                msg = json.loads(text)
                if msg["type"] != "board":
                    continue
                self.updates += 1
                for s in msg["students"]:
                    if "thumbnail" in s:
                        self.thumbnails[s["session"]] = self.thumbnails.get(s["session"], 0) + 1
                    if s["step"] is not None and s["step"] != self.steps.get(s["session"]):
                        self.changes[s["session"]] = self.changes.get(s["session"], 0) + 1
                        self.steps[s["session"]] = s["step"]

    def snapshot(self):
        return self.updates, self.bytes, dict(self.changes), dict(self.thumbnails)


TEACHER_FRAMES = [0]  # frames the teacher's own connection to the spotlit run received


async def teacher_run(url, started):
    """The teacher's own run, playing: the session to spotlight."""
    async with connect(url, max_size=None) as ws:
        async for text in ws:
            if students.frame_head(text):
                TEACHER_FRAMES[0] += 1
                continue
            msg = json.loads(text)
            if msg["type"] == "hello":
                await ws.send(json.dumps({"type": "play"}))
                started.set_result(msg["session"])


def measure(room, board, seconds, port):
    """Counters over ``seconds``: per-student frames/s and bytes, board figures, lag."""
    def counts():
        return ([len(s.frames_seen) for s in room.students], [len(s.watch_frames) for s in room.students],
                [s.bytes for s in room.students], board.snapshot(), TEACHER_FRAMES[0],
                [s.frames_seen[-1][1] if s.frames_seen else 0 for s in room.students])
    stream.get_stats(port, reset=True)
    before, t0 = counts(), time.monotonic()
    time.sleep(seconds)
    after, wall = counts(), time.monotonic() - t0
    lag = stream.get_stats(port)["lag_ms"]
    own = [(b - a) / wall for a, b in zip(before[0], after[0])]
    watched = [(b - a) / wall for a, b in zip(before[1], after[1])]
    wire = sum(b - a for a, b in zip(before[2], after[2])) + after[3][1] - before[3][1]
    changes = [(after[3][2].get(s.session, 0) - before[3][2].get(s.session, 0)) / wall
               for s in room.students]
    thumbs = [(after[3][3].get(s.session, 0) - before[3][3].get(s.session, 0)) / wall
              for s in room.students]
    steps = [(s.frames_seen[-1][1] - first) / wall for s, first in zip(room.students, before[5])]
    return {"teacher": (after[4] - before[4]) / wall, "own": own, "watched": watched, "wire": wire / wall, "board": (after[3][0] - before[3][0]) / wall,
            "changes": changes, "thumbs": thumbs, "steps": steps, "lag": lag}


def report(title, r, n, spotlight=False):
    print(f"\n{title}")
    print(f"  own frames/s per student     {spread(r['own'])}")
    if spotlight:
        print(f"  spotlight frames/s/student   {spread(r['watched'])}   (target ≥ 25)")
        print(f"  spotlit run, its driver      {r['teacher']:6.1f} frames/s")
    print(f"  training steps/s per student {spread(r['steps'])}")
    print(f"  board updates/s              {r['board']:6.1f}   (each with every student's line)")
    print(f"  new step on the board/s      {spread(r['changes'])}   (per student; target ≥ 1)")
    print(f"  new thumbnail on the board/s {spread(r['thumbs'])}   (per student)")
    lag = r["lag"]
    print(f"  event-loop lag ms            p50 {percentile(lag, 50):6.1f}  p99 {percentile(lag, 99):6.1f}"
          f"  max {max(lag):6.1f}   ({len(lag)} samples)")
    print(f"  bytes/s on the wire          {r['wire'] / 1e6:6.2f} MB/s in all, "
          f"{r['wire'] / n / 1e3:6.1f} kB/s per student")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=60)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args(argv)
    n = args.students
    port = stream.free_port()
    env = {"NNPG_MAX_SESSIONS": str(n + 8), "NNPG_CLASS_JOINS_PER_MINUTE": str(n + 8)}
    proc = stream.start_server(port, plain=False, env=env)
    print(f"classroom bench: {n} students, {args.seconds:.0f} s a phase, {os.cpu_count()} cores "
          "shared by the server and this client")
    try:
        http, ws = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
        req = urllib.request.Request(http + "/api/v1/classes", method="POST")
        klass = json.loads(urllib.request.urlopen(req, timeout=30).read())
        code, token = klass["code"], klass["teacher_token"]
        group = [students.Student(f"Student {i + 1}") for i in range(n)]
        with students.Classroom(ws, code, group, follow_spotlight=True) as room:
            if not room.joined.wait(120):
                raise RuntimeError(f"not every student joined: {room.errors}")
            board = Board(f"{ws}/ws/class?code={code}&token={token}")
            asyncio.run_coroutine_threadsafe(board.run(), room.loop)
            time.sleep(3)  # every run going, the board's first updates in
            report("1. every student playing, the board open", measure(room, board, args.seconds, port), n)

            started = asyncio.run_coroutine_threadsafe(_teacher(ws, code, token), room.loop).result(60)
            asyncio.run_coroutine_threadsafe(board.ws.send(json.dumps(
                {"type": "spotlight", "session": started})), room.loop).result(10)
            time.sleep(3)
            r = measure(room, board, args.seconds, port)
            report("2. the same, and every student watching the teacher's run in the spotlight", r, n,
                   spotlight=True)
            frames = [{(step, h) for _, step, h in s.watch_frames} for s in room.students]
            union = set().union(*frames)
            print(f"  distinct spotlight pictures (step, boundary bytes): {len(union)} among all {n} "
                  f"students together, {statistics.median(len(f) for f in frames):.0f} for the median "
                  "student (equal: every student was sent the same frames, drawn once)")
            if room.errors:
                print("  client errors:", room.errors[:5])
    finally:
        stream.stop_server(proc)


async def _teacher(ws, code, token):
    started = asyncio.get_running_loop().create_future()
    asyncio.create_task(teacher_run(f"{ws}/ws/session?class={code}&teacher={token}", started))
    return await started


if __name__ == "__main__":
    main()
