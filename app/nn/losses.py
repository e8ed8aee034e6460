"""Losses (classification and regression) and their registry, LOSSES.

``*_loss(scores, y)`` returns ``(loss, dscores)`` for the mean over examples;
``*_terms(scores, y)`` returns the per-example losses Lᵢ (N,) and the gradient
of their *sum* (N, C), which is what the mean-loss versions are built from.
Regularization lives in regularizers.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def log_softmax(scores):
    """log p = s − logsumexp(s), row-wise; exact for large |s| (no overflow)."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def softmax(scores):
    """p = e^s / Σ e^s row-wise. scores: (N, C) -> (N, C), rows sum to 1."""
    shifted = np.exp(scores - scores.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def softmax_terms(scores, y):
    """Lᵢ = −ln p[i, yᵢ] = logsumexp(sᵢ) − s[i, yᵢ].

    scores: (N, C), y: (N,) ints -> (losses (N,), dscores (N, C) of Σ Lᵢ).
    ∂Lᵢ/∂s_j = p_j − 1[j = yᵢ].
    """
    rows = np.arange(len(y))
    logp = log_softmax(scores)
    dscores = np.exp(logp)
    dscores[rows, y] -= 1
    return -logp[rows, y], dscores


def svm_terms(scores, y, margin=1.0):
    """Lᵢ = Σ_{j≠yᵢ} max(0, s_j − s_{yᵢ} + Δ).

    scores: (N, C), y: (N,) -> (losses (N,), dscores (N, C) of Σ Lᵢ). A term
    exactly at 0 is inactive: it contributes no gradient.
    """
    margins = svm_margins(scores, y, margin)
    active = (margins > 0).astype(scores.dtype)
    rows = np.arange(len(y))
    active[rows, y] = -active.sum(axis=1)
    return margins.sum(axis=1), active


def svm_margins(scores, y, margin=1.0):
    """max(0, s_j − s_{yᵢ} + Δ) for every class, 0 at j = yᵢ. (N, C)."""
    rows = np.arange(len(y))
    margins = np.maximum(0, scores - scores[rows, y][:, None] + margin)
    margins[rows, y] = 0
    return margins


def as_targets(y, scores):
    """Real targets as (N, K) like the scores: y (N,) is one output's targets."""
    y = np.asarray(y, dtype=scores.dtype)
    y = y[:, None] if y.ndim == 1 else y
    if y.shape != scores.shape:
        raise ValueError(f"targets of shape {y.shape} do not match scores of shape {scores.shape}")
    return y


def mse_terms(scores, y, margin=1.0):
    """Lᵢ = ½ Σₖ (sᵢₖ − yᵢₖ)²: the seed's squared error with its ½ (``margin`` is not used).

    scores: (N, K), y: (N,) or (N, K) reals -> (losses (N,), dscores (N, K) of
    Σ Lᵢ = s − y). Their mean is J = 1/(2N) Σᵢ Σₖ (sᵢₖ − yᵢₖ)², gradient (s − y)/N.
    """
    diff = scores - as_targets(y, scores)
    return 0.5 * np.einsum("ij,ij->i", diff, diff), diff


def r2_score(scores, y):
    """R² = 1 − Σ (s − y)² / Σ (y − ȳ)², ȳ the mean target of each output.

    1 is a perfect fit, 0 is no better than predicting the mean. With constant
    targets (no variance to explain) it is 1 for a perfect fit and 0 otherwise,
    so it is always finite.
    """
    y = as_targets(y, scores)
    residual = float(np.sum((scores - y) ** 2))
    spread = float(np.sum((y - y.mean(axis=0)) ** 2))
    if spread == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / spread


def _mean(terms):
    losses, dscores = terms
    n = len(losses)
    return losses.mean(), dscores / n


def softmax_loss(scores, y):
    """Mean softmax cross-entropy: (loss, dscores (N, C))."""
    return _mean(softmax_terms(scores, y))


def svm_loss(scores, y, margin=1.0):
    """Mean multiclass hinge loss with margin Δ: (loss, dscores (N, C))."""
    return _mean(svm_terms(scores, y, margin))


def mse_loss(scores, y):
    """J = 1/(2N) Σᵢ Σₖ (sᵢₖ − yᵢₖ)²: (loss, dscores = (s − y)/N)."""
    return _mean(mse_terms(scores, y))


def softmax_example_losses(scores, y, margin=1.0):
    """−ln p[i, yᵢ] for each example (N,); ``margin`` is not used."""
    return -log_softmax(scores)[np.arange(len(y)), y]


def svm_example_losses(scores, y, margin=1.0):
    """Σ_{j≠yᵢ} max(0, s_j − s_{yᵢ} + Δ) for each example (N,)."""
    return svm_margins(scores, y, margin).sum(axis=1)


@dataclass(frozen=True)
class Loss:
    """One entry of the loss registry.

    ``terms(scores, y, margin)`` -> (Lᵢ (N,), dscores of Σ Lᵢ (N, C));
    ``example_losses(scores, y, margin)`` -> Lᵢ (N,) alone, without the gradient;
    ``params``: the config fields the loss reads besides the scores and labels.
    """

    terms: Callable
    example_losses: Callable
    label: str
    label_zh: str
    params: tuple = ()
    task: str = "classification"   # or "regression": y holds real targets (N,) or (N, K)


# The loss registry: schemas, the catalog and the page's select read it.
LOSSES: dict[str, Loss] = {
    "softmax": Loss(
        terms=lambda scores, y, margin=1.0: softmax_terms(scores, y),
        example_losses=softmax_example_losses,
        label="Softmax", label_zh="Softmax"),
    "svm": Loss(
        terms=svm_terms,
        example_losses=svm_example_losses,
        label="SVM (hinge)", label_zh="SVM（合页损失）", params=("margin",)),
    "mse": Loss(
        terms=mse_terms,
        example_losses=lambda scores, y, margin=1.0: mse_terms(scores, y)[0],
        label="MSE (regression)", label_zh="均方误差（回归）", task="regression"),
}
CLASSIFICATION_LOSSES = tuple(name for name, entry in LOSSES.items() if entry.task == "classification")
REGRESSION_LOSSES = tuple(name for name, entry in LOSSES.items() if entry.task == "regression")


def _loss(name):
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; expected one of {tuple(LOSSES)}") from None


def loss_terms(name, scores, y, margin=1.0):
    """Per-example losses and the gradient of their sum, for ``name``."""
    return _loss(name).terms(scores, y, margin)


def example_losses(name, scores, y, margin=1.0):
    """The per-example losses Lᵢ (N,) alone, without the gradient."""
    return _loss(name).example_losses(scores, y, margin)
