"""Hostile clients: the high and medium attacks replayed beside a victim session.

Run:  .venv/bin/python bench/hostile.py [--quick] [--only NAME[,NAME]] [--before REF] [--markdown]

Prints figures with the targets beside them; it never passes or fails (the
exit status is 0 whatever the figures).

What runs. Every attack runs twice, against a server started from a git ref
("before", default 6dff70c: the commit before the fixes, checked out with
`git worktree add --detach` into a temporary directory that is removed at the
end; the same .venv runs it) and against the working tree ("after"). Each
server is started exactly as `make run` starts it: `python -m app --host
127.0.0.1 --port P` (its own uvicorn settings, socket and process settings),
with this shell's environment and its open-file limit as it was when the
script started. Each attack gets fresh servers (the two of an attack start
together; the "after" one waits idle while the "before" one is attacked),
and every socket and process is closed before the next attack.

The victim. In every attack a victim drives a session of its own: the
default network at the default fps (30), `play`, reading every frame. After
a warm-up it is measured over the attack: frames/s received, the worst gap
between two frames (the gaps from the start of the window to the first frame
and from the last frame to its end count too) and steps/s (from the `step`
of its frames). Targets: >= 20 frames/s and no gap over 0.5 s. The victim,
the new visitors and the tiny requests come from 127.0.0.3, every attacker
from 127.0.0.2, so that a limit per client address bears on the attacker
only (the server listens on 127.0.0.1; Linux routes all of 127/8 there).

The attacks (full scale; --quick scales each down about 10-20x):
1. never-reads: a raw WebSocket client with a small receive buffer
   (SO_RCVBUF 4 KB) sets hidden_sizes [1024, 1024, 1024], sends 20,000
   `probe` messages without ever reading, then `play`, and is watched for
   150 s more (the server answers the probes one by one meanwhile).
   Reported: probes sent, whether and when the server let go of the
   connection (its socket disappears from the server process: it is looked
   up in /proc/net/tcp, without reading a byte), then, only if it did, the
   close code read from what was left in the socket; the RSS at the end.
2. connect-close: 80 WebSocket connect-and-close cycles (no resume); then
   does a new visitor get a session (`hello`) or is it refused?
3. big-header: one request with a 128 MB header, sent in 1 MB chunks while
   the victim plays and a tiny GET (/api/v1/datasets) is timed every 0.25 s;
   reported: the attacker's response status (or how far it got) and the
   tiny GET's worst latency.
4. detached-max: 10 sessions at the largest network the server allows
   (hidden layers and width from hello's `limits`, max_points points), each
   runs 2 steps (`step`, waiting for their frame) and detaches; reported:
   sessions built or refused, the RSS 2 s after the last detach.
5. step-n: an attacker sets the largest network (limits' max layers x max
   width, default points); the victim is measured alone, then while the
   attacker's `step 10000` runs: steps/s alone and during, beside frames/s.
   The victim's row figures are those of the "during" window.
6. rest-amplification: 12 parallel POST /api/v1/forward of a 1 -> 1024 -> 2
   ReLU model on 4,873 rows (about 150 KB each); reported: their statuses,
   the tiny GET's worst latency meanwhile, the RSS peak and the RSS 10 s
   after the last answer.
6b. rest-heavy: the same with 1,900 rows, an answer (about 1.95 million
   numbers, ~40 MB of JSON) just under the default max_response_numbers, so
   that the server computes them: the bounded pool and its 503s at work.
6c. rest-invalid: 12 parallel POST /api/v1/forward of 999,990 numbers
   (~11 MB), each with its very last number a string: the server parses and
   validates the whole body before it can answer 422; reported as for
   rest-amplification.
7. slowloris: 20,000 half-sent requests (a request line and part of a
   header, never finished), opened one after the other; this client's
   RLIMIT_NOFILE is raised as far as the machine allows, and the count
   reached is printed (opening stops after 3 connects in a row fail). Then:
   does a new request succeed, and how many half-sent ones has the server
   closed by then?
8. cross-origin: a WebSocket with `Origin: http://evil.example`: accepted
   (hello) or refused (and how)?
A no-attack baseline row measures the victim alone on each server.

--quick (the smoke test's scale, a few minutes on a busy machine): windows of
1 s after 0.3 s of warm-up; 1,000 probes watched 2 s; 10 cycles against a
server started with NNPG_MAX_SESSIONS=8 (so that the table fills); an 8 MB
header; 1 maximum-size session of 500 points at grid 10 running 1 step; the
step-n attacker at grid 10; 2 parallel /forward of 400 rows, RSS 1 s after;
2 parallel invalid bodies of 100,000 numbers; 1,000 half-sent requests.

RSS. A sampler thread in this process reads VmRSS from /proc/PID/status of
the server process and of every process below it (the frame workers and
their forkserver) every 50 ms and sums them; "peak RSS" is the largest sum
seen during the attack (a peak shorter than 50 ms can be missed; pages
shared between the forked processes are counted once per process). The
server process's own VmHWM (its exact peak, children not included) is
printed beside. The target is the memory budget computed by app/budget.py
for the working tree's Settings, when that module exists ("n/a" otherwise).

The machine. The client runs on the same cores as the servers: the header
prints the CPU, the cores, the memory and the load average at the start and
the end. Figures from a busy machine carry its noise; compare before and
after within one run, as ratios.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime
import http.client
import json
import os
import platform
import re
import resource
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stream import descendants, free_port  # noqa: E402

try:
    from websockets.asyncio.client import connect as ws_connect
except ImportError:  # websockets < 14
    from websockets import connect as ws_connect

BEFORE_REF = "6dff70c"  # the commit before the fixes
HOST = "127.0.0.1"         # where the servers listen
VICTIM_ADDR = "127.0.0.3"  # the victim, the new visitors, the tiny requests
ATTACK_ADDR = "127.0.0.2"  # every attacker
TINY_PATH = "/api/v1/datasets"
TARGET_FPS = 20.0
TARGET_GAP = 0.5
RSS_EVERY = 0.05
START_SECONDS = 90  # a loaded 2-core machine imports NumPy slowly
NOFILE_AT_START = resource.getrlimit(resource.RLIMIT_NOFILE)
STEP_RE = re.compile(r'"step":(\d+)')
EVIL_ORIGIN = "http://evil.example"


@dataclass(frozen=True)
class Scale:
    name: str
    window: float        # seconds every attack's victim window lasts at least
    warm: float          # seconds the victim plays before a window
    probes: int
    stall_watch: float   # seconds the never-reader is watched after its last message
    cycles: int
    cycles_env: dict     # server settings for connect-close (quick: a smaller table)
    header_bytes: int
    detached: int
    detached_points: int | None  # None: the limits' max_points
    detached_steps: int
    attacker_grid: int | None    # grid_resolution of the big attackers' sessions (None: default)
    rest_parallel: int
    rest_rows: int
    rest_allowed_rows: int  # rest-heavy: rows whose answer is just under max_response_numbers
    rest_after: float
    invalid_numbers: int    # rest-invalid: numbers in each body (the default limit is 1,000,000)
    half_open: int
    wait: float          # hang guard for one reply the attack waits for


FULL = Scale("full", window=10.0, warm=1.0, probes=20_000, stall_watch=150.0, cycles=80, cycles_env={},
             header_bytes=128 << 20, detached=10, detached_points=None, detached_steps=2, attacker_grid=None,
             rest_parallel=12, rest_rows=4873, rest_allowed_rows=1900, rest_after=10.0, invalid_numbers=999_990,
             half_open=20_000, wait=300.0)
QUICK = Scale("quick", window=1.0, warm=0.3, probes=1_000, stall_watch=2.0, cycles=10,
              cycles_env={"NNPG_MAX_SESSIONS": "8"}, header_bytes=8 << 20, detached=1,
              detached_points=500, detached_steps=1, attacker_grid=10, rest_parallel=2, rest_rows=400, rest_allowed_rows=300, rest_after=1.0,
              invalid_numbers=100_000, half_open=1_000, wait=60.0)


# ---------------------------------------------------------------------------
# Servers: a tree checked out at a ref, `python -m app` in it, RSS of its processes


@contextlib.contextmanager
def checkout(ref):
    """A detached worktree of ``ref`` in a temporary directory, removed at the end."""
    path = Path(tempfile.mkdtemp(prefix="nnpg-before-"))
    path.rmdir()
    subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(path), ref], cwd=ROOT,
                   check=True, capture_output=True, text=True)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], cwd=ROOT, capture_output=True)
        shutil.rmtree(path, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=ROOT, capture_output=True)


def restore_nofile():
    resource.setrlimit(resource.RLIMIT_NOFILE, NOFILE_AT_START)


class Server:
    """`python -m app --host 127.0.0.1 --port P` run in ``tree``, as `make run` runs it."""

    def __init__(self, tree: Path, env=None):
        self.tree = tree
        self.port = free_port()
        self.log = tempfile.TemporaryFile()  # not a pipe: a full pipe would block its logging
        environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", HOST, "--port", str(self.port)], cwd=tree,
            env={**environ, **(env or {})}, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=restore_nofile)
        self.children = set()

    @property
    def pid(self):
        return self.proc.pid

    def wait_ready(self):
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server in {self.tree} exited:\n{self.log_tail()}")
            status, _ = tiny_get(self.port, "/", timeout=2)
            if status == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"the server in {self.tree} did not answer within {START_SECONDS} s")

    def tree_pids(self):
        kids = descendants(self.pid)
        self.children.update(kids)
        return [self.pid, *kids]

    def log_tail(self, chars=2000):
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-chars:]

    def stop(self):
        """Terminate the server, then kill it and any child of it still alive."""
        self.tree_pids()
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(3)  # a server mid-step may not stop at once: no need to wait for it
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for pid in self.children:
            with contextlib.suppress(OSError):
                os.kill(pid, 9)
        self.log.close()


def status_kb(pid, key):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """The summed VmRSS of the server and its children, every RSS_EVERY seconds."""

    def __init__(self, server: Server):
        self.server = server
        self.samples: list[tuple[float, int]] = []  # (time, bytes)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def now(self):
        return sum(status_kb(pid, "VmRSS") for pid in self.server.tree_pids()) * 1024

    def _run(self):
        while not self._stop.wait(RSS_EVERY):
            self.samples.append((time.perf_counter(), self.now()))

    def peak(self, t0, t1=None):
        inside = [b for t, b in self.samples if t >= t0 and (t1 is None or t <= t1)]
        return max(inside, default=self.now())

    def hwm(self):
        return status_kb(self.server.pid, "VmHWM") * 1024

    def stop(self):
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------
# Small clients


def tiny_get(port, path=TINY_PATH, timeout=30.0, source=VICTIM_ADDR):
    """(status or the error's name, seconds) of one GET from ``source``."""
    start = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, source_address=(source, 0))
    try:
        conn.request("GET", path)
        res = conn.getresponse()
        res.read()
        status = res.status
    except (OSError, http.client.HTTPException) as exc:
        status = type(exc).__name__
    finally:
        conn.close()
    return status, time.perf_counter() - start


class TinyProber:
    """A tiny GET every ``every`` seconds on a thread, while an attack runs."""

    def __init__(self, port, every=0.25):
        self.port, self.every = port, every
        self.results: list[tuple[object, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            self.results.append(tiny_get(self.port))
            self._stop.wait(self.every)

    def stop(self):
        self._stop.set()
        self._thread.join()
        worst = max((s for _, s in self.results), default=float("nan"))
        bad = sorted({str(st) for st, _ in self.results if st != 200})
        return f"{worst:.2f} s worst of {len(self.results)}" + (f" (not 200: {', '.join(bad)})" if bad else "")


def ws_url(port, query=""):
    return f"ws://{HOST}:{port}/ws/session" + (f"?{query}" if query else "")


def ws_from(port, source, **kwargs):
    """A websockets connection from the address ``source`` (no compression, as the server offers none)."""
    return ws_connect(ws_url(port), max_size=None, open_timeout=30, ping_interval=None,
                      local_addr=(source, 0), **kwargs)


async def recv_type(ws, wanted, timeout):
    """Read messages until one whose type is in ``wanted``; that message (dict)."""
    async with asyncio.timeout(timeout):
        while True:
            text = await ws.recv()
            if isinstance(text, bytes):
                continue
            head = text[:40]
            if any(f'"type":"{w}"' in head for w in wanted):
                return json.loads(text)


def cut(text, n=48):
    return text if len(text) <= n else text[:n - 3].rstrip() + "..."


def close_reason(exc) -> str:
    rcvd = getattr(exc, "rcvd", None)
    if rcvd is not None:
        return f"close {rcvd.code}" + (f" '{cut(rcvd.reason, 40)}'" if rcvd.reason else "")
    response = getattr(exc, "response", None)
    if response is not None:
        return f"HTTP {response.status_code}"
    return type(exc).__name__


async def first_message(port, source, **kwargs):
    """What a new connection gets first: ('hello', the connection, hello) or
    ('refused (how)', None, None)."""
    try:
        ws = await ws_from(port, source, **kwargs)
    except Exception as exc:  # refused at the handshake (e.g. 403)
        return f"refused ({close_reason(exc)})", None, None
    try:
        msg = json.loads(await asyncio.wait_for(ws.recv(), 30))
    except Exception as exc:
        await ws.close()
        return f"refused ({close_reason(exc)})", None, None
    if msg.get("type") == "hello":
        return "hello", ws, msg
    try:
        await asyncio.wait_for(ws.recv(), 5)
    except Exception as exc:
        field_name = f"{msg['field']}: " if msg.get("field") else ""
        text = f"refused ({close_reason(exc)}; {field_name}{cut(str(msg.get('message')))})"
    else:
        text = f"refused? first message {msg.get('type')}"
    await ws.close()
    return text, None, None


# ---------------------------------------------------------------------------
# The victim: the default network at the default fps, reading every frame


class Victim:
    def __init__(self, port):
        self.port = port
        self.frames: list[tuple[float, int]] = []  # (time received, step)

    async def start(self, warm):
        first, self.ws, self.hello = await first_message(self.port, VICTIM_ADDR)
        if self.ws is None:
            raise RuntimeError(f"the victim got no session: {first}")
        self._reader = asyncio.create_task(self._read())
        await self.ws.send(json.dumps({"type": "play"}))
        await asyncio.sleep(warm)

    async def _read(self):
        with contextlib.suppress(Exception):
            async for text in self.ws:
                if isinstance(text, str) and text.startswith('{"type":"frame"'):
                    m = STEP_RE.search(text)
                    self.frames.append((time.perf_counter(), int(m.group(1)) if m else 0))

    def window(self, t0, t1):
        """frames/s, worst gap (s) and steps/s between t0 and t1."""
        inside = [(t, s) for t, s in self.frames if t0 <= t <= t1]
        times = [t0] + [t for t, _ in inside] + [t1]
        gap = max(b - a for a, b in zip(times, times[1:]))
        steps = (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0]) if len(inside) > 1 else 0.0
        return {"fps": len(inside) / (t1 - t0), "gap": gap, "steps": steps}

    async def stop(self):
        self._reader.cancel()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        with contextlib.suppress(BaseException):
            await self._reader


# ---------------------------------------------------------------------------
# A raw WebSocket client that never reads (never-reads)


def raw_ws_frame(text: str) -> bytes:
    """One masked client text frame."""
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81]) + (bytes([0x80 | n]) if n < 126 else struct.pack("!BH", 0x80 | 126, n))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def raw_ws_open(port, rcvbuf=4096):
    """A socket after the WebSocket handshake, with only the 101 answer read."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.bind((ATTACK_ADDR, 0))
    sock.settimeout(30)
    sock.connect((HOST, port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET /ws/session HTTP/1.1\r\nHost: {HOST}:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                  ).encode())
    head = b""
    while b"\r\n\r\n" not in head:  # byte by byte: nothing past the answer's headers is read
        byte = sock.recv(1)
        if not byte:
            raise RuntimeError("closed during the handshake")
        head += byte
    status_line = head.split(b"\r\n", 1)[0]
    if b" 101 " not in status_line:
        raise RuntimeError(f"handshake refused: {status_line!r}")
    return sock


def server_holds(server: Server, sock) -> bool:
    """Whether the server process still has its end of ``sock`` (from /proc/net/tcp)."""
    ip, port = sock.getsockname()
    remote = f"{socket.inet_aton(ip)[::-1].hex().upper()}:{port:04X}"
    local = f"{socket.inet_aton(HOST)[::-1].hex().upper()}:{server.port:04X}"
    with open(f"/proc/{server.pid}/net/tcp") as f:
        for line in f:
            parts = line.split()
            if len(parts) > 9 and parts[1] == local and parts[2] == remote:
                return parts[9] != "0"  # inode 0: orphaned, the process let go
    return False


def close_code_in(data: bytes):
    """The code of the close frame in a stream of server frames, if one is whole."""
    i = 0
    while i + 2 <= len(data):
        opcode, n = data[i] & 0x0F, data[i + 1] & 0x7F
        i += 2
        if n == 126:
            n, i = struct.unpack("!H", data[i:i + 2])[0], i + 2
        elif n == 127:
            n, i = struct.unpack("!Q", data[i:i + 8])[0], i + 8
        if opcode == 0x8 and i + n <= len(data) and n >= 2:
            return struct.unpack("!H", data[i:i + 2])[0], data[i + 2:i + n].decode(errors="replace")
        i += n
    return None


def drain(sock, limit=64 << 20, seconds=5.0):
    """Everything still in the socket (read only once the server has let go)."""
    sock.settimeout(0.5)
    out, deadline = bytearray(), time.monotonic() + seconds
    while len(out) < limit and time.monotonic() < deadline:
        try:
            chunk = sock.recv(1 << 16)
        except socket.timeout:
            continue
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)


# ---------------------------------------------------------------------------
# The attacks: each returns {measure: text} and, where it is not the whole
# attack, the victim's window (t0, t1)


@dataclass
class Context:
    server: Server
    scale: Scale
    rss: RssSampler
    victim: Victim
    limits: dict = field(default_factory=dict)

    @property
    def port(self):
        return self.server.port


def never_reads_blocking(ctx: Context):
    scale, sock = ctx.scale, raw_ws_open(ctx.port)
    rows = {}
    try:
        sock.sendall(raw_ws_frame(json.dumps({"type": "config", "config": {"hidden_sizes": [1024] * 3}})))
        probe = raw_ws_frame(json.dumps({"type": "probe", "x": [0.1, 0.2]}))
        sent = 0
        sock.settimeout(10)  # a server that stops reading us blocks our sends
        try:
            for sent in range(1, scale.probes + 1):
                sock.sendall(probe)
            sock.sendall(raw_ws_frame(json.dumps({"type": "play"})))
        except OSError as exc:
            rows["sending stopped"] = f"after {sent - 1:,} probes ({type(exc).__name__})"
        rows["probes sent"] = f"{sent:,} of {scale.probes:,}"
        t_last = time.perf_counter()
        closed_at = None
        while time.perf_counter() - t_last < scale.stall_watch:
            if not server_holds(ctx.server, sock):
                closed_at = time.perf_counter() - t_last
                break
            time.sleep(0.25)
        rows["RSS at the end of the watch"] = mb(ctx.rss.now())
        if closed_at is None:
            rows["server closed it"] = f"no (open {scale.stall_watch:g} s after the last message)"
        else:
            code = close_code_in(drain(sock))
            said = f", close {code[0]} '{code[1]}'" if code else ", no close frame read"
            rows["server closed it"] = f"yes, {closed_at:.1f} s after the last message{said}"
    finally:
        sock.close()
    return rows


async def never_reads(ctx: Context):
    return await asyncio.to_thread(never_reads_blocking, ctx), None


async def connect_close(ctx: Context):
    outcomes: dict[str, int] = {}
    for _ in range(ctx.scale.cycles):
        first, ws, _ = await first_message(ctx.port, ATTACK_ADDR)
        key = "hello" if ws is not None else first.split(";")[0].rstrip(")") + ")"
        outcomes[key] = outcomes.get(key, 0) + 1
        if ws is not None:
            await ws.close()
    first, ws, _ = await first_message(ctx.port, VICTIM_ADDR)
    if ws is not None:
        await ws.close()
    rows = {"attacker's cycles": ", ".join(f"{n} {k}" for k, n in outcomes.items()),
            "a new visitor": "gets a session" if ws is not None else first}
    return rows, None


def big_header_blocking(port, total):
    """The status the server answered to a ``total``-byte header (or how far it got)."""
    sock = socket.socket()
    sock.bind((ATTACK_ADDR, 0))
    sock.settimeout(60)
    sent = 0
    try:
        sock.connect((HOST, port))
        sock.sendall(f"GET / HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Big: ".encode())
        chunk = b"a" * (1 << 20)
        try:
            while sent < total:
                sock.sendall(chunk[:total - sent])
                sent += min(len(chunk), total - sent)
            sock.sendall(b"\r\n\r\n")
        except OSError as exc:
            stopped = f"; the server stopped it after {sent / 2**20:.0f} MB ({type(exc).__name__})"
        else:
            stopped = f"; all {total / 2**20:.0f} MB sent"
        try:
            line = sock.recv(256).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as exc:
            line = type(exc).__name__
        return (line or "closed without an answer") + stopped
    finally:
        sock.close()


async def big_header(ctx: Context):
    prober = TinyProber(ctx.port)
    try:
        answer = await asyncio.to_thread(big_header_blocking, ctx.port, ctx.scale.header_bytes)
    finally:
        worst = await asyncio.to_thread(prober.stop)
    return {"the attacker's answer": answer, "tiny GET during it": worst}, None


def largest_network(limits, scale: Scale):
    """The config of the largest network the limits allow (at the scale's grid, if it sets one)."""
    grid = {"grid_resolution": scale.attacker_grid} if scale.attacker_grid else {}
    return {"hidden_sizes": [limits["max_width"]] * limits["max_hidden_layers"], **grid}


async def built_and_detached(port, config, steps, wait):
    """One attacker session: configure, run ``steps`` steps, wait for their frame, detach."""
    first, ws, _ = await first_message(port, ATTACK_ADDR)
    if ws is None:
        return first
    try:
        await ws.send(json.dumps({"type": "config", "config": config}))
        reply = await recv_type(ws, ("config", "error"), wait)
        if reply["type"] == "error":
            return f"refused ({reply.get('field')}: {cut(str(reply.get('message')))})"
        await ws.send(json.dumps({"type": "step", "n": steps}))
        async with asyncio.timeout(wait):
            while (await recv_type(ws, ("frame",), wait))["step"] < steps:
                pass
        return "built"
    except TimeoutError:
        return f"no frame at step {steps} within {wait:g} s"
    finally:
        await ws.close()


async def detached_max(ctx: Context):
    scale, limits = ctx.scale, ctx.limits
    config = {**largest_network(limits, scale), "n_points": scale.detached_points or limits["max_points"]}
    outcomes: dict[str, int] = {}
    said = None
    for _ in range(scale.detached):
        got = await built_and_detached(ctx.port, config, scale.detached_steps, scale.wait)
        kind = got.split(":")[0].rstrip(")") + ")" if got.startswith("refused") else got
        outcomes[kind] = outcomes.get(kind, 0) + 1
        said = said or (got if got.startswith("refused") else None)
    await asyncio.sleep(2.0)
    rows = {"sessions": ", ".join(f"{n} {k}" for k, n in outcomes.items()),
            "RSS 2 s after the last detach": mb(ctx.rss.now())}
    if said:
        rows["the first refusal"] = said
    return rows, None


async def step_n(ctx: Context):
    scale, victim = ctx.scale, ctx.victim
    first, ws, _ = await first_message(ctx.port, ATTACK_ADDR)
    if ws is None:
        return {"attacker": first}, None
    try:
        await ws.send(json.dumps({"type": "config", "config": largest_network(ctx.limits, scale)}))
        reply = await recv_type(ws, ("config", "error"), scale.wait)
        if reply["type"] == "error":
            return {"attacker": f"refused ({reply.get('field')})"}, None
        await recv_type(ws, ("frame",), scale.wait)  # its network is built and drawn: it idles
        a0 = time.perf_counter()
        await asyncio.sleep(scale.window)
        a1 = time.perf_counter()
        await ws.send(json.dumps({"type": "step", "n": 10_000}))
        await asyncio.sleep(scale.window)
        d1 = time.perf_counter()
    finally:
        await ws.close()
    alone, during = victim.window(a0, a1), victim.window(a1, d1)
    rows = {"victim steps/s alone -> during": f"{alone['steps']:,.0f} -> {during['steps']:,.0f}",
            "victim frames/s alone -> during": f"{alone['fps']:.1f} -> {during['fps']:.1f}"}
    return rows, (a1, d1)


def forward_body(rows):
    """A /forward body: a 1 -> 1024 -> 2 ReLU model and ``rows`` inputs in (0, 1), every
    weight and bias of the first layer positive: no hidden unit is 0, so every one of the
    answer's hidden activations is a full-length number (the attacker's largest answer)."""
    import numpy as np

    rng = np.random.default_rng(0)

    def numbers(shape, low=0.0, high=1.0):
        return rng.uniform(low, high, shape).tolist()

    model = {"activation": "relu",
             "layers": [{"W": numbers((1, 1024)), "b": numbers(1024)},
                        {"W": numbers((1024, 2), -0.1, 0.1), "b": [0.0, 0.0]}]}
    return json.dumps({"model": model, "X": numbers((rows, 1))}).encode()


def heavy_post(port, body):
    """(status, response bytes, Retry-After) of one POST /api/v1/forward; the answer is discarded."""
    conn = http.client.HTTPConnection(HOST, port, timeout=600, source_address=(ATTACK_ADDR, 0))
    try:
        conn.request("POST", "/api/v1/forward", body, {"Content-Type": "application/json"})
        res = conn.getresponse()
        size = 0
        while chunk := res.read(1 << 20):
            size += len(chunk)
        return res.status, size, res.getheader("Retry-After")
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__, 0, None
    finally:
        conn.close()


def invalid_body(numbers):
    """A /forward body of about ``numbers`` numbers (a 2 -> 2 linear model and X of two
    columns), whose very last number is a string: the server reads, parses and validates
    all of it, and only then answers 422."""
    rows = (numbers - 6) // 2
    text = json.dumps({"model": {"activation": "linear", "layers": [{"W": [[0.5, -0.5], [0.25, 0.75]],
                                                                      "b": [0.0, 0.0]}]},
                       "X": [[0.123456, -0.654321]] * rows})
    last = "-0.654321]]}"
    assert text.endswith(last)
    return (text[:-len(last)] + '"a"]]}').encode()


async def rest_invalid(ctx: Context):
    n = ctx.scale.invalid_numbers
    return await rest_burst(ctx, invalid_body(n), f"{n:,} numbers")


async def rest_amplification(ctx: Context):
    rows = ctx.scale.rest_rows
    return await rest_burst(ctx, forward_body(rows), f"{rows:,} rows")


async def rest_heavy(ctx: Context):
    rows = ctx.scale.rest_allowed_rows
    return await rest_burst(ctx, forward_body(rows), f"{rows:,} rows")


def size(nbytes):
    return f"{nbytes / 2**20:.1f} MB" if nbytes >= 2**20 else f"{nbytes / 1024:.0f} KB"


async def rest_burst(ctx: Context, body: bytes, what: str):
    """``rest_parallel`` POST /api/v1/forward of ``body`` at once (``what`` it holds)."""
    scale = ctx.scale
    prober = TinyProber(ctx.port)
    t0 = time.perf_counter()
    try:
        answers = await asyncio.gather(*(asyncio.to_thread(heavy_post, ctx.port, body)
                                         for _ in range(scale.rest_parallel)))
    finally:
        worst = await asyncio.to_thread(prober.stop)
    t1 = time.perf_counter()
    await asyncio.sleep(scale.rest_after)
    statuses: dict[str, int] = {}
    for status, _, retry in answers:
        key = f"{status}" + (f" (Retry-After {retry})" if retry else "")
        statuses[key] = statuses.get(key, 0) + 1
    biggest = max((nbytes for _, nbytes, _ in answers), default=0)
    rows = {"requests": f"{scale.rest_parallel} x {size(len(body))}, {what}",
            "statuses": ", ".join(f"{n} x {k}" for k, n in statuses.items()),
            "largest answer": mb(biggest),
            "tiny GET during it": worst,
            "RSS peak of the burst": mb(ctx.rss.peak(t0, t1)),
            f"RSS {scale.rest_after:g} s after": mb(ctx.rss.now())}
    return rows, None


def raise_nofile(wanted):
    """Raise this process's open-file limit towards ``wanted``; the soft limit reached."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        nr_open = int(Path("/proc/sys/fs/nr_open").read_text())
    except OSError:
        nr_open = hard
    wanted = max(soft, wanted)
    for new_hard in (max(hard, min(wanted, nr_open)), hard):
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, new_hard), new_hard))
            break
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def half_open_many(port, count):
    """Up to ``count`` half-sent requests; (the sockets, why opening stopped early, or None)."""
    socks, failures, why = [], 0, None
    partial = f"GET / HTTP/1.1\r\nHost: {HOST}:{port}\r\nX-Slow: ".encode()
    while len(socks) < count:
        sock = socket.socket()
        try:
            sock.bind((ATTACK_ADDR, 0))
            sock.settimeout(1.0)
            sock.connect((HOST, port))
            sock.sendall(partial)
            socks.append(sock)
            failures, why = 0, None
        except OSError as exc:
            sock.close()
            failures += 1
            why = f"stopped: {type(exc).__name__} ({exc.strerror or exc})"
            if failures >= 3 or exc.errno == 24:  # EMFILE: this client is at its own limit
                break
    return socks, why


def closed_by_server(socks):
    """How many of ``socks`` the server has closed or reset (poll, nothing read)."""
    poller = select.poll()
    for s in socks:
        poller.register(s, select.POLLRDHUP | select.POLLHUP | select.POLLERR | select.POLLIN)
    return len(poller.poll(0))


def slowloris_blocking(port, count):
    limit = raise_nofile(count + 512)
    reachable = min(count, limit - 256)  # the rest of the client's files: the victim, the probes
    socks, why = half_open_many(port, reachable)
    if why is None:
        why = "all opened" if reachable == count else f"capped by this client's RLIMIT_NOFILE {limit:,}"
    try:
        status, seconds = tiny_get(port, timeout=15)
        return {"half-sent requests open": f"{len(socks):,} of {count:,} ({why})",
                "a new request": f"{status} in {seconds:.2f} s",
                "of them answered or closed by the server": f"{closed_by_server(socks):,}"}
    finally:
        for s in socks:
            s.close()
        restore_nofile()


async def slowloris(ctx: Context):
    return await asyncio.to_thread(slowloris_blocking, ctx.port, ctx.scale.half_open), None


async def cross_origin(ctx: Context):
    first, ws, _ = await first_message(ctx.port, ATTACK_ADDR, origin=EVIL_ORIGIN)
    if ws is not None:
        await ws.close()
    return {f"Origin: {EVIL_ORIGIN}": "accepted (hello)" if ws is not None else first}, None


async def no_attack(ctx: Context):
    return {}, None


ATTACKS = {
    "baseline": (no_attack, "no attack: the victim alone"),
    "never-reads": (never_reads, "a WebSocket that never reads sends probes on 3 x 1,024 units, then play"),
    "connect-close": (connect_close, "WebSocket connect-and-close cycles, then a new visitor"),
    "big-header": (big_header, "one request with a huge header, sent in 1 MB chunks"),
    "detached-max": (detached_max, "maximum-size sessions run a few steps and detach"),
    "step-n": (step_n, "`step 10000` on the largest network"),
    "rest-amplification": (rest_amplification, "parallel /forward 1 -> 1024 -> 2 on many rows"),
    "rest-heavy": (rest_heavy, "parallel /forward 1 -> 1024 -> 2, answers just under the answer cap"),
    "rest-invalid": (rest_invalid, "parallel /forward at the number limit, refused at the last number"),
    "slowloris": (slowloris, "half-sent requests held open"),
    "cross-origin": (cross_origin, f"a WebSocket from Origin {EVIL_ORIGIN}"),
}


def scale_note(name, s: Scale):
    return {"never-reads": f"{s.probes:,} probes, watched {s.stall_watch:g} s",
            "connect-close": f"{s.cycles} cycles" + (f", {s.cycles_env}" if s.cycles_env else ""),
            "big-header": f"{s.header_bytes / 2**20:.0f} MB",
            "detached-max": f"{s.detached} sessions, {s.detached_points or 'max'} points, "
                            f"{s.detached_steps} steps" + (f", grid {s.attacker_grid}" if s.attacker_grid else ""),
            "step-n": f"grid {s.attacker_grid}" if s.attacker_grid else "",
            "rest-amplification": f"{s.rest_parallel} in parallel, {s.rest_rows:,} rows",
            "rest-heavy": f"{s.rest_parallel} in parallel, {s.rest_allowed_rows:,} rows",
            "rest-invalid": f"{s.rest_parallel} in parallel, {s.invalid_numbers:,} numbers",
            "slowloris": f"{s.half_open:,} requests"}.get(name, "")


# ---------------------------------------------------------------------------
# Running one attack against one server


def mb(nbytes):
    return f"{nbytes / 2**20:,.0f} MB"


async def run_on(server: Server, name, scale: Scale):
    """The attack ``name`` beside a victim on ``server``: {measure: text}."""
    attack = ATTACKS[name][0]
    rss = RssSampler(server)
    victim = Victim(server.port)
    try:
        await victim.start(scale.warm)
        ctx = Context(server, scale, rss, victim, limits=victim.hello["limits"])
        t0 = time.perf_counter()
        rows, window = await attack(ctx)
        if time.perf_counter() - t0 < scale.window:
            await asyncio.sleep(scale.window - (time.perf_counter() - t0))
        t1 = time.perf_counter()
        w = victim.window(*(window or (t0, t1)))
        out = {"victim frames/s": f"{w['fps']:.1f}", "worst frame gap": f"{w['gap']:.2f} s",
               "victim steps/s": f"{w['steps']:,.0f}",
               "peak RSS (server + children)": mb(rss.peak(t0, t1)),
               "VmHWM of the server process": mb(rss.hwm())}
        out.update(rows)
        out["_fps"], out["_gap"], out["_rss"] = w["fps"], w["gap"], rss.peak(t0, t1)
        return out
    finally:
        await victim.stop()
        rss.stop()


def measure(trees, name, scale: Scale):
    """{side: rows} for the attack ``name``, each side on a fresh server."""
    env = scale.cycles_env if name == "connect-close" else {}
    servers = {side: Server(tree, env) for side, tree in trees.items()}
    results = {}
    try:
        for server in servers.values():
            server.wait_ready()
        for side, server in servers.items():
            try:
                results[side] = asyncio.run(run_on(server, name, scale))
            except Exception as exc:  # one failing attack does not end the run
                results[side] = {"failed": f"{type(exc).__name__}: {str(exc)[:100]}"}
            finally:
                server.stop()
    finally:
        for server in servers.values():
            if server.proc.returncode is None:
                server.stop()
    return results


# ---------------------------------------------------------------------------
# Report


def memory_budget():
    """(bytes, what it is) of the sessions' worst case that app/budget.py computes for the
    working tree's Settings, or (None, why not)."""
    try:
        from app.budget import worst_case
    except ImportError:
        return None, "n/a (no app.budget.worst_case)"
    from app.config import get_settings

    return (worst_case(get_settings())["sessions_worst"],
            "app.budget.worst_case()['sessions_worst']: the sessions' arrays, not the process's own")


def targets(budget):
    return {"victim frames/s": f">= {TARGET_FPS:g}", "worst frame gap": f"<= {TARGET_GAP:g} s",
            "peak RSS (server + children)": f"< {mb(budget)}" if budget else "n/a"}


def verdicts(rows, budget):
    """rows with meets/MISSES after the figures that have a target."""
    if "_fps" not in rows:
        return rows
    out = dict(rows)
    checks = {"victim frames/s": rows["_fps"] >= TARGET_FPS, "worst frame gap": rows["_gap"] <= TARGET_GAP}
    if budget:
        checks["peak RSS (server + children)"] = rows["_rss"] < budget
    for key, ok in checks.items():
        out[key] = f"{rows[key]}  {'meets' if ok else 'MISSES'}"
    return out


def table_rows(results, budget):
    """[(measure, before, after, target)] of one attack."""
    sides = {side: verdicts(rows, budget) for side, rows in results.items()}
    measures = []
    for rows in sides.values():
        measures += [m for m in rows if not m.startswith("_") and m not in measures]
    goal = targets(budget)
    return [(m, *(sides.get(side, {}).get(m, "") for side in ("before", "after")), goal.get(m, ""))
            for m in measures]


def print_table(name, results, scale, labels, budget):
    what = ATTACKS[name][1]
    note = scale_note(name, scale)
    print(f"\n[{name}]  {what}" + (f" ({note})" if note else ""))
    rows = [("measure", labels["before"], labels["after"], "target"), *table_rows(results, budget)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    sys.stdout.flush()


def print_markdown(all_results, labels, budget):
    print(f"\n| attack | measure | {labels['before']} | {labels['after']} | target |")
    print("|---|---|---|---|---|")
    for name, results in all_results.items():
        for i, (m, before, after, goal) in enumerate(table_rows(results, budget)):
            cells = [name if i == 0 else "", m, before, after, goal]
            print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")


def git(*args, cwd=ROOT):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True).stdout.strip()


def machine():
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        cpu = platform.processor() or "unknown CPU"
    mem = status_like("/proc/meminfo", "MemTotal") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GB, {platform.platform()}"


def status_like(path, key):
    with open(path) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    return 0


def app_imported_in(tree):
    """The app package that `python -m app` imports when run in ``tree`` (this .venv)."""
    return subprocess.run([sys.executable, "-c", "import app; print(app.__file__)"], cwd=tree,
                          capture_output=True, text=True).stdout.strip()


def load():
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def header(args, scale, labels, budget):
    import numpy as np

    print(f"nn-playground hostile clients  {datetime.datetime.now():%Y-%m-%d %H:%M}  "
          f"({scale.name} scale)")
    print(f"  {machine()}; python {platform.python_version()}, numpy {np.__version__}")
    print(f"  load average {load()} at start; the client shares the cores with the servers")
    print(f"  before: {args.before} ({git('log', '-1', '--format=%h %ad', '--date=short', args.before)}); "
          f"after: the working tree at {git('rev-parse', '--short', 'HEAD')}"
          + (" + uncommitted changes in app/" if git("status", "--porcelain", "--", "app") else ""))
    print(f"  servers: python -m app --host {HOST} --port P, open-file limit {NOFILE_AT_START[0]:,}; "
          f"victim from {VICTIM_ADDR}, attackers from {ATTACK_ADDR}")
    print(f"  peak RSS: the sum of VmRSS of the server and its children, sampled every "
          f"{RSS_EVERY * 1e3:.0f} ms; memory budget: "
          + (f"{mb(budget[0])} ({budget[1]})" if budget[0] else budget[1]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="each attack scaled down ~10-20x")
    parser.add_argument("--only", help="attacks to run, comma-separated: " + ", ".join(ATTACKS))
    parser.add_argument("--before", default=BEFORE_REF, help=f"git ref of the 'before' server ({BEFORE_REF})")
    parser.add_argument("--markdown", action="store_true", help="also print one markdown table of all")
    args = parser.parse_args(argv)
    names = list(ATTACKS) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in ATTACKS]
    if unknown:
        parser.error(f"unknown attack {', '.join(unknown)}: choose from {', '.join(ATTACKS)}")
    scale = QUICK if args.quick else FULL
    labels = {"before": f"before ({args.before})", "after": "after (working tree)"}
    budget = memory_budget()
    header(args, scale, labels, budget)
    results = {}
    with checkout(args.before) as before_tree:
        trees = {"before": before_tree, "after": ROOT}
        for side, tree in trees.items():
            print(f"  {side}: python -m app in {tree} imports {app_imported_in(tree)}")
        for name in names:
            start = time.perf_counter()
            results[name] = measure(trees, name, scale)
            print_table(name, results[name], scale, labels, budget[0])
            print(f"  ({time.perf_counter() - start:.0f} s for both servers, start to stop)")
    if args.markdown:
        print_markdown(results, labels, budget[0])
    print(f"\nload average {load()} at the end. Figures, not tests: nothing here passes or fails.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
