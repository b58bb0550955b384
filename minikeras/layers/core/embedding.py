"""Embedding: integer indices -> rows of a trainable (input_dim, output_dim) table.

The forward pass is a gather, `ops.take(table, ids, axis=0)`, as in Keras. Its gradient, a
scatter-add of every occurrence's output gradient into its index's row, lives with the op
(`minikeras.ops.manipulation.scatter_add_rows`).
"""
import warnings

from minikeras import constraints, initializers, regularizers
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer
from minikeras.ops import take
from minikeras.registry.layer_classes import register_layer


@register_layer
class Embedding(Layer):
    """Turns non-negative integer indices into dense vectors of a fixed size.

    Shapes: (batch, ...) integers in [0, input_dim) -> (batch, ..., output_dim).
    Weight (Keras's name): embeddings (input_dim, output_dim).

    Args:
        input_dim: size of the vocabulary (largest index + 1).
        output_dim: size of each vector.
        embeddings_initializer: 'uniform' (RandomUniform(-0.05, 0.05)) by default.
        embeddings_regularizer, activity_regularizer, embeddings_constraint: as for Dense.
        mask_zero: index 0 is padding: the output carries a mask (ids != 0) that masking-aware
            layers downstream (RNNs, pooling, attention) use to skip those steps. Index 0 then
            cannot be a real word, so input_dim should be the vocabulary size + 1.
        weights: an optional (input_dim, output_dim) array of initial values.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 weights=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        for name, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r} "
                                 f"(of type {type(value).__name__}).")
        if lora_rank is not None:
            raise ValueError("Embedding: `lora_rank` (LoRA fine-tuning) is not supported by "
                             "minikeras.")
        if quantization_config is not None:
            raise ValueError("Embedding: `quantization_config` (quantized weights) is not "
                             "supported by minikeras.")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.", stacklevel=2)
        super().__init__(**kwargs)
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.autocast = False
        self.lora_rank = None
        self.lora_alpha = None
        self.quantization_config = None
        if weights is not None:
            self.build()
            if not (isinstance(weights, list) and len(weights) == 1):
                weights = [weights]
            self.set_weights(weights)

    def build(self, input_shape=None):
        if self.built:
            return
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint, name="embeddings")
        self.built = True

    def call(self, inputs):
        ids = xp.asarray(inputs.data if isinstance(inputs, Tensor) else inputs)
        if ids.dtype.kind not in "iu":
            if ids.dtype.kind not in "fb":
                raise TypeError(f"Embedding layer {self.name!r}: expected integer indices, "
                                f"received an array of dtype {ids.dtype}.")
            ids = ids.astype("int32")  # Keras casts other inputs to int32 (truncating floats)
        if ids.size:
            low, high = int(ids.min()), int(ids.max())
            if low < 0 or high >= self.input_dim:
                raise ValueError(f"Embedding layer {self.name!r}: indices must be in [0, "
                                 f"{self.input_dim}) (input_dim={self.input_dim}); received "
                                 f"indices from {low} to {high}.")
        return take(self.embeddings, ids, axis=0)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        data = inputs.data if isinstance(inputs, Tensor) else xp.asarray(inputs)
        return Tensor(data != 0)

    def compute_output_shape(self, input_shape):
        return (*input_shape, self.output_dim)

    def get_config(self):
        return {
            **super().get_config(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
            "quantization_config": None,
        }

    @classmethod
    def from_config(cls, config_dict):
        config_dict = dict(config_dict)
        if isinstance(config_dict.get("embeddings_initializer"), dict):
            config_dict["embeddings_initializer"] = initializers.deserialize(
                config_dict["embeddings_initializer"])
        for key in ("embeddings_regularizer", "activity_regularizer"):
            if isinstance(config_dict.get(key), dict):
                config_dict[key] = regularizers.deserialize(config_dict[key])
        if isinstance(config_dict.get("embeddings_constraint"), dict):
            config_dict["embeddings_constraint"] = constraints.deserialize(
                config_dict["embeddings_constraint"])
        return super().from_config(config_dict)
