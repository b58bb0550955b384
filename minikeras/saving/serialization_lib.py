"""Keras's one-argument `serialize_keras_object(obj)` / `deserialize_keras_object(config)`.

Any Keras object (a layer or model, a loss, metric, optimizer, schedule, initializer,
regularizer, constraint, a built-in or registered function) and the plain values around it
(numbers, strings, lists, tuples, dicts, NumPy arrays, bytes) become JSON-ready values, and
back. Built-in objects are written by their family's `serialize` (so the dicts are exactly what
`.keras` files hold); reading finds the family from the dict's "module" ("keras.losses",
"keras.layers", ...), or a user class from the registry and `custom_objects`.

It lives in `saving` (at the top of the package) because it must know every family; each
family's own `serialize` / `deserialize` uses the registry's table-driven helpers instead.
"""
import inspect

import numpy

from minikeras import (activations, constraints, initializers, layers, losses, metrics,
                       optimizers, regularizers)
from minikeras.backend.autodiff import Tensor
from minikeras.backend.dtypes import standardize_dtype
from minikeras.layers import serialization as layer_serialization
from minikeras.optimizers import schedules
from minikeras.registry.serialization import (custom_object_scope, get_registered_name,
                                              get_registered_object, in_safe_mode,
                                              safe_mode_scope)

# (base class, the family's module) in the order instances are tried when writing
_FAMILIES = (
    (layers.Layer, layer_serialization),
    (losses.Loss, losses),
    (metrics.Metric, metrics),
    (optimizers.Optimizer, optimizers),
    (schedules.LearningRateSchedule, schedules),
    (initializers.Initializer, initializers),
    (regularizers.Regularizer, regularizers),
    (constraints.Constraint, constraints),
)
# the public Keras module named in a config -> the family that reads it
_FAMILY_OF_MODULE = {
    "keras.losses": losses, "keras.metrics": metrics, "keras.optimizers": optimizers,
    "keras.optimizers.schedules": schedules, "keras.initializers": initializers,
    "keras.regularizers": regularizers, "keras.constraints": constraints,
    "keras.activations": activations,
}
# where a "function" config without a family is looked for, in Keras's order
_FUNCTION_MODULES = (activations, constraints, initializers, losses, metrics, optimizers,
                     regularizers)
_PLAIN_TYPES = (str, int, float, bool)


def serialize_keras_object(obj):
    """A JSON-ready description of `obj` that `deserialize_keras_object` turns back into it.

    - None, bools, numbers and strings: themselves; NumPy scalars: Python numbers;
    - lists, tuples and dicts: the same container of serialized items;
    - NumPy arrays and Tensors: {"class_name": "__numpy__", "config": {"value", "dtype"}};
    - bytes: {"class_name": "__bytes__", "config": {"value": text}};
    - a function: {"module": "builtins" (a minikeras function) or its module,
      "class_name": "function", "config": its registered name, "registered_name": "function"};
    - a Keras object (layer, model, loss, ...): {"module", "class_name", "config",
      "registered_name"} (+ "build_config" / "compile_config" for layers and models), as its
      family writes it; any other object with `get_config` the same way.

    Raises a TypeError for anything else (a lambda included: give the function a name).
    """
    if obj is None or isinstance(obj, _PLAIN_TYPES):
        return obj
    if isinstance(obj, numpy.generic):
        return obj.item()
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, (numpy.ndarray, Tensor)):
        value = obj.numpy() if isinstance(obj, Tensor) else obj
        return {"class_name": "__numpy__",
                "config": {"value": value.tolist(), "dtype": standardize_dtype(value.dtype)}}
    if isinstance(obj, list):
        return [serialize_keras_object(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(serialize_keras_object(item) for item in obj)
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return _serialize_function(obj)
    for base, family in _FAMILIES:
        if isinstance(obj, base):
            return family.serialize(obj)
    if hasattr(obj, "get_config"):
        cls = type(obj)
        builtin = cls.__module__.split(".")[0] == "minikeras"
        return {"module": "keras." + cls.__module__.split(".")[1] if builtin else cls.__module__,
                "class_name": cls.__name__,
                "config": serialize_keras_object(obj.get_config()),
                "registered_name": None if builtin else get_registered_name(cls)}
    raise TypeError(f"serialize_keras_object: cannot serialize {obj!r} (type "
                    f"{type(obj).__name__}): expected a Keras object with `get_config`, a "
                    f"function, or plain data (numbers, strings, lists, dicts, arrays).")


def _serialize_function(fn):
    if fn.__name__ == "<lambda>":
        raise TypeError("serialize_keras_object: a lambda has no name to save; define it with "
                        "`def` (and register it with `register_keras_serializable`).")
    builtin = (fn.__module__ or "").split(".")[0] == "minikeras"
    return {"module": "builtins" if builtin else fn.__module__, "class_name": "function",
            "config": get_registered_name(fn), "registered_name": "function"}


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object `serialize_keras_object` described (or a config Keras 3 wrote).

    Args:
        config: what `serialize_keras_object` returned: plain data comes back as it is (a
            string naming a registered or custom object gives that object), a config dict
            gives the object it describes.
        custom_objects: a dict of user classes and functions by name, as in
            `load_model(..., custom_objects=...)`.
        safe_mode: True (the default) refuses to run code stored in the config (a Lambda
            layer's marshalled function); False allows it, for files you trust.
        **kwargs: accepted for Keras's signature (`module_objects`, `printable_module_name`
            of its legacy path) and ignored.
    """
    with safe_mode_scope(safe_mode), custom_object_scope(custom_objects):
        return _deserialize(config, custom_objects)


def _deserialize(config, custom_objects):
    if isinstance(config, str):
        found = get_registered_object(config, custom_objects)
        return config if found is None else found
    if config is None or isinstance(config, _PLAIN_TYPES):
        return config
    if isinstance(config, list):
        return [_deserialize(item, custom_objects) for item in config]
    if isinstance(config, tuple):
        return tuple(_deserialize(item, custom_objects) for item in config)
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: cannot read {config!r} (type "
                        f"{type(config).__name__}): expected a config dict or plain data.")
    if "class_name" not in config or "config" not in config:
        return {key: _deserialize(value, custom_objects) for key, value in config.items()}
    class_name, inner = config["class_name"], config["config"]
    if class_name == "__tuple__":
        return tuple(_deserialize(item, custom_objects) for item in inner["value"])
    if class_name in ("__numpy__", "__tensor__"):
        return numpy.array(inner["value"], dtype=inner["dtype"])
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    if class_name == "__lambda__":
        raise ValueError(
            "deserialize_keras_object: the config holds a marshalled Python lambda. "
            + ("Loading it would run code from the file, which safe mode forbids. "
               if in_safe_mode() else "")
            + "minikeras reads stored lambdas only inside a Lambda layer's config.")
    if class_name == "function":
        return _deserialize_function(inner, config.get("module"), custom_objects)
    return _deserialize_class(config, custom_objects)


def _deserialize_function(name, module, custom_objects):
    found = get_registered_object(name, custom_objects)
    if found is not None:
        return found
    family = _FAMILY_OF_MODULE.get(module)
    for candidate in ((family,) if family is not None else ()) + _FUNCTION_MODULES:
        fn = getattr(candidate, str(name), None)
        if inspect.isfunction(fn):
            return fn
    raise ValueError(f"deserialize_keras_object: unknown function {name!r} (module "
                     f"{module!r}). If it is your own, register it with "
                     f"`@minikeras.saving.register_keras_serializable()` or pass it in "
                     f"`custom_objects`.")


def _deserialize_class(config, custom_objects):
    module = config.get("module")
    cls = None
    for name in (config.get("registered_name"), config["class_name"]):
        if name and cls is None:
            cls = get_registered_object(name, custom_objects)
    if cls is not None and not (inspect.isclass(cls) and issubclass(cls, layers.Layer)):
        return _instantiate(cls, config, custom_objects)
    family = _FAMILY_OF_MODULE.get(module)
    if cls is None and family is not None:
        return family.deserialize(config, custom_objects)
    # layers, models (module "keras", "keras.layers", "keras.src.models...") and user layers
    return layer_serialization.deserialize(config, custom_objects)


def _instantiate(cls, config, custom_objects):
    """A user class from its config, then its build and compile configs, as Keras does."""
    inner = _deserialize(config["config"], custom_objects)
    obj = layer_serialization.instantiate(cls, inner, custom_objects)
    if config.get("build_config") and hasattr(obj, "build_from_config"):
        obj.build_from_config(config["build_config"])
    if config.get("compile_config") and hasattr(obj, "compile_from_config"):
        obj.compile_from_config(config["compile_config"])
    return obj
