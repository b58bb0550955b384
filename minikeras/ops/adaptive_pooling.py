"""Adaptive pooling (`keras.ops.adaptive_average_pool`, `adaptive_max_pool`): pool 1, 2 or 3
spatial axes to a fixed output size whatever the input size.

Bins as in PyTorch (which Keras follows): output position i of an axis of length L pooled to
`out` covers [floor(i * L / out), ceil((i + 1) * L / out)), so bins may overlap by one when
out does not divide L.

How it is computed: both poolings are separable (a box's mean is the mean over each axis in
turn, a box's max the max over each axis in turn), so each spatial axis is pooled on its own,
one array operation per axis: the average as a contraction with an (out, L) matrix of bin
weights, the max as a gather of every bin's positions (short bins padded with their own last
position) followed by a max. The max's gradient goes to the first maximum of each bin.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_float_tensor
from minikeras.ops.spatial_args import standardize_data_format, standardize_tuple
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.nn"


def adaptive_bins(length, out):
    """(starts, ends) of the `out` bins pooling an axis of `length`: int arrays of shape (out,)."""
    i = xp.arange(out)
    return (i * length) // out, -((-(i + 1) * length) // out)


def _pool_average_axis(x, axis, out):
    """x pooled to `out` on `axis` by bin means (one node; the VJP spreads back evenly)."""
    length = x.shape[axis]
    starts, ends = adaptive_bins(length, out)
    position = xp.arange(length)
    weights = ((position >= starts[:, None]) & (position < ends[:, None])).astype(x.dtype)
    weights /= weights.sum(axis=1, keepdims=True)  # (out, L)
    moved = xp.moveaxis(x.data, axis, -1)
    result = xp.moveaxis(moved @ weights.T, -1, axis)

    def vjp(g):
        return (xp.moveaxis(xp.moveaxis(g, axis, -1) @ weights, -1, axis),)
    return record(result, (x,), vjp)


def _pool_max_axis(x, axis, out):
    """x pooled to `out` on `axis` by bin maxima (one node; the VJP goes to each bin's first
    maximum)."""
    length = x.shape[axis]
    starts, ends = adaptive_bins(length, out)
    width = int((ends - starts).max())
    index = xp.minimum(starts[:, None] + xp.arange(width), ends[:, None] - 1)  # (out, width)
    moved = xp.moveaxis(x.data, axis, -1)
    windows = moved[..., index]  # (..., out, width)
    first = windows.argmax(axis=-1)
    result = xp.moveaxis(xp.take_along_axis(windows, first[..., None], -1)[..., 0], -1, axis)
    source = index[xp.arange(out), first]  # (..., out): the position each maximum came from

    def vjp(g):
        grad = xp.zeros(moved.shape, dtype=g.dtype)
        gm = xp.moveaxis(g, axis, -1)
        lead = grad.reshape(-1, length)
        xp.add.at(lead, (xp.arange(lead.shape[0])[:, None], source.reshape(-1, out)),
                  gm.reshape(-1, out))
        return (xp.moveaxis(grad, -1, axis),)
    return record(result, (x,), vjp)


def _adaptive_pool(name, pool_axis, inputs, output_size, data_format):
    x = convert_to_float_tensor(inputs)
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{name}: `inputs` must have rank 3, 4 or 5 (batch, 1 to 3 spatial "
                         f"axes, channels), received shape {x.shape}.")
    data_format = standardize_data_format(data_format, owner=name)
    spatial = x.ndim - 2
    sizes = standardize_tuple(output_size, spatial, "output_size", owner=name)
    first = 1 if data_format == "channels_last" else 2
    for offset, size in enumerate(sizes):
        axis = first + offset
        if x.shape[axis] == 0:
            raise ValueError(f"{name}: spatial axis {axis} of `inputs` {x.shape} is empty.")
        if x.shape[axis] != size:
            x = pool_axis(x, axis, size)
    return x


@op
def adaptive_average_pool(inputs, output_size, data_format=None):
    """Average-pool the spatial axes of `inputs` to `output_size` (an int or one per axis).

    Shapes: (batch, *spatial, channels) ("channels_last", the default) or
    (batch, channels, *spatial) with 1 to 3 spatial axes -> the same with spatial = output_size.
    """
    return _adaptive_pool("adaptive_average_pool", _pool_average_axis, inputs, output_size,
                          data_format)


@op
def adaptive_max_pool(inputs, output_size, data_format=None):
    """Max-pool the spatial axes of `inputs` to `output_size` (an int or one per axis).

    Shapes as `adaptive_average_pool`. The gradient goes to each bin's first maximum.
    """
    return _adaptive_pool("adaptive_max_pool", _pool_max_axis, inputs, output_size, data_format)
