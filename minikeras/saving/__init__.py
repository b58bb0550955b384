"""Serialization helpers (and, in later issues, HDF5 model files)."""
from minikeras.saving.serialization import (register_keras_serializable, custom_object_scope,
                                            get_custom_objects, serialize_keras_object,
                                            deserialize_keras_object)
