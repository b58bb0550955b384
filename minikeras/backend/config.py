"""Global settings, as in `keras.config`: float type, fuzz factor, image layout, and whether
loading may run code stored in files."""

import os

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


# -- switches read by other parts of the package (Keras keeps them in its global state) --------
_INTERACTIVE_LOGGING = True
_TRACEBACK_FILTERING = True
_FLASH_ATTENTION = None   # Keras's default: None means "use it where it applies"


def _int_from_environment(name):
    value = os.environ.get(name)
    return int(value) if value else None


# Like Keras, the caps can come from the environment, to shorten a script's run without editing it.
_MAX_EPOCHS = _int_from_environment("KERAS_MAX_EPOCHS")
_MAX_STEPS_PER_EPOCH = _int_from_environment("KERAS_MAX_STEPS_PER_EPOCH")


def enable_interactive_logging():
    """Progress bars and `fit`'s messages go to stdout (the default)."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = True


def disable_interactive_logging():
    """Progress bars and `fit`'s messages go to the `logging` module (logger "minikeras", level
    INFO) instead of stdout, as Keras sends them to absl logging: for jobs run on a server."""
    global _INTERACTIVE_LOGGING
    _INTERACTIVE_LOGGING = False


def is_interactive_logging_enabled():
    """True unless `disable_interactive_logging()` was called."""
    return _INTERACTIVE_LOGGING


def enable_traceback_filtering():
    """Keras hides its own frames in tracebacks while this is on (the default). minikeras keeps
    whole tracebacks, since its frames are meant to be read; the switch is kept for Keras code."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = True


def disable_traceback_filtering():
    """Turn the traceback filtering switch off (see `enable_traceback_filtering`)."""
    global _TRACEBACK_FILTERING
    _TRACEBACK_FILTERING = False


def is_traceback_filtering_enabled():
    """True unless `disable_traceback_filtering()` was called."""
    return _TRACEBACK_FILTERING


def enable_flash_attention():
    """Let `ops.dot_product_attention` use flash attention where it applies (the default).
    As in Keras, this resets the switch to None, which means "where it applies"."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = None


def disable_flash_attention():
    """Make `ops.dot_product_attention` never use flash attention."""
    global _FLASH_ATTENTION
    _FLASH_ATTENTION = False


def is_flash_attention_enabled():
    """False after `disable_flash_attention()`; otherwise None (Keras's value for "enabled
    where it applies")."""
    return _FLASH_ATTENTION


def set_max_epochs(max_epochs):
    """Cap the epochs of every `fit` (None: no cap), for quick debugging runs. The environment
    variable KERAS_MAX_EPOCHS sets it at import."""
    global _MAX_EPOCHS
    _MAX_EPOCHS = max_epochs


def max_epochs():
    """The cap on `fit`'s epochs set by `set_max_epochs` or KERAS_MAX_EPOCHS, or None."""
    return _MAX_EPOCHS


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Cap the steps of every epoch (None: no cap), for quick debugging runs. The environment
    variable KERAS_MAX_STEPS_PER_EPOCH sets it at import."""
    global _MAX_STEPS_PER_EPOCH
    _MAX_STEPS_PER_EPOCH = max_steps_per_epoch


def max_steps_per_epoch():
    """The cap on steps per epoch set by `set_max_steps_per_epoch` or
    KERAS_MAX_STEPS_PER_EPOCH, or None."""
    return _MAX_STEPS_PER_EPOCH


def dtype_policy():
    """The global `DTypePolicy`: the one given to `set_dtype_policy`, else `floatx()`'s."""
    from minikeras.backend import dtype_policy as policies
    return policies.global_policy()


def set_dtype_policy(policy):
    """Set the policy layers take when built without `dtype=`: a name ("mixed_float16",
    "float64", ...) or a `DTypePolicy`."""
    from minikeras.backend import dtype_policy as policies
    policies.set_global_policy(policy)


def reset_session_switches():
    """Back to the defaults of the switches Keras keeps in its session state (interactive
    logging, traceback filtering, flash attention, the dtype policy): `clear_session` calls it.
    The epoch and step caps are process settings and stay."""
    global _INTERACTIVE_LOGGING, _TRACEBACK_FILTERING, _FLASH_ATTENTION
    _INTERACTIVE_LOGGING = True
    _TRACEBACK_FILTERING = True
    _FLASH_ATTENTION = None
    set_dtype_policy(None)
