"""EinsumDense against Keras 3.15.1: shapes for each equation form, errors, the initializer's fans,
and a model saved by Keras (tests/data/keras3_einsum_dense.py wrote the .keras file and JSON).

The SHAPES rows were printed by keras 3.15.1 (KERAS_BACKEND=torch) for
`EinsumDense(equation, output_shape, bias_axes=...)` called on zeros of the input shape.
"""
import json
import pathlib

import numpy as np
import pytest

from minikeras import layers
from minikeras.models import load_model

DATA = pathlib.Path(__file__).resolve().parents[1] / "data"

# equation, output_shape, bias_axes, input shape -> output shape, weight shapes,
# compute_output_shape with a None batch. Where `output_shape` holds None on an axis shared with
# the input, Keras's compute_output_shape keeps it None ((None, None, 4) for the third row);
# minikeras gives the input's size, which the eager output has anyway.
SHAPES = [
    ("ab,bc->ac", 4, None, (2, 3), (2, 4), [(3, 4)], (None, 4)),
    ("...b,bc->...c", 4, "c", (2, 5, 3), (2, 5, 4), [(3, 4), (4,)], (None, 5, 4)),
    ("abc,cd->abd", (None, 4), "d", (2, 5, 3), (2, 5, 4), [(3, 4), (4,)], (None, 5, 4)),
    ("abc,cde->abde", (None, 2, 4), "de", (2, 5, 3), (2, 5, 2, 4), [(3, 2, 4), (2, 4)],
     (None, 5, 2, 4)),
    ("ab...,bc->ac...", (4,), "c", (2, 3, 6), (2, 4, 6), [(3, 4), (4, 1)], (None, 4, 6)),
    ("abcd,cde->abe", (5, 4), "e", (2, 5, 3, 2), (2, 5, 4), [(3, 2, 4), (4,)], (None, 5, 4)),
    ("abc,cd->abd", (5, 4), "b", (2, 5, 3), (2, 5, 4), [(3, 4), (5, 1)], (None, 5, 4)),
    ("...ab,bc->...ac", (5, 4), "a", (2, 7, 5, 3), (2, 7, 5, 4), [(3, 4), (5, 1)],
     (None, 7, 5, 4)),
]


@pytest.mark.parametrize("equation, output_shape, bias_axes, in_shape, out_shape, weights, "
                         "symbolic", SHAPES)
def test_shapes_match_keras(equation, output_shape, bias_axes, in_shape, out_shape, weights,
                            symbolic):
    layer = layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)
    y = layer(np.zeros(in_shape, "float32"))
    assert tuple(y.shape) == out_shape
    assert [tuple(w.shape) for w in layer.weights] == weights
    assert [w.path.split("/")[-1] for w in layer.weights] == ["kernel", "bias"][:len(weights)]
    assert tuple(layer.compute_output_shape((None,) + in_shape[1:])) == symbolic


@pytest.mark.parametrize("equation, output_shape, bias_axes, in_shape, message", [
    ("ab,bc->ad", 3, None, (2, 3), "Dimension 'd'"),
    ("ab,bc", 3, None, (2, 3), "invalid einsum equation"),
    ("ab,bc->ac", 3, "x", (2, 3), "Bias dimension 'x'"),
    ("abc,cd->abd", (4, 4), None, (2, 5, 3), "shared dimension 'b'"),
    ("ab,bcz->ac", 3, None, (2, 3), "Weight dimension 'z'"),
    ("abc->abd", (5, 4), None, (2, 5, 3), "EinsumDense: invalid einsum equation 'abc->abd'"),
    ("ab,bc->ac,d", 4, None, (2, 3), "EinsumDense: invalid einsum equation"),
    # Keras leaves these two to the backend's einsum; minikeras names the layer and the ranks
    ("ab,bc->ac", 4, None, (2, 5, 3), "EinsumDense: the input spec 'ab'.*has 3.*no '\\.\\.\\.'"),
    ("abcd,de->abce", (2, 5, 4), None, (2, 5, 3), "EinsumDense: the input spec 'abcd'.*has 3"),
])
def test_bad_equations_raise(equation, output_shape, bias_axes, in_shape, message):
    with pytest.raises(ValueError, match="(?i)" + message):
        layers.EinsumDense(equation, output_shape, bias_axes=bias_axes)(
            np.zeros(in_shape, "float32"))


def test_unsupported_keras_options_are_refused():
    with pytest.raises(ValueError, match="LoRA"):
        layers.EinsumDense("ab,bc->ac", 3, lora_rank=2)


def test_glorot_fans_use_the_contracted_and_output_axes():
    # kernel (3, 2, 4): fan_in 3 (axis 0), fan_out 8 (axes 1, 2): limit sqrt(6 / 11)
    layer = layers.EinsumDense("abc,cde->abde", (None, 2, 4))
    layer.build((None, 5, 3))
    limit = np.sqrt(6 / 11)
    kernel = np.asarray(layer.kernel.numpy())
    assert np.abs(kernel).max() <= limit and np.abs(kernel).max() > limit * 0.6
    assert layer.get_config()["kernel_initializer"]["config"]["input_axes"] is None


def test_loads_a_model_saved_by_keras():
    record = json.loads((DATA / "keras3_einsum_dense.json").read_text())
    model = load_model(DATA / "keras3_einsum_dense.keras")
    got = model.predict(np.array(record["x"], "float32"), verbose=0)
    np.testing.assert_allclose(got, np.array(record["y"], "float32"), rtol=1e-5, atol=1e-6)
    for layer in model.layers[1:]:
        config = json.loads(json.dumps(layer.get_config(), default=list))
        assert config == record["configs"][layer.name]
        assert [list(w.shape) for w in layer.weights] == record["weight_shapes"][layer.name]
