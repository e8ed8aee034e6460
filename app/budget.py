"""Memory budget: what a live session can cost, and the server's worst case.

Every figure is an upper bound in bytes of the float64 arrays a session makes,
counted from its config alone (no dataset is built): see docs/memory.md for
the method and the figures of the default Settings. A session holds, between
steps:

- ``data``: the points (X, y, test flags), the train/test split's copies of X
  and, on the plane, the feature matrix the network reads;
- ``parameters``, and the optimizer's state (momentum one copy, Adam two);
- ``kept gradients``: the last step's gradients, kept while the neurons or
  health view draws them; the health view's weight change (one copy of W);
- ``frame texts``: the last frame's texts (points, boundary, views) and the
  session's own objects (history, caches).

While it works it needs more, one thing at a time (its lock serializes them):
a training ``step`` (the batch's activations forward and backward, the new
gradients) or a ``frame`` (a snapshot of the network, the forward pass of the
points it evaluates and of the boundary's grid, and the grid's drawing
buffer). A session is budgeted at what it holds plus the larger of the two.

NumPy-free and web-free: the sums need only the config and the dataset registry.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .datasets import DATASETS

MB = 1024 * 1024
FLOAT = 8  # bytes of a float64
# Extra arrays the optimizer keeps per parameter; anything unknown counts as Adam's two.
OPTIMIZER_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}
TEXT_BYTES_PER_POINT = 64  # a point's x1, x2, label and test flag in the points JSON
FIXED_BYTES = 4 * MB       # the history, the views' texts, the session's own objects


@dataclass(frozen=True)
class SessionShape:
    """The sizes that decide a session's memory."""
    points: int
    raw_width: int        # numbers per point in the dataset (2 on the plane, pixels for images)
    input_width: int      # the network's first layer
    hidden: tuple
    outputs: int
    optimizer: str = "adam"
    batch: int = 0        # 0: full batch
    grid: int = 200
    keeps_grads: bool = True
    health: bool = True

    @classmethod
    def of(cls, config, points: int | None = None) -> "SessionShape":
        """The shape of a session with this config (and ``points`` points, if not its n_points)."""
        spec = DATASETS[config.dataset]
        raw = math.prod(spec.image_shape) if spec.image_shape else 2
        image = spec.kind == "image"
        outputs = 1 if spec.task == "regression" else config.classes
        return cls(points=config.n_points if points is None else points, raw_width=raw,
                   input_width=raw if image else len(config.features), hidden=tuple(config.hidden_sizes),
                   outputs=outputs, optimizer=config.optimizer, batch=config.batch_size,
                   grid=config.grid_resolution, keeps_grads=config.neurons or config.health,
                   health=config.health)

    @property
    def on_plane(self) -> bool:
        """Points of the plane (a boundary is drawn), not images."""
        return self.raw_width == 2

    @property
    def sizes(self):
        return [self.input_width, *self.hidden, self.outputs]

    @property
    def parameters(self) -> int:
        return sum(a * b + b for a, b in zip(self.sizes[:-1], self.sizes[1:]))

    @property
    def weights(self) -> int:
        return sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))


def session_terms(shape: SessionShape) -> dict:
    """Bytes per term: what the session holds ('held': ...) and what one step or
    one frame needs on top ('work': ...). See the module docstring."""
    n, p = shape.points, shape.parameters
    widest = max(shape.hidden, default=0)
    hidden_sum = sum(shape.hidden)
    plane_features = 0 if shape.input_width == shape.raw_width else shape.input_width
    batch = n if shape.batch <= 0 else min(shape.batch, n)
    cells = shape.grid ** 2
    held = {
        "data": FLOAT * n * (2 * shape.raw_width + plane_features + 3),
        "parameters": FLOAT * p,
        "optimizer state": FLOAT * p * OPTIMIZER_COPIES.get(shape.optimizer, 2),
        "kept gradients": FLOAT * (p * shape.keeps_grads + shape.weights * shape.health),
        "frame texts": 3 * cells * shape.outputs * shape.on_plane + TEXT_BYTES_PER_POINT * n + FIXED_BYTES,
    }
    # Forward: each hidden layer's pre-activation, output and activation cache; backward: two
    # arrays as wide as the widest layer, the scores' gradient, the batch's rows of X, the gradients
    # and the health view's copy of W before the update.
    step = FLOAT * (batch * (3 * hidden_sum + 2 * widest + 4 * shape.outputs + shape.input_width)
                    + p + shape.weights * shape.health)
    # A snapshot of the network and its gradients, and a forward pass over the points and, on the
    # plane, the boundary's grid, with the drawing buffer (float32) of the grid.
    rows = max(cells, n) if shape.on_plane else n
    frame = FLOAT * (2 * p + rows * (hidden_sum + 2 * widest + 2 * shape.outputs)) \
        + 4 * cells * max(widest, shape.outputs) * shape.on_plane
    return {"held": held, "work": {"step": step, "frame": frame}}


def session_bytes(shape: SessionShape) -> int:
    """A session's budget: what it holds plus its larger piece of work."""
    terms = session_terms(shape)
    return sum(terms["held"].values()) + max(terms["work"].values())


def largest_shape(settings) -> SessionShape:
    """The most expensive session the Settings allow: over every dataset at its most
    points (on the plane every feature at once and the finest grid), every hidden
    layer at the widest, the most classes, Adam, full batch, neurons and health on."""
    from .features import FEATURES

    def largest_of(spec):
        raw = math.prod(spec.image_shape) if spec.image_shape else 2
        return SessionShape(points=min(spec.max_n or settings.max_points, settings.max_points), raw_width=raw,
                            input_width=raw if spec.kind == "image" else len(FEATURES),
                            hidden=(settings.max_session_width,) * settings.max_session_hidden_layers,
                            outputs=min(spec.max_classes, settings.max_classes))

    return max((largest_of(spec) for spec in DATASETS.values()), key=session_bytes)


def worst_case(settings) -> dict:
    """The server's worst case from its Settings, in bytes: one largest session, every
    session at once at that size, and what the budget lets them reach."""
    per_session = session_bytes(largest_shape(settings))
    unbounded = settings.max_sessions * per_session
    budget = settings.memory_budget_mb * MB if settings.memory_budget_mb > 0 else unbounded
    return {"per_session": per_session, "max_sessions": settings.max_sessions,
            "unbounded": unbounded, "budget": budget, "sessions_worst": min(unbounded, budget)}


# The config field a refusal names: the first of these the change touches.
_FIELDS = ("hidden_sizes", "n_points", "dataset", "optimizer", "batch_size", "grid_resolution",
           "neurons", "health", "features", "classes")


def over_budget(sessions, config, settings, points=None, exclude=None, patch=()):
    """None if a session of ``config`` (with ``points`` points, if not its n_points) fits beside
    ``sessions`` (LiveSessions; ``exclude`` is the one it replaces), else (field, message)."""
    if settings.memory_budget_mb <= 0:
        return None
    total = session_bytes(SessionShape.of(config, points))
    total += sum(session_bytes(SessionShape.of(s.training.config, s.training.n_points))
                 for s in sessions if s is not exclude)
    if total <= settings.memory_budget_mb * MB:
        return None
    field = next((f for f in _FIELDS if f in patch), next(iter(patch), "session"))
    return field, (f"the server's sessions would need about {total / MB:,.0f} MB, over its memory budget of "
                   f"{settings.memory_budget_mb:,} MB (NNPG_MEMORY_BUDGET_MB): choose fewer points or narrower "
                   "layers, or try again when other sessions have ended")


def session_refusal(live, config, points=None, patch=()):
    """over_budget() for a change to the live session ``live``, beside the others as they are."""
    store = live.store
    return over_budget(store.sessions.values(), config, store.settings, points, exclude=live, patch=patch)
