"""Matrix products (d(A@B)/dA = G @ B^T, d(A@B)/dB = A^T @ G) and `keras.ops.linalg`:
decompositions, solvers, inverses, determinants, norms, each with its gradient.

`minikeras.ops.linalg` is this module; `__all__` is its public surface (Keras's 16 linalg names
and the three products)."""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import cast, convert_to_tensor, pair, unbroadcast
from minikeras.ops.symbolic import op

__all__ = ["matmul", "dot", "tensordot", "cholesky", "cholesky_inverse", "det", "eig", "eigh",
           "inv", "jvp", "lstsq", "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve",
           "solve_triangular", "svd"]


@op
def matmul(x1, x2):
    """`a @ b` with NumPy's rules (1-D operands, batched and broadcast stacks); two int8
    operands multiply into int32, as in Keras."""
    a, b = pair(x1, x2)
    if a.dtype == xp.int8 and b.dtype == xp.int8:
        a, b = cast(a, "int32"), cast(b, "int32")
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, received shapes "
                         f"{a.shape} and {b.shape}. Use multiply for scalars.")
    if a.shape[-1] != b.shape[-2 if b.ndim > 1 else 0]:
        raise ValueError(f"matmul: inner dimensions differ: {a.shape} @ {b.shape}.")
    out = xp.matmul(a.data, b.data)

    def vjp(g):
        a_data = a.data[None, :] if a.ndim == 1 else a.data
        b_data = b.data[:, None] if b.ndim == 1 else b.data
        if b.ndim == 1:  # first, so that vector . vector (g is 0-d) becomes (1, 1)
            g = xp.expand_dims(g, -1)
        if a.ndim == 1:
            g = xp.expand_dims(g, -2)
        ga = gb = None
        if a.requires_grad:
            ga = unbroadcast(xp.matmul(g, xp.swapaxes(b_data, -1, -2)), a_data.shape).reshape(a.shape)
        if b.requires_grad:
            if b_data.ndim == 2 and a_data.ndim > 2:
                # (..., n, k) @ (k, m): fold every leading axis into one GEMM instead of a stack.
                k = a_data.shape[-1]
                gb = a_data.reshape(-1, k).T @ g.reshape(-1, g.shape[-1])
            else:
                gb = unbroadcast(xp.matmul(xp.swapaxes(a_data, -1, -2), g), b_data.shape)
            gb = gb.reshape(b.shape)
        return ga, gb
    return record(out, (a, b), vjp)


@op
def dot(x1, x2):
    """`numpy.dot`: scalar product for 0-D, matmul when b has 1 or 2 axes, else a sum product
    over the last axis of a and the second-to-last axis of b: (n, k) . (p, k, m) -> (n, p, m)."""
    a, b = pair(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        from minikeras.ops.math import multiply
        return multiply(a, b)
    if b.ndim > 2:
        return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))
    return matmul(a, b)


@op
def tensordot(x1, x2, axes=2):
    """Sum products over the given axes, `numpy.tensordot` style, by transposing to a matmul."""
    from minikeras.ops.manipulation import reshape, transpose
    a, b = convert_to_tensor(x1), convert_to_tensor(x2)
    if isinstance(axes, int):
        axes_a, axes_b = list(range(a.ndim - axes, a.ndim)), list(range(axes))
    else:
        axes_a, axes_b = [list(x) if isinstance(x, (list, tuple)) else [x] for x in axes]
    axes_a = [ax % a.ndim for ax in axes_a]
    axes_b = [ax % b.ndim for ax in axes_b]
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    contracted = 1
    for ax in axes_a:
        contracted *= a.shape[ax]
    a2 = reshape(transpose(a, free_a + axes_a), (-1, contracted))
    b2 = reshape(transpose(b, axes_b + free_b), (contracted, -1))
    out_shape = tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b)
    return reshape(matmul(a2, b2), out_shape)


# -- keras.ops.linalg -----------------------------------------------------------------------------
#
# Every op below works on stacks of matrices (..., M, N), like numpy.linalg, and gives floatx for
# integer input. numpy.linalg's LinAlgError never escapes: bad input raises a ValueError naming the
# op, the argument and what it received. Shapes of symbolic calls come from a run on identity
# matrices (`shape_run_on_identity`): the zeros Operation normally runs on are singular.

def _t(a):
    """The matrix transpose of a stack: (..., M, N) -> (..., N, M)."""
    return xp.swapaxes(a, -1, -2)


def _float_tensor(x):
    """`x` as a Tensor, integer and bool input cast to floatx (Keras's rule for linalg ops)."""
    from minikeras.backend import config
    from minikeras.ops.core import cast
    x = convert_to_tensor(x)
    if x.dtype.kind not in "fc":
        x = cast(x, config.floatx())
    return x


def _matrices(op_name, x, arg="x", square=True):
    """`x` as a float Tensor of rank >= 2 (square in its last two axes when `square`)."""
    x = _float_tensor(x)
    if x.ndim < 2:
        raise ValueError(f"{op_name}: `{arg}` must have rank >= 2 (a matrix or a stack of "
                         f"matrices), received shape {x.shape}.")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op_name}: `{arg}` must be square in its last two axes, received "
                         f"shape {x.shape}.")
    return x


def _lapack(op_name, fn, *arrays, what="a singular matrix"):
    """`fn(*arrays)`, numpy.linalg's LinAlgError turned into a ValueError naming the op."""
    try:
        with xp.errstate(all="ignore"):
            return fn(*arrays)
    except xp.linalg.LinAlgError as error:
        raise ValueError(f"{op_name}: received {what} (numpy.linalg: {error}); shapes "
                         f"{[tuple(a.shape) for a in arrays]}.") from None


def _identity_shape_run(fn):
    fn.shape_run_on_identity = True
    return fn


def _multi_output(arrays, parents, vjp):
    """Tensors for several results of one node: each is a piece of one packed array whose VJP
    places its gradient in a zero array, so `vjp` receives the gradients of all pieces (a list,
    zeros for the unused ones) at once."""
    dtype = xp.result_type(*arrays)
    offsets = [0]
    for a in arrays:
        offsets.append(offsets[-1] + a.size)
    packed = xp.empty(offsets[-1], dtype=dtype)
    for a, lo, hi in zip(arrays, offsets, offsets[1:]):
        packed[lo:hi] = a.reshape(-1)
    node = record(packed, parents, lambda g: vjp([
        g[lo:hi].reshape(a.shape) for a, lo, hi in zip(arrays, offsets, offsets[1:])]))

    def piece_vjp(lo, hi):
        def place(g):
            full = xp.zeros(packed.size, dtype=dtype)
            full[lo:hi] = g.reshape(-1)
            return (full,)
        return place
    return tuple(record(packed[lo:hi].reshape(a.shape).astype(a.dtype, copy=False), (node,),
                        piece_vjp(lo, hi))
                 for a, lo, hi in zip(arrays, offsets, offsets[1:]))


def _check_gradient_rank(op_name, value, what):
    if not xp.all(xp.isfinite(value)):
        raise ValueError(f"{op_name}: the gradient is undefined here ({what}).")


@op
@_identity_shape_run
def inv(x):
    """The inverse of square matrices, (..., M, M) -> (..., M, M); d = -A^-T G A^-T."""
    x = _matrices("inv", x)
    out = _lapack("inv", xp.linalg.inv, x.data)
    return record(out, (x,), lambda g: (-_t(out) @ g @ _t(out),))


@op
@_identity_shape_run
def det(x):
    """Determinants, (..., M, M) -> (...); d = G det(A) A^-T (undefined for singular A)."""
    x = _matrices("det", x)
    out = xp.asarray(xp.linalg.det(x.data), dtype=x.dtype)

    def vjp(g):
        inverse = _lapack("det", xp.linalg.inv, x.data,
                          what="a singular matrix (its determinant has no gradient by inverse)")
        return ((g * out)[..., None, None] * _t(inverse),)
    return record(out, (x,), vjp)


def _as_columns(op_name, a, b):
    """`b` as a stack of column blocks for `a` (..., N, N): a vector (..., N) gets a last axis
    (numpy 2's rule: b is a vector when it has one axis less than a, or is 1-D)."""
    vector = b.ndim == 1 or b.ndim == a.ndim - 1
    columns = b.data[..., None] if vector else b.data
    if columns.ndim < 2 or columns.shape[-2] != a.shape[-1]:
        raise ValueError(f"{op_name}: `b` must have {a.shape[-1]} rows to match `a` of shape "
                         f"{a.shape}, received shape {b.shape}.")
    return columns, vector


@op
@_identity_shape_run
def solve(a, b):
    """X with A X = B; a (..., N, N), b (..., N, K) or (..., N).

    dB = A^-T G, dA = -dB X^T."""
    a = _matrices("solve", a, "a")
    b = _float_tensor(b)
    if b.dtype != a.dtype:
        from minikeras.ops.core import cast
        dtype = xp.result_type(a.dtype, b.dtype)
        a, b = cast(a, dtype), cast(b, dtype)
    columns, vector = _as_columns("solve", a, b)
    out = _lapack("solve", xp.linalg.solve, a.data, columns)

    def vjp(g):
        g = g[..., None] if vector else g
        gb = xp.linalg.solve(_t(a.data), g)
        ga = unbroadcast(-gb @ _t(out), a.shape)
        gb = unbroadcast(gb, columns.shape)
        return ga, (gb[..., 0] if vector else gb).reshape(b.shape)
    return record(out[..., 0] if vector else out, (a, b), vjp)


def _tri_solve(a, b, lower):
    """Solve with the `lower` (else upper) triangle of a; b (..., N, K)."""
    tri = xp.tril(a) if lower else xp.triu(a)
    return xp.linalg.solve(tri, b)


@op
@_identity_shape_run
def solve_triangular(a, b, lower=False):
    """X with T X = B, T the lower (`lower=True`) or upper triangle of a (the other is ignored).

    dB = T^-T G, dA = -(dB X^T) restricted to the triangle."""
    a = _matrices("solve_triangular", a, "a")
    b = _float_tensor(b)
    if b.dtype != a.dtype:
        from minikeras.ops.core import cast
        dtype = xp.result_type(a.dtype, b.dtype)
        a, b = cast(a, dtype), cast(b, dtype)
    columns, vector = _as_columns("solve_triangular", a, b)
    if xp.any(xp.diagonal(a.data, axis1=-2, axis2=-1) == 0):
        raise ValueError("solve_triangular: `a` is singular (a zero on its diagonal), received "
                         f"shape {a.shape}.")
    out = _lapack("solve_triangular", _tri_solve, a.data, columns, lower)

    def vjp(g):
        g = g[..., None] if vector else g
        gb = _tri_solve(_t(a.data), g, not lower)
        full = -gb @ _t(out)
        ga = unbroadcast(xp.tril(full) if lower else xp.triu(full), a.shape)
        gb = unbroadcast(gb, columns.shape)
        return ga, (gb[..., 0] if vector else gb).reshape(b.shape)
    return record(out[..., 0] if vector else out, (a, b), vjp)


def _phi(m):
    """The lower triangle of m with its diagonal halved (Murray's Phi)."""
    return xp.tril(m) - 0.5 * xp.tril(xp.triu(m))


@op
@_identity_shape_run
def cholesky(x, upper=False):
    """The Cholesky factor of symmetric positive-definite matrices: L with A = L L^T (lower), or
    U = L^T when `upper`. Only the lower triangle of A is read, as numpy.linalg does.

    Gradient (Murray 2016): S = L^-T Phi(L^T dL) L^-1, dA = (S + S^T) / 2, symmetric because
    A is; it is exact for symmetric perturbations."""
    x = _matrices("cholesky", x)
    lower = _lapack("cholesky", xp.linalg.cholesky, x.data,
                    what="a matrix that is not positive definite")

    def vjp(g):
        g = _t(g) if upper else g
        inner = _phi(_t(lower) @ g)
        eye = xp.broadcast_to(xp.eye(lower.shape[-1], dtype=lower.dtype), lower.shape)
        lower_inv = _tri_solve(lower, eye, True)
        s = _t(lower_inv) @ inner @ lower_inv
        return (0.5 * (s + _t(s)),)
    return record(_t(lower).copy() if upper else lower, (x,), vjp)


@op
@_identity_shape_run
def cholesky_inverse(x, upper=False):
    """A^-1 from the Cholesky factor of A: (L L^T)^-1 = L^-T L^-1 (or (U^T U)^-1 when `upper`).

    Built from `solve_triangular` and `matmul`, which carry the gradient."""
    from minikeras.ops.manipulation import transpose
    x = _matrices("cholesky_inverse", x)
    eye = xp.broadcast_to(xp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    factor_inv = solve_triangular.eager(x, eye, lower=not upper)
    perm = list(range(x.ndim - 2)) + [x.ndim - 1, x.ndim - 2]
    if upper:
        return matmul.eager(factor_inv, transpose(factor_inv, perm))
    return matmul.eager(transpose(factor_inv, perm), factor_inv)


@op
@_identity_shape_run
def eigh(x):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices: (w (..., M), v (..., M, M)).

    Only the lower triangle is read. Gradient for distinct eigenvalues:
    dA = V (diag(dw) + F * (V^T dV)) V^T with F_ij = 1 / (w_j - w_i); it is undefined (infinite)
    where two eigenvalues are equal, as in Keras's torch and JAX backends."""
    x = _matrices("eigh", x)
    w, v = _lapack("eigh", xp.linalg.eigh, x.data, what="a matrix whose eigenvalues diverge")

    def vjp(grads):
        gw, gv = grads
        diff = w[..., None, :] - w[..., :, None]
        eye = xp.eye(w.shape[-1], dtype=bool)
        with xp.errstate(divide="ignore", invalid="ignore"):
            f = xp.where(eye, 0.0, 1.0 / xp.where(eye, 1.0, diff))
            inner = f * (_t(v) @ gv)
        idx = xp.arange(w.shape[-1])
        inner[..., idx, idx] += gw
        return (v @ inner @ _t(v),)
    return _multi_output([w, v], (x,), vjp)


@op
@_identity_shape_run
def eig(x):
    """Eigenvalues and eigenvectors of general square matrices, numpy.linalg.eig's (complex where
    needed). No gradient flows through it (minikeras's autodiff is real-valued)."""
    x = _matrices("eig", x)
    w, v = _lapack("eig", xp.linalg.eig, x.data, what="a matrix whose eigenvalues diverge")
    return Tensor(w), Tensor(v)


@op
def qr(x, mode="reduced"):
    """QR decomposition, (q, r): `mode="reduced"` gives q (..., M, K), r (..., K, N) with
    K = min(M, N); "complete" gives q (..., M, M), r (..., M, N).

    Gradient (for M >= N, and square matrices in "complete" mode):
    dA = [dQ + Q copyltu(M)] R^-T with M = R dR^T - dQ^T Q, copyltu(M) the symmetric matrix
    made from M's lower triangle; undefined when R is singular."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr: `mode` must be one of 'reduced', 'complete', received "
                         f"mode={mode!r}.")
    x = _matrices("qr", x, square=False)
    q, r = xp.linalg.qr(x.data, mode=mode)
    m, n = x.shape[-2:]

    def vjp(grads):
        gq, gr = grads
        if m < n or (mode == "complete" and m != n):
            raise ValueError(f"qr: the gradient is defined for matrices with M >= N (and square "
                             f"ones in 'complete' mode), received shape {x.shape} with "
                             f"mode={mode!r}.")
        mm = r @ _t(gr) - _t(gq) @ q
        low = xp.tril(mm, -1)
        sym = low + _t(low) + xp.tril(xp.triu(mm))
        rhs = gq + q @ sym                                    # dA R^T = rhs
        return (_t(xp.linalg.solve(r, _t(rhs))),)
    return _multi_output([q, r], (x,), vjp)


def _svd_vjp(x, u, s, vh, full_matrices):
    m, n = x.shape[-2:]

    def vjp(grads):
        gu, gs, gvh = grads
        if full_matrices and m != n:
            raise ValueError(f"svd: the gradient with full_matrices=True is defined for square "
                             f"matrices only, received shape {x.shape}; use full_matrices=False.")
        v, gv = _t(vh), _t(gvh)
        k = s.shape[-1]
        eye = xp.eye(k, dtype=bool)
        s2 = s ** 2
        with xp.errstate(divide="ignore", invalid="ignore"):
            f = xp.where(eye, 0.0, 1.0 / xp.where(eye, 1.0, s2[..., None, :] - s2[..., :, None]))
        utgu, vtgv = _t(u) @ gu, _t(v) @ gv
        sdiag = s[..., None, :]
        core = ((f * (utgu - _t(utgu))) * sdiag + sdiag.swapaxes(-1, -2) * (f * (vtgv - _t(vtgv))))
        idx = xp.arange(k)
        core[..., idx, idx] += gs
        ga = u @ core @ vh
        with xp.errstate(divide="ignore", invalid="ignore"):
            s_inv = 1.0 / s
        if m > k:
            ga = ga + (gu - u @ utgu) * s_inv[..., None, :] @ vh
        if n > k:
            ga = ga + u @ (s_inv[..., :, None] * _t(gv - v @ vtgv))
        return (ga,)
    return vjp


@op
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition: (u, s, vh) with x = u @ diag(s) @ vh, or s alone when
    `compute_uv=False`. s is descending, (..., K), K = min(M, N).

    Gradient of s: U diag(ds) V^T (always defined). With u / vh (Townsend 2016), for distinct
    nonzero singular values; it is undefined (infinite) where two are equal, as in Keras's torch
    and JAX backends."""
    x = _matrices("svd", x, square=False)
    if not compute_uv:
        u, s, vh = _lapack("svd", lambda a: xp.linalg.svd(a, full_matrices=False), x.data,
                           what="a matrix whose SVD does not converge")
        return record(s, (x,), lambda g: ((u * g[..., None, :]) @ vh,))
    u, s, vh = _lapack("svd", lambda a: xp.linalg.svd(a, full_matrices=full_matrices), x.data,
                       what="a matrix whose SVD does not converge")
    k = s.shape[-1]
    vjp = _svd_vjp(x, u[..., :, :k], s, vh[..., :k, :], full_matrices)

    def trimmed(grads):
        gu, gs, gvh = grads
        return vjp([gu[..., :, :k], gs, gvh[..., :k, :]])
    return _multi_output([u, s, vh], (x,), trimmed)


@op
def pinv(x, rcond=None):
    """The Moore-Penrose pseudo-inverse, (..., M, N) -> (..., N, M); singular values below
    `rcond` times the largest count as zero (None: max(M, N) times the dtype's machine epsilon,
    the cut-off of NumPy 2 and torch that Keras's `rcond=None` gets).

    Gradient (Golub & Pereyra, for a matrix whose rank does not change nearby):
    dA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)."""
    x = _matrices("pinv", x, square=False)
    if rcond is None:
        rcond = max(x.shape[-2:]) * float(xp.finfo(x.dtype).eps)
    p = _lapack("pinv", lambda a: xp.linalg.pinv(a, rcond=rcond), x.data,
                what="a matrix whose SVD does not converge")

    def vjp(g):
        a = x.data
        m, n = a.shape[-2:]
        left = xp.eye(m, dtype=a.dtype) - a @ p
        right = xp.eye(n, dtype=a.dtype) - p @ a
        return (-_t(p) @ g @ _t(p) + left @ _t(g) @ p @ _t(p) + _t(p) @ p @ _t(g) @ right,)
    return record(p, (x,), vjp)


@op
def lstsq(a, b, rcond=None):
    """The least-squares solution x of a x = b (the minimum-norm one for under-determined
    systems); a (M, N), b (M,) or (M, K) -> x (N,) or (N, K). numpy.linalg.lstsq's cut-off:
    `rcond=None` is machine precision times max(M, N).

    Gradient for a of full rank: M >= N: z = (A^T A)^-1 G, dA = r z^T - A z x^T, db = A z with
    r = b - A x; M < N: y = (A A^T)^-1 b, z = (A A^T)^-1 A G, dA = y G^T - z x^T - y z^T A,
    db = z."""
    a = _matrices("lstsq", a, "a", square=False)
    b = _float_tensor(b)
    if a.ndim != 2 or b.ndim not in (1, 2):
        raise ValueError(f"lstsq: `a` must be a matrix (M, N) and `b` (M,) or (M, K), received "
                         f"shapes {a.shape} and {b.shape}.")
    if b.shape[0] != a.shape[0]:
        raise ValueError(f"lstsq: `b` must have {a.shape[0]} rows to match `a` of shape "
                         f"{a.shape}, received shape {b.shape}.")
    dtype = xp.result_type(a.dtype, b.dtype)
    a_data, b_data = a.data.astype(dtype, copy=False), b.data.astype(dtype, copy=False)
    out = _lapack("lstsq", lambda p, q: xp.linalg.lstsq(p, q, rcond=rcond)[0], a_data, b_data,
                  what="a problem whose SVD does not converge")

    def vjp(g):
        vector = g.ndim == 1
        g2, x2 = (g[:, None], out[:, None]) if vector else (g, out)
        b2 = b_data[:, None] if vector else b_data
        m, n = a_data.shape
        if m >= n:
            z = xp.linalg.solve(a_data.T @ a_data, g2)
            ga = (b2 - a_data @ x2) @ z.T - a_data @ z @ x2.T
            gb = a_data @ z
        else:
            gram = a_data @ a_data.T
            y = xp.linalg.solve(gram, b2)
            z = xp.linalg.solve(gram, a_data @ g2)
            ga = y @ g2.T - z @ x2.T - y @ z.T @ a_data
            gb = z
        return ga, (gb[:, 0] if vector else gb)
    return record(out, (a, b), vjp)


@op
def matrix_rank(x, tol=None):
    """The number of singular values above `tol` (default: the largest times max(M, N) times
    the dtype's machine epsilon), (..., M, N) -> (...) int32. It has no gradient."""
    x = _matrices("matrix_rank", x, square=False)
    return Tensor(xp.asarray(xp.linalg.matrix_rank(x.data, tol=tol), dtype="int32"))


@op
def lu_factor(x):
    """LU factorisation with partial pivoting, (lu, pivots) like scipy.linalg.lu_factor: lu
    (..., M, N) holds L below the diagonal (unit diagonal implied) and U on and above it;
    pivots (..., K) int32, K = min(M, N): row i was swapped with row pivots[i]. No gradient.

    Vectorized over the stack; the loop runs over the K elimination steps."""
    x = _matrices("lu_factor", x, square=False)
    lu = x.data.copy()
    m, n = lu.shape[-2:]
    k = min(m, n)
    pivots = xp.zeros(lu.shape[:-2] + (k,), dtype="int32")
    batch = xp.indices(lu.shape[:-2]) if lu.ndim > 2 else ()
    for j in range(k):
        p = j + xp.argmax(xp.abs(lu[..., j:, j]), axis=-1)
        pivots[..., j] = p
        index = tuple(batch)
        row_j, row_p = lu[(*index, j)].copy(), lu[(*index, p)].copy()
        lu[(*index, j)], lu[(*index, p)] = row_p, row_j
        pivot = lu[..., j, j][..., None]
        with xp.errstate(divide="ignore", invalid="ignore"):
            factors = xp.where(pivot != 0, lu[..., j + 1:, j] / xp.where(pivot != 0, pivot, 1), 0)
        lu[..., j + 1:, j] = factors
        lu[..., j + 1:, j + 1:] -= factors[..., :, None] * lu[..., j, None, j + 1:]
    return Tensor(lu), Tensor(pivots)


def _vector_norm_grad(x, out, ord, axis, g):
    """d norm / d x for a vector norm over the int `axis` (g and out keep that axis)."""
    absx = xp.abs(x)
    if ord is None or ord == 2:
        with xp.errstate(divide="ignore", invalid="ignore"):
            return g * xp.where(out == 0, 0.0, x / xp.where(out == 0, 1, out))
    if ord == 0:
        return xp.zeros_like(x)
    if ord in (xp.inf, -xp.inf):
        hit = absx == out
        return g * xp.sign(x) * hit / xp.maximum(hit.sum(axis=axis, keepdims=True), 1)
    if ord == 1:
        return g * xp.sign(x)
    with xp.errstate(divide="ignore", invalid="ignore"):
        grad = xp.sign(x) * absx ** (ord - 1) * out ** (1 - ord)
    return g * xp.where(xp.isfinite(grad), grad, 0.0)


def _matrix_norm_grad(x, out, ord, axes, g):
    """d norm / d x for a matrix norm over the two `axes` (g and out keep them)."""
    moved = xp.moveaxis(x, axes, (-2, -1))
    gm = xp.moveaxis(g, axes, (-2, -1))
    if ord in (None, "fro"):
        with xp.errstate(divide="ignore", invalid="ignore"):
            om = xp.moveaxis(out, axes, (-2, -1))
            grad = gm * xp.where(om == 0, 0.0, moved / xp.where(om == 0, 1, om))
    elif ord in ("nuc", 2, -2):
        u, s, vh = xp.linalg.svd(moved, full_matrices=False)
        if ord == "nuc":
            grad = gm * (u @ vh)
        else:
            i = 0 if ord == 2 else -1
            grad = gm * (u[..., :, i, None] @ vh[..., i, None, :])
    else:
        col = ord in (1, -1)           # 1 / -1: column sums of |x|; inf / -inf: row sums
        sums = xp.abs(moved).sum(axis=-2 if col else -1, keepdims=True)
        pick = (sums.max if ord > 0 else sums.min)(axis=-1 if col else -2, keepdims=True)
        hit = sums == pick
        hit = hit / hit.sum(axis=(-2, -1), keepdims=True)
        grad = gm * xp.sign(moved) * hit
    return xp.moveaxis(grad, (-2, -1), axes)


@op
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector or matrix norms, numpy.linalg.norm's: an int `axis` (or a 1-D x) gives vector
    norms (ord None/2, 1, inf, -inf, 0, any p); a pair of axes (or a 2-D x) gives matrix norms
    (ord None/"fro", "nuc", 1, -1, 2, -2, inf, -inf); `axis=None` with ord None on any rank is the
    2-norm of all values. Integer input gives floatx.

    Gradients: x / ||x|| for 2 and Frobenius, sign(x) on the maximizing entries / row / column for
    1 and inf norms, u1 v1^T for the spectral norm and U V^T for the nuclear norm; at ties the
    gradient is shared evenly between the tied entries (a subgradient)."""
    x = _float_tensor(x)
    if axis is None:
        if ord is not None and x.ndim not in (1, 2):
            raise ValueError(f"norm: `ord={ord!r}` needs a vector or a matrix (or `axis`), "
                             f"received shape {x.shape} with axis=None.")
        axes = tuple(range(x.ndim))
    else:
        axes = (axis,) if isinstance(axis, int) else tuple(axis)
        axis = axes if len(axes) > 1 else axes[0]  # a list (a JSON config's) reads as a tuple
    if len(axes) not in (1, 2) and not (ord is None and axis is None):
        raise ValueError(f"norm: `axis` must be an int or a pair of ints, received axis={axis!r}.")
    try:
        axes = tuple(a + x.ndim if -x.ndim <= a < 0 else a for a in axes)
        if any(not 0 <= a < x.ndim for a in axes):
            raise ValueError("out of range")
        with xp.errstate(all="ignore"):
            kept = xp.linalg.norm(x.data, ord=ord, axis=axis, keepdims=True)
    except (ValueError, TypeError) as error:
        raise ValueError(f"norm: invalid `ord={ord!r}` or `axis={axis!r}` for input of shape "
                         f"{x.shape} ({error}).") from None
    kept = xp.asarray(kept, dtype=x.dtype)
    if keepdims:
        out = kept
    elif axis is None:
        out = kept.reshape(())
    else:
        out = kept.reshape(tuple(d for i, d in enumerate(x.shape) if i not in axes))

    def vjp(g):
        g = g.reshape(kept.shape)
        if axis is None and ord is None:
            flat = kept.reshape(())
            with xp.errstate(divide="ignore", invalid="ignore"):
                return (g * (x.data / flat if flat != 0 else xp.zeros_like(x.data)),)
        if len(axes) == 1:
            return (_vector_norm_grad(x.data, kept, ord, axes[0], g),)
        return (_matrix_norm_grad(x.data, kept, ord, axes, g),)
    return record(out, (x,), vjp)


def jvp(fun, primals, tangents, has_aux=False):
    """Jacobian-vector product, Keras's `jvp`: (fun(*primals), J(primals) @ tangents), plus
    fun's auxiliary output when `has_aux` (fun then returns (output, aux)).

    `primals` and `tangents` are tuples/lists with one entry per argument of `fun`. minikeras's
    autodiff is reverse-mode, so each value of the output costs one backward pass over the
    recorded graph: meant for small outputs."""
    from minikeras.backend.autodiff import backward, enable_grad
    from minikeras.tree import flatten, pack_sequence_as
    if not isinstance(primals, (list, tuple)) or not isinstance(tangents, (list, tuple)) \
            or len(primals) != len(tangents):
        raise ValueError(f"jvp: `primals` and `tangents` must be tuples of the same length, "
                         f"received {type(primals).__name__} and {type(tangents).__name__}.")
    inputs = [Tensor(xp.array(_float_tensor(p).data), requires_grad=True) for p in primals]
    tangent_arrays = []
    for p, t in zip(inputs, tangents):
        t = xp.asarray(t.data if isinstance(t, Tensor) else t, dtype=p.dtype)
        if t.shape != p.shape:
            raise ValueError(f"jvp: each tangent must have its primal's shape, received "
                             f"{t.shape} for a primal of shape {p.shape}.")
        tangent_arrays.append(t)
    with enable_grad():
        result = fun(*inputs)
    out, aux = result if has_aux else (result, None)
    leaves = flatten(out)
    pushed = []
    for leaf in leaves:
        leaf = convert_to_tensor(leaf)
        values = xp.zeros(leaf.shape, dtype=leaf.dtype)
        flat = values.reshape(-1)
        for i in range(leaf.size if leaf.requires_grad else 0):
            onehot = xp.zeros(leaf.size, dtype=leaf.dtype)
            onehot[i] = 1
            found = backward(leaf, onehot.reshape(leaf.shape), retain_graph=True, sources=inputs)
            flat[i] = sum(float(xp.sum(found[id(p)][1] * t)) for p, t in
                          zip(inputs, tangent_arrays) if id(p) in found)
        pushed.append(Tensor(values))
    detached = pack_sequence_as(out, [convert_to_tensor(leaf).detach() for leaf in leaves])
    tangent_out = pack_sequence_as(out, pushed)
    return (detached, tangent_out, aux) if has_aux else (detached, tangent_out)
