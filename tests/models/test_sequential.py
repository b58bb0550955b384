"""Sequential: construction, building, layers/pop, summary table, config, errors."""
import numpy as np
import pytest

import minikeras
from minikeras import layers


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
