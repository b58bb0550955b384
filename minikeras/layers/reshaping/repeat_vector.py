"""RepeatVector: repeat each input vector n times along a new time axis."""
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import expand_dims, repeat
from minikeras.registry.layer_classes import register_layer


@register_layer
class RepeatVector(Layer):
    """(batch, features) -> (batch, n, features), every row of the new axis a copy of the input
    (e.g. to feed one encoding to each step of a decoder).

    Args:
        n: positive integer, the number of copies.
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        if n <= 0:
            raise ValueError(f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return repeat(expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
