"""Losses (classification and regression) and the L2 and L1 regularizers.

``*_loss(scores, y)`` returns ``(loss, dscores)`` for the mean over examples;
``*_terms(scores, y)`` returns the per-example losses Lᵢ (N,) and the gradient
of their *sum* (N, C), which is what the mean-loss versions are built from.
"""
from __future__ import annotations

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


def mse_terms(scores, y):
    """Lᵢ = ½ Σₖ (sᵢₖ − yᵢₖ)²: the seed's squared error with its ½.

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


CLASSIFICATION_LOSSES = ("softmax", "svm")   # y: class indices (N,)
REGRESSION_LOSSES = ("mse",)                 # y: reals (N,) or (N, K)
LOSSES = CLASSIFICATION_LOSSES + REGRESSION_LOSSES


def loss_terms(name, scores, y, margin=1.0):
    """Per-example losses and the gradient of their sum, for ``name``."""
    if name == "softmax":
        return softmax_terms(scores, y)
    if name == "svm":
        return svm_terms(scores, y, margin)
    if name == "mse":
        return mse_terms(scores, y)
    raise ValueError(f"unknown loss {name!r}; expected one of {LOSSES}")


def example_losses(name, scores, y, margin=1.0):
    """The per-example losses Lᵢ (N,) alone, without the gradient."""
    if name == "softmax":
        return -log_softmax(scores)[np.arange(len(y)), y]
    if name == "svm":
        return svm_margins(scores, y, margin).sum(axis=1)
    if name == "mse":
        return mse_terms(scores, y)[0]
    raise ValueError(f"unknown loss {name!r}; expected one of {LOSSES}")


def l2_regularization(weights, reg):
    """λ Σ_l Σ W_l² over the weight matrices (not the biases).

    Returns (reg_loss, [2λW_l for each W_l]).
    """
    loss = reg * sum(float(np.vdot(w, w)) for w in weights)
    return loss, [2 * reg * w for w in weights]


def l1_regularization(weights, reg):
    """λ Σ_l Σ |W_l| over the weight matrices (not the biases).

    Returns (reg_loss, [λ·sign(W_l) for each W_l]); the subgradient at exactly
    0 is 0, so a weight that L1 has driven to 0 stays there.
    """
    loss = reg * sum(float(np.abs(w).sum()) for w in weights)
    return loss, [reg * np.sign(w) for w in weights]


REGULARIZERS = {"l2": l2_regularization, "l1": l1_regularization}


def regularize(name, weights, reg):
    """(reg_loss, [dR/dW_l]) of the regularizer ``name`` with strength λ = reg."""
    try:
        penalty = REGULARIZERS[name]
    except KeyError:
        raise ValueError(f"unknown regularization {name!r}; expected one of {tuple(REGULARIZERS)}") from None
    return penalty(weights, reg)
