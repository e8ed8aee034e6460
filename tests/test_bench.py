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
