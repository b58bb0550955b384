"""Keras 3's automatic `get_config` for your own layer and model classes.

A user class that does not write `get_config()` still serializes when every argument given to its
constructor is a plain JSON value (str, int, float, bool, None, or lists / dicts of those):

    class Scale(layers.Layer):
        def __init__(self, factor=2.0, **kwargs):
            super().__init__(**kwargs)
            self.factor = factor
        def call(self, x):
            return x * self.factor

    Scale(factor=3.0, name="s").get_config()
    # {"name": "s", "factor": 3.0, "trainable": True, "dtype": {...DTypePolicy...}}

`Layer.__new__` records the constructor arguments (`record_init_arguments`) before `__init__` runs;
`Layer.get_config` adds them (`auto_config`) when the class has no `get_config` of its own. A class
built from a non-JSON value (a layer, an array, a function) must write `get_config` (and, when
its config holds nested objects, `from_config`): the error names the arguments concerned.
"""
import inspect

from minikeras.backend import dtype_policy as dtype_policies

_SIGNATURES = {}
_BASIC_TYPES = (str, int, float, bool, type(None))


def _signature(cls):
    signature = _SIGNATURES.get(cls)
    if signature is None:
        try:
            signature = inspect.signature(cls.__init__)
        except (TypeError, ValueError):
            signature = False
        _SIGNATURES[cls] = signature
    return signature


def record_init_arguments(instance, cls, args, kwargs):
    """Store what `cls(*args, **kwargs)` received, for `auto_config` (called by `__new__`).

    Sets `instance._init_arguments` to {argument: value} (defaults included, `name` left out) and
    `instance._init_arguments_problem` to None, or to a sentence saying why no automatic config
    can be made (positional-only or *args arguments, values that are not plain JSON)."""
    arguments, problem = None, None
    signature = _signature(cls)
    if signature is False:
        problem = "its constructor signature cannot be inspected"
    else:
        try:
            bound = signature.bind(None, *args, **kwargs)
        except TypeError as error:
            problem = (f"its constructor was called with arguments that do not match its "
                       f"signature ({error})")
        else:
            bound.apply_defaults()
            parameters = list(signature.parameters.values())
            arguments = {}
            for index, (key, value) in enumerate(bound.arguments.items()):
                kind = signature.parameters[key].kind
                if index == 0 and parameters and key == parameters[0].name:
                    continue  # self
                if kind == inspect.Parameter.VAR_KEYWORD:
                    arguments.update(value)
                elif kind == inspect.Parameter.VAR_POSITIONAL:
                    if value:
                        problem = (f"its constructor received variadic positional arguments "
                                   f"(*{key}), which a config cannot name")
                elif kind == inspect.Parameter.POSITIONAL_ONLY:
                    problem = f"its constructor has the positional-only argument `{key}`"
                else:
                    arguments[key] = value
            arguments.pop("name", None)
            if isinstance(arguments.get("dtype"), dtype_policies.DTypePolicy):
                # a policy object: saved as its config (the base config's "dtype" wins anyway)
                arguments["dtype"] = dtype_policies.serialize(arguments["dtype"])
            unserializable = [key for key, value in arguments.items() if not _is_basic(value)]
            if problem is None and unserializable:
                described = ", ".join(f"`{key}` ({type(arguments[key]).__name__})"
                                      for key in unserializable)
                problem = (f"its constructor received values that are not plain JSON values "
                           f"(str, int, float, bool, None, or lists / dicts of those): {described}")
    if problem is not None:
        arguments = None
    instance.__dict__["_init_arguments"] = arguments
    instance.__dict__["_init_arguments_problem"] = problem


def _is_basic(value):
    if isinstance(value, (list, tuple)):
        return all(_is_basic(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and _is_basic(item) for key, item in value.items())
    return isinstance(value, _BASIC_TYPES)


def _jsonable(value):
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def uses_auto_config(obj, *defaults):
    """True when `obj`'s class is a user class whose `get_config` is one of `defaults`
    (the base implementation, `Layer.get_config`, which `Model` inherits)."""
    cls = type(obj)
    if cls.__module__.split(".")[0] == "minikeras":
        return False
    owner = next((klass for klass in cls.__mro__ if "get_config" in vars(klass)), None)
    return owner is not None and any(vars(owner)["get_config"] is getattr(d, "__func__", d)
                                     for d in defaults)


def auto_config(obj, base_config):
    """`base_config` ({"name", "trainable", "dtype", ...}) with the recorded constructor
    arguments inserted after "name", Keras's order. Raises NotImplementedError naming the class
    and the arguments concerned when no automatic config can be made."""
    arguments = obj.__dict__.get("_init_arguments")
    cls = type(obj)
    if arguments is None:
        problem = obj.__dict__.get("_init_arguments_problem")
        if problem is None:  # arguments not recorded at all (an object made without __new__)
            required = required_init_arguments(cls)
            if not required:
                return dict(base_config)
            problem = (f"its constructor arguments were not recorded; it needs "
                       f"{_names(required)}")
        raise NotImplementedError(
            f"Object {cls.__name__} cannot be serialized automatically: {problem}. Implement "
            f"`get_config()` in {cls.__name__} returning every constructor argument "
            f"({_names(init_argument_names(cls)) or 'none'}) as plain values, and, when the config "
            f"holds nested objects (layers, initializers, ...), a `from_config(cls, config)` "
            f"classmethod that rebuilds them, e.g.\n\n"
            f"    def get_config(self):\n"
            f"        return {{**super().get_config(), \"arg1\": self.arg1, ...}}\n")
    config = {"name": base_config.get("name")} if "name" in base_config else {}
    config.update({key: _jsonable(value) for key, value in arguments.items()})
    for key, value in base_config.items():
        config[key] = value
    if "name" in config and not accepts_argument(cls, "name"):
        config.pop("name")
    return config


def init_parameters(cls):
    signature = _signature(cls)
    if signature is False:
        return []
    return list(signature.parameters.values())[1:]


def init_argument_names(cls):
    """The named constructor arguments of `cls` (no self, *args or **kwargs)."""
    return [p.name for p in init_parameters(cls)
            if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]


def required_init_arguments(cls):
    """The constructor arguments of `cls` that have no default value."""
    return [p.name for p in init_parameters(cls)
            if p.default is inspect.Parameter.empty
            and p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]


def accepts_argument(cls, name):
    """Whether `cls(name=...)` is accepted: a parameter of that name or a **kwargs."""
    for parameter in init_parameters(cls):
        if parameter.name == name or parameter.kind == inspect.Parameter.VAR_KEYWORD:
            return True
    return False


def missing_init_arguments(cls, config):
    """The required constructor arguments of `cls` that `config` does not provide."""
    return [name for name in required_init_arguments(cls) if name not in config]


def _names(names):
    return ", ".join(f"`{name}`" for name in names)


def revive(cls, config, what="layer"):
    """`cls(**config)` from a config: the base keys (name, trainable, dtype) are passed only when
    the constructor takes them, and a config lacking required constructor arguments fails with
    an error that names them (what = "layer" or "model", for the message)."""
    from minikeras.layers.layer import dtype_from_config
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = dtype_from_config(config["dtype"])
    trainable = config.get("trainable", True)
    for key in ("name", "trainable", "dtype"):
        if key in config and not accepts_argument(cls, key):
            config.pop(key)
    missing = missing_init_arguments(cls, config)
    if missing:
        raise TypeError(
            f"Unable to revive {what} {cls.__name__} from its config: the config lacks the "
            f"constructor argument(s) {', '.join(repr(m) for m in missing)} of "
            f"{cls.__name__}.__init__. Make `{cls.__name__}.get_config()` return them (or write "
            f"a `from_config` classmethod). Received config keys: {sorted(config)}")
    try:
        instance = cls(**config)
    except TypeError as error:
        raise TypeError(f"Unable to revive {what} {cls.__name__} from its config (keys "
                        f"{sorted(config)}): {error}. When overriding `get_config()`, return "
                        f"exactly the constructor's arguments, or define a `from_config(cls, "
                        f"config)` classmethod.") from error
    if not trainable and instance.trainable:
        instance.trainable = False
    return instance
