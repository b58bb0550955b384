"""`keras.preprocessing`: Keras's older names of the data helpers are `keras.utils`'s."""
import minikeras
from minikeras import preprocessing, utils


def test_preprocessing_names_are_the_utils_functions():
    assert preprocessing.sequence.pad_sequences is utils.pad_sequences
    assert preprocessing.timeseries_dataset_from_array is utils.timeseries_dataset_from_array
    assert preprocessing.text_dataset_from_directory is utils.text_dataset_from_directory
    assert preprocessing.image_dataset_from_directory is utils.image_dataset_from_directory
    assert minikeras.preprocessing is preprocessing


def test_pad_sequences_through_preprocessing():
    from minikeras.preprocessing.sequence import pad_sequences
    assert pad_sequences([[1], [2, 3]]).tolist() == [[0, 1], [2, 3]]
