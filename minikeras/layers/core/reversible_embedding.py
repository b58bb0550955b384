"""ReversibleEmbedding: an Embedding that can also project back from vectors to vocabulary
logits, as language models do with tied input/output embeddings (Press & Wolf, 2016).

    layer(ids)                   (batch, ...) ints -> (batch, ..., output_dim), like Embedding
    layer(h, reverse=True)       (batch, ..., output_dim) -> (batch, ..., input_dim) logits
                                 = h @ embeddings.T (tie_weights=True, the default)
                                 = h @ reverse_embeddings (tie_weights=False: its own
                                   (output_dim, input_dim) weight, after `embeddings`)

With `logit_soft_cap` the logits become cap * tanh(logits / cap); with `reverse_dtype` the
reverse product runs in that dtype. No bias. Quantized modes (int8 / int4) are not supported.
"""
from minikeras import ops
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.backend.masking import set_keras_mask
from minikeras.layers.core.embedding import Embedding
from minikeras.registry.layer_classes import register_layer


@register_layer
class ReversibleEmbedding(Embedding):
    """Embedding with a reverse projection: `call(inputs, reverse=False)`.

    Args:
        input_dim: size of the vocabulary (largest index + 1).
        output_dim: size of each vector.
        tie_weights: the reverse projection uses the transposed `embeddings` (True, default)
            or a separate trainable `reverse_embeddings` (output_dim, input_dim).
        embeddings_initializer ('uniform'), embeddings_regularizer, embeddings_constraint,
        mask_zero: as for `Embedding` (the reverse projection carries no mask).
        reverse_dtype: dtype of the reverse product (default: the layer's dtype).
        logit_soft_cap: None or a float: reverse logits -> cap * tanh(logits / cap).
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        self.tie_weights = tie_weights
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                shape=(self.output_dim, self.input_dim), initializer=self.embeddings_initializer,
                name="reverse_embeddings", trainable=True)

    def call(self, inputs, reverse=False):
        if not reverse:
            outputs = super().call(inputs)
            mask = super().compute_mask(inputs)
            if mask is not None:
                set_keras_mask(outputs, mask)
            return outputs
        if inputs.ndim == 0 or inputs.shape[-1] != self.output_dim:
            raise ValueError(f"ReversibleEmbedding layer {self.name!r}: with reverse=True the "
                             f"inputs' last axis must be output_dim={self.output_dim}; received "
                             f"shape {tuple(inputs.shape)}.")
        kernel = (ops.transpose(self.embeddings) if self.tie_weights
                  else self.reverse_embeddings)
        if self.reverse_dtype is not None:
            inputs = ops.cast(inputs, self.reverse_dtype)
            kernel = ops.cast(kernel, self.reverse_dtype)
        logits = ops.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            cap = self.logit_soft_cap
            logits = ops.multiply(ops.tanh(ops.divide(logits, cap)), cap)
        return logits

    def compute_mask(self, inputs, mask=None):
        """None: the forward call attaches its own mask (ids != 0 with mask_zero)."""
        return None

    def compute_output_shape(self, input_shape, reverse=False):
        shape = list(input_shape)
        if reverse:
            shape[-1] = self.input_dim
        else:
            shape.append(self.output_dim)
        return tuple(shape)

    def compute_output_spec(self, inputs, reverse=False):
        return KerasTensor(self.compute_output_shape(inputs.shape, reverse), self.dtype)

    def get_config(self):
        return {**super().get_config(), "tie_weights": self.tie_weights,
                "reverse_dtype": self.reverse_dtype, "logit_soft_cap": self.logit_soft_cap}
