"""One inference path: what a network says about some inputs.

REST `/forward` and the live probe both compute scores, probabilities, hidden
activations and loss terms here, so they cannot drift apart. NumPy only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .nn import Network, example_losses, log_softmax, regularizer, softmax, svm_margins


@dataclass
class Inference:
    """A forward pass over X (N, D): scores (N, C), probs (N, C) = softmax(scores),
    hidden (list of N×H after activation), predictions (N,); with labels y,
    per_example (N,) data-loss terms, their mean ``data``, ``reg`` = λR(W) and
    ``terms`` (N, C): each class's SVM margin, or −ln p for softmax."""
    scores: np.ndarray
    probs: np.ndarray
    hidden: list
    predictions: np.ndarray
    per_example: np.ndarray | None = None
    data: float | None = None
    reg: float | None = None
    terms: np.ndarray | None = None

    @property
    def total(self):
        return None if self.data is None else self.data + self.reg

    def arrays(self):
        """Every array and number computed: for a finiteness check."""
        out = [self.scores, self.probs, *self.hidden]
        if self.per_example is not None:
            out += [self.per_example, np.array([self.data, self.reg])]
        return out


def infer(net: Network, X, y=None, loss="softmax", reg=0.0, margin=1.0) -> Inference:
    """The forward pass of ``net`` on X (N, D), and with y (N,) the loss terms."""
    scores, cache = net.forward(X)
    result = Inference(scores=scores, probs=softmax(scores), hidden=Network.hidden(cache),
                       predictions=scores.argmax(axis=1))
    if y is not None:
        result.per_example = example_losses(loss, scores, y, margin)
        result.data = float(result.per_example.mean())
        result.reg = regularizer("l2").value(net.weights, reg) if reg else 0.0
        result.terms = svm_margins(scores, y, margin) if loss == "svm" else -log_softmax(scores)
    return result


def finite(x):
    """A float for JSON, or None where the value is NaN or infinite."""
    x = float(x)
    return x if np.isfinite(x) else None


def probe_values(net: Network, config, x, label=None) -> dict:
    """The `probe` fields at one input x: scores, probabilities, hidden values and
    prediction (float64); with a label, its data loss and each class's term
    (SVM margins, or −ln p under softmax). Non-finite values become None."""
    X = np.asarray([x], dtype=np.float64)
    y = None if label is None else np.asarray([label])
    with np.errstate(all="ignore"):
        res = infer(net, X, y, config.loss, 0.0, config.margin)
    out = {
        "x": [float(v) for v in x],
        "scores": [finite(v) for v in res.scores[0]],
        "probs": [finite(v) for v in res.probs[0]],
        "hidden": [[finite(v) for v in h[0]] for h in res.hidden],
        "prediction": int(res.predictions[0]),
    }
    if label is not None:
        out["label"] = int(label)
        out["loss"] = finite(res.per_example[0])
        out["margins" if config.loss == "svm" else "terms"] = [finite(v) for v in res.terms[0]]
    return out
