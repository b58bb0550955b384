"""Where a tensor's Keras mask is kept: `get_keras_mask` / `set_keras_mask`, as in Keras 3.

A mask is a boolean array shaped like the tensor's leading axes, e.g. (batch, timesteps) for a
(batch, timesteps, features) sequence: False marks padding that masking-aware layers (RNNs,
attention, pooling, losses) skip. It belongs to the layer API, not to the autodiff core, so it
lives here: attached from outside as the attribute `_keras_mask`, the name Keras 3 uses and
users read (`outputs._keras_mask`). The core only knows that the attribute reads as None on a
tensor that never got a mask (`autodiff.register_tensor_attribute`).

An attribute rather than a side table keyed by tensor (Keras falls back to one only for
tensor types that refuse attributes): the mask lives and dies with its tensor, with no weak
references to clean up and no ids to be reused, and a WeakKeyDictionary would compare tensors
with `==`, which is elementwise for Tensors.
"""
from minikeras.backend.autodiff import register_tensor_attribute

MASK_ATTRIBUTE = "_keras_mask"
register_tensor_attribute(MASK_ATTRIBUTE)


def get_keras_mask(x):
    """The mask attached to `x`, or None (also for arrays, numbers and None)."""
    return getattr(x, MASK_ATTRIBUTE, None)


def set_keras_mask(x, mask):
    """Attach `mask` (an array or Tensor of booleans, or None to clear it) to the tensor `x`."""
    setattr(x, MASK_ATTRIBUTE, mask)
