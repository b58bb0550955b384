"""Keras's public names outside `ops` / `random`: each importable, and the real thing.

The top level (`minikeras.Loss is minikeras.losses.Loss`, `version()`), `minikeras.backend`
(dtype rules, uids, `clear_session`, `name_scope`), `minikeras.saving`'s one-argument
`serialize_keras_object` / `deserialize_keras_object`, and `minikeras.utils` (`Progbar`,
`Config`, `get_source_inputs` and the re-exports)."""
import contextlib
import io
import json

import numpy as np
import pytest

import minikeras
from minikeras import backend, layers, losses, optimizers, saving, utils
from minikeras.backend import name_scopes as name_scope_module


# -- the top level ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name, where", [
    ("Loss", losses.Loss), ("Metric", minikeras.metrics.Metric),
    ("Optimizer", optimizers.Optimizer), ("Initializer", minikeras.initializers.Initializer),
    ("Regularizer", minikeras.regularizers.Regularizer), ("InputSpec", layers.InputSpec),
    ("KerasTensor", backend.KerasTensor), ("name_scope", backend.name_scope),
])
def test_top_level_names_are_the_package_classes(name, where):
    assert getattr(minikeras, name) is where


def test_operation_and_function_are_the_graph_classes():
    from minikeras.ops.function import Function
    from minikeras.ops.operation import Operation
    assert minikeras.Operation is Operation and minikeras.Function is Function
    assert issubclass(minikeras.Layer, minikeras.Operation)
    x = layers.Input((3,))
    fn = minikeras.Function(x, layers.Dense(2)(x))
    assert fn([np.ones((4, 3), "float32")]).shape == (4, 2)   # a flat list, one per input
    assert isinstance(x, minikeras.KerasTensor)


def test_version_is_the_package_version():
    assert minikeras.version() == minikeras.__version__
    assert isinstance(minikeras.version(), str)


# -- keras.backend ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype, expected", [
    (None, "float32"), (int, "int32"), (float, "float32"), (bool, "bool"), ("int", "int32"),
    (np.float64, "float64"), (np.dtype("int8"), "int8"), ("f4", "float32"),
    ("bfloat16", "bfloat16"), ("uint16", "uint16"),
])
def test_standardize_dtype(dtype, expected):
    assert backend.standardize_dtype(dtype) == expected
    assert utils.standardize_dtype is backend.standardize_dtype


def test_standardize_dtype_rejects_unknown_types():
    with pytest.raises(ValueError, match="Invalid dtype: 'float7'"):
        backend.standardize_dtype("float7")


@pytest.mark.parametrize("dtypes, expected", [
    ((), "float32"), (("int32", "float16"), "float16"), (("uint8", "int8"), "int16"),
    (("uint32", "int32"), "int64"), (("int64", "float32"), "float32"),
    (("bfloat16", "float16"), "float32"), (("float16", float), "float16"),
    (("int8", int), "int8"), (("bool", int), "int32"), ((int, float), "float32"),
    (("int8", float), "float32"), (("bool", "bool"), "bool"), ((None, "float16"), "float32"),
    (("float64", "int64"), "float64"), (("uint64", "int64"), "float32"),
    (("float32", "complex64"), "complex64"),
])
def test_result_type_follows_keras_promotion(dtypes, expected):
    assert backend.result_type(*dtypes) == expected


def test_weak_types_follow_floatx():
    backend.set_floatx("float64")
    try:
        assert backend.result_type(int, float) == "float64"
        assert backend.result_type() == "float64"
        assert backend.result_type("int8", float) == "float64"
    finally:
        backend.set_floatx("float32")


def test_result_type_refuses_float8():
    with pytest.raises(ValueError, match="float8"):
        backend.result_type("float8_e4m3fn", "float32")


@pytest.mark.parametrize("dtype, is_float, is_int", [
    ("float16", True, False), ("bfloat16", True, False), ("int8", False, True),
    ("uint32", False, True), ("bool", False, False), (float, True, False), (int, False, True),
])
def test_is_float_and_int_dtype(dtype, is_float, is_int):
    assert backend.is_float_dtype(dtype) is is_float
    assert backend.is_int_dtype(dtype) is is_int


def test_get_uid_counts_per_prefix_and_clear_session_resets():
    backend.clear_session()
    assert [backend.get_uid("t"), backend.get_uid("t"), backend.get_uid("u")] == [1, 2, 1]
    assert layers.Dense(1).name == "dense" and layers.Dense(1).name == "dense_1"
    backend.clear_session()
    assert backend.get_uid("t") == 1
    assert layers.Dense(1).name == "dense"
    assert utils.clear_session is backend.clear_session


def test_is_keras_tensor():
    assert backend.is_keras_tensor(layers.Input((2,)))
    assert not backend.is_keras_tensor(np.ones(2))
    assert utils.is_keras_tensor is backend.is_keras_tensor


def test_name_scope_nests_deduplicates_and_unwinds():
    assert name_scope_module.current_path() == ""
    with minikeras.name_scope("block"):
        with minikeras.name_scope("dense"):
            assert name_scope_module.current_path() == "block/dense"
            with minikeras.name_scope("dense"):   # same name as its parent: not repeated
                assert name_scope_module.current_path() == "block/dense"
            with minikeras.name_scope("dense", deduplicate=False):
                assert name_scope_module.current_path() == "block/dense/dense"
        with minikeras.name_scope("x", override_parent="other"):
            assert name_scope_module.current_path() == "other/x"
    assert name_scope_module.current_path() == ""
    with pytest.raises(ValueError, match="name_scope"):
        minikeras.name_scope("a/b")


# -- keras.saving ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [
    "CustomObjectScope", "custom_object_scope", "get_custom_objects", "get_registered_name",
    "get_registered_object", "register_keras_serializable", "serialize_keras_object",
    "deserialize_keras_object", "load_model", "save_model", "save_weights", "load_weights",
])
def test_saving_and_utils_names(name):
    assert hasattr(saving, name)
    if name not in ("load_model", "save_model", "save_weights", "load_weights"):
        assert getattr(utils, name) is getattr(saving, name)


@pytest.mark.parametrize("make", [
    lambda: layers.Dense(3, activation="relu"), lambda: losses.Huber(delta=2.0),
    lambda: optimizers.Adam(learning_rate=0.01), lambda: minikeras.initializers.GlorotUniform(seed=1),
    lambda: minikeras.regularizers.L2(0.1), lambda: minikeras.constraints.MaxNorm(2.0),
    lambda: minikeras.metrics.AUC(num_thresholds=50),
    lambda: optimizers.schedules.ExponentialDecay(0.1, 10, 0.9),
])
def test_serialize_deserialize_keras_object_round_trip(make):
    obj = make()
    config = saving.serialize_keras_object(obj)
    assert json.loads(json.dumps(config)) == config
    assert config["class_name"] == type(obj).__name__ and config["registered_name"] is None
    again = saving.deserialize_keras_object(config)
    assert type(again) is type(obj) and again.get_config() == obj.get_config()


def test_serialize_keras_object_writes_functions_as_keras():
    config = saving.serialize_keras_object(minikeras.activations.relu)
    # the exact dict Keras 3.15 writes for a built-in function
    assert config == {"module": "builtins", "class_name": "function", "config": "relu",
                      "registered_name": "function"}
    assert saving.deserialize_keras_object(config) is minikeras.activations.relu
    loss_fn = saving.serialize_keras_object(losses.mean_squared_error)
    assert saving.deserialize_keras_object(loss_fn) is losses.mean_squared_error
    with pytest.raises(TypeError, match="lambda"):
        saving.serialize_keras_object(lambda x: x)


def test_plain_values_round_trip():
    value = {"a": [1, 2.5, "s", None, True], "b": (1, 2), "c": np.float32(1.5)}
    config = saving.serialize_keras_object(value)
    assert config == {"a": [1, 2.5, "s", None, True], "b": (1, 2), "c": 1.5}
    assert saving.deserialize_keras_object(config) == {"a": [1, 2.5, "s", None, True],
                                                       "b": (1, 2), "c": 1.5}
    array = np.arange(6, dtype="int8").reshape(2, 3)
    again = saving.deserialize_keras_object(saving.serialize_keras_object(array))
    assert again.dtype == np.int8 and np.array_equal(again, array)
    assert saving.deserialize_keras_object(saving.serialize_keras_object(b"hi")) == b"hi"
    tuple_config = {"class_name": "__tuple__", "config": {"value": [1, 2]}}
    assert saving.deserialize_keras_object(tuple_config) == (1, 2)


def test_models_round_trip_built():
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(2)])
    config = saving.serialize_keras_object(model)
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    again = saving.deserialize_keras_object(config)
    assert again.built and again.count_params() == model.count_params()


def test_user_classes_and_custom_objects():
    class Scaler:
        def __init__(self, factor=1.0):
            self.factor = factor

        def get_config(self):
            return {"factor": self.factor}

    config = saving.serialize_keras_object(Scaler(3.0))
    assert config["class_name"] == "Scaler" and config["registered_name"] == "Scaler"
    again = saving.deserialize_keras_object(config, custom_objects={"Scaler": Scaler})
    assert isinstance(again, Scaler) and again.factor == 3.0
    with saving.custom_object_scope({"Scaler": Scaler}):
        assert saving.deserialize_keras_object(config).factor == 3.0
    assert saving.deserialize_keras_object("Scaler", custom_objects={"Scaler": Scaler}) is Scaler
    assert saving.deserialize_keras_object("just text") == "just text"


def test_stored_lambdas_are_refused():
    with pytest.raises(ValueError, match="safe mode"):
        saving.deserialize_keras_object({"class_name": "__lambda__", "config": {"value": "x"}})


# -- keras.utils -----------------------------------------------------------------------------------
def _printed(run):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        run()
    return out.getvalue()


def test_progbar_averages_stateless_metrics_and_shows_stateful_ones():
    bar = utils.Progbar(4, width=8, interval=0, stateful_metrics=["acc"])
    text = _printed(lambda: [bar.update(step, [("loss", float(step)), ("acc", step / 10)])
                             for step in (1, 3)])
    assert "1/4" in text and "3/4" in text and "loss: 1.0000" in text
    # loss at step 3: (1 * 1 + 3 * 2) / 3 steps, weighted by the steps since the last update
    assert "loss: 2.3333" in text and "acc: 0.3000" in text
    assert text.count("━") == 2 + 6  # the filled part of the bar grows with the steps
    final = _printed(lambda: bar.add(1, [("loss", 9.0)]))
    assert "4/4" in final and final.endswith("\n") and "loss: 9.0000" in final


def test_progbar_verbose_modes_and_unknown_target():
    quiet = utils.Progbar(3, verbose=0)
    assert _printed(lambda: [quiet.add(1, [("loss", 1.0)]) for _ in range(3)]) == ""
    summary = utils.Progbar(3, verbose=2)
    text = _printed(lambda: [summary.add(1, [("loss", 2e-4)]) for _ in range(3)])
    assert text.count("\n") == 1 and text.startswith("3/3") and "loss: 2.0000e-04" in text
    open_ended = utils.Progbar(None, interval=0)
    text = _printed(lambda: open_ended.update(5))
    assert "5/Unknown" in text
    with pytest.raises(ValueError, match="stateful_metrics"):
        utils.Progbar(3, stateful_metrics=["a"], stateless_metrics=["b"])


def test_config_attribute_access_and_freezing():
    config = utils.Config(learning_rate=0.1, units=[4])
    config.epochs = 3
    assert config["epochs"] == 3 and config.learning_rate == 0.1 and "units" in config
    assert sorted(config) == ["epochs", "learning_rate", "units"] and len(config) == 3
    assert json.loads(config.to_json()) == {"learning_rate": 0.1, "units": [4], "epochs": 3}
    copied = config.as_dict()
    copied["units"].append(8)
    assert config.units == [4]
    config.freeze()
    assert config.frozen
    with pytest.raises(ValueError, match="frozen"):
        config.epochs = 4
    with pytest.raises(ValueError, match="frozen"):
        config["epochs"] = 4
    config.unfreeze()
    config.update(epochs=5)
    assert config.pop("epochs") == 5
    with pytest.raises(AttributeError, match="epochs"):
        config.epochs


def test_get_source_inputs_walks_back_to_the_inputs():
    first, second = layers.Input((3,)), layers.Input((3,))
    merged = layers.Add()([first, layers.Dense(3)(second)])
    output = layers.Dense(2)(layers.Concatenate()([merged, first]))
    sources = utils.get_source_inputs(output)
    assert len(sources) == 2 and sources[0] is first and sources[1] is second
    assert utils.get_source_inputs(first) == [first]
    from_op = utils.get_source_inputs(minikeras.ops.add(second, 1.0))
    assert len(from_op) == 1 and from_op[0] is second


# -- the surface count -----------------------------------------------------------------------------
def test_public_names_coverage_tool_counts_present_missing_and_excluded():
    import importlib.util
    import pathlib
    path = pathlib.Path(__file__).resolve().parent.parent / "tools" / "public_names_coverage.py"
    spec = importlib.util.spec_from_file_location("public_names_coverage", path)
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    rows = tool.coverage({"keras": ["Loss", "version", "NotAName", "remat"],
                          "backend": ["result_type"], "config": ["floatx"], "nowhere": ["x"]})
    assert rows == [("keras", 2, 3, ["NotAName"]), ("backend", 1, 1, []),
                    ("config", 1, 1, []), ("nowhere", 0, 1, ["x"])]
