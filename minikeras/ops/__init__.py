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
# manipulation family: joining/splitting, scatter/slice, segments, windows, blocks, einops
from minikeras.ops.stacking import (append, array_split, dsplit, dstack, hsplit, hstack, vsplit,
                                    vstack, unstack, meshgrid, swapaxes, ravel, fliplr, flipud,
                                    rot90, diagflat)
from minikeras.ops.scatter import get_item, slice, slice_update, scatter, scatter_update
from minikeras.ops.segments import segment_sum, segment_prod, segment_max, segment_min
from minikeras.ops.indexing import select, isin, unravel_index
from minikeras.ops.spacing import geomspace, logspace, empty, empty_like, view
from minikeras.ops.windows import bartlett, blackman, hamming, hanning, kaiser
from minikeras.ops.blocks import (depth_to_space, space_to_depth, unfold, fold,
                                  extract_sequences)
from minikeras.ops.einops import rearrange
# nn_extras: attention, statistics, label helpers, adaptive pooling (keras.ops.nn)
from minikeras.ops.attention import dot_product_attention
from minikeras.ops.nn_statistics import (moments, normalize, rms_normalization, psnr,
                                         in_top_k, multi_hot)
from minikeras.ops.adaptive_pooling import adaptive_average_pool, adaptive_max_pool
from minikeras.ops.ctc import ctc_loss, ctc_decode
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
# statistics: NaN reductions, quantiles, counting, searching, vector products, log-determinants
from minikeras.ops.nan_reductions import (nansum, nanmean, nanmax, nanmin, nanprod, nanstd, nanvar,
                                          nanargmax, nanargmin, nancumsum, nancumprod)
from minikeras.ops.quantiles import (quantile, nanquantile, percentile, nanpercentile, median,
                                     nanmedian)
from minikeras.ops.statistics import (average, ptp, count_nonzero, corrcoef, histogram, bincount,
                                      digitize, cdist)
from minikeras.ops.searching import searchsorted, argpartition, nonzero, unique
from minikeras.ops.vector_products import (inner, vdot, kron, cross, vander, correlate, diff,
                                           trapezoid)
from minikeras.ops.determinants import slogdet, logdet
# image family: keras.ops.image as `ops.image.<name>`
from minikeras.ops import image  # keras.ops.image: `ops.image.resize`, ...
from minikeras.ops import overloads as _overloads
# elementwise family (issue 17)
from minikeras.ops.trigonometry import (arccos, arccosh, arcsin, arcsinh, arctan, arctan2, arctanh,
                                        cosh, sinh, tan, deg2rad, rad2deg, hypot, sinc)
from minikeras.ops.exponents import (cbrt, exp2, log10, log2, logaddexp, logaddexp2, ldexp,
                                     rsqrt)
from minikeras.ops.piecewise import (fabs, fmax, fmin, fmod, heaviside, nextafter, trunc,
                                     divide_no_nan, nan_to_num)
from minikeras.ops.predicates import (isinf, isneginf, isposinf, isreal, isclose, allclose,
                                      signbit)
from minikeras.ops.bitwise import (bitwise_and, bitwise_invert, bitwise_not, bitwise_or,
                                   bitwise_xor, bitwise_left_shift, bitwise_right_shift,
                                   left_shift, right_shift, gcd, lcm)
from minikeras.ops.special import erfinv, i0
from minikeras.ops.conversion import saturate_cast, copy, array, ndim, size, dtype, is_tensor
from minikeras.ops.nn import swish, hard_swish

_overloads.install()  # Python operators of Tensor (eager) and KerasTensor (symbolic nodes)
