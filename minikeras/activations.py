"""Activation functions, as in `keras.activations`, plus get / serialize / deserialize.

Every function takes a Tensor, array, list or number and returns a Tensor of the same shape
(integer input becomes `floatx()`; float input keeps its dtype). Every one is differentiable:
each calls the op of the same name in `minikeras.ops` (`ops.nn`), where its gradient lives
next to its forward formula; only relu's optional arguments compose several ops, as in Keras.

Definitions and defaults follow Keras 3: `hard_sigmoid(x) = clip(x/6 + 0.5, 0, 1)`,
`leaky_relu` slope 0.2, `gelu` exact (erf) unless `approximate=True` (the op's default is the
tanh form), `selu` with alpha = 1.6732632423543772, scale = 1.0507009873554805. `step` (1 where
x > 0, else 0) is the course notebook's threshold unit; its gradient is zero everywhere.
"""
import inspect

from minikeras import ops
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.ops import nn as nn_ops
from minikeras.registry.serialization import (deserialize_object, resolve,
                                              serialize_object)


def _float_tensor(x):
    """A float Tensor for x (Tensors pass through; ints become floatx())."""
    x = ops.convert_to_tensor(x)
    if not xp.issubdtype(x.dtype, xp.floating):
        x = ops.cast(x, config.floatx())
    return x


# -- the rectifier family --------------------------------------------------------------------
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, with Keras's optional leak, cap and threshold.

    Default: max(x, 0). In general (Keras's definition):
        y = x where x > threshold else 0          (plain max(x, 0) when threshold == 0)
        y = clip(y, 0, max_value)                 (if max_value is given)
        y = y - negative_slope * relu(threshold - x)
    e.g. relu([-10, -5, 0, 5, 10], negative_slope=0.5) -> [-5, -2.5, 0, 5, 10].
    """
    x = _float_tensor(x)
    if negative_slope == 0 and max_value is None and threshold == 0:
        return ops.relu(x)
    if max_value is None and threshold == 0:
        return leaky_relu(x, negative_slope=negative_slope)
    if threshold != 0:
        y = ops.where(x.data > threshold, x, 0.0)
    else:
        y = ops.relu(x)
    if max_value is not None:
        y = ops.clip(y, 0.0, max_value)
    if negative_slope != 0:
        y = y - negative_slope * ops.relu(threshold - x)
    return y


def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else negative_slope * x (Keras's function default slope is 0.2)."""
    return ops.leaky_relu(x, negative_slope=negative_slope)


def relu6(x):
    """min(max(x, 0), 6); gradient 1 strictly inside (0, 6)."""
    return ops.relu6(x)


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return ops.elu(x, alpha=alpha)


def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s alpha = 1.67326..., scale = 1.05070...

    Pair with the `lecun_normal` initializer to keep activations near zero mean, unit variance.
    """
    return ops.selu(x)


def celu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x / alpha) - 1) (continuously differentiable ELU)."""
    return ops.celu(x, alpha=alpha)


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return ops.threshold(x, threshold, default_value)


def step(x):
    """The course notebook's threshold unit: 1 where x > 0, else 0. Its gradient is zero."""
    return nn_ops.step(x)


# -- sigmoid-like ----------------------------------------------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)), overflow-free."""
    return ops.sigmoid(_float_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(_float_tensor(x))


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: clip(x / 6 + 0.5, 0, 1) (Keras 2 used 0.2x + 0.5)."""
    return ops.hard_sigmoid(x)


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return ops.sparse_sigmoid(x)


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    return ops.log_sigmoid(x)


def hard_tanh(x):
    """clip(x, -1, 1); gradient 1 strictly inside (-1, 1)."""
    return ops.hard_tanh(x)


# -- smooth rectifiers -----------------------------------------------------------------------
def softplus(x):
    """log(1 + exp(x)), overflow-free."""
    return ops.softplus(_float_tensor(x))


def softsign(x):
    """x / (1 + |x|); derivative 1 / (1 + |x|)^2."""
    return ops.softsign(x)


def silu(x):
    """x * sigmoid(x) (also called swish); derivative s * (1 + x * (1 - s))."""
    return ops.silu(x)


swish = silu


def hard_silu(x):
    """x * hard_sigmoid(x): 0 for x < -3, x for x > 3, x * (x + 3) / 6 in between."""
    return ops.hard_silu(x)


hard_swish = hard_silu


def gelu(x, approximate=False):
    """Gaussian error linear unit x * Phi(x), Phi the standard normal CDF.

    approximate=False (Keras's activation default): Phi(x) = erfc(-x / sqrt(2)) / 2, exact.
    approximate=True: the tanh form 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
    (Note `keras.ops.gelu` defaults to approximate=True; this activation does not.)
    """
    return ops.gelu(x, approximate=approximate)


def mish(x):
    """x * tanh(softplus(x)); derivative tanh(sp) + x * (1 - tanh(sp)^2) * sigmoid(x)."""
    return nn_ops.mish(x)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu; derivative (1 + x / sqrt(x^2 + b)) / 2."""
    return ops.squareplus(x, b=b)


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    return ops.sparse_plus(x)


# -- shrinkage -------------------------------------------------------------------------------
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return ops.hard_shrink(x, threshold=threshold)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 in between."""
    return ops.soft_shrink(x, threshold=threshold)


def tanh_shrink(x):
    """x - tanh(x); derivative tanh(x)^2."""
    return ops.tanh_shrink(x)


# -- others ----------------------------------------------------------------------------------
def exponential(x):
    """exp(x)."""
    return ops.exp(_float_tensor(x))


def linear(x):
    """The identity (what `activation=None` means). A float Tensor passes through unchanged."""
    return _float_tensor(x)


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis` (max-shifted for stability)."""
    return ops.softmax(_float_tensor(x), axis=axis)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`."""
    return ops.log_softmax(_float_tensor(x), axis=axis)


def glu(x, axis=-1):
    """Gated linear unit: split x in halves a, b along `axis` and return a * sigmoid(b)."""
    return ops.glu(x, axis=axis)


def sparsemax(x, axis=-1):
    """Euclidean projection of x onto the probability simplex along `axis` (Martins, 2016).

    out = max(x - tau, 0), tau chosen so the outputs sum to 1; unlike softmax, small inputs
    get exactly 0 (see `ops.sparsemax` for its gradient and how it differs from Keras 3.15).
    """
    return ops.sparsemax(x, axis=axis)


# -- lookup and (de)serialization ------------------------------------------------------------
_FUNCTIONS = (relu, leaky_relu, relu6, elu, selu, celu, threshold, step, sigmoid, tanh,
              hard_sigmoid, sparse_sigmoid, log_sigmoid, hard_tanh, softplus, softsign, silu,
              hard_silu, gelu, mish, squareplus, sparse_plus, hard_shrink, soft_shrink,
              tanh_shrink, exponential, linear, softmax, log_softmax, glu, sparsemax)
ALL_OBJECTS_DICT = {fn.__name__: fn for fn in _FUNCTIONS}
ALL_OBJECTS_DICT.update(swish=silu, hard_swish=hard_silu)
_BUILTIN_NAMES = {fn: fn.__name__ for fn in _FUNCTIONS}


def get(identifier):
    """An activation function from a name, a config dict, a callable, or None (-> linear).

    Raises ValueError listing the valid names for an unknown string, and for anything that is
    not callable.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        return resolve(identifier, ALL_OBJECTS_DICT, "activation")
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r} "
                     f"(expected a name, a config dict, a callable or None).")


def serialize(activation):
    """The name of a built-in activation ("linear" for None), as Keras writes it in configs.

    Aliases serialize to their canonical name (swish -> "silu"). A registered custom function
    gives its registered name; a callable object with `get_config` gives a config dict.
    """
    if activation is None:
        return "linear"
    if inspect.isfunction(activation) and activation in _BUILTIN_NAMES:
        return _BUILTIN_NAMES[activation]
    if inspect.isfunction(activation) and activation.__name__ == "<lambda>":
        raise ValueError("Cannot serialize a lambda activation: define a named function and "
                         "register it with register_keras_serializable().")
    return serialize_object(activation, "keras.activations")


def deserialize(config, custom_objects=None):
    """An activation from a name or a config dict (Keras 3's {"class_name": "function",
    "config": "relu", ...} form included)."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
        registered = config.get("registered_name")
        if registered and registered != "function":
            name = registered
        return resolve(name, ALL_OBJECTS_DICT, "activation", custom_objects)
    if isinstance(config, str):
        return resolve(config, ALL_OBJECTS_DICT, "activation", custom_objects)
    return deserialize_object(config, ALL_OBJECTS_DICT, "activation", custom_objects)


__all__ = sorted(ALL_OBJECTS_DICT) + ["get", "serialize", "deserialize"]
