"""Elementwise questions with bool answers: isinf, isneginf, isposinf, isreal, signbit,
isclose, and allclose (one bool for the whole pair). None of them records a gradient.

Integer and bool inputs are finite and real; binary ops broadcast like NumPy.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import cast, convert_to_tensor, pair
from minikeras.ops.symbolic import op


def _answer(values):
    return record(xp.asarray(values, dtype=bool), (), None)


@op
def isinf(x):
    """True where x is +inf or -inf."""
    return _answer(xp.isinf(convert_to_tensor(x).data))


@op
def isposinf(x):
    """True where x is +inf."""
    return _answer(xp.isposinf(convert_to_tensor(x).data))


@op
def isneginf(x):
    """True where x is -inf."""
    return _answer(xp.isneginf(convert_to_tensor(x).data))


@op
def isreal(x):
    """True where x has no imaginary part (everywhere for real dtypes)."""
    return _answer(xp.isreal(convert_to_tensor(x).data))


@op
def signbit(x):
    """True where the sign bit is set: negative numbers, -0.0 and NaNs with the sign set."""
    x = convert_to_tensor(x)
    data = x.data
    return _answer(xp.signbit(data) if data.dtype.kind == "f" else data < 0)


def _check_tolerances(name, rtol, atol):
    for arg, value in (("rtol", rtol), ("atol", atol)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
            raise ValueError(f"{name}: `{arg}` must be a non-negative number, received "
                             f"{value!r}.")


def _close(name, x1, x2, rtol, atol, equal_nan):
    """|x1 - x2| <= atol + rtol * |x2| elementwise, on the operands' common dtype."""
    _check_tolerances(name, rtol, atol)
    a, b = pair(x1, x2)
    if a.dtype != b.dtype:
        common = xp.result_type(a.dtype, b.dtype)
        a, b = cast(a, common), cast(b, common)
    return xp.isclose(a.data, b.data, rtol=rtol, atol=atol, equal_nan=bool(equal_nan))


@op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """True where |x1 - x2| <= atol + rtol * |x2| (not symmetric in x1, x2, as in NumPy);
    NaNs compare equal only with `equal_nan`. Shapes broadcast."""
    return _answer(_close("isclose", x1, x2, rtol, atol, equal_nan))


@op
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """A scalar bool Tensor: whether `isclose` holds everywhere."""
    return _answer(xp.all(_close("allclose", x1, x2, rtol, atol, equal_nan)))
