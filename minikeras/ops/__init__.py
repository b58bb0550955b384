"""`minikeras.ops`: NumPy-like, differentiable operations on Tensors.

Every op accepts Tensors, NumPy arrays and Python numbers and returns a Tensor; while recording
is on (the default) it also remembers how to send gradients back to its inputs.
"""
from minikeras.ops.core import convert_to_tensor, cast, unbroadcast
from minikeras.ops.math import (add, subtract, multiply, divide, true_divide, floor_divide, mod,
                                negative, power, reciprocal, exp, expm1, log, log1p, sqrt, square,
                                abs, absolute, sign, maximum, minimum, clip, where, tanh, sigmoid,
                                softplus, sin, cos, equal, not_equal, less, less_equal, greater,
                                greater_equal, logical_and, logical_or, logical_xor, logical_not,
                                isnan, isfinite, floor, ceil, round)
from minikeras.ops.reduction import (sum, mean, max, min, amax, amin, prod, var, std, logsumexp,
                                     argmax, argmin, any, all)
from minikeras.ops.manipulation import (reshape, transpose, moveaxis, expand_dims, squeeze, broadcast_to,
                                 flatten, concatenate, stack, split, pad, tile, repeat, getitem,
                                 take, one_hot, zeros_like, ones_like, zeros, ones, shape)
from minikeras.ops.linalg import matmul, dot, tensordot
from minikeras.ops.nn import relu, softmax, log_softmax, dense, dropout
from minikeras.ops.nn import (leaky_relu, relu6, elu, selu, celu, threshold, hard_sigmoid,
                              sparse_sigmoid, log_sigmoid, hard_tanh, softsign, silu, hard_silu,
                              gelu, squareplus, sparse_plus, hard_shrink, soft_shrink, tanh_shrink,
                              sparsemax, glu, binary_crossentropy, categorical_crossentropy,
                              sparse_categorical_crossentropy)
from minikeras.ops.special import erf, erfc
from minikeras.ops.normalization import batch_normalization, layer_normalization
from minikeras.ops.pooling import max_pool, average_pool
from minikeras.ops.convolution import conv, conv_transpose, depthwise_conv, separable_conv
from minikeras.ops.recurrent import simple_rnn_sequence, lstm_sequence, gru_sequence
from minikeras.ops import overloads as _overloads

_overloads.install()


# -- symbolic tensors ------------------------------------------------------------------------------
# Called on a KerasTensor (a functional model's symbolic tensor), an op records a graph node
# instead of computing (minikeras/layers/core/op_layer.py registers the tensor class and the node
# builder; ops do not import layers). The eager path pays one isinstance per argument.
import functools as _functools


class _NoSymbolicTensor:
    pass


_KerasTensor = _NoSymbolicTensor
_symbolic_or_sequence = (list, tuple)
_build_symbolic = None


def _register_symbolic(tensor_class, builder):
    global _KerasTensor, _symbolic_or_sequence, _build_symbolic
    _KerasTensor, _build_symbolic = tensor_class, builder
    _symbolic_or_sequence = (tensor_class, list, tuple)


def _has_symbolic(values):
    for value in values:
        if isinstance(value, _KerasTensor):
            return True
        if isinstance(value, (list, tuple, dict)):
            if _has_symbolic(value.values() if isinstance(value, dict) else value):
                return True
    return False


def _dispatching(name, fn):
    @_functools.wraps(fn)
    def op(*args, **kwargs):
        for value in args:
            if isinstance(value, _symbolic_or_sequence) and (
                    isinstance(value, _KerasTensor) or _has_symbolic(value)):
                return _build_symbolic(name, args, kwargs)
        if kwargs and _has_symbolic(kwargs.values()):
            return _build_symbolic(name, args, kwargs)
        return fn(*args, **kwargs)
    return op


for _name, _fn in list(globals().items()):
    if (not _name.startswith("_") and callable(_fn) and not isinstance(_fn, type)
            and getattr(_fn, "__module__", "").startswith("minikeras.ops.")
            and _name not in ("convert_to_tensor", "unbroadcast", "zeros", "ones")):
        globals()[_name] = _dispatching(_name, _fn)
# `ops.erf is ops.special.erf` (nothing inside minikeras calls these two on a hot path)
special.erf, special.erfc = erf, erfc
del _name, _fn
