"""bench/stream.py in its smoke mode prints its tables (figures are never checked)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SMOKE = ["--quick", "--sessions", "2", "--viewers", "2", "--seconds", "1", "--reps", "5",
         "--no-thread-comparison", "--no-huge", "--no-images"]


def test_the_stream_bench_prints_its_tables():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "stream.py"), *SMOKE], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    for heading in ("[boundary and frame, in process]", "[one session over a WebSocket]",
                    "[1 driver playing the default network + 2 viewers (watch=1), encoding=json]",
                    "[1 driver playing the default network + 2 viewers (watch=1), encoding=compact]",
                    "[2 sessions playing at once]", "[bytes per frame]"):
        assert heading in text, text
    for label in ("render_parts() during play (frame worker)", "frames/s per viewer  min / median",
                  "the driver's frames/s", "frames drawn per second (frame pool)",
                  "bytes/s on the wire (all connections)", "event-loop lag p99 (server-side watcher)",
                  "frames/s per session  min / median / max"):
        assert label in text, text
    assert re.search(r"first frame of a new session \(with its points\)\s+[\d,]+ B", text), text
    assert "nothing here passes or fails on time" in text


HOSTILE_ATTACKS = ("baseline", "never-reads", "connect-close", "big-header", "detached-max", "step-n",
                   "rest-amplification", "rest-heavy", "rest-invalid", "slowloris", "cross-origin")


def test_the_hostile_bench_prints_a_row_per_attack_before_and_after():
    """bench/hostile.py --quick: every attack against the old commit and the working tree, each
    with the victim's frames/s, worst gap and the server's peak RSS as numbers on both sides."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "hostile.py"), "--quick", "--markdown"],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    text = out.stdout
    blocks = {b.split("]", 1)[0]: b for b in text.split("\n[")[1:]}
    assert set(blocks) == set(HOSTILE_ATTACKS), text
    for name, block in blocks.items():
        assert "failed" not in block, block
        assert re.search(r"victim frames/s +[\d.]+ +\w+ +[\d.]+ +\w+ +>= 20", block), block
        assert re.search(r"worst frame gap +[\d.]+ s +\w+ +[\d.]+ s +\w+ +<= 0.5 s", block), block
        assert re.search(r"peak RSS \(server \+ children\) +[\d,]+ MB.* +[\d,]+ MB", block), block
        assert re.search(rf"^\| {re.escape(name)} \| victim frames/s \| [\d.]+ ", text, re.M), name
    assert "nothing here passes or fails" in text
