"""Hashing: categorical features (strings or integers) hashed into a fixed number of bins."""
import numpy

from minikeras.backend import config
from minikeras.backend.autodiff import Tensor
from minikeras.layers.preprocessing.encoding import DataLayer, as_numpy, encode_categorical
from minikeras.layers.preprocessing.index_lookup import encoded_shape
from minikeras.layers.preprocessing.string_hashes import (as_hash_strings, fingerprint64,
                                                          siphash64)
from minikeras.registry.layer_classes import register_layer


def hash_to_bins(values, num_bins, salt=None):
    """Bin of each value (same shape, int64): FarmHash Fingerprint64 of its text modulo
    `num_bins`, or SipHash-2-4 keyed by `salt` ([k0, k1]) when a salt is given."""
    values = numpy.asarray(values)
    strings = as_hash_strings(values)
    if salt is None:
        hashes = [fingerprint64(s) % num_bins for s in strings]
    else:
        hashes = [siphash64(s, salt) % num_bins for s in strings]
    return numpy.array(hashes, numpy.int64).reshape(values.shape)


@register_layer
class Hashing(DataLayer):
    """Hashes each input value to a bin in [0, num_bins), with TensorFlow's hashes so the bins
    equal Keras's: FarmHash Fingerprint64 by default, SipHash-2-4 keyed by `salt` otherwise.
    Integers are hashed as their decimal text; floats are truncated to integers first.

    With `mask_value` set, values equal to it go to bin 0 and the rest to [1, num_bins).

    Args:
        num_bins: number of bins (> 0).
        mask_value: a value that gets bin 0 (None: no mask).
        salt: an int or a pair of ints (the SipHash key); None uses FarmHash.
        output_mode: "int" (bins, dtype int64 by default), "one_hot", "multi_hot" or "count"
            (float vectors of num_bins entries, dtype floatx by default).
        sparse: kept for Keras compatibility; must be False.
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else config.floatx()
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError(f"Hashing: `num_bins` cannot be None or non-positive. Received: "
                             f"num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError(f"Hashing: when `output_mode='int'`, `dtype` should be an integer "
                             f"type, 'int32' or 'int64'. Received: dtype={kwargs['dtype']}")
        modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in modes:
            raise ValueError(f"Hashing: invalid value for argument `output_mode`. Expected one "
                             f"of {modes}. Received: output_mode={output_mode}")
        if sparse:
            raise ValueError("Hashing: `sparse=True` is not supported (no sparse tensors).")
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"Hashing: the `salt` argument can only be a tuple of size 2 "
                                 f"integers, or a single integer. Received: salt={salt}.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs):
        values = as_numpy(inputs)
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask = values == numpy.asarray(self.mask_value, dtype=values.dtype)
        indices = hash_to_bins(values, bins, self.salt)
        if mask is not None:
            indices = numpy.where(mask, 0, indices + 1)
        if self.output_mode == "int":
            return Tensor(indices.astype(self.dtype))
        return Tensor(encode_categorical(indices, self.output_mode, self.num_bins, self.dtype))

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        return encoded_shape(input_shape, self.output_mode, self.num_bins)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}
