"""`minikeras.losses`, as in `keras.losses`: how far predictions are from targets.

Two levels, as in Keras:

- loss *functions* (`mean_squared_error`, `binary_crossentropy`, `huber`, ...) map
  `(y_true, y_pred)` to one loss per sample (`losses.py`);
- `Loss` *objects* add a name, a dtype and a reduction that turns the per-sample losses (times
  optional sample weights) into the scalar Tensor that training minimizes (the base class and
  reductions in `loss.py`, one class per function in `losses.py`).

This module is the registry: every name a user may type ("mse", "binary_crossentropy",
"BinaryCrossentropy", ...), `get`, `serialize` and `deserialize`.
"""
import inspect

import numpy

from minikeras.losses.loss import (REDUCTIONS, Loss, apply_mask, reduce_values,  # noqa: F401
                                   reduce_weighted_values, squeeze_or_expand_to_same_rank,
                                   standardize_reduction)
from minikeras.losses.losses import (  # noqa: F401
    LossFunctionWrapper, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, CosineSimilarity, Huber, LogCosh, Hinge, SquaredHinge,
    CategoricalHinge, KLDivergence, Poisson, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    CategoricalGeneralizedCrossEntropy, Dice, Tversky, Circle,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, cosine_similarity, huber, log_cosh, hinge, squared_hinge,
    categorical_hinge, kl_divergence, poisson, binary_crossentropy, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, sparse_categorical_crossentropy,
    categorical_generalized_cross_entropy, dice, tversky, circle)
from minikeras.losses.losses import CTC, ctc  # noqa: F401  (nn_extras)
from minikeras.registry.serialization import (deserialize_class_or_function,
                                              get_object, resolve, serialize_object)


# -- names, get, serialize, deserialize ------------------------------------------------------
_FUNCTION_OF_CLASS = {
    MeanSquaredError: mean_squared_error,
    MeanAbsoluteError: mean_absolute_error,
    MeanAbsolutePercentageError: mean_absolute_percentage_error,
    MeanSquaredLogarithmicError: mean_squared_logarithmic_error,
    CosineSimilarity: cosine_similarity,
    Huber: huber,
    LogCosh: log_cosh,
    Hinge: hinge,
    SquaredHinge: squared_hinge,
    CategoricalHinge: categorical_hinge,
    KLDivergence: kl_divergence,
    Poisson: poisson,
    BinaryCrossentropy: binary_crossentropy,
    BinaryFocalCrossentropy: binary_focal_crossentropy,
    CategoricalCrossentropy: categorical_crossentropy,
    CategoricalFocalCrossentropy: categorical_focal_crossentropy,
    SparseCategoricalCrossentropy: sparse_categorical_crossentropy,
    CategoricalGeneralizedCrossEntropy: categorical_generalized_cross_entropy,
    Dice: dice,
    Tversky: tversky,
    Circle: circle,
    CTC: ctc,
}
_CLASS_OF_FUNCTION = {fn: cls for cls, fn in _FUNCTION_OF_CLASS.items()}

# Every string a user may type. Function names resolve to the class, so `get` always gives
# a Loss object whose config can be saved.
ALL_OBJECTS_DICT = {}
for _cls, _fn in _FUNCTION_OF_CLASS.items():
    ALL_OBJECTS_DICT[_cls.__name__] = _cls
    ALL_OBJECTS_DICT[_fn.__name__] = _cls
# Keras 3's short aliases, plus its legacy "logcosh" and "kullback_leibler_divergence".
_ALIASES = {"mse": MeanSquaredError, "MSE": MeanSquaredError,
            "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
            "mape": MeanAbsolutePercentageError, "MAPE": MeanAbsolutePercentageError,
            "msle": MeanSquaredLogarithmicError, "MSLE": MeanSquaredLogarithmicError,
            "kld": KLDivergence, "KLD": KLDivergence, "kullback_leibler_divergence": KLDivergence,
            "logcosh": LogCosh, "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy}
ALL_OBJECTS_DICT.update(_ALIASES)
# Classes that only appear in saved configs.
_CONFIG_CLASSES = {**ALL_OBJECTS_DICT, "Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper}
_FUNCTIONS = {fn.__name__: fn for fn in _CLASS_OF_FUNCTION}
_FUNCTIONS.update({alias: _FUNCTION_OF_CLASS[cls] for alias, cls in _ALIASES.items()})


def _deserialize_function(config):
    """A loss *function* from its name (or from Keras 3's {"class_name": "function"} dict)."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config.get("config")
    if callable(config):
        return config
    return resolve(config, _FUNCTIONS, "loss function")


def serialize(loss):
    """A name or a Keras 3 config dict for `loss`.

    Built-in losses given as strings or functions serialize to their full function name
    ("mse" -> "mean_squared_error"), which every Keras version can read back; Loss objects
    give {"module": "keras.losses", "class_name", "config", "registered_name"}.
    """
    if loss is None:
        return None
    if isinstance(loss, str):
        cls = ALL_OBJECTS_DICT.get(loss) or ALL_OBJECTS_DICT.get(loss.lower())
        return _FUNCTION_OF_CLASS[cls].__name__ if cls is not None else loss
    if inspect.isfunction(loss) and loss in _CLASS_OF_FUNCTION:
        return loss.__name__
    return serialize_object(loss, "keras.losses")


def deserialize(config, custom_objects=None):
    """Rebuild a loss from a name or config dict (what `serialize` or Keras 3 wrote).

    Built-in names give Loss objects; a custom function registered or passed in
    `custom_objects` comes back as that function. As in Keras, a function, class or Loss
    object passes through unchanged.
    """
    if callable(config):
        return config
    return deserialize_class_or_function(config, ALL_OBJECTS_DICT, _CONFIG_CLASSES, "loss",
                                         custom_objects)


# Keras's `losses.get` table: class names give the class, function names and the short
# aliases give the per-sample function.
_GET_TABLE = {**{cls.__name__: cls for cls in _FUNCTION_OF_CLASS}, "Loss": Loss,
              **_FUNCTIONS}


def get(identifier):
    """What `keras.losses.get` returns, by Keras 3's rule.

    A class name ("MeanSquaredError") gives an instance of that class with its defaults; a
    function name or alias ("mean_squared_error", "mse") gives the per-sample function
    (one loss per sample, no reduction); a config dict is deserialized; a class is
    instantiated; any other callable (a Loss object, a function) passes through unchanged;
    None stays None. Unknown names raise a ValueError listing the valid ones.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        obj = (_deserialize_function(identifier) if identifier.get("class_name") == "function"
               else deserialize(identifier))
    elif isinstance(identifier, str):
        obj = resolve(identifier, _GET_TABLE, "loss")
    else:
        obj = identifier
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}. Expected a loss "
                     f"name, a config dict, a class or instance, or a function.")


def get_loss_object(identifier):
    """A Loss object for a name ("mse", "mean_squared_error", "MeanSquaredError", ...), a
    config dict, a Loss class or instance, or a function f(y_true, y_pred) (built-in functions
    become their class; any other is wrapped in LossFunctionWrapper named after it): what
    `compile(loss=...)` trains with, so its reduction and config are known. None stays None."""
    return get_object(identifier, "loss", deserialize, base_class=Loss,
                      class_of_function=_CLASS_OF_FUNCTION, wrap=LossFunctionWrapper)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """Keras 3's shape rule behind "accuracy" and "crossentropy".

    Returns (is_binary, is_sparse): binary when y_pred has one unit on its last axis; sparse
    when y_true has lower rank than y_pred, or y_true's last axis is 1 while y_pred's is > 1.
    """
    true_shape, pred_shape = _shape_of(y_true), _shape_of(y_pred)
    true_last = true_shape[-1] if true_shape else None
    pred_last = pred_shape[-1] if pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(true_shape) < len(pred_shape) or (
        true_last == 1 and pred_last is not None and pred_last > 1)
    return is_binary, is_sparse


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else tuple(numpy.shape(x))  # lists: host


def resolve_loss(identifier, y_true, y_pred):
    """`get_loss_object`, plus Keras's shape-based choice for "crossentropy"/"ce" (any case):
    binary, sparse categorical or categorical crossentropy, named as the user typed it."""
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            return BinaryCrossentropy(name=identifier)
        if is_sparse:
            return SparseCategoricalCrossentropy(name=identifier)
        return CategoricalCrossentropy(name=identifier)
    return get_loss_object(identifier)
