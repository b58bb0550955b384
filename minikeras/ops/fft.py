"""Fourier transforms: fft, fft2, ifft2, rfft, irfft (Keras's keras.src.ops.math).

As in Keras, a complex tensor travels as a `(real, imag)` tuple of two float tensors of one
shape, and each transform returns such a tuple (irfft returns the real signal). minikeras's
autodiff works on real arrays, so every VJP is written for the pair: a real loss L of the
outputs (yr, yi) has the complex cotangent g = dL/dyr + i dL/dyi, and a transform y = A z
sends back A^H g (its real and imaginary parts are the gradients of the real and imaginary
inputs). For the DFT matrix F of size n, F^H g = n * ifft(g).
"""
from minikeras.backend.array_module import xp
from minikeras.backend import config
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.math"


def complex_pair(name, x):
    """`x` = (real, imag) as two float Tensors of one shape and dtype, or a ValueError."""
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{name}: `x` must be a tuple of two tensors (real, imag), received "
                         f"{type(x).__name__}.")
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"{name}: the real and imaginary parts of `x` must have one shape, "
                         f"received {real.shape} and {imag.shape}.")
    if real.dtype.kind != "f" or imag.dtype.kind != "f":
        raise ValueError(f"{name}: both parts of `x` must be float tensors, received "
                         f"{real.dtype} and {imag.dtype}.")
    if real.dtype != imag.dtype:
        dtype = xp.promote_types(real.dtype, imag.dtype)
        real, imag = convert_to_tensor(real, dtype), convert_to_tensor(imag, dtype)
    return real, imag


def _check_rank(name, shape, rank):
    if len(shape) < rank:
        raise ValueError(f"{name}: `x` must have at least {rank} dimension(s), received shape "
                         f"{shape}.")


def record_complex(z, parents, adjoint, dtype):
    """(real, imag) Tensors of the complex array `z` = A(parents); `adjoint(g)` maps a complex
    cotangent g back to one gradient per parent (complex for a (real, imag) pair)."""
    def split(grads):
        out = []
        for grad in grads:
            if xp.iscomplexobj(grad):
                out += [grad.real.astype(dtype), grad.imag.astype(dtype)]
            else:
                out.append(grad.astype(dtype))
        return tuple(out)
    real = record(xp.ascontiguousarray(z.real).astype(dtype), parents,
                  lambda g: split(adjoint(g.astype(xp.result_type(g, 1j)))))
    imag = record(xp.ascontiguousarray(z.imag).astype(dtype), parents,
                  lambda g: split(adjoint(1j * g)))
    return real, imag


def _fourier(name, x, axes, inverse):
    real, imag = complex_pair(name, x)
    _check_rank(name, real.shape, len(axes))
    z = real.data + 1j * imag.data
    count = 1
    for axis in axes:
        count *= real.shape[axis]
    if inverse:
        out = xp.fft.ifftn(z, axes=axes)
        adjoint = lambda g: (xp.fft.fftn(g, axes=axes) / count,)  # noqa: E731
    else:
        out = xp.fft.fftn(z, axes=axes)
        adjoint = lambda g: (xp.fft.ifftn(g, axes=axes) * count,)  # noqa: E731
    return record_complex(out, (real, imag), adjoint, real.dtype)


@op
def fft(x):
    """The discrete Fourier transform along the last axis of the complex `x` = (real, imag);
    returns (real, imag) of x's shape."""
    return _fourier("fft", x, (-1,), inverse=False)


@op
def fft2(x):
    """The 2-D discrete Fourier transform over the last two axes of `x` = (real, imag)."""
    return _fourier("fft2", x, (-2, -1), inverse=False)


@op
def ifft2(x):
    """The inverse 2-D discrete Fourier transform over the last two axes of `x` =
    (real, imag) (normalized by 1 / (rows * columns), as NumPy's)."""
    return _fourier("ifft2", x, (-2, -1), inverse=True)


def _fft_length(name, fft_length, default):
    if fft_length is None:
        return default
    if isinstance(fft_length, bool) or not isinstance(fft_length, int) or fft_length < 1:
        raise ValueError(f"{name}: `fft_length` must be a positive integer, received "
                         f"{fft_length!r}.")
    return fft_length


def _fit(array, size):
    """`array` cut or zero-padded to `size` entries on its last axis."""
    have = array.shape[-1]
    if have >= size:
        return array[..., :size]
    return xp.concatenate([array, xp.zeros(array.shape[:-1] + (size - have,), array.dtype)],
                          axis=-1)


@op
def rfft(x, fft_length=None):
    """The Fourier transform of the real `x` along its last axis, non-negative frequencies only.

    Shapes: x (..., n) -> (real, imag), each (..., fft_length // 2 + 1); x is cut or
    zero-padded to `fft_length` (default n). Integer x is cast to floatx.
    """
    x = convert_to_tensor(x)
    _check_rank("rfft", x.shape, 1)
    if x.dtype.kind != "f":
        x = convert_to_tensor(x, config.floatx())
    n = _fft_length("rfft", fft_length, x.shape[-1])
    length = x.shape[-1]
    out = xp.fft.rfft(x.data, n=n, axis=-1)

    def adjoint(g):
        full = xp.fft.ifft(_fit(g, n), axis=-1).real * n  # zeros stand for the dropped half
        return (_fit(full, length),)
    return record_complex(out, (x,), adjoint, x.dtype)


@op
def irfft(x, fft_length=None):
    """The real signal whose rfft is `x` = (real, imag), along the last axis.

    Shapes: (..., m) each -> (..., fft_length), default fft_length = 2 * (m - 1); x is cut or
    zero-padded to fft_length // 2 + 1 frequencies. As in NumPy, the imaginary parts of the
    zero (and, for even lengths, the Nyquist) frequency are ignored.
    """
    real, imag = complex_pair("irfft", x)
    _check_rank("irfft", real.shape, 1)
    m = real.shape[-1]
    n = _fft_length("irfft", fft_length, 2 * (m - 1))
    if n < 1:
        raise ValueError(f"irfft: `x` needs at least 2 frequencies without `fft_length`, "
                         f"received shape {real.shape}.")
    out = xp.fft.irfft(real.data + 1j * imag.data, n=n, axis=-1)
    bins = n // 2 + 1
    weight = xp.full(bins, 2.0)
    weight[0] = 1.0
    if n % 2 == 0:
        weight[-1] = 1.0  # the Nyquist frequency appears once in the signal

    def vjp(g):
        spectrum = _fit(xp.fft.rfft(g, n=n, axis=-1) * (weight / n), m)
        return spectrum.real.astype(real.dtype), spectrum.imag.astype(real.dtype)
    return record(out.astype(real.dtype), (real, imag), vjp)


def _window(name, window, sequence_length, fft_length, dtype):
    """The window as a (fft_length,) array (zero-padded in the middle like torch's), or None;
    a tensor window comes back as a Tensor, so that stft sends it a gradient.

    "hann" and "hamming" are the periodic windows of `sequence_length` samples."""
    if window is None:
        return None
    if isinstance(window, str):
        if window not in ("hann", "hamming"):
            raise ValueError(f'{name}: a string `window` must be "hann" or "hamming", '
                             f"received window={window!r}.")
        phase = 2 * xp.pi * xp.arange(sequence_length) / sequence_length
        a = 0.5 if window == "hann" else 0.54
        win = a - (1 - a) * xp.cos(phase)
    else:
        from minikeras.ops.manipulation import pad
        win = convert_to_tensor(window, dtype)
        if win.shape != (sequence_length,):
            raise ValueError(f"{name}: `window` must have shape ({sequence_length},) "
                             f"(sequence_length), received {win.shape}.")
        left = (fft_length - sequence_length) // 2
        return pad(win, [(left, fft_length - sequence_length - left)])  # gets a gradient
    left = (fft_length - sequence_length) // 2
    return xp.pad(win.astype(dtype), (left, fft_length - sequence_length - left))


def _check_lengths(name, sequence_length, sequence_stride, fft_length):
    for arg, value in (("sequence_length", sequence_length),
                       ("sequence_stride", sequence_stride), ("fft_length", fft_length)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name}: `{arg}` must be a positive integer, received {value!r}.")
    if fft_length < sequence_length:
        raise ValueError(f"{name}: `fft_length` must be at least `sequence_length`, received "
                         f"sequence_length={sequence_length}, fft_length={fft_length}.")


@op
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """The short-time Fourier transform of the real signals `x` along their last axis.

    Shapes: x (..., samples) -> (real, imag), each (..., frames, fft_length // 2 + 1).
    Frames of `fft_length` samples start every `sequence_stride` samples; each is multiplied
    by the window (`sequence_length` samples, centered in fft_length, "hann", "hamming", a
    tensor or None) and rfft'd. `center=True` first pads fft_length // 2 samples on both
    sides by reflection (as torch.stft). x must be float32 or float64. Built from ops (a
    gather, a product and `rfft`), so its gradient is theirs.
    """
    from minikeras.ops.manipulation import getitem
    x = convert_to_tensor(x)
    if x.dtype not in (xp.float32, xp.float64):
        raise TypeError(f"stft: `x` must be float32 or float64, received {x.dtype}.")
    _check_rank("stft", x.shape, 1)
    _check_lengths("stft", sequence_length, sequence_stride, fft_length)
    win = _window("stft", window, sequence_length, fft_length, x.dtype)
    samples = x.shape[-1]
    positions = xp.arange(samples)
    if center:
        half = fft_length // 2
        if half >= samples:
            raise ValueError(f"stft: with center=True the signal needs more than "
                             f"fft_length // 2 = {half} samples, received {samples}.")
        positions = xp.abs(xp.arange(-half, samples + half))  # reflect at the start ...
        positions = xp.where(positions >= samples, 2 * (samples - 1) - positions, positions)
    if positions.size < fft_length:
        raise ValueError(f"stft: the signal ({positions.size} samples"
                         f"{' after centering' if center else ''}) is shorter than "
                         f"fft_length={fft_length}.")
    frames = 1 + (positions.size - fft_length) // sequence_stride
    starts = xp.arange(frames)[:, None] * sequence_stride
    framed = getitem(x, (Ellipsis, positions[starts + xp.arange(fft_length)]))
    if win is not None:
        framed = framed * win
    return rfft(framed, fft_length)


def _overlap_add(frames, stride):
    """Frames (..., n, size) summed into one signal (..., stride * (n - 1) + size), frame i
    starting at i * stride; the VJP reads each frame's samples back out."""
    n, size = frames.shape[-2:]
    index = xp.arange(n)[:, None] * stride + xp.arange(size)
    out = xp.zeros(frames.shape[:-2] + (stride * (n - 1) + size,), frames.dtype)
    xp.add.at(out, (Ellipsis, index), frames.data)
    return record(out, (frames,), lambda g: (g[..., index],))


@op
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """The inverse of `stft`: the real signal whose STFT is `x` = (real, imag).

    Shapes: (..., frames, fft_length // 2 + 1) each -> (..., samples), samples = `length`
    or (fft_length + sequence_stride * (frames - 1), less fft_length // 2 on each side when
    `center`). Each frame is irfft'd, windowed and overlap-added, then divided by the
    overlap-added squared window (Keras's torch backend: the exact sum when
    sequence_length == fft_length and center, else its per-stride folded sum). Gradients
    reach `x`; a tensor `window` is used as a constant here (stft differentiates it).
    """
    from minikeras.ops.manipulation import getitem
    real, imag = complex_pair("istft", x)
    _check_rank("istft", real.shape, 2)
    _check_lengths("istft", sequence_length, sequence_stride, fft_length)
    n = real.shape[-2]
    if sequence_stride > fft_length:
        raise ValueError(f"istft: `sequence_stride` must be at most fft_length={fft_length}, "
                         f"received {sequence_stride}.")
    if sequence_stride * n < fft_length:
        raise ValueError(f"istft: `sequence_stride` * frames must cover fft_length="
                         f"{fft_length}, received sequence_stride={sequence_stride} and "
                         f"{n} frames.")
    win = _window("istft", window, sequence_length, fft_length, real.dtype)
    win = win.data if isinstance(win, Tensor) else win  # no gradient to a tensor window here
    frames = irfft((real, imag), fft_length)
    total = fft_length + sequence_stride * (n - 1)
    start = fft_length // 2 if center else 0
    end = start + length if length is not None else (total - start if center else total)
    if win is None:
        signal = _overlap_add(frames, sequence_stride)
    elif sequence_length == fft_length and center:
        envelope = xp.zeros(total, real.dtype)
        index = xp.arange(n)[:, None] * sequence_stride + xp.arange(fft_length)
        xp.add.at(envelope, index, xp.broadcast_to(win ** 2, index.shape))
        kept = envelope[start:min(end, total)]
        if kept.size and kept.min() < 1e-11:
            raise ValueError("istft: the window's overlap-added square is zero inside the "
                             "signal (the nonzero overlap-add condition fails).")
        signal = _overlap_add(frames * win, sequence_stride) / xp.where(
            envelope > 1e-11, envelope, 1.0)
    else:
        folds = -(-fft_length // sequence_stride)
        squares = xp.pad(win ** 2, (0, folds * sequence_stride - fft_length))
        denominator = xp.tile(squares.reshape(folds, sequence_stride).sum(0), folds)
        signal = _overlap_add(frames * (win / denominator[:fft_length]), sequence_stride)
    if end > total:
        from minikeras.ops.manipulation import pad
        signal = pad(signal, [(0, 0)] * (signal.ndim - 1) + [(0, end - total)])
    return getitem(signal, (Ellipsis, slice(start, end)))
