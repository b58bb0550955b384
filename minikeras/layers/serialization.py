"""Layers to Keras 3 config dicts and back (`layers.serialize` / `layers.deserialize`).

Two spellings of a layer exist, as in Keras:

- the Keras 3 style, used by `.keras` files, `to_json` and every object nested inside a layer's
  config: {"module": "keras.layers", "class_name": "Dense", "config": {...},
  "registered_name": None, "build_config": {"input_shape": [None, 4]}};
- the legacy style of the layer lists of a `.h5` file's `model_config` (and of every Keras 2
  file): {"class_name": "Dense", "config": {...}} (a registered user class: "Package>Name").

`deserialize` reads both, and forgives what Keras 2 wrote and Keras 3 no longer accepts:
`batch_input_shape`, plain-string dtypes, a one-element list as BatchNormalization's `axis`,
and the Keras-2-only keys listed in `KERAS2_ONLY_KEYS` (dropped silently).

Class names resolve through `minikeras.registry`: user classes by their registered name or
`custom_objects`, built-in layers and models by the name they registered with `@register_layer`
(the models package registers Sequential, Model and Functional when it is imported), so this
module never imports the models package. A model is serialized like any layer (its class owns
`get_config`, `from_config`, `get_build_config`), plus its "compile_config".
"""
import contextlib
import difflib
import inspect
import threading

from minikeras.registry.layer_classes import get_layer_class, layer_identity, registered_layers
from minikeras.registry.serialization import custom_object_scope, get_registered_object, resolve

_state = threading.local()


def _table():
    """Every built-in layer and model class by Keras name (see `minikeras.registry`)."""
    return registered_layers()


def _is_model_class(cls):
    """Whether `cls` is a model class: a subclass of the `Model` the models package registered."""
    model = get_layer_class("Model")
    return model is not None and isinstance(cls, type) and issubclass(cls, model)


def get(identifier):
    """A layer instance from an instance, a class name or a config dict."""
    from minikeras.layers.layer import Layer
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, str):
        return resolve(identifier, _table(), "layer")()
    return deserialize(identifier)


# -- writing ---------------------------------------------------------------------------------------
def serialize(layer):
    """{"module": "keras.layers", "class_name", "config", "registered_name"(, "build_config")}.

    A model (Sequential, functional, subclassed; also when used as a layer) is written the same
    way with its own module ("keras", or Keras's functional module) plus "compile_config" (`{}`
    when it was not compiled), as the top-level object of Keras 3's `.keras` files."""
    module, class_name, registered = class_identity(type(layer), "keras.layers")
    if getattr(type(layer), "op_name", None) and module == "keras.layers":
        module, registered = type(layer).keras_module, class_name  # as Keras writes its ops
    result = {"module": module, "class_name": class_name, "config": layer.get_config(),
              "registered_name": registered}
    build_config = get_build_config(layer)
    if build_config is not None:
        result["build_config"] = build_config
    get_compile_config = getattr(layer, "get_compile_config", None)
    if callable(get_compile_config):
        compile_config = get_compile_config()
        result["compile_config"] = compile_config if compile_config is not None else {}
    return result


def class_identity(cls, builtin_module):
    """(module, class_name, registered_name) as Keras 3 writes them for `cls`.

    A class registered with `@register_layer` answers with the module (and registered name) it
    registered; another minikeras class with `builtin_module` and no registered name; a user
    class gives its Python module and its registered name ("Package>Name"), or its class name
    when it was not registered."""
    registered = vars(cls).get("_registered_name")
    identity = layer_identity(cls)
    if identity is not None and registered is None:
        return identity[0], cls.__name__, identity[1]
    if cls.__module__.split(".")[0] == "minikeras" and registered is None:
        return builtin_module, cls.__name__, None
    module = None if cls.__module__ == "__main__" else cls.__module__
    return module, cls.__name__, registered or cls.__name__


def legacy_class_name(cls):
    """The class_name of the legacy (.h5 / Keras 2) spelling: "Package>Name" when registered."""
    return vars(cls).get("_registered_name") or cls.__name__


@contextlib.contextmanager
def legacy_config_scope():
    """Inside the block, model containers (Sequential, functional) list their layers in the
    legacy style of `.h5` files: {"class_name", "config"} without module / registered_name /
    build_config (objects nested inside a layer's config keep the Keras 3 style, as in Keras)."""
    previous = getattr(_state, "legacy", False)
    _state.legacy = True
    try:
        yield
    finally:
        _state.legacy = previous


def in_legacy_config_scope():
    return getattr(_state, "legacy", False)


def serialize_layer_entry(layer):
    """One element of a model's `layers` list: `serialize(layer)`, or its legacy spelling inside
    `legacy_config_scope()` (a nested model too: its own layers are listed in the legacy style)."""
    if not in_legacy_config_scope():
        return serialize(layer)
    from minikeras.ops.symbolic import Op
    if isinstance(layer, Op):  # "Add" the op, not the merge layer: the module tells them apart
        return {"module": layer.keras_module, "class_name": type(layer).__name__,
                "config": layer.get_config()}
    return {"class_name": legacy_class_name(type(layer)), "config": layer.get_config()}


# -- build configs ---------------------------------------------------------------------------------
def get_build_config(layer):
    """What Keras writes as a layer's "build_config", or None for an unbuilt layer.

    {"input_shape": shape} for a layer built from one input; {"shapes_dict": {"query_shape":
    ..., "value_shape": ...}} for one whose first call had several tensor arguments (attention,
    an RNN given `initial_state`). A class with its own `get_build_config` method decides for
    itself (models do: {"input_shape": None} for a functional model, Keras's value)."""
    from minikeras.layers.core.input_layer import InputLayer
    if isinstance(layer, InputLayer) or _built_at_init_in_keras(layer):
        return None
    if getattr(type(layer), "op_name", None):
        return None  # an op on tensors (minikeras.ops.symbolic.Op) has no build
    own = getattr(type(layer), "get_build_config", None)
    if own is not None:
        return own(layer)
    if not layer.built:
        return None
    if layer._inbound_nodes:
        from_node = _build_config_from_node(layer, layer._inbound_nodes[0])
        if from_node is not None:
            return from_node
    shape = layer.__dict__.get("_build_input_shape")
    if shape is None:
        return None
    return {"input_shape": shape_to_list(shape)}


#: Weightless layers that Keras 3 marks built in their constructor: they never record a
#: build_config (checked against Keras 3.15.1).
KERAS_BUILT_AT_INIT = frozenset({
    "Activation", "ActivityRegularization", "AlphaDropout", "AveragePooling1D",
    "AveragePooling2D", "AveragePooling3D", "Dropout", "ELU", "GaussianDropout", "GaussianNoise",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Identity", "LeakyReLU",
    "Masking", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "ReLU", "Reshape", "Softmax",
    "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "UnitNormalization"})


def _built_at_init_in_keras(layer):
    cls = type(layer)
    return cls.__module__.split(".")[0] == "minikeras" and cls.__name__ in KERAS_BUILT_AT_INIT


def _build_config_from_node(layer, node):
    """Keras records the shapes its `build` got at the first call: one per tensor argument."""
    from minikeras.backend.keras_tensor import KerasTensor
    from minikeras.tree import flatten, map_structure
    try:
        bound = inspect.signature(layer.call).bind_partial(*node.call_args, **node.call_kwargs)
    except TypeError:
        return None
    shapes = {}
    for name, value in bound.arguments.items():
        if name in ("mask", "args", "kwargs") or name.endswith("_mask"):
            continue
        leaves = flatten(value)
        if leaves and all(isinstance(leaf, KerasTensor) for leaf in leaves):
            shapes[f"{name}_shape"] = shape_to_list(map_structure(lambda t: t.shape, value))
    if not shapes:
        return None
    if len(shapes) == 1:
        return {"input_shape": next(iter(shapes.values()))}
    return {"shapes_dict": shapes}


def shape_to_list(shape):
    """A shape (or a list / dict of shapes) with tuples turned into JSON lists."""
    if isinstance(shape, dict):
        return {key: shape_to_list(value) for key, value in shape.items()}
    if isinstance(shape, (list, tuple)):
        return [shape_to_list(d) for d in shape]
    return None if shape is None else int(shape)


def shape_from_list(shape):
    """The inverse of `shape_to_list`: a shape is a tuple, a list of shapes stays a list."""
    if isinstance(shape, dict):
        return {key: shape_from_list(value) for key, value in shape.items()}
    if isinstance(shape, (list, tuple)):
        if all(d is None or isinstance(d, int) for d in shape):
            return tuple(shape)
        return [shape_from_list(s) for s in shape]
    return shape


def build_from_config(layer, build_config):
    """Create `layer`'s weights from a "build_config" (Keras's `build_from_config`), so that saved
    weights can be loaded before the layer ever sees data. Unknown or unusable build configs are
    left alone: the layer then builds at its first call, as usual."""
    if not build_config or layer.built:
        return
    own = getattr(type(layer), "build_from_config", None)
    if own is not None:
        own(layer, build_config)
        return
    if build_config.get("input_shape") is not None:
        shape = shape_from_list(build_config["input_shape"])
        layer._maybe_build(shape)
    elif build_config.get("shapes_dict"):
        shapes = {key: shape_from_list(value) for key, value in build_config["shapes_dict"].items()}
        try:
            layer.build(**shapes)
        except TypeError:
            layer.build(*shapes.values())
        layer.built = True


# -- reading ---------------------------------------------------------------------------------------
#: Keys that Keras 2 (tf.keras) wrote into layer configs and Keras 3 no longer accepts. They are
#: dropped when a config is read, so that Keras 2 files load (H5_FORMAT.md §3.4).
KERAS2_ONLY_KEYS = {
    "SimpleRNN": ("time_major", "implementation"),
    "LSTM": ("time_major", "implementation"),
    "GRU": ("time_major", "implementation"),
    "RNN": ("time_major",),
    "SimpleRNNCell": ("implementation",),
    "LSTMCell": ("implementation",),
    "GRUCell": ("implementation",),
    "Embedding": ("input_length",),
    "DepthwiseConv1D": ("groups", "filters", "kernel_initializer", "kernel_regularizer",
                        "kernel_constraint"),
    "DepthwiseConv2D": ("groups", "filters", "kernel_initializer", "kernel_regularizer",
                        "kernel_constraint"),
    "SeparableConv1D": ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"),
    "SeparableConv2D": ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint"),
    "Conv1DTranspose": ("groups",),
    "Conv2DTranspose": ("groups",),
    "Conv3DTranspose": ("groups",),
    "MultiHeadAttention": ("query_shape", "key_shape", "value_shape", "softmax_robust_masking"),
    "Attention": ("causal",),
    "AdditiveAttention": ("causal",),
}


#: the policy names that are no dtype: float16 / bfloat16 computations, float32 weights
MIXED_PRECISION_POLICIES = ("mixed_float16", "mixed_bfloat16")


def normalize_keras2_config(cls, config):
    """A copy of `config` that `cls(**config)` accepts when it was written by Keras 2.

    Drops the keys of `KERAS2_ONLY_KEYS` (looked up along the class hierarchy, so aliases and
    subclasses of built-in layers are covered), turns a one-element BatchNormalization `axis`
    list into an int, and a saved dtype policy into its name (a `DTypePolicyMap` stays a
    config; mixed precision names such as "mixed_float16" are layer policies too)."""
    config = dict(config)
    names = [klass.__name__ for klass in cls.__mro__
             if klass.__module__.split(".")[0] == "minikeras"]
    for name in names:
        for key in KERAS2_ONLY_KEYS.get(name, ()):
            if key in config and not _own_parameter(cls, key):
                config.pop(key)
    if "BatchNormalization" in names and isinstance(config.get("axis"), (list, tuple)):
        if len(config["axis"]) != 1:
            raise ValueError(f"BatchNormalization config {config.get('name')!r}: minikeras "
                             f"normalizes over one axis; received axis={config['axis']}.")
        config["axis"] = config["axis"][0]
    dtype = config.get("dtype")
    if isinstance(dtype, dict):
        if dtype.get("class_name") == "DTypePolicyMap":
            return config
        dtype = (dtype.get("config") or {}).get("name")
        config["dtype"] = dtype
    if dtype is not None and dtype not in MIXED_PRECISION_POLICIES:
        _check_config_dtype(cls, config, dtype)
    return config


def _check_config_dtype(cls, config, dtype):
    """Refuse a config dtype that is not the name of a number or bool type ('float32', 'int32',
    'bool', ...), naming the layer, before NumPy fails somewhere inside the layer."""
    import numpy as np
    try:
        kind = np.dtype(dtype).kind if isinstance(dtype, str) else None
    except TypeError:
        kind = None
    if kind is None or kind not in "biufc":
        raise ValueError(f"{cls.__name__} config {config.get('name')!r}: invalid `dtype` "
                         f"{str(dtype)[:100]!r}; expected the name of a number type such as "
                         f"'float32', 'float64', 'int32' or 'bool' (or a DTypePolicy of one).")


def _own_parameter(cls, key):
    try:
        return key in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False


def resolve_class(config, custom_objects=None, kind="layer", table=None):
    """The class a {"class_name", "registered_name"?, "module"?} dict names: custom objects
    (by registered name, then class name) before the built-in `table`."""
    class_name = config["class_name"]
    registered = config.get("registered_name")
    cls = None
    for name in (registered, class_name):
        if name:
            cls = get_registered_object(name, custom_objects)
            if cls is not None:
                return cls
    module = config.get("module")
    if str(module or "").startswith(("keras.src.ops", "keras.ops")):
        from minikeras.ops.symbolic import keras_op_class
        op_class = keras_op_class(class_name)
        if op_class is not None:
            return op_class
        raise ValueError(
            f"The config uses the Keras op {class_name!r} (module {module!r}) as a step of a "
            f"functional model; minikeras functional models are made of layers. Wrap the "
            f"computation in a `Lambda` layer or a custom layer.")
    table = _table() if table is None else table
    if class_name in table:
        return table[class_name]
    where = f" (module {module!r})" if module and not str(module).startswith("keras") else ""
    close = difflib.get_close_matches(str(class_name), list(table), n=3, cutoff=0.6)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown {kind}: {class_name!r}{where}.{hint} If it is your own class, register it "
        f"with `@minikeras.saving.register_keras_serializable()` or pass it in "
        f"`custom_objects={{{class_name!r}: {class_name}}}`; minikeras.layers lists the "
        f"built-in layers.")


def is_known_class(config, custom_objects=None):
    """Whether `resolve_class` finds the class a config names."""
    try:
        resolve_class(config, custom_objects)
    except ValueError:
        return False
    return True


def deserialize(config, custom_objects=None):
    """Rebuild a layer (or a model used as a layer) from `serialize`'s output, from its legacy
    {"class_name", "config"} spelling, or from a Keras 2 config (see `normalize_keras2_config`).

    A model class rebuilds itself from its config as it is (`Model.from_config` knows
    Sequential, functional and subclass configs, Keras 2's included), then builds from its
    "build_config"."""
    if isinstance(config, str):
        return resolve(config, _table(), "layer", custom_objects)()
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize a layer from {config!r}: expected a dict with "
                         f"'class_name' and 'config'.")
    with custom_object_scope(custom_objects):
        cls = resolve_class(config, custom_objects)
        inner = config.get("config")
        if inner is None:
            inner = {}
        if _is_model_class(cls):
            model = instantiate(cls, inner, custom_objects)
            if config.get("build_config") and not model.built:
                build_from_config(model, config["build_config"])
            return model
        if not isinstance(inner, dict):
            raise ValueError(f"Cannot deserialize layer {config['class_name']!r}: its 'config' "
                             f"should be a dict, received {inner!r}.")
        layer = instantiate(cls, normalize_keras2_config(cls, inner), custom_objects)
        if config.get("build_config") and hasattr(layer, "built"):
            _try_build_from_config(layer, config["build_config"])
        return layer


def _try_build_from_config(layer, build_config):
    """`build_from_config`, undone when the shapes do not suit this layer's `build` (the layer
    then builds at its first call, as usual)."""
    trainable = list(layer._trainable_variables)
    non_trainable = list(layer._non_trainable_variables)
    try:
        build_from_config(layer, build_config)
    except (TypeError, ValueError):
        layer._trainable_variables[:] = trainable
        layer._non_trainable_variables[:] = non_trainable
        layer.built = False


def instantiate(cls, config, custom_objects=None):
    """`cls.from_config(config)` (passing `custom_objects` when it takes them)."""
    from_config = getattr(cls, "from_config", None)
    if from_config is None:
        return cls(**config)
    try:
        parameters = inspect.signature(from_config).parameters
    except (TypeError, ValueError):
        parameters = {}
    if "custom_objects" in parameters:
        return from_config(config, custom_objects=custom_objects)
    return from_config(config)
