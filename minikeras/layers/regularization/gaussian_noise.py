"""GaussianNoise: add zero-mean Gaussian noise to the inputs while training."""
from minikeras import random
from minikeras.layers.layer import Layer
from minikeras.layers.regularization.validation import validate_fraction, validate_seed
from minikeras.ops import add
from minikeras.registry.layer_classes import register_layer


@register_layer
class GaussianNoise(Layer):
    """While training, outputs = inputs + N(0, stddev**2) noise drawn afresh for every value;
    at inference the identity. A regularizer (a form of data augmentation for real inputs).

    Args:
        stddev: float in [0, 1] (Keras's range), the noise's standard deviation.
        seed: integer for a reproducible, layer-owned random stream (None: the shared one).
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = validate_fraction(stddev, "stddev")
        self.seed = validate_seed(seed)
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return add(inputs, random.normal(inputs.shape, stddev=self.stddev, dtype=inputs.dtype,
                                         seed=self.seed_generator))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}

