"""Building a dataset: make_dataset(), points_dataset(), add_points()."""
from __future__ import annotations

import math

import numpy as np

from .checks import (_as_float, _check_classes, _check_n, _check_noise, _check_seed,
                     _check_test_fraction, _is_int, _is_real)
from .registry import DATASETS
from .spec import MAX_POINTS, Dataset

# ---------------------------------------------------------------- public API


def _class_counts(n: int, classes: int) -> list[int]:
    base, extra = divmod(n, classes)
    return [base + (1 if k < extra else 0) for k in range(classes)]


def _test_mask(rng: np.random.Generator, counts: list[int], n_test: int) -> np.ndarray:
    """Hold out ``n_test`` points, stratified by class (largest remainder)."""
    n = sum(counts)
    quotas = [n_test * c // n for c in counts]
    remainders = [n_test * c % n for c in counts]
    # Classes with the largest remainders get one more; ties go to the lower class.
    order = sorted(range(len(counts)), key=lambda k: -remainders[k])
    for k in order[: n_test - sum(quotas)]:
        quotas[k] += 1
    mask = np.zeros(n, dtype=bool)
    start = 0
    for c, q in zip(counts, quotas):
        chosen = rng.permutation(c)[:q]
        mask[start + chosen] = True
        start += c
    return mask


def _frozen(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def make_dataset(
    name: str,
    n: int | None = None,
    classes: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    test_fraction: float = 0.2,
    *,
    max_points: int = MAX_POINTS,
) -> Dataset:
    """Generate ``n`` points of dataset ``name``.

    ``n``, ``classes`` and ``noise`` default to the dataset's own defaults
    (``n`` 300 for the 2-D sets; an image set holds at most ``max_n``). Raises
    ``KeyError(name)`` for an unknown dataset and ``ValueError`` naming the
    parameter for a value out of range.
    """
    if name not in DATASETS:
        raise KeyError(name)
    spec = DATASETS[name]
    classes = _check_classes(spec, spec.default_classes if classes is None else classes)
    n = _check_n(spec.default_n if n is None else n, classes, min(max_points, spec.max_n or max_points))
    noise = _check_noise(spec, spec.default_noise if noise is None else noise)
    test_fraction = _check_test_fraction(test_fraction)
    seed = _check_seed(seed)

    rng = np.random.default_rng(seed)
    counts = (spec.counts or _class_counts)(n, classes)
    if spec.task == "regression":
        X, y = spec.generate(rng, n, noise)
        y = np.clip(y, -1.0, 1.0)
    else:
        X = np.concatenate(spec.generate(rng, counts, noise), axis=0)
        y = np.repeat(np.arange(classes, dtype=np.int64), counts)
    X = np.ascontiguousarray(X, dtype=np.float64)
    test = _test_mask(rng, counts, round(test_fraction * n))
    return Dataset(X=_frozen(X), y=_frozen(y), test=_frozen(test), classes=classes, task=spec.task)


def points_dataset(points, classes: int, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """A dataset of your own points ``(x1, x2, label)``, in the order given.

    The held-out points are chosen as for a generated set: ``round(test_fraction
    · n)`` of them, spread across the classes by largest remainder, at random
    within each class from ``np.random.default_rng([seed, 2])``.
    """
    X = np.array([(float(a), float(b)) for a, b, _ in points], dtype=np.float64).reshape(-1, 2)
    y = np.array([int(k) for _, _, k in points], dtype=np.int64)
    if len(y) and not (np.isfinite(X).all() and 0 <= y.min() and y.max() < classes):
        raise ValueError(f"points: finite coordinates and labels 0 to {classes - 1}")
    rng = np.random.default_rng([seed, 2])
    members = [np.flatnonzero(y == k) for k in range(classes)]
    # The stratified draw works on points stored class by class: map it back.
    order = np.concatenate(members) if len(y) else np.zeros(0, dtype=np.int64)
    by_class = _test_mask(rng, [len(m) for m in members], round(_check_test_fraction(test_fraction) * len(y)))
    test = np.zeros(len(y), dtype=bool)
    test[order] = by_class
    return Dataset(X=_frozen(X), y=_frozen(y), test=_frozen(test), classes=classes)


def add_points(ds: Dataset, points, *, max_points: int = MAX_POINTS) -> Dataset:
    """Return a new dataset: ``ds`` plus user points ``(x1, x2, label)``.

    Added points are training points (``test`` False). ``label`` must be an
    integer in ``0..ds.classes-1`` (for a regression dataset: a target in
    [-1, 1]) and the coordinates finite numbers; nothing
    is added unless every point is valid. The result may hold at most
    ``max_points`` points.
    """
    rows: list[tuple[float, float]] = []
    labels: list[int] = []
    if ds.X.shape[1] != 2:
        raise ValueError("points: only a 2-D dataset takes added points")
    for point in points:
        try:
            x1, x2, label = point
        except (TypeError, ValueError):
            raise ValueError("points must be (x1, x2, label) triples") from None
        if not (_is_real(x1) and _is_real(x2)):
            raise ValueError("point coordinates x1 and x2 must be finite numbers")
        x1, x2 = _as_float(x1), _as_float(x2)
        if not (math.isfinite(x1) and math.isfinite(x2)):
            raise ValueError("point coordinates x1 and x2 must be finite numbers")
        rows.append((x1, x2))
        labels.append(_checked_label(ds, label))
        if len(ds.y) + len(rows) > max_points:
            raise ValueError(f"points: a dataset holds at most {max_points} points")
    if not rows:
        return ds
    X = np.concatenate([ds.X, np.array(rows, dtype=np.float64).reshape(-1, 2)], axis=0)
    y = np.concatenate([ds.y, np.array(labels, dtype=ds.y.dtype)])
    test = np.concatenate([ds.test, np.zeros(len(rows), dtype=bool)])
    return Dataset(X=_frozen(X), y=_frozen(y), test=_frozen(test), classes=ds.classes, task=ds.task)


def _checked_label(ds: Dataset, label):
    """A class index of ds, or for a regression dataset a target in [-1, 1]; else ValueError."""
    if ds.task == "regression":
        if not (_is_real(label) and -1.0 <= _as_float(label) <= 1.0):
            raise ValueError("label must be a target between -1 and 1")
        return _as_float(label)
    if not _is_int(label):
        raise ValueError("label must be an integer")
    if not 0 <= int(label) < ds.classes:
        raise ValueError(f"label must be between 0 and {ds.classes - 1}")
    return int(label)
