"""The NumPy engine: layers, losses, the network, optimizers, gradient checks.

Imports only NumPy, so it runs in a notebook with no web stack.
"""
from .gradcheck import numerical_gradient, numerical_gradient_array, relative_error
from .layers import ACTIVATIONS, Activation, sigmoid
from .losses import (
    LOSSES,
    Loss,
    example_losses,
    log_softmax,
    loss_terms,
    softmax,
    softmax_loss,
    svm_loss,
    svm_margins,
)
from .network import INITS, MAX_HIDDEN_LAYERS, Init, LossResult, Network
from .optim import OPTIMIZERS, BatchSampler, OptimizerEntry, make_optimizer
from .regularizers import REGULARIZERS, Regularizer, l2_regularization, regularizer

__all__ = [
    "ACTIVATIONS", "INITS", "LOSSES", "MAX_HIDDEN_LAYERS", "OPTIMIZERS", "REGULARIZERS",
    "Activation", "BatchSampler", "Init", "Loss", "LossResult", "Network", "OptimizerEntry", "Regularizer",
    "example_losses", "l2_regularization", "log_softmax", "loss_terms", "make_optimizer", "regularizer",
    "numerical_gradient", "numerical_gradient_array", "relative_error",
    "sigmoid", "softmax", "softmax_loss", "svm_loss", "svm_margins",
]
