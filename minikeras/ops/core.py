"""Helpers every op uses: turning inputs into Tensors and summing broadcast gradients back."""
from numbers import Number

import numpy

from minikeras.backend import config
from minikeras.backend.array_module import is_device_array, xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.ops.symbolic import op, symbolic_op


def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """A Tensor for `x` (Tensor, array, list or Python number); Tensors pass through untouched.

    Python floats, alone or in (nested) lists, become `floatx()` (not float64) like in Keras, so
    that they never upcast float32 models. minikeras has no sparse or ragged tensors: asking for
    one (sparse=True / ragged=True) raises. On a KerasTensor it records a ConvertToTensor node,
    as Keras does.
    """
    if sparse or ragged:
        raise ValueError(f"convert_to_tensor: minikeras has no sparse or ragged tensors; "
                         f"received sparse={sparse!r}, ragged={ragged!r}.")
    if isinstance(x, Tensor):
        if dtype is not None and x.dtype != dtype:
            return cast(x, dtype)
        return x
    if isinstance(x, KerasTensor):
        return symbolic_op("convert_to_tensor", (x,), {} if dtype is None else {"dtype": dtype})
    if dtype is None and (type(x) is float or _python_floats(x)):
        dtype = config.floatx()
    return Tensor(xp.asarray(x, dtype=dtype))


# registered as the op "convert_to_tensor" (its graph node) while staying a plain function: it
# runs on every op's every argument, so it skips the dispatcher's scan
op(convert_to_tensor)
convert_to_tensor.eager = convert_to_tensor
convert_to_tensor.op_name = "convert_to_tensor"


def _python_floats(x):
    """True for a non-empty (nested) list/tuple of plain Python numbers with at least one float."""
    if not isinstance(x, (list, tuple)) or not x:
        return False
    found_float = False
    stack = list(x)
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif type(item) is float:
            found_float = True
        elif type(item) not in (int, bool):
            return False
    return found_float


def pair(a, b):
    """Convert two operands, letting a Python number take the dtype of the other operand.

    As in Keras, an integer or bool operand meeting a float one takes the float's dtype
    (NumPy would turn int64 + float32 into float64).
    """
    if isinstance(a, Number) and not isinstance(b, Number):
        b = convert_to_tensor(b)
        a = Tensor(xp.asarray(a, dtype=_scalar_dtype(a, b.dtype)))
    elif isinstance(b, Number) and not isinstance(a, Number):
        a = convert_to_tensor(a)
        b = Tensor(xp.asarray(b, dtype=_scalar_dtype(b, a.dtype)))
    else:
        a, b = convert_to_tensor(a), convert_to_tensor(b)
    a_float, b_float = a.dtype.kind in "fc", b.dtype.kind in "fc"
    if a_float and not b_float:
        b = cast(b, a.dtype)
    elif b_float and not a_float:
        a = cast(a, b.dtype)
    return a, b


def _scalar_dtype(number, other_dtype):
    if xp.issubdtype(other_dtype, xp.floating) or xp.issubdtype(other_dtype, xp.complexfloating):
        return other_dtype
    if isinstance(number, float):
        return config.floatx()
    if isinstance(number, bool):
        return other_dtype
    return other_dtype if xp.issubdtype(other_dtype, xp.integer) else None


def unbroadcast(grad, shape):
    """Sum `grad` over the axes that broadcasting added or stretched, giving it `shape`."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad.reshape(shape)


def normalize_axis(axis, ndim):
    """A tuple of non-negative axes (all axes when None)."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    return tuple(a % ndim if ndim else 0 for a in axis)


@op
def cast(x, dtype):
    """Change the dtype; the gradient is cast back to the input's dtype."""
    from minikeras.backend.autodiff import record
    x = convert_to_tensor(x)
    dtype = xp.dtype(dtype)
    if x.dtype == dtype:
        return x
    source_dtype = x.dtype
    differentiable = xp.issubdtype(dtype, xp.floating) and xp.issubdtype(source_dtype, xp.floating)
    out = record(x.data.astype(dtype), (x,) if differentiable else (),
                 lambda g: (g.astype(source_dtype),))
    return out


def convert_to_float_tensor(x):
    """x as a float Tensor: Tensors of a float dtype pass through, integer or boolean data
    becomes floatx() (Keras's upcast for ops that only make sense on floats)."""
    x = convert_to_tensor(x)
    if not xp.issubdtype(x.dtype, xp.floating):
        x = cast(x, config.floatx())
    return x


@op
def stop_gradient(variable):
    """The same values with no gradient flowing back to `variable` (Keras's stop_gradient)."""
    return Tensor(convert_to_tensor(variable).data)


def convert_to_numpy(x):
    """`x` (Tensor, Variable, array, list or number) as a NumPy array (a copy off the GPU).

    Python values convert as NumPy converts them (Python floats -> float64), as Keras's NumPy
    backend does; a symbolic KerasTensor has no values and raises."""
    from minikeras.backend.array_module import to_numpy
    from minikeras.backend.keras_tensor import KerasTensor
    if isinstance(x, KerasTensor):
        raise ValueError("convert_to_numpy: a symbolic tensor (the result of applying an "
                         "operation to a `keras.Input`) has no values to convert.")
    if isinstance(x, Tensor):
        return to_numpy(x.data)
    return numpy.array(to_numpy(x) if is_device_array(x) else x)
