"""Hinge metrics: running means of `losses.hinge`, `squared_hinge` and `categorical_hinge`."""
from minikeras.losses import categorical_hinge, hinge, squared_hinge
from minikeras.metrics.reduction_metrics import _FunctionMetric


class Hinge(_FunctionMetric):
    """The running mean of mean(max(1 - y_true * y_pred, 0)) (0/1 labels become -1/1)."""

    _fn_direction = "down"

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_FunctionMetric):
    """The running mean of mean(max(1 - y_true * y_pred, 0)**2) (0/1 labels become -1/1)."""

    _fn_direction = "down"

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_FunctionMetric):
    """The running mean of max(max_wrong - true_score + 1, 0) for one-hot labels."""

    _fn_direction = "down"

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
