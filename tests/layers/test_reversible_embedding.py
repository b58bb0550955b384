"""ReversibleEmbedding: values and gradients against Keras 3.15.1 (forward, tied and untied
reverse, soft cap), weights, config, masks, dtypes, symbolic calls and bad input."""
import numpy as np
import pytest

from minikeras import layers
from minikeras.backend.masking import get_keras_mask
from tests.layers.keras_wave2_reference import check_against_keras

RE = layers.ReversibleEmbedding
KERAS_CASES = {
    "revemb_forward": (lambda: RE(7, 3), {}),
    "revemb_reverse_tied": (lambda: RE(7, 3), {"reverse": True}),
    "revemb_reverse_untied_cap": (
        lambda: RE(6, 3, tie_weights=False, logit_soft_cap=0.05,
                   embeddings_initializer="random_normal"), {"reverse": True}),
}


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_matches_keras(name):
    factory, kwargs = KERAS_CASES[name]
    check_against_keras(factory(), name, call=lambda layer, *xs: layer(*xs, **kwargs))


def test_weights_and_config_like_keras():
    layer = RE(10, 4, tie_weights=False, mask_zero=True, name="reversible_embedding")
    layer(np.array([[0, 1, 2]]))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == [
        ("reversible_embedding/embeddings", (10, 4)),
        ("reversible_embedding/reverse_embeddings", (4, 10))]
    config = layer.get_config()
    assert {k: config[k] for k in ("input_dim", "output_dim", "mask_zero", "tie_weights",
                                   "reverse_dtype", "logit_soft_cap", "quantization_config")} \
        == {"input_dim": 10, "output_dim": 4, "mask_zero": True, "tie_weights": False,
            "reverse_dtype": None, "logit_soft_cap": None, "quantization_config": None}
    assert RE.from_config(config).get_config() == config
    assert len(RE(10, 4).weights) == 0 and RE(10, 4).name.startswith("reversible_embedding")


def test_tied_reverse_is_the_transposed_table_and_masks_like_keras():
    layer = RE(5, 3, mask_zero=True)
    h = layer(np.array([[0, 1, 2]]))
    np.testing.assert_array_equal(get_keras_mask(h).numpy(), [[False, True, True]])
    logits = layer(h, reverse=True)
    assert logits.shape == (1, 3, 5) and get_keras_mask(logits) is None
    table = layer.embeddings.numpy()
    np.testing.assert_allclose(logits.numpy(), h.numpy() @ table.T, rtol=1e-6)


def test_reverse_dtype_and_soft_cap():
    layer = RE(5, 3, reverse_dtype="float16", logit_soft_cap=0.01)
    h = layer(np.array([[1, 2]]))
    logits = layer(h, reverse=True)
    assert logits.dtype == np.float16
    assert np.all(np.abs(logits.numpy()) <= 0.01)


def test_symbolic_calls():
    layer = RE(9, 4)
    ids = layers.Input((3,), dtype="int32")
    hidden = layer(ids)
    assert tuple(hidden.shape) == (None, 3, 4)
    assert tuple(layer(hidden, reverse=True).shape) == (None, 3, 9)
    assert layer.compute_output_shape((None, 3, 4), reverse=True) == (None, 3, 9)


@pytest.mark.parametrize("tie_weights", [True, False])
def test_tied_language_model_saves_and_loads(tmp_path, tie_weights):
    from minikeras import Model
    from minikeras.models import load_model
    ids = layers.Input((3,), dtype="int32")
    embedding = RE(9, 4, tie_weights=tie_weights, logit_soft_cap=3.0,
                   embeddings_initializer="random_normal")
    logits = embedding(layers.Dense(4)(embedding(ids)), reverse=True)
    model = Model(ids, logits)
    x = np.array([[1, 2, 3], [4, 5, 8]])
    expected = model.predict(x, verbose=0)
    assert expected.shape == (2, 3, 9)
    for fmt in ("keras", "weights.h5"):
        path = str(tmp_path / f"model.{fmt}")
        if fmt == "keras":
            model.save(path)
            loaded = load_model(path)
        else:
            model.save_weights(path)
            loaded = Model.from_config(model.get_config())
            loaded.load_weights(path)
        np.testing.assert_array_equal(loaded.predict(x, verbose=0), expected)


def test_bad_input():
    layer = RE(5, 3)
    with pytest.raises(ValueError, match="output_dim=3"):
        layer(np.ones((2, 4), "float32"), reverse=True)
    with pytest.raises(ValueError, match=r"indices must be in \[0, 5\)"):
        layer(np.array([[7]]))
    with pytest.raises(ValueError, match="input_dim"):
        RE(0, 3)
