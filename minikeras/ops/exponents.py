"""Powers, roots and logarithms in other bases: cbrt, rsqrt, exp2, log2, log10, logaddexp,
logaddexp2 and ldexp, each forward next to its derivative.

Integer and bool inputs become floatx() (cbrt keeps 64 bits for int64, as in Keras); float
inputs keep their dtype. Binary ops broadcast; their gradients are summed back to each
operand's shape.
"""
import math

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import unbroadcast
from minikeras.ops.elementwise_args import float_pair, float_unary, integer_tensor
from minikeras.ops.symbolic import op

_LN2 = math.log(2)
_LN10 = math.log(10)


@op
def cbrt(x):
    """The real cube root (negative for negative x); derivative 1 / (3 cbrt(x)^2)."""
    x = float_unary(x, int64_to_float64=True)
    out = xp.cbrt(x.data)
    return record(out, (x,), lambda g: (g / (3 * out * out),))


@op(keras_module="keras.src.ops.math")
def rsqrt(x):
    """1 / sqrt(x) (inf at 0, NaN below); derivative -1/2 x^(-3/2) = -out^3 / 2."""
    x = float_unary(x)
    out = 1 / xp.sqrt(x.data)
    return record(out, (x,), lambda g: (g * -0.5 * out * out * out,))


@op
def exp2(x):
    """2 ** x; derivative ln(2) 2 ** x."""
    x = float_unary(x)
    out = xp.exp2(x.data)
    return record(out, (x,), lambda g: (g * out * out.dtype.type(_LN2),))


@op
def log2(x):
    """Base-2 logarithm; derivative 1 / (x ln 2)."""
    x = float_unary(x)
    return record(xp.log2(x.data), (x,), lambda g: (g / (x.data * x.dtype.type(_LN2)),))


@op
def log10(x):
    """Base-10 logarithm; derivative 1 / (x ln 10)."""
    x = float_unary(x)
    return record(xp.log10(x.data), (x,), lambda g: (g / (x.data * x.dtype.type(_LN10)),))


@op
def logaddexp(x1, x2):
    """log(exp(x1) + exp(x2)) without overflow; the gradients are the softmax weights of the
    two, exp(x1 - out) and exp(x2 - out). Shapes broadcast."""
    a, b = float_pair(x1, x2)
    out = xp.logaddexp(a.data, b.data)
    return record(out, (a, b), lambda g: (unbroadcast(g * xp.exp(a.data - out), a.shape),
                                          unbroadcast(g * xp.exp(b.data - out), b.shape)))


@op
def logaddexp2(x1, x2):
    """log2(2 ** x1 + 2 ** x2) without overflow; gradients 2 ** (x1 - out), 2 ** (x2 - out)."""
    a, b = float_pair(x1, x2)
    out = xp.logaddexp2(a.data, b.data)
    return record(out, (a, b), lambda g: (unbroadcast(g * xp.exp2(a.data - out), a.shape),
                                          unbroadcast(g * xp.exp2(b.data - out), b.shape)))


@op
def ldexp(x1, x2):
    """x1 * 2 ** x2 with an integer exponent `x2` (x1 integers become floatx()).

    Shapes broadcast. The gradient for x1 is 2 ** x2; the integer exponent has none.
    """
    x2 = integer_tensor(x2, "ldexp", "x2", allow_bool=False)
    a = float_unary(x1)
    exponent = x2.data.astype("int32")
    out = xp.ldexp(a.data, exponent)
    return record(out, (a,), lambda g: (unbroadcast(xp.ldexp(g, exponent), a.shape),))
