"""Maximum: the elementwise maximum of a list of tensors."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge
from minikeras.registry.layer_classes import register_layer


@register_layer
class Maximum(Merge):
    """outputs = max(inputs[0], inputs[1], ...), elementwise.

    Takes a list of tensors of the same (or broadcast-compatible) shape, e.g. two
    (batch, steps, 8) tensors, and returns one (batch, steps, 8) tensor. With masked inputs
    (masks of shape (batch, steps)) a masked-out step never wins over an unmasked one, as in
    Keras. The gradient flows to the input that won (to the earlier one on ties).
    """

    def _merge_function(self, inputs, masks):
        return self._merge_with_masks(ops.maximum, inputs, masks)


def maximum(inputs, **kwargs):
    """Functional form of `Maximum`: `maximum([x1, x2, ...])` through a `Maximum` layer."""
    return Maximum(**kwargs)(inputs)
