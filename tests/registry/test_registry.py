"""minikeras.registry: the name registry at the bottom of the package.

Checks that every built-in layer and model class is registered under Keras's names (by the
`@register_layer` decorator, not by scanning a module), that `layers.deserialize` rebuilds
nested models without the layers package importing the models package, that the families sit
above the registry and below `saving/` (checked on the import statements, since
`minikeras/__init__` imports every package), and Keras's registry functions.
"""
import ast
import json
import os

import numpy as np
import pytest

import minikeras
from minikeras import layers, registry, saving
from minikeras.models import Functional, Model, Sequential
from minikeras.models.functional import FUNCTIONAL_MODULE
from minikeras.registry import layer_classes
from minikeras.registry.layer_classes import (get_layer_class, layer_identity, register_layer,
                                              registered_layers)

PACKAGE = os.path.dirname(os.path.abspath(minikeras.__file__))


# -- the layer and model classes -------------------------------------------------------------
def _exported_layer_classes():
    return {name: obj for name, obj in vars(layers).items()
            if isinstance(obj, type) and issubclass(obj, layers.Layer)}


def test_every_exported_layer_class_is_registered_under_its_keras_names():
    exported = _exported_layer_classes()
    assert len(exported) > 70
    for name, cls in exported.items():
        assert get_layer_class(name) is cls, name
        assert layer_identity(cls) == ("keras.layers", None), name


def test_aliases_resolve_to_their_class():
    assert get_layer_class("Convolution2D") is layers.Conv2D
    assert get_layer_class("MaxPool1D") is layers.MaxPooling1D
    assert get_layer_class("GlobalAvgPool3D") is layers.GlobalAveragePooling3D
    assert layers.deserialize({"class_name": "Convolution1D",
                               "config": {"filters": 2, "kernel_size": 3}}).__class__ \
        is layers.Conv1D


def test_model_classes_are_registered_with_the_module_keras_writes():
    assert get_layer_class("Sequential") is Sequential
    assert get_layer_class("Model") is Model
    assert get_layer_class("Functional") is Functional
    assert layer_identity(Sequential) == ("keras", None)
    assert layer_identity(Model) == ("keras", None)
    assert layer_identity(Functional) == (FUNCTIONAL_MODULE, "Functional")


def test_the_table_holds_only_exported_layers_and_the_model_classes():
    extra = set(registered_layers()) - set(_exported_layer_classes())
    # keras.utils.FeatureSpace, the `float` feature's TFDIdentity preprocessor and the ConvLSTM
    # layers' cell are layers that Keras keeps out of keras.layers (written with their own
    # modules, checked here)
    assert extra == {"Sequential", "Model", "Functional", "FeatureSpace", "TFDIdentity",
                     "ConvLSTMCell"}
    from minikeras.layers.rnn.conv_lstm import ConvLSTMCell
    assert layer_identity(ConvLSTMCell) == ("keras.src.layers.rnn.conv_lstm", "ConvLSTMCell")
    from minikeras.layers.preprocessing.feature_space import FeatureSpace, TFDIdentity
    assert layer_identity(FeatureSpace) == ("keras.utils", None)
    assert layer_identity(TFDIdentity) == ("keras.src.layers.preprocessing.feature_space",
                                           "TFDIdentity")


def test_subclasses_are_not_registered_by_inheritance():
    class MyDense(layers.Dense):
        pass

    assert layer_identity(MyDense) is None
    assert get_layer_class("MyDense") is None
    serialized = layers.serialize(MyDense(2))
    assert serialized["module"] == __name__
    assert serialized["class_name"] == "MyDense"
    assert serialized["registered_name"] == "MyDense"


def test_register_layer_refuses_a_taken_name_and_registers_nothing():
    before = registered_layers()

    class Dense(layers.Layer):
        pass

    with pytest.raises(ValueError, match="'Dense' is already taken"):
        register_layer(Dense)

    class Fresh(layers.Layer):
        pass

    with pytest.raises(ValueError, match="'Conv2D' is already taken"):
        register_layer(aliases=("Conv2D",))(Fresh)
    assert registered_layers() == before
    assert layer_identity(Fresh) is None


def test_register_layer_bare_and_with_arguments(monkeypatch):
    monkeypatch.setattr(layer_classes, "_CLASSES", dict(layer_classes._CLASSES))
    monkeypatch.setattr(layer_classes, "_IDENTITIES", dict(layer_classes._IDENTITIES))

    @register_layer
    class Plain(layers.Layer):
        pass

    @register_layer(aliases=("Other",), module="keras.custom", registered_name="Plain2")
    class Plain2(layers.Layer):
        pass

    assert get_layer_class("Plain") is Plain and get_layer_class("Other") is Plain2
    assert layer_identity(Plain) == ("keras.layers", None)
    assert layer_identity(Plain2) == ("keras.custom", "Plain2")


# -- nested models through layers.deserialize ------------------------------------------------
def test_layers_deserialize_rebuilds_a_sequential_model():
    model = Sequential([layers.Input((3,)), layers.Dense(2, name="d")], name="seq")
    config = json.loads(json.dumps(layers.serialize(model)))
    assert config["module"] == "keras" and config["class_name"] == "Sequential"
    assert config["compile_config"] == {}
    rebuilt = layers.deserialize(config)
    assert type(rebuilt) is Sequential and rebuilt.name == "seq"
    rebuilt.set_weights(model.get_weights())
    x = np.arange(6, dtype="float32").reshape(2, 3)
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), model.predict(x, verbose=0))
    assert json.loads(json.dumps(layers.serialize(rebuilt))) == config


def test_layers_deserialize_rebuilds_a_functional_model_nested_in_another():
    inner_in = layers.Input((3,))
    inner = Model(inner_in, layers.Dense(2)(inner_in), name="inner")
    outer_in = layers.Input((3,))
    outer = Model(outer_in, layers.Dense(1)(inner(outer_in)), name="outer")
    config = json.loads(json.dumps(layers.serialize(outer)))
    assert config["module"] == FUNCTIONAL_MODULE
    nested = [entry for entry in config["config"]["layers"] if entry["class_name"] == "Functional"]
    assert len(nested) == 1 and nested[0]["module"] == FUNCTIONAL_MODULE
    rebuilt = layers.deserialize(config)
    assert isinstance(rebuilt, Functional)
    assert isinstance(rebuilt.get_layer("inner"), Functional)
    rebuilt.set_weights(outer.get_weights())
    x = np.ones((2, 3), dtype="float32")
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), outer.predict(x, verbose=0))


def test_keras2_model_class_name_rebuilds_a_functional_model():
    inputs = layers.Input((3,))
    model = Model(inputs, layers.Dense(2)(inputs))
    config = {"class_name": "Model", "config": json.loads(json.dumps(model.get_config()))}
    assert isinstance(layers.deserialize(config), Functional)


# -- the import graph ------------------------------------------------------------------------
def _imports(path):
    """Every minikeras module a file imports, at any depth (function-level imports included)."""
    found = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf8").read())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "minikeras"}


def _package_files(package):
    path = os.path.join(PACKAGE, package)
    if os.path.isfile(path + ".py"):
        return [path + ".py"]
    return [os.path.join(folder, name) for folder, _, names in os.walk(path)
            for name in names if name.endswith(".py")]


def _imported_packages(package):
    """{imported package: [files importing it]} for every file of `package`."""
    result = {}
    for path in _package_files(package):
        for name in _imports(path):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "minikeras"
            if target != package:
                result.setdefault(target, []).append(os.path.relpath(path, PACKAGE))
    return result


def test_registry_imports_only_the_backend():
    assert set(_imported_packages("registry")) <= {"backend"}


@pytest.mark.parametrize("package", ["activations", "constraints", "initializers",
                                     "regularizers", "losses", "metrics", "optimizers",
                                     "layers"])
def test_families_use_the_registry_not_saving(package):
    imported = _imported_packages(package)
    assert "registry" in imported
    assert "saving" not in imported, imported.get("saving")


def test_layers_never_import_the_models_package():
    imported = _imported_packages("layers")
    assert "models" not in imported, imported.get("models")
    for path in _package_files("layers"):
        assert "minikeras.models" not in open(path, encoding="utf8").read(), path


# -- Keras's registry functions --------------------------------------------------------------
def test_saving_reexports_the_registry_names():
    for name in ("register_keras_serializable", "custom_object_scope", "CustomObjectScope",
                 "get_custom_objects", "get_registered_object", "get_registered_name",
                 "enable_unsafe_deserialization"):
        assert getattr(saving, name) is getattr(registry, name), name


def test_get_registered_name_and_object():
    @saving.register_keras_serializable(package="test_registry")
    def scaled(x):
        return x * 2

    @saving.register_keras_serializable(package="test_registry", name="Box")
    class Box(layers.Layer):
        pass

    class SubBox(Box):
        pass

    assert saving.get_registered_name(scaled) == "test_registry>scaled"
    assert saving.get_registered_name(Box) == "test_registry>Box"
    assert saving.get_registered_name(SubBox) == "SubBox"
    assert saving.get_registered_object("test_registry>Box") is Box
    assert saving.get_registered_object("Box") is Box  # the bare name finds it too
    assert saving.get_registered_object("nothing_here") is None
    assert saving.get_registered_object("x", module_objects={"x": len}) is len
    assert saving.get_registered_object("scaled", custom_objects={"scaled": abs}) is abs


def test_custom_object_scope_nests_and_restores():
    assert saving.custom_object_scope is saving.CustomObjectScope
    with saving.CustomObjectScope({"a": 1, "b": 2}) as outer:
        assert outer.custom_objects == {"a": 1, "b": 2}
        with saving.custom_object_scope({"a": 3}):
            assert saving.get_registered_object("a") == 3
            assert saving.get_registered_object("b") == 2
        assert saving.get_registered_object("a") == 1
    assert saving.get_registered_object("a") is None


def test_a_model_class_whose_from_config_calls_super_is_rebuilt():
    class Doubler(Model):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, x):
            return self.dense(x) * 2.0

        def get_config(self):
            return {**super().get_config(), "units": self.units}

        @classmethod
        def from_config(cls, config, custom_objects=None):
            config = dict(config)
            config["units"] = int(config["units"])
            return super().from_config(config, custom_objects)

    config = json.loads(json.dumps(layers.serialize(Doubler(units=3, name="dbl"))))
    rebuilt = layers.deserialize(config, custom_objects={"Doubler": Doubler})
    assert type(rebuilt) is Doubler and rebuilt.units == 3 and rebuilt.name == "dbl"
