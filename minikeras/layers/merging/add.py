"""Add: the elementwise sum of a list of tensors."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge
from minikeras.registry.layer_classes import register_layer


@register_layer
class Add(Merge):
    """outputs = inputs[0] + inputs[1] + ...

    Takes a list of tensors of the same (or broadcast-compatible) shape, e.g. two (batch, 8)
    tensors, and returns one tensor of the broadcast shape, here (batch, 8). Typical use: the
    skip connection of a residual block, `add([x, block(x)])`.
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return output


def add(inputs, **kwargs):
    """Functional form of `Add`: `add([x1, x2, ...])` builds `Add(**kwargs)` and calls it."""
    return Add(**kwargs)(inputs)
