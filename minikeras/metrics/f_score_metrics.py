"""F-scores: FBetaScore and F1Score for (multi-label or one-hot) predictions of shape (n, C).

F_beta = (1 + beta^2) * P * R / (beta^2 * P + R), with P = TP / (TP + FP + eps) and
R = TP / (TP + FN + eps) and eps added to the final denominator too (Keras's numerics, so an
empty class scores 0 rather than NaN). With `threshold=None` the highest score of each row is
the predicted class (ties all count; an all-zero row predicts nothing), otherwise every score
above `threshold` is a positive prediction.

average: None gives one score per class; "micro" pools the counts of all classes before the
score; "macro" averages the per-class scores; "weighted" weights them by each class's
(weighted) number of true labels.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.metrics.base_metric import Metric, _array, _result

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """F-beta score: the weighted harmonic mean of precision and recall (recall beta times as
    important)."""

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        owner = type(self).__name__
        if average not in _AVERAGES:
            raise ValueError(f"{owner}: invalid `average` {average!r}; expected one of "
                             f"{list(_AVERAGES)}.")
        if not isinstance(beta, float):
            raise ValueError(f"{owner}: `beta` must be a Python float, received beta={beta!r} of "
                             f"type {type(beta).__name__}.")
        if beta <= 0.0:
            raise ValueError(f"{owner}: `beta` must be > 0, received beta={beta}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"{owner}: `threshold` must be a Python float, received "
                                 f"threshold={threshold!r} of type {type(threshold).__name__}.")
            if not 0.0 < threshold <= 1.0:
                raise ValueError(f"{owner}: `threshold` must satisfy 0 < threshold <= 1, "
                                 f"received threshold={threshold}.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs (batch_size, num_classes), "
                             f"received y_true.shape={tuple(true_shape)} and "
                             f"y_pred.shape={tuple(pred_shape)}.")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        for name in ("true_positives", "false_positives", "false_negatives",
                     "intermediate_weights"):
            setattr(self, name, self.add_variable(shape, "zeros", name=name))
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _array(y_true, self.dtype)
        y_pred = _array(y_pred, self.dtype)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: y_true and y_pred must have the same shape, "
                             f"received {y_true.shape} and {y_pred.shape}.")
        if self.threshold is None:
            row_max = xp.max(y_pred, axis=-1, keepdims=True) if y_pred.size else y_pred
            predicted = (y_pred >= row_max) & (xp.abs(y_pred) > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.astype(self.dtype)
        weights = None if sample_weight is None else \
            _array(sample_weight, self.dtype).reshape(-1, 1)

        def weighted_sum(values):
            if weights is not None:
                values = values * weights
            return xp.sum(values, axis=self.axis)

        self.true_positives.assign_add(weighted_sum(predicted * y_true))
        self.false_positives.assign_add(weighted_sum(predicted * (1 - y_true)))
        self.false_negatives.assign_add(weighted_sum((1 - predicted) * y_true))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self):
        if not self._built:
            return _result(0.0, self.dtype)
        eps = xp.asarray(config.epsilon(), dtype=self.dtype)
        tp, fp, fn = self.true_positives.data, self.false_positives.data, self.false_negatives.data
        precision = tp / (tp + fp + eps)
        recall = tp / (tp + fn + eps)
        beta_squared = xp.asarray(self.beta ** 2, dtype=self.dtype)
        score = precision * recall / (beta_squared * precision + recall + eps) * (1 + beta_squared)
        if self.average == "weighted":
            support = self.intermediate_weights.data
            score = xp.sum(score * (support / (xp.sum(support) + eps)))
        elif self.average is not None:
            score = xp.mean(score)
        return _result(score, self.dtype)

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """F1 score: the harmonic mean of precision and recall (FBetaScore with beta=1)."""

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
