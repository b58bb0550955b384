"""Conv1D: 1D convolution layer."""
from minikeras.layers.convolutional.base_conv import BaseConv
from minikeras.registry.layer_classes import register_layer


@register_layer(aliases=("Convolution1D",))
class Conv1D(BaseConv):
    """1D convolution layer (cross-correlation of the inputs with a kernel, plus bias).

    Input shape: (batch, steps, channels) (channels_last) or
        (batch, channels, steps) (channels_first).
    Output shape: (batch, new_steps, filters) (channels_last), or channels_first likewise.
    Weights: kernel (k, channels // groups, filters), bias (filters,).
    padding="causal" (Conv1D only) pads dilation_rate * (kernel_size - 1) on the left.
    See `BaseConv` for the arguments (Keras's names and defaults).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=1, filters=filters, kernel_size=kernel_size, strides=strides,
                         padding=padding, data_format=data_format, dilation_rate=dilation_rate,
                         groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


Convolution1D = Conv1D
