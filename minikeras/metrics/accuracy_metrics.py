"""Accuracy metrics: how often predictions match labels (exactly, after a threshold, by argmax,
or within the k best scores). Each function maps (y_true, y_pred) to float 0/1 matches per
sample; each class is the running weighted mean of its function.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.base_metric import _array
from minikeras.metrics.reduction_metrics import _FunctionMetric


def accuracy(y_true, y_pred):
    """1.0 where y_true == y_pred exactly (after reconciling (n,) and (n, 1)), else 0.0."""
    y_pred = _array(y_pred)
    y_true = _array(y_true, y_pred.dtype)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).astype(config.floatx())


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where (y_pred > threshold) equals the 0/1 label (strictly greater, like Keras)."""
    y_pred = _array(y_pred)
    y_true = _array(y_true)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = (y_pred > threshold).astype(y_true.dtype)
    return (y_true == predicted).astype(config.floatx())


def categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) == argmax(y_true) over the last axis: (n, C) -> (n,)."""
    y_pred = _array(y_pred)
    y_true = xp.argmax(_array(y_true), axis=-1).astype(y_pred.dtype)
    original_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim
    if reshape:
        y_true = xp.squeeze(y_true, -1)
    matches = (y_true == xp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(config.floatx())
    return matches.reshape(original_shape) if reshape else matches


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where argmax(y_pred) equals the integer label: labels (n,) or (n, 1), y_pred (n, C)."""
    y_pred = _array(y_pred)
    y_true = _array(y_true, y_pred.dtype)
    original_shape = y_true.shape
    reshape = y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1
    if reshape:
        y_true = xp.squeeze(y_true, -1)
    matches = (y_true == xp.argmax(y_pred, axis=-1).astype(y_true.dtype)).astype(config.floatx())
    if reshape:
        matches = matches.reshape(original_shape)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = xp.squeeze(matches, -1)
    return matches


def _check_k(k, owner):
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"{owner}: `k` must be a positive int, received k={k!r}.")


def _in_top_k(labels, scores, k, owner):
    """For labels (m,) and scores (m, C): True where the label's score is among the k largest.

    As in Keras, ties count in the label's favour: the label is in the top k when fewer than
    k scores are strictly greater than its own (so k >= C always matches).
    """
    num_classes = scores.shape[-1]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"{owner}: labels must be class indices in [0, {num_classes}), "
                         f"received values from {labels.min()} to {labels.max()}.")
    label_scores = xp.take_along_axis(scores, labels[:, None].astype("int64"), axis=-1)
    return xp.sum(scores > label_scores, axis=-1) < k


def _flatten_for_top_k(y_true, y_pred):
    """Scores to (m, C) and labels to (m,); returns the labels' original shape."""
    if y_pred.ndim > 2:
        y_pred = y_pred.reshape(-1, y_pred.shape[-1])
    return y_true.reshape(-1), y_pred, y_true.shape


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the k highest scores: (n, C) -> (n,)."""
    _check_k(k, "top_k_categorical_accuracy")
    y_pred = _array(y_pred)
    labels = xp.argmax(_array(y_true, y_pred.dtype), axis=-1)
    labels, y_pred, shape = _flatten_for_top_k(labels, y_pred)
    matches = _in_top_k(labels, y_pred, k, "top_k_categorical_accuracy")
    return matches.astype(config.floatx()).reshape(shape)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the k highest scores: labels (n,) or (n, 1).

    With `from_sorted_ids=True`, y_pred holds class ids already sorted by score (best first,
    e.g. from a retrieval model) and a sample matches when its label is among the first k ids.
    """
    _check_k(k, "sparse_top_k_categorical_accuracy")
    y_pred = _array(y_pred)
    y_true = _array(y_true, y_pred.dtype if from_sorted_ids else "int32")
    labels, y_pred, shape = _flatten_for_top_k(y_true, y_pred)
    if from_sorted_ids:
        matches = xp.any(labels[:, None] == y_pred[:, :k], axis=1)
    else:
        matches = _in_top_k(labels, y_pred, k, "sparse_top_k_categorical_accuracy")
    return matches.astype(config.floatx()).reshape(shape)


class Accuracy(_FunctionMetric):
    """How often y_pred equals y_true exactly."""

    _fn_direction = "up"

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)


class BinaryAccuracy(_FunctionMetric):
    """How often (y_pred > threshold) matches the 0/1 label."""

    _config_args = ("threshold",)
    _fn_direction = "up"

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)


class CategoricalAccuracy(_FunctionMetric):
    """How often argmax(y_pred) matches argmax of the one-hot y_true."""

    _fn_direction = "up"

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)


class SparseCategoricalAccuracy(_FunctionMetric):
    """How often argmax(y_pred) matches the integer label."""

    _fn_direction = "up"

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)


class TopKCategoricalAccuracy(_FunctionMetric):
    """How often the one-hot label's class is among the k highest scores."""

    _config_args = ("k",)
    _fn_direction = "up"

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        _check_k(k, "TopKCategoricalAccuracy")
        super().__init__(top_k_categorical_accuracy, name=name, dtype=dtype, k=k)


class SparseTopKCategoricalAccuracy(_FunctionMetric):
    """How often the integer label is among the k highest scores (or the first k sorted ids)."""

    _config_args = ("k",)
    _fn_direction = "up"

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        _check_k(k, "SparseTopKCategoricalAccuracy")
        super().__init__(sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.from_sorted_ids = from_sorted_ids

    def get_config(self):
        # Keras writes from_sorted_ids only when it is set.
        config = super().get_config()
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
