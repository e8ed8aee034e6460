"""Two-dimensional and image datasets: classification and regression.

Pure NumPy (plus the standard library), so it runs in a notebook with no web
stack. Every dataset is a deterministic function of its parameters and
``seed``. The registry is ``DATASETS`` (registry.py); the generators and
their conventions are in generators.py; make_dataset() is in make.py.
"""
from __future__ import annotations

from .make import add_points, make_dataset, points_dataset
from .registry import DATASETS
from .spec import MAX_CLASSES, MAX_POINTS, MAX_TEST_FRACTION, MIN_CLASSES, Dataset, DatasetSpec

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
