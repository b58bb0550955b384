"""Reshape: give each sample a new shape with the same number of values."""
import math

from minikeras.layers.layer import Layer
from minikeras.ops import reshape
from minikeras.registry.layer_classes import register_layer


@register_layer
class Reshape(Layer):
    """(batch, *input_dims) -> (batch, *target_shape), values in the same (row-major) order.

    Args:
        target_shape: tuple of sizes without the batch axis; one entry may be -1, inferred from
            the number of values per sample, e.g. Reshape((-1, 2)) turns (batch, 3, 4) into
            (batch, 6, 2).
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise TypeError(f"Reshape: `target_shape` must be a tuple of integers (without the "
                            f"batch axis). Received: target_shape={target_shape!r}") from None
        validate_target_shape(target_shape)
        self.target_shape = target_shape
        self.built = True

    def call(self, inputs):
        resolved = resolve_target_shape(tuple(inputs.shape[1:]), self.target_shape)
        return reshape(inputs, (inputs.shape[0],) + tuple(-1 if d is None else d for d in resolved))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + resolve_target_shape(tuple(input_shape[1:]), self.target_shape)

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}


def validate_target_shape(target_shape, name="target_shape"):
    """Each size is a non-negative int, None (unknown) or -1, with at most one -1."""
    for d in target_shape:
        if d is not None and (isinstance(d, bool) or not isinstance(d, int)):
            raise TypeError(f"Each dimension in `{name}` must be an integer. Received: "
                            f"{name}={target_shape}.")
        if d is not None and d < -1:
            raise ValueError(f"Each dimension in `{name}` must be a non-negative integer, or "
                             f"`-1` for a single unknown dimension. "
                             f"Received: {name}={target_shape}.")
    if target_shape.count(-1) > 1:
        raise ValueError(f"There must be at most one unknown dimension (-1) in `{name}`. "
                         f"Received: {name}={target_shape}.")


def resolve_target_shape(input_shape, target_shape, name="target_shape"):
    """`target_shape` with its -1 replaced by the inferred size (None when a size is unknown).

    `input_shape` excludes the batch axis. Raises Keras's ValueError when the sizes disagree.
    """
    if None in input_shape or None in target_shape:
        return tuple(None if d == -1 else d for d in target_shape)
    input_size = math.prod(input_shape)
    if -1 not in target_shape:
        if math.prod(target_shape) != input_size:
            raise ValueError(f"The total size of the tensor must be unchanged. Received: "
                             f"input_shape={input_shape}, {name}={target_shape}")
        return target_shape
    known = math.prod(d for d in target_shape if d != -1)
    if known == 0 or input_size % known != 0:
        raise ValueError(f"The total size of the tensor must be unchanged, however, the input "
                         f"size cannot by divided by the specified dimensions in {name}. "
                         f"Received: input_shape={input_shape}, {name}={target_shape}")
    return tuple(input_size // known if d == -1 else d for d in target_shape)
