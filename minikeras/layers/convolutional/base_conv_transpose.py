"""BaseConvTranspose: the shared body of Conv1DTranspose, Conv2DTranspose and Conv3DTranspose."""
from minikeras import activations, constraints, initializers, regularizers
from minikeras.layers.convolutional.base_conv import (activate, add_kernel_and_bias, channel_axis,
                                                      check_call_rank,
                                                      check_positive, input_channels,
                                                      layer_prefix, run_op,
                                                      standardize_layer_data_format,
                                                      standardize_layer_tuple, standardize_padding)
from minikeras.layers.input_spec import InputSpec, assert_input_compatibility
from minikeras.layers.layer import Layer
from minikeras.ops import conv_transpose
from minikeras.ops.convolution import conv_transpose_output_length


class BaseConvTranspose(Layer):
    """N-D transposed convolution ("deconvolution") layer.

    Args:
        rank: number of spatial axes (1, 2 or 3).
        filters: int > 0, the number of output channels.
        kernel_size, strides, dilation_rate: int or tuple of `rank` ints (strides > 1 cannot be
            combined with dilation_rate > 1).
        padding: 'valid' or 'same'.
        output_padding: None, or int / tuple of `rank` ints, each strictly less than the stride:
            extra size added on the right of each axis.
        data_format, activation, use_bias, initializers, regularizers, constraints: as in Keras.

    Output length per axis: 'valid': (n - 1) * s + k_eff + output_padding (default
    max(k_eff, s) - k_eff); 'same': n * s, or (n - 1) * s + k_eff % 2 + output_padding.
    Weights: kernel (*kernel_size, filters, in_channels), then bias (filters,).
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.rank = rank
        self.filters = check_positive(self, "filters", filters)
        self.kernel_size = standardize_layer_tuple(self, kernel_size, "kernel_size")
        self.strides = standardize_layer_tuple(self, strides, "strides")
        self.dilation_rate = standardize_layer_tuple(self, dilation_rate, "dilation_rate")
        self.padding = standardize_padding(self, padding)
        self.output_padding = None if output_padding is None else standardize_layer_tuple(
            self, output_padding, "output_padding", allow_zero=True)
        self.data_format = standardize_layer_data_format(self, data_format)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(min_ndim=self.rank + 2)
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                if op >= s:
                    raise ValueError(f"{layer_prefix(self)}: `output_padding` must be strictly "
                                     f"less than `strides` for all dimensions. At dimension {i}, "
                                     f"`output_padding` is {op} but `strides` is {s}. Received: "
                                     f"output_padding={self.output_padding}, "
                                     f"strides={self.strides}")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError(f"{layer_prefix(self)}: `strides > 1` not supported in conjunction "
                             f"with `dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")

    def build(self, input_shape):
        assert_input_compatibility(self.input_spec, input_shape, self.name)
        channels = input_channels(self, input_shape)
        self.input_spec = InputSpec(min_ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels})
        add_kernel_and_bias(self, self.kernel_size + (self.filters, channels))
        self.built = True

    def call(self, inputs):
        check_call_rank(self, inputs)
        outputs = run_op(self, conv_transpose, inputs, self.kernel, self.strides, self.padding,
                         self.output_padding, self.data_format, self.dilation_rate, bias=self.bias)
        return activate(self, outputs)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        input_channels(self, input_shape)
        spatial = input_shape[1:-1] if self.data_format == "channels_last" else input_shape[2:]
        out = tuple(conv_transpose_output_length(
            size, self.kernel_size[i], self.strides[i], self.padding,
            None if self.output_padding is None else self.output_padding[i], self.dilation_rate[i])
            for i, size in enumerate(spatial))
        if self.data_format == "channels_last":
            return (input_shape[0],) + out + (self.filters,)
        return (input_shape[0], self.filters) + out

    def get_config(self):
        config_dict = super().get_config()
        config_dict.update({
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "output_padding": self.output_padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        })
        return config_dict
