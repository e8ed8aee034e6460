"""TrainingSession: one live run — data, network, optimizer, history, status.

No web imports: the live session (app/live.py) drives it, a notebook can too.
Every method is synchronous and is called from one thread at a time (the
caller holds ``lock``).
"""
from __future__ import annotations

import dataclasses
import math
import threading
import time

import numpy as np

from .boundary import data_extent
from .datasets import DATASETS, add_points, make_dataset, points_dataset
from .features import feature_matrix
from .health import StepWatch, unit_figures
from .history import HISTORY_KEYS, HISTORY_LIMIT, REGRESSION_HISTORY_KEYS, History  # noqa: F401
from .image_views import test_confusion
from .nn import BatchSampler, Network, make_optimizer
from .session_config import (CONFIG_FIELDS, DATA_FIELDS, LIVE_FIELDS, ConfigError,  # noqa: F401
                             TrainingConfig, changed_fields, check_config, merge_config)
from .tasks import task_of
from .training_readout import Readout
from .views import evaluate


class TrainingSession(Readout):
    """A network learning one dataset, one step at a time (what it shows: Readout)."""

    def __init__(self, config: TrainingConfig | None = None):
        self.config = config or TrainingConfig()
        self.user_points: list = []
        self.own_points: list | None = None  # points loaded in place of the dataset's
        self.running = False
        self.probe_point = None  # (x, label or None)
        # Held by whoever changes or reads the network: the training thread,
        # or the event loop taking a frame's snapshot while that thread is busy
        # with another session.
        self.lock = threading.Lock()
        self.points_version = 0  # changes whenever the points do
        self.version = 0         # changes whenever the network's parameters do
        self._build_data()
        self.reinitialize()

    # ---- building -------------------------------------------------------

    def _build_data(self):
        c = self.config
        if self.own_points is not None:
            base = points_dataset(self.own_points, c.classes, c.test_fraction, c.seed)
        else:
            base = make_dataset(c.dataset, n=c.n_points, classes=c.classes, noise=c.noise,
                                seed=c.seed, test_fraction=c.test_fraction)
        ds = add_points(base, self.user_points) if self.user_points else base
        self.dataset = ds
        self.X_train, self.y_train = ds.X[~ds.test], ds.y[~ds.test]
        self.X_test, self.y_test = ds.X[ds.test], ds.y[ds.test]
        self.extent = data_extent(base.X) if base.X.shape[1] == 2 else None  # the plane's box
        self.points_version += 1
        self._build_inputs()

    def _build_inputs(self):
        """The network's inputs: on the plane the chosen features of the training and test
        points; an image set's pixels as they are."""
        if DATASETS[self.config.dataset].kind != "points":
            self.inputs_train, self.inputs_test = self.X_train, self.X_test
            return
        features = self.config.features
        self.inputs_train = feature_matrix(self.X_train, features)
        self.inputs_test = feature_matrix(self.X_test, features)

    def reinitialize(self):
        """A fresh network from the seed; step, epoch, history and status cleared."""
        c = self.config
        self.task = task_of(c.dataset)
        self._build_inputs()
        sizes = [self.task.input_width(self.dataset, c.features), *c.hidden_sizes, self.task.output_width(c)]
        self.net = Network.create(sizes, c.activation, c.init, c.seed)
        self.optimizer = make_optimizer(c.optimizer)
        self.sampler = BatchSampler(len(self.y_train), c.batch_size, np.random.default_rng([c.seed, 1]))
        self.step_count = 0
        self.epoch = 0
        self.status = "ok"
        self.history = History(REGRESSION_HISTORY_KEYS if self.task.metric == "r2" else HISTORY_KEYS)
        self.version += 1
        self.last = None  # what the next frame needs of the newest step: see _kept()
        self.watch = StepWatch()  # for the health view
        self.last_full_batch = False
        self._summary = None  # (step, config, dataset, values): see _summarize()
        self._recent = None   # image tasks: (step, values, confusion) of the newest evaluation
        self._next_record_at = 0.0  # image tasks: when the history may evaluate again

    def apply_config(self, patch: dict) -> bool:
        """Apply a validated partial config; True when it re-initialized."""
        new = merge_config(self.config, patch)
        changed = changed_fields(self.config, new)
        self.config = new
        if self.probe_point is not None and not new.regression and (self.probe_point[1] or 0) >= new.classes:
            self.probe_point = (self.probe_point[0], None)  # that class no longer exists
        if changed & DATA_FIELDS:
            self.user_points, self.own_points = [], None
            self._build_data()
        if changed - LIVE_FIELDS:
            self.reinitialize()
            if self.probe_point is not None and len(self.probe_point[0]) != self.net.sizes[0]:
                self.probe_point = None  # a point of the plane, and now images (or back)
            return True
        if "optimizer" in changed:
            self.optimizer = make_optimizer(new.optimizer)
        if "batch_size" in changed:
            self.sampler.batch_size = new.batch_size
        return False

    def reset(self):
        self.reinitialize()

    def add_points(self, points):
        """Add user points (x1, x2, label) as training points; the network keeps training."""
        label = float if self.config.regression else int
        self.user_points.extend((float(a), float(b), label(k)) for a, b, k in points)
        self._rebuild_training_data()

    def clear_points(self):
        self.user_points = []
        self._rebuild_training_data()

    def replace_points(self, points):
        """Your own points (x1, x2, label) in place of the dataset's (until a
        data setting changes); the network keeps training on them."""
        self.own_points = [(float(a), float(b), int(k)) for a, b, k in points]
        self.user_points = []
        self._rebuild_training_data()

    def _rebuild_training_data(self):
        self._build_data()
        self.sampler = BatchSampler(len(self.y_train), self.config.batch_size,
                                    np.random.default_rng([self.config.seed, 1, len(self.y_train)]))

    @property
    def n_points(self):
        return len(self.dataset.y)

    # ---- training -------------------------------------------------------

    def train(self, max_steps, deadline=None, interrupted=None):
        """Run up to ``max_steps`` steps, stopping early at ``deadline``
        (time.perf_counter()), when ``interrupted()`` turns true, or on
        divergence; at least one step. Returns the steps run."""
        done = 0
        with np.errstate(all="ignore"):  # divergence is detected, not warned about
            while done < max_steps and self.status == "ok":
                self._one_step()
                done += 1
                if deadline is not None and time.perf_counter() >= deadline:
                    break
                if interrupted is not None and interrupted():
                    break
            # While playing, the frame after this turn shows the last step's values.
            if done and self.running and self.last_full_batch and self.current_summary() is None:
                self._summarize(self.last, full_batch=True)
        return done

    def _one_step(self):
        c = self.config
        idx, epoch_end = self.sampler.next()
        X, y = (self.inputs_train, self.y_train) if idx is None else (self.inputs_train[idx], self.y_train[idx])
        res = self.net.loss(X, y, c.loss, c.reg, c.margin, regularization=c.regularization)
        if not math.isfinite(res.total):
            self._diverge(res)
            return
        before = self.watch.before_step(self.net.weights) if c.health else None
        self.optimizer.step(self.net.params, [g for pair in res.grads for g in pair], c.learning_rate)
        self.watch.after_step(self.net.weights, before, res.total,
                              unit_figures(res.hidden, c.activation) if c.health else None)
        self.step_count += 1
        self.version += 1
        self.epoch += epoch_end
        self.last, self.last_full_batch = self._kept(res), idx is None
        if self.history.due(self.step_count) and time.perf_counter() >= self._next_record_at:
            self._record(res, full_batch=idx is None)
        if not self.net.is_finite():
            self._diverge(res)

    def _kept(self, res):
        """What the next frame needs of a step's LossResult: its losses and scores
        (the train metric of a full batch), and its gradients only while a view
        draws them. Never the hidden activations (N×H per layer) or dX: a
        session that is not stepping holds no batch-sized arrays."""
        keep_grads = self.config.neurons or self.config.health
        return dataclasses.replace(res, hidden=[], dX=None, grads=res.grads if keep_grads else None)

    def _diverge(self, res):
        self.status = "diverged"
        self.running = False
        self.last = self._kept(res)
        self.history.record(step=self.step_count, data_loss=res.data_loss, reg_loss=res.reg_loss,
                            total=res.total)

    def _record(self, res, full_batch):
        """A history point for this step. A task with a ``record_share`` waits
        before the next one so that evaluating takes at most that share of
        the training time."""
        start = time.perf_counter()
        data, reg, train, test = self._summarize(res, full_batch)
        metric = "r2" if self.task.metric == "r2" else "accuracy"
        share = self.task.record_share
        if share is not None:
            end = time.perf_counter()
            self._next_record_at = end + (end - start) * (1 - share) / share
        self.history.record(step=self.step_count, data_loss=data, reg_loss=reg, total=data + reg,
                            **{f"train_{metric}": train, f"test_{metric}": test})

    def _summarize(self, res, full_batch):
        """(data loss, λR(W), train accuracy, test accuracy) at this step. Full
        batch reuses the step's own forward pass (the loss before its update,
        as the history records it), and keeps the values for the next frame."""
        if not full_batch:
            values = self.evaluate()
        else:
            score = self.task.score
            values = (res.data_loss, res.reg_loss, score(res.scores, self.y_train),
                      score(self.net.scores(self.inputs_test), self.y_test) if len(self.y_test) else None)
            self._summary = (self.step_count, self.config, self.dataset, values)
        if "confusion" in self.task.views:
            self._recent = (self.step_count, values, test_confusion(self.net, self.dataset))
        return values

    def current_summary(self):
        """The kept summary, if it is of this step, config and data; else None."""
        if self._summary is None:
            return None
        step, config, dataset, values = self._summary
        current = (step == self.step_count and config is self.config and dataset is self.dataset
                   and self.status == "ok")
        return values if current else None

    def evaluate(self):
        """(data loss on the training points, λR(W), train accuracy, test accuracy) now."""
        return evaluate(self.net, self.config, self.task, self.dataset)
