"""The built-in layer and model classes by Keras name, filled by the `@register_layer` decorator.

Each built-in class registers itself where it is defined:

    @register_layer                                  # "Dense", module "keras.layers"
    class Dense(Layer): ...

    @register_layer(aliases=("Convolution2D",))      # Keras's second name for the class
    class Conv2D(BaseConv): ...

    @register_layer(module="keras")                  # models: Sequential, Model, Functional
    class Sequential(Model): ...

`layers.deserialize` finds a config's class here (so a nested Sequential or functional model is
found without the layers package importing the models package), and `layers.serialize` writes
the "module" Keras writes for the class. User classes are not registered here: they join
through `register_keras_serializable` or `custom_objects`.
"""
_CLASSES = {}      # Keras name (class name or alias) -> class
_IDENTITIES = {}   # class -> (module, registered_name) as Keras 3 writes them in configs


def register_layer(cls=None, *, aliases=(), module="keras.layers", registered_name=None):
    """Class decorator: register a built-in layer (or model) class under its class name and
    `aliases`, written in configs with `module` and `registered_name` (None for Keras's own
    layers). Usable bare (`@register_layer`) or with arguments."""
    def decorator(klass):
        names = (klass.__name__,) + tuple(aliases)
        for name in names:
            existing = _CLASSES.get(name)
            if existing is not None and existing is not klass:
                raise ValueError(f"register_layer: the name {name!r} is already taken by "
                                 f"{existing.__module__}.{existing.__qualname__}.")
        for name in names:
            _CLASSES[name] = klass
        _IDENTITIES[klass] = (module, registered_name)
        return klass
    return decorator if cls is None else decorator(cls)


def registered_layers():
    """A copy of the table: every registered name (aliases included) -> class."""
    return dict(_CLASSES)


def get_layer_class(name):
    """The built-in class registered as `name`, else None."""
    return _CLASSES.get(name)


def layer_identity(cls):
    """(module, registered_name) that configs give the built-in class `cls` (registered
    itself, not through a base class), else None."""
    return _IDENTITIES.get(cls)
