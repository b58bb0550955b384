"""Keras 3's `.keras` zip: members, round trips, exact training resume, Keras-written files,
damaged files."""
import io
import json
import zipfile

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.saving import keras_archive
from minikeras.saving.saving_api import load_model

def mlp():
    """No dropout: training runs are deterministic."""
    return minikeras.Sequential([layers.Input((5,)), layers.Dense(8, activation="relu"),
                                 layers.BatchNormalization(), layers.Dense(3, activation="softmax")])


def compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def data(n=64):
    rng = np.random.RandomState(0)
    return rng.rand(n, 5).astype("float32"), rng.randint(0, 3, n)


def assert_same_weights(a, b, atol=0.0):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_allclose(x, y, rtol=0, atol=atol)


# -- the archive ---------------------------------------------------------------------------------
def test_members_metadata_and_config(tmp_path):
    x, y = data()
    model = compiled(mlp())
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        assert [i.filename for i in infos] == ["metadata.json", "config.json", "model.weights.h5"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in infos)
        metadata = json.loads(archive.read("metadata.json"))
        config = json.loads(archive.read("config.json"))
        weights = archive.read("model.weights.h5")
    assert sorted(metadata) == ["date_saved", "keras_version"]
    assert metadata["keras_version"].startswith("3.")
    assert len(metadata["date_saved"]) == 19 and metadata["date_saved"][10] == "@"
    assert config["class_name"] == "Sequential"
    assert config["build_config"] == {"input_shape": [None, 5]}
    compile_config = config["compile_config"]
    assert compile_config["optimizer"]["class_name"] == "Adam"
    assert compile_config["loss"] == "sparse_categorical_crossentropy"
    with h5py.File(io.BytesIO(weights), "r") as f:
        assert f["layers/dense/vars/0"].shape == (5, 8)
        assert f["layers/batch_normalization/vars/3"].shape == (8,)
        assert f["optimizer/vars/0"][()] == 4  # 64 samples / 16 per batch
        assert len(f["optimizer/vars"]) == 2 + 2 * 6


def test_sequential_round_trip(tmp_path):
    x, y = data()
    model = compiled(mlp())
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = load_model(tmp_path / "m.keras")
    assert type(loaded) is minikeras.Sequential and loaded.name == model.name
    assert [l.name for l in loaded.layers] == [l.name for l in model.layers]
    assert_same_weights(model, loaded)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.compiled and type(loaded.optimizer).__name__ == "Adam"
    assert int(loaded.optimizer.iterations.data) == 4
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_training_resumes_exactly(tmp_path):
    x, y = data()
    minikeras.utils.set_random_seed(1)
    reference = compiled(mlp())
    start = reference.get_weights()
    reference.fit(x, y, epochs=4, batch_size=16, shuffle=False, verbose=0)

    first = compiled(mlp())
    first.set_weights(start)
    first.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "half.keras")
    resumed = load_model(tmp_path / "half.keras")
    history = resumed.fit(x, y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    assert_same_weights(reference, resumed, atol=1e-6)
    assert int(resumed.optimizer.iterations.data) == int(reference.optimizer.iterations.data) == 16
    assert sorted(history.history) == ["accuracy", "loss"]


def test_include_optimizer_false_and_compile_false(tmp_path):
    x, y = data()
    model = compiled(mlp())
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "plain.keras", include_optimizer=False)
    with zipfile.ZipFile(tmp_path / "plain.keras") as archive:
        assert json.loads(archive.read("config.json"))["compile_config"] == {}
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
            assert "optimizer" not in f
    plain = load_model(tmp_path / "plain.keras")
    assert not plain.compiled and plain.optimizer is None
    assert_same_weights(model, plain)

    model.save(tmp_path / "full.keras")
    uncompiled = load_model(tmp_path / "full.keras", compile=False)
    assert not uncompiled.compiled
    assert_same_weights(model, uncompiled)


def test_uncompiled_and_unbuilt_models(tmp_path):
    model = mlp()
    model.save(tmp_path / "u.keras")
    loaded = load_model(tmp_path / "u.keras")
    assert not loaded.compiled
    assert_same_weights(model, loaded)
    lazy = minikeras.Sequential([layers.Dense(2)])  # no input shape yet: no weights to save
    lazy.save(tmp_path / "lazy.keras")
    again = load_model(tmp_path / "lazy.keras")
    assert not again.built and len(again.layers) == 1


def test_load_weights_from_keras_file(tmp_path):
    x, y = data()
    model = compiled(mlp())
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "m.keras")
    other = compiled(mlp())
    other.optimizer.build(other.trainable_weights)
    other.load_weights(tmp_path / "m.keras")
    assert_same_weights(model, other)
    assert int(other.optimizer.iterations.data) == 4
    wrong = minikeras.Sequential([layers.Input((5,)), layers.Dense(4), layers.Dense(3)])
    with pytest.raises(ValueError, match=r"'layers/dense/vars/0' has shape \(5, 8\)"):
        wrong.load_weights(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="could not be loaded"):
        wrong.load_weights(tmp_path / "m.keras", skip_mismatch=True)


def test_failed_save_keeps_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "m.keras"
    mlp().save(path)
    before = path.read_bytes()

    def broken(model):
        raise RuntimeError("disk full")
    monkeypatch.setattr(keras_archive, "serialize_model", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        mlp().save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.keras"]


# -- files as Keras 3 writes them ----------------------------------------------------------------
def keras_style_archive(path, kernel, bias, compile_config=None, iteration=None):
    """A `.keras` file written by hand exactly as Keras 3.15 lays it out."""
    dense = {"module": "keras.layers", "class_name": "Dense", "config": {
        "name": "dense", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "units": 2, "activation": "linear", "use_bias": True,
        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                               "config": {"seed": None}, "registered_name": None},
        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros",
                             "config": {}, "registered_name": None},
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
        "bias_constraint": None, "quantization_config": None},
        "registered_name": None, "build_config": {"input_shape": [None, 3]}}
    config = {"module": "keras", "class_name": "Sequential", "config": {
        "name": "sequential", "trainable": True,
        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None},
        "layers": [{"module": "keras.layers", "class_name": "InputLayer", "config": {
            "batch_shape": [None, 3], "dtype": "float32", "sparse": False, "ragged": False,
            "name": "input_layer", "optional": False}, "registered_name": None}, dense],
        "build_input_shape": [None, 3]},
        "registered_name": None, "build_config": {"input_shape": [None, 3]},
        "compile_config": compile_config or {}}
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.create_group("vars").attrs["name"] = "sequential"
        g = f.create_group("layers/dense/vars")
        g.attrs["name"] = "dense"
        g["0"], g["1"] = kernel, bias
        if iteration is not None:
            o = f.create_group("optimizer/vars")
            o.attrs["name"] = "sgd"
            o["0"], o["1"] = np.int32(iteration), np.float32(0.25)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", json.dumps(
            {"keras_version": "3.15.1", "date_saved": "2025-01-31@12:00:00"}))
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", buffer.getvalue())


def test_keras_written_archive_loads(tmp_path):
    rng = np.random.RandomState(3)
    kernel, bias = rng.rand(3, 2).astype("float32"), rng.rand(2).astype("float32")
    sgd = {"module": "keras.optimizers", "class_name": "SGD", "config": {
        "name": "sgd", "learning_rate": 0.25, "weight_decay": None, "clipnorm": None,
        "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "momentum": 0.0, "nesterov": False},
        "registered_name": None}
    compile_config = {"optimizer": sgd, "loss": "mean_squared_error", "loss_weights": None,
                      "metrics": None, "weighted_metrics": None, "run_eagerly": False,
                      "steps_per_execution": 1, "jit_compile": False}
    path = tmp_path / "keras.keras"
    keras_style_archive(path, kernel, bias, compile_config, iteration=11)
    model = load_model(path)
    x = rng.rand(4, 3).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ kernel + bias, rtol=1e-6)
    assert type(model.optimizer).__name__ == "SGD"
    assert int(model.optimizer.iterations.data) == 11
    assert model.optimizer.learning_rate == pytest.approx(0.25)


# -- damaged files -------------------------------------------------------------------------------
def test_corrupted_zip_is_a_value_error_naming_the_file(tmp_path):
    good = tmp_path / "good.keras"
    mlp().save(good)
    truncated = tmp_path / "truncated.keras"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(ValueError, match="truncated.keras"):
        keras_archive.load_keras_archive(truncated)
    garbage = tmp_path / "garbage.keras"
    garbage.write_bytes(b"this is not a zip archive at all" * 10)
    with pytest.raises(ValueError, match="garbage.keras"):
        load_model(garbage)
    with pytest.raises(ValueError, match="garbage.keras"):
        mlp().load_weights(garbage)
    # Flipped bytes inside a stored member: the CRC check fails.
    damaged = bytearray(good.read_bytes())
    start = damaged.find(b'"class_name"')
    damaged[start:start + 12] = b"XXXXXXXXXXXX"
    crc = tmp_path / "crc.keras"
    crc.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="crc.keras"):
        load_model(crc)


def test_missing_or_broken_members(tmp_path):
    path = tmp_path / "partial.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("metadata.json", "{}")
        archive.writestr("config.json", "{}")
    with pytest.raises(ValueError, match=r"partial.keras.*model.weights.h5"):
        load_model(path)
    with pytest.raises(ValueError, match=r"partial.keras.*model.weights.h5"):
        mlp().load_weights(path)

    path = tmp_path / "badjson.keras"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", "{not json")
        archive.writestr("model.weights.h5", b"")
    with pytest.raises(ValueError, match=r"badjson.keras.*config.json is not valid JSON"):
        load_model(path)

    path = tmp_path / "badh5.keras"
    source = tmp_path / "good.keras"
    mlp().save(source)
    with zipfile.ZipFile(source) as archive:
        config = archive.read("config.json")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", config)
        archive.writestr("model.weights.h5", b"not an hdf5 file")
    with pytest.raises(ValueError, match=r"badh5.keras.*model.weights.h5.*not a readable HDF5"):
        load_model(path)


def test_member_names_cannot_escape_and_bombs_are_refused(tmp_path, monkeypatch):
    # Only the three known names are ever read, into memory; other members are ignored.
    path = tmp_path / "extra.keras"
    mlp().save(tmp_path / "base.keras")
    with zipfile.ZipFile(tmp_path / "base.keras") as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("../../escape.txt", "x")
    load_model(path)
    assert not (tmp_path.parent.parent / "escape.txt").exists()
    # A member declaring far more bytes than it stores is refused.
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", "{}")
        archive.writestr("model.weights.h5", b"\0" * 200_000)
    monkeypatch.setattr(keras_archive, "_BOMB_FLOOR_BYTES", 1000)
    with pytest.raises(ValueError, match="decompression bomb"):
        load_model(bomb)


# -- functional, nested and subclassed models ---------------------------------------------------
def test_functional_recurrent_round_trip(tmp_path):
    tokens = layers.Input((6,), dtype="int32")
    e = layers.Embedding(20, 8)(tokens)
    a = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(e)
    b = layers.MultiHeadAttention(2, 3)(a, a)
    c = layers.GRU(3)(layers.LayerNormalization()(b))
    model = minikeras.Model(tokens, layers.Dense(2)(layers.BatchNormalization()(c)))
    model.compile(optimizer="adam", loss="mse")
    x = np.random.RandomState(0).randint(0, 20, (8, 6)).astype("int32")
    model.fit(x, np.zeros((8, 2), "float32"), epochs=1, batch_size=4, verbose=0)
    model.save(tmp_path / "f.keras")
    loaded = load_model(tmp_path / "f.keras")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert int(loaded.optimizer.iterations.data) == 2


def test_nested_model_round_trip(tmp_path):
    inner = minikeras.Sequential([layers.Input((3,)), layers.Dense(4), layers.BatchNormalization()])
    inputs = layers.Input((3,))
    model = minikeras.Model(inputs, layers.Dense(1)(inner(inputs)))
    model.save(tmp_path / "n.keras")
    loaded = load_model(tmp_path / "n.keras")
    assert_same_weights(model, loaded)
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


class Residual(minikeras.Model):
    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.inner = layers.Dense(units, activation="tanh")
        self.heads = [layers.Dense(units), layers.Dense(2)]

    def call(self, x):
        x = x + self.inner(x)
        for head in self.heads:
            x = head(x)
        return x

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model_round_trip_and_resume(tmp_path):
    rng = np.random.RandomState(0)
    x, y = rng.rand(32, 4).astype("float32"), rng.rand(32, 2).astype("float32")
    reference = Residual(name="residual")
    reference(x[:1])
    start = reference.get_weights()
    reference.compile(optimizer="adam", loss="mse")
    reference.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    model = Residual(name="residual")
    model(x[:1])
    model.set_weights(start)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "r.keras")
    with zipfile.ZipFile(tmp_path / "r.keras") as archive:
        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as f:
            assert f["inner/vars/0"].shape == (4, 4)               # attribute names, as Keras
            assert f["heads/dense_1/vars/0"].shape == (4, 2)       # a list: class names
    loaded = load_model(tmp_path / "r.keras", custom_objects={"Residual": Residual})
    assert type(loaded) is Residual and loaded.units == 4
    assert_same_weights(model, loaded)
    loaded.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert_same_weights(reference, loaded, atol=1e-6)


def test_functional_training_resumes_exactly(tmp_path):
    rng = np.random.RandomState(1)
    x, y = rng.rand(24, 5, 3).astype("float32"), rng.rand(24, 2).astype("float32")

    def build():
        inputs = layers.Input((5, 3))
        h = layers.Bidirectional(layers.GRU(4, return_sequences=True))(inputs)
        h = layers.LSTM(3)(layers.LayerNormalization()(h))
        return minikeras.Model(inputs, layers.Dense(2)(h))

    reference = build()
    start = reference.get_weights()
    reference.compile(optimizer="adam", loss="mse")
    reference.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    model = build()
    model.set_weights(start)
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    model.save(tmp_path / "f.keras")
    loaded = load_model(tmp_path / "f.keras")
    loaded.fit(x, y, epochs=2, batch_size=8, shuffle=False, verbose=0)
    assert_same_weights(reference, loaded, atol=1e-6)


# -- against real Keras, when it is installed in this environment ---------------------------------
def test_real_keras_reads_and_writes_archives(tmp_path):
    keras = pytest.importorskip("keras")
    x, y = data()
    ours = compiled(mlp())
    ours.fit(x, y, epochs=1, batch_size=16, verbose=0)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(str(tmp_path / "ours.keras"))
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               ours.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    assert int(theirs.optimizer.iterations.numpy()) == 4
    theirs.fit(x, y, epochs=1, batch_size=16, verbose=0)
    theirs.save(str(tmp_path / "theirs.keras"))
    back = load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), rtol=1e-5, atol=1e-6)
    assert int(back.optimizer.iterations.data) == 8


def test_real_keras_reads_functional_archives(tmp_path):
    keras = pytest.importorskip("keras")
    rng = np.random.RandomState(0)
    x = rng.randint(0, 20, (6, 5)).astype("int32")
    tokens = layers.Input((5,), dtype="int32")
    e = layers.Embedding(20, 8)(tokens)
    h = layers.Bidirectional(layers.LSTM(4, return_sequences=True))(e)
    h = layers.MultiHeadAttention(2, 3)(h, h)
    h = layers.GRU(3)(layers.LayerNormalization()(h))
    ours = minikeras.Model(tokens, layers.Dense(2)(layers.BatchNormalization()(h)))
    ours.compile(optimizer="adam", loss="mse")
    ours.fit(x, rng.rand(6, 2).astype("float32"), epochs=1, batch_size=3, verbose=0)
    ours.save(tmp_path / "f.keras")
    theirs = keras.models.load_model(str(tmp_path / "f.keras"))
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               ours.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
    assert int(theirs.optimizer.iterations.numpy()) == 2
    theirs.save(str(tmp_path / "theirs.keras"))
    back = load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back.predict(x, verbose=0), ours.predict(x, verbose=0),
                               rtol=1e-5, atol=1e-5)
