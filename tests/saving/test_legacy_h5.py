"""Legacy HDF5 files: whole models (`model.save("m.h5")`, Keras 2 and 3) and Keras 2 weight files.

Keras-written files are not stored in the repository: the Keras 2 / Keras 3 layouts are built
here with h5py from the facts in shared/research/H5_FORMAT.md (verified on real files), and a
test at the end cross-checks against real Keras when `keras` is importable.
"""
import json
import warnings

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers, losses, metrics, optimizers
from minikeras.saving import compile_config, legacy_h5
from minikeras.utils.random import set_random_seed


# -- helpers -----------------------------------------------------------------------------------
def load_model(path, **kwargs):
    return minikeras.models.load_model(path, **kwargs)


def load_weights(model, path, **kwargs):
    return model.load_weights(path, **kwargs)


def seq_mlp(name="seq_mlp", dropout=True):
    stack = [layers.Input((4,)), layers.Dense(3, activation="relu", name="d1"),
             layers.BatchNormalization(name="bn")]
    if dropout:
        stack.append(layers.Dropout(0.5, name="drop"))
    stack.append(layers.Dense(2, activation="softmax", name="d2"))
    return minikeras.Sequential(stack, name=name)


def seq_cnn():
    return minikeras.Sequential([
        layers.Input((8, 8, 3)), layers.Conv2D(4, (3, 2), padding="same", name="conv"),
        layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="dw"),
        layers.SeparableConv2D(5, 3, padding="same", name="sep"),
        layers.Conv2DTranspose(6, (2, 3), strides=2, padding="same", name="convT"),
        layers.MaxPooling2D(name="pool"), layers.BatchNormalization(name="bn"),
        layers.Flatten(name="flat"), layers.Dense(2, name="head")], name="cnn")


def seq_rnn():
    return minikeras.Sequential([
        layers.Input((6,), dtype="int32"), layers.Embedding(20, 8, name="emb"),
        layers.SimpleRNN(3, return_sequences=True, name="srnn"),
        layers.LSTM(4, return_sequences=True, name="lstm"),
        layers.Bidirectional(layers.GRU(5, return_sequences=True), name="bidi"),
        layers.GRU(5, reset_after=False, name="gru_v1"), layers.Dense(1, name="out")],
        name="rnn")


def data(n=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((n, 4), dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, n)]
    return x, y


def names(attribute):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in np.asarray(attribute).tolist()]


def assert_same_weights(a, b):
    assert len(a.weights) == len(b.weights)
    for va, vb in zip(a.weights, b.weights):
        np.testing.assert_array_equal(va.numpy(), vb.numpy())


def perturb(model, seed=1):
    """Give every weight (BN statistics included) non-trivial values."""
    rng = np.random.default_rng(seed)
    for variable in model.weights:
        variable.assign(rng.uniform(0.5, 1.5, variable.shape).astype(variable.dtype))


# -- layout ------------------------------------------------------------------------------------
def test_file_layout_is_keras3s(tmp_path):
    model = seq_mlp()
    model.compile(optimizer=optimizers.Adam(name="adam"), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(*data(), epochs=1, verbose=0)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        assert f.attrs["keras_version"] == "3.15.1" and f.attrs["backend"] == "numpy"
        config = json.loads(f.attrs["model_config"])
        assert config["class_name"] == "Sequential"
        for entry in config["config"]["layers"]:  # legacy style: no module / registered_name
            assert set(entry) == {"class_name", "config"}
        training = json.loads(f.attrs["training_config"])
        assert training["loss"] == "categorical_crossentropy"
        assert training["metrics"] == ["accuracy"]
        assert training["optimizer_config"]["class_name"] == "Adam"
        assert training["optimizer_config"]["config"]["learning_rate"] == 0.0010000000474974513
        group = f["model_weights"]
        assert names(group.attrs["layer_names"]) == ["d1", "bn", "drop", "d2"]
        assert group.attrs["keras_version"] in (b"3.15.1", "3.15.1")
        assert names(group["bn"].attrs["weight_names"]) == [
            "seq_mlp/bn/gamma", "seq_mlp/bn/beta", "seq_mlp/bn/moving_mean",
            "seq_mlp/bn/moving_variance"]
        assert group["d1/seq_mlp/d1/kernel"].shape == (4, 3)
        empty = group["drop"].attrs["weight_names"]
        assert empty.dtype == np.float64 and empty.shape == (0,)
        assert group["top_level_model_weights"].attrs["weight_names"].shape == (0,)
        slots = [f"adam/seq_mlp_{v}_{s}" for v in ("d1_kernel", "d1_bias", "bn_gamma", "bn_beta",
                                                    "d2_kernel", "d2_bias")
                 for s in ("momentum", "velocity")]
        optimizer_names = names(f["optimizer_weights"].attrs["weight_names"])
        assert optimizer_names == ["adam/iteration", "adam/learning_rate"] + slots
        assert f["optimizer_weights/adam/iteration"].dtype == np.int32
        assert f["optimizer_weights/adam/iteration"][()] == 1


def test_frozen_and_nested_layers_store_trainable_weights_first(tmp_path):
    model = seq_mlp()
    model.get_layer("bn").trainable = False
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        assert names(f["model_weights/bn"].attrs["weight_names"])[0] == "seq_mlp/bn/gamma"
    sub = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, name="sd1"),
                                layers.BatchNormalization(name="sbn"), layers.Dense(2, name="sd2")],
                               name="sub")
    order = [w.name for w in legacy_h5.legacy_weights(sub)]
    assert order == ["kernel", "bias", "gamma", "beta", "kernel", "bias", "moving_mean",
                     "moving_variance"]


# -- round trips -------------------------------------------------------------------------------
@pytest.mark.parametrize("make,x", [
    (seq_mlp, np.random.default_rng(0).random((5, 4), dtype=np.float32)),
    (seq_cnn, np.random.default_rng(0).random((3, 8, 8, 3), dtype=np.float32)),
    (seq_rnn, np.random.default_rng(0).integers(0, 20, (3, 6)).astype("int32")),
], ids=["mlp", "cnn", "rnn"])
def test_round_trip_predictions_and_weights(tmp_path, make, x):
    model = make()
    perturb(model)
    path = tmp_path / "m.h5"
    model.save(path)
    loaded = load_model(path)
    assert type(loaded) is type(model) and loaded.name == model.name
    assert [(type(a).__name__, a.name) for a in loaded.layers] == \
        [(type(b).__name__, b.name) for b in model.layers]
    assert_same_weights(model, loaded)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not loaded.compiled


def test_exact_training_resume_with_adam(tmp_path):
    """2 epochs, save, load, 2 more epochs == 4 epochs in one go (Adam moments restored)."""
    x, y = data(40)
    set_random_seed(3)
    reference = seq_mlp(dropout=False)
    initial = reference.get_weights()

    def compile_(model):
        model.compile(optimizer=optimizers.Adam(0.01), loss="categorical_crossentropy",
                      metrics=["accuracy"])
    compile_(reference)
    reference.fit(x, y, batch_size=8, epochs=4, shuffle=False, verbose=0)

    first = seq_mlp(dropout=False)
    first.set_weights(initial)
    compile_(first)
    first.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    first.save(tmp_path / "half.h5")
    resumed = load_model(tmp_path / "half.h5")
    assert int(resumed.optimizer.iterations.data) == 10
    history = resumed.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    for a, b in zip(resumed.weights, reference.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)
    assert resumed.optimizer.name == first.optimizer.name
    for a, b in zip(resumed.optimizer.variables, reference.optimizer.variables):
        assert a.path.split("/", 1)[1] == b.path.split("/", 1)[1]
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("optimizer", [
    lambda: optimizers.SGD(0.05, momentum=0.9, nesterov=True),
    lambda: optimizers.RMSprop(0.01, momentum=0.5, centered=True),
    lambda: optimizers.Adam(optimizers.schedules.ExponentialDecay(0.01, 3, 0.5), amsgrad=True),
    lambda: optimizers.AdamW(0.01, weight_decay=0.1),
], ids=["sgd", "rmsprop", "adam-schedule", "adamw"])
def test_optimizer_state_round_trips(tmp_path, optimizer):
    x, y = data(16)
    model = seq_mlp(dropout=False)
    model.compile(optimizer=optimizer(), loss="mean_squared_error")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    model.save(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5")
    assert type(loaded.optimizer) is type(model.optimizer)
    assert loaded.optimizer.get_config() == model.optimizer.get_config()
    assert [v.path for v in loaded.optimizer.variables] == \
        [v.path for v in model.optimizer.variables]
    for a, b in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    loaded.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(loaded.weights, model.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)


def test_optimizer_saved_before_its_first_step(tmp_path):
    model = seq_mlp()
    model.compile(optimizer=optimizers.Adam(name="adam"), loss="categorical_crossentropy")
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert names(f["optimizer_weights"].attrs["weight_names"]) == ["adam/iteration",
                                                                       "adam/learning_rate"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loaded = load_model(tmp_path / "m.h5")
    assert loaded.optimizer.built and int(loaded.optimizer.iterations.data) == 0
    loaded.fit(*data(8), verbose=0)


def test_include_optimizer_false_and_compile_false(tmp_path):
    model = seq_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(*data(8), verbose=0)
    model.save(tmp_path / "bare.h5", include_optimizer=False)
    with h5py.File(tmp_path / "bare.h5", "r") as f:
        assert "training_config" not in f.attrs and "optimizer_weights" not in f
    assert not load_model(tmp_path / "bare.h5").compiled
    model.save(tmp_path / "full.h5")
    loaded = load_model(tmp_path / "full.h5", compile=False)
    assert not loaded.compiled and loaded.optimizer is None
    assert_same_weights(model, loaded)


# -- training configuration --------------------------------------------------------------------
def test_short_aliases_are_written_out(tmp_path):
    """Keras 3 cannot read "mse" back from .h5: losses get full names; metric aliases become
    class configs keeping the typed name, so the logged names survive the round trip."""
    model = seq_mlp()
    model.compile(optimizer="sgd", loss="mse", metrics=["mae", "acc", metrics.AUC(name="auc")],
                  weighted_metrics=["MSE"])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        training = json.loads(f.attrs["training_config"])
    assert training["loss"] == "mean_squared_error"
    assert training["metrics"][0] == {"class_name": "MeanAbsoluteError",
                                      "config": {"name": "mae", "dtype": "float32"}}
    assert training["metrics"][1] == "acc"
    assert training["metrics"][2]["class_name"] == "AUC"
    assert set(training["metrics"][2]) == {"class_name", "config"}
    assert training["weighted_metrics"] == [{"class_name": "MeanSquaredError",
                                             "config": {"name": "MSE", "dtype": "float32"}}]
    loaded = load_model(tmp_path / "m.h5")
    x, y = data(8)
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True))
    assert set(loaded.evaluate(x, y, verbose=0, return_dict=True)) == {"loss", "mae", "acc",
                                                                       "auc", "MSE"}


def test_loss_objects_loss_weights_and_custom_functions(tmp_path):
    def scaled_error(y_true, y_pred):
        return minikeras.ops.mean((y_true - y_pred) ** 2, axis=-1) * 3.0

    model = seq_mlp()
    model.compile(optimizer=optimizers.Adam(0.005, clipnorm=1.0),
                  loss=losses.CategoricalCrossentropy(label_smoothing=0.1), loss_weights=2.0,
                  metrics=[scaled_error])
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        training = json.loads(f.attrs["training_config"])
    assert training["loss"]["class_name"] == "CategoricalCrossentropy"
    assert training["loss"]["config"]["label_smoothing"] == 0.1
    assert training["loss_weights"] == 2.0 and training["metrics"] == ["scaled_error"]
    with pytest.raises(ValueError, match="scaled_error.*custom_objects"):
        load_model(tmp_path / "m.h5")
    loaded = load_model(tmp_path / "m.h5", custom_objects={"scaled_error": scaled_error})
    assert loaded.loss.get_config() == model.loss.get_config()
    assert loaded.loss_weights == 2.0 and loaded.optimizer.clipnorm == 1.0
    x, y = data(8)
    assert loaded.evaluate(x, y, verbose=0, return_dict=True) == pytest.approx(
        model.evaluate(x, y, verbose=0, return_dict=True))


def test_compile_config_in_keras3_keras_style():
    model = seq_mlp()
    assert compile_config.get_compile_config(model) == {}
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy", "mse"])
    config = compile_config.get_compile_config(model)
    # As keras 3.15.1's model.get_compile_config(), except the optimizer's "module" (Keras names
    # its torch class there; "keras.optimizers" reads back in Keras as well).
    assert list(config) == ["optimizer", "loss", "loss_weights", "metrics", "weighted_metrics",
                            "run_eagerly", "steps_per_execution", "jit_compile"]
    assert config["optimizer"]["module"] == "keras.optimizers"
    assert config["optimizer"]["class_name"] == "Adam"
    assert config["optimizer"]["config"]["epsilon"] == 1e-07
    assert config["loss"] == "categorical_crossentropy"
    assert config["metrics"] == ["accuracy", "mse"]  # as typed, like Keras 3
    assert config["loss_weights"] is None and config["weighted_metrics"] is None
    assert config["run_eagerly"] is False and config["steps_per_execution"] == 1
    json.dumps(config)

    model.compile(optimizer="sgd", loss=losses.Huber(delta=2.0), metrics=[metrics.AUC()])
    config = compile_config.get_compile_config(model)
    assert config["loss"]["module"] == "keras.losses" and config["loss"]["registered_name"] is None
    assert config["metrics"][0]["class_name"] == "AUC"

    fresh = seq_mlp()
    compile_config.compile_from_config(fresh, json.loads(json.dumps(config)))
    assert fresh.compiled and isinstance(fresh.optimizer, optimizers.SGD)
    assert fresh.optimizer.built  # ready for a saved optimizer state, as in Keras
    assert fresh.loss.get_config() == model.loss.get_config()
    fresh.fit(*data(8), verbose=0)


def test_keras2_optimizer_and_metric_spellings():
    training = {
        "loss": {"class_name": "CategoricalCrossentropy",
                 "config": {"reduction": "auto", "name": "categorical_crossentropy",
                            "from_logits": False, "label_smoothing": 0.0, "axis": -1}},
        "metrics": [[{"class_name": "MeanMetricWrapper",
                      "config": {"name": "accuracy", "dtype": "float32",
                                 "fn": "categorical_accuracy"}},
                     {"class_name": "MeanMetricWrapper",
                      "config": {"name": "mse", "dtype": "float32", "fn": "mean_squared_error"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
            "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "jit_compile": True, "is_legacy_optimizer": False,
            "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
            "epsilon": 1e-07, "amsgrad": False}},
    }
    model = seq_mlp()
    arguments = compile_config.compile_args_from_training_config(training, model=model)
    assert isinstance(arguments["optimizer"], optimizers.Adam)
    assert arguments["optimizer"].name == "Adam"
    assert arguments["loss"].reduction == "sum_over_batch_size"
    accuracy, mse = arguments["metrics"]
    assert isinstance(accuracy, metrics.CategoricalAccuracy) and accuracy.name == "accuracy"
    assert isinstance(mse, metrics.MeanSquaredError) and mse.name == "mse"
    # Keras 1 / early Keras 2 optimizers: "lr", decay=0.0
    old = compile_config.deserialize_optimizer(
        {"class_name": "SGD", "config": {"name": "SGD", "lr": 0.5, "momentum": 0.9,
                                         "decay": 0.0, "nesterov": False}})
    assert old.learning_rate == 0.5 and old.momentum == 0.9
    with pytest.raises(ValueError, match="Unknown optimizer 'Nonsense'"):
        compile_config.deserialize_optimizer({"class_name": "Nonsense", "config": {}})
    with pytest.raises(ValueError, match="optimizer_config"):
        compile_config.compile_args_from_training_config({"loss": "mse"})


# -- attribute chunking ------------------------------------------------------------------------
def test_attributes_over_64512_bytes_are_chunked(tmp_path):
    stack = [layers.Input((3,)), layers.Dense(2, name="first")]
    stack += [layers.Identity(name=f"identity_{'x' * 100}_{i:04d}") for i in range(700)]
    stack += [layers.Dense(1, name="last")]
    model = minikeras.Sequential(stack, name="deep")
    perturb(model)
    model.save(tmp_path / "deep.h5")
    with h5py.File(tmp_path / "deep.h5", "r") as f:
        attrs = f["model_weights"].attrs
        assert "layer_names" not in attrs
        pieces = [names(attrs[f"layer_names{i}"]) for i in range(2)]
        assert "layer_names2" not in attrs
        assert pieces[0] + pieces[1] == [layer.name for layer in model.layers]
        for piece in pieces:
            assert len(piece) * max(len(n) for n in piece) <= legacy_h5.HDF5_OBJECT_HEADER_LIMIT
    loaded = load_model(tmp_path / "deep.h5")
    assert len(loaded.layers) == 702
    assert_same_weights(model, loaded)


def test_chunked_weight_names_are_read(tmp_path):
    model = seq_mlp()
    perturb(model)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r+") as f:  # split d1's weight_names in two, as Keras would
        group = f["model_weights/d1"]
        weight_names = names(group.attrs["weight_names"])
        del group.attrs["weight_names"]
        group.attrs["weight_names0"] = [weight_names[0].encode()]
        group.attrs["weight_names1"] = [weight_names[1].encode()]
    assert_same_weights(model, load_model(path))


# -- files written by Keras 2 / tf.keras (built by hand, H5_FORMAT.md Appendix C) --------------
def keras2_weights(seed=5):
    rng = np.random.default_rng(seed)
    f32 = lambda *shape: rng.uniform(-1, 1, shape).astype("float32")  # noqa: E731
    return {"d1": [("d1/kernel:0", f32(4, 3)), ("d1/bias:0", f32(3))],
            "bn": [("bn/gamma:0", f32(3)), ("bn/beta:0", f32(3)),
                   ("bn/moving_mean:0", f32(3)), ("bn/moving_variance:0", f32(3) + 1.5)],
            "drop": [],
            "d2": [("d2/kernel:0", f32(3, 2)), ("d2/bias:0", f32(2))]}


def keras2_reference_predict(weights, x):
    w = {name: value for entries in weights.values() for name, value in entries}
    h = np.maximum(x @ w["d1/kernel:0"] + w["d1/bias:0"], 0)
    h = w["bn/gamma:0"] * (h - w["bn/moving_mean:0"]) / np.sqrt(w["bn/moving_variance:0"] + 1e-3) \
        + w["bn/beta:0"]
    z = h @ w["d2/kernel:0"] + w["d2/bias:0"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


KERAS2_MODEL_CONFIG = {"class_name": "Sequential", "config": {"name": "seq_mlp", "layers": [
    {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                            "sparse": False, "ragged": False, "name": "input_1"}},
    {"class_name": "Dense", "config": {
        "name": "d1", "trainable": True, "dtype": "float32", "units": 3, "activation": "relu",
        "use_bias": True, "kernel_initializer": {"class_name": "GlorotUniform",
                                                 "config": {"seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None}},
    {"class_name": "BatchNormalization", "config": {
        "name": "bn", "trainable": True, "dtype": "float32", "axis": [1], "momentum": 0.99,
        "epsilon": 0.001, "center": True, "scale": True,
        "beta_initializer": {"class_name": "Zeros", "config": {}},
        "gamma_initializer": {"class_name": "Ones", "config": {}},
        "moving_mean_initializer": {"class_name": "Zeros", "config": {}},
        "moving_variance_initializer": {"class_name": "Ones", "config": {}},
        "beta_regularizer": None, "gamma_regularizer": None, "beta_constraint": None,
        "gamma_constraint": None}},
    {"class_name": "Dropout", "config": {"name": "drop", "trainable": True, "dtype": "float32",
                                         "rate": 0.5, "noise_shape": None, "seed": None}},
    {"class_name": "Dense", "config": {"name": "d2", "trainable": True, "dtype": "float32",
                                       "units": 2, "activation": "softmax", "use_bias": True}},
]}}

KERAS2_TRAINING_CONFIG = {
    "loss": "categorical_crossentropy",
    "metrics": [[{"class_name": "MeanMetricWrapper",
                  "config": {"name": "accuracy", "dtype": "float32",
                             "fn": "categorical_accuracy"}}]],
    "weighted_metrics": None, "loss_weights": None,
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
        "jit_compile": True, "is_legacy_optimizer": False, "learning_rate": 0.0010000000474974513,
        "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}}


def write_weights_group(group, weights, layer_order=("d1", "bn", "drop", "d2")):
    group.attrs["backend"] = b"tensorflow"
    group.attrs["keras_version"] = b"2.21.0"
    group.attrs["layer_names"] = [name.encode() for name in layer_order]
    for layer_name in layer_order:
        layer_group = group.create_group(layer_name)
        entries = weights[layer_name]
        if entries:
            layer_group.attrs["weight_names"] = [n.encode() for n, _ in entries]
        else:
            layer_group.attrs["weight_names"] = np.asarray([])
        for name, value in entries:
            layer_group.create_dataset(name, data=value)
    group.create_group("top_level_model_weights").attrs["weight_names"] = np.asarray([])


def write_keras2_model_file(path, weights, iteration=7, training=True):
    rng = np.random.default_rng(9)
    slots = []
    with h5py.File(path, "w") as f:
        f.attrs["backend"] = "tensorflow"
        f.attrs["keras_version"] = "2.21.0"
        f.attrs["model_config"] = json.dumps(KERAS2_MODEL_CONFIG).encode()
        write_weights_group(f.create_group("model_weights"), weights)
        if training:
            f.attrs["training_config"] = json.dumps(KERAS2_TRAINING_CONFIG).encode()
            group = f.create_group("optimizer_weights")
            entries = [("iteration:0", np.asarray(iteration, dtype="int64"))]
            for layer in ("d1", "bn", "d2"):
                for name, value in weights[layer][:2]:  # trainable: kernel/bias, gamma/beta
                    for slot in ("m", "v"):
                        entries.append((f"Adam/{slot}/{name}",
                                        rng.random(value.shape).astype("float32")))
            group.attrs["weight_names"] = [n.encode() for n, _ in entries]
            for name, value in entries:
                group.create_dataset(name, data=value)
            slots = entries
    return slots


def test_keras2_model_file(tmp_path):
    weights = keras2_weights()
    path = tmp_path / "k2.h5"
    saved_optimizer = write_keras2_model_file(path, weights)
    model = load_model(path)
    assert [layer.name for layer in model.layers] == ["d1", "bn", "drop", "d2"]
    x = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), keras2_reference_predict(weights, x),
                               rtol=1e-5, atol=1e-6)
    # compiled as saved: Custom>Adam, categorical crossentropy, accuracy (a MeanMetricWrapper)
    assert isinstance(model.optimizer, optimizers.Adam) and model.optimizer.name == "Adam"
    variables = model.optimizer.variables
    assert variables[0].dtype == np.int32 and int(variables[0].data) == 7
    assert float(variables[1].data) == pytest.approx(0.001)  # kept: Keras 2 saves no rate
    for (name, value), variable in zip(saved_optimizer[1:], variables[2:]):
        np.testing.assert_array_equal(variable.numpy(), value)
    assert variables[2].path == "Adam/seq_mlp_d1_kernel_momentum"
    history = model.fit(x, np.eye(2, dtype="float32")[[0, 1] * 3], verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert int(model.optimizer.iterations.data) == 8


def test_keras2_optimizer_saved_before_its_first_step(tmp_path):
    path = tmp_path / "k2.h5"
    write_keras2_model_file(path, keras2_weights(), iteration=0)
    with h5py.File(path, "r+") as f:  # tf.keras writes only the step counter before training
        del f["optimizer_weights"]
        group = f.create_group("optimizer_weights")
        group.attrs["weight_names"] = [b"iteration:0"]
        group.create_dataset("iteration:0", data=np.asarray(3, dtype="int64"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = load_model(path)
    assert int(model.optimizer.iterations.data) == 3
    assert all(not v.numpy().any() for v in model.optimizer.variables[2:])


@minikeras.saving.register_keras_serializable(package="legacy_h5_test")
class ScaledError(losses.Loss):
    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return minikeras.ops.mean((y_true - y_pred) ** 2, axis=-1) * self.scale

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def test_registered_custom_loss_class(tmp_path):
    model = seq_mlp()
    model.compile(optimizer="adam", loss=ScaledError(scale=4.0, name="scaled"))
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        loss = json.loads(f.attrs["training_config"])["loss"]
    assert loss == {"class_name": "legacy_h5_test>ScaledError",
                    "config": {"name": "scaled", "reduction": "sum_over_batch_size",
                               "scale": 4.0}}
    loaded = load_model(tmp_path / "m.h5")
    assert isinstance(loaded.loss, ScaledError) and loaded.loss.scale == 4.0
    x, y = data(8)
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))


def test_keras2_sequential_without_input_layer(tmp_path):
    config = json.loads(json.dumps(KERAS2_MODEL_CONFIG))
    layer_configs = config["config"]["layers"][1:]
    layer_configs[0]["config"]["batch_input_shape"] = [None, 4]
    config["config"]["layers"] = layer_configs
    weights = keras2_weights()
    path = tmp_path / "k2_old.h5"
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.2.4"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        write_weights_group(f.create_group("model_weights"), weights)
    model = load_model(path)
    x = np.random.default_rng(1).random((3, 4), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), keras2_reference_predict(weights, x),
                               rtol=1e-5, atol=1e-6)


# -- load_weights: layouts A and B, topological and by name ------------------------------------
def write_layout_b(path, weights, layer_order=("d1", "bn", "drop", "d2")):
    with h5py.File(path, "w") as f:
        write_weights_group(f, weights, layer_order)


def test_keras2_weights_file_topological(tmp_path):
    weights = keras2_weights()
    write_layout_b(tmp_path / "w.h5", weights)
    model = seq_mlp(name="other_name")  # names in the file do not matter topologically
    for layer, new_name in zip(model.layers, ["a", "b", "c", "e"]):
        layer.name = new_name
    load_weights(model, tmp_path / "w.h5")
    x = np.random.default_rng(2).random((5, 4), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0), keras2_reference_predict(weights, x),
                               rtol=1e-5, atol=1e-6)


def test_keras2_weights_file_by_name(tmp_path):
    weights = keras2_weights()
    write_layout_b(tmp_path / "w.h5", weights, layer_order=("d2", "drop", "bn", "d1"))
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu", name="d1"),
                                  layers.Dense(3, name="extra"),
                                  layers.BatchNormalization(name="bn"),
                                  layers.Dense(2, activation="softmax", name="d2")])
    extra_before = model.get_layer("extra").get_weights()
    load_weights(model, tmp_path / "w.h5", by_name=True)
    for layer in ("d1", "bn", "d2"):
        for variable, (_, value) in zip(legacy_h5.legacy_weights(model.get_layer(layer)),
                                        weights[layer]):
            np.testing.assert_array_equal(variable.numpy(), value)
    for a, b in zip(model.get_layer("extra").get_weights(), extra_before):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="Layer count mismatch"):  # topologically: 4 vs 3
        load_weights(model, tmp_path / "w.h5")


def test_load_weights_from_a_whole_model_file(tmp_path):
    source = seq_mlp()
    perturb(source)
    source.save(tmp_path / "m.h5")
    target = seq_mlp(name="target")
    load_weights(target, tmp_path / "m.h5")
    assert_same_weights(source, target)
    other = seq_mlp(name="target2")
    load_weights(other, tmp_path / "m.h5", by_name=True)
    assert_same_weights(source, other)


def test_skip_mismatch(tmp_path):
    weights = keras2_weights()
    weights["d2"] = [("d2/kernel:0", np.ones((3, 5), "float32")),
                     ("d2/bias:0", np.ones(5, "float32"))]
    write_layout_b(tmp_path / "w.h5", weights)
    model = seq_mlp()
    d2_before = model.get_layer("d2").get_weights()
    with pytest.raises(ValueError, match=r"'d2'.*\(3, 2\).*\(3, 5\)"):
        load_weights(model, tmp_path / "w.h5")
    with pytest.warns(UserWarning, match="Skipping loading weights for layer 'd2'"):
        load_weights(model, tmp_path / "w.h5", skip_mismatch=True)
    np.testing.assert_array_equal(model.get_layer("d1").get_weights()[0], weights["d1"][0][1])
    np.testing.assert_array_equal(model.get_layer("d2").get_weights()[0], d2_before[0])
    model = seq_mlp()
    with pytest.warns(UserWarning, match="Skipping loading weights for layer 'd2'"):
        load_weights(model, tmp_path / "w.h5", by_name=True, skip_mismatch=True)
    np.testing.assert_array_equal(model.get_layer("bn").get_weights()[3], weights["bn"][3][1])


# -- errors ------------------------------------------------------------------------------------
def test_wrong_shapes_name_the_layer_and_both_shapes(tmp_path):
    small = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, name="d1"),
                                  layers.Dense(2, name="d2")])
    small.save(tmp_path / "small.h5")
    big = minikeras.Sequential([layers.Input((4,)), layers.Dense(5, name="d1"),
                                layers.Dense(2, name="d2")])
    before = big.get_weights()
    with pytest.raises(ValueError) as error:
        load_weights(big, tmp_path / "small.h5")
    message = str(error.value)
    assert "'d1'" in message and "(4, 5)" in message and "(4, 3)" in message
    for a, b in zip(big.get_weights(), before):  # nothing was half loaded
        np.testing.assert_array_equal(a, b)
    wrong_count = minikeras.Sequential([layers.Input((4,)), layers.Dense(3, name="d1"),
                                        layers.Dense(2, use_bias=False, name="d2")])
    with pytest.raises(ValueError, match=r"'d2' \(Dense\) expects 1 weight"):
        load_weights(wrong_count, tmp_path / "small.h5")


def test_not_a_model_file(tmp_path):
    write_layout_b(tmp_path / "weights.h5", keras2_weights())
    with pytest.raises(ValueError, match="weights.h5 is a weights-only file.*load_weights"):
        load_model(tmp_path / "weights.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f.create_dataset("x", data=np.arange(3))
    with pytest.raises(ValueError, match="other.h5 is not a Keras model file: it has no "
                                         "`model_config`"):
        load_model(tmp_path / "other.h5")
    with pytest.raises(ValueError, match="other.h5 holds no Keras weights"):
        load_weights(seq_mlp(), tmp_path / "other.h5")
    with h5py.File(tmp_path / "k3.weights.h5", "w") as f:
        f.create_group("layers/dense/vars")
    with pytest.raises(ValueError, match="Keras 3 weights-only file"):
        load_model(tmp_path / "k3.weights.h5")


def test_truncated_file(tmp_path):
    model = seq_mlp()
    model.save(tmp_path / "m.h5")
    raw = (tmp_path / "m.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(raw[:len(raw) // 2])
    with pytest.raises(ValueError, match="cut.h5.*truncated, corrupted"):
        load_model(tmp_path / "cut.h5")


@pytest.mark.parametrize("damage,expected", [
    (lambda f: f.__delitem__("model_weights"), "no `model_weights` group"),
    (lambda f: f["model_weights/d1"].attrs.__delitem__("weight_names"),
     "layer 'd1' has no `weight_names`"),
    (lambda f: f["model_weights"].__delitem__("bn"), "layer 'bn'.*has no group"),
    (lambda f: f["model_weights/d2/seq_mlp/d2"].__delitem__("bias"),
     "weight 'seq_mlp/d2/bias' of layer 'd2' is missing"),
    (lambda f: f.attrs.__setitem__("model_config", b'{"class_name": "Seq'), "not valid JSON"),
    (lambda f: f["model_weights"].attrs.__delitem__("layer_names"), "no `layer_names`"),
], ids=["no-weights-group", "no-weight-names", "no-layer-group", "no-dataset", "bad-json",
        "no-layer-names"])
def test_damaged_files_raise_clear_errors(tmp_path, damage, expected):
    model = seq_mlp()
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r+") as f:
        damage(f)
    with pytest.raises(ValueError, match=expected):
        load_model(path)


def test_mismatched_optimizer_state_warns_and_starts_fresh(tmp_path):
    model = seq_mlp()
    model.compile(optimizer=optimizers.Adam(name="adam"), loss="categorical_crossentropy")
    model.fit(*data(8), verbose=0)
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r+") as f:
        group = f["optimizer_weights/adam"]
        del group["seq_mlp_d2_bias_velocity"]
        group.create_dataset("seq_mlp_d2_bias_velocity", data=np.zeros(7, "float32"))
    with pytest.warns(UserWarning, match="freshly initialized optimizer"):
        loaded = load_model(path)
    assert int(loaded.optimizer.iterations.data) == 0
    loaded.fit(*data(8), verbose=0)


def test_unknown_loss_asks_for_custom_objects(tmp_path):
    model = seq_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    path = tmp_path / "m.h5"
    model.save(path)
    with h5py.File(path, "r+") as f:
        training = json.loads(f.attrs["training_config"])
        training["loss"] = "my_special_loss"
        f.attrs["training_config"] = json.dumps(training).encode()
    with pytest.raises(ValueError, match="my_special_loss.*compile=False"):
        load_model(path)
    assert not load_model(path, compile=False).compiled


# -- functional models ------------------------------------------------------------------------
def test_functional_round_trip_and_layer_order(tmp_path):
    a = layers.Input((5,), name="in_a")
    b = layers.Input((5,), name="in_b")
    da = layers.Dense(4, name="da")(a)
    db = layers.Dense(4, name="db")(b)
    added = layers.Add(name="add")([da, db])
    merged = layers.Concatenate(name="cat")([added, db])
    out = layers.Dense(1, activation="sigmoid", name="out")(merged)
    model = minikeras.Model([a, b], out, name="func2")
    perturb(model)
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    rng = np.random.default_rng(0)
    x = [rng.random((8, 5), dtype=np.float32), rng.random((8, 5), dtype=np.float32)]
    y = rng.integers(0, 2, (8, 1)).astype("float32")
    model.fit(x, y, verbose=0)
    model.save(tmp_path / "f.h5")
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert names(f["model_weights"].attrs["layer_names"]) == [
            "in_a", "in_b", "da", "db", "add", "cat", "out"]
        assert json.loads(f.attrs["model_config"])["class_name"] == "Functional"
    loaded = load_model(tmp_path / "f.h5")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    for p, q in zip(loaded.optimizer.variables, model.optimizer.variables):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    model.fit(x, y, verbose=0, shuffle=False)
    loaded.fit(x, y, verbose=0, shuffle=False)
    for p, q in zip(loaded.weights, model.weights):
        np.testing.assert_allclose(p.numpy(), q.numpy(), atol=1e-6)


def test_functional_layer_order_and_nested_model(tmp_path):
    """layer_names follow Keras's model.layers order (H5_FORMAT.md section 5: a2, deeper, comes
    before b); a nested model stores all trainable weights before the non-trainable ones."""
    i = layers.Input((4,), name="i")
    a = layers.Dense(3, name="a")(i)
    b = layers.Dense(3, name="b")(i)
    a2 = layers.Dense(3, name="a2")(a)
    sub = minikeras.Sequential([layers.Input((3,)), layers.Dense(3, name="sd1"),
                                layers.BatchNormalization(name="sbn"),
                                layers.Dense(2, name="sd2")], name="sub")
    out = layers.Dense(1, name="o")(sub(layers.Add(name="add")([a2, b])))
    model = minikeras.Model(i, out, name="order")
    perturb(model)
    model.save(tmp_path / "f.h5")
    with h5py.File(tmp_path / "f.h5", "r") as f:
        assert names(f["model_weights"].attrs["layer_names"]) == ["i", "a", "a2", "b", "add",
                                                                  "sub", "o"]
        assert names(f["model_weights/sub"].attrs["weight_names"]) == [
            "sub/sd1/kernel", "sub/sd1/bias", "sub/sbn/gamma", "sub/sbn/beta", "sub/sd2/kernel",
            "sub/sd2/bias", "sub/sbn/moving_mean", "sub/sbn/moving_variance"]
    loaded = load_model(tmp_path / "f.h5")
    x = np.random.default_rng(0).random((5, 4), dtype=np.float32)
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))


def test_keras2_functional_file(tmp_path):
    """A tf.keras functional file: class "Model", list-style inbound nodes, `:0` names."""
    dense = lambda name, units, activation: {  # noqa: E731
        "class_name": "Dense", "name": name, "inbound_nodes": [],
        "config": {"name": name, "trainable": True, "dtype": "float32", "units": units,
                   "activation": activation, "use_bias": True}}
    first, second = dense("da", 3, "tanh"), dense("out", 2, "linear")
    first["inbound_nodes"] = [[["in_a", 0, 0, {}]]]
    second["inbound_nodes"] = [[["da", 0, 0, {}]]]
    config = {"class_name": "Model", "config": {
        "name": "k2_func", "layers": [
            {"class_name": "InputLayer", "name": "in_a", "inbound_nodes": [],
             "config": {"batch_input_shape": [None, 4], "dtype": "float32", "sparse": False,
                        "ragged": False, "name": "in_a"}},
            first, second],
        "input_layers": [["in_a", 0, 0]], "output_layers": [["out", 0, 0]]}}
    rng = np.random.default_rng(4)
    kernel_a, bias_a = rng.random((4, 3), dtype=np.float32), rng.random(3, dtype=np.float32)
    kernel_o, bias_o = rng.random((3, 2), dtype=np.float32), rng.random(2, dtype=np.float32)
    weights = {"in_a": [], "da": [("da/kernel:0", kernel_a), ("da/bias:0", bias_a)],
               "out": [("out/kernel:0", kernel_o), ("out/bias:0", bias_o)]}
    with h5py.File(tmp_path / "k2f.h5", "w") as f:
        f.attrs["keras_version"] = "2.21.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config).encode()
        write_weights_group(f.create_group("model_weights"), weights, ("in_a", "da", "out"))
    model = load_model(tmp_path / "k2f.h5")
    x = rng.random((3, 4), dtype=np.float32)
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               np.tanh(x @ kernel_a + bias_a) @ kernel_o + bias_o, rtol=1e-5)


def test_subclassed_models_are_refused_like_keras(tmp_path):
    class Tiny(minikeras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = layers.Dense(2)

        def call(self, inputs):
            return self.dense(inputs)

    model = Tiny(name="tiny")
    model(np.zeros((1, 3), "float32"))
    (tmp_path / "tiny.h5").write_bytes(b"keep me")
    with pytest.raises(NotImplementedError, match="requires the model to be a Functional.*"
                                                  r"tiny\.keras"):
        model.save(tmp_path / "tiny.h5")
    assert (tmp_path / "tiny.h5").read_bytes() == b"keep me"  # the old file is untouched


def test_weight_count_mismatch_can_be_skipped(tmp_path):
    weights = keras2_weights()
    weights["d1"] = weights["d1"][:1]  # kernel only
    write_layout_b(tmp_path / "w.h5", weights)
    model = seq_mlp()
    with pytest.raises(ValueError, match=r"'d1' \(Dense\) expects 2 weight.*have 1 element"):
        load_weights(model, tmp_path / "w.h5")
    with pytest.warns(UserWarning, match="Skipping loading weights for layer 'd1'"):
        load_weights(model, tmp_path / "w.h5", skip_mismatch=True)
    np.testing.assert_array_equal(model.get_layer("d2").get_weights()[0], weights["d2"][0][1])


def test_damaged_bytes_give_value_errors(tmp_path):
    """Overwrite 32 bytes at many places: loading either works or raises a ValueError naming
    the file, never a raw h5py OSError / KeyError / RuntimeError."""
    model = seq_mlp()
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(*data(8), verbose=0)
    model.save(tmp_path / "m.h5")
    raw = (tmp_path / "m.h5").read_bytes()
    rng = np.random.default_rng(0)
    failures = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for offset in range(0, len(raw), 211):
            damaged = bytearray(raw)
            damaged[offset:offset + 32] = rng.integers(0, 256, 32, dtype=np.uint8).tobytes()
            (tmp_path / "bad.h5").write_bytes(bytes(damaged))
            try:
                load_model(tmp_path / "bad.h5")
            except ValueError as error:
                assert "bad.h5" in str(error)
                failures += 1
    assert failures > 10


# -- real Keras, when it is importable in this process -----------------------------------------
def test_cross_load_with_real_keras(tmp_path):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).random((6, 4), dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1, 1, 0, 1, 0]]
    reference = keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(3, activation="relu", name="d1"),
        keras.layers.BatchNormalization(name="bn"), keras.layers.Dropout(0.5, name="drop"),
        keras.layers.Dense(2, activation="softmax", name="d2")], name="seq_mlp")
    reference.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    reference.fit(x, y, epochs=2, verbose=0)
    reference.save(tmp_path / "k3.h5")
    ours = load_model(tmp_path / "k3.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0), reference.predict(x, verbose=0),
                               atol=1e-6)
    assert int(ours.optimizer.iterations.data) == 2
    ours.save(tmp_path / "mk.h5")
    theirs = keras.models.load_model(tmp_path / "mk.h5")
    np.testing.assert_allclose(theirs.predict(x, verbose=0), ours.predict(x, verbose=0),
                               atol=1e-6)
