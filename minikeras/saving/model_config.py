"""A whole model's architecture as a config dict / JSON, and the model rebuilt from it.

    serialize_model(model)        # Keras 3's spelling, as in `.keras` config.json and to_json():
        # {"module": "keras", "class_name": "Sequential", "config": {...},
        #  "registered_name": None, "build_config": {"input_shape": [None, 4]},
        #  "compile_config": {...}}
    legacy_model_config(model)    # the `.h5` file's model_config: {"class_name", "config"}, the
                                  # layer entries without module / registered_name / build_config
    deserialize_model(config)     # either spelling, Keras 3's or Keras 2's
    model_from_json(json_string)  # deserialize_model(json.loads(json_string))

The model classes own their configs (`get_config` / `from_config` / `get_build_config` in
minikeras/models/): Sequential and functional models describe their layers; a subclassed model is
described by its `get_config()` — or, when it has none, by the constructor arguments it was
given, as long as they are plain JSON values (Keras 3's auto-config,
minikeras/layers/auto_config.py) — and is rebuilt by `from_config`, by default `cls(**config)`.
This module only gives the file formats their top-level objects.
"""
import json
import sys

from minikeras.layers.serialization import (deserialize, legacy_class_name, legacy_config_scope,
                                            resolve_class, serialize)
from minikeras.registry.serialization import custom_object_scope


# -- writing ---------------------------------------------------------------------------------------
def serialize_model(model):
    """The Keras 3 top-level object of `.keras` files and `to_json` (checked against 3.15.1)."""
    return serialize(model)


def legacy_model_config(model):
    """The `model_config` of a legacy `.h5` file: {"class_name": "Sequential" | "Functional" |
    ..., "config": {...}}, whose layer entries (nested models' too) carry no "module",
    "registered_name" or "build_config" (objects inside a layer's config keep them, as in
    Keras 3's files; H5_FORMAT.md §3.1)."""
    with legacy_config_scope():
        config = model.get_config()
    return {"class_name": legacy_class_name(type(model)), "config": config}


# -- reading ---------------------------------------------------------------------------------------
def deserialize_model(config, custom_objects=None, source=None):
    """Rebuild a model from `serialize_model`'s output, from a legacy {"class_name", "config"}
    model_config (`.h5` files of Keras 2 and 3), or from a JSON string of either. A config that
    names a layer gives the layer, as Keras allows.

    `source` names the file the config came from: a config damaged into something no layer
    expects (a KeyError, IndexError or AttributeError deep inside a layer) is then a
    ValueError naming the file."""
    if source is None:
        return _deserialize_model(config, custom_objects)
    try:
        return _deserialize_model(config, custom_objects)
    except (KeyError, IndexError, AttributeError) as error:
        raise ValueError(f"{source}: the model's config cannot be rebuilt "
                         f"({type(error).__name__}: {error}); the file is corrupted or was not "
                         f"written by Keras.") from error


def _deserialize_model(config, custom_objects):
    if isinstance(config, (str, bytes)):
        config = _json_loads(config, "deserialize_model")
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot rebuild a model from {str(config)[:200]!r}: expected a dict "
                         f"with 'class_name' and 'config' (the output of `to_json()`, "
                         f"`serialize_model` or an `.h5` file's model_config).")
    with custom_object_scope(custom_objects):
        resolve_class(config, custom_objects, kind="model")  # an unknown class is a "model" here
    try:
        return deserialize(config, custom_objects)
    except RecursionError:
        # A config of layers nested inside layers thousands deep (a crafted file): no model has
        # that, and rebuilding it would exhaust Python's stack.
        raise ValueError(f"Cannot rebuild the model {config.get('class_name')!r}: its config is "
                         f"nested too deeply (objects inside objects beyond Python's recursion "
                         f"limit, {sys.getrecursionlimit()}). The config is corrupted or "
                         f"crafted.") from None


def _json_loads(text, who):
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{who}: the JSON is nested too deeply to be a model's config.") from None
    except (TypeError, ValueError) as error:
        raise ValueError(f"{who}: the argument is not valid JSON ({error}).") from None


def model_from_json(json_string, custom_objects=None):
    """A model (new layers, fresh weights) from the JSON of `model.to_json()` — minikeras's,
    Keras 3's, or an `.h5` model_config of Keras 2 or 3."""
    return deserialize_model(_json_loads(json_string, "model_from_json"), custom_objects)
