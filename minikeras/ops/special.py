"""Special functions: the error function `erf` (and `erfc`), which the exact GELU needs, its
inverse `erfinv`, and the modified Bessel function `i0`.

NumPy has no vectorized erf (and `math.erf` works on one number at a time), so minikeras
evaluates it with the rational (Chebyshev-type) approximations published by W. J. Cody,
"Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), in the
form of his later routine CALERF. Three ranges of |x| are used, each accurate to float64
round-off:

    |x| <= 0.46875       erf(x)  = x * P1(x^2) / Q1(x^2)
    0.46875 < |x| <= 4   erfc(y) = exp(-y^2) * P2(y) / Q2(y)                   (y = |x|)
    |x| > 4              erfc(y) = exp(-y^2) / y * (1/sqrt(pi) - z * P3(z) / Q3(z)),  z = 1/y^2

and erf(x) = sign(x) * (1 - erfc(|x|)) outside the first range. The polynomials are evaluated
in the input's own float dtype, so float32 stays float32 (float16 is evaluated in float32).
"""
import math

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.symbolic import op

_SMALL_LIMIT = 0.46875
_MIDDLE_LIMIT = 4.0
_INV_SQRT_PI = 0.56418958354775628695
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)

# Coefficients of Cody's three approximations, in the order of his tables: each P holds the
# numerator's coefficients with the leading one last and the constant term second to last,
# each Q the denominator's (monic) coefficients with the constant term last. See `_ratio`.
_P1 = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
       3.20937758913846947e03, 1.85777706184603153e-1)
_Q1 = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
       2.84423683343917062e03)
_P2 = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
       2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
       2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_Q2 = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
       1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
       3.43936767414372164e03, 1.23033935480374942e03)
_P3 = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
       1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_Q3 = (2.56852019228982242e00, 1.87295284992346725e00, 5.27905102951428412e-1,
       6.05183413124413191e-2, 2.33520497626869185e-3)


def _ratio(t, p, q):
    """(p[-1]*t^n + p[0]*t^(n-1) + ...) / (t^n + q[0]*t^(n-1) + ...) by Horner's rule.

    Cody stores the leading numerator coefficient last and the constant terms as p[-2], q[-1];
    this loop reproduces his evaluation order: the numerator ends with `+ p[-2]`, the
    denominator with `+ q[-1]`. The updates run in place, so no step allocates an array.
    """
    num = t * p[-1]
    den = t.copy()
    for a, b in zip(p[:-2], q[:-1]):
        num += a
        num *= t
        den += b
        den *= t
    num += p[-2]
    den += q[-1]
    num /= den
    return num


def _erfc_of_positive(y):
    """erfc(y) for an array of y >= 0.46875 (the second and third ranges), same dtype as y."""
    out = xp.empty_like(y)
    middle = y <= _MIDDLE_LIMIT
    ym = y[middle]
    out[middle] = _exp_minus_square(ym) * _ratio(ym, _P2, _Q2)
    yl = y[~middle]  # y > 4, inf and nan
    with xp.errstate(divide="ignore", invalid="ignore", over="ignore"):
        z = 1 / (yl * yl)
        tail = _exp_minus_square(yl) * (_INV_SQRT_PI - z * _ratio(z, _P3, _Q3)) / yl
    out[~middle] = xp.where(xp.isinf(yl), 0, tail)
    return out


def _working_copy(x):
    """x as an array the polynomials can run in: float16 is widened to float32 (the
    intermediate sums reach ~1e5, past float16's range); other floats are used as they are."""
    x = xp.asarray(x)
    return x.astype(xp.float32) if x.dtype.itemsize < 4 else x


def erf_array(x):
    """erf of a raw float array (any shape, no graph recording); same dtype as x."""
    dtype = xp.asarray(x).dtype
    x = _working_copy(x)
    out = xp.empty_like(x)
    small = xp.abs(x) <= _SMALL_LIMIT
    xs = x[small]
    out[small] = xs * _ratio(xs * xs, _P1, _Q1)
    xl = x[~small]
    out[~small] = xp.copysign(1 - _erfc_of_positive(xp.abs(xl)), xl)
    return out.astype(dtype, copy=False)


def erfc_array(x):
    """erfc(x) = 1 - erf(x) of a raw float array, without the cancellation of 1 - erf(x).

    For large positive x (where erf(x) rounds to 1) it keeps full relative accuracy; the exact
    GELU uses it to stay accurate in float32 for negative inputs.
    """
    dtype = xp.asarray(x).dtype
    x = _working_copy(x)
    out = xp.empty_like(x)
    small = xp.abs(x) <= _SMALL_LIMIT
    xs = x[small]
    out[small] = 1 - xs * _ratio(xs * xs, _P1, _Q1)
    xl = x[~small]
    tail = _erfc_of_positive(xp.abs(xl))
    out[~small] = xp.where(xl > 0, tail, 2 - tail)
    return out.astype(dtype, copy=False)


def _exp_minus_square(y):
    """exp(-y^2) computed as exp(-a^2) * exp(-(y-a)(y+a)), a = y rounded down to 1/16.

    a^2 is exact in floating point and (y-a)(y+a) is small, so this keeps the relative error
    of erfc small for large y, where y^2 itself would lose low-order bits (Cody's trick).
    """
    a = xp.trunc(y * 16)
    a /= 16
    with xp.errstate(invalid="ignore", over="ignore"):
        rest = (a - y) * (y + a)       # -(y-a)(y+a)
        a *= -a                        # -a^2
        return xp.exp(a, out=a) * xp.exp(rest, out=rest)


@op
def erf(x):
    """The error function erf(x) = 2/sqrt(pi) * integral_0^x exp(-t^2) dt, elementwise.

    Accepts a Tensor, array or number and returns a Tensor of the same shape (integer input
    becomes floatx()). Accurate to float64 round-off (absolute error below 1e-15).
    Gradient: 2/sqrt(pi) * exp(-x^2).
    """
    x = _float_tensor(x)
    data = x.data
    return record(erf_array(data), (x,),
                  lambda g: (g * (_TWO_OVER_SQRT_PI * xp.exp(-data * data)),))


@op
def erfc(x):
    """The complementary error function 1 - erf(x), accurate also where erf(x) is near 1.

    Same conventions as `erf`. Gradient: -2/sqrt(pi) * exp(-x^2).
    """
    x = _float_tensor(x)
    data = x.data
    return record(erfc_array(data), (x,),
                  lambda g: (g * (-_TWO_OVER_SQRT_PI * xp.exp(-data * data)),))


def _float_tensor(x):
    x = convert_to_tensor(x)
    if not xp.issubdtype(x.dtype, xp.floating):
        x = convert_to_tensor(x.data.astype(config.floatx()))
    return x


# -- the inverse error function --------------------------------------------------------------
_WINITZKI_A = 0.147  # Winitzki's constant: a closed-form erfinv good to ~2e-3 relative


def erfinv_array(y):
    """erfinv of a raw float array (any shape, no recording); same dtype as y.

    Computed in float64: Winitzki's closed form x0 = sqrt(sqrt(t^2 - w/a) - t),
    w = log(1 - y^2), t = 2/(pi a) + w/2, then three Halley steps on f(x) = erf(x) - |y|
    (cubic convergence: 2e-3 -> 1e-8 -> float64 round-off). Above |y| = 0.5 the residual is
    written (1 - |y|) - erfc(x), where 1 - |y| is exact, so the tail keeps full precision.
    erfinv(+-1) = +-inf; NaN outside [-1, 1].
    """
    y = xp.asarray(y)
    dtype = y.dtype
    y64 = y.astype(xp.float64)
    magnitude = xp.abs(y64)
    inside = magnitude < 1
    a = xp.where(inside, magnitude, 0.0)
    with xp.errstate(divide="ignore", invalid="ignore"):
        w = xp.log((1 - a) * (1 + a))
        t = 2 / (math.pi * _WINITZKI_A) + w / 2
        x = xp.sqrt(xp.sqrt(t * t - w / _WINITZKI_A) - t)
        tail = a > 0.5
        for _ in range(3):
            residual = xp.where(tail, (1 - a) - erfc_array(x), erf_array(x) - a)
            step = residual / (_TWO_OVER_SQRT_PI * _exp_minus_square(x))
            x = x - step / (1 + x * step)
    out = xp.where(inside, x, xp.where(magnitude == 1, xp.inf, xp.nan))
    return xp.copysign(out, y64).astype(dtype, copy=False)


@op(keras_module="keras.src.ops.math")
def erfinv(x):
    """The inverse error function: erf(erfinv(x)) = x for x in (-1, 1); +-inf at +-1, NaN
    outside. Integer input becomes floatx(). Accurate to float64 round-off.
    Gradient: sqrt(pi)/2 * exp(erfinv(x)^2).
    """
    x = _float_tensor(x)
    out = erfinv_array(x.data)
    return record(out, (x,), lambda g: (g / (_TWO_OVER_SQRT_PI * xp.exp(-out * out)),))


# -- the modified Bessel function of order 0 ---------------------------------------------------
def bessel_i1_array(x):
    """I1(x), the modified Bessel function of order 1 (the derivative of I0), in float64.

    The power series sum_k (x/2)^(2k+1) / (k! (k+1)!) has only positive terms (no cancellation);
    they peak near k = |x|/2, so |x| + 30 terms reach float64 round-off for any |x| whose I1
    is finite. The loop runs over terms, each step on the whole array.
    """
    x = xp.asarray(x, dtype=xp.float64)
    half = x / 2
    quarter_square = half * half
    term = half.copy()
    total = half.copy()
    finite = xp.abs(x[xp.isfinite(x)])
    steps = int(min(finite.max(), 800)) + 30 if finite.size else 1
    with xp.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps):
            term *= quarter_square / (k * (k + 1))
            total += term
    return total


@op(keras_module="keras.src.ops.numpy")
def i0(x):
    """I0(x), the modified Bessel function of the first kind of order 0 (even, I0(0) = 1).
    Integer input becomes floatx() (float64 for int64, as in Keras). Gradient: I1(x)."""
    x = convert_to_tensor(x)
    if x.dtype == xp.int64:
        x = convert_to_tensor(x.data.astype(xp.float64))
    x = _float_tensor(x)
    out = xp.i0(x.data.astype(xp.float64)).astype(x.dtype, copy=False)
    return record(out, (x,), lambda g: (g * bessel_i1_array(x.data).astype(g.dtype, copy=False),))
