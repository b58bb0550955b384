"""Dropout: randomly zero a fraction of the inputs while training (inverted dropout)."""
from minikeras import random
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class Dropout(Layer):
    """During training, set each input to 0 with probability `rate` and scale the others by
    1 / (1 - rate) so the expected sum is unchanged; at inference it is the identity.

    Args:
        rate: float in [0, 1), the fraction to drop.
        noise_shape: shape of the keep/drop mask, broadcast against the inputs; None entries take
            the input's size (e.g. (None, 1, None) drops whole time steps).
        seed: integer for a reproducible, layer-owned random stream (None: the shared one).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1. Received: rate={rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return random.dropout(inputs, self.rate, self.noise_shape, seed=self.seed_generator)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape)}
