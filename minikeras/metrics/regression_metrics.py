"""Regression metrics: running means of the regression losses (MSE, MAE, MAPE, MSLE,
log-cosh), RootMeanSquaredError, CosineSimilarity and R2Score.
"""
import warnings

from minikeras import losses
from minikeras.backend.array_module import xp
from minikeras.losses import (log_cosh, mean_absolute_error, mean_absolute_percentage_error,
                              mean_squared_error, mean_squared_logarithmic_error,
                              squeeze_or_expand_to_same_rank)
from minikeras.metrics.base_metric import Metric, _array, _result
from minikeras.metrics.reduction_metrics import Mean, _FunctionMetric


class MeanSquaredError(_FunctionMetric):
    """The running mean of per-sample mean squared errors."""

    _fn_direction = "down"

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)


class MeanAbsoluteError(_FunctionMetric):
    """The running mean of per-sample mean absolute errors."""

    _fn_direction = "down"

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)


class MeanAbsolutePercentageError(_FunctionMetric):
    """The running mean of `losses.mean_absolute_percentage_error` (in percent)."""

    _fn_direction = "down"

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, dtype=dtype)


class MeanSquaredLogarithmicError(_FunctionMetric):
    """The running mean of `losses.mean_squared_logarithmic_error`."""

    _fn_direction = "down"

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, dtype=dtype)


class LogCoshError(_FunctionMetric):
    """The running mean of `losses.log_cosh` (Keras names it "logcosh")."""

    _fn_direction = "down"

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name=name, dtype=dtype)


def _cosine_similarity(y_true, y_pred, axis=-1):
    """cos(y_true, y_pred) along `axis`, in [-1, 1] (1 for parallel vectors): the negative of
    the loss `losses.cosine_similarity`, which is minimized."""
    return -losses.cosine_similarity(y_true, y_pred, axis=axis)


class CosineSimilarity(_FunctionMetric):
    """The running mean of the cosine between y_true and y_pred along `axis` (1 is best).

    Unlike Keras 3, whose config drops `axis`, the config keeps it so it round-trips.
    """

    _config_args = ("axis",)
    _fn_direction = "up"

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(_cosine_similarity, name=name, dtype=dtype, axis=axis)


class RootMeanSquaredError(Mean):
    """sqrt of the running (weighted) mean of squared errors over all elements."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "down"

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _array(y_true, self.dtype)
        y_pred = _array(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        super().update_state(xp.square(y_pred - y_true), sample_weight=sample_weight)

    def result(self):
        return _result(xp.sqrt(super().result()), self.dtype)


_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """Coefficient of determination R^2 = 1 - SS_res / SS_tot per output column, for (n, d).

    class_aggregation: "uniform_average" (mean over columns), "variance_weighted_average"
    (weighted by each column's total sum of squares) or None (one score per column). A column
    with SS_tot = 0 and SS_res > 0 scores 0 (Keras's guard against -inf); with both 0 it is NaN.
    num_regressors p > 0 gives the adjusted R^2 = 1 - (1 - R^2)(n - 1)/(n - p - 1), where n
    counts every element seen; when p >= n - 1 it warns and returns the plain R^2.
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _AGGREGATIONS:
            raise ValueError(f"R2Score: invalid `class_aggregation` {class_aggregation!r}; "
                             f"expected one of {list(_AGGREGATIONS)}.")
        if isinstance(num_regressors, bool) or not isinstance(num_regressors, int) \
                or num_regressors < 0:
            raise ValueError(f"R2Score: `num_regressors` must be an int >= 0, received "
                             f"num_regressors={num_regressors!r}.")
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable((), "zeros", name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(f"R2Score expects 2D inputs (batch_size, output_dim), received "
                             f"y_true.shape={tuple(true_shape)} and "
                             f"y_pred.shape={tuple(pred_shape)}.")
        columns = (pred_shape[-1],)
        self.squared_sum = self.add_variable(columns, "zeros", name="squared_sum")
        self.sum = self.add_variable(columns, "zeros", name="sum")
        self.total_mse = self.add_variable(columns, "zeros", name="residual")
        self.count = self.add_variable(columns, "zeros", name="count")
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true = _array(y_true, self.dtype)
        y_pred = _array(y_pred, self.dtype)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        if not self._built:
            self._build(y_true.shape, y_pred.shape)
        weights = xp.asarray(1, dtype=self.dtype) if sample_weight is None else \
            _array(sample_weight, self.dtype)
        if weights.ndim == 1:
            weights = weights[:, None]  # one weight per sample, shared by its columns
        try:
            weights = xp.broadcast_to(weights, y_true.shape)
        except ValueError:
            raise ValueError(f"R2Score: sample_weight of shape {weights.shape} does not fit "
                             f"y_true of shape {y_true.shape}.") from None
        weighted_true = y_true * weights
        self.sum.assign_add(xp.sum(weighted_true, axis=0))
        self.squared_sum.assign_add(xp.sum(y_true * weighted_true, axis=0))
        self.total_mse.assign_add(xp.sum((y_true - y_pred) ** 2 * weights, axis=0))
        self.count.assign_add(xp.sum(weights, axis=0))
        self.num_samples.assign_add(y_true.size)

    def result(self):
        if not self._built:
            return _result(0.0, self.dtype)
        with xp.errstate(divide="ignore", invalid="ignore"):
            mean = self.sum.data / self.count.data
            total = self.squared_sum.data - self.sum.data * mean
            scores = 1 - self.total_mse.data / total
        scores = xp.where(xp.isinf(scores), xp.asarray(0, dtype=scores.dtype), scores)
        if self.class_aggregation == "uniform_average":
            score = xp.mean(scores)
        elif self.class_aggregation == "variance_weighted_average":
            with xp.errstate(divide="ignore", invalid="ignore"):
                score = xp.sum(total * scores) / xp.sum(total)
        else:
            score = scores
        n, p = float(self.num_samples.data), self.num_regressors
        if p != 0:
            if p > n - 1:
                warnings.warn("R2Score: more regressors than data points for the adjusted R2 "
                              "score; returning the plain R2 score.", stacklevel=2)
            elif p == n - 1:
                warnings.warn("R2Score: n - p - 1 = 0 in the adjusted R2 score; returning the "
                              "plain R2 score.", stacklevel=2)
            else:
                score = 1.0 - (1.0 - score) * xp.float32(n - 1.0) / xp.float32(n - p - 1.0)
        return _result(score, self.dtype)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
