"""GroupQueryAttention: values and gradients against Keras 3.15.1 (the fused and the explicit
attention paths, masks, causal, sliding window, gate), weights, config, masks and bad input."""
import numpy as np
import pytest

from minikeras import layers
from minikeras.backend import Tensor
from minikeras.backend.masking import get_keras_mask, set_keras_mask
from tests.layers.keras_wave2_reference import check_against_keras, check_keras_saved_model

ATTENTION_MASK = np.array([[[1, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 1]],
                           [[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 0, 1]]], bool)
PARTIAL_MASK = np.array([[[1, 1, 0, 0], [0, 0, 0, 1], [1, 1, 1, 1]],
                         [[1, 0, 1, 0], [1, 1, 1, 0], [0, 1, 0, 1]]], bool)
GQA = layers.GroupQueryAttention
KERAS_CASES = {
    "gqa_basic": (lambda: GQA(2, 4, 2), {}),
    "gqa_key_nobias_scores": (lambda: GQA(3, 2, 1, use_bias=False, bias_initializer="ones"),
                              {"return_attention_scores": True}),
    "gqa_causal": (lambda: GQA(2, 2, 2), {"use_causal_mask": True}),
    "gqa_causal_scores": (lambda: GQA(2, 2, 2),
                          {"use_causal_mask": True, "return_attention_scores": True}),
    "gqa_window_gate": (lambda: GQA(2, 4, 1, sliding_window=2, use_gate=True,
                                    bias_initializer="random_normal"), {}),
    "gqa_attention_mask": (lambda: GQA(2, 2, 1), {"attention_mask": PARTIAL_MASK}),
    "gqa_attention_mask_scores": (lambda: GQA(2, 2, 1), {"attention_mask": ATTENTION_MASK,
                                                         "return_attention_scores": True}),
    "gqa_value_mask": (lambda: GQA(2, 2, 2),
                       {"value_mask": np.array([[1, 1, 0, 0], [1, 1, 1, 0]], bool)}),
}


def test_loads_a_model_saved_by_keras():
    check_keras_saved_model("keras3_wave2_gqa")


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_matches_keras(name):
    factory, kwargs = KERAS_CASES[name]
    check_against_keras(factory(), name, call=lambda layer, *xs: layer(*xs, **kwargs))


def test_weights_config_and_name_like_keras():
    layer = GQA(head_dim=2, num_query_heads=4, num_key_value_heads=2)
    assert layer.name.startswith("grouped_query_attention")
    layer = GQA(2, 4, 2, name="gqa", use_gate=True)
    y = layer(np.zeros((2, 3, 5), "float32"), np.zeros((2, 4, 6), "float32"))
    assert y.shape == (2, 3, 5)
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("gqa/query/kernel", (5, 4, 2)), ("gqa/query/bias", (4, 2)),
        ("gqa/key/kernel", (6, 2, 2)), ("gqa/key/bias", (2, 2)),
        ("gqa/gate/kernel", (5, 4, 2)), ("gqa/gate/bias", (4, 2)),
        ("gqa/value/kernel", (6, 2, 2)), ("gqa/value/bias", (2, 2)),
        ("gqa/attention_output/kernel", (4, 2, 5)), ("gqa/attention_output/bias", (5,))]
    config = layer.get_config()
    assert {k: config[k] for k in ("head_dim", "num_query_heads", "num_key_value_heads",
                                   "use_gate", "sliding_window", "dropout", "seed")} == {
        "head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2, "use_gate": True,
        "sliding_window": None, "dropout": 0.0, "seed": None}
    assert GQA.from_config(config).get_config() == config


def test_fully_masked_query_step_fused_vs_explicit_like_keras():
    """The explicit (scores) path gives a fully masked query step zero weights (as Keras); the
    fused path attends uniformly, as keras.ops.dot_product_attention does. (Keras's torch
    GroupQueryAttention weights each value by 1 instead of 1/S there: left out of the
    reference data as a Keras bug.)"""
    q = np.random.default_rng(0).standard_normal((1, 2, 3)).astype("float32")
    layer = GQA(2, 2, 1, bias_initializer="ones")
    mask = np.array([[[1, 1], [0, 0]]], bool)
    fused = layer(q, q, attention_mask=mask).numpy()
    explicit, scores = layer(q, q, attention_mask=mask, return_attention_scores=True)
    np.testing.assert_allclose(fused[0, 0], explicit.numpy()[0, 0], rtol=1e-5)
    assert np.all(scores.numpy()[0, :, 1] == 0)
    assert not np.allclose(fused[0, 1], explicit.numpy()[0, 1])


def test_keras_masks_from_the_tensors_and_output_mask():
    q = Tensor(np.random.default_rng(1).standard_normal((2, 3, 4)).astype("float32"))
    v = Tensor(np.random.default_rng(2).standard_normal((2, 5, 4)).astype("float32"))
    value_mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], bool)
    query_mask = np.array([[1, 1, 0], [1, 0, 0]], bool)
    layer = GQA(2, 2, 1)
    explicit = layer(q, v, value_mask=value_mask, query_mask=query_mask).numpy()
    set_keras_mask(q, Tensor(query_mask))
    set_keras_mask(v, Tensor(value_mask))
    out = layer(q, v)
    np.testing.assert_allclose(out.numpy(), explicit, rtol=1e-6)
    np.testing.assert_array_equal(get_keras_mask(out).numpy(), query_mask)


def test_dropout_training_only_and_seeded():
    q = np.random.default_rng(3).standard_normal((2, 3, 4)).astype("float32")
    layer = GQA(2, 2, 1, dropout=0.5, seed=1)
    assert np.allclose(layer(q, q).numpy(), layer(q, q).numpy())
    assert not np.allclose(layer(q, q, training=True).numpy(), layer(q, q).numpy())


def test_symbolic_call_shapes():
    q, v = layers.Input((3, 4)), layers.Input((5, 4))
    out, scores = GQA(2, 4, 2)(q, v, return_attention_scores=True)
    assert tuple(out.shape) == (None, 3, 4) and tuple(scores.shape) == (None, 4, 3, 5)
    with pytest.raises(ValueError, match="last dimension of `query_shape` and `value_shape`"):
        GQA(2, 2, 1).compute_output_shape((None, 3, 4), (None, 5, 6))


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match="divisible"):
        GQA(2, 3, 2)
    # Keras's message ("`num_query_heads` must be divisible by `num_key_value_heads`."), with
    # the layer and the values
    with pytest.raises(ValueError, match=r"^GroupQueryAttention: `num_query_heads` must be "
                       r"divisible by `num_key_value_heads`\. Received: num_query_heads=6, "
                       r"num_key_value_heads=4"):
        GQA(4, 6, 4)
    # Keras fails here with a bare ZeroDivisionError
    with pytest.raises(ValueError, match="GroupQueryAttention: `num_key_value_heads`"):
        GQA(4, 6, 0)
    with pytest.raises(ValueError, match="head_dim"):
        GQA(0, 2, 2)
    with pytest.raises(ValueError, match="sliding_window"):
        GQA(2, 2, 2, sliding_window=0)
    with pytest.raises(ValueError, match="flash attention"):
        GQA(2, 2, 2, dropout=0.1, flash_attention=True)
    with pytest.raises(ValueError, match="flash attention"):
        GQA(2, 2, 2, flash_attention=True)(np.ones((1, 2, 3), "float32"),
                                           np.ones((1, 2, 3), "float32"),
                                           return_attention_scores=True)
    with pytest.raises(ValueError, match="`value` is missing"):
        GQA(2, 2, 2)(np.ones((1, 2, 3), "float32"))
    with pytest.raises(ValueError, match="must be 3-D"):
        GQA(2, 2, 2)(np.ones((1, 2, 2, 3), "float32"), np.ones((1, 2, 2, 3), "float32"))
    with pytest.raises(ValueError, match="does not broadcast"):
        GQA(2, 2, 2)(np.ones((1, 2, 3), "float32"), np.ones((1, 4, 3), "float32"),
                     attention_mask=np.ones((1, 2, 3), bool))
