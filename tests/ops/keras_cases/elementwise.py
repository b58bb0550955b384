"""Keras reference cases: elementwise trigonometry, exponents, piecewise ops, predicates,
bitwise ops, erfinv / i0 and conversions (tests/ops/keras_cases/__init__.py)."""
import numpy as np

from tests.ops.keras_cases import Case, integers, normal, uniform

WHY_STEP = "a step function: its gradient is zero or undefined, and torch records none"


def _op_name(case_name):
    """The op a case calls: its name up to a variant suffix (`fabs_int` calls `fabs`)."""
    for suffix in ("_int", "_nans", "_bool", "_tails"):
        case_name = case_name.removesuffix(suffix)
    return case_name


def _unary(name, x, **kwargs):
    """A case calling the op `_op_name(name)` on one tensor."""
    op_name = _op_name(name)
    return Case(name, lambda ops, v: getattr(ops, op_name)(v), [x], **kwargs)


def _binary(name, x1, x2, **kwargs):
    """A case calling the op `_op_name(name)` on two tensors."""
    op_name = _op_name(name)
    return Case(name, lambda ops, a, b: getattr(ops, op_name)(a, b), [x1, x2], **kwargs)


CASES = [
    # trigonometry
    _unary("arcsin", uniform(3, 4, low=-0.9, high=0.9)),
    _unary("arccos", uniform(3, 4, low=-0.9, high=0.9, seed=1)),
    _unary("arctan", normal(3, 4, scale=2.0)),
    _unary("arcsinh", normal(3, 4, scale=3.0, seed=1)),
    _unary("arccosh", uniform(3, 4, low=1.1, high=5.0)),
    _unary("arctanh", uniform(3, 4, low=-0.9, high=0.9, seed=2)),
    _unary("sinh", normal(3, 4, seed=2)),
    _unary("cosh", normal(3, 4, seed=3)),
    _unary("tan", uniform(3, 4, low=-1.3, high=1.3)),
    _unary("deg2rad", normal(3, 4, scale=90.0)),
    _unary("rad2deg", normal(3, 4)),
    _unary("sinc", normal(3, 4, scale=2.0, seed=4)),
    Case("sinc_at_zero", lambda ops, v: ops.sinc(v), [np.array([0.0, 1.0, -0.5], "float32")],
         grad64=False, why="a central difference at 0 is fine but 1.0 is an integer point"),
    _binary("arctan2", normal(3, 4), normal(3, 4, seed=1)),
    Case("arctan2_broadcast", lambda ops, a, b: ops.arctan2(a, b), [normal(2, 1, 3), normal(4, 1)]),
    _binary("hypot", normal(3, 4), normal(4, seed=1)),
    _unary("arctan_int", integers(2, 3, low=-5, high=5), grad=False),
    _unary("arccos_int", integers(2, 3, low=-1, high=2), grad=False),
    _unary("deg2rad_int", integers(2, 3, low=-180, high=180), grad=False),
    # exponents
    _unary("cbrt", normal(3, 4, scale=4.0)),
    _unary("rsqrt", uniform(3, 4, low=0.1, high=4.0)),
    _unary("exp2", normal(3, 4, scale=2.0)),
    _unary("log2", uniform(3, 4, low=0.1, high=10.0)),
    _unary("log10", uniform(3, 4, low=0.1, high=100.0, seed=1)),
    _binary("logaddexp", normal(3, 4, scale=3.0), normal(3, 4, scale=3.0, seed=1)),
    _binary("logaddexp2", normal(2, 3, scale=3.0), normal(3, scale=3.0, seed=1)),
    Case("ldexp", lambda ops, a, b: ops.ldexp(a, b), [normal(3, 4), integers(3, 4, low=0, high=4)]),
    _unary("cbrt_int", integers(2, 3, low=-30, high=30), grad=False),
    _unary("log2_int", integers(2, 3, low=1, high=30), grad=False),
    _binary("logaddexp_int", integers(2, 3), integers(2, 3, seed=1), grad=False),
    # piecewise
    _unary("fabs", normal(3, 4)),
    _unary("fabs_int", integers(2, 3, low=-5, high=5), grad=False),
    _binary("fmax", normal(3, 4), normal(3, 4, seed=1)),
    _binary("fmin", normal(3, 4), normal(4, seed=1)),
    _binary("fmax_nans", np.array([np.nan, 1.0, 2.0], "float32"),
            np.array([0.5, np.nan, 3.0], "float32"), grad=False),
    _binary("fmax_int", integers(2, 3), integers(2, 3, seed=1), grad=False),
    _binary("fmod", normal(3, 4, scale=5.0), uniform(3, 4, low=1.0, high=2.0)),
    _binary("fmod_int", integers(2, 3, low=-9, high=9), integers(2, 3, low=1, high=4, seed=1),
            grad=False),
    _binary("heaviside", np.array([-1.0, 0.0, 2.0, 0.0], "float32"),
            np.array([0.5, 0.25, 0.5, 1.0], "float32"), grad=False),
    _binary("nextafter", np.array([1.0, -2.0, 0.5], "float32"),
            np.array([2.0, -3.0, 1.0], "float32"), grad=False),
    _unary("trunc", normal(3, 4, scale=3.0)),
    _unary("trunc_int", integers(2, 3, low=-5, high=5), grad=False),
    _binary("divide_no_nan", normal(2, 4), np.array([1.5, 0.0, -2.0, 0.5], "float32"),
            grad64=False, why="x2 == 0 is a jump; the central differences straddle it"),
    _binary("divide_no_nan_int", integers(2, 3), integers(2, 3, low=0, high=3, seed=1),
            grad=False),
    # predicates
    _unary("isinf", np.array([1.0, np.inf, -np.inf, np.nan], "float32"), grad=False),
    _unary("isposinf", np.array([1.0, np.inf, -np.inf, np.nan], "float32"), grad=False),
    _unary("isneginf", np.array([1.0, np.inf, -np.inf, np.nan], "float32"), grad=False),
    _unary("isreal", normal(2, 3), grad=False),
    _unary("signbit", np.array([-1.0, -0.0, 0.0, 2.0], "float32"), grad=False),
    _unary("signbit_int", integers(2, 3, low=-5, high=5), grad=False),
    _binary("isclose", np.array([1.0, 2.0, np.nan, 3.0], "float32"),
            np.array([1.0, 2.1, np.nan, 3.00001], "float32"), grad=False),
    Case("isclose_options", lambda ops, a, b: ops.isclose(a, b, rtol=0.1, atol=0.0,
                                                          equal_nan=True),
         [np.array([1.0, 2.0, np.nan, 3.0], "float32"),
          np.array([1.05, 2.5, np.nan, 3.2], "float32")], grad=False),
    _binary("allclose", normal(2, 3), normal(2, 3), grad=False),
    Case("allclose_atol", lambda ops, a, b: ops.allclose(a, b, atol=0.1),
         [normal(2, 3), normal(2, 3, seed=1)], grad=False),
    # bitwise and integer ops
    _binary("bitwise_and", integers(2, 3, high=16), integers(2, 3, high=16, seed=1), grad=False),
    _binary("bitwise_or", integers(2, 3, high=16), integers(3, high=16, seed=1), grad=False),
    _binary("bitwise_xor", integers(2, 3, high=16), integers(2, 3, high=16, seed=1), grad=False),
    _binary("bitwise_and_bool", np.array([True, True, False]), np.array([True, False, False]),
            grad=False),
    _unary("bitwise_invert", integers(2, 3, low=-8, high=8), grad=False),
    _unary("bitwise_not", integers(2, 3, low=-8, high=8, dtype="int8"), grad=False),
    _binary("left_shift", integers(2, 3, low=-8, high=8), integers(2, 3, high=4, seed=1),
            grad=False),
    _binary("bitwise_left_shift", integers(2, 3, high=8), integers(2, 3, high=4, seed=1),
            grad=False),
    _binary("right_shift", integers(2, 3, low=-64, high=64), integers(2, 3, high=4, seed=1),
            grad=False),
    _binary("bitwise_right_shift", integers(2, 3, high=64), integers(2, 3, high=4, seed=1),
            grad=False),
    _binary("gcd", integers(2, 3, low=-20, high=20), integers(2, 3, low=0, high=20, seed=1),
            grad=False),
    _binary("lcm", integers(2, 3, low=0, high=12), integers(2, 3, low=1, high=12, seed=1),
            grad=False),
    Case("left_shift_scalar", lambda ops, a: ops.left_shift(a, 2), [integers(2, 3, dtype="int8")],
         grad=False),
    # special functions
    _unary("erfinv", uniform(3, 4, low=-0.95, high=0.95)),
    _unary("erfinv_tails", np.array([-0.999, 0.9999, 0.0, 0.5], "float32"), grad64=False,
           why="the numerical check's step reaches past |x| = 1 this close to it"),
    _unary("i0", normal(3, 4, scale=3.0)),
    _unary("i0_int", integers(2, 3, low=-5, high=5), grad=False),
    # conversions
    _unary("copy", normal(2, 3)),
    _unary("copy_int", integers(2, 3), grad=False),
    Case("array", lambda ops, v: ops.array(v, dtype="float32"), [integers(2, 3)], grad=False),
    Case("saturate_cast", lambda ops, v: ops.saturate_cast(v, "int8"),
         [np.array([-300.0, -1.5, 0.0, 2.7, 127.5, 300.0], "float32")], grad=False),
    Case("saturate_cast_uint8", lambda ops, v: ops.saturate_cast(v, "uint8"),
         [np.array([-3, 0, 200, 300], "int32")], grad=False),
    Case("saturate_cast_float16", lambda ops, v: ops.saturate_cast(v, "float16"),
         [np.array([-1e6, 1.5, 7e4], "float32")], grad=False),
    Case("size", lambda ops, v: ops.size(v), [normal(2, 3)], grad=False, symbolic=False,
         why="Keras's eager size is a torch int64, its symbolic one int32 (minikeras: int32)",
         check_dtype=False),
    Case("nan_to_num", lambda ops, v: ops.nan_to_num(v),
         [np.array([1.5, np.nan, np.inf, -np.inf, -2.0], "float32")], grad64=False,
         why="central differences at inf / NaN inputs are not finite"),
    Case("nan_to_num_values", lambda ops, v: ops.nan_to_num(v, nan=-1.0, posinf=9.0, neginf=-9.0),
         [np.array([[np.nan, 2.0], [np.inf, -np.inf]], "float32")], grad64=False,
         why="central differences at inf / NaN inputs are not finite"),
    Case("max_initial", lambda ops, v: ops.max(v, axis=1, initial=0.5), [normal(3, 4)]),
    Case("min_initial", lambda ops, v: ops.min(v, initial=-5.0), [normal(3, 4)]),
    Case("prod_dtype", lambda ops, v: ops.prod(v, axis=0, dtype="float64"), [normal(3, 4)]),
    # nn aliases
    _unary("swish", normal(3, 4)),
    _unary("hard_swish", normal(3, 4, scale=4.0)),
]
