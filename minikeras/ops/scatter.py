"""Reading and writing blocks and scattered positions of an array: slice, slice_update,
scatter, scatter_update (Keras's core ops), and `get_item`, Keras's name for `getitem`.

Positions come as an integer array `indices` of shape (..., k): each row of length k names a
position in the first k axes of the target (the rest of the target's axes are taken whole), so
`updates` / `values` have shape indices.shape[:-1] + target.shape[k:].
"""
import builtins

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import getitem
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.core"

get_item = getitem  # keras.ops.get_item(x, key): the same op, saved as Keras's GetItem


def _host_ints(name, arg, values):
    """A tuple of Python ints from a list, tuple or integer tensor (a ValueError otherwise)."""
    data = convert_to_tensor(values).data
    if data.dtype.kind not in "iu" or data.ndim != 1:
        raise ValueError(f"{name}: `{arg}` must be a 1-D sequence of integers, received "
                         f"{values!r}.")
    return tuple(int(v) for v in data.tolist())


def _block(name, shape, start, size):
    """The slices of the block of `size` starting at `start` inside `shape`."""
    if len(start) != len(shape) or len(size) != len(shape):
        raise ValueError(f"{name}: `start_indices` and the block's shape need one entry per "
                         f"axis of `inputs` ({len(shape)}), received {start} and {size}.")
    for axis, (s, n, total) in enumerate(zip(start, size, shape)):
        if s < 0 or n < 0 or s + n > total:
            raise ValueError(f"{name}: a block of shape {size} at {start} does not fit in "
                             f"`inputs` of shape {shape} (axis {axis}).")
    return tuple(builtins.slice(s, s + n) for s, n in zip(start, size))


@op
def slice(inputs, start_indices, shape):  # noqa: A001 - Keras's op name
    """The block of `inputs` of the given `shape` starting at `start_indices` (one per axis).
    The gradient lands back in that block."""
    inputs = convert_to_tensor(inputs)
    block = _block("slice", inputs.shape, _host_ints("slice", "start_indices", start_indices),
                   tuple(int(n) for n in shape))
    return getitem.eager(inputs, block)


@op
def slice_update(inputs, start_indices, updates):
    """`inputs` with the block at `start_indices` replaced by `updates` (cast to inputs'
    dtype). Gradients: `inputs` gets the cotangent outside the block, `updates` inside it."""
    inputs, updates = convert_to_tensor(inputs), convert_to_tensor(updates)
    if updates.ndim != inputs.ndim:
        raise ValueError(f"slice_update: `updates` must have the rank of `inputs` "
                         f"({inputs.ndim}), received shape {updates.shape}.")
    block = _block("slice_update", inputs.shape,
                   _host_ints("slice_update", "start_indices", start_indices), updates.shape)
    out = inputs.data.copy()
    out[block] = updates.data.astype(inputs.dtype, copy=False)

    def vjp(g):
        rest = g.copy()
        rest[block] = 0
        inside = g[block]
        return rest, inside.astype(updates.dtype) if updates.dtype.kind == "f" else None
    return record(out, (inputs, updates), vjp)


def _positions(name, indices, target_shape, values_shape, values_arg):
    """`indices` (..., k) as the tuple of k index arrays NumPy's fancy indexing reads, after
    checking shapes and ranges."""
    indices = convert_to_tensor(indices).data
    if indices.dtype.kind not in "iu" or indices.ndim < 1:
        raise ValueError(f"{name}: `indices` must be an integer array of shape (..., k), "
                         f"received dtype {indices.dtype} and shape {indices.shape}.")
    k = indices.shape[-1]
    if k > len(target_shape):
        raise ValueError(f"{name}: `indices` rows of length {k} index more axes than the "
                         f"target of shape {tuple(target_shape)} has.")
    want = indices.shape[:-1] + tuple(target_shape[k:])
    if tuple(values_shape) != want:
        raise ValueError(f"{name}: `{values_arg}` must have shape {want} (indices.shape[:-1] "
                         f"+ the target's trailing axes), received {tuple(values_shape)}.")
    limits = xp.asarray(target_shape[:k])
    if indices.size and ((indices < 0).any() or (indices >= limits).any()):
        raise ValueError(f"{name}: `indices` out of range for a target of shape "
                         f"{tuple(target_shape)}.")
    return tuple(xp.moveaxis(indices, -1, 0))


@op
def scatter(indices, values, shape):
    """A zero array of `shape` with `values` added at `indices` (repeated positions add up).

    Shapes: indices (..., k), values indices.shape[:-1] + shape[k:]. dtype: values'. The
    gradient of `values` reads the cotangent back at the same positions."""
    values = convert_to_tensor(values)
    shape = tuple(int(n) for n in shape)
    index = _positions("scatter", indices, shape, values.shape, "values")
    out = xp.zeros(shape, dtype=values.dtype)
    xp.add.at(out, index, values.data)
    return record(out, (values,), lambda g: (g[index],))


_REDUCTIONS = {"add": xp.add, "mul": xp.multiply, "max": xp.maximum, "min": xp.minimum}


@op
def scatter_update(inputs, indices, updates, reduction=None):
    """`inputs` with `updates` written at `indices`.

    reduction=None replaces the values there (of repeated positions the last update wins);
    "add", "mul", "max" or "min" combine the existing value and every update at a position.
    `updates` are cast to inputs' dtype. Shapes: indices (..., k), updates indices.shape[:-1]
    + inputs.shape[k:]. Gradients flow to whichever values end up in the output (for
    "mul", the product rule; max/min ties each get the whole cotangent).
    """
    if reduction is not None and reduction not in _REDUCTIONS:
        raise ValueError(f"scatter_update: `reduction` must be None or one of "
                         f"{sorted(_REDUCTIONS)}, received {reduction!r}.")
    inputs, updates = convert_to_tensor(inputs), convert_to_tensor(updates)
    index = _positions("scatter_update", indices, inputs.shape, updates.shape, "updates")
    new = updates.data.astype(inputs.dtype, copy=False)
    out = inputs.data.copy()
    if reduction is None:
        out[index] = new
        # which update landed: write each update's flat number, read it back
        winner = xp.full(inputs.shape, -1, dtype="int64")
        numbers = xp.arange(new.size).reshape(new.shape)
        winner[index] = numbers
        landed = winner[index] == numbers
        replaced = winner >= 0
    else:
        _REDUCTIONS[reduction].at(out, index, new)

    def vjp(g):
        if reduction is None:
            g_in, g_up = xp.where(replaced, 0, g), xp.where(landed, g[index], 0)
        elif reduction == "add":
            g_in, g_up = g, g[index]
        elif reduction in ("max", "min"):
            g_in = xp.where(inputs.data == out, g, 0)
            g_up = xp.where(new == out[index], g[index], 0)
        else:
            g_in, g_up = _product_grads(inputs.data, index, new, g)
        return (g_in.astype(g.dtype, copy=False),
                g_up.astype(updates.dtype) if updates.dtype.kind == "f" else None)
    return record(out, (inputs, updates), vjp)


def _product_grads(start, index, new, g):
    """Gradients of out = start * prod(updates at each position), safe with zeros: each factor
    gets g times the product of the other factors at its position."""
    zero = new == 0
    nonzero_prod = xp.ones_like(start)
    xp.multiply.at(nonzero_prod, index, xp.where(zero, 1, new))
    zeros = xp.zeros(start.shape, dtype="int64")
    xp.add.at(zeros, index, zero.astype("int64"))
    start_zero = start == 0
    all_zeros = zeros + start_zero
    others_start = xp.where(all_zeros == 0, nonzero_prod, xp.where(
        (all_zeros == 1) & start_zero, nonzero_prod, 0))
    g_start = g * others_start
    start_safe = xp.where(start_zero, 1, start)
    with_start = nonzero_prod * start_safe  # product of every nonzero factor
    count = all_zeros[index]
    mine = with_start[index]
    others = xp.where(zero, xp.where(count == 1, mine, 0),
                      xp.where(count == 0, mine / xp.where(zero, 1, new), 0))
    return g_start, g[index] * others
