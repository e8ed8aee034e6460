"""One inference path: what a network says about some inputs.

REST `/forward` and the live probe both compute scores, probabilities, hidden
activations and loss terms here, so they cannot drift apart. NumPy only.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .features import DEFAULT_FEATURES, feature_matrix
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


def infer(net: Network, X, y=None, loss="softmax", reg=0.0, margin=1.0, regularization="l2") -> Inference:
    """The forward pass of ``net`` on X (N, D), and with y (N,) the loss terms
    (y: labels, or for mse real targets (N,) or (N, C); mse has no per-class terms)."""
    scores, cache = net.forward(X)
    result = Inference(scores=scores, probs=softmax(scores), hidden=Network.hidden(cache),
                       predictions=scores.argmax(axis=1))
    if y is not None:
        result.per_example = example_losses(loss, scores, y, margin)
        result.data = float(result.per_example.mean())
        result.reg = regularizer(regularization).value(net.weights, reg) if reg else 0.0
        if loss != "mse":
            result.terms = svm_margins(scores, y, margin) if loss == "svm" else -log_softmax(scores)
    return result


def finite(x):
    """A float for JSON, or None where the value is NaN or infinite."""
    x = float(x)
    return x if np.isfinite(x) else None


def probe_values(net: Network, config, x, label=None) -> dict:
    """The `probe` fields at one input x: scores, probabilities, hidden values and
    prediction (float64); with a label, its data loss and each class's term
    (SVM margins, or −ln p under softmax). Non-finite values become None.
    The network's inputs are the config's features of x. Regression (mse): the
    prediction is the predicted value, the label a real target, and
    `squared_error` (s − y)² comes with the loss ½(s − y)²."""
    X = np.asarray([x], dtype=np.float64)
    if X.shape[1] == 2:  # a point of the plane: the network sees its features (an image: its pixels)
        X = feature_matrix(X, getattr(config, "features", DEFAULT_FEATURES))
    regression = config.loss == "mse"
    y = None if label is None else np.asarray([label], dtype=np.float64 if regression else np.int64)
    with np.errstate(all="ignore"):
        res = infer(net, X, y, config.loss, 0.0, config.margin)
    out = {
        "x": [float(v) for v in x],
        "scores": [finite(v) for v in res.scores[0]],
        "probs": [finite(v) for v in res.probs[0]],
        "hidden": [[finite(v) for v in h[0]] for h in res.hidden],
        "prediction": finite(res.scores[0, 0]) if regression else int(res.predictions[0]),
    }
    if label is not None and regression:
        error = float(res.scores[0, 0]) - float(label)
        out.update(label=float(label), loss=finite(res.per_example[0]), squared_error=finite(error * error))
    elif label is not None:
        out["label"] = int(label)
        out["loss"] = finite(res.per_example[0])
        out["margins" if config.loss == "svm" else "terms"] = [finite(v) for v in res.terms[0]]
    return out
