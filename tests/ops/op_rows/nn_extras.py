"""Dispatch rows: attention, statistics, label helpers, adaptive pooling (keras.ops.nn)."""
import numpy as np

from minikeras import ops

RNG = np.random.default_rng(7)

INPUTS = {
    # (batch, length, heads, head_dim) for attention
    "q": (dict(shape=(4, 2, 3)), RNG.normal(size=(2, 4, 2, 3)).astype("float32")),
    "t": (dict(shape=(), dtype="int32"), np.array([0, 3], "int32")),  # (batch,) class ids
    "l": (dict(shape=(5,)), RNG.normal(size=(2, 5)).astype("float32")),
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
}
