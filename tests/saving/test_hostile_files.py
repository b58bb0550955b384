"""Loading crafted files: what a hostile `.keras` / `.h5` / `.weights.h5` (or config) can make the
loader do. Each test is a finding of the hostile review (issue 16): a private helper named by a
Lambda in safe mode, a huge dataset declared by a tiny file, and the errors that did not say
what was wrong.
"""
import base64
import gc
import json
import marshal
import os
import tracemalloc
import zipfile

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers, ops
from minikeras.models import Model, load_model, model_from_json
from minikeras.saving.model_config import deserialize_model


def _small_model():
    inputs = layers.Input((3,))
    return Model(inputs, layers.Dense(2, name="dense")(inputs), name="small")


def _peak_bytes(call):
    """(result or exception, peak bytes NumPy and Python allocated while `call` ran)."""
    gc.collect()
    tracemalloc.start()
    try:
        try:
            outcome = call()
        except Exception as error:  # noqa: BLE001 - the caller checks it
            outcome = error
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -- safe mode: a Lambda may only name public functions -----------------------------------------
def _lambda_config(name):
    config = layers.Lambda(ops.abs, name="fn").get_config()
    config["function"]["config"] = name
    return config


def test_lambda_naming_a_private_helper_of_ops_is_refused_in_safe_mode(monkeypatch):
    calls = []
    monkeypatch.setattr(ops, "_private_helper", lambda *a, **k: calls.append(a), raising=False)
    config = _lambda_config("_private_helper")
    config["arguments"] = {"builder": None}
    with pytest.raises(ValueError, match=r"(?s)'_private_helper'.*public op.*safe_mode=False"):
        layers.Lambda.from_config(config)
    with minikeras.saving.custom_object_scope({}):
        with pytest.raises(ValueError, match="safe_mode"):
            layers.deserialize({"class_name": "Lambda", "config": config})
    assert calls == []
    # a file the user trusts may still name it
    assert layers.Lambda.from_config(config, safe_mode=False).function is ops._private_helper


def test_lambda_naming_an_internal_non_keras_op_is_refused_in_safe_mode(tmp_path):
    model = Model(*(lambda i: (i, layers.Lambda(ops.abs, name="fn")(i)))(layers.Input((3,))))
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = members["config.json"].replace(b'"abs"', b'"unbroadcast"')
    with zipfile.ZipFile(tmp_path / "crafted.keras", "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ValueError, match=r"(?s)'unbroadcast'.*safe_mode"):
        load_model(tmp_path / "crafted.keras")


@pytest.mark.parametrize("name, expected", [("abs", ops.abs), ("absolute", ops.abs),
                                            ("shape", ops.shape), ("relu", minikeras.activations.relu),
                                            ("matmul", ops.matmul)])
def test_lambda_naming_public_ops_and_activations_loads_in_safe_mode(name, expected):
    assert layers.Lambda.from_config(_lambda_config(name)).function is expected


# -- Keras 2 marshalled lambdas in .h5 files ----------------------------------------------------
def _keras2_lambda_h5(path):
    inputs = layers.Input((3,))
    model = Model(inputs, layers.Lambda(ops.abs, name="fn")(layers.Dense(3)(inputs)))
    model.save(path)
    code = base64.encodebytes(marshal.dumps((lambda x: x * 2.0).__code__)).decode("ascii")
    with h5py.File(path, "r+") as f:
        config = json.loads(f.attrs["model_config"])
        for layer in config["config"]["layers"]:
            if layer["class_name"] == "Lambda":  # what tf.keras's Lambda.get_config() writes
                layer["config"].update(function=[code, None, None], function_type="lambda",
                                       module="__main__", output_shape=None,
                                       output_shape_type="raw", output_shape_module=None)
        f.attrs["model_config"] = json.dumps(config).encode("utf8")
    return model, code


def test_keras2_marshalled_lambda_is_refused_in_safe_mode_and_loads_without(tmp_path):
    path = tmp_path / "keras2_lambda.h5"
    model, code = _keras2_lambda_h5(path)
    with pytest.raises(ValueError, match=r"(?s)`function` is a Python lambda.*safe_mode=False") \
            as caught:
        load_model(path)
    assert code.strip()[:20] not in str(caught.value)  # the bytecode is not dumped in the message
    loaded = load_model(path, safe_mode=False)
    x = np.random.default_rng(0).standard_normal((2, 3)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0),
                               2.0 * loaded.layers[1](x).numpy(), rtol=1e-6)


# -- a huge dataset declared by a tiny file ------------------------------------------------------
_HUGE = (1 << 13, 1 << 12)  # 2^25 float32 = 128 MiB if it were read


def _replace_with_huge(h5file, dataset_path, dtype="float32"):
    del h5file[dataset_path]
    # chunked and never written: the file stays a few KB, reading it would fill 128 MiB
    h5file.create_dataset(dataset_path, shape=_HUGE, dtype=dtype, chunks=(256, 256),
                          compression="gzip", fillvalue=1)


def _crafted(tmp_path, fmt, dtype="float32"):
    model = _small_model()
    if fmt == "weights.h5":
        path = tmp_path / "m.weights.h5"
        model.save_weights(path)
        with h5py.File(path, "r+") as f:
            _replace_with_huge(f, "layers/dense/vars/0", dtype)
        return path, lambda: _small_model().load_weights(path)
    if fmt == "h5":
        path = tmp_path / "m.h5"
        model.save(path)
        with h5py.File(path, "r+") as f:
            _replace_with_huge(f, "model_weights/dense/dense/kernel", dtype)
        return path, lambda: load_model(path)
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    weights = tmp_path / "inner.weights.h5"
    weights.write_bytes(members["model.weights.h5"])
    with h5py.File(weights, "r+") as f:
        _replace_with_huge(f, "layers/dense/vars/0", dtype)
    members["model.weights.h5"] = weights.read_bytes()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path, lambda: load_model(path)


@pytest.mark.parametrize("fmt", ["weights.h5", "h5", "keras"])
def test_huge_declared_weight_is_refused_from_its_metadata(tmp_path, fmt):
    path, load = _crafted(tmp_path, fmt)
    assert os.path.getsize(path) < 200_000
    outcome, peak = _peak_bytes(load)
    assert isinstance(outcome, ValueError), outcome
    assert "(8192, 4096)" in str(outcome) and "(3, 2)" in str(outcome)
    assert peak < 16 << 20, f"loading took {peak / 2**20:.0f} MiB before refusing"


@pytest.mark.parametrize("fmt", ["weights.h5", "h5"])
@pytest.mark.parametrize("dtype", [h5py.string_dtype(), np.dtype([("a", "f4"), ("b", "i4")])])
def test_non_numeric_weights_are_refused(tmp_path, fmt, dtype):
    model = _small_model()
    path = tmp_path / ("m.weights.h5" if fmt == "weights.h5" else "m.h5")
    (model.save_weights if fmt == "weights.h5" else model.save)(path)
    where = "layers/dense/vars/0" if fmt == "weights.h5" else "model_weights/dense/dense/kernel"
    with h5py.File(path, "r+") as f:
        del f[where]
        f.create_dataset(where, shape=(3, 2), dtype=dtype)
    load = (lambda: _small_model().load_weights(path)) if fmt == "weights.h5" else \
        (lambda: load_model(path))
    with pytest.raises(ValueError, match=r"non-numeric type") as caught:
        load()
    assert "m." in str(caught.value)  # names the file


# -- errors that say what was wrong --------------------------------------------------------------
def test_load_model_and_load_weights_on_a_directory(tmp_path):
    folder = tmp_path / "saved.keras"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"load_model: .*saved.keras' is a directory; expected a "
                                         r"`.keras` zip"):
        load_model(folder)
    with pytest.raises(ValueError, match=r"load_weights: .* is a directory"):
        _small_model().load_weights(str(folder))


def _nested_sequential_config(depth):
    config = {"class_name": "Dense", "config": {"units": 2, "name": "leaf"}}
    for i in range(depth):
        config = {"class_name": "Sequential", "config": {"name": f"s{i}", "layers": [config]}}
    return config


def _deep_json(depth):
    return "".join('{"class_name": "Sequential", "config": {"layers": [' for _ in range(depth)) + \
        "{}" + "]}}" * depth


def test_deeply_nested_configs_are_value_errors(tmp_path):
    with pytest.raises(ValueError, match="nested too deeply"):
        model_from_json(_deep_json(100_000))  # beyond json's own recursion
    with pytest.raises(ValueError, match="nested too deeply"):
        deserialize_model(_nested_sequential_config(400))  # beyond the rebuild's
    model = _small_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        weights = archive.read("model.weights.h5")
    with zipfile.ZipFile(tmp_path / "deep.keras", "w") as archive:
        archive.writestr("config.json", _deep_json(100_000))
        archive.writestr("model.weights.h5", weights)
    with pytest.raises(ValueError, match=r"deep.keras.*nested too deeply"):
        load_model(tmp_path / "deep.keras")
    model.save(tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r+") as f:
        f.attrs["model_config"] = _deep_json(100_000).encode("utf8")
    with pytest.raises(ValueError, match=r"m.h5.*nested too deeply"):
        load_model(tmp_path / "m.h5")


@pytest.mark.parametrize("dtype", ["id", "object", "str", 7])
def test_config_dtype_that_is_not_a_number_type_names_the_layer(dtype):
    config = json.loads(_small_model().to_json())
    config["config"]["layers"][1]["config"]["dtype"] = dtype
    with pytest.raises(ValueError, match=r"Dense config 'dense': invalid `dtype`.*'float32'"):
        model_from_json(json.dumps(config))


def test_config_json_expanding_beyond_64_mib_is_refused(tmp_path):
    model = _small_model()
    model.save(tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    config["padding"] = " " * (65 << 20)
    with zipfile.ZipFile(tmp_path / "big.keras", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", members["model.weights.h5"])
    del config
    assert os.path.getsize(tmp_path / "big.keras") < 1 << 20
    outcome, peak = _peak_bytes(lambda: load_model(tmp_path / "big.keras"))
    assert isinstance(outcome, ValueError) and "config.json" in str(outcome), outcome
    assert "big.keras" in str(outcome)
    assert peak < 8 << 20


def test_config_damaged_into_what_no_layer_expects_names_the_file(tmp_path):
    # found by test_file_mutation_properties.py: one byte of "__keras_tensor__" changed makes a
    # layer's input a plain dict, and Dense's build failed with a bare KeyError
    _small_model().save(tmp_path / "m.h5")
    damaged = tmp_path / "damaged.h5"
    damaged.write_bytes((tmp_path / "m.h5").read_bytes().replace(b'"__keras_tensor__"',
                                                                 b'" _keras_tensor__"'))
    with pytest.raises(ValueError, match=r"damaged\.h5.*config cannot be rebuilt.*KeyError"):
        load_model(damaged)


def test_damaged_weights_h5_structure_is_a_value_error_naming_the_file(tmp_path):
    # found by test_file_mutation_properties.py: a zero byte in the B-tree of the root group made
    # load_weights raise h5py's bare RuntimeError ("ring type mismatch")
    _small_model().save_weights(tmp_path / "m.weights.h5")
    data = bytearray((tmp_path / "m.weights.h5").read_bytes())
    data[120] = 0
    (tmp_path / "damaged.weights.h5").write_bytes(bytes(data))
    with pytest.raises(ValueError, match=r"damaged\.weights\.h5.*truncated or corrupted"):
        _small_model().load_weights(tmp_path / "damaged.weights.h5")
