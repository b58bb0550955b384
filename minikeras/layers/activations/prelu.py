"""PReLU: a leaky ReLU whose negative slope is learned, per element or shared over axes."""
from minikeras import activations, constraints, initializers, regularizers
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.registry.layer_classes import register_layer


@register_layer
class PReLU(Layer):
    """y = x where x >= 0 else alpha * x, with a trainable `alpha` shaped like one sample
    (input_shape[1:]), except size 1 on each of `shared_axes` (e.g. shared_axes=[1, 2] for a
    conv feature map (batch, h, w, c) learns one slope per channel: alpha shape (1, 1, c)).

    Args:
        alpha_initializer: initial slopes ('Zeros', i.e. a plain ReLU at start).
        alpha_regularizer, alpha_constraint: for the weight `alpha`.
        shared_axes: an int or list of ints (axes counted with the batch axis as 0), or None.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        elif isinstance(shared_axes, (list, tuple)):
            self.shared_axes = list(shared_axes)
        else:
            self.shared_axes = [shared_axes]
        self.alpha = None

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        param_shape = list(input_shape[1:])
        for axis in self.shared_axes or ():
            if not 1 <= axis < len(input_shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {axis} must be in "
                                 f"[1, {len(input_shape) - 1}] for input shape {input_shape}.")
            param_shape[axis - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f"PReLU {self.name!r}: every non-shared axis needs a known size; "
                             f"received input shape {input_shape}, shared_axes="
                             f"{self.shared_axes}.")
        self.alpha = self.add_weight(shape=tuple(param_shape), name="alpha",
                                     initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if i not in (self.shared_axes or ())}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs):
        return activations.relu(inputs) - self.alpha * activations.relu(-inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(),
                "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint),
                "shared_axes": self.shared_axes}
