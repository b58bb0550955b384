"""The Functional API and subclassing examples run end to end and learn what they claim to."""
import importlib.util

import numpy as np
import pytest

import minikeras
from tests.paths import EXAMPLES


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- functional_two_heads.py -------------------------------------------------------------------

def test_two_heads_learns_the_digit_and_the_ink(capsys):
    accuracy, ink_mae, guess_mean_mae = load_example("functional_two_heads").main(
        ["--epochs", "2", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "History keys: digit_accuracy, digit_loss, ink_loss, ink_mae, loss, " \
           "val_digit_accuracy, val_digit_loss, val_ink_loss, val_ink_mae, val_loss" in out
    assert "Test accuracy (digit):" in out and "Test MAE (ink):" in out
    assert accuracy >= 0.9                       # chance: 0.1
    assert ink_mae < 0.5 * guess_mean_mae        # far better than always guessing the mean


def test_two_heads_model_has_two_named_inputs_and_outputs():
    example = load_example("functional_two_heads")
    model = example.build_model()
    assert [t.name for t in model.inputs] == ["image", "hint"]
    assert model.output_names == ["digit", "ink"]
    assert model.output_shape == [(None, 10), (None, 1)]
    ((images, hints), (digits, ink)), _ = example.load_data(hint_noise=0.0, seed=0)
    assert images.shape == (8000, 784) and hints.shape == (8000, 1) and ink.shape == (8000, 1)
    np.testing.assert_array_equal(hints[:, 0], digits % 2)      # no noise: the hint is the parity
    np.testing.assert_allclose(ink[:, 0], (images > 0.5).sum(axis=1) / 100, rtol=1e-6)


# -- residual_cnn.py ---------------------------------------------------------------------------

def test_residual_cnn_learns_from_a_few_thousand_digits(capsys):
    accuracy = load_example("residual_cnn").main(
        ["--epochs", "1", "--train-size", "2000", "--batch-size", "32", "--verbose", "0"])
    assert "2000 train samples, 2000 test samples" in capsys.readouterr().out
    assert accuracy >= 0.8                       # chance: 0.1


@pytest.mark.slow
def test_residual_cnn_reaches_97_percent_with_the_default_settings(capsys):
    accuracy = load_example("residual_cnn").main(["--verbose", "0"])
    assert "Test accuracy:" in capsys.readouterr().out
    assert accuracy >= 0.97


def test_residual_cnn_blocks_add_a_shortcut_to_the_residual_path():
    model = load_example("residual_cnn").build_model()
    adds = [layer for layer in model.layers if type(layer).__name__ == "Add"]
    assert [layer.name for layer in adds] == ["block1_add", "block2_add"]
    # block1's shortcut is its input (the pooled stem), block2's is the 1x1 projection.
    shortcut_sources = [[t._keras_history.operation.name for t in layer._inbound_nodes[0].input_tensors]
                        for layer in adds]
    assert shortcut_sources[0][0] == "block1_bn2"
    assert shortcut_sources[0][1].startswith("max_pooling2d")
    assert shortcut_sources[1] == ["block2_bn2", "block2_projection"]
    stem = 3 * 3 * 1 * 16 + 16
    block1 = 2 * (3 * 3 * 16 * 16) + 2 * 4 * 16
    block2 = (16 * 32 + 32) + 3 * 3 * 16 * 32 + 3 * 3 * 32 * 32 + 2 * 4 * 32
    head = 7 * 7 * 32 * 10 + 10
    assert model.count_params() == stem + block1 + block2 + head == 35_210


# -- siamese_mnist.py --------------------------------------------------------------------------

def test_siamese_network_tells_same_from_different_digits(capsys):
    accuracy = load_example("siamese_mnist").main(
        ["--epochs", "2", "--pairs", "8000", "--verbose", "0"])
    assert "8000 training pairs, 2000 test pairs" in capsys.readouterr().out
    assert accuracy >= 0.75                      # chance: 0.5


def test_siamese_pairs_are_balanced_and_correctly_labelled():
    example = load_example("siamese_mnist")
    rng = np.random.default_rng(0)
    labels = np.arange(500) % 10
    images = np.repeat(labels[:, None], 3, axis=1).astype("float32")   # each image names its digit
    left, right, same = example.make_pairs(images, labels, 2000, rng)
    np.testing.assert_array_equal(same, (left[:, 0] == right[:, 0]).astype("float32"))
    assert 0.45 < same.mean() < 0.55


def test_siamese_encoder_is_one_model_called_twice():
    example = load_example("siamese_mnist")
    encoder = example.build_encoder()
    model = example.build_model(encoder)
    assert model.get_layer("encoder") is encoder
    assert len(encoder._inbound_nodes) == 2
    assert len(model.trainable_weights) == len(encoder.trainable_weights) + 2
    x = np.random.default_rng(0).random((3, 784)).astype("float32")
    # A pair of identical images has |left - right| = 0 everywhere: the same score for any image.
    scores = model.predict([x, x], verbose=0)
    np.testing.assert_allclose(scores, np.full_like(scores, scores[0, 0]), rtol=1e-6)


# -- subclassed_model.py -----------------------------------------------------------------------

def test_subclassed_model_with_custom_train_step_learns_the_digits(capsys):
    accuracy = load_example("subclassed_model").main(["--epochs", "2", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "Learned scale:" in out and "Test accuracy:" in out
    assert accuracy >= 0.9


def test_subclassed_model_logs_its_own_metrics_and_trains_every_weight():
    example = load_example("subclassed_model")
    (x_train, y_train), _ = example.load_data()
    model = example.DigitClassifier(hidden_units=32)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.build((None, 784))
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(x_train[:512], y_train[:512], epochs=2, batch_size=64,
                        validation_split=0.25, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert [w.name for w in model.classifier.weights] == ["kernel", "scale"]
    assert all(not np.array_equal(b, a) for b, a in zip(before, model.get_weights()))


def test_cosine_classifier_gradients_match_numerical_ones():
    example = load_example("subclassed_model")
    saved = minikeras.backend.floatx()
    minikeras.backend.set_floatx("float64")
    try:
        layer = example.CosineClassifier(4)
        error = minikeras.utils.layer_gradient_check(
            layer, np.random.default_rng(0).normal(size=(5, 6)))
    finally:
        minikeras.backend.set_floatx(saved)
    assert error < 1e-6
    config = layer.get_config()
    assert (config["units"], config["initial_scale"]) == (4, 10.0)
