"""Matrix products and their gradients: d(A@B)/dA = G @ B^T, d(A@B)/dB = A^T @ G."""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor, pair, unbroadcast
from minikeras.ops.symbolic import op


@op
def matmul(a, b):
    """`a @ b` with NumPy's rules (1-D operands, batched and broadcast stacks)."""
    a, b = pair(a, b)
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
def dot(a, b):
    """`numpy.dot`: scalar product for 0-D, matmul when b has 1 or 2 axes, else a sum product
    over the last axis of a and the second-to-last axis of b: (n, k) . (p, k, m) -> (n, p, m)."""
    a, b = pair(a, b)
    if a.ndim == 0 or b.ndim == 0:
        from minikeras.ops.math import multiply
        return multiply(a, b)
    if b.ndim > 2:
        return tensordot(a, b, axes=([a.ndim - 1], [b.ndim - 2]))
    return matmul(a, b)


@op
def tensordot(a, b, axes=2):
    """Sum products over the given axes, `numpy.tensordot` style, by transposing to a matmul."""
    from minikeras.ops.manipulation import reshape, transpose
    a, b = convert_to_tensor(a), convert_to_tensor(b)
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
