"""Joining, splitting and re-axing arrays the NumPy way: append, hstack/vstack/dstack,
array_split and hsplit/vsplit/dsplit, unstack, meshgrid, swapaxes, ravel, fliplr/flipud,
rot90 and diagflat.

Joined inputs of different dtypes meet at Keras's `result_type` (int32 with float32 gives
float32, where NumPy would give float64). Every op here only moves values, so each gradient
moves them back.
"""
import itertools

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.backend.dtypes import result_type
from minikeras.ops.core import cast, convert_to_tensor
from minikeras.ops.manipulation import concatenate, flip, getitem, reshape, transpose
from minikeras.ops.symbolic import op


def _check_axis(name, axis, ndim, arg="axis"):
    if not isinstance(axis, int) or not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"{name}: `{arg}`={axis!r} is out of range for an input of rank "
                         f"{ndim}.")
    return axis % max(ndim, 1)


def _common(name, xs):
    """The tensors of `xs`, cast to their Keras result dtype."""
    if isinstance(xs, (str, bytes)) or not hasattr(xs, "__len__") or not len(xs):
        raise ValueError(f"{name}: `xs` must be a non-empty list of tensors, received {xs!r}.")
    xs = [convert_to_tensor(x) for x in xs]
    dtype = result_type(*(str(x.dtype) for x in xs))
    return [cast(x, dtype) for x in xs]


def _join(name, xs, axis):
    try:
        return concatenate.eager(xs, axis=axis)
    except ValueError as error:
        raise ValueError(f"{name}: the inputs' shapes {[x.shape for x in xs]} do not join "
                         f"along axis {axis}: {error}") from None


@op
def append(x1, x2, axis=None):
    """`x2` appended to `x1` along `axis` (both flattened first when None), as `numpy.append`.

    Shapes: with an axis, all other sizes must agree; axis=None gives (x1.size + x2.size,).
    dtype: Keras's result type of the two."""
    x1, x2 = _common("append", [x1, x2])
    if axis is None:
        return _join("append", [reshape(x1, (-1,)), reshape(x2, (-1,))], 0)
    if x1.ndim != x2.ndim:
        raise ValueError(f"append: `x1` and `x2` must have the same rank along an axis, "
                         f"received shapes {x1.shape} and {x2.shape}.")
    return _join("append", [x1, x2], _check_axis("append", axis, x1.ndim))


def _at_least(x, ndim):
    """x with size-1 axes added as `numpy.atleast_2d` / `atleast_3d` add them."""
    if x.ndim >= ndim:
        return x
    if ndim == 2:
        return reshape(x, (1, -1) if x.ndim else (1, 1))
    shape = {0: (1, 1, 1), 1: (1, x.size, 1), 2: x.shape + (1,)}[x.ndim]
    return reshape(x, shape)


@op
def hstack(xs):
    """Join along axis 1, or axis 0 for 1-D inputs (`numpy.hstack`)."""
    xs = [reshape(x, (1,)) if x.ndim == 0 else x for x in _common("hstack", xs)]
    return _join("hstack", xs, 0 if xs[0].ndim == 1 else 1)


@op
def vstack(xs):
    """Join along axis 0 after making 1-D inputs rows (`numpy.vstack`): (n,) -> (1, n)."""
    return _join("vstack", [_at_least(x, 2) for x in _common("vstack", xs)], 0)


@op
def dstack(xs):
    """Join along axis 2 after making inputs 3-D (`numpy.dstack`): (n,) -> (1, n, 1),
    (m, n) -> (m, n, 1)."""
    return _join("dstack", [_at_least(x, 3) for x in _common("dstack", xs)], 2)


def _split_points(name, size, indices_or_sections, even):
    """The cut positions along an axis of `size`: from a section count (equal sections; with
    `even=False` the first `size % n` sections get one more, as `numpy.array_split`) or from a
    list of indices."""
    if isinstance(indices_or_sections, int):
        n = indices_or_sections
        if n <= 0:
            raise ValueError(f"{name}: the number of sections must be positive, received {n}.")
        if even and size % n:
            raise ValueError(f"{name}: an axis of size {size} does not divide into {n} equal "
                             f"sections.")
        small, extra = divmod(size, n)
        sizes = [small + 1] * extra + [small] * (n - extra)
        return list(itertools.accumulate(sizes))[:-1]
    points = [int(i) for i in indices_or_sections]
    return [min(max(p if p >= 0 else p + size, 0), size) for p in points]


def _split(name, x, indices_or_sections, axis, even=True):
    x = convert_to_tensor(x)
    axis = _check_axis(name, axis, x.ndim)
    points = _split_points(name, x.shape[axis], indices_or_sections, even)
    starts, ends = [0] + points, points + [x.shape[axis]]
    pieces = []
    for start, end in zip(starts, ends):
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, max(start, end))
        pieces.append(getitem(x, tuple(index)))
    return pieces


def _split_of_rank(name, x, indices_or_sections, axis, min_ndim):
    """`split` along `axis` of an x with at least `min_ndim` dimensions (vsplit, dsplit)."""
    x = convert_to_tensor(x)
    if x.ndim < min_ndim:
        raise ValueError(f"{name}: `x` must have at least {min_ndim} dimensions, received "
                         f"shape {x.shape}.")
    return _split(name, x, indices_or_sections, axis)


@op
def array_split(x, indices_or_sections, axis=0):
    """Split into a list like `numpy.array_split`: an int need not divide the axis (the first
    `size % n` pieces are one longer); a list gives the cut indices."""
    return _split("array_split", x, indices_or_sections, axis, even=False)


@op
def hsplit(x, indices_or_sections):
    """`split` along axis 1 (axis 0 for 1-D x); an int must divide the axis evenly."""
    x = convert_to_tensor(x)
    return _split("hsplit", x, indices_or_sections, 1 if x.ndim > 1 else 0)


@op
def vsplit(x, indices_or_sections):
    """`split` along axis 0 of an at least 2-D x; an int must divide the axis evenly."""
    return _split_of_rank("vsplit", x, indices_or_sections, 0, min_ndim=2)


@op
def dsplit(x, indices_or_sections):
    """`split` along axis 2 of an at least 3-D x; an int must divide the axis evenly."""
    return _split_of_rank("dsplit", x, indices_or_sections, 2, min_ndim=3)


@op(keras_module="keras.src.ops.core")
def unstack(x, num=None, axis=0):
    """The list of x's slices along `axis` (that axis removed from each). `num`, when given,
    must equal the axis's size."""
    x = convert_to_tensor(x)
    if x.ndim == 0:
        raise ValueError("unstack: `x` must have at least 1 dimension, received a scalar.")
    axis = _check_axis("unstack", axis, x.ndim)
    size = x.shape[axis]
    if num is not None and num != size:
        raise ValueError(f"unstack: `num`={num} does not match the size {size} of axis {axis} "
                         f"of `x` (shape {x.shape}).")
    return [getitem(x, (slice(None),) * axis + (i,)) for i in range(size)]


@op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D vectors (`numpy.meshgrid`).

    Shapes: n vectors of sizes s1..sn -> n arrays of shape (s2, s1, s3, ...) for "xy" (the
    first two swapped) or (s1, ..., sn) for "ij". dtype: Keras's result type of the vectors.
    Each grid's gradient sums back over the axes the vector was repeated along."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid: `indexing` must be 'xy' or 'ij', received {indexing!r}.")
    if not x:
        return []
    xs = _common("meshgrid", x)
    for v in xs:
        if v.ndim != 1:
            raise ValueError(f"meshgrid: every input must be 1-D, received shape {v.shape}.")
    n = len(xs)
    shape = [v.size for v in xs]
    positions = list(range(n))
    if indexing == "xy" and n >= 2:
        shape[0], shape[1] = shape[1], shape[0]
        positions[0], positions[1] = 1, 0
    grids = []
    for v, where in zip(xs, positions):
        view = (1,) * where + (-1,) + (1,) * (n - where - 1)
        others = tuple(d for d in range(n) if d != where)
        out = xp.broadcast_to(v.data.reshape(view), tuple(shape)).copy()
        grids.append(record(out, (v,), lambda g, others=others: (g.sum(axis=others),)))
    return grids


@op
def swapaxes(x, axis1, axis2):
    """x with axes `axis1` and `axis2` exchanged."""
    x = convert_to_tensor(x)
    a = _check_axis("swapaxes", axis1, x.ndim, "axis1")
    b = _check_axis("swapaxes", axis2, x.ndim, "axis2")
    order = list(range(x.ndim))
    order[a], order[b] = order[b], order[a]
    return transpose.eager(x, tuple(order))


@op
def ravel(x):
    """x flattened to 1-D, (x.size,)."""
    return reshape(convert_to_tensor(x), (-1,))


@op
def fliplr(x):
    """x reversed along axis 1 (x must be at least 2-D)."""
    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"fliplr: `x` must have at least 2 dimensions, received shape "
                         f"{x.shape}.")
    return flip.eager(x, 1)


@op
def flipud(x):
    """x reversed along axis 0 (x must be at least 1-D)."""
    x = convert_to_tensor(x)
    if x.ndim < 1:
        raise ValueError("flipud: `x` must have at least 1 dimension, received a scalar.")
    return flip.eager(x, 0)


@op
def rot90(array, k=1, axes=(0, 1)):
    """x rotated by 90 degrees `k` times in the plane of `axes`, from the first axis towards
    the second (`numpy.rot90`); the gradient rotates back by -k."""
    x = convert_to_tensor(array)
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError(f"rot90: `axes` must name 2 axes, received {axes}.")
    a, b = (_check_axis("rot90", ax, x.ndim, "axes") for ax in axes)
    if a == b:
        raise ValueError(f"rot90: the two `axes` must differ, received {axes}.")
    return record(xp.rot90(x.data, k, (a, b)), (x,), lambda g: (xp.rot90(g, -k, (a, b)),))


@op
def diagflat(x, k=0):
    """A square matrix with flattened `x` on diagonal `k`: (n values) -> (n + |k|, n + |k|).
    The gradient reads that diagonal back into x's shape."""
    x = convert_to_tensor(x)
    out = xp.diagflat(x.data, k)
    return record(out, (x,), lambda g: (xp.diagonal(g, k).reshape(x.shape),))

