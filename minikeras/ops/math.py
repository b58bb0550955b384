"""Elementwise ops with their derivatives, each local derivative next to its forward.

Every function takes Tensors, arrays or Python numbers and returns a Tensor. Binary ops
broadcast like NumPy; their gradients are summed back to each operand's shape. Ops that only
make sense on floats (exp, log, sqrt, sin, ..., and division of two integers) turn integer or
bool input into floatx(), as Keras does.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.backend import config
from minikeras.ops.core import cast, convert_to_float_tensor, convert_to_tensor, pair, unbroadcast
from minikeras.ops.symbolic import op


# -- arithmetic ------------------------------------------------------------------------------
@op
def add(x1, x2):
    """x1 + x2, broadcast; the gradient is summed back to each operand's shape."""
    a, b = pair(x1, x2)
    return record(a.data + b.data, (a, b),
                  lambda g: (unbroadcast(g, a.shape), unbroadcast(g, b.shape)))


@op
def subtract(x1, x2):
    """x1 - x2, broadcast; the gradient is summed back to each operand's shape."""
    a, b = pair(x1, x2)
    return record(a.data - b.data, (a, b),
                  lambda g: (unbroadcast(g, a.shape), unbroadcast(-g, b.shape)))


@op
def multiply(x1, x2):
    """x1 * x2, broadcast; d/dx1 = x2 and d/dx2 = x1, summed back to each shape."""
    a, b = pair(x1, x2)
    return record(a.data * b.data, (a, b),
                  lambda g: (unbroadcast(g * b.data, a.shape) if a.requires_grad else None,
                             unbroadcast(g * a.data, b.shape) if b.requires_grad else None),
                  hands_over=True)


@op
def divide(x1, x2):
    """a / b; two integer (or bool) operands give floatx, as in Keras."""
    a, b = pair(x1, x2)
    if a.dtype.kind not in "fc" and b.dtype.kind not in "fc":
        a, b = cast(a, config.floatx()), cast(b, config.floatx())
    out = a.data / b.data

    def vjp(g):
        ga = unbroadcast(g / b.data, a.shape) if a.requires_grad else None
        gb = unbroadcast(-g * out / b.data, b.shape) if b.requires_grad else None
        return ga, gb
    return record(out, (a, b), vjp, hands_over=True)


true_divide = op(divide, name="true_divide")  # `x / y` on KerasTensors records TrueDivide


@op
def floor_divide(x1, x2):
    """Integer-valued division; not differentiable (no gradient flows)."""
    a, b = pair(x1, x2)
    return record(xp.floor_divide(a.data, b.data), (), None)


@op
def mod(x1, x2):
    """Remainder; gradient 1 for `a`, -floor(a/b) for `b`, like NumPy's definition. Two bools
    give int32, as in Keras."""
    a, b = pair(x1, x2)
    if a.dtype == bool and b.dtype == bool:
        a, b = cast(a, "int32"), cast(b, "int32")
    return record(xp.mod(a.data, b.data), (a, b),
                  lambda g: (unbroadcast(g, a.shape),
                             unbroadcast(-g * xp.floor_divide(a.data, b.data), b.shape)))


@op
def negative(x):
    """-x; the gradient is -g."""
    x = convert_to_tensor(x)
    return record(-x.data, (x,), lambda g: (-g,))


@op
def power(x1, x2):
    """a ** b; the gradient for b uses log(a) and is only defined where a > 0."""
    a, b = pair(x1, x2)
    out = a.data ** b.data

    def vjp(g):
        ga = unbroadcast(g * b.data * a.data ** (b.data - 1), a.shape) if a.requires_grad else None
        gb = None
        if b.requires_grad:
            safe_log = xp.log(xp.where(a.data > 0, a.data, 1))
            gb = unbroadcast(g * out * safe_log, b.shape)
        return ga, gb
    return record(out, (a, b), vjp)


@op
def reciprocal(x):
    """1 / x (integer input becomes floatx); gradient -1 / x**2."""
    x = convert_to_float_tensor(x)
    out = 1 / x.data
    return record(out, (x,), lambda g: (-g * out * out,))


# -- exponentials and logs ------------------------------------------------------------------
@op
def exp(x):
    """e**x (integer input becomes floatx); gradient exp(x)."""
    x = convert_to_float_tensor(x)
    out = xp.exp(x.data)
    return record(out, (x,), lambda g: (g * out,))


@op
def expm1(x):
    """exp(x) - 1, accurate near 0; gradient exp(x)."""
    x = convert_to_float_tensor(x)
    out = xp.expm1(x.data)
    return record(out, (x,), lambda g: (g * (out + 1),))


@op
def log(x):
    """Natural logarithm (integer input becomes floatx); gradient 1 / x."""
    x = convert_to_float_tensor(x)
    return record(xp.log(x.data), (x,), lambda g: (g / x.data,))


@op
def log1p(x):
    """log(1 + x), accurate near 0; gradient 1 / (1 + x)."""
    x = convert_to_float_tensor(x)
    return record(xp.log1p(x.data), (x,), lambda g: (g / (1 + x.data),))


@op
def sqrt(x):
    """Square root (integer input becomes floatx); gradient 1 / (2 sqrt(x))."""
    x = convert_to_float_tensor(x)
    out = xp.sqrt(x.data)
    return record(out, (x,), lambda g: (g * 0.5 / out,))


@op
def square(x):
    """x * x (integers stay integers, bool becomes int32 as in Keras); gradient 2x."""
    x = convert_to_tensor(x)
    if x.dtype == bool:
        x = cast(x, "int32")
    return record(xp.square(x.data), (x,), lambda g: (g * 2 * x.data,))


# -- piecewise ------------------------------------------------------------------------------
@op
def abs(x):  # noqa: A001 - NumPy's name
    """|x|; the gradient is sign(x) (0 at 0, as in Keras)."""
    x = convert_to_tensor(x)
    return record(xp.abs(x.data), (x,), lambda g: (g * xp.sign(x.data),))


absolute = abs


@op
def sign(x):
    """-1, 0 or 1 (a bool stays itself); its derivative is zero everywhere it exists."""
    x = convert_to_tensor(x)
    if x.dtype == bool:
        return record(x.data.copy(), (), None)
    return record(xp.sign(x.data), (x,), lambda g: (xp.zeros_like(x.data),))


@op
def maximum(x1, x2):
    """Elementwise max; on ties the gradient goes to `a`."""
    a, b = pair(x1, x2)
    a_wins = a.data >= b.data
    return record(xp.maximum(a.data, b.data), (a, b),
                  lambda g: (unbroadcast(g * a_wins, a.shape), unbroadcast(g * ~a_wins, b.shape)))


@op
def minimum(x1, x2):
    """Elementwise min; on ties the gradient goes to `a`."""
    a, b = pair(x1, x2)
    a_wins = a.data <= b.data
    return record(xp.minimum(a.data, b.data), (a, b),
                  lambda g: (unbroadcast(g * a_wins, a.shape), unbroadcast(g * ~a_wins, b.shape)))


@op
def clip(x, x_min, x_max):
    """Clamp to [x_min, x_max]; the gradient passes only where x was inside the range."""
    x = convert_to_tensor(x)
    lo = x_min.data if hasattr(x_min, "data") else x_min
    hi = x_max.data if hasattr(x_max, "data") else x_max
    inside = (x.data >= lo) & (x.data <= hi)
    out = xp.clip(x.data, lo, hi).astype(x.dtype, copy=False)
    return record(out, (x,), lambda g: (g * inside,))


@op
def where(condition, x1=None, x2=None):
    """Pick from x1 where condition holds, else from x2; gradients follow the choice.

    With neither x1 nor x2 it is `nonzero(condition)` (a tuple of int32 index arrays), as in
    Keras."""
    if x1 is None and x2 is None:
        from minikeras.ops.searching import nonzero
        return nonzero(condition)
    if x1 is None or x2 is None:
        raise ValueError("where: `x1` and `x2` must be given together (or both left out for "
                         "nonzero(condition)).")
    condition = convert_to_tensor(condition).data.astype(bool)
    x1, x2 = pair(x1, x2)
    out = xp.where(condition, x1.data, x2.data)
    zero = xp.zeros((), dtype=out.dtype)
    return record(out, (x1, x2),
                  lambda g: (unbroadcast(xp.where(condition, g, zero), x1.shape),
                             unbroadcast(xp.where(condition, zero, g), x2.shape)))


# -- smooth nonlinearities ------------------------------------------------------------------
@op
def tanh(x):
    """Hyperbolic tangent; gradient 1 - tanh(x)**2."""
    x = convert_to_float_tensor(x)
    out = xp.tanh(x.data)
    return record(out, (x,), lambda g: (g * (1 - out * out),))


@op
def sigmoid(x):
    """1 / (1 + exp(-x)), written with e = exp(-|x|) so it never overflows and keeps full
    relative precision in both tails: 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0."""
    x = convert_to_float_tensor(x)
    e = xp.exp(-xp.abs(x.data))
    out = xp.where(x.data >= 0, 1, e) / (1 + e)
    out = out.astype(x.dtype, copy=False)
    return record(out, (x,), lambda g: (g * out * (1 - out),))


@op
def softplus(x):
    """log(1 + exp(x)) in the overflow-free form max(x, 0) + log1p(exp(-|x|))."""
    x = convert_to_float_tensor(x)
    out = xp.maximum(x.data, 0) + xp.log1p(xp.exp(-xp.abs(x.data)))
    return record(out, (x,), lambda g: (g * 0.5 * (xp.tanh(0.5 * x.data) + 1),))


@op
def sin(x):
    """Sine (integer input becomes floatx); gradient cos(x)."""
    x = convert_to_float_tensor(x)
    return record(xp.sin(x.data), (x,), lambda g: (g * xp.cos(x.data),))


@op
def cos(x):
    """Cosine (integer input becomes floatx); gradient -sin(x)."""
    x = convert_to_float_tensor(x)
    return record(xp.cos(x.data), (x,), lambda g: (-g * xp.sin(x.data),))


# -- comparisons and logic (no gradient) -----------------------------------------------------
def _no_grad_binary(name):
    def op(x1, x2):
        a, b = pair(x1, x2)
        return record(getattr(xp, name)(a.data, b.data), (), None)
    op.__name__ = name
    op.__doc__ = f"Elementwise `{name}`; returns a bool Tensor, no gradient."
    return op


equal = op(_no_grad_binary("equal"))
not_equal = op(_no_grad_binary("not_equal"))
less = op(_no_grad_binary("less"))
less_equal = op(_no_grad_binary("less_equal"))
greater = op(_no_grad_binary("greater"))
greater_equal = op(_no_grad_binary("greater_equal"))
logical_and = op(_no_grad_binary("logical_and"))
logical_or = op(_no_grad_binary("logical_or"))
logical_xor = op(_no_grad_binary("logical_xor"))


@op
def logical_not(x):
    """Elementwise not, as a bool Tensor; no gradient."""
    return record(xp.logical_not(convert_to_tensor(x).data), (), None)


@op
def isnan(x):
    """Whether each value is NaN, as a bool Tensor; no gradient."""
    return record(xp.isnan(convert_to_tensor(x).data), (), None)


@op
def isfinite(x):
    """Whether each value is finite (not inf or NaN), as a bool Tensor; no gradient."""
    return record(xp.isfinite(convert_to_tensor(x).data), (), None)


@op
def floor(x):
    """Largest integer <= x, in x's float dtype (integers and bools become floatx, as in
    Keras); no gradient (zero almost everywhere)."""
    return record(xp.floor(convert_to_float_tensor(x).data), (), None)


@op
def ceil(x):
    """Smallest integer >= x, in x's float dtype (integers and bools become floatx, as in
    Keras); no gradient (zero almost everywhere)."""
    return record(xp.ceil(convert_to_float_tensor(x).data), (), None)


@op
def round(x, decimals=0):  # noqa: A001 - NumPy's name
    """Round half to even to `decimals` places, as Keras and NumPy do; no gradient."""
    return record(xp.round(convert_to_tensor(x).data, decimals), (), None)
