"""Searching and set ops: searchsorted, argpartition, unique, nonzero. All give int32 indices
(unique also its values) and carry no gradient.

`unique` and `nonzero` have output sizes that depend on the values (unique's with `size=None`),
so on symbolic tensors those sizes are unknown (None), as Keras declares them: the ops are
flagged `data_dependent_shape` (see minikeras/ops/symbolic.py).
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.sorting import check_axis
from minikeras.ops.symbolic import op


def _constant(value, dtype=None):
    return record(xp.asarray(value if dtype is None else value.astype(dtype)), (), None)


@op
def searchsorted(sorted_sequence, values, side="left"):
    """int32 positions where `values` would be inserted into the 1-D ascending
    `sorted_sequence` to keep it sorted: side="left" before equal entries, "right" after them.
    Shape: values' shape."""
    sequence, values = convert_to_tensor(sorted_sequence), convert_to_tensor(values)
    if sequence.ndim != 1:
        raise ValueError(f"searchsorted: `sorted_sequence` must be 1-D, received shape "
                         f"{sequence.shape}.")
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted: `side` must be 'left' or 'right', received {side!r}.")
    return _constant(xp.searchsorted(sequence.data, values.data, side=side), "int32")


@op
def argpartition(x, kth, axis=-1):
    """int32 indices that partition x along `axis` around its `kth` smallest value: that value
    at position kth, the smaller ones before it, the others after (each side in no set order,
    NumPy's introselect)."""
    x = convert_to_tensor(x)
    if x.ndim == 0:
        raise ValueError("argpartition: `x` must have at least 1 dimension, received a scalar.")
    axis = check_axis("argpartition", axis, x.ndim)
    n = x.shape[axis]
    if not isinstance(kth, int) or isinstance(kth, bool) or not -n <= kth < n:
        raise ValueError(f"argpartition: `kth` must be an int in [{-n}, {n}) for axis {axis} "
                         f"of size {n}, received {kth!r}.")
    return _constant(xp.argpartition(x.data, kth, axis=axis), "int32")


@op
def nonzero(x):
    """The indices of x's non-zero entries: a tuple of x.ndim int32 vectors (one per axis), of
    the count of non-zero entries."""
    x = convert_to_tensor(x)
    return tuple(_constant(index, "int32") for index in xp.nonzero(x.data))


nonzero.eager.data_dependent_shape = True


@op
def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
           return_counts=False, axis=None, size=None, fill_value=None):
    """The distinct values of x (sorted; `sorted=False` is accepted and gives them sorted too),
    of the flattened x when `axis` is None, else the distinct slices along `axis`.

    Returns the values, then as asked (in this order) the int32 index of each value's first
    occurrence, the inverse (the value's position for each entry: x's shape when axis is None,
    (x.shape[axis],) otherwise) and the counts. `size` pads (with `fill_value`, by default 0 as
    Keras's torch backend; counts and first indices with 0) or cuts the results to `size` values,
    so that their shapes are known before the run, as JAX needs.
    """
    x = convert_to_tensor(x)
    if axis is not None:
        axis = check_axis("unique", axis, x.ndim)
    if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 0):
        raise ValueError(f"unique: `size` must be None or a non-negative int, received {size!r}.")
    values, first, inverse, counts = xp.unique(x.data, return_index=True, return_inverse=True,
                                                return_counts=True, axis=axis)
    inverse = inverse.reshape(x.shape if axis is None else (-1,))
    if size is not None:
        found = values.shape[0 if axis is None else axis]
        if found >= size:
            take = xp.arange(size)
            values = xp.take(values, take, axis=0 if axis is None else axis)
            first, counts = first[:size], counts[:size]
        else:
            fill = xp.asarray(0 if fill_value is None else fill_value, dtype=values.dtype)
            shape = list(values.shape)
            shape[0 if axis is None else axis] = size - found
            padding = xp.broadcast_to(fill, shape).astype(values.dtype)
            values = xp.concatenate([values, padding], axis=0 if axis is None else axis)
            first = xp.concatenate([first, xp.zeros(size - found, first.dtype)])
            counts = xp.concatenate([counts, xp.zeros(size - found, counts.dtype)])
    results = [_constant(values)]
    for wanted, array in ((return_index, first), (return_inverse, inverse),
                          (return_counts, counts)):
        if wanted:
            results.append(_constant(array, "int32"))
    return results[0] if len(results) == 1 else tuple(results)


unique.eager.data_dependent_shape = True
