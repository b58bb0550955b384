"""Permute: reorder the non-batch axes of the inputs."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import transpose
from minikeras.registry.layer_classes import register_layer


@register_layer
class Permute(Layer):
    """Transpose each sample's axes by `dims` (1-based: the batch axis 0 never moves).

    Permute((2, 1)) turns (batch, 10, 64) into (batch, 64, 10). Inputs must have
    len(dims) + 1 axes.

    Args:
        dims: a permutation of 1..len(dims).
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        try:
            dims = tuple(dims)
        except TypeError:
            raise TypeError(f"Permute: `dims` must be a tuple of integers starting from 1. "
                            f"Received dims={dims!r}") from None
        if (not all(isinstance(d, int) and not isinstance(d, bool) for d in dims)
                or sorted(dims) != list(range(1, len(dims) + 1))):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set of "
                             f"indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return transpose(inputs, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
