"""The examples run end to end and reach the accuracy the README promises."""
import importlib.util

import pytest

from tests.paths import EXAMPLES


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_mnist_mlp_reaches_96_percent_on_the_held_out_digits(capsys):
    accuracy = load_example("mnist_mlp").main(["--epochs", "10", "--verbose", "0"])
    out = capsys.readouterr().out
    assert "8000 train samples, 2000 test samples" in out
    assert "Test accuracy:" in out
    assert accuracy >= 0.96


def test_mnist_mlp_model_is_the_classic_keras_one():
    model = load_example("mnist_mlp").build_model()
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dropout", "Dense", "Dropout", "Dense"]
    assert [l.units for l in model.layers if hasattr(l, "units")] == [512, 512, 10]
    assert model.count_params() == 669_706


@pytest.mark.slow
def test_mnist_cnn_reaches_97_5_percent_on_the_held_out_digits(capsys):
    accuracy = load_example("mnist_cnn").main(["--epochs", "10", "--verbose", "0"])
    assert "Test accuracy:" in capsys.readouterr().out
    assert accuracy >= 0.975


def test_mnist_cnn_model_is_the_classic_keras_one():
    model = load_example("mnist_cnn").build_model()
    assert [type(l).__name__ for l in model.layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    assert model.count_params() == 34_826  # Keras's summary of the same model


@pytest.mark.slow
def test_cifar_style_example_learns_the_textures_and_uses_moving_statistics(capsys):
    example = load_example("cifar_style_cnn")
    accuracy = example.main(["--epochs", "3", "--train-size", "1000", "--verbose", "0"])
    assert accuracy >= 0.9
    x, y = example.make_textures(64, seed=5)
    assert x.shape == (64, 32, 32, 3) and x.dtype == "float32" and set(y) <= {0, 1, 2, 3}


@pytest.mark.slow
def test_mnist_lstm_reaches_95_percent_on_the_held_out_digits(capsys):
    accuracy = load_example("mnist_lstm").main(["--epochs", "10", "--verbose", "0"])
    assert "Test accuracy:" in capsys.readouterr().out
    assert accuracy >= 0.95


def test_mnist_lstm_model_is_lstm_128():
    model = load_example("mnist_lstm").build_model()
    assert [type(l).__name__ for l in model.layers] == ["LSTM", "Dense"]
    assert model.count_params() == 4 * (28 * 128 + 128 * 128 + 128) + 128 * 10 + 10


@pytest.mark.slow
def test_gru_forecaster_beats_the_naive_baselines(capsys):
    mse, repeat_last = load_example("sequence_forecast").main(["--verbose", "0"])
    assert "Test MSE:" in capsys.readouterr().out
    assert mse < 0.5 * repeat_last


@pytest.mark.slow
def test_text_classifier_learns_to_count_good_and_bad_through_the_padding(capsys):
    example = load_example("text_classifier")
    tokens, labels = example.make_texts(50, seed=3)
    assert tokens.shape == (50, example.LENGTH) and (tokens[:, -1] == 0).any()
    assert labels.tolist() == [int((row == example.GOOD).sum() > (row == example.BAD).sum())
                               for row in tokens]
    accuracy = example.main(["--epochs", "6", "--verbose", "0"])
    assert accuracy >= 0.9
