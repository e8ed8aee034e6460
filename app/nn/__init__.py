"""The NumPy engine: layers, losses, the network, optimizers, gradient checks.

Imports only NumPy, so it runs in a notebook with no web stack.
"""
from .gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from .layers import ACTIVATIONS, sigmoid
from .losses import (
    LOSSES,
    example_losses,
    l2_regularization,
    log_softmax,
    loss_terms,
    softmax,
    softmax_loss,
    svm_loss,
    svm_margins,
)
from .network import INITS, MAX_HIDDEN_LAYERS, LossResult, Network
from .optim import OPTIMIZERS, BatchSampler, make_optimizer

__all__ = [
    "ACTIVATIONS", "INITS", "LOSSES", "MAX_HIDDEN_LAYERS", "OPTIMIZERS",
    "BatchSampler", "LossResult", "Network",
    "example_losses", "l2_regularization", "log_softmax", "loss_terms", "make_optimizer",
    "numerical_gradient", "numerical_gradient_array", "relative_error",
    "sigmoid", "softmax", "softmax_loss", "svm_loss", "svm_margins",
]
