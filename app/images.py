"""Image datasets: each image is flattened to one row of X, values in [0, 1].

Pure NumPy (plus the standard library), so it runs in a notebook. The
generators follow app/datasets.py's convention: ``(rng, counts, noise)`` ->
one (counts[k], D) array per class, the draws never depending on ``noise``.
A flattened row is the image in (height, width, channels) C order, so
``X[i].reshape(image_shape)`` gives the picture back.

* ``digits``: the UCI optical-recognition handwritten digits, 8×8×1, 1,797
  images of 0-9 (app/data/digits.npz, see app/data/README.md), grey levels
  0..16 scaled to [0, 1]. A smaller ``n`` takes a class-balanced subset,
  chosen by the seed; classes hold 174 to 183 images, so past 1,740 the
  larger classes give the rest.
* ``shapes``: a synthetic 32×32×3 set, exactly the seed's 3,072 inputs. Ten
  classes of a bright shape on a dark background, each image with its own
  colours, size and position, plus gaussian pixel noise of standard deviation
  ``noise``; values clipped to [0, 1] and rounded to 3 decimals (short JSON).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

DIGITS_FILE = Path(__file__).resolve().parent / "data" / "digits.npz"
DIGITS_SHAPE = (8, 8, 1)
DIGIT_CLASSES = tuple(str(k) for k in range(10))

SHAPES_SHAPE = (32, 32, 3)
SHAPE_CLASSES = ("circle", "ring", "square", "frame", "triangle",
                 "diamond", "plus", "cross", "stripes", "checker")
_SIZE = SHAPES_SHAPE[0]
_SHIFT = 4.0                    # the centre moves up to this many pixels each way
_RADIUS = (7.0, 11.0)           # half the shape's width, in pixels
_STROKE = 2.0                   # half the width of a line (ring, frame, plus, cross)


# ------------------------------------------------------------------ digits

@lru_cache(maxsize=1)
def digit_images() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 64) float64 in [0, 1], labels (1797,) int64), read-only."""
    with np.load(DIGITS_FILE) as f:
        images = f["images"].reshape(len(f["labels"]), -1).astype(np.float64) / 16.0
        labels = f["labels"].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digit_counts(n: int, classes: int) -> list[int]:
    """Images per class for a total of ``n``: as even as the classes allow.

    Every class gets ``n // classes`` (one more for the first ``n % classes``)
    up to what it holds; what a small class cannot give goes, one at a time,
    to the classes with room left, lowest class first.
    """
    _, labels = digit_images()
    available = np.bincount(labels, minlength=classes)[:classes].tolist()
    n = min(n, sum(available))
    counts = [0] * classes
    while sum(counts) < n:
        open_classes = [k for k in range(classes) if counts[k] < available[k]]
        share, extra = divmod(n - sum(counts), len(open_classes))
        for i, k in enumerate(open_classes):
            counts[k] = min(available[k], counts[k] + share + (1 if i < extra else 0))
    return counts


def digits(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    """``counts[k]`` images of digit k, chosen at random (in the order drawn)."""
    images, labels = digit_images()
    parts = []
    for k, n_k in enumerate(counts):
        pool = np.flatnonzero(labels == k)
        parts.append(images[pool[rng.permutation(len(pool))[:n_k]]])
    return parts


# ------------------------------------------------------------------ shapes

def _hsv_to_rgb(h, s, v):
    """Colours (n, 3) from hue, saturation and value, each (n,) in [0, 1]."""
    i = np.floor(h * 6).astype(int) % 6
    f = h * 6 - np.floor(h * 6)
    p, q, t = v * (1 - s), v * (1 - s * f), v * (1 - s * (1 - f))
    table = np.stack([np.stack(c, axis=1) for c in
                      ((v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q))])
    return table[i, np.arange(len(h))]


def _mask(name: str, dx, dy, r):
    """Where shape ``name`` is, for offsets (dx, dy) from its centre and half-width r.

    dx, dy: (n, 32, 32); r: (n, 1, 1). Image rows grow downwards.
    """
    ax, ay = np.abs(dx), np.abs(dy)
    box = np.maximum(ax, ay)
    side = 0.8 * r  # the square-like shapes are a little smaller than the disc
    if name == "circle":
        return dx * dx + dy * dy <= r * r
    if name == "ring":
        d = np.sqrt(dx * dx + dy * dy)
        return np.abs(d - (r - _STROKE)) <= _STROKE
    if name == "square":
        return box <= side
    if name == "frame":
        return (box <= side) & (box >= side - 2 * _STROKE)
    if name == "triangle":  # apex up, base down
        return (dy <= 0.8 * r) & (ax <= 0.6 * (dy + r))
    if name == "diamond":
        return ax + ay <= r
    if name == "plus":
        return ((ax <= _STROKE) & (ay <= r)) | ((ay <= _STROKE) & (ax <= r))
    if name == "cross":
        return (box <= side) & ((np.abs(dx - dy) <= 1.5 * _STROKE) | (np.abs(dx + dy) <= 1.5 * _STROKE))
    if name == "stripes":  # horizontal bands 3 px high, 3 px apart
        return (box <= side) & (np.floor((dy + 32) / 3) % 2 == 0)
    if name == "checker":  # 4 px squares
        return (box <= side) & ((np.floor((dx + 32) / 4) + np.floor((dy + 32) / 4)) % 2 == 0)
    raise ValueError(f"unknown shape {name!r}")


def draw_shapes(rng: np.random.Generator, name: str, n: int, noise: float) -> np.ndarray:
    """``n`` images of one shape, (n, 32, 32, 3) in [0, 1]."""
    centre = _SIZE / 2 - 0.5 + rng.uniform(-_SHIFT, _SHIFT, (n, 2))
    radius = rng.uniform(*_RADIUS, n)
    ink = _hsv_to_rgb(rng.uniform(0, 1, n), rng.uniform(0.5, 1, n), rng.uniform(0.75, 1, n))
    paper = rng.uniform(0, 0.25, (n, 3))
    grain = rng.standard_normal((n, _SIZE, _SIZE, 3))
    rows, cols = np.mgrid[0:_SIZE, 0:_SIZE].astype(np.float64)
    dx = cols[None] - centre[:, 0, None, None]
    dy = rows[None] - centre[:, 1, None, None]
    mask = _mask(name, dx, dy, radius[:, None, None])[..., None]
    image = np.where(mask, ink[:, None, None, :], paper[:, None, None, :]) + noise * grain
    return np.round(np.clip(image, 0.0, 1.0), 3)


def shapes(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    return [draw_shapes(rng, SHAPE_CLASSES[k], n_k, noise).reshape(n_k, -1)
            for k, n_k in enumerate(counts)]
