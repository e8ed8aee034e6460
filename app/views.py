"""What a frame shows: a snapshot of a session, and the registry of views drawn from it.

A frame has a head (step, status, loss, metrics, probe) and views: the
decision boundary (or, for regression, the predicted value over the plane),
the per-neuron maps with their edges (`neurons`) and the network's health
(`health`); image templates and confusion matrices are views too. Each view says whether it applies to a snapshot, how
much work it is (so that the frame pool can send a slow frame to its slow
lane) and its key: two snapshots with the same key give the same view, so a
view whose key has not changed is not drawn again but reused as it was sent.

Frames are drawn from a snapshot in a worker process (app/frame_pool.py):
render_parts() returns JSON texts, and the event loop joins them.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from . import compact
from .boundary import BoundaryGrid, grid_work
from .features import DEFAULT_FEATURES, feature_matrix
from .image_views import MAX_TEMPLATES, templates, test_confusion
from .inference import finite, probe_values
from .inside import field_view, neurons_view
from .neurons import MAP_RESOLUTION
from .nn import Network, example_losses, regularizer
from .protocol import join_object, json_with_data, to_json
from .session_config import TrainingConfig
from .tasks import Task


@dataclass
class FrameSnapshot:
    """Everything a frame shows, frozen between two training steps."""
    net: Network          # a copy: training may go on while the frame is drawn
    config: TrainingConfig
    task: Task
    dataset: object       # None when the summary is given: nothing to evaluate
    extent: list
    version: int          # changes whenever the network's parameters do
    step: int
    epoch: int
    running: bool
    status: str
    probe_point: tuple | None
    summary: tuple | None = None  # (data, reg, train metric, test metric), when known
    reuse: dict = field(default_factory=dict)  # view name → its text, unchanged since sent
    grads: list | None = None     # the last step's [(dW, db)], for the neurons view's edges
    health: dict | None = None    # the health view, computed with the snapshot (it needs the last batch)
    image_shape: tuple | None = None  # an image set's (H, W, Ch)
    recent: tuple | None = None   # (step, confusion) of the newest evaluation, with the summary
    drawn: dict = field(default_factory=dict)  # what two views share, computed once per snapshot
    taken_at: float = field(default_factory=time.monotonic)
    compact: bool = False  # a subscriber takes compact frames: compress the boundary too


@dataclass(frozen=True)
class View:
    name: str
    applies: Callable[[FrameSnapshot], bool]
    key: Callable[[FrameSnapshot], tuple]
    work: Callable[[FrameSnapshot], int]
    render: Callable[[FrameSnapshot, BoundaryGrid], str]
    # A sticky view is sent to each connection only when its key has changed
    # since that connection last had it (like the points), not in every frame.
    sticky: bool = False


def _boundary_key(snap: FrameSnapshot):
    return (snap.version, snap.config.grid_resolution, tuple(snap.extent))


def _plain_plane(snap: FrameSnapshot):
    """Whether the boundary's fast paths apply: class probabilities of a network on (x1, x2) itself."""
    return snap.task.metric != "r2" and list(snap.config.features) == list(DEFAULT_FEATURES)


def _render_boundary(snap: FrameSnapshot, grid: BoundaryGrid) -> str:
    c = snap.config
    with np.errstate(all="ignore"):
        if _plain_plane(snap):
            return json_with_data(grid.encode(snap.net, snap.extent, c.grid_resolution))
        return json_with_data(field_view(snap.net, snap.extent, c.grid_resolution, c.features,
                                         regression=snap.task.metric == "r2"))


def _boundary_work(snap: FrameSnapshot):
    if _plain_plane(snap):
        return grid_work(snap.net, snap.config.grid_resolution)
    return _forward_work(snap.net, snap.config.grid_resolution ** 2)


def _forward_work(net: Network, points):
    sizes = net.sizes
    return points * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


def _render_neurons(snap: FrameSnapshot, grid: BoundaryGrid) -> str:
    with np.errstate(all="ignore"):
        return to_json(neurons_view(snap.net, snap.extent, snap.config.features, snap.grads))


# While playing, templates are redrawn at most this often, and large ones less
# often, so that they stay within this many bytes a second per session (100
# units of 32×32×3 are 410 KB of base64: once a second). Paused: every change.
TEMPLATES_PER_SECOND = 4
TEMPLATE_BYTES_PER_SECOND = 500_000


def templates_interval(net) -> float:
    """Seconds between two templates while playing."""
    size = net.sizes[0] * min(net.sizes[1], MAX_TEMPLATES) * 4 / 3
    return max(1 / TEMPLATES_PER_SECOND, size / TEMPLATE_BYTES_PER_SECOND)


def _templates_key(snap: FrameSnapshot):
    if snap.running:
        return ("playing", int(snap.taken_at / templates_interval(snap.net)))
    return ("paused", snap.version)


def _render_templates(snap: FrameSnapshot, grid: BoundaryGrid) -> str:
    return json_with_data(templates(snap.net, snap.image_shape))


def _confusion_key(snap: FrameSnapshot):
    return ("now", snap.version) if snap.dataset is not None else ("recent", snap.recent[0])


def _test_confusion(snap: FrameSnapshot) -> dict:
    """On the test images: of the network now, or (while playing) as of its newest evaluation."""
    if "confusion" not in snap.drawn:
        snap.drawn["confusion"] = (test_confusion(snap.net, snap.dataset) if snap.dataset is not None
                                   else snap.recent[1])
    return snap.drawn["confusion"]


def _render_confusion(snap: FrameSnapshot, grid: BoundaryGrid) -> str:
    """The C×C counts: row i, column j = test images of class i predicted as j."""
    return to_json(_test_confusion(snap)["matrix"])


def _render_test_predictions(snap: FrameSnapshot, grid: BoundaryGrid) -> str:
    """Each class's accuracy, and each test image's predicted class and its probability."""
    out = _test_confusion(snap)
    return to_json({k: out[k] for k in ("per_class_accuracy", "predicted", "probability")})


def _has_confusion(snap: FrameSnapshot) -> bool:
    return "confusion" in snap.task.views and (snap.dataset is not None or bool(snap.recent))


def _confusion_work(snap: FrameSnapshot) -> int:
    if snap.dataset is None:
        return 0
    sizes = snap.net.sizes
    return int(snap.dataset.test.sum()) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))


VIEWS = {
    "boundary": View(
        name="boundary",
        applies=lambda snap: "boundary" in snap.task.views,
        key=_boundary_key,
        work=_boundary_work,
        render=_render_boundary,
    ),
    "neurons": View(
        name="neurons",
        applies=lambda snap: "neurons" in snap.task.views and snap.config.neurons and snap.status == "ok",
        key=lambda snap: (snap.version, tuple(snap.extent), tuple(snap.config.features), snap.grads is None),
        work=lambda snap: _forward_work(snap.net, MAP_RESOLUTION ** 2),
        render=_render_neurons,
    ),
    "health": View(
        name="health",
        applies=lambda snap: "health" in snap.task.views and snap.health is not None,
        key=lambda snap: (snap.version,),
        work=lambda snap: 0,
        render=lambda snap, grid: to_json(snap.health),
    ),
    "templates": View(
        name="templates",
        applies=lambda snap: "templates" in snap.task.views,
        key=_templates_key,
        work=lambda snap: snap.net.sizes[0] * min(snap.net.sizes[1], MAX_TEMPLATES) * 4,
        render=_render_templates,
        sticky=True,
    ),
    "confusion": View(
        name="confusion",
        applies=_has_confusion,
        key=_confusion_key,
        work=_confusion_work,
        render=_render_confusion,
    ),
    "test_predictions": View(
        name="test_predictions",
        applies=_has_confusion,
        key=_confusion_key,
        work=lambda snap: 0,  # the confusion view's forward pass
        render=_render_test_predictions,
    ),
}


def views_of(snap: FrameSnapshot):
    return [view for view in VIEWS.values() if view.applies(snap)]


def frame_work(snap: FrameSnapshot) -> int:
    """About how many multiply-adds drawing this snapshot takes: its views not
    reused, and a forward pass over every point unless the summary is known."""
    work = sum(view.work(snap) for view in views_of(snap) if view.name not in snap.reuse)
    if snap.summary is None:
        sizes = snap.net.sizes
        work += len(snap.dataset.y) * sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return work


def evaluate(net: Network, config: TrainingConfig, task: Task, dataset):
    """(data loss on the training points, λR(W), train metric, test metric)."""
    with np.errstate(all="ignore"):
        inputs = feature_matrix(dataset.X, config.features) if task.input == "plane" else dataset.X
        scores = net.scores(inputs)
        test = dataset.test
        train_scores, test_scores = scores[~test], scores[test]
        y_train, y_test = dataset.y[~test], dataset.y[test]
        data = float(example_losses(config.loss, train_scores, y_train, config.margin).mean()) \
            if len(y_train) else 0.0
        reg = regularizer(config.regularization).value(net.weights, config.reg)
    return data, reg, task.score(train_scores, y_train), task.score(test_scores, y_test)


def render_head(snap: FrameSnapshot) -> str:
    """The frame's own fields (no views, history or points) as JSON text."""
    data, reg, train, test = snap.summary or evaluate(snap.net, snap.config, snap.task, snap.dataset)
    head = {
        "type": "frame",
        "step": snap.step,
        "epoch": snap.epoch,
        "running": snap.running,
        "status": snap.status,
        "loss": {"data": finite(data), "reg": finite(reg), "total": finite(data + reg)},
        "train_accuracy": None if train is None else finite(train),
        "test_accuracy": None if test is None else finite(test),
    }
    if snap.task.metric == "r2":  # R² instead of accuracy
        head["train_r2"], head["test_r2"] = head["train_accuracy"], head["test_accuracy"]
        head["train_accuracy"] = head["test_accuracy"] = None
    if snap.probe_point is not None:
        head["probe"] = probe_values(snap.net, snap.config, *snap.probe_point)
    return to_json(head)


def render_parts(snap: FrameSnapshot, grid: BoundaryGrid):
    """(the head's JSON text, {view name: JSON text}) for a snapshot; views in
    ``snap.reuse`` are taken as they are. Pure but for ``grid``'s buffers.
    With ``snap.compact``, a third part: the compact body (app/compact.py)."""
    views = {view.name: snap.reuse.get(view.name) or view.render(snap, grid)
             for view in views_of(snap)}
    head = render_head(snap)
    if snap.compact:
        return head, views, compact_body(head, views)
    return head, views


def compact_body(head: str, views: dict):
    """(the frame's JSON text with the boundary's data left out, the compressed boundary)."""
    if "boundary" not in views:
        return join_object(head, shared_views(views)), b""
    boundary, blob = compact.boundary_parts(views["boundary"])
    return join_object(head, {**shared_views(views), "boundary": boundary}), blob


def frame_body(parts) -> str:
    """The frame's JSON text without history, points and sticky views (the
    same for every connection to the session)."""
    head, views = parts[:2]
    return join_object(head, shared_views(views))


def shared_views(views: dict) -> dict:
    """The views every frame carries (sticky ones go to a connection only when it has not seen them)."""
    return {name: text for name, text in views.items() if not VIEWS[name].sticky}


def sticky_parts(parts, snap: FrameSnapshot) -> dict:
    """{view name: (key, JSON text)} of the frame's sticky views."""
    return {name: (VIEWS[name].key(snap), text) for name, text in parts[1].items() if VIEWS[name].sticky}
