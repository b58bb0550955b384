"""`Merge`: the base of the layers that combine a list of tensors into one, elementwise.

Add, Subtract, Multiply, Average, Maximum and Minimum only differ in `_merge_function`; this base
checks the list of inputs, works out the broadcast output shape (Keras's rules, None = unknown
size), brings inputs of different ranks to one rank, and ORs the inputs' masks.

Broadcasting, as in Keras: the batch axis must agree; the other axes are aligned from the right
and each pair of sizes must be equal or one of them 1, so (batch, 3, 4) merges with (batch, 4)
(the shorter input gets size-1 axes inserted right after the batch axis) and with (batch, 1, 4).
"""
from minikeras import ops
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.layers.layer import Layer


def is_shape_list(input_shape):
    """Whether `input_shape` is a list/tuple of shapes (what a layer called on a list gets)."""
    return (isinstance(input_shape, (list, tuple)) and len(input_shape) > 0
            and all(isinstance(s, (list, tuple)) for s in input_shape))


def expand_mask(mask, x):
    """A (batch, steps) mask broadcast to the shape of `x` (batch, steps, ...), or None."""
    if mask is None:
        return None
    mask = ops.convert_to_tensor(mask)
    while mask.ndim < x.ndim:
        mask = ops.expand_dims(mask, -1)
    return ops.broadcast_to(mask, x.shape)


class Merge(Layer):
    """Base for the elementwise merge layers. Subclasses implement `_merge_function(inputs, masks)`.

    Call it on a list (or tuple) of at least one tensor, all with the same batch size and
    broadcast-compatible other axes. Output shape: the broadcast of the inputs' shapes.
    Output mask: the OR of the inputs' masks when every input has one, else no mask (Keras 3).

    Args:
        **kwargs: standard layer keyword arguments (name, dtype, trainable, ...).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    # -- checks and shapes ---------------------------------------------------------------------
    def _error(self, message):
        return ValueError(f"{type(self).__name__} layer {self.name!r}: {message}")

    def _check_input_list(self, input_shape):
        """Raise unless `input_shape` is a non-empty list of shapes."""
        if not isinstance(input_shape, (list, tuple)) or (
                input_shape and not is_shape_list(input_shape)):
            raise self._error(f"A merge layer should be called on a list of inputs. Received: "
                              f"input_shape={input_shape} (not a list of shapes)")
        if len(input_shape) < 1:
            raise self._error(f"A merge layer should be called on a list of at least 1 input. "
                              f"Received {len(input_shape)} inputs. Full input_shape received: "
                              f"{input_shape}")

    def _broadcast_shapes(self, shape1, shape2, input_shape):
        """Broadcast two shapes (batch axis excluded), right-aligned; None stays unknown."""
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        lead = len(shape1) - len(shape2)
        output = list(shape1[:lead])
        for i, j in zip(shape1[lead:], shape2):
            if i is None or j is None:
                output.append(None)
            elif i == 1 or j == 1:
                output.append(j if i == 1 else i)
            elif i == j:
                output.append(i)
            else:
                raise self._error(f"Inputs have incompatible shapes. Received shapes "
                                  f"{tuple(shape1)} and {tuple(shape2)} (batch axis left out; "
                                  f"all input shapes: {[tuple(s) for s in input_shape]})")
        return tuple(output)

    def compute_output_shape(self, input_shape):
        """Shape of the merged output for a list of input shapes (batch axis first)."""
        self._check_input_list(input_shape)
        batch_sizes = {s[0] for s in input_shape if len(s)} - {None}
        if len(batch_sizes) > 1:
            raise self._error(f"Cannot merge tensors with different batch sizes. Received "
                              f"tensors with shapes {[tuple(s) for s in input_shape]}")
        output = tuple(input_shape[0][1:])
        for shape in input_shape[1:]:
            output = self._broadcast_shapes(output, tuple(shape[1:]), input_shape)
        batch = batch_sizes.pop() if batch_sizes else None
        return (batch,) + output

    def compute_output_spec(self, inputs, *args, **kwargs):
        """The symbolic output for a list of symbolic inputs, by the shape formula above (so an
        unknown size stays unknown rather than being guessed from a trial call)."""
        if not isinstance(inputs, (list, tuple)):
            inputs = [inputs]  # compute_output_shape then explains what was expected
        return KerasTensor(self.compute_output_shape([tuple(x.shape) for x in inputs]),
                           self.dtype)

    def build(self, input_shape):
        """No weights: only validate the shapes (so bad inputs fail with a clear message)."""
        self.compute_output_shape(input_shape)
        self.built = True

    # -- computing -----------------------------------------------------------------------------
    def call(self, inputs, mask=None):
        """Merge `inputs` (a list of tensors); `mask` is their list of masks (or None)."""
        if not isinstance(inputs, (list, tuple)):
            raise self._error(f"A merge layer should be called on a list of inputs. Received: "
                              f"a single tensor of shape {tuple(inputs.shape)} (not a list of "
                              f"tensors)")
        self.compute_output_shape([tuple(x.shape) for x in inputs])
        masks = self._mask_list(inputs, mask) or [None] * len(inputs)
        ranks = [x.ndim for x in inputs]
        if len(set(ranks)) > 1:
            # Insert size-1 axes after the batch axis until every input has the top rank, so
            # NumPy's broadcasting aligns the non-batch axes from the right. As in Keras, the
            # mask of an input reshaped this way plays no part in the values (the output mask
            # still follows it).
            top = max(ranks)
            masks = [m if x.ndim == top else None for x, m in zip(inputs, masks)]
            inputs = [x if x.ndim == top else
                      ops.reshape(x, x.shape[:1] + (1,) * (top - x.ndim) + x.shape[1:])
                      for x in inputs]
        return self._merge_function(list(inputs), masks)

    def _merge_function(self, inputs, masks):
        """Combine same-rank tensors; `masks` holds each input's mask or None."""
        raise NotImplementedError

    def _merge_with_masks(self, op, inputs, masks):
        """Fold a binary `op` (maximum, minimum) over the inputs, skipping masked-out values.

        Keras's rule: where an input is masked out it takes the running result's value, and
        where the running result is masked out it takes the input's, so a masked-out step never
        wins over a real one. Without masks this is op(op(x0, x1), x2) ...
        """
        output, output_mask = inputs[0], expand_mask(masks[0], inputs[0])
        for x, mask in zip(inputs[1:], masks[1:]):
            mask = expand_mask(mask, x)
            if mask is not None:
                x = ops.where(mask, x, output)
            if output_mask is not None:
                output = ops.where(output_mask, output, x)
            output_mask = (ops.logical_or(output_mask, mask)
                           if mask is not None and output_mask is not None else None)
            output = op(output, x)
        return output

    # -- masks ---------------------------------------------------------------------------------
    def _mask_list(self, inputs, mask):
        """`mask` as a list with one mask (or None) per input, or None when there is no mask."""
        if mask is None:
            return None
        if not isinstance(mask, (list, tuple)):
            raise self._error(f"`mask` should be a list. Received: mask={mask}")
        if not isinstance(inputs, (list, tuple)):
            raise self._error(f"`inputs` should be a list. Received: inputs={inputs}")
        if len(mask) != len(inputs):
            raise self._error(f"The lists `inputs` and `mask` should have the same length. "
                              f"Received: {len(inputs)} inputs and {len(mask)} masks")
        return list(mask)

    def compute_mask(self, inputs, mask=None):
        """The OR of the inputs' masks when every input has one, else None (as Keras 3)."""
        mask = self._mask_list(inputs, mask)
        if mask is None or any(m is None for m in mask):
            return None
        output = mask[0]
        for m in mask[1:]:
            output = ops.logical_or(output, m)
        return output

