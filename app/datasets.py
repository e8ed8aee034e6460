"""Two-dimensional datasets for the playground: classification and regression.

Pure NumPy (plus the standard library), so it runs in a notebook with no web
stack. Every dataset is a deterministic function of its parameters and
``seed``: all randomness comes from one ``np.random.default_rng(seed)``.

Conventions shared by every generator:

* ``n`` is the total number of points. Class ``k`` gets ``n // classes``
  points, plus one more for the first ``n % classes`` classes, and points are
  stored class by class (class 0 first).
* ``noise`` only scales the random draws. A generator draws the same random
  numbers whatever ``noise`` is, so moving a noise slider with a fixed seed
  moves the same points further or closer, and the held-out points stay the
  same.
* At noise 0 every point lies in [-1, 1] on both axes; the noise spreads them
  out, and at the default noise more than 99 % of them stay within
  [-1.5, 1.5] (the plane the browser draws). Gaussian noise has unbounded
  tails, so a few points fall outside, more of them at a high noise.
* The test split is drawn from the same generator after the points: exactly
  ``round(test_fraction * n)`` points are held out, split across the classes
  in proportion to their sizes (largest remainder), chosen at random within
  each class.

The image sets ``digits`` and ``shapes`` (app/images.py) follow the same
conventions, one flattened image per row of ``X``.

Shapes:

* ``spiral``: the CS231n case study, unchanged. Arm ``j`` has radius
  ``linspace(0, 1, n_j)`` and angle ``linspace(4j, 4(j+1), n_j)`` plus
  ``noise`` times a standard normal draw (noise is in radians).
* ``circles``: concentric rings, class ``k`` at radius ``(k+1)/classes`` with a
  uniform angle; the radius gets gaussian noise of standard deviation ``noise``.
* ``xor``: points uniform in [-1, 1]^2 but at least 0.1 from both axes; class 0
  in the quadrants where x1 and x2 have the same sign, class 1 where they
  differ; then gaussian noise (std ``noise``) on both coordinates.
* ``gaussians``: one round blob per class, centres evenly spaced on a circle
  of radius 0.75 (class 0 on the positive x1 axis), standard deviation
  ``noise``.
* ``moons``: sklearn's two interleaving half circles (evenly spaced angles;
  class 0 is the upper one), centred on the origin and scaled by 2/3, so they
  span x1 in [-1, 1] and x2 in [-0.5, 0.5]; then gaussian noise (std
  ``noise``).
* ``linear``: angular sectors. Class ``k`` fills the sector of angle
  ``2 pi / classes`` centred on direction ``pi/4 + 2 pi k / classes``, at radius
  0.25 to 1 and at most 80 % of the half-angle from the centre line, so there
  is an empty wedge along every boundary. Each sector is a convex cone around
  the origin, so at noise 0 the classes are separated by a linear classifier
  (``W`` with row ``k`` the unit vector of sector ``k``, ``b = 0``, predict
  ``argmax(x @ W.T)``); two classes are two half-planes. Noise is gaussian
  (std ``noise``) on both coordinates.

Regression datasets (``task`` "regression") give every point a real target in
[-1, 1] instead of a label; they have one "class" (one output), points uniform
in [-1, 1]², and ``noise`` is the standard deviation of gaussian noise added
to the target (then clipped to [-1, 1]). Their generators take (rng, n, noise)
and return (X, y):

* ``plane``: the seed's linear regression, y = a·x1 + b·x2 with a = 0.6,
  b = -0.3 (REGRESSION_PLANE): a network with no hidden layer can learn W = [a, b].
* ``gaussians-regression``: a sum of four round bumps of height ±1 and width
  0.3 at (±0.5, ±0.5), positive where x1 and x2 have different signs.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import images

__all__ = [
    "DATASETS",
    "Dataset",
    "DatasetSpec",
    "MAX_CLASSES",
    "MAX_POINTS",
    "MAX_TEST_FRACTION",
    "MIN_CLASSES",
    "add_points",
    "make_dataset",
    "points_dataset",
]

MIN_CLASSES = 2
MAX_CLASSES = 10
MAX_POINTS = 5000
MAX_TEST_FRACTION = 0.9

# Shape constants (see the module docstring).
_XOR_GAP = 0.1
_GAUSSIAN_RADIUS = 0.75
_MOONS_SCALE = 2 / 3
_LINEAR_INNER_RADIUS = 0.25
_LINEAR_SPREAD = 0.8  # fraction of each sector's half-angle that holds points
_LINEAR_OFFSET = math.pi / 4
REGRESSION_PLANE = (0.6, -0.3)
_BUMP_WIDTH = 0.3
_BUMPS = ((-0.5, 0.5, 1.0), (0.5, -0.5, 1.0), (0.5, 0.5, -1.0), (-0.5, -0.5, -1.0))  # (x1, x2, height)


@dataclass(frozen=True)
class DatasetSpec:
    """One entry of the dataset registry: its generator and what the controls need to know."""

    name: str
    label: str          # English
    label_zh: str       # 中文
    # (rng, per-class counts, noise) -> one (n_k, 2) array per class; draws never depend on noise.
    generate: Callable = field(repr=False, compare=False)
    description: str
    description_zh: str
    min_classes: int
    max_classes: int
    default_classes: int
    default_noise: float
    max_noise: float
    # Image sets (app/images.py) add these; a row of X is an image flattened.
    kind: str = "points"                 # "points" (2-D) or "image"
    # the task a session on it learns (app/tasks.py); "regression": generate(rng, n, noise) -> (X, y),
    # real targets in [-1, 1], one output
    task: str = "classification"
    image_shape: tuple | None = None     # (height, width, channels)
    class_names: tuple | None = None
    default_n: int = 300
    max_n: int | None = None             # the most points it has (None: as many as the app allows)
    # (n, classes) -> per-class counts, where the even split does not fit (the digits' classes differ in size).
    counts: Callable | None = field(default=None, repr=False, compare=False)
    # Session settings this dataset starts with (an image set learns visibly
    # within seconds only with mini-batches and its own learning rate).
    session_defaults: dict = field(default_factory=dict, compare=False)

    @property
    def input_width(self) -> int:
        return 2 if self.image_shape is None else math.prod(self.image_shape)

    def image_fields(self) -> dict:
        """An image set's ``image_shape`` and ``class_names`` as JSON lists; {} for a 2-D set."""
        if self.image_shape is None:
            return {}
        return {"image_shape": list(self.image_shape), "class_names": list(self.class_names)}


@dataclass(frozen=True, eq=False)
class Dataset:
    """Points, labels and the held-out mask. The arrays are read-only.

    ``eq=False``: two datasets compare by identity (comparing the arrays
    element-wise is ``np.array_equal``'s job).
    """

    X: np.ndarray  # (N, 2) float64; (N, H*W*C) for an image set
    y: np.ndarray  # (N,) int64, labels in 0..classes-1; regression: float64 targets in [-1, 1]
    test: np.ndarray  # (N,) bool, True = held-out point
    classes: int  # regression: 1
    task: str = "classification"


# ---------------------------------------------------------------- validation


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _is_real(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _as_float(value: object) -> float:
    """``float(value)``, or NaN for an int too large for a float (fails any range check)."""
    try:
        return float(value)
    except OverflowError:
        return math.nan


def _check_classes(spec: DatasetSpec, classes: object) -> int:
    if not _is_int(classes):
        raise ValueError("classes must be an integer")
    classes = int(classes)
    if not spec.min_classes <= classes <= spec.max_classes:
        if spec.min_classes == spec.max_classes:
            raise ValueError(f"classes must be {spec.min_classes} for {spec.name}")
        raise ValueError(
            f"classes must be between {spec.min_classes} and {spec.max_classes} for {spec.name}"
        )
    return classes


def _check_n(n: object, classes: int, max_points: int) -> int:
    if not _is_int(n):
        raise ValueError("n must be an integer")
    n = int(n)
    if not 1 <= n <= max_points:
        raise ValueError(f"n must be between 1 and {max_points}")
    if n < classes:
        raise ValueError("n must be at least the number of classes")
    return n


def _check_noise(spec: DatasetSpec, noise: object) -> float:
    if not _is_real(noise):
        raise ValueError("noise must be a number")
    noise = _as_float(noise)
    if not 0.0 <= noise <= spec.max_noise:  # also refuses NaN
        raise ValueError(f"noise must be between 0 and {spec.max_noise} for {spec.name}")
    return noise


def _check_test_fraction(test_fraction: object) -> float:
    if not _is_real(test_fraction):
        raise ValueError("test_fraction must be a number")
    test_fraction = _as_float(test_fraction)
    if not 0.0 <= test_fraction <= MAX_TEST_FRACTION:  # also refuses NaN
        raise ValueError(f"test_fraction must be between 0 and {MAX_TEST_FRACTION}")
    return test_fraction


def _check_seed(seed: object) -> int:
    if not _is_int(seed) or int(seed) < 0:
        raise ValueError("seed must be a non-negative integer")
    return int(seed)


# ---------------------------------------------------------------- generators
#
# Each takes the generator, the per-class counts and the noise, and returns one
# (n_k, 2) array per class. The draws never depend on the value of noise.


def _spiral(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    parts = []
    for j, n_j in enumerate(counts):
        r = np.linspace(0.0, 1, n_j)
        t = np.linspace(j * 4, (j + 1) * 4, n_j) + rng.standard_normal(n_j) * noise
        parts.append(np.c_[r * np.sin(t), r * np.cos(t)])
    return parts


def _circles(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    k_total = len(counts)
    parts = []
    for k, n_k in enumerate(counts):
        angle = rng.uniform(0.0, 2 * np.pi, n_k)
        radius = (k + 1) / k_total + noise * rng.standard_normal(n_k)
        parts.append(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
    return parts


def _xor(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    parts = []
    for k, n_k in enumerate(counts):
        magnitude = rng.uniform(_XOR_GAP, 1.0, (n_k, 2))
        sign1 = rng.integers(0, 2, n_k) * 2 - 1
        sign2 = sign1 if k == 0 else -sign1  # class 0: same signs, class 1: opposite
        clean = magnitude * np.c_[sign1, sign2]
        parts.append(clean + noise * rng.standard_normal((n_k, 2)))
    return parts


def _gaussians(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    k_total = len(counts)
    parts = []
    for k, n_k in enumerate(counts):
        angle = 2 * np.pi * k / k_total
        centre = _GAUSSIAN_RADIUS * np.array([np.cos(angle), np.sin(angle)])
        parts.append(centre + noise * rng.standard_normal((n_k, 2)))
    return parts


def _moons(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    n_outer, n_inner = counts
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    outer = np.c_[np.cos(t_outer), np.sin(t_outer)]
    inner = np.c_[1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)]
    centre = np.array([0.5, 0.25])  # the middle of [-1, 2] x [-0.5, 1]
    parts = []
    for clean in (outer, inner):
        shape = _MOONS_SCALE * (clean - centre)
        parts.append(shape + noise * rng.standard_normal(clean.shape))
    return parts


def _linear(rng: np.random.Generator, counts: list[int], noise: float) -> list[np.ndarray]:
    k_total = len(counts)
    half = np.pi / k_total
    parts = []
    for k, n_k in enumerate(counts):
        centre = _LINEAR_OFFSET + 2 * np.pi * k / k_total
        angle = centre + rng.uniform(-_LINEAR_SPREAD * half, _LINEAR_SPREAD * half, n_k)
        # Uniform over the annulus' area: radius**2 uniform.
        radius = np.sqrt(rng.uniform(_LINEAR_INNER_RADIUS**2, 1.0, n_k))
        clean = np.c_[radius * np.cos(angle), radius * np.sin(angle)]
        parts.append(clean + noise * rng.standard_normal((n_k, 2)))
    return parts


def _plane(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, (n, 2))
    a, b = REGRESSION_PLANE
    return X, a * X[:, 0] + b * X[:, 1] + noise * rng.standard_normal(n)


def _bumps(rng: np.random.Generator, n: int, noise: float) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1.0, 1.0, (n, 2))
    y = sum(h * np.exp(-((X[:, 0] - c1) ** 2 + (X[:, 1] - c2) ** 2) / (2 * _BUMP_WIDTH**2)) for c1, c2, h in _BUMPS)
    return X, y + noise * rng.standard_normal(n)


# The dataset registry: REST, the session schemas, the catalog and the page read it.
DATASETS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            name="spiral",
            label="Spiral",
            label_zh="螺旋",
            generate=_spiral,
            description="Points on spiral arms that wind around the centre, one arm per class.",
            description_zh="绕着中心旋转的螺旋臂，每个类别一条臂。",
            min_classes=2,
            max_classes=10,
            default_classes=3,
            default_noise=0.2,
            max_noise=1.0,
        ),
        DatasetSpec(
            name="circles",
            label="Circles",
            label_zh="同心圆",
            generate=_circles,
            description="Rings around the centre, one ring per class, each ring larger than the last.",
            description_zh="围绕中心的圆环，每个类别一个环，一个比一个大。",
            min_classes=2,
            max_classes=10,
            default_classes=2,
            default_noise=0.1,
            max_noise=0.3,
        ),
        DatasetSpec(
            name="xor",
            label="XOR",
            label_zh="异或（XOR）",
            generate=_xor,
            description="Two classes in opposite corners: one where both coordinates have the same sign, "
            "the other where their signs differ.",
            description_zh="两个类别分别位于对角：两个坐标同号的一类，异号的另一类。",
            min_classes=2,
            max_classes=2,
            default_classes=2,
            default_noise=0.1,
            max_noise=0.3,
        ),
        DatasetSpec(
            name="gaussians",
            label="Gaussians",
            label_zh="高斯团",
            generate=_gaussians,
            description="Round clouds of points, one per class, placed evenly around a circle.",
            description_zh="一团团圆形的点云，每个类别一团，均匀排在一个圆上。",
            min_classes=2,
            max_classes=10,
            default_classes=3,
            default_noise=0.25,
            max_noise=0.4,
        ),
        DatasetSpec(
            name="moons",
            label="Moons",
            label_zh="双月",
            generate=_moons,
            description="Two half circles that hook into each other, one per class.",
            description_zh="两个彼此勾住的半圆，每个类别一个。",
            min_classes=2,
            max_classes=2,
            default_classes=2,
            default_noise=0.1,
            max_noise=0.3,
        ),
        DatasetSpec(
            name="linear",
            label="Linear",
            label_zh="线性可分",
            generate=_linear,
            description="Pie slices around the centre, one per class, that straight lines can separate.",
            description_zh="围绕中心的扇形，每个类别一块，可以用直线分开。",
            min_classes=2,
            max_classes=10,
            default_classes=2,
            default_noise=0.05,
            max_noise=0.3,
        ),
        DatasetSpec(
            name="plane",
            label="Plane (regression)",
            label_zh="平面（回归）",
            generate=_plane,
            description="Regression: a tilted plane, y = 0.6·x1 − 0.3·x2 plus noise (the seed's linear "
            "regression).",
            description_zh="回归：一个倾斜的平面，y = 0.6·x1 − 0.3·x2 加噪声（教材中的线性回归）。",
            min_classes=1,
            max_classes=1,
            default_classes=1,
            default_noise=0.05,
            max_noise=0.5,
            task="regression",
        ),
        DatasetSpec(
            name="gaussians-regression",
            label="Bumps (regression)",
            label_zh="起伏（回归）",
            generate=_bumps,
            description="Regression: two bumps up and two down, one in each quarter of the plane.",
            description_zh="回归：两个凸起、两个凹陷，平面的每个象限一个。",
            min_classes=1,
            max_classes=1,
            default_classes=1,
            default_noise=0.05,
            max_noise=0.5,
            task="regression",
        ),
        DatasetSpec(
            name="digits",
            label="Digits (8×8 images)",
            label_zh="手写数字（8×8 图像）",
            generate=images.digits,
            description="Handwritten digits 0-9 as 8x8 grey images (UCI optical digits, 1,797 images).",
            description_zh="手写数字 0–9，8×8 灰度图像（UCI 光学识别数字，共 1,797 张）。",
            min_classes=10,
            max_classes=10,
            default_classes=10,
            default_noise=0.0,
            max_noise=0.0,
            kind="image",
            task="images",
            image_shape=images.DIGITS_SHAPE,
            class_names=images.DIGIT_CLASSES,
            default_n=1797,
            max_n=1797,
            counts=images.digit_counts,
            session_defaults={"n_points": 1797, "batch_size": 64, "learning_rate": 0.5, "reg": 1e-3},
        ),
        DatasetSpec(
            name="shapes",
            label="Shapes (32×32 colour)",
            label_zh="形状（32×32 彩色）",
            generate=images.shapes,
            description="Ten kinds of coloured shape as 32x32 colour images: 3,072 numbers each.",
            description_zh="十种彩色形状的 32×32 彩色图像：每张 3,072 个数。",
            min_classes=10,
            max_classes=10,
            default_classes=10,
            default_noise=0.05,
            max_noise=0.5,
            kind="image",
            task="images",
            image_shape=images.SHAPES_SHAPE,
            class_names=images.SHAPE_CLASSES,
            default_n=1000,
            session_defaults={"n_points": 1000, "batch_size": 64, "learning_rate": 0.05, "reg": 1e-2},
        ),
    )
}



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
