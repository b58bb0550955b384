"""Layers to Keras 3 config dicts and back (`layers.serialize` / `layers.deserialize`)."""
from minikeras.saving.serialization import deserialize_keras_object, resolve


def _table():
    from minikeras import layers
    from minikeras.models.sequential import Sequential
    table = {name: obj for name, obj in vars(layers).items()
             if isinstance(obj, type) and issubclass(obj, layers.Layer)}
    table["Sequential"] = Sequential
    return table


def get(identifier):
    """A layer instance from an instance, a class name or a config dict."""
    from minikeras.layers.layer import Layer
    if isinstance(identifier, Layer):
        return identifier
    if isinstance(identifier, str):
        return resolve(identifier, _table(), "layer")()
    return deserialize(identifier)


def serialize(layer):
    """{"module": "keras.layers", "class_name": ..., "config": ..., "registered_name": ...}."""
    registered = getattr(type(layer), "_registered_name", None)
    result = {"module": "keras.layers", "class_name": type(layer).__name__,
              "config": layer.get_config(), "registered_name": registered}
    shape = getattr(layer, "_build_input_shape", None)
    if shape is not None:
        result["build_config"] = {"input_shape": list(shape)}
    return result


def deserialize(config, custom_objects=None):
    """Rebuild a layer from `serialize(layer)`'s output (or a Keras 2 {"class_name", "config"})."""
    return deserialize_keras_object(config, _table(), "layer", custom_objects)
