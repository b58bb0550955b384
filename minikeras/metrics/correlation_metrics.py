"""Correlation metrics: the running mean of the Pearson or concordance correlation between
y_true and y_pred along `axis` (one value per sample for (n, d) inputs)."""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.base_metric import _array
from minikeras.metrics.reduction_metrics import _FunctionMetric


def _prepare(y_true, y_pred):
    y_pred = _array(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = y_pred.astype(config.floatx())
    return squeeze_or_expand_to_same_rank(_array(y_true, y_pred.dtype), y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """mean(z(y_true) * z(y_pred)) along `axis`, z = (x - mean) / std (population std).

    No epsilon, as in Keras: a constant row (std 0) gives NaN.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    with xp.errstate(divide="ignore", invalid="ignore"):
        true_centered = y_true - xp.mean(y_true, axis=axis, keepdims=True)
        pred_centered = y_pred - xp.mean(y_pred, axis=axis, keepdims=True)
        true_z = true_centered / xp.std(true_centered, axis=axis, keepdims=True)
        pred_z = pred_centered / xp.std(pred_centered, axis=axis, keepdims=True)
        return xp.mean(true_z * pred_z, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation 2 cov / (var_true + var_pred + (mean_true - mean_pred)^2)
    along `axis` (population moments, eps = 1e-7 added to the denominator): like Pearson's,
    but also penalizes a shift or scale between y_true and y_pred."""
    y_true, y_pred = _prepare(y_true, y_pred)
    true_mean = xp.mean(y_true, axis=axis, keepdims=True)
    pred_mean = xp.mean(y_pred, axis=axis, keepdims=True)
    true_var = xp.var(y_true - true_mean, axis=axis, keepdims=True)
    pred_var = xp.var(y_pred - pred_mean, axis=axis, keepdims=True)
    # Keras centres y_true on the *prediction* mean here; the mean of the product is the same
    # covariance because (y_pred - pred_mean) sums to zero.
    covariance = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + xp.square(true_mean - pred_mean)
    return xp.mean(2 * covariance / (norm + xp.asarray(config.epsilon(), dtype=norm.dtype)),
                   axis=axis)


class PearsonCorrelation(_FunctionMetric):
    """The running mean of `pearson_correlation` along `axis` (1 is best)."""

    _config_args = ("axis",)
    _fn_direction = "up"

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name=name, dtype=dtype, axis=axis)


class ConcordanceCorrelation(_FunctionMetric):
    """The running mean of `concordance_correlation` along `axis` (1 is best)."""

    _config_args = ("axis",)
    _fn_direction = "up"

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name=name, dtype=dtype, axis=axis)
