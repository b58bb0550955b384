"""SpatialDropout1D/2D/3D: dropout that zeroes whole feature maps (channels) at once."""
from minikeras import random
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.regularization.dropout import Dropout
from minikeras.layers.regularization.validation import validate_seed
from minikeras.ops import multiply
from minikeras.ops.pooling import standardize_data_format
from minikeras.registry.layer_classes import register_layer


class BaseSpatialDropout(Dropout):
    """While training, drop each (sample, channel) feature map with probability `rate` and
    scale the kept ones by 1 / (1 - rate); at inference the identity. Neighbouring pixels of a
    feature map are strongly correlated, so dropping single values would barely regularize.

    Like Keras, the constructor takes only rate, seed, name and dtype (plus data_format for
    2D/3D), and the config holds just those keys.
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=validate_seed(seed), name=name, dtype=dtype)

    def _get_noise_shape(self, inputs):
        raise NotImplementedError

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate >= 1:  # every feature map dropped (Keras returns zeros too)
            return multiply(inputs, 0)
        return random.dropout(inputs, self.rate, noise_shape=self._get_noise_shape(inputs),
                              seed=self.seed_generator)

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "name": self.name, "dtype": self.dtype}


@register_layer
class SpatialDropout1D(BaseSpatialDropout):
    """Drop whole channels of (batch, steps, channels) inputs: noise shape (batch, 1, channels).

    Args:
        rate: float in [0, 1], the fraction of channels to drop.
        seed: integer for a reproducible, layer-owned random stream (None: the shared one).
    """

    def __init__(self, rate, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.input_spec = InputSpec(ndim=3)

    def _get_noise_shape(self, inputs):
        return (inputs.shape[0], 1, inputs.shape[2])


class _ChannelDropout(BaseSpatialDropout):
    _dims = None

    def __init__(self, rate, data_format=None, seed=None, name=None, dtype=None):
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        self.data_format = standardize_data_format(
            data_format, f'{type(self).__name__} layer "{self.name}"')
        self.input_spec = InputSpec(ndim=self._dims + 2)

    def _get_noise_shape(self, inputs):
        batch = inputs.shape[0]
        if self.data_format == "channels_first":
            return (batch, inputs.shape[1]) + (1,) * self._dims
        return (batch,) + (1,) * self._dims + (inputs.shape[-1],)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}


@register_layer
class SpatialDropout2D(_ChannelDropout):
    """Drop whole feature maps of 4D inputs: noise shape (batch, 1, 1, channels) for
    "channels_last", (batch, channels, 1, 1) for "channels_first".

    Args:
        rate: float in [0, 1], the fraction of feature maps to drop.
        data_format: "channels_last", "channels_first" or None (`image_data_format()`).
        seed: integer for a reproducible, layer-owned random stream (None: the shared one).
    """

    _dims = 2


@register_layer
class SpatialDropout3D(_ChannelDropout):
    """Drop whole feature volumes of 5D inputs: noise shape (batch, 1, 1, 1, channels) for
    "channels_last", (batch, channels, 1, 1, 1) for "channels_first". Args as SpatialDropout2D.
    """

    _dims = 3
