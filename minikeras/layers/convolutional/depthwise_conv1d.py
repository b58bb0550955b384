"""DepthwiseConv1D: 1D depthwise convolution layer."""
from minikeras.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
from minikeras.registry.layer_classes import register_layer


@register_layer
class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution layer (each input channel convolved with its own filters).

    Input shape: (batch, steps, channels) (channels_last) or
        (batch, channels, steps) (channels_first).
    Output shape: (batch, new_steps, channels * depth_multiplier) (channels_last), or channels_first
        likewise.
    Weights: kernel (k, channels, depth_multiplier), bias (channels * depth_multiplier,).
    See `BaseDepthwiseConv` for the arguments (Keras's names and defaults).
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(rank=1, depth_multiplier=depth_multiplier, kernel_size=kernel_size,
                         strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer,
                         depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         depthwise_constraint=depthwise_constraint,
                         bias_constraint=bias_constraint, **kwargs)
