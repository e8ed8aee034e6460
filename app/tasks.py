"""Tasks: what a session learns, in the manner of tensorflow/playground's Problem.

A task decides the input (the 2-D plane; images later), the target (class
labels; real values later), the losses and metrics it allows, and which views
a frame carries. A dataset names its task (``DatasetSpec.task``, default
"classification"); the session, the views and the page ask the task instead of
assuming points with labels.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .datasets import DATASETS
from .nn import r2_score


def accuracy(scores, y):
    """The share of rows whose highest score is the label; None with no rows."""
    return float((scores.argmax(axis=1) == y).mean()) if len(y) else None


@dataclass(frozen=True)
class Task:
    name: str
    label: dict                 # {"en": ..., "zh": ...}
    losses: tuple               # loss names the task allows
    metric: str                 # the name of the metric a frame reports
    views: tuple                # the views a frame of this task carries
    input: str = "plane"        # what a probe is: "plane" (x1, x2) or "image"
    # How much of the training time evaluating every point for the history
    # may take (None: every due step). An image set's evaluation costs ten
    # mini-batch steps or more, so its curve is recorded less often.
    record_share: float | None = None

    def input_width(self, dataset, features=None) -> int:
        """The network's input width: on the plane, one per feature of (x1, x2)."""
        if self.input == "plane" and features is not None:
            return len(features)
        return int(dataset.X.shape[1])

    def output_width(self, config) -> int:
        return int(config.classes)

    def score(self, scores: np.ndarray, y: np.ndarray):
        """The task's metric of scores (N, C) against targets y (N,): accuracy, or R²."""
        if self.metric == "r2":
            return r2_score(scores, y) if len(y) else None
        return accuracy(scores, y)


TASKS = {
    "classification": Task(
        name="classification",
        label={"en": "Classification on the plane", "zh": "平面上的分类"},
        losses=("softmax", "svm"),
        metric="accuracy",
        views=("boundary", "neurons", "health"),
    ),
    "regression": Task(
        name="regression",
        label={"en": "Regression on the plane", "zh": "平面上的回归"},
        losses=("mse",),
        metric="r2",
        views=("boundary", "neurons", "health"),
    ),
    "images": Task(
        name="images",
        label={"en": "Classes of images", "zh": "图像分类"},
        losses=("softmax", "svm"),
        metric="accuracy",
        views=("templates", "confusion", "test_predictions"),
        input="image",
        record_share=0.2,
    ),
}


def task_of(dataset_name: str) -> Task:
    """The task a dataset belongs to."""
    return TASKS[getattr(DATASETS[dataset_name], "task", "classification")]
