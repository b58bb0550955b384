"""Weight penalties, as in `keras.regularizers`, plus get / serialize / deserialize.

A regularizer is called on a weight (a Variable or any Tensor) and returns a scalar Tensor that
the trainer adds to the loss; it is built from differentiable ops, so the penalty's gradient
reaches the weight through the same backward pass as the loss.

    L1(l1)      l1 * sum(|w|)
    L2(l2)      l2 * sum(w^2)          (Keras's convention: no 1/2 in front)
    L1L2(l1, l2) the sum of both
    OrthogonalRegularizer(factor, mode) factor * mean |cosine| between distinct rows (or columns)
"""
import math
import numbers

from minikeras import ops
from minikeras.backend import config as backend_config
from minikeras.backend.array_module import xp
from minikeras.registry.serialization import (deserialize_object, get_object,
                                              serialize_object)


def _validate_factor(value, name, who):
    """A non-negative finite float, or a ValueError naming the argument."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or math.isinf(value) or math.isnan(value) or value < 0):
        raise ValueError(f"{who}: invalid value for argument {name}: expected a non-negative "
                         f"float, received {name}={value!r}.")
    return float(value)


class Regularizer:
    """Base class: `__call__(x)` returns a scalar penalty; `get_config()` its arguments.

    Any function of one weight returning a scalar Tensor can also serve as a regularizer.
    """

    def __call__(self, x):
        return ops.convert_to_tensor(0.0)

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """l1 * sum(|x|) + l2 * sum(x^2). Both factors default to 0 (None also means 0)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _validate_factor(0.0 if l1 is None else l1, "l1", "L1L2")
        self.l2 = _validate_factor(0.0 if l2 is None else l2, "l2", "L1L2")

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        penalty = ops.convert_to_tensor(xp.zeros((), dtype=x.dtype))
        if self.l1:
            penalty = penalty + self.l1 * ops.sum(ops.abs(x))
        if self.l2:
            penalty = penalty + self.l2 * ops.sum(ops.square(x))
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """l1 * sum(|x|); l1 defaults to 0.01."""

    def __init__(self, l1=0.01):
        self.l1 = _validate_factor(0.01 if l1 is None else l1, "l1", "L1")

    def __call__(self, x):
        return self.l1 * ops.sum(ops.abs(ops.convert_to_tensor(x)))

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """l2 * sum(x^2) (no 1/2 factor, as in Keras); l2 defaults to 0.01."""

    def __init__(self, l2=0.01):
        self.l2 = _validate_factor(0.01 if l2 is None else l2, "l2", "L2")

    def __call__(self, x):
        return self.l2 * ops.sum(ops.square(ops.convert_to_tensor(x)))

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (mode="rows") or columns (mode="columns") of a 2-D weight apart.

    Each row is L2-normalized (x / max(||x||, epsilon())), the Gram matrix P = N N^T is taken,
    and the penalty is factor * 0.5 * sum_{i != j} |P_ij| / (n (n - 1) / 2), i.e. `factor`
    times the mean absolute cosine between distinct rows. For a Dense kernel (in, units),
    rows mode decorrelates the input features' weight vectors.
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _validate_factor(factor, "factor", "OrthogonalRegularizer")
        if mode not in ("rows", "columns"):
            raise ValueError(f"OrthogonalRegularizer: invalid value for argument `mode`: "
                             f"expected 'rows' or 'columns', received mode={mode!r}.")
        self.mode = mode

    def __call__(self, x):
        x = ops.convert_to_tensor(x)
        if x.ndim != 2:
            raise ValueError(f"OrthogonalRegularizer: inputs must have rank 2, received shape "
                             f"{x.shape}.")
        if self.mode == "columns":
            x = ops.transpose(x)
        n = x.shape[0]
        if n < 2:
            return ops.convert_to_tensor(xp.zeros((), dtype=x.dtype))
        eps = backend_config.epsilon()
        # 1 / max(norm, eps) written as rsqrt(max(norm^2, eps^2)): same value, finite gradient.
        squared_norms = ops.sum(ops.square(x), axis=1, keepdims=True)
        unit = x / ops.sqrt(ops.maximum(squared_norms, eps * eps))
        gram = ops.matmul(unit, ops.transpose(unit))
        off_diagonal = gram * (1 - xp.eye(n, dtype=x.dtype))
        num_pairs = n * (n - 1) / 2.0
        return (self.factor * 0.5 / num_pairs) * ops.sum(ops.abs(off_diagonal))

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras's function-style names are the classes themselves.
l1, l2, l1_l2, orthogonal_regularizer = L1, L2, L1L2, OrthogonalRegularizer

ALL_OBJECTS_DICT = {
    "Regularizer": Regularizer, "L1": L1, "L2": L2, "L1L2": L1L2,
    "OrthogonalRegularizer": OrthogonalRegularizer,
    "regularizer": Regularizer, "l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2,
    "orthogonal_regularizer": OrthogonalRegularizer,
}


def get(identifier):
    """A regularizer from a name ("l1", "l2", "l1l2"/"l1_l2", "orthogonal_regularizer"), a
    config dict, a class (instantiated) or a callable. None gives None.

    Names use the default factors (0.01 for L1/L2; L1L2's are 0 and 0, as in Keras 3).
    """
    return get_object(identifier, "regularizer", deserialize)


def serialize(regularizer):
    """A Keras 3 config dict: {"module", "class_name", "config", "registered_name"}."""
    return serialize_object(regularizer, "keras.regularizers")


def deserialize(config, custom_objects=None):
    """A regularizer from a name or a config dict."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "regularizer", custom_objects)
