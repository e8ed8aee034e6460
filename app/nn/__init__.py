"""The NumPy engine: layers, losses, the network, optimizers, gradient checks.

Imports only NumPy, so it runs in a notebook with no web stack.
"""
from .gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from .layers import ACTIVATIONS, sigmoid
from .losses import (
    CLASSIFICATION_LOSSES,
    LOSSES,
    REGRESSION_LOSSES,
    REGULARIZERS,
    example_losses,
    l1_regularization,
    l2_regularization,
    log_softmax,
    loss_terms,
    mse_loss,
    r2_score,
    regularize,
    softmax,
    softmax_loss,
    svm_loss,
    svm_margins,
)
from .network import INITS, MAX_HIDDEN_LAYERS, LossResult, Network, parameter_count
from .optim import OPTIMIZERS, BatchSampler, make_optimizer

__all__ = [
    "ACTIVATIONS", "CLASSIFICATION_LOSSES", "INITS", "LOSSES", "MAX_HIDDEN_LAYERS", "OPTIMIZERS",
    "REGRESSION_LOSSES", "REGULARIZERS",
    "BatchSampler", "LossResult", "Network",
    "example_losses", "l1_regularization", "l2_regularization", "log_softmax", "loss_terms", "make_optimizer",
    "mse_loss", "parameter_count", "r2_score", "regularize",
    "numerical_gradient", "numerical_gradient_array", "relative_error",
    "sigmoid", "softmax", "softmax_loss", "svm_loss", "svm_margins",
]
