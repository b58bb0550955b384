"""UnitNormalization: scale each sample to unit L2 norm along the given axes."""
from minikeras.layers.layer import Layer
from minikeras.ops import maximum, multiply, reciprocal, sqrt, square, sum as reduce_sum
from minikeras.registry.layer_classes import register_layer

# Keras's floor: inputs whose norm is below it are multiplied by 1 / EPSILON instead.
EPSILON = 1e-12


@register_layer
class UnitNormalization(Layer):
    """outputs = x * min(1 / sqrt(sum(x**2, axis)), 1 / epsilon), with Keras's epsilon = 1e-12,
    so every sample has L2 norm 1 across `axis` (an all-zero sample stays zero). Shape unchanged.

    Args:
        axis: int or list/tuple of ints, the axes to normalize across (default -1, the features).
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f"Invalid value for `axis` argument: expected an int or a list/tuple "
                            f"of ints. Received: axis={axis}")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        self._check_axes(inputs.shape)
        axis = tuple(self.axis) if isinstance(self.axis, list) else self.axis
        square_sum = reduce_sum(square(inputs), axis=axis, keepdims=True)
        # min(rsqrt(s), 1/eps) == rsqrt(max(s, eps**2)); the max keeps zero rows' gradient finite.
        return multiply(inputs, reciprocal(sqrt(maximum(square_sum, EPSILON ** 2))))

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return input_shape

    def _check_axes(self, shape):
        rank = len(shape)
        for axis in (self.axis if isinstance(self.axis, list) else [self.axis]):
            if axis >= rank or axis < -rank:
                raise ValueError(f"Axis {self.axis} is out of bounds for input shape "
                                 f"{tuple(shape)}.")

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
