"""Convolution primitives with hand-written VJPs: conv, conv_transpose, depthwise_conv,
separable_conv, for 1, 2 and 3 spatial dimensions, with Keras 3's arguments and semantics.

How a convolution is computed here (channels_last; channels_first inputs are transposed to
channels_last views first and the result is transposed back):

    forward   pad once (only if a pad is non-zero), take a zero-copy strided view of every
              window (`sliding_window_view`, then steps of `strides` over positions and of
              `dilation_rate` inside each window), copy it once into a column matrix
              cols (batch * out_positions, kernel_positions * in_channels), and do one GEMM
              out = cols @ kernel.
    dkernel   one GEMM over the same columns, cols^T @ g (the forward keeps its columns when
              a kernel gradient will be needed).
    dinputs   one matmul call to columns, dcols[k] = g @ kernel[k]^T for every kernel offset
              k (offset-major, so each offset's block is contiguous), then "col2im": a Python
              loop over the kernel OFFSETS only (kh * kw iterations), each adding one block
              into a strided slice of the input gradient (`+=` on a slice, never `np.add.at`,
              never a loop over samples or pixels). The slices are clipped to the unpadded
              input, so no padded buffer is allocated and nothing is cropped.

Column matrices that live only inside one call go to a reusable thread-local scratch buffer:
freshly mapped memory costs a page fault per page, which had made the backward about twice
as slow as its arithmetic.

`conv_transpose` is the same machinery run the other way: its forward is a matmul to columns
plus col2im, its backward takes windows of the (padded) output gradient and does GEMMs.

Groups (`in_channels // kernel.shape[-2]`, inferred like Keras) are one batched matmul over
the groups. With one input channel per group (`depthwise_conv`, or conv with
kernel.shape[-2] == 1) the GEMMs would be too thin for BLAS, so that case contracts the
window view with einsum instead.

Extensions over `keras.ops`, used by the layers: `padding` may also be a list of explicit
(before, after) pairs, one per spatial axis (Conv1D's "causal" padding is `[(left, 0)]`); the
keyword-only `bias` (filters,) is added to the output inside the same node.
"""
import itertools
import math
import threading

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import is_recording, may_overwrite, record
from minikeras.backend.parallel import over_batch
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.spatial_args import (same_padding, standardize_data_format,  # noqa: F401
                                        standardize_tuple)
from minikeras.ops.nn import relu as relu_op
from minikeras.ops.symbolic import op


# -- argument handling -------------------------------------------------------------------------
def conv_transpose_padding(kernel_size, stride, dilation, padding, output_padding):
    """(left, right) padding of the stride-dilated input for one axis, as Keras computes it
    for JAX (keras/src/backend/common/backend_utils.py); the output length is
    (size - 1) * stride + 1 + left + right - effective_kernel + 1.
    """
    effective = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        if output_padding is None:
            output_padding = max(effective, stride) - effective
        return effective - 1, effective - 1 + output_padding
    if output_padding is None:
        pad_len = stride + effective - 2
    else:
        pad_len = effective + effective % 2 - 2 + output_padding
    left = min(pad_len // 2 + pad_len % 2, effective - 1)
    return left, pad_len - left


def conv_output_length(size, kernel_size, stride, padding, dilation=1):
    """Keras's output length of a convolution along one axis (None stays None)."""
    if size is None:
        return None
    if padding == "valid":
        return (size - dilation * (kernel_size - 1) - 1) // stride + 1
    return (size - 1) // stride + 1  # 'same' and 'causal'


def conv_transpose_output_length(size, kernel_size, stride, padding, output_padding=None,
                                 dilation=1):
    """Keras's output length of a transposed convolution along one axis (None stays None)."""
    if size is None:
        return None
    effective = (kernel_size - 1) * dilation + 1
    if padding == "valid":
        if output_padding is None:
            output_padding = max(effective, stride) - effective
        return (size - 1) * stride + effective + output_padding
    if output_padding is None:
        return size * stride
    return (size - 1) * stride + effective % 2 + output_padding


def _standardize_padding(padding, nd, op):
    if isinstance(padding, str):
        value = padding.lower()
        if value not in ("valid", "same"):
            raise ValueError(f"{op}: the `padding` argument must be 'valid', 'same' or a list of "
                             f"{nd} (before, after) pairs. Received: padding={padding!r}")
        return value
    try:
        pairs = tuple(tuple(int(v) for v in pair) for pair in padding)
    except (TypeError, ValueError):
        pairs = None
    if pairs is None or len(pairs) != nd or any(len(p) != 2 or min(p) < 0 for p in pairs):
        raise ValueError(f"{op}: the `padding` argument must be 'valid', 'same' or a list of {nd} "
                         f"(before, after) pairs of ints >= 0. Received: padding={padding!r}")
    return pairs


def _check_ranks(op, x, kernel, kernel_layout):
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{op}: `inputs` must have rank 3, 4 or 5 (batch, *spatial, channels) "
                         f"for a 1D, 2D or 3D convolution. Received inputs of shape {x.shape}.")
    if kernel.ndim != x.ndim:
        raise ValueError(f"{op}: `kernel` must have rank {x.ndim} {kernel_layout} to match "
                         f"inputs of rank {x.ndim}. Received kernel of shape {kernel.shape} and "
                         f"inputs of shape {x.shape}.")
    return x.ndim - 2


def _channels_last(array, data_format):
    """A channels_last view of a channels_first array (no copy)."""
    if data_format == "channels_last":
        return array
    return array.transpose((0,) + tuple(range(2, array.ndim)) + (1,))


def _channels_first(array, data_format):
    """The inverse of `_channels_last` (a view)."""
    if data_format == "channels_last":
        return array
    return array.transpose((0, array.ndim - 1) + tuple(range(1, array.ndim - 1)))


def _compute_dtype(x, kernel):
    if x.dtype.kind in "fc":
        return xp.result_type(x.dtype, kernel.dtype)
    return kernel.dtype


def _grads(parents, grads):
    """Each gradient in its parent's dtype (they differ only for mixed-precision calls)."""
    return tuple(g if g is None or g.dtype == p.dtype else g.astype(p.dtype)
                 for p, g in zip(parents, grads))


# -- the two data movers -------------------------------------------------------------------------
def _pad(array, pads):
    """Pad (positive) or crop (negative) the spatial axes of a channels_last array by
    (before, after) pairs; returns `array` itself when every pad is zero."""
    if all(b == 0 and a == 0 for b, a in pads):
        return array
    crop = (slice(None),) + tuple(slice(max(-b, 0), array.shape[i + 1] - max(-a, 0))
                                  for i, (b, a) in enumerate(pads)) + (slice(None),)
    array = array[crop]
    widths = [(0, 0)] + [(max(b, 0), max(a, 0)) for b, a in pads] + [(0, 0)]
    if any(w != (0, 0) for w in widths):
        array = xp.pad(array, widths)
    return array


_scratch = threading.local()


def _scratch_buffer(size, dtype):
    """A reusable work array of `size` elements (thread-local, one per dtype, grown on demand).

    The column matrices (tens of MB for a mid-sized batch) live only inside one forward or
    one backward call, so they are written into this buffer instead of a fresh allocation:
    touching freshly mapped memory costs a page fault per page, which made a conv backward
    about twice as slow as the arithmetic. Nothing written here ever leaves the op.
    """
    dtype = xp.dtype(dtype)
    buffers = getattr(_scratch, "buffers", None)
    if buffers is None:
        buffers = _scratch.buffers = {}
    buffer = buffers.get(dtype)
    if buffer is None or buffer.size < size or not isinstance(buffer, xp.ndarray):
        buffer = buffers[dtype] = xp.empty(size, dtype=dtype)
    return buffer[:size]


def _im2col(xpad, kernel_size, strides, dilation, groups, keep=False, ones_column=False):
    """Columns of every window of a (padded) channels_last array.

    Returns (cols, out_spatial): cols is a (batch * prod(out_spatial), groups,
    prod(kernel_size) * channels_per_group) matrix whose last axis is ordered
    (*kernel_size, channels_per_group), matching `kernel.reshape(-1, filters)`: C-contiguous,
    or the transposed view of an offset-major buffer for few channels per group (see
    `_offset_major_columns`). It is a view of `xpad` (1x1 kernels), a fresh array (`keep`:
    the caller holds on to it), or lives in the scratch buffer (use it before the next op).
    `ones_column` (only where `folds_bias` says so) appends a column of ones.
    """
    nd = len(kernel_size)
    n, spatial, c = xpad.shape[0], xpad.shape[1:-1], xpad.shape[-1]
    cg = c // groups
    per_window = math.prod(kernel_size) * cg
    if all(k == 1 for k in kernel_size):  # 1x1: the input is already the column matrix
        view = xpad[(slice(None),) + tuple(slice(None, None, s) for s in strides)]
        out_spatial = tuple(view.shape[1:-1])
        if not view.flags.c_contiguous:
            view = xp.ascontiguousarray(view) if keep else _copy_to_scratch(view)
        return view.reshape(-1, groups, per_window), out_spatial
    effective = tuple((k - 1) * d + 1 for k, d in zip(kernel_size, dilation))
    grouped = xpad.reshape((n,) + tuple(spatial) + (groups, cg))
    spatial_axes = tuple(range(1, nd + 1))
    view = xp.lib.stride_tricks.sliding_window_view(grouped, effective, axis=spatial_axes)
    # view: (n, *positions, groups, cg, *effective) -> step by strides and dilation
    view = view[(slice(None),) + tuple(slice(None, None, s) for s in strides)
                + (slice(None), slice(None)) + tuple(slice(None, None, d) for d in dilation)]
    out_spatial = tuple(view.shape[1:nd + 1])
    if cg <= OFFSET_MAJOR_CHANNELS:
        return _offset_major_columns(view, kernel_size, groups, keep, ones_column), out_spatial
    # -> (n, *out, groups, *kernel_size, cg), copied once
    order = (0,) + spatial_axes + (nd + 1,) + tuple(range(nd + 3, 2 * nd + 3)) + (nd + 2,)
    view = view.transpose(order)
    cols = _copy(view, xp.empty(view.shape, view.dtype) if keep else
                 _scratch_buffer(view.size, view.dtype).reshape(view.shape))
    return cols.reshape(-1, groups, per_window), out_spatial


OFFSET_MAJOR_CHANNELS = 4  # at most this many channels per group: offset-major columns


def folds_bias(kernel_size, channels_per_group, groups):
    """Whether `_im2col` builds offset-major columns to which a row of ones is cheap to add:
    the conv then gets its bias from the same GEMM (an extra kernel row holding the bias) and
    the bias gradient from the kernel-gradient GEMM, which saves one pass over the output in
    each direction."""
    return (groups == 1 and channels_per_group <= OFFSET_MAJOR_CHANNELS
            and any(k > 1 for k in kernel_size))


def _offset_major_columns(view, kernel_size, groups, keep, ones_column=False):
    """The column matrix of `_im2col` for few channels per group, stored offset-major.

    `view` is the strided window view (n, *out, groups, cg, *kernel_size). With few channels
    (an image's 1 or 3) the window rows are short: copying (n, *out) rows of kh * kw * cg
    values each is mostly per-row overhead. Here each kernel offset instead copies one
    (n, *out) plane per channel, long runs along the spatial axes, into a (groups,
    prod(kernel_size) * cg, M) buffer, and the result is its transposed view (M, groups,
    prod(kernel_size) * cg): the same matrix as `_im2col`'s, which BLAS reads transposed at
    full speed (and the kernel gradient's cols^T @ g reads it in order). `ones_column` adds
    one more buffer row, of ones (groups == 1 only).
    """
    nd = len(kernel_size)
    n, out_spatial, cg = view.shape[0], view.shape[1:nd + 1], view.shape[nd + 2]
    offsets = list(itertools.product(*(range(k) for k in kernel_size)))
    per_window = len(offsets) * cg
    rows = per_window + (1 if ones_column else 0)
    size = groups * rows * n * math.prod(out_spatial)
    buffer = (xp.empty(size, view.dtype) if keep else
              _scratch_buffer(size, view.dtype)).reshape(groups, rows, -1)
    planes = buffer[:, :per_window].reshape((groups, len(offsets), cg, n) + tuple(out_spatial))
    # (n, *out, groups, cg, *offset) -> (groups, cg, n, *out) for one offset
    order = (nd + 1, nd + 2, 0) + tuple(range(1, nd + 1))

    def fill(start, stop):
        for index, offset in enumerate(offsets):
            source = view[(slice(start, stop),) + (slice(None),) * (nd + 2) + offset]
            xp.copyto(planes[:, index, :, start:stop], source.transpose(order))
    over_batch(fill, n, buffer.size)
    if ones_column:
        buffer[:, per_window] = 1
    return buffer.transpose(2, 0, 1)


def _copy_to_scratch(view):
    return _copy(view, _scratch_buffer(view.size, view.dtype).reshape(view.shape))


def _copy(view, target):
    """Copy a (batch, ...) view into `target`, slices of the batch on several cores."""
    over_batch(lambda start, stop: xp.copyto(target[start:stop], view[start:stop]),
               len(view), view.size)
    return target


def _bias_relu(out, bias, relu):
    """out = relu(out + bias) in place, slices of the batch on several cores."""
    def apply(start, stop):
        rows = out[start:stop]
        if bias is not None:
            rows += bias
        if relu:
            xp.maximum(rows, 0, out=rows)
    over_batch(apply, len(out), out.size)


def _relu_mask(g, out, overwrite=False):
    """g * (out > 0): the gradient through a fused ReLU (0 at out == 0, like Keras).

    With `overwrite` (the caller owns `g`, see `autodiff.may_overwrite`) the mask is applied
    in place: no second array of the output's size is written, about 25% faster.
    """
    dtype = xp.result_type(g.dtype, out.dtype)
    if overwrite and g.shape == out.shape and g.dtype == dtype:
        masked = g
    else:
        masked = xp.empty(out.shape, dtype=dtype)
        g = xp.broadcast_to(g, out.shape)
    over_batch(lambda start, stop: xp.multiply(g[start:stop], out[start:stop] > 0,
                                               out=masked[start:stop]),
               len(out), out.size)
    return masked


def _column_sums(matrix):
    """matrix.sum(axis=0) of a (rows, columns) array as one matrix-vector product: BLAS reads
    the rows at full speed, about 6x faster than NumPy's reduction for a conv's bias gradient."""
    return xp.ones(matrix.shape[0], dtype=matrix.dtype) @ matrix


def _scatter_slices(kernel_size, strides, dilation, offsets, source_spatial, target_spatial):
    """For each kernel offset (flat index, offset): the spatial slices (source, target) such
    that window element `offset` of source position o lands at target position
    o * stride + offset * dilation - offsets[axis]; positions outside the target are dropped.
    Offsets that land nowhere are skipped."""
    nd = len(kernel_size)
    for index, offset in enumerate(itertools.product(*(range(k) for k in kernel_size))):
        source, target = [], []
        for axis in range(nd):
            s, n_src, n_tgt = strides[axis], source_spatial[axis], target_spatial[axis]
            start = offset[axis] * dilation[axis] - offsets[axis]  # target position of o = 0
            first = -(start // s) if start < 0 else 0               # smallest o landing >= 0
            last = min(n_src - 1, (n_tgt - 1 - start) // s)         # largest o landing < n_tgt
            if last < first:
                break
            source.append(slice(first, last + 1))
            target.append(slice(start + first * s, start + last * s + 1, s))
        else:
            yield index, tuple(source), tuple(target)


def _col2im(cols, batch, source_spatial, target_spatial, kernel_size, strides, dilation, offsets):
    """Scatter-add columns back onto a channels_last grid: the adjoint of `_im2col`.

    `cols` is offset-major, (prod(kernel_size), groups, batch * prod(source_spatial), cg):
    cols[k] is what kernel offset k contributes, one (groups, positions, cg) block. Window
    element `k` of source position `o` lands at target position o * stride + k * dilation -
    offset along every axis; positions outside the target are dropped (that is what padding
    and cropping mean). One `+=` of a strided slice per kernel offset (a Python loop over the
    kh * kw offsets only); the result is a fresh (batch, *target_spatial, groups * cg) array.
    """
    _, groups, _, cg = cols.shape
    target = xp.zeros((batch,) + tuple(target_spatial) + (groups, cg), dtype=cols.dtype)
    # (K, groups, M, cg) -> K blocks (batch, *source_spatial, groups, cg): views
    blocks = cols.transpose(0, 2, 1, 3).reshape(
        (cols.shape[0], batch) + tuple(source_spatial) + (groups, cg))
    moves = list(_scatter_slices(kernel_size, strides, dilation, offsets, source_spatial,
                                 target_spatial))

    def scatter(start, stop):  # rows start:stop of the batch
        rows = (slice(start, stop),)
        for index, source, destination in moves:
            target[rows + destination] += blocks[index][rows + source]
    over_batch(scatter, batch, cols.size)
    return target.reshape((batch,) + tuple(target_spatial) + (groups * cg,))


def _offset_major_matmul(g, w):
    """Columns for `_col2im`: g (groups, M, f) @ w (K, groups, f, cg) -> (K, groups, M, cg),
    written into the scratch buffer (one matmul call; BLAS runs one GEMM per offset and group,
    so each offset's block comes out contiguous and the scatter-adds read it in order)."""
    k, groups, _, cg = w.shape
    out = _scratch_buffer(k * groups * g.shape[1] * cg, xp.result_type(g.dtype, w.dtype))
    return xp.matmul(g[None], w, out=out.reshape(k, groups, g.shape[1], cg))


def _grouped_matmul(a, b):
    """(M, G, K) @ (G, K, F) -> (M, G, F): one BLAS GEMM when G == 1, one batched matmul over
    the groups otherwise."""
    m, g, _ = a.shape
    if g == 1:
        return xp.matmul(a.reshape(m, -1), b[0]).reshape(m, 1, -1)
    return xp.matmul(a.transpose(1, 0, 2), b).transpose(1, 0, 2)


# -- conv ------------------------------------------------------------------------------------------
@op
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1, *,
         bias=None, relu=False):
    """N-D convolution (cross-correlation), like `keras.ops.conv`.

    Args:
        inputs: (batch, *spatial, channels) for channels_last, (batch, channels, *spatial) for
            channels_first; 1, 2 or 3 spatial axes.
        kernel: (*kernel_size, in_channels // groups, filters). `groups` is inferred as
            in_channels // kernel.shape[-2] (as Keras does); filters must divide by it.
        strides, dilation_rate: int or tuple of one int per spatial axis.
        padding: 'valid', 'same' (Keras's split: the extra pixel goes after), or explicit
            [(before, after), ...] pairs, one per spatial axis (a minikeras extension).
        data_format: 'channels_last' (default: `image_data_format()`) or 'channels_first'.
        bias: optional (filters,) vector added to the output in the same node (extension).
        relu: apply max(0, .) to the output in the same node (extension): the ReLU is done in
            place and its gradient mask is applied inside this node's backward, which saves
            a pass over the (large) output in each direction.
    Returns:
        A Tensor (batch, *out_spatial, filters) (or channels_first).
    """
    x, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    _check_ranks("conv", x, kernel, "(*kernel_size, in_channels // groups, filters)")
    return _conv_node("conv", x, kernel, kernel.data, strides, padding, data_format,
                      dilation_rate, bias, relu)


def _conv_node(op, x, kernel, kernel_data, strides, padding, data_format, dilation_rate, bias,
               relu=False):
    """The conv primitive. `kernel_data` is `kernel.data` or a reshaped view of it (depthwise);
    the kernel gradient is reshaped back to `kernel.shape`."""
    nd = x.ndim - 2
    data_format = standardize_data_format(data_format)
    strides = standardize_tuple(strides, nd, "strides", owner=op)
    dilation = standardize_tuple(dilation_rate, nd, "dilation_rate", owner=op)
    padding = _standardize_padding(padding, nd, op)
    x_data = _channels_last(x.data, data_format)
    kernel_size = tuple(kernel_data.shape[:nd])
    channels, kernel_in, filters = x_data.shape[-1], kernel_data.shape[-2], kernel_data.shape[-1]
    if kernel_in == 0 or channels % kernel_in != 0:
        raise ValueError(f"{op}: the number of input channels ({channels}) must be a multiple of "
                         f"the kernel's input channels (kernel.shape[-2] = {kernel_in}; "
                         f"groups = in_channels // kernel.shape[-2]). Received inputs of shape "
                         f"{x.shape} (data_format='{data_format}') and kernel of shape "
                         f"{kernel.shape}.")
    groups, cg = channels // kernel_in, kernel_in
    if filters % groups != 0:
        raise ValueError(f"{op}: the number of filters ({filters}) must be divisible by the "
                         f"number of groups ({groups} = {channels} input channels // {kernel_in} "
                         f"kernel input channels). Received kernel of shape {kernel.shape}.")
    spatial = tuple(x_data.shape[1:-1])
    if padding == "valid":
        pads = tuple((0, 0) for _ in range(nd))
    elif padding == "same":
        pads = tuple(same_padding(n, k, s, d)
                     for n, k, s, d in zip(spatial, kernel_size, strides, dilation))
    else:
        pads = padding
    for axis in range(nd):
        effective = (kernel_size[axis] - 1) * dilation[axis] + 1
        padded = spatial[axis] + sum(pads[axis])
        if effective > padded:
            raise ValueError(f"{op}: the kernel is larger than the padded input along spatial "
                             f"axis {axis}: effective kernel size {effective} (kernel_size="
                             f"{kernel_size[axis]}, dilation_rate={dilation[axis]}) > padded "
                             f"input size {padded}. Received inputs of shape {x.shape}, kernel "
                             f"of shape {kernel.shape}, padding={padding!r}.")
    if bias is not None:
        bias = convert_to_tensor(bias)
        if bias.shape != (filters,):
            raise ValueError(f"{op}: `bias` must have shape ({filters},) (one value per output "
                             f"channel). Received bias of shape {bias.shape}.")

    dtype = _compute_dtype(x, kernel)
    if x_data.dtype != dtype:
        x_data = x_data.astype(dtype)
    w = kernel_data if kernel_data.dtype == dtype else kernel_data.astype(dtype)
    parents = (x, kernel) if bias is None else (x, kernel, bias)
    if groups > 1 and cg == 1:
        out = _depthwise_node(x, kernel, x_data, w, bias, parents, pads, kernel_size, strides,
                              dilation, data_format)
        return relu_op(out) if relu else out
    batch = x_data.shape[0]
    # The columns are kept for the kernel gradient when one will be asked for (a fresh array
    # the graph holds until the backward); otherwise they go to the scratch buffer.
    keep = kernel.requires_grad and is_recording()
    fold = bias is not None and folds_bias(kernel_size, cg, groups)
    cols, out_spatial = _im2col(_pad(x_data, pads), kernel_size, strides, dilation, groups, keep,
                                ones_column=fold)
    # kernel (*k, cg, groups * fg) -> (groups, k * cg, fg): a view for groups == 1
    w3 = w.reshape(-1, groups, filters // groups).transpose(1, 0, 2)
    if fold:  # the bias as one more kernel row, for the column of ones
        w3 = xp.concatenate([w3, bias.data.astype(dtype, copy=False).reshape(1, 1, -1)], axis=1)
    out = _grouped_matmul(cols, w3).reshape((batch,) + out_spatial + (filters,))
    saved_cols = cols if keep else None
    del cols
    if (bias is not None and not fold) or relu:
        _bias_relu(out, None if bias is None or fold else bias.data, relu)
    out = _channels_first(out, data_format)

    def vjp(g):
        overwrite = may_overwrite(g)
        g = _channels_last(g, data_format)
        if relu:
            g = _relu_mask(g, _channels_last(out, data_format), overwrite)
        g2 = g.reshape(-1, groups, filters // groups)
        gx = gk = gb = None
        if saved_cols is not None:
            # (groups, k * cg, M) @ (groups, M, fg) -> (groups, k * cg, fg)
            gk = xp.matmul(saved_cols.transpose(1, 2, 0), g2.transpose(1, 0, 2))
            if fold:  # the last row, from the column of ones, is the bias gradient
                gk, gb = gk[:, :-1], gk[0, -1]
            gk = gk.transpose(1, 0, 2).reshape(kernel.shape)
        if x.requires_grad:
            # kernel (*k, cg, groups * fg) -> (k, groups, fg, cg); columns (k, groups, M, cg)
            wk = w.reshape(-1, cg, groups, filters // groups).transpose(0, 2, 3, 1)
            dcols = _offset_major_matmul(g2.transpose(1, 0, 2), wk)
            gx = _col2im(dcols, batch, out_spatial, spatial, kernel_size, strides, dilation,
                         [p[0] for p in pads])
            gx = _channels_first(gx, data_format)
        if bias is not None and bias.requires_grad:
            if gb is None:
                gb = _column_sums(g2.reshape(-1, filters))
        else:
            gb = None
        return _grads(parents, (gx, gk, gb))

    return record(out, parents, vjp, hands_over=True)


def _depthwise_node(x, kernel, x_data, w, bias, parents, pads, kernel_size, strides, dilation,
                    data_format):
    """One group per input channel (depthwise): the GEMMs would be (positions x kh*kw) @
    (kh*kw x depth_multiplier) per channel, too thin for BLAS, so the contractions are
    einsums over the zero-copy window view (no column matrix at all) and the input gradient
    is a loop over the kernel offsets, one multiply and one slice `+=` each.
    """
    nd = len(kernel_size)
    batch, spatial, channels = x_data.shape[0], tuple(x_data.shape[1:-1]), x_data.shape[-1]
    multiplier = w.shape[-1] // channels
    wd = w.reshape(kernel_size + (channels, multiplier))       # channel c * multiplier + m
    xpad = _pad(x_data, pads)
    effective = tuple((k - 1) * d + 1 for k, d in zip(kernel_size, dilation))
    spatial_axes = tuple(range(1, nd + 1))
    view = xp.lib.stride_tricks.sliding_window_view(xpad, effective, axis=spatial_axes)
    view = view[(slice(None),) + tuple(slice(None, None, s) for s in strides) + (slice(None),)
                + tuple(slice(None, None, d) for d in dilation)]  # (n, *out, c, *kernel_size)
    out_spatial = tuple(view.shape[1:nd + 1])
    o, k = "xyz"[:nd], "ijk"[:nd]
    out = xp.einsum(f"n{o}c{k},{k}cm->n{o}cm", view, wd)
    out = out.reshape((batch,) + out_spatial + (channels * multiplier,))
    if bias is not None:
        out += bias.data
    out = _channels_first(out, data_format)

    def vjp(g):
        g5 = _channels_last(g, data_format).reshape((batch,) + out_spatial + (channels, multiplier))
        gx = gk = gb = None
        if kernel.requires_grad:
            gk = xp.einsum(f"n{o}c{k},n{o}cm->{k}cm", view, g5).reshape(kernel.shape)
        if x.requires_grad:
            gx = xp.zeros(x_data.shape, dtype=g5.dtype)
            flat_w = wd.reshape(-1, channels, multiplier)
            every = (slice(None),)
            for index, source, target in _scatter_slices(kernel_size, strides, dilation,
                                                         [p[0] for p in pads], out_spatial,
                                                         spatial):
                gx[every + target] += xp.einsum(f"n{o}cm,cm->n{o}c", g5[every + source],
                                                flat_w[index])
            gx = _channels_first(gx, data_format)
        if bias is not None and bias.requires_grad:
            gb = _column_sums(g5.reshape(-1, channels * multiplier))
        return _grads(parents, (gx, gk, gb))

    return record(out, parents, vjp, hands_over=True)


# -- conv_transpose --------------------------------------------------------------------------------
@op
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None,
                   data_format=None, dilation_rate=1, *, bias=None):
    """N-D transposed convolution, like `keras.ops.conv_transpose`.

    Args:
        inputs: (batch, *spatial, in_channels) (channels_last) or channels_first.
        kernel: (*kernel_size, filters, in_channels).
        strides, dilation_rate: int or tuple of one int per spatial axis.
        padding: 'valid' or 'same'.
        output_padding: None, an int or a tuple: extra size added on the right (Keras's rule).
        bias: optional (filters,) vector added in the same node (extension).
    Output length per axis (Keras): 'valid': (n - 1) * s + k_eff + op (op defaults to
    max(k_eff, s) - k_eff); 'same': n * s if op is None, else (n - 1) * s + k_eff % 2 + op.
    """
    op = "conv_transpose"
    x, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    nd = _check_ranks(op, x, kernel, "(*kernel_size, filters, in_channels)")
    data_format = standardize_data_format(data_format)
    strides = standardize_tuple(strides, nd, "strides", owner=op)
    dilation = standardize_tuple(dilation_rate, nd, "dilation_rate", owner=op)
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{op}: the `padding` argument must be 'valid' or 'same'. "
                         f"Received: padding={padding!r}")
    padding = padding.lower()
    if output_padding is not None:
        output_padding = standardize_tuple(output_padding, nd, "output_padding", allow_zero=True,
                                           owner=op)
    x_data = _channels_last(x.data, data_format)
    kernel_size = tuple(kernel.shape[:nd])
    filters, kernel_in = kernel.shape[-2], kernel.shape[-1]
    if x_data.shape[-1] != kernel_in:
        raise ValueError(f"{op}: the number of input channels must match the kernel's input "
                         f"channels (kernel.shape[-1]). Received: input channels="
                         f"{x_data.shape[-1]}, kernel input channels={kernel_in}, inputs of "
                         f"shape {x.shape}, kernel of shape {kernel.shape}, "
                         f"data_format='{data_format}'.")
    spatial = tuple(x_data.shape[1:-1])
    crops, out_spatial = [], []
    for axis in range(nd):
        effective = (kernel_size[axis] - 1) * dilation[axis] + 1
        left, right = conv_transpose_padding(
            kernel_size[axis], strides[axis], dilation[axis], padding,
            None if output_padding is None else output_padding[axis])
        full = (spatial[axis] - 1) * strides[axis] + effective
        crop = (effective - 1 - left, effective - 1 - right)   # negative = extend with zeros
        crops.append(crop)
        out_spatial.append(full - crop[0] - crop[1])
        if out_spatial[-1] <= 0:
            raise ValueError(f"{op}: the output would be empty along spatial axis {axis}. "
                             f"Received inputs of shape {x.shape}, kernel of shape "
                             f"{kernel.shape}, output_padding={output_padding}.")
    out_spatial = tuple(out_spatial)
    if bias is not None:
        bias = convert_to_tensor(bias)
        if bias.shape != (filters,):
            raise ValueError(f"{op}: `bias` must have shape ({filters},). Received bias of shape "
                             f"{bias.shape}.")

    dtype = _compute_dtype(x, kernel)
    if x_data.dtype != dtype:
        x_data = x_data.astype(dtype)
    w = kernel.data if kernel.dtype == dtype else kernel.data.astype(dtype)
    w2 = w.reshape(-1, kernel_in)                                  # (k * filters, in)
    batch = x_data.shape[0]
    x2 = x_data.reshape(-1, kernel_in)                   # (M_in, in); copies only if not contiguous
    # kernel (*k, filters, in) -> (k, 1, in, filters); columns (k, 1, M_in, filters)
    wk = w.reshape(-1, 1, filters, kernel_in).transpose(0, 1, 3, 2)
    cols = _offset_major_matmul(x2[None], wk)
    out = _col2im(cols, batch, spatial, out_spatial, kernel_size, strides, dilation,
                  [c[0] for c in crops])
    del cols
    if bias is not None:
        out += bias.data
    out = _channels_first(out, data_format)

    def vjp(g):
        g_cl = _channels_last(g, data_format)
        gcols, _ = _im2col(_pad(g_cl, crops), kernel_size, strides, dilation, 1)
        gcols = gcols.reshape(gcols.shape[0], -1)                  # (M_in, k * filters)
        gx = gk = gb = None
        if x.requires_grad:
            gx = _channels_first(xp.matmul(gcols, w2).reshape(x_data.shape), data_format)
        if kernel.requires_grad:
            gk = xp.matmul(gcols.T, x2).reshape(kernel.shape)
        if bias is not None and bias.requires_grad:
            gb = _column_sums(g_cl.reshape(-1, filters))
        return _grads(parents, (gx, gk, gb))

    parents = (x, kernel) if bias is None else (x, kernel, bias)
    return record(out, parents, vjp, hands_over=True)


# -- depthwise and separable -------------------------------------------------------------------
@op
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1,
                   *, bias=None):
    """Depthwise convolution, like `keras.ops.depthwise_conv`.

    kernel: (*kernel_size, in_channels, depth_multiplier). Output channel c * depth_multiplier + m
    is input channel c convolved with kernel[..., c, m] (a grouped conv with one group per
    input channel). bias: optional (in_channels * depth_multiplier,) vector (extension).
    """
    op = "depthwise_conv"
    x, kernel = convert_to_tensor(inputs), convert_to_tensor(kernel)
    nd = _check_ranks(op, x, kernel, "(*kernel_size, in_channels, depth_multiplier)")
    last = standardize_data_format(data_format) == "channels_last"
    channels = x.shape[-1] if last else x.shape[1]
    if channels != kernel.shape[-2]:
        raise ValueError(f"{op}: the number of input channels must match the kernel's input "
                         f"channels (kernel.shape[-2]). Received: input channels={channels}, "
                         f"kernel input channels={kernel.shape[-2]}, inputs of shape {x.shape}, "
                         f"kernel of shape {kernel.shape}.")
    grouped = kernel.data.reshape(kernel.shape[:nd] + (1, kernel.shape[-2] * kernel.shape[-1]))
    return _conv_node(op, x, kernel, grouped, strides, padding, data_format, dilation_rate, bias)


@op
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                   data_format=None, dilation_rate=1, *, bias=None):
    """Depthwise conv followed by a 1x1 conv, like `keras.ops.separable_conv`.

    depthwise_kernel: (*kernel_size, in_channels, depth_multiplier); pointwise_kernel:
    (*ones, in_channels * depth_multiplier, filters). bias: optional (filters,) (extension).
    """
    op = "separable_conv"
    x = convert_to_tensor(inputs)
    depthwise_kernel = convert_to_tensor(depthwise_kernel)
    pointwise_kernel = convert_to_tensor(pointwise_kernel)
    nd = _check_ranks(op, x, depthwise_kernel, "(*kernel_size, in_channels, depth_multiplier)")
    expected = (1,) * nd + (depthwise_kernel.shape[-2] * depthwise_kernel.shape[-1],)
    if tuple(pointwise_kernel.shape[:-1]) != expected:
        raise ValueError(f"{op}: `pointwise_kernel` must have shape {expected + ('filters',)} "
                         f"(1x1, in_channels * depth_multiplier, filters). Received "
                         f"pointwise_kernel of shape {pointwise_kernel.shape} and "
                         f"depthwise_kernel of shape {depthwise_kernel.shape}.")
    depthwise = depthwise_conv(x, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(depthwise, pointwise_kernel, 1, "valid", data_format, 1, bias=bias)
