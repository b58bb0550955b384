"""Softmax: exp(x) / sum(exp(x)) over an axis, as a layer that honours a mask."""
from minikeras import activations, ops
from minikeras.backend import standardize_dtype
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


def _large_negative(dtype):
    """What masked logits become: -1e9, or -3e4 where float16 cannot hold -1e9."""
    return -3e4 if standardize_dtype(dtype) == "float16" else -1e9


@register_layer
class Softmax(Layer):
    """Softmax along `axis` (an int, or a list/tuple of ints: normalized over all of them).

    With a `mask` (broadcastable to the inputs; bool, or numbers where > 0.5 means keep), the
    masked logits are replaced by a large negative number before the softmax, and the masked
    outputs are set to 0 afterwards, so an entirely masked row gives zeros, not a uniform row.
    Shape unchanged.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis
        self.supports_masking = True
        self.built = True

    def _check_mask(self, inputs, mask):
        in_shape, m_shape = tuple(inputs.shape), tuple(mask.shape)
        fits = len(m_shape) <= len(in_shape) and all(
            m is None or i is None or m in (1, i)
            for m, i in zip(m_shape[::-1], in_shape[::-1]))
        if not fits:
            raise ValueError(f"Softmax {self.name!r}: the `mask` must be broadcastable to the "
                             f"inputs (no more axes, each mask size 1 or the input's size). "
                             f"Received: inputs.shape={in_shape}, mask.shape={m_shape}")

    def call(self, inputs, mask=None):
        if mask is not None:
            self._check_mask(inputs, mask)
            if standardize_dtype(mask.dtype) != "bool":
                mask = ops.greater(mask, 0.5)
            inputs = ops.where(mask, inputs, _large_negative(inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            axis = tuple(self.axis)
            outputs = ops.exp(inputs - ops.logsumexp(inputs, axis=axis, keepdims=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = activations.softmax(inputs, axis=axis)
        if mask is not None:
            outputs = ops.where(mask, outputs, 0.0)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
