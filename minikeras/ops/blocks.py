"""Moving blocks of values between axes: depth_to_space / space_to_depth (pixel shuffle),
unfold / fold (torch-style im2col and its inverse) and extract_sequences (overlapping frames
of a signal).

All are rearrangements: each output value is one input value (fold sums the values that land
on the same pixel), so each gradient is the opposite rearrangement.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.manipulation import getitem, pad, reshape, transpose
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.nn"


def _block_size(name, block_size):
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 1:
        raise ValueError(f"{name}: `block_size` must be a positive integer, received "
                         f"{block_size!r}.")
    return block_size


def _image(name, x, data_format):
    x = convert_to_tensor(x)
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{name}: `data_format` must be 'channels_last' or 'channels_first', "
                         f"received {data_format!r}.")
    if x.ndim != 4:
        raise ValueError(f"{name}: `x` must be a batch of images, (batch, height, width, "
                         f"channels) or (batch, channels, height, width), received shape "
                         f"{x.shape}.")
    return x


@op
def depth_to_space(x, block_size, data_format="channels_last"):
    """Move channel blocks into space: (n, h, w, c * b * b) -> (n, h * b, w * b, c) with
    channels_last, (n, c * b * b, h, w) -> (n, c, h * b, w * b) with channels_first.

    channels_last reads the input channel (i * b + j) * c + k into pixel offset (i, j),
    channel k (TensorFlow's order); channels_first reads channel k * b * b + i * b + j (torch's
    pixel_shuffle order), as Keras does for each format."""
    b = _block_size("depth_to_space", block_size)
    x = _image("depth_to_space", x, data_format)
    channels = x.shape[3] if data_format == "channels_last" else x.shape[1]
    if channels % (b * b):
        raise ValueError(f"depth_to_space: the {channels} channels do not divide by "
                         f"block_size ** 2 = {b * b}.")
    c = channels // (b * b)
    if data_format == "channels_last":
        n, h, w, _ = x.shape
        y = transpose(reshape(x, (n, h, w, b, b, c)), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h * b, w * b, c))
    n, _, h, w = x.shape
    y = transpose(reshape(x, (n, c, b, b, h, w)), (0, 1, 4, 2, 5, 3))
    return reshape(y, (n, c, h * b, w * b))


@op
def space_to_depth(x, block_size, data_format="channels_last"):
    """Move b x b pixel blocks into channels, the inverse of `depth_to_space`:
    (n, h * b, w * b, c) -> (n, h, w, c * b * b) with channels_last,
    (n, c, h * b, w * b) -> (n, c * b * b, h, w) with channels_first."""
    b = _block_size("space_to_depth", block_size)
    x = _image("space_to_depth", x, data_format)
    height, width = x.shape[1:3] if data_format == "channels_last" else x.shape[2:]
    if height % b or width % b:
        raise ValueError(f"space_to_depth: height {height} and width {width} must divide by "
                         f"block_size {b}.")
    h, w = height // b, width // b
    if data_format == "channels_last":
        n, c = x.shape[0], x.shape[3]
        y = transpose(reshape(x, (n, h, b, w, b, c)), (0, 1, 3, 2, 4, 5))
        return reshape(y, (n, h, w, b * b * c))
    n, c = x.shape[:2]
    y = transpose(reshape(x, (n, c, h, b, w, b)), (0, 1, 3, 5, 2, 4))
    return reshape(y, (n, c * b * b, h, w))


def _pair(name, arg, value):
    values = (value, value) if isinstance(value, int) else tuple(value)
    if len(values) != 2 or not all(isinstance(v, int) for v in values):
        raise ValueError(f"{name}: `{arg}` must be an int or a pair of ints, received "
                         f"{value!r}.")
    return values


def _patch_grid(name, size, kernel_size, dilation, padding, stride):
    """Row and column positions (in the padded image) of every kernel tap at every patch:
    rows (kh, 1, oh, 1) and cols (1, kw, 1, ow), with the padding and the patch counts."""
    kernel, dilation, padding, stride = (_pair(name, arg, v) for arg, v in (
        ("kernel_size", kernel_size), ("dilation", dilation), ("padding", padding),
        ("stride", stride)))
    if min(kernel) < 1 or min(dilation) < 1 or min(stride) < 1 or min(padding) < 0:
        raise ValueError(f"{name}: `kernel_size`, `dilation` and `stride` must be positive and "
                         f"`padding` non-negative, received {kernel}, {dilation}, {stride}, "
                         f"{padding}.")
    counts = []
    for n, k, d, p, s in zip(size, kernel, dilation, padding, stride):
        span = d * (k - 1) + 1
        if n + 2 * p < span:
            raise ValueError(f"{name}: a kernel spanning {span} pixels does not fit an image "
                             f"side of {n} padded by {p}.")
        counts.append((n + 2 * p - span) // s + 1)
    (kh, kw), (dh, dw), (sh, sw) = kernel, dilation, stride
    oh, ow = counts
    rows = (xp.arange(kh) * dh)[:, None] + (xp.arange(oh) * sh)[None, :]
    cols = (xp.arange(kw) * dw)[:, None] + (xp.arange(ow) * sw)[None, :]
    return rows[:, None, :, None], cols[None, :, None, :], padding, oh * ow


@op
def unfold(x, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding patches as columns (torch's `unfold` / im2col): (n, c, h, w) ->
    (n, c * kh * kw, L), L the number of patch positions; column l holds patch l's values
    channel by channel, each in kernel row-major order. Zero `padding` surrounds the image.
    The gradient adds each patch value back to its pixel."""
    x = convert_to_tensor(x)
    if x.ndim != 4:
        raise ValueError(f"unfold: `x` must be (batch, channels, height, width), received "
                         f"shape {x.shape}.")
    rows, cols, (ph, pw), count = _patch_grid("unfold", x.shape[2:], kernel_size, dilation,
                                              padding, stride)
    if ph or pw:
        x = pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    patches = getitem(x, (slice(None), slice(None), rows, cols))  # (n, c, kh, kw, oh, ow)
    n, c = x.shape[:2]
    return reshape(patches, (n, c * rows.shape[0] * cols.shape[1], count))


@op
def fold(x, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Columns back into an image, the adjoint of `unfold` (torch's `fold` / col2im):
    (n, c * kh * kw, L) -> (n, c, *output_size), values of overlapping patches summed.
    The gradient is `unfold` of the cotangent."""
    x = convert_to_tensor(x)
    size = _pair("fold", "output_size", output_size)
    rows, cols, (ph, pw), count = _patch_grid("fold", size, kernel_size, dilation, padding,
                                              stride)
    kh, kw = rows.shape[0], cols.shape[1]
    if x.ndim != 3 or x.shape[1] % (kh * kw) or x.shape[2] != count:
        raise ValueError(f"fold: `x` must be (batch, channels * {kh * kw}, {count}) for this "
                         f"output size and kernel, received shape {x.shape}.")
    n, c = x.shape[0], x.shape[1] // (kh * kw)
    patches = x.data.reshape(n, c, kh, kw, rows.shape[2], cols.shape[3])
    padded = xp.zeros((n, c, size[0] + 2 * ph, size[1] + 2 * pw), dtype=x.dtype)
    index = (slice(None), slice(None), rows, cols)
    xp.add.at(padded, index, patches)
    out = padded[:, :, ph:ph + size[0], pw:pw + size[1]]

    def vjp(g):
        full = xp.pad(g, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
        return (full[index].reshape(x.shape),)
    return record(out, (x,), vjp)


@op(keras_module="keras.src.ops.math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Overlapping frames along the last axis: (..., n) -> (..., frames, sequence_length),
    frame i starting at i * sequence_stride, frames = 1 + (n - sequence_length) //
    sequence_stride (frames past the end are dropped)."""
    x = convert_to_tensor(x)
    for arg, value in (("sequence_length", sequence_length),
                       ("sequence_stride", sequence_stride)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"extract_sequences: `{arg}` must be a positive integer, "
                             f"received {value!r}.")
    if x.ndim < 1 or x.shape[-1] < sequence_length:
        raise ValueError(f"extract_sequences: the last axis of `x` (shape {x.shape}) must be "
                         f"at least `sequence_length`={sequence_length} long.")
    frames = 1 + (x.shape[-1] - sequence_length) // sequence_stride
    index = (xp.arange(frames) * sequence_stride)[:, None] + xp.arange(sequence_length)
    return getitem(x, (Ellipsis, index))
