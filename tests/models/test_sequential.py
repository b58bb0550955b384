"""Sequential: construction, building, layers/pop, summary table, config, errors."""
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.backend.keras_tensor import KerasTensor


def mlp(name=None):
    return minikeras.Sequential([layers.Input((784,)), layers.Dense(512, activation="relu"),
                                 layers.Dropout(0.2), layers.Dense(10, activation="softmax")],
                                name=name)


def test_built_from_input_layers_exclude_input():
    model = mlp()
    assert model.built
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dropout", "Dense"]
    assert model.input_shape == (None, 784) and model.output_shape == (None, 10)
    assert model.count_params() == 407_050
    assert [w.path for w in model.weights][:2] == [f"{model.name}/{model.layers[0].name}/kernel",
                                                    f"{model.name}/{model.layers[0].name}/bias"]


def test_add_pop_and_lazy_build_on_first_call():
    model = minikeras.Sequential()
    model.add(layers.Dense(4))
    model.add(layers.Dense(2))
    assert not model.built
    out = model(np.ones((3, 5), dtype="float32"))
    assert out.shape == (3, 2) and model.built
    assert model.layers[0].kernel.shape == (5, 4)
    popped = model.pop()
    assert isinstance(popped, layers.Dense) and len(model.layers) == 1


def test_input_shape_kwarg_builds_like_keras2():
    model = minikeras.Sequential([layers.Dense(3, input_shape=(6,)), layers.Dense(1)])
    assert model.built and model.input_shape == (None, 6)


def test_predict_matches_manual_numpy_forward():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dense(2, activation="softmax")])
    x = np.random.default_rng(0).normal(size=(5, 4)).astype("float32")
    w1, b1, w2, b2 = model.get_weights()
    hidden = np.maximum(x @ w1 + b1, 0)
    logits = hidden @ w2 + b2
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), expected, rtol=1e-5)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), expected, rtol=1e-5)


def test_summary_matches_keras_table():
    minikeras.utils.clear_session()
    model = mlp()
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert lines == [
        'Model: "sequential"',
        "┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓",
        "┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃",
        "┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩",
        "│ dense (Dense)                   │ (None, 512)            │       401,920 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ dropout (Dropout)               │ (None, 512)            │             0 │",
        "├─────────────────────────────────┼────────────────────────┼───────────────┤",
        "│ dense_1 (Dense)                 │ (None, 10)             │         5,130 │",
        "└─────────────────────────────────┴────────────────────────┴───────────────┘",
        " Total params: 407,050 (1.55 MB)",
        " Trainable params: 407,050 (1.55 MB)",
        " Non-trainable params: 0 (0.00 B)",
    ]


def test_summary_of_unbuilt_model_and_optimizer_params():
    minikeras.utils.clear_session()
    model = minikeras.Sequential([layers.Dense(5)])
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │" in lines
    model = mlp()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(np.zeros((4, 784)), np.zeros(4), verbose=0)
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert lines[-4:] == [" Total params: 1,221,152 (4.66 MB)", " Trainable params: 407,050 (1.55 MB)",
                          " Non-trainable params: 0 (0.00 B)", " Optimizer params: 814,102 (3.11 MB)"]


def test_get_layer_by_name_and_index():
    model = mlp()
    first = model.layers[0]
    assert model.get_layer(first.name) is first
    assert model.get_layer(index=-1) is model.layers[-1]
    with pytest.raises(ValueError, match="No such layer"):
        model.get_layer("nope")


def test_config_round_trip_rebuilds_same_architecture():
    model = mlp(name="mnist_mlp")
    config = model.get_config()
    assert config["layers"][0]["class_name"] == "InputLayer"
    clone = minikeras.Sequential.from_config(config)
    assert clone.name == "mnist_mlp" and clone.count_params() == model.count_params()
    assert [l.get_config() for l in clone.layers] == [l.get_config() for l in model.layers]


def test_wrong_input_shape_names_the_layer_and_shapes():
    model = mlp()
    with pytest.raises(ValueError, match=r"expected shape=\(None, 784\), found shape=\(3, 100\)"):
        model.predict(np.zeros((3, 100)), verbose=0)


def test_adding_a_non_layer_is_an_error():
    with pytest.raises(ValueError, match="Only instances of `minikeras.layers.Layer`"):
        minikeras.Sequential([np.zeros(3)])


def test_subclassed_model_trains():
    class TwoLayers(minikeras.Model):
        def __init__(self):
            super().__init__(name="two_layers")
            self.hidden = layers.Dense(8, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    model = TwoLayers()
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(32, 3)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    history = model.fit(x, y, epochs=20, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert len(model.trainable_weights) == 4


# -- the inner Functional (Keras 3: a built Sequential delegates its graph to one) ---------------
def test_a_built_sequential_holds_an_inner_functional_named_like_it():
    from minikeras.models.functional import Functional
    model = mlp(name="stack")
    assert isinstance(model._functional, Functional)
    assert model._functional.name == "stack"
    assert model._functional.layers[1:] == model.layers  # the InputLayer, then the same layers
    assert model._functional not in model._tracked_layers  # not a sublayer: no weights twice
    unbuilt = minikeras.Sequential([layers.Dense(3)])
    assert unbuilt._functional is None
    with pytest.raises(AttributeError, match="has no `inputs` yet"):
        unbuilt.inputs


def test_inputs_outputs_and_shapes_are_the_inner_functionals():
    model = mlp()
    inner = model._functional
    assert model.inputs == inner.inputs and model.outputs == inner.outputs
    assert model.input is inner.input and model.output is inner.output
    assert model.inputs[0].shape == (None, 784) and model.outputs[0].shape == (None, 10)
    assert model.input_shape == inner.input_shape == (None, 784)
    assert model.output_shape == inner.output_shape == (None, 10)
    assert model.compute_output_shape((None, 784)) == (None, 10)
    spec = model.compute_output_spec(KerasTensor((2, 784)))
    assert spec.shape == (2, 10)


def test_feature_extraction_from_the_sequential_graph():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                                  layers.Dense(5, activation="tanh"), layers.Dense(2)])
    extractor = minikeras.Model(model.inputs, model.layers[1].output)
    assert [layer.name for layer in extractor.layers[1:]] == [l.name for l in model.layers[:2]]
    x = np.random.default_rng(1).normal(size=(6, 4)).astype("float32")
    w1, b1, w2, b2 = model.get_weights()[:4]
    expected = np.tanh(np.maximum(x @ w1 + b1, 0) @ w2 + b2)
    np.testing.assert_allclose(np.asarray(extractor(x).data), expected, rtol=1e-5, atol=1e-6)


def test_add_and_pop_after_build_rebuild_the_inner_functional():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3)])
    first = model._functional
    model.add(layers.Dense(7))
    assert model._functional is not first and model._functional.name == model.name
    assert model.output_shape == (None, 7) and model.outputs[0].shape == (None, 7)
    assert model(np.ones((2, 4), dtype="float32")).shape == (2, 7)
    model.pop()
    assert model.output_shape == (None, 3) and model.outputs[0].shape == (None, 3)
    assert [l.name for l in model._functional.layers[1:]] == [l.name for l in model.layers]
    model.add(layers.Dense(2), rebuild=False)
    assert not model.built and model._functional is None
    model.build()
    assert model.output_shape == (None, 2)


def test_deferred_build_makes_the_inner_functional_at_the_first_call():
    model = minikeras.Sequential([layers.Dense(4), layers.Dense(2)])
    model(np.ones((3, 5), dtype="float32"))
    assert model._functional is not None
    assert model.inputs[0].shape == (None, 5) and model.output_shape == (None, 2)


def test_the_inner_functional_takes_no_auto_name_from_the_user():
    minikeras.utils.clear_session()
    minikeras.Sequential([layers.Input((3,)), layers.Dense(2)])
    deferred = minikeras.Sequential([layers.Dense(2)])
    deferred(np.ones((1, 3), dtype="float32"))
    inputs = layers.Input((3,))
    assert minikeras.Model(inputs, layers.Dense(2)(inputs)).name == "functional"
    assert deferred.name == "sequential_1"


def test_layer_names_must_be_unique_as_in_keras():
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2, name="same")])
    with pytest.raises(ValueError, match="should have unique names. Name 'same' is already"):
        model.add(layers.Dense(2, name="same"))
    assert len(model.layers) == 1 and model.output_shape == (None, 2)


def test_wrong_input_shape_message_is_sequentials_own():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(2)], name="stack")
    message = ('Input 0 of layer "stack" is incompatible with the layer: expected '
               "shape=(None, 4), found shape=(3, 5)")
    with pytest.raises(ValueError) as error:
        model(np.zeros((3, 5), dtype="float32"))
    assert str(error.value) == message
    with pytest.raises(ValueError) as error:
        model.compute_output_spec(KerasTensor((3, 5)))
    assert str(error.value) == message


def test_building_leaves_a_lambda_layers_config_alone():
    # The old graph code wrote each layer's output shape into `layer._output_shape`, which is
    # where Lambda keeps its `output_shape` argument.
    lam = layers.Lambda(lambda x: x * 2)
    model = minikeras.Sequential([layers.Input((4,)), lam, layers.Dense(2)])
    assert "output_shape" not in lam.get_config()
    assert lam.compute_output_shape((None, 4)) == (None, 4)
    lines = []
    model.summary(print_fn=lambda text: lines.extend(text.splitlines()))
    assert any(line.startswith("│ lambda") and "(None, 4)" in line for line in lines)


def test_eager_call_matches_the_inner_functionals_replay():
    model = mlp()
    x = np.random.default_rng(2).normal(size=(3, 784)).astype("float32")
    np.testing.assert_array_equal(np.asarray(model(x).data),
                                  np.asarray(model._functional(x).data))
