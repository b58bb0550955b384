"""Bitwise and integer-only ops: bitwise_and / or / xor / invert (not), left and right shifts
(each under both of Keras's names), gcd and lcm.

Operands are integers (bools where the operation makes sense); floats raise a TypeError naming
the op. Python ints take the other operand's dtype; two tensors promote like Keras. No gradient.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.elementwise_args import integer_pair, integer_tensor
from minikeras.ops.symbolic import op


def _binary(name, fn, x, y, allow_bool=True, args=("x", "y")):
    a, b = integer_pair(x, y, name, allow_bool, args)
    return record(fn(a.data, b.data), (), None)


@op
def bitwise_and(x, y):
    """Bitwise AND of integers (logical AND of bools)."""
    return _binary("bitwise_and", xp.bitwise_and, x, y)


@op
def bitwise_or(x, y):
    """Bitwise OR of integers (logical OR of bools)."""
    return _binary("bitwise_or", xp.bitwise_or, x, y)


@op
def bitwise_xor(x, y):
    """Bitwise XOR of integers (logical XOR of bools)."""
    return _binary("bitwise_xor", xp.bitwise_xor, x, y)


@op
def bitwise_invert(x):
    """Bitwise NOT of integers (~x = -x - 1 for signed ones; logical NOT of bools)."""
    x = integer_tensor(x, "bitwise_invert", "x")
    return record(xp.invert(x.data), (), None)


@op
def bitwise_not(x):
    """The same as `bitwise_invert` (Keras keeps both names as separate operations)."""
    x = integer_tensor(x, "bitwise_not", "x")
    return record(xp.invert(x.data), (), None)


def _left(x, y):
    return xp.left_shift(x, y)


def _right(x, y):
    return xp.right_shift(x, y)  # arithmetic for signed integers: -8 >> 1 == -4


@op
def left_shift(x, y):
    """x shifted left by y bits (x * 2 ** y, wrapping at the dtype's width)."""
    return _binary("left_shift", _left, x, y, allow_bool=False)


@op
def bitwise_left_shift(x, y):
    """The same as `left_shift` (Keras keeps both names as separate operations)."""
    return _binary("bitwise_left_shift", _left, x, y, allow_bool=False)


@op
def right_shift(x, y):
    """x shifted right by y bits, keeping the sign of signed integers (floor(x / 2 ** y))."""
    return _binary("right_shift", _right, x, y, allow_bool=False)


@op
def bitwise_right_shift(x, y):
    """The same as `right_shift` (Keras keeps both names as separate operations)."""
    return _binary("bitwise_right_shift", _right, x, y, allow_bool=False)


@op
def gcd(x1, x2):
    """The greatest common divisor of integers (non-negative; gcd(0, 0) = 0)."""
    return _binary("gcd", xp.gcd, x1, x2, allow_bool=False,
                   args=("x1", "x2"))


@op
def lcm(x1, x2):
    """The least common multiple of integers (non-negative; 0 if either is 0)."""
    return _binary("lcm", xp.lcm, x1, x2, allow_bool=False,
                   args=("x1", "x2"))
