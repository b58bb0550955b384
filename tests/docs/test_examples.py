"""The examples run end to end and reach the accuracy the README promises."""
import importlib.util

import numpy as np
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


@pytest.mark.slow
def test_keras_io_timeseries_classification_runs_unchanged_and_reloads_the_best_model(
        tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # ModelCheckpoint writes best_model.keras to the working dir
    example = load_example("timeseries_classification")
    accuracy, history = example.main(["--epochs", "6", "--train-size", "400",
                                      "--test-size", "200", "--batch-size", "16",
                                      "--verbose", "0"])
    assert "Test accuracy" in capsys.readouterr().out
    assert accuracy >= 0.9  # two balanced classes: chance is 0.5
    assert set(history.history) >= {"loss", "sparse_categorical_accuracy", "val_loss",
                                    "val_sparse_categorical_accuracy", "learning_rate"}
    reloaded = example.keras.models.load_model(tmp_path / "best_model.keras")
    assert [type(l).__name__ for l in reloaded.layers].count("ReLU") == 3
    x_test, y_test = example.make_data(200, seed=1337 + 1)  # the example's test series
    assert reloaded.evaluate(x_test[:, :, None], y_test, verbose=0)[1] == pytest.approx(accuracy)


def test_timeseries_classification_data_has_the_fordA_shape_and_two_balanced_classes():
    example = load_example("timeseries_classification")
    x, y = example.make_data(64, seed=5)
    assert x.shape == (64, 500) and x.dtype == "float32" and sorted(set(y)) == [0, 1]
    assert (y == 1).sum() == 32
    np.testing.assert_allclose(x.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(x.std(axis=1), 1, atol=1e-4)
    model = example.make_model(input_shape=(500, 1), num_classes=2)
    assert [type(l).__name__ for l in model.layers] == (
        ["InputLayer"] + ["Conv1D", "BatchNormalization", "ReLU"] * 3
        + ["GlobalAveragePooling1D", "Dense"])
