"""The shared layer test catches the faults it is there for (and passes a correct layer)."""
import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend import Tensor
from minikeras.random import SeedGenerator
from minikeras.saving import register_keras_serializable

from tests.layers.harness import run_layer_test


@register_keras_serializable(package="HarnessTest")
class Scale(layers.Layer):
    """y = x * w * factor, one weight per feature: a correct layer."""

    def __init__(self, factor=1.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="random_normal", name="w")

    def call(self, inputs):
        return ops.multiply(inputs, self.w) * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


@register_keras_serializable(package="HarnessTest")
class ForgetsFactor(Scale):
    """Its config leaves `factor` out, so a layer rebuilt from it computes something else."""

    def get_config(self):
        config = super().get_config()
        del config["factor"]
        return config


@register_keras_serializable(package="HarnessTest")
class BlocksInputGradient(Scale):
    """The gradient never reaches the input."""

    def call(self, inputs):
        if not isinstance(inputs, layers.KerasTensor):
            inputs = Tensor(inputs.data)  # a copy outside the graph
        return ops.multiply(inputs, self.w)


@register_keras_serializable(package="HarnessTest")
class WrongOutputShape(Scale):
    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] + 1,)


@register_keras_serializable(package="HarnessTest")
class UnseededNoise(layers.Layer):
    """Takes a seed but draws from the shared generator: its draws cannot be replayed."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = SeedGenerator(None)

    def call(self, inputs, training=False):
        if not training:
            return inputs
        noise = self.seed_generator.next().standard_normal(inputs.shape)
        return inputs + noise.astype(np.dtype(inputs.dtype))

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def test_a_correct_layer_passes():
    run_layer_test(Scale, {"factor": 2.0}, input_shape=(2, 3), expected_output_shape=(2, 3),
                   expected_num_trainable_weights=1)


@pytest.mark.parametrize("layer_cls, options, message", [
    (Scale, {"expected_output_shape": (2, 4)}, "eager output shapes"),
    (Scale, {"expected_output_dtype": "float64"}, "eager output dtypes"),
    (Scale, {"expected_num_trainable_weights": 2}, "trainable weights"),
    (WrongOutputShape, {}, "compute_output_shape gives"),
    (ForgetsFactor, {}, "Arrays are not equal"),
    (BlocksInputGradient, {}, "gradient check"),
    (UnseededNoise, {"draws_in_training": True}, "no seeded generator"),
], ids=["shape", "dtype", "weight count", "compute_output_shape", "config", "gradient",
        "seeded draws"])
def test_the_harness_catches(layer_cls, options, message):
    kwargs = {"seed": 1} if layer_cls is UnseededNoise else {"factor": 2.0}
    with pytest.raises(AssertionError, match=message):
        run_layer_test(layer_cls, kwargs, input_shape=(2, 3), **options)


def test_input_shape_xor_input_data():
    with pytest.raises(ValueError, match="exactly one"):
        run_layer_test(Scale, {}, input_shape=(2, 3), input_data=np.ones((2, 3)))
    with pytest.raises(ValueError, match="exactly one"):
        run_layer_test(Scale, {})
