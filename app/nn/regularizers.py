"""Weight penalties λR(W) and their registry, REGULARIZERS.

A penalty takes the weight matrices (never the biases) and λ and returns
``(reg_loss, [dR/dW_l for each W_l])``; the network adds the gradients to dW.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


def l2_penalty(weights, reg):
    """λ Σ_l Σ W_l² over the weight matrices (not the biases)."""
    return reg * sum(float(np.vdot(w, w)) for w in weights)


def l2_regularization(weights, reg):
    """λ Σ_l Σ W_l² and its gradients: (reg_loss, [2λW_l for each W_l])."""
    return l2_penalty(weights, reg), [2 * reg * w for w in weights]


def l1_penalty(weights, reg):
    """λ Σ_l Σ |W_l| over the weight matrices (not the biases)."""
    return reg * sum(float(np.abs(w).sum()) for w in weights)


def l1_regularization(weights, reg):
    """λ Σ_l Σ |W_l| and its gradients: (reg_loss, [λ·sign(W_l) for each W_l]).

    The subgradient at exactly 0 is 0, so a weight at 0 feels no pull either way.
    """
    return l1_penalty(weights, reg), [reg * np.sign(w) for w in weights]


@dataclass(frozen=True)
class Regularizer:
    """One entry of the regularizer registry.

    ``penalty(weights, reg)`` -> (reg_loss, grads); ``value(weights, reg)`` -> reg_loss.
    """

    penalty: Callable
    value: Callable
    label: str
    label_zh: str
    formula: str


# The regularizer registry: schemas, the catalog and the page read it.
REGULARIZERS: dict[str, Regularizer] = {
    "l2": Regularizer(l2_regularization, l2_penalty, "L2 (λΣW²)", "L2（λΣW²）", "λ Σ W², gradient 2λW"),
    "l1": Regularizer(l1_regularization, l1_penalty, "L1 (λΣ|W|)", "L1（λΣ|W|）", "λ Σ |W|, gradient λ·sign(W)"),
}


def regularizer(name):
    try:
        return REGULARIZERS[name]
    except KeyError:
        raise ValueError(f"unknown regularizer {name!r}; expected one of {tuple(REGULARIZERS)}") from None
