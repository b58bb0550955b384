"""Weight constraints, as in `keras.constraints`, plus get / serialize / deserialize.

A constraint is a projection applied by the optimizer right after each update:
`variable.assign(constraint(variable.value))`. It takes the raw array (a Tensor or Variable
is accepted too and read through `.data`) and returns a raw array of the same shape and dtype;
it is not part of the gradient graph.

Norms are L2 norms over `axis` (default 0: for a Dense kernel (in, units), the vector of
weights coming into each unit; for a Conv2D kernel (kh, kw, in, out) use axis=[0, 1, 2]).
Like Keras, rescaling divides by (epsilon() + norm), epsilon() = 1e-7.
"""

from minikeras.backend import config as backend_config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.registry.serialization import (deserialize_object, get_object,
                                              serialize_object)


def _array(w):
    return w.data if isinstance(w, Tensor) else xp.asarray(w)


def _axis(axis):
    """NumPy wants an int or a tuple (Keras configs may hold a list)."""
    return tuple(axis) if isinstance(axis, (list, tuple)) else axis


def _norms(w, axis):
    return xp.sqrt(xp.sum(xp.square(w), axis=_axis(axis), keepdims=True))


class Constraint:
    """Base class: `__call__(w)` returns the projected weights (identity here)."""

    def __call__(self, w):
        return _array(w)

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescale each weight vector whose norm exceeds `max_value` down to that norm.

    w * clip(norm, 0, max_value) / (epsilon() + norm)
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = xp.clip(norms, 0, self.max_value)
        return (w * (desired / (backend_config.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each weight vector's norm into [min_value, max_value] at speed `rate`.

    desired = rate * clip(norm, min_value, max_value) + (1 - rate) * norm
    w * desired / (epsilon() + norm); rate=1.0 enforces the bounds strictly.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = (self.rate * xp.clip(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return (w * (desired / (backend_config.epsilon() + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate,
                "axis": self.axis}


class NonNeg(Constraint):
    """max(w, 0): negative weights become 0."""

    def __call__(self, w):
        w = _array(w)
        return xp.maximum(w, 0).astype(w.dtype, copy=False)


class UnitNorm(Constraint):
    """Scale each weight vector to unit norm: w / (epsilon() + norm)."""

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        w = _array(w)
        return (w / (backend_config.epsilon() + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


# Keras's function-style names are the classes themselves.
max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

ALL_OBJECTS_DICT = {
    "Constraint": Constraint, "MaxNorm": MaxNorm, "MinMaxNorm": MinMaxNorm, "NonNeg": NonNeg,
    "UnitNorm": UnitNorm, "constraint": Constraint, "max_norm": MaxNorm,
    "min_max_norm": MinMaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm,
}


def get(identifier):
    """A constraint from a name ("max_norm", "non_neg", "unit_norm", "min_max_norm"), a config
    dict, a class (instantiated) or a callable. None gives None."""
    return get_object(identifier, "constraint", deserialize)


def serialize(constraint):
    """A Keras 3 config dict: {"module", "class_name", "config", "registered_name"}."""
    return serialize_object(constraint, "keras.constraints")


def deserialize(config, custom_objects=None):
    """A constraint from a name or a config dict."""
    return deserialize_object(config, ALL_OBJECTS_DICT, "constraint", custom_objects)
