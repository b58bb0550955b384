"""Scaled dot-product attention (`keras.ops.dot_product_attention`) as one graph node.

One node with a hand-written VJP rather than a chain of einsum / softmax ops: attention sits on
the hot path of every transformer step, and the backward pass reuses the forward's
probabilities (the chain would store and revisit each intermediate).

Layout as in Keras: query (B, T, N, H), key and value (B, S, K, H), with K dividing N
(grouped-query attention: each of the K key/value heads serves N / K query heads).
"""
import math

from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import record
from minikeras.backend.dtypes import result_type
from minikeras.ops.core import convert_to_tensor, unbroadcast
from minikeras.ops.symbolic import op

KERAS_OPS_MODULE = "keras.src.ops.nn"


def _check_inputs(query, key, value):
    """A ValueError naming dot_product_attention's argument whose shape does not fit."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if t.ndim != 4:
            raise ValueError(f"dot_product_attention: `{name}` must have rank 4 (batch, length, "
                             f"heads, head_dim), received shape {t.shape}.")
    (b, _, n, h), (bk, s, k, hk) = query.shape, key.shape
    if key.shape != value.shape[:3] + (hk,) or value.shape[:3] != (bk, s, k):
        raise ValueError(f"dot_product_attention: `key` and `value` must agree on batch, "
                         f"length and heads, received {key.shape} and {value.shape}.")
    if bk != b or hk != h or n % k:
        raise ValueError(f"dot_product_attention: `key` {key.shape} does not fit `query` "
                         f"{query.shape}: batch and head_dim must match and the key heads must "
                         f"divide the query heads.")


def _float(t, dtype):
    data = t.data
    return data if data.dtype == dtype else data.astype(dtype)


@op
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """softmax(scale * q k^T (+ bias), masked) v per head.

    Args:
        query: (B, T, N, H). key, value: (B, S, K, H), K dividing N.
        bias: added to the logits, broadcasting to (B, N, T, S).
        mask: booleans broadcasting to (B, N, T, S); False positions get no attention.
        scale: default 1 / sqrt(H).
        is_causal: query t attends only to keys s <= t (combined with `mask`).
        flash_attention: accepted for Keras's signature; the result is the same computation.
        attn_logits_soft_cap: when given, the scaled logits become cap * tanh(logits / cap)
            before the bias and mask.
    Returns (B, T, N, H) in the common float dtype of query, key and value. A query row with
    every key masked attends uniformly (Keras's large negative fill, not a NaN).
    """
    query, key, value = (convert_to_tensor(t) for t in (query, key, value))
    _check_inputs(query, key, value)
    dtype = result_type(query.dtype, key.dtype, value.dtype)
    if not xp.issubdtype(xp.dtype(dtype), xp.floating):
        dtype = "float32"
    b, t, n, h = query.shape
    s, k = key.shape[1], key.shape[2]
    groups = n // k
    scale = 1.0 / math.sqrt(h) if scale is None else float(scale)
    q = _float(query, dtype).transpose(0, 2, 1, 3)  # (B, N, T, H)
    kh = _float(key, dtype).transpose(0, 2, 1, 3)   # (B, K, S, H)
    vh = _float(value, dtype).transpose(0, 2, 1, 3)
    if groups > 1:
        kh, vh = xp.repeat(kh, groups, axis=1), xp.repeat(vh, groups, axis=1)
    logits = (q @ kh.swapaxes(-1, -2)) * xp.asarray(scale, dtype)  # (B, N, T, S)
    capped = None
    if attn_logits_soft_cap is not None:
        capped = xp.tanh(logits / attn_logits_soft_cap)
        logits = capped * xp.asarray(attn_logits_soft_cap, dtype)
    bias_t = None
    if bias is not None:
        bias_t = convert_to_tensor(bias)
        try:
            xp.broadcast_shapes(bias_t.shape, logits.shape)
        except ValueError:
            raise ValueError(f"dot_product_attention: `bias` of shape {bias_t.shape} does not "
                             f"broadcast to the logits' shape (B, N, T, S) = {logits.shape}.") \
                from None
        logits = logits + _float(bias_t, dtype)
    keep = None
    if mask is not None:
        keep = convert_to_tensor(mask).data.astype(bool)
        try:
            keep = xp.broadcast_to(keep, logits.shape)
        except ValueError:
            raise ValueError(f"dot_product_attention: `mask` of shape {keep.shape} does not "
                             f"broadcast to the logits' shape (B, N, T, S) = {logits.shape}.") \
                from None
    if is_causal:
        causal = xp.tril(xp.ones((t, s), dtype=bool))
        keep = causal if keep is None else keep & causal
    if keep is not None:
        logits = xp.where(keep, logits, xp.asarray(-0.7 * xp.finfo(dtype).max, dtype))
    logits = logits - logits.max(axis=-1, keepdims=True)
    probs = xp.exp(logits)
    probs /= probs.sum(axis=-1, keepdims=True)
    out = (probs @ vh).transpose(0, 2, 1, 3)  # (B, T, N, H)

    def fold(grad):
        """Sum a (B, N, ., H) gradient over each key/value head's query-head group."""
        if groups > 1:
            grad = grad.reshape(b, k, groups, *grad.shape[2:]).sum(axis=2)
        return grad.transpose(0, 2, 1, 3)

    def vjp(g):
        gh = g.astype(dtype, copy=False).transpose(0, 2, 1, 3)  # (B, N, T, H)
        g_value = fold(probs.swapaxes(-1, -2) @ gh) if value.requires_grad else None
        g_probs = gh @ vh.swapaxes(-1, -2)
        g_logits = probs * (g_probs - (g_probs * probs).sum(axis=-1, keepdims=True))
        g_bias = None
        if bias_t is not None and bias_t.requires_grad:
            g_bias = unbroadcast(g_logits, bias_t.shape)
        if capped is not None:
            g_logits = g_logits * (1.0 - capped * capped)
        g_logits *= xp.asarray(scale, dtype)
        g_query = (g_logits @ kh).transpose(0, 2, 1, 3) if query.requires_grad else None
        g_key = fold(g_logits.swapaxes(-1, -2) @ q) if key.requires_grad else None
        grads = [g_query, g_key, g_value]
        if bias_t is not None:
            grads.append(g_bias)
        return tuple(None if grad is None else grad.astype(parent.dtype, copy=False)
                     for grad, parent in zip(grads, parents))

    parents = (query, key, value) + ((bias_t,) if bias_t is not None else ())
    return record(out, parents, vjp)
