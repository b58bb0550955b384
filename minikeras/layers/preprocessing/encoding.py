"""Shared NumPy helpers of the non-image preprocessing layers: turning integer indices into
one-hot / multi-hot / count vectors, and the base class that accepts plain Python data.

These layers take integer or string data, so nothing here is differentiable: outputs are
plain Tensors with no gradient recorded.
"""
import numpy

from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer

#: The output modes that turn indices into vectors of `depth` entries.
VECTOR_MODES = ("one_hot", "multi_hot", "count")


class DataLayer(Layer):
    """A layer whose inputs may be Python lists or strings (converted to NumPy arrays first),
    as Keras's preprocessing layers accept them. Float inputs are not cast to the layer's
    dtype on the way in (the layer decides what its data means)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.autocast = False

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, str, bytes, int, float)):
            inputs = numpy.asarray(inputs)
        return super().__call__(inputs, *args, **kwargs)


def as_numpy(value):
    """A NumPy array from a Tensor, array or nested list."""
    if isinstance(value, Tensor):
        value = value.data
    if hasattr(value, "get"):  # CuPy arrays
        value = value.get()
    return numpy.asarray(value)


def encode_categorical(indices, output_mode, depth, dtype, count_weights=None):
    """Integer `indices` as vectors of `depth` entries (Keras's encoding rules).

    - "one_hot": each element becomes a one-hot row; a trailing axis of size 1 is encoded in
      place: (..., 1) -> (..., depth), otherwise (...) -> (..., depth).
    - "multi_hot": the last axis is the sample: (..., n) -> (..., depth) with 1 where an index
      occurs.
    - "count": like multi_hot with the number of occurrences (or the sum of `count_weights`).
    A scalar is treated as one sample of length 1. Indices outside [0, depth) are dropped.
    """
    indices = numpy.asarray(indices)
    if indices.ndim == 0:
        indices = indices[None]
    if output_mode == "one_hot":
        if indices.ndim > 1 and indices.shape[-1] == 1:
            indices = indices[..., 0]
        out = (indices[..., None] == numpy.arange(depth)).astype(dtype)
        return out
    batch_shape = indices.shape[:-1]
    flat = indices.reshape(-1, indices.shape[-1]).astype(numpy.int64)
    rows = numpy.broadcast_to(numpy.arange(flat.shape[0])[:, None], flat.shape)
    valid = (flat >= 0) & (flat < depth)
    out = numpy.zeros((flat.shape[0], depth), dtype=numpy.float64)
    if output_mode == "multi_hot":
        out[rows[valid], flat[valid]] = 1
    else:
        weights = (numpy.ones(flat.shape) if count_weights is None
                   else numpy.broadcast_to(numpy.asarray(count_weights, numpy.float64)
                                           .reshape(-1, flat.shape[-1]), flat.shape))
        numpy.add.at(out, (rows[valid], flat[valid]), weights[valid])
    return out.reshape(batch_shape + (depth,)).astype(dtype)
