"""Geometric and logarithmic sequences (geomspace, logspace) and uninitialized arrays
(empty, empty_like), plus `view`, which reads an array's bytes as another dtype.

geomspace / logspace follow `linspace`'s argument rules (array endpoints give one sequence per
element, stacked along `axis`; floatx unless `dtype` or a float array says otherwise) and are
built from differentiable ops, so gradients reach `start` and `stop`.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import cast, convert_to_tensor
from minikeras.ops.creation import linspace
from minikeras.ops.math import abs as absolute
from minikeras.ops.math import exp, log, multiply, power
from minikeras.ops.symbolic import op


def _float_dtype(start, stop):
    """linspace's float dtype for these endpoints (floatx for numbers and integer arrays)."""
    dtypes = [getattr(v, "dtype", None) for v in (start, stop)]
    floats = [xp.dtype(d) for d in dtypes if d is not None and xp.dtype(d).kind == "f"]
    return xp.result_type(*floats) if floats else xp.dtype(config.floatx())


def _check_num(name, num):
    if not isinstance(num, int) or isinstance(num, bool) or num < 0:
        raise ValueError(f"{name}: `num` must be a non-negative integer, received {num!r}.")


@op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """`num` values base ** t for t evenly spaced from `start` to `stop` (`stop` included when
    `endpoint`). Shape (num,) for scalar endpoints; dtype floatx by default (an integer
    `dtype` rounds toward zero after computing in float)."""
    _check_num("logspace", num)
    work = _float_dtype(start, stop)
    exponents = linspace(cast(convert_to_tensor(start), work), cast(convert_to_tensor(stop), work),
                         num=num, endpoint=endpoint, axis=axis)
    out = power(cast(convert_to_tensor(base), work), exponents)
    return cast(out, dtype) if dtype is not None else out


@op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """`num` values from `start` to `stop` evenly spaced on a log scale (a geometric
    progression). Ends that are zero or of opposite signs give NaN (a value, not an error, so
    that symbolic shape runs on zeros work). Shape (num,) for scalar endpoints; dtype floatx by
    default."""
    _check_num("geomspace", num)
    work = _float_dtype(start, stop)
    start, stop = cast(convert_to_tensor(start), work), cast(convert_to_tensor(stop), work)
    with xp.errstate(divide="ignore", invalid="ignore"):  # a zero end: NaN below
        logs = linspace(log(absolute(start)), log(absolute(stop)), num=num, endpoint=endpoint,
                        axis=axis)
    # a zero end or ends of opposite signs have no geometric sequence between them: NaN there
    valid = (start.data != 0) & (xp.sign(start.data) == xp.sign(stop.data))
    signs = xp.where(valid, xp.sign(start.data), xp.nan).astype(work)
    if signs.ndim:
        signs = xp.expand_dims(signs, axis % (signs.ndim + 1))
    with xp.errstate(invalid="ignore"):
        out = multiply(exp(logs), signs)
    return cast(out, dtype) if dtype is not None else out


def empty(shape, dtype=None):
    """An array of `shape` whose values are not to be relied on (floatx by default).
    minikeras fills it with zeros, so results never depend on leftover memory."""
    return Tensor(xp.zeros(shape, dtype=dtype or config.floatx()))


@op
def empty_like(x, dtype=None):
    """An array shaped like `x` (of x's dtype unless `dtype` is given) whose values are not
    to be relied on; minikeras fills it with zeros. No gradient reaches `x`."""
    return Tensor(xp.zeros_like(convert_to_tensor(x).data, dtype=dtype))


@op
def view(x, dtype=None):
    """x's bytes read as `dtype` (`numpy.ndarray.view`): the same itemsize keeps the shape, a
    different one rescales the last axis (which must be contiguous and divide evenly). No
    gradient: the values are reinterpreted, not computed."""
    x = convert_to_tensor(x)
    if dtype is None:
        return Tensor(x.data.copy())
    dtype = xp.dtype(dtype)
    if dtype.itemsize != x.dtype.itemsize and (
            x.ndim == 0 or (x.shape[-1] * x.dtype.itemsize) % dtype.itemsize):
        raise ValueError(f"view: cannot view {x.dtype} of shape {x.shape} as {dtype}: the "
                         f"last axis' bytes must divide into {dtype.itemsize}-byte items.")
    return record(xp.ascontiguousarray(x.data).view(dtype), (), None)
