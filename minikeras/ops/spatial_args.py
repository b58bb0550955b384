"""Argument helpers shared by the convolution, pooling and image-reshaping ops and layers:
data formats, per-axis integer tuples, padding names and Keras's "same" padding split."""
import numbers

from minikeras.backend import config

_DATA_FORMATS = ("channels_last", "channels_first")


def standardize_data_format(data_format, owner="data_format"):
    """'channels_last' / 'channels_first' (case-insensitive); None means `image_data_format()`."""
    if data_format is None:
        return config.image_data_format()
    value = str(data_format).lower()
    if value not in _DATA_FORMATS:
        raise ValueError(f"{owner}: the `data_format` argument must be one of "
                         f"{{'channels_first', 'channels_last'}}. Received: "
                         f"data_format={data_format!r}")
    return value


def standardize_tuple(value, n, name, allow_zero=False, owner=None):
    """An int or an iterable of n ints -> a tuple of n Python ints (Keras's `standardize_tuple`).

    Every value must be > 0 (>= 0 with `allow_zero`); errors name `owner`, the argument, what was
    expected and what came.
    """
    prefix = f"{owner}: " if owner else ""
    expected = f"The `{name}` argument must be a tuple of {n} integers"
    if _is_int(value):
        values = (int(value),) * n
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise ValueError(f"{prefix}{expected} (or one integer). Received {name}={value!r}") from None
        if len(values) != n or not all(_is_int(v) for v in values):
            raise ValueError(f"{prefix}{expected} (or one integer). Received {name}={value!r}")
        values = tuple(int(v) for v in values)
    bad = [v for v in values if (v < 0 if allow_zero else v <= 0)]
    if bad:
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{prefix}{expected}, each {rule}. Received {name}={value!r}, including "
                         f"values {sorted(set(bad))} that do not satisfy `value {rule}`")
    return values


def _is_int(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, numbers.Integral):
        return True
    return isinstance(value, float) and value.is_integer()


def standardize_padding(padding, owner="padding"):
    """'valid' or 'same' (case-insensitive), returned lower-case."""
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in ("valid", "same"):
        raise ValueError(f"{owner}: the `padding` argument must be either 'valid' or 'same'. "
                         f"Received: padding={padding!r}")
    return value


def same_padding(size, kernel_size, stride, dilation=1):
    """(before, after) for 'same' along one axis, split as Keras/TF/JAX split it:
    total = max((ceil(size / stride) - 1) * stride + effective_kernel - size, 0),
    before = total // 2 (the extra pixel goes after).
    """
    effective = (kernel_size - 1) * dilation + 1
    total = max((-(-size // stride) - 1) * stride + effective - size, 0)
    return total // 2, total - total // 2
