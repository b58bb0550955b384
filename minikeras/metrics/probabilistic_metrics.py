"""Probabilistic metrics: running means of the crossentropies, KL divergence and Poisson loss
(the functions of `minikeras.losses`, with the same arguments)."""
from minikeras.losses import (binary_crossentropy, categorical_crossentropy, kl_divergence,
                              poisson, sparse_categorical_crossentropy)
from minikeras.metrics.reduction_metrics import _FunctionMetric, _ShapeTolerant


class KLDivergence(_FunctionMetric):
    """The running mean of `losses.kl_divergence`: sum(y_true * log(y_true / y_pred))."""

    _fn_direction = "down"

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, dtype=dtype)


class Poisson(_FunctionMetric):
    """The running mean of `losses.poisson`: mean(y_pred - y_true * log(y_pred + eps))."""

    _fn_direction = "down"

    def __init__(self, name="poisson", dtype=None):
        super().__init__(poisson, name=name, dtype=dtype)


class BinaryCrossentropy(_ShapeTolerant):
    """The running mean of `losses.binary_crossentropy`."""

    _config_args = ("from_logits", "label_smoothing")
    _fn_direction = "down"

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


class CategoricalCrossentropy(_FunctionMetric):
    """The running mean of `losses.categorical_crossentropy`."""

    _config_args = ("from_logits", "label_smoothing", "axis")
    _fn_direction = "down"

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(_FunctionMetric):
    """The running mean of `losses.sparse_categorical_crossentropy`."""

    _config_args = ("from_logits", "ignore_class", "axis")
    _fn_direction = "down"

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
