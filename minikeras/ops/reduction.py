"""Reductions over axes (sum, mean, max, ...) and their gradients."""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import cast, convert_to_float_tensor, convert_to_tensor, normalize_axis
from minikeras.ops.manipulation import reshape
from minikeras.ops.symbolic import op


def _expand_to(g, x, axis, keepdims):
    """Re-insert the reduced axes into g so it broadcasts against x."""
    if not keepdims:
        for a in sorted(normalize_axis(axis, x.ndim)):
            g = xp.expand_dims(g, a)
    return g


def integer_accumulator(dtype):
    """The dtype Keras sums and multiplies integers and bools in: int32 for bool and the
    integers narrower than 32 bits (uint8 included), the dtype itself otherwise (NumPy would
    use the platform's int64)."""
    if dtype == bool or dtype in (xp.int8, xp.int16, xp.int32, xp.uint8, xp.uint16):
        return xp.dtype("int32")
    return dtype


@op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Sum over `axis`; integers and bools sum in `integer_accumulator`'s dtype, like Keras."""
    x = convert_to_tensor(x)
    axis = _as_axis(axis)
    dtype = None if x.dtype.kind in "fc" else integer_accumulator(x.dtype)
    return record(xp.sum(x.data, axis=axis, keepdims=keepdims, dtype=dtype), (x,),
                  lambda g: (xp.broadcast_to(_expand_to(g, x, axis, keepdims), x.shape),))


@op
def mean(x, axis=None, keepdims=False):
    """Mean over `axis`; integer and bool input gives float32, as in Keras."""
    x = convert_to_tensor(x)
    axis = _as_axis(axis)
    count = _count(x, axis)
    out = xp.mean(x.data, axis=axis, keepdims=keepdims)
    out = out.astype(x.dtype if x.dtype.kind in "fc" else xp.float32, copy=False)
    return record(out, (x,),
                  lambda g: (xp.broadcast_to(_expand_to(g, x, axis, keepdims) / count, x.shape),))


def _extreme(fn, x, axis, keepdims, initial):
    """max/min: the gradient is shared equally among the positions that hit the extreme (none
    where `initial` wins)."""
    x = convert_to_tensor(x)
    axis = _as_axis(axis)
    extra = {} if initial is None else {"initial": initial}
    out = fn(x.data, axis=axis, keepdims=keepdims, **extra)

    def vjp(g):
        hits = x.data == _expand_to(out, x, axis, keepdims)
        count = xp.sum(hits, axis=axis, keepdims=True)
        share = (hits / xp.maximum(count, 1)).astype(g.dtype, copy=False)
        return (_expand_to(g, x, axis, keepdims) * share,)
    return record(out, (x,), vjp)


@op
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - NumPy's name
    """Largest value over `axis` (all axes when None), at least `initial` when given."""
    return _extreme(xp.max, x, axis, keepdims, initial)


@op
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - NumPy's name
    """Smallest value over `axis` (all axes when None), at most `initial` when given."""
    return _extreme(xp.min, x, axis, keepdims, initial)


@op
def amax(x, axis=None, keepdims=False):
    """Largest value over `axis`; Keras's Amax op beside Max (without `initial`)."""
    return _extreme(xp.max, x, axis, keepdims, None)


@op
def amin(x, axis=None, keepdims=False):
    """Smallest value over `axis`; Keras's Amin op beside Min (without `initial`)."""
    return _extreme(xp.min, x, axis, keepdims, None)


@op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product (in `dtype` when given); the gradient is prod / x, computed without division so
    zeros are handled."""
    x = convert_to_tensor(x)
    axis = _as_axis(axis)
    if dtype is not None:
        x = cast(x, dtype)
    dtype = None if x.dtype.kind in "fc" else integer_accumulator(x.dtype)
    out = xp.prod(x.data, axis=axis, keepdims=keepdims, dtype=dtype)

    def vjp(g):
        axes = normalize_axis(axis, x.ndim)
        moved = xp.moveaxis(x.data, axes, tuple(range(-len(axes), 0)))
        flat = moved.reshape(moved.shape[:moved.ndim - len(axes)] + (-1,))
        ones = xp.ones_like(flat[..., :1])
        left = xp.cumprod(xp.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
        right = xp.flip(xp.cumprod(xp.concatenate([ones, xp.flip(flat, -1)[..., :-1]], -1), -1), -1)
        others = (left * right).reshape(moved.shape)
        others = xp.moveaxis(others, tuple(range(-len(axes), 0)), axes)
        return (_expand_to(g, x, axis, keepdims) * others,)
    return record(out, (x,), vjp)


@op
def var(x, axis=None, keepdims=False):
    """Biased variance (divides by N), like Keras."""
    x = convert_to_tensor(x)
    centered = x - mean(x, axis=axis, keepdims=True)
    return mean(centered * centered, axis=axis, keepdims=keepdims)


@op
def std(x, axis=None, keepdims=False):
    """Biased standard deviation sqrt(var(x)) over `axis`, like Keras."""
    from minikeras.ops.math import sqrt
    return sqrt(var(x, axis=axis, keepdims=keepdims))


@op
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) with the max subtracted first so it never overflows (integer and bool
    input becomes floatx, as in Keras)."""
    x = convert_to_float_tensor(x)
    axis = _as_axis(axis)
    peak = xp.max(x.data, axis=axis, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0)
    shifted = xp.exp(x.data - peak)
    total = xp.sum(shifted, axis=axis, keepdims=True)
    out = xp.log(total) + peak
    if not keepdims:
        out = xp.squeeze(out, axis=normalize_axis(axis, x.ndim))
    return record(out.astype(x.dtype, copy=False), (x,),
                  lambda g: (_expand_to(g, x, axis, keepdims) * (shifted / total),))


def masked_logsumexp(x, mask, axis=-1):
    """log(sum(exp(x))) over the entries along `axis` where `mask` is True; -inf where none is.

    Shapes: x and the boolean mask (..., n, ...) -> x's shape without `axis`. One node (not a
    Keras op; the Circle loss uses it): its gradient is the softmax over the kept entries, 0
    elsewhere and along an empty selection, where composing `where` and `logsumexp` would give
    0 / 0.
    """
    x = convert_to_tensor(x)
    data = x.data
    peak = xp.max(xp.where(mask, data, -xp.inf), axis=axis, keepdims=True)
    peak = xp.where(xp.isfinite(peak), peak, 0)
    shifted = xp.exp(xp.where(mask, data - peak, -xp.inf))
    total = xp.sum(shifted, axis=axis, keepdims=True)
    with xp.errstate(divide="ignore"):
        out = xp.squeeze(xp.log(total) + peak, axis=axis).astype(data.dtype, copy=False)
    weights = shifted / xp.where(total > 0, total, 1)
    return record(out, (x,), lambda g: (xp.expand_dims(g, axis) * weights,))


@op
def argmax(x, axis=None, keepdims=False):
    """int32 index of the largest value (of the flattened array when axis is None), as in
    Keras."""
    x = convert_to_tensor(x)
    return record(xp.argmax(x.data, axis=axis, keepdims=keepdims).astype(xp.int32), (), None)


@op
def argmin(x, axis=None, keepdims=False):
    """int32 index of the smallest value (of the flattened array when axis is None), as in
    Keras."""
    x = convert_to_tensor(x)
    return record(xp.argmin(x.data, axis=axis, keepdims=keepdims).astype(xp.int32), (), None)


@op
def any(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Whether any value along `axis` is true (all axes when None); no gradient."""
    return record(xp.any(convert_to_tensor(x).data, axis=axis, keepdims=keepdims), (), None)


@op
def all(x, axis=None, keepdims=False):  # noqa: A001 - NumPy's name
    """Whether every value along `axis` is true (all axes when None); no gradient."""
    return record(xp.all(convert_to_tensor(x).data, axis=axis, keepdims=keepdims), (), None)


def _as_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _count(x, axis):
    count = 1
    for a in normalize_axis(axis, x.ndim):
        count *= x.shape[a]
    return count


def _scan_operand(name, x, axis, dtype):
    """(x flattened when axis is None, the scan axis, the output dtype) for cumsum/cumprod.

    dtype: `dtype` or x's own (bool -> int32), as in Keras; NumPy would widen int32 to int64."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    rank = x.ndim or 1  # a scalar scans as one value
    if not -rank <= axis < rank:
        raise ValueError(f"{name}: `axis`={axis} is out of range for an input of rank {x.ndim}.")
    dtype = xp.dtype(dtype or x.dtype)
    if dtype == bool:
        dtype = xp.dtype("int32")
    return x, axis % rank, dtype


@op
def cumsum(x, axis=None, dtype=None):
    """Running sums along `axis` (of the flattened x when None), same shape.

    The gradient is the reverse running sum of the output gradient."""
    x, axis, dtype = _scan_operand("cumsum", x, axis, dtype)
    out = xp.cumsum(x.data, axis=axis, dtype=dtype)
    if x.ndim == 0:
        out = out.reshape(())

    def vjp(g):
        flipped = xp.flip(g, axis) if g.ndim else g
        grad = xp.cumsum(flipped, axis=axis if g.ndim else None).reshape(g.shape)
        return ((xp.flip(grad, axis) if g.ndim else grad).astype(x.dtype, copy=False),)
    differentiable = dtype.kind == "f" and x.dtype.kind == "f"
    return record(out, (x,) if differentiable else (), vjp)


@op
def cumprod(x, axis=None, dtype=None):
    """Running products along `axis` (of the flattened x when None), same shape.

    Gradient: d out_j / d x_i = prod_{k <= j, k != i} x_k for j >= i. Without zeros it is
    reverse-cumsum(g * out) / x; with a zero anywhere on a line, every (i, j) product is formed
    exactly (an (n, n) table per line), so zeros give the true gradient, never 0/0.
    """
    x, axis, dtype = _scan_operand("cumprod", x, axis, dtype)
    out = xp.cumprod(x.data, axis=axis, dtype=dtype)
    if x.ndim == 0:
        out = out.reshape(())

    def vjp(g):
        if x.ndim == 0:
            return (g.astype(x.dtype, copy=False),)
        if xp.all(x.data != 0):
            rev = xp.flip(xp.cumsum(xp.flip(g * out, axis), axis=axis), axis)
            return ((rev / x.data).astype(x.dtype, copy=False),)
        values = xp.moveaxis(x.data, axis, -1)  # (..., n)
        n = values.shape[-1]
        # table[..., i, j] = prod_{k <= j} x_k with x_i replaced by 1
        table = xp.repeat(values[..., None, :], n, axis=-2)
        table[..., xp.arange(n), xp.arange(n)] = 1
        table = xp.cumprod(table, axis=-1) * xp.triu(xp.ones((n, n), dtype=table.dtype))
        grad = xp.einsum("...ij,...j->...i", table, xp.moveaxis(g, axis, -1))
        return (xp.moveaxis(grad, -1, axis).astype(x.dtype, copy=False),)
    differentiable = dtype.kind == "f" and x.dtype.kind == "f"
    return record(out, (x,) if differentiable else (), vjp)
