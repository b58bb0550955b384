"""Metrics built on confusion counts at thresholds: TruePositives, FalsePositives,
TrueNegatives, FalseNegatives, Precision, Recall, the sensitivity/specificity family and AUC.

y_true holds 0/1 labels (any non-zero value is a positive), y_pred scores in [0, 1]; a score
is a positive prediction at threshold t when score > t. The state is one weighted count per
threshold (per label too for a multi-label AUC), updated by `metrics_utils.confusion_counts`
without looping over samples or thresholds. Results are NumPy float32 scalars, or arrays with
one value per threshold when several thresholds are given.
"""
from minikeras import ops
from minikeras.backend import config
from minikeras.backend.array_module import xp
from minikeras.backend.autodiff import no_grad
from minikeras.metrics import metrics_utils
from minikeras.metrics.base_metric import Metric, _array, _result, divide_no_nan


class _ConfusionMetric(Metric):
    """Shared state handling: `_counts` names the confusion counts ("tp", "fp", "tn", "fn") the
    metric keeps, each a Variable of shape (num_thresholds,) named like Keras's."""

    _counts = ()
    _variable_names = {"tp": "true_positives", "fp": "false_positives",
                       "tn": "true_negatives", "fn": "false_negatives"}

    def _create_counts(self, shape):
        for key in self._counts:
            setattr(self, self._variable_names[key],
                    self.add_variable(shape, "zeros", name=self._variable_names[key]))

    def _count(self, key):
        return getattr(self, self._variable_names[key]).data

    def _accumulate(self, y_true, y_pred, sample_weight, **options):
        counts = metrics_utils.confusion_counts(
            y_true, y_pred, self.thresholds, evenly_spaced=self._evenly_spaced,
            sample_weight=sample_weight, dtype=self.dtype, owner=type(self).__name__, **options)
        for key in self._counts:
            getattr(self, self._variable_names[key]).assign_add(counts[key])


class _ConfusionMatrixConditionCount(_ConfusionMetric):
    """One weighted confusion count per threshold (default threshold 0.5)."""

    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = metrics_utils.parse_thresholds(thresholds, 0.5, type(self).__name__)
        self._evenly_spaced = metrics_utils.is_evenly_spaced(self.thresholds)
        self.accumulator = self.add_variable((len(self.thresholds),), "zeros", name="accumulator")

    def update_state(self, y_true, y_pred, sample_weight=None):
        counts = metrics_utils.confusion_counts(
            y_true, y_pred, self.thresholds, evenly_spaced=self._evenly_spaced,
            sample_weight=sample_weight, dtype=self.dtype, owner=type(self).__name__)
        self.accumulator.assign_add(counts[self._condition])

    def result(self):
        value = self.accumulator.data
        return _result(value[0] if len(self.thresholds) == 1 else value, self.dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConfusionMatrixConditionCount):
    """The weighted number of positive labels whose score is above each threshold."""

    _condition = "tp"


class FalsePositives(_ConfusionMatrixConditionCount):
    """The weighted number of negative labels whose score is above each threshold."""

    _condition = "fp"


class TrueNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of negative labels whose score is at or below each threshold."""

    _condition = "tn"


class FalseNegatives(_ConfusionMatrixConditionCount):
    """The weighted number of positive labels whose score is at or below each threshold."""

    _condition = "fn"


class _PrecisionRecall(_ConfusionMetric):
    """Precision and Recall: thresholds (default 0.5, or "above NEG_INF" with top_k), top_k
    (only the k best scores of a row can be positive) and class_id (one column only)."""

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.init_thresholds = thresholds
        self.top_k = top_k
        self.class_id = class_id
        default = 0.5 if top_k is None else metrics_utils.NEG_INF
        self.thresholds = metrics_utils.parse_thresholds(thresholds, default, type(self).__name__)
        self._evenly_spaced = metrics_utils.is_evenly_spaced(self.thresholds)
        self._create_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, sample_weight, top_k=self.top_k, class_id=self.class_id)

    def result(self):
        tp = self._count("tp")
        value = divide_no_nan(tp, tp + self._count(self._counts[1]))
        return _result(value[0] if len(self.thresholds) == 1 else value, self.dtype)

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """TP / (TP + FP): the fraction of positive predictions that are right (0 when none)."""

    _counts = ("tp", "fp")


class Recall(_PrecisionRecall):
    """TP / (TP + FN): the fraction of positive labels that are found (0 when none)."""

    _counts = ("tp", "fn")


class _SensitivitySpecificityBase(_ConfusionMetric):
    """Best value of one rate among the thresholds where another rate meets a target.

    `num_thresholds` evenly spaced thresholds 0, 1/(T-1), ..., 1 (just 0.5 when T is 1); all
    four counts are kept. The result is max(dependent rate where constrained rate >= value),
    or 0 when no threshold qualifies.
    """

    _counts = ("tp", "fp", "tn", "fn")
    _value_name = None

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        owner = type(self).__name__
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ValueError(f"{owner}: `{self._value_name}` must be a number in [0, 1], "
                             f"received {self._value_name}={value!r}.")
        if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                or num_thresholds <= 0:
            raise ValueError(f"{owner}: `num_thresholds` must be an int > 0, received "
                             f"num_thresholds={num_thresholds!r}.")
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.value = value
        setattr(self, self._value_name, value)
        self.num_thresholds = num_thresholds
        self.class_id = class_id
        if num_thresholds == 1:
            self.thresholds, self._evenly_spaced = [0.5], False
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self.thresholds, self._evenly_spaced = [0.0] + inner + [1.0], True
        self._create_counts((len(self.thresholds),))

    def update_state(self, y_true, y_pred, sample_weight=None):
        self._accumulate(y_true, y_pred, sample_weight, class_id=self.class_id)

    def _rates(self):
        tp, fp, tn, fn = (self._count(key) for key in ("tp", "fp", "tn", "fn"))
        return {"recall": divide_no_nan(tp, tp + fn), "specificity": divide_no_nan(tn, tn + fp),
                "precision": divide_no_nan(tp, tp + fp)}

    def result(self):
        rates = self._rates()
        constrained, dependent = rates[self._constrained], rates[self._dependent]
        best = xp.max(xp.where(constrained >= self.value, dependent, 0), initial=0)
        return _result(best, self.dtype)

    def get_config(self):
        return {**super().get_config(), "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._value_name: self.value}


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall) among thresholds whose specificity is >= `specificity`."""

    _value_name, _constrained, _dependent = "specificity", "specificity", "recall"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity among thresholds whose sensitivity (recall) is >= `sensitivity`."""

    _value_name, _constrained, _dependent = "sensitivity", "recall", "specificity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision among thresholds whose recall is >= `recall`."""

    _value_name, _constrained, _dependent = "recall", "recall", "precision"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds=num_thresholds, class_id=class_id, name=name,
                         dtype=dtype)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall among thresholds whose precision is >= `precision`."""

    _value_name, _constrained, _dependent = "precision", "precision", "recall"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds=num_thresholds, class_id=class_id,
                         name=name, dtype=dtype)


_CURVES = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
_SUMMATIONS = ("interpolation", "majoring", "minoring")


class AUC(_ConfusionMetric):
    """Area under the ROC or precision-recall curve, by a Riemann sum over thresholds.

    num_thresholds: T thresholds, 0 - eps, 1/(T-1), ..., (T-2)/(T-1), 1 + eps (the end points
    catch scores of exactly 0 and 1); or `thresholds` gives the inner ones (T = len + 2).
    curve: "ROC" (x = false positive rate, y = recall), "PR" (x = recall, y = precision) or
    "PRGAIN" (precision-recall gain). summation_method: "interpolation" (trapezoids; for PR,
    Davis & Goadrich's interpolation of TP and FP counts instead of precision itself),
    "minoring" (lower of the two heights) or "majoring" (higher).
    multi_label: y_pred (n, L) gets one curve per label and the result is the mean of the
    label AUCs (weighted by `label_weights` when given); otherwise every element counts as one
    binary decision and label_weights weight the columns. from_logits: apply a sigmoid first.
    """

    _counts = ("tp", "fp", "tn", "fn")

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        curve_key = curve.lower() if isinstance(curve, str) else None
        if curve_key not in _CURVES:
            raise ValueError(f"AUC: invalid `curve` {curve!r}; expected one of 'ROC', 'PR', "
                             f"'PRGAIN'.")
        method = summation_method.lower() if isinstance(summation_method, str) else None
        if method not in _SUMMATIONS:
            raise ValueError(f"AUC: invalid `summation_method` {summation_method!r}; expected "
                             f"one of {list(_SUMMATIONS)}.")
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(metrics_utils.parse_thresholds(thresholds, None, "AUC"))
            self.num_thresholds = len(inner) + 2
            self._evenly_spaced = metrics_utils.is_evenly_spaced([0.0] + inner + [1.0])
        else:
            if isinstance(num_thresholds, bool) or not isinstance(num_thresholds, int) \
                    or num_thresholds <= 1:
                raise ValueError(f"AUC: `num_thresholds` must be an int > 1, received "
                                 f"num_thresholds={num_thresholds!r}.")
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly_spaced = True
        eps = config.epsilon()
        self._thresholds = [0.0 - eps] + inner + [1.0 + eps]
        self.curve = _CURVES[curve_key]
        self.summation_method = method
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = None if label_weights is None else _array(label_weights, self.dtype)
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        else:
            if num_labels:
                raise ValueError("AUC: `num_labels` is only used with multi_label=True.")
            self._build(None)

    @property
    def thresholds(self):
        """All T thresholds, end points included."""
        return list(self._thresholds)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(f"AUC: with multi_label=True, y_pred must have rank 2 "
                                 f"(num_samples, num_labels), received shape {tuple(shape)}.")
            self._num_labels = shape[1]
            if self.label_weights is not None and self.label_weights.shape != (shape[1],):
                raise ValueError(f"AUC: label_weights must have one weight per label "
                                 f"({shape[1]}), received shape {self.label_weights.shape}.")
            variable_shape = (self.num_thresholds, self._num_labels)
        else:
            variable_shape = (self.num_thresholds,)
        self._create_counts(variable_shape)
        self._built = True

    def update_state(self, y_true, y_pred, sample_weight=None):
        y_pred = _array(y_pred)
        if not self._built:
            self._build(y_pred.shape)
        if self._from_logits:
            with no_grad():
                y_pred = ops.sigmoid(y_pred).data
        self._accumulate(y_true, y_pred, sample_weight, multi_label=self.multi_label,
                         label_weights=None if self.multi_label else self.label_weights)

    def _average(self, terms):
        """Sum the Riemann terms over thresholds; average over labels for multi_label."""
        if not self.multi_label:
            return xp.sum(terms)
        by_label = xp.sum(terms, axis=0)
        if self.label_weights is None:
            return xp.mean(by_label)
        return divide_no_nan(xp.sum(by_label * self.label_weights), xp.sum(self.label_weights))

    def _interpolated_pr_auc(self, tp, fp, fn):
        """Davis & Goadrich (2006): between neighbouring thresholds TP grows linearly with the
        number of positive predictions P, so precision = slope + intercept / P there, and its
        integral over recall has a closed form with a log(P_i / P_{i+1}) term."""
        positives = tp + fp
        d_tp = tp[:-1] - tp[1:]
        d_positives = positives[:-1] - positives[1:]
        slope = divide_no_nan(d_tp, xp.maximum(d_positives, 0))
        intercept = tp[1:] - slope * positives[1:]
        both_positive = (positives[:-1] > 0) & (positives[1:] > 0)
        ratio = xp.where(both_positive,
                         divide_no_nan(positives[:-1], xp.maximum(positives[1:], 0)), 1)
        increments = divide_no_nan(slope * (d_tp + intercept * xp.log(ratio)),
                                   xp.maximum(tp[1:] + fn[1:], 0))
        return self._average(increments)

    def result(self):
        if not self._built:
            return _result(0.0, self.dtype)
        tp, fp, tn, fn = (self._count(key) for key in ("tp", "fp", "tn", "fn"))
        with xp.errstate(divide="ignore", invalid="ignore"):
            if self.curve == "PR" and self.summation_method == "interpolation":
                return _result(self._interpolated_pr_auc(tp, fp, fn), self.dtype)
            recall = divide_no_nan(tp, tp + fn)
            if self.curve == "ROC":
                x, y = divide_no_nan(fp, fp + tn), recall
            elif self.curve == "PR":
                x, y = recall, divide_no_nan(tp, tp + fp)
            else:
                x, y = self._gains(tp, fp, tn, fn)
            if self.summation_method == "interpolation":
                heights = (y[:-1] + y[1:]) / 2.0
            elif self.summation_method == "minoring":
                heights = xp.minimum(y[:-1], y[1:])
            else:
                heights = xp.maximum(y[:-1], y[1:])
            return _result(self._average((x[:-1] - x[1:]) * heights), self.dtype)

    @staticmethod
    def _gains(tp, fp, tn, fn):
        """Recall gain and precision gain (Flach & Kull 2015), with Keras's guards: where
        TP = 0 the gains are 0 and 1, and a negative recall gain becomes 0."""
        scale = divide_no_nan(tp + fn, tn + fp)  # positives / negatives
        recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
        recall_gain = xp.maximum(xp.where(tp == 0, 0.0, recall_gain), 0.0)
        precision_gain = xp.where(tp == 0, 1.0, precision_gain)
        return recall_gain.astype(tp.dtype), precision_gain.astype(tp.dtype)

    def reset_state(self):
        if self._built:
            super().reset_state()

    def get_config(self):
        label_weights = self.label_weights
        config = {**super().get_config(), "num_thresholds": self.num_thresholds,
                  "curve": self.curve, "summation_method": self.summation_method,
                  "multi_label": self.multi_label, "num_labels": self.num_labels,
                  "label_weights": None if label_weights is None else label_weights.tolist(),
                  "from_logits": self._from_logits}
        if self._init_from_thresholds:
            config["thresholds"] = [float(t) for t in self._thresholds[1:-1]]
        return config
