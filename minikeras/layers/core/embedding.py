"""Embedding: integer indices -> rows of a trainable (input_dim, output_dim) table.

The forward pass is a gather (`table[ids]`). Its gradient is a scatter-add: every occurrence of
an index adds its output gradient into that index's row. `scatter_add_rows` does that in one
vectorized pass, choosing by size among three ways, each measured on this project's CPU to be
faster than `np.add.at` in its range (which is never the fastest):

- a small vocabulary: a one-hot (input_dim, n) matrix times the (n, output_dim) gradient, one
  GEMM (3-9x faster than `np.add.at` for up to ~100 rows);
- a vocabulary much larger than the batch's token count: sort the ids and sum each run of equal
  ids with `np.add.reduceat`, then write only those rows (1.1-1.2x faster than `np.add.at`,
  2x faster than bincount's dense float64 table there);
- otherwise: `np.bincount` over the flat positions id * output_dim + column (1.1-3x faster
  than `np.add.at`, from a thousand to hundreds of thousands of tokens).
"""
import warnings

from minikeras import constraints, initializers, regularizers
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.layers.layer import Layer
from minikeras.ops import convert_to_tensor
from minikeras.registry.layer_classes import register_layer


def scatter_method(num_rows, tokens, width):
    """Which way `scatter_add_rows` sums: "one_hot", "sorted" or "bincount" (see above)."""
    # Cost model fitted to the measurements: the one-hot product costs about
    # rows * tokens * (0.3 + 0.011 * width) ns, bincount about 3 * tokens * width ns plus its
    # dense float64 table, which sorting avoids when the table dwarfs the tokens.
    if num_rows * (0.3 + 0.011 * width) < 2.0 * width and num_rows * tokens <= 2 ** 25:
        return "one_hot"
    if num_rows >= 8 * tokens:
        return "sorted"
    return "bincount"


def scatter_add_rows(ids, grad, num_rows):
    """sum over k of grad[k] into row ids[k] of a (num_rows, width) zero array, vectorized.

    `ids` is a flat integer array, `grad` is (len(ids), width).
    """
    width = grad.shape[1]
    if len(ids) == 0:
        return xp.zeros((num_rows, width), dtype=grad.dtype)
    method = scatter_method(num_rows, len(ids), width)
    if method == "one_hot":
        one_hot = (xp.arange(num_rows)[:, None] == ids[None, :]).astype(grad.dtype)
        return one_hot @ grad
    if method == "sorted":
        order = xp.argsort(ids, kind="stable")
        sorted_ids = ids[order]
        new_run = xp.ones(len(sorted_ids), dtype=bool)  # CuPy concatenates arrays only
        new_run[1:] = sorted_ids[1:] != sorted_ids[:-1]
        starts = xp.flatnonzero(new_run)
        out = xp.zeros((num_rows, width), dtype=grad.dtype)
        out[sorted_ids[starts]] = xp.add.reduceat(grad[order], starts, axis=0)
        return out
    flat = (ids[:, None] * width + xp.arange(width)).reshape(-1)
    summed = xp.bincount(flat, weights=grad.reshape(-1), minlength=num_rows * width)
    return summed.reshape(num_rows, width).astype(grad.dtype, copy=False)


def embedding_lookup(table, ids):
    """table[ids] for a (rows, width) table and integer ids of any shape -> ids.shape + (width,).

    The gradient for the table is the scatter-add of the output gradient into the rows the ids
    picked; ids get no gradient.
    """
    table = convert_to_tensor(table)
    ids = ids.data if isinstance(ids, Tensor) else xp.asarray(ids)
    out = table.data[ids]

    def vjp(g):
        g = g.reshape(-1, table.shape[1])
        return (scatter_add_rows(ids.reshape(-1), g, table.shape[0]),)
    return record(out, (table,), vjp)


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
        return embedding_lookup(self.embeddings, ids)

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
