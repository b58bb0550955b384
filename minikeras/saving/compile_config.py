"""What `compile(...)` was given, as JSON, and back: for `.h5` files and `.keras` archives.

Two spellings of the same information, as Keras 3 writes them:

- `get_training_config(model)`: the `training_config` attribute of a legacy `.h5` file.
  Objects are written in the legacy style `{"class_name": ..., "config": ...}` and the
  optimizer sits under `"optimizer_config"`:

      {"loss": "categorical_crossentropy", "loss_weights": null, "metrics": ["accuracy"],
       "weighted_metrics": null, "run_eagerly": false, "steps_per_execution": 1,
       "jit_compile": false, "optimizer_config": {"class_name": "Adam", "config": {...}}}

- `get_compile_config(model)`: the `compile_config` of a `.keras` archive (Keras 3's
  `model.get_compile_config()`): the same keys, with the optimizer under `"optimizer"` and
  objects in the new style `{"module", "class_name", "config", "registered_name"}`.

Keras 3.15.1 cannot read short aliases ("mse", "mae", ...) back from an `.h5` file (although it
writes them), so the `.h5` spelling writes a loss alias under its full function name
("mse" -> "mean_squared_error") and a metric alias as a class config that keeps the typed name
({"class_name": "MeanAbsoluteError", "config": {"name": "mae", ...}}), which keeps the logged
names ("mae", "val_mae") after loading. "accuracy" / "acc" / "crossentropy" / "ce" stay as typed:
they are resolved from the shapes of the data at the first batch. The `.keras` spelling keeps
every name as typed, exactly as Keras 3 does (its `.keras` reader handles aliases).

The readers (`compile_args_from_training_config`, `compile_from_config`) accept what minikeras,
Keras 3 and Keras 2 / tf.keras write: `"Custom>Adam"` optimizer class names with Keras 2's extra
keys (`jit_compile`, `is_legacy_optimizer`, `decay`, `lr`), loss reductions `"auto"`, and metrics
as per-output lists of `MeanMetricWrapper` dicts.
"""
import inspect
import warnings

from minikeras import losses as losses_module
from minikeras import metrics as metrics_module
from minikeras import optimizers as optimizers_module
from minikeras.registry.serialization import lookup_custom_object, custom_object_scope

_SHAPE_RULE_NAMES = ("accuracy", "acc", "crossentropy", "ce")
# Keys Keras 2 optimizers write that no Keras 3 optimizer takes.
_KERAS2_OPTIMIZER_KEYS = ("jit_compile", "is_legacy_optimizer")


# -- writing -----------------------------------------------------------------------------------
def _compile_arguments(model):
    """(optimizer, loss, loss_weights, metrics, weighted_metrics, run_eagerly) as compiled."""
    compiled_metrics = getattr(model, "_compile_metrics", None)
    metrics = getattr(compiled_metrics, "_user_metrics", None)
    weighted = getattr(compiled_metrics, "_user_weighted_metrics", None)
    return (model.optimizer, getattr(model, "loss", None), getattr(model, "loss_weights", None),
            metrics, weighted, bool(getattr(model, "run_eagerly", False)))


def _is_compiled(model):
    return bool(getattr(model, "compiled", False)) and getattr(model, "optimizer", None) is not None


def get_compile_config(model):
    """Keras 3's `model.get_compile_config()`: {} when the model is not compiled."""
    if not _is_compiled(model):
        return {}
    optimizer, loss, loss_weights, metrics, weighted, run_eagerly = _compile_arguments(model)
    return {
        "optimizer": optimizers_module.serialize(optimizer),
        "loss": serialize_loss(loss, legacy=False),
        "loss_weights": _plain(loss_weights),
        "metrics": serialize_metrics(metrics, legacy=False),
        "weighted_metrics": serialize_metrics(weighted, legacy=False),
        "run_eagerly": run_eagerly,
        "steps_per_execution": 1,
        "jit_compile": False,
    }


def get_training_config(model):
    """The `training_config` of a legacy `.h5` file; None when the model is not compiled."""
    if not _is_compiled(model):
        return None
    optimizer, loss, loss_weights, metrics, weighted, run_eagerly = _compile_arguments(model)
    return {
        "loss": serialize_loss(loss, legacy=True),
        "loss_weights": _plain(loss_weights),
        "metrics": serialize_metrics(metrics, legacy=True),
        "weighted_metrics": serialize_metrics(weighted, legacy=True),
        "run_eagerly": run_eagerly,
        "steps_per_execution": 1,
        "jit_compile": False,
        "optimizer_config": _legacy_object(optimizers_module.serialize(optimizer)),
    }


def _plain(value):
    """loss_weights as JSON: tuples become lists, NumPy numbers Python floats."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def _legacy_object(config):
    """{"module", "class_name", "config", "registered_name"} -> {"class_name", "config"}, where a
    registered custom class is named by its registered "Package>Name"."""
    if not isinstance(config, dict) or "class_name" not in config:
        return config
    registered = config.get("registered_name")
    class_name = config["class_name"]
    if registered and registered != "function" and ">" in registered:
        class_name = registered
    return {"class_name": class_name, "config": config.get("config")}


def _map_identifiers(fn, value):
    """Apply `fn` to every identifier of a (possibly nested) list / tuple / dict of them.

    Not `tree.map_structure`: a dict with a "class_name" (a serialized loss or metric) is one
    identifier here, not a container, and tuples come back as lists (JSON's arrays)."""
    if isinstance(value, dict) and "class_name" not in value:
        return {key: _map_identifiers(fn, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_map_identifiers(fn, item) for item in value]
    return fn(value)


def _function_config(fn, legacy):
    """A user's function: its (registered) name; Keras 3 wraps it in a "function" object."""
    name = getattr(fn, "_registered_name", None) or getattr(fn, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot save {fn!r} in the compile configuration: it has no name. Use a "
                         f"named function or a Loss / Metric subclass with get_config().")
    if legacy:
        return name
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def _serialize_leaf(identifier, module, legacy):
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _serialize_name(identifier, module, legacy)
    if isinstance(identifier, dict):  # already a config
        return _legacy_object(identifier) if legacy else identifier
    if inspect.isclass(identifier):
        return getattr(identifier, "_registered_name", None) or identifier.__name__
    if not hasattr(identifier, "get_config"):  # a function
        if _is_builtin_function(identifier, module):
            return identifier.__name__
        return _function_config(identifier, legacy)
    serialized = module.serialize(identifier)
    return _legacy_object(serialized) if legacy else serialized


def _serialize_name(name, module, legacy):
    """A loss / metric given by name. `.keras` files keep it as typed (Keras 3 reads that back).
    In `.h5` files an alias is written out: a loss under its full function name, a metric as a
    class config that keeps the typed name, so that the logs ("mae", "val_mae") and callbacks
    watching them are unchanged after loading."""
    if not legacy or name.lower() in _SHAPE_RULE_NAMES:
        return name
    full = module.serialize(name)
    if full == name or module is not metrics_module:
        return full
    metric = metrics_module.get(name)
    metric.name = name
    return _legacy_object(metrics_module.serialize(metric))


def _is_builtin_function(fn, module):
    return getattr(module, getattr(fn, "__name__", ""), None) is fn


def serialize_loss(loss, legacy=False):
    """The `loss` argument of compile as JSON (a name, a config, or a list / dict of them)."""
    return _map_identifiers(lambda leaf: _serialize_leaf(leaf, losses_module, legacy), loss)


def serialize_metrics(metrics, legacy=False):
    """The `metrics` / `weighted_metrics` argument of compile as JSON."""
    return _map_identifiers(lambda leaf: _serialize_leaf(leaf, metrics_module, legacy), metrics)


# -- reading -----------------------------------------------------------------------------------
def _lookup_custom(name, custom_objects):
    return lookup_custom_object(name, custom_objects) if isinstance(name, str) else None


def _clean_optimizer_config(config, custom_objects):
    """Keras 2 / Keras 3 optimizer JSON -> (class, constructor kwargs)."""
    if isinstance(config, str):
        config = {"class_name": config, "config": {}}
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"The saved optimizer configuration is not understood: {config!r}. Load "
                         f"the model with compile=False and compile it yourself.")
    class_name = config.get("registered_name") or config["class_name"]
    cls = _lookup_custom(class_name, custom_objects) or _lookup_custom(config["class_name"],
                                                                      custom_objects)
    if cls is None:
        short = config["class_name"].split(">")[-1]  # Keras 2.11+ writes "Custom>Adam"
        cls = optimizers_module.ALL_OPTIMIZERS.get(short) or \
            optimizers_module._BY_NAME.get(short.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {config['class_name']!r} in the saved training "
                         f"configuration. Pass it in `custom_objects`, or load with "
                         f"compile=False. Built-in optimizers: "
                         f"{sorted(optimizers_module.ALL_OPTIMIZERS)}.")
    arguments = dict(config.get("config") or {})
    for key in _KERAS2_OPTIMIZER_KEYS:
        arguments.pop(key, None)
    if "lr" in arguments:  # Keras 1 / early Keras 2
        rate = arguments.pop("lr")
        arguments.setdefault("learning_rate", rate)
    if not arguments.get("decay"):  # Keras 2 wrote decay=0.0; a real decay warns in the optimizer
        arguments.pop("decay", None)
    if cls in optimizers_module.ALL_OPTIMIZERS.values():
        accepted = set(inspect.signature(cls.__init__).parameters) | {"decay"}
        unknown = sorted(key for key in arguments if key not in accepted)
        if unknown:
            warnings.warn(f"Ignoring the saved {cls.__name__} arguments {unknown}: minikeras's "
                          f"{cls.__name__} does not take them.", stacklevel=3)
            for key in unknown:
                arguments.pop(key)
    return cls, arguments


def deserialize_optimizer(config, custom_objects=None):
    """An optimizer (without state) from Keras 3, Keras 2 or minikeras JSON."""
    cls, arguments = _clean_optimizer_config(config, custom_objects)
    try:
        with custom_object_scope(custom_objects):
            if not hasattr(cls, "from_config"):
                return cls(**arguments)
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                return cls.from_config(arguments, custom_objects=custom_objects)
            return cls.from_config(arguments)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Cannot rebuild the saved optimizer {cls.__name__} from {arguments}: "
                         f"{error} Load the model with compile=False and compile it "
                         f"yourself.") from None


def _fix_loss_config(config):
    if isinstance(config, dict) and isinstance(config.get("config"), dict):
        inner = dict(config["config"])
        if inner.get("reduction") == "auto":  # Keras 2's default reduction
            inner["reduction"] = "sum_over_batch_size"
        config = {**config, "config": inner}
    return config


def _deserialize_loss(leaf, custom_objects):
    if leaf is None:
        return None
    if isinstance(leaf, str):
        found = _lookup_custom(leaf, custom_objects)
        if found is not None:
            return found
        if leaf.lower() in _SHAPE_RULE_NAMES:
            return leaf
        losses_module.get(leaf)  # a clear error now rather than at the first batch
        return leaf
    if isinstance(leaf, dict) and leaf.get("class_name") == "function":
        return _deserialize_loss(leaf.get("config"), custom_objects)
    return losses_module.deserialize(_fix_loss_config(leaf), custom_objects)


def _keras2_metric_wrapper(config, custom_objects):
    """Keras 2's {"class_name": "MeanMetricWrapper", "config": {"name", "dtype", "fn"}}: the
    metric class of a built-in `fn` (named as saved), else a MeanMetricWrapper around it."""
    inner = dict(config.get("config") or {})
    fn_name = inner.pop("fn", None)
    name = inner.pop("name", None)
    dtype = inner.pop("dtype", None)
    if isinstance(fn_name, dict):
        fn_name = fn_name.get("config")
    fn = _lookup_custom(fn_name, custom_objects)
    if fn is None and isinstance(fn_name, str):
        cls = metrics_module.ALL_OBJECTS_DICT.get(fn_name)
        if cls is not None and not inner:
            return cls(name=name or fn_name, dtype=dtype)
        fn = metrics_module._FUNCTIONS.get(fn_name)
    if fn is None:
        raise ValueError(f"Cannot rebuild the saved metric {name!r}: its function {fn_name!r} is "
                         f"unknown. Pass it in `custom_objects`, or load with compile=False.")
    return metrics_module.MeanMetricWrapper(fn, name=name or fn_name, dtype=dtype, **inner)


def _deserialize_metric(leaf, custom_objects):
    if leaf is None:
        return None
    if isinstance(leaf, str):
        found = _lookup_custom(leaf, custom_objects)
        if found is not None:
            return found
        if leaf.lower() not in _SHAPE_RULE_NAMES:
            metrics_module.get(leaf)  # fail now, naming the metric
        return leaf
    if isinstance(leaf, dict) and leaf.get("class_name") == "function":
        return _deserialize_metric(leaf.get("config"), custom_objects)
    if isinstance(leaf, dict) and leaf.get("class_name") == "MeanMetricWrapper" and \
            _lookup_custom("MeanMetricWrapper", custom_objects) is None:
        return _keras2_metric_wrapper(leaf, custom_objects)
    return metrics_module.deserialize(leaf, custom_objects)


def _unwrap_single_output(value, num_outputs):
    """Keras 2 writes metrics per output ([[m1, m2]] for one output): unwrap for one output."""
    if num_outputs == 1 and isinstance(value, list) and len(value) == 1 and \
            isinstance(value[0], list):
        return value[0]
    return value


def _num_outputs(model):
    if model is None:
        return None
    names = getattr(model, "output_names", None)
    if names:
        return len(names)
    try:
        return len(model.outputs)
    except (AttributeError, TypeError, ValueError):
        return 1


def _rebuild(what, fn, value, custom_objects):
    try:
        return _map_identifiers(lambda leaf: fn(leaf, custom_objects), value)
    except (ValueError, TypeError, KeyError) as error:
        raise ValueError(f"Cannot rebuild the saved {what} {value!r}: {error} Pass your own "
                         f"objects in `custom_objects`, or load with compile=False and compile "
                         f"the model yourself.") from None


def compile_args_from_training_config(training_config, custom_objects=None, model=None):
    """The keyword arguments of `model.compile` described by a `.h5` `training_config` (or a
    `.keras` `compile_config`): optimizer (a new instance), loss, loss_weights, metrics,
    weighted_metrics, run_eagerly."""
    if not isinstance(training_config, dict):
        raise ValueError(f"The saved training configuration must be a JSON object, received "
                         f"{type(training_config).__name__}.")
    optimizer_config = training_config.get("optimizer_config", training_config.get("optimizer"))
    if optimizer_config is None:
        raise ValueError("The saved training configuration has no 'optimizer_config': the file "
                         "is damaged or was not written by Keras. Load it with compile=False.")
    with custom_object_scope(custom_objects):
        optimizer = deserialize_optimizer(optimizer_config, custom_objects)
        outputs = _num_outputs(model)
        loss = _rebuild("loss", _deserialize_loss, training_config.get("loss"), custom_objects)
        metrics = _rebuild("metrics", _deserialize_metric,
                           _unwrap_single_output(training_config.get("metrics"), outputs),
                           custom_objects)
        weighted = _rebuild("weighted metrics", _deserialize_metric,
                            _unwrap_single_output(training_config.get("weighted_metrics"), outputs),
                            custom_objects)
    if isinstance(metrics, list) and not metrics:
        metrics = None
    if isinstance(weighted, list) and not weighted:
        weighted = None
    return {"optimizer": optimizer, "loss": loss,
            "loss_weights": training_config.get("loss_weights"),
            "metrics": metrics, "weighted_metrics": weighted,
            "run_eagerly": bool(training_config.get("run_eagerly", False))}


def compile_from_training_config(model, training_config, custom_objects=None):
    """Compile `model` as the `.h5` `training_config` says (the optimizer is not built)."""
    model.compile(**compile_args_from_training_config(training_config, custom_objects, model))


def compile_from_config(model, config, custom_objects=None):
    """Keras 3's `model.compile_from_config(config)` for a `.keras` archive's compile_config:
    compile, then build the optimizer on the model's trainable variables when the model is
    built (so that saved optimizer variables can be loaded into it)."""
    if not config:
        return
    from minikeras.trainers.trainer import Trainer
    if type(model).compile is not Trainer.compile:
        warnings.warn("`compile()` was not called as part of model loading because the model's "
                      "`compile()` method is custom. Subclassed models that override `compile()` "
                      "should also override `get_compile_config()` and "
                      "`compile_from_config(config)`, or be compiled by hand after loading.",
                      stacklevel=2)
        return
    compile_from_training_config(model, config, custom_objects)
    if getattr(model, "built", False) and model.optimizer is not None:
        model.optimizer.build(model.trainable_variables)
