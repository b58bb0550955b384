"""Conv2D: 2D convolution layer."""
from minikeras.layers.convolutional.base_conv import BaseConv
from minikeras.registry.layer_classes import register_layer


@register_layer(aliases=("Convolution2D",))
class Conv2D(BaseConv):
    """2D convolution layer (cross-correlation of the inputs with a kernel, plus bias).

    Input shape: (batch, height, width, channels) (channels_last) or
        (batch, channels, height, width) (channels_first).
    Output shape: (batch, new_height, new_width, filters) (channels_last), or channels_first
        likewise.
    Weights: kernel (kh, kw, channels // groups, filters), bias (filters,).
    See `BaseConv` for the arguments (Keras's names and defaults).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=2, filters=filters, kernel_size=kernel_size, strides=strides,
                         padding=padding, data_format=data_format, dilation_rate=dilation_rate,
                         groups=groups, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


Convolution2D = Conv2D
