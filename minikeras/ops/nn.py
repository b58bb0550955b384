"""Neural-network ops, as in `keras.ops.nn`: activations, softmax, dense, dropout and the three
crossentropies, each one graph node whose VJP is written next to its forward formula.

Single nodes (not compositions of generic ops) because they sit on every training step's hot
path, and because a hand-derived local derivative is both faster and more stable than the
chain of a dozen generic ops (e.g. the crossentropies' softmax - onehot).

Elementwise activations take any Tensor, array or number; integer input becomes `floatx()`,
float input keeps its dtype, and both the output and the gradient are cast back to it, so a
float32 model never meets a float64 array from a Python-float constant. Definitions and
defaults follow Keras 3: `hard_sigmoid(x) = clip(x/6 + 0.5, 0, 1)`, `leaky_relu` slope 0.2,
`gelu` approximate (tanh form) by default, `selu` with alpha = 1.6732632423543772,
scale = 1.0507009873554805.
"""
import math

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.backend.parallel import over_batch
from minikeras.ops.core import convert_to_float_tensor, convert_to_tensor
from minikeras.ops.manipulation import split
from minikeras.ops.math import multiply, sigmoid
from minikeras.ops.special import erfc_array
from minikeras.ops.symbolic import op

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_CUBIC = 0.044715


# -- helpers ---------------------------------------------------------------------------------
def _elementwise(x, forward, derivative):
    """Record out = forward(v) as one graph node, with d out / d v = derivative(v, out).

    `forward` and `derivative` work on raw arrays; the derivative is only evaluated when a
    gradient is actually requested. Both results are cast back to x's dtype.
    """
    x = convert_to_float_tensor(x)
    v = x.data
    out = xp.asarray(forward(v)).astype(v.dtype, copy=False)
    return record(out, (x,),
                  lambda g: (g * xp.asarray(derivative(v, out)).astype(v.dtype, copy=False),))


# -- the rectifier family --------------------------------------------------------------------
@op
def relu(x):
    """max(x, 0); the gradient is 1 where x > 0 and 0 elsewhere (0 at x == 0, like Keras).

    Large batches are split over the cores (`backend.parallel.over_batch`): both passes are
    memory-bound elementwise loops."""
    x = convert_to_tensor(x)
    data = x.data
    if data.ndim == 0:
        out = xp.maximum(data, 0)
        return record(out, (x,), lambda g: (g * (out > 0),))
    out = xp.empty_like(data)
    over_batch(lambda start, stop: xp.maximum(data[start:stop], 0, out=out[start:stop]),
               len(data), data.size)

    def vjp(g):
        grad = xp.empty(out.shape, dtype=xp.result_type(g.dtype, out.dtype))
        g = xp.broadcast_to(g, out.shape)
        over_batch(lambda start, stop: xp.multiply(g[start:stop], out[start:stop] > 0,
                                                   out=grad[start:stop]),
                   len(out), out.size)
        return (grad,)
    return record(out, (x,), vjp, hands_over=True)


@op
def leaky_relu(x, negative_slope=0.2):
    """x where x > 0, else negative_slope * x."""
    return _elementwise(x, lambda v: xp.where(v > 0, v, v * negative_slope),
                        lambda v, out: xp.where(v > 0, 1.0, negative_slope))


@op
def relu6(x):
    """min(max(x, 0), 6); gradient 1 strictly inside (0, 6). Integers stay integers (Keras)."""
    return _clip_keeping_integers(x, 0, 6)


@op
def elu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x) - 1)."""
    return _elementwise(x, lambda v: xp.where(v > 0, v, alpha * xp.expm1(xp.minimum(v, 0))),
                        lambda v, out: xp.where(v > 0, 1.0, out + alpha))


@op
def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s alpha = 1.67326..., scale = 1.05070..."""
    a, s = _SELU_ALPHA, _SELU_SCALE
    return _elementwise(
        x, lambda v: s * xp.where(v > 0, v, a * xp.expm1(xp.minimum(v, 0))),
        lambda v, out: xp.where(v > 0, s, s * a * xp.exp(xp.minimum(v, 0))))


@op
def celu(x, alpha=1.0):
    """x where x > 0, else alpha * (exp(x / alpha) - 1) (continuously differentiable ELU)."""
    return _elementwise(
        x, lambda v: xp.where(v > 0, v, alpha * xp.expm1(xp.minimum(v, 0) / alpha)),
        lambda v, out: xp.where(v > 0, 1.0, xp.exp(xp.minimum(v, 0) / alpha)))


@op
def threshold(x, threshold, default_value):
    """x where x > threshold, else default_value."""
    return _elementwise(x, lambda v: xp.where(v > threshold, v, default_value),
                        lambda v, out: v > threshold)


def step(x):
    """1 where x > 0, else 0 (the course notebook's threshold unit); its gradient is zero.

    Not a Keras op: `minikeras.activations.step` uses it."""
    return _elementwise(x, lambda v: v > 0, lambda v, out: xp.zeros_like(v))


# -- sigmoid-like ----------------------------------------------------------------------------
@op
def hard_sigmoid(x):
    """Keras 3's piecewise-linear sigmoid: clip(x / 6 + 0.5, 0, 1) (Keras 2 used 0.2x + 0.5)."""
    return _elementwise(x, lambda v: xp.clip(v / 6 + 0.5, 0, 1),
                        lambda v, out: xp.where((v > -3) & (v < 3), 1 / 6, 0.0))


@op
def sparse_sigmoid(x):
    """0 for x <= -1, (x + 1) / 2 for -1 < x < 1, 1 for x >= 1."""
    return _elementwise(x, lambda v: xp.clip(0.5 * (v + 1), 0, 1),
                        lambda v, out: xp.where((v > -1) & (v < 1), 0.5, 0.0))


@op
def log_sigmoid(x):
    """log(sigmoid(x)) = -softplus(-x), computed without overflow."""
    return _elementwise(x, lambda v: -(xp.maximum(-v, 0) + xp.log1p(xp.exp(-xp.abs(v)))),
                        lambda v, out: 0.5 * (1 - xp.tanh(0.5 * v)))


@op
def hard_tanh(x):
    """clip(x, -1, 1); gradient 1 strictly inside (-1, 1). Integers stay integers (Keras)."""
    return _clip_keeping_integers(x, -1, 1)


def _clip_keeping_integers(x, low, high):
    """clip(x, low, high) with gradient 1 strictly inside; integer input keeps its dtype (no
    gradient), as Keras's relu6 and hard_tanh do, other input is as `_elementwise`'s."""
    tensor = convert_to_tensor(x)
    if tensor.dtype.kind in "iu":
        return record(xp.clip(tensor.data, low, high), (), None)
    return _elementwise(x, lambda v: xp.clip(v, low, high),
                        lambda v, out: (v > low) & (v < high))


# -- smooth rectifiers -----------------------------------------------------------------------
@op
def softsign(x):
    """x / (1 + |x|); derivative 1 / (1 + |x|)^2."""
    return _elementwise(x, lambda v: v / (1 + xp.abs(v)),
                        lambda v, out: 1 / xp.square(1 + xp.abs(v)))


@op
def silu(x):
    """x * sigmoid(x) (also called swish); derivative s * (1 + x * (1 - s))."""
    x = convert_to_float_tensor(x)
    v = x.data
    s = 0.5 * (xp.tanh(0.5 * v) + 1)
    return record(v * s, (x,), lambda g: (g * (s * (1 + v * (1 - s))),))


@op
def hard_silu(x):
    """x * hard_sigmoid(x): 0 for x < -3, x for x > 3, x * (x + 3) / 6 in between."""
    return _elementwise(x, lambda v: v * xp.clip(v / 6 + 0.5, 0, 1),
                        lambda v, out: xp.where(v < -3, 0.0, xp.where(v <= 3, v / 3 + 0.5, 1.0)))


swish = silu  # Keras's ops.swish is ops.silu itself (one operation class, Silu)
hard_swish = hard_silu  # likewise ops.hard_swish is ops.hard_silu


@op
def gelu(x, approximate=True):
    """Gaussian error linear unit x * Phi(x), Phi the standard normal CDF.

    approximate=True (Keras's op default): the tanh form
    0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))).
    approximate=False: Phi(x) = erfc(-x / sqrt(2)) / 2, exact (the activation's default).
    """
    x = convert_to_float_tensor(x)
    v = x.data
    if approximate:
        t = xp.tanh(_SQRT_2_OVER_PI * (v + _GELU_CUBIC * v * v * v))
        out = 0.5 * v * (1 + t)

        def vjp(g):
            inner_slope = _SQRT_2_OVER_PI * (1 + 3 * _GELU_CUBIC * v * v)
            return (g * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * inner_slope),)
        return record(out, (x,), vjp)
    cdf = 0.5 * erfc_array(-_INV_SQRT_2 * v)
    return record(v * cdf, (x,),
                  lambda g: (g * (cdf + v * (_INV_SQRT_2PI * xp.exp(-0.5 * v * v))),))


def mish(x):
    """x * tanh(softplus(x)); derivative tanh(sp) + x * (1 - tanh(sp)^2) * sigmoid(x).

    Not a Keras op (Keras composes its activation from ops); one node here."""
    x = convert_to_float_tensor(x)
    v = x.data
    t = xp.tanh(xp.maximum(v, 0) + xp.log1p(xp.exp(-xp.abs(v))))

    def vjp(g):
        sig = 0.5 * (xp.tanh(0.5 * v) + 1)
        return (g * (t + v * (1 - t * t) * sig),)
    return record(v * t, (x,), vjp)


@op
def squareplus(x, b=4):
    """(x + sqrt(x^2 + b)) / 2, a smooth relu; derivative (1 + x / sqrt(x^2 + b)) / 2."""
    return _elementwise(x, lambda v: 0.5 * (v + xp.sqrt(v * v + b)),
                        lambda v, out: 0.5 * (1 + v / xp.sqrt(v * v + b)))


@op
def sparse_plus(x):
    """0 for x <= -1, (x + 1)^2 / 4 for -1 < x < 1, x for x >= 1."""
    return _elementwise(
        x, lambda v: xp.where(v <= -1, 0.0, xp.where(v < 1, 0.25 * xp.square(v + 1), v)),
        lambda v, out: xp.where(v <= -1, 0.0, xp.where(v < 1, 0.5 * (v + 1), 1.0)))


# -- shrinkage -------------------------------------------------------------------------------
@op
def hard_shrink(x, threshold=0.5):
    """x where |x| > threshold, else 0."""
    return _elementwise(x, lambda v: xp.where(xp.abs(v) > threshold, v, 0.0),
                        lambda v, out: xp.abs(v) > threshold)


@op
def soft_shrink(x, threshold=0.5):
    """x - threshold above threshold, x + threshold below -threshold, 0 in between."""
    return _elementwise(x, lambda v: v - xp.clip(v, -threshold, threshold),
                        lambda v, out: xp.abs(v) > threshold)


@op
def tanh_shrink(x):
    """x - tanh(x); derivative tanh(x)^2."""
    return _elementwise(x, lambda v: v - xp.tanh(v), lambda v, out: xp.square(xp.tanh(v)))


# -- normalizing over an axis ----------------------------------------------------------------
@op
def softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along `axis`, with the max subtracted first for stability.

    Gradient: s * (g - sum(g * s)) along the same axis.
    """
    x = convert_to_tensor(x)
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    e = xp.exp(shifted)
    out = e / xp.sum(e, axis=axis, keepdims=True)
    return record(out, (x,), lambda g: (out * (g - xp.sum(g * out, axis=axis, keepdims=True)),))


@op
def log_softmax(x, axis=-1):
    """x - logsumexp(x) along `axis`. Gradient: g - softmax(x) * sum(g)."""
    x = convert_to_tensor(x)
    shifted = x.data - xp.max(x.data, axis=axis, keepdims=True)
    log_total = xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    out = shifted - log_total
    return record(out, (x,),
                  lambda g: (g - xp.exp(out) * xp.sum(g, axis=axis, keepdims=True),))



@op
def sparsemax(x, axis=-1):
    """Euclidean projection of x onto the probability simplex along `axis` (Martins, 2016).

    out = max(x - tau, 0), tau chosen so the outputs sum to 1; unlike softmax, small inputs
    get exactly 0. Gradient on the support S: g - mean_S(g) (zero off the support).
    (Keras 3.15's own sparsemax computes tau from the sum of all supported partial sums, which
    makes its rows not sum to 1 whenever more than one entry is kept; this is the published
    definition.)
    """
    x = convert_to_float_tensor(x)
    z = x.data
    z_sorted = -xp.sort(-z, axis=axis)
    partial_sums = xp.cumsum(z_sorted, axis=axis)
    rank_shape = [1] * z.ndim
    rank_shape[axis] = z.shape[axis]
    rank = xp.arange(1, z.shape[axis] + 1, dtype=z.dtype).reshape(rank_shape)
    support_size = xp.sum(1 + rank * z_sorted > partial_sums, axis=axis, keepdims=True)
    tau = ((xp.take_along_axis(partial_sums, support_size - 1, axis=axis) - 1)
           / support_size.astype(z.dtype))
    out = xp.maximum(z - tau, 0)

    def vjp(g):
        on = out > 0
        count = xp.sum(on, axis=axis, keepdims=True).astype(g.dtype)
        mean_on = xp.sum(g * on, axis=axis, keepdims=True) / count
        return ((g - mean_on) * on,)
    return record(out, (x,), vjp)


@op
def glu(x, axis=-1):
    """Gated linear unit: split x in halves a, b along `axis` and return a * sigmoid(b).

    A composition of ops (no VJP of its own). Shape: the size of `axis` is halved."""
    x = convert_to_float_tensor(x)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"glu: `axis`={axis} is out of range for an input of rank {x.ndim}.")
    if x.shape[axis] % 2:
        raise ValueError(f"glu: the size of axis {axis} must be even, received shape {x.shape}.")
    a, b = split(x, 2, axis=axis)
    return multiply(a, sigmoid(b))


# -- layers' cores ---------------------------------------------------------------------------
@op
def dense(x, kernel, bias=None):
    """x @ kernel + bias as one node: the Dense layer's hot path.

    Shapes: x (..., in), kernel (in, units), bias (units,) -> (..., units). Integer inputs are
    cast to the kernel's dtype. Backward: dx = g @ kernel^T, dkernel = x^T @ g, dbias = sum(g)
    over every axis but the last (leading axes folded into one GEMM).
    """
    x, kernel = convert_to_tensor(x), convert_to_tensor(kernel)
    x_data = x.data if x.dtype == kernel.dtype else x.data.astype(kernel.dtype)
    out = xp.matmul(x_data, kernel.data)
    parents = (x, kernel)
    if bias is not None:
        bias = convert_to_tensor(bias)
        out += bias.data
        parents = (x, kernel, bias)

    rows = math.prod(x_data.shape[:-1])  # explicit, as -1 is ambiguous for 0 features

    def vjp(g):
        flat_g = g.reshape(rows, g.shape[-1])
        gx = xp.matmul(g, kernel.data.T) if x.requires_grad else None
        gk = x_data.reshape(rows, x_data.shape[-1]).T @ flat_g if kernel.requires_grad else None
        if bias is None:
            return gx, gk
        return gx, gk, (flat_g.sum(axis=0) if bias.requires_grad else None)
    return record(out, parents, vjp, hands_over=True)


@op
def dropout(x, rate, generator, noise_shape=None):
    """Inverted dropout: zero each value with probability `rate`, scale the rest by 1/(1-rate).

    `noise_shape` (broadcastable to x.shape) shares one keep/drop decision along axes of size 1.
    The gradient goes through the same mask and scale.
    """
    x = convert_to_tensor(x)
    shape = x.shape if noise_shape is None else tuple(
        x.shape[i] if d is None else d for i, d in enumerate(noise_shape))
    keep = xp.asarray(generator.random(shape, dtype=xp.float32) >= rate)  # drawn on the host
    # rate 1 keeps nothing (every draw is < 1): zeros, as Keras returns, not 1 / 0
    scale = 0.0 if rate >= 1 else 1.0 / (1.0 - rate)
    mask = keep * xp.asarray(scale, dtype=x.dtype)
    return record(x.data * mask, (x,), lambda g: (g * mask,), hands_over=True)


# -- crossentropies --------------------------------------------------------------------------
# Keras's numerics, with eps = `epsilon()` = 1e-7: probabilities are clipped to [eps, 1 - eps]
# before the log (the categorical ones first divide by their sum over the class axis); logits
# are never clipped (max-shifted log-softmax; binary: max(x, 0) - x*y + log(1 + exp(-|x|))).
@op
def binary_crossentropy(target, output, from_logits=False):
    """-[y log p + (1 - y) log(1 - p)] elementwise: target and output of one shape -> same.

    `output` holds probabilities, or logits if `from_logits`. Gradients:
    d/dx (logits) = sigmoid(x) - y;   d/dp (probabilities) = (1 - y)/(1 - p) - y/p inside the
    clip range, 0 outside;   d/dy = -x (logits) or log(1 - p) - log(p).
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    t, x = target.data, output.data
    eps = config.epsilon()
    if from_logits:
        out = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
    else:
        p = xp.clip(x, eps, 1.0 - eps)
        log_p, log_q = xp.log(p), xp.log1p(-p)
        out = -(t * log_p + (1.0 - t) * log_q)

    def vjp(g):
        grad_t = grad_x = None
        if output.requires_grad:
            if from_logits:
                grad_x = g * (0.5 * (xp.tanh(0.5 * x) + 1.0) - t)
            else:
                inside = (x >= eps) & (x <= 1.0 - eps)
                grad_x = xp.where(inside, g * ((1.0 - t) / (1.0 - p) - t / p), 0.0)
        if target.requires_grad:
            grad_t = g * (-x if from_logits else log_q - log_p)
        return grad_t, grad_x
    return record(out, (target, output), vjp)


@op
def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-sum(y * log p) over the class `axis`: e.g. (n, classes) -> (n,).

    Logits: log p = log_softmax(x), d/dx = softmax(x) * sum(y) - y.
    Probabilities: q = x / sum(x), log p = log(clip(q)); with d = -y / clip(q) (0 where clipped),
    d/dx = (d - sum(d * q)) / sum(x). In both cases d/dy = -log p.
    """
    target, output = convert_to_tensor(target), convert_to_tensor(output)
    t, x = target.data, output.data
    eps = config.epsilon()
    if from_logits:
        shifted = x - xp.max(x, axis=axis, keepdims=True)
        log_p = shifted - xp.log(xp.sum(xp.exp(shifted), axis=axis, keepdims=True))
    else:
        total = xp.sum(x, axis=axis, keepdims=True)
        q = x / total
        clipped = xp.clip(q, eps, 1.0 - eps)
        log_p = xp.log(clipped)
    out = -xp.sum(t * log_p, axis=axis)

    def vjp(g):
        g = xp.expand_dims(g, axis)
        grad_t = -g * log_p if target.requires_grad else None
        grad_x = None
        if output.requires_grad:
            if from_logits:
                grad_x = g * (xp.exp(log_p) * xp.sum(t, axis=axis, keepdims=True) - t)
            else:
                d = xp.where((q >= eps) & (q <= 1.0 - eps), -t / clipped, 0.0)
                grad_x = g * (d - xp.sum(d * q, axis=axis, keepdims=True)) / total
        return grad_t, grad_x
    return record(out, (target, output), vjp)


@op
def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """-log p[label] with integer labels: target (n,) (or (n, 1)), output (n, classes) -> (n,).

    `target` holds class indices in [0, classes), shaped like `output` without its class
    `axis` (a size-1 axis there is dropped); it gets no gradient. No one-hot matrix is built:
    the classes are moved to the last axis and the rest flattened, so the work is on an
    (m, classes) matrix and the label entries are picked with one fancy index.
    Logits: loss = log(sum(exp(x - max))) - (x[label] - max), d/dx = softmax(x) - onehot(label).
    Probabilities: q = x[label] / sum(x), loss = -log(clip(q)); with d = -1/clip(q) (0 where
    clipped), d/dx = d * (onehot(label) - q) / sum(x).
    """
    output = convert_to_tensor(output)
    x = output.data
    class_axis = axis % x.ndim
    labels = xp.asarray(target.data if isinstance(target, Tensor) else target)
    if labels.ndim == x.ndim and labels.shape[class_axis] == 1:
        labels = xp.squeeze(labels, axis=class_axis)
    labels = labels.astype(xp.intp, copy=False)
    num_classes = x.shape[class_axis]
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"sparse_categorical_crossentropy: target holds class indices outside "
                         f"[0, {num_classes}).")
    moved = class_axis != x.ndim - 1
    if moved:
        x = xp.moveaxis(x, class_axis, -1)
    x2 = x.reshape(-1, x.shape[-1])
    flat = labels.reshape(-1)
    rows = xp.arange(flat.size)
    eps = config.epsilon()
    if from_logits:
        shifted = x2 - x2.max(axis=1, keepdims=True)
        exps = xp.exp(shifted)
        total = exps.sum(axis=1, keepdims=True)
        out = xp.log(total[:, 0]) - shifted[rows, flat]
    else:
        total = x2.sum(axis=1)
        q = x2[rows, flat] / total
        clipped = xp.clip(q, eps, 1.0 - eps)
        out = -xp.log(clipped)

    def vjp(g):
        g = g.reshape(-1)
        if from_logits:
            grad = exps * (g[:, None] / total)
            grad[rows, flat] -= g
        else:
            d = xp.where((q >= eps) & (q <= 1.0 - eps), -g / clipped, 0.0) / total
            grad = xp.broadcast_to((-d * q)[:, None], x2.shape).copy()
            grad[rows, flat] += d
        grad = grad.reshape(x.shape)
        return (xp.moveaxis(grad, -1, class_axis) if moved else grad,)
    return record(out.reshape(labels.shape), (output,), vjp)
