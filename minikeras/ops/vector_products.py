"""Products and differences of vectors and arrays: inner, vdot, kron, cross, vander, correlate,
diff, trapezoid.

All are composed of differentiable ops (multiply, sum, reshape, slicing, cumprod), so their
gradients are those ops'. Dtypes follow Keras: integer inputs stay integer (inner, vdot, kron,
cross, vander, diff) or become floatx (correlate, trapezoid).
"""
from minikeras.backend.array_module import xp
from minikeras.ops.core import convert_to_float_tensor, convert_to_tensor, pair
from minikeras.ops.linalg import tensordot
from minikeras.ops.manipulation import (concatenate, flip, getitem, moveaxis, ones_like, reshape,
                                        stack, take)
from minikeras.ops.math import not_equal
from minikeras.ops.reduction import cumprod, sum  # noqa: A004 - NumPy's name
from minikeras.ops.sorting import check_axis
from minikeras.ops.symbolic import op


@op
def inner(x1, x2):
    """Sum of products over the last axes: (..a, n), (..b, n) -> (..a, ..b); a scalar operand
    multiplies."""
    x1, x2 = pair(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return x1 * x2
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"inner: the last axes of `x1` and `x2` must match, received shapes "
                         f"{x1.shape} and {x2.shape}.")
    return tensordot(x1, x2, axes=([-1], [-1]))


@op
def vdot(x1, x2):
    """Dot product of the flattened x1 and x2 (of the same size): a scalar."""
    x1, x2 = pair(x1, x2)
    if x1.size != x2.size:
        raise ValueError(f"vdot: `x1` and `x2` must have the same number of entries, received "
                         f"shapes {x1.shape} and {x2.shape}.")
    return sum(reshape(x1, (-1,)) * reshape(x2, (-1,)))


@op
def kron(x1, x2):
    """Kronecker product: each entry of x1 times the whole x2, as blocks. Shapes: both padded
    to the same rank r with leading 1s, (a_1..a_r), (b_1..b_r) -> (a_1 b_1, ..., a_r b_r)."""
    x1, x2 = pair(x1, x2)
    rank = max(x1.ndim, x2.ndim)
    a = reshape(x1, (1,) * (rank - x1.ndim) + x1.shape)
    b = reshape(x2, (1,) * (rank - x2.ndim) + x2.shape)
    # a on the even axes, b on the odd ones of a (a_1, b_1, a_2, b_2, ...) product
    spread_a = reshape(a, tuple(d for n in a.shape for d in (n, 1)))
    spread_b = reshape(b, tuple(d for n in b.shape for d in (1, n)))
    return reshape(spread_a * spread_b, tuple(p * q for p, q in zip(a.shape, b.shape)))


@op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """Cross product of 3-vectors (or 2-vectors: the z component, a scalar per pair) along
    `axisa` of x1 and `axisb` of x2, the vectors of the result along `axisc`; `axis`, when
    given, sets all three. The other axes broadcast."""
    x1, x2 = pair(x1, x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    a = moveaxis(x1, check_axis("cross", axisa, x1.ndim, "axisa"), -1)
    b = moveaxis(x2, check_axis("cross", axisb, x2.ndim, "axisb"), -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError(f"cross: the vectors must have 2 or 3 components, received "
                         f"{a.shape[-1]} (x1 shape {x1.shape}) and {b.shape[-1]} (x2 shape "
                         f"{x2.shape}).")
    ax, ay = getitem(a, (Ellipsis, 0)), getitem(a, (Ellipsis, 1))
    bx, by = getitem(b, (Ellipsis, 0)), getitem(b, (Ellipsis, 1))
    z = ax * by - ay * bx
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    az = getitem(a, (Ellipsis, 2)) if a.shape[-1] == 3 else 0 * ax
    bz = getitem(b, (Ellipsis, 2)) if b.shape[-1] == 3 else 0 * bx
    out = stack([ay * bz - az * by, az * bx - ax * bz, z], axis=-1)
    return moveaxis(out, -1, check_axis("cross", axisc, out.ndim, "axisc"))


@op
def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's argument name
    """Vandermonde matrix of a 1-D x: (n,) -> (n, N) (N = n when None), columns x**(N-1) ...
    x**0 (x**0 first when `increasing`). Powers come from a running product, so the gradient
    is exact at x = 0."""
    x = convert_to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander: `x` must be 1-D, received shape {x.shape}.")
    columns = x.shape[0] if N is None else N
    if not isinstance(columns, int) or isinstance(columns, bool) or columns < 0:
        raise ValueError(f"vander: `N` must be None or a non-negative int, received {N!r}.")
    if columns == 0:
        return reshape(x, (-1, 1))[:, :0]
    column = reshape(x, (-1, 1))
    factors = concatenate([ones_like(column)] + [column] * (columns - 1), axis=1)
    powers = cumprod(factors, axis=1)
    return powers if increasing else flip(powers, axis=1)


@op
def correlate(x1, x2, mode="valid"):
    """Cross-correlation of two 1-D sequences: c[k] = sum_n x1[n + k] * x2[n].

    mode "full": every overlap, length n1 + n2 - 1; "same": length max(n1, n2), centred;
    "valid": the full overlaps only, length max(n1, n2) - min(n1, n2) + 1 (NumPy's modes).
    Integer inputs give floatx.
    """
    if mode not in ("valid", "same", "full"):
        raise ValueError(f"correlate: `mode` must be 'valid', 'same' or 'full', received "
                         f"{mode!r}.")
    x1, x2 = pair(convert_to_float_tensor(x1), convert_to_float_tensor(x2))
    if x1.ndim != 1 or x2.ndim != 1 or not x1.size or not x2.size:
        raise ValueError(f"correlate: `x1` and `x2` must be non-empty 1-D tensors, received "
                         f"shapes {x1.shape} and {x2.shape}.")
    n1, n2 = x1.shape[0], x2.shape[0]
    padded = concatenate([xp.zeros(n2 - 1, x1.dtype), x1, xp.zeros(n2 - 1, x1.dtype)])
    length = n1 + n2 - 1
    windows = take(padded, xp.arange(length)[:, None] + xp.arange(n2)[None, :])
    full = sum(windows * x2, axis=1)  # full[k + n2 - 1] = c[k]
    short, long = min(n1, n2), max(n1, n2)
    if mode == "full":
        return full
    if mode == "valid":
        start = short - 1
    else:  # NumPy's centring, which shifts by one for even n2 when x2 is the longer
        start = (short - 1) // 2 if n1 >= n2 else short // 2
    stop = start + (long - short + 1 if mode == "valid" else long)
    return getitem(full, slice(start, stop))


@op
def diff(a, n=1, axis=-1):
    """The n-th forward difference along `axis`: out[i] = a[i + 1] - a[i], n times; that axis
    shrinks by n (to 0 at most). Integers stay integers; for bools the difference is
    `!=` (as numpy.diff and Keras)."""
    a = convert_to_tensor(a)
    if a.ndim == 0:
        raise ValueError("diff: `a` must have at least 1 dimension, received a scalar.")
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"diff: `n` must be a non-negative int, received {n!r}.")
    axis = check_axis("diff", axis, a.ndim)
    before = (slice(None),) * axis
    for _ in range(n):
        later = getitem(a, before + (slice(1, None),))
        earlier = getitem(a, before + (slice(None, -1),))
        a = not_equal(later, earlier) if a.dtype == bool else later - earlier
    return a


@op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of y along `axis` by the trapezoidal rule: sum of (y[i] + y[i+1]) / 2 times the
    spacing (x[i+1] - x[i] when x is given, 1-D or y's shape, else dx). Integer y gives floatx;
    the gradient reaches y and x."""
    y = convert_to_float_tensor(y)
    if y.ndim == 0:
        raise ValueError("trapezoid: `y` must have at least 1 dimension, received a scalar.")
    axis = check_axis("trapezoid", axis, y.ndim)
    before = (slice(None),) * axis
    ends = getitem(y, before + (slice(1, None),)) + getitem(y, before + (slice(None, -1),))
    if x is None:
        spacing = convert_to_tensor(xp.asarray(dx, dtype=y.dtype))
    else:
        x = convert_to_float_tensor(x)
        if x.ndim == 1:
            if x.shape[0] != y.shape[axis]:
                raise ValueError(f"trapezoid: a 1-D `x` must have y.shape[axis] = "
                                 f"{y.shape[axis]} entries, received shape {x.shape}.")
            x = reshape(x, tuple(-1 if d == axis else 1 for d in range(y.ndim)))
            spacing = diff(x, axis=axis)
        else:
            spacing = diff(x, axis=axis)
    return sum(ends * spacing, axis=axis) * xp.asarray(0.5, dtype=y.dtype)
