"""Optimizers and the batch sampler.

An optimizer updates parameter arrays in place from their gradients; the
learning rate is passed at every step so that it can change live.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


class SGD:
    """θ ← θ − lr·g"""

    def step(self, params, grads, lr):
        for p, g in zip(params, grads):
            p -= lr * g


class Momentum:
    """v ← μv − lr·g; θ ← θ + v (μ = 0.9)."""

    def __init__(self, mu=0.9):
        self.mu = mu
        self.velocity = None

    def step(self, params, grads, lr):
        if self.velocity is None:
            self.velocity = [np.zeros_like(p) for p in params]
        for p, g, v in zip(params, grads, self.velocity):
            v *= self.mu
            v -= lr * g
            p += v


class Adam:
    """Adam with bias correction: β1 = 0.9, β2 = 0.999, ε = 1e-8."""

    def __init__(self, beta1=0.9, beta2=0.999, eps=1e-8):
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = self.v = None
        self.t = 0

    def step(self, params, grads, lr):
        if self.m is None:
            self.m = [np.zeros_like(p) for p in params]
            self.v = [np.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        # θ −= lr·m̂/(√v̂ + ε) with m̂ = m/(1−β1ᵗ), v̂ = v/(1−β2ᵗ) (Algorithm 1 of the
        # paper). Folding the corrections into the step size instead would turn ε
        # into ε/√(1−β2ᵗ) (≈ 3e-7 at t = 1), which visibly slows tiny gradients.
        c1, c2 = 1 - b1 ** self.t, float(np.sqrt(1 - b2 ** self.t))
        for p, g, m, v in zip(params, grads, self.m, self.v):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            p -= (lr / c1) * m / (np.sqrt(v) / c2 + self.eps)


@dataclass(frozen=True)
class OptimizerEntry:
    """One entry of the optimizer registry: ``make()`` returns a fresh optimizer."""

    make: Callable
    label: str
    label_zh: str


# The optimizer registry: schemas, the catalog and the page's select read it.
OPTIMIZERS: dict[str, OptimizerEntry] = {
    "sgd": OptimizerEntry(SGD, "SGD", "SGD"),
    "momentum": OptimizerEntry(Momentum, "Momentum (μ = 0.9)", "动量（μ = 0.9）"),
    "adam": OptimizerEntry(Adam, "Adam", "Adam"),
}


def make_optimizer(name):
    try:
        return OPTIMIZERS[name].make()
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {tuple(OPTIMIZERS)}") from None


class BatchSampler:
    """Which examples each step uses.

    ``batch_size`` 0 (or ≥ n) is full batch: every step is one epoch. Otherwise
    the examples are shuffled at the start of each epoch and taken in slices of
    ``batch_size`` (the last slice of an epoch may be shorter); 1 is plain SGD.
    ``batch_size`` may change between steps: the epoch simply goes on.
    """

    def __init__(self, n, batch_size=0, rng=None):
        self.n = n
        self.batch_size = batch_size
        self.rng = rng if rng is not None else np.random.default_rng(0)
        self.order = None
        self.position = 0

    @property
    def full_batch(self):
        return self.batch_size <= 0 or self.batch_size >= self.n

    def next(self):
        """(indices or None for all examples, whether this step ends an epoch)."""
        if self.full_batch:
            self.order, self.position = None, 0
            return None, True
        if self.order is None:
            self.order = self.rng.permutation(self.n)
            self.position = 0
        start = self.position
        self.position = min(start + self.batch_size, self.n)
        batch = self.order[start:self.position]
        if self.position >= self.n:
            self.order = None
            return batch, True
        return batch, False
