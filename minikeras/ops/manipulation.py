"""Ops that move values around without changing them: reshape, transpose, slicing, joining."""
import itertools
import math

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import convert_to_tensor, unbroadcast
from minikeras.ops.symbolic import op


@op
def reshape(x, newshape):
    """x with shape `newshape` (one entry may be -1 or None: inferred), as `numpy.reshape`."""
    x = convert_to_tensor(x)
    new_shape = (newshape,) if isinstance(newshape, int) else tuple(
        -1 if n is None else n for n in newshape)
    try:
        out = xp.reshape(x.data, new_shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} "
                         f"({x.size} values) into shape {new_shape}.") from None
    return record(out, (x,), lambda g: (g.reshape(x.shape),))


@op
def transpose(x, axes=None):
    """Permute the axes (reverse them when `axes` is None); the gradient is the inverse
    permutation."""
    x = convert_to_tensor(x)
    out = xp.transpose(x.data, axes)
    inverse = None
    if axes is not None:  # the inverse permutation; negative axes are normalized first
        order = [a % x.ndim for a in axes]  # host ints: no array (CuPy argsorts arrays only)
        inverse = tuple(sorted(range(len(order)), key=order.__getitem__))
    return record(out, (x,), lambda g: (xp.transpose(g, inverse),))


@op
def moveaxis(x, source, destination):
    """Move axes `source` to positions `destination`, the others keeping their order."""
    x = convert_to_tensor(x)
    return record(xp.moveaxis(x.data, source, destination), (x,),
                  lambda g: (xp.moveaxis(g, destination, source),))


@op
def expand_dims(x, axis):
    """Insert a size-1 axis at `axis` (an int or a tuple of ints)."""
    x = convert_to_tensor(x)
    return record(xp.expand_dims(x.data, axis), (x,), lambda g: (g.reshape(x.shape),))


@op
def squeeze(x, axis=None):
    """Remove size-1 axes (those of `axis` when given; an error if one is not size 1)."""
    x = convert_to_tensor(x)
    return record(xp.squeeze(x.data, axis=axis), (x,), lambda g: (g.reshape(x.shape),))


@op
def broadcast_to(x, shape):
    """x broadcast to `shape` by NumPy's rules; the gradient is summed back."""
    x = convert_to_tensor(x)
    return record(xp.broadcast_to(x.data, tuple(shape)), (x,), lambda g: (unbroadcast(g, x.shape),))


@op
def flatten(x):
    """Keep the first (batch) axis, flatten the rest: (n, d1, d2, ...) -> (n, d1*d2*...)."""
    x = convert_to_tensor(x)
    return reshape(x, (x.shape[0], -1))


@op
def concatenate(xs, axis=0):
    """Join the tensors of `xs` along an existing axis; each gets its slice of the gradient."""
    xs = [convert_to_tensor(x) for x in xs]
    out = xp.concatenate([x.data for x in xs], axis=axis)
    bounds = list(itertools.accumulate(x.shape[axis] for x in xs))[:-1]  # host ints
    return record(out, tuple(xs), lambda g: tuple(xp.split(g, bounds, axis=axis)))


@op
def stack(x, axis=0):
    """Join a sequence of same-shaped tensors along a new axis `axis`."""
    xs = [convert_to_tensor(item) for item in x]
    out = xp.stack([x.data for x in xs], axis=axis)
    return record(out, tuple(xs),
                  lambda g: tuple(xp.squeeze(part, axis=axis)
                                  for part in xp.split(g, len(xs), axis=axis)))


@op
def split(x, indices_or_sections, axis=0):
    """Split into a list of Tensors, like `numpy.split`; each piece routes its gradient back."""
    x = convert_to_tensor(x)
    size = x.shape[axis]
    if isinstance(indices_or_sections, int):
        if size % indices_or_sections:
            raise ValueError(f"split: axis {axis} of size {size} does not divide into "
                             f"{indices_or_sections} equal sections.")
        step = size // indices_or_sections
        bounds = list(range(step, size, step))
    else:
        bounds = list(indices_or_sections)
    starts = [0] + bounds
    ends = bounds + [size]
    pieces = []
    for start, end in zip(starts, ends):
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, end)
        pieces.append(getitem(x, tuple(index)))
    return pieces


@op
def pad(x, pad_width, mode="constant", constant_values=None):
    """Pad like `numpy.pad` in Keras's modes: "constant" (with `constant_values`, default 0),
    "reflect" (mirror without the edge) and "symmetric" (mirror with the edge).

    Shapes: x (d0, d1, ...), pad_width one (before, after) pair per axis (or one pair / one
    number for all) -> (d0 + before0 + after0, ...). The gradient of a constant pad is the
    crop; a mirrored pad adds each padded entry's gradient to the entry it copies.
    """
    x = convert_to_tensor(x)
    if mode not in ("constant", "reflect", "symmetric"):
        raise ValueError(f"pad: `mode` must be 'constant', 'reflect' or 'symmetric', "
                         f"received mode={mode!r}.")
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad: `constant_values` needs mode='constant', received "
                         f"mode={mode!r}.")
    try:
        widths = xp.broadcast_to(xp.asarray(pad_width, dtype=int), (x.ndim, 2))
    except ValueError:
        raise ValueError(f"pad: `pad_width` must give (before, after) for each of the "
                         f"{x.ndim} axes, received {pad_width!r}.") from None
    if (widths < 0).any():
        raise ValueError(f"pad: `pad_width` must not be negative, received {pad_width!r}.")
    if mode == "constant":
        out = xp.pad(x.data, widths, mode="constant",
                     constant_values=0 if constant_values is None else constant_values)
        crop = tuple(slice(int(before), int(before) + n)
                     for (before, _), n in zip(widths, x.shape))
        return record(out, (x,), lambda g: (g[crop],))
    for (before, after), n in zip(widths, x.shape):
        if max(before, after) > n - (mode == "reflect"):
            raise ValueError(f"pad: mode={mode!r} pads at most {n - (mode == 'reflect')} on "
                             f"an axis of size {n}, received pad_width={pad_width!r}.")
    out = xp.pad(x.data, widths, mode=mode)

    def vjp(g):
        source = xp.pad(xp.arange(x.size).reshape(x.shape), widths, mode=mode)
        grad = xp.bincount(source.reshape(-1), weights=g.reshape(-1), minlength=x.size)
        return (grad.reshape(x.shape).astype(g.dtype, copy=False),)
    return record(out, (x,), vjp)


@op
def tile(x, repeats):
    """Repeat the whole of x `repeats` times along each axis, as `numpy.tile`."""
    x = convert_to_tensor(x)
    repeats = (repeats,) if isinstance(repeats, int) else tuple(repeats)
    out = xp.tile(x.data, repeats)

    def vjp(g):
        reps = (1,) * (out.ndim - len(repeats)) + repeats
        shape = (1,) * (out.ndim - x.ndim) + x.shape
        split_shape = []
        for r, n in zip(reps, shape):
            split_shape += [r, n]
        g = g.reshape(split_shape).sum(axis=tuple(range(0, 2 * out.ndim, 2)))
        return (g.reshape(x.shape),)
    return record(out, (x,), vjp)


@op
def repeat(x, repeats, axis=None):
    """Repeat each element `repeats` times along `axis` (flattened when None), as `numpy.repeat`."""
    x = convert_to_tensor(x)
    if axis is None:
        return repeat(reshape(x, (-1,)), repeats, axis=0)
    out = xp.repeat(x.data, repeats, axis=axis)

    def vjp(g):
        # source[j]: the input row that output row j copies (counts may be 0).
        source = xp.repeat(xp.arange(x.shape[axis]), repeats)
        summed = xp.zeros_like(xp.moveaxis(x.data, axis, 0))
        xp.add.at(summed, source, xp.moveaxis(g, axis, 0))
        return (xp.moveaxis(summed, 0, axis),)
    return record(out, (x,), vjp)


@op
def getitem(x, key):
    """x[key] for slices, integers, integer arrays and boolean masks (`ops.get_item`, Keras's
    name, is this op).

    The gradient scatters back into zeros; repeated integer indices add up (np.add.at).
    """
    x = convert_to_tensor(x)
    index = _unwrap_index(key)
    out = x.data[index]

    def vjp(g):
        grad = xp.zeros_like(x.data)
        if _is_basic_index(index):
            grad[index] = g
        else:
            xp.add.at(grad, index, g)
        return (grad,)
    return record(out, (x,), vjp)


def _unwrap_index(index):
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def _is_basic_index(index):
    """Slices, ints, None and Ellipsis select each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(isinstance(p, (int, slice)) or p is None or p is Ellipsis for p in parts)


@op
def take(x, indices, axis=None):
    """Gather along an axis (`numpy.take`); the gradient scatter-adds into the gathered rows.

    Shapes: x (..., n, ...) with n on `axis`, integer indices of any shape -> x's shape with
    that axis replaced by the indices' shape (axis=None: x is flattened first). Negative
    indices count from the end. Along axis 0 (an Embedding's lookup: table (rows, width), ids
    (batch, steps) -> (batch, steps, width)) the gradient is `scatter_add_rows`; along other
    axes it is `getitem`'s.
    """
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices).data
    if axis is None:
        return getitem(reshape(x, (-1,)), indices)
    if x.ndim and axis % x.ndim == 0:
        return _take_rows(x, indices)
    index = (slice(None),) * (axis % x.ndim) + (indices,)
    return getitem(x, index)


def _take_rows(x, ids):
    """x[ids] along axis 0; its VJP sums each output row's gradient into the row it came from."""
    out = x.data[ids]
    rows, width = x.shape[0], math.prod(x.shape[1:])

    def vjp(g):
        flat_ids = ids.reshape(-1)
        if flat_ids.size and flat_ids.min() < 0:
            flat_ids = flat_ids % rows
        grad = scatter_add_rows(flat_ids, g.reshape(flat_ids.size, width), rows)
        return (grad.reshape(x.shape),)
    return record(out, (x,), vjp)


# -- the scatter-add behind take's gradient --------------------------------------------------
# Every occurrence of an index adds its output gradient into that index's row.
# `scatter_add_rows` does that in one vectorized pass, choosing by size among three ways, each
# measured on this project's CPU to be faster than `np.add.at` in its range (which is never the
# fastest):
#
# - a small table: a one-hot (rows, n) matrix times the (n, width) gradient, one GEMM (3-9x
#   faster than `np.add.at` for up to ~100 rows);
# - a table much larger than the batch's token count: sort the ids and sum each run of equal
#   ids with `np.add.reduceat`, then write only those rows (1.1-1.2x faster than `np.add.at`,
#   2x faster than bincount's dense float64 table there);
# - otherwise: `np.bincount` over the flat positions id * width + column (1.1-3x faster than
#   `np.add.at`, from a thousand to hundreds of thousands of tokens).
def scatter_method(num_rows, tokens, width):
    """Which way `scatter_add_rows` sums: "one_hot", "sorted" or "bincount" (see above)."""
    # Cost model fitted to the measurements: the one-hot product costs about
    # rows * tokens * (0.3 + 0.011 * width) ns, bincount about 3 * tokens * width ns plus its
    # dense float64 table, which sorting avoids when the table dwarfs the tokens.
    if num_rows * (0.3 + 0.011 * width) < 2.0 * width and num_rows * tokens <= 2 ** 25:
        return "one_hot"
    if num_rows >= 8 * tokens:
        return "sorted"
    return "bincount"


def scatter_add_rows(ids, grad, num_rows):
    """sum over k of grad[k] into row ids[k] of a (num_rows, width) zero array, vectorized.

    `ids` is a flat array of non-negative integers, `grad` is (len(ids), width).
    """
    width = grad.shape[1]
    if len(ids) == 0:
        return xp.zeros((num_rows, width), dtype=grad.dtype)
    method = scatter_method(num_rows, len(ids), width)
    if method == "one_hot":
        one_hot = (xp.arange(num_rows)[:, None] == ids[None, :]).astype(grad.dtype)
        return one_hot @ grad
    if method == "sorted":
        order = xp.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        new_run = xp.ones(len(sorted_ids), dtype=bool)  # CuPy concatenates arrays only
        new_run[1:] = sorted_ids[1:] != sorted_ids[:-1]
        starts = xp.flatnonzero(new_run)
        out = xp.zeros((num_rows, width), dtype=grad.dtype)
        out[sorted_ids[starts]] = xp.add.reduceat(grad[order], starts, axis=0)
        return out
    flat = (ids[:, None] * width + xp.arange(width)).reshape(-1)
    summed = xp.bincount(flat, weights=grad.reshape(-1), minlength=num_rows * width)
    return summed.reshape(num_rows, width).astype(grad.dtype, copy=False)


@op
def one_hot(x, num_classes, axis=-1, dtype=None, sparse=False):
    """One-hot encode integer labels; the new class axis goes at `axis` (last by default).
    minikeras has no sparse tensors: sparse=True raises."""
    from minikeras.backend import config
    if sparse:
        raise ValueError("one_hot: minikeras has no sparse tensors; received sparse=True.")
    labels = xp.asarray(convert_to_tensor(x).data).astype("int64")
    dtype = dtype or config.floatx()
    out = (labels[..., None] == xp.arange(num_classes)).astype(dtype)
    if axis != -1:
        out = xp.moveaxis(out, -1, axis)
    return record(out, (), None)


@op
def zeros_like(x, dtype=None):
    """A tensor of zeros shaped like x (in x's dtype unless `dtype`)."""
    return Tensor(xp.zeros_like(convert_to_tensor(x).data, dtype=dtype))


@op
def ones_like(x, dtype=None):
    """A tensor of ones shaped like x (in x's dtype unless `dtype`)."""
    return Tensor(xp.ones_like(convert_to_tensor(x).data, dtype=dtype))


def zeros(shape, dtype=None):
    """A tensor of zeros of `shape` (dtype default floatx)."""
    from minikeras.backend import config
    return Tensor(xp.zeros(shape, dtype=dtype or config.floatx()))


def ones(shape, dtype=None):
    """A tensor of ones of `shape` (dtype default floatx)."""
    from minikeras.backend import config
    return Tensor(xp.ones(shape, dtype=dtype or config.floatx()))


def shape(x):
    """The shape as a tuple; for a KerasTensor its symbolic shape (None for unknown sizes),
    without recording an op, as in Keras."""
    known = getattr(x, "shape", None)
    return tuple(known) if isinstance(known, tuple) else tuple(convert_to_tensor(x).shape)


def _axes(name, axis, ndim):
    """`axis` (int, sequence or None = all) as a tuple of non-negative axes, or a ValueError
    naming the op."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{name}: `axis`={axis} is out of range for an input of rank "
                             f"{ndim}.")
    return tuple(a % ndim for a in axes)


@op
def flip(x, axis=None):
    """Reverse the order of the values along `axis` (all axes when None); same shape. The
    gradient is flipped back."""
    x = convert_to_tensor(x)
    axes = _axes("flip", axis, x.ndim)
    return record(xp.flip(x.data, axes), (x,), lambda g: (xp.flip(g, axes),))


@op
def roll(x, shift, axis=None):
    """Shift values cyclically by `shift` along `axis` (of the flattened array when None, then
    reshaped back), like `numpy.roll`; the gradient rolls back by -shift."""
    x = convert_to_tensor(x)
    if axis is not None:
        _axes("roll", axis, x.ndim)
    back = -shift if isinstance(shift, int) else tuple(-s for s in shift)
    return record(xp.roll(x.data, shift, axis=axis), (x,),
                  lambda g: (xp.roll(g, back, axis=axis),))
