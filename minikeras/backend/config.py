"""Global settings, as in `keras.config`: float type, fuzz factor, image layout, and whether
loading may run code stored in files."""

_FLOATX = "float32"
_EPSILON = 1e-7
_IMAGE_DATA_FORMAT = "channels_last"
_VALID_FLOATX = ("float16", "float32", "float64")
_VALID_DATA_FORMATS = ("channels_last", "channels_first")
_UNSAFE_DESERIALIZATION = False


def floatx():
    """The default float type as a string: 'float32' unless changed with `set_floatx`."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type ('float16', 'float32' or 'float64')."""
    global _FLOATX
    value = str(value)
    if value not in _VALID_FLOATX:
        raise ValueError(f"Unknown floatx type: {value!r}. Expected one of {_VALID_FLOATX}.")
    _FLOATX = value


def epsilon():
    """The fuzz factor used to keep logs and divisions finite: 1e-7 like Keras."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by `epsilon()`."""
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """'channels_last' (default) or 'channels_first'."""
    return _IMAGE_DATA_FORMAT


def set_image_data_format(data_format):
    """Set the default image layout used by convolution and pooling layers."""
    global _IMAGE_DATA_FORMAT
    data_format = str(data_format).lower()
    if data_format not in _VALID_DATA_FORMATS:
        raise ValueError(f"Unknown data_format: {data_format!r}. Expected one of {_VALID_DATA_FORMATS}.")
    _IMAGE_DATA_FORMAT = data_format


def backend():
    """The name of the array engine: always 'numpy' for minikeras."""
    return "numpy"


def enable_unsafe_deserialization():
    """Let every later load run code stored in configs (a Lambda's marshalled lambda), as if
    `safe_mode=False` were passed everywhere. Only for files you trust."""
    global _UNSAFE_DESERIALIZATION
    _UNSAFE_DESERIALIZATION = True


def unsafe_deserialization_enabled():
    """Whether `enable_unsafe_deserialization()` was called in this process."""
    return _UNSAFE_DESERIALIZATION
