"""HashedCrossing: crosses of categorical features hashed into a fixed number of bins."""
import numpy

from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import Layer
from minikeras.layers.preprocessing.encoding import as_numpy, encode_categorical
from minikeras.layers.preprocessing.string_hashes import cross_hash
from minikeras.registry.layer_classes import register_layer


@register_layer
class HashedCrossing(Layer):
    """Hashes the combination of two or more categorical inputs (the same feature position of
    each) into one bin in [0, num_bins), with `tf.sparse.cross_hashed`'s hash so bins equal
    Keras's.

    Inputs: a list of at least two tensors of equal shape `()`, `(batch,)` or `(batch, 1)`,
    each integer or string. Output: int64 bins of that shape ("int"), or one-hot vectors of
    `num_bins` entries ("one_hot", float32).

    Args:
        num_bins: number of bins.
        output_mode: "int" (default) or "one_hot".
        sparse: must be False.
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        self.autocast = False
        if sparse:
            raise ValueError("HashedCrossing: `sparse=True` is not supported (no sparse "
                             "tensors).")
        if output_mode not in ("int", "one_hot"):
            raise ValueError(f"HashedCrossing: unknown `output_mode` {output_mode!r}; expected "
                             f"'int' or 'one_hot'.")
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple)):
            inputs = [numpy.asarray(x) if isinstance(x, (list, tuple, str, int)) else x
                      for x in inputs]
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError(f"HashedCrossing should be called on a list or tuple of at least "
                             f"two inputs. Received: inputs={inputs}")
        arrays = [as_numpy(x) for x in inputs]
        shape = arrays[0].shape
        if len(shape) > 2 or (len(shape) == 2 and shape[-1] != 1):
            raise ValueError(f"HashedCrossing: all inputs should have shape `()`, "
                             f"`(batch_size)` or `(batch_size, 1)`. Received shape {shape}")
        if any(a.shape != shape for a in arrays[1:]):
            raise ValueError(f"HashedCrossing: all inputs should have equal shape. Received "
                             f"shapes {[a.shape for a in arrays]}")
        if not all(a.dtype.kind in "iuUSO" for a in arrays):
            raise ValueError(f"HashedCrossing: all inputs should have an integer or string "
                             f"dtype. Received dtypes {[str(a.dtype) for a in arrays]}")
        columns = [_values(a.reshape(-1)) for a in arrays]
        bins = numpy.array([cross_hash(row, self.num_bins) for row in zip(*columns)],
                           numpy.int64).reshape(shape)
        if self.output_mode == "int":
            return Tensor(bins.astype(self.dtype))
        return Tensor(encode_categorical(bins, "one_hot", self.num_bins, self.dtype))

    def compute_output_shape(self, input_shape):
        first = tuple(input_shape[0])
        if self.output_mode == "int":
            return first
        if not first:
            return (self.num_bins,)
        if first[-1] != 1:
            return first + (self.num_bins,)
        return first[:-1] + (self.num_bins,)

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins,
                "output_mode": self.output_mode, "sparse": self.sparse}


def _values(column):
    """Python values of a 1-D column: str for text, int for integers (as int64)."""
    if column.dtype.kind in "iu":
        return column.astype(numpy.int64).tolist()
    return [v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in column.tolist()]
