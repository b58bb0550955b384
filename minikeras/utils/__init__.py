"""Helpers a Keras user reaches for: seeding, one-hot labels, gradient checking, a progress
bar, and (as `keras.utils` has them) the registry's and the backend's public names."""
from minikeras.utils.gradient_check import numerical_gradient, gradient_check, layer_gradient_check
from minikeras.utils.random import set_random_seed
from minikeras.utils.numerical_utils import to_categorical, normalize
from minikeras.backend.global_state import clear_session
from minikeras.utils.py_dataset import PyDataset, Sequence
from minikeras.utils.sequence_utils import pad_sequences
from minikeras.utils.timeseries import timeseries_dataset_from_array
from minikeras.utils.text_dataset_utils import text_dataset_from_directory
from minikeras.utils.image_dataset_utils import image_dataset_from_directory
from minikeras.utils.audio_dataset_utils import audio_dataset_from_directory
from minikeras.utils.dataset_utils import split_dataset
from minikeras.utils.file_utils import get_file, hash_file, validate_file
from minikeras.utils.progbar import Progbar
from minikeras.utils.config import Config
from minikeras.utils.graph_utils import get_source_inputs
from minikeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img
from minikeras.backend.keras_tensor import is_keras_tensor
from minikeras.backend.dtypes import standardize_dtype
from minikeras.registry.serialization import (CustomObjectScope, custom_object_scope,
                                              get_custom_objects, get_registered_name,
                                              get_registered_object, register_keras_serializable)
from minikeras.backend.config import (enable_interactive_logging, disable_interactive_logging,
                                      is_interactive_logging_enabled)


# Names of `keras.utils` whose code lives in higher packages (the trainer's data helpers, the
# model drawing, the serialization that knows every family): imported on first use, so that
# this low-level package imports nothing above it when minikeras is imported (the allowed
# upward imports of docs/architecture.md).
_TRAINER_NAMES = ("pack_x_y_sample_weight", "unpack_x_y_sample_weight")
_DRAWING_NAMES = ("plot_model", "model_to_dot")
_SAVING_NAMES = ("serialize_keras_object", "deserialize_keras_object")
_LAYER_NAMES = ("FeatureSpace",)


def __getattr__(name):
    if name in _TRAINER_NAMES:
        from minikeras.trainers import data_adapters as module
    elif name in _DRAWING_NAMES:
        from minikeras.visualization import model_visualization as module
    elif name in _SAVING_NAMES:
        from minikeras.saving import serialization_lib as module
    elif name in _LAYER_NAMES:
        from minikeras.layers.preprocessing import feature_space as module
    else:
        raise AttributeError(f"module 'minikeras.utils' has no attribute {name!r}")
    return getattr(module, name)


def __dir__():
    return sorted(list(globals()) + list(_TRAINER_NAMES) + list(_DRAWING_NAMES)
                  + list(_SAVING_NAMES) + list(_LAYER_NAMES))
