"""What a dataset is: its registry entry (DatasetSpec) and its points (Dataset)."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

MIN_CLASSES = 2
MAX_CLASSES = 10
MAX_POINTS = 5000
MAX_TEST_FRACTION = 0.9


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
