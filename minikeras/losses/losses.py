"""Loss functions and the Loss classes around them, as in Keras 3's `keras/src/losses/losses.py`.

- loss *functions* (`mean_squared_error`, `binary_crossentropy`, `huber`, ...) map
  `(y_true, y_pred)` to one loss per sample: shape `y_pred.shape` without its last axis, which
  is averaged (MSE, MAE, binary CE, hinge, ...) or summed (categorical CE, KL divergence) away.
  They are compositions of `minikeras.ops`, which hold every gradient: the three
  crossentropies, which run on every training step, are single-node ops
  (`ops.binary_crossentropy`, `ops.categorical_crossentropy`,
  `ops.sparse_categorical_crossentropy`) with hand-written VJPs.
- `LossFunctionWrapper` classes (`MeanSquaredError`, ...) give each function a name, a dtype
  and a reduction (the `Loss` base class, in `loss.py`).

The set is Keras 3.15.1's: regression (MSE, MAE, MAPE, MSLE, cosine similarity, Huber,
log-cosh), hinge (hinge, squared and categorical hinge), probabilistic (binary, categorical
and sparse crossentropy, their focal versions, generalized crossentropy, KL divergence,
Poisson), segmentation (Dice, Tversky) and metric learning (Circle). Keras's CTC loss is left
out: it needs the forward-backward recursion over label alignments, a module of its own.

Numerics follow Keras 3 (shared/research/H5_FORMAT.md section 9), with eps = `epsilon()` = 1e-7:

- probabilities are clipped to [eps, 1 - eps] before the log, and the categorical losses first
  divide `y_pred` by its sum over the class axis ([2, 6] is read as [0.25, 0.75]). A probability
  of exactly 0 or 1 therefore gives a large but finite loss (-log(1e-7) = 16.118...).
- with `from_logits=True` nothing is clipped: categorical losses use a max-shifted log-softmax,
  binary CE the overflow-free max(x, 0) - x*y + log(1 + exp(-|x|)); logits of 1e4 are fine.
  (The focal losses, like Keras's, turn logits into clipped probabilities first.)
- label smoothing: binary y*(1 - ls) + 0.5*ls; categorical y*(1 - ls) + ls/num_classes.
"""
import warnings

import numpy as np

from minikeras import ops
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import Tensor
from minikeras.backend.masking import set_keras_mask
from minikeras.losses.loss import Loss, squeeze_or_expand_to_same_rank
from minikeras.ops.reduction import masked_logsumexp
from minikeras.registry.serialization import serialize_object


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


def _check_same_shape(loss_name, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{loss_name}: y_true and y_pred must have the same shape, received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}.")


def _same_rank(loss_name, y_true, y_pred):
    """`squeeze_or_expand_to_same_rank`, then a check that the two shapes broadcast, so that a
    mismatch names the loss and both shapes instead of surfacing NumPy's broadcast error."""
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    try:
        np.broadcast_shapes(tuple(y_true.shape), tuple(y_pred.shape))
    except ValueError:
        raise ValueError(f"{loss_name}: the shapes of y_true and y_pred do not match, received "
                         f"y_true.shape={tuple(y_true.shape)} and "
                         f"y_pred.shape={tuple(y_pred.shape)}. The targets must have the "
                         f"model output's shape (or broadcast to it).") from None
    return y_true, y_pred


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
    y_true, y_pred = _same_rank("mean_squared_error", y_true, y_pred)
    return ops.mean(ops.square(y_true - y_pred), axis=-1)


def mean_absolute_error(y_true, y_pred):
    """mean(|y_true - y_pred|) over the last axis: shape (n, d) -> (n,)."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = _same_rank("mean_absolute_error", y_true, y_pred)
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
    return ops.mean(ops.binary_crossentropy(y_true, y_pred, from_logits=from_logits), axis=axis)


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
    return ops.categorical_crossentropy(y_true, y_pred, from_logits=from_logits, axis=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None, axis=-1):
    """Categorical crossentropy with integer class labels: -log p[label], shape (n, C) -> (n,).

    `y_true` holds class indices, int or float (whole numbers), shaped like `y_pred` without its
    class axis or with a size-1 axis there. With `ignore_class`, labels equal to it give a loss
    of 0 and are masked out of the reduction (the result carries a Keras mask).
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
    labels, valid = _class_indices("sparse_categorical_crossentropy", labels,
                                   y_pred.shape[class_axis], ignore_class, axis)
    out = ops.sparse_categorical_crossentropy(labels, y_pred, from_logits=from_logits,
                                              axis=class_axis)
    if valid is not None:
        out = ops.where(valid, out, 0.0)
        set_keras_mask(out, valid)
    return out


def _class_indices(loss_name, labels, num_classes, ignore_class=None, axis=-1):
    """Validated integer labels (ignored ones replaced by 0) and the valid mask (or None)."""
    kind = labels.dtype.kind
    if kind == "f":
        if not bool(xp.all(labels == xp.floor(labels))):
            odd = xp.unique(labels[labels != xp.floor(labels)])[:10]
            raise ValueError(f"{loss_name}: y_true must hold whole-number class indices, received "
                             f"non-integer values {odd.tolist()}.")
    elif kind not in "iub":
        raise TypeError(f"{loss_name}: y_true must hold integer class indices, received dtype "
                        f"{labels.dtype}.")
    labels = labels.astype(xp.intp, copy=False)
    valid = None
    if ignore_class is not None:
        valid = labels != ignore_class
        labels = xp.where(valid, labels, 0)
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        offending = xp.unique(labels[(labels < 0) | (labels >= num_classes)])[:10].tolist()
        raise ValueError(f"{loss_name}: y_true holds class indices outside the valid range "
                         f"[0, {num_classes}) (y_pred has {num_classes} classes on axis {axis}); "
                         f"offending values: {offending}.")
    return labels, valid


# -- regression losses -----------------------------------------------------------------------
def mean_absolute_percentage_error(y_true, y_pred):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) over the last axis: (n, d) -> (n,).

    A target of exactly 0 divides by eps = 1e-7, so its error counts 1e9 times (as in Keras).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = _same_rank("mean_absolute_percentage_error", y_true, y_pred)
    scale = ops.maximum(ops.abs(y_true), config.epsilon())
    return 100.0 * ops.mean(ops.abs((y_true - y_pred) / scale), axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))**2) over the last axis.

    Values below eps (zeros, negatives) count as eps. Shape (n, d) -> (n,).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = _same_rank("mean_squared_logarithmic_error", y_true, y_pred)
    eps = config.epsilon()
    first = ops.log(ops.maximum(y_pred, eps) + 1.0)
    second = ops.log(ops.maximum(y_true, eps) + 1.0)
    return ops.mean(ops.square(first - second), axis=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """-sum(l2_normalize(y_true) * l2_normalize(y_pred)) over `axis`: (n, d) -> (n,).

    -1 for parallel vectors, 0 for orthogonal ones, 1 for opposite ones. Each vector is
    multiplied by min(1 / ||v||, 1 / eps), so a zero vector stays zero and gives 0.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = _same_rank("cosine_similarity", y_true, y_pred)
    axis = _check_axis("cosine_similarity", axis, y_pred.ndim)
    return -ops.sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _l2_normalize(x, axis):
    # 1 / sqrt(max(s, eps**2)) is min(1 / sqrt(s), 1 / eps) without dividing by zero.
    eps = config.epsilon()
    square_sum = ops.sum(ops.square(x), axis=axis, keepdims=True)
    return x / ops.sqrt(ops.maximum(square_sum, eps * eps))


def huber(y_true, y_pred, delta=1.0):
    """mean over the last axis of 0.5 * e**2 where |e| <= delta, else delta * |e| - 0.5 * delta**2.

    e = y_pred - y_true. Quadratic near 0, linear (gradient +-delta) in the tails, so outliers
    pull less than in MSE. Shape (n, d) -> (n,).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = _same_rank("huber", y_true, y_pred)
    delta = xp.asarray(delta, dtype=y_pred.dtype)
    error = y_pred - y_true
    abs_error = ops.abs(error)
    quadratic = 0.5 * ops.square(error)
    linear = abs_error * delta - 0.5 * xp.square(delta)
    return ops.mean(ops.where(abs_error.data <= delta, quadratic, linear), axis=-1)


def log_cosh(y_true, y_pred):
    """mean(log(cosh(y_pred - y_true))) over the last axis: (n, d) -> (n,).

    Computed as x + softplus(-2x) - log(2), which never overflows: about x**2 / 2 for small
    errors and |x| - log(2) for large ones.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true, y_pred = _same_rank("log_cosh", y_true, y_pred)
    error = y_pred - y_true
    log2 = xp.log(xp.asarray(2.0, dtype=y_pred.dtype))
    return ops.mean(error + ops.softplus(error * -2.0) - log2, axis=-1)


# -- hinge losses ----------------------------------------------------------------------------
def _hinge_labels(y_true):
    """Keras's rule: if every label is 0 or 1, map them to -1 and 1; other labels stay."""
    t = y_true.data
    if bool(xp.all((t == 0) | (t == 1))):
        return 2.0 * y_true - 1.0
    return y_true


def hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)) over the last axis: (n, d) -> (n,).

    Labels are -1/1; 0/1 labels are converted when the whole `y_true` holds only 0s and 1s.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    """mean(max(1 - y_true * y_pred, 0)**2) over the last axis, with `hinge`'s label rule."""
    y_true, y_pred = _prepare(y_true, y_pred)
    y_true = _hinge_labels(y_true)
    return ops.mean(ops.square(ops.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def categorical_hinge(y_true, y_pred):
    """max(neg - pos + 1, 0) with pos = sum(y_true * y_pred), neg = max((1 - y_true) * y_pred).

    `y_true` is one-hot; shape (n, classes) -> (n,). As in Keras 3 the labels are used as given:
    unlike `hinge`, 0/1 labels are not converted to -1/1 (and -1/1 labels give other values).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    pos = ops.sum(y_true * y_pred, axis=-1)
    neg = ops.max((1.0 - y_true) * y_pred, axis=-1)
    return ops.maximum(neg - pos + 1.0, 0.0)


# -- probabilistic losses --------------------------------------------------------------------
def kl_divergence(y_true, y_pred):
    """sum(y_true * log(y_true / y_pred)) over the last axis: (n, classes) -> (n,).

    Both arguments are clipped to [eps, 1] first, so zeros are finite (a 0 in y_true
    contributes eps * log(eps / p), about -1.6e-6 for p = 1).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    eps = config.epsilon()
    y_true = ops.clip(y_true, eps, 1.0)
    y_pred = ops.clip(y_pred, eps, 1.0)
    return ops.sum(y_true * ops.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    """mean(y_pred - y_true * log(y_pred + eps)) over the last axis: (n, d) -> (n,).

    The negative Poisson log-likelihood of counts y_true under rates y_pred, up to a term in
    y_true only; y_pred must be >= 0 (a rate of 0 costs y_true * 16.1).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    return ops.mean(y_pred - y_true * ops.log(y_pred + config.epsilon()), axis=-1)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25, gamma=2.0,
                              from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy times (1 - p_t)**gamma, averaged over `axis`: (n, d) -> (n,).

    p_t = y * p + (1 - y) * (1 - p) is the probability given to the true label, so confident
    right answers weigh little (Lin et al. 2017). With `apply_class_balancing`, positives are
    also weighted by alpha and negatives by 1 - alpha. As in Keras, logits first go through a
    sigmoid and the crossentropy uses probabilities clipped to [eps, 1 - eps]; the focal
    factor uses the unclipped probabilities.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    axis = _check_axis("binary_focal_crossentropy", axis, y_pred.ndim)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        y_pred = ops.sigmoid(y_pred)
    eps = config.epsilon()
    clipped = ops.clip(y_pred, eps, 1.0 - eps)
    bce = -(y_true * ops.log(clipped) + (1.0 - y_true) * ops.log1p(-clipped))
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    # gamma = 0 is plain crossentropy; skipping 0**0 keeps its gradient finite at p_t = 1.
    focal = ops.power(1.0 - p_t, gamma) * bce if gamma != 0 else bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return ops.mean(focal, axis=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """sum(alpha * (1 - p)**gamma * -y * log p) over the class axis: (n, classes) -> (n,).

    p is y_pred divided by its sum over `axis` (after a softmax if `from_logits`) and clipped to
    [eps, 1 - eps]. `alpha` is a float or one weight per class (last axis). Label smoothing
    spreads `label_smoothing` over the size of the last axis, whatever `axis` is (as in Keras).
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    axis = _check_axis("categorical_focal_crossentropy", axis, y_pred.ndim)
    if y_pred.shape[-1] == 1:
        warnings.warn("categorical_focal_crossentropy expects y_pred of shape (batch_size, "
                      f"num_classes) with num_classes > 1, received y_pred.shape={y_pred.shape}. "
                      "Consider binary_crossentropy for two classes.", SyntaxWarning, stacklevel=2)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]
    if from_logits:
        y_pred = ops.softmax(y_pred, axis=axis)
    eps = config.epsilon()
    output = ops.clip(y_pred / ops.sum(y_pred, axis=axis, keepdims=True), eps, 1.0 - eps)
    alpha = ops.convert_to_tensor(alpha, dtype=y_pred.dtype)
    weight = ops.power(1.0 - output, gamma) * alpha
    return ops.sum(weight * (-y_true * ops.log(output)), axis=axis)


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """(1 - p**q) / q with p = y_pred[label]: integer labels, (n, classes) -> (n,).

    Zhang & Sabuncu 2018: q -> 0 approaches crossentropy, q = 1 is MAE on the true class, so
    mislabelled samples pull less. `y_true` holds class indices, shaped (n,) or (n, 1); y_pred
    holds probabilities (not clipped: p = 0 gives 1 / q).
    """
    y_pred = _float_tensor(y_pred)
    labels = xp.asarray(y_true.data if isinstance(y_true, Tensor) else y_true)
    if labels.ndim == y_pred.ndim and labels.shape[-1] == 1:
        labels = xp.squeeze(labels, axis=-1)
    if labels.shape != y_pred.shape[:-1]:
        raise ValueError(f"categorical_generalized_cross_entropy: y_true must hold one class index "
                         f"per row of y_pred, i.e. shape {y_pred.shape[:-1]} (or with a trailing "
                         f"1); received y_true.shape={labels.shape}, y_pred.shape={y_pred.shape}.")
    labels, _ = _class_indices("categorical_generalized_cross_entropy", labels, y_pred.shape[-1])
    p = ops.sum(y_pred * ops.one_hot(labels, y_pred.shape[-1], dtype=y_pred.dtype), axis=-1)
    return (1.0 - ops.power(p, q)) / q


# -- segmentation losses ---------------------------------------------------------------------
def _check_reduction_axis(loss_name, axis, ndim):
    """None, an int or a tuple/list of ints, all within range (Keras's `axis` for dice/tversky)."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    for a in axes:
        _check_axis(loss_name, a, ndim)
    return tuple(axis) if isinstance(axis, list) else axis


def dice(y_true, y_pred, axis=None):
    """1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + eps), summed over `axis`.

    With axis=None (the default) the sums run over everything, batch included, and the result
    is one scalar for the batch; pass e.g. axis=(1, 2, 3) for one loss per image.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape("dice", y_true, y_pred)
    axis = _check_reduction_axis("dice", axis, y_pred.ndim)
    intersection = ops.sum(y_true * y_pred, axis=axis)
    total = ops.sum(y_true, axis=axis) + ops.sum(y_pred, axis=axis) + config.epsilon()
    return 1.0 - 2.0 * intersection / total


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """1 - TP / (TP + alpha * missed + beta * false_alarms + eps), sums over `axis` (None: all).

    TP = sum(y_true * y_pred), missed = sum(y_true * (1 - y_pred)), false_alarms =
    sum((1 - y_true) * y_pred). This is Keras 3's formula (its docstring names the alpha term
    "false positives", but alpha multiplies the missed positives). alpha = beta = 0.5 is `dice`.
    """
    y_true, y_pred = _prepare(y_true, y_pred)
    _check_same_shape("tversky", y_true, y_pred)
    axis = _check_reduction_axis("tversky", axis, y_pred.ndim)
    true_positives = ops.sum(y_true * y_pred, axis=axis)
    missed = ops.sum((1.0 - y_pred) * y_true, axis=axis)
    false_alarms = ops.sum(y_pred * (1.0 - y_true), axis=axis)
    denominator = true_positives + missed * alpha + false_alarms * beta + config.epsilon()
    return 1.0 - true_positives / denominator


# -- metric learning -------------------------------------------------------------------------
def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80,
           margin=0.4):
    """Circle loss (Sun et al. 2020): integer labels (n,), L2-normalized y_pred (n, d) -> (n,).

    With cosine distances d_ij = max(1 - <y_pred_i, ref_j>, 0), same-label pairs (positives,
    minus i == j when `remove_diagonal`) and other pairs (negatives) give
    p_i = logsumexp_j(-gamma * max(margin + d_ij, 0) * (margin - d_ij)) over positives,
    n_i = logsumexp_j(gamma * max(1 + margin - d_ij, 0) * (1 - margin - d_ij)) over negatives,
    loss_i = softplus(p_i + n_i) (0 when a row has no positives). The result carries a mask of
    the samples with loss > 0, so the default reduction averages over those only.
    """
    y_pred = _float_tensor(y_pred)
    if y_pred.ndim != 2:
        raise ValueError(f"circle: y_pred must be embeddings of shape (batch, dim), received "
                         f"y_pred.shape={y_pred.shape}.")
    labels = _label_vector("circle", y_true, y_pred.shape[0])
    refs = y_pred if ref_embeddings is None else ops.convert_to_tensor(ref_embeddings, y_pred.dtype)
    if ref_labels is None:
        ref_labels = labels
    else:
        ref_labels = _label_vector("circle", ref_labels, refs.shape[0])
    distances = ops.maximum(1.0 - ops.matmul(y_pred, ops.transpose(refs)), 0.0)
    positive = labels[:, None] == ref_labels[None, :]
    negative = ~positive
    if remove_diagonal:
        positive = positive & ~xp.eye(len(labels), len(ref_labels), dtype=bool)
    pos_weights = ops.maximum((margin + distances) * positive, 0.0)
    neg_weights = ops.maximum((1.0 + margin - distances) * negative, 0.0)
    pos_logits = (-1 * gamma) * pos_weights * (margin - distances)
    neg_logits = gamma * neg_weights * ((1.0 - margin) - distances)
    out = ops.softplus(masked_logsumexp(pos_logits, positive, axis=1) +
                       masked_logsumexp(neg_logits, negative, axis=1))
    set_keras_mask(out, out.data > 0)
    return out


def ctc(y_true, y_pred):
    """Connectionist temporal classification loss per sample, Keras's `losses.ctc`.

    Shapes: y_true (batch, max_label_length) integer labels, 0 being the blank and the
    padding (each sample's label length is its count of non-zero labels); y_pred
    (batch, max_length, num_classes) unnormalized logits, every sample using all max_length
    steps -> (batch,).
    """
    y_true, y_pred = ops.convert_to_tensor(y_true), ops.convert_to_tensor(y_pred)
    if y_true.ndim != 2:
        raise ValueError(f"ctc: `y_true` must be integer labels of shape (batch_size, "
                         f"max_length), received shape {y_true.shape}.")
    if y_pred.ndim != 3:
        raise ValueError(f"ctc: `y_pred` must be logits of shape (batch_size, max_length, "
                         f"num_classes), received shape {y_pred.shape}.")
    labels = ops.cast(y_true, "int32")
    label_length = ops.cast(ops.sum(ops.cast(ops.not_equal(labels, 0), "int32"), axis=-1),
                            "int32")
    output_length = xp.full((y_pred.shape[0],), y_pred.shape[1], dtype="int32")
    return ops.ctc_loss(labels, y_pred, label_length, output_length, mask_index=0)


def _label_vector(loss_name, labels, count):
    """Labels as a 1-D int array of length `count` ((count, 1) is accepted)."""
    labels = xp.asarray(labels.data if isinstance(labels, Tensor) else labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.shape != (count,):
        raise ValueError(f"{loss_name}: labels must have shape ({count},) to match the "
                         f"embeddings, received shape {labels.shape}.")
    return labels.astype(xp.int64)


# -- Loss objects ----------------------------------------------------------------------------
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
        config["fn"] = serialize_object(self.fn, "keras.losses")
        config.update(self._fn_kwargs)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "fn" in config:
            from minikeras.losses import _deserialize_function  # the registry sits above
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


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """100 * mean(|y_true - y_pred| / max(|y_true|, eps)) per sample, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, name=name, reduction=reduction,
                         dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """mean((log(y_pred + 1) - log(y_true + 1))**2) per sample (values floored at eps), reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, name=name, reduction=reduction,
                         dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CosineSimilarity(LossFunctionWrapper):
    """-cosine(y_true, y_pred) along `axis` per sample, then reduced (-1 is the best value).

    Unlike Keras 3, whose config drops `axis`, the config keeps it so it round-trips.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "axis": self.axis}


class Huber(LossFunctionWrapper):
    """Huber loss: quadratic for errors up to `delta`, linear beyond; mean per sample, reduced.

    Unlike Keras 3, whose config drops `delta`, the config keeps it so it round-trips.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", dtype=None):
        super().__init__(huber, name=name, reduction=reduction, dtype=dtype, delta=delta)
        self.delta = delta

    def get_config(self):
        return {**Loss.get_config(self), "delta": self.delta}


class LogCosh(LossFunctionWrapper):
    """mean(log(cosh(y_pred - y_true))) per sample, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Hinge(LossFunctionWrapper):
    """mean(max(1 - y_true * y_pred, 0)) per sample (0/1 labels become -1/1), then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class SquaredHinge(LossFunctionWrapper):
    """mean(max(1 - y_true * y_pred, 0)**2) per sample (0/1 labels become -1/1), then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class CategoricalHinge(LossFunctionWrapper):
    """max(max_wrong - true_score + 1, 0) per sample for one-hot targets, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class KLDivergence(LossFunctionWrapper):
    """sum(y_true * log(y_true / y_pred)) per sample (both clipped to [eps, 1]), then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class Poisson(LossFunctionWrapper):
    """mean(y_pred - y_true * log(y_pred + eps)) per sample, then reduced."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return Loss.get_config(self)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Binary crossentropy down-weighted by (1 - p_t)**gamma on easy examples (focal loss)."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, name=name, reduction=reduction, dtype=dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.apply_class_balancing = apply_class_balancing
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis,
                "apply_class_balancing": self.apply_class_balancing, "alpha": self.alpha,
                "gamma": self.gamma}


class CategoricalFocalCrossentropy(LossFunctionWrapper):
    """Categorical crossentropy weighted by alpha * (1 - p)**gamma (focal loss, many classes)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, name=name, reduction=reduction,
                         dtype=dtype, alpha=alpha, gamma=gamma, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self.alpha = alpha
        self.gamma = gamma

    def get_config(self):
        return {**Loss.get_config(self), "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis, "alpha": self.alpha,
                "gamma": self.gamma}


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """(1 - p_label**q) / q per sample for integer labels, a crossentropy robust to label noise."""

    _labels_are_indices = True

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: `q` must be a number in the "
                             f"interval (0, 1), received q={q!r}.")
        super().__init__(categorical_generalized_cross_entropy, name=name, reduction=reduction,
                         dtype=dtype, q=q)
        self.q = q

    def get_config(self):
        return {**Loss.get_config(self), "q": self.q}


class Dice(LossFunctionWrapper):
    """1 - Dice coefficient; with axis=None one value for the whole batch, else per sample."""

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, name=name, reduction=reduction, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "axis": self.axis}


class Tversky(LossFunctionWrapper):
    """1 - Tversky index: Dice with separate weights for missed positives and false alarms."""

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, name=name, reduction=reduction, dtype=dtype, alpha=alpha,
                         beta=beta, axis=axis)
        self.alpha = alpha
        self.beta = beta
        self.axis = axis

    def get_config(self):
        return {**Loss.get_config(self), "alpha": self.alpha, "beta": self.beta, "axis": self.axis}


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning: integer labels and L2-normalized embeddings (n, d)."""

    _labels_are_indices = True

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True,
                 reduction="sum_over_batch_size", name="circle", dtype=None):
        super().__init__(circle, name=name, reduction=reduction, dtype=dtype, gamma=gamma,
                         margin=margin, remove_diagonal=remove_diagonal)
        self.gamma = gamma
        self.margin = margin
        self.remove_diagonal = remove_diagonal

    def get_config(self):
        return {**Loss.get_config(self), "gamma": self.gamma, "margin": self.margin,
                "remove_diagonal": self.remove_diagonal}


class CTC(LossFunctionWrapper):
    """The CTC loss (`ctc`) of integer label sequences (0 = blank / padding) under logits
    (batch, max_length, num_classes), then reduced."""

    _labels_are_indices = True

    def __init__(self, reduction="sum_over_batch_size", name="ctc", dtype=None):
        super().__init__(ctc, name=name, reduction=reduction, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}
