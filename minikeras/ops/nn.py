"""Neural-network primitives with hand-written VJPs: relu, softmax, log_softmax.

These are single nodes (not compositions) because they sit on every training step's hot path.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.backend.parallel import over_batch
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.symbolic import op


@op
def relu(x):
    """max(x, 0); the gradient is 1 where x > 0 and 0 elsewhere (0 at x == 0, like Keras).

    Large batches are split over the cores (`backend.parallel.over_batch`): both passes are
    memory-bound elementwise loops."""
    x = convert_to_tensor(x)
    data = x.data
    if data.ndim == 0:
        out = xp.maximum(data, 0)
        return record(out, (x,), lambda g: (g * (out > 0),))
    out = xp.empty_like(data)
    over_batch(lambda start, stop: xp.maximum(data[start:stop], 0, out=out[start:stop]),
               len(data), data.size)

    def vjp(g):
        grad = xp.empty(out.shape, dtype=xp.result_type(g.dtype, out.dtype))
        g = xp.broadcast_to(g, out.shape)
        over_batch(lambda start, stop: xp.multiply(g[start:stop], out[start:stop] > 0,
                                                   out=grad[start:stop]),
                   len(out), out.size)
        return (grad,)
    return record(out, (x,), vjp)


@op
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, with the max subtracted first for stability.

    Gradient: s * (g - sum(g * s)) along the same axis.
    """
    x = convert_to_tensor(x)
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    e = xp.exp(shifted)
    out = e / xp.sum(e, axis=axis, keepdims=True)
    return record(out, (x,), lambda g: (out * (g - xp.sum(g * out, axis=axis, keepdims=True)),))


@op
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`. Gradient: g - softmax(x) * sum(g)."""
    x = convert_to_tensor(x)
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    log_total = xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    out = shifted - log_total
    return record(out, (x,),
                  lambda g: (g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),))


@op
def dense(x, kernel, bias=None):
    """x @ kernel + bias as one node: the Dense layer's hot path.

    Shapes: x (..., in), kernel (in, units), bias (units,) -> (..., units). Integer inputs are
    cast to the kernel's dtype. Backward: dx = g @ kernel^T, dkernel = x^T @ g, dbias = sum(g)
    over every axis but the last (leading axes folded into one GEMM).
    """
    x, kernel = convert_to_tensor(x), convert_to_tensor(kernel)
    x_data = x.data if x.dtype == kernel.dtype else x.data.astype(kernel.dtype)
    out = xp.matmul(x_data, kernel.data)
    parents = (x, kernel)
    if bias is not None:
        bias = convert_to_tensor(bias)
        out += bias.data
        parents = (x, kernel, bias)

    def vjp(g):
        flat_g = g.reshape(-1, g.shape[-1])
        gx = xp.matmul(g, kernel.data.T) if x.requires_grad else None
        gk = x_data.reshape(-1, x_data.shape[-1]).T @ flat_g if kernel.requires_grad else None
        if bias is None:
            return gx, gk
        return gx, gk, (flat_g.sum(axis=0) if bias.requires_grad else None)
    return record(out, parents, vjp)


@op
def dropout(x, rate, generator, noise_shape=None):
    """Inverted dropout: zero each value with probability `rate`, scale the rest by 1/(1-rate).

    `noise_shape` (broadcastable to x.shape) shares one keep/drop decision along axes of size 1.
    The gradient goes through the same mask and scale.
    """
    x = convert_to_tensor(x)
    shape = x.shape if noise_shape is None else tuple(
        x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = xp.asarray(generator.random(shape, dtype=xp.float32) >= rate)  # drawn on the host
    mask = keep * xp.asarray(1.0 / (1.0 - rate), dtype=x.dtype)
    return record(x.data * mask, (x,), lambda g: (g * mask,))
