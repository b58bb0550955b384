"""Pooling primitives with hand-written VJPs: max_pool and average_pool (keras.ops names).

Both pool over 1, 2 or 3 spatial axes of a (batch, *spatial, channels) tensor
("channels_last") or a (batch, channels, *spatial) tensor ("channels_first").

How it is computed (no Python loop over samples or pixels):
    A pooling window of size (k1, k2, ...) has k1*k2*... offsets. For each offset o, the values
    that sit at offset o of every window form one strided view of the (padded) input,
    x[:, o1 : o1 + s1*(out1-1) + 1 : s1, o2 : ..., :] -- the window view, one offset at a time.
    The forward pass folds these views together with `maximum` (max pooling) or `add` (average
    pooling), writing into one output buffer; the backward pass walks the same views and sends
    the output gradient back through them. So the only Python loop is over window offsets
    (4 iterations for a 2x2 pool), each iteration one array operation over the whole batch.
    This beats a reduction over an as_strided (k1, k2, ..., batch, out1, out2, channels) view
    and the reshape trick for non-overlapping windows (measured ~2x on (128, 26, 26, 32)).

Semantics (Keras 3, as its TensorFlow and JAX backends compute them):
    - "valid": only windows that fit inside the input; out = floor((n - k) / s) + 1.
    - "same": out = ceil(n / s); the input is padded by total = max((out - 1) * s + k - n, 0),
      total // 2 before and the rest after. Max pooling pads with -inf (padding never wins);
      average pooling divides each window's sum by the number of real (unpadded) values in it.
    - The max-pool gradient goes to the first maximum of each window (row-major window order),
      like TensorFlow and PyTorch; average pooling spreads it evenly over the real values.
    - Overlapping windows (stride < pool) add their contributions up.
    Keras's torch backend differs in one corner: for average pooling with "same" and an uneven
    padding (before != after) it pads with copies of the edge values and counts them in the mean.
"""
import itertools

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.backend.parallel import over_batch
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.spatial_args import (same_padding, standardize_data_format,  # noqa: F401
                                        standardize_padding, standardize_tuple)
from minikeras.ops.symbolic import op



def pooling_output_shape(input_shape, pool_size, strides=None, padding="valid",
                         data_format="channels_last", owner="pooling"):
    """Output shape of a pooling op (Keras's `compute_pooling_output_shape`); None sizes stay None.

    Raises a ValueError naming `owner` when a "valid" window does not fit the input.
    """
    input_shape = tuple(input_shape)
    n = len(input_shape) - 2
    pool = standardize_tuple(pool_size, n, "pool_size", owner=owner)
    stride = pool if strides is None else standardize_tuple(strides, n, "strides", owner=owner)
    padding = standardize_padding(padding, owner)
    first = 1 if standardize_data_format(data_format, owner) == "channels_last" else 2
    spatial = input_shape[first:first + n]
    out = []
    for size, k, s in zip(spatial, pool, stride):
        if size is None:
            out.append(None)
        elif padding == "same":
            out.append(-(-size // s))
        else:
            length = (size - k) // s + 1
            if length <= 0:
                raise ValueError(
                    f"{owner}: computed output size would be zero or negative: with "
                    f"padding='valid' every spatial size must be >= pool_size. Received: "
                    f"inputs.shape={input_shape}, pool_size={pool}, strides={stride}, "
                    f"padding={padding!r} (spatial sizes {tuple(spatial)}).")
            out.append(length)
    if first == 1:
        return (input_shape[0],) + tuple(out) + (input_shape[-1],)
    return input_shape[:2] + tuple(out)


# -- the primitives -------------------------------------------------------------------------------
@op
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Max pooling over the spatial axes (1D, 2D or 3D: inputs of rank 3, 4 or 5).

    Args:
        inputs: (batch, *spatial, channels) for "channels_last", (batch, channels, *spatial)
            for "channels_first".
        pool_size: int or tuple of one int per spatial axis.
        strides: int, tuple or None (= pool_size).
        padding: "valid" or "same" (case-insensitive).
        data_format: "channels_last", "channels_first" or None (= `image_data_format()`).
    Returns:
        A Tensor of the input's dtype. Gradient: each output gradient goes to the first maximum
        of its window (a window holding NaN, whose output is NaN, sends it to its last position).
    """
    x, geo = _prepare("max_pool", inputs, pool_size, strides, padding, data_format)
    if xp.issubdtype(x.dtype, xp.floating):
        fill = -xp.inf
    elif x.dtype == bool:
        fill = False
    else:
        fill = xp.iinfo(x.dtype).min
    padded = geo.pad(x.data, fill)
    windows = list(geo.windows())
    out = xp.empty(geo.output_shape(), dtype=padded.dtype)

    def forward(start, stop):  # rows start:stop of the batch
        rows, result = padded[start:stop], out[start:stop]
        xp.copyto(result, rows[windows[0]])
        for index in windows[1:]:
            xp.maximum(result, rows[index], out=result)
    over_batch(forward, len(out), padded.size)

    def vjp(g):
        grad = geo.gradient_buffer(g.dtype)

        def backward(start, stop):
            rows, result, g_rows, grad_rows = padded[start:stop], out[start:stop], \
                g[start:stop], grad[start:stop]
            for i, index in enumerate(windows):
                if i == 0:
                    hit = xp.equal(rows[index], result)
                    remaining = ~hit  # windows whose (first) maximum is still to be found
                elif i < len(windows) - 1:
                    xp.equal(rows[index], result, out=hit)
                    hit &= remaining
                    remaining ^= hit
                else:  # the last offset holds the maximum of every window not yet served
                    hit = remaining
                if geo.overlapping:
                    grad_rows[index] += g_rows * hit
                else:
                    xp.multiply(g_rows, hit, out=grad_rows[index])
        over_batch(backward, len(grad), grad.size)
        return (geo.crop(grad),)
    return record(out, (x,), vjp, hands_over=True)


@op
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """Average pooling over the spatial axes (1D, 2D or 3D: inputs of rank 3, 4 or 5).

    Arguments as for `max_pool`. With padding="same" each window's sum is divided by the number
    of real input values it covers (padding is not counted), like Keras's TensorFlow and JAX
    backends. Integer inputs are averaged in `floatx()`. Gradient: the output gradient divided by
    that count, spread over the window.
    """
    x, geo = _prepare("average_pool", inputs, pool_size, strides, padding, data_format)
    data = x.data
    if not xp.issubdtype(data.dtype, xp.floating):
        data = data.astype(config.floatx())
    padded = geo.pad(data, 0)
    windows = list(geo.windows())
    out = xp.empty(geo.output_shape(), dtype=padded.dtype)

    def forward(start, stop):  # rows start:stop of the batch
        rows, result = padded[start:stop], out[start:stop]
        xp.copyto(result, rows[windows[0]])
        for index in windows[1:]:
            xp.add(result, rows[index], out=result)
    over_batch(forward, len(out), padded.size)
    count = geo.window_counts(out.dtype)
    xp.divide(out, count, out=out)
    differentiable = xp.issubdtype(x.dtype, xp.floating)

    def vjp(g):
        share = g / count
        grad = geo.gradient_buffer(g.dtype)

        def backward(start, stop):
            share_rows, grad_rows = share[start:stop], grad[start:stop]
            for index in windows:
                if geo.overlapping:
                    grad_rows[index] += share_rows
                else:
                    grad_rows[index] = share_rows
        over_batch(backward, len(grad), grad.size)
        return (geo.crop(grad),)
    return record(out, (x,) if differentiable else (), vjp, hands_over=True)


# -- window geometry ------------------------------------------------------------------------------
def _prepare(name, inputs, pool_size, strides, padding, data_format):
    x = convert_to_tensor(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{name}: `inputs` must have rank 3, 4 or 5 (batch, 1 to 3 spatial axes "
                         f"and a channel axis, for 1D, 2D or 3D pooling). Received inputs of shape "
                         f"{tuple(x.shape)} (rank {x.ndim}).")
    n = x.ndim - 2
    data_format = standardize_data_format(data_format, name)
    pool = standardize_tuple(pool_size, n, "pool_size", owner=name)
    stride = pool if strides is None else standardize_tuple(strides, n, "strides", owner=name)
    padding = standardize_padding(padding, name)
    pooling_output_shape(x.shape, pool, stride, padding, data_format, owner=name)
    return x, _Geometry(x.shape, pool, stride, padding, data_format)


class _Geometry:
    """Where every window of a pooling op lies in the padded input.

    Attributes: axes (the spatial axes), pool, strides, pads ((before, after) per axis), out
    (output spatial sizes), padded_shape, overlapping (some input value lies in two windows),
    tiled (the windows cover the padded input exactly once).
    """

    def __init__(self, shape, pool, strides, padding, data_format):
        n = len(pool)
        first = 1 if data_format == "channels_last" else 2
        self.shape = tuple(shape)
        self.axes = tuple(range(first, first + n))
        self.pool, self.strides = pool, strides
        sizes = [shape[a] for a in self.axes]
        if padding == "same":
            self.pads = tuple(same_padding(size, k, s) for size, k, s in zip(sizes, pool, strides))
            self.out = tuple(-(-size // s) for size, s in zip(sizes, strides))
        else:
            self.pads = ((0, 0),) * n
            self.out = tuple((size - k) // s + 1 for size, k, s in zip(sizes, pool, strides))
        padded = list(shape)
        for a, (before, after) in zip(self.axes, self.pads):
            padded[a] += before + after
        self.padded_shape = tuple(padded)
        self.sizes = tuple(sizes)
        self.overlapping = any(s < k for k, s in zip(pool, strides))
        self.tiled = all(s == k and o * k == padded[a]
                         for a, k, s, o in zip(self.axes, pool, strides, self.out))
        self.padded = any(before or after for before, after in self.pads)

    def pad(self, data, fill):
        if not self.padded:
            return data
        widths = [(0, 0)] * data.ndim
        for a, pads in zip(self.axes, self.pads):
            widths[a] = pads
        return xp.pad(data, widths, mode="constant", constant_values=fill)

    def windows(self):
        """For each window offset, the index of the strided view holding that offset of every
        window (row-major offset order, so the first hit of a maximum is the first in its window)."""
        base = [slice(None)] * len(self.shape)
        for offset in itertools.product(*(range(k) for k in self.pool)):
            index = list(base)
            for a, o, s, n_out in zip(self.axes, offset, self.strides, self.out):
                index[a] = slice(o, o + s * (n_out - 1) + 1, s)
            yield tuple(index)

    def output_shape(self):
        """The pooled array's shape (batch and channel axes kept)."""
        shape = list(self.shape)
        for a, n_out in zip(self.axes, self.out):
            shape[a] = n_out
        return tuple(shape)

    def gradient_buffer(self, dtype):
        """Zeros shaped like the padded input (uninitialized when every slot will be written)."""
        if self.tiled:
            return xp.empty(self.padded_shape, dtype=dtype)
        return xp.zeros(self.padded_shape, dtype=dtype)

    def crop(self, grad):
        if not self.padded:
            return grad
        index = [slice(None)] * grad.ndim
        for a, (before, _), size in zip(self.axes, self.pads, self.sizes):
            index[a] = slice(before, before + size)
        return grad[tuple(index)]

    def window_counts(self, dtype):
        """The number of real (unpadded) input values in each window: a Python int when every
        window is full, else an array that broadcasts against the output."""
        if not self.padded:
            total = 1
            for k in self.pool:
                total *= k
            return total
        count = None
        ndim = len(self.shape)
        for a, k, s, n_out, (before, _), size in zip(self.axes, self.pool, self.strides, self.out,
                                                     self.pads, self.sizes):
            starts = xp.arange(n_out) * s
            per_axis = (xp.minimum(starts + k, before + size) - xp.maximum(starts, before))
            shape = [1] * ndim
            shape[a] = n_out
            per_axis = per_axis.astype(dtype).reshape(shape)
            count = per_axis if count is None else count * per_axis
        return count
