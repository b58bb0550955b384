"""Dispatch rows: attention, statistics, label helpers, adaptive pooling (keras.ops.nn)."""
import numpy as np

from minikeras import ops

RNG = np.random.default_rng(7)

INPUTS = {
    # (batch, length, heads, head_dim) for attention
    "q": (dict(shape=(4, 2, 3)), RNG.normal(size=(2, 4, 2, 3)).astype("float32")),
    "t": (dict(shape=(), dtype="int32"), np.array([0, 3], "int32")),  # (batch,) class ids
    "l": (dict(shape=(5,)), RNG.normal(size=(2, 5)).astype("float32")),
    # CTC: labels (batch, 3), logits (batch, 8, 5), label and output lengths (batch,)
    "y": (dict(shape=(3,), dtype="int32"), np.array([[1, 2, 2], [3, 0, 0]], "int32")),
    "z": (dict(shape=(8, 5)), RNG.normal(size=(2, 8, 5)).astype("float32")),
    "n": (dict(shape=(), dtype="int32"), np.array([3, 1], "int32")),
    "o": (dict(shape=(), dtype="int32"), np.array([8, 6], "int32")),
}

ROWS = {
    "dot_product_attention": ("q", lambda q: ops.dot_product_attention(q, q, q),
                              (None, 4, 2, 3)),
    "moments": ("b", lambda b: ops.moments(b, axes=[1]), [(None, 3), (None, 3)]),
    "normalize": ("b", lambda b: ops.normalize(b), (None, 4, 3)),
    "rms_normalization": ("b", lambda b: ops.rms_normalization(b), (None, 4, 3)),
    "psnr": ("b", lambda b: ops.psnr(b, b * 0.5, 1.0), ()),
    "in_top_k": ("tl", lambda t, p: ops.in_top_k(t, p, 2), (None,)),
    "multi_hot": ("i", lambda i: ops.multi_hot(i, 5), (None, 5)),
    "adaptive_average_pool": ("c", lambda c: ops.adaptive_average_pool(c, 3), (None, 3, 3, 2)),
    "adaptive_max_pool": ("c", lambda c: ops.adaptive_max_pool(c, (2, 3)), (None, 2, 3, 2)),
    "ctc_loss": ("yzno", lambda y, z, n, o: ops.ctc_loss(y, z, n, o), (None,)),
    "ctc_decode": ("zo", lambda z, o: ops.ctc_decode(z, o), [(1, None, 8), (None, 1)]),
}
