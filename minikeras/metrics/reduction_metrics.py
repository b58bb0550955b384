"""Sum, Mean and MeanMetricWrapper: the running (weighted) reductions most metrics are built on.

Weighting follows Keras 3's `Mean`: per-element values are first averaged down to the rank
of `sample_weight`, multiplied by it and averaged to one value per sample; `total` adds those
values and `count` adds the weights (the number of samples when there are none).
"""
import inspect

from minikeras import losses
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import no_grad
from minikeras.backend.masking import get_keras_mask
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.base_metric import Metric, _array, _scalar
from minikeras.registry.serialization import resolve, serialize_object
from minikeras.backend.naming import auto_name


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
        mask = get_keras_mask(values)
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
        mask = get_keras_mask(values)
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


def _is_builtin_loss(fn):
    """True for minikeras's loss functions and Loss objects (their metrics go "down")."""
    if isinstance(fn, losses.Loss):
        return True
    return (inspect.isfunction(fn) and fn.__name__ in losses.ALL_OBJECTS_DICT
            and getattr(losses, fn.__name__, None) is fn)


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
        self._direction = "down" if _is_builtin_loss(fn) else None

    def _values(self, y_true, y_pred):
        with no_grad():
            return self._fn(y_true, y_pred, **self._fn_kwargs)

    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = get_keras_mask(y_pred)
        values = self._values(y_true, y_pred)
        if sample_weight is not None:
            sample_weight = _array(sample_weight, self.dtype)
        sample_weight = losses.apply_mask(sample_weight, mask, self.dtype, "sum")
        super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        config = {**super().get_config(), "fn": serialize_object(self._fn, "keras.metrics")}
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from minikeras.metrics import _FUNCTIONS  # the package's table of metric functions
            fn = config["fn"]
            if isinstance(fn, dict) and fn.get("class_name") == "function":
                fn = fn.get("config")
            config["fn"] = fn if callable(fn) else resolve(fn, _FUNCTIONS, "metric function")
        return cls(**config)


class _FunctionMetric(MeanMetricWrapper):
    """Base of the built-in wrappers (`Accuracy`, `Hinge`, ...): a fixed function, so the
    config holds only name, dtype and the arguments listed in `_config_args` (Keras's form)."""

    _config_args = ()
    _fn_direction = None

    def __init__(self, fn, name, dtype=None, **kwargs):
        super().__init__(fn, name=name, dtype=dtype, **kwargs)
        for key in self._config_args:
            setattr(self, key, kwargs[key])
        self._direction = self._fn_direction

    def get_config(self):
        return {**Metric.get_config(self), **{key: getattr(self, key) for key in self._config_args}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class _ShapeTolerant(_FunctionMetric):
    """Reconcile (n,) against (n, 1) before calling a function that needs equal shapes."""

    def _values(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(_array(y_true), _array(y_pred))
        return super()._values(y_true, y_pred)
