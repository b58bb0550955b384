"""`keras.preprocessing`: Keras's older home of the data helpers, kept by Keras 3 as aliases
of `keras.utils`'s: `sequence.pad_sequences`, `timeseries_dataset_from_array`,
`text_dataset_from_directory` and `image_dataset_from_directory`."""
from minikeras.preprocessing import sequence  # noqa: F401
from minikeras.utils.timeseries import timeseries_dataset_from_array  # noqa: F401
from minikeras.utils.text_dataset_utils import text_dataset_from_directory  # noqa: F401
from minikeras.utils.image_dataset_utils import image_dataset_from_directory  # noqa: F401
