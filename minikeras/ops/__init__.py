"""`minikeras.ops`: NumPy-like, differentiable operations on Tensors.

Every op accepts Tensors, NumPy arrays and Python numbers and returns a Tensor; while recording
is on (the default) it also remembers how to send gradients back to its inputs. Each public op is
defined once, with `@op` (minikeras/ops/symbolic.py), where it lives (`ops.exp is ops.math.exp`):
called on a `KerasTensor` it records a graph node instead of computing.
"""
from minikeras.ops.core import convert_to_tensor, cast, unbroadcast
from minikeras.ops.core import stop_gradient, convert_to_numpy
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
from minikeras.ops.linalg import (cholesky, cholesky_inverse, det, eig, eigh, inv, jvp, lstsq,
                                  lu_factor, matrix_rank, norm, pinv, qr, solve,
                                  solve_triangular, svd)
from minikeras.ops.creation import (arange, eye, identity, linspace, full, full_like, tri, tril,
                                    triu, diag, diagonal, trace)
from minikeras.ops.products import einsum, outer
from minikeras.ops.reduction import cumsum, cumprod
from minikeras.ops.manipulation import flip, roll
from minikeras.ops.sorting import sort, argsort, top_k, take_along_axis
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
# control flow (keras.src.ops.core; vectorize from keras.src.ops.numpy)
from minikeras.ops.control_flow import (cond, switch, while_loop, fori_loop, scan,
                                        associative_scan, map, vectorized_map, vectorize,
                                        custom_gradient)
# fft (keras.src.ops.math; complex numbers as (real, imag) tuples)
from minikeras.ops.fft import fft, fft2, ifft2, rfft, irfft, stft, istft
# complex tensors (view_as_* in keras.src.ops.math, polar in .nn, the rest in .numpy)
from minikeras.ops.complex import (view_as_complex, view_as_real, real, imag, conj, conjugate,
                                   angle, polar)
from minikeras.ops import linalg  # keras.ops.linalg: `ops.linalg.inv` (and matmul, dot, tensordot)
from minikeras.ops import overloads as _overloads

_overloads.install()  # Python operators of Tensor (eager) and KerasTensor (symbolic nodes)
