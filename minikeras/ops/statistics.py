"""Summary statistics and counting: average, ptp, count_nonzero, corrcoef, histogram, bincount,
digitize, cdist.

Float results follow Keras: integer inputs give floatx. Counts and bin indices are int32 and
carry no gradient; `bincount`'s weighted counts send their gradient back to the weights.
"""
import builtins

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_float_tensor, convert_to_tensor, pair, unbroadcast
from minikeras.ops.linalg import matmul
from minikeras.ops.creation import diagonal
from minikeras.ops.manipulation import broadcast_to, reshape
from minikeras.ops.math import clip, divide, sqrt
from minikeras.ops.nan_reductions import checked_axis
from minikeras.ops.reduction import max, mean, min, sum  # noqa: A004 - NumPy's names
from minikeras.ops.sorting import check_axis
from minikeras.ops.symbolic import op


@op
def average(x, axis=None, weights=None):
    """Weighted mean over `axis` (all axes when None): sum(x * w) / sum(w).

    `weights` has x's shape, or is 1-D with x.shape[axis] entries when `axis` is an int (as in
    NumPy; Keras's torch backend accepts only the last axis then). No weights: the mean.
    Integer inputs give floatx. The gradient reaches x and the weights.
    """
    x = convert_to_float_tensor(x)
    axes = checked_axis("average", axis, x.ndim)
    if weights is None:
        return mean(x, axis=axes)
    x, weights = pair(x, convert_to_float_tensor(weights))
    if weights.shape != x.shape:
        if weights.ndim != 1 or axes is None or len(axes) != 1 or (
                weights.shape[0] != x.shape[axes[0]]):
            raise ValueError(f"average: `weights` must have x's shape {x.shape}, or be 1-D with "
                             f"x.shape[axis] entries for an int `axis`; received shape "
                             f"{weights.shape} with axis={axis!r}.")
        weights = reshape(weights, tuple(-1 if a == axes[0] else 1 for a in range(x.ndim)))
    return divide(sum(x * weights, axis=axes), sum(broadcast_to(weights, x.shape), axis=axes))


@op
def ptp(x, axis=None, keepdims=False):
    """Range (max - min) over `axis`; dtype as x's. The gradient is max's minus min's."""
    x = convert_to_tensor(x)
    axis = checked_axis("ptp", axis, x.ndim)
    return max(x, axis=axis, keepdims=keepdims) - min(x, axis=axis, keepdims=keepdims)


@op
def count_nonzero(x, axis=None):
    """int32 count of the non-zero entries over `axis` (an int, a tuple, or None for all)."""
    x = convert_to_tensor(x)
    axis = checked_axis("count_nonzero", axis, x.ndim)
    return record(xp.asarray(xp.count_nonzero(x.data, axis=axis)).astype("int32"), (), None)


@op
def corrcoef(x):
    """Pearson correlation coefficients of the rows of x (variables) over its columns
    (observations): (V, N) -> (V, V); a 1-D x is one variable, giving a scalar 1.

    Values are clipped to [-1, 1] as in NumPy and torch. Integer x gives floatx.
    """
    x = convert_to_float_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"corrcoef: `x` must be 1-D or 2-D, received shape {x.shape}.")
    rows = reshape(x, (1, -1)) if x.ndim == 1 else x
    centered = rows - mean(rows, axis=1, keepdims=True)
    cov = matmul(centered, centered.T)
    scale = sqrt(diagonal(cov))
    with xp.errstate(invalid="ignore", divide="ignore"):
        corr = divide(divide(cov, reshape(scale, (-1, 1))), reshape(scale, (1, -1)))
    corr = clip(corr, -1.0, 1.0)
    return reshape(corr, ()) if x.ndim == 1 else corr


@op
def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's argument name
    """Counts of a 1-D x in `bins` equal-width bins over `range` (x's min and max when None):
    (counts (bins,), edges (bins + 1,)), both of x's float dtype (floatx for integer x, which
    Keras's torch backend rejects). The last bin is closed; values outside the range are not
    counted. No gradient."""
    x = convert_to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"histogram: `x` must be 1-D, received shape {x.shape}.")
    if not isinstance(bins, int) or isinstance(bins, bool) or bins < 1:
        raise ValueError(f"histogram: `bins` must be a positive int, received {bins!r}.")
    if range is not None and (len(range) != 2 or range[0] > range[1]):
        raise ValueError(f"histogram: `range` must be (min, max) with min <= max, received "
                         f"{range!r}.")
    counts, edges = xp.histogram(x.data, bins=bins, range=range)
    dtype = x.dtype if x.dtype.kind == "f" else config.floatx()
    return (record(counts.astype(dtype), (), None), record(edges.astype(dtype), (), None))


@op
def bincount(x, weights=None, minlength=0, sparse=False):
    """How often each non-negative int appears in x: out[i] = count (or summed weight) of i.

    Shapes: x (n,) -> (max(x.max() + 1, minlength),); a 2-D x (batch, n) counts each row into
    (batch, that length). Without weights the counts are int32; with weights, the weights'
    dtype, and their gradient is the output gradient read at each entry's bin. `sparse=True`
    (a sparse result) is not supported.
    """
    if sparse:
        raise ValueError("bincount: `sparse=True` is not supported (minikeras has no sparse "
                         "tensors).")
    x = convert_to_tensor(x)
    if x.dtype.kind not in "iu" or x.ndim not in (1, 2):
        raise ValueError(f"bincount: `x` must be a 1-D or 2-D integer tensor, received dtype "
                         f"{x.dtype} and shape {x.shape}.")
    if x.size and x.data.min() < 0:
        raise ValueError(f"bincount: `x` must be non-negative, received {x.data.min()}.")
    if not isinstance(minlength, int) or minlength < 0:
        raise ValueError(f"bincount: `minlength` must be a non-negative int, received "
                         f"{minlength!r}.")
    length = builtins.max(int(x.data.max()) + 1 if x.size else 0, minlength)
    rows = x.data.reshape(-1, x.shape[-1]) if x.ndim else x.data.reshape(1, 1)
    index = (xp.arange(rows.shape[0])[:, None], rows)
    if weights is None:
        out = xp.zeros((rows.shape[0], length), "int32")
        xp.add.at(out, index, 1)
        return record(out.reshape(x.shape[:-1] + (length,)), (), None)
    weights = convert_to_tensor(weights)
    if weights.shape != x.shape:
        raise ValueError(f"bincount: `weights` must have x's shape {x.shape}, received "
                         f"{weights.shape}.")
    out = xp.zeros((rows.shape[0], length), weights.dtype)
    xp.add.at(out, index, weights.data.reshape(rows.shape))
    out = out.reshape(x.shape[:-1] + (length,))

    def vjp(g):
        return (g.reshape(rows.shape[0], length)[index].reshape(x.shape),)
    return record(out, (weights,) if weights.dtype.kind == "f" else (), vjp)


@op
def digitize(x, bins):
    """int32 index of the bin each x falls in: i with bins[i-1] <= x < bins[i] for increasing
    bins (bins[i-1] > x >= bins[i] for decreasing), as NumPy's `digitize`. No gradient."""
    x, bins = convert_to_tensor(x), convert_to_tensor(bins)
    if bins.ndim != 1:
        raise ValueError(f"digitize: `bins` must be 1-D, received shape {bins.shape}.")
    return record(xp.digitize(x.data, bins.data).astype("int32"), (), None)


@op(keras_module="keras.src.ops.math")
def cdist(x, y):
    """Euclidean distances between the rows of x and of y: (..., m, d), (..., n, d) ->
    (..., m, n). Integer inputs give floatx. The gradient at a zero distance is 0 (as torch's),
    not the 0 / 0 of the square root."""
    x, y = pair(convert_to_float_tensor(x), convert_to_float_tensor(y))
    if x.ndim < 2 or y.ndim < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(f"cdist: `x` and `y` must be (..., m, d) and (..., n, d) with the same "
                         f"d, received shapes {x.shape} and {y.shape}.")
    check_axis("cdist", -1, x.ndim)
    delta = x.data[..., :, None, :] - y.data[..., None, :, :]  # (..., m, n, d)
    out = xp.sqrt(xp.sum(delta * delta, axis=-1))

    def vjp(g):
        unit = delta / xp.where(out > 0, out, 1)[..., None]
        weighted = g[..., None] * unit
        gx = xp.sum(weighted, axis=-2)
        gy = -xp.sum(weighted, axis=-3)
        return (unbroadcast(gx, x.shape), unbroadcast(gy, y.shape))
    return record(out, (x, y), vjp)

