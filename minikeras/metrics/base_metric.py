"""The `Metric` base class and the small array helpers every metric module shares.

A metric keeps its state in non-trainable Variables created with `add_variable`;
`update_state(...)` folds in one batch, `result()` reads the current value and `reset_state()`
zeroes the state. Metrics run after every batch on raw arrays (Tensors are unwrapped), so the
helpers here work on plain `xp` arrays and never record an autodiff graph.
"""
from minikeras.backend import config
from minikeras.backend.array_module import to_numpy, xp
from minikeras.backend.autodiff import Tensor, Variable
from minikeras.backend.naming import auto_name


def _array(x, dtype=None):
    """The raw array behind x (Tensor, array, list or number), optionally cast to dtype."""
    data = x.data if isinstance(x, Tensor) else xp.asarray(x)
    return data if dtype is None else data.astype(dtype, copy=False)


def _scalar(value, dtype):
    """A NumPy scalar of `dtype` (a float-like value for logs and callbacks)."""
    return to_numpy(xp.asarray(value, dtype=dtype))[()]


def _result(value, dtype):
    """A NumPy scalar for a 0-d value, else a NumPy array of `dtype` (per-threshold or
    per-class results such as `Precision(thresholds=[...])` or `F1Score(average=None)`)."""
    array = to_numpy(xp.asarray(value, dtype=dtype))
    return array[()] if array.ndim == 0 else array


def divide_no_nan(numerator, denominator):
    """numerator / denominator, with 0 wherever the denominator is 0 (Keras's divide_no_nan)."""
    numerator, denominator = xp.asarray(numerator), xp.asarray(denominator)
    zero = denominator == 0
    return xp.where(zero, 0, numerator / xp.where(zero, 1, denominator)).astype(
        xp.result_type(numerator, denominator), copy=False)


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


class Metric:
    """Base class: subclasses create state with `add_variable` in `__init__` and implement
    `update_state(...)` and `result()`. `metric(...)` is update_state then result.

    `_direction` is "up" for metrics to maximize (accuracy, AUC), "down" for errors, else None
    (what EarlyStopping's mode="auto" reads, as in Keras)."""

    _direction = None

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
