"""Order statistics: quantile, percentile, median and their NaN-skipping forms.

All six share one computation: the reduced axes are moved to the end and flattened, the values
sorted (NaNs sort last), and each q picks the sorted values at floor and ceil of
q * (count - 1), combined by `method` (Keras's and NumPy's: linear, lower, higher, midpoint,
nearest; nearest rounds half to even). The gradient goes through `sort` and `take_along_axis`
to the picked entries. Shapes: x (...) and q scalar or (Q,) -> (Q,) + x's shape without the
reduced axes (kept as 1 with keepdims). Integer x gives floatx, float x keeps its dtype.
"""
from minikeras.backend.array_module import xp
from minikeras.ops.core import convert_to_float_tensor, convert_to_tensor
from minikeras.ops.manipulation import moveaxis, reshape, transpose
from minikeras.ops.math import where
from minikeras.ops.nan_reductions import checked_axis
from minikeras.ops.sorting import sort, take_along_axis
from minikeras.ops.symbolic import op

METHODS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantiles(name, x, q, axis, method, keepdims, skip_nan):
    """The shared computation; q in [0, 1]."""
    if method not in METHODS:
        raise ValueError(f"{name}: `method` must be one of {METHODS}, received {method!r}.")
    x = convert_to_float_tensor(x)
    q = xp.asarray(convert_to_tensor(q).data, dtype=x.dtype)
    if q.ndim > 1:
        raise ValueError(f"{name}: `q` must be a scalar or 1-D, received shape {q.shape}.")
    if q.size and (xp.any(q < 0) or xp.any(q > 1) or xp.any(xp.isnan(q))):
        raise ValueError(f"{name}: `q` must lie in [0, {100 if 'percent' in name else 1}], "
                         f"received {q * (100 if 'percent' in name else 1)}.")
    axes = checked_axis(name, axis, x.ndim)
    axes = tuple(range(x.ndim)) if axes is None else tuple(sorted(set(axes)))
    kept = tuple(a for a in range(x.ndim) if a not in axes)
    kept_shape = tuple(x.shape[a] for a in kept)
    flat = reshape(transpose(x, kept + axes), kept_shape + (-1,))
    n = flat.shape[-1]
    if n == 0:
        raise ValueError(f"{name}: cannot take a quantile over an empty axis, input shape "
                         f"{x.shape}.")
    data = flat.data
    missing = xp.isnan(data)
    count = (n - xp.sum(missing, axis=-1, keepdims=True)) if skip_nan else xp.full(
        kept_shape + (1,), n)
    position = q.reshape(-1) * (xp.maximum(count, 1) - 1).astype(x.dtype)  # (..., Q)
    low, high = xp.floor(position), xp.ceil(position)
    if method == "nearest":
        low = high = xp.round(position)  # half to even, as NumPy and torch
    elif method == "lower":
        high = low
    elif method == "higher":
        low = high
    ordered = sort(flat, axis=-1)
    below = take_along_axis(ordered, low.astype("int64"), axis=-1)
    above = take_along_axis(ordered, high.astype("int64"), axis=-1)
    if method == "midpoint":
        out = (below + above) * xp.asarray(0.5, dtype=x.dtype)
    elif method == "linear":
        out = below + (above - below) * (position - low).astype(x.dtype)
    else:
        out = below
    undefined = (count == 0) if skip_nan else xp.any(missing, axis=-1, keepdims=True)
    if xp.any(undefined):
        out = where(xp.broadcast_to(undefined, out.shape), xp.asarray(xp.nan, x.dtype), out)
    if keepdims:
        shape = tuple(1 if a in axes else x.shape[a] for a in range(x.ndim))
        out = reshape(out, shape + (out.shape[-1],))
    out = moveaxis(out, -1, 0)  # (Q, ...)
    return reshape(out, out.shape[1:]) if q.ndim == 0 else out


@op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th quantiles (q in [0, 1], scalar or 1-D) of x over `axis` (all when None)."""
    return _quantiles("quantile", x, q, axis, method, keepdims, skip_nan=False)


@op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """`quantile` of the numbers only (NaN where a slice has none)."""
    return _quantiles("nanquantile", x, q, axis, method, keepdims, skip_nan=True)


def _fraction(q):
    q = convert_to_tensor(q).data
    return q / xp.asarray(100, dtype=q.dtype if q.dtype.kind == "f" else "float64")


@op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The q-th percentiles (q in [0, 100], scalar or 1-D) of x over `axis`."""
    return _quantiles("percentile", x, _fraction(q), axis, method, keepdims, skip_nan=False)


@op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """`percentile` of the numbers only (NaN where a slice has none)."""
    return _quantiles("nanpercentile", x, _fraction(q), axis, method, keepdims, skip_nan=True)


@op
def median(x, axis=None, keepdims=False):
    """The middle value over `axis` (mean of the two middle ones for an even count)."""
    return _quantiles("median", x, 0.5, axis, "linear", keepdims, skip_nan=False)


@op
def nanmedian(x, axis=None, keepdims=False):
    """`median` of the numbers only (NaN where a slice has none)."""
    return _quantiles("nanmedian", x, 0.5, axis, "linear", keepdims, skip_nan=True)
