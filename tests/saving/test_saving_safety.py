"""Saving, the wide view: frozen, shared and nested layers through every file format, crash
safety of the atomic writes, safe mode, custom objects, damaged files, exact training resume.

The per-format tests (test_legacy_h5.py, test_weights_h5.py, test_keras_archive.py,
test_model_config.py, beside this file) check layouts and Keras interop; every exported layer class goes through
every format in the shared layer test (tests/layers/test_layer_cases.py); this file checks that
saving is safe to use.
"""
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.models import Model, load_model
from minikeras.saving import custom_object_scope, register_keras_serializable
from tests.layers.harness import assert_same_model, randomize_weights, save_and_reload

# -- helpers -----------------------------------------------------------------------------------
FORMATS = ("h5", "keras", "weights.h5")


@register_keras_serializable(package="SavingSafetyTest")
def double_it(x):
    return x * 2.0


# -- 1. frozen, shared and nested layers -------------------------------------------------------
def test_frozen_layers_and_trainable_flags_round_trip(tmp_path):
    inputs = layers.Input((4,))
    h = layers.Dense(3, trainable=False, name="frozen")(inputs)
    h = layers.BatchNormalization(name="bn")(h)
    model = Model(inputs, layers.Dense(2, name="out")(h))
    randomize_weights(model)
    x = np.random.default_rng(0).standard_normal((5, 4)).astype("float32")
    for fmt in FORMATS:
        loaded = save_and_reload(model, str(tmp_path), fmt)
        assert_same_model(model, loaded, x)
        assert not loaded.get_layer("frozen").trainable
        assert len(loaded.trainable_weights) == len(model.trainable_weights) == 4


def test_shared_layers_nested_models_and_two_outputs_round_trip(tmp_path):
    left, right = layers.Input((4,), name="left"), layers.Input((4,), name="right")
    shared = layers.Dense(3, activation="relu", name="shared")
    block = minikeras.Sequential([layers.Input((6,)), layers.Dense(5, name="inner"),
                                  layers.BatchNormalization(name="inner_bn")], name="block")
    joined = block(layers.Concatenate(name="join")([shared(left), shared(right)]))
    again = shared(left)  # a third call of the shared layer
    model = Model([left, right], [layers.Dense(1, name="score")(joined),
                                  layers.Dense(2, name="label")(again)], name="graph")
    randomize_weights(model)
    rng = np.random.default_rng(0)
    x = [rng.standard_normal((3, 4)).astype("float32") for _ in range(2)]
    for fmt in FORMATS:
        loaded = save_and_reload(model, str(tmp_path), fmt)
        assert_same_model(model, loaded, x)
        assert len(loaded.get_layer("shared")._inbound_nodes) == 3


# -- 2. crash safety ---------------------------------------------------------------------------
_SAVER = textwrap.dedent("""
    import sys, time
    import numpy as np
    import minikeras
    from minikeras import layers
    path, fmt = sys.argv[1], sys.argv[2]
    inputs = layers.Input((3500,))
    model = minikeras.Model(inputs, layers.Dense(3500, name="big")(inputs))   # ~49 MB
    kernel, bias = model.get_layer("big").kernel, model.get_layer("big").bias
    kernel.assign(np.full(kernel.shape, 0.25, dtype="float32"))
    def save(k):  # the loop spends nearly all its time inside saves
        bias.assign(np.full(bias.shape, k, dtype="float32"))
        if fmt == "weights.h5":
            model.save_weights(path)
        else:
            model.save(path)
    save(1.0)
    start = time.perf_counter()
    save(2.0)
    print("ready", time.perf_counter() - start, flush=True)  # how long one (warm) save takes
    k = 3.0
    while True:
        save(k)
        k += 1.0
""")


def _leftovers(folder, target):
    return sorted(name for name in os.listdir(folder) if name != os.path.basename(target))


def _big_model():
    inputs = layers.Input((3500,))
    return Model(inputs, layers.Dense(3500, name="big")(inputs))


def _check_complete(path, fmt):
    """The file at `path` is one whole save: the bias holds one save's counter, the kernel
    (49 MB, rewritten by every save) its constant."""
    if fmt == "weights.h5":
        model = _big_model()
        model.load_weights(path)
    else:
        model = load_model(path)
    big = model.get_layer("big")
    value = float(big.bias.numpy()[0])
    assert value >= 1.0 and value == int(value)
    assert np.all(big.bias.numpy() == value)
    assert np.all(big.kernel.numpy() == 0.25)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("fmt", FORMATS)
def test_sigkill_during_save_leaves_the_previous_file(tmp_path, fmt):
    script = tmp_path / "saver.py"
    script.write_text(_SAVER)
    path = tmp_path / "out" / f"big.{fmt}"
    rng = np.random.default_rng(0)
    mid_save_kills = 0
    mid_save_kills = 0
    for attempt in range(8):
        process = subprocess.Popen([sys.executable, str(script), str(path), fmt],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            line = process.stdout.readline()
            assert line.startswith("ready"), process.stderr.read()
            seconds = float(line.split()[1])
            # land inside the next save, while it writes: a kill during its final rename
            # (which frees the replaced file's blocks, so it takes a while) completes the save
            time.sleep(seconds * rng.uniform(0.05, 0.6))
            process.send_signal(signal.SIGKILL)
        finally:
            process.kill()
            process.wait()
            process.stdout.close()
            process.stderr.close()
        assert process.returncode == -signal.SIGKILL
        leftovers = _leftovers(path.parent, path)
        assert all(name.startswith(".tmp-" + path.name + "-") for name in leftovers), leftovers
        _check_complete(str(path), fmt)
        mid_save_kills += bool(leftovers)  # a kill inside a save leaves its temporary file
        if mid_save_kills >= 2:
            break
    assert mid_save_kills >= 1, "no kill landed during a save; the test did not test anything"
    # the next save replaces the file as usual and removes the killed saves' temporaries
    # (their writers' processes are gone)
    model = _big_model()
    if fmt == "weights.h5":
        model.save_weights(path)
    else:
        model.save(path)
    assert _leftovers(path.parent, path) == []
    if fmt == "weights.h5":
        reloaded = _big_model()
        reloaded.load_weights(path)
    else:
        reloaded = load_model(path)
    np.testing.assert_array_equal(reloaded.get_layer("big").kernel.numpy(),
                                  model.get_layer("big").kernel.numpy())


# -- 3. safe mode ------------------------------------------------------------------------------
def _lambda_model(function):
    inputs = layers.Input((3,))
    return Model(inputs, layers.Lambda(function, name="fn")(layers.Dense(3)(inputs)))


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_python_lambda_needs_safe_mode_off(tmp_path, fmt, monkeypatch):
    monkeypatch.setattr(minikeras.backend.config, "_UNSAFE_DESERIALIZATION", False)
    model = _lambda_model(lambda x: x * 2)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    path = tmp_path / f"lambda.{fmt}"
    model.save(path)
    with pytest.raises(ValueError, match=r"(?s)Lambda.*safe_mode=False.*"
                                         r"enable_unsafe_deserialization"):
        load_model(path)
    loaded = load_model(path, safe_mode=False)
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               2 * loaded.layers[1](x).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="safe_mode"):
        load_model(path)  # safe_mode=False did not stick
    minikeras.saving.enable_unsafe_deserialization()  # the process-wide opt-in, as in Keras
    np.testing.assert_array_equal(model.predict(x, verbose=0),
                                  load_model(path).predict(x, verbose=0))


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_registered_function_lambda_loads_in_safe_mode(tmp_path, fmt):
    model = _lambda_model(double_it)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    model.save(tmp_path / f"named.{fmt}")
    loaded = load_model(tmp_path / f"named.{fmt}")
    assert loaded.get_layer("fn").function is double_it
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))


# -- 4. custom objects -------------------------------------------------------------------------
@register_keras_serializable(package="SavingSafetyTest")
class SafetyScale(layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_keras_serializable(package="SavingSafetyTest")
def half_squared_error(y_true, y_pred):
    return minikeras.ops.mean(0.5 * (y_true - y_pred) ** 2, axis=-1)


@register_keras_serializable(package="SavingSafetyTest")
def max_abs_error(y_true, y_pred):
    return minikeras.ops.max(minikeras.ops.abs(y_true - y_pred), axis=-1)


class Unregistered(layers.Layer):
    def __init__(self, offset=1.0, **kwargs):
        super().__init__(**kwargs)
        self.offset = offset

    def call(self, x):
        return x + self.offset

    def get_config(self):
        return {**super().get_config(), "offset": self.offset}


def _regression_data(n=16, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, 3)).astype("float32"),
            rng.standard_normal((n, 2)).astype("float32"))


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_registered_layer_loss_and_metric_round_trip_compiled(tmp_path, fmt):
    x, y = _regression_data()
    inputs = layers.Input((3,))
    model = Model(inputs, layers.Dense(2)(SafetyScale(3.0, name="scale")(inputs)))
    model.compile(optimizer="adam", loss=half_squared_error, metrics=[max_abs_error])
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.save(tmp_path / f"custom.{fmt}")
    loaded = load_model(tmp_path / f"custom.{fmt}", compile=True)
    scale = loaded.get_layer("scale")
    assert type(scale) is SafetyScale and scale.factor == 3.0
    assert loaded.compiled and loaded.loss is half_squared_error
    expected = model.evaluate(x, y, verbose=0, return_dict=True)
    got = loaded.evaluate(x, y, verbose=0, return_dict=True)
    assert sorted(got) == sorted(expected) == ["loss", "max_abs_error"]
    for key in expected:
        assert got[key] == pytest.approx(expected[key], rel=1e-6)
    model.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    loaded.fit(x, y, epochs=1, batch_size=8, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_unregistered_layer_needs_custom_objects(tmp_path, fmt):
    inputs = layers.Input((3,))
    model = Model(inputs, Unregistered(0.5, name="shift")(layers.Dense(3)(inputs)))
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    path = tmp_path / f"unregistered.{fmt}"
    model.save(path)
    with pytest.raises(ValueError, match=r"(?s)'Unregistered'.*custom_objects"):
        load_model(path)
    loaded = load_model(path, custom_objects={"Unregistered": Unregistered})
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    with custom_object_scope({"Unregistered": Unregistered}):
        scoped = load_model(path)
    assert type(scoped.get_layer("shift")) is Unregistered
    assert scoped.get_layer("shift").offset == 0.5
    np.testing.assert_array_equal(model.predict(x, verbose=0), scoped.predict(x, verbose=0))


class AutoConfigured(layers.Layer):
    """No get_config: plain constructor arguments are recorded (Keras 3's auto-config)."""

    def __init__(self, units, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.units, self.scale = units, scale

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")

    def call(self, x):
        return minikeras.ops.matmul(x, self.kernel) * self.scale


class TakesAnArray(layers.Layer):
    """No get_config and a constructor argument no config can hold."""

    def __init__(self, table, **kwargs):
        super().__init__(**kwargs)
        self.table = np.asarray(table, dtype="float32")

    def call(self, x):
        return x * self.table


class ForgetsItsArguments(layers.Layer):
    """A get_config that leaves out the constructor's required `units`."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    def call(self, x):
        return x * self.units

    def get_config(self):
        return super().get_config()


CUSTOM = {"AutoConfigured": AutoConfigured, "TakesAnArray": TakesAnArray,
          "ForgetsItsArguments": ForgetsItsArguments}


@pytest.mark.parametrize("fmt", ["keras", "h5"])
def test_layers_without_get_config(tmp_path, fmt):
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    inputs = layers.Input((3,))
    model = Model(inputs, AutoConfigured(2, scale=0.5, name="auto")(inputs))
    model.save(tmp_path / f"auto.{fmt}")
    loaded = load_model(tmp_path / f"auto.{fmt}", custom_objects=CUSTOM)
    assert loaded.get_layer("auto").units == 2 and loaded.get_layer("auto").scale == 0.5
    np.testing.assert_array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))

    # Keras 3 refuses at save time (NotImplementedError), naming what to implement
    inputs = layers.Input((3,))
    model = Model(inputs, TakesAnArray(np.array([1.0, 2.0, 3.0]), name="arr")(inputs))
    path = tmp_path / f"array.{fmt}"
    with pytest.raises(NotImplementedError, match=r"(?s)TakesAnArray.*`table`.*get_config"):
        model.save(path)
    assert os.listdir(tmp_path) == [f"auto.{fmt}"]  # nothing written, no temporary file left

    # Keras 3 saves, and fails at load time naming the missing argument
    inputs = layers.Input((3,))
    model = Model(inputs, ForgetsItsArguments(3, name="forgets")(inputs))
    path = tmp_path / f"forgets.{fmt}"
    model.save(path)
    with pytest.raises(TypeError, match=r"(?s)ForgetsItsArguments.*'units'"):
        load_model(path, custom_objects=CUSTOM)


# -- 5. damaged and wrong files ----------------------------------------------------------------
def _small_model(units=3):
    inputs = layers.Input((4,))
    h = layers.Dense(units, name="hidden")(inputs)
    return Model(inputs, layers.Dense(2, name="out")(h), name="small")


def _not_a_model_h5(path):
    with h5py.File(path, "w") as f:
        f["data"] = np.arange(10)
        f.attrs["note"] = "an HDF5 file, but no Keras model"


def _truncated_h5(path):
    model = _small_model()
    model.compile(optimizer="adam", loss="mse")
    model.save(path)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])


def _random_bytes(path):
    with open(path, "wb") as f:
        f.write(np.random.default_rng(0).bytes(4096))


def _empty_file(path):
    open(path, "wb").close()


def _zip_without_config(path):
    _small_model().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name != "config.json":
                archive.writestr(name, data)


def _zip_without_weights(path):
    _small_model().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            if name != "model.weights.h5":
                archive.writestr(name, data)


def _truncated_keras(path):
    _small_model().save(path)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])


def _weights_file_truncated(path):
    _small_model().save_weights(path)
    data = open(path, "rb").read()
    with open(path, "wb") as f:
        f.write(data[:len(data) // 2])


def _h5_without_a_dataset(path):
    _small_model().save(path)
    with h5py.File(path, "r+") as f:
        group = f["model_weights/hidden"]
        name = group.attrs["weight_names"][0]
        del group[name.decode() if isinstance(name, bytes) else name]


def _h5_with_garbled_config(path):
    _small_model().save(path)
    with h5py.File(path, "r+") as f:
        f.attrs["model_config"] = '{"class_name": "Functional", "config": {"layers": [{'


def _replace_member(path, member, transform):
    _small_model().save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, transform(data) if name == member else data)


def _keras_with_garbled_config(path):
    _replace_member(path, "config.json", lambda data: data[:len(data) // 2])


def _keras_with_truncated_weights(path):
    _replace_member(path, "model.weights.h5", lambda data: data[:len(data) // 2])


#: name -> (how to make the damaged file, the calls that must fail on it)
BOTH, MODEL = ("load_model", "load_weights"), ("load_model",)
DAMAGED = {
    "not_a_model.h5": (_not_a_model_h5, BOTH),
    "truncated.h5": (_truncated_h5, BOTH),
    "random.h5": (_random_bytes, BOTH),
    "empty.h5": (_empty_file, BOTH),
    "no_dataset.h5": (_h5_without_a_dataset, BOTH),
    "garbled_config.h5": (_h5_with_garbled_config, MODEL),
    "random.keras": (_random_bytes, BOTH),
    "empty.keras": (_empty_file, BOTH),
    "truncated.keras": (_truncated_keras, BOTH),
    "no_config.keras": (_zip_without_config, MODEL),
    "no_weights.keras": (_zip_without_weights, BOTH),
    "garbled_config.keras": (_keras_with_garbled_config, MODEL),
    "truncated_weights.keras": (_keras_with_truncated_weights, BOTH),
    "truncated.weights.h5": (_weights_file_truncated, BOTH),
    "random.weights.h5": (_random_bytes, BOTH),
}


@pytest.mark.parametrize("name, how", [(name, how) for name in sorted(DAMAGED)
                                       for how in DAMAGED[name][1]])
def test_damaged_files_give_value_errors_naming_the_file(tmp_path, name, how):
    path = tmp_path / name
    DAMAGED[name][0](str(path))
    with pytest.raises(ValueError) as info:
        if how == "load_model":
            load_model(path)
        else:
            _small_model().load_weights(path)
    assert name in str(info.value)


def test_not_a_model_file_for_load_weights_and_weights_file_for_load_model(tmp_path):
    _not_a_model_h5(str(tmp_path / "plain.h5"))
    with pytest.raises(ValueError, match="plain.h5"):
        _small_model().load_weights(tmp_path / "plain.h5")
    _small_model().save_weights(tmp_path / "only.weights.h5")
    with pytest.raises(ValueError, match=r"only\.weights\.h5"):
        load_model(tmp_path / "only.weights.h5")
    # a .keras zip without config.json still holds loadable weights (load_weights reads only
    # model.weights.h5, as in Keras)
    model = _small_model()
    randomize_weights(model)
    path = tmp_path / "noconf.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        weights = archive.read("model.weights.h5")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.weights.h5", weights)
    other = _small_model()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("call", ["load_model", "load_weights"])
@pytest.mark.parametrize("name", ["missing.h5", "missing.keras", "missing.weights.h5"])
def test_missing_paths_are_file_not_found(tmp_path, call, name):
    with pytest.raises(FileNotFoundError, match="missing"):
        if call == "load_model":
            load_model(tmp_path / name)
        else:
            _small_model().load_weights(tmp_path / name)


@pytest.mark.parametrize("fmt", FORMATS)
def test_weights_that_do_not_fit_name_the_layer_and_both_shapes(tmp_path, fmt):
    path = tmp_path / f"wide.{fmt}"
    wide = _small_model(units=5)
    if fmt == "weights.h5":
        wide.save_weights(path)
    else:
        wide.save(path)
    narrow = _small_model(units=3)
    before = [w.copy() for w in narrow.get_weights()]
    with pytest.raises(ValueError) as info:
        narrow.load_weights(path)
    message = str(info.value)
    assert "hidden" in message
    assert "(4, 5)" in message and "(4, 3)" in message
    for a, b in zip(before, narrow.get_weights()):  # nothing half-loaded
        np.testing.assert_array_equal(a, b)


# -- 6. exact training resume, two outputs -----------------------------------------------------
def _two_heads():
    inputs = layers.Input((6,), name="x")
    h = layers.Dense(8, activation="relu", name="trunk")(inputs)
    h = layers.BatchNormalization(name="bn")(h)
    value = layers.Dense(1, name="value")(h)
    label = layers.Dense(3, activation="softmax", name="label")(h)
    model = Model(inputs, [value, label], name="two_heads")
    model.compile(optimizer=minikeras.optimizers.Adam(learning_rate=0.01),
                  loss={"value": "mean_squared_error",
                        "label": "sparse_categorical_crossentropy"},
                  loss_weights={"value": 0.5, "label": 1.0},
                  metrics={"label": ["accuracy"]})
    return model


@pytest.mark.parametrize("fmt", ["h5", "keras"])
def test_two_output_training_resumes_exactly(tmp_path, fmt):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((40, 6)).astype("float32")
    y = {"value": rng.standard_normal((40, 1)).astype("float32"),
         "label": rng.integers(0, 3, 40)}
    fit = dict(batch_size=8, shuffle=False, verbose=0)
    reference = _two_heads()
    start = reference.get_weights()
    full = reference.fit(x, y, epochs=4, **fit).history

    first = _two_heads()
    first.set_weights(start)
    first.fit(x, y, epochs=2, **fit)
    first.save(tmp_path / f"half.{fmt}")
    resumed = load_model(tmp_path / f"half.{fmt}")
    second = resumed.fit(x, y, epochs=2, **fit).history

    assert int(resumed.optimizer.iterations.numpy()) == 20
    assert sorted(second) == sorted(full)
    for key in full:
        np.testing.assert_allclose(second[key], full[key][2:], rtol=0, atol=1e-6, err_msg=key)
    assert len(reference.weights) == len(resumed.weights)
    for a, b in zip(reference.weights, resumed.weights):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6, err_msg=a.path)
    for a, b in zip(reference.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6, err_msg=a.path)
