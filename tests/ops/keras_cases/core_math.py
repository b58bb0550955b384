"""Keras reference cases: the elementwise math ops of minikeras's first round (math, special,
core), with broadcasting, Python-number operands and int inputs."""
from tests.ops.keras_cases import Case, integers, normal, uniform

A, B = normal(2, 3), normal(2, 3, seed=1)
ROW = normal(3, seed=2)
POS = uniform(2, 3, low=0.2, high=2.0)
INTS = integers(2, 3, low=-5, high=6)


def _binary(name, **kwargs):
    return [
        Case(name, lambda ops, a, b: getattr(ops, name)(a, b), [A, ROW], **kwargs),
        Case(f"{name}_number", lambda ops, a: getattr(ops, name)(a, 2.0), [A], **kwargs),
    ]


def _unary(name, x=A, **kwargs):
    return Case(name, lambda ops, a: getattr(ops, name)(a), [x], **kwargs)


CASES = [
    *_binary("add"), *_binary("subtract"), *_binary("multiply"), *_binary("divide"),
    *_binary("true_divide"), *_binary("maximum"), *_binary("minimum"),
    Case("power", lambda ops, a, b: ops.power(a, b), [POS, ROW]),
    Case("power_number", lambda ops, a: ops.power(a, 3.0), [A]),
    Case("floor_divide", lambda ops, a: ops.floor_divide(a, 0.7), [A], grad=False),
    Case("mod", lambda ops, a: ops.mod(a, 0.7), [A]),
    Case("add_int_float", lambda ops, i, a: ops.add(i, a), [INTS, A]),
    Case("multiply_ints", lambda ops, i, j: ops.multiply(i, j), [INTS, INTS], grad=False),
    Case("divide_ints", lambda ops, i: ops.divide(i, 2), [INTS], grad=False),
    *[_unary(n) for n in ("negative", "exp", "expm1", "square", "abs", "tanh", "sigmoid",
                          "softplus", "sin", "cos", "erf", "erfc")],
    *[_unary(n, POS) for n in ("reciprocal", "log", "log1p", "sqrt")],
    *[_unary(n, grad=False) for n in ("sign", "floor", "ceil", "round", "isnan", "isfinite",
                                      "logical_not")],
    Case("sqrt_int", lambda ops, i: ops.sqrt(ops.abs(i)), [INTS], grad=False),
    Case("exp_int", lambda ops, i: ops.exp(i), [INTS], grad=False),
    # Keras's dtype rules for integer and bool input
    *[Case(f"{n}_int", lambda ops, i, n=n: getattr(ops, n)(i), [INTS], grad=False)
      for n in ("floor", "ceil", "relu6", "hard_tanh", "logsumexp", "square", "abs")],
    *[Case(f"{n}_bool", lambda ops, a, n=n: getattr(ops, n)(ops.greater(a, 0.0)), [A],
           grad=False) for n in ("sign", "square", "floor")],
    Case("mod_bools", lambda ops, a, b: ops.mod(ops.greater(a, 0.0), ops.greater(b, -5.0)),
         [A, B], grad=False),
    Case("matmul_int8", lambda ops, i: ops.matmul(ops.cast(i, "int8"), ops.cast(i, "int8")),
         [integers(3, 3, low=-3, high=4)], grad=False),
    Case("diff_bool", lambda ops, a: ops.diff(ops.greater(a, 0.0)), [A], grad=False),
    Case("clip", lambda ops, a: ops.clip(a, -0.5, 0.5), [A]),
    Case("where", lambda ops, c, a, b: ops.where(ops.greater(c, 0.0), a, b), [B, A, ROW]),
    *[Case(n, lambda ops, a, b, n=n: getattr(ops, n)(a, b), [A, B], grad=False)
      for n in ("equal", "not_equal", "less", "less_equal", "greater", "greater_equal")],
    *[Case(n, lambda ops, a, b, n=n: getattr(ops, n)(ops.greater(a, 0.0), ops.greater(b, 0.0)),
           [A, B], grad=False) for n in ("logical_and", "logical_or", "logical_xor")],
    Case("cast", lambda ops, a: ops.cast(a, "float64"), [A]),
    Case("cast_int", lambda ops, a: ops.cast(ops.multiply(a, 3.0), "int32"), [A], grad=False),
    Case("stop_gradient", lambda ops, a, b: ops.add(ops.stop_gradient(a), b), [A, B],
         grad64=False, why="central differences see through stop_gradient by design"),
]
