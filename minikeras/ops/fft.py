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
from minikeras.backend.autodiff import record
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
