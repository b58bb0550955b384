"""CategoryEncoding: integer category ids as one-hot, multi-hot or count vectors."""
from minikeras.backend.autodiff import Tensor
from minikeras.layers.preprocessing.encoding import DataLayer, as_numpy, encode_categorical
from minikeras.registry.layer_classes import register_layer


@register_layer
class CategoryEncoding(DataLayer):
    """Encodes integer features in [0, num_tokens) as dense vectors of `num_tokens` entries.

    Shapes: "one_hot" maps (batch,) or (batch, 1) to (batch, num_tokens) and (batch, n) to
    (batch, n, num_tokens); "multi_hot" and "count" treat the last axis as one sample:
    (..., n) -> (..., num_tokens). Output dtype: the layer's dtype (float32).

    Args:
        num_tokens: the number of categories (required, >= 1).
        output_mode: "multi_hot" (default; "binary" is its old name), "one_hot" or "count".
        sparse: kept for Keras compatibility; only dense outputs are made (must be False).
    Call arguments:
        inputs: integer ids.
        count_weights: weights (shaped like `inputs`) summed instead of 1s in "count" mode.
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode not in ("count", "one_hot", "multi_hot"):
            raise ValueError(f"CategoryEncoding: unknown `output_mode` {output_mode!r}; expected "
                             f"'one_hot', 'multi_hot' or 'count'.")
        if num_tokens is None:
            raise ValueError("CategoryEncoding: `num_tokens` must be set to use this layer. If "
                             "the number of tokens is not known beforehand, use the "
                             "IntegerLookup layer instead.")
        if num_tokens < 1:
            raise ValueError(f"CategoryEncoding: `num_tokens` must be >= 1. Received: "
                             f"num_tokens={num_tokens}.")
        if sparse:
            raise ValueError("CategoryEncoding: `sparse=True` is not supported (minikeras has "
                             "no sparse tensors).")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        if count_weights is not None and self.output_mode != "count":
            raise ValueError(f"CategoryEncoding: `count_weights` is not used when `output_mode` "
                             f"is not 'count'. Received `count_weights={count_weights}`.")
        ids = as_numpy(inputs)
        weights = None if count_weights is None else as_numpy(count_weights)
        return Tensor(encode_categorical(ids, self.output_mode, self.num_tokens, self.dtype,
                                         weights))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if not input_shape:
            return (self.num_tokens,)
        if self.output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
            return input_shape + (self.num_tokens,)
        return input_shape[:-1] + (self.num_tokens,)

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
