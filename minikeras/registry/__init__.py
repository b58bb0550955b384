"""`minikeras.registry`: names to objects and back, at the bottom of the package.

Every family that turns names or configs into objects (activations, initializers, losses,
metrics, optimizers, layers, ...) uses this package, and it imports only `minikeras.backend`,
so no family needs `minikeras.saving` (the file formats, which sit on top and re-export the
public names: `minikeras.saving.register_keras_serializable` is the same function).

- `serialization`: the custom-object registry (`register_keras_serializable`,
  `custom_object_scope`, `get_registered_object`, ...), safe mode, and the generic
  `serialize_object` / `deserialize_object` every family calls with its own table (Keras's
  one-argument `serialize_keras_object` / `deserialize_keras_object`, which find the family
  themselves, are `minikeras.saving`'s);
- `layer_classes`: the built-in layer and model classes, registered by `@register_layer`.
"""
from minikeras.registry.serialization import (
    CustomObjectScope, custom_object_scope, deserialize_object,
    enable_unsafe_deserialization, get_custom_objects, get_registered_name,
    get_registered_object, register_keras_serializable, serialize_object)
from minikeras.registry.layer_classes import (get_layer_class, layer_identity, register_layer,
                                              registered_layers)
