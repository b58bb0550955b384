"""Normalization primitives with hand-written VJPs: batch normalization (inference mode with given
statistics, training mode with the batch's own statistics) and layer normalization (also the core
of GroupNormalization).

Each is one node on the tape, so the backward pass of a BatchNormalization or LayerNormalization
layer is a handful of reductions instead of a dozen generic ops. Everything stays in the input's
float type (float32 by default); parameters are cast to it and their gradients cast back.

Notation used below, per normalized group of N values (N = the number of values that share one
mean and variance):
    xc = x - mean, inv = 1 / sqrt(variance + epsilon), xhat = xc * inv, y = xhat * gamma + beta
and for an output gradient g, with gy = g * gamma:
    dbeta = sum(g), dgamma = sum(g * xhat),
    dx = inv * (gy - mean(gy) - xhat * mean(gy * xhat))        (the mean and variance depend on x)
"""
import math

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.ops.core import convert_to_float_tensor, convert_to_tensor, unbroadcast
from minikeras.ops.symbolic import op


def _channel_axis(axis, ndim, op):
    if not isinstance(axis, int) or isinstance(axis, bool):
        raise TypeError(f"{op}: `axis` must be an int. Received: axis={axis!r}")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of bounds for an input of rank {ndim}.")
    return axis % ndim


def _channel_param(value, name, size, shape, dtype, op):
    """A per-channel parameter (Tensor or array of `size` values) as (Tensor, data reshaped to
    broadcast against x), or (None, None)."""
    if value is None:
        return None, None
    value = convert_to_tensor(value)
    if value.size != size:
        raise ValueError(f"{op}: `{name}` must hold one value per channel ({size}), received "
                         f"shape {value.shape}.")
    data = value.data if value.dtype == dtype else value.data.astype(dtype)
    return value, data.reshape(shape)


def _param_grad(grad, parent):
    """A reduced gradient shaped and typed like its parent (None if the parent needs none)."""
    if parent is None or not parent.requires_grad:
        return None
    grad = grad.reshape(parent.shape)
    return grad if grad.dtype == parent.dtype else grad.astype(parent.dtype)


def _mask_weights(mask, x, reduce_axes, op):
    """Keras's masked moments: a mask of rank x.ndim - 1 is expanded on the last axis and
    broadcast to x. Returns (mask as x's dtype broadcast to x, count + backend epsilon)."""
    mask = mask.data if isinstance(mask, Tensor) else xp.asarray(mask)
    if mask.ndim != x.ndim - 1:
        raise ValueError(f"{op}: the mask provided should be one dimension less than the inputs. "
                         f"Received: mask.shape={tuple(mask.shape)}, inputs.shape={tuple(x.shape)}")
    try:
        weights = xp.broadcast_to(xp.expand_dims(mask.astype(bool), -1), x.shape).astype(x.dtype)
    except ValueError:
        raise ValueError(f"{op}: a mask of shape {tuple(mask.shape)} cannot be broadcast to "
                         f"inputs of shape {tuple(x.shape)}.") from None
    count = weights.sum(axis=reduce_axes, keepdims=True) + xp.asarray(config.epsilon(), x.dtype)
    return weights, count


def batch_moments(x, axis=-1, mask=None):
    """Mean and biased variance of `x` over every axis but `axis`, as (C,) arrays (no gradient).

    With a `mask` (rank x.ndim - 1, True where a value counts) only the unmasked positions count,
    with Keras's formula: sum(m * x) / (sum(m) + 1e-7), then the same for the squared deviations.
    """
    x = convert_to_float_tensor(x)
    a = _channel_axis(axis, x.ndim, "batch_moments")
    reduce_axes = tuple(i for i in range(x.ndim) if i != a)
    if mask is None:
        mean = x.data.mean(axis=reduce_axes, keepdims=True)
        centered = x.data - mean
        variance = xp.mean(centered * centered, axis=reduce_axes)
    else:
        weights, count = _mask_weights(mask, x.data, reduce_axes, "batch_moments")
        mean = (x.data * weights).sum(axis=reduce_axes, keepdims=True) / count
        centered = x.data - mean
        variance = (weights * centered * centered).sum(axis=reduce_axes, keepdims=True) / count
    return mean.reshape(-1), variance.reshape(-1)


@op
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """(x - mean) / sqrt(variance + epsilon) * scale + offset, with the statistics given
    (BatchNormalization in inference mode); `keras.ops.batch_normalization`'s signature.

    Args:
        x: input of any rank; `axis` is its feature (channel) axis, of size C.
        mean, variance: (C,) statistics; offset (beta), scale (gamma): optional (C,) vectors.
    Gradients flow to x and to every parameter that is a Tensor requiring one.
    """
    op = "batch_normalization"
    x = convert_to_float_tensor(x)
    a = _channel_axis(axis, x.ndim, op)
    channels = x.shape[a]
    shape = [1] * x.ndim
    shape[a] = channels
    dtype = x.dtype
    mean, mean_data = _channel_param(mean, "mean", channels, shape, dtype, op)
    variance, var_data = _channel_param(variance, "variance", channels, shape, dtype, op)
    offset, offset_data = _channel_param(offset, "offset", channels, shape, dtype, op)
    scale, scale_data = _channel_param(scale, "scale", channels, shape, dtype, op)
    reduce_axes = tuple(i for i in range(x.ndim) if i != a)

    inv = 1.0 / xp.sqrt(var_data + xp.asarray(epsilon, dtype))
    multiplier = inv if scale is None else inv * scale_data
    centered = x.data - mean_data
    out = centered * multiplier
    if offset is not None:
        out += offset_data
    parents = tuple(p for p in (x, mean, variance, offset, scale) if p is not None)

    def vjp(g):
        g_sum = g.sum(axis=reduce_axes, keepdims=True)
        need_xc = variance.requires_grad or (scale is not None and scale.requires_grad)
        g_xc = (g * centered).sum(axis=reduce_axes, keepdims=True) if need_xc else None
        grads = {
            "x": g * multiplier if x.requires_grad else None,
            "mean": -g_sum * multiplier if mean.requires_grad else None,
            "variance": (g_xc * (-0.5 * inv ** 3) * (1 if scale is None else scale_data)
                         if variance.requires_grad else None),
            "offset": g_sum,
            "scale": g_xc * inv if need_xc else None,
        }
        result = [grads["x"], _param_grad(grads["mean"], mean),
                  _param_grad(grads["variance"], variance)]
        if offset is not None:
            result.append(_param_grad(grads["offset"], offset))
        if scale is not None:
            result.append(_param_grad(grads["scale"], scale))
        return tuple(result)
    return record(out, parents, vjp, hands_over=True)


def batch_normalization_training(x, gamma=None, beta=None, axis=-1, epsilon=1e-3, mask=None):
    """BatchNormalization in training mode as one node: normalize with the batch's own mean and
    biased variance over every axis but `axis`, then scale by gamma and shift by beta.

    Args:
        x: input of any rank; `axis` is the feature axis (size C).
        gamma, beta: optional (C,) Tensors (any recorded Tensor works, e.g. a renorm-corrected
            gamma); None means 1 and 0.
        mask: optional boolean array of rank x.ndim - 1 (Keras's convention: it covers every axis
            but the last); only unmasked positions enter the statistics, all positions are
            normalized.
    Returns:
        (outputs, mean, variance): the normalized Tensor (recorded, gradients to x, gamma, beta;
        the statistics' dependence on x included) and the batch statistics as (C,) Tensors
        outside the graph, for the moving averages.
    """
    op = "batch_normalization_training"
    x = convert_to_float_tensor(x)
    a = _channel_axis(axis, x.ndim, op)
    channels = x.shape[a]
    shape = [1] * x.ndim
    shape[a] = channels
    dtype = x.dtype
    gamma, gamma_data = _channel_param(gamma, "gamma", channels, shape, dtype, op)
    beta, beta_data = _channel_param(beta, "beta", channels, shape, dtype, op)
    reduce_axes = tuple(i for i in range(x.ndim) if i != a)

    if mask is None:
        weights = None
        count = math.prod(x.shape[i] for i in reduce_axes)
        mean = x.data.mean(axis=reduce_axes, keepdims=True)
        centered = x.data - mean
        variance = xp.mean(centered * centered, axis=reduce_axes, keepdims=True)
    else:
        weights, count = _mask_weights(mask, x.data, reduce_axes, op)
        weights = weights / count  # each position's share in the statistics
        mean = (x.data * weights).sum(axis=reduce_axes, keepdims=True)
        centered = x.data - mean
        variance = (weights * centered * centered).sum(axis=reduce_axes, keepdims=True)
    inv = 1.0 / xp.sqrt(variance + xp.asarray(epsilon, dtype))
    multiplier = inv if gamma is None else inv * gamma_data
    out = centered * multiplier
    if beta is not None:
        out += beta_data
    parents = tuple(p for p in (x, gamma, beta) if p is not None)

    def vjp(g):
        g_sum = g.sum(axis=reduce_axes, keepdims=True)
        g_xc = (g * centered).sum(axis=reduce_axes, keepdims=True)
        gx = None
        if x.requires_grad:
            # dL/dvariance, with gy = g * gamma: sum(gy * xc) * (-1/2) inv^3
            d_var = g_xc * (-0.5 * inv ** 3)
            d_mean = -g_sum * inv
            if gamma is not None:
                d_var = d_var * gamma_data
                d_mean = d_mean * gamma_data
            if weights is None:
                # mean = sum(x) / n and variance = sum(xc^2) / n; d variance / d mean = 0.
                gx = g * multiplier + (d_var * (2.0 / count)) * centered + d_mean / count
            else:
                # mean = sum(w x), variance = sum(w xc^2), with sum(w) slightly below 1.
                d_mean = d_mean - 2.0 * d_var * (weights * centered).sum(axis=reduce_axes,
                                                                         keepdims=True)
                gx = g * multiplier + weights * (2.0 * d_var * centered + d_mean)
        result = [gx]
        if gamma is not None:
            result.append(_param_grad(g_xc * inv, gamma))
        if beta is not None:
            result.append(_param_grad(g_sum, beta))
        return tuple(result)
    outputs = record(out, parents, vjp, hands_over=True)
    return outputs, Tensor(mean.reshape(-1)), Tensor(variance.reshape(-1))


@op
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """Normalize `x` over `axis` (an int or a list of ints) per position of the other axes, then
    scale by gamma and shift by beta; `keras.ops.layer_normalization`'s signature.

    Args:
        gamma, beta: optional. As in Keras, a parameter whose rank differs from x's is laid out
            along the normalized axes (shape = x's sizes on the sorted `axis`); one of x's rank
            is used as it is (any shape that broadcasts, e.g. GroupNormalization's).
        epsilon: added to the variance; None means `backend.epsilon()` (1e-7) like Keras's op
            (the LayerNormalization layer passes its own 1e-3).
        rms_scaling (keyword): Keras's deprecated mode: x / sqrt(variance + epsilon) * gamma,
            no centering and no beta (the variance is still the centered one).
    """
    op = "layer_normalization"
    rms_scaling = kwargs.pop("rms_scaling", False)
    if kwargs:
        raise TypeError(f"{op}: unexpected keyword arguments {sorted(kwargs)}.")
    x = convert_to_float_tensor(x)
    ndim, dtype = x.ndim, x.dtype
    axes = sorted([axis] if isinstance(axis, int) else list(axis))
    for a in axes:
        if not isinstance(a, int) or isinstance(a, bool) or not -ndim <= a < ndim:
            raise ValueError(f"{op}: axis {a!r} is out of bounds for an input of rank {ndim}.")
    reduce_axes = tuple(sorted({a % ndim for a in axes}))
    broadcast_shape = [1] * ndim
    for a in axes:
        broadcast_shape[a] = x.shape[a]
    epsilon = config.epsilon() if epsilon is None else epsilon

    def as_param(value, name):
        if value is None:
            return None, None
        value = convert_to_tensor(value)
        data = value.data if value.dtype == dtype else value.data.astype(dtype)
        if value.ndim != ndim and axes != [ndim - 1]:
            if value.size != math.prod(broadcast_shape):
                raise ValueError(f"{op}: `{name}` of shape {value.shape} does not match the "
                                 f"normalized axes {axes} of an input shaped {x.shape}.")
            data = data.reshape(broadcast_shape)
        try:
            fits = xp.broadcast_shapes(data.shape, x.shape) == x.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(f"{op}: `{name}` of shape {value.shape} does not broadcast to the "
                             f"input shape {x.shape}.")
        return value, data

    gamma, gamma_data = as_param(gamma, "gamma")
    beta, beta_data = as_param(beta, "beta") if not rms_scaling else (None, None)
    mean = x.data.mean(axis=reduce_axes, keepdims=True)
    centered = x.data - mean
    variance = xp.mean(centered * centered, axis=reduce_axes, keepdims=True)
    inv = 1.0 / xp.sqrt(variance + xp.asarray(epsilon, dtype))
    normalized = (x.data if rms_scaling else centered) * inv
    out = normalized if gamma is None else normalized * gamma_data
    if beta is not None:
        out = out + beta_data
    parents = tuple(p for p in (x, gamma, beta) if p is not None)

    def param_grad(grad, param, data):
        if not param.requires_grad:
            return None
        grad = unbroadcast(grad, data.shape).reshape(param.shape)
        return grad if grad.dtype == param.dtype else grad.astype(param.dtype)

    def vjp(g):
        result = []
        if x.requires_grad:
            gy = g if gamma is None else g * gamma_data
            if rms_scaling:
                # y = x * inv * gamma: d inv / d x_i = -inv^3 * xc_i / N
                gx = gy * inv - (inv ** 3) * centered * xp.mean(gy * x.data, axis=reduce_axes,
                                                                 keepdims=True)
            else:
                gx = inv * (gy - xp.mean(gy, axis=reduce_axes, keepdims=True)
                            - normalized * xp.mean(gy * normalized, axis=reduce_axes,
                                                   keepdims=True))
            result.append(gx)
        else:
            result.append(None)
        if gamma is not None:
            result.append(param_grad(g * normalized, gamma, gamma_data))
        if beta is not None:
            result.append(param_grad(g, beta, beta_data))
        return tuple(result)
    return record(out, parents, vjp)
