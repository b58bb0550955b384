"""Dot: the dot product of two tensors, sample by sample, along one axis of each."""
import math

from minikeras import ops
from minikeras.backend import config
from minikeras.layers.merging.base_merge import Merge
from minikeras.registry.layer_classes import register_layer


def l2_normalize(x, axis):
    """x / ||x|| along `axis`, as Keras: x * min(1 / sqrt(sum(x**2)), 1 / epsilon), epsilon=1e-7.

    Written as x / sqrt(max(sum(x**2), epsilon**2)), the same numbers, so an all-zero slice
    stays zero and its gradient stays finite.
    """
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return ops.multiply(x, ops.reciprocal(ops.sqrt(ops.maximum(square_sum, config.epsilon() ** 2))))


def batch_dot(x, y, axes):
    """Per-sample dot product of x and y over x's axis axes[0] and y's axis axes[1] (both > 0).

    Shapes: x (batch, *x_rest, n) with n at axes[0], y (batch, *y_rest, n) with n at axes[1]
    -> (batch, *x_rest, *y_rest), where x_rest / y_rest are the axes not summed over; a result
    with only the batch axis left is returned as (batch, 1), like Keras's `batch_dot`.
    E.g. (b, n) . (b, n) -> (b, 1); (b, m, n) . (b, n, k) with axes (2, 1) -> (b, m, k).

    How: move the summed axes to where a batched matmul wants them, fold the other axes into
    one, do (b, X, n) @ (b, n, Y) and unfold (b, X, Y) again; each step is a differentiable op.
    """
    x = ops.moveaxis(x, axes[0], -1)      # (batch, *x_rest, n)
    y = ops.moveaxis(y, axes[1], 1)       # (batch, n, *y_rest)
    batch, n = x.shape[0], x.shape[-1]
    x_rest, y_rest = x.shape[1:-1], y.shape[2:]
    product = ops.matmul(ops.reshape(x, (batch, math.prod(x_rest), n)),
                         ops.reshape(y, (batch, n, math.prod(y_rest))))
    return ops.reshape(product, (batch,) + (tuple(x_rest) + tuple(y_rest) or (1,)))


@register_layer
class Dot(Merge):
    """The dot product of two tensors, sample by sample, summed over `axes`.

    For inputs x of shape (batch, *a) and y of shape (batch, *b), the output drops the summed
    axis from each and keeps the rest: (batch, *a without axes[0], *b without axes[1]), or
    (batch, 1) when nothing else is left. E.g. (batch, 8) . (batch, 8) -> (batch, 1);
    (batch, 3, 5) . (batch, 10, 3) with axes=(1, 2) -> (batch, 5, 10).

    Args:
        axes: int, or a pair of ints (one axis of the first input, one of the second). Negative
            values count from the end of each input. The two axes must have the same size; the
            batch axis 0 cannot be one of them.
        normalize: if True, L2-normalize each input along its axis first, so the output is the
            cosine similarity of the two samples.
        **kwargs: standard layer keyword arguments.
    """

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(f"Invalid type for argument `axes`: it should be a list or an "
                                f"int. Received: axes={axes}")
            if len(axes) != 2:
                raise ValueError(f"Invalid format for argument `axes`: it should contain two "
                                 f"elements. Received: axes={axes}")
            if not all(isinstance(a, int) for a in axes):
                raise ValueError(f"Invalid format for argument `axes`: list elements should be "
                                 f"integers. Received: axes={axes}")
        self.axes = axes
        self.normalize = normalize

    def _axes_for(self, input_shape):
        """Check the two shapes and return the two summed axes as non-negative ints."""
        if not isinstance(input_shape, (list, tuple)) or len(input_shape) != 2 or not all(
                isinstance(s, (list, tuple)) for s in input_shape):
            raise self._error(f"A `Dot` layer should be called on a list of 2 inputs. "
                              f"Received: input_shape={input_shape}")
        shape1, shape2 = (tuple(s) for s in input_shape)
        if len(shape1) < 2 or len(shape2) < 2:
            raise self._error(f"Cannot do batch_dot on inputs with rank < 2. Received inputs "
                              f"with shapes {shape1} and {shape2}.")
        if None not in (shape1[0], shape2[0]) and shape1[0] != shape2[0]:
            raise self._error(f"Cannot do batch_dot on inputs with different batch sizes. "
                              f"Received inputs with shapes {shape1} and {shape2}.")
        pair = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        axes = []
        for axis, shape in zip(pair, (shape1, shape2)):
            if not -len(shape) <= axis < len(shape):
                raise self._error(f"axes={self.axes} is out of bounds for input shapes "
                                  f"{shape1} and {shape2}.")
            axes.append(axis % len(shape))
        if 0 in axes:
            raise self._error(f"Cannot perform batch_dot over axis 0 (the batch axis). "
                              f"Received: axes={self.axes}, input shapes {shape1} and {shape2}.")
        size1, size2 = shape1[axes[0]], shape2[axes[1]]
        if None not in (size1, size2) and size1 != size2:
            raise self._error(f"Incompatible input shapes: axis values {size1} (at axis "
                              f"{axes[0]}) != {size2} (at axis {axes[1]}). Full input shapes: "
                              f"{shape1}, {shape2}")
        return axes

    def compute_output_shape(self, input_shape):
        axes = self._axes_for(input_shape)
        shape1, shape2 = list(input_shape[0]), list(input_shape[1])
        del shape1[axes[0]]
        del shape2[axes[1]]
        output = shape1 + shape2[1:]
        return tuple(output if len(output) > 1 else output + [1])

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise self._error(f"A `Dot` layer should be called on a list of 2 inputs. "
                              f"Received: a single tensor of shape {tuple(inputs.shape)}")
        axes = self._axes_for([tuple(x.shape) for x in inputs])
        x1, x2 = inputs
        if self.normalize:
            x1, x2 = l2_normalize(x1, axes[0]), l2_normalize(x2, axes[1])
        return batch_dot(x1, x2, axes)

    def compute_mask(self, inputs, mask=None):
        """As in Keras, the output of `Dot` carries no mask."""
        return None

    def get_config(self):
        # a pair as a list, what JSON gives back, so that the config survives a round trip
        axes = self.axes if isinstance(self.axes, int) else list(self.axes)
        return {**super().get_config(), "axes": axes, "normalize": self.normalize}


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of `Dot`: `dot([x1, x2], axes)` through a `Dot(axes, normalize)` layer."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
