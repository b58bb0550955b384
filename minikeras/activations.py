"""Activation functions, as in `keras.activations`, plus get / serialize / deserialize.

Every function takes a Tensor, array, list or number and returns a Tensor of the same shape
(integer input becomes `floatx()`; float input keeps its dtype). Every one is differentiable:
the common cases reuse the single-node ops (`ops.relu`, `ops.sigmoid`, `ops.softmax`, ...);
the others are recorded as one node each whose local derivative is written next to the
forward formula (see `_elementwise`), which is both faster and more stable than chaining
several generic ops. Only relu's optional arguments and glu compose generic ops.

Definitions and defaults follow Keras 3: `hard_sigmoid(x) = clip(x/6 + 0.5, 0, 1)`,
`leaky_relu` slope 0.2, `gelu` exact (erf) unless `approximate=True`, `selu` with
alpha = 1.6732632423543772, scale = 1.0507009873554805. `step` (1 where x > 0, else 0) is the
course notebook's threshold unit; its gradient is zero everywhere.
"""
import inspect
import math

from minikeras import ops
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.special import erfc_array
from minikeras.registry.serialization import (deserialize_keras_object, resolve,
                                              serialize_keras_object)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


# -- helpers ---------------------------------------------------------------------------------
def _float_tensor(x):
    """A float Tensor for x (Tensors pass through; ints become floatx())."""
    x = ops.convert_to_tensor(x)
    if not xp.issubdtype(x.dtype, xp.floating):
        x = ops.cast(x, config.floatx())
    return x


def _elementwise(x, forward, derivative):
    """Record out = forward(v) as one graph node, with d out / d v = derivative(v, out).

    `forward` and `derivative` work on raw arrays; the derivative is only evaluated when a
    gradient is actually requested. Both results are cast back to x's dtype, so a float32
    model never meets a float64 array from a Python-float constant.
    """
    x = _float_tensor(x)
    v = x.data
    out = xp.asarray(forward(v)).astype(v.dtype, copy=False)
    return record(out, (x,),
                  lambda g: (g * xp.asarray(derivative(v, out)).astype(v.dtype, copy=False),))


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
    return _elementwise(x, lambda v: xp.where(v > 0, v, v * negative_slope),
                        lambda v, out: xp.where(v > 0, 1.0, negative_slope))


def relu6(x):
    """min(max(x, 0), 6); gradient 1 strictly inside (0, 6)."""
    return _elementwise(x, lambda v: xp.clip(v, 0, 6), lambda v, out: (v > 0) & (v < 6))


def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _elementwise(x, lambda v: xp.where(v > 0, v, alpha * xp.expm1(xp.minimum(v, 0))),
                        lambda v, out: xp.where(v > 0, 1.0, out + alpha))


def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s alpha = 1.67326..., scale = 1.05070...

    Pair with the `lecun_normal` initializer to keep activations near zero mean, unit variance.
    """
    a, s = _SELU_ALPHA, _SELU_SCALE
    return _elementwise(
        x, lambda v: s * xp.where(v > 0, v, a * xp.expm1(xp.minimum(v, 0))),
        lambda v, out: xp.where(v > 0, s, s * a * xp.exp(xp.minimum(v, 0))))


def celu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x / alpha) - 1) (continuously differentiable ELU)."""
    return _elementwise(
        x, lambda v: xp.where(v > 0, v, alpha * xp.expm1(xp.minimum(v, 0) / alpha)),
        lambda v, out: xp.where(v > 0, 1.0, xp.exp(xp.minimum(v, 0) / alpha)))


def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return _elementwise(x, lambda v: xp.where(v > threshold, v, default_value),
                        lambda v, out: v > threshold)


def step(x):
    """The course notebook's threshold unit: 1 where x > 0, else 0. Its gradient is zero."""
    return _elementwise(x, lambda v: v > 0, lambda v, out: xp.zeros_like(v))


# -- sigmoid-like ----------------------------------------------------------------------------
def sigmoid(x):
    """1 / (1 + exp(-x)), overflow-free."""
    return ops.sigmoid(_float_tensor(x))


def tanh(x):
    """Hyperbolic tangent."""
    return ops.tanh(_float_tensor(x))


def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: clip(x / 6 + 0.5, 0, 1) (Keras 2 used 0.2x + 0.5)."""
    return _elementwise(x, lambda v: xp.clip(v / 6 + 0.5, 0, 1),
                        lambda v, out: xp.where((v > -3) & (v < 3), 1 / 6, 0.0))


def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return _elementwise(x, lambda v: xp.clip(0.5 * (v + 1), 0, 1),
                        lambda v, out: xp.where((v > -1) & (v < 1), 0.5, 0.0))


def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    return _elementwise(x, lambda v: -(xp.maximum(-v, 0) + xp.log1p(xp.exp(-xp.abs(v)))),
                        lambda v, out: 0.5 * (1 - xp.tanh(0.5 * v)))


def hard_tanh(x):
    """clip(x, -1, 1); gradient 1 strictly inside (-1, 1)."""
    return _elementwise(x, lambda v: xp.clip(v, -1, 1), lambda v, out: (v > -1) & (v < 1))


# -- smooth rectifiers -----------------------------------------------------------------------
def softplus(x):
    """log(1 + exp(x)), overflow-free."""
    return ops.softplus(_float_tensor(x))


def softsign(x):
    """x / (1 + |x|); derivative 1 / (1 + |x|)^2."""
    return _elementwise(x, lambda v: v / (1 + xp.abs(v)),
                        lambda v, out: 1 / xp.square(1 + xp.abs(v)))


def silu(x):
    """x * sigmoid(x) (also called swish); derivative s * (1 + x * (1 - s))."""
    x = _float_tensor(x)
    v = x.data
    s = 0.5 * (xp.tanh(0.5 * v) + 1)
    return record(v * s, (x,), lambda g: (g * (s * (1 + v * (1 - s))),))


swish = silu


def hard_silu(x):
    """x * hard_sigmoid(x): 0 for x < -3, x for x > 3, x * (x + 3) / 6 in between."""
    return _elementwise(x, lambda v: v * xp.clip(v / 6 + 0.5, 0, 1),
                        lambda v, out: xp.where(v < -3, 0.0, xp.where(v <= 3, v / 3 + 0.5, 1.0)))


hard_swish = hard_silu


def gelu(x, approximate=False):
    """Gaussian error linear unit x * Phi(x), Phi the standard normal CDF.

    approximate=False (Keras's activation default): Phi(x) = erfc(-x / sqrt(2)) / 2, exact.
    approximate=True: the tanh form 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
    (Note `keras.ops.gelu` defaults to approximate=True; this activation does not.)
    """
    x = _float_tensor(x)
    v = x.data
    if approximate:
        t = xp.tanh(_SQRT_2_OVER_PI * (v + _GELU_CUBIC * v * v * v))
        out = 0.5 * v * (1 + t)

        def vjp(g):
            inner_slope = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * v * v)
            return (g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * inner_slope),)
        return record(out, (x,), vjp)
    cdf = 0.5 * erfc_array(-_INV_SQRT_2 * v)
    return record(v * cdf, (x,),
                  lambda g: (g * (cdf + v * (_INV_SQRT_2PI * xp.exp(-0.5 * v * v))),))


def mish(x):
    """x * tanh(softplus(x)); derivative tanh(sp) + x * (1 - tanh(sp)^2) * sigmoid(x)."""
    x = _float_tensor(x)
    v = x.data
    t = xp.tanh(xp.maximum(v, 0) + xp.log1p(xp.exp(-xp.abs(v))))

    def vjp(g):
        sig = 0.5 * (xp.tanh(0.5 * v) + 1)
        return (g * (t + v * (1 - t * t) * sig),)
    return record(v * t, (x,), vjp)


def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu; derivative (1 + x / sqrt(x^2 + b)) / 2."""
    return _elementwise(x, lambda v: 0.5 * (v + xp.sqrt(v * v + b)),
                        lambda v, out: 0.5 * (1 + v / xp.sqrt(v * v + b)))


def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    return _elementwise(
        x, lambda v: xp.where(v <= -1, 0.0, xp.where(v < 1, 0.25 * xp.square(v + 1), v)),
        lambda v, out: xp.where(v <= -1, 0.0, xp.where(v < 1, 0.5 * (v + 1), 1.0)))


# -- shrinkage -------------------------------------------------------------------------------
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _elementwise(x, lambda v: xp.where(xp.abs(v) > threshold, v, 0.0),
                        lambda v, out: xp.abs(v) > threshold)


def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 in between."""
    return _elementwise(x, lambda v: v - xp.clip(v, -threshold, threshold),
                        lambda v, out: xp.abs(v) > threshold)


def tanh_shrink(x):
    """x - tanh(x); derivative tanh(x)^2."""
    return _elementwise(x, lambda v: v - xp.tanh(v), lambda v, out: xp.square(xp.tanh(v)))


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
    x = _float_tensor(x)
    if x.ndim == 0 or x.shape[axis] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, received shape {x.shape}.")
    a, b = ops.split(x, 2, axis=axis)
    return a * ops.sigmoid(b)


def sparsemax(x, axis=-1):
    """Euclidean projection of x onto the probability simplex along `axis` (Martins, 2016).

    out = max(x - tau, 0), tau chosen so the outputs sum to 1; unlike softmax, small inputs
    get exactly 0. Gradient on the support S: g - mean_S(g) (zero off the support).
    (Keras 3.15's own sparsemax computes tau from the sum of all supported partial sums, which
    makes its rows not sum to 1 whenever more than one entry is kept; this is the published
    definition.)
    """
    x = _float_tensor(x)
    z = x.data
    z_sorted = -xp.sort(-z, axis=axis)
    partial_sums = xp.cumsum(z_sorted, axis=axis)
    rank_shape = [1] * z.ndim
    rank_shape[axis] = z.shape[axis]
    rank = xp.arange(1, z.shape[axis] + 1, dtype=z.dtype).reshape(rank_shape)
    support_size = xp.sum(1 + rank * z_sorted > partial_sums, axis=axis, keepdims=True)
    tau = (xp.take_along_axis(partial_sums, support_size - 1, axis=axis) - 1) / support_size
    out = xp.maximum(z - tau, 0)

    def vjp(g):
        on = out > 0
        mean_on = xp.sum(g * on, axis=axis, keepdims=True) / xp.sum(on, axis=axis, keepdims=True)
        return ((g - mean_on) * on,)
    return record(out, (x,), vjp)


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
    return serialize_keras_object(activation, "keras.activations")


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
    return deserialize_keras_object(config, ALL_OBJECTS_DICT, "activation", custom_objects)


__all__ = sorted(ALL_OBJECTS_DICT) + ["get", "serialize", "deserialize"]
