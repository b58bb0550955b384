"""Making and copying tensors and asking about them: array, copy, saturate_cast, and ndim,
size, dtype, is_tensor.

`ndim`, `dtype` and `is_tensor` answer at once, also for a KerasTensor (no graph node, like
`ops.shape`); `size` is an op (an int32 scalar) as in Keras.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.backend.dtypes import standardize_dtype
from minikeras.ops.core import cast, convert_to_tensor
from minikeras.ops.symbolic import op


@op
def array(x, dtype=None):
    """`x` (array, list, number or Tensor) as a Tensor of `dtype`; without one, Python floats
    give floatx() and Python ints int32, as in Keras. Floats keep their gradient."""
    if dtype is not None:
        return convert_to_tensor(x, standardize_dtype(dtype))
    if isinstance(x, Tensor):
        return x
    out = convert_to_tensor(x)
    if out.dtype == xp.int64 and not hasattr(x, "dtype"):
        out = cast(out, "int32")
    return out


@op
def copy(x):
    """A Tensor with a copy of x's values (same dtype); the gradient passes through unchanged."""
    x = convert_to_tensor(x)
    differentiable = x.dtype.kind == "f"
    return record(x.data.copy(), (x,) if differentiable else (), lambda g: (g,))


def ndim(x):
    """The number of dimensions of x (a Python int), a KerasTensor's too."""
    known = getattr(x, "ndim", None)
    return int(known) if isinstance(known, int) else convert_to_tensor(x).ndim


@op
def size(x):
    """The number of elements of x, as an int32 scalar Tensor."""
    return record(xp.asarray(convert_to_tensor(x).size, dtype=xp.int32), (), None)


def dtype(x):
    """The Keras name of x's dtype ("float32", "int32", ...), a KerasTensor's too."""
    known = getattr(x, "dtype", None)
    return standardize_dtype(known if known is not None else convert_to_tensor(x).dtype)


def is_tensor(x):
    """Whether x is a minikeras Tensor (a Variable included); arrays, numbers and symbolic
    KerasTensors are not."""
    return isinstance(x, Tensor)


def _saturation_bounds(source, target):
    """The (low, high) that values of dtype `source` are clipped to before casting to `target`:
    `target`'s range, made representable in `source` (never rounding past it)."""
    info = xp.iinfo(target) if target.kind in "iu" else xp.finfo(target)
    low, high = info.min, info.max
    if source.kind == "f":
        low_s, high_s = source.type(low), source.type(high)
        if float(high_s) > float(high):
            high_s = xp.nextafter(high_s, source.type(0))
        if float(low_s) < float(low):
            low_s = xp.nextafter(low_s, source.type(0))
        return low_s, high_s
    return low, high


@op(keras_module="keras.src.ops.core")
def saturate_cast(x, dtype):
    """Cast x to `dtype`, first clipping its values to the target's range (so 300.0 -> int8
    gives 127, not a wrapped value; NaN -> int gives 0). Float-to-float casts pass the
    gradient where the value was inside the range."""
    x = convert_to_tensor(x)
    target = xp.dtype(standardize_dtype(dtype))
    data = x.data
    if target.kind == "b" or data.dtype.kind == "b":
        return cast(x, target)
    if data.dtype.kind in "iu":
        data = data.astype(xp.int64) if data.dtype != xp.uint64 else data
        if target.kind in "iu":
            info = xp.iinfo(target)
            data = xp.clip(data, max(info.min, xp.iinfo(data.dtype).min),
                           min(info.max, xp.iinfo(data.dtype).max))
        return record(data.astype(target), (), None)
    low, high = _saturation_bounds(data.dtype, target)
    inside = (data >= low) & (data <= high)
    clipped = xp.clip(data, low, high)
    if target.kind in "iu":
        clipped = xp.where(xp.isnan(clipped), 0, clipped)
        return record(clipped.astype(target), (), None)
    source = data.dtype
    return record(clipped.astype(target), (x,), lambda g: ((g * inside).astype(source),))
