"""Separable linear resampling: the weight matrices behind `resize` and `scale_and_translate`.

Every resize method is linear in the image and acts on each spatial axis on its own, so it is a
product of per-axis (out_size, in_size) matrices: out = W_h @ image @ W_w^T. The matrices are
built here in float64 with vectorized NumPy (one row per output pixel); `apply_axis_matrices`
applies them with its VJP (the transposed matrices).

Index conventions follow the frameworks Keras runs on: `pytorch_matrix` reproduces
`torch.nn.functional.interpolate` (align_corners=False; 'nearest' is torch's nearest-exact,
bicubic uses a = -0.75 without antialias and a = -0.5 with it); `scale_translate_matrix`
reproduces `jax.image.scale_and_translate` (pixel centres at i + 0.5, kernels stretched by the
downscale factor when antialiasing).
"""
import numpy as np

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record


def _triangle(x):
    return np.maximum(0.0, 1.0 - np.abs(x))


def _cubic(x, a):
    """Keys' cubic convolution kernel with parameter `a` (x may be negative)."""
    x = np.abs(x)
    near = ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0
    far = ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a
    return np.where(x < 1.0, near, np.where(x < 2.0, far, 0.0))


def _lanczos(radius):
    def kernel(x):
        x = np.abs(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = radius * np.sin(np.pi * x) * np.sin(np.pi * x / radius) / (np.pi ** 2 * x ** 2)
        return np.where(x > radius, 0.0, np.where(x > 1e-3, y, 1.0))
    return kernel


#: scale_and_translate's kernels (JAX's names), each of |distance| in input pixels
KERNELS = {
    "linear": _triangle,
    "cubic": lambda x: _cubic(x, -0.5),
    "lanczos3": _lanczos(3.0),
    "lanczos5": _lanczos(5.0),
}


def pytorch_matrix(n_in, n_out, interpolation, antialias):
    """(n_out, n_in) weights of torch's `interpolate` along one axis (align_corners=False)."""
    scale = n_in / n_out
    rows = np.arange(n_out)
    matrix = np.zeros((n_out, n_in))
    if interpolation == "nearest":  # torch's nearest-exact, in float32 as torch computes it
        src = np.floor((rows.astype(np.float32) + np.float32(0.5)) * np.float32(scale))
        matrix[rows, np.minimum(src.astype(np.int64), n_in - 1)] = 1.0
        return matrix
    if antialias:
        return _pytorch_antialias_matrix(n_in, n_out, interpolation, scale)
    src = np.float32(scale) * (rows.astype(np.float32) + np.float32(0.5)) - np.float32(0.5)
    src = src.astype(np.float64)
    if interpolation == "bilinear":
        src = np.maximum(src, 0.0)
        low = np.floor(src).astype(np.int64)
        frac = src - low
        high = np.minimum(low + 1, n_in - 1)
        np.add.at(matrix, (rows, low), 1.0 - frac)
        np.add.at(matrix, (rows, high), frac)
        return matrix
    low = np.floor(src).astype(np.int64)  # bicubic: 4 taps, indices clamped to the edges
    frac = src - low
    for tap in range(-1, 3):
        weight = _cubic(frac - tap, -0.75)
        np.add.at(matrix, (rows, np.clip(low + tap, 0, n_in - 1)), weight)
    return matrix


def _pytorch_antialias_matrix(n_in, n_out, interpolation, scale):
    """torch's antialiased bilinear / bicubic: the kernel widens by the downscale factor and
    the taps inside the input are renormalized to sum to one."""
    half = 1.0 if interpolation == "bilinear" else 2.0
    support = half * scale if scale >= 1.0 else half
    inv_scale = 1.0 / scale if scale >= 1.0 else 1.0
    center = scale * (np.arange(n_out) + 0.5)
    start = np.maximum(np.trunc(center - support + 0.5), 0)[:, None]
    stop = np.minimum(np.trunc(center + support + 0.5), n_in)[:, None]
    taps = np.arange(n_in)[None, :]
    distance = (taps - center[:, None] + 0.5) * inv_scale
    kernel = _triangle if interpolation == "bilinear" else (lambda x: _cubic(x, -0.5))
    weights = np.where((taps >= start) & (taps < stop), kernel(distance), 0.0)
    total = weights.sum(axis=1, keepdims=True)
    return np.divide(weights, total, out=np.zeros_like(weights), where=total != 0)


def area_matrix(n_in, n_out):
    """(n_out, n_in) box averages: output pixel i covers input [i*s, (i+1)*s), s = n_in/n_out,
    and each input pixel counts by how much of it lies inside."""
    scale = n_in / n_out
    lo = np.arange(n_out)[:, None] * scale
    taps = np.arange(n_in)[None, :]
    overlap = np.minimum(taps + 1, lo + scale) - np.maximum(taps, lo)
    return np.maximum(overlap, 0.0) / scale


def scale_translate_matrix(n_in, n_out, scale, translation, kernel, antialias):
    """(n_out, n_in) weights of `jax.image.scale_and_translate` along one axis.

    Output pixel i samples the input at (i + 0.5 - translation) / scale - 0.5; outputs that
    fall outside the input get zero weights, and columns whose kernel sums to ~0 stay zero."""
    inv_scale = 1.0 / scale
    kernel_scale = max(inv_scale, 1.0) if antialias else 1.0
    sample = (np.arange(n_out) + 0.5) * inv_scale - translation * inv_scale - 0.5
    weights = KERNELS[kernel](np.abs(sample[:, None] - np.arange(n_in)[None, :]) / kernel_scale)
    total = weights.sum(axis=1, keepdims=True)
    safe = np.abs(total) > 1000.0 * float(np.finfo(np.float32).eps)
    weights = np.where(safe, weights / np.where(total != 0, total, 1.0), 0.0)
    inside = (sample >= -0.5) & (sample <= n_in - 0.5)
    return np.where(inside[:, None], weights, 0.0)


def _contract(data, matrices):
    for axis, matrix in matrices:
        data = xp.moveaxis(xp.tensordot(data, matrix, axes=([axis], [1])), -1, axis)
    return data


def apply_axis_matrices(x, matrices):
    """x with each (axis, (out, in) matrix) of `matrices` applied along its axis.

    The VJP applies the transposed matrices, so the gradient of a resize is the adjoint
    resampling (each input pixel collects what its output pixels drew from it)."""
    matrices = [(axis, xp.asarray(m, dtype=x.dtype)) for axis, m in matrices]
    out = _contract(x.data, matrices)

    def vjp(g):
        return (_contract(g, [(axis, m.T) for axis, m in reversed(matrices)]),)
    return record(out, (x,), vjp)
