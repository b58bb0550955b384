"""Small `keras.ops.nn` helpers built from statistics over axes: moments, normalize,
rms_normalization, psnr, and the label helpers in_top_k and multi_hot.

The differentiable ones compose generic ops (mean, square, sqrt, ...), so their gradients come
from those ops' VJPs; in_top_k and multi_hot give booleans / encodings and record no gradient.
Integer inputs to the float ops become `floatx()`, float16 statistics are computed in float32
and cast back, as in Keras.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import cast, convert_to_float_tensor, convert_to_tensor
from minikeras.ops.manipulation import expand_dims, squeeze
from minikeras.ops.math import (absolute, clip, divide, log, maximum, multiply, sqrt,
                                square)
from minikeras.ops.reduction import mean, sum
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.nn"


def _axes(op_name, axis, ndim, arg="axis"):
    """`axis` (an int, a list/tuple of ints or None = all) as a sorted tuple of non-negative
    axes, or a ValueError naming the op and the argument."""
    if axis is None:
        return tuple(range(ndim))
    items = list(axis) if isinstance(axis, (list, tuple)) else [axis]
    for a in items:
        if not isinstance(a, int) or isinstance(a, bool) or not -ndim <= a < ndim:
            raise ValueError(f"{op_name}: `{arg}`={axis!r} is out of range for an input of rank "
                             f"{ndim}.")
    return tuple(sorted({a % ndim for a in items}))


@op
def moments(x, axes, keepdims=False, synchronized=False):
    """(mean, variance) of `x` over `axes`; variance = E[x^2] - E[x]^2 as in Keras.

    Shapes: x (...) -> two tensors with `axes` removed (kept as size 1 with keepdims).
    float16 input is computed in float32 and cast back (clipped to float16's range); integer
    input becomes floatx(). `synchronized` (cross-replica statistics) changes nothing on one
    process.
    """
    x = convert_to_float_tensor(x)
    axes = _axes("moments", axes, x.ndim, "axes")
    dtype = x.dtype
    if dtype == "float16":
        x = cast(x, "float32")
    m = mean(x, axis=axes, keepdims=True)
    variance = mean(square(x), axis=axes, keepdims=True) - square(m)
    if not keepdims:
        m, variance = squeeze(m, axis=axes), squeeze(variance, axis=axes)
    if dtype == "float16":
        limit = float(xp.finfo("float16").max)
        m = cast(clip(m, -limit, limit), dtype)
        variance = cast(clip(variance, -limit, limit), dtype)
    return m, variance


@op
def normalize(x, axis=-1, order=2, epsilon=None):
    """`x` divided by its L`order` norm over `axis` (keeping x's shape).

    The norm is kept at least `epsilon` (default `backend.epsilon()`), so all-zero slices stay
    zero (with a finite gradient), as in Keras. A scalar becomes (1,).
    """
    if not isinstance(order, int) or isinstance(order, bool) or order < 1:
        raise ValueError(f"normalize: `order` must be an int >= 1, received order={order!r}.")
    x = convert_to_float_tensor(x)
    if x.ndim == 0:
        x = expand_dims(x, 0)
    axes = _axes("normalize", axis, x.ndim)
    epsilon = config.epsilon() if epsilon is None else epsilon
    if order == 2:
        # min(1 / sqrt(s), 1 / epsilon) written as 1 / sqrt(max(s, epsilon^2)): the same values,
        # finite (no 1 / 0) with a finite gradient on all-zero slices
        square_sum = sum(square(x), axis=axes, keepdims=True)
        return multiply(x, 1.0 / sqrt(maximum(square_sum, float(epsilon) ** 2)))
    norm = sum(absolute(x) if order == 1 else absolute(x) ** order, axis=axes, keepdims=True)
    if order != 1:
        norm = norm ** (1.0 / order)
    return divide(x, maximum(norm, epsilon))


@op
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """x / sqrt(mean(x^2 over `axis`) + epsilon) * scale (RMSNorm, no centering).

    Shapes: `scale` broadcasts against the normalized axes (e.g. (features,)); epsilon
    defaults to `backend.epsilon()`. Computed in at least float32; integer input gives floatx().
    """
    x = convert_to_float_tensor(x)
    dtype = x.dtype
    if dtype == "float16":
        x = cast(x, "float32")
    if x.ndim == 0:
        x = expand_dims(x, 0)
    axes = _axes("rms_normalization", axis, x.ndim)
    epsilon = config.epsilon() if epsilon is None else epsilon
    out = x / sqrt(mean(square(x), axis=axes, keepdims=True) + epsilon)
    if scale is not None:
        scale = convert_to_tensor(scale)
        if scale.dtype != out.dtype:
            scale = cast(scale, out.dtype)
        try:
            xp.broadcast_shapes(scale.shape, out.shape)
        except ValueError:
            raise ValueError(f"rms_normalization: `scale` of shape {scale.shape} does not "
                             f"broadcast to the input shape {out.shape}.") from None
        out = out * scale
    return cast(out, dtype) if out.dtype != dtype else out


@op
def psnr(x1, x2, max_val):
    """Peak signal-to-noise ratio in dB: 20 log10(max_val) - 10 log10(mean((x1 - x2)^2)),
    a scalar over all elements. x1 and x2 must have the same shape."""
    x1, x2 = convert_to_float_tensor(x1), convert_to_float_tensor(x2)
    if x1.shape != x2.shape:
        raise ValueError(f"psnr: `x1` and `x2` must have the same shape, received "
                         f"{x1.shape} and {x2.shape}.")
    mse = mean(square(x1 - x2))
    ln10 = float(xp.log(10.0))
    return 20.0 * float(xp.log10(max_val)) - (10.0 / ln10) * log(mse)


@op(keras_module="keras.src.ops.math")
def in_top_k(targets, predictions, k):
    """Whether each target's prediction is among the `k` largest of its row (bool, no gradient).

    Shapes: targets (batch,) integer classes, predictions (batch, classes) -> (batch,).
    A target tied with the k-th largest value counts as in the top k (as in Keras).
    """
    targets = convert_to_tensor(targets).data
    predictions = convert_to_tensor(predictions).data
    if predictions.ndim != 2 or targets.ndim != 1 or targets.shape[0] != predictions.shape[0]:
        raise ValueError(f"in_top_k: expected `targets` of shape (batch,) and `predictions` of "
                         f"shape (batch, classes), received {targets.shape} and "
                         f"{predictions.shape}.")
    if targets.dtype.kind not in "iu":
        raise TypeError(f"in_top_k: `targets` must be integers, received dtype {targets.dtype}.")
    n = predictions.shape[1]
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k:
        raise ValueError(f"in_top_k: `k` must be a positive integer, received k={k!r}.")
    if k >= n:
        return record(xp.ones(targets.shape, dtype=bool), (), None)
    kth = -xp.partition(-predictions, k - 1, axis=1)[:, k - 1]
    values = xp.take_along_axis(predictions, targets[:, None].astype("int64") % n, 1)[:, 0]
    return record(values >= kth, (), None)


@op
def multi_hot(inputs, num_classes=None, axis=-1, dtype=None, sparse=False, **kwargs):
    """Encode integer labels as multi-hot vectors: 1 for each class that occurs.

    Shapes: (labels,) -> (num_classes,); (batch, labels, ...) -> the one-hot encoding (class
    axis at `axis`) reduced with max over axis 1. dtype defaults to floatx(); `sparse` is
    accepted (the result is dense). Keras's old `num_tokens` keyword is accepted for
    num_classes. No gradient.
    """
    if num_classes is None:
        num_classes = kwargs.pop("num_tokens", None)
    if kwargs:
        raise ValueError(f"multi_hot: unexpected keyword arguments {sorted(kwargs)}.")
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"multi_hot: `num_classes` must be a positive integer, received "
                         f"{num_classes!r}.")
    labels = convert_to_tensor(inputs).data
    if labels.dtype.kind not in "iub":
        labels = labels.astype("int64")
    ndim = labels.ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"multi_hot: `axis`={axis} is out of range for an encoding of rank "
                         f"{ndim}.")
    encoded = labels[..., None] == xp.arange(num_classes)
    encoded = xp.moveaxis(encoded, -1, axis % ndim)
    out = encoded.any(axis=1 if labels.ndim > 1 else 0)
    return record(out.astype(dtype or config.floatx()), (), None)
