"""Intersection-over-union metrics for segmentation: IoU, MeanIoU, BinaryIoU, OneHotIoU,
OneHotMeanIoU.

The state is a (num_classes, num_classes) confusion matrix (rows: true class, columns:
predicted class) summed over batches. For class c, IoU = TP / (TP + FP + FN) =
cm[c, c] / (row sum + column sum - cm[c, c]); the result averages it over the target classes
that occur at all (a class with an empty row and column is left out of the mean).

As in Keras the matrix dtype defaults to int32, so float sample weights are truncated towards
zero (1.5 counts 1); pass dtype="float32" for fractional weights.
"""
import warnings

from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.metrics.base_metric import Metric, _array, _result


def _check_classes(num_classes, owner):
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise ValueError(f"{owner}: `num_classes` must be a positive int, received "
                         f"num_classes={num_classes!r}.")


class _IoUBase(Metric):
    """The confusion-matrix state and its update, shared by every IoU metric."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        _check_classes(num_classes, type(self).__name__)
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes), "zeros",
                                          name="total_confusion_matrix")

    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch: class ids (or one-hot/probabilities along `axis` when not sparse);
        ids outside [0, num_classes) and `ignore_class` labels are skipped."""
        y_true, y_pred = _array(y_true), _array(y_pred)
        if not self.sparse_y_true:
            y_true = xp.argmax(y_true, axis=self.axis)
        if not self.sparse_y_pred:
            y_pred = xp.argmax(y_pred, axis=self.axis)
        y_true = y_true.astype(self.dtype).reshape(-1)
        y_pred = y_pred.astype(self.dtype).reshape(-1)
        if y_true.shape != y_pred.shape:
            raise ValueError(f"{type(self).__name__}: y_true and y_pred must hold the same number "
                             f"of class ids, received {y_true.shape[0]} and {y_pred.shape[0]}.")
        if sample_weight is None:
            weights = xp.ones(y_true.shape, dtype=self.dtype)
        else:
            sample_weight = _array(sample_weight)
            if sample_weight.dtype.kind == "f" and xp.dtype(self.dtype).kind in "iu":
                warnings.warn(f"{type(self).__name__}: float sample weights are cast to the "
                              f"metric dtype {self.dtype} (truncated); use integer weights or "
                              f"dtype='float32'.", stacklevel=2)
            weights = sample_weight.astype(self.dtype).reshape(-1) if sample_weight.ndim > 1 \
                else sample_weight.astype(self.dtype)
            try:
                weights = xp.broadcast_to(weights, y_true.shape)
            except ValueError:
                raise ValueError(f"{type(self).__name__}: sample_weight of shape "
                                 f"{sample_weight.shape} does not fit {y_true.shape[0]} "
                                 f"class ids.") from None
        valid = (y_true >= 0) & (y_true < self.num_classes) & (y_pred >= 0) & \
                (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        cells = (y_true.astype("int64") * self.num_classes + y_pred.astype("int64"))[valid]
        matrix = xp.bincount(cells, weights=weights[valid].astype("float64"),
                             minlength=self.num_classes ** 2)
        self.total_cm.assign_add(matrix.reshape(self.num_classes, self.num_classes)
                                 .astype(self.dtype))


class IoU(_IoUBase):
    """Mean IoU over `target_class_ids` (one id gives that class's IoU)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        target_class_ids = list(target_class_ids)
        if not target_class_ids or max(target_class_ids) >= num_classes \
                or min(target_class_ids) < 0:
            raise ValueError(f"{type(self).__name__}: target_class_ids must be class ids in "
                             f"[0, {num_classes}), received {target_class_ids}.")
        self.target_class_ids = target_class_ids

    def result(self):
        matrix = self.total_cm.data.astype("float32")
        true_positives = xp.diagonal(matrix)
        union = matrix.sum(axis=0) + matrix.sum(axis=1) - true_positives
        ids = xp.asarray(self.target_class_ids, dtype="int64")
        true_positives, union = true_positives[ids], union[ids]
        present = union > 1e-9
        eps = xp.float32(config.epsilon())
        iou = xp.where(present, true_positives / (union + eps), xp.float32(0))
        return _result(xp.sum(iou) / (xp.sum(present, dtype="float32") + eps), "float32")

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU for two classes from scores: a score >= `threshold` predicts class 1."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name=name, dtype=dtype)
        self.threshold = threshold

    def update_state(self, y_true, y_pred, sample_weight=None):
        predicted = _array(y_pred, "float32") >= self.threshold
        super().update_state(_array(y_true), predicted, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """IoU averaged over all `num_classes` classes (those that occur)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_true=True,
                 sparse_y_pred=True, axis=-1):
        _check_classes(num_classes, "MeanIoU")
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """IoU over `target_class_ids` with one-hot y_true (argmax along `axis`)."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """MeanIoU with one-hot y_true (argmax along `axis`)."""

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None, sparse_y_pred=False,
                 axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
