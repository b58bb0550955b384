"""Normalization: standardize features with a mean and variance given or learned by `adapt`."""
import itertools
import math

import numpy

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer
from minikeras.ops import add, cast, divide, multiply, subtract
from minikeras.registry.layer_classes import register_layer


@register_layer
class Normalization(Layer):
    """outputs = (inputs - mean) / max(sqrt(variance), epsilon), epsilon = backend.epsilon()
    (1e-7); with invert=True the reverse, mean + inputs * max(sqrt(variance), epsilon).

    There is one mean and variance per index of the kept `axis` (e.g. per feature). They are
    either passed in (then the layer has no weights) or computed from data by `adapt(data)` and
    held in three non-trainable weights, as in Keras: `mean` and `variance` (shaped like the kept
    axes) and `count` (int32 scalar, kept for Keras compatibility and left at 0).

    Args:
        axis: int, tuple of ints or None: the axes that get their own statistics; None means one
            scalar mean and variance for everything. Default -1 (the last axis).
        mean, variance: optional fixed statistics (both or neither), broadcast to the kept axes,
            aligned from the right.
        invert: apply the inverse transformation (turn normalized values back).
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            axis = tuple(axis)
        else:
            raise TypeError(f"Normalization: `axis` must be an int, a tuple of ints or None. "
                            f"Received: axis={axis!r}")
        self.axis = axis
        self.input_mean = mean
        self.input_variance = variance
        self.invert = bool(invert)
        self.supports_masking = True
        self._build_input_shape = None
        if (mean is not None) != (variance is not None):
            raise ValueError(f"When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        if mean is not None:
            mean_shape, variance_shape = _shape(mean), _shape(variance)
            if mean_shape != variance_shape:
                raise ValueError(f"When setting values directly, `mean` and `variance` must have "
                                 f"the same shape. Received: mean shape {mean_shape} and "
                                 f"variance shape {variance_shape}")
            if len(mean_shape) > len(self.axis):
                raise ValueError(f"The rank of `mean` must be less than or equal to the number "
                                 f"of axes ({len(self.axis)}). Received: mean shape "
                                 f"{mean_shape} for axis {self.axis}")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._build_input_shape = input_shape
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={input_shape}, with "
                                 f"unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        # Statistics reshaped to broadcast against inputs: kept sizes, 1 on reduced axes.
        self._broadcast_shape = tuple(input_shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(name="mean", shape=self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight(name="variance", shape=self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight(name="count", shape=(), dtype="int32",
                                         initializer="zeros", trainable=False)
        else:
            self._fixed_mean = self._broadcast_given(self.input_mean, "mean")
            self._fixed_variance = self._broadcast_given(self.input_variance, "variance")
        self.built = True

    def _broadcast_given(self, value, name):
        """A given mean/variance as an array of `_broadcast_shape` (its axes matched from the
        right to the kept axes)."""
        value = xp.asarray(value, dtype=self.dtype)
        expanded = [1] * len(self._broadcast_shape)
        for i in range(1, value.ndim + 1):
            expanded[self._keep_axis[-i]] = value.shape[-i]
        try:
            return xp.broadcast_to(value.reshape(expanded), self._broadcast_shape)
        except ValueError:
            raise ValueError(f"Normalization {self.name!r}: `{name}` of shape {value.shape} cannot "
                             f"be broadcast to the kept axes {self._keep_axis} of inputs shaped "
                             f"{self._build_input_shape} (statistics shape "
                             f"{self._mean_and_var_shape}).") from None

    def _statistics(self):
        """(mean, variance) arrays of `_broadcast_shape`, read from the weights on each call so
        `adapt` and `set_weights` take effect at once."""
        if self.input_mean is not None:
            return self._fixed_mean, self._fixed_variance
        mean = xp.reshape(self.adapt_mean.data, self._broadcast_shape).astype(self.dtype)
        variance = xp.reshape(self.adapt_variance.data, self._broadcast_shape).astype(self.dtype)
        return mean, variance

    def call(self, inputs):
        if inputs.dtype != xp.dtype(self.dtype):
            inputs = cast(inputs, self.dtype)
        mean, variance = self._statistics()
        denominator = xp.maximum(xp.sqrt(variance), xp.asarray(config.epsilon(), dtype=self.dtype))
        if self.invert:
            return add(mean, multiply(inputs, denominator))
        return divide(subtract(inputs, mean), denominator)

    def adapt(self, data):
        """Compute the mean and variance of `data` over the non-kept axes and store them.

        Args:
            data: a NumPy array or Tensor holding the whole data set, or an iterable of batches
                (a list, a generator; a batch may be an `(x, y)` or `(x, y, sample_weight)`
                tuple, of which x is used). Batches are combined exactly: each step merges the
                batch's mean and variance with the running ones, weighted by element counts.
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization {self.name!r} was given a fixed `mean` and "
                             f"`variance`; adapt() cannot change them.")
        if isinstance(data, Tensor):
            data = data.data
        batches = None
        if isinstance(data, xp.ndarray):
            input_shape = tuple(data.shape)
        elif hasattr(data, "__iter__") and not isinstance(data, (str, bytes, dict)):
            iterator = iter(data)
            first = next(iterator, None)
            if first is None:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch. Pass a non-empty iterable of arrays or "
                                 "tensors, e.g. layer.adapt([x]) or layer.adapt(list_of_batches).")
            first = _batch_inputs(first)
            if getattr(first, "shape", None) is None:
                raise TypeError(f"adapt() expects an iterable that yields arrays or tensors with "
                                f"a `.shape` attribute (e.g. numpy arrays or tensors). Got an "
                                f"element of type {type(first).__name__}.")
            input_shape = tuple(first.shape)
            batches = itertools.chain([first], iterator)
        else:
            raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports NumPy "
                            f"arrays, Tensors and iterables of batches (e.g. a list or a "
                            f"generator).")
        if not self.built:
            self.build(input_shape)
        else:
            self._check_adapt_shape(input_shape, "adapt() is being called with data with an "
                                                 f"incompatible shape, data.shape={input_shape}")
        if batches is None:
            total_mean = xp.mean(data, axis=self._reduce_axis)
            total_var = xp.var(data, axis=self._reduce_axis)
        else:
            total_mean, total_var = self._streaming_moments(batches)
        self.adapt_mean.assign(xp.asarray(total_mean, dtype=self.adapt_mean.dtype))
        self.adapt_variance.assign(xp.asarray(total_var, dtype=self.adapt_variance.dtype))

    def _streaming_moments(self, batches):
        """Mean and variance of all batches together, merged one batch at a time (the pooled
        variance: within-batch variance plus the spread of the means about the new mean)."""
        total_mean = xp.zeros(self._mean_and_var_shape, dtype=self.dtype)
        total_var = xp.zeros(self._mean_and_var_shape, dtype=self.dtype)
        total_count = 0
        for batch in batches:
            batch = _batch_inputs(batch)
            batch = xp.asarray(batch.data if isinstance(batch, Tensor) else batch, dtype=self.dtype)
            self._check_adapt_shape(tuple(batch.shape), "adapt() yielded a batch with "
                                                        f"incompatible shape {tuple(batch.shape)}")
            batch_mean = xp.mean(batch, axis=self._reduce_axis)
            batch_var = xp.var(batch, axis=self._reduce_axis)
            batch_count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total_count += batch_count
            batch_weight = batch_count / total_count
            existing_weight = 1.0 - batch_weight
            new_mean = total_mean * existing_weight + batch_mean * batch_weight
            total_var = ((total_var + (total_mean - new_mean) ** 2) * existing_weight
                         + (batch_var + (batch_mean - new_mean) ** 2) * batch_weight)
            total_mean = new_mean
        return total_mean, total_var

    def _check_adapt_shape(self, shape, problem):
        built = self._build_input_shape
        if len(shape) != len(built) or any(shape[d] != built[d] for d in self._keep_axis):
            raise ValueError(f"The layer was built with input_shape={built}, but {problem}")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "invert": self.invert,
                "mean": _to_list(self.input_mean), "variance": _to_list(self.input_variance)}

    def get_build_config(self):
        """{"input_shape": ...} once built (Keras writes it as the layer's build_config)."""
        if self._build_input_shape:
            return {"input_shape": list(self._build_input_shape)}
        return None

    def build_from_config(self, build_config):
        """Recreate the weights from `get_build_config()` (before loading saved values)."""
        if build_config and not self.built:
            self.build(build_config["input_shape"])


def _batch_inputs(batch):
    """x from a batch that may be (x, y) or (x, y, sample_weight)."""
    return batch[0] if isinstance(batch, tuple) else batch


def _to_list(value):
    return None if value is None else xp.asarray(value).tolist()


def _shape(value):
    """The shape of an array (of either backend) or of nested lists of numbers (on the host)."""
    return tuple(value.shape) if hasattr(value, "shape") else numpy.shape(value)
