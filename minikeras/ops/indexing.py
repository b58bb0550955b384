"""Choosing and locating values: select (pick from several arrays by conditions), isin
(membership test) and unravel_index (flat positions to coordinates)."""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.backend.dtypes import result_type
from minikeras.ops.core import cast, convert_to_tensor
from minikeras.ops.symbolic import op


@op
def select(condlist, choicelist, default=0):
    """`numpy.select`: at each position the value of the first choice whose condition holds,
    `default` where none does.

    Shapes: the conditions, choices and default broadcast together. dtype: Keras's result
    type of the choices and the default. Each choice's gradient is the cotangent where it was
    picked (likewise `default`'s where no condition held).
    """
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError("select: `condlist` and `choicelist` must be lists of tensors.")
    if len(condlist) != len(choicelist) or not condlist:
        raise ValueError(f"select: `condlist` and `choicelist` must be non-empty and of equal "
                         f"length, received {len(condlist)} and {len(choicelist)}.")
    conds = [convert_to_tensor(c).data for c in condlist]
    for c in conds:
        if c.dtype.kind != "b":
            raise ValueError(f"select: every condition must be boolean, received {c.dtype}.")
    choices = [convert_to_tensor(c) for c in choicelist]
    weak = default if isinstance(default, (int, float)) and not isinstance(default, bool) \
        else None
    default_t = convert_to_tensor(default)
    dtype = result_type(*(str(c.dtype) for c in choices),
                        type(weak) if weak is not None else str(default_t.dtype))
    choices = [cast(c, dtype) for c in choices]
    default_t = cast(default_t, dtype)
    try:
        shape = xp.broadcast_shapes(*(c.shape for c in conds), *(c.shape for c in choices),
                                    default_t.shape)
    except ValueError:
        raise ValueError(f"select: the conditions, choices and default do not broadcast "
                         f"together: {[c.shape for c in conds]}, "
                         f"{[c.shape for c in choices]}, {default_t.shape}.") from None
    # which choice each position takes: the first true condition, len(conds) for the default
    picked = xp.full(shape, len(conds), dtype="int64")
    for i in reversed(range(len(conds))):
        picked = xp.where(conds[i], i, picked)
    out = xp.broadcast_to(default_t.data, shape).copy()
    for i, c in enumerate(choices):
        out = xp.where(picked == i, c.data, out)
    out = out.astype(dtype, copy=False)
    parents = tuple(choices) + (default_t,)

    def vjp(g):
        from minikeras.ops.core import unbroadcast
        return tuple(unbroadcast(xp.where(picked == i, g, 0).astype(g.dtype), p.shape)
                     if p.dtype.kind == "f" else None for i, p in enumerate(parents))
    return record(out, parents if xp.dtype(dtype).kind == "f" else (), vjp)


@op
def isin(x1, x2, assume_unique=False, invert=False):
    """Boolean array shaped like `x1`: whether each value occurs anywhere in `x2` (does not
    occur, with `invert`). `assume_unique` is a speed hint. No gradient."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    return record(xp.isin(x1.data, x2.data, assume_unique=assume_unique, invert=invert), (),
                  None)


@op
def unravel_index(indices, shape):
    """The coordinates of flat positions `indices` in an array of `shape` (C order): a tuple of
    len(shape) int32 arrays, each shaped like `indices`. No gradient."""
    indices = convert_to_tensor(indices).data
    if indices.dtype.kind not in "iu":
        raise ValueError(f"unravel_index: `indices` must be integers, received dtype "
                         f"{indices.dtype}.")
    shape = tuple(int(n) for n in shape)
    size = 1
    for n in shape:
        size *= n
    if indices.size and (indices.min() < 0 or indices.max() >= size):
        raise ValueError(f"unravel_index: `indices` must lie in [0, {size}) for shape {shape}, "
                         f"received values in [{indices.min()}, {indices.max()}].")
    return tuple(record(c.astype("int32"), (), None) for c in xp.unravel_index(indices, shape))
