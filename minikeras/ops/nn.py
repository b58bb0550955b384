"""Neural-network primitives with hand-written VJPs: relu, softmax, log_softmax.

These are single nodes (not compositions) because they sit on every training step's hot path.
"""
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.ops.core import convert_to_tensor


def relu(x):
    """max(x, 0); the gradient is 1 where x > 0 and 0 elsewhere (0 at x == 0, like Keras)."""
    x = convert_to_tensor(x)
    out = xp.maximum(x.data, 0)
    return record(out, (x,), lambda g: (g * (out > 0),))


def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, with the max subtracted first for stability.

    Gradient: s * (g - sum(g * s)) along the same axis.
    """
    x = convert_to_tensor(x)
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    e = xp.exp(shifted)
    out = e / xp.sum(e, axis=axis, keepdims=True)
    return record(out, (x,), lambda g: (out * (g - xp.sum(g * out, axis=axis, keepdims=True)),))


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`. Gradient: g - softmax(x) * sum(g)."""
    x = convert_to_tensor(x)
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    log_total = xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    out = shifted - log_total
    return record(out, (x,),
                  lambda g: (g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),))
