"""Metrics, as in `keras.metrics`: running summaries of how well a model does.

A metric keeps its state in non-trainable Variables (`Mean` keeps `total` and `count`);
`update_state(y_true, y_pred, sample_weight=None)` folds in one batch, `result()` reads the
current value (a NumPy scalar, e.g. `numpy.float32`) and `reset_state()` zeroes the state (the
trainer does it at each epoch start). Metrics run after every batch, so they work on raw
arrays with a few vectorized NumPy calls and never record an autodiff graph.

Weighting follows Keras 3's `Mean`: per-element values are first averaged down to the rank
of `sample_weight`, multiplied by it and averaged to one value per sample; `total` adds those
values and `count` adds the weights (the number of samples when there are none).

`resolve_metric` implements the string rules of `model.compile`: "accuracy"/"acc" and
"crossentropy"/"ce" pick the binary, sparse categorical or categorical version from the shapes
of y_true and y_pred, and a string keeps its spelling as the metric's name (logs show "acc").
"""
import inspect

from minikeras import losses
from minikeras.backend import config
from minikeras.backend.array_module import to_numpy, xp
from minikeras.backend.autodiff import Tensor, Variable, no_grad
from minikeras.losses import (binary_crossentropy, categorical_crossentropy, mean_absolute_error,
                              mean_squared_error, sparse_categorical_crossentropy,
                              squeeze_or_expand_to_same_rank)
from minikeras.saving.serialization import (deserialize_class_or_function,
                                            get_object, resolve, serialize_keras_object)
from minikeras.utils.naming import auto_name


def _array(x, dtype=None):
    """The raw array behind x (Tensor, array, list or number), optionally cast to dtype."""
    data = x.data if isinstance(x, Tensor) else xp.asarray(x)
    return data if dtype is None else data.astype(dtype, copy=False)


def _initializer(initializer):
    """A function (shape, dtype) -> array for "zeros"/"ones", or whatever
    `minikeras.initializers.get` makes of other identifiers."""
    if isinstance(initializer, str) and initializer.lower() in ("zeros", "zero"):
        return lambda shape, dtype=None: xp.zeros(shape, dtype=dtype)
    if isinstance(initializer, str) and initializer.lower() in ("ones", "one"):
        return lambda shape, dtype=None: xp.ones(shape, dtype=dtype)
    if initializer is None:
        return _initializer("zeros")
    if callable(initializer) or hasattr(initializer, "shape"):
        return initializer
    from minikeras import initializers  # only for rarer identifiers
    return initializers.get(initializer)


# -- accuracy functions (arrays in, float 0/1 arrays out) ------------------------------------
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


# -- the Metric base and the reducing metrics -----------------------------------------------
class Metric:
    """Base class: subclasses create state with `add_variable` in `__init__` and implement
    `update_state(...)` and `result()`. `metric(...)` is update_state then result."""

    def __init__(self, dtype=None, name=None):
        self._variables = []
        self._metrics = []
        self.name = name or auto_name(type(self).__name__)
        self._dtype = xp.dtype(dtype or config.floatx()).name

    def __setattr__(self, name, value):
        # Metrics held as attributes (a metric made of metrics) share their state variables.
        if isinstance(value, Metric) and "_metrics" in self.__dict__:
            self._metrics.append(value)
        super().__setattr__(name, value)

    @property
    def dtype(self):
        return self._dtype

    def add_variable(self, shape, initializer="zeros", dtype=None, aggregation="sum", name=None):
        """Create a non-trainable state Variable (path "<metric name>/<name>") and track it."""
        if "_variables" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before "
                               f"add_variable().")
        variable = Variable(_initializer(initializer), shape=tuple(shape), dtype=dtype or self.dtype,
                            trainable=False, name=name)
        variable.path = f"{self.name}/{variable.name}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        return self.add_variable(shape, initializer=initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        found = list(self._variables)
        for metric in self._metrics:
            found.extend(metric.variables)
        return found

    def reset_state(self):
        """Zero every state variable."""
        for variable in self.variables:
            variable.assign(xp.zeros(variable.shape, dtype=variable.dtype))

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state().")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result().")

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _scalar(value, dtype):
    """A NumPy scalar of `dtype` (a float-like value for logs and callbacks)."""
    return to_numpy(xp.asarray(value, dtype=dtype))[()]


def _samplewise_values(values, sample_weight, mask, reduce_fn, dtype, owner):
    """Keras's reduction of per-element values to one (weighted) value per sample.

    Values are reduced with `reduce_fn` over the axes sample_weight does not have, multiplied
    by the weights, then reduced to shape (n,); the weights are reduced to (n,) the same way.
    A mask on the values only counts when there are sample weights (as in Keras).
    """
    if sample_weight is not None:
        sample_weight = _array(sample_weight, dtype)
        if mask is not None:
            sample_weight = losses.apply_mask(sample_weight, mask, dtype, "sum")
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim, values_ndim = sample_weight.ndim, values.ndim
        if values_ndim > weight_ndim:
            values = reduce_fn(values, axis=tuple(range(weight_ndim, values_ndim)))
        try:
            sample_weight = xp.broadcast_to(sample_weight, values.shape)
        except ValueError:
            raise ValueError(f"Metric {owner!r}: sample_weight of shape {sample_weight.shape} "
                             f"does not fit values of shape {values.shape}.") from None
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, axis=tuple(range(1, weight_ndim)))
    if values.ndim > 1:
        values = reduce_fn(values, axis=tuple(range(1, values.ndim)))
    return values, sample_weight


class Sum(Metric):
    """The running (weighted) sum of all values seen."""

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")

    def update_state(self, values, sample_weight=None):
        mask = getattr(values, "_keras_mask", None)
        values, _ = _samplewise_values(_array(values, self.dtype), sample_weight, mask, xp.sum,
                                       self.dtype, self.name)
        self.total.assign_add(xp.sum(values))

    def result(self):
        return _scalar(self.total.data, self.dtype)


class Mean(Metric):
    """The running (weighted) mean: total / count."""

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable((), "zeros", name="total")
        self.count = self.add_variable((), "zeros", name="count")

    def update_state(self, values, sample_weight=None):
        mask = getattr(values, "_keras_mask", None)
        values, sample_weight = _samplewise_values(_array(values, self.dtype), sample_weight, mask,
                                                   xp.mean, self.dtype, self.name)
        self.total.assign_add(xp.sum(values))
        if sample_weight is not None:
            self.count.assign_add(xp.sum(sample_weight))
        else:
            self.count.assign_add(values.shape[0] if values.ndim else 1)

    def result(self):
        count = self.count.data
        return _scalar(self.total.data / count if bool(count) else 0, self.dtype)


class MeanMetricWrapper(Mean):
    """The running mean of `fn(y_true, y_pred, **kwargs)`, a per-sample function.

    Loss functions run with recording off (no graph is built). A mask on y_pred (`_keras_mask`)
    becomes zero sample weights.
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"MeanMetricWrapper: `fn` must be callable, received {fn!r}.")
        super().__init__(name=name or auto_name("MeanMetricWrapper"), dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs
        self._direction = "down" if fn in _LOSS_FUNCTIONS else None

    def _values(self, y_true, y_pred):
        with no_grad():
            return self._fn(y_true, y_pred, **self._fn_kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        values = self._values(y_true, y_pred)
        if sample_weight is not None:
            sample_weight = _array(sample_weight, self.dtype)
        sample_weight = losses.apply_mask(sample_weight, mask, self.dtype, "sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {**super().get_config(), "fn": serialize_keras_object(self._fn, "keras.metrics")}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            fn = config["fn"]
            if isinstance(fn, dict) and fn.get("class_name") == "function":
                fn = fn.get("config")
            config["fn"] = fn if callable(fn) else resolve(fn, _FUNCTIONS, "metric function")
        return cls(**config)


class _ShapeTolerant(MeanMetricWrapper):
    """Reconcile (n,) against (n, 1) before calling a function that needs equal shapes."""

    def _values(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_array(y_true), _array(y_pred))
        return super()._values(y_true, y_pred)


class Accuracy(MeanMetricWrapper):
    """How often y_pred equals y_true exactly."""

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return Metric.get_config(self)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (y_pred > threshold) matches the 0/1 label."""

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {**Metric.get_config(self), "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches argmax of the one-hot y_true."""

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return Metric.get_config(self)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often argmax(y_pred) matches the integer label."""

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return Metric.get_config(self)


class MeanSquaredError(MeanMetricWrapper):
    """The running mean of per-sample mean squared errors."""

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return Metric.get_config(self)


class MeanAbsoluteError(MeanMetricWrapper):
    """The running mean of per-sample mean absolute errors."""

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, dtype=dtype)
        self._direction = "down"

    def get_config(self):
        return Metric.get_config(self)


class BinaryCrossentropy(_ShapeTolerant):
    """The running mean of `losses.binary_crossentropy`."""

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False, label_smoothing=0):
        super().__init__(binary_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of `losses.categorical_crossentropy`."""

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name=name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of `losses.sparse_categorical_crossentropy`."""

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {**Metric.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


# -- names, get, serialize, deserialize, resolve_metric -------------------------------------
_LOSS_FUNCTIONS = (mean_squared_error, mean_absolute_error, binary_crossentropy,
                   categorical_crossentropy, sparse_categorical_crossentropy)
_CLASS_OF_FUNCTION = {
    accuracy: Accuracy, binary_accuracy: BinaryAccuracy,
    categorical_accuracy: CategoricalAccuracy,
    sparse_categorical_accuracy: SparseCategoricalAccuracy,
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    binary_crossentropy: BinaryCrossentropy, categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
}
_FUNCTIONS = {fn.__name__: fn for fn in _CLASS_OF_FUNCTION}

ALL_OBJECTS_DICT = {"Mean": Mean, "mean": Mean, "Sum": Sum, "sum": Sum, "acc": Accuracy}
for _fn, _cls in _CLASS_OF_FUNCTION.items():
    ALL_OBJECTS_DICT[_cls.__name__] = _cls
    ALL_OBJECTS_DICT[_fn.__name__] = _cls
ALL_OBJECTS_DICT.update({"mse": MeanSquaredError, "MSE": MeanSquaredError,
                         "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
                         "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy})
_CONFIG_CLASSES = {**ALL_OBJECTS_DICT, "Metric": Metric, "MeanMetricWrapper": MeanMetricWrapper}
_SHAPE_RULE_NAMES = ("accuracy", "acc", "crossentropy", "ce")


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
    return serialize_keras_object(metric, "keras.metrics")


def deserialize(config, custom_objects=None):
    """Rebuild a metric from a name or a config dict (a Metric, or a custom function)."""
    return deserialize_class_or_function(config, ALL_OBJECTS_DICT, _CONFIG_CLASSES, "metric",
                                         custom_objects)


def get(identifier):
    """A Metric for a name ("accuracy", "acc", "binary_accuracy", "mse", "MeanSquaredError",
    ...), a config dict, a Metric class or instance, or a function f(y_true, y_pred)
    (built-in functions become their class; others are wrapped in MeanMetricWrapper named
    after the function). Unknown names raise ValueError listing the valid ones."""
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
