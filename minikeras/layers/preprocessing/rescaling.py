"""Rescaling: multiply inputs by `scale` and add `offset` (e.g. pixels 0..255 to 0..1)."""
import numbers

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.layers.config_values import deserialize_value, serialize_value
from minikeras.layers.layer import Layer
from minikeras.ops import add, cast, multiply
from minikeras.registry.layer_classes import register_layer


@register_layer
class Rescaling(Layer):
    """outputs = inputs * scale + offset, in training and inference alike. Integer inputs
    (e.g. uint8 images) come out as floats of the layer's dtype.

    Examples: scale=1/255 maps [0, 255] to [0, 1]; scale=1/127.5, offset=-1 maps it to [-1, 1].

    Args:
        scale: a number, or an array broadcast against the inputs (e.g. one value per channel;
            with image_data_format 'channels_first' a 1-D scale is laid along the channel axis).
        offset: a number or array, added after scaling (default 0.0).
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_numeric(scale, "scale")
        self.offset = _check_numeric(offset, "offset")
        self.supports_masking = True
        self.built = True

    def call(self, inputs):
        scale = xp.asarray(self.scale, dtype=self.dtype)
        offset = xp.asarray(self.offset, dtype=self.dtype)
        if scale.ndim > 0 and config.image_data_format() == "channels_first":
            # (channels,) -> (channels, 1, 1): broadcast over the spatial axes, not the last one.
            scale = scale.reshape(scale.shape + (1,) * (3 - scale.ndim))
        if inputs.dtype != xp.dtype(self.dtype):
            inputs = cast(inputs, self.dtype)
        return add(multiply(inputs, scale), offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": serialize_value(self.scale),
                "offset": serialize_value(self.offset)}

    @classmethod
    def from_config(cls, config_dict):
        config_dict = dict(config_dict)
        for key in ("scale", "offset"):
            if key in config_dict:
                config_dict[key] = deserialize_value(config_dict[key])
        return super().from_config(config_dict)


def _check_numeric(value, name):
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return value
    try:
        kind = xp.asarray(value).dtype.kind
    except (TypeError, ValueError):
        kind = None
    if kind not in ("i", "u", "f"):
        raise TypeError(f"Rescaling: `{name}` must be a number or an array of numbers. "
                        f"Received: {name}={value!r}")
    return value
