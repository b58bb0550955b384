"""Keras reference cases: attention, moments and normalizations, label helpers, adaptive pooling
(keras.ops.nn)."""
import numpy as np

from tests.ops.keras_cases import Case, integers, normal, uniform

FLOATX_WHY = "Keras declares the input dtype symbolically; its eager result (and ours) is floatx"
CTC_TARGET = np.array([[1, 1, 3], [2, 4, 0], [3, 0, 0]], "int32")  # a repeat; padding past lengths
CTC_LENGTHS = (np.array([3, 2, 1], "int32"), np.array([8, 6, 5], "int32"))  # labels, outputs
CAUSAL_MASK = np.tril(np.ones((4, 5), bool)) | (np.arange(5) == 4)  # (T, S); every row has a key

CASES = [
    # attention: query (B, T, N, H), key / value (B, S, K, H)
    Case("dot_product_attention", lambda ops, q, k, v: ops.dot_product_attention(q, k, v),
         [normal(2, 4, 3, 8), normal(2, 5, 3, 8, seed=1), normal(2, 5, 3, 8, seed=2)]),
    Case("dot_product_attention_gqa",
         lambda ops, q, k, v: ops.dot_product_attention(q, k, v, scale=0.5),
         [normal(2, 4, 4, 3), normal(2, 5, 2, 3, seed=1), normal(2, 5, 2, 3, seed=2)]),
    Case("dot_product_attention_causal",
         lambda ops, q, k, v: ops.dot_product_attention(q, k, v, is_causal=True),
         [normal(1, 4, 2, 3), normal(1, 4, 2, 3, seed=1), normal(1, 4, 2, 3, seed=2)]),
    Case("dot_product_attention_mask",
         lambda ops, q, k, v, m: ops.dot_product_attention(q, k, v, mask=m),
         [normal(2, 4, 2, 3), normal(2, 5, 2, 3, seed=1), normal(2, 5, 2, 3, seed=2),
          CAUSAL_MASK[None, None]]),
    Case("dot_product_attention_bias",
         lambda ops, q, k, v, b: ops.dot_product_attention(q, k, v, bias=b),
         [normal(2, 4, 2, 3), normal(2, 5, 2, 3, seed=1), normal(2, 5, 2, 3, seed=2),
          normal(1, 2, 4, 5, seed=3)]),
    # statistics
    Case("moments", lambda ops, x: ops.moments(x, axes=[0, 2]), [normal(3, 4, 5)]),
    Case("moments_keepdims", lambda ops, x: ops.moments(x, axes=[1], keepdims=True),
         [normal(3, 4, seed=1)]),
    Case("normalize", lambda ops, x: ops.normalize(x), [normal(3, 4)]),
    Case("normalize_order1_axis0", lambda ops, x: ops.normalize(x, axis=0, order=1),
         [normal(3, 4, seed=1)]),
    Case("normalize_order3", lambda ops, x: ops.normalize(x, order=3), [normal(2, 5, seed=2)]),
    Case("rms_normalization", lambda ops, x: ops.rms_normalization(x), [normal(3, 6)]),
    Case("rms_normalization_scale",
         lambda ops, x, s: ops.rms_normalization(x, scale=s, epsilon=1e-3),
         [normal(2, 3, 4, seed=1), normal(4, seed=2)]),
    Case("rms_normalization_axes", lambda ops, x: ops.rms_normalization(x, axis=[1, 2]),
         [normal(2, 3, 4, seed=3)]),
    Case("psnr", lambda ops, a, b: ops.psnr(a, b, 2.0),
         [uniform(2, 5, 5), uniform(2, 5, 5, seed=1)]),
    # labels
    Case("in_top_k", lambda ops, t, p: ops.in_top_k(t, p, 2),
         [integers(6, high=5), normal(6, 5)], grad=False),
    Case("multi_hot", lambda ops, x: ops.multi_hot(x, 6), [integers(3, 4, high=6)], grad=False,
         check_dtype=False, why=FLOATX_WHY),
    Case("multi_hot_rank1", lambda ops, x: ops.multi_hot(x, num_classes=5, dtype="int32"),
         [integers(4, high=5)], grad=False),
    Case("multi_hot_axis0", lambda ops, x: ops.multi_hot(x, 5, axis=0), [integers(3, 2, high=5)],
         grad=False, check_dtype=False, why=FLOATX_WHY),
    # adaptive pooling (bins floor(i*L/out) .. ceil((i+1)*L/out), overlapping when out
    # does not divide L)
    Case("adaptive_average_pool_1d", lambda ops, x: ops.adaptive_average_pool(x, 3),
         [normal(2, 7, 3)]),
    Case("adaptive_average_pool_2d", lambda ops, x: ops.adaptive_average_pool(x, (3, 2)),
         [normal(2, 7, 5, 3, seed=1)]),
    Case("adaptive_average_pool_3d_cf",
         lambda ops, x: ops.adaptive_average_pool(x, (2, 3, 4), data_format="channels_first"),
         [normal(2, 3, 5, 4, 6, seed=2)]),
    Case("adaptive_max_pool_1d", lambda ops, x: ops.adaptive_max_pool(x, 4), [normal(2, 9, 3)]),
    Case("adaptive_max_pool_2d", lambda ops, x: ops.adaptive_max_pool(x, 3),
         [normal(2, 8, 7, 2, seed=1)]),
    Case("adaptive_max_pool_3d_cf",
         lambda ops, x: ops.adaptive_max_pool(x, (2, 2, 3), data_format="channels_first"),
         [normal(1, 2, 5, 4, 7, seed=2)]),
    # CTC
    Case("ctc_loss", lambda ops, y, x, n, m: ops.ctc_loss(y, x, n, m),
         [CTC_TARGET, normal(3, 8, 5, scale=2.0), *CTC_LENGTHS]),
    Case("ctc_loss_mask_index", lambda ops, y, x, n, m: ops.ctc_loss(y, x, n, m, mask_index=4),
         [CTC_TARGET % 4, normal(3, 6, 5, seed=1), CTC_LENGTHS[0], np.array([6, 5, 3], "int32")]),
    Case("ctc_decode_greedy", lambda ops, x, n: ops.ctc_decode(x, n),
         [normal(3, 8, 5, scale=2.0), CTC_LENGTHS[1]], grad=False),
    Case("ctc_decode_greedy_unmerged",
         lambda ops, x, n: ops.ctc_decode(x, n, merge_repeated=False, mask_index=2),
         [normal(3, 8, 5, seed=1), CTC_LENGTHS[1]], grad=False),
    Case("ctc_decode_beam_search",
         lambda ops, x, n: ops.ctc_decode(x, n, strategy="beam_search", beam_width=4,
                                          top_paths=3),
         [normal(3, 8, 5, scale=2.0, seed=2), CTC_LENGTHS[1]], grad=False),
    Case("ctc_decode_beam_search_default_width",
         lambda ops, x, n: ops.ctc_decode(x, n, strategy="beam_search"),
         [normal(2, 6, 4, seed=3), np.array([6, 4], "int32")], grad=False),
]
