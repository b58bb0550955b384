"""BaseDepthwiseConv: the shared body of DepthwiseConv1D and DepthwiseConv2D."""
from minikeras import activations, constraints, initializers, regularizers
from minikeras.layers.convolutional.base_conv import (activate, channel_axis, check_call_rank,
                                                      check_positive, conv_output_shape,
                                                      input_channels, run_op,
                                                      standardize_layer_data_format,
                                                      standardize_layer_tuple, standardize_padding)
from minikeras.layers.input_spec import InputSpec, assert_input_compatibility
from minikeras.layers.layer import Layer
from minikeras.ops import depthwise_conv


class BaseDepthwiseConv(Layer):
    """N-D depthwise convolution: each input channel is convolved with its own
    `depth_multiplier` filters; output channel c * depth_multiplier + m comes from input
    channel c.

    Args:
        rank: number of spatial axes (1 or 2).
        depth_multiplier: int > 0, filters per input channel.
        kernel_size, strides, dilation_rate: int or tuple of `rank` ints.
        padding: 'valid' or 'same'.
        depthwise_initializer ('glorot_uniform'), bias_initializer ('zeros'),
        depthwise_regularizer, bias_regularizer, activity_regularizer, depthwise_constraint,
        bias_constraint, data_format, activation, use_bias: as in Keras.

    Weights (Keras 3's names): kernel (*kernel_size, in_channels, depth_multiplier), then bias
    (in_channels * depth_multiplier,).
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = check_positive(self, "depth_multiplier", depth_multiplier)
        self.kernel_size = standardize_layer_tuple(self, kernel_size, "kernel_size")
        self.strides = standardize_layer_tuple(self, strides, "strides")
        self.dilation_rate = standardize_layer_tuple(self, dilation_rate, "dilation_rate")
        self.padding = standardize_padding(self, padding)
        self.data_format = standardize_layer_data_format(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def build(self, input_shape):
        assert_input_compatibility(self.input_spec, input_shape, self.name)
        channels = input_channels(self, input_shape)
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        self.kernel = self.add_weight(name="kernel",
                                      shape=self.kernel_size + (channels, self.depth_multiplier),
                                      initializer=self.depthwise_initializer,
                                      regularizer=self.depthwise_regularizer,
                                      constraint=self.depthwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(channels * self.depth_multiplier,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        check_call_rank(self, inputs)
        outputs = run_op(self, depthwise_conv, inputs, self.kernel, self.strides, self.padding,
                         self.data_format, self.dilation_rate, bias=self.bias)
        return activate(self, outputs)

    def compute_output_shape(self, input_shape):
        channels = input_channels(self, input_shape)
        return conv_output_shape(self, input_shape, channels * self.depth_multiplier)

    def get_config(self):
        config_dict = super().get_config()
        config_dict.update({
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_dict
