"""Average: the elementwise mean of a list of tensors."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge
from minikeras.registry.layer_classes import register_layer


@register_layer
class Average(Merge):
    """outputs = (inputs[0] + inputs[1] + ... + inputs[n-1]) / n.

    Takes a list of tensors of the same (or broadcast-compatible) shape, e.g. three
    (batch, 8) tensors, and returns one (batch, 8) tensor. Typical use: averaging the outputs of
    an ensemble of branches.
    """

    def _merge_function(self, inputs, masks):
        output = inputs[0]
        for x in inputs[1:]:
            output = ops.add(output, x)
        return ops.divide(output, len(inputs))


def average(inputs, **kwargs):
    """Functional form of `Average`: `average([x1, x2, ...])` through an `Average` layer."""
    return Average(**kwargs)(inputs)
