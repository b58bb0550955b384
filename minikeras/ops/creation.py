"""Ops that make new arrays (arange, eye, linspace, full, tri) or pick/mask a matrix's
triangles and diagonals (tril, triu, diag, diagonal).

dtypes follow Keras 3: a Python int counts as int32 and a Python float as `floatx()` (weak
types), so `arange(3)` is int32 and `arange(3.0)` is float32; `eye`, `identity`, `tri` and
`full` default to `floatx()`. Constructors without a tensor argument (`arange`, `eye`,
`identity`, `tri`, `full`) are plain functions, like `zeros` / `ones`: there is nothing
symbolic to record.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import convert_to_tensor, unbroadcast
from minikeras.ops.symbolic import op


def _weak_dtype(value):
    """The dtype Keras infers for one argument: its own for arrays/Tensors, a weak one for
    Python numbers (bool -> bool, int -> int32, float -> floatx)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None:
        return xp.dtype(dtype), False
    if isinstance(value, bool):
        return xp.dtype("bool"), True
    if isinstance(value, int):
        return xp.dtype("int32"), True
    return xp.dtype(config.floatx()), True


def _infer_dtype(*values):
    """Keras's `result_type` of the arguments: arrays decide, Python numbers only widen the
    kind (an int array with a Python float gives floatx)."""
    strong = [d for d, weak in map(_weak_dtype, values) if not weak]
    weak = [d for d, is_weak in map(_weak_dtype, values) if is_weak]
    dtype = xp.result_type(*strong) if strong else None
    for w in weak:
        if dtype is None:
            dtype = w
        elif w.kind == "f" and dtype.kind != "f":
            dtype = xp.dtype(config.floatx())
        elif w.kind in "iu" and dtype.kind == "b":
            dtype = w
    return dtype


def _host_number(value):
    """A Python/NumPy scalar argument (a Tensor's value) for the constructors."""
    return value.data.item() if isinstance(value, Tensor) else value


def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in [start, stop) with spacing `step` (`arange(stop)` starts at 0;
    `step=None` means 1, as in Keras).

    Shape: (ceil((stop - start) / step),). dtype: inferred from the arguments given when None
    (Python ints -> int32, any float -> floatx), as in Keras.
    """
    if dtype is None:
        dtype = _infer_dtype(*(v for v in (start, stop, step) if v is not None))
    if step is None:
        step = 1
    if step == 0:
        raise ValueError("arange: `step` must not be 0, received step=0.")
    start, stop, step = (_host_number(v) for v in (start, stop, step))
    if stop is None:
        start, stop = 0, start
    return Tensor(xp.arange(start, stop, step, dtype=dtype))


def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """An (N, M) matrix with ones on diagonal `k` (0: main, > 0: above), zeros elsewhere."""
    return Tensor(xp.eye(N, M, k=k, dtype=dtype or config.floatx()))


def identity(n, dtype=None):
    """The (n, n) identity matrix (floatx by default)."""
    return Tensor(xp.identity(n, dtype=dtype or config.floatx()))


def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's argument names
    """An (N, M) matrix with ones at and below diagonal `k`, zeros above (floatx by default)."""
    return Tensor(xp.tri(N, M, k=k, dtype=dtype or config.floatx()))


def full(shape, fill_value, dtype=None):
    """An array of `shape` filled with `fill_value` (floatx unless `dtype` says otherwise)."""
    fill_value = _host_number(fill_value)
    return Tensor(xp.full(shape, fill_value, dtype=dtype or config.floatx()))


@op
def full_like(x, fill_value, dtype=None):
    """An array shaped like `x` filled with `fill_value`, of x's dtype unless `dtype` is given.

    Only x's shape is used, so no gradient flows to it."""
    x = convert_to_tensor(x)
    return Tensor(xp.full_like(x.data, _host_number(fill_value), dtype=dtype))


@op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """`num` evenly spaced values from `start` to `stop` (included when `endpoint`).

    Array `start` / `stop` give one sequence per element, stacked along `axis`. dtype: floatx
    for Python numbers and integer arrays, the float dtype of float arrays (Keras's rule).
    `retstep=True` also returns the spacing. Differentiable in `start` and `stop`
    (out = start + t * (stop - start) with t fixed).
    """
    if num < 0:
        raise ValueError(f"linspace: `num` must be non-negative, received num={num}.")
    if dtype is None:
        dtype = _infer_dtype(start, stop, 1.0)
    dtype = xp.dtype(dtype)
    start_t, stop_t = convert_to_tensor(start), convert_to_tensor(stop)
    out, step = xp.linspace(start_t.data, stop_t.data, num=num, endpoint=endpoint, retstep=True,
                            dtype=dtype, axis=axis)
    out_ndim = out.ndim

    def vjp(g):
        # t[i] = i / (num - 1) (endpoint) or i / num, laid along `axis`
        steps = max(num - 1, 1) if endpoint else max(num, 1)
        t = (xp.arange(num, dtype=g.dtype) / steps).reshape(
            (num,) + (1,) * (out_ndim - 1))
        moved = xp.moveaxis(g, axis, 0)
        grads = []
        for tensor, weight in ((start_t, 1 - t), (stop_t, t)):
            grad = None
            if tensor.dtype.kind == "f":
                grad = unbroadcast((moved * weight).sum(axis=0), tensor.shape)
                grad = grad.astype(tensor.dtype, copy=False)
            grads.append(grad)
        return tuple(grads)
    differentiable = dtype.kind == "f"
    result = record(out, (start_t, stop_t) if differentiable else (), vjp)
    if retstep:
        return result, Tensor(xp.asarray(step, dtype=dtype))
    return result


def _matrix_operand(name, x):
    x = convert_to_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{name}: `x` must have at least 2 dimensions, received shape "
                         f"{x.shape}.")
    return x


@op
def tril(x, k=0):
    """The lower triangle of the last two axes of `x` (entries above diagonal `k` set to 0);
    the gradient keeps the same entries."""
    x = _matrix_operand("tril", x)
    mask = xp.tri(*x.shape[-2:], k=k, dtype=bool)
    return record(xp.where(mask, x.data, xp.zeros((), x.dtype)), (x,),
                  lambda g: (xp.where(mask, g, xp.zeros((), g.dtype)),))


@op
def triu(x, k=0):
    """The upper triangle of the last two axes of `x` (entries below diagonal `k` set to 0);
    the gradient keeps the same entries."""
    x = _matrix_operand("triu", x)
    mask = ~xp.tri(*x.shape[-2:], k=k - 1, dtype=bool)
    return record(xp.where(mask, x.data, xp.zeros((), x.dtype)), (x,),
                  lambda g: (xp.where(mask, g, xp.zeros((), g.dtype)),))


def _diagonal_positions(rows, cols, offset):
    """Row and column indices of diagonal `offset` of a (rows, cols) matrix."""
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    i = xp.arange(length)
    return i - min(offset, 0), i + max(offset, 0)


@op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """Diagonal `offset` of the matrices spanned by `axis1` and `axis2` (NumPy's rule: those
    axes are removed and the diagonal becomes the last axis). The gradient scatters back onto
    that diagonal."""
    x = _matrix_operand("diagonal", x)
    for arg, axis in (("axis1", axis1), ("axis2", axis2)):
        if not -x.ndim <= axis < x.ndim:
            raise ValueError(f"diagonal: `{arg}`={axis} is out of range for an input of rank "
                             f"{x.ndim} (shape {x.shape}).")
    if axis1 % x.ndim == axis2 % x.ndim:
        raise ValueError(f"diagonal: `axis1` and `axis2` must differ, received {axis1} and "
                         f"{axis2}.")
    out = xp.diagonal(x.data, offset=offset, axis1=axis1, axis2=axis2).copy()

    def vjp(g):
        grad = xp.zeros_like(x.data, dtype=g.dtype)
        view = xp.moveaxis(grad, (axis1, axis2), (-2, -1))
        rows, cols = _diagonal_positions(view.shape[-2], view.shape[-1], offset)
        view[..., rows, cols] = g
        return (grad,)
    return record(out, (x,), vjp)


@op
def diag(x, k=0):
    """1-D `x`: the square matrix with `x` on diagonal `k`; 2-D `x`: its diagonal `k`.

    Shapes: (n,) -> (n + |k|, n + |k|); (r, c) -> (length of diagonal k,)."""
    x = convert_to_tensor(x)
    if x.ndim == 1:
        out = xp.diag(x.data, k)
        return record(out, (x,), lambda g: (xp.diagonal(g, k).copy(),))
    if x.ndim == 2:
        return diagonal.eager(x, offset=k)
    raise ValueError(f"diag: `x` must be 1-D or 2-D, received shape {x.shape}.")


@op
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum of diagonal `offset` of the matrices spanned by `axis1` and `axis2`.

    Shape: x's shape without those two axes. dtype: x's, except that bool and small integers
    sum to int32 (Keras's rule; NumPy would give int64). The gradient is 1 on that diagonal.
    """
    from minikeras.ops.core import cast
    from minikeras.ops.reduction import sum as reduce_sum
    x = convert_to_tensor(x)
    out = reduce_sum(diagonal.eager(x, offset=offset, axis1=axis1, axis2=axis2), axis=-1)
    wanted = x.dtype if x.dtype.kind in "fc" or x.dtype in (
        xp.dtype("int64"), xp.dtype("uint32"), xp.dtype("uint64")) else xp.dtype("int32")
    return cast(out, wanted)
