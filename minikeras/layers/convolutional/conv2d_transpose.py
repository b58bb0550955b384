"""Conv2DTranspose: 2D transposed convolution layer."""
from minikeras.layers.convolutional.base_conv_transpose import BaseConvTranspose
from minikeras.registry.layer_classes import register_layer


@register_layer(aliases=("Convolution2DTranspose",))
class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution layer (the gradient of Conv2D with respect to its input).

    Input shape: (batch, height, width, channels) (channels_last) or
        (batch, channels, height, width) (channels_first).
    Output shape: (batch, new_height, new_width, filters) (channels_last), or channels_first
        likewise; each new length follows Keras's formula (see `BaseConvTranspose`).
    Weights: kernel (kh, kw, filters, channels), bias (filters,).
    See `BaseConvTranspose` for the arguments (Keras's names and defaults).
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=2, filters=filters, kernel_size=kernel_size, strides=strides,
                         padding=padding, output_padding=output_padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         **kwargs)


Convolution2DTranspose = Conv2DTranspose
