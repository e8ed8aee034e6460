"""Engine benchmark: one full training step, engine vs a textbook NumPy loop.

A step is forward, softmax loss, backward, L2 (λΣW², gradient 2λW) and an SGD
update of a two-layer ReLU net. Two cases:

  spiral  N=300,  D=2,    H=100, C=3   (the CS231n case study)
  cifar   N=5000, D=3072, H=100, C=10  (CIFAR-10-sized, random data)

The process runs with the server's malloc setting (app.runtime.keep_freed_memory()).
Every comparison is interleaved in one run (A, B, B, A, A, B, ...) and reported
as medians and a ratio, never as a pass/fail on time. The machine is shared and
noisy; read the ratios, not the absolute milliseconds.

    python bench/engine.py            # full run (a few minutes)
    python bench/engine.py --quick    # a short run (about a minute)
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.datasets import make_dataset  # noqa: E402
from app.runtime import keep_freed_memory  # noqa: E402
from app.nn import Network  # noqa: E402
from app.nn.optim import SGD  # noqa: E402

REG = 5e-4


# --- data ----------------------------------------------------------------------------

def spiral(n_per_class=100, classes=3, seed=0):
    """The CS231n spiral (from default_rng(seed)): the app's own, with no test split."""
    ds = make_dataset("spiral", n=n_per_class * classes, classes=classes, noise=0.2, seed=seed,
                      test_fraction=0)
    return ds.X, ds.y


def random_data(n, d, c, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)), rng.integers(0, c, n)


CASES = {
    # name: (make data, sizes, learning rate that keeps the repeated steps finite)
    "spiral": (lambda: spiral(), [2, 100, 3], 1.0),
    "cifar": (lambda: random_data(5000, 3072, 10), [3072, 100, 10], 1e-4),
}


# --- the contestants -----------------------------------------------------------------

class EngineStep:
    """What a training session does per step: Network.loss + SGD.step."""

    def __init__(self, net, X, y, lr):
        self.net, self.X, self.y, self.lr = net, X, y, lr
        self.opt = SGD()

    def __call__(self):
        res = self.net.loss(self.X, self.y, loss="softmax", reg=REG)
        self.opt.step(self.net.params, [g for pair in res.grads for g in pair], self.lr)
        return res.total


class TextbookStep:
    """The CS231n two-layer net, written out with plain NumPy (same math as the engine:
    max-shifted softmax, reg_loss = λΣW², dW += 2λW)."""

    def __init__(self, net, X, y, lr):
        (W, b), (W2, b2) = net.copy().layers
        self.W, self.b, self.W2, self.b2 = W, b, W2, b2
        self.X, self.y, self.lr = X.astype(W.dtype), y, lr

    def __call__(self):
        X, y, W, b, W2, b2 = self.X, self.y, self.W, self.b, self.W2, self.b2
        num_examples = X.shape[0]
        hidden_layer = np.maximum(0, np.dot(X, W) + b)
        scores = np.dot(hidden_layer, W2) + b2
        exp_scores = np.exp(scores - np.max(scores, axis=1, keepdims=True))
        probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
        correct_logprobs = -np.log(probs[range(num_examples), y])
        data_loss = np.sum(correct_logprobs) / num_examples
        reg_loss = REG * np.sum(W * W) + REG * np.sum(W2 * W2)
        loss = data_loss + reg_loss
        dscores = probs
        dscores[range(num_examples), y] -= 1
        dscores /= num_examples
        dW2 = np.dot(hidden_layer.T, dscores)
        db2 = np.sum(dscores, axis=0)
        dhidden = np.dot(dscores, W2.T)
        dhidden[hidden_layer <= 0] = 0
        dW = np.dot(X.T, dhidden)
        db = np.sum(dhidden, axis=0)
        dW2 += 2 * REG * W2
        dW += 2 * REG * W
        W += -self.lr * dW
        b += -self.lr * db
        W2 += -self.lr * dW2
        b2 += -self.lr * db2
        return loss


class TorchStep:
    """The same step in PyTorch on the CPU: autograd, cross-entropy, λΣW², SGD."""

    def __init__(self, net, X, y, lr, torch, dtype):
        self.torch = torch
        tdt = {np.float64: torch.float64, np.float32: torch.float32}[dtype]
        (W, b), (W2, b2) = net.layers
        self.params = [torch.tensor(np.array(p, dtype=dtype), dtype=tdt, requires_grad=True)
                       for p in (W, b, W2, b2)]
        self.X = torch.tensor(np.asarray(X, dtype=dtype), dtype=tdt)
        self.y = torch.tensor(y, dtype=torch.long)
        self.lr = lr

    def __call__(self):
        torch = self.torch
        W, b, W2, b2 = self.params
        scores = torch.relu(self.X @ W + b) @ W2 + b2
        loss = torch.nn.functional.cross_entropy(scores, self.y) + REG * ((W * W).sum() + (W2 * W2).sum())
        loss.backward()
        with torch.no_grad():
            for p in self.params:
                p -= self.lr * p.grad
                p.grad = None
        return float(loss.detach())


# --- timing --------------------------------------------------------------------------

def interleaved(contestants, reps, warmup=2):
    """Median seconds per call of each contestant, run alternately in one loop.

    ``contestants`` maps a label to (callable, context factory or None). The order
    is reversed every other round so that neither side always runs first.
    """
    labels = list(contestants)
    times = {k: [] for k in labels}
    gc_was = gc.isenabled()
    gc.disable()
    try:
        for r in range(warmup + reps):
            order = labels if r % 2 == 0 else labels[::-1]
            for k in order:
                fn, ctx = contestants[k]
                if ctx is None:
                    t0 = time.perf_counter()
                    fn()
                    dt = time.perf_counter() - t0
                else:
                    with ctx():
                        t0 = time.perf_counter()
                        fn()
                        dt = time.perf_counter() - t0
                if r >= warmup:
                    times[k].append(dt)
    finally:
        if gc_was:
            gc.enable()
    return {k: statistics.median(v) for k, v in times.items()}


def fmt_ms(s):
    return f"{s * 1e3:9.3f}"


def one_thread():
    return threadpool_limits(limits=1)


def check_same_math(case):
    """Before timing: the engine and the textbook loop agree on the loss and the update."""
    make, sizes, lr = CASES[case]
    X, y = make()
    net = Network.create(sizes, init="small", seed=0)
    eng, txt = EngineStep(net.copy(), X, y, lr), TextbookStep(net, X, y, lr)
    for _ in range(3):
        le, lt = eng(), txt()
        assert abs(le - lt) <= 1e-9 * max(1.0, abs(lt)), (case, le, lt)
    assert np.allclose(eng.net.layers[0][0], txt.W, rtol=1e-9, atol=1e-12)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repetitions: a smoke run")
    args = ap.parse_args(argv)
    reps = {"spiral": 60 if args.quick else 1000, "cifar": 4 if args.quick else 40}
    warmup = 1 if args.quick else 2
    # The server's malloc setting: with glibc's defaults a spiral step of the
    # engine takes ~130 page faults (its arrays of over 128 KB are mmapped
    # afresh), which would swamp the comparison (bench/memory.py measures it).
    tuned = keep_freed_memory()

    try:
        import torch
    except ImportError:
        torch = None

    blas = [f"{i.get('internal_api')} {i.get('version')} ({i.get('num_threads')} threads)"
            for i in threadpool_info() if i.get("user_api") == "blas"]
    print(f"nn-playground engine benchmark  {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS: {', '.join(blas) or '?'}, "
          f"cores: {os.cpu_count()}, torch: {torch.__version__ if torch else 'not installed'}")
    print(f"repetitions (interleaved, median reported): {reps}{'  [--quick]' if args.quick else ''}")
    print("malloc: " + ("app.runtime.keep_freed_memory(), as in the server" if tuned
                        else "the platform's defaults (no glibc)"))
    print()

    rows = []   # (case, comparison, label A, ms A, label B, ms B, ratio A/B)
    for case, (make, sizes, lr) in CASES.items():
        check_same_math(case)
        X, y = make()
        net64 = Network.create(sizes, init="small", seed=0)
        net32 = Network.create(sizes, init="small", seed=0, dtype=np.float32)
        X32 = X.astype(np.float32)
        n = reps[case]

        # (a) engine vs (b) textbook loop, default threads
        eng, txt = EngineStep(net64.copy(), X, y, lr), TextbookStep(net64, X, y, lr)
        m = interleaved({"engine": (eng, None), "textbook": (txt, None)}, n, warmup)
        rows.append((case, "engine / textbook", "engine", m["engine"], "textbook", m["textbook"]))

        # BLAS threads: 1 vs default, for both implementations
        eng1, txt1 = EngineStep(net64.copy(), X, y, lr), TextbookStep(net64, X, y, lr)
        m = interleaved({"engine 1 thread": (eng1, one_thread), "engine default": (eng, None),
                         "textbook 1 thread": (txt1, one_thread), "textbook default": (txt, None)}, n, warmup)
        rows.append((case, "1 thread / default", "engine 1 thr", m["engine 1 thread"],
                     "engine default", m["engine default"]))
        rows.append((case, "1 thread / default", "textbook 1 thr", m["textbook 1 thread"],
                     "textbook default", m["textbook default"]))

        # float32 vs float64, engine
        e32 = EngineStep(net32.copy(), X32, y, lr)
        m = interleaved({"float32": (e32, None), "float64": (eng, None)}, n, warmup)
        rows.append((case, "float32 / float64", "engine f32", m["float32"], "engine f64", m["float64"]))

        # PyTorch on the CPU, if present
        if torch is not None:
            t64 = TorchStep(net64, X, y, lr, torch, np.float64)
            t32 = TorchStep(net64, X, y, lr, torch, np.float32)
            m = interleaved({"torch f64": (t64, None), "engine f64": (eng, None),
                             "torch f32": (t32, None), "engine f32": (e32, None)}, n, warmup)
            rows.append((case, "torch / engine", "torch f64", m["torch f64"], "engine f64", m["engine f64"]))
            rows.append((case, "torch / engine", "torch f32", m["torch f32"], "engine f32", m["engine f32"]))

    print(f"{'case':<7} {'comparison':<20} {'A':<15} {'A ms':>9}   {'B':<16} {'B ms':>9}   {'A/B':>6}")
    print("-" * 92)
    for case, comp, la, ta, lb, tb in rows:
        print(f"{case:<7} {comp:<20} {la:<15} {fmt_ms(ta)}   {lb:<16} {fmt_ms(tb)}   {ta / tb:6.2f}")
    print()
    for case, comp, la, ta, lb, tb in rows:
        if comp == "engine / textbook":
            verdict = "within" if ta / tb <= 1.1 else "OVER"
            print(f"{case}: engine/textbook = {ta / tb:.2f} ({verdict} the 1.10 target)")
    if torch is None:
        print("PyTorch is not installed: no torch comparison (it is not a dependency).")


if __name__ == "__main__":
    main()
