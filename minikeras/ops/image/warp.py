"""Sampling images at computed positions: `map_coordinates` (the sampler, order 0 or 1) and
the warps built on it, `affine_transform`, `perspective_transform` and `elastic_transform`.

`map_coordinates` gathers the input at the integer neighbours of every coordinate (2**n
corners for linear interpolation, one for nearest), weights them and sums; positions outside
the input follow `fill_mode`. Its VJP scatter-adds into the input and, for linear
interpolation, differentiates the weights with respect to the coordinates, so a warp's
parameters (an affine transform ...) get gradients too.
"""
import itertools

import numpy as np

from minikeras.backend import random as backend_random
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import cast, convert_to_tensor, unbroadcast
from minikeras.ops.image.filters import gaussian_1d, depthwise
from minikeras.ops.image.layout import (check_images, data_format_of, from_batched_nhwc,
                                        to_batched_nhwc)
from minikeras.ops.linalg import solve
from minikeras.ops.manipulation import expand_dims, getitem, reshape, stack
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.image"

FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")
INTERPOLATIONS = {"nearest": 0, "bilinear": 1}


def _mirror(index, size):
    """Reflection about the edge pixels' centres (d c b | a b c d | c b a)."""
    if size == 1:
        return xp.zeros_like(index)
    period = size - 1
    return xp.abs((index + period) % (2 * period) - period)


def _fix_index(index, size, fill_mode):
    if fill_mode in ("constant", "nearest"):
        return xp.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "mirror":
        return _mirror(index, size)
    return (_mirror(2 * index + 1, 2 * size + 1) - 1) // 2  # reflect: d c b a | a b c d | d c


def _nodes(coordinate, order):
    """[(index, weight, d weight / d coordinate)] of one axis' interpolation nodes;
    integer coordinates are exact (one node of weight 1)."""
    if coordinate.dtype.kind in "iub":
        return [(coordinate.astype(np.int64), None, None)]
    if order == 0:
        return [(xp.round(coordinate).astype(np.int64), None, None)]
    lower = xp.floor(coordinate)
    upper_weight = coordinate - lower
    lower = lower.astype(np.int64)
    return [(lower, 1.0 - upper_weight, -1.0), (lower + 1, upper_weight, 1.0)]


def sample(inputs, coordinates, order, fill_mode, fill_value):
    """inputs (an n-D Tensor) read at `coordinates` (n Tensors or int arrays, broadcastable
    to one output shape). The recorded primitive behind `map_coordinates`."""
    coords = [c.data if isinstance(c, Tensor) else xp.asarray(c) for c in coordinates]
    coords = xp.broadcast_arrays(*coords)
    data = inputs.data
    out_dtype = data.dtype
    integer = out_dtype.kind in "iub"
    work_dtype = np.result_type(*(c.dtype for c in coords if c.dtype.kind == "f"),
                                np.float32) if integer else out_dtype
    per_axis = [_nodes(c, order) for c in coords]
    corners = []
    out = xp.zeros(coords[0].shape if coords else (), dtype=work_dtype)
    for combo in itertools.product(*per_axis):
        index = tuple(_fix_index(node[0], size, fill_mode) for node, size in
                      zip(combo, data.shape))
        values = data[index].astype(work_dtype, copy=False)
        valid = None
        if fill_mode == "constant":
            valid = xp.logical_and.reduce(
                [(node[0] >= 0) & (node[0] < size) for node, size in zip(combo, data.shape)])
            values = xp.where(valid, values, xp.asarray(fill_value, dtype=work_dtype))
        weight = None
        for node in combo:
            if node[1] is not None:
                weight = node[1] if weight is None else weight * node[1]
        out = out + (values if weight is None else weight * values)
        corners.append((index, valid, combo, values))
    if integer:
        out = xp.round(out)
    out = out.astype(out_dtype, copy=False)
    coordinate_parents = [c for c in coordinates if isinstance(c, Tensor) and c.dtype.kind == "f"]

    def vjp(g):
        grad_inputs = xp.zeros(data.shape, dtype=g.dtype)
        grad_coords = [xp.zeros(coords[0].shape, dtype=g.dtype) for _ in coords]
        for index, valid, combo, values in corners:
            weights = [node[1] for node in combo]
            total = g
            for w in weights:
                if w is not None:
                    total = total * w
            if valid is not None:
                total = xp.where(valid, total, 0)
            xp.add.at(grad_inputs, index, total)
            if order == 1:
                for axis, node in enumerate(combo):
                    if node[2] is None:
                        continue
                    part = g * values * node[2]
                    for other, w in enumerate(weights):
                        if other != axis and w is not None:
                            part = part * w
                    grad_coords[axis] += part
        grads = [grad_inputs]
        for c, grad in zip(coordinates, grad_coords):
            if isinstance(c, Tensor) and c.dtype.kind == "f":
                grads.append(unbroadcast(grad, c.shape).astype(c.dtype, copy=False))
        return tuple(grads)
    return record(out, (inputs, *coordinate_parents), vjp)


def _check_mode(name, interpolation, fill_mode, modes=FILL_MODES):
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"{name}: invalid value for argument `interpolation`: expected one of "
                         f"{tuple(INTERPOLATIONS)}. Received: interpolation={interpolation!r}")
    if fill_mode not in modes:
        raise ValueError(f"{name}: invalid value for argument `fill_mode`: expected one of "
                         f"{modes}. Received: fill_mode={fill_mode!r}")


@op
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """inputs read at `coordinates` (like `scipy.ndimage.map_coordinates`, order 0 or 1).

    Shapes: inputs (d_1, ..., d_n); coordinates (n, *out_shape) (or n arrays of out_shape),
    one row of positions per input axis -> (*out_shape,). order 0 rounds to the nearest
    pixel, order 1 interpolates linearly. fill_mode for positions outside: 'constant'
    (`fill_value`), 'nearest' (edge pixel), 'wrap', 'mirror' (about the edge pixel's centre),
    'reflect' (about the edge). Integer inputs come back rounded.
    """
    name = "map_coordinates"
    inputs = convert_to_tensor(inputs)
    if isinstance(coordinates, (list, tuple)):
        coordinates = [convert_to_tensor(c) for c in coordinates]
    else:
        coordinates = convert_to_tensor(coordinates)
        if coordinates.ndim < 2:
            raise ValueError(f"{name}: invalid `coordinates` rank: expected at least rank 2. "
                             f"Received input with shape: {tuple(coordinates.shape)}")
        coordinates = [getitem(coordinates, i) for i in range(coordinates.shape[0])]
    if len(coordinates) != inputs.ndim:
        raise ValueError(f"{name}: the first dim of `coordinates` must be the rank of "
                         f"`inputs` ({inputs.ndim}). Received inputs with shape "
                         f"{tuple(inputs.shape)} and {len(coordinates)} coordinate rows.")
    if order not in (0, 1):
        raise NotImplementedError(f"{name}: `order` must be 0 or 1. Received: order={order!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"{name}: invalid value for argument `fill_mode`: expected one of "
                         f"{FILL_MODES}. Received: fill_mode={fill_mode!r}")
    return sample(inputs, coordinates, order, fill_mode, fill_value)


def _warp(images, y_in, x_in, interpolation, fill_mode, fill_value):
    """(B, H, W, C) images sampled at per-pixel input positions y_in, x_in ((B, H, W))."""
    batch, _, _, channels = images.shape
    b = xp.arange(batch).reshape(-1, 1, 1, 1)
    c = xp.arange(channels).reshape(1, 1, 1, -1)
    return sample(images, [b, expand_dims(y_in, -1), expand_dims(x_in, -1), c],
                  INTERPOLATIONS[interpolation], fill_mode, fill_value)


def _grid(height, width, dtype):
    y, x = xp.meshgrid(xp.arange(height, dtype=dtype), xp.arange(width, dtype=dtype),
                       indexing="ij")
    return y[None], x[None]


def _projective(params, height, width):
    """(y_in, x_in) of every output pixel under (B, 8) [a0, a1, a2, b0, b1, b2, c0, c1]:
    x_in = (a0 x + a1 y + a2) / k, y_in = (b0 x + b1 y + b2) / k, k = c0 x + c1 y + 1."""
    y, x = _grid(height, width, params.dtype)
    p = [reshape(getitem(params, (slice(None), i)), (-1, 1, 1)) for i in range(8)]
    k = p[6] * x + p[7] * y + 1.0
    return (p[3] * x + p[4] * y + p[5]) / k, (p[0] * x + p[1] * y + p[2]) / k


@op
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Warp images by projective transforms [a0, a1, a2, b0, b1, b2, c0, c1] ((8,) or (B, 8)):
    output pixel (x, y) reads the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
    k = c0 x + c1 y + 1 (Keras's convention; c0 = c1 = 0 is an affine map). interpolation
    'nearest' or 'bilinear'; fill_mode as `map_coordinates`. Same shape out. Gradients flow to
    the images and (bilinear) to the transform."""
    name = "affine_transform"
    data_format = data_format_of(name, data_format)
    _check_mode(name, interpolation, fill_mode)
    images = check_images(name, images)
    transform = convert_to_tensor(transform)
    if transform.ndim not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError(f"{name}: invalid `transform` shape: expected (8,) (single transform) "
                         f"or (batch, 8). Received transform.shape={tuple(transform.shape)}")
    if transform.dtype.kind != "f":
        transform = cast(transform, "float32")
    batched, layout = to_batched_nhwc(images, data_format)
    if transform.ndim == 1:
        transform = expand_dims(transform, 0)
    y_in, x_in = _projective(transform, batched.shape[1], batched.shape[2])
    out = _warp(batched, y_in, x_in, interpolation, fill_mode, fill_value)
    return from_batched_nhwc(out, layout)


def _homography(name, start_points, end_points, dtype):
    """(B, 8) transforms mapping each output (end) point onto its input (start) point: the
    solution of the 8 x 8 linear system the four point pairs give (differentiable in both)."""
    start, end = convert_to_tensor(start_points), convert_to_tensor(end_points)
    for points, arg in ((start, "start_points"), (end, "end_points")):
        if points.ndim not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
            raise ValueError(f"{name}: invalid `{arg}` shape: expected (4, 2) or (batch, 4, 2). "
                             f"Received {arg}.shape={tuple(points.shape)}")
    if start.shape != end.shape:
        raise ValueError(f"{name}: `start_points` and `end_points` must have the same shape, "
                         f"received {tuple(start.shape)} and {tuple(end.shape)}.")
    start, end = reshape(cast(start, dtype), (-1, 4, 2)), reshape(cast(end, dtype), (-1, 4, 2))
    ex, ey = getitem(end, (Ellipsis, 0)), getitem(end, (Ellipsis, 1))
    sx, sy = getitem(start, (Ellipsis, 0)), getitem(start, (Ellipsis, 1))
    zero = xp.zeros(ex.shape, dtype=dtype)
    one = xp.ones(ex.shape, dtype=dtype)
    rows_x = stack([ex, ey, one, zero, zero, zero, -sx * ex, -sx * ey], axis=-1)
    rows_y = stack([zero, zero, zero, ex, ey, one, -sy * ex, -sy * ey], axis=-1)
    matrix = reshape(stack([rows_x, rows_y], axis=2), (-1, 8, 8))
    target = reshape(stack([sx, sy], axis=2), (-1, 8, 1))
    return reshape(solve(matrix, target), (-1, 8))


@op
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Warp images so that the quadrilateral `start_points` lands on `end_points` ((4, 2) or
    (B, 4, 2) (x, y) corners). Outside the input reads `fill_value`. Same shape out; gradients
    flow to the images and (bilinear) through the homography's linear solve to the points.
    """
    name = "perspective_transform"
    data_format = data_format_of(name, data_format)
    _check_mode(name, interpolation, "constant")
    images = check_images(name, images)
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype("float32")
    transforms = _homography(name, start_points, end_points, str(dtype))
    batched, layout = to_batched_nhwc(images, data_format)
    y_in, x_in = _projective(transforms, batched.shape[1], batched.shape[2])
    out = _warp(batched, y_in, x_in, interpolation, "constant", fill_value)
    return from_batched_nhwc(out, layout)


def _generator(seed):
    if seed is None:
        return backend_random.global_generator()
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool):
        return np.random.default_rng(int(seed))
    if hasattr(seed, "next"):  # a SeedGenerator
        return seed.next()
    raise ValueError(f"elastic_transform: `seed` must be an integer or a SeedGenerator. "
                     f"Received: seed={seed!r}")


@op
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Elastic deformation (Simard et al. 2003): every pixel moves by a random displacement
    field, standard normal noise times `sigma` smoothed by a Gaussian of `sigma` (kernel
    int(6 sigma) | 1) and scaled by `alpha`; the image is resampled there with `fill_mode`.
    Same shape out. The noise comes from `seed` (an int, a SeedGenerator, or the global
    generator), so values differ from Keras's torch backend draw for draw."""
    name = "elastic_transform"
    data_format = data_format_of(name, data_format)
    _check_mode(name, interpolation, fill_mode)
    images = check_images(name, images)
    batched, layout = to_batched_nhwc(images, data_format)
    batch, height, width, _ = batched.shape
    dtype = images.dtype if images.dtype.kind == "f" else np.dtype("float32")
    alpha, sigma = float(alpha), float(sigma)
    size = int(6 * sigma) | 1
    kernel = np.outer(gaussian_1d(size, sigma), gaussian_1d(size, sigma))
    rng = _generator(seed)
    noise = (rng.standard_normal((2, batch, height, width, 1)) * sigma).astype(dtype)
    pad = size // 2
    dy, dx = (depthwise(convert_to_tensor(n), kernel, ((pad, pad), (pad, pad))).data[..., 0]
              for n in noise)
    y, x = _grid(height, width, dtype)
    out = _warp(batched, y + alpha * dy, x + alpha * dx, interpolation, fill_mode, fill_value)
    return from_batched_nhwc(out, layout)
