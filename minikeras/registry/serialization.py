"""Names to objects and back: how every Keras module resolves `"relu"`, `"adam"`, configs.

Each family (activations, initializers, losses, ...) keeps a table of its public objects and calls
`resolve` for string identifiers, `serialize_object` to describe an object as a Keras 3
config dict, and `deserialize_object` to rebuild it. User classes join through
`register_keras_serializable` or `custom_object_scope`, as in Keras.
"""
import contextlib
import difflib
import inspect
import threading

from minikeras.backend import config as _config

# The process-wide opt-in lives with the other global settings (`minikeras.config`, as Keras's).
enable_unsafe_deserialization = _config.enable_unsafe_deserialization
unsafe_deserialization_enabled = _config.unsafe_deserialization_enabled

_GLOBAL_CUSTOM_OBJECTS = {}   # "Package>Name" -> class or function
_GLOBAL_CUSTOM_NAMES = {}     # class or function -> "Package>Name"
_scope = threading.local()


def get_custom_objects():
    """The global dict of registered custom objects (name -> class or function)."""
    return _GLOBAL_CUSTOM_OBJECTS


def register_keras_serializable(package="Custom", name=None):
    """Decorator registering a class or function under "package>name" (Keras's scheme)."""
    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"register_keras_serializable: class {obj.__name__} needs get_config().")
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        obj._registered_name = registered
        return obj
    return decorator


class CustomObjectScope:
    """Make `custom_objects` (a dict: name -> class or function) visible to every `get` /
    `deserialize` inside a `with` block (Keras's `CustomObjectScope`; `custom_object_scope` is
    the same class). Scopes nest; the innermost wins."""

    def __init__(self, custom_objects=None):
        self.custom_objects = dict(custom_objects or {})
        self._outer = None

    def __enter__(self):
        self._outer = getattr(_scope, "stack", [])
        _scope.stack = self._outer + [self.custom_objects]
        return self

    def __exit__(self, *exc_info):
        _scope.stack = self._outer
        return False


custom_object_scope = CustomObjectScope


@contextlib.contextmanager
def safe_mode_scope(safe_mode=True):
    """Inside the block, deserialization runs in `safe_mode` (True: never execute code read
    from a config, such as a Lambda layer's marshalled function; None: keep the outer setting)."""
    stack = getattr(_scope, "safe_mode", [])
    _scope.safe_mode = stack + [safe_mode] if safe_mode is not None else stack
    try:
        yield
    finally:
        _scope.safe_mode = stack


def in_safe_mode():
    """Whether code read from a config must not be executed: the innermost `safe_mode_scope`,
    else False after `enable_unsafe_deserialization()`, else True."""
    stack = getattr(_scope, "safe_mode", [])
    if stack:
        return bool(stack[-1])
    return not unsafe_deserialization_enabled()


def lookup_custom_object(name, custom_objects=None):
    """The object registered as `name`: in `custom_objects`, the open custom_object_scope()s
    (innermost first), then the global registry (also by the part after "Package>"); or None."""
    for table in [custom_objects or {}] + list(reversed(getattr(_scope, "stack", []))):
        if name in table:
            return table[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
        if registered.split(">", 1)[-1] == name:
            return obj
    return None


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The class or function registered as `name`, else None (Keras's `get_registered_object`).

    Looked up in `custom_objects`, then the open `custom_object_scope`s (innermost first), then
    the global registry (by "Package>Name", then by the bare name), then `module_objects`."""
    found = lookup_custom_object(name, custom_objects)
    if found is None and module_objects:
        found = module_objects.get(name)
    return found


def get_registered_name(obj):
    """The name `obj` was registered under ("Package>Name"), else its `__name__` (a subclass
    of a registered class is not registered itself)."""
    return _GLOBAL_CUSTOM_NAMES.get(obj, obj.__name__)


def resolve(identifier, table, kind, custom_objects=None):
    """Look up a string identifier in `table` (then in custom objects).

    Raises a ValueError that lists the valid names, e.g.
    "Unknown activation: 'rellu'. Valid activations: 'elu', 'gelu', ..."
    """
    found = lookup_custom_object(identifier, custom_objects)
    if found is None:
        found = table.get(identifier)
    if found is None and isinstance(identifier, str):
        found = table.get(identifier.lower())
    if found is None:
        valid = ", ".join(repr(n) for n in sorted(table))
        close = difflib.get_close_matches(str(identifier), list(table), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        plural = kind + ("es" if kind.endswith("s") else "s")
        raise ValueError(f"Unknown {kind}: {identifier!r}.{hint} Valid {plural}: {valid}.")
    return found


def serialize_object(obj, module):
    """A Keras 3 config dict: {"module", "class_name", "config", "registered_name"}, with
    `module` the public Keras module of the caller's family ("keras.losses").

    Objects without `get_config` (plain functions) serialize to their registered or plain name.
    """
    if obj is None:
        return None
    registered = getattr(obj, "_registered_name", None) or getattr(type(obj), "_registered_name", None)
    if not hasattr(obj, "get_config") or inspect.isfunction(obj):
        return registered or obj.__name__
    return {
        "module": module,
        "class_name": type(obj).__name__,
        "config": obj.get_config(),
        "registered_name": registered,
    }


def deserialize_object(config, table, kind, custom_objects=None):
    """Rebuild an object from a name or a config dict produced by `serialize_object`.

    `table` maps class/function names of this family to the objects; `kind` names the family
    in error messages.
    """
    if config is None:
        return None
    if isinstance(config, str):
        found = resolve(config, table, kind, custom_objects)
        return found() if inspect.isclass(found) else found
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Cannot deserialize {kind} from {config!r}: expected a name or a dict "
                         f"with 'class_name' and 'config'.")
    name = config.get("registered_name") or config["class_name"]
    cls = lookup_custom_object(name, custom_objects) or lookup_custom_object(config["class_name"], custom_objects)
    if cls is None:
        cls = resolve(config["class_name"], table, kind, custom_objects)
    inner = config.get("config") or {}
    if hasattr(cls, "from_config"):
        return cls.from_config(inner)
    return cls(**inner) if inspect.isclass(cls) else cls


def get_object(identifier, kind, deserialize, base_class=None, class_of_function=None, wrap=None):
    """The `get(identifier)` shared by every family (losses, metrics, regularizers, ...).

    None stays None; an instance of `base_class` passes through; a name or config dict goes
    through the family's `deserialize`; a class is instantiated with its defaults; a built-in
    function listed in `class_of_function` becomes an instance of its class; any other callable
    is wrapped by `wrap(fn, name=...)` (or returned as it is when `wrap` is None).
    """
    if identifier is None:
        return None
    if base_class is not None and isinstance(identifier, base_class):
        return identifier
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if base_class is not None and isinstance(obj, base_class):
        return obj
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        if class_of_function and inspect.isfunction(obj) and obj in class_of_function:
            return class_of_function[obj]()
        if wrap is None:
            return obj
        return wrap(obj, name=getattr(obj, "__name__", None) or type(obj).__name__)
    raise ValueError(f"Could not interpret {kind} identifier: {identifier!r}. Expected a {kind} "
                     f"name, a config dict, a class or instance, or a function.")


def deserialize_class_or_function(config, names, classes, kind, custom_objects=None):
    """`deserialize` for families made of classes and plain functions (losses, metrics).

    A name is looked up in `names` (a class comes back instantiated, a function as it is);
    Keras's {"class_name": "function", "config": name} form is a name too; any other config dict
    is rebuilt from `classes` with `custom_objects` in scope.
    """
    if config is None:
        return None
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config.get("config")
    if isinstance(config, str):
        found = resolve(config, names, kind, custom_objects)
        return found() if inspect.isclass(found) else found
    with custom_object_scope(custom_objects):
        return deserialize_object(config, classes, kind, custom_objects)
