"""Sorting and selection along an axis: sort, argsort, top_k, take_along_axis.

Values picked by position (`sort`, `top_k`'s values, `take_along_axis`) send their gradient
back to the positions they came from; index outputs (`argsort`, `top_k`'s indices) are int32,
as in Keras, and carry no gradient.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import reshape
from minikeras.ops.symbolic import op


def check_axis(name, axis, ndim, arg="axis"):
    """`axis` as a non-negative int, or a ValueError naming the op, the argument and the rank."""
    if not -ndim <= axis < ndim:
        raise ValueError(f"{name}: `{arg}`={axis} is out of range for an input of rank {ndim}.")
    return axis % ndim


def along_axis_index(indices, axis, shape):
    """The fancy index that `take_along_axis(x, indices, axis)` reads: `indices` on `axis`,
    a broadcast `arange` on every other axis (x's own size there)."""
    ndim = len(shape)
    parts = []
    for d in range(ndim):
        if d == axis:
            parts.append(indices)
        else:
            parts.append(xp.arange(shape[d]).reshape((1,) * d + (-1,) + (1,) * (ndim - d - 1)))
    return tuple(parts)


def _gather(x, indices, axis):
    """x's values at `indices` along `axis`; the VJP scatter-adds the gradient back."""
    index = along_axis_index(indices, axis, x.shape)
    out = x.data[index]

    def vjp(g):
        grad = xp.zeros(x.shape, dtype=g.dtype)
        xp.add.at(grad, index, g)
        return (grad,)
    return record(out, (x,), vjp)


@op
def take_along_axis(x, indices, axis=None):
    """`numpy.take_along_axis`: out[..., j, ...] = x[..., indices[..., j, ...], ...] on `axis`.

    Shapes: `indices` has x's rank; the other axes broadcast against x's. axis=None works on
    the flattened x and 1-D indices. Negative indices count from the end. The gradient adds up
    over repeated indices.
    """
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices).data
    if indices.dtype.kind not in "iu":
        raise ValueError(f"take_along_axis: `indices` must be integers, received dtype "
                         f"{indices.dtype}.")
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    if indices.ndim != x.ndim:
        raise ValueError(f"take_along_axis: `indices` must have the rank of `x` ({x.ndim}), "
                         f"received shape {indices.shape} for x of shape {x.shape}.")
    axis = check_axis("take_along_axis", axis, x.ndim)
    size = x.shape[axis]
    if indices.size and (indices.max() >= size or indices.min() < -size):
        raise ValueError(f"take_along_axis: `indices` out of range for axis {axis} of size "
                         f"{size}, received values in [{indices.min()}, {indices.max()}].")
    return _gather(x, indices % size if size else indices, axis)


@op
def argsort(x, axis=-1):
    """int32 indices that sort `x` ascending along `axis` (flattened when None); ties keep
    their order (a stable sort). No gradient."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    if x.ndim == 0:
        return record(xp.zeros((), "int32"), (), None)
    check_axis("argsort", axis, x.ndim)
    return record(xp.argsort(x.data, axis=axis, kind="stable").astype("int32"), (), None)


@op
def sort(x, axis=-1):
    """`x` sorted ascending along `axis` (flattened when None); each sorted value's gradient
    goes back to the position it came from.

    The forward pass is `numpy.sort`; the permutation the gradient needs is computed only when
    a gradient is asked for (an argsort costs several sorts)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    if x.ndim == 0:
        return x
    axis = check_axis("sort", axis, x.ndim)
    out = xp.sort(x.data, axis=axis)

    def vjp(g):
        index = along_axis_index(xp.argsort(x.data, axis=axis), axis, x.shape)
        grad = xp.zeros(x.shape, dtype=g.dtype)
        grad[index] = g  # a permutation: every position is written once
        return (grad,)
    return record(out, (x,), vjp)


def _top_k_order(keys, k):
    """Indices of the k largest keys along the last axis, largest first, ties lowest index
    first. A partial partition finds them in O(n) and only the k are sorted; where equal keys
    straddle the k-th place (the partition may pick any of them) a full stable sort decides."""
    n = keys.shape[-1]
    if 0 < k < n:
        part = xp.argpartition(-keys, k - 1, axis=-1)[..., :k]
        picked = xp.take_along_axis(keys, part, axis=-1)
        kth = picked.min(axis=-1, keepdims=True)
        if bool((xp.sum(keys >= kth, axis=-1) == k).all()):
            within = xp.lexsort((part, -picked), axis=-1)  # by value down, then index up
            return xp.take_along_axis(part, within, axis=-1)
    return xp.argsort(-keys, axis=-1, kind="stable")[..., :k]


@op
def top_k(x, k, sorted=True):  # noqa: A002 - Keras's argument name
    """The `k` largest values along the last axis and their int32 indices.

    Shapes: x (..., n) -> values (..., k), indices (..., k), largest first. Equal values come
    lowest index first (as in TensorFlow and JAX). `sorted=False` is accepted; the values are
    returned in descending order anyway (Keras leaves the order unspecified then). The values'
    gradient goes back to the positions they came from; the indices carry none.
    """
    x = convert_to_tensor(x)
    if x.ndim == 0:
        raise ValueError("top_k: `x` must have at least 1 dimension, received a scalar.")
    n = x.shape[-1]
    if not isinstance(k, int) or isinstance(k, bool) or not 0 <= k <= n:
        raise ValueError(f"top_k: `k` must be an integer between 0 and the size of the last "
                         f"axis ({n}), received k={k!r}.")
    keys = x.data if x.dtype.kind in "fi" else x.data.astype("int64")  # -x of uint/bool wraps
    order = _top_k_order(keys, k)
    values = _gather(x, order, x.ndim - 1)
    return values, record(order.astype("int32"), (), None)
