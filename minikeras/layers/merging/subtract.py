"""Subtract: the difference of exactly two tensors."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge
from minikeras.registry.layer_classes import register_layer


@register_layer
class Subtract(Merge):
    """outputs = inputs[0] - inputs[1].

    Takes a list of exactly 2 tensors of the same (or broadcast-compatible) shape, e.g. two
    (batch, 8) tensors, and returns one (batch, 8) tensor.
    """

    def compute_output_shape(self, input_shape):
        self._check_input_list(input_shape)
        if len(input_shape) != 2:
            raise self._error(f"A `Subtract` layer should be called on exactly 2 inputs. "
                              f"Received: input_shape={input_shape}")
        return super().compute_output_shape(input_shape)

    def _merge_function(self, inputs, masks):
        return ops.subtract(inputs[0], inputs[1])


def subtract(inputs, **kwargs):
    """Functional form of `Subtract`: `subtract([x1, x2])` = x1 - x2 through a `Subtract` layer."""
    return Subtract(**kwargs)(inputs)
