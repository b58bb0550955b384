"""Helpers a Keras user reaches for: seeding, one-hot labels, gradient checking."""
from minikeras.utils.gradient_check import numerical_gradient, gradient_check, layer_gradient_check
from minikeras.utils.random import set_random_seed
from minikeras.utils.numerical_utils import to_categorical, normalize
from minikeras.utils.naming import reset_names as _reset_names
from minikeras.utils.py_dataset import PyDataset, Sequence
from minikeras.utils.sequence_utils import pad_sequences
from minikeras.utils.timeseries import timeseries_dataset_from_array
from minikeras.utils.dataset_utils import split_dataset
from minikeras.utils.file_utils import get_file, hash_file, validate_file
from minikeras.utils.model_visualization import plot_model, model_to_dot


def unpack_x_y_sample_weight(data):
    """(x,), (x, y) or (x, y, sample_weight) -> (x, y, sample_weight), missing ones None."""
    from minikeras.models.trainer import unpack_x_y_sample_weight as unpack
    return unpack(data)


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """The tuple a train_step receives: (x,), (x, y) or (x, y, sample_weight)."""
    from minikeras.models.trainer import pack_x_y_sample_weight as pack
    return pack(x, y, sample_weight)


def clear_session(free_memory=True):
    """Reset the global state: layer name counters (`dense`, `dense_1`, ...) start again."""
    _reset_names()
