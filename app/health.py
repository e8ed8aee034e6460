"""Network health: per-layer figures and one plain-language hint when training has gone wrong.

NumPy only. Figures per affine layer l (1-based, as a student counts them):

- ``grad_norm``: ‖∂total/∂W_l‖ (Frobenius).
- ``update_ratio``: ‖ΔW_l‖ / ‖W_l‖ over the last step. CS231n's rule of thumb:
  about 1e-3 is healthy; 1e-1 is a learning rate too high, 1e-6 one too low.
- hidden layers only: ``dead``, the fraction of ReLUs that output 0 for every
  example of the last batch (they get no gradient and never recover), or
  ``saturated``, the fraction of sigmoid/tanh units sitting on a flat tail
  (|tanh| > 0.99, sigmoid outside [0.01, 0.99]) for at least 80 % of the batch.

The hint is a catalog key (static/i18n, prefix ``engine.health.hint.``) with
the numbers to fill in, so the page words it in the reader's language. The
first situation that applies wins, most actionable first:

1. ``adam_lr``: Adam with a learning rate ≥ 0.1 (Adam normalizes the step, so
   lr is roughly the size of every weight's step: 0.001-0.01 is its range).
2. ``lr_high``: the loss oscillates or climbs: over the last OSCILLATION_WINDOW
   steps it changes direction at least 40 % of the time, by at least 10 % of
   its level on average per step, and has not fallen by 5 %.
3. ``vanishing``: two or more hidden layers, the loss flat (< 0.1 % change over
   the window) and still at least 90 % of the first step's (stuck, not
   converged), and layer 1's gradients below 1e-4 per weight (root mean
   square). With the 0.01 ("small") init the hint names He init as the way out.
4. ``dead``: at least half of a layer's ReLUs never fire.
5. ``saturated``: at least half of a layer's sigmoid/tanh units are saturated.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

OSCILLATION_WINDOW = 30
ADAM_MAX_LR = 0.1
DEAD_FRACTION = 0.5
SATURATED_FRACTION = 0.5
VANISHING_RMS = 1e-4


def dead_fraction(hidden):
    """Fraction of units (columns of hidden (N, H), after a ReLU) that are 0 for every row."""
    return float(np.mean(~(hidden > 0).any(axis=0)))


def saturated_fraction(hidden, activation, share=0.8):
    """Fraction of units whose output is on a flat tail for at least ``share`` of the rows."""
    if activation == "tanh":
        flat = np.abs(hidden) > 0.99
    else:
        flat = (hidden < 0.01) | (hidden > 0.99)
    return float(np.mean(flat.mean(axis=0) >= share))


def unit_figures(hidden, activation):
    """Per hidden layer, (dead, saturated) of its outputs on the last batch [(N, H_l)]:
    the only thing the health view needs of the activations, so a session keeps these
    two numbers per layer instead of the N×H arrays between steps."""
    return [(dead_fraction(h) if activation == "relu" else None,
             saturated_fraction(h, activation) if activation in ("sigmoid", "tanh") else None)
            for h in hidden]


def layer_figures(weights, grads, hidden, activation, updates=None, units=None):
    """Per layer: {"layer", "grad_norm", "update_ratio", "dead", "saturated"} (None where it does not apply).

    weights: [W_l]; grads: [dW_l]; hidden: the hidden layers' outputs on the
    last batch, [(N, H_l)], or instead units: their unit_figures(); updates:
    [ΔW_l] of the last step, or None.
    """
    units = unit_figures(hidden, activation) if units is None else units
    rows = []
    for l, (w, dw) in enumerate(zip(weights, grads)):
        norm_w = float(np.linalg.norm(w))
        ratio = None
        if updates is not None and norm_w > 0:
            ratio = float(np.linalg.norm(updates[l])) / norm_w
        dead, saturated = units[l] if l < len(units) else (None, None)
        rows.append({
            "layer": l + 1,
            "grad_norm": float(np.linalg.norm(dw)),
            "update_ratio": ratio,
            "dead": dead,
            "saturated": saturated,
        })
    return rows


def loss_oscillates(losses, window=OSCILLATION_WINDOW):
    """Whether the last ``window`` losses zigzag by ≥ 10 % a step without falling by 5 %."""
    recent = np.asarray(losses[-window:], dtype=np.float64)
    if len(recent) < window or not np.isfinite(recent).all():
        return False
    steps = np.diff(recent)
    turns = float(np.mean(np.sign(steps[1:]) != np.sign(steps[:-1])))
    level = float(np.mean(np.abs(recent)))
    amplitude = float(np.mean(np.abs(steps))) / level if level else 0.0
    third = window // 3
    progress = (recent[:third].mean() - recent[-third:].mean()) / level if level else 0.0
    return turns >= 0.4 and amplitude >= 0.1 and progress < 0.05


def loss_is_flat(losses, window=OSCILLATION_WINDOW, tolerance=1e-3):
    recent = np.asarray(losses[-window:], dtype=np.float64)
    if len(recent) < window or not np.isfinite(recent).all():
        return False
    level = float(np.mean(np.abs(recent))) or 1.0
    return float(recent.max() - recent.min()) / level < tolerance


def superscript_power(power):
    """10 to an integer power as text: 10⁻⁵."""
    digits = str(power).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
    return f"10{digits}"


def hint(figures, weights, grads, losses, optimizer, learning_rate, init, first_loss=None):
    """The first situation that applies (see the module docstring): {"key", "vars"}, or None.

    first_loss: the total loss of the run's first step (None: not known)."""
    if optimizer == "adam" and learning_rate >= ADAM_MAX_LR:
        return {"key": "engine.health.hint.adam_lr", "vars": {"lr": learning_rate}}
    if loss_oscillates(losses):
        return {"key": "engine.health.hint.lr_high", "vars": {"lr": learning_rate}}
    hidden_layers = len(weights) - 1
    stuck = first_loss is None or float(np.mean(losses[-OSCILLATION_WINDOW:])) >= 0.9 * first_loss
    if hidden_layers >= 2 and stuck and loss_is_flat(losses):
        rms = float(np.sqrt(np.mean(grads[0] ** 2)))
        if rms < VANISHING_RMS:
            power = math.floor(math.log10(rms)) if rms > 0 else -300
            key = "vanishing_small_init" if init == "small" else "vanishing"
            return {"key": "engine.health.hint." + key,
                    "vars": {"layer": 1, "power": power, "magnitude": superscript_power(power),
                             "layers": hidden_layers}}
    for row in figures:
        if row["dead"] is not None and row["dead"] >= DEAD_FRACTION:
            return {"key": "engine.health.hint.dead", "vars": {"percent": round(100 * row["dead"]),
                                                               "layer": row["layer"]}}
    for row in figures:
        if row["saturated"] is not None and row["saturated"] >= SATURATED_FRACTION:
            return {"key": "engine.health.hint.saturated", "vars": {"percent": round(100 * row["saturated"]),
                                                                    "layer": row["layer"]}}
    return None


def network_health(weights, grads, hidden, activation, losses, optimizer, learning_rate, init, updates=None,
                   first_loss=None, units=None):
    """The frame's `health` view: {"layers": layer_figures(...), "hint": hint(...) or None}.

    losses: the total loss of each recent step, oldest first; first_loss: the run's first.
    """
    figures = layer_figures(weights, grads, hidden, activation, updates, units)
    return {"layers": figures,
            "hint": hint(figures, weights, grads, losses, optimizer, learning_rate, init, first_loss)}


class StepWatch:
    """What the health view needs from training, gathered step by step: the recent
    losses, the first one, and the weights' change over one step. The weights are
    copied around one step after each look (once a frame), not around every step."""

    def __init__(self):
        self.losses = deque(maxlen=OSCILLATION_WINDOW)
        self.first_loss = None
        self.update = None
        self.units = []  # unit_figures() of the last step
        self.measure = True

    def before_step(self, weights):
        """The weights to compare with after the step, when this step is measured (else None)."""
        return [w.copy() for w in weights] if self.measure else None

    def after_step(self, weights, before, total, units=None):
        self.losses.append(total)
        self.units = units or []
        if self.first_loss is None:
            self.first_loss = total
        if before is not None:
            self.update = [w - b for w, b in zip(weights, before)]
            self.measure = False

    def view(self, net, grads, optimizer, learning_rate, init):
        """network_health() of the last step, whose gradients are ``grads`` [(dW, db)]; the next step is measured."""
        self.measure = True
        with np.errstate(all="ignore"):
            return network_health(net.weights, [dw for dw, _ in grads], [], net.activation,
                                  list(self.losses), optimizer, learning_rate, init, self.update,
                                  self.first_loss, self.units)
