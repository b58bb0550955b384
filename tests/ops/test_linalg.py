"""keras.ops.linalg: values against numpy.linalg (what Keras's NumPy backend calls) on stacks of
matrices, float64 gradient checks of every differentiable op, dtypes, the namespace, and the
errors bad input raises."""
import numpy as np
import pytest

from minikeras import ops
from minikeras.backend.autodiff import Tensor
from minikeras.ops import linalg
from minikeras.utils import gradient_check

RNG = np.random.default_rng(7)
A = RNG.normal(size=(2, 3, 4, 4))                    # a (2, 3) stack of 4x4 matrices
WIDE, TALL = RNG.normal(size=(2, 3, 5)), RNG.normal(size=(2, 5, 3))
SPD = A @ np.swapaxes(A, -1, -2) + 4 * np.eye(4)
B = RNG.normal(size=(2, 3, 4, 2))


def sym(t):
    """A symmetric positive-definite matrix made from t, through ops (so gradients reach t)."""
    return ops.add(ops.matmul(t, ops.transpose(t, (0, 2, 1))), 4 * np.eye(t.shape[-1]))


# -- values ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, args, want", [
    ("inv", (A,), np.linalg.inv(A)),
    ("det", (A,), np.linalg.det(A)),
    ("solve", (A, B), np.linalg.solve(A, B)),
    ("solve", (A, B[..., 0]), np.linalg.solve(A, B[..., 0:1])[..., 0]),
    ("cholesky", (SPD,), np.linalg.cholesky(SPD)),
    ("pinv", (TALL,), np.linalg.pinv(TALL)),
    ("matrix_rank", (TALL,), np.linalg.matrix_rank(TALL)),
])
def test_values_match_numpy_on_stacks(name, args, want):
    got = getattr(ops, name)(*args)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


def test_upper_cholesky_and_cholesky_inverse():
    lower = np.linalg.cholesky(SPD)
    np.testing.assert_allclose(ops.cholesky(SPD, upper=True).numpy(),
                               np.swapaxes(lower, -1, -2), atol=1e-12)
    np.testing.assert_allclose(ops.cholesky_inverse(lower).numpy(), np.linalg.inv(SPD),
                               rtol=1e-8, atol=1e-10)
    upper = np.swapaxes(lower, -1, -2)
    np.testing.assert_allclose(ops.cholesky_inverse(upper, upper=True).numpy(),
                               np.linalg.inv(SPD), rtol=1e-8, atol=1e-10)


def test_solve_triangular_reads_one_triangle():
    for lower in (True, False):
        tri = np.tril(A) if lower else np.triu(A)
        got = ops.solve_triangular(A, B, lower=lower).numpy()
        np.testing.assert_allclose(got, np.linalg.solve(tri, B), rtol=1e-8, atol=1e-10)
    vec = ops.solve_triangular(A, B[..., 0], lower=True).numpy()
    np.testing.assert_allclose(vec, np.linalg.solve(np.tril(A), B[..., :1])[..., 0], rtol=1e-8)


def test_decompositions_rebuild_their_input():
    w, v = ops.eigh(SPD)
    np.testing.assert_allclose(w.numpy(), np.linalg.eigh(SPD)[0], rtol=1e-10)
    np.testing.assert_allclose((v.numpy() * w.numpy()[..., None, :]) @ np.swapaxes(v.numpy(), -1, -2),
                               SPD, atol=1e-10)
    for x, mode in ((TALL, "reduced"), (WIDE, "reduced"), (TALL, "complete")):
        q, r = ops.qr(x, mode=mode)
        want_q, want_r = np.linalg.qr(x, mode=mode)
        assert q.shape == want_q.shape and r.shape == want_r.shape
        np.testing.assert_allclose(q.numpy() @ r.numpy(), x, atol=1e-12)
    for full in (True, False):
        u, s, vh = ops.svd(TALL, full_matrices=full)
        want = np.linalg.svd(TALL, full_matrices=full)
        assert [u.shape, s.shape, vh.shape] == [w.shape for w in want]
        np.testing.assert_allclose(s.numpy(), want[1], rtol=1e-10)
        k = s.shape[-1]
        np.testing.assert_allclose((u.numpy()[..., :k] * s.numpy()[..., None, :]) @ vh.numpy()[..., :k, :],
                                   TALL, atol=1e-12)
    np.testing.assert_allclose(ops.svd(WIDE, compute_uv=False).numpy(),
                               np.linalg.svd(WIDE, compute_uv=False), rtol=1e-10)
    w, v = ops.eig(A[0, 0])
    np.testing.assert_allclose(A[0, 0] @ v.numpy(), v.numpy() * w.numpy(), atol=1e-10)


def test_lstsq_over_and_under_determined():
    a, b = RNG.normal(size=(6, 3)), RNG.normal(size=(6, 2))
    np.testing.assert_allclose(ops.lstsq(a, b).numpy(), np.linalg.lstsq(a, b)[0], rtol=1e-10)
    np.testing.assert_allclose(ops.lstsq(a.T, b[:3, 0]).numpy(),
                               np.linalg.lstsq(a.T, b[:3, 0])[0], rtol=1e-10)


def test_lu_factor_rebuilds_the_permuted_matrix():
    x = RNG.normal(size=(3, 5, 4))
    lu, piv = ops.lu_factor(x)
    assert lu.shape == (3, 5, 4) and piv.shape == (3, 4) and piv.dtype == np.int32
    for k in range(3):
        lower = np.tril(lu.numpy()[k], -1)[:, :4] + np.eye(5, 4)
        upper = np.triu(lu.numpy()[k])[:4]
        permuted = x[k].copy()
        for i, p in enumerate(piv.numpy()[k]):
            permuted[[i, p]] = permuted[[p, i]]
        np.testing.assert_allclose(lower @ upper, permuted, atol=1e-12)


NORMS = [(None, None), (None, -1), (1, 1), (np.inf, 0), (-np.inf, 2), (3, 1), (0, -1),
         (None, (1, 2)), ("fro", (0, 1)), ("nuc", (1, 2)), (2, (1, 2)), (-2, (2, 1)),
         (1, (1, 2)), (-1, (1, 2)), (np.inf, (1, 2)), (-np.inf, (0, 2))]


@pytest.mark.parametrize("ord, axis", NORMS)
def test_norm_matches_numpy_and_its_gradient(ord, axis):
    x = RNG.normal(size=(3, 4, 5))
    np.testing.assert_allclose(ops.norm(x, ord=ord, axis=axis).numpy(),
                               np.linalg.norm(x, ord=ord, axis=axis), rtol=1e-12)
    assert ops.norm(x, ord=ord, axis=axis, keepdims=True).shape == \
        np.linalg.norm(x, ord=ord, axis=axis, keepdims=True).shape
    if ord != 0:
        assert gradient_check(lambda t: ops.norm(t, ord=ord, axis=axis), x) < 1e-5


def test_norm_of_a_matrix_with_axis_none_and_an_order():
    m = RNG.normal(size=(4, 3))
    for ord in ("fro", "nuc", 1, 2, np.inf):
        np.testing.assert_allclose(ops.norm(m, ord=ord).numpy(), np.linalg.norm(m, ord=ord))


# -- gradients (float64, central differences) ------------------------------------------------------

def _abs_sum(*tensors):
    return ops.sum(ops.stack([ops.sum(ops.abs(t)) for t in tensors]))


GRADIENTS = {
    "inv": (lambda t: ops.inv(t), [A[0]]),
    "det": (lambda t: ops.det(t), [A[0]]),
    "solve": (lambda a, b: ops.solve(a, b), [A[0], B[0]]),
    "solve_vector": (lambda a, b: ops.solve(a, b), [A[0], B[0, :, :, 0]]),
    "solve_broadcast": (lambda a, b: ops.solve(a, b), [A[0, 0], B[0]]),
    "solve_triangular_lower": (lambda a, b: ops.solve_triangular(a, b, lower=True),
                               [A[0] + 4 * np.eye(4), B[0]]),
    "solve_triangular_upper": (lambda a, b: ops.solve_triangular(a, b),
                               [A[0] + 4 * np.eye(4), B[0, :, :, 0]]),
    "cholesky": (lambda t: ops.cholesky(sym(t)), [A[0]]),
    "cholesky_upper": (lambda t: ops.cholesky(sym(t), upper=True), [A[0]]),
    "cholesky_inverse": (lambda t: ops.cholesky_inverse(ops.cholesky(sym(t))), [A[0]]),
    # eigenvectors are defined up to sign: check sign-invariant functions of them
    "eigh_values": (lambda t: ops.eigh(sym(t))[0], [A[0]]),
    "eigh_vectors": (lambda t: _abs_sum(ops.eigh(sym(t))[1]), [A[0]]),
    "qr_reduced": (lambda t: ops.concatenate([ops.reshape(x, (3, -1)) for x in ops.qr(t)], 1),
                   [TALL[:, :, :] * 1.0 + np.eye(5, 3)]),
    "qr_complete_square": (lambda t: ops.concatenate(
        [ops.reshape(x, (3, -1)) for x in ops.qr(t, mode="complete")], 1), [A[0]]),
    "svd_values": (lambda t: ops.svd(t, compute_uv=False), [WIDE]),
    "svd_vectors_tall": (lambda t: _abs_sum(*ops.svd(t, full_matrices=False)), [TALL]),
    "svd_vectors_wide": (lambda t: _abs_sum(*ops.svd(t, full_matrices=False)), [WIDE]),
    "svd_square_full": (lambda t: _abs_sum(*ops.svd(t)), [A[0]]),
    "svd_rebuilt": (lambda t: (lambda u, s, vh: ops.matmul(ops.multiply(u, ops.expand_dims(s, 1)),
                                                           vh))(*ops.svd(t, full_matrices=False)),
                    [TALL]),
    "pinv_tall": (lambda t: ops.pinv(t), [TALL]),
    "pinv_wide": (lambda t: ops.pinv(t), [WIDE]),
    "lstsq_over": (lambda a, b: ops.lstsq(a, b), [TALL[0], RNG.normal(size=(5, 2))]),
    "lstsq_under": (lambda a, b: ops.lstsq(a, b), [WIDE[0], RNG.normal(size=(3,))]),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_float64_gradient_check(name):
    fn, inputs = GRADIENTS[name]
    assert gradient_check(fn, inputs) < 1e-5


def test_repeated_eigenvalues_give_an_infinite_eigenvector_gradient():
    t = Tensor(np.eye(3), requires_grad=True)
    w, v = ops.eigh(t)
    ops.sum(ops.abs(v)).backward()
    assert not np.all(np.isfinite(t.grad))     # undefined, as in Keras's torch backend


def test_jvp_equals_the_jacobian_times_the_tangent():
    x, t = A[0, 0], RNG.normal(size=(4, 4))
    out, tangent = ops.jvp(ops.inv, (x,), (t,))
    inverse = np.linalg.inv(x)
    np.testing.assert_allclose(out.numpy(), inverse, rtol=1e-10)
    np.testing.assert_allclose(tangent.numpy(), -inverse @ t @ inverse, rtol=1e-8, atol=1e-10)
    out, tangent, aux = ops.jvp(lambda a: (ops.det(a), "aux"), (x,), (t,), has_aux=True)
    want = np.linalg.det(x) * np.trace(inverse @ t)
    assert aux == "aux" and np.isclose(tangent.numpy(), want)


# -- dtypes and namespace ------------------------------------------------------------------------

@pytest.mark.parametrize("name, make", [
    ("inv", lambda x: ops.inv(x)), ("det", lambda x: ops.det(x)),
    ("cholesky", lambda x: ops.cholesky(x)), ("eigh", lambda x: ops.eigh(x)[1]),
    ("qr", lambda x: ops.qr(x)[0]), ("svd", lambda x: ops.svd(x)[1]),
    ("solve", lambda x: ops.solve(x, x)), ("norm", lambda x: ops.norm(x)),
    ("pinv", lambda x: ops.pinv(x)), ("lstsq", lambda x: ops.lstsq(x, x)),
])
def test_float32_in_float32_out_and_int_in_floatx_out(name, make):
    x = SPD[0, 0]
    assert make(x.astype("float32")).dtype == np.float32
    assert make(np.round(x).astype("int32") + 4 * np.eye(4, dtype="int32")).dtype == np.float32


def test_linalg_namespace_holds_keras_names_and_the_matrix_products():
    for name in ("cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
                 "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular",
                 "svd"):
        assert getattr(ops.linalg, name) is getattr(ops, name)
    assert ops.linalg.matmul is ops.matmul
    import minikeras.ops.linalg as module
    assert module is linalg is ops.linalg


# -- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("call, words", [
    (lambda: ops.inv(np.ones((3, 3))), ["inv", "singular"]),
    (lambda: ops.inv(np.ones((3, 4))), ["inv", "`x`", "square", "(3, 4)"]),
    (lambda: ops.det(np.ones(3)), ["det", "`x`", "rank >= 2", "(3,)"]),
    (lambda: ops.solve(np.ones((3, 3)), np.ones((3, 2))), ["solve", "singular"]),
    (lambda: ops.solve(np.eye(3), np.ones((4, 2))), ["solve", "`b`", "(4, 2)"]),
    (lambda: ops.cholesky(-np.eye(3)), ["cholesky", "positive definite"]),
    (lambda: ops.solve_triangular(np.zeros((2, 2)), np.ones(2)), ["solve_triangular",
                                                                  "singular"]),
    (lambda: ops.qr(np.eye(3), mode="r"), ["qr", "mode"]),
    (lambda: ops.norm(np.ones((2, 2, 2)), ord=1), ["norm", "ord", "(2, 2, 2)"]),
    (lambda: ops.norm(np.ones((2, 2)), ord="fro", axis=0), ["norm", "ord"]),
    (lambda: ops.norm(np.ones((2, 2)), axis=5), ["norm", "axis"]),
    (lambda: ops.lstsq(np.ones((3, 2)), np.ones(4)), ["lstsq", "`b`", "(4,)"]),
    (lambda: ops.jvp(ops.inv, (np.eye(2),), (np.eye(3),)), ["jvp", "tangent"]),
])
def test_bad_input_names_the_op_and_what_it_received(call, words):
    with pytest.raises(ValueError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_gradient_outside_the_defined_cases_is_a_clear_error():
    t = Tensor(WIDE[0], requires_grad=True)
    q, r = ops.qr(t)
    with pytest.raises(ValueError, match="qr: the gradient"):
        ops.sum(q).backward()
    t = Tensor(TALL[0], requires_grad=True)
    u, s, vh = ops.svd(t)
    with pytest.raises(ValueError, match="svd: the gradient"):
        ops.sum(u).backward()
