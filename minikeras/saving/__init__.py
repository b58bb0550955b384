"""`minikeras.saving`: model / weights files (.keras, .h5, .weights.h5), and the object
registry's public names (they live in `minikeras.registry`, below every family)."""
from minikeras.registry.serialization import (CustomObjectScope, custom_object_scope,
                                              enable_unsafe_deserialization, get_custom_objects,
                                              get_registered_name, get_registered_object,
                                              register_keras_serializable)
from minikeras.saving.serialization_lib import deserialize_keras_object, serialize_keras_object
from minikeras.saving.saving_api import load_model, save_model, save_weights, load_weights
from minikeras.saving.file_editor import KerasFileEditor  # noqa: E402,F401
