"""GaussianNoise: add zero-mean Gaussian noise to the inputs while training."""
from minikeras.backend import random
from minikeras.backend.array_module import xp
from minikeras.layers.layer import Layer
from minikeras.layers.regularization.validation import validate_fraction, validate_seed
from minikeras.ops.math import add
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
        self._generator = random.make_generator(seed)
        self.supports_masking = True
        self.built = True

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        noise = normal_noise(self, inputs.shape, inputs.dtype)
        return add(inputs, noise * xp.asarray(self.stddev, dtype=noise.dtype))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


def layer_generator(layer):
    """The layer's own generator when it has a seed, else the library's shared one (read at call
    time, so `set_random_seed` after the layer was made still applies)."""
    return layer._generator if layer.seed is not None else random.global_generator()


def normal_noise(layer, shape, dtype):
    """Standard normal values of `shape`, drawn in float64 for float64 layers, else float32."""
    draw_dtype = xp.float64 if xp.dtype(dtype) == xp.float64 else xp.float32
    noise = layer_generator(layer).standard_normal(tuple(shape), dtype=draw_dtype)
    return xp.asarray(noise.astype(dtype, copy=False))  # drawn on the host, same on every backend
