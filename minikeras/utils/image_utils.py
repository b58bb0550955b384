"""Images between files, PIL images and arrays (keras.utils.array_to_img, img_to_array,
load_img, save_img; keras.preprocessing.image.smart_resize).

Pillow does the decoding and encoding; it is optional (`pip install minikeras[image]`) and
imported on first use, so minikeras imports without it and only these functions ask for it.
Arrays are (height, width, channels) ("channels_last") or (channels, height, width).
"""
import io
import pathlib
import warnings

import numpy as np

from minikeras.backend import config
from minikeras.backend.autodiff import Tensor
from minikeras.ops.image import resize
from minikeras.ops.spatial_args import standardize_data_format

#: load_img's `interpolation` names -> the names of PIL's resampling filters
PIL_INTERPOLATIONS = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC",
                      "hamming": "HAMMING", "box": "BOX", "lanczos": "LANCZOS"}


def pil_image_module(function):
    """`PIL.Image`, or an ImportError saying that `function` needs Pillow and how to get it."""
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(f"{function} reads and writes images with Pillow, which is not "
                          f"installed: `pip install pillow` (or `pip install "
                          f"minikeras[image]`).") from error
    return Image


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image of a 3-D array: 4 channels give RGBA, 3 RGB, 1 grayscale ('L', or 32-bit
    'I' when values exceed 255). `scale` first maps the array's [min, max] onto [0, 255];
    without it the values are cast to uint8 as they are."""
    image_module = pil_image_module("array_to_img")
    data_format = standardize_data_format(data_format, owner="array_to_img")
    x = np.array(x.numpy() if isinstance(x, Tensor) else x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected an image array of rank 3 (single image). "
                         f"Received an array of shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        top = np.max(x)
        if top != 0:
            x /= top
        x *= 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image_module.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return image_module.fromarray(x[:, :, 0].astype("int32"), "I")
        return image_module.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: unsupported number of channels: {channels} "
                     f"(expected 1, 3 or 4).")


def img_to_array(img, data_format=None, dtype=None):
    """The 3-D array (dtype default floatx) of a PIL image (or anything array-like); a 2-D
    (grayscale) image gets a channel axis of 1."""
    data_format = standardize_data_format(data_format, owner="img_to_array")
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"img_to_array: unsupported image shape {x.shape} (expected 2-D or 3-D).")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write array `x` as an image file; the format comes from the file's extension unless
    `file_format` names it (needed for file objects). RGBA saved as JPEG drops its alpha (with
    a warning). Extra keyword arguments go to `PIL.Image.save` (e.g. quality=90)."""
    data_format = standardize_data_format(data_format, owner="save_img")
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: the JPEG format does not support RGBA images, converting to "
                      "RGB.", stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def _center_box(width, height, target_width, target_height):
    """PIL's (left, upper, right, lower) of the largest centred box of the target's aspect."""
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    top, left = (height - crop_height) // 2, (width - crop_width) // 2
    return [left, top, left + crop_width, top + crop_height]


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image read from `path` (a path or an io.BytesIO).

    color_mode: 'rgb', 'rgba' or 'grayscale' (8-bit, 16-bit and 32-bit grayscale stay as they
    are). target_size: (height, width) to resize to with `interpolation` ('nearest',
    'bilinear', 'bicubic', 'hamming', 'box', 'lanczos'); `keep_aspect_ratio` first crops the
    largest centred box of the target's aspect ratio."""
    image_module = pil_image_module("load_img")
    if isinstance(path, io.BytesIO):
        img = image_module.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        with open(path, "rb") as f:
            img = image_module.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: `path` should be path-like or io.BytesIO, not "
                        f"{type(path).__name__}")
    conversions = {"grayscale": ("L", ("L", "I;16", "I")), "rgba": ("RGBA", ("RGBA",)),
                   "rgb": ("RGB", ("RGB",))}
    if color_mode not in conversions:
        raise ValueError(f"load_img: `color_mode` must be 'grayscale', 'rgb' or 'rgba'. "
                         f"Received: color_mode={color_mode!r}")
    mode, kept = conversions[color_mode]
    if img.mode not in kept:
        img = img.convert(mode)
    if target_size is not None:
        size = (target_size[1], target_size[0])
        if img.size != size:
            if interpolation not in PIL_INTERPOLATIONS:
                raise ValueError(f"load_img: invalid interpolation method {interpolation!r}. "
                                 f"Supported methods are {', '.join(PIL_INTERPOLATIONS)}")
            resample = getattr(image_module.Resampling, PIL_INTERPOLATIONS[interpolation])
            box = _center_box(*img.size, *size) if keep_aspect_ratio else None
            img = img.resize(size, resample, box=box)
    return img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resize image(s) to `size` = (height, width) without distorting them: crop the largest
    centred box of the target's aspect ratio, then `ops.image.resize` it.

    Shapes: (H, W, C) or (B, H, W, C) (channels_first: (C, H, W) / (B, C, H, W)) ->
    height x width. A NumPy array comes back as a NumPy array, a tensor as a tensor.
    `backend_module` (Keras's hook for another backend) is accepted and ignored."""
    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"smart_resize: expected `size` to be a tuple of 2 integers, but got: "
                         f"{size}.")
    shape = tuple(x.shape) if hasattr(x, "shape") else np.shape(x)
    if not 3 <= len(shape) <= 4:
        raise ValueError(f"smart_resize: expected an image array with shape (height, width, "
                         f"channels), or (batch_size, height, width, channels), but got input "
                         f"with incorrect rank, of shape {shape}.")
    out = resize(x, size, interpolation=interpolation, crop_to_aspect_ratio=True,
                 data_format=data_format)
    return out.numpy() if isinstance(x, np.ndarray) else out
