"""GaussianDropout: multiply the inputs by 1-centred Gaussian noise while training."""
import math

from minikeras import random
from minikeras.layers.layer import Layer
from minikeras.layers.regularization.validation import validate_fraction, validate_seed
from minikeras.ops import multiply
from minikeras.registry.layer_classes import register_layer


@register_layer
class GaussianDropout(Layer):
    """While training, outputs = inputs * N(1, rate / (1 - rate)) noise, one draw per value (the
    mean and variance that Dropout's keep-and-rescale multiplier has); at inference the identity.

    Args:
        rate: float in [0, 1), the drop probability it imitates; the noise's standard deviation
            is sqrt(rate / (1 - rate)).
        seed: integer for a reproducible, layer-owned random stream (None: the shared one).
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = validate_fraction(rate, "rate")
        self.seed = validate_seed(seed)
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(f"GaussianDropout {self.name!r}: rate=1 gives noise of infinite "
                             f"standard deviation sqrt(rate / (1 - rate)); use a rate below 1.")
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return multiply(inputs, random.normal(inputs.shape, mean=1.0, stddev=stddev,
                                              dtype=inputs.dtype, seed=self.seed_generator))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
