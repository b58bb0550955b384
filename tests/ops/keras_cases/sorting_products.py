"""Keras reference cases: sorting, selection, cumulative and product ops."""
from tests.ops.keras_cases import Case, integers, normal

CASES = [
    Case("sort", lambda ops, x: ops.sort(x), [normal(3, 5)]),
    Case("sort_axis0", lambda ops, x: ops.sort(x, axis=0), [normal(4, 3, seed=1)]),
    Case("argsort", lambda ops, x: ops.argsort(x, axis=0), [normal(4, 3, seed=2)], grad=False),
    Case("top_k", lambda ops, x: ops.top_k(x, 2), [normal(3, 5, seed=3)]),
    Case("take_along_axis", lambda ops, x, i: ops.take_along_axis(x, i, axis=1),
         [normal(3, 4), integers(3, 2, high=4)]),
    Case("cumsum", lambda ops, x: ops.cumsum(x, axis=1), [normal(2, 4)]),
    Case("cumprod", lambda ops, x: ops.cumprod(x, axis=0), [normal(3, 2, seed=4)]),
    Case("einsum", lambda ops, a, b: ops.einsum("ij,jk->ik", a, b),
         [normal(2, 3), normal(3, 4, seed=1)]),
    Case("outer", lambda ops, a, b: ops.outer(a, b), [normal(3), normal(4, seed=1)]),
    Case("flip", lambda ops, x: ops.flip(x, axis=1), [normal(2, 3)]),
    Case("roll", lambda ops, x: ops.roll(x, 2, axis=1), [normal(2, 5)]),
    Case("tril", lambda ops, x: ops.tril(x, -1), [normal(4, 4)]),
    Case("argmax", lambda ops, x: ops.argmax(x, axis=1), [normal(3, 4)], grad=False,
         check_dtype=False, why="minikeras's argmax gives int64, Keras int32 (known, issue 17)"),
]
