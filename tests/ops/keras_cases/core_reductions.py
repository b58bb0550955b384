"""Keras reference cases: the reductions of minikeras's first round, over axes and keepdims."""
from tests.ops.keras_cases import Case, integers, normal

X = normal(2, 3, 4)
INTS = integers(3, 4, low=-3, high=5)

CASES = [
    *[Case(f"{n}_{axis}_{keepdims}",
           lambda ops, x, n=n, axis=axis, keepdims=keepdims:
               getattr(ops, n)(x, axis=axis, keepdims=keepdims), [X])
      for n in ("sum", "mean", "max", "min", "amax", "amin", "prod", "var", "std", "logsumexp")
      for axis, keepdims in ((None, False), (1, True), ((0, 2), False), (-1, False))],
    Case("sum_int", lambda ops, i: ops.sum(i, axis=0), [INTS], grad=False),
    Case("mean_int", lambda ops, i: ops.mean(i, axis=0), [INTS], grad=False),
    Case("prod_int", lambda ops, i: ops.prod(i), [INTS], grad=False),
    *[Case(f"{n}_{axis}", lambda ops, x, n=n, axis=axis: getattr(ops, n)(x, axis=axis), [X],
           grad=False) for n in ("argmax", "argmin") for axis in (None, 1)],
    *[Case(f"{n}_{axis}", lambda ops, x, n=n, axis=axis: getattr(ops, n)(ops.greater(x, 0.0),
                                                                          axis=axis), [X],
           grad=False) for n in ("any", "all") for axis in (None, 2)],
    Case("cumsum_none", lambda ops, x: ops.cumsum(x), [X]),
    Case("cumprod_axis", lambda ops, x: ops.cumprod(x, axis=-1), [X]),
]
