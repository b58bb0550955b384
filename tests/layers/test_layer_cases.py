"""Every layer class `minikeras.layers` exports, through the shared layer test
(`run_layer_test` in harness.py): config round trip, output shape and dtype (eager,
`compute_output_shape`, symbolic), float64 gradients, the three save formats, seeded replay.

A new layer is one file in its family plus a case here: `test_every_exported_layer_class_has_a_case`
fails until it has one. Behaviour particular to one layer (its numbers, its errors, its Keras
config keys) belongs in the family's own test module.
"""
import json

import numpy as np
import pytest

from minikeras import layers, regularizers
from minikeras.saving import register_keras_serializable

from tests.layers.harness import LayerCase


@register_keras_serializable(package="LayerCases")
def double_it(x):
    return x * 2.0


def _masked_lstm(layer, tensors):
    """Masking feeds an LSTM, so a saved model shows whether the mask still reaches it."""
    return layers.LSTM(2, name="after_mask")(layer(tensors))


B = 2  # the batch: tiny, the gradient check evaluates the layer twice per value
V4, V3 = (B, 4), (B, 3)
SEQ, S1 = (B, 5, 3), (B, 8, 3)
S2, S3 = (B, 6, 6, 3), (B, 4, 4, 4, 2)
IMG01 = np.random.default_rng(0).random((4, 6, 6, 3)).astype("float32")

#: One or more cases per exported layer class, keyed by the class's own name (aliases such as
#: Convolution2D / MaxPool2D are the same class and share the entry). A case may test the class
#: inside another layer (an RNN cell inside RNN).
CASES = {
    # core
    "Dense": [
        LayerCase(layers.Dense, {"units": 3, "activation": "tanh", "kernel_regularizer": "l2",
                                 "bias_constraint": "non_neg"},
                  input_shape=V4, expected_output_shape=(B, 3), expected_num_losses=1,
                  expected_num_trainable_weights=2),
        LayerCase(layers.Dense, {"units": 3, "trainable": False, "use_bias": False},
                  input_shape=V4, expected_output_shape=(B, 3),
                  expected_num_trainable_weights=0, expected_num_non_trainable_weights=1),
        LayerCase(layers.Dense, {"units": 3, "dtype": "float64"}, input_shape=V4,
                  expected_output_shape=(B, 3), expected_output_dtype="float64",
                  saving_outputs=lambda layer, x: layer(x)),
        LayerCase(layers.Dense, {"units": 7, "activation": "tanh", "use_bias": False,
                                 "kernel_initializer": "he_normal",
                                 "kernel_regularizer": regularizers.L1L2(0.1, 0.2),
                                 "kernel_constraint": "non_neg", "name": "d"},
                  input_shape=V4, expected_output_shape=(B, 7), expected_num_losses=1)],
    "Embedding": [LayerCase(layers.Embedding, {"input_dim": 10, "output_dim": 4},
                            input_shape=(B, 5), input_dtype="int32",
                            expected_output_shape=(B, 5, 4))],
    # (the reverse call's shape depends on a call argument, which compute_output_shape here
    # does not get: tests/layers/test_reversible_embedding.py tests it, saving included)
    "ReversibleEmbedding": [
        LayerCase(layers.ReversibleEmbedding, {"input_dim": 10, "output_dim": 4,
                                               "tie_weights": False},
                  input_shape=(B, 5), input_dtype="int32", expected_output_shape=(B, 5, 4),
                  expected_num_trainable_weights=2)],
    "EinsumDense": [
        LayerCase(layers.EinsumDense, {"equation": "ab,bc->ac", "output_shape": 3,
                                       "bias_axes": "c", "activation": "tanh"},
                  input_shape=V4, expected_output_shape=(B, 3),
                  expected_num_trainable_weights=2),
        LayerCase(layers.EinsumDense, {"equation": "abc,cde->abde", "output_shape": (None, 2, 2),
                                       "bias_axes": "de", "kernel_regularizer": "l2"},
                  input_shape=SEQ, expected_output_shape=(B, 5, 2, 2), expected_num_losses=1),
        LayerCase(layers.EinsumDense, {"equation": "...b,bc->...c", "output_shape": 2},
                  input_shape=SEQ, expected_output_shape=(B, 5, 2),
                  expected_num_trainable_weights=1)],
    "Identity": [LayerCase(layers.Identity, {}, input_shape=V4, expected_output_shape=V4)],
    "Lambda": [
        LayerCase(layers.Lambda, {"function": double_it}, input_shape=V4,
                  expected_output_shape=V4),
        LayerCase(layers.Lambda, {"function": double_it, "output_shape": (4,)}, input_shape=V4,
                  expected_output_shape=V4, saving_outputs=lambda layer, x: layer(x))],
    "Masking": [LayerCase(layers.Masking, {"mask_value": 0.5}, input_shape=SEQ,
                          expected_output_shape=SEQ, supports_masking=True,
                          saving_outputs=_masked_lstm)],
    "Activation": [
        LayerCase(layers.Activation, {"activation": "softplus"}, input_shape=V4,
                  expected_output_shape=V4),
        LayerCase(layers.Activation, {"activation": "softmax", "name": "act"}, input_shape=V4,
                  expected_output_shape=V4)],
    "ReLU": [
        LayerCase(layers.ReLU, {}, input_shape=V4, expected_output_shape=V4,
                  supports_masking=True),
        LayerCase(layers.ReLU, {"max_value": 1.5, "negative_slope": 0.1, "threshold": 0.25},
                  input_shape=V4, expected_output_shape=V4)],
    "LeakyReLU": [LayerCase(layers.LeakyReLU, {"negative_slope": 0.2}, input_shape=V4,
                            expected_output_shape=V4, supports_masking=True)],
    "PReLU": [
        LayerCase(layers.PReLU, {"alpha_initializer": "ones"}, input_shape=V4,
                  expected_output_shape=V4, expected_num_trainable_weights=1),
        LayerCase(layers.PReLU, {"shared_axes": [1], "alpha_regularizer": "l2",
                                 "alpha_constraint": "non_neg"},
                  input_shape=SEQ, expected_output_shape=SEQ, expected_num_losses=1)],
    "ELU": [LayerCase(layers.ELU, {"alpha": 0.5}, input_shape=V4, expected_output_shape=V4)],
    "Softmax": [
        LayerCase(layers.Softmax, {}, input_shape=V4, expected_output_shape=V4),
        LayerCase(layers.Softmax, {"axis": [1, 2]}, input_shape=SEQ,
                  expected_output_shape=SEQ)],
    # attention
    "Attention": [
        LayerCase(layers.Attention, {"use_scale": True}, input_shape=[(B, 4, 3), (B, 5, 3)],
                  expected_output_shape=(B, 4, 3)),
        LayerCase(layers.Attention, {"score_mode": "concat"},
                  input_shape=[(B, 4, 3), (B, 5, 3)], expected_output_shape=(B, 4, 3))],
    "AdditiveAttention": [LayerCase(layers.AdditiveAttention, {},
                                    input_shape=[(B, 4, 3), (B, 5, 3)],
                                    expected_output_shape=(B, 4, 3))],
    "MultiHeadAttention": [
        LayerCase(layers.MultiHeadAttention, {"num_heads": 2, "key_dim": 3},
                  input_shape={"query": (B, 4, 5), "value": (B, 6, 5)},
                  expected_output_shape=(B, 4, 5), expected_num_trainable_weights=8,
                  # the key bias's gradient is exactly 0 (softmax ignores a shift shared by
                  # all keys): its relative error is float64 noise over a 1e-8 floor
                  gradient_tolerance=1e-3),
        LayerCase(layers.MultiHeadAttention, {"num_heads": 2, "key_dim": 2, "value_dim": 3,
                                              "output_shape": 4, "use_bias": False},
                  input_shape={"query": (B, 4, 5), "value": (B, 6, 5), "key": (B, 6, 2)},
                  expected_output_shape=(B, 4, 4), expected_num_trainable_weights=4)],
    "GroupQueryAttention": [
        LayerCase(layers.GroupQueryAttention, {"head_dim": 2, "num_query_heads": 4,
                                               "num_key_value_heads": 2},
                  input_shape={"query": (B, 4, 5), "value": (B, 6, 5)},
                  expected_output_shape=(B, 4, 5), expected_num_trainable_weights=8,
                  # the key bias's gradient is exactly 0 (see MultiHeadAttention above)
                  gradient_tolerance=1e-3),
        LayerCase(layers.GroupQueryAttention, {"head_dim": 2, "num_query_heads": 2,
                                               "num_key_value_heads": 1, "use_bias": False,
                                               "use_gate": True, "sliding_window": 2},
                  input_shape={"query": (B, 4, 3), "value": (B, 5, 3), "key": (B, 5, 2)},
                  expected_output_shape=(B, 4, 3), expected_num_trainable_weights=5)],
    # recurrent
    "SimpleRNN": [LayerCase(layers.SimpleRNN, {"units": 3, "return_sequences": True},
                            input_shape=SEQ, expected_output_shape=(B, 5, 3))],
    "LSTM": [
        LayerCase(layers.LSTM, {"units": 3, "go_backwards": True}, input_shape=SEQ,
                  expected_output_shape=(B, 3)),
        LayerCase(layers.LSTM, {"units": 3, "return_state": True, "unit_forget_bias": False},
                  input_shape=SEQ, expected_output_shape=[(B, 3), (B, 3), (B, 3)])],
    "GRU": [
        LayerCase(layers.GRU, {"units": 3}, input_shape=SEQ, expected_output_shape=(B, 3)),
        LayerCase(layers.GRU, {"units": 3, "reset_after": False, "return_sequences": True},
                  input_shape=SEQ, expected_output_shape=(B, 5, 3))],
    "RNN": [LayerCase(layers.RNN, lambda: {"cell": layers.LSTMCell(3), "return_sequences": True},
                      input_shape=SEQ, expected_output_shape=(B, 5, 3))],
    "SimpleRNNCell": [LayerCase(layers.RNN, lambda: {"cell": layers.SimpleRNNCell(3)},
                                input_shape=SEQ, expected_output_shape=(B, 3))],
    "LSTMCell": [LayerCase(layers.RNN, lambda: {"cell": layers.LSTMCell(3)}, input_shape=SEQ,
                           expected_output_shape=(B, 3))],
    "GRUCell": [LayerCase(layers.RNN, lambda: {"cell": layers.GRUCell(3)}, input_shape=SEQ,
                          expected_output_shape=(B, 3))],
    "StackedRNNCells": [LayerCase(
        layers.RNN, lambda: {"cell": layers.StackedRNNCells([layers.SimpleRNNCell(2),
                                                             layers.LSTMCell(3)])},
        input_shape=SEQ, expected_output_shape=(B, 3))],
    "Bidirectional": [
        LayerCase(layers.Bidirectional, lambda: {"layer": layers.LSTM(2)}, input_shape=SEQ,
                  expected_output_shape=(B, 4)),
        LayerCase(layers.Bidirectional,
                  lambda: {"layer": layers.GRU(2, return_sequences=True),
                           "backward_layer": layers.GRU(2, return_sequences=True,
                                                        go_backwards=True),
                           "merge_mode": "ave"},
                  input_shape=SEQ, expected_output_shape=(B, 5, 2))],
    "ConvLSTM1D": [LayerCase(layers.ConvLSTM1D, {"filters": 2, "kernel_size": 2,
                                                 "return_sequences": True},
                             input_shape=(B, 3, 4, 2), expected_output_shape=(B, 3, 3, 2))],
    "ConvLSTM2D": [
        LayerCase(layers.ConvLSTM2D, {"filters": 2, "kernel_size": 2, "padding": "same"},
                  input_shape=(B, 2, 3, 3, 1), expected_output_shape=(B, 3, 3, 2)),
        LayerCase(layers.ConvLSTM2D, {"filters": 1, "kernel_size": 2, "return_state": True,
                                      "data_format": "channels_first"},
                  input_shape=(B, 2, 1, 3, 3),
                  expected_output_shape=[(B, 1, 2, 2), (B, 1, 2, 2), (B, 1, 2, 2)])],
    "ConvLSTM3D": [LayerCase(layers.ConvLSTM3D, {"filters": 1, "kernel_size": 2},
                             input_shape=(B, 2, 2, 3, 2, 1),
                             expected_output_shape=(B, 1, 2, 1, 1))],
    "TimeDistributed": [
        LayerCase(layers.TimeDistributed, lambda: {"layer": layers.Dense(2)}, input_shape=SEQ,
                  expected_output_shape=(B, 5, 2)),
        LayerCase(layers.TimeDistributed, lambda: {"layer": layers.Conv2D(2, 3)},
                  input_shape=(B, 3, 5, 5, 2), expected_output_shape=(B, 3, 3, 3, 2))],
    # regularization
    "Dropout": [
        LayerCase(layers.Dropout, {"rate": 0.5, "seed": 3}, input_shape=V4,
                  expected_output_shape=V4, gradient_training=True, draws_in_training=True),
        LayerCase(layers.Dropout, {"rate": 0.3, "noise_shape": (None, 1), "seed": 7,
                                   "name": "drop"},
                  # one draw per row: eight rows, so that two draws differ
                  input_shape=(8, 4), expected_output_shape=(8, 4), gradient_training=True,
                  draws_in_training=True)],
    "AlphaDropout": [LayerCase(layers.AlphaDropout, {"rate": 0.2, "seed": 1}, input_shape=V4,
                               expected_output_shape=V4, gradient_training=True,
                               draws_in_training=True)],
    "GaussianDropout": [LayerCase(layers.GaussianDropout, {"rate": 0.3, "seed": 1},
                                  input_shape=V4, expected_output_shape=V4,
                                  gradient_training=True, draws_in_training=True)],
    "GaussianNoise": [LayerCase(layers.GaussianNoise, {"stddev": 0.1, "seed": 1},
                                input_shape=V4, expected_output_shape=V4,
                                gradient_training=True, draws_in_training=True)],
    "ActivityRegularization": [LayerCase(layers.ActivityRegularization, {"l1": 0.01, "l2": 0.02},
                                         input_shape=V4, expected_output_shape=V4,
                                         expected_num_losses=1)],
    "SpatialDropout1D": [LayerCase(layers.SpatialDropout1D, {"rate": 0.3, "seed": 1},
                                   input_shape=SEQ, expected_output_shape=SEQ,
                                   gradient_training=True, draws_in_training=True)],
    "SpatialDropout2D": [LayerCase(layers.SpatialDropout2D, {"rate": 0.3, "seed": 1},
                                   input_shape=S2, expected_output_shape=S2,
                                   gradient_training=True, draws_in_training=True)],
    "SpatialDropout3D": [LayerCase(layers.SpatialDropout3D, {"rate": 0.3, "seed": 1},
                                   input_shape=S3, expected_output_shape=S3,
                                   gradient_training=True, draws_in_training=True)],
    # reshaping
    "Flatten": [
        LayerCase(layers.Flatten, {"name": "flat"}, input_shape=SEQ,
                  expected_output_shape=(B, 15)),
        LayerCase(layers.Flatten, {"data_format": "channels_first"},
                  input_shape=(B, 3, 4, 2), expected_output_shape=(B, 24))],
    "Reshape": [LayerCase(layers.Reshape, {"target_shape": (2, 6)}, input_shape=(B, 12),
                          expected_output_shape=(B, 2, 6))],
    "Permute": [LayerCase(layers.Permute, {"dims": (2, 1)}, input_shape=SEQ,
                          expected_output_shape=(B, 3, 5))],
    "RepeatVector": [LayerCase(layers.RepeatVector, {"n": 3}, input_shape=V4,
                               expected_output_shape=(B, 3, 4))],
    "Cropping1D": [LayerCase(layers.Cropping1D, {"cropping": (1, 2)}, input_shape=S1,
                             expected_output_shape=(B, 5, 3))],
    "Cropping2D": [LayerCase(layers.Cropping2D, {"cropping": ((1, 0), (0, 2))}, input_shape=S2,
                             expected_output_shape=(B, 5, 4, 3))],
    "Cropping3D": [LayerCase(layers.Cropping3D, {"cropping": 1}, input_shape=S3,
                             expected_output_shape=(B, 2, 2, 2, 2))],
    "UpSampling1D": [LayerCase(layers.UpSampling1D, {"size": 2}, input_shape=SEQ,
                               expected_output_shape=(B, 10, 3))],
    "UpSampling2D": [LayerCase(layers.UpSampling2D, {"size": (2, 1)}, input_shape=S2,
                               expected_output_shape=(B, 12, 6, 3))],
    "UpSampling3D": [LayerCase(layers.UpSampling3D, {"size": 2}, input_shape=S3,
                               expected_output_shape=(B, 8, 8, 8, 2))],
    "ZeroPadding1D": [LayerCase(layers.ZeroPadding1D, {"padding": (1, 2)}, input_shape=SEQ,
                                expected_output_shape=(B, 8, 3))],
    "ZeroPadding2D": [LayerCase(layers.ZeroPadding2D, {"padding": ((1, 0), (2, 1))},
                                input_shape=S2, expected_output_shape=(B, 7, 9, 3))],
    "ZeroPadding3D": [LayerCase(layers.ZeroPadding3D, {"padding": 1}, input_shape=S3,
                                expected_output_shape=(B, 6, 6, 6, 2))],
    # convolution
    "Conv1D": [LayerCase(layers.Conv1D, {"filters": 2, "kernel_size": 3, "padding": "causal",
                                         "dilation_rate": 2},
                         input_shape=S1, expected_output_shape=(B, 8, 2))],
    "Conv2D": [
        LayerCase(layers.Conv2D, {"filters": 2, "kernel_size": 3}, input_shape=S2,
                  expected_output_shape=(B, 4, 4, 2)),
        LayerCase(layers.Conv2D, {"filters": 2, "kernel_size": (3, 2), "strides": 2,
                                  "padding": "same", "use_bias": False, "activation": "relu"},
                  input_shape=S2, expected_output_shape=(B, 3, 3, 2))],
    "Conv3D": [LayerCase(layers.Conv3D, {"filters": 2, "kernel_size": 2}, input_shape=S3,
                         expected_output_shape=(B, 3, 3, 3, 2))],
    "Conv1DTranspose": [LayerCase(layers.Conv1DTranspose, {"filters": 2, "kernel_size": 3,
                                                           "strides": 2},
                                  input_shape=S1, expected_output_shape=(B, 17, 2))],
    "Conv2DTranspose": [LayerCase(layers.Conv2DTranspose, {"filters": 2, "kernel_size": 3,
                                                           "strides": 2, "padding": "same"},
                                  input_shape=S2, expected_output_shape=(B, 12, 12, 2))],
    "Conv3DTranspose": [LayerCase(layers.Conv3DTranspose, {"filters": 2, "kernel_size": 2},
                                  input_shape=S3, expected_output_shape=(B, 5, 5, 5, 2))],
    "DepthwiseConv1D": [LayerCase(layers.DepthwiseConv1D, {"kernel_size": 3,
                                                           "depth_multiplier": 2},
                                  input_shape=S1, expected_output_shape=(B, 6, 6))],
    "DepthwiseConv2D": [LayerCase(layers.DepthwiseConv2D, {"kernel_size": 3,
                                                           "depth_multiplier": 2},
                                  input_shape=S2, expected_output_shape=(B, 4, 4, 6))],
    "SeparableConv1D": [LayerCase(layers.SeparableConv1D, {"filters": 4, "kernel_size": 3},
                                  input_shape=S1, expected_output_shape=(B, 6, 4))],
    "SeparableConv2D": [LayerCase(layers.SeparableConv2D, {"filters": 4, "kernel_size": 3,
                                                           "depth_multiplier": 2},
                                  input_shape=S2, expected_output_shape=(B, 4, 4, 4))],
    # pooling
    "MaxPooling1D": [LayerCase(layers.MaxPooling1D, {"pool_size": 2}, input_shape=S1,
                               expected_output_shape=(B, 4, 3))],
    "MaxPooling2D": [LayerCase(layers.MaxPooling2D, {"pool_size": 2, "padding": "same"},
                               input_shape=S2, expected_output_shape=(B, 3, 3, 3))],
    "MaxPooling3D": [LayerCase(layers.MaxPooling3D, {"pool_size": 2}, input_shape=S3,
                               expected_output_shape=(B, 2, 2, 2, 2))],
    "AveragePooling1D": [LayerCase(layers.AveragePooling1D, {"pool_size": 3, "strides": 1},
                                   input_shape=S1, expected_output_shape=(B, 6, 3))],
    "AveragePooling2D": [LayerCase(layers.AveragePooling2D, {"pool_size": 2}, input_shape=S2,
                                   expected_output_shape=(B, 3, 3, 3))],
    "AveragePooling3D": [LayerCase(layers.AveragePooling3D, {"pool_size": 2}, input_shape=S3,
                                   expected_output_shape=(B, 2, 2, 2, 2))],
    "GlobalMaxPooling1D": [LayerCase(layers.GlobalMaxPooling1D, {}, input_shape=S1,
                                     expected_output_shape=(B, 3))],
    "GlobalMaxPooling2D": [LayerCase(layers.GlobalMaxPooling2D, {"keepdims": True},
                                     input_shape=S2, expected_output_shape=(B, 1, 1, 3))],
    "GlobalMaxPooling3D": [LayerCase(layers.GlobalMaxPooling3D, {}, input_shape=S3,
                                     expected_output_shape=(B, 2))],
    "GlobalAveragePooling1D": [LayerCase(layers.GlobalAveragePooling1D, {}, input_shape=S1,
                                         expected_output_shape=(B, 3))],
    "GlobalAveragePooling2D": [LayerCase(layers.GlobalAveragePooling2D, {}, input_shape=S2,
                                         expected_output_shape=(B, 3))],
    "GlobalAveragePooling3D": [LayerCase(layers.GlobalAveragePooling3D, {"keepdims": True},
                                         input_shape=S3, expected_output_shape=(B, 1, 1, 1, 2))],
    # adaptive pooling (nn_extras): output sizes that do not divide the input give overlapping bins
    "AdaptiveAveragePooling1D": [LayerCase(layers.AdaptiveAveragePooling1D, {"output_size": 3},
                                           input_shape=S1, expected_output_shape=(B, 3, 3))],
    "AdaptiveAveragePooling2D": [LayerCase(layers.AdaptiveAveragePooling2D,
                                           {"output_size": (4, 2)}, input_shape=S2,
                                           expected_output_shape=(B, 4, 2, 3))],
    "AdaptiveAveragePooling3D": [LayerCase(layers.AdaptiveAveragePooling3D,
                                           {"output_size": 3, "data_format": "channels_first"},
                                           input_shape=S3, expected_output_shape=(B, 4, 3, 3, 3))],
    "AdaptiveMaxPooling1D": [LayerCase(layers.AdaptiveMaxPooling1D, {"output_size": [3]},
                                       input_shape=S1, expected_output_shape=(B, 3, 3))],
    "AdaptiveMaxPooling2D": [LayerCase(layers.AdaptiveMaxPooling2D, {"output_size": 4},
                                       input_shape=S2, expected_output_shape=(B, 4, 4, 3))],
    "AdaptiveMaxPooling3D": [LayerCase(layers.AdaptiveMaxPooling3D, {"output_size": (3, 2, 3)},
                                       input_shape=S3, expected_output_shape=(B, 3, 2, 3, 2))],
    # normalization
    "BatchNormalization": [
        LayerCase(layers.BatchNormalization, {"momentum": 0.9}, input_shape=S2,
                  expected_output_shape=S2, expected_num_trainable_weights=2,
                  expected_num_non_trainable_weights=2),
        LayerCase(layers.BatchNormalization, {"axis": 1, "center": False}, input_shape=SEQ,
                  expected_output_shape=SEQ, expected_num_trainable_weights=1,
                  expected_num_non_trainable_weights=2)],
    "LayerNormalization": [LayerCase(layers.LayerNormalization, {"epsilon": 1e-4},
                                     input_shape=SEQ, expected_output_shape=SEQ)],
    "GroupNormalization": [LayerCase(layers.GroupNormalization, {"groups": 2},
                                     input_shape=(B, 5, 4), expected_output_shape=(B, 5, 4))],
    "UnitNormalization": [LayerCase(layers.UnitNormalization, {}, input_shape=V4,
                                    expected_output_shape=V4)],
    "SpectralNormalization": [
        LayerCase(layers.SpectralNormalization, lambda: {"layer": layers.Dense(3)},
                  input_shape=V4, expected_output_shape=(B, 3),
                  expected_num_trainable_weights=2, expected_num_non_trainable_weights=1),
        LayerCase(layers.SpectralNormalization,
                  lambda: {"layer": layers.Conv1D(2, 3, kernel_regularizer="l2"),
                           "power_iterations": 2},
                  input_shape=S1, expected_output_shape=(B, 6, 2), expected_num_losses=1)],
    "RMSNormalization": [
        LayerCase(layers.RMSNormalization, {}, input_shape=SEQ, expected_output_shape=SEQ,
                  expected_num_trainable_weights=1),
        LayerCase(layers.RMSNormalization, {"axis": [1, 2], "epsilon": 1e-3}, input_shape=SEQ,
                  expected_output_shape=SEQ)],
    "Normalization": [
        LayerCase(layers.Normalization, {}, input_shape=V4, expected_output_shape=V4,
                  adapt_data=np.random.default_rng(2).standard_normal((20, 4)) * 3 + 1),
        LayerCase(layers.Normalization, {"mean": [1.0, 2.0, 3.0, 4.0],
                                         "variance": [1.0, 4.0, 9.0, 16.0]},
                  input_shape=V4, expected_output_shape=V4)],
    # colour image augmentation: images in [0, 1], value_range (0, 1); four images, so that
    # the per-image coin flips (grayscale, invert) of two training calls differ
    **{name: [LayerCase(getattr(layers, name), {"seed": 4, **kwargs}, input_data=IMG01,
                        expected_output_shape=IMG01.shape, draws_in_training=True)]
       for name, kwargs in [
           ("RandomBrightness", {"factor": 0.3, "value_range": (0, 1)}),
           ("RandomContrast", {"factor": 0.5, "value_range": (0, 1)}),
           ("RandomGrayscale", {"factor": 0.5}),
           ("RandomHue", {"factor": 0.5, "value_range": (0, 1)}),
           ("RandomSaturation", {"factor": 0.5, "value_range": (0, 1)}),
           ("Solarization", {"addition_factor": 0.2, "threshold_factor": 0.5,
                             "value_range": (0, 1)}),
           ("RandomColorDegeneration", {"factor": 0.5, "value_range": (0, 1)}),
           ("RandomColorJitter", {"brightness_factor": 0.2, "contrast_factor": 0.2,
                                  "saturation_factor": 0.2, "hue_factor": 0.2,
                                  "value_range": (0, 1)}),
           ("RandomInvert", {"value_range": (0, 1), "seed": 5}),
           ("RandomPosterization", {"factor": (2, 7), "value_range": (0, 1)}),
           ("RandomSharpness", {"factor": 0.9, "value_range": (0, 1)})]},
    "AutoContrast": [LayerCase(layers.AutoContrast, {"value_range": (0, 1)}, input_data=IMG01,
                               expected_output_shape=IMG01.shape)],
    "Equalization": [LayerCase(layers.Equalization, {"value_range": (0, 1), "bins": 32},
                               input_data=IMG01, expected_output_shape=IMG01.shape)],
    "ContrastLimitedAdaptiveHistogramEqualization": [
        LayerCase(layers.ContrastLimitedAdaptiveHistogramEqualization,
                  {"value_range": (0, 1), "tile_grid_size": (2, 2)}, input_data=IMG01,
                  expected_output_shape=IMG01.shape,
                  # a lookup on integer pixel values: no gradient to check
                  run_gradient_check=False)],
    "Rescaling": [LayerCase(layers.Rescaling, {"scale": 1 / 255.0, "offset": -1.0},
                            input_shape=V4, expected_output_shape=V4)],
    # non-image preprocessing: integer / string data, nothing differentiable
    "CategoryEncoding": [
        LayerCase(layers.CategoryEncoding, {"num_tokens": 10}, input_shape=V4,
                  input_dtype="int32", expected_output_shape=(B, 10), run_gradient_check=False),
        LayerCase(layers.CategoryEncoding, {"num_tokens": 10, "output_mode": "one_hot"},
                  input_shape=V3, input_dtype="int32", expected_output_shape=(B, 3, 10),
                  run_gradient_check=False)],
    "Discretization": [
        LayerCase(layers.Discretization, {"bin_boundaries": [-0.5, 0.0, 0.5]}, input_shape=V4,
                  expected_output_shape=V4, expected_output_dtype="int32",
                  run_gradient_check=False),
        LayerCase(layers.Discretization, {"num_bins": 3, "output_mode": "multi_hot"},
                  input_shape=V4, expected_output_shape=(B, 3), run_gradient_check=False,
                  adapt_data=np.random.default_rng(3).standard_normal((30, 4)))],
    "Hashing": [
        LayerCase(layers.Hashing, {"num_bins": 5, "output_mode": "count"}, input_shape=V4,
                  input_dtype="int32", expected_output_shape=(B, 5), run_gradient_check=False),
        LayerCase(layers.Hashing, {"num_bins": 5, "salt": 3}, input_shape=V4,
                  input_dtype="int32", expected_output_shape=V4, expected_output_dtype="int64",
                  run_gradient_check=False)],
    "HashedCrossing": [
        LayerCase(layers.HashedCrossing, {"num_bins": 5, "output_mode": "one_hot"},
                  input_shape=[(B, 1), (B, 1)], input_dtype=["int64", "int64"],
                  expected_output_shape=(B, 5), run_gradient_check=False),
        LayerCase(layers.HashedCrossing, {"num_bins": 9}, input_shape=[(B,), (B,), (B,)],
                  input_dtype=["int64", "int32", "int64"], expected_output_shape=(B,),
                  expected_output_dtype="int64", run_gradient_check=False)],
    "MelSpectrogram": [
        LayerCase(layers.MelSpectrogram, {"fft_length": 16, "sequence_stride": 8,
                                          "num_mel_bins": 4, "sampling_rate": 800,
                                          "power_to_db": False},
                  input_shape=(B, 24), expected_output_shape=(B, 4, 4),
                  gradient_tolerance=1e-4)],
    "STFTSpectrogram": [
        LayerCase(layers.STFTSpectrogram, {"frame_length": 8, "frame_step": 4},
                  input_shape=(B, 16, 2), expected_output_shape=(B, 3, 10),
                  expected_num_trainable_weights=2),
        LayerCase(layers.STFTSpectrogram, {"mode": "real", "frame_length": 4,
                                           "expand_dims": True, "padding": "same"},
                  input_shape=(B, 8, 1), expected_output_shape=(B, 4, 3, 1),
                  expected_num_trainable_weights=1)],
    "IntegerLookup": [
        LayerCase(layers.IntegerLookup, {"vocabulary": [1, 2, 3, 5, 8],
                                         "output_mode": "multi_hot"},
                  input_shape=V4, input_dtype="int32", expected_output_shape=(B, 6),
                  expected_output_dtype="int64", run_gradient_check=False),
        LayerCase(layers.IntegerLookup, {"num_oov_indices": 2, "vocabulary": [3, 4],
                                         "mask_token": 0},
                  input_shape=V4, input_dtype="int32", expected_output_shape=V4,
                  expected_output_dtype="int64", run_gradient_check=False)],
    "StringLookup": [
        LayerCase(layers.StringLookup, {"vocabulary": ["a", "b", "c"]},
                  input_data=np.array([["a", "c", "z"], ["b", "b", "a"]]),
                  expected_output_shape=V3, expected_output_dtype="int64",
                  run_gradient_check=False, run_saving_check=False),
        LayerCase(layers.StringLookup, {"vocabulary": ["a", "b", "c"], "output_mode": "tf_idf",
                                        "idf_weights": [0.1, 0.2, 0.3]},
                  input_data=np.array([["a", "c", "z"], ["b", "b", "a"]]),
                  expected_output_shape=(B, 4), run_gradient_check=False,
                  run_saving_check=False)],  # string Inputs: functional models take numbers
    "TextVectorization": [
        LayerCase(layers.TextVectorization, {"vocabulary": ["a", "b", "c"],
                                             "output_sequence_length": 4},
                  input_data=np.array(["a b z", "c, C! a"]), expected_output_shape=(B, 4),
                  expected_output_dtype="int64", run_gradient_check=False,
                  run_saving_check=False),
        # an adapted vocabulary is not in the config (Keras saves it as a file asset), so the
        # harness's rebuilt-from-config check needs a given vocabulary
        LayerCase(layers.TextVectorization, {"output_mode": "count", "ngrams": 2,
                                             "vocabulary": ["the", "cat", "the cat"]},
                  input_data=np.array(["a b", "the cat"]), expected_output_shape=(B, 4), expected_output_dtype="int64",
                  run_gradient_check=False, run_saving_check=False)],
    # image preprocessing: geometric
    "Resizing": [
        LayerCase(layers.Resizing, {"height": 4, "width": 5}, input_shape=S2,
                  expected_output_shape=(B, 4, 5, 3)),
        LayerCase(layers.Resizing, {"height": 4, "width": 4, "interpolation": "bicubic",
                                    "crop_to_aspect_ratio": True,
                                    "data_format": "channels_first"},
                  input_shape=(B, 3, 6, 8), expected_output_shape=(B, 3, 4, 4))],
    "CenterCrop": [
        LayerCase(layers.CenterCrop, {"height": 3, "width": 4}, input_shape=S2,
                  expected_output_shape=(B, 3, 4, 3)),
        LayerCase(layers.CenterCrop, {"height": 8, "width": 7}, input_shape=S2,
                  expected_output_shape=(B, 8, 7, 3))],
    "RandomFlip": [LayerCase(layers.RandomFlip, {"seed": 3}, input_shape=S2,
                             expected_output_shape=S2, draws_in_training=True)],
    "RandomCrop": [LayerCase(layers.RandomCrop, {"height": 4, "width": 3, "seed": 3},
                             input_shape=S2, expected_output_shape=(B, 4, 3, 3),
                             draws_in_training=True,
                             saving_outputs=lambda layer, x: layer(x))],
    "RandomRotation": [LayerCase(layers.RandomRotation, {"factor": 0.2, "seed": 3},
                                 input_shape=S2, expected_output_shape=S2,
                                 draws_in_training=True)],
    "RandomZoom": [LayerCase(layers.RandomZoom, {"height_factor": 0.2, "width_factor": 0.3,
                                                 "fill_mode": "constant", "seed": 3},
                             input_shape=S2, expected_output_shape=S2,
                             draws_in_training=True)],
    "RandomTranslation": [LayerCase(layers.RandomTranslation,
                                    {"height_factor": 0.2, "width_factor": 0.3, "seed": 3},
                                    input_shape=S2, expected_output_shape=S2,
                                    draws_in_training=True)],
    "RandomShear": [LayerCase(layers.RandomShear, {"x_factor": 0.3, "y_factor": 0.2,
                                                   "seed": 3},
                              input_shape=S2, expected_output_shape=S2,
                              draws_in_training=True)],
    "RandomPerspective": [LayerCase(layers.RandomPerspective, {"scale": 0.5, "seed": 3},
                                    input_shape=S2, expected_output_shape=S2,
                                    draws_in_training=True)],
    "RandomElasticTransform": [LayerCase(layers.RandomElasticTransform,
                                         {"value_range": (-5, 5), "seed": 3},
                                         input_shape=S2, expected_output_shape=S2,
                                         draws_in_training=True)],
    "MaxNumBoundingBoxes": [LayerCase(layers.MaxNumBoundingBoxes, {"max_number": 4},
                                      input_shape=S2, expected_output_shape=S2)],
    # image augmentation: mixing, erasing, blur, pipeline
    "MixUp": [LayerCase(layers.MixUp, {"alpha": 0.5, "seed": 1}, input_shape=S2,
                        expected_output_shape=S2, draws_in_training=True)],
    "CutMix": [LayerCase(layers.CutMix, {"factor": 0.8, "seed": 1}, input_shape=S2,
                         expected_output_shape=S2, draws_in_training=True)],
    "RandomErasing": [LayerCase(layers.RandomErasing, {"factor": (1.0, 1.0), "seed": 1},
                                input_shape=S2, expected_output_shape=S2,
                                draws_in_training=True)],
    "RandomGaussianBlur": [LayerCase(layers.RandomGaussianBlur,
                                     {"kernel_size": 5, "sigma": 0.6, "seed": 1},
                                     input_shape=S2, expected_output_shape=S2,
                                     draws_in_training=True)],
    "RandAugment": [LayerCase(layers.RandAugment, {"num_ops": 3, "seed": 1}, input_shape=S2,
                              expected_output_shape=S2, draws_in_training=True)],
    "AugMix": [LayerCase(layers.AugMix, {"chain_depth": 2, "seed": 1}, input_shape=S2,
                         expected_output_shape=S2, draws_in_training=True)],
    "Pipeline": [LayerCase(layers.Pipeline, lambda: {"layers": [
        layers.RandomErasing(factor=(1.0, 1.0), seed=1), layers.Rescaling(0.5)]},
        input_shape=S2, expected_output_shape=S2, draws_in_training=True)],
    # merging
    "Add": [LayerCase(layers.Add, {}, input_shape=[V4, V4], expected_output_shape=V4)],
    "Subtract": [LayerCase(layers.Subtract, {}, input_shape=[V4, V4],
                           expected_output_shape=V4)],
    "Multiply": [LayerCase(layers.Multiply, {}, input_shape=[V4, V4],
                           expected_output_shape=V4)],
    "Average": [LayerCase(layers.Average, {}, input_shape=[V4, V4], expected_output_shape=V4)],
    "Maximum": [LayerCase(layers.Maximum, {}, input_shape=[V4, V4], expected_output_shape=V4)],
    "Minimum": [LayerCase(layers.Minimum, {}, input_shape=[V4, V4], expected_output_shape=V4)],
    "Concatenate": [LayerCase(layers.Concatenate, {"axis": 1}, input_shape=[V3, V4],
                              expected_output_shape=(B, 7))],
    "Dot": [
        LayerCase(layers.Dot, {"axes": 1, "normalize": True}, input_shape=[V4, V4],
                  expected_output_shape=(B, 1)),
        LayerCase(layers.Dot, {"axes": (2, 2)}, input_shape=[SEQ, (B, 4, 3)],
                  expected_output_shape=(B, 5, 4))],
}

#: Exported classes with no case of their own, and why.
NOT_PROBED = {
    "Layer": "the abstract base class; tests/layers/test_layer_base_and_dense.py and "
             "tests/models/test_subclassing.py test custom subclasses",
    "InputLayer": "part of every probe model",
    "Wrapper": "the abstract base class of SpectralNormalization (probed above); "
               "tests/layers/test_spectral_normalization.py tests it directly",
}


def _exported_layer_classes():
    return {obj for obj in vars(layers).values()
            if isinstance(obj, type) and issubclass(obj, layers.Layer)}


def test_every_exported_layer_class_has_a_case():
    names = {cls.__name__ for cls in _exported_layer_classes()}
    missing = sorted(names - set(CASES) - set(NOT_PROBED))
    assert not missing, f"add a LayerCase for the new layer(s) {missing} to CASES in {__name__}"
    assert not set(CASES) - names, "CASES names classes that minikeras.layers no longer exports"
    assert not set(CASES) & set(NOT_PROBED)


PROBES = [pytest.param(name, case, id=f"{name}-{i}" if len(cases) > 1 else name)
          for name, cases in CASES.items() for i, case in enumerate(cases)]


@pytest.mark.parametrize("class_name, case", PROBES)
def test_layer(class_name, case):
    # the case tests the class it is filed under (itself, or inside a wrapper)
    assert f'"class_name": "{class_name}"' in json.dumps(layers.serialize(case.new_layer()))
    case.run()
