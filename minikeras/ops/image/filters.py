"""Convolution filters on images: `gaussian_blur`, `sobel_edges` and the `ssim` similarity
index (Gaussian-weighted local statistics). Each is a per-channel (depthwise) convolution,
so gradients come from `ops.conv`'s."""
import numpy as np

from minikeras.backend.dtypes import result_type, standardize_dtype
from minikeras.ops.convolution import conv
from minikeras.ops.core import cast
from minikeras.ops.image.layout import (check_images, data_format_of, from_batched_nhwc,
                                        to_batched_nhwc)
from minikeras.ops.manipulation import reshape, squeeze, stack, transpose
from minikeras.ops.reduction import mean
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.image"


def gaussian_1d(size, sigma):
    """Normalized Gaussian weights at the `size` offsets centred on 0 (float64)."""
    x = np.arange(size) - (size - 1) / 2.0
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def depthwise(images, kernel_2d, padding):
    """Each channel of (B, H, W, C) `images` convolved with the same (kh, kw) kernel;
    `padding` = ((top, bottom), (left, right)) zeros."""
    channels = images.shape[-1]
    kernel = np.broadcast_to(np.asarray(kernel_2d, dtype=images.dtype)[:, :, None, None],
                             kernel_2d.shape + (1, channels))
    return conv(images, np.ascontiguousarray(kernel), padding=[tuple(p) for p in padding])


def _pair(name, value, arg, kind):
    try:
        values = tuple(value) if not isinstance(value, (int, float, np.number)) else (value,) * 2
    except TypeError:
        values = ()
    if len(values) != 2:
        raise ValueError(f"{name}: `{arg}` must be one {kind} or two (height, width). "
                         f"Received: {arg}={value!r}")
    return values


@op
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Blur each channel with a Gaussian of `kernel_size` and `sigma` ((height, width) pairs),
    zero-padded by kernel_size[0] // 2 on every side (as Keras's torch backend, whose 2-D kernel
    is outer(gaussian(kernel_size[1], sigma[1]), gaussian(kernel_size[0], sigma[0])) laid out
    as (kernel_size[0], kernel_size[1])). Same shape out for odd square kernels."""
    name = "gaussian_blur"
    data_format = data_format_of(name, data_format)
    images = check_images(name, images)
    size = tuple(int(k) for k in _pair(name, kernel_size, "kernel_size", "integer"))
    sigma = tuple(float(s) for s in _pair(name, sigma, "sigma", "number"))
    if min(size) < 1 or min(sigma) <= 0:
        raise ValueError(f"{name}: `kernel_size` must be positive and `sigma` > 0. "
                         f"Received: kernel_size={kernel_size!r}, sigma={sigma!r}")
    kernel = np.outer(gaussian_1d(size[1], sigma[1]), gaussian_1d(size[0], sigma[0]))
    kernel = kernel.reshape(size)
    batched, layout = to_batched_nhwc(images, data_format)
    pad = size[0] // 2
    return from_batched_nhwc(depthwise(batched, kernel, ((pad, pad), (pad, pad))), layout)


_SOBEL_Y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=np.float64)


@op
def sobel_edges(images, data_format=None):
    """Sobel gradients of each channel (zero-padded, 3x3): (B, H, W, C) -> (B, H, W, C, 2)
    with [..., 0] the vertical (dy) and [..., 1] the horizontal (dx) response; channels_first
    gives (B, C, H, W, 2)."""
    name = "sobel_edges"
    data_format = data_format_of(name, data_format)
    images = check_images(name, images, ranks=(4,))
    batched, layout = to_batched_nhwc(images, data_format)
    padding = ((1, 1), (1, 1))
    edges = stack([depthwise(batched, _SOBEL_Y, padding),
                   depthwise(batched, _SOBEL_Y.T, padding)], axis=-1)
    if data_format == "channels_first":
        edges = transpose(edges, (0, 3, 1, 2, 4))
    return edges


@op
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity (Wang et al. 2004) of two images, in [-1, 1] (1: identical).

    Local means, variances and covariance come from a `filter_size` Gaussian window
    (`filter_sigma`, valid positions only); the SSIM map is averaged over positions and
    channels. Shapes: (B, H, W, C) pairs -> (B,); single images -> a scalar. The result has
    image1's dtype."""
    name = "ssim"
    data_format = data_format_of(name, data_format)
    image1 = check_images(name, image1, arg="image1")
    image2 = check_images(name, image2, arg="image2")
    if image1.shape != image2.shape:
        raise ValueError(f"{name}: `image1` and `image2` must have the same shape, received "
                         f"{tuple(image1.shape)} and {tuple(image2.shape)}.")
    dtype = standardize_dtype(image1.dtype)
    compute = result_type(dtype, float)
    unbatched = image1.ndim == 3
    image1, _ = to_batched_nhwc(cast(image1, compute), data_format)
    image2, _ = to_batched_nhwc(cast(image2, compute), data_format)
    batch, height, width, channels = image1.shape
    if not 1 <= filter_size <= min(height, width):
        raise ValueError(f"{name}: `filter_size`={filter_size} must be between 1 and the "
                         f"image's height and width ({height}, {width}).")
    kernel = np.outer(gaussian_1d(filter_size, filter_sigma),
                      gaussian_1d(filter_size, filter_sigma))
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2

    def planes(x):  # one single-channel image per (image, channel)
        return reshape(transpose(x, (0, 3, 1, 2)), (-1, height, width, 1))

    def blur(x):
        return depthwise(x, kernel, ((0, 0), (0, 0)))
    x1, x2 = planes(image1), planes(image2)
    mu1, mu2 = blur(x1), blur(x2)
    sigma1 = blur(x1 * x1) - mu1 * mu1
    sigma2 = blur(x2 * x2) - mu2 * mu2
    sigma12 = blur(x1 * x2) - mu1 * mu2
    ssim_map = ((2.0 * mu1 * mu2 + c1) * (2.0 * sigma12 + c2)
                / ((mu1 * mu1 + mu2 * mu2 + c1) * (sigma1 + sigma2 + c2)))
    per_image = mean(reshape(mean(ssim_map, axis=(1, 2, 3)), (batch, channels)), axis=-1)
    if unbatched:
        per_image = squeeze(per_image, 0)
    return cast(per_image, dtype)
