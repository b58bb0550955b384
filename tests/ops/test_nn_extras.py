"""nn_extras ops beyond the Keras reference cases: dot_product_attention's soft cap, masking
corners and speed, adaptive pooling's bins, the label helpers' corners and bad input."""
import time

import numpy as np
import pytest

from minikeras import ops
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.ops.adaptive_pooling import adaptive_bins

RNG = np.random.default_rng(0)


def _normal(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _attention(q, k, v, scale, cap=None, bias=None, keep=None):
    logits = np.einsum("btnh,bsnh->bnts", q, k) * scale
    if cap is not None:
        logits = cap * np.tanh(logits / cap)
    if bias is not None:
        logits = logits + bias
    if keep is not None:
        logits = np.where(keep, logits, -1e30)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    return np.einsum("bnts,bsnh->btnh", p, v)


def test_attention_soft_cap_and_bias_with_mask():
    q, k, v = _normal(2, 3, 2, 4), _normal(2, 5, 2, 4), _normal(2, 5, 2, 4)
    bias, keep = _normal(1, 2, 3, 5), RNG.random((2, 1, 3, 5)) > 0.3
    keep[..., 0] = True
    got = ops.dot_product_attention(q, k, v, bias=bias, mask=keep, attn_logits_soft_cap=1.5)
    want = _attention(q, k, v, 0.5, cap=1.5, bias=bias, keep=keep)
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-5, atol=1e-6)


def test_attention_soft_cap_gradient_matches_finite_differences():
    q = Tensor(_normal(1, 2, 1, 3).astype("float64"), requires_grad=True)
    k, v = _normal(1, 3, 1, 3).astype("float64"), _normal(1, 3, 1, 3).astype("float64")
    w = _normal(1, 2, 1, 3).astype("float64")

    def loss(qd):
        return float((ops.dot_product_attention(qd, k, v, attn_logits_soft_cap=0.7).numpy()
                      * w).sum())
    (grad,) = gradients(ops.sum(ops.dot_product_attention(q, k, v, attn_logits_soft_cap=0.7) * w),
                        [q])
    eps, numeric = 1e-6, np.zeros(q.shape)
    for index in np.ndindex(q.shape):
        up, down = q.numpy().copy(), q.numpy().copy()
        up[index] += eps
        down[index] -= eps
        numeric[index] = (loss(up) - loss(down)) / (2 * eps)
    np.testing.assert_allclose(np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad),
                               numeric, rtol=1e-5, atol=1e-8)


def test_attention_fully_masked_row_attends_uniformly():
    q, k, v = _normal(1, 2, 1, 3), _normal(1, 4, 1, 3), _normal(1, 4, 1, 3)
    keep = np.ones((1, 1, 2, 4), bool)
    keep[0, 0, 1] = False
    out = ops.dot_product_attention(q, k, v, mask=keep).numpy()
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0, 1, 0], v[0, :, 0].mean(0), rtol=1e-5)


def test_attention_causal_and_mask_combine():
    q, k, v = _normal(1, 3, 1, 2), _normal(1, 3, 1, 2), _normal(1, 3, 1, 2)
    keep = np.array([True, False, True])[None, None, None, :]
    got = ops.dot_product_attention(q, k, v, mask=keep, is_causal=True).numpy()
    want = _attention(q, k, v, 2 ** -0.5, keep=keep & np.tril(np.ones((3, 3), bool)))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs, match", [
    (dict(query=np.zeros((2, 3, 4))), "`query` must have rank 4"),
    (dict(key=np.zeros((2, 5, 3, 4)), value=np.zeros((2, 5, 3, 4))), "key heads must divide"),
    (dict(value=np.zeros((2, 6, 2, 4))), "`key` and `value` must agree"),
    (dict(bias=np.zeros((4, 5))), "`bias` of shape"),
    (dict(mask=np.ones((4, 4), bool)), "`mask` of shape"),
])
def test_attention_bad_input_names_the_argument(kwargs, match):
    args = dict(query=np.zeros((2, 3, 4, 4), "float32"), key=np.zeros((2, 5, 2, 4), "float32"),
                value=np.zeros((2, 5, 2, 4), "float32"))
    args.update(kwargs)
    with pytest.raises(ValueError, match="dot_product_attention: .*" + match.replace("`", ".")):
        ops.dot_product_attention(**args)


def test_attention_within_one_and_a_half_times_bare_numpy():
    q, k, v = (_normal(4, 64, 4, 32) for _ in range(3))

    def bare():
        logits = np.einsum("btnh,bsnh->bnts", q, k) * np.float32(32 ** -0.5)
        p = np.exp(logits - logits.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        return np.einsum("bnts,bsnh->btnh", p, v)

    def best(fn):
        fn()
        times = []
        for _ in range(7):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)
    assert best(lambda: ops.dot_product_attention(q, k, v)) <= 1.5 * best(bare) + 1e-3


def test_adaptive_bins_follow_floor_and_ceil():
    starts, ends = adaptive_bins(7, 3)
    assert starts.tolist() == [0, 2, 4] and ends.tolist() == [3, 5, 7]
    starts, ends = adaptive_bins(3, 5)  # upsampling: every bin one position
    assert starts.tolist() == [0, 0, 1, 1, 2] and ends.tolist() == [1, 2, 2, 3, 3]


def test_adaptive_max_pool_gradient_goes_to_each_bin_maximum():
    x = Tensor(np.array([[[1.0], [5.0], [2.0], [0.0], [3.0]]], "float32"), requires_grad=True)
    out = ops.adaptive_max_pool(x, 2)  # bins [0, 3) and [2, 5)
    assert out.numpy().ravel().tolist() == [5.0, 3.0]
    (grad,) = gradients(ops.sum(out), [x])
    assert np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad).ravel().tolist() == \
        [0, 1, 0, 0, 1]


@pytest.mark.parametrize("call, error, match", [
    (lambda: ops.adaptive_average_pool(np.zeros((2, 3)), 2), ValueError, "rank 3, 4 or 5"),
    (lambda: ops.adaptive_max_pool(np.zeros((1, 4, 4, 1)), (2, 2, 2)), ValueError,
     "output_size"),
    (lambda: ops.adaptive_max_pool(np.zeros((1, 4, 1)), 2, data_format="nhwc"), ValueError,
     "data_format"),
    (lambda: ops.normalize(np.ones(3), order=0), ValueError, "normalize: `order`"),
    (lambda: ops.moments(np.ones((2, 3)), axes=[2]), ValueError, "moments: `axes`"),
    (lambda: ops.rms_normalization(np.ones((2, 3)), scale=np.ones(2)), ValueError,
     "rms_normalization: `scale`"),
    (lambda: ops.psnr(np.ones(3), np.ones(4), 1.0), ValueError, "psnr: `x1` and `x2`"),
    (lambda: ops.in_top_k(np.array([0]), np.ones((2, 3)), 1), ValueError, "in_top_k"),
    (lambda: ops.in_top_k(np.array([0.5]), np.ones((1, 3)), 1), TypeError, "in_top_k"),
    (lambda: ops.in_top_k(np.array([0]), np.ones((1, 3)), 0), ValueError, "in_top_k: `k`"),
    (lambda: ops.multi_hot(np.array([0, 1])), ValueError, "multi_hot: `num_classes`"),
])
def test_bad_input_names_op_and_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_in_top_k_counts_ties_and_large_k():
    predictions = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 2.0]], "float32")
    assert ops.in_top_k(np.array([1, 0]), predictions, 1).numpy().tolist() == [True, False]
    assert ops.in_top_k(np.array([1, 0]), predictions, 3).numpy().tolist() == [True, True]


def test_multi_hot_num_tokens_keyword_and_float16_moments():
    assert ops.multi_hot(np.array([1, 1]), num_tokens=3).numpy().tolist() == [0, 1, 0]
    mean, variance = ops.moments(np.full((2, 3), 1000.0, "float16"), axes=[0, 1])
    assert mean.dtype == "float16" and float(mean.numpy()) == 1000.0
    assert float(variance.numpy()) == 0.0


def test_integer_inputs_become_floatx():
    assert ops.moments(np.arange(6).reshape(2, 3), axes=[1])[0].dtype == "float32"
    assert ops.normalize(np.arange(3)).dtype == "float32"
    assert ops.rms_normalization(np.arange(3)).dtype == "float32"
    assert ops.psnr(np.arange(4), np.arange(4) + 1, 3).dtype == "float32"


# -- CTC -------------------------------------------------------------------------------------
def test_ctc_loss_of_an_impossible_alignment_is_infinite_with_zero_gradient():
    logits = Tensor(_normal(2, 2, 3), requires_grad=True)
    target = np.array([[1, 1], [1, 2]], "int32")  # 1, 1 needs a blank between: 3 steps
    loss = ops.ctc_loss(target, logits, np.array([2, 2]), np.array([2, 2]))
    assert np.isinf(loss.numpy()[0]) and np.isfinite(loss.numpy()[1])
    (grad,) = gradients(ops.sum(loss), [logits])
    grad = np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad)
    assert np.isfinite(grad).all() and not grad[0].any()


def test_ctc_loss_single_label_is_minus_log_of_the_alignment_sum():
    logits = _normal(1, 2, 2)
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    # label "1" over 2 steps: alignments 1-1, blank-1, 1-blank
    paths = [(1, 1), (0, 1), (1, 0)]
    want = -np.log(sum(np.exp(log_p[0, 0, a] + log_p[0, 1, b]) for a, b in paths))
    got = ops.ctc_loss(np.array([[1]]), logits, np.array([1]), np.array([2])).numpy()
    np.testing.assert_allclose(got, [want], rtol=1e-5)


def test_ctc_decode_greedy_pads_with_minus_one_and_respects_lengths():
    logits = np.full((1, 5, 3), -5.0, "float32")
    for t, c in enumerate([1, 1, 0, 1, 2]):
        logits[0, t, c] = 5.0
    paths, scores = ops.ctc_decode(logits, np.array([4]))
    assert paths.numpy().tolist() == [[[1, 1, -1, -1, -1]]]
    assert scores.numpy().tolist() == [[-20.0]]


@pytest.mark.parametrize("call, match", [
    (lambda: ops.ctc_loss(np.ones((2, 2), "int32"), np.ones((2, 4, 3)), np.array([2, 2]),
                          np.array([4, 5])), "`output_length` must lie in"),
    (lambda: ops.ctc_loss(np.ones((2, 2), "int32"), np.ones((2, 4, 3)), np.array([2]),
                          np.array([4, 4])), "`target_length` must be 2 integers"),
    (lambda: ops.ctc_loss(np.full((1, 2), 7), np.ones((1, 4, 3)), np.array([2]),
                          np.array([4])), "`target` labels must lie in"),
    (lambda: ops.ctc_loss(np.ones((1, 2), "float32"), np.ones((1, 4, 3)), np.array([2]),
                          np.array([4])), "`target` must be integer labels"),
    (lambda: ops.ctc_decode(np.ones((1, 4, 3)), np.array([4]), strategy="best"), "`strategy`"),
    (lambda: ops.ctc_decode(np.ones((1, 4, 3)), np.array([4]), strategy="beam_search",
                            top_paths=0), "`top_paths`"),
    (lambda: ops.ctc_decode(np.ones((4, 3)), np.array([4])), "shape \\(batch, max_length"),
])
def test_ctc_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_normalize_all_zero_slice_stays_zero_with_a_finite_gradient():
    x = Tensor(np.zeros((2, 3), "float32"), requires_grad=True)
    with np.errstate(all="raise"):
        out = ops.normalize(x)
        (grad,) = gradients(ops.sum(out), [x])
    assert not out.numpy().any()
    grad = np.asarray(grad.numpy() if hasattr(grad, "numpy") else grad)
    np.testing.assert_allclose(grad, 1e7, rtol=1e-6)  # x / epsilon near zero
