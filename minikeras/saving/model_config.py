"""A whole model's architecture as a config dict / JSON, and the model rebuilt from it.

    serialize_model(model)        # Keras 3's spelling, as in `.keras` config.json and to_json():
        # {"module": "keras", "class_name": "Sequential", "config": {...},
        #  "registered_name": None, "build_config": {"input_shape": [None, 4]},
        #  "compile_config": {...}}
    legacy_model_config(model)    # the `.h5` file's model_config: {"class_name", "config"}, the
                                  # layer entries without module / registered_name / build_config
    deserialize_model(config)     # either spelling, Keras 3's or Keras 2's
    model_from_json(json_string)  # deserialize_model(json.loads(json_string))

Sequential and functional models describe their layers; a subclassed model is described by its
`get_config()` — or, when it has none, by the constructor arguments it was given, as long as
they are plain JSON values (Keras 3's auto-config, minikeras/layers/auto_config.py) — and is
rebuilt by `from_config`, by default `cls(**config)`.
"""
import json

from minikeras.layers.auto_config import revive
from minikeras.layers.layer import Layer, dtype_policy_config
from minikeras.layers.serialization import (build_from_config, class_identity, deserialize,
                                            get_build_config, instantiate, legacy_class_name,
                                            legacy_config_scope, resolve_class,
                                            serialize_layer_entry, shape_to_list)
from minikeras.saving.serialization import custom_object_scope

FUNCTIONAL_MODULE = "keras.src.models.functional"  # what Keras 3 writes for a functional model


# -- writing ---------------------------------------------------------------------------------------
def serialize_model(model):
    """The Keras 3 top-level object of `.keras` files and `to_json` (checked against 3.15.1)."""
    from minikeras.models.functional import Functional
    cls = type(model)
    if cls is Functional:
        module, class_name, registered = FUNCTIONAL_MODULE, "Functional", "Functional"
    else:
        module, class_name, registered = class_identity(cls, "keras")
    result = {"module": module, "class_name": class_name, "config": model_config_dict(model),
              "registered_name": registered}
    build_config = get_build_config(model)
    if build_config is not None:
        result["build_config"] = build_config
    get_compile_config = getattr(model, "get_compile_config", None)
    compile_config = get_compile_config() if callable(get_compile_config) else None
    result["compile_config"] = compile_config if compile_config is not None else {}
    return result


def legacy_model_config(model):
    """The `model_config` of a legacy `.h5` file: {"class_name": "Sequential" | "Functional" |
    ..., "config": {...}}, whose layer entries (nested models' too) carry no "module",
    "registered_name" or "build_config" (objects inside a layer's config keep them, as in
    Keras 3's files; H5_FORMAT.md §3.1)."""
    from minikeras.models.functional import Functional
    with legacy_config_scope():
        config = model_config_dict(model)
    class_name = "Functional" if type(model) is Functional else legacy_class_name(type(model))
    return {"class_name": class_name, "config": config}


def model_config_dict(model):
    """What goes under "config": the model's own `get_config()` when its class defines one,
    else the Sequential / functional / subclass config built here."""
    from minikeras.models.functional import Functional
    from minikeras.models.sequential import Sequential
    if _user_defines(type(model), "get_config"):
        return model.get_config()
    if isinstance(model, Sequential):
        return sequential_config(model)
    if isinstance(model, Functional):
        from minikeras.models.functional_config import functional_config
        return functional_config(model)
    return subclass_model_config(model)


def subclass_model_config(model):
    """A subclassed model's config: name / trainable / dtype plus, for a user class without its
    own `get_config`, the constructor arguments it was given (Keras 3's auto-config). Raises
    NotImplementedError naming the class and arguments when they are not plain values."""
    return Layer.get_config(model)


def sequential_config(model):
    """Keras 3's Sequential config: name, trainable, dtype, the layers (InputLayer first when the
    input shape is known) and, once built, "build_input_shape"."""
    layers = []
    if model._input_layer is not None:
        layers.append(serialize_layer_entry(model._input_layer))
    layers += [serialize_layer_entry(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable,
              "dtype": dtype_policy_config(model.dtype), "layers": layers}
    shape = model.__dict__.get("_build_input_shape")
    if model.built and shape is not None:
        config["build_input_shape"] = shape_to_list(shape)
    return config


def _user_defines(cls, method):
    """Whether a class outside minikeras defines `method` (then it is the one to use)."""
    for klass in cls.__mro__:
        if method in vars(klass):
            return klass.__module__.split(".")[0] != "minikeras"
    return False


# -- reading ---------------------------------------------------------------------------------------
def deserialize_model(config, custom_objects=None):
    """Rebuild a model from `serialize_model`'s output, from a legacy {"class_name", "config"}
    model_config (`.h5` files of Keras 2 and 3), or from a JSON string of either."""
    if isinstance(config, (str, bytes)):
        config = json.loads(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot rebuild a model from {str(config)[:200]!r}: expected a dict "
                         f"with 'class_name' and 'config' (the output of `to_json()`, "
                         f"`serialize_model` or an `.h5` file's model_config).")
    from minikeras.models.model import Model
    with custom_object_scope(custom_objects):
        cls = resolve_class(config, custom_objects, kind="model")
        if not (isinstance(cls, type) and issubclass(cls, Model)):
            return deserialize(config, custom_objects)  # a layer, as Keras allows
        inner = config.get("config")
        if inner is None:
            inner = {}
        model = model_from_config(cls, inner, custom_objects)
        build_config = config.get("build_config")
        if build_config and not model.built:
            build_from_config(model, build_config)
        return model


def model_from_json(json_string, custom_objects=None):
    """A model (new layers, fresh weights) from the JSON of `model.to_json()` — minikeras's,
    Keras 3's, or an `.h5` model_config of Keras 2 or 3."""
    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json: the argument is not valid JSON ({error}).") from None
    return deserialize_model(config, custom_objects)


def model_from_config(cls, config, custom_objects=None):
    """`cls.from_config(config, custom_objects)` with Keras 3's rules: a class with its own
    `from_config` uses it; Sequential replays its layer list; a functional config rebuilds the
    graph (for Functional, Model, or a subclass whose constructor takes inputs and outputs);
    any other subclass is called as `cls(**config)`, and a config that lacks constructor
    arguments gives an error naming them."""
    from minikeras.models.functional_config import (functional_from_config,
                                                    functional_like_constructor)
    from minikeras.models.model import Model
    from minikeras.models.sequential import Sequential
    with custom_object_scope(custom_objects):
        if _user_defines(cls, "from_config"):
            return instantiate(cls, config, custom_objects)
        if issubclass(cls, Sequential):
            return sequential_from_config(cls, config, custom_objects)
        is_functional_config = isinstance(config, dict) and all(
            key in config for key in ("layers", "input_layers", "output_layers"))
        if is_functional_config and (cls is Model or functional_like_constructor(cls)):
            return functional_from_config(cls, config, custom_objects)
        return revive_subclass(cls, config)


def sequential_from_config(cls, config, custom_objects=None):
    """A Sequential model from Keras 3's config, Keras 2's ({"name", "layers"}, the first layer
    possibly carrying `batch_input_shape`), or the bare list of layers of very old files."""
    if isinstance(config, list):
        config = {"layers": config}
    model = cls(name=config.get("name"), trainable=config.get("trainable", True))
    for entry in config.get("layers", []):
        model.add(deserialize(entry, custom_objects), rebuild=False)
    build_input_shape = config.get("build_input_shape")
    if model._input_layer is None and isinstance(build_input_shape, (list, tuple)):
        model.build(tuple(build_input_shape))
    else:
        model._maybe_rebuild()
    return model


def revive_subclass(cls, config):
    """`cls(**config)` for a subclassed model (see `auto_config.revive`)."""
    return revive(cls, config, "model")
