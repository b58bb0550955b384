"""RMSNormalization: scale each sample by the inverse root mean square of its features."""
from minikeras import ops
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class RMSNormalization(Layer):
    """outputs = x / sqrt(mean(x**2 over `axis`) + epsilon) * scale (Zhang & Sennrich, 2019):
    like LayerNormalization without centering and without a beta. Shape unchanged.

    Weight: `scale` (ones), shaped like the input's sizes on the sorted `axis`.

    Args:
        axis: int or list/tuple of ints (-1). After `build` it is a sorted list, as in Keras.
        epsilon: added to the mean square (1e-6).
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.epsilon = epsilon
        self.scale = None

    def _axes(self):
        return list(self.axis) if isinstance(self.axis, (list, tuple)) else [self.axis]

    def _check_axes(self, input_shape):
        rank = len(input_shape)
        for axis in self._axes():
            if not -rank <= axis < rank:
                raise ValueError(f"RMSNormalization {self.name!r}: axis {axis} is out of bounds "
                                 f"for input shape {tuple(input_shape)}. "
                                 f"Received: axis={self.axis}")

    def build(self, input_shape):
        self._check_axes(input_shape)
        self.axis = sorted(self._axes())
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f"RMSNormalization {self.name!r}: the normalized axes {self.axis} "
                             f"need known sizes. Received input shape {tuple(input_shape)}.")
        self.scale = self.add_weight(name="scale", shape=shape, initializer="ones")
        self.built = True

    def call(self, inputs):
        axes = tuple(self.axis)
        mean_square = ops.mean(ops.square(inputs), axis=axes, keepdims=True)
        normalized = inputs / ops.sqrt(mean_square + self.epsilon)
        rank = len(inputs.shape)
        positive = [a % rank for a in axes]
        # scale holds the sizes of the normalized axes only: give it size-1 axes elsewhere
        broadcast = [inputs.shape[a] if a in positive else 1 for a in range(rank)]
        return normalized * ops.reshape(self.scale, broadcast)

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
