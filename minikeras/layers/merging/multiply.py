"""Multiply: the elementwise product of a list of tensors."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge, expand_mask
from minikeras.registry.layer_classes import register_layer


@register_layer
class Multiply(Merge):
    """outputs = inputs[0] * inputs[1] * ..., elementwise.

    Takes a list of tensors of the same (or broadcast-compatible) shape, e.g. a (batch, 8)
    tensor and a (batch, 1) gate, and returns one (batch, 8) tensor.

    Masks (of shape (batch, steps) for (batch, steps, ...) inputs), as in Keras: a masked-out
    value counts as 1, so it does not change the product; when every input has a mask, the steps
    masked out in all of them are set to 0.
    """

    def _merge_function(self, inputs, masks):
        every_input_masked = all(m is not None for m in masks)
        output = output_mask = None
        for x, mask in zip(inputs, masks):
            mask = expand_mask(mask, x)
            if mask is not None:
                x = ops.where(mask, x, 1)
                if every_input_masked:
                    output_mask = mask if output_mask is None else ops.logical_or(output_mask, mask)
            output = x if output is None else ops.multiply(output, x)
        if every_input_masked:
            output = ops.where(output_mask, output, 0)
        return output


def multiply(inputs, **kwargs):
    """Functional form of `Multiply`: `multiply([x1, x2, ...])` through a `Multiply` layer."""
    return Multiply(**kwargs)(inputs)
