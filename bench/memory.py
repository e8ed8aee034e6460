"""glibc's default malloc against keep_freed_memory(), side by side.

Run:  .venv/bin/python bench/memory.py [--quick] [--rounds N]

Each round starts two fresh child processes, one with glibc's defaults and one
that calls app.runtime.keep_freed_memory() first (as the server and its frame
worker do), in A B / B A order. Each child, with one BLAS thread, times one
training step of the default session (spiral, 300 points, 100 ReLU units, full
batch) and one frame (TrainingSession.frame_text(): the snapshot, render_parts()
as the frame worker draws it, and the frame's text), and counts the page
faults (minor faults, from getrusage) per step and per frame. Prints the
medians over rounds and the ratios. Timings are figures, never pass/fail.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, sys.argv[1])
if sys.argv[2] == "tuned":
    from app.runtime import keep_freed_memory
    assert keep_freed_memory()
from threadpoolctl import threadpool_limits
from app.training import TrainingSession

def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt

def measure(fn, n):
    fn()
    f0, t0 = faults(), time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e3, (faults() - f0) / n

with threadpool_limits(1):
    s = TrainingSession()
    s.train(200)
    step = measure(lambda: s.train(1), int(sys.argv[3]))
    s.running = True
    frame = measure(s.frame_text, int(sys.argv[3]) // 4)
print(json.dumps({"step": step, "frame": frame}))
"""


def run(variant, n):
    out = subprocess.run([sys.executable, "-c", CHILD, str(ROOT), variant, str(n)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--steps", type=int, default=800, help="steps timed per child (frames: a quarter)")
    parser.add_argument("--quick", action="store_true", help="2 rounds of 200 steps")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.steps = 2, 200
    results = {"default": [], "tuned": []}
    for r in range(args.rounds):
        order = ("default", "tuned") if r % 2 == 0 else ("tuned", "default")
        for variant in order:
            results[variant].append(run(variant, args.steps))

    def med(variant, what, k):
        return statistics.median(x[what][k] for x in results[variant])

    print(f"glibc malloc, default vs keep_freed_memory(): medians of {args.rounds} rounds, "
          f"fresh processes in alternating order")
    print(f"{'':28s}{'default':>12s}{'tuned':>12s}{'tuned/default':>15s}")
    for what in ("step", "frame"):
        d, t = med("default", what, 0), med("tuned", what, 0)
        print(f"{what + ' (ms)':28s}{d:12.3f}{t:12.3f}{t / d:15.2f}")
        d, t = med("default", what, 1), med("tuned", what, 1)
        print(f"{what + ' page faults':28s}{d:12.1f}{t:12.1f}")


if __name__ == "__main__":
    main()
