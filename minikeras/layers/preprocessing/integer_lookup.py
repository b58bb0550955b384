"""IntegerLookup: integer values to vocabulary indices (or back, with invert=True)."""
from minikeras.layers.preprocessing.index_lookup import IndexLookup
from minikeras.registry.layer_classes import register_layer


@register_layer
class IntegerLookup(IndexLookup):
    """Maps integers to contiguous indices through a vocabulary given or learned by `adapt`.

    Same layout and output modes as `StringLookup`. With several OOV slots an OOV value goes to
    `value mod num_oov_indices` ("floormod", the default) or to the FarmHash / SipHash of its
    decimal text (oov_method="farmhash").

    Args:
        max_tokens, num_oov_indices, vocabulary, idf_weights, invert, output_mode,
        pad_to_max_tokens, sparse: as in StringLookup.
        mask_token: the integer that stands for padding (index 0), or None.
        oov_token: the integer returned for OOV indices when inverting. Default -1.
        vocabulary_dtype: "int64" (default) or "int32".
        oov_method: "floormod" (default) or "farmhash".
        salt: SipHash key for oov_method="farmhash".
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False, name=None,
                 oov_method="floormod", salt=None, **kwargs):
        if vocabulary_dtype not in ("int32", "int64"):
            raise ValueError(f"IntegerLookup: `vocabulary_dtype` must be 'int32' or 'int64'. "
                             f"Received: vocabulary_dtype={vocabulary_dtype!r}")
        if max_tokens is not None and max_tokens <= 0:
            raise ValueError(f"IntegerLookup: if `max_tokens` is set, it must be greater than "
                             f"0. Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"IntegerLookup: `num_oov_indices` must be greater than or equal "
                             f"to 0. Received: num_oov_indices={num_oov_indices}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, name=name, oov_method=oov_method,
                         salt=salt, **kwargs)

    def _read_vocabulary_file(self, path):
        return [int(line) for line in super()._read_vocabulary_file(path)]

    def get_config(self):
        config = super().get_config()
        for key in ("oov_token", "mask_token"):
            if config[key] is not None:
                config[key] = int(config[key])
        if config["vocabulary"] is not None:
            config["vocabulary"] = [int(v) for v in config["vocabulary"]]
        return config
