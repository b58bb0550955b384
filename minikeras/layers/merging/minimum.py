"""Minimum: the elementwise minimum of a list of tensors."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge
from minikeras.registry.layer_classes import register_layer


@register_layer
class Minimum(Merge):
    """outputs = min(inputs[0], inputs[1], ...), elementwise.

    Takes a list of tensors of the same (or broadcast-compatible) shape, e.g. two
    (batch, steps, 8) tensors, and returns one (batch, steps, 8) tensor. With masked inputs
    (masks of shape (batch, steps)) a masked-out step never wins over an unmasked one, as in
    Keras. The gradient flows to the input that won (to the earlier one on ties).
    """

    def _merge_function(self, inputs, masks):
        return self._merge_with_masks(ops.minimum, inputs, masks)


def minimum(inputs, **kwargs):
    """Functional form of `Minimum`: `minimum([x1, x2, ...])` through a `Minimum` layer."""
    return Minimum(**kwargs)(inputs)
