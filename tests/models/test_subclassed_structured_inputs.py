"""Subclassed models and layers whose `call` takes a dict or a list of tensors.

One build path (Keras 3's): a layer without its own `build` is built by tracing `call` on inputs
nested like the real ones (a dict of tensors stays a dict), so its sublayers get their weights
before the first real call or the first training step. These tests train, evaluate, predict,
summarize, save and reload such models, and check that reloaded models compute the same numbers.
"""
import json
import zipfile

import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.saving import load_model, register_keras_serializable

RNG = np.random.default_rng(11)
N = 48
XA = RNG.normal(size=(N, 3)).astype("float32")
XB = RNG.normal(size=(N, 5)).astype("float32")
Y = (XA[:, :1] - 0.5 * XB[:, 1:2] + 0.1).astype("float32")


@register_keras_serializable(package="structured_inputs")
class DictModel(minikeras.Model):
    """y = head(relu(Dense(x["a"])) + relu(Dense(x["b"]))): two inputs of different widths."""

    def __init__(self, units=6, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.branch_a = layers.Dense(units, activation="relu")
        self.branch_b = layers.Dense(units, activation="relu")
        self.head = layers.Dense(1)

    def call(self, x):
        return self.head(self.branch_a(x["a"]) + self.branch_b(x["b"]))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class ListModel(minikeras.Model):
    """The same network for a list [a, b] (not registered: loaded with `custom_objects`)."""

    def __init__(self, units=6, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.branch_a = layers.Dense(units, activation="relu")
        self.branch_b = layers.Dense(units, activation="relu")
        self.head = layers.Dense(1)

    def call(self, inputs, training=None):
        a, b = inputs
        return self.head(self.branch_a(a) + self.branch_b(b))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class DictSum(layers.Layer):
    """A plain layer (no `build`) whose sublayers only meet the dict's entries inside `call`."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.proj_a = layers.Dense(units)
        self.proj_b = layers.Dense(units)

    def call(self, x):
        return self.proj_a(x["a"]) + self.proj_b(x["b"])


def dict_data(rows=slice(None)):
    return {"a": XA[rows], "b": XB[rows]}


def list_data(rows=slice(None)):
    return [XA[rows], XB[rows]]


CASES = [pytest.param(DictModel, dict_data, {"a": (None, 3), "b": (None, 5)}, id="dict"),
         pytest.param(ListModel, list_data, [(None, 3), (None, 5)], id="list")]
WEIGHT_SHAPES = [(3, 6), (6,), (5, 6), (6,), (6, 1), (1,)]


def compiled(model):
    model.compile(optimizer=minikeras.optimizers.Adam(0.02), loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_eager_call_before_fit_builds_every_sublayer(cls, data, shapes):
    model = cls()
    out = model(data(slice(0, 5)))
    assert tuple(out.shape) == (5, 1)
    assert model.built and all(layer.built for layer in model.layers)
    assert [tuple(w.shape) for w in model.weights] == WEIGHT_SHAPES


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_fit_evaluate_predict_without_a_first_call(cls, data, shapes):
    minikeras.utils.set_random_seed(5)
    model = compiled(cls())
    history = model.fit(data(), Y, epochs=25, batch_size=16, verbose=0)
    assert [tuple(w.shape) for w in model.weights] == WEIGHT_SHAPES
    losses = history.history["loss"]
    assert losses[-1] < 0.3 * losses[0]
    loss, mae = model.evaluate(data(), Y, verbose=0)
    assert loss == pytest.approx(float(np.mean((model.predict(data(), verbose=0) - Y) ** 2)),
                                 rel=1e-5)
    assert mae > 0
    predictions = model.predict(data(), batch_size=7, verbose=0)
    assert predictions.shape == (N, 1)
    np.testing.assert_allclose(predictions, model(data()).numpy(), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_fit_builds_with_the_batch_size_unknown(cls, data, shapes):
    """The build config records the inputs' structure, as Keras's `build_config` does."""
    model = compiled(cls())
    model.fit(data(), Y, epochs=1, batch_size=16, verbose=0)
    assert model._build_input_shape == shapes


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_train_and_test_on_batch(cls, data, shapes):
    model = compiled(cls())
    assert not model.built
    first = model.train_on_batch(data(slice(0, 16)), Y[:16], return_dict=True)
    assert set(first) == {"loss", "mae"}
    weights = model.get_weights()
    model.train_on_batch(data(slice(0, 16)), Y[:16])
    assert all(not np.array_equal(a, b) for a, b in zip(weights, model.get_weights()))
    loss = model.test_on_batch(data(slice(0, 16)), Y[:16])[0]
    assert loss == pytest.approx(float(np.mean(
        (model.predict_on_batch(data(slice(0, 16))) - Y[:16]) ** 2)), rel=1e-5)


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_build_with_a_structure_of_shapes(cls, data, shapes):
    model = cls()
    model.build(shapes)
    assert model.built and [tuple(w.shape) for w in model.weights] == WEIGHT_SHAPES
    assert model.count_params() == 3 * 6 + 6 + 5 * 6 + 6 + 6 + 1
    assert model._build_input_shape == shapes


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_summary_lists_the_sublayers_and_counts(cls, data, shapes):
    model = cls(name="net")
    model(data(slice(0, 2)))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "net" in text
    for layer in model.layers:
        assert layer.name in text
    assert "Total params: 67" in text


def test_compute_output_shape_takes_a_dict_of_shapes():
    model = DictModel()
    assert model.compute_output_shape({"a": (None, 3), "b": (None, 5)}) == (None, 1)
    assert ListModel().compute_output_shape([(2, 3), (2, 5)]) == (2, 1)


def predictions_are_equal(model, loaded, x):
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


def test_dict_model_keras_archive_round_trip_with_a_registered_class(tmp_path):
    model = compiled(DictModel(units=6, name="dict_model"))
    model.fit(dict_data(), Y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["build_config"] == {"input_shape": {"a": [None, 3], "b": [None, 5]}}
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded) is DictModel and loaded.units == 6
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)
    predictions_are_equal(model, loaded, dict_data())
    # the optimizer state came along: one more epoch matches on both
    model.fit(dict_data(), Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    loaded.fit(dict_data(), Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    predictions_are_equal(model, loaded, dict_data())


def test_list_model_keras_archive_round_trip_with_custom_objects(tmp_path):
    model = compiled(ListModel(name="list_model"))
    model.fit(list_data(), Y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        config = json.loads(archive.read("config.json"))
    assert config["build_config"] == {"input_shape": [[None, 3], [None, 5]]}
    loaded = load_model(tmp_path / "m.keras", custom_objects={"ListModel": ListModel})
    assert type(loaded) is ListModel
    predictions_are_equal(model, loaded, list_data())
    loss = model.evaluate(list_data(), Y, verbose=0)
    assert loaded.evaluate(list_data(), Y, verbose=0) == loss


@pytest.mark.parametrize("cls, data, shapes", CASES)
def test_weights_file_into_a_fresh_instance(tmp_path, cls, data, shapes):
    model = compiled(cls())
    model.fit(data(), Y, epochs=2, batch_size=16, verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    built_by_call = cls()
    built_by_call(data(slice(0, 1)))
    built_by_call.load_weights(tmp_path / "m.weights.h5")
    predictions_are_equal(model, built_by_call, data())
    built_by_shapes = cls()
    built_by_shapes.build(shapes)
    built_by_shapes.load_weights(tmp_path / "m.weights.h5")
    predictions_are_equal(model, built_by_shapes, data())


def test_legacy_h5_still_refuses_subclassed_models(tmp_path):
    model = DictModel()
    model(dict_data(slice(0, 1)))
    with pytest.raises(NotImplementedError):
        model.save(tmp_path / "m.h5")


def test_tuple_inputs_work_like_a_list():
    model = compiled(ListModel())
    x = (XA, XB)
    out = model(x)
    assert tuple(out.shape) == (N, 1)
    model.fit(x, Y, epochs=1, batch_size=16, verbose=0)


def test_plain_layer_with_dict_input_and_no_build():
    layer = DictSum(units=4)
    out = layer(dict_data(slice(0, 3)))
    assert tuple(out.shape) == (3, 4)
    assert layer.built and layer.proj_a.built and layer.proj_b.built
    assert [tuple(w.shape) for w in layer.weights] == [(3, 4), (4,), (5, 4), (4,)]
    expected = (XA[:3] @ layer.proj_a.kernel.numpy() + layer.proj_a.bias.numpy()
                + XB[:3] @ layer.proj_b.kernel.numpy() + layer.proj_b.bias.numpy())
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)


def test_plain_layer_with_dict_input_in_a_functional_model(tmp_path):
    inputs = {"a": layers.Input((3,), name="a"), "b": layers.Input((5,), name="b")}
    summed = DictSum(units=4)(inputs)
    assert summed.shape == (None, 4)
    model = compiled(minikeras.Model(inputs, layers.Dense(1)(summed)))
    model.fit(dict_data(), Y, epochs=2, batch_size=16, verbose=0)
    model.save(tmp_path / "f.keras")
    loaded = load_model(tmp_path / "f.keras", custom_objects={"DictSum": DictSum})
    predictions_are_equal(model, loaded, dict_data())


def test_plain_layer_build_takes_a_dict_of_shapes():
    layer = DictSum(units=2)
    layer.build({"a": (None, 3), "b": (None, 5)})
    assert [tuple(w.shape) for w in layer.weights] == [(3, 2), (2,), (5, 2), (2,)]


class OwnBuild(minikeras.Model):
    """A `build` of its own receives the shapes nested like the inputs; it builds one branch
    and leaves the other to the trace of `call`."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.branch_a = layers.Dense(2)
        self.branch_b = layers.Dense(2)
        self.seen = None

    def build(self, input_shape):
        self.seen = input_shape
        self.scale = self.add_weight(shape=(), initializer="ones", name="scale")
        self.branch_a.build(input_shape["a"])

    def call(self, x):
        return self.scale * (self.branch_a(x["a"]) + self.branch_b(x["b"]))


def test_an_overridden_build_gets_the_dict_and_the_trace_builds_the_rest():
    model = OwnBuild()
    model(dict_data(slice(0, 2)))
    assert model.seen == {"a": (2, 3), "b": (2, 5)}
    assert len(model.weights) == 5


def test_fit_after_an_explicit_build_trains_every_weight():
    """`build` marks the model built (as in Keras) even though this one does not say so, and
    does not run twice; `fit` traces `call` for the branch that `build` left unbuilt, so that
    its weights are among those trained."""
    model = OwnBuild()
    model.build({"a": (None, 3), "b": (None, 5)})
    assert model.built and model.seen == {"a": (None, 3), "b": (None, 5)}
    assert len(model.weights) == 3 and not model.branch_b.built
    compiled(model)
    model.fit(dict_data(), Y, epochs=1, batch_size=16, verbose=0)
    assert len(model.weights) == 5
    assert np.all(model.branch_b.bias.numpy() != 0)  # starts at zeros: trained from step 1


def test_the_trace_is_not_a_real_call():
    """Building traces `call` with training=False and keeps no loss or output of its own."""
    calls = []

    class Recorder(minikeras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(1)

        def call(self, x, training=None):
            calls.append(training)
            self.add_loss(minikeras.ops.sum(x["a"]) * 0.0 + 1.0)
            return self.dense(x["a"])

    model = Recorder()
    model(dict_data(slice(0, 2)), training=True)
    assert calls == [False, True]
    assert len(model.losses) == 1


def test_dict_model_called_on_a_dict_of_inputs_inside_a_functional_model(tmp_path):
    inputs = {"a": layers.Input((3,), name="a"), "b": layers.Input((5,), name="b")}
    outputs = DictModel(name="inner")(inputs)
    assert outputs.shape == (None, 1)
    model = compiled(minikeras.Model(inputs, outputs))
    model.fit(dict_data(), Y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "nested.keras")
    loaded = load_model(tmp_path / "nested.keras")
    predictions_are_equal(model, loaded, dict_data())
