"""Discretization: bucket continuous values by bin boundaries, given or learned by `adapt`."""
import numpy

from minikeras.backend.autodiff import Tensor
from minikeras.layers.layer import KerasTensor
from minikeras.layers.preprocessing.encoding import DataLayer, as_numpy, encode_categorical
from minikeras.layers.preprocessing.index_lookup import encoded_shape
from minikeras.registry.layer_classes import register_layer


@register_layer
class Discretization(DataLayer):
    """Maps each value to the index of its bin: with boundaries [b0, b1, ...], bin 0 is
    x < b0, bin i is b(i-1) <= x < b(i), the last bin x >= the last boundary.

    `adapt(data)` learns `num_bins - 1` boundaries from approximate quantiles of the data, with
    Keras's streaming summary (each batch summarized to about 1/epsilon weighted points, merged
    and compressed by interpolating cumulative weights), so the boundaries equal Keras's.

    Args:
        bin_boundaries: sorted list of boundaries (then `num_bins` must be None).
        num_bins: number of bins to learn with `adapt`.
        epsilon: error tolerance of the quantile summary (default 0.01).
        output_mode: "int" (int32 bin indices), "one_hot", "multi_hot" or "count" (vectors of
            len(bin_boundaries) + 1 entries, the layer's float dtype).
        sparse: must be False.
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, output_mode="int",
                 sparse=False, dtype=None, name=None, **kwargs):
        kwargs.pop("trainable", None)
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError("Discretization: `sparse=True` is not supported (no sparse "
                             "tensors).")
        modes = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in modes:
            raise ValueError(f"Discretization: unknown `output_mode` {output_mode!r}; expected "
                             f"one of {modes}.")
        if num_bins is not None and num_bins < 0:
            raise ValueError(f"Discretization: `num_bins` must be greater than or equal to 0. "
                             f"Received: `num_bins={num_bins}`")
        if num_bins is not None and bin_boundaries is not None:
            raise ValueError(f"Discretization: both `num_bins` and `bin_boundaries` should not "
                             f"be set. Received: `num_bins={num_bins}` and "
                             f"`bin_boundaries={bin_boundaries}`")
        if num_bins is None and bin_boundaries is None:
            raise ValueError("Discretization: you need to set either `num_bins` or "
                             "`bin_boundaries`.")
        self.bin_boundaries = bin_boundaries
        self.num_bins = num_bins
        self.epsilon = epsilon
        self.output_mode = output_mode
        self.sparse = sparse
        self.summary = None if bin_boundaries else numpy.zeros((2, 0), "float32")

    @property
    def output_dtype(self):
        return "int32" if self.output_mode == "int" else self.dtype

    def adapt(self, data, steps=None):
        """Learn `num_bins - 1` boundaries from `data` (an array, or an iterable of batches;
        at most `steps` batches)."""
        if self.num_bins is None:
            raise ValueError("Cannot adapt a Discretization layer that has been initialized "
                             "with `bin_boundaries`, use `num_bins` instead.")
        self.summary = numpy.zeros((2, 0), "float32")
        if isinstance(data, (numpy.ndarray, Tensor)) or not hasattr(data, "__iter__"):
            batches = [data]
        else:
            batches = data
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            batch = batch[0] if isinstance(batch, tuple) else batch
            values = as_numpy(batch).astype("float32")
            self.summary = merge_summaries(summarize(values, self.epsilon), self.summary,
                                           self.epsilon)
        self.bin_boundaries = get_bin_boundaries(self.summary, self.num_bins).tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization: you need to either pass the `bin_boundaries` "
                             "argument at construction time or call `adapt(dataset)` before "
                             "you can start using the `Discretization` layer.")
        values = as_numpy(inputs)
        indices = numpy.digitize(values, numpy.asarray(self.bin_boundaries, values.dtype
                                                       if values.dtype.kind == "f"
                                                       else "float64"))
        if self.output_mode == "int":
            return Tensor(indices.astype("int32"))
        return Tensor(encode_categorical(indices, self.output_mode,
                                         len(self.bin_boundaries) + 1, self.output_dtype))

    def _depth(self):
        return (len(self.bin_boundaries) + 1 if self.bin_boundaries is not None
                else self.num_bins)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        if self.output_mode == "int":
            return input_shape
        return encoded_shape(input_shape, self.output_mode, self._depth())

    def compute_output_spec(self, inputs):
        return KerasTensor(self.compute_output_shape(inputs.shape), self.output_dtype)

    def get_config(self):
        return {**super().get_config(), "bin_boundaries": self.bin_boundaries,
                "num_bins": self.num_bins, "epsilon": self.epsilon,
                "output_mode": self.output_mode, "sparse": self.sparse}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("bin_boundaries") is not None and config.get("num_bins") is not None:
            boundaries = config.pop("bin_boundaries")
            layer = cls(**config)
            layer.bin_boundaries = boundaries
            return layer
        return cls(**config)


def summarize(values, epsilon):
    """A (2, k) summary of `values`: every step-th sorted value (step = max(n * epsilon, 1))
    with weight `step`, where about 1/epsilon points are kept."""
    values = numpy.sort(numpy.reshape(values, -1))
    step = max(values.size * epsilon, 1)
    points = values[int(step - 1)::int(step)]
    return numpy.stack([points, numpy.full_like(points, step)])


def merge_summaries(first, second, epsilon):
    """Two summaries as one, sorted by value and compressed to `epsilon`."""
    merged = numpy.concatenate((first, second), axis=1)
    merged = merged[:, numpy.argsort(merged[0])]
    return compress_summary(merged, epsilon)


def compress_summary(summary, epsilon):
    """About 1/epsilon points read off the summary's cumulative weight curve at evenly spaced
    fractions (linear interpolation); unchanged when it is already that small."""
    if summary.shape[1] * epsilon < 1:
        return summary
    fractions = epsilon + numpy.arange(0.0, 1.0, epsilon)
    cumulative = summary[1].cumsum()
    points = numpy.interp(fractions, cumulative / cumulative[-1], summary[0])
    cumulative = numpy.interp(fractions, cumulative / cumulative[-1], cumulative)
    weights = cumulative - numpy.concatenate(([0], cumulative[:-1]))
    return numpy.stack((points, weights)).astype("float32")


def get_bin_boundaries(summary, num_bins):
    """The `num_bins - 1` inner boundaries of a summary."""
    return compress_summary(summary, 1.0 / num_bins)[0, :-1]
