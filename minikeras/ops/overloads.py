"""Python operators (+ - * / @ ** [] < ...) on `Tensor` and `KerasTensor` call the ops.

On a Tensor they run the undecorated op (`fn.eager`: no symbolic check on this hot path); on a
KerasTensor the public op, which records a graph node (`inputs / 255.0` is Keras's TrueDivide).
The backend classes get their operators here because ops sit above the backend.
"""
from minikeras.backend.autodiff import Tensor
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.ops import linalg, manipulation as shape, math, reduction


def _swap(fn):
    return lambda self, other: fn(other, self)


def install():
    _install_eager()
    _install_symbolic()


def _install_eager():
    add, subtract, multiply = math.add.eager, math.subtract.eager, math.multiply.eager
    divide, floor_divide, mod, power = (math.divide.eager, math.floor_divide.eager,
                                        math.mod.eager, math.power.eager)
    matmul = linalg.matmul.eager
    Tensor.__add__ = add
    Tensor.__radd__ = _swap(add)
    Tensor.__sub__ = subtract
    Tensor.__rsub__ = _swap(subtract)
    Tensor.__mul__ = multiply
    Tensor.__rmul__ = _swap(multiply)
    Tensor.__truediv__ = divide
    Tensor.__rtruediv__ = _swap(divide)
    Tensor.__floordiv__ = floor_divide
    Tensor.__rfloordiv__ = _swap(floor_divide)
    Tensor.__mod__ = mod
    Tensor.__rmod__ = _swap(mod)
    Tensor.__pow__ = power
    Tensor.__rpow__ = _swap(power)
    Tensor.__matmul__ = matmul
    Tensor.__rmatmul__ = _swap(matmul)
    Tensor.__neg__ = math.negative.eager
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = math.abs.eager
    Tensor.__getitem__ = shape.getitem.eager
    Tensor.__lt__ = math.less.eager
    Tensor.__le__ = math.less_equal.eager
    Tensor.__gt__ = math.greater.eager
    Tensor.__ge__ = math.greater_equal.eager
    Tensor.__and__ = math.logical_and.eager
    Tensor.__or__ = math.logical_or.eager
    Tensor.__invert__ = math.logical_not.eager
    # eq/ne stay identity-based so Tensors remain usable as dict keys and in `in` checks.
    Tensor.__hash__ = object.__hash__
    Tensor.T = property(lambda self: shape.transpose.eager(self))
    Tensor.reshape = lambda self, *new_shape: shape.reshape.eager(
        self, new_shape[0] if len(new_shape) == 1 else new_shape)
    Tensor.sum = lambda self, axis=None, keepdims=False: reduction.sum.eager(self, axis, keepdims)
    Tensor.mean = lambda self, axis=None, keepdims=False: reduction.mean.eager(self, axis, keepdims)
    Tensor.astype = lambda self, dtype: shape.convert_to_tensor(self, dtype)


def _install_symbolic():
    """Keras's KerasTensor operators. == and != stay identity-based (KerasTensors are dict keys)."""
    for name, fn in (("add", math.add), ("sub", math.subtract), ("mul", math.multiply),
                     ("truediv", math.true_divide), ("floordiv", math.floor_divide),
                     ("mod", math.mod), ("pow", math.power), ("matmul", linalg.matmul)):
        setattr(KerasTensor, f"__{name}__", fn)
        setattr(KerasTensor, f"__r{name}__", _swap(fn))
    KerasTensor.__lt__ = math.less
    KerasTensor.__le__ = math.less_equal
    KerasTensor.__gt__ = math.greater
    KerasTensor.__ge__ = math.greater_equal
    KerasTensor.__neg__ = math.negative
    KerasTensor.__abs__ = math.absolute
    KerasTensor.__getitem__ = shape.getitem
