"""What an image session shows besides the loss: templates and the confusion matrix.

Pure functions of NumPy arrays (and the standard library), so a notebook can
call them. The network is anything with ``.layers`` = [(W (in, out), b), ...].
"""
from __future__ import annotations

import base64

import numpy as np

MAX_TEMPLATES = 100


def template_weights(net) -> np.ndarray:
    """The first layer's weights as one row per template: (K, D).

    For a linear model (one layer) these are the rows of the seed's W (C, D),
    one per class; with hidden layers, the first layer's units (at most
    MAX_TEMPLATES), each the input pattern that unit responds to most.
    """
    W = np.asarray(net.layers[0][0])  # (D, H or C)
    return W.T[:MAX_TEMPLATES]


def scale_to_u8(rows: np.ndarray) -> np.ndarray:
    """Each row min-max scaled to 0..255 (uint8); a constant row is 128.

    Non-finite values (a diverged network) count as 0.
    """
    rows = np.nan_to_num(np.asarray(rows, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    low = rows.min(axis=1, keepdims=True)
    span = rows.max(axis=1, keepdims=True) - low
    flat = span == 0
    scaled = np.where(flat, 0.5, (rows - low) / np.where(flat, 1.0, span))
    return np.round(255 * scaled).astype(np.uint8)


def templates(net, image_shape) -> dict:
    """``{"shape": [K, H, W, Ch], "encoding": "u8", "data": base64}``.

    The bytes are the K templates in C order, each an (H, W, Ch) image: a
    template is one row of ``template_weights`` reshaped, scaled on its own
    to 0..255 (so it shows the pattern, not its size).
    """
    rows = template_weights(net)
    shape = [int(rows.shape[0]), *(int(s) for s in image_shape)]
    if rows.shape[1] != int(np.prod(image_shape)):
        raise ValueError(f"the first layer takes {rows.shape[1]} inputs, not an image of shape {list(image_shape)}")
    data = base64.b64encode(scale_to_u8(rows).tobytes()).decode("ascii")
    return {"shape": shape, "encoding": "u8", "data": data}


def decode_templates(message: dict) -> np.ndarray:
    """The uint8 array (K, H, W, Ch) of a ``templates`` message."""
    raw = np.frombuffer(base64.b64decode(message["data"]), dtype=np.uint8)
    return raw.reshape(message["shape"])


def confusion(scores, y, classes: int, with_predictions: bool = False) -> dict:
    """The confusion matrix of ``scores`` (N, C) against labels ``y`` (N,).

    ``matrix[i][j]`` counts the examples of true class i predicted as j (rows
    sum to each class's count, the whole to N); ``per_class_accuracy[i]`` is
    matrix[i][i] over row i's sum, None for a class with no examples. With
    ``with_predictions``, also each example's ``predicted`` class and its
    softmax ``probability`` (3 decimals), for a page that shows the examples.
    """
    y = np.asarray(y, dtype=np.int64)
    scores = np.asarray(scores, dtype=np.float64)
    predictions = scores.argmax(axis=1) if len(y) else np.zeros(0, dtype=np.int64)
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (y, predictions), 1)
    totals = matrix.sum(axis=1)
    per_class = [None if totals[k] == 0 else float(matrix[k, k] / totals[k]) for k in range(classes)]
    out = {"matrix": matrix.tolist(), "per_class_accuracy": per_class}
    if with_predictions:
        out["predicted"] = predictions.tolist()
        out["probability"] = [round(float(p), 3) for p in _top_probability(scores)]
    return out


def _top_probability(scores: np.ndarray) -> np.ndarray:
    """max softmax(scores) per row, computed stably; 0 where a score is not finite."""
    if not len(scores):
        return np.zeros(0)
    with np.errstate(all="ignore"):
        shifted = scores - scores.max(axis=1, keepdims=True)
        top = 1.0 / np.exp(shifted).sum(axis=1)
    return np.where(np.isfinite(top), top, 0.0)


def test_confusion(net, dataset) -> dict:
    """The confusion view of a session: ``confusion`` on the dataset's test
    split, with each test image's prediction (in the order of the test rows)."""
    X_test, y_test = dataset.X[dataset.test], dataset.y[dataset.test]
    with np.errstate(all="ignore"):
        scores = net.scores(X_test) if len(y_test) else np.zeros((0, dataset.classes))
    return confusion(scores, y_test, dataset.classes, with_predictions=True)


class TemplatePacing:
    """Which frames carry ``templates`` (up to 100 images: too much for every frame).

    A frame carries them when the network has changed since the last ones
    sent; while playing, at most ``per_second`` times a second. ``version``
    is anything that changes whenever the parameters do.
    """

    def __init__(self, per_second: float = 4.0):
        self.interval = 1.0 / per_second
        self.forget()

    def forget(self):
        """Send the next ones whatever they are (a new subscriber has none)."""
        self.sent_version, self.sent_at = object(), -np.inf

    def due(self, version, running: bool, now: float) -> bool:
        if version == self.sent_version:
            return False
        return not running or now - self.sent_at >= self.interval

    def sent(self, version, now: float) -> None:
        self.sent_version, self.sent_at = version, now
