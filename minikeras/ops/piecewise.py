"""Piecewise elementwise ops beyond math.py's: fabs, fmax, fmin, fmod, heaviside, nextafter,
trunc, divide_no_nan and nan_to_num.

Shapes broadcast like NumPy; gradients are summed back to each operand's shape. Step-like ops
(heaviside, nextafter) record no gradient; trunc's is zero where it exists.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import cast, convert_to_tensor, pair, unbroadcast
from minikeras.ops.elementwise_args import float_pair, float_unary, integer_pair
from minikeras.ops.symbolic import op


@op
def fabs(x):
    """|x| as a float (integers become floatx()); derivative sign(x)."""
    x = float_unary(x)
    return record(xp.fabs(x.data), (x,), lambda g: (g * xp.sign(x.data),))


def _nan_ignoring_pick(name, x1, x2, first_wins):
    """fmax / fmin: the elementwise pick, a NaN losing to a number; on ties the gradient goes
    to x1. Integer and bool operands keep their (promoted) dtype and record no gradient."""
    a, b = pair(x1, x2)
    if a.dtype != b.dtype:
        common = xp.result_type(a.dtype, b.dtype)
        a, b = cast(a, common), cast(b, common)
    out = getattr(xp, name)(a.data, b.data)
    if a.dtype.kind != "f":
        return record(out, (), None)
    take_a = first_wins(a.data, b.data) | xp.isnan(b.data)
    return record(out, (a, b), lambda g: (unbroadcast(g * take_a, a.shape),
                                          unbroadcast(g * ~take_a, b.shape)))


@op
def fmax(x1, x2):
    """Elementwise maximum that ignores NaN (NaN only where both are NaN)."""
    return _nan_ignoring_pick("fmax", x1, x2, lambda a, b: a >= b)


@op
def fmin(x1, x2):
    """Elementwise minimum that ignores NaN (NaN only where both are NaN)."""
    return _nan_ignoring_pick("fmin", x1, x2, lambda a, b: a <= b)


@op
def fmod(x1, x2):
    """C's remainder x1 - trunc(x1 / x2) * x2 (the sign of x1, unlike `mod`).

    Integers stay integers (a bool takes the other operand's integer dtype, two bools give
    int32) and record no gradient; for floats the gradient
    is 1 for x1 and -trunc(x1 / x2) for x2.
    """
    a, b = pair(x1, x2)
    if a.dtype.kind == "b" and b.dtype.kind == "b":
        a, b = cast(a, "int32"), cast(b, "int32")
    elif a.dtype.kind in "biu" and b.dtype.kind in "biu":
        a, b = integer_pair(a, b, "fmod", args=("x1", "x2"))
    elif a.dtype != b.dtype:
        common = xp.result_type(a.dtype, b.dtype)
        a, b = cast(a, common), cast(b, common)
    out = xp.fmod(a.data, b.data)
    if a.dtype.kind != "f":
        return record(out, (), None)
    return record(out, (a, b), lambda g: (unbroadcast(g, a.shape),
                                          unbroadcast(-g * xp.trunc(a.data / b.data), b.shape)))


@op
def heaviside(x1, x2):
    """The step function: 0 where x1 < 0, x2 where x1 == 0, 1 where x1 > 0. Two bool operands
    give bool, others a float (integers become floatx()). No gradient."""
    a, b = pair(x1, x2)
    if not (a.dtype.kind == "b" and b.dtype.kind == "b"):
        a, b = float_pair(a, b)
    return record(xp.heaviside(a.data, b.data).astype(a.dtype, copy=False), (), None)


@op
def nextafter(x1, x2):
    """The next representable float after x1 towards x2, in the operands' float dtype
    (integers become floatx()). No gradient."""
    a, b = float_pair(x1, x2)
    return record(xp.nextafter(a.data, b.data), (), None)


@op
def trunc(x):
    """Round towards zero, keeping the dtype (integers pass unchanged); its derivative is zero
    wherever it exists."""
    x = convert_to_tensor(x)
    if x.dtype.kind != "f":
        return record(x.data.copy(), (), None)
    return record(xp.trunc(x.data), (x,), lambda g: (xp.zeros_like(g),))


@op
def divide_no_nan(x1, x2):
    """x1 / x2, and 0 wherever x2 == 0 (even for 0 / 0), as a float (integers become floatx()).

    Gradients: 1 / x2 for x1 and -x1 / x2^2 for x2 where x2 != 0; zero where x2 == 0.
    """
    a, b = float_pair(x1, x2)
    nonzero = b.data != 0
    safe = xp.where(nonzero, b.data, xp.ones((), b.dtype))
    out = xp.where(nonzero, a.data / safe, xp.zeros((), a.dtype))

    def vjp(g):
        ga = xp.where(nonzero, g / safe, 0).astype(g.dtype, copy=False)
        gb = xp.where(nonzero, -g * out / safe, 0).astype(g.dtype, copy=False)
        return unbroadcast(ga, a.shape), unbroadcast(gb, b.shape)
    return record(out, (a, b), vjp)


@op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """x with NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (default: the
    largest / lowest finite value of x's dtype), as `numpy.nan_to_num`. Integer input passes
    through. The gradient flows where x was finite and is 0 at the replaced entries."""
    x = convert_to_tensor(x)
    if x.dtype.kind not in "fc":
        return x
    out = xp.nan_to_num(x.data, nan=nan, posinf=posinf, neginf=neginf)
    finite = xp.isfinite(x.data)
    return record(out, (x,), lambda g: (xp.where(finite, g, xp.zeros((), g.dtype)),))
