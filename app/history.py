"""History: the loss and metrics of a run, per recorded step, read through cursors."""
from __future__ import annotations

from .inference import finite

HISTORY_KEYS = ("step", "data_loss", "reg_loss", "total", "train_accuracy", "test_accuracy")
REGRESSION_HISTORY_KEYS = HISTORY_KEYS + ("train_r2", "test_r2")  # accuracy stays, as None
HISTORY_LIMIT = 2000  # points kept; past it every other point is dropped


class History:
    """Loss and accuracy per recorded step, thinned to stay under HISTORY_LIMIT.

    Every ``stride``-th step is recorded; when the kept points pass the limit
    every other one is dropped and the stride doubles, so the curve stays dense
    at the start and bounded in memory however long the run. Each point has a
    sequence number, so that every connection reads the history through its
    own cursor (``tail()``), and nothing is consumed by reading it.
    """

    _generations = iter(range(1, 1 << 62))

    def __init__(self, keys=HISTORY_KEYS):
        self.keys = keys
        self.points = {k: [] for k in keys}
        self.seq = []
        self.stride = 1
        self.recorded = 0
        self.generation = next(History._generations)  # a new history: every cursor starts over

    def due(self, step):
        return step % self.stride == 0

    def record(self, **values):
        for k in self.keys:
            value = values.get(k)  # a metric the task does not have is None
            v = value if k == "step" else finite(value) if value is not None else None
            self.points[k].append(v)
        self.recorded += 1
        self.seq.append(self.recorded)
        if len(self.seq) > HISTORY_LIMIT:
            for k in self.keys:
                self.points[k] = self.points[k][::2]
            self.seq = self.seq[::2]
            self.stride *= 2

    def take_unsent(self):
        """The points recorded since the last call (a notebook's reader; the
        server's connections each read through their own cursor)."""
        tail = self.tail(getattr(self, "_taken", (0, 0)))
        self._taken = self.cursor()
        return tail["points"]

    def cursor(self):
        """A cursor past every point recorded so far."""
        return (self.generation, self.recorded)

    def tail(self, cursor=(0, 0)):
        """The points after ``cursor`` (all of them for another generation), as
        {"generation", "seq", "points"}: a copy, safe to read elsewhere."""
        generation, last = cursor
        start = 0
        if generation == self.generation:
            start = len(self.seq)
            while start > 0 and self.seq[start - 1] > last:
                start -= 1
        return {"generation": self.generation, "seq": self.seq[start:],
                "points": {k: v[start:] for k, v in self.points.items()}}

    def __len__(self):
        return len(self.seq)
