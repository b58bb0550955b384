"""Cutting images up: `crop_images`, `pad_images` (boxes given by margins or target sizes) and
`extract_patches` / `extract_patches_3d` (every patch flattened into the channel axis)."""
import numpy as np

from minikeras.ops.convolution import conv
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.image.layout import check_images, data_format_of
from minikeras.ops.manipulation import expand_dims, getitem, pad, squeeze
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.image"


def _check_margins(name, margins, target, axis_names):
    """Exactly two of (before, after, target) given, each a non-negative int."""
    before, after = margins
    if [before, after, target].count(None) != 1:
        raise ValueError(f"{name}: must specify exactly two of {axis_names[0]}, "
                         f"{axis_names[1]}, {axis_names[2]}. Received: "
                         f"{axis_names[0]}={before}, {axis_names[1]}={after}, "
                         f"{axis_names[2]}={target}")
    for value, arg in zip((before, after, target), axis_names):
        if value is not None and (not isinstance(value, (int, np.integer)) or value < 0):
            raise ValueError(f"{name}: `{arg}` must be a non-negative integer. Received: "
                             f"{arg}={value!r}")


def _spatial_axes(data_format):
    """(height axis, width axis) of 3-D or 4-D images."""
    return (-3, -2) if data_format == "channels_last" else (-2, -1)


def _resolve(name, verb, size, before, after, target, names):
    """(before, after) margins along one axis of `size` pixels, from two of three values."""
    if verb == "pad":
        before = target - after - size if before is None else before
        after = target - before - size if after is None else after
    else:
        before = size - target - after if before is None else before
        after = size - target - before if after is None else after
    for value, arg in ((before, names[0]), (after, names[1])):
        if value < 0:
            raise ValueError(f"{name}: `{arg}` must be >= 0 (the image is {size} pixels on "
                             f"this axis). Received: {arg}={value}")
    return before, after


def _box_margins(name, kind, images, data_format, row_values, col_values, suffix):
    """[(axis, before, after)] for the height then the width axis of pad_images / crop_images
    (`kind` "pad" or "crop"): row_values = (top, bottom, target_height) and col_values =
    (left, right, target_width), named top_<suffix>, ..., checked and resolved."""
    rows = (f"top_{suffix}", f"bottom_{suffix}", "target_height")
    cols = (f"left_{suffix}", f"right_{suffix}", "target_width")
    _check_margins(name, row_values[:2], row_values[2], rows)
    _check_margins(name, col_values[:2], col_values[2], cols)
    h_axis, w_axis = _spatial_axes(data_format)
    return [(axis, *_resolve(name, kind, images.shape[axis], *values, names))
            for axis, values, names in ((h_axis, row_values, rows), (w_axis, col_values, cols))]


@op
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zero-pad images: two of (top_padding, bottom_padding, target_height) and two of
    (left_padding, right_padding, target_width) fix the box. Shapes: (..., H, W, C) ->
    (..., top + H + bottom, left + W + right, C) for channels_last."""
    name = "pad_images"
    data_format = data_format_of(name, data_format)
    images = check_images(name, images)
    widths = [[0, 0] for _ in range(images.ndim)]
    for axis, before, after in _box_margins(
            name, "pad", images, data_format, (top_padding, bottom_padding, target_height),
            (left_padding, right_padding, target_width), "padding"):
        widths[axis] = [before, after]
    return pad(images, widths)


@op
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Crop images: two of (top_cropping, bottom_cropping, target_height) and two of
    (left_cropping, right_cropping, target_width) fix the box. Shapes: (..., H, W, C) ->
    (..., target_height, target_width, C) for channels_last."""
    name = "crop_images"
    data_format = data_format_of(name, data_format)
    images = check_images(name, images)
    index = [slice(None)] * images.ndim
    for axis, start, end in _box_margins(
            name, "crop", images, data_format, (top_cropping, bottom_cropping, target_height),
            (left_cropping, right_cropping, target_width), "cropping"):
        index[axis] = slice(start, images.shape[axis] - end)
    return getitem(images, tuple(index))


def _patch_size(name, size, n):
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        return (int(size),) * n
    try:
        size = tuple(int(s) for s in size)
    except TypeError:
        size = ()
    if len(size) != n:
        raise TypeError(f"{name}: invalid `size` argument: expected an int or a tuple of "
                        f"length {n}. Received: size={size!r}")
    return size


def _patches(name, images, size, strides, dilation_rate, padding, data_format, n):
    """Every patch of `size` flattened into the channel axis, in (patch row, patch column,
    [depth,] channel) order: a convolution with an identity kernel."""
    data_format = data_format_of(name, data_format)
    size = _patch_size(name, size, n)
    if not strides:
        strides = size
    unbatched = images.ndim == n + 1
    if unbatched:
        images = expand_dims(images, 0)
    channels = images.shape[-1] if data_format == "channels_last" else images.shape[1]
    out_dim = int(np.prod(size)) * channels
    kernel = np.eye(out_dim, dtype=images.dtype).reshape(size + (channels, out_dim))
    patches = conv(images, kernel, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate)
    return squeeze(patches, 0) if unbatched else patches


@op
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of `size` (int or (h, w)) every `strides` (default: `size`, no overlap), each
    flattened into the last axis. Shapes: (B, H, W, C) -> (B, H', W', h * w * C) for
    channels_last, (B, C, H, W) -> (B, h * w * C, H', W') for channels_first; 3-D input works
    without the batch axis. A 3-tuple `size` gives `extract_patches_3d`'s volumes."""
    name = "extract_patches"
    if not isinstance(size, (int, np.integer)) and len(size) == 3:
        return extract_patches_3d.eager(images, size, strides, dilation_rate, padding,
                                        data_format)
    images = check_images(name, images)
    return _patches(name, images, size, strides, dilation_rate, padding, data_format, 2)


@op
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """3-D patches of `size` (int or (d, h, w)) every `strides` (default `size`), each
    flattened into the last axis. Shapes: (B, D, H, W, C) -> (B, D', H', W', d * h * w * C)
    (channels_last); 4-D input works without the batch axis."""
    name = "extract_patches_3d"
    volumes = convert_to_tensor(volumes)
    if volumes.ndim not in (4, 5):
        raise ValueError(f"{name}: invalid `volumes` rank: expected rank 4 (single volume) or "
                         f"rank 5 (batch of volumes), received shape {tuple(volumes.shape)}.")
    if isinstance(strides, (int, np.integer)):
        strides = (int(strides),) * 3
    if strides is not None and len(strides) != 3:
        raise ValueError(f"{name}: invalid `strides` argument: expected an int or 3 integers. "
                         f"Received: strides={strides!r}")
    return _patches(name, volumes, size, strides, dilation_rate, padding, data_format, 3)
