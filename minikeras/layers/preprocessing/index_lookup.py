"""IndexLookup: the vocabulary table shared by StringLookup and IntegerLookup.

Indices are laid out as in Keras: [mask (int output only)] [num_oov_indices OOV slots]
[the vocabulary's terms]. `adapt` learns the vocabulary sorted by decreasing frequency, ties
broken by the larger term first (Keras's lexsort order, reversed).
"""
import collections
import os

import numpy

from minikeras.backend import config
from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import KerasTensor
from minikeras.layers.preprocessing.encoding import (VECTOR_MODES, DataLayer, as_numpy,
                                                     encode_categorical)
from minikeras.layers.preprocessing.string_hashes import as_hash_strings, fingerprint64, siphash64

OUTPUT_MODES = ("int",) + VECTOR_MODES + ("tf_idf",)


class IndexLookup(DataLayer):
    """Maps terms (strings or integers) to integer indices through a vocabulary, or back
    (`invert=True`), optionally encoding the indices as vectors (see `OUTPUT_MODES`).

    Subclasses set `vocabulary_dtype` ("string" or an integer dtype) and their defaults. Output
    dtypes follow Keras: int64 indices for "int" and for one_hot/multi_hot/count, floatx for
    "tf_idf", the vocabulary dtype when inverted.
    """

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", salt=None,
                 **kwargs):
        name = type(self).__name__
        if max_tokens is not None and max_tokens <= 1:
            raise ValueError(f"{name}: if set, `max_tokens` must be greater than 1. Received: "
                             f"max_tokens={max_tokens}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{name}: if pad_to_max_tokens is True, must set `max_tokens`. "
                             f"Received: max_tokens={max_tokens}")
        if num_oov_indices < 0:
            raise ValueError(f"{name}: `num_oov_indices` must be greater than or equal to 0. "
                             f"Received: num_oov_indices={num_oov_indices}")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        if output_mode not in OUTPUT_MODES:
            raise ValueError(f"{name}: unknown `output_mode` {output_mode!r}; expected one of "
                             f"{OUTPUT_MODES}.")
        if invert and output_mode != "int":
            raise ValueError(f"{name}: `output_mode` must be 'int' when `invert` is true. "
                             f"Received: output_mode={output_mode}")
        if sparse:
            raise ValueError(f"{name}: `sparse=True` is not supported (no sparse tensors).")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f"{name}: `oov_method` must be 'floormod' or 'farmhash'. Received: "
                             f"oov_method={oov_method!r}")
        if salt is not None:
            if vocabulary_dtype != "string" and oov_method != "farmhash":
                raise ValueError(f"{name}: `salt` can only be used when "
                                 f"`oov_method='farmhash'`. Received: oov_method={oov_method}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = list(salt)
            elif isinstance(salt, int):
                salt = [salt, salt]
            else:
                raise ValueError(f"{name}: `salt` can only be a tuple of 2 integers or an "
                                 f"int. Received: salt={salt}.")
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f"{name}: `idf_weights` should only be set if `output_mode` is "
                             f"'tf_idf'. Received: idf_weights={idf_weights} and "
                             f"output_mode={output_mode}")
        frozen_size = kwargs.pop("vocabulary_size", None)
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("trainable", None)
        kwargs.pop("dtype", None)
        super().__init__(**kwargs)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.vocabulary_dtype = vocabulary_dtype
        self.invert = invert
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.oov_method = oov_method
        self.salt = salt
        self._frozen_vocab_size = frozen_size
        self.input_vocabulary = vocabulary if not isinstance(vocabulary, str) else None
        self.input_idf_weights = idf_weights
        self._has_input_vocabulary = has_input_vocabulary
        self._tokens = []
        self._sorted_tokens = numpy.array([], dtype=numpy.int64)
        self._sorted_indices = numpy.array([], dtype=numpy.int64)
        self.idf_weights = None
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None:
            raise ValueError(f"{name}: when specifying the `vocabulary` argument in TF-IDF "
                             f"output mode, the `idf_weights` argument must also be provided.")
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    # -- index layout ----------------------------------------------------------------------
    def _oov_start_index(self):
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self):
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self):
        """The number of indices, mask and OOV slots included."""
        return len(self._tokens) + self._token_start_index()

    def get_vocabulary(self, include_special_tokens=True):
        """The terms in index order (with the mask and OOV tokens unless told otherwise)."""
        vocab = ([self.mask_token] * self._oov_start_index()
                 + [self.oov_token] * self.num_oov_indices + list(self._tokens))
        if not include_special_tokens:
            vocab = vocab[self._token_start_index():]
        return vocab

    def _to_term(self, value):
        return str(value) if self.vocabulary_dtype == "string" else int(value)

    def _read_vocabulary_file(self, path):
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        while lines and lines[-1] == "":
            lines.pop()
        return lines

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Set the vocabulary (a list/array of terms or a text file with one term a line) and,
        for "tf_idf", the idf weights (one per vocabulary entry)."""
        name = type(self).__name__
        if self.output_mode == "tf_idf":
            if idf_weights is None:
                raise ValueError(f"{name}: `idf_weights` must be set if output_mode is "
                                 f"'tf_idf'.")
        elif idf_weights is not None:
            raise ValueError(f"{name}: `idf_weights` should only be set if output_mode is "
                             f"'tf_idf'. Received: output_mode={self.output_mode} and "
                             f"idf_weights={idf_weights}")
        if isinstance(vocabulary, str):
            vocabulary = self._read_vocabulary_file(vocabulary)
        vocabulary = [self._to_term(v) for v in as_numpy(vocabulary).reshape(-1).tolist()]
        if not vocabulary:
            raise ValueError(f"{name}: cannot set an empty vocabulary. Received: "
                             f"vocabulary={vocabulary}")
        start = self._token_start_index()
        special = ([self.mask_token] * self._oov_start_index()
                   + [self.oov_token] * self.num_oov_indices)
        tokens = vocabulary[start:] if vocabulary[:start] == special else vocabulary
        repeated = [t for t, c in collections.Counter(tokens).items() if c > 1]
        if repeated:
            raise ValueError(f"{name}: the passed vocabulary has at least one repeated term. "
                             f"Please uniquify your dataset. The repeated terms are: "
                             f"{repeated}")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(f"{name}: found reserved mask token {self.mask_token!r} at an "
                             f"unexpected location in `vocabulary`. Either remove all mask and "
                             f"OOV tokens, or include them only at the start of the vocabulary "
                             f"in precisely this order: {special}.")
        if self.oov_token is not None and self.invert and self.oov_token in tokens:
            raise ValueError(f"{name}: found reserved OOV token {self.oov_token!r} at an "
                             f"unexpected location in `vocabulary`. Either remove all mask and "
                             f"OOV tokens, or include them only at the start of the vocabulary "
                             f"in precisely this order: {special}.")
        if self.max_tokens is not None and start + len(tokens) > self.max_tokens:
            raise ValueError(f"{name}: attempted to set a vocabulary larger than the maximum "
                             f"vocab size. Received vocabulary size is {start + len(tokens)}; "
                             f"`max_tokens` is {self.max_tokens}.")
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            idf = as_numpy(idf_weights).astype(config.floatx()).reshape(-1)
            if len(idf) != len(vocabulary):
                raise ValueError(f"{name}: `idf_weights` must be the same length as "
                                 f"vocabulary. len(idf_weights) is {len(idf)}; "
                                 f"len(vocabulary) is {len(vocabulary)}")
            if len(vocabulary) != start + len(tokens):  # pad the special slots with the mean
                idf = numpy.concatenate([numpy.full(start, idf.mean(), idf.dtype), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = numpy.pad(idf, (0, self.max_tokens - len(idf)))
            self.idf_weights = idf

    def _set_tokens(self, tokens):
        self._tokens = list(tokens)
        start = self._token_start_index()
        kind = str if self.vocabulary_dtype == "string" else numpy.int64
        tokens = numpy.array(self._tokens, dtype=kind)
        order = numpy.argsort(tokens, kind="stable")
        self._sorted_tokens = tokens[order]
        self._sorted_indices = (order + start).astype(numpy.int64)
        self._frozen_vocab_size = self.vocabulary_size()

    # -- assets: an adapted vocabulary, as Keras writes it into a .keras file -------------------
    def save_assets(self, dir_path):
        """Write the vocabulary (special tokens included) to `dir_path`/vocabulary.txt, one
        term a line, as Keras does for a layer whose vocabulary was not given in the config."""
        if self.input_vocabulary is not None:
            return  # the config holds it
        with open(os.path.join(dir_path, "vocabulary.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(str(t) for t in self.get_vocabulary(include_special_tokens=True)))

    def load_assets(self, dir_path):
        """Read what `save_assets` wrote (a Keras vocabulary.txt) back into the layer."""
        if self.input_vocabulary is not None:
            return
        terms = self._read_vocabulary_file(os.path.join(dir_path, "vocabulary.txt"))
        terms = [self._to_term(t) for t in terms]
        idf = self.idf_weights if self.output_mode == "tf_idf" else None
        self.set_vocabulary(terms, idf_weights=idf)

    # -- adapt -----------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from data: an array (or list) of terms, or an iterable of
        batches (at most `steps`). The most frequent terms come first (at most `max_tokens`
        in all); a rank-1 batch is one document (for "tf_idf")."""
        rows = []
        for i, batch in enumerate(_batches(data)):
            if steps is not None and i >= steps:
                break
            values = as_numpy(batch)
            if values.ndim == 0:
                values = values[None]
            if values.ndim == 1:
                values = values[None]  # one document
            rows.extend(values.reshape(values.shape[0], -1).tolist())
        self.adapt_rows(rows)

    def adapt_rows(self, rows):
        """Learn the vocabulary from documents given as lists of terms."""
        if self._has_input_vocabulary:
            raise ValueError(f"Cannot adapt layer '{self.name}' after setting a static "
                             f"vocabulary via `vocabulary` argument or `set_vocabulary()` "
                             f"method.")
        counts = collections.Counter()
        document_counts = collections.Counter()
        for row in rows:
            terms = [self._to_term(v) for v in row]
            counts.update(terms)
            if self.output_mode == "tf_idf":
                document_counts.update(set(terms))
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if not counts:
            return
        # Decreasing count, ties by decreasing term (numpy lexsort ascending, reversed).
        tokens = sorted(counts, key=lambda t: (counts[t], t), reverse=True)
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        self._set_tokens(tokens)
        if self.output_mode == "tf_idf":
            frequencies = numpy.array([document_counts[t] for t in tokens], numpy.float64)
            idf = numpy.log(1 + len(rows) / (1 + frequencies)).astype(config.floatx())
            idf = numpy.concatenate([numpy.full(self._token_start_index(), idf.mean(),
                                                idf.dtype), idf])
            if self.pad_to_max_tokens and self.max_tokens is not None:
                idf = numpy.pad(idf, (0, self.max_tokens - len(idf)))
            self.idf_weights = idf

    # -- call ------------------------------------------------------------------------------
    def call(self, inputs):
        values = as_numpy(inputs)
        if self.invert:
            return Tensor(self._invert(values))
        indices = self.lookup_array(values)
        if self.output_mode == "int":
            return Tensor(indices)
        return Tensor(self.encode(indices))

    def encode(self, indices):
        """Vector output (one_hot / multi_hot / count / tf_idf) of looked-up `indices`;
        indices outside the vocabulary range (the mask's, -1) are dropped."""
        if not self.pad_to_max_tokens and not self._tokens and self._frozen_vocab_size is None:
            raise RuntimeError(f"When using `output_mode={self.output_mode}` and "
                               f"`pad_to_max_tokens=False`, you must set the layer's vocabulary "
                               f"before calling it. Either pass a `vocabulary` argument to the "
                               f"layer, or call `adapt` with some sample data.")
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        if self.output_mode == "tf_idf":
            counts = encode_categorical(indices, "count", depth, config.floatx())
            return counts * self.idf_weights.astype(counts.dtype)
        return encode_categorical(indices, self.output_mode, depth, "int64")

    def lookup_array(self, values):
        """The index of each term of the array `values` (same shape, int64): vocabulary
        index, mask index, or OOV slot (a sorted-vocabulary search, no Python loop)."""
        terms = self._terms_array(values)
        found = numpy.full(terms.shape, -1, numpy.int64)
        if self._sorted_tokens.size:
            at = numpy.searchsorted(self._sorted_tokens, terms).clip(
                0, self._sorted_tokens.size - 1)
            hit = self._sorted_tokens[at] == terms
            found[hit] = self._sorted_indices[at[hit]]
        oov = found == -1
        if self.mask_token is not None:
            is_mask = terms == self._terms_array(numpy.asarray(self.mask_token))
            oov &= ~is_mask
            found[is_mask] = 0 if self.output_mode == "int" else numpy.iinfo(numpy.int64).max
        if oov.any():
            if self.num_oov_indices == 0:
                raise ValueError(f"{type(self).__name__}: when `num_oov_indices=0` all inputs "
                                 f"should be in vocabulary, found OOV values "
                                 f"{terms[oov].tolist()}, consider setting "
                                 f"`num_oov_indices=1`.")
            found[oov] = self._oov_indices(terms[oov]) + self._oov_start_index()
        return found

    def _terms_array(self, values):
        """`values` as an array of the vocabulary's kind: str (bytes decoded) or int64."""
        values = numpy.asarray(values)
        if self.vocabulary_dtype != "string":
            if values.dtype.kind not in "iub":
                raise TypeError(f"{type(self).__name__}: expected integer inputs, received "
                                f"dtype {values.dtype}.")
            return values.astype(numpy.int64)
        if values.dtype.kind == "S":
            return numpy.char.decode(values, getattr(self, "encoding", "utf-8"))
        if values.dtype.kind != "U":
            return numpy.vectorize(self._to_term, otypes=[str])(values) if values.size \
                else values.astype(str)
        return values

    def _oov_indices(self, values):
        """The OOV slot (0 .. num_oov_indices - 1) of each out-of-vocabulary value."""
        n = self.num_oov_indices
        if n == 1:
            return numpy.zeros(values.shape, numpy.int64)
        if self.vocabulary_dtype != "string" and self.oov_method != "farmhash":
            return numpy.mod(values.astype(numpy.int64), n)
        strings = as_hash_strings(values)
        if self.salt is not None:
            hashes = [siphash64(s, self.salt) for s in strings]
        else:
            hashes = [fingerprint64(s) for s in strings]
        return numpy.array([h % n for h in hashes], numpy.int64).reshape(values.shape)

    def _invert(self, indices):
        indices = indices.astype(numpy.int64)
        table = numpy.array(self.get_vocabulary(), dtype=object)
        size = len(table)
        inside = (indices >= self._token_start_index()) & (indices < size)
        out = numpy.full(indices.shape, self.oov_token, dtype=object)
        out[inside] = table[indices[inside]]
        if self.mask_token is not None:
            out[indices == 0] = self.mask_token
        if self.vocabulary_dtype == "string":
            return out.astype(str)
        return out.astype(self.vocabulary_dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        depth = self.max_tokens if self.pad_to_max_tokens else self._frozen_vocab_size
        return encoded_shape(input_shape, self.output_mode, depth)

    def compute_output_spec(self, inputs):
        if self.invert:
            dtype = "string" if self.vocabulary_dtype == "string" else self.vocabulary_dtype
        elif self.output_mode == "tf_idf":
            dtype = config.floatx()
        else:
            dtype = "int64"
        return KerasTensor(self.compute_output_shape(inputs.shape), dtype)

    def get_config(self):
        return {**super().get_config(), "invert": self.invert, "max_tokens": self.max_tokens,
                "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
                "mask_token": self.mask_token, "output_mode": self.output_mode,
                "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
                "vocabulary_dtype": self.vocabulary_dtype,
                "idf_weights": _listify(self.input_idf_weights),
                "vocabulary": _listify(self.input_vocabulary),
                "vocabulary_size": self._frozen_vocab_size,
                "oov_method": self.oov_method, "salt": self.salt}


def encoded_shape(input_shape, output_mode, depth):
    """The shape of `encode_categorical`'s output for an input of `input_shape`."""
    if not input_shape:
        return (depth,)
    if output_mode == "one_hot" and (input_shape[-1] != 1 or len(input_shape) == 1):
        return input_shape + (depth,)
    return input_shape[:-1] + (depth,)


def _listify(value):
    if value is None or isinstance(value, str):
        return value
    return as_numpy(value).tolist()


def _batches(data):
    """Arrays, lists of terms, Tensors: one batch; generators / datasets: their batches."""
    if isinstance(data, (numpy.ndarray, Tensor, list, tuple, str)) or hasattr(data, "shape"):
        yield data
        return
    for batch in data:
        yield batch[0] if isinstance(batch, tuple) else batch
