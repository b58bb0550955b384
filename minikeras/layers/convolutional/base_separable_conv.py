"""BaseSeparableConv: the shared body of SeparableConv1D and SeparableConv2D."""
from minikeras import activations, constraints, initializers, regularizers
from minikeras.layers.convolutional.base_conv import (activate, channel_axis, check_call_rank,
                                                      check_positive, conv_output_shape,
                                                      input_channels, run_op,
                                                      standardize_layer_data_format,
                                                      standardize_layer_tuple, standardize_padding)
from minikeras.layers.input_spec import InputSpec, assert_input_compatibility
from minikeras.layers.layer import Layer
from minikeras.ops import separable_conv


class BaseSeparableConv(Layer):
    """N-D separable convolution: a depthwise convolution (each input channel convolved with
    `depth_multiplier` filters), then a pointwise (1x1) convolution mixing the channels.

    Args:
        rank: number of spatial axes (1 or 2).
        depth_multiplier: int > 0; filters: int > 0, the number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of `rank` ints (of the depthwise step).
        padding: 'valid' or 'same'.
        depthwise_/pointwise_/bias_ initializer ('glorot_uniform', 'glorot_uniform', 'zeros'),
        regularizer and constraint, activity_regularizer, data_format, activation, use_bias:
        as in Keras.

    Weights (Keras's names and order): depthwise_kernel (*kernel_size, in_channels,
    depth_multiplier), pointwise_kernel (*ones, in_channels * depth_multiplier, filters), then
    bias (filters,).
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.depth_multiplier = check_positive(self, "depth_multiplier", depth_multiplier)
        self.filters = check_positive(self, "filters", filters)
        self.kernel_size = standardize_layer_tuple(self, kernel_size, "kernel_size")
        self.strides = standardize_layer_tuple(self, strides, "strides")
        self.dilation_rate = standardize_layer_tuple(self, dilation_rate, "dilation_rate")
        self.padding = standardize_padding(self, padding)
        self.data_format = standardize_layer_data_format(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)

    def build(self, input_shape):
        assert_input_compatibility(self.input_spec, input_shape, self.name)
        channels = input_channels(self, input_shape)
        self.compute_output_shape(input_shape)  # validates the spatial sizes
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        self.depthwise_kernel = self.add_weight(
            name="depthwise_kernel", shape=self.kernel_size + (channels, self.depth_multiplier),
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight(
            name="pointwise_kernel",
            shape=(1,) * self.rank + (channels * self.depth_multiplier, self.filters),
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(self.filters,),
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        check_call_rank(self, inputs)
        outputs = run_op(self, separable_conv, inputs, self.depthwise_kernel,
                         self.pointwise_kernel, self.strides, self.padding, self.data_format,
                         self.dilation_rate, bias=self.bias)
        return activate(self, outputs)

    def compute_output_shape(self, input_shape):
        return conv_output_shape(self, input_shape, self.filters)

    def get_config(self):
        config_dict = super().get_config()
        config_dict.update({
            "depth_multiplier": self.depth_multiplier,
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_dict
