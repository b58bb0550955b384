"""Compare a minikeras layer with a case recorded by tests/data/keras3_wave2_rnn_layers.py:
same weights -> same outputs and the same gradients of sum(outputs * cotangent); and load the
.keras files Keras saved there."""
import pathlib

import numpy as np

from minikeras.backend import Tensor, gradients

DATA = pathlib.Path(__file__).resolve().parents[1] / "data" / "keras3_wave2_rnn_layers.npz"


def load_case(name):
    """The arrays of one recorded case: {"x": [...], "w": [...], "y": [...], "ct": [...],
    "gx": [...], "gw": [...]}."""
    data = np.load(DATA)
    case = {}
    for kind in ("x", "w", "y", "ct", "gx", "gw"):
        case[kind] = []
        while f"{name}/{kind}{len(case[kind])}" in data:
            case[kind].append(data[f"{name}/{kind}{len(case[kind])}"])
    return case


def check_keras_saved_model(name):
    """Load tests/data/<name>.keras (saved by Keras) and compare its prediction with Keras's."""
    from minikeras.models import load_model
    case = load_case(name)
    model = load_model(DATA.parent / f"{name}.keras")
    xs = case["x"] if len(case["x"]) > 1 else case["x"][0]
    np.testing.assert_allclose(model.predict(xs, verbose=0), case["y"][0], rtol=1e-4,
                               atol=1e-5)
    return model


def check_against_keras(layer, name, call=None, rtol=1e-4, atol=1e-5):
    """Build `layer` on the case's inputs, load Keras's weights, and compare outputs and
    gradients (inputs that are float, then every weight in Keras's order)."""
    case = load_case(name)
    call = call or (lambda layer, *xs: layer(*xs))
    call(layer, *[Tensor(x) for x in case["x"]])
    assert len(layer.weights) == len(case["w"])
    for variable, value in zip(layer.weights, case["w"]):
        assert tuple(variable.shape) == value.shape, (variable.path, value.shape)
        variable.assign(value)
    inputs = [Tensor(x, requires_grad=x.dtype.kind == "f") for x in case["x"]]
    outs = call(layer, *inputs)
    outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
    assert len(outs) == len(case["y"])
    for out, expected in zip(outs, case["y"]):
        np.testing.assert_allclose(out.data, expected, rtol=rtol, atol=atol)
    total = sum((out * ct).sum() for out, ct in zip(outs, case["ct"]))
    sources = [t for t in inputs if t.requires_grad] + list(layer.weights)
    grads = gradients(total, sources)
    for grad, expected in zip(grads, case["gx"] + case["gw"]):
        np.testing.assert_allclose(grad, expected, rtol=rtol, atol=atol)
