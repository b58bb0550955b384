"""Ops and Python operators on symbolic tensors record graph nodes, as in Keras 3.

Names, op classes and configs were checked against Keras 3.15.1 (`keras.Model(i, i / 255.0)`):
`/` is `true_divide` (TrueDivide), `x[:, 0]` is `get_item` (GetItem), `abs(x)` is `absolute`;
positional constants are call arguments of the node, keyword arguments (`axis`) the op's config.
"""
import json

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend import set_floatx
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.ops.symbolic import Op
from minikeras.models import Model, load_model
from minikeras.backend import naming
from minikeras.utils.gradient_check import gradient_check

RNG = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def fresh_names():
    naming.reset_names()
    yield


def test_scaling_then_dense_equals_the_eager_computation():
    inputs = layers.Input((4,))
    dense = layers.Dense(3)
    model = Model(inputs, dense(inputs / 255.0))
    x = RNG.uniform(0, 255, (5, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), dense(x / 255.0).numpy(), rtol=1e-5)


def test_operators_on_both_sides():
    a, b = layers.Input((3,)), layers.Input((3,))
    outputs = [a + 1, 1 + a, a - b, 2.0 - a, a * b, 3 * a, a / 2, 2 / (a + 3), a // 2, 7 // (a + 3),
               a % 2, a ** 2, 2 ** a, -a, abs(a), np.float32(2) * a, a < b, a >= 1]
    model = Model([a, b], outputs)
    x = RNG.uniform(0.5, 3, (4, 3)).astype("float32")
    y = RNG.uniform(0.5, 3, (4, 3)).astype("float32")
    expected = [x + 1, 1 + x, x - y, 2.0 - x, x * y, 3 * x, x / 2, 2 / (x + 3), x // 2,
                7 // (x + 3), x % 2, x ** 2, 2 ** x, -x, abs(x), 2 * x, x < y, x >= 1]
    for got, want in zip(model.predict([x, y], verbose=0), expected):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5)


def test_matmul_operator_and_ops_functions():
    a = layers.Input((3,))
    b = layers.Input((3, 2))
    model = Model([a, b], [ops.exp(a), ops.mean(a, axis=1), ops.expand_dims(a, 1) @ b])
    x = RNG.normal(size=(2, 3)).astype("float32")
    w = RNG.normal(size=(2, 3, 2)).astype("float32")
    exp, mean, product = model.predict([x, w], verbose=0)
    np.testing.assert_allclose(exp, np.exp(x), rtol=1e-5)
    np.testing.assert_allclose(mean, x.mean(axis=1), rtol=1e-5)
    np.testing.assert_allclose(product, x[:, None, :] @ w, rtol=1e-5, atol=1e-6)
    assert model.output_shape == [(None, 3), (None,), (None, 1, 2)]


def test_concatenate_of_two_symbolic_tensors():
    a, b = layers.Input((3,)), layers.Input((2,))
    joined = ops.concatenate([a, b], axis=-1)
    assert joined.shape == (None, 5)
    model = Model([a, b], joined)
    x, y = np.ones((2, 3), "float32"), np.zeros((2, 2), "float32")
    np.testing.assert_array_equal(model.predict([x, y], verbose=0), np.concatenate([x, y], -1))


def test_getitem():
    inputs = layers.Input((4, 3))
    first, tail = inputs[:, 0], inputs[:, 1:, ::2]
    assert first.shape == (None, 3) and tail.shape == (None, 3, 2)
    model = Model(inputs, [first, tail])
    x = RNG.normal(size=(2, 4, 3)).astype("float32")
    got_first, got_tail = model.predict(x, verbose=0)
    np.testing.assert_array_equal(got_first, x[:, 0])
    np.testing.assert_array_equal(got_tail, x[:, 1:, ::2])


def test_eager_ops_still_compute():
    out = ops.add(Tensor(np.ones(2, "float32")), 1)
    assert isinstance(out, Tensor)
    np.testing.assert_array_equal(out.numpy(), [2, 2])
    assert ops.concatenate([np.ones((1, 2)), np.zeros((1, 2))], axis=0).shape == (2, 2)
    assert ops.shape(layers.Input((3,))) == (None, 3)


def test_gradients_through_op_nodes():
    set_floatx("float64")
    try:
        inputs = layers.Input((3,))
        h = layers.Dense(4, activation="tanh")(inputs * 0.5 + 1.0)
        model = Model(inputs, ops.sum(ops.exp(-h) * h, axis=-1) / 3.0)
        x = RNG.normal(size=(2, 3))
        assert gradient_check(lambda t: model(t), x) < 1e-6
        # the gradient with respect to the weights flows through the op nodes too
        kernel = model.get_layer("dense").kernel
        (grad,) = gradients(ops.sum(model(Tensor(x))), [kernel])
        assert grad.shape == kernel.shape and np.abs(grad).sum() > 0
    finally:
        set_floatx("float32")


def test_summary_lists_the_op_layers(capsys):
    inputs = layers.Input((3,), name="i")
    model = Model(inputs, layers.Dense(2, name="d")(inputs / 255.0) * 2)
    model.summary()
    text = capsys.readouterr().out
    assert "true_divide (TrueDivide)" in text and "multiply (Multiply)" in text
    assert text.index("true_divide") < text.index("d (Dense)") < text.index("multiply")


def test_names_and_config_like_keras():
    inputs = layers.Input((3,), name="i")
    model = Model(inputs, layers.Dense(2, name="d")(inputs / 255.0) * 2)
    # Keras 3.15.1: model.layers == ['i', 'd'], model.operations adds the ops in graph order
    assert [layer.name for layer in model.layers] == ["i", "d"]
    assert [op.name for op in model.operations] == ["i", "true_divide", "d", "multiply"]
    assert all(isinstance(model.operations[k], Op) for k in (1, 3))
    entry = model.get_config()["layers"][1]
    assert entry["module"] == "keras.src.ops.numpy" and entry["class_name"] == "TrueDivide"
    assert entry["config"] == {"name": "true_divide"}
    assert entry["inbound_nodes"][0]["args"][1] == 255.0
    assert (inputs / 3.0)._keras_history.operation.name == "true_divide_1"
    mean = ops.mean(inputs, axis=1)._keras_history.operation
    assert mean.get_config() == {"name": "mean", "axis": 1}
    assert ops.abs(inputs)._keras_history.operation.name == "absolute"
    assert inputs[:, 0]._keras_history.operation.name == "get_item"


def op_model():
    a, b = layers.Input((4,), name="a"), layers.Input((2,), name="b")
    h = layers.Dense(3, name="d")(a / 10.0 - 1)
    joined = ops.concatenate([ops.exp(h), b * b], axis=-1)
    return Model([a, b], [ops.mean(joined, axis=1), joined[:, 1:3]])


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_save_and_load_round_trip(tmp_path, suffix):
    model = op_model()
    x = [RNG.normal(size=(3, 4)).astype("float32"), RNG.normal(size=(3, 2)).astype("float32")]
    path = str(tmp_path / f"model{suffix}")
    model.save(path)
    loaded = load_model(path)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
    for got, want in zip(loaded.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_json_config_round_trip():
    model = op_model()
    rebuilt = Model.from_config(json.loads(json.dumps(model.get_config())))
    rebuilt.set_weights(model.get_weights())
    x = [np.ones((2, 4), "float32"), np.ones((2, 2), "float32")]
    for got, want in zip(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0)):
        np.testing.assert_allclose(got, want, rtol=1e-6)


def test_keras_op_entry_is_read():
    """A Keras 3 file's config for `keras.Model(i, keras.layers.Dense(2)(i / 255.0))`."""
    tensor = lambda name: {"class_name": "__keras_tensor__",  # noqa: E731
                           "config": {"shape": [None, 3], "dtype": "float32",
                                      "keras_history": [name, 0, 0]}}
    config = {"name": "functional", "trainable": True, "layers": [
        {"module": "keras.layers", "class_name": "InputLayer",
         "config": {"batch_shape": [None, 3], "dtype": "float32", "name": "i"},
         "registered_name": None, "name": "i", "inbound_nodes": []},
        {"module": "keras.src.ops.numpy", "class_name": "TrueDivide",
         "config": {"name": "true_divide"}, "registered_name": "TrueDivide",
         "name": "true_divide", "inbound_nodes": [{"args": [tensor("i"), 255.0], "kwargs": {}}]},
        {"module": "keras.src.ops.numpy", "class_name": "Mean",
         "config": {"name": "mean", "axis": 1, "keepdims": False}, "registered_name": "Mean",
         "name": "mean", "inbound_nodes": [{"args": [tensor("true_divide")], "kwargs": {}}]}],
        "input_layers": ["i", 0, 0], "output_layers": ["mean", 0, 0]}
    model = Model.from_config(config)
    x = np.full((2, 3), 255.0, "float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), [1.0, 1.0])


def test_training_through_op_nodes():
    inputs = layers.Input((4,))
    model = Model(inputs, layers.Dense(1)(inputs / 4.0 - 0.5))
    model.compile("adam", "mse")
    x = RNG.uniform(0, 4, (64, 4)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
