"""What the class layer reads from and writes to a student's run.

``summarize()``: a student's line on the teacher's board (step, loss,
accuracies, status, why they may need help); ``thumbnail()``: its small
boundary picture, redrawn only when the network changed (on the training
thread, holding the session's lock). ``fork_state()``/``adopt_fork()``:
"make it mine", a copy of another run's data, settings, weights and optimizer
state (each holding its session's lock). No web imports.
"""
from __future__ import annotations

import base64
import copy

import numpy as np

from .boundary import BoundaryGrid
from .classes import DEAD_SPREAD, needs_help
from .training import History, TrainingSession

THUMBNAIL_RESOLUTION = 32


def _last(history: History, key):
    values = history.points[key]
    return values[-1] if values else None


def summarize(t: TrainingSession, drawn: tuple | None):
    """A run's line on the board: {step, loss, train_accuracy, test_accuracy,
    status, help, thumb}, ``thumb`` the network version of ``drawn`` (as
    thumbnail() returned it, or None). Reads a few numbers only: cheap enough
    for the event loop, without the session's lock (a line a step behind is
    still right on a board)."""
    summary = {
        "step": t.step_count,
        "loss": _last(t.history, "total"),
        "train_accuracy": _last(t.history, "train_accuracy"),
        "test_accuracy": _last(t.history, "test_accuracy"),
        "status": "diverged" if t.status == "diverged" else "playing" if t.running else "paused",
        "thumb": drawn[0] if drawn else None,
    }
    flat = bool(drawn and drawn[2] and drawn[0] == t.version)
    summary["help"] = needs_help(summary, t.config.classes, flat)
    return summary


def thumbnail(t: TrainingSession, grid: BoundaryGrid, drawn: tuple | None):
    """(network version, the 32×32 boundary, whether it is flat) of a run,
    holding its lock; ``drawn`` (as returned last time) is reused while the
    network is unchanged, and while it is diverged (the last good picture)."""
    if drawn is not None and (drawn[0] == t.version or t.status != "ok"):
        return drawn
    if "boundary" not in t.task.views or t.status != "ok":
        return (t.version, None, False)  # no picture of a network that overflowed
    with np.errstate(all="ignore"):
        picture = grid.encode(t.net, t.extent, THUMBNAIL_RESOLUTION)
    return (t.version, picture, _spread(picture) < DEAD_SPREAD)


def _spread(thumbnail) -> int:
    """The largest range of any class's probability over the grid (0–255)."""
    u8 = np.frombuffer(base64.b64decode(thumbnail["data"]), dtype=np.uint8)
    table = u8.reshape(-1, thumbnail["classes"])
    return int((table.max(axis=0).astype(int) - table.min(axis=0)).max())


# What a fork takes from the run it copies: the data and what is built from it
# (shared: a rebuild replaces these, nothing changes them in place), the
# learning state (copied), and plain values.
SHARED = ("config", "own_points", "user_points", "dataset", "X_train", "y_train", "X_test", "y_test",
          "extent", "inputs_train", "inputs_test", "task")
COPIED = ("optimizer", "sampler", "history", "watch")
VALUES = ("step_count", "epoch", "status", "running")


def fork_state(src: TrainingSession) -> dict:
    """Everything of ``src`` a fork takes (holding src's lock)."""
    state = {name: getattr(src, name) for name in SHARED + VALUES if hasattr(src, name)}
    state.update({name: copy.deepcopy(getattr(src, name)) for name in COPIED if hasattr(src, name)})
    state["user_points"] = list(src.user_points)
    state["net"] = src.net.copy()
    return state


def adopt_fork(dst: TrainingSession, state: dict):
    """Make ``dst`` go on from a copied run (holding dst's lock). Its probe
    point stays; the history is a new generation, so each connection reads
    it all again."""
    for name, value in state.items():
        setattr(dst, name, value)
    dst.history.generation = next(History._generations)
    dst.running = state["running"] and state["status"] == "ok"
    dst.points_version += 1
    dst.version += 1
    dst.last, dst.last_full_batch, dst._summary, dst._recent = None, False, None, None
    if dst.probe_point is not None and (dst.probe_point[1] or 0) >= dst.config.classes:
        dst.probe_point = (dst.probe_point[0], None)
