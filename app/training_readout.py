"""Readout: what a TrainingSession shows — probe, frame snapshot, points, model.

A base of TrainingSession (app/training.py), kept apart from the training
itself: every method reads the session (the caller holds its ``lock``).
"""
from __future__ import annotations

import json

import numpy as np

from .boundary import BoundaryGrid
from .datasets import DATASETS
from .inference import probe_values
from .inside import model_payload, set_parameter
from .nn import Network, make_optimizer
from .subscribers import BuiltFrame, Subscriber
from .views import FrameSnapshot, frame_body, render_parts, sticky_parts


class Readout:
    def probe(self, x, label=None):
        """Scores, probabilities, hidden values and prediction at one point (float64)."""
        return probe_values(self.net, self.config, x, label)

    def snapshot(self, reuse=None):
        """What the next frame shows, frozen: cheap, taken between training
        steps, so that the frame can be drawn elsewhere while training goes on.
        ``reuse``: view texts known to be unchanged, drawn as they are."""
        # While playing, the last step's values (the numbers tick by at fps and
        # would be one step newer); paused, the network as it is now.
        summary = self.current_summary() if self.running else None
        recent = self._recent if self.running and self.status == "ok" else None
        if summary is None and recent is not None:
            summary = recent[1]  # an image set: its newest evaluation, a few steps back
        spec = DATASETS[self.config.dataset]
        return FrameSnapshot(
            net=self.net.copy(), config=self.config, task=self.task, extent=self.extent,
            dataset=self.dataset if summary is None else None,  # only evaluate() needs it
            version=self.version, step=self.step_count, epoch=self.epoch, running=self.running,
            status=self.status, probe_point=self.probe_point, summary=summary,
            reuse=reuse or {}, image_shape=spec.image_shape, grads=self._last_grads(), health=self.health(),
            recent=recent and (recent[0], recent[2]) if summary is not None else None)

    def _last_grads(self):
        if not self.config.neurons or self.last is None or self.last.grads is None:
            return None
        return [(dw.copy(), db.copy()) for dw, db in self.last.grads]

    def health(self):
        """The health view of the last step, or None (off, or no step yet)."""
        c = self.config
        if not c.health or self.last is None or self.last.grads is None or self.status != "ok":
            return None
        return self.watch.view(self.net, self.last.grads, c.optimizer, c.learning_rate, c.init)

    def set_parameter(self, layer, name, index, value):
        """A hand edit of one weight or bias: applied now, training goes on from it."""
        set_parameter(self.net, layer, name, index, value)
        self.version += 1     # the views drawn from the network are out of date
        self._summary = None  # the kept values are of the network before the edit

    def frame_text(self):
        """One `frame` message's JSON text, drawn here and now, with the history
        and points this session's own reader has not had (for a notebook or a
        test; the server draws frames in its frame pool)."""
        if not hasattr(self, "_reader"):
            self._reader, self._grid = Subscriber("driver"), BoundaryGrid()
        snap = self.snapshot()
        parts = render_parts(snap, self._grid)
        frame = BuiltFrame(frame_body(parts), self.history.tail(self._reader.cursor), self.points_version,
                           self.points_json(), sticky_parts(parts, snap))
        return frame.text_for(self._reader)

    def frame(self):
        """One `frame` message (a dict), drawn here and now: see frame_text()."""
        return json.loads(self.frame_text())

    def points_payload(self):
        """The session's points: X, y, test flags (the dataset plus user points).
        An image set's images are left out (megabytes): they are exactly
        GET /api/v1/datasets/{name}'s, which a page fetches once."""
        ds = self.dataset
        if self.task.input == "image":
            return {"y": ds.y.tolist(), "test": ds.test.tolist()}
        out = {"X": ds.X.tolist(), "y": ds.y.tolist(), "test": ds.test.tolist()}
        if self.own_points is not None:
            out["own"] = len(self.own_points)  # loaded points (the first ones), not the dataset's
        return out

    def points_json(self):
        return json.dumps(self.points_payload(), separators=(",", ":"))

    def set_model(self, layers, activation):
        """Continue from these weights [(W, b), ...] (the same sizes): step,
        history and optimizer state go on; a diverged session is ok again."""
        self.net = Network([(np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)) for W, b in layers],
                           activation)
        self.config.activation = activation
        self.optimizer = make_optimizer(self.config.optimizer)
        self.status = "ok"
        self.version += 1

    def model(self):
        """The network in the REST v1 model format (POST it to /api/v1/forward as it is)."""
        return model_payload(self.net)
