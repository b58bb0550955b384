"""Convolution layers (Keras 3's keras.layers convolutional family)."""
from minikeras.layers.convolutional.base_conv import BaseConv
from minikeras.layers.convolutional.base_conv_transpose import BaseConvTranspose
from minikeras.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv
from minikeras.layers.convolutional.base_separable_conv import BaseSeparableConv
from minikeras.layers.convolutional.conv1d import Conv1D, Convolution1D
from minikeras.layers.convolutional.conv2d import Conv2D, Convolution2D
from minikeras.layers.convolutional.conv3d import Conv3D, Convolution3D
from minikeras.layers.convolutional.conv1d_transpose import Conv1DTranspose, Convolution1DTranspose
from minikeras.layers.convolutional.conv2d_transpose import Conv2DTranspose, Convolution2DTranspose
from minikeras.layers.convolutional.conv3d_transpose import Conv3DTranspose, Convolution3DTranspose
from minikeras.layers.convolutional.depthwise_conv1d import DepthwiseConv1D
from minikeras.layers.convolutional.depthwise_conv2d import DepthwiseConv2D
from minikeras.layers.convolutional.separable_conv1d import SeparableConv1D, SeparableConvolution1D
from minikeras.layers.convolutional.separable_conv2d import SeparableConv2D, SeparableConvolution2D

__all__ = [
    "BaseConv", "BaseConvTranspose", "BaseDepthwiseConv", "BaseSeparableConv",
    "Conv1D", "Conv2D", "Conv3D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
    "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
    "Convolution1D", "Convolution2D", "Convolution3D", "Convolution1DTranspose",
    "Convolution2DTranspose", "Convolution3DTranspose", "SeparableConvolution1D",
    "SeparableConvolution2D",
]
