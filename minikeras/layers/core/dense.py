"""Dense: the fully connected layer, output = activation(inputs @ kernel + bias)."""
from minikeras import activations, constraints, initializers, regularizers
from minikeras.layers.input_spec import InputSpec
from minikeras.layers.layer import Layer
from minikeras.ops import dense
from minikeras.registry.layer_classes import register_layer


def deserialize_weight_settings(config_dict):
    """A copy of a layer config whose kernel/bias initializers, regularizers (and the activity
    regularizer) and constraints given as config dicts are deserialized into objects (Dense,
    MultiHeadAttention, GroupedQueryAttention)."""
    config_dict = dict(config_dict)
    for key, module in (("kernel_initializer", initializers), ("bias_initializer", initializers),
                        ("kernel_regularizer", regularizers), ("bias_regularizer", regularizers),
                        ("activity_regularizer", regularizers),
                        ("kernel_constraint", constraints), ("bias_constraint", constraints)):
        if isinstance(config_dict.get(key), dict):
            config_dict[key] = module.deserialize(config_dict[key])
    return config_dict


@register_layer
class Dense(Layer):
    """A fully connected layer acting on the last axis.

    Shapes: inputs (batch, ..., in_features) -> outputs (batch, ..., units).
    Weights (Keras's names and order): kernel (in_features, units), bias (units,).

    Args:
        units: positive int, size of the output.
        activation: name or function applied to the output (None = linear).
        use_bias: whether to add a bias vector.
        kernel_initializer / bias_initializer: 'glorot_uniform' / 'zeros' by default.
        kernel_regularizer, bias_regularizer, activity_regularizer: penalties added to the loss.
        kernel_constraint, bias_constraint: projections applied after each optimizer step.
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 lora_rank=None, lora_alpha=None, quantization_config=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. "
                             f"Received: units={units!r}")
        if lora_rank is not None:
            raise ValueError("Dense: `lora_rank` (LoRA fine-tuning) is not supported by minikeras.")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True

    def build(self, input_shape):
        in_features = input_shape[-1]
        if in_features is None:
            raise ValueError(f"Dense layer {self.name!r}: the last axis of the input must be known, "
                             f"received input shape {tuple(input_shape)}.")
        self.kernel = self.add_weight(shape=(in_features, self.units), initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, name="kernel")
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, name="bias")
        self.input_spec = InputSpec(min_ndim=2, axes={-1: in_features})
        self.built = True

    def call(self, inputs):
        outputs = dense(inputs, self.kernel, self.bias)
        return self.activation(outputs) if self.activation is not activations.linear else outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(),
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }

    @classmethod
    def from_config(cls, config_dict):
        return super().from_config(deserialize_weight_settings(config_dict))
