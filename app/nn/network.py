"""A fully connected classifier: affine layers with one activation between them.

Shapes follow the contract: X (N, D); layer l has W (in, out), b (out,);
scores (N, C). Hidden layer l computes h_l = act(h_{l-1} @ W_l + b_l); the last
layer has no activation.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .layers import (
    ACTIVATIONS,
    activation_backward,
    activation_forward,
    affine_backward,
    affine_forward,
)
from .losses import loss_terms
from .regularizers import regularizer

MAX_HIDDEN_LAYERS = 6   # the page's limit (TF Playground's); REST v1 allows 5 (Settings)


@dataclass(frozen=True)
class Init:
    """One entry of the weight-init registry: ``scale(fan_in)`` is the standard
    deviation of the normal draws of a layer's W."""

    scale: Callable
    label: str
    label_zh: str


# The init registry: schemas, the catalog and the page's select read it.
INITS: dict[str, Init] = {
    "small": Init(lambda fan_in: 0.01, "Small (0.01·N)", "小随机数（0.01·N）"),
    "xavier": Init(lambda fan_in: np.sqrt(1.0 / fan_in), "Xavier (1/fan-in)", "Xavier（1/fan-in）"),
    "he": Init(lambda fan_in: np.sqrt(2.0 / fan_in), "He (2/fan-in)", "He（2/fan-in）"),
}


def init_scale(init, fan_in):
    """Standard deviation of the initial weights: 0.01, √(1/fan_in) or √(2/fan_in)."""
    try:
        return INITS[init].scale(fan_in)
    except KeyError:
        raise ValueError(f"unknown init {init!r}; expected one of {tuple(INITS)}") from None


@dataclass
class LossResult:
    """Everything one forward + backward pass produced.

    ``grads`` holds (dW, db) per layer and already includes 2λW.
    """
    scores: np.ndarray          # (N, C)
    hidden: list                # each (N, H_l), after the activation
    per_example: np.ndarray     # (N,) data-loss terms Lᵢ, no regularization
    data_loss: float
    reg_loss: float
    grads: list                 # [(dW, db), ...]
    dX: np.ndarray | None       # (N, D) when asked for

    @property
    def total(self):
        return self.data_loss + self.reg_loss


def parameter_count(sizes):
    """How many numbers a network of ``sizes`` = [D, H_1, ..., C] learns, with the sum written out.

    {"total": 308310, "arithmetic": "3072·100 + 100 + 100·10 + 10 = 308,310"} for
    [3072, 100, 10]: each layer has fan_in·fan_out weights and fan_out biases.
    """
    terms = [f"{a}·{b} + {b}" for a, b in zip(sizes[:-1], sizes[1:])]
    total = sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))
    return {"total": total, "arithmetic": " + ".join(terms) + f" = {total:,}"}


class Network:
    """Parameters and the forward/backward passes of an MLP classifier."""

    def __init__(self, layers, activation="relu"):
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; expected one of {tuple(ACTIVATIONS)}")
        if not 1 <= len(layers) <= MAX_HIDDEN_LAYERS + 1:
            raise ValueError(f"a network has 1 to {MAX_HIDDEN_LAYERS + 1} layers, not {len(layers)}")
        self.layers = [(np.asarray(w), np.asarray(b)) for w, b in layers]
        self.activation = activation

    @classmethod
    def create(cls, sizes, activation="relu", init="small", seed=0, dtype=np.float64):
        """Random weights for ``sizes`` = [D, H_1, ..., C]; biases 0.

        Draws come from ``np.random.default_rng(seed)`` layer by layer, in
        float64, so a seed gives the same network in float32 and float64.
        """
        rng = np.random.default_rng(seed)
        layers = []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            w = init_scale(init, fan_in) * rng.standard_normal((fan_in, fan_out))
            layers.append((w.astype(dtype), np.zeros(fan_out, dtype=dtype)))
        return cls(layers, activation)

    @property
    def dtype(self):
        return self.layers[0][0].dtype

    @property
    def sizes(self):
        return [self.layers[0][0].shape[0]] + [w.shape[1] for w, _ in self.layers]

    @property
    def params(self):
        """The parameter arrays in a flat list [W0, b0, W1, b1, ...] (live views)."""
        return [p for layer in self.layers for p in layer]

    @property
    def weights(self):
        return [w for w, _ in self.layers]

    def copy(self):
        return Network([(w.copy(), b.copy()) for w, b in self.layers], self.activation)

    def forward(self, X):
        """scores (N, C) and the cache: one (affine_cache, act_cache) per layer."""
        h = np.asarray(X, dtype=self.dtype)
        caches = []
        last = len(self.layers) - 1
        for l, (w, b) in enumerate(self.layers):
            z, affine_cache = affine_forward(h, w, b)
            if l == last:
                caches.append((affine_cache, None))
                return z, caches
            h, act_cache = activation_forward(self.activation, z)
            caches.append((affine_cache, act_cache))

    @staticmethod
    def hidden(cache):
        """The hidden layers' outputs (after the activation): the inputs of layers 1..L."""
        return [affine_cache[0] for affine_cache, _ in cache[1:]]

    def backward(self, dscores, cache, need_dx=False):
        """Back-propagate dscores (N, C): ([(dW, db), ...], dX or None)."""
        grads = [None] * len(self.layers)
        dout = dscores
        last = len(self.layers) - 1
        for l in range(last, -1, -1):
            affine_cache, act_cache = cache[l]
            if l < last:
                dout = activation_backward(self.activation, dout, act_cache)
            dout, dw, db = affine_backward(dout, affine_cache, need_dx=need_dx or l > 0)
            grads[l] = (dw, db)
        return grads, dout

    def scores(self, X):
        return self.forward(X)[0]

    def predict(self, X):
        return self.scores(X).argmax(axis=1)

    def loss(self, X, y, loss="softmax", reg=0.0, margin=1.0, need_dx=False, regularization="l2"):
        """Forward, the mean data loss plus λR(W), and the gradients of the total."""
        scores, cache = self.forward(X)
        per_example, dsum = loss_terms(loss, scores, y, margin)
        n = len(per_example)
        grads, dX = self.backward(dsum / n, cache, need_dx=need_dx)
        reg_loss = 0.0
        if reg:
            reg_loss, reg_grads = regularizer(regularization).penalty(self.weights, reg)
            for (dw, _), dr in zip(grads, reg_grads):
                dw += dr
        return LossResult(
            scores=scores,
            hidden=self.hidden(cache),
            per_example=per_example,
            data_loss=float(per_example.mean()),
            reg_loss=float(reg_loss),
            grads=grads,
            dX=dX,
        )

    def is_finite(self):
        return all(np.isfinite(p).all() for p in self.params)
