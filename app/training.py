"""TrainingSession: one live run — data, network, optimizer, history, status.

No web imports: the stream router drives it, a notebook can too. Every method
is synchronous and is called from one thread at a time.
"""
from __future__ import annotations

import json
import math
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from .boundary import BoundaryGrid, data_extent, grid_work
from .datasets import DATASETS, add_points, make_dataset
from .features import DEFAULT_FEATURES, check_features, feature_matrix
from .health import OSCILLATION_WINDOW, network_health
from .inside import field_view, neurons_view, set_parameter
from .nn import (BatchSampler, Network, example_losses, log_softmax, make_optimizer, r2_score, regularize,
                 softmax, svm_margins)

# Fields that apply to the running network; every other field rebuilds it.
LIVE_FIELDS = frozenset({
    "learning_rate", "reg", "loss", "margin", "batch_size", "optimizer",
    "speed", "fps", "grid_resolution", "regularization", "neurons", "health",
})
# Fields that define the points; changing one also drops user-added points.
DATA_FIELDS = frozenset({"dataset", "n_points", "classes", "noise", "seed", "test_fraction"})

HISTORY_KEYS = ("step", "data_loss", "reg_loss", "total", "train_accuracy", "test_accuracy", "train_r2", "test_r2")
HISTORY_LIMIT = 2000  # points kept; past it every other point is dropped


@dataclass
class TrainingConfig:
    """Every setting of a session; the defaults are the CS231n spiral case study."""
    dataset: str = "spiral"
    n_points: int = 300
    classes: int = 3
    noise: float | None = None          # None: the dataset's default
    test_fraction: float = 0.2
    seed: int = 0
    hidden_sizes: list = field(default_factory=lambda: [100])
    activation: str = "relu"
    init: str = "small"
    loss: str = "softmax"
    margin: float = 1.0
    reg: float = 5e-4
    learning_rate: float = 1.0
    batch_size: int = 0
    optimizer: str = "sgd"
    speed: float = 0.0
    fps: float = 30.0
    grid_resolution: int = 100
    regularization: str = "l2"
    features: list = field(default_factory=lambda: list(DEFAULT_FEATURES))
    neurons: bool = True    # frames carry the per-neuron maps
    health: bool = True     # frames carry the network's health

    def __post_init__(self):
        if self.noise is None:
            self.noise = DATASETS[self.dataset].default_noise

    @property
    def regression(self):
        return DATASETS[self.dataset].task == "regression"

    def to_dict(self):
        return asdict(self)


CONFIG_FIELDS = tuple(f.name for f in fields(TrainingConfig))


def merge_config(config: TrainingConfig, patch: dict) -> TrainingConfig:
    """The config after a partial update.

    Switching the dataset without naming ``noise`` or ``classes`` takes the new
    dataset's default noise and keeps the class count if the dataset allows it
    (xor and moons have exactly 2), as a user switching datasets would expect.
    """
    patch = dict(patch)
    if "dataset" in patch and patch["dataset"] != config.dataset:
        spec = DATASETS[patch["dataset"]]
        patch.setdefault("noise", spec.default_noise)
        if "classes" not in patch and not spec.min_classes <= config.classes <= spec.max_classes:
            patch["classes"] = spec.default_classes
        # regression takes the mse loss; back to classification, softmax
        if "loss" not in patch and (spec.task == "regression") != (config.loss == "mse"):
            patch["loss"] = "mse" if spec.task == "regression" else "softmax"
    if "features" in patch:
        try:
            patch["features"] = check_features(patch["features"])
        except ValueError as e:
            raise ConfigError("features", str(e)) from None
    return replace(config, **patch)


def to_json(message) -> str:
    """Strict, compact JSON: a NaN that slipped through raises instead of being sent."""
    return json.dumps(message, allow_nan=False, separators=(",", ":"))


def frame_json(frame) -> str:
    """to_json(frame), with the boundary's base64 text spliced in as it is:
    base64 needs no escaping, and scanning its 40 KB for escapes would be half
    the cost of the JSON. (The boundary is put last; key order means nothing.)"""
    boundary = frame["boundary"]
    rest = to_json({k: v for k, v in frame.items() if k != "boundary"})
    head = to_json({k: v for k, v in boundary.items() if k != "data"})
    return f'{rest[:-1]},"boundary":{head[:-1]},"data":"{boundary["data"]}"}}}}'


def changed_fields(old: TrainingConfig, new: TrainingConfig) -> set:
    return {k for k in CONFIG_FIELDS if getattr(new, k) != getattr(old, k)}


def finite(x):
    """A float for JSON, or None where the value is NaN or infinite."""
    x = float(x)
    return x if math.isfinite(x) else None


class History:
    """Loss and accuracy per recorded step, thinned to stay under HISTORY_LIMIT.

    Every ``stride``-th step is recorded; when the kept points pass the limit
    every other one is dropped and the stride doubles, so the curve stays dense
    at the start and bounded in memory however long the run.
    """

    def __init__(self):
        self.points = {k: [] for k in HISTORY_KEYS}
        self.stride = 1
        self.unsent = {k: [] for k in HISTORY_KEYS}

    def due(self, step):
        return step % self.stride == 0

    def record(self, **values):
        for k in HISTORY_KEYS:
            value = values.get(k)  # a metric the task does not have is None
            v = value if k == "step" else finite(value) if value is not None else None
            self.points[k].append(v)
            self.unsent[k].append(v)
        if len(self.points["step"]) > HISTORY_LIMIT:
            for k in HISTORY_KEYS:
                self.points[k] = self.points[k][::2]
            self.stride *= 2

    def take_unsent(self):
        out, self.unsent = self.unsent, {k: [] for k in HISTORY_KEYS}
        return out

    def __len__(self):
        return len(self.points["step"])


def accuracy(scores, y):
    return float((scores.argmax(axis=1) == y).mean()) if len(y) else None


def metric(config, scores, y):
    """Accuracy for classification, R² for regression (None without points)."""
    if not len(y):
        return None
    return r2_score(scores, y) if config.regression else accuracy(scores, y)


@dataclass
class FrameSnapshot:
    net: Network          # a copy: training may go on while the frame is drawn
    config: TrainingConfig
    dataset: object       # None when the summary is given: nothing to evaluate
    extent: list
    step: int
    epoch: int
    running: bool
    status: str
    history: dict
    points: dict | None
    probe_point: tuple | None
    last_boundary: dict | None = None
    summary: tuple | None = None  # (data, reg, train acc, test acc), when the session has them
    grads: list | None = None     # the last step's [(dW, db)], for the neurons view
    health: dict | None = None    # the health view, computed with the snapshot


def frame_work(snap: FrameSnapshot):
    """About how many multiply-adds drawing this snapshot takes: the boundary,
    and a forward pass over every point unless the snapshot has its summary."""
    work = 0 if snap.last_boundary is not None else grid_work(snap.net, snap.config.grid_resolution)
    if snap.summary is None:
        sizes = snap.net.sizes
        work += len(snap.dataset.y) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return work


def render_frame(snap: FrameSnapshot, grid: BoundaryGrid):
    """The `frame` message for a snapshot (a dict of JSON-safe values).

    Pure but for ``grid``'s reused buffers: one thread at a time per grid.
    """
    config = snap.config
    data, reg, train_acc, test_acc = snap.summary or evaluate(snap.net, config, snap.dataset)
    out = {
        "type": "frame",
        "step": snap.step,
        "epoch": snap.epoch,
        "running": snap.running,
        "status": snap.status,
        "loss": {"data": finite(data), "reg": finite(reg), "total": finite(data + reg)},
        "train_accuracy": None if train_acc is None else finite(train_acc),
        "test_accuracy": None if test_acc is None else finite(test_acc),
        "history": snap.history,
    }
    if config.regression:  # R² instead of accuracy
        out["train_r2"], out["test_r2"] = out["train_accuracy"], out["test_accuracy"]
        out["train_accuracy"] = out["test_accuracy"] = None
    if snap.last_boundary is not None:
        out["boundary"] = snap.last_boundary
    elif config.regression or config.features != list(DEFAULT_FEATURES):
        out["boundary"] = field_view(snap.net, snap.extent, config.grid_resolution, config.features,
                                     config.regression)
    else:
        with np.errstate(all="ignore"):
            out["boundary"] = grid.encode(snap.net, snap.extent, config.grid_resolution)
    if config.neurons and snap.status == "ok":
        with np.errstate(all="ignore"):
            out["neurons"] = neurons_view(snap.net, snap.extent, config.features, snap.grads)
    if snap.health is not None:
        out["health"] = snap.health
    if snap.points is not None:
        out["points"] = snap.points
    if snap.probe_point is not None:
        out["probe"] = probe_values(snap.net, snap.config, *snap.probe_point)
    return out


def evaluate(net, config, dataset):
    """(data loss on the training points, λR(W), train and test accuracy, or R² for regression)."""
    with np.errstate(all="ignore"):
        scores = net.scores(feature_matrix(dataset.X, config.features))
        test = dataset.test
        train_scores, test_scores = scores[~test], scores[test]
        y_train, y_test = dataset.y[~test], dataset.y[test]
        data = float(example_losses(config.loss, train_scores, y_train, config.margin).mean()) \
            if len(y_train) else 0.0
        reg = regularize(config.regularization, net.weights, config.reg)[0]
    return data, reg, metric(config, train_scores, y_train), metric(config, test_scores, y_test)


def probe_values(net, config, x, label=None):
    """Scores, probabilities, hidden values and prediction at one point (float64);
    with a label, its data loss and each class's term (SVM margins or −ln p).
    Regression: the prediction is the predicted value, the label the target, and
    `squared_error` (s − y)² comes with the loss ½(s − y)²."""
    X = feature_matrix(np.asarray([x], dtype=np.float64), config.features)
    if config.regression:
        return _regression_probe(net, config, X, x, label)
    with np.errstate(all="ignore"):
        scores, cache = net.forward(X)
        out = {
            "x": [float(v) for v in x],
            "scores": [finite(v) for v in scores[0]],
            "probs": [finite(v) for v in softmax(scores)[0]],
            "hidden": [[finite(v) for v in h[0]] for h in Network.hidden(cache)],
            "prediction": int(scores[0].argmax()),
        }
        if label is not None:
            y = np.asarray([label])
            out["label"] = int(label)
            out["loss"] = finite(example_losses(config.loss, scores, y, config.margin)[0])
            if config.loss == "svm":
                out["margins"] = [finite(v) for v in svm_margins(scores, y, config.margin)[0]]
            else:
                out["terms"] = [finite(v) for v in -log_softmax(scores)[0]]
    return out


def _regression_probe(net, config, X, x, target):
    with np.errstate(all="ignore"):
        scores, cache = net.forward(X)
        out = {
            "x": [float(v) for v in x],
            "scores": [finite(v) for v in scores[0]],
            "probs": [finite(v) for v in softmax(scores)[0]],
            "hidden": [[finite(v) for v in h[0]] for h in Network.hidden(cache)],
            "prediction": finite(scores[0, 0]),
        }
        if target is not None:
            error = float(scores[0, 0]) - float(target)
            out.update(label=float(target), loss=finite(0.5 * error * error), squared_error=finite(error * error))
    return out


class TrainingSession:
    """A network learning one dataset, one step at a time."""

    def __init__(self, config: TrainingConfig | None = None):
        self.config = config or TrainingConfig()
        self.user_points: list = []
        self.running = False
        self.probe_point = None  # (x, label or None)
        self.boundary = BoundaryGrid()
        # Held by whoever changes or reads the network: the training thread,
        # or the event loop taking a frame's snapshot while that thread is busy
        # with another session.
        self.lock = threading.Lock()
        self._last_boundary = None  # shown again while diverged
        self._last_frame_text = None
        self.points_changed = True  # the next frame carries the points
        self._build_data()
        self.reinitialize()

    # ---- building -------------------------------------------------------

    def _build_data(self):
        c = self.config
        base = make_dataset(c.dataset, n=c.n_points, classes=c.classes, noise=c.noise,
                            seed=c.seed, test_fraction=c.test_fraction)
        ds = add_points(base, self.user_points) if self.user_points else base
        self.dataset = ds
        self.X_train, self.y_train = ds.X[~ds.test], ds.y[~ds.test]
        self.X_test, self.y_test = ds.X[ds.test], ds.y[ds.test]
        self.extent = data_extent(base.X)
        self.points_changed = True
        self._build_inputs()

    def _build_inputs(self):
        """The network's inputs: the chosen features of the training and test points."""
        features = self.config.features
        self.inputs_train = feature_matrix(self.X_train, features)
        self.inputs_test = feature_matrix(self.X_test, features)

    def reinitialize(self):
        """A fresh network from the seed; step, epoch, history and status cleared."""
        c = self.config
        self._build_inputs()
        sizes = [len(c.features), *c.hidden_sizes, c.classes]
        self.net = Network.create(sizes, c.activation, c.init, c.seed)
        self.optimizer = make_optimizer(c.optimizer)
        self.sampler = BatchSampler(len(self.y_train), c.batch_size, np.random.default_rng([c.seed, 1]))
        self.step_count = 0
        self.epoch = 0
        self.status = "ok"
        self.history = History()
        self.last = None  # the newest step's losses
        self.last_update = None  # the newest step's change of each W (for the health view)
        self.recent_losses = deque(maxlen=OSCILLATION_WINDOW)
        self.last_full_batch = False
        self._summary = None  # (step, config, dataset, values): see _summarize()

    def apply_config(self, patch: dict) -> bool:
        """Apply a validated partial config; True when it re-initialized."""
        new = merge_config(self.config, patch)
        changed = changed_fields(self.config, new)
        self.config = new
        if self.probe_point is not None and not new.regression and (self.probe_point[1] or 0) >= new.classes:
            self.probe_point = (self.probe_point[0], None)  # that class no longer exists
        if changed & DATA_FIELDS:
            self.user_points = []
            self._build_data()
        if changed - LIVE_FIELDS:
            self.reinitialize()
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
        before = [w.copy() for w in self.net.weights] if c.health else None
        self.optimizer.step(self.net.params, [g for pair in res.grads for g in pair], c.learning_rate)
        self.recent_losses.append(res.total)
        if before is not None:
            self.last_update = [w - b for w, b in zip(self.net.weights, before)]
        self.step_count += 1
        self.epoch += epoch_end
        self.last, self.last_full_batch = res, idx is None
        if self.history.due(self.step_count):
            self._record(res, full_batch=idx is None)
        if not self.net.is_finite():
            self._diverge(res)

    def _diverge(self, res):
        self.status = "diverged"
        self.running = False
        self.last = res
        self.history.record(step=self.step_count, data_loss=res.data_loss, reg_loss=res.reg_loss,
                            total=res.total, **self._metrics(None, None))

    def _record(self, res, full_batch):
        """A history point for this step."""
        data, reg, train_acc, test_acc = self._summarize(res, full_batch)
        self.history.record(step=self.step_count, data_loss=data, reg_loss=reg, total=data + reg,
                            **self._metrics(train_acc, test_acc))

    def _metrics(self, train, test):
        """The history's metric fields: accuracy, or R² for regression (the other pair None)."""
        if self.config.regression:
            return {"train_accuracy": None, "test_accuracy": None, "train_r2": train, "test_r2": test}
        return {"train_accuracy": train, "test_accuracy": test, "train_r2": None, "test_r2": None}

    def _summarize(self, res, full_batch):
        """(data loss, λR(W), train accuracy, test accuracy) at this step. Full
        batch reuses the step's own forward pass (the loss before its update,
        as the history records it), and keeps the values for the next frame."""
        if not full_batch:
            return self.evaluate()
        values = (res.data_loss, res.reg_loss, metric(self.config, res.scores, self.y_train),
                  metric(self.config, self.net.scores(self.inputs_test), self.y_test))
        self._summary = (self.step_count, self.config, self.dataset, values)
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
        return evaluate(self.net, self.config, self.dataset)

    # ---- what the client sees ----------------------------------------------

    def probe(self, x, label=None):
        """Scores, probabilities, hidden values and prediction at one point (float64)."""
        return probe_values(self.net, self.config, x, label)

    def snapshot(self):
        """What the next frame shows, frozen: cheap, taken between training
        steps, so that the frame can be drawn elsewhere while training goes on."""
        points = None
        if self.points_changed:
            points, self.points_changed = self.points_payload(), False
        # While playing, the last step's values (the numbers tick by at fps and
        # would be one step newer); paused, the network as it is now.
        summary = self.current_summary() if self.running else None
        return FrameSnapshot(
            net=self.net.copy(), config=self.config, extent=self.extent,
            dataset=self.dataset if summary is None else None,  # only evaluate() needs it
            step=self.step_count, epoch=self.epoch, running=self.running, status=self.status,
            history=self._unsent_history(), points=points, probe_point=self.probe_point,
            summary=summary,
            # While diverged the last good boundary stays on screen.
            last_boundary=self.last_boundary if self.status != "ok" else None,
            grads=self._last_grads(), health=self.health())

    def _unsent_history(self):
        """The history points not yet sent; R² only in a regression session's."""
        history = self.history.take_unsent()
        if not self.config.regression:
            del history["train_r2"], history["test_r2"]
        return history

    def _last_grads(self):
        if not self.config.neurons or self.last is None:
            return None
        return [(dw.copy(), db.copy()) for dw, db in self.last.grads]

    def health(self):
        """The health view of the last step, or None (off, or no step yet)."""
        c = self.config
        if not c.health or self.last is None or self.status != "ok":
            return None
        with np.errstate(all="ignore"):
            return network_health(self.net.weights, [dw for dw, _ in self.last.grads], self.last.hidden,
                                  self.net.activation, list(self.recent_losses), c.optimizer, c.learning_rate,
                                  c.init, self.last_update)

    def set_parameter(self, layer, name, index, value):
        """A hand edit of one weight or bias: applied now, training goes on from it."""
        set_parameter(self.net, layer, name, index, value)
        self._summary = None  # the kept values are of the network before the edit

    def render(self, snap):
        """The `frame` message for a snapshot, drawn with this session's grid."""
        out = render_frame(snap, self.boundary)
        self._last_boundary, self._last_frame_text = out["boundary"], None
        return out

    def remember_frame(self, text):
        """A frame drawn elsewhere (as its JSON text): its boundary is the one
        shown again if the network diverges."""
        self._last_boundary, self._last_frame_text = None, text

    @property
    def last_boundary(self):
        """The boundary of the last frame drawn (read from its text only when
        needed: rarely, so not for every frame)."""
        if self._last_boundary is None and self._last_frame_text is not None:
            self._last_boundary = json.loads(self._last_frame_text)["boundary"]
            self._last_frame_text = None
        return self._last_boundary

    def frame(self):
        """One `frame` message, now."""
        return self.render(self.snapshot())

    def points_payload(self):
        """The session's points: X, y (labels, or targets for regression), test flags (the dataset plus user points)."""
        ds = self.dataset
        return {"X": ds.X.tolist(), "y": ds.y.tolist(), "test": ds.test.tolist()}


class ConfigError(ValueError):
    """A config that is valid field by field but not as a whole; names the field."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field


def check_config(config: TrainingConfig, extra_points=0, max_points=5000):
    """Cross-field checks the per-field ranges cannot express."""
    spec = DATASETS[config.dataset]
    if (spec.task == "regression") != (config.loss == "mse"):
        raise ConfigError("loss", f"{config.dataset} is a {spec.task} dataset: its loss is "
                                  + ("mse" if spec.task == "regression" else "softmax or svm"))
    if not spec.min_classes <= config.classes <= spec.max_classes:
        raise ConfigError("classes", f"{config.dataset} takes {spec.min_classes} to "
                                     f"{spec.max_classes} classes")
    if config.noise > spec.max_noise:
        raise ConfigError("noise", f"noise for {config.dataset} must be at most {spec.max_noise}")
    if config.n_points < config.classes:
        raise ConfigError("n_points", "n_points must be at least the number of classes")
    if config.n_points - round(config.test_fraction * config.n_points) < 1:
        raise ConfigError("test_fraction", "test_fraction leaves no training points")
    if config.n_points + extra_points > max_points:
        raise ConfigError("n_points", f"a session holds at most {max_points} points")
