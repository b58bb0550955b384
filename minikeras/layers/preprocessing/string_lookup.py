"""StringLookup: strings to vocabulary indices (or back, with invert=True)."""
from minikeras.layers.preprocessing.index_lookup import IndexLookup
from minikeras.registry.layer_classes import register_layer


@register_layer
class StringLookup(IndexLookup):
    """Maps strings to integer indices through a vocabulary given or learned by `adapt`.

    Index layout: [mask_token's 0 if set and output_mode="int"] [num_oov_indices OOV slots]
    [vocabulary]. Out-of-vocabulary strings go to the OOV slot (with several slots: FarmHash
    Fingerprint64 of the string modulo the count, or SipHash with `salt`).

    Args:
        max_tokens: largest vocabulary size (special tokens included) learned by `adapt`.
        num_oov_indices: number of OOV slots (0: OOV input is an error). Default 1.
        mask_token: the string that stands for padding (index 0), or None.
        oov_token: the string returned for OOV indices when inverting. Default "[UNK]".
        vocabulary: a list / array of strings or a path to a text file with one a line.
        idf_weights: per-term weights for output_mode="tf_idf".
        invert: map indices back to strings.
        output_mode: "int" (int64 indices), "one_hot", "multi_hot", "count" (int64 vectors) or
            "tf_idf" (float vectors), as in Keras.
        pad_to_max_tokens: vector outputs have `max_tokens` entries instead of the vocabulary
            size.
        sparse: must be False.
        encoding: the text encoding of byte inputs. Default "utf-8".
        salt: SipHash key for several OOV slots (int or pair of ints).
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        self.encoding = encoding
        kwargs.pop("vocabulary_dtype", None)
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         vocabulary_dtype="string", salt=salt, **kwargs)

    def _to_term(self, value):
        return value.decode(self.encoding) if isinstance(value, bytes) else str(value)

    def get_config(self):
        config = {**super().get_config(), "encoding": self.encoding}
        del config["vocabulary_dtype"]
        return config
