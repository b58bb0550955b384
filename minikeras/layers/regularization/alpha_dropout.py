"""AlphaDropout: dropout that keeps the mean and variance of SELU activations."""
from minikeras import random
from minikeras.layers.layer import Layer
from minikeras.layers.regularization.validation import validate_fraction, validate_seed
from minikeras.ops import add, multiply
from minikeras.registry.layer_classes import register_layer

# SELU's constants (Klambauer et al., 2017), as Keras writes them.
ALPHA = 1.6732632423543772848170429916717
SCALE = 1.0507009873554804934193349852946
# The value SELU saturates to for very negative inputs: where dropped units are set.
ALPHA_P = -ALPHA * SCALE


@register_layer
class AlphaDropout(Layer):
    """Dropout for SELU networks: while training, dropped values are set to SELU's negative
    saturation and an affine map keeps zero mean and unit variance; identity at inference.

    Each value becomes ALPHA_P = -alpha * scale with probability `rate`, then a * x + b with
        a = ((1 - rate) * (1 + rate * ALPHA_P**2)) ** -0.5,   b = -a * ALPHA_P * rate.

    Args:
        rate: float in [0, 1), the drop probability.
        noise_shape: shape of the keep/drop mask, broadcast against the inputs; None entries take
            the input's size, e.g. (None, 1, features) shares the mask across time steps.
        seed: integer for a reproducible, layer-owned random stream (None: the shared one).
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = validate_fraction(rate, "rate")
        self.seed = validate_seed(seed)
        if noise_shape is not None:
            try:
                noise_shape = tuple(noise_shape)
            except TypeError:
                raise TypeError(f"AlphaDropout: `noise_shape` must be None or a tuple of sizes "
                                f"(None for 'same as the input'). Received: "
                                f"noise_shape={noise_shape!r}") from None
        self.noise_shape = noise_shape
        self.seed_generator = random.SeedGenerator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            raise ValueError(f"AlphaDropout {self.name!r}: rate=1 drops every value and makes "
                             f"the rescaling factor ((1 - rate) * ...) ** -0.5 infinite; use a "
                             f"rate below 1.")
        shape = self._concrete_noise_shape(inputs.shape)
        noise = random.uniform(shape, dtype="float32", seed=self.seed_generator)
        keep = (noise.data >= self.rate).astype(inputs.dtype)
        a, b = affine_parameters(self.rate)
        dropped = add(multiply(inputs, keep), ALPHA_P * (1 - keep))
        return add(multiply(dropped, a), b)

    def _concrete_noise_shape(self, input_shape):
        if self.noise_shape is None:
            return tuple(input_shape)
        if len(self.noise_shape) != len(input_shape):
            raise ValueError(f"AlphaDropout {self.name!r}: noise_shape={self.noise_shape} must "
                             f"have one entry per input axis; inputs have shape "
                             f"{tuple(input_shape)}.")
        return tuple(size if d is None else d for d, size in zip(self.noise_shape, input_shape))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": self.noise_shape}


def affine_parameters(rate):
    """(a, b) of AlphaDropout's a * x + b for a drop probability `rate` (Python floats)."""
    a = ((1 - rate) * (1 + rate * ALPHA_P ** 2)) ** -0.5
    return a, -a * ALPHA_P * rate
