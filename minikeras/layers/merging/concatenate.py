"""Concatenate: join a list of tensors along one axis."""
from minikeras import ops
from minikeras.layers.merging.base_merge import Merge, expand_mask, is_shape_list
from minikeras.registry.layer_classes import register_layer


@register_layer
class Concatenate(Merge):
    """Join a list of tensors along `axis`.

    All inputs must have the same rank and the same sizes on every axis but `axis` (None, an
    unknown size, matches anything). E.g. (batch, 3, 4) and (batch, 3, 5) with axis=-1 give
    (batch, 3, 9); (batch, 2, 4) and (batch, 5, 4) with axis=1 give (batch, 7, 4).

    Masks (Keras's rule): each input's mask (or all-True for an unmasked input) is broadcast to
    the input's shape, the masks are concatenated along `axis` like the values, and the result is
    reduced with `any` over the last axis. So with (batch, steps, features) inputs, axis=-1 ORs
    the step masks and axis=1 joins them into one (batch, steps1 + steps2) mask.

    Args:
        axis: the axis to join along (default -1, the last one; the batch axis 0 is allowed).
        **kwargs: standard layer keyword arguments.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def _check_shapes(self, input_shape):
        """Raise unless the shapes agree on every axis but `axis` (None matches anything)."""
        if not is_shape_list(input_shape):
            raise self._error(f"A `Concatenate` layer should be called on a list of at least 1 "
                              f"input. Received: input_shape={input_shape}")
        shapes = [tuple(s) for s in input_shape]
        message = (f"A `Concatenate` layer requires inputs with matching shapes except for the "
                   f"concatenation axis. Received: input_shape={shapes}")
        rank = len(shapes[0])
        if any(len(s) != rank for s in shapes):
            raise self._error(f"{message} (the inputs' ranks differ)")
        if not -rank <= self.axis < rank:
            raise self._error(f"axis={self.axis} is out of bounds for inputs of rank {rank}. "
                              f"Received: input_shape={shapes}")
        axis = self.axis % rank
        for i in range(rank):
            sizes = {s[i] for s in shapes} - {None}
            if i != axis and len(sizes) > 1:
                raise self._error(f"{message} (axis {i} has sizes {sorted(sizes)})")

    def compute_output_shape(self, input_shape):
        """The first input's shape, with the sizes along `axis` summed (None if any is None)."""
        self._check_shapes(input_shape)
        output = list(input_shape[0])
        sizes = [s[self.axis] for s in input_shape]
        output[self.axis] = None if None in sizes else sum(sizes)
        return tuple(output)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise self._error(f"A `Concatenate` layer should be called on a list of inputs. "
                              f"Received: a single tensor of shape {tuple(inputs.shape)}")
        self._check_shapes([tuple(x.shape) for x in inputs])
        return ops.concatenate(list(inputs), axis=self.axis)

    def compute_mask(self, inputs, mask=None):
        mask = self._mask_list(inputs, mask)
        if mask is None or all(m is None for m in mask):
            return None
        full_masks = [ops.ones_like(x, dtype="bool") if m is None else expand_mask(m, x)
                      for x, m in zip(inputs, mask)]
        return ops.any(ops.concatenate(full_masks, axis=self.axis), axis=-1)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of `Concatenate`: `concatenate([x1, x2], axis)` through a layer."""
    return Concatenate(axis=axis, **kwargs)(inputs)
