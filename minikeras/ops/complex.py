"""Complex tensors: view_as_complex, view_as_real, real, imag, conj, conjugate, angle, polar.

A minikeras Tensor holds any NumPy array, complex64/complex128 included, so these ops make and
read complex tensors as Keras's do. The gradient of a real loss L with respect to a complex
tensor z = a + ib is stored, as in torch, as the complex array dL/da + i dL/db; the VJPs here
follow that convention, so gradients flow from real outputs back through complex values to
real inputs (view_as_real(conj(view_as_complex(x))), polar, angle ...).

Design limit, kept small on purpose: only these conversion ops (and the Fourier ops, which
take (real, imag) pairs like Keras) know that convention. The other ops compute correct values
on complex tensors where NumPy does, but their VJPs assume real numbers, so do not
differentiate through arithmetic on complex tensors; go through view_as_real instead.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor, unbroadcast
from minikeras.ops.symbolic import op


def _is_complex(x):
    return x.dtype.kind == "c"


def _complex_dtype(real_dtype):
    """complex64 for float32 and smaller (Keras's view_as_complex), complex128 for float64."""
    return xp.complex128 if real_dtype == xp.float64 else xp.complex64


@op(keras_module="keras.src.ops.math")
def view_as_complex(x):
    """The complex tensor whose real and imaginary parts are x[..., 0] and x[..., 1].

    Shapes: (..., 2) -> (...). float32 (and int) input gives complex64, float64 gives
    complex128 (Keras's torch backend gives complex64 for both)."""
    x = convert_to_tensor(x)
    if x.ndim == 0 or x.shape[-1] != 2:
        raise ValueError(f"view_as_complex: the last axis of `x` must have size 2 (real, "
                         f"imaginary), received shape {x.shape}.")
    if x.dtype.kind not in "fiu":
        raise TypeError(f"view_as_complex: `x` must be real, received {x.dtype}.")
    dtype = _complex_dtype(x.dtype)
    out = (x.data[..., 0] + 1j * x.data[..., 1]).astype(dtype)
    real_dtype = x.dtype if x.dtype.kind == "f" else config.floatx()
    return record(out, (x,), lambda g: (xp.stack([g.real, g.imag], axis=-1).astype(
        real_dtype),))


@op(keras_module="keras.src.ops.math")
def view_as_real(x):
    """The real and imaginary parts of `x` side by side: (...) -> (..., 2) floats.

    A real `x` (Keras's torch backend raises) is read as having zero imaginary parts."""
    x = convert_to_tensor(x)
    if _is_complex(x):
        out = xp.stack([x.data.real, x.data.imag], axis=-1)
        return record(out, (x,), lambda g: (g[..., 0] + 1j * g[..., 1],))
    if x.dtype.kind != "f":
        x = convert_to_tensor(x, config.floatx())
    out = xp.stack([x.data, xp.zeros_like(x.data)], axis=-1)
    return record(out, (x,), lambda g: (g[..., 0],))


@op
def real(x):
    """The real part of each element of `x` (a real `x` is returned as it is)."""
    x = convert_to_tensor(x)
    if not _is_complex(x):
        return x
    return record(xp.ascontiguousarray(x.data.real), (x,), lambda g: (g.astype(x.dtype),))


@op
def imag(x):
    """The imaginary part of each element of `x`; zeros of x's dtype for a real `x` (Keras's
    torch backend raises there)."""
    x = convert_to_tensor(x)
    if not _is_complex(x):
        return record(xp.zeros_like(x.data), (), None)
    return record(xp.ascontiguousarray(x.data.imag), (x,), lambda g: (1j * g,))


@op
def conj(x):
    """The complex conjugate of each element of `x` (a real `x` is returned as it is)."""
    x = convert_to_tensor(x)
    if not _is_complex(x):
        return x
    return record(xp.conj(x.data), (x,), lambda g: (xp.conj(g),))


@op
def conjugate(x):
    """`conj` under NumPy's other name; it records as Keras's `Conjugate`."""
    return conj.eager(x)


@op
def angle(x):
    """The argument atan2(imag, real) of each element of `x`, in (-pi, pi]: float32 for
    complex64 and for int/float32 input, float64 for complex128 / float64. It is 0 or pi
    (piecewise constant, no gradient) for real x."""
    x = convert_to_tensor(x)
    if not _is_complex(x):
        dtype = x.dtype if x.dtype.kind == "f" else config.floatx()
        return record(xp.arctan2(xp.zeros_like(x.data), x.data).astype(dtype), (), None)
    a, b = x.data.real, x.data.imag
    out = xp.arctan2(b, a)

    def vjp(g):
        size = a * a + b * b
        size = xp.where(size == 0, 1, size)
        return (g * (-b + 1j * a) / size,)
    return record(out, (x,), vjp)


@op(keras_module="keras.src.ops.nn")
def polar(abs_, angle):  # noqa: A002 - Keras's argument names
    """The complex numbers abs_ * (cos(angle) + i sin(angle)) (shapes broadcast): complex64
    for float32/int inputs, complex128 for float64."""
    r, theta = convert_to_tensor(abs_), convert_to_tensor(angle)
    dtype = xp.result_type(r.dtype, theta.dtype)
    real_dtype = dtype if dtype.kind == "f" else xp.dtype(config.floatx())
    if dtype.kind not in "fiu":
        raise TypeError(f"polar: `abs_` and `angle` must be real, received {r.dtype} and "
                        f"{theta.dtype}.")
    cos, sin = xp.cos(theta.data), xp.sin(theta.data)
    out = (r.data * cos + 1j * r.data * sin).astype(_complex_dtype(real_dtype))

    def vjp(g):
        d_abs = g.real * cos + g.imag * sin
        d_angle = r.data * (g.imag * cos - g.real * sin)
        return (unbroadcast(d_abs, r.shape).astype(real_dtype),
                unbroadcast(d_angle, theta.shape).astype(real_dtype))
    return record(out, (r, theta), vjp)
