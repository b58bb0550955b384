"""Colour conversions of images: RGB -> grayscale, RGB <-> HSV (all values in [0, 1] for HSV,
hue as a fraction of a full turn). Built from elementwise ops, so they differentiate where
Keras's torch backend does."""
import numpy as np

from minikeras.backend.array_module import xp
from minikeras.backend.dtypes import standardize_dtype
from minikeras.ops.core import cast
from minikeras.ops.image.layout import check_images, data_format_of
from minikeras.ops.manipulation import getitem, stack
from minikeras.ops.math import abs as abs_
from minikeras.ops.math import clip, equal, maximum, minimum, mod, where
from minikeras.ops.reduction import sum as sum_
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.image"

#: ITU-R 601 luma weights, as torchvision (and Keras's torch backend) round them
_LUMA = (0.2989, 0.587, 0.114)


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def _planes(images, axis):
    """The three channel planes of `images` along `axis` (negative)."""
    index = (Ellipsis, slice(None)) if axis == -1 else (Ellipsis, slice(None), slice(None),
                                                         slice(None))
    return [getitem(images, index[:1] + (c,) + index[2:]) for c in range(3)]


def _check_float(name, images):
    if standardize_dtype(images.dtype) not in ("float16", "bfloat16", "float32", "float64"):
        raise ValueError(f"{name}: invalid images dtype: expected a float dtype. Received: "
                         f"images.dtype={standardize_dtype(images.dtype)}")


def _check_rgb(name, images, axis):
    if images.shape[axis] != 3:
        raise ValueError(f"{name}: expected 3 channels (RGB) on axis {axis}. Received input "
                         f"with shape images.shape={tuple(images.shape)}")


def _float_rgb_images(name, images, data_format):
    """(images, channel axis) for rgb_to_hsv / hsv_to_rgb: checked to be float images with 3
    channels in `data_format`."""
    data_format = data_format_of(name, data_format)
    images = check_images(name, images)
    _check_float(name, images)
    axis = _channel_axis(data_format)
    _check_rgb(name, images, axis)
    return images, axis


@op
def rgb_to_grayscale(images, data_format=None):
    """Luma 0.2989 R + 0.587 G + 0.114 B, keeping a channel axis of size 1 (in the images'
    dtype; integer images truncate, as Keras's torch backend does). One-channel images are
    returned as they are. Shapes: (..., H, W, 3) -> (..., H, W, 1) (channels_last)."""
    name = "rgb_to_grayscale"
    data_format = data_format_of(name, data_format)
    images = check_images(name, images)
    axis = _channel_axis(data_format)
    if images.shape[axis] not in (1, 3):
        raise ValueError(f"{name}: invalid channel size: expected 3 (RGB) or 1 (Grayscale). "
                         f"Received input with shape images.shape={tuple(images.shape)}")
    if images.shape[axis] == 1:
        return images
    dtype = standardize_dtype(images.dtype)
    work = images if images.dtype.kind == "f" else cast(images, "float32")
    shape = [1] * images.ndim
    shape[axis] = 3
    weights = xp.asarray(np.reshape(_LUMA, shape), dtype=work.dtype)
    return cast(sum_(work * weights, axis=axis, keepdims=True), dtype)


@op
def rgb_to_hsv(images, data_format=None):
    """RGB -> HSV for float images (hue, saturation, value in [0, 1]); same shape.

    Values within the dtype's epsilon of zero count as zero; grey pixels get hue 0 and black
    pixels saturation 0."""
    name = "rgb_to_hsv"
    images, axis = _float_rgb_images(name, images, data_format)
    eps = float(np.finfo(images.dtype).eps)
    images = where(abs_(images) < eps, 0.0, images)
    r, g, b = _planes(images, axis)
    value = maximum(maximum(r, g), b)
    range_ = value - minimum(minimum(r, g), b)
    safe_value = where(value > 0, value, 1.0)
    safe_range = where(range_ > 0, range_, 1.0)
    saturation = where(value > 0, range_ / safe_value, 0.0)
    norm = 1.0 / (6.0 * safe_range)
    hue = where(equal(value, g), norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0)
    hue = where(equal(value, r), norm * (g - b), hue)
    hue = where(range_ > 0, hue, 0.0) + cast(hue.data < 0.0, hue.dtype)
    return stack([hue, saturation, value], axis=axis)


@op
def hsv_to_rgb(images, data_format=None):
    """HSV -> RGB for float images (hue wraps around modulo 1); same shape."""
    name = "hsv_to_rgb"
    images, axis = _float_rgb_images(name, images, data_format)
    hue, saturation, value = _planes(images, axis)
    dh = mod(hue, 1.0) * 6.0
    dr = clip(abs_(dh - 3.0) - 1.0, 0.0, 1.0)
    dg = clip(2.0 - abs_(dh - 2.0), 0.0, 1.0)
    db = clip(2.0 - abs_(dh - 4.0), 0.0, 1.0)
    one_minus_s = 1.0 - saturation
    planes = [value * (one_minus_s + saturation * d) for d in (dr, dg, db)]
    return stack(planes, axis=axis)
