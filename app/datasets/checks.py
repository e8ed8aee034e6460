"""The checks of make_dataset()'s arguments: each names the parameter at fault."""
from __future__ import annotations

import math
import numbers

import numpy as np

from .spec import MAX_TEST_FRACTION, DatasetSpec

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
