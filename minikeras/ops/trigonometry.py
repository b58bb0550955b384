"""Trigonometric and hyperbolic functions and their inverses, angle conversions, `hypot` and
`sinc`, each forward next to its derivative.

Integer and bool inputs become floatx() (float64 for int64 in deg2rad / rad2deg, as in Keras);
float inputs keep their dtype. Binary ops (arctan2, hypot) broadcast; their gradients are
summed back to each operand's shape.
"""
import math

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import unbroadcast
from minikeras.ops.elementwise_args import float_pair, float_unary
from minikeras.ops.symbolic import op


def _unary(x, forward, derivative, **kwargs):
    """Apply `forward` to float data and record g * derivative(data, out) as the VJP."""
    x = float_unary(x, **kwargs)
    out = forward(x.data)
    return record(out, (x,), lambda g: (g * derivative(x.data, out),))


@op
def arcsin(x):
    """Inverse sine, in [-pi/2, pi/2] (NaN outside [-1, 1]); derivative 1 / sqrt(1 - x^2)."""
    return _unary(x, xp.arcsin, lambda v, out: 1 / xp.sqrt(1 - v * v))


@op
def arccos(x):
    """Inverse cosine, in [0, pi] (NaN outside [-1, 1]); derivative -1 / sqrt(1 - x^2)."""
    return _unary(x, xp.arccos, lambda v, out: -1 / xp.sqrt(1 - v * v))


@op
def arctan(x):
    """Inverse tangent, in (-pi/2, pi/2); derivative 1 / (1 + x^2)."""
    return _unary(x, xp.arctan, lambda v, out: 1 / (1 + v * v))


@op
def arcsinh(x):
    """Inverse hyperbolic sine; derivative 1 / sqrt(x^2 + 1)."""
    return _unary(x, xp.arcsinh, lambda v, out: 1 / xp.sqrt(v * v + 1))


@op
def arccosh(x):
    """Inverse hyperbolic cosine (NaN below 1); derivative 1 / sqrt(x^2 - 1)."""
    return _unary(x, xp.arccosh, lambda v, out: 1 / xp.sqrt(v * v - 1))


@op
def arctanh(x):
    """Inverse hyperbolic tangent (NaN outside [-1, 1]); derivative 1 / (1 - x^2)."""
    return _unary(x, xp.arctanh, lambda v, out: 1 / (1 - v * v))


@op
def sinh(x):
    """Hyperbolic sine; derivative cosh(x)."""
    return _unary(x, xp.sinh, lambda v, out: xp.cosh(v))


@op
def cosh(x):
    """Hyperbolic cosine; derivative sinh(x)."""
    return _unary(x, xp.cosh, lambda v, out: xp.sinh(v))


@op
def tan(x):
    """Tangent; derivative 1 + tan(x)^2."""
    return _unary(x, xp.tan, lambda v, out: 1 + out * out)


@op
def deg2rad(x):
    """Degrees to radians, x * pi / 180."""
    return _unary(x, lambda v: v * v.dtype.type(math.pi / 180),
                  lambda v, out: v.dtype.type(math.pi / 180), int64_to_float64=True)


@op
def rad2deg(x):
    """Radians to degrees, x * 180 / pi."""
    return _unary(x, lambda v: v * v.dtype.type(180 / math.pi),
                  lambda v, out: v.dtype.type(180 / math.pi), int64_to_float64=True)


def _sinc_forward(v):
    """sinc evaluated at float32 at least (float16's own sin(pi x) loses three digits)."""
    return xp.sinc(v.astype(xp.float32) if v.dtype.itemsize < 4 else v).astype(v.dtype)


def _sinc_derivative(v, out):
    """d/dx sin(pi x) / (pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x = 0."""
    nonzero = v != 0
    safe = xp.where(nonzero, v, 1)
    return xp.where(nonzero, (xp.cos(math.pi * safe) - out) / safe, 0).astype(out.dtype)


@op
def sinc(x):
    """The normalized sinc, sin(pi x) / (pi x), 1 at x = 0."""
    return _unary(x, _sinc_forward, _sinc_derivative)


@op
def arctan2(x1, x2):
    """The angle of the point (x2, x1) (x1 the y coordinate), in [-pi, pi], elementwise.

    Shapes broadcast. Gradients: x2 / r^2 for x1 and -x1 / r^2 for x2, r^2 = x1^2 + x2^2.
    """
    a, b = float_pair(x1, x2)
    out = xp.arctan2(a.data, b.data)

    def vjp(g):
        r2 = a.data * a.data + b.data * b.data
        return (unbroadcast(g * b.data / r2, a.shape), unbroadcast(-g * a.data / r2, b.shape))
    return record(out, (a, b), vjp)


@op
def hypot(x1, x2):
    """sqrt(x1^2 + x2^2) without overflow in the squares; gradients x1 / out and x2 / out."""
    a, b = float_pair(x1, x2)
    out = xp.hypot(a.data, b.data)
    return record(out, (a, b), lambda g: (unbroadcast(g * a.data / out, a.shape),
                                          unbroadcast(g * b.data / out, b.shape)))
