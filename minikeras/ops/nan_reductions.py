"""Reductions that skip NaNs: nansum, nanmean, nanmax, nanmin, nanprod, nanvar, nanstd,
nanargmax, nanargmin, nancumsum, nancumprod.

Each replaces the NaNs by the reduction's neutral value with `where` and reduces with the plain
op, so the gradient is the plain op's on the kept entries and 0 on the NaNs. Integer inputs hold
no NaN: they reduce as they are (nanmean / nanvar / nanstd give floatx, as in Keras). A slice
with no number left gives NaN (nanmean, nanvar, nanstd, nanmax, nanmin), 0 (nansum), 1
(nanprod) or -1 (nanargmax, nanargmin), as Keras's torch backend does.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import cast, convert_to_float_tensor, convert_to_tensor
from minikeras.ops.math import divide, isnan, logical_not, sqrt, where
from minikeras.ops.reduction import cumprod, cumsum, max, min, prod, sum  # noqa: A004
from minikeras.ops.sorting import check_axis
from minikeras.ops.symbolic import op


def checked_axis(name, axis, ndim):
    """`axis` (None, an int, or a tuple / list of ints) checked against the rank: None or a
    tuple of non-negative axes; a ValueError naming the op otherwise."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    rank = ndim or 1
    for a in axes:
        if not isinstance(a, int) or isinstance(a, bool):
            raise TypeError(f"{name}: `axis` must be None, an int or a tuple of ints, "
                            f"received {axis!r}.")
        check_axis(name, a, rank)
    if ndim == 0:
        return None
    return tuple(a % ndim for a in axes)


def _filled(x, value):
    """x with its NaNs replaced by `value` (x itself when it cannot hold NaN)."""
    if x.dtype.kind not in "fc":
        return x
    return where(isnan(x), xp.asarray(value, dtype=x.dtype), x)


def _kept(x):
    """1 where x is a number, 0 where NaN, in x's (float) dtype."""
    return cast(logical_not(isnan(x)), x.dtype)


def _keras_int_dtype(out, x):
    """Keras's dtype for an integer sum or product: x's own (bool and narrower ints: int32),
    where NumPy widens to int64."""
    if x.dtype.kind not in "biu":
        return out
    dtype = x.dtype if x.dtype.kind != "b" and x.dtype.itemsize >= 4 else "int32"
    return cast(out, dtype)


@op
def nansum(x, axis=None, keepdims=False):
    """Sum over `axis` with NaNs counted as 0 (dtype as `sum`'s)."""
    x = convert_to_tensor(x)
    axis = checked_axis("nansum", axis, x.ndim)
    return _keras_int_dtype(sum(_filled(x, 0), axis=axis, keepdims=keepdims), x)


@op
def nanprod(x, axis=None, keepdims=False):
    """Product over `axis` with NaNs counted as 1."""
    x = convert_to_tensor(x)
    axis = checked_axis("nanprod", axis, x.ndim)
    return _keras_int_dtype(prod(_filled(x, 1), axis=axis, keepdims=keepdims), x)


@op
def nanmean(x, axis=None, keepdims=False):
    """Mean of the numbers over `axis` (NaN where a slice has none); int input -> floatx."""
    x = convert_to_float_tensor(x)
    axis = checked_axis("nanmean", axis, x.ndim)
    total = sum(_filled(x, 0), axis=axis, keepdims=keepdims)
    count = sum(_kept(x), axis=axis, keepdims=keepdims)
    with xp.errstate(invalid="ignore", divide="ignore"):
        return divide(total, count)


@op
def nanvar(x, axis=None, keepdims=False):
    """Population variance (divides by the count of numbers) over `axis`, NaNs left out."""
    x = convert_to_float_tensor(x)
    axis = checked_axis("nanvar", axis, x.ndim)
    centered = _filled(x - nanmean(x, axis=axis, keepdims=True), 0)
    return nanmean(where(isnan(x), xp.nan, centered * centered), axis=axis, keepdims=keepdims)


@op
def nanstd(x, axis=None, keepdims=False):
    """Square root of `nanvar`."""
    return sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(name, reduce, fill, x, axis, keepdims):
    x = convert_to_tensor(x)
    axis = checked_axis(name, axis, x.ndim)
    if x.dtype.kind not in "fc":
        return reduce(x, axis=axis, keepdims=keepdims)
    out = reduce(_filled(x, fill), axis=axis, keepdims=keepdims)
    none_left = xp.all(xp.isnan(x.data), axis=axis, keepdims=keepdims)
    return where(none_left, xp.asarray(xp.nan, dtype=x.dtype), out)


@op
def nanmax(x, axis=None, keepdims=False):
    """Largest number over `axis`, NaNs left out (NaN where a slice has only NaNs)."""
    return _nan_extreme("nanmax", max, -xp.inf, x, axis, keepdims)


@op
def nanmin(x, axis=None, keepdims=False):
    """Smallest number over `axis`, NaNs left out (NaN where a slice has only NaNs)."""
    return _nan_extreme("nanmin", min, xp.inf, x, axis, keepdims)


def _nan_arg(name, reduce, fill, x, axis, keepdims):
    x = convert_to_tensor(x)
    if axis is not None:
        axis = check_axis(name, axis, x.ndim or 1)
    data = x.data
    if data.dtype.kind in "fc":
        filled = xp.where(xp.isnan(data), fill, data)
        out = reduce(filled, axis=axis, keepdims=keepdims)
        out = xp.where(xp.all(xp.isnan(data), axis=axis, keepdims=keepdims), -1, out)
    else:
        out = reduce(data, axis=axis, keepdims=keepdims)
    return record(xp.asarray(out).astype("int32"), (), None)


@op
def nanargmax(x, axis=None, keepdims=False):
    """int32 index of the largest number along `axis` (of the flattened x when None), NaNs
    left out; -1 where a slice has only NaNs. No gradient."""
    return _nan_arg("nanargmax", xp.argmax, -xp.inf, x, axis, keepdims)


@op
def nanargmin(x, axis=None, keepdims=False):
    """int32 index of the smallest number along `axis` (of the flattened x when None), NaNs
    left out; -1 where a slice has only NaNs. No gradient."""
    return _nan_arg("nanargmin", xp.argmin, xp.inf, x, axis, keepdims)


@op
def nancumsum(x, axis=None, dtype=None):
    """Running sums along `axis` (flattened when None), NaNs counted as 0."""
    return cumsum(_filled(convert_to_tensor(x), 0), axis=axis, dtype=dtype)


@op
def nancumprod(x, axis=None, dtype=None):
    """Running products along `axis` (flattened when None), NaNs counted as 1."""
    return cumprod(_filled(convert_to_tensor(x), 1), axis=axis, dtype=dtype)

