"""The examples run end to end and reach the accuracy the README promises."""
import importlib.util
import os

import pytest

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "examples")


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
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
