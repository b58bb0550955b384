"""Resizing images: `resize` (Keras's interpolations, aspect-ratio crop/pad) and
`scale_and_translate` (JAX's general per-axis scale and shift).

Both are separable linear maps (see resample.py), so they differentiate exactly in the image.
Integer images are resized in float32 and rounded back to their dtype, as Keras does.
"""
from minikeras.backend.dtypes import standardize_dtype
from minikeras.ops.core import cast, convert_to_tensor
from minikeras.ops.image.layout import (check_images, data_format_of, from_batched_nhwc,
                                        to_batched_nhwc)
from minikeras.ops.image.resample import (apply_axis_matrices, area_matrix, pytorch_matrix,
                                          scale_translate_matrix)
from minikeras.ops.creation import full
from minikeras.ops.manipulation import concatenate, getitem
from minikeras.ops.math import clip, round as round_
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.image"

RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "bicubic", "lanczos3", "lanczos5", "area")
_SCALE_AND_TRANSLATE_METHODS = {"linear": "linear", "bilinear": "linear", "trilinear": "linear",
                                "triangle": "linear", "cubic": "cubic", "bicubic": "cubic",
                                "tricubic": "cubic", "lanczos3": "lanczos3",
                                "lanczos5": "lanczos5"}


def to_compute_dtype(x):
    """(x as float32/float64, its own dtype): other dtypes are resampled in float32."""
    dtype = standardize_dtype(x.dtype)
    if dtype in ("float32", "float64"):
        return x, dtype
    return cast(x, "float32"), dtype


def back_to_dtype(x, dtype, low=None, high=None):
    """Cast a float32 result back to `dtype`, rounding (and clipping to [low, high]) for ints."""
    if standardize_dtype(x.dtype) == dtype:
        return x
    if dtype.startswith(("int", "uint")):
        x = round_(x)
        if low is not None:
            x = clip(x, low, high)
    return cast(x, dtype)


def _crop_to_aspect(images, size):
    height, width = images.shape[1:3]
    target_h, target_w = size
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
    return getitem(images, (slice(None), slice(top, top + crop_h), slice(left, left + crop_w)))


def _pad_to_aspect(images, size, fill_value):
    """Equal bands of `fill_value` on both sides (Keras's torch backend: a band of
    int((padded - size) / 2) each side)."""
    batch, height, width, channels = images.shape
    target_h, target_w = size
    top = int((max(height, int(float(width * target_h) / target_w)) - height) / 2)
    left = int((max(width, int(float(height * target_w) / target_h)) - width) / 2)
    if top > 0:
        band = full((batch, top, width, channels), fill_value, dtype=images.dtype)
        images = concatenate([band, images, band], axis=1)
    if left > 0:
        band = full((batch, images.shape[1], left, channels), fill_value, dtype=images.dtype)
        images = concatenate([band, images, band], axis=2)
    return images


def _check_size(name, size):
    try:
        size = tuple(size)
    except TypeError:
        size = None
    if size is None or len(size) != 2 or not all(
            isinstance(s, int) and not isinstance(s, bool) and s > 0 for s in size):
        raise ValueError(f"{name}: the `size` argument must be a tuple of two positive "
                         f"integers (height, width). Received: size={size!r}")
    return size


@op
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Resize images to `size` = (height, width).

    Shapes: (H, W, C) or (B, H, W, C) -> (..., height, width, C) for channels_last,
    (C, H, W) / (B, C, H, W) -> (..., C, height, width) for channels_first.

    interpolation: 'bilinear', 'nearest', 'bicubic' (values of Keras's torch backend, i.e.
    `torch.nn.functional.interpolate` with align_corners=False; `antialias` widens the kernel
    when shrinking), 'lanczos3' / 'lanczos5' (JAX's kernels, as Keras's JAX backend) and 'area'
    (box averages over each output pixel's footprint). `crop_to_aspect_ratio` first crops the
    largest centred box of the target's aspect ratio; `pad_to_aspect_ratio` pads with
    `fill_value` instead (fill_mode 'constant' only). Integer images come back rounded.
    """
    name = "resize"
    data_format = data_format_of(name, data_format)
    if interpolation not in RESIZE_INTERPOLATIONS:
        raise ValueError(f"{name}: invalid value for argument `interpolation`: expected one of "
                         f"{RESIZE_INTERPOLATIONS}. Received: interpolation={interpolation!r}")
    if fill_mode != "constant":
        raise ValueError(f"{name}: invalid value for argument `fill_mode`: only 'constant' is "
                         f"supported. Received: fill_mode={fill_mode!r}")
    if pad_to_aspect_ratio and crop_to_aspect_ratio:
        raise ValueError(f"{name}: only one of `pad_to_aspect_ratio` and "
                         f"`crop_to_aspect_ratio` can be True.")
    size = _check_size(name, size)
    images = check_images(name, images)
    images, layout = to_batched_nhwc(images, data_format)
    images, dtype = to_compute_dtype(images)
    if crop_to_aspect_ratio:
        images = _crop_to_aspect(images, size)
    elif pad_to_aspect_ratio:
        images = _pad_to_aspect(images, size, fill_value)
    matrices = []
    for axis, n_out in ((1, size[0]), (2, size[1])):
        n_in = images.shape[axis]
        if interpolation in ("bilinear", "nearest", "bicubic"):
            aa = antialias and interpolation != "nearest"
            matrix = pytorch_matrix(n_in, n_out, interpolation, aa)
        elif interpolation == "area":
            matrix = area_matrix(n_in, n_out)
        else:
            matrix = scale_translate_matrix(n_in, n_out, n_out / n_in, 0.0, interpolation,
                                            antialias)
        matrices.append((axis, matrix))
    resized = apply_axis_matrices(images, matrices)
    if dtype == "uint8" and interpolation == "bicubic":
        resized = back_to_dtype(resized, dtype, 0, 255)
    else:
        resized = back_to_dtype(resized, dtype)
    return from_batched_nhwc(resized, layout)


@op
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Resample `images` onto `output_shape`, scaling and shifting each axis of `spatial_dims`
    (like `jax.image.scale_and_translate`).

    Output pixel i of axis d samples the input at (i + 0.5 - translation[k]) / scale[k] - 0.5
    with the `method` kernel ('linear'/'bilinear'/'trilinear', 'cubic'/'bicubic'/'tricubic',
    'lanczos3', 'lanczos5'); `antialias` widens the kernel when shrinking. Any rank; the axes
    outside `spatial_dims` keep their size. Integer images come back rounded and clipped to
    their input's range.
    """
    name = "scale_and_translate"
    if method not in _SCALE_AND_TRANSLATE_METHODS:
        raise ValueError(f"{name}: invalid value for argument `method`: expected one of "
                         f"{sorted(_SCALE_AND_TRANSLATE_METHODS)}. Received: method={method!r}")
    kernel = _SCALE_AND_TRANSLATE_METHODS[method]  # one of resample.KERNELS
    images = convert_to_tensor(images)
    scale = convert_to_tensor(scale).data.reshape(-1)
    translation = convert_to_tensor(translation).data.reshape(-1)
    spatial_dims = tuple(spatial_dims)
    output_shape = tuple(output_shape)
    if len(output_shape) != images.ndim:
        raise ValueError(f"{name}: `output_shape` must have one entry per axis of `images` "
                         f"({images.ndim}), received output_shape={output_shape}.")
    if len(scale) != len(spatial_dims) or len(translation) != len(spatial_dims):
        raise ValueError(f"{name}: `scale` and `translation` need one value per spatial dim "
                         f"({len(spatial_dims)}), received {len(scale)} and "
                         f"{len(translation)}.")
    if not spatial_dims:
        return images
    integer = standardize_dtype(images.dtype).startswith(("int", "uint"))
    work = cast(images, "float32") if integer else images
    matrices = []
    for k, axis in enumerate(spatial_dims):
        if not -images.ndim <= axis < images.ndim:
            raise ValueError(f"{name}: `spatial_dims` entry {axis} is out of range for "
                             f"images of rank {images.ndim}.")
        axis %= images.ndim
        matrices.append((axis, scale_translate_matrix(
            images.shape[axis], output_shape[axis], float(scale[k]), float(translation[k]),
            kernel, antialias)))
    out = apply_axis_matrices(work, matrices)
    if integer:
        data = images.data
        out = back_to_dtype(out, standardize_dtype(images.dtype), data.min(), data.max())
    return out
