"""The `Loss` base class and the reductions it applies, as in Keras 3's `keras/src/losses/loss.py`.

A `Loss` object maps `(y_true, y_pred, sample_weight=None)` to the scalar Tensor that training
minimizes: its `call` gives one loss per sample (or per element), which are multiplied by the
optional sample weights and by the mask of `y_pred` or of the losses (Keras's rules, see
`apply_mask`) and then reduced as `reduction` says. The helpers work on Tensors (through
`minikeras.ops`, so gradients flow) and `squeeze_or_expand_to_same_rank` also on plain arrays,
which the metrics use.
"""
from minikeras import ops
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.masking import get_keras_mask
from minikeras.backend.naming import auto_name

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


# -- shape helpers ---------------------------------------------------------------------------
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
    other shapes must broadcast to the losses' shape. A scalar loss (Dice with axis=None) is
    spread over the weights, as in Keras: the weighted values are loss * w."""
    rank = len(sample_weight.shape)
    if not shape:
        return sample_weight
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


def reduce_values(values, sample_weight=None, reduction="sum_over_batch_size"):
    """Sum the (weighted) per-sample losses, then divide as `reduction` says."""
    if reduction in (None, "none") or values.shape in ((), (0,)):
        return values
    if sample_weight is None and reduction in ("sum_over_batch_size", "mean") and values.size:
        return ops.mean(values)
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

    # Keras casts y_true to the loss dtype; subclasses taking class indices set this to True.
    _labels_are_indices = False

    def __call__(self, y_true, y_pred, sample_weight=None):
        in_mask = get_keras_mask(y_pred)
        y_pred = ops.convert_to_tensor(y_pred, dtype=self.dtype)
        # Integer class labels (sparse losses, Circle) skip the float round trip.
        y_true = ops.convert_to_tensor(y_true, None if self._labels_are_indices else self.dtype)
        losses = ops.convert_to_tensor(self.call(y_true, y_pred))
        out_mask = get_keras_mask(losses)
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
