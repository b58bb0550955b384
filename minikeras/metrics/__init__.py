"""Metrics, as in `keras.metrics`: running summaries of how well a model does.

A metric keeps its state in non-trainable Variables (`Mean` keeps `total` and `count`);
`update_state(y_true, y_pred, sample_weight=None)` folds in one batch, `result()` reads the
current value (a NumPy scalar, e.g. `numpy.float32`, or an array for per-threshold / per-class
results) and `reset_state()` zeroes the state (the trainer does it at each epoch start).
Metrics run after every batch, so they work on raw arrays with a few vectorized NumPy calls and
never record an autodiff graph.

The set is Keras 3.15.1's `keras.metrics`, one module per family:

- reduction_metrics: Sum, Mean, MeanMetricWrapper
- accuracy_metrics: Accuracy, Binary/Categorical/SparseCategorical accuracy, top-k accuracies
- confusion_metrics: TruePositives ... FalseNegatives, Precision, Recall, AUC,
  PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity
- f_score_metrics: F1Score, FBetaScore
- iou_metrics: IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU
- regression_metrics: MSE, MAE, MAPE, MSLE, RMSE, CosineSimilarity, LogCoshError, R2Score
- probabilistic_metrics: Binary/Categorical/SparseCategorical crossentropy, KLDivergence, Poisson
- hinge_metrics: Hinge, SquaredHinge, CategoricalHinge
- correlation_metrics: PearsonCorrelation, ConcordanceCorrelation

`resolve_metric` implements the string rules of `model.compile`: "accuracy"/"acc" and
"crossentropy"/"ce" pick the binary, sparse categorical or categorical version from the shapes
of y_true and y_pred, and a string keeps its spelling as the metric's name (logs show "acc").
"""
import inspect

from minikeras import losses
from minikeras.losses import (binary_crossentropy, binary_focal_crossentropy,  # noqa: F401
                              categorical_crossentropy, categorical_focal_crossentropy,
                              categorical_hinge, hinge, huber, kl_divergence, log_cosh,
                              mean_absolute_error, mean_absolute_percentage_error,
                              mean_squared_error, mean_squared_logarithmic_error, poisson,
                              sparse_categorical_crossentropy, squared_hinge)
from minikeras.metrics.accuracy_metrics import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                                SparseCategoricalAccuracy,
                                                SparseTopKCategoricalAccuracy,
                                                TopKCategoricalAccuracy, accuracy,
                                                binary_accuracy, categorical_accuracy,
                                                sparse_categorical_accuracy,
                                                sparse_top_k_categorical_accuracy,
                                                top_k_categorical_accuracy)
from minikeras.metrics.base_metric import Metric
from minikeras.metrics.confusion_metrics import (AUC, FalseNegatives, FalsePositives, Precision,
                                                 PrecisionAtRecall, Recall, RecallAtPrecision,
                                                 SensitivityAtSpecificity,
                                                 SpecificityAtSensitivity, TrueNegatives,
                                                 TruePositives)
from minikeras.metrics.correlation_metrics import (ConcordanceCorrelation, PearsonCorrelation,
                                                   concordance_correlation, pearson_correlation)
from minikeras.metrics.f_score_metrics import F1Score, FBetaScore
from minikeras.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from minikeras.metrics.iou_metrics import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from minikeras.metrics.probabilistic_metrics import (BinaryCrossentropy, CategoricalCrossentropy,
                                                     KLDivergence, Poisson,
                                                     SparseCategoricalCrossentropy)
from minikeras.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum
from minikeras.metrics.regression_metrics import (CosineSimilarity, LogCoshError,
                                                  MeanAbsoluteError, MeanAbsolutePercentageError,
                                                  MeanSquaredError, MeanSquaredLogarithmicError,
                                                  R2Score, RootMeanSquaredError)
from minikeras.registry.serialization import (deserialize_class_or_function, get_object,
                                              serialize_object)
from minikeras.backend.naming import to_snake_case

# -- names, get, serialize, deserialize, resolve_metric -------------------------------------
ALL_METRIC_CLASSES = (
    Mean, Sum,
    MeanSquaredError, RootMeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, LogCoshError, R2Score,
    AUC, FalseNegatives, FalsePositives, Precision, PrecisionAtRecall, Recall,
    RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity, TrueNegatives,
    TruePositives, ConcordanceCorrelation, PearsonCorrelation, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, CategoricalCrossentropy,
    SparseCategoricalCrossentropy, Accuracy, BinaryAccuracy, CategoricalAccuracy,
    SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy, F1Score,
    FBetaScore, IoU, BinaryIoU, MeanIoU, OneHotIoU, OneHotMeanIoU,
)
# A function with a metric class of its own becomes that class in `get`.
_CLASS_OF_FUNCTION = {
    accuracy: Accuracy, binary_accuracy: BinaryAccuracy,
    categorical_accuracy: CategoricalAccuracy,
    sparse_categorical_accuracy: SparseCategoricalAccuracy,
    top_k_categorical_accuracy: TopKCategoricalAccuracy,
    sparse_top_k_categorical_accuracy: SparseTopKCategoricalAccuracy,
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError, log_cosh: LogCoshError,
    hinge: Hinge, squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge,
    kl_divergence: KLDivergence, poisson: Poisson,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    pearson_correlation: PearsonCorrelation, concordance_correlation: ConcordanceCorrelation,
}
# Every function `keras.metrics` exports, by name (MeanMetricWrapper configs name their fn).
_FUNCTIONS = {fn.__name__: fn for fn in _CLASS_OF_FUNCTION}
_FUNCTIONS.update({fn.__name__: fn for fn in (huber, binary_focal_crossentropy,
                                              categorical_focal_crossentropy)})

# Keras's names: class names, their snake_case ("auc", "mean_io_u", "f_beta_score", ...) and
# the short aliases; plus the function names and the default names Keras gives two metrics
# ("logcosh", "fbeta_score"), so that `get(metric.name)` works for every built-in.
ALL_OBJECTS_DICT = {}
for _cls in ALL_METRIC_CLASSES:
    ALL_OBJECTS_DICT[_cls.__name__] = _cls
    ALL_OBJECTS_DICT[to_snake_case(_cls.__name__)] = _cls
for _fn, _cls in _CLASS_OF_FUNCTION.items():
    ALL_OBJECTS_DICT[_fn.__name__] = _cls
ALL_OBJECTS_DICT.update({
    "acc": Accuracy, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError, "MSE": MeanSquaredError, "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError, "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError, "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError, "logcosh": LogCoshError, "fbeta_score": FBetaScore,
})
_CONFIG_CLASSES = {**ALL_OBJECTS_DICT, "Metric": Metric, "MeanMetricWrapper": MeanMetricWrapper}
_SHAPE_RULE_NAMES = ("accuracy", "acc", "crossentropy", "ce")


def _required_arguments(cls):
    """The constructor arguments of `cls` without defaults (e.g. MeanIoU's num_classes)."""
    parameters = inspect.signature(cls.__init__).parameters.values()
    return [p.name for p in parameters if p.name != "self" and p.default is p.empty
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def _instantiable(found, identifier):
    if inspect.isclass(found) and issubclass(found, Metric):
        missing = _required_arguments(found)
        if missing:
            raise ValueError(f"Metric {identifier!r} ({found.__name__}) needs arguments "
                             f"{missing}: pass an instance such as "
                             f"{found.__name__}({', '.join(m + '=...' for m in missing)}).")
    return found


def serialize(metric):
    """A name or a Keras 3 config dict. Built-in strings and functions give full names
    ("mse" -> "mean_squared_error"); "accuracy"/"acc"/"crossentropy"/"ce" stay as typed,
    because they are resolved from shapes at compile time."""
    if metric is None:
        return None
    if isinstance(metric, str):
        if metric.lower() in _SHAPE_RULE_NAMES:
            return metric
        cls = ALL_OBJECTS_DICT.get(metric) or ALL_OBJECTS_DICT.get(metric.lower())
        names = {c: f.__name__ for f, c in _CLASS_OF_FUNCTION.items()}
        return names.get(cls, metric)
    if inspect.isfunction(metric) and metric in _CLASS_OF_FUNCTION:
        return metric.__name__
    return serialize_object(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """Rebuild a metric from a name or a config dict (a Metric, or a custom function)."""
    if isinstance(config, str):
        found = ALL_OBJECTS_DICT.get(config) or ALL_OBJECTS_DICT.get(config.lower())
        _instantiable(found, config)
    return deserialize_class_or_function(config, ALL_OBJECTS_DICT, _CONFIG_CLASSES, "metric",
                                         custom_objects)


def get(identifier):
    """A Metric for a name ("accuracy", "acc", "binary_accuracy", "mse", "MeanSquaredError",
    "auc", ...), a config dict, a Metric class or instance, or a function f(y_true, y_pred)
    (built-in functions become their class; others are wrapped in MeanMetricWrapper named
    after the function). Unknown names raise ValueError listing the valid ones; names of
    metrics that need arguments (e.g. "mean_io_u") raise ValueError saying which."""
    if inspect.isclass(identifier):
        _instantiable(identifier, identifier.__name__)
    return get_object(identifier, "metric", deserialize, base_class=Metric,
                      class_of_function=_CLASS_OF_FUNCTION, wrap=MeanMetricWrapper)


def resolve_metric(identifier, y_true, y_pred):
    """The Metric that `compile(metrics=[identifier])` uses for these targets/predictions.

    "accuracy"/"acc" (any case): BinaryAccuracy if y_pred.shape[-1] == 1, else
    SparseCategoricalAccuracy if y_true has lower rank than y_pred or y_true.shape[-1] == 1,
    else CategoricalAccuracy; "crossentropy"/"ce" pick the crossentropy the same way. Any other
    identifier goes through `get`. A string identifier becomes the metric's name as typed.
    y_true and y_pred may be arrays, Tensors, or anything with a `.shape`.
    """
    if identifier is None:
        raise ValueError("resolve_metric: expected a metric identifier, received None.")
    lowered = identifier.lower() if isinstance(identifier, str) else None
    if lowered in _SHAPE_RULE_NAMES:
        is_binary, is_sparse = losses.is_binary_or_sparse_categorical(y_true, y_pred)
        if lowered in ("accuracy", "acc"):
            choice = (BinaryAccuracy if is_binary else SparseCategoricalAccuracy if is_sparse
                      else CategoricalAccuracy)
        else:
            choice = (BinaryCrossentropy if is_binary else SparseCategoricalCrossentropy
                      if is_sparse else CategoricalCrossentropy)
        return choice(name=identifier)
    metric = get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric
