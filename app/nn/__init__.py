"""The NumPy engine: layers, losses, the network, optimizers, gradient checks.

Imports only NumPy, so it runs in a notebook with no web stack.
"""
from .gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from .layers import ACTIVATIONS, Activation, sigmoid
from .losses import (
    CLASSIFICATION_LOSSES,
    LOSSES,
    REGRESSION_LOSSES,
    Loss,
    example_losses,
    log_softmax,
    loss_terms,
    mse_loss,
    r2_score,
    softmax,
    softmax_loss,
    svm_loss,
    svm_margins,
)
from .network import INITS, MAX_HIDDEN_LAYERS, Init, LossResult, Network, parameter_count
from .optim import OPTIMIZERS, BatchSampler, OptimizerEntry, make_optimizer
from .regularizers import REGULARIZERS, Regularizer, l1_regularization, l2_regularization, regularizer

__all__ = [
    "ACTIVATIONS", "INITS", "LOSSES", "MAX_HIDDEN_LAYERS", "OPTIMIZERS", "REGULARIZERS",
    "Activation", "BatchSampler", "Init", "Loss", "LossResult", "Network", "OptimizerEntry", "Regularizer",
    "CLASSIFICATION_LOSSES", "REGRESSION_LOSSES",
    "example_losses", "l1_regularization", "l2_regularization", "log_softmax", "loss_terms", "make_optimizer",
    "mse_loss", "parameter_count", "r2_score", "regularizer",
    "numerical_gradient", "numerical_gradient_array", "relative_error",
    "sigmoid", "softmax", "softmax_loss", "svm_loss", "svm_margins",
]
