"""Lambda: wrap any function of tensors as a layer.

    layers.Lambda(lambda x: x ** 2)
    layers.Lambda(scale, arguments={"factor": 3.0}, output_shape=(3, 4))

Saving a Lambda is where care is needed, as in Keras 3. A named function is written by name
({"module": "builtins", "class_name": "function", "config": "scale", ...}) and found again among
registered functions (`register_keras_serializable`), `custom_objects` and the built-in
activations. A Python lambda has no name to look up, so Keras writes its marshalled bytecode
({"class_name": "__lambda__", "config": {"code": base64, "defaults", "closure"}}); loading that
runs code from the config, so `from_config` refuses it unless `safe_mode=False` is passed.
Keras 2 (`.h5` files of tf.keras) wrote the same bytecode as a list [code, defaults, closure]
with "function_type": "lambda"; it is read, and refused in safe mode, the same way.

A function NAME is safe to load, but only among public names: in safe mode a name resolves to a
registered custom object, a built-in activation or a public op of `minikeras.ops` (a name
registered with `@op`, or one of Keras's ops without a graph node: `convert_to_tensor`, `shape`,
`ones`, `zeros`), never to a private helper a crafted config could misuse.
"""
import base64
import builtins
import inspect
import marshal
import types

from minikeras import activations
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, no_grad
from minikeras.layers.config_values import deserialize_value, serialize_value
from minikeras.layers.layer import Layer, _is_shape_list
from minikeras.registry import serialization as registry_serialization
from minikeras.registry.layer_classes import register_layer


@register_layer
class Lambda(Layer):
    """Apply `function(inputs, **arguments)`; the function may use any `minikeras.ops`, so
    gradients flow through it without further work.

    Args:
        function: callable taking the input tensor (or list of tensors) first. If it accepts
            `training` or `mask` arguments, the layer passes them on.
        output_shape: None (inferred by running the function on zeros), a tuple without the
            batch axis (the batch size is copied from the input), a list of such tuples for a
            function with several outputs, or a function of the full input shape.
        mask: None, a callable `mask(inputs, previous_mask)`, or a fixed mask.
        arguments: dict of extra keyword arguments for `function`.
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, received {function!r} "
                            f"(of type {type(function).__name__}).")
        if arguments is not None and not isinstance(arguments, dict):
            raise TypeError(f"Lambda: `arguments` must be a dict of keyword arguments for the "
                            f"function, received {arguments!r} (of type "
                            f"{type(arguments).__name__}).")
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        self._output_shape = _standardize_output_shape(output_shape)
        parameters = _parameter_names(function)
        self._fn_expects_training_arg = "training" in parameters
        self._fn_expects_mask_arg = "mask" in parameters
        self.built = True

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_expects_mask_arg:
            kwargs["mask"] = mask
        if self._fn_expects_training_arg:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs, mask=None):
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return self._infer_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch_size = (input_shape[0][0] if _is_shape_list(input_shape) else input_shape[0])
        if _is_shape_list(self._output_shape):
            return [(batch_size,) + shape for shape in self._output_shape]
        return (batch_size,) + self._output_shape

    def _infer_output_shape(self, input_shape):
        """Run the function on zeros twice, unknown sizes set to 1 then to 2: an output size that
        changes between the runs depends on an unknown input size, so it is unknown too."""
        try:
            first = self._shapes_of_outputs(input_shape, 1)
            if not _has_unknown(input_shape):
                return first
            second = self._shapes_of_outputs(input_shape, 2)
        except Exception as error:
            raise NotImplementedError(
                "We could not automatically infer the shape of the Lambda's output. Please "
                "specify the `output_shape` argument for this Lambda layer.") from error

        def merge(a, b):
            return tuple(x if x == y else None for x, y in zip(a, b))
        if isinstance(first, list):
            return [merge(a, b) for a, b in zip(first, second)]
        return merge(first, second)

    def _shapes_of_outputs(self, input_shape, unknown_size):
        def zeros(shape):
            concrete = tuple(unknown_size if d is None else d for d in shape)
            return Tensor(xp.zeros(concrete, dtype=self.dtype))
        inputs = ([zeros(s) for s in input_shape] if _is_shape_list(input_shape)
                  else zeros(input_shape))
        with no_grad():
            outputs = self.call(inputs, training=False)
        if isinstance(outputs, (list, tuple)):
            return [tuple(o.shape) for o in outputs]
        return tuple(outputs.shape)

    def get_config(self):
        config = {"function": serialize_function(self.function)}
        if self._output_shape is not None:
            config["output_shape"] = (serialize_function(self._output_shape)
                                      if callable(self._output_shape) else self._output_shape)
        if self.mask is not None:
            config["mask"] = (serialize_function(self.mask) if callable(self.mask)
                              else serialize_value(self.mask))
        config["arguments"] = serialize_value(self.arguments)
        return {**super().get_config(), **config}

    @classmethod
    def from_config(cls, config, custom_objects=None, safe_mode=None):
        """Rebuild from `get_config()`. A Python lambda in the config (its bytecode) is only
        loaded when `safe_mode=False` (or when the surrounding loader turned safe mode off)."""
        config = dict(config)
        safe = _in_safe_mode(safe_mode)
        config = _from_keras2_config(config)
        config["function"] = deserialize_function(config["function"], "function", safe,
                                                  custom_objects)
        if config.get("output_shape") is not None:
            value = config["output_shape"]
            if isinstance(value, (dict, str)):
                config["output_shape"] = deserialize_function(value, "output_shape", safe,
                                                              custom_objects)
        if isinstance(config.get("mask"), dict) and _is_function_config(config["mask"]):
            config["mask"] = deserialize_function(config["mask"], "mask", safe, custom_objects)
        elif "mask" in config:
            config["mask"] = deserialize_value(config["mask"])
        if "arguments" in config:
            config["arguments"] = deserialize_value(config["arguments"])
        return super().from_config(config)


# -- output shapes ---------------------------------------------------------------------------------
def _standardize_output_shape(output_shape):
    """None, a function, a tuple of sizes, or a list of tuples (one per output)."""
    if output_shape is None or callable(output_shape):
        return output_shape
    if isinstance(output_shape, (list, tuple)):
        if output_shape and all(isinstance(s, (list, tuple)) for s in output_shape):
            return [_shape_tuple(s, output_shape) for s in output_shape]
        return _shape_tuple(output_shape, output_shape)
    raise TypeError(f"Lambda: `output_shape` must be None, a tuple of sizes (without the batch "
                    f"axis), a list of such tuples or a function of the input shape. Received: "
                    f"output_shape={output_shape!r}")


def _shape_tuple(shape, full):
    if not all(d is None or (isinstance(d, int) and not isinstance(d, bool) and d >= 0)
               for d in shape):
        raise TypeError(f"Lambda: every size in `output_shape` must be a non-negative integer or "
                        f"None. Received: output_shape={full!r}")
    return tuple(shape)


def _has_unknown(input_shape):
    shapes = input_shape if _is_shape_list(input_shape) else [input_shape]
    return any(d is None for shape in shapes for d in shape)


def _parameter_names(function):
    try:
        return set(inspect.signature(function).parameters)
    except (TypeError, ValueError):  # some built-ins have no signature
        return set()


# -- functions in configs ----------------------------------------------------------------------
#: The keys Keras 2's Lambda config had besides Keras 3's (how to read `function` and
#: `output_shape`, and the module they came from).
_KERAS2_KEYS = ("function_type", "module", "output_shape_type", "output_shape_module")
#: Public ops of `minikeras.ops` (and of `keras.ops`) that are not `@op`s: they make no graph node.
_PUBLIC_NON_GRAPH_OPS = ("convert_to_tensor", "shape", "ones", "zeros")


def _from_keras2_config(config):
    """A Keras 2 Lambda config in Keras 3's spelling: marshalled bytecode ([code, defaults,
    closure] with function_type / output_shape_type "lambda") becomes a "__lambda__" dict (so that
    safe mode refuses it like Keras 3's), and the Keras 2-only keys are dropped."""
    for key, kind in (("function", "function_type"), ("output_shape", "output_shape_type")):
        value = config.get(key)
        if config.get(kind) == "lambda" or (key == "function" and isinstance(value, (list, tuple))):
            code, defaults, closure = (list(value) + [None, None, None])[:3] \
                if isinstance(value, (list, tuple)) else (value, None, None)
            config[key] = {"class_name": "__lambda__",
                           "config": {"code": code, "defaults": defaults, "closure": closure}}
    for key in _KERAS2_KEYS:
        config.pop(key, None)
    return config


def public_op(name):
    """The op `minikeras.ops.<name>` when `name` is a public op (see the module docstring), else
    None. A Lambda config may name nothing else of `minikeras.ops`."""
    from minikeras import ops
    from minikeras.ops.symbolic import registered_ops
    if not isinstance(name, str) or name.startswith("_"):
        return None
    found = getattr(ops, name, None)
    if found is None:
        return None
    registered = registered_ops()
    if name in registered or getattr(found, "op_name", None) in registered \
            or name in _PUBLIC_NON_GRAPH_OPS:
        return found
    return None


def _refuse_in_safe_mode(name, what):
    return ValueError(
        f"Requested the deserialization of a `Lambda` layer whose `{what}` names {name!r}, "
        f"which is neither a registered custom object, nor a built-in activation, nor a public op "
        f"of `minikeras.ops`. In safe mode (safe_mode=True, the default) a config may only name "
        f"those, so that a crafted file cannot call internal helpers. If you trust the source of "
        f"this config, pass `safe_mode=False` to the loading function (`load_model(path, "
        f"safe_mode=False)`, `Lambda.from_config(config, safe_mode=False)`); better, register "
        f"your function with `register_keras_serializable()` or pass it in `custom_objects`.")


def serialize_function(fn):
    """A function as Keras 3 writes it inside a Lambda config (see the module docstring)."""
    if isinstance(fn, types.LambdaType) and fn.__name__ == "<lambda>":
        code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
        closure = tuple(cell.cell_contents for cell in fn.__closure__) if fn.__closure__ else None
        return {"class_name": "__lambda__",
                "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}
    if isinstance(fn, (types.FunctionType, types.BuiltinFunctionType)):
        name = getattr(fn, "_registered_name", None) or fn.__name__
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    if hasattr(fn, "get_config"):
        return registry_serialization.serialize_object(fn, type(fn).__module__)
    raise ValueError(f"Lambda: cannot serialize {fn!r} (of type {type(fn).__name__}): use a "
                     f"function, a lambda, or an object with `get_config()`.")


def _is_function_config(config):
    return config.get("class_name") in ("__lambda__", "function") or "module" in config


def deserialize_function(config, what, safe_mode, custom_objects=None):
    """The callable described by `serialize_function`'s output.

    `what` names the argument in errors ('function', 'output_shape', 'mask').
    """
    if isinstance(config, dict) and config.get("class_name") == "__lambda__":
        if not isinstance(config.get("config"), dict) or \
                not isinstance(config["config"].get("code"), str):
            raise ValueError(f"Lambda: the serialized Python lambda in `{what}` has no bytecode "
                             f"string under config['code']; the config is corrupted.")
        if safe_mode:
            raise ValueError(
                f"Requested the deserialization of a `Lambda` layer whose `{what}` is a Python "
                f"lambda. Loading it means running bytecode stored in the config, which could "
                f"execute arbitrary code, so it is disallowed by default (safe_mode=True). If you "
                f"trust the source of this config, pass `safe_mode=False` to the loading "
                f"function (`load_model(path, safe_mode=False)`, "
                f"`Lambda.from_config(config, safe_mode=False)`) or call "
                f"`minikeras.saving.enable_unsafe_deserialization()`; better, replace the lambda "
                f"by a named function registered with `register_keras_serializable()`.")
        inner = config.get("config", {})
        return _load_lambda(inner["code"], inner.get("defaults"), inner.get("closure"))
    if isinstance(config, dict) and config.get("class_name") == "function":
        name = config.get("config")
    elif isinstance(config, str):
        name = config
    elif isinstance(config, dict):
        return registry_serialization.deserialize_object(config, {}, "function",
                                                             custom_objects)
    else:
        raise TypeError(f"Lambda: cannot deserialize `{what}` from {str(config)[:200]!r}: "
                        f"expected a function name or a serialized function dict.")
    if not isinstance(name, str):
        raise TypeError(f"Lambda: the function name in `{what}` must be a string, received "
                        f"{str(name)[:200]!r} (of type {type(name).__name__}).")
    from minikeras import ops
    try:
        return registry_serialization.resolve(name, activations.ALL_OBJECTS_DICT, "function",
                                            custom_objects)
    except ValueError:
        found = public_op(name)
        if found is not None:
            return found  # e.g. Lambda(ops.abs); Keras 3 itself cannot find it
        if hasattr(ops, name) or hasattr(activations, name):
            if safe_mode:
                raise _refuse_in_safe_mode(name, what) from None
            if callable(getattr(ops, name, None)):
                return getattr(ops, name)  # the caller trusts the file (safe_mode=False)
        raise TypeError(
            f"Could not locate function {name!r} (the Lambda layer's `{what}`). Make sure custom "
            f"functions are decorated with `@minikeras.saving.register_keras_serializable()` "
            f"(and imported before loading), or pass them in `custom_objects`. Full object "
            f"config: {config}") from None


def _load_lambda(code, defaults=None, closure=None):
    """A function rebuilt from marshalled bytecode. Only reached with safe mode off.

    Global names inside the lambda resolve to `minikeras` (also under the name `keras`),
    `minikeras.ops` as `ops`, NumPy as `np`/`numpy` and Python's built-ins.
    """
    import numpy
    import minikeras
    try:
        code_object = marshal.loads(base64.decodebytes(code.encode("ascii")))
    except (ValueError, EOFError, TypeError) as error:
        raise ValueError("Lambda: could not load the bytecode of a serialized lambda; it is only "
                         "readable by the Python version that wrote it.") from error
    if isinstance(defaults, list):
        defaults = tuple(defaults)
    cells = None if closure is None else tuple(types.CellType(value) for value in closure)
    namespace = {"__builtins__": builtins, "minikeras": minikeras, "keras": minikeras,
                 "ops": minikeras.ops, "np": numpy, "numpy": numpy}
    return types.FunctionType(code_object, namespace, name=code_object.co_name,
                              argdefs=defaults, closure=cells)


def _in_safe_mode(safe_mode):
    """An explicit `safe_mode` wins; otherwise the loader's `safe_mode_scope` decides."""
    if safe_mode is None:
        safe_mode = registry_serialization.in_safe_mode()
    return safe_mode is not False
