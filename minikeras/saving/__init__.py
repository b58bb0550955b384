"""`minikeras.saving`: the object registry, and model / weights files (.keras, .h5, .weights.h5)."""
from minikeras.saving.serialization import (register_keras_serializable, custom_object_scope,
                                            get_custom_objects, serialize_keras_object,
                                            deserialize_keras_object,
                                            enable_unsafe_deserialization)
from minikeras.saving.saving_api import load_model, save_model, save_weights, load_weights
