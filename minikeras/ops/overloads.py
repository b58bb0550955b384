"""Python operators on Tensor (+ - * / @ ** [] < ...) call the same differentiable ops."""
from minikeras.backend.autodiff import Tensor
from minikeras.ops import linalg, manipulation as shape, math, reduction


def _swap(fn):
    return lambda self, other: fn(other, self)


def install():
    Tensor.__add__ = math.add
    Tensor.__radd__ = _swap(math.add)
    Tensor.__sub__ = math.subtract
    Tensor.__rsub__ = _swap(math.subtract)
    Tensor.__mul__ = math.multiply
    Tensor.__rmul__ = _swap(math.multiply)
    Tensor.__truediv__ = math.divide
    Tensor.__rtruediv__ = _swap(math.divide)
    Tensor.__floordiv__ = math.floor_divide
    Tensor.__rfloordiv__ = _swap(math.floor_divide)
    Tensor.__mod__ = math.mod
    Tensor.__rmod__ = _swap(math.mod)
    Tensor.__pow__ = math.power
    Tensor.__rpow__ = _swap(math.power)
    Tensor.__matmul__ = linalg.matmul
    Tensor.__rmatmul__ = _swap(linalg.matmul)
    Tensor.__neg__ = math.negative
    Tensor.__pos__ = lambda self: self
    Tensor.__abs__ = math.abs
    Tensor.__getitem__ = shape.getitem
    Tensor.__lt__ = math.less
    Tensor.__le__ = math.less_equal
    Tensor.__gt__ = math.greater
    Tensor.__ge__ = math.greater_equal
    Tensor.__and__ = math.logical_and
    Tensor.__or__ = math.logical_or
    Tensor.__invert__ = math.logical_not
    # eq/ne stay identity-based so Tensors remain usable as dict keys and in `in` checks.
    Tensor.__hash__ = object.__hash__
    Tensor.T = property(lambda self: shape.transpose(self))
    Tensor.reshape = lambda self, *new_shape: shape.reshape(
        self, new_shape[0] if len(new_shape) == 1 else new_shape)
    Tensor.sum = lambda self, axis=None, keepdims=False: reduction.sum(self, axis, keepdims)
    Tensor.mean = lambda self, axis=None, keepdims=False: reduction.mean(self, axis, keepdims)
    Tensor.astype = lambda self, dtype: shape.convert_to_tensor(self, dtype)
