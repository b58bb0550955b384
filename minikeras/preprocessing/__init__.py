"""`keras.preprocessing`, by module as in Keras: `preprocessing.image` (image files and arrays),
`preprocessing.sequence` (`pad_sequences`), and Keras 3's aliases of `keras.utils`' data helpers
(`timeseries_dataset_from_array`, `text_dataset_from_directory`,
`image_dataset_from_directory`)."""
from minikeras.preprocessing import image, sequence  # noqa: F401
from minikeras.utils.timeseries import timeseries_dataset_from_array  # noqa: F401
from minikeras.utils.text_dataset_utils import text_dataset_from_directory  # noqa: F401
from minikeras.utils.image_dataset_utils import image_dataset_from_directory  # noqa: F401
