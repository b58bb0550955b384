"""Confusion counts against many thresholds at once, for Precision, Recall, AUC, TP/FP/TN/FN
and the sensitivity/specificity family.

At a threshold t a score counts as a positive prediction when `score > t` (strictly, as in
Keras). For every threshold we need the weighted number of positive and negative labels whose
score is above it. Two vectorized ways, both O((N + T) log N) instead of a (T, N) comparison:

- evenly spaced thresholds (0, 1/(T-1), ..., 1), what AUC and the *AtRecall metrics use:
  each score falls in bucket ceil(score * (T - 1)) - 1 (computed in float32 exactly as Keras
  does, so scores on a bucket edge land where Keras puts them); a weighted histogram of the
  buckets, summed from the top bucket down, gives the counts above every threshold.
- any other thresholds: sort the scores once, take suffix sums of the weights, and find with
  `searchsorted` how many scores are <= each threshold.

TN and FN then follow from the totals: FN = all positives - TP, TN = all negatives - FP.
"""
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.losses import squeeze_or_expand_to_same_rank
from minikeras.metrics.base_metric import _array

NEG_INF = -1e10  # the threshold used with top_k: every kept score is above it


def parse_thresholds(thresholds, default, owner):
    """A list of float thresholds: `default` when None, else the given value(s), each in [0, 1]."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple)) or (
        hasattr(thresholds, "ndim") and thresholds.ndim) else [thresholds]
    if not values:
        raise ValueError(f"{owner}: `thresholds` must not be empty.")
    bad = [t for t in values if t is None or isinstance(t, bool) or not 0 <= t <= 1]
    if bad:
        raise ValueError(f"{owner}: threshold values must be in [0, 1], received {bad}.")
    return [float(t) for t in values]


def is_evenly_spaced(thresholds):
    """True when the thresholds are 0, 1/(T-1), ..., 1 (T >= 3) up to Keras's tolerance."""
    count = len(thresholds)
    if count < 3:
        return False
    even = xp.arange(count, dtype="float32") / (count - 1)
    return bool(xp.allclose(xp.asarray(thresholds, dtype="float64"), even, atol=config.epsilon()))


def filter_top_k(scores, k):
    """Keep the k largest scores along the last axis; the others become NEG_INF.

    Ties are broken towards the lower class index.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"top_k must be a positive int, received top_k={k!r}.")
    best = xp.argsort(-scores, axis=-1, kind="stable")[..., :k]
    keep = xp.zeros(scores.shape, dtype=bool)
    xp.put_along_axis(keep, best, True, axis=-1)
    return xp.where(keep, scores, xp.asarray(NEG_INF, dtype=scores.dtype))


def _prepare(y_true, y_pred, sample_weight, top_k, class_id, dtype, owner):
    """Labels, scores and weights of one batch with Keras's shape rules applied."""
    y_true = _array(y_true, dtype)
    y_pred = _array(y_pred, dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = xp.expand_dims(_array(sample_weight, dtype), -1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(f"{owner}: with class_id, y_pred must have shape (num_samples, "
                             f"num_classes), received shape {y_pred.shape}.")
        if not -y_pred.shape[-1] <= class_id < y_pred.shape[-1]:
            raise ValueError(f"{owner}: class_id={class_id} is out of range for "
                             f"{y_pred.shape[-1]} classes.")
        y_true = y_true[..., class_id, None]
        y_pred = y_pred[..., class_id, None]
    if y_true.shape != y_pred.shape:
        raise ValueError(f"{owner}: y_true and y_pred must have the same shape, received "
                         f"y_true.shape={y_true.shape} and y_pred.shape={y_pred.shape}.")
    return y_true, y_pred, sample_weight


def _broadcast(weights, shape, what, owner):
    try:
        return xp.broadcast_to(weights, shape)
    except ValueError:
        raise ValueError(f"{owner}: {what} of shape {weights.shape} does not fit predictions "
                         f"of shape {shape}.") from None


def _counts_above_evenly_spaced(scores, positive, negative, num_thresholds, with_epsilon):
    """Weighted (positive, negative) counts with score above each of the evenly spaced
    thresholds, per column: inputs (N, L) -> outputs (T, L)."""
    buckets = xp.ceil(scores * xp.asarray(num_thresholds - 1, dtype=scores.dtype)) - 1
    if with_epsilon:
        # The first threshold is slightly below 0, so a score of 0 is above it too.
        buckets = xp.maximum(buckets, 0)
    buckets = buckets.astype("int64")
    columns = scores.shape[1]
    valid = buckets >= 0  # a bucket of -1 is at or below every threshold
    index = (buckets * columns + xp.arange(columns))[valid]
    size = num_thresholds * columns

    def above(weights):
        histogram = xp.bincount(index, weights=weights[valid], minlength=size)
        histogram = histogram.reshape(num_thresholds, columns)
        return xp.cumsum(histogram[::-1], axis=0)[::-1]

    return above(positive), above(negative)


def _counts_above_sorted(scores, positive, negative, thresholds):
    """The same counts for arbitrary thresholds (any order), per column, by sorting.

    Each score becomes an integer key `column * M + rank` (rank among all distinct scores and
    thresholds), so one sort and one `searchsorted` serve every column at once.
    """
    count, columns = scores.shape
    thresholds = xp.asarray(thresholds, dtype=scores.dtype)
    distinct = xp.unique(xp.concatenate([scores.ravel(), thresholds]))
    size = distinct.shape[0]
    offsets = xp.arange(columns) * size
    keys = (xp.searchsorted(distinct, scores) + offsets).T.ravel()  # column-major order
    order = xp.argsort(keys, kind="stable")
    keys = keys[order]
    threshold_keys = xp.searchsorted(distinct, thresholds)[:, None] + offsets  # (T, L)
    # Entries at or below each threshold in its column, counted from the column's start.
    at_or_below = xp.searchsorted(keys, threshold_keys, side="right")
    column_end = (xp.arange(columns) + 1) * count

    def above(weights):
        prefix = xp.concatenate([xp.zeros(1), xp.cumsum(weights.T.ravel()[order],
                                                         dtype="float64")])
        return prefix[column_end] - prefix[at_or_below]

    return above(positive), above(negative)


def confusion_counts(y_true, y_pred, thresholds, evenly_spaced=False, top_k=None,
                     class_id=None, sample_weight=None, multi_label=False, label_weights=None,
                     dtype="float32", owner="metric"):
    """Weighted TP, FP, TN, FN of one batch at every threshold (Keras's confusion update).

    y_true: labels, cast to bool (any non-zero value is a positive). y_pred: scores in [0, 1]
    of the same shape (after reconciling (n,) with (n, 1)). thresholds: a list; a score is a
    positive prediction when it is strictly above the threshold. top_k keeps only the k best
    scores of each row; class_id looks at one column only. Without multi_label every element
    is one binary decision and the counts have shape (T,); with multi_label, y_pred is (n, L)
    and every label (column) gets its own counts, shape (T, L). label_weights (L,) weight the
    columns (not with multi_label, where AUC uses them to average per-label results).

    `evenly_spaced` selects Keras's bucket algorithm for thresholds 0, 1/(T-1), ..., 1 (scores
    are clipped to [0, 1] there, as in Keras); a first threshold below 0 or a last above 1
    marks AUC's epsilon end points. Returns a dict {"tp", "fp", "tn", "fn"} of `dtype` arrays.
    """
    if multi_label and label_weights is not None:
        raise ValueError(f"{owner}: with multi_label, label_weights are applied when averaging "
                         f"the per-label results, not to the confusion counts.")
    y_true, y_pred, sample_weight = _prepare(y_true, y_pred, sample_weight, top_k, class_id,
                                             dtype, owner)
    shape = y_pred.shape
    weights = xp.ones(shape, dtype=dtype)
    if sample_weight is not None:
        weights = weights * _broadcast(sample_weight, shape, "sample_weight", owner)
    if label_weights is not None:
        label_weights = xp.expand_dims(_array(label_weights, dtype), 0)
        weights = weights * _broadcast(label_weights, shape, "label_weights", owner)
    if multi_label:
        if y_pred.ndim != 2:
            raise ValueError(f"{owner}: with multi_label, y_pred must have rank 2 (num_samples, "
                             f"num_labels), received shape {shape}.")
    else:
        y_true, y_pred, weights = y_true.reshape(-1, 1), y_pred.reshape(-1, 1), weights.reshape(-1, 1)
    is_positive = y_true.astype(bool)
    positive = xp.where(is_positive, weights, 0).astype(dtype)
    negative = xp.where(is_positive, 0, weights).astype(dtype)
    if evenly_spaced:
        with_epsilon = thresholds[0] < 0.0 or thresholds[-1] > 1.0
        scores = xp.clip(y_pred, 0.0, 1.0)
        tp, fp = _counts_above_evenly_spaced(scores, positive, negative, len(thresholds),
                                             with_epsilon)
    else:
        tp, fp = _counts_above_sorted(y_pred, positive, negative, thresholds)
    all_positive = xp.sum(positive, axis=0, dtype="float64")
    all_negative = xp.sum(negative, axis=0, dtype="float64")
    counts = {"tp": tp, "fp": fp, "fn": all_positive - tp, "tn": all_negative - fp}
    if not multi_label:
        counts = {key: value[:, 0] for key, value in counts.items()}
    return {key: value.astype(dtype) for key, value in counts.items()}
