"""Reductions over segments: segment_sum, segment_prod, segment_max, segment_min.

`data` (n, ...) and integer `segment_ids` (n,) -> (num_segments, ...): row s of the result
reduces the rows of `data` whose id is s. `num_segments` defaults to max(segment_ids) + 1;
rows with a negative id or an id >= num_segments are dropped. A segment with no rows holds the
reduction's identity: 0 for sum, 1 for prod, -inf / +inf for max / min (the dtype's smallest /
largest value for integers), as in Keras's torch backend. `sorted` is Keras's hint that the ids
are sorted; it does not change the result.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.math"


def _segments(name, data, segment_ids, num_segments):
    """(data Tensor, kept row numbers, their ids, num_segments) after checking the arguments."""
    data = convert_to_tensor(data)
    ids = convert_to_tensor(segment_ids).data
    if ids.dtype.kind not in "iu":
        raise ValueError(f"{name}: `segment_ids` must be integers, received dtype {ids.dtype}.")
    if data.ndim < 1 or ids.shape != data.shape[:1]:
        raise ValueError(f"{name}: `segment_ids` must be 1-D with one id per row of `data`, "
                         f"received shapes {ids.shape} and {data.shape}.")
    if num_segments is None:
        num_segments = int(ids.max()) + 1 if ids.size else 0
    num_segments = int(num_segments)
    if num_segments < 0:
        raise ValueError(f"{name}: `num_segments` must be non-negative, received "
                         f"{num_segments}.")
    kept = xp.flatnonzero((ids >= 0) & (ids < num_segments))
    return data, kept, ids[kept].astype("int64"), num_segments


def _identity(ufunc, dtype):
    if ufunc is xp.add:
        return 0
    if ufunc is xp.multiply:
        return 1
    low = ufunc is xp.maximum
    if dtype.kind == "f":
        return -xp.inf if low else xp.inf
    if dtype.kind == "b":
        return not low
    info = xp.iinfo(dtype)
    return info.min if low else info.max


def _reduce(name, ufunc, data, segment_ids, num_segments):
    data, kept, ids, n = _segments(name, data, segment_ids, num_segments)
    out = xp.full((n,) + data.shape[1:], _identity(ufunc, data.dtype), dtype=data.dtype)
    rows = data.data[kept]
    ufunc.at(out, ids, rows)
    return data, kept, ids, rows, out


def _scatter_back(data, kept, grad_rows):
    grad = xp.zeros(data.shape, dtype=grad_rows.dtype)
    grad[kept] = grad_rows
    return grad


@op
def segment_sum(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Sums of `data`'s rows per segment; each row's gradient is its segment's cotangent."""
    data, kept, ids, _, out = _reduce("segment_sum", xp.add, data, segment_ids, num_segments)
    return record(out, (data,), lambda g: (_scatter_back(data, kept, g[ids]),))


@op
def segment_prod(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Products of `data`'s rows per segment; a row's gradient is the cotangent times the
    product of the segment's other rows (computed without dividing, so zeros are safe)."""
    data, kept, ids, rows, out = _reduce("segment_prod", xp.multiply, data, segment_ids,
                                         num_segments)

    def vjp(g):
        zero = rows == 0
        nonzero_prod = xp.ones_like(out)
        xp.multiply.at(nonzero_prod, ids, xp.where(zero, 1, rows))
        zeros = xp.zeros(out.shape, dtype="int64")
        xp.add.at(zeros, ids, zero.astype("int64"))
        count, mine = zeros[ids], nonzero_prod[ids]
        others = xp.where(zero, xp.where(count == 1, mine, 0),
                          xp.where(count == 0, mine / xp.where(zero, 1, rows), 0))
        return (_scatter_back(data, kept, g[ids] * others),)
    return record(out, (data,), vjp)


def _extreme(name, ufunc, data, segment_ids, num_segments):
    data, kept, ids, rows, out = _reduce(name, ufunc, data, segment_ids, num_segments)

    def vjp(g):
        # rows equal to their segment's extreme share its cotangent evenly (as torch does)
        hit = rows == out[ids]
        ties = xp.zeros(out.shape, dtype=g.dtype)
        xp.add.at(ties, ids, hit.astype(g.dtype))
        share = xp.where(hit, g[ids] / xp.where(hit, ties[ids], 1), 0)
        return (_scatter_back(data, kept, share.astype(g.dtype, copy=False)),)
    return record(out, (data,), vjp)


@op
def segment_max(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Maxima of `data`'s rows per segment; the cotangent goes to the maximal rows (shared
    evenly between ties)."""
    return _extreme("segment_max", xp.maximum, data, segment_ids, num_segments)


@op
def segment_min(data, segment_ids, num_segments=None, sorted=False):  # noqa: A002
    """Minima of `data`'s rows per segment; the cotangent goes to the minimal rows (shared
    evenly between ties)."""
    return _extreme("segment_min", xp.minimum, data, segment_ids, num_segments)
