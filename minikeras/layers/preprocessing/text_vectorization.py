"""TextVectorization: raw strings -> token indices (or multi-hot / count / tf-idf vectors).

Pipeline (as Keras's): standardize (ASCII lower-casing, ASCII punctuation stripped) -> split
(whitespace or characters) -> n-grams -> StringLookup with "" as the padding (mask) token.
Tokens of a batch are kept as Python lists per row (Keras's ragged tensors); the "int" output
pads the rows with 0 to the longest row or to `output_sequence_length`.
"""
import re
import string

import numpy

from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import KerasTensor
from minikeras.layers.preprocessing.encoding import DataLayer, as_numpy
from minikeras.layers.preprocessing.string_lookup import StringLookup
from minikeras.registry import get_registered_object
from minikeras.registry.layer_classes import register_layer

STANDARDIZE = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT = ("whitespace", "character")
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = str.maketrans("", "", string.punctuation)
_WHITESPACE = re.compile("[ \t\n\v\f\r]+")  # TensorFlow splits on ASCII whitespace only


@register_layer
class TextVectorization(DataLayer):
    """Maps strings to sequences of vocabulary indices (or to vectors), vocabulary given or
    learned by `adapt` (most frequent tokens first, ties by larger token).

    Index layout for output_mode="int": 0 = padding (""), 1 = OOV ("[UNK]"), then the
    vocabulary; other modes have no padding slot (0 = OOV).

    Args:
        max_tokens: vocabulary size limit (padding and OOV included).
        standardize: None, "lower_and_strip_punctuation" (default), "lower",
            "strip_punctuation" or a callable on a NumPy array of str.
        split: None, "whitespace" (default), "character" or a callable taking the
            standardized NumPy array of str and returning one list of tokens per string.
        ngrams: None, an int n (all n-grams of 1..n) or a tuple of widths.
        output_mode: "int" (int64, shape (batch, length)), "multi_hot", "count", "one_hot" or
            "tf_idf" (vectors of the vocabulary size).
        output_sequence_length: for "int": pad or truncate every row to this length.
        pad_to_max_tokens: vectors have `max_tokens` entries.
        vocabulary, idf_weights: as in StringLookup (a list or a file with one token a line).
        sparse, ragged: must be False (dense outputs only).
        encoding: text encoding of byte inputs (default "utf-8").
    Input: strings shaped (batch,) or (batch, 1).
    """

    def __init__(self, max_tokens=None, standardize="lower_and_strip_punctuation",
                 split="whitespace", ngrams=None, output_mode="int", output_sequence_length=None,
                 pad_to_max_tokens=False, vocabulary=None, idf_weights=None, sparse=False,
                 ragged=False, encoding="utf-8", name=None, **kwargs):
        if sparse or ragged:
            raise ValueError(f"TextVectorization: `sparse=True` and `ragged=True` are not "
                             f"supported (no sparse or ragged tensors). Received: "
                             f"sparse={sparse}, ragged={ragged}")
        if not (standardize is None or callable(standardize) or standardize in STANDARDIZE):
            raise ValueError(f"TextVectorization: unknown `standardize` {standardize!r}; "
                             f"expected None, a callable or one of {STANDARDIZE}.")
        if not (split is None or callable(split) or split in SPLIT):
            raise ValueError(f"TextVectorization: unknown `split` {split!r}; expected None, a "
                             f"callable or one of {SPLIT}.")
        if output_mode == "binary":
            output_mode = "multi_hot"
        if output_mode == "tf-idf":
            output_mode = "tf_idf"
        modes = ("int", "one_hot", "multi_hot", "count", "tf_idf")
        if output_mode not in modes:
            raise ValueError(f"TextVectorization: unknown `output_mode` {output_mode!r}; "
                             f"expected one of {modes}.")
        if not (ngrams is None or isinstance(ngrams, int) or isinstance(ngrams, tuple)
                and all(isinstance(n, int) for n in ngrams)):
            raise ValueError(f"TextVectorization: `ngrams` must be None, an integer, or a "
                             f"tuple of integers. Received: ngrams={ngrams}")
        if output_mode == "int" and not (output_sequence_length is None
                                         or isinstance(output_sequence_length, int)):
            raise ValueError(f"TextVectorization: `output_sequence_length` must be either None "
                             f"or an integer when `output_mode` is 'int'. Received: "
                             f"output_sequence_length={output_sequence_length}")
        if output_mode != "int" and output_sequence_length is not None:
            raise ValueError(f"TextVectorization: `output_sequence_length` must not be set if "
                             f"`output_mode` is not 'int'. Received "
                             f"output_sequence_length={output_sequence_length}.")
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        vocabulary_size = kwargs.pop("vocabulary_size", None)
        super().__init__(name=name, **kwargs)
        self._standardize = standardize
        self._split = split
        self._ngrams_arg = ngrams
        self._ngrams = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else ngrams
        self._ragged = ragged
        self._output_mode = output_mode
        self._output_sequence_length = output_sequence_length
        self._encoding = encoding
        self._lookup_layer = StringLookup(
            max_tokens=max_tokens, vocabulary=vocabulary, idf_weights=idf_weights,
            pad_to_max_tokens=pad_to_max_tokens, mask_token="", output_mode=output_mode,
            sparse=sparse, has_input_vocabulary=has_input_vocabulary, encoding=encoding,
            vocabulary_size=vocabulary_size)

    # -- vocabulary ------------------------------------------------------------------------
    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from strings: a list / array of strings (one document each),
        or an iterable of batches (at most `steps`)."""
        if isinstance(data, (list, tuple, numpy.ndarray, Tensor, str)):
            batches = [data]
        else:
            batches = data
        rows = []
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            rows.extend(self._preprocess(batch))
        self._lookup_layer.adapt_rows(rows)

    def get_vocabulary(self, include_special_tokens=True):
        return self._lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self):
        return self._lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self._lookup_layer.set_vocabulary(vocabulary, idf_weights=idf_weights)

    def save_assets(self, dir_path):
        """The adapted vocabulary as Keras's vocabulary.txt (see IndexLookup.save_assets)."""
        self._lookup_layer.save_assets(dir_path)

    def load_assets(self, dir_path):
        self._lookup_layer.load_assets(dir_path)

    # -- text processing -------------------------------------------------------------------
    def _strings(self, inputs):
        values = as_numpy(inputs)
        if values.dtype.kind in "SO":
            values = numpy.array([v.decode(self._encoding) if isinstance(v, bytes) else str(v)
                                  for v in values.reshape(-1).tolist()],
                                 dtype=str).reshape(values.shape)
        return values.astype(str)

    def _preprocess(self, inputs):
        """One list of tokens per input string (rank-1 inputs or (batch, 1))."""
        values = self._strings(inputs)
        if self._standardize in ("lower", "lower_and_strip_punctuation"):
            values = numpy.vectorize(lambda s: s.translate(_ASCII_LOWER), otypes=[str])(values)
        if self._standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            values = numpy.vectorize(lambda s: s.translate(_PUNCTUATION), otypes=[str])(values)
        if callable(self._standardize):
            values = numpy.asarray(self._standardize(values)).astype(str)
        if self._split is None:
            if values.ndim == 0:
                values = values[None]
            if values.ndim == 1:
                values = values[:, None]
            rows = [list(row) for row in values.reshape(values.shape[0], -1).tolist()]
        else:
            if values.ndim > 1:
                if values.shape[-1] != 1:
                    raise ValueError(f"When using `TextVectorization` to tokenize strings, the "
                                     f"input rank must be 1 or the last shape dimension must "
                                     f"be 1. Received: inputs.shape={values.shape} with "
                                     f"rank={values.ndim}")
                values = values[..., 0]
            values = values.reshape(-1)
            if self._split == "whitespace":
                rows = [[t for t in _WHITESPACE.split(s) if t] for s in values.tolist()]
            elif self._split == "character":
                rows = [list(s) for s in values.tolist()]
            else:
                rows = [[str(t) for t in row] for row in self._split(values)]
        if self._ngrams is not None:
            rows = [ngrams(row, self._ngrams) for row in rows]
        return rows

    def call(self, inputs):
        rows = self._preprocess(inputs)
        lookup = self._lookup_layer
        lengths = [len(row) for row in rows]
        flat = numpy.array([t for row in rows for t in row], dtype=str)
        ids = lookup.lookup_array(flat)
        if self._output_mode == "int":
            width = (self._output_sequence_length if self._output_sequence_length is not None
                     else max(lengths, default=0))
            out = numpy.zeros((len(rows), width), numpy.int64)
            _scatter_rows(out, ids, lengths, width)
            return Tensor(out)
        width = max(lengths, default=0)
        padded = numpy.full((len(rows), max(width, 1)), -1, numpy.int64)
        _scatter_rows(padded, ids, lengths, width)
        return Tensor(lookup.encode(padded))

    def compute_output_shape(self, input_shape):
        if self._output_mode == "int":
            return (input_shape[0], self._output_sequence_length)
        depth = (self._lookup_layer.max_tokens if self._lookup_layer.pad_to_max_tokens
                 else self._lookup_layer._frozen_vocab_size)
        return (input_shape[0], depth)

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self._output_dtype())

    def _output_dtype(self):
        return "int64" if self._output_mode != "tf_idf" else "float32"

    def get_config(self):
        lookup = self._lookup_layer
        return {**super().get_config(), "max_tokens": lookup.max_tokens,
                "standardize": self._standardize, "split": self._split,
                "ngrams": self._ngrams_arg, "output_mode": self._output_mode,
                "output_sequence_length": self._output_sequence_length,
                "pad_to_max_tokens": lookup.pad_to_max_tokens, "sparse": lookup.sparse,
                "ragged": self._ragged, "vocabulary": lookup.get_config()["vocabulary"],
                "idf_weights": lookup.get_config()["idf_weights"], "encoding": self._encoding,
                "vocabulary_size": self.vocabulary_size()}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        for key in ("standardize", "split"):
            if config.get(key) is not None and not isinstance(config[key], str):
                entry = config[key]
                name = entry.get("registered_name") or entry.get("config")
                config[key] = get_registered_object(name, custom_objects)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def ngrams(tokens, widths):
    """All n-grams of `tokens` for each width in `widths` (in that order), joined by spaces."""
    return [" ".join(tokens[i:i + n]) for n in widths for i in range(len(tokens) - n + 1)]


def _scatter_rows(out, ids, lengths, width):
    """Write each row's ids (consecutive in `ids`) into `out`, cut at `width`."""
    lengths = numpy.asarray(lengths, dtype=numpy.int64)
    rows = numpy.repeat(numpy.arange(len(lengths)), lengths)
    starts = numpy.repeat(numpy.cumsum(lengths) - lengths, lengths)
    positions = numpy.arange(len(rows)) - starts
    keep = positions < width
    out[rows[keep], positions[keep]] = ids[keep]
