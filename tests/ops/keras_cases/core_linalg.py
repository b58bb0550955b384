"""Keras reference cases: keras.ops.linalg and the products of minikeras's first round."""
import numpy as np

from tests.ops.keras_cases import Case, normal

A = normal(3, 3, seed=1)
SPD = (A @ A.T + 3 * np.eye(3)).astype("float32")          # symmetric positive definite
STACK = np.stack([SPD, SPD + np.eye(3, dtype="float32")])  # (2, 3, 3)
B = normal(3, 2, seed=2)
TALL = normal(5, 3, seed=3)
LOWER = np.tril(SPD).astype("float32")

CASES = [
    Case("matmul", lambda ops, a, b: ops.matmul(a, b), [normal(2, 3, 4), normal(4, 5, seed=1)]),
    Case("matmul_vector", lambda ops, a, b: ops.matmul(a, b), [normal(3, 4), normal(4, seed=1)]),
    Case("dot", lambda ops, a, b: ops.dot(a, b), [normal(3, 4), normal(4, 2, seed=1)]),
    Case("tensordot", lambda ops, a, b: ops.tensordot(a, b, axes=[[1, 2], [0, 1]]),
         [normal(2, 3, 4), normal(3, 4, 5, seed=1)]),
    Case("inv", lambda ops, a: ops.linalg.inv(a), [STACK]),
    Case("det", lambda ops, a: ops.linalg.det(a), [STACK]),
    Case("solve", lambda ops, a, b: ops.linalg.solve(a, b), [SPD, B]),
    Case("solve_triangular", lambda ops, a, b: ops.linalg.solve_triangular(a, b, lower=True),
         [LOWER, B]),
    Case("cholesky", lambda ops, a: ops.linalg.cholesky(a), [STACK], grad64=False,
         why="central differences nudge one entry, leaving the symmetric matrices the op reads "
             "(tests/ops/test_linalg.py checks symmetric nudges)"),
    Case("norm_fro", lambda ops, a: ops.linalg.norm(a), [A]),
    Case("norm_axis", lambda ops, a: ops.linalg.norm(a, ord=1, axis=-1), [TALL]),
    Case("norm_nuc", lambda ops, a: ops.linalg.norm(a, ord="nuc"), [A], rtol=2e-4),
    Case("eigh_values", lambda ops, a: ops.linalg.eigh(a)[0], [SPD], grad64=False,
         why="central differences nudge one entry, leaving the symmetric matrices the op reads "
             "(tests/ops/test_linalg.py checks symmetric nudges)"),
    Case("svd_values", lambda ops, a: ops.linalg.svd(a, compute_uv=False), [TALL]),
    Case("qr_r_abs", lambda ops, a: ops.abs(ops.linalg.qr(a)[1]), [TALL]),
    Case("lstsq", lambda ops, a, b: ops.linalg.lstsq(a, b), [TALL, normal(5, 2, seed=4)],
         rtol=2e-4),
    Case("pinv", lambda ops, a: ops.linalg.pinv(a), [TALL], rtol=2e-4),
    Case("cholesky_inverse", lambda ops, a: ops.linalg.cholesky_inverse(ops.linalg.cholesky(a)),
         [SPD], grad64=False, why="as cholesky: the op reads a symmetric matrix"),
    Case("lu_factor", lambda ops, a: ops.linalg.lu_factor(a), [SPD + np.float32(1)], grad=False,
         check_dtype=False, why="Keras declares float32 pivots; its torch backend (and "
                                "minikeras) gives int32"),
    Case("jvp", lambda ops, x, t: ops.linalg.jvp(ops.tanh, (x,), (t,)),
         [normal(2, 3), normal(2, 3, seed=9)], grad=False, symbolic=False,
         why="jvp takes a function: no symbolic call"),
    Case("absolute", lambda ops, a: ops.absolute(a), [A]),
    Case("ones", lambda ops: ops.ones((2, 3)), [], grad=False, symbolic=False,
         why="no tensor argument"),
    Case("convert_to_tensor", lambda ops, a: ops.convert_to_tensor(a, dtype="float64"), [A],
         grad=False),
    Case("matrix_rank", lambda ops, a: ops.linalg.matrix_rank(a), [TALL], grad=False,
         check_dtype=False, why="Keras's torch backend returns int64, its declared dtype int32; "
                                "minikeras gives int32"),
]
