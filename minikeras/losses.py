"""Losses, as in `keras.losses`: how far predictions are from targets.

Two levels, as in Keras:

- loss *functions* (`mean_squared_error`, `binary_crossentropy`, ...) map `(y_true, y_pred)` to
  one loss per sample: shape `y_pred.shape` without its last axis, which is averaged (MSE, MAE,
  binary CE) or summed (categorical CE) away. They are differentiable through `minikeras.ops`.
- `Loss` *objects* add a name, a dtype and a reduction that turns the per-sample losses (times
  optional sample weights) into the scalar Tensor that training minimizes.

Numerics follow Keras 3 (shared/research/H5_FORMAT.md section 9), with eps = `epsilon()` = 1e-7:

- probabilities are clipped to [eps, 1 - eps] before the log, and the categorical losses first
  divide `y_pred` by its sum over the class axis ([2, 6] is read as [0.25, 0.75]). A probability
  of exactly 0 or 1 therefore gives a large but finite loss (-log(1e-7) = 16.118...).
- with `from_logits=True` nothing is clipped: categorical losses use a max-shifted log-softmax,
  binary CE the overflow-free max(x, 0) - x*y + log(1 + exp(-|x|)); logits of 1e4 are fine.
- label smoothing: binary y*(1 - ls) + 0.5*ls; categorical y*(1 - ls) + ls/num_classes.

The three crossentropies run on every training step, so each is one graph node with a
hand-written vector-Jacobian product (checked against numerical gradients in the tests)
instead of a chain of a dozen generic ops.
"""
import inspect
import warnings

from minikeras import ops
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor, record
from minikeras.saving.serialization import (deserialize_class_or_function,
                                            get_object, resolve, serialize_keras_object)
from minikeras.utils.naming import auto_name

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- shape and dtype helpers -----------------------------------------------------------------
def _float_tensor(x):
    """A float Tensor for x (Tensors pass through; integer or bool data becomes floatx())."""
    x = ops.convert_to_tensor(x)
    if x.dtype.kind != "f":
        x = ops.cast(x, config.floatx())
    return x


def _prepare(y_true, y_pred):
    """y_pred as a float Tensor and y_true cast to its dtype (what Keras does in every loss)."""
    y_pred = _float_tensor(y_pred)
    return ops.convert_to_tensor(y_true, dtype=y_pred.dtype), y_pred


def _expand_last(x):
    return ops.expand_dims(x, -1) if isinstance(x, Tensor) else xp.expand_dims(x, -1)


def _squeeze_last(x):
    return ops.squeeze(x, -1) if isinstance(x, Tensor) else xp.squeeze(x, -1)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Make two ranks agree when they differ by exactly one trailing size-1 axis (Keras's rule).

    (n,) against (n, 1): the rank-1 side gains a trailing axis (with `expand_rank_1=False` the
    other side loses its size-1 axis instead); (n, d, 1) against (n, d): the size-1 axis goes.
    Any other pair comes back unchanged. Works on Tensors (through ops, so gradients flow) and
    on plain arrays (metrics).
    """
    rank1, rank2 = len(x1.shape), len(x2.shape)
    if rank1 == rank2 + 1 and x1.shape[-1] == 1:
        if rank2 == 1 and expand_rank_1:
            x2 = _expand_last(x2)
        else:
            x1 = _squeeze_last(x1)
    elif rank2 == rank1 + 1 and x2.shape[-1] == 1:
        if rank1 == 1 and expand_rank_1:
            x1 = _expand_last(x1)
        else:
            x2 = _squeeze_last(x2)
    return x1, x2


def _check_same_shape(loss_name, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{loss_name}: y_true and y_pred must have the same shape, received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}.")


def _check_axis(loss_name, axis, ndim):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"{loss_name}: `axis` must be an int, received axis={axis!r}.")
    if ndim < 1 or not -ndim <= axis < ndim:
        raise ValueError(f"{loss_name}: axis={axis} is out of range for y_pred of rank {ndim}.")
    return axis % ndim


# -- loss functions --------------------------------------------------------------------------
def mean_squared_error(y_true, y_pred):
    """mean((y_true - y_pred)**2) over the last axis: shape (n, d) -> (n,)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis: shape (n, d) -> (n,)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ops.mean(ops.abs(y_true - y_pred), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-[y log p + (1 - y) log(1 - p)] averaged over `axis`: shape (n, d) -> (n,).

    `y_true` and `y_pred` must have the same shape (the `BinaryCrossentropy` object first
    reconciles (n,) against (n, 1)). `y_pred` holds probabilities, or logits if `from_logits`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    axis = _check_axis("binary_crossentropy", axis, y_pred.ndim)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    return _binary_crossentropy_node(y_true, y_pred, from_logits, axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """-sum(y * log p) over the class axis: shape (n, classes) -> (n,).

    `y_true` is one-hot (or any distribution) with the same shape as `y_pred`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    axis = _check_axis("categorical_crossentropy", axis, y_pred.ndim)
    if y_pred.shape[-1] == 1:
        warnings.warn("categorical_crossentropy expects y_pred of shape (batch_size, num_classes) "
                      f"with num_classes > 1, received y_pred.shape={y_pred.shape}. Consider "
                      "binary_crossentropy for two classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        num_classes = y_true.shape[-1]  # Keras smooths over the last axis whatever `axis` is
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    return _categorical_crossentropy_node(y_true, y_pred, from_logits, axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical crossentropy with integer class labels: -log p[label], shape (n, C) -> (n,).

    `y_true` holds class indices, int or float (whole numbers), shaped like `y_pred` without its
    class axis or with a size-1 axis there. With `ignore_class`, labels equal to it give a loss
    of 0 and are masked out of the reduction (the result carries `_keras_mask`).
    """
    y_pred = _float_tensor(y_pred)
    class_axis = _check_axis("sparse_categorical_crossentropy", axis, y_pred.ndim)
    labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.ndim == y_pred.ndim and labels.shape[axis] == 1:
        labels = xp.squeeze(labels, axis=axis)
    expected = y_pred.shape[:class_axis] + y_pred.shape[class_axis + 1:]
    if labels.shape != expected:
        raise ValueError(f"sparse_categorical_crossentropy: y_true must have the shape of y_pred "
                         f"without its class axis, i.e. {expected} (or with a size-1 axis there); "
                         f"received y_true.shape={labels.shape} and y_pred.shape={y_pred.shape}.")
    labels, valid = _class_indices(labels, y_pred.shape[class_axis], ignore_class, axis)
    out = _sparse_categorical_crossentropy_node(labels, y_pred, from_logits, class_axis, valid)
    if valid is not None:
        out._keras_mask = valid
    return out


def _class_indices(labels, num_classes, ignore_class, axis):
    """Validated integer labels (ignored ones replaced by 0) and the valid mask (or None)."""
    kind = labels.dtype.kind
    if kind == "f":
        if not bool(xp.all(labels == xp.floor(labels))):
            odd = xp.unique(labels[labels != xp.floor(labels)])[:10]
            raise ValueError(f"sparse_categorical_crossentropy: y_true must hold whole-number class "
                             f"indices, received non-integer values {odd.tolist()}.")
    elif kind not in "iub":
        raise TypeError(f"sparse_categorical_crossentropy: y_true must hold integer class indices, "
                        f"received dtype {labels.dtype}.")
    labels = labels.astype(xp.intp, copy=False)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = xp.where(valid, labels, 0)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        offending = xp.unique(labels[(labels < 0) | (labels >= num_classes)])[:10].tolist()
        raise ValueError(f"sparse_categorical_crossentropy: y_true holds class indices outside the "
                         f"valid range [0, {num_classes}) (y_pred has {num_classes} classes on "
                         f"axis {axis}); offending values: {offending}.")
    return labels, valid


# -- the crossentropy primitives (one graph node each) ---------------------------------------
def _binary_crossentropy_node(y_true, y_pred, from_logits, axis):
    """mean over `axis` of the elementwise binary crossentropy, with its own VJP.

    d/dx (logits) = sigmoid(x) - y;   d/dp (probabilities) = (1 - y)/(1 - p) - y/p inside the
    clip range, 0 outside;   d/dy = -x (logits) or log(1 - p) - log(p).
    """
    t, x = y_true.data, y_pred.data
    eps = config.epsilon()
    if from_logits:
        elementwise = xp.maximum(x, 0) - x * t + xp.log1p(xp.exp(-xp.abs(x)))
    else:
        p = xp.clip(x, eps, 1.0 - eps)
        log_p, log_q = xp.log(p), xp.log1p(-p)
        elementwise = -(t * log_p + (1.0 - t) * log_q)
    out = xp.mean(elementwise, axis=axis).astype(x.dtype, copy=False)
    count = x.shape[axis]

    def vjp(g):
        g = xp.expand_dims(g, axis) / count
        grad_t = grad_x = None
        if y_pred.requires_grad:
            if from_logits:
                grad_x = g * (0.5 * (xp.tanh(0.5 * x) + 1.0) - t)
            else:
                inside = (x >= eps) & (x <= 1.0 - eps)
                grad_x = xp.where(inside, g * ((1.0 - t) / (1.0 - p) - t / p), 0.0)
        if y_true.requires_grad:
            grad_t = g * (-x if from_logits else log_q - log_p)
        return grad_t, grad_x
    return record(out, (y_true, y_pred), vjp)


def _categorical_crossentropy_node(y_true, y_pred, from_logits, axis):
    """-sum(y * log p) over `axis`, with its own VJP.

    Logits: log p = log_softmax(x), d/dx = softmax(x) * sum(y) - y.
    Probabilities: q = x / sum(x), log p = log(clip(q)); with d = -y / clip(q) (0 where clipped),
    d/dx = (d - sum(d * q)) / sum(x). In both cases d/dy = -log p.
    """
    t, x = y_true.data, y_pred.data
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
        grad_t = -g * log_p if y_true.requires_grad else None
        grad_x = None
        if y_pred.requires_grad:
            if from_logits:
                grad_x = g * (xp.exp(log_p) * xp.sum(t, axis=axis, keepdims=True) - t)
            else:
                d = xp.where((q >= eps) & (q <= 1.0 - eps), -t / clipped, 0.0)
                grad_x = g * (d - xp.sum(d * q, axis=axis, keepdims=True)) / total
        return grad_t, grad_x
    return record(out, (y_true, y_pred), vjp)


def _sparse_categorical_crossentropy_node(labels, y_pred, from_logits, class_axis, valid):
    """-log p[label] with its own VJP (no one-hot matrix is built).

    The classes are moved to the last axis and the rest flattened, so the work is on an
    (m, classes) matrix and the label entries are picked with one fancy index.
    Logits: loss = log(sum(exp(x - max))) - (x[label] - max), d/dx = softmax(x) - onehot(label).
    Probabilities: q = x[label] / sum(x), loss = -log(clip(q)); with d = -1/clip(q) (0 where
    clipped), d/dx = d * (onehot(label) - q) / sum(x).
    """
    x = y_pred.data
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
    if valid is not None:
        out = xp.where(valid.reshape(-1), out, 0.0).astype(x.dtype, copy=False)

    def vjp(g):
        g = g.reshape(-1)
        if valid is not None:
            g = xp.where(valid.reshape(-1), g, 0.0)
        if from_logits:
            grad = exps * (g[:, None] / total)
            grad[rows, flat] -= g
        else:
            d = xp.where((q >= eps) & (q <= 1.0 - eps), -g / clipped, 0.0) / total
            grad = xp.broadcast_to((-d * q)[:, None], x2.shape).copy()
            grad[rows, flat] += d
        grad = grad.reshape(x.shape)
        return (xp.moveaxis(grad, -1, class_axis) if moved else grad,)
    return record(out.reshape(labels.shape), (y_pred,), vjp)


# -- reduction -------------------------------------------------------------------------------
def standardize_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"Invalid value for argument `reduction`: {reduction!r}. Expected one of "
                         f"{REDUCTIONS}.")
    return reduction


def apply_mask(sample_weight, mask, dtype, reduction):
    """Fold a boolean mask into the sample weights (Keras's rule).

    For "sum_over_batch_size"/"mean" the kept entries weigh total/valid, so the reduction
    divides by the number of valid entries rather than by all of them.
    """
    if mask is None:
        return sample_weight
    mask = xp.asarray(mask.data if isinstance(mask, Tensor) else mask).astype(bool)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = xp.sum(mask)
        scale = xp.asarray(mask.size, dtype=dtype) / xp.asarray(valid, dtype=dtype) if valid else 0
        float_mask = xp.where(mask, scale, 0).astype(dtype)
    else:
        float_mask = mask.astype(dtype)
    if sample_weight is None:
        return float_mask
    float_mask, sample_weight = squeeze_or_expand_to_same_rank(float_mask, sample_weight)
    return sample_weight * float_mask


def _align_weights(sample_weight, shape):
    """Let per-sample weights (n,) meet per-element losses (n, ...) by adding trailing axes;
    other shapes must broadcast to the losses' shape."""
    rank = len(sample_weight.shape)
    if 0 < rank < len(shape) and tuple(sample_weight.shape) == tuple(shape[:rank]):
        return ops.reshape(sample_weight, tuple(sample_weight.shape) + (1,) * (len(shape) - rank))
    try:
        fits = xp.broadcast_shapes(tuple(sample_weight.shape), tuple(shape)) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(f"sample_weight of shape {tuple(sample_weight.shape)} cannot be applied "
                         f"to losses of shape {tuple(shape)}: expected one weight per sample "
                         f"({shape[:1]}) or a shape that broadcasts to {tuple(shape)}.")
    return sample_weight


def _divide_no_nan(numerator, denominator):
    """numerator / denominator, or 0 (with zero gradient) where the denominator is 0."""
    value = denominator.data if isinstance(denominator, Tensor) else denominator
    if not bool(value):
        return ops.where(False, numerator, 0.0)
    return ops.divide(numerator, denominator)


def _mean_of_all(values):
    """sum(values) / values.size as one small node: the default reduction of every step."""
    data = values.data
    out = xp.asarray(data.mean(), dtype=data.dtype)
    return record(out, (values,), lambda g: (xp.full(data.shape, g / data.size, dtype=data.dtype),))


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sum the (weighted) per-sample losses, then divide as `reduction` says."""
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    if sample_weight is None and reduction in ("sum_over_batch_size", "mean") and values.size:
        return _mean_of_all(values)
    loss = ops.sum(values)
    if reduction in ("sum_over_batch_size", "mean", "mean_with_sample_weight"):
        if reduction == "mean_with_sample_weight" and sample_weight is not None:
            divisor = ops.sum(ops.cast(sample_weight, loss.dtype))
        else:
            divisor = xp.asarray(values.size, dtype=loss.dtype)
        loss = _divide_no_nan(loss, divisor)
    return loss


def reduce_weighted_values(values, sample_weight=None, mask=None, reduction="sum_over_batch_size",
                           dtype=None):
    """Multiply per-sample losses by sample weights (and mask), then reduce.

    "sum_over_batch_size"/"mean": sum(w * loss) / number of loss elements (not / sum(w));
    "sum": sum(w * loss); "mean_with_sample_weight": sum(w * loss) / sum(w); "none"/None: w * loss.
    """
    reduction = standardize_reduction(reduction)
    values = ops.convert_to_tensor(values, dtype=dtype)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=values.dtype)
    sample_weight = apply_mask(sample_weight, mask, values.dtype, reduction)
    if sample_weight is not None:
        sample_weight = ops.convert_to_tensor(sample_weight, dtype=values.dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        values = values * _align_weights(sample_weight, values.shape)
    return reduce_values(values, sample_weight, reduction)


# -- Loss objects ----------------------------------------------------------------------------
class Loss:
    """Base class: subclasses implement `call(y_true, y_pred)` returning per-sample losses.

    Args:
        name: defaults to the snake_case class name.
        reduction: "sum_over_batch_size" (default), "sum", "mean", "mean_with_sample_weight",
            "none" or None.
        dtype: the computation dtype (floatx() by default); y_true and y_pred are cast to it.

    `loss(y_true, y_pred, sample_weight=None)` returns the reduced loss as a Tensor (a scalar
    unless the reduction is "none").
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or auto_name(type(self).__name__)
        self.reduction = standardize_reduction(reduction)
        self._dtype = xp.dtype(dtype or config.floatx()).name

    @property
    def dtype(self):
        return self._dtype

    # Keras casts y_true to the loss dtype; integer class labels skip the float round trip.
    _labels_are_indices = False

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = getattr(y_pred, "_keras_mask", None)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        if not self._labels_are_indices:
            y_true = ops.convert_to_tensor(y_true, dtype=self.dtype)
        losses = ops.convert_to_tensor(self.call(y_true, y_pred))
        out_mask = losses._keras_mask
        if in_mask is not None and out_mask is not None:
            mask = xp.logical_and(xp.asarray(in_mask, dtype=bool), out_mask)
        else:
            mask = out_mask if in_mask is None else in_mask
        return reduce_weighted_values(losses, sample_weight=sample_weight, mask=mask,
                                      reduction=self.reduction, dtype=self.dtype)

    def call(self, y_true, y_pred):
        raise NotImplementedError(f"{type(self).__name__} must implement call(y_true, y_pred).")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}, reduction={self.reduction}>"


class LossFunctionWrapper(Loss):
    """A Loss around a function `fn(y_true, y_pred, **kwargs)` returning per-sample losses.

    Before calling `fn`, (n,) and (n, 1) targets/predictions are reconciled
    (`squeeze_or_expand_to_same_rank`), so a model with one output unit can take 1-D labels.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        if not callable(fn):
            raise TypeError(f"LossFunctionWrapper: `fn` must be callable, received {fn!r}.")
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = super().get_config()
        config["fn"] = serialize_keras_object(self.fn, "keras.losses")
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            config["fn"] = _deserialize_function(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({getattr(self.fn, '__name__', self.fn)}, name={self.name})>"


class MeanSquaredError(LossFunctionWrapper):
    """mean((y_true - y_pred)**2) per sample, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanAbsoluteError(LossFunctionWrapper):
    """mean(|y_true - y_pred|) per sample, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class BinaryCrossentropy(LossFunctionWrapper):
    """Binary crossentropy for 0/1 targets (one or several independent labels per sample)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class CategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for one-hot targets and class probabilities (or logits)."""

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Crossentropy for integer class labels and class probabilities (or logits)."""

    _labels_are_indices = True

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", dtype=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}


# -- names, get, serialize, deserialize ------------------------------------------------------
_FUNCTION_OF_CLASS = {
    MeanSquaredError: mean_squared_error,
    MeanAbsoluteError: mean_absolute_error,
    BinaryCrossentropy: binary_crossentropy,
    CategoricalCrossentropy: categorical_crossentropy,
    SparseCategoricalCrossentropy: sparse_categorical_crossentropy,
}
_CLASS_OF_FUNCTION = {fn: cls for cls, fn in _FUNCTION_OF_CLASS.items()}

# Every string a user may type. Function names resolve to the class, so `get` always gives
# a Loss object whose config can be saved.
ALL_OBJECTS_DICT = {}
for _cls, _fn in _FUNCTION_OF_CLASS.items():
    ALL_OBJECTS_DICT[_cls.__name__] = _cls
    ALL_OBJECTS_DICT[_fn.__name__] = _cls
ALL_OBJECTS_DICT.update({"mse": MeanSquaredError, "MSE": MeanSquaredError,
                         "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError,
                         "bce": BinaryCrossentropy, "BCE": BinaryCrossentropy})
# Classes that only appear in saved configs.
_CONFIG_CLASSES = {**ALL_OBJECTS_DICT, "Loss": Loss, "LossFunctionWrapper": LossFunctionWrapper}
_FUNCTIONS = {fn.__name__: fn for fn in _CLASS_OF_FUNCTION}
_FUNCTIONS.update({"mse": mean_squared_error, "MSE": mean_squared_error,
                   "mae": mean_absolute_error, "MAE": mean_absolute_error})


def _deserialize_function(config):
    """A loss *function* from its name (or from Keras 3's {"class_name": "function"} dict)."""
    if isinstance(config, dict) and config.get("class_name") == "function":
        config = config.get("config")
    if callable(config):
        return config
    return resolve(config, _FUNCTIONS, "loss function")


def serialize(loss):
    """A name or a Keras 3 config dict for `loss`.

    Built-in losses given as strings or functions serialize to their full function name
    ("mse" -> "mean_squared_error"), which every Keras version can read back; Loss objects
    give {"module": "keras.losses", "class_name", "config", "registered_name"}.
    """
    if loss is None:
        return None
    if isinstance(loss, str):
        cls = ALL_OBJECTS_DICT.get(loss) or ALL_OBJECTS_DICT.get(loss.lower())
        return _FUNCTION_OF_CLASS[cls].__name__ if cls is not None else loss
    if inspect.isfunction(loss) and loss in _CLASS_OF_FUNCTION:
        return loss.__name__
    return serialize_keras_object(loss, "keras.losses")


def deserialize(config, custom_objects=None):
    """Rebuild a loss from a name or config dict (what `serialize` or Keras 3 wrote).

    Built-in names give Loss objects; a custom function registered or passed in
    `custom_objects` comes back as that function.
    """
    return deserialize_class_or_function(config, ALL_OBJECTS_DICT, _CONFIG_CLASSES, "loss",
                                         custom_objects)


def get(identifier):
    """A Loss object for a name ("mse", "mean_squared_error", "MeanSquaredError", ...), a
    config dict, a Loss class or instance, or a function f(y_true, y_pred) (built-in functions
    become their class; any other is wrapped in LossFunctionWrapper named after it)."""
    return get_object(identifier, "loss", deserialize, base_class=Loss,
                      class_of_function=_CLASS_OF_FUNCTION, wrap=LossFunctionWrapper)


def is_binary_or_sparse_categorical(y_true, y_pred):
    """Keras 3's shape rule behind "accuracy" and "crossentropy".

    Returns (is_binary, is_sparse): binary when y_pred has one unit on its last axis; sparse
    when y_true has lower rank than y_pred, or y_true's last axis is 1 while y_pred's is > 1.
    """
    true_shape, pred_shape = _shape_of(y_true), _shape_of(y_pred)
    true_last = true_shape[-1] if true_shape else None
    pred_last = pred_shape[-1] if pred_shape else None
    is_binary = pred_last == 1
    is_sparse = len(true_shape) < len(pred_shape) or (
        true_last == 1 and pred_last is not None and pred_last > 1)
    return is_binary, is_sparse


def _shape_of(x):
    return tuple(x.shape) if hasattr(x, "shape") else tuple(xp.shape(x))


def resolve_loss(identifier, y_true, y_pred):
    """`get`, plus Keras's shape-based choice for "crossentropy"/"ce" (any case): binary,
    sparse categorical or categorical crossentropy, named as the user typed it."""
    if isinstance(identifier, str) and identifier.lower() in ("crossentropy", "ce"):
        is_binary, is_sparse = is_binary_or_sparse_categorical(y_true, y_pred)
        if is_binary:
            return BinaryCrossentropy(name=identifier)
        if is_sparse:
            return SparseCategoricalCrossentropy(name=identifier)
        return CategoricalCrossentropy(name=identifier)
    return get(identifier)
