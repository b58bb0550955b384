"""Random tensors, as `keras.random` makes them: normal, uniform, truncated_normal, randint,
dropout, shuffle, categorical, gamma, binomial and beta.

Every function takes `seed`: an integer (the same values on every call), a `SeedGenerator` (new
values on every call, a reproducible sequence) or None (the shared generator, reseeded by
`minikeras.utils.set_random_seed`); see `minikeras.random.seed_generator`.

Values are drawn on the host by NumPy generators and moved to the array backend (CuPy on a GPU)
with `xp.asarray`, so a seed gives the same numbers on every backend. Floats are drawn in float64
for float64 results and in float32 otherwise (then cast), the precision the layers always drew in.
The results are `Tensor`s; `dropout` and `shuffle` pass gradients to their input.
"""
import numbers

import numpy as np

from minikeras.backend import config
from minikeras.backend.array_module import to_numpy, xp
from minikeras.backend.autodiff import Tensor
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import take
from minikeras.ops.nn import dropout as dropout_op
from minikeras.random.seed_generator import draw_generator


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2), shaped `shape`, of float `dtype` (default `floatx()`)."""
    dtype = _float_dtype(dtype, "normal")
    values = draw_generator(seed).standard_normal(_shape(shape), dtype=_draw_dtype(dtype))
    return _tensor(_scale(values.astype(dtype, copy=False), mean, stddev))


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples of the uniform distribution on [minval, maxval), of float `dtype`."""
    dtype = _float_dtype(dtype, "uniform")
    values = draw_generator(seed).random(_shape(shape), dtype=_draw_dtype(dtype))
    values = values.astype(dtype, copy=False)
    if (minval, maxval) != (0, 1):
        values = values * np.asarray(maxval - minval, dtype=dtype) + np.asarray(minval, dtype=dtype)
    return _tensor(values)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of N(mean, stddev**2) where every value beyond two standard deviations from the
    mean was drawn again (so all lie within mean +- 2 * stddev)."""
    dtype = _float_dtype(dtype, "truncated_normal")
    generator, draw_dtype = draw_generator(seed), _draw_dtype(dtype)
    values = generator.standard_normal(_shape(shape), dtype=draw_dtype)
    outside = np.abs(values) > 2
    while outside.any():
        values[outside] = generator.standard_normal(int(outside.sum()), dtype=draw_dtype)
        outside = np.abs(values) > 2
    return _tensor(_scale(values.astype(dtype, copy=False), mean, stddev))


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers drawn uniformly from [minval, maxval), of integer `dtype`."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.integer):
        raise ValueError(f"`minikeras.random.randint` requires an integer `dtype`. Received: "
                         f"dtype={dtype}")
    return _tensor(draw_generator(seed).integers(minval, maxval, size=_shape(shape), dtype=dtype))


def dropout(inputs, rate, noise_shape=None, seed=None):
    """Inverted dropout: each value becomes 0 with probability `rate`, the others are scaled by
    1 / (1 - rate). `noise_shape` (None entries: the input's size) shares one keep/drop decision
    along its axes of size 1. The keep mask is `uniform >= rate`, drawn in float32; rate 1
    gives zeros (as Keras). A rate outside [0, 1] is refused (Keras's backends do not check it,
    but it cannot be a probability)."""
    if isinstance(rate, bool) or not isinstance(rate, numbers.Real) or not 0 <= rate <= 1:
        raise ValueError(f"dropout: `rate` must be a float between 0 and 1, received "
                         f"rate={rate!r}.")
    return dropout_op(inputs, rate, draw_generator(seed), noise_shape)


def shuffle(x, axis=0, seed=None):
    """`x` with its slices along `axis` in a uniformly random order."""
    x = convert_to_tensor(x)
    order = draw_generator(seed).permutation(x.shape[axis])
    return take(x, xp.asarray(order), axis=axis)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class indices sampled from each row of 2-D `logits` (batch, classes), read as
    unnormalized log-probabilities: returns (batch, num_samples) integers of `dtype`."""
    logits = _host(logits).astype(np.float64)
    if logits.ndim != 2:
        raise ValueError(f"`logits` should be a 2-D tensor with shape [batch_size, num_classes]. "
                         f"Received: logits of shape {logits.shape}")
    weights = np.exp(logits - logits.max(axis=1, keepdims=True))
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = draw_generator(seed).random((logits.shape[0], int(num_samples)))
    samples = np.stack([np.searchsorted(row, u, side="right")
                        for row, u in zip(cumulative, draws)]) if len(logits) else draws
    return _tensor(samples.reshape(draws.shape).astype(dtype))


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of the Gamma distribution with shape parameter `alpha` (scale 1)."""
    dtype = _float_dtype(dtype, "gamma")
    return _tensor(draw_generator(seed).standard_gamma(_host(alpha), size=_shape(shape))
                   .astype(dtype))


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Numbers of successes in `counts` trials of success probability `probabilities` (both
    broadcast to `shape`), as `dtype` (default `floatx()`)."""
    dtype = np.dtype(dtype or config.floatx())
    values = draw_generator(seed).binomial(_host(counts).astype(np.int64), _host(probabilities),
                                           size=_shape(shape))
    return _tensor(values.astype(dtype))


def beta(shape, alpha, beta, dtype=None, seed=None):
    """Samples of the Beta(alpha, beta) distribution on [0, 1]."""
    dtype = _float_dtype(dtype, "beta")
    return _tensor(draw_generator(seed).beta(_host(alpha), _host(beta), size=_shape(shape))
                   .astype(dtype))


def _shape(shape):
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def _float_dtype(dtype, function):
    dtype = np.dtype(dtype or config.floatx())
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"`minikeras.random.{function}` requires a floating point `dtype`. "
                         f"Received: dtype={dtype}")
    return dtype


def _draw_dtype(dtype):
    """NumPy draws float32 or float64 only: float64 for float64 results, float32 for the rest."""
    return np.float64 if dtype == np.float64 else np.float32


def _scale(values, mean, stddev):
    """values * stddev + mean in the values' dtype, skipping the identity steps."""
    if stddev != 1:
        values = values * np.asarray(stddev, dtype=values.dtype)
    if mean != 0:
        values = values + np.asarray(mean, dtype=values.dtype)
    return values


def _host(x):
    """A NumPy array for a Tensor, a backend array, a list or a number."""
    if isinstance(x, Tensor):
        x = x.data
    return np.asarray(to_numpy(x))


def _tensor(values):
    return Tensor(xp.asarray(values))
