"""Confusion-count metrics (TP/FP/TN/FN, Precision, Recall, the *At* family, AUC): values pinned
to Keras 3.15.1 (torch backend) after several weighted update_state calls, edge cases, and
accumulation over batches equal to one update with all the data."""
import time

import numpy as np
import pytest

from minikeras import metrics
from minikeras.metrics import metrics_utils


def close(value, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(value, dtype=np.float64), expected, rtol=rtol, atol=atol)


def f32(x):
    return None if x is None else np.asarray(x, dtype="float32")


# Binary: labels (n, 1), scores with the edge values 0, 0.5 and 1.
BINARY = [
    ([[1], [0], [1], [0], [1], [0]], [[0.9], [0.1], [0.5], [0.5], [0.3], [0.0]], [1., 2., 0.5, 1., 1.5, 1.]),
    ([[0], [1], [1], [0]], [[0.8], [0.6], [1.0], [0.2]], [0.5, 1., 2., 1.]),
    ([[1], [1], [0], [0], [1]], [[0.35], [0.7], [0.45], [0.65], [0.25]], [1., 0., 1., 3., 1.]),
]
# Multi-label / multi-class: 3 columns.
MULTI = [
    ([[1, 1, 0], [1, 0, 0], [1, 0, 1], [1, 0, 0], [0, 0, 0], [1, 1, 0]],
     [[0.63, 0.9, 0.78], [0.23, 0.3, 0.87], [0.01, 0.82, 0.8], [0.47, 0.3, 0.28], [0.25, 0.45, 0.5],
      [0.55, 1.0, 0.79]], [1., 0.5, 2., 1., 1., 1.5]),
    ([[1, 0, 1], [0, 1, 1], [0, 1, 1], [1, 1, 1]],
     [[0.92, 0.63, 0.51], [0.5, 0.25, 0.01], [0.19, 0.69, 0.2], [0.37, 0.0, 0.83]], [2., 1., 1., 0.5]),
    ([[0, 1, 0], [1, 1, 1], [1, 0, 1], [0, 0, 0], [0, 0, 1]],
     [[0.74, 0.09, 0.54], [0.51, 0.87, 0.36], [0.6, 0.06, 0.39], [0.32, 0.15, 0.82], [0.38, 0.98, 0.59]],
     [1., 1., 0., 2., 1.]),
]
LOGITS = [(t, (np.asarray(p) - 0.5) * 8.0, w) for t, p, w in BINARY]
DATA = {"binary": BINARY, "multi": MULTI, "logits": LOGITS}

# id: (class name, constructor arguments, data set)
CASES = {
    "tp": ("TruePositives", {}, "binary"),
    "fp_thresholds": ("FalsePositives", {"thresholds": [0.3, 0.5, 0.0, 1.0]}, "binary"),
    "tn_even": ("TrueNegatives", {"thresholds": [0.0, 0.5, 1.0]}, "binary"),
    "fn_scalar": ("FalseNegatives", {"thresholds": 0.25}, "multi"),
    "precision": ("Precision", {}, "binary"),
    "precision_thresholds": ("Precision", {"thresholds": [0.7, 0.2, 0.5]}, "multi"),
    "precision_top_k": ("Precision", {"top_k": 2}, "multi"),
    "precision_class_id": ("Precision", {"class_id": 2}, "multi"),
    "precision_top_k_class_id": ("Precision", {"top_k": 1, "class_id": 1}, "multi"),
    "recall": ("Recall", {}, "binary"),
    "recall_even": ("Recall", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "binary"),
    "recall_top_k": ("Recall", {"top_k": 2}, "multi"),
    "recall_class_id": ("Recall", {"class_id": 0, "thresholds": [0.3, 0.6]}, "multi"),
    "precision_at_recall": ("PrecisionAtRecall", {"recall": 0.6}, "binary"),
    "precision_at_recall_class": ("PrecisionAtRecall", {"recall": 0.5, "num_thresholds": 5, "class_id": 2}, "multi"),
    "recall_at_precision": ("RecallAtPrecision", {"precision": 0.6}, "binary"),
    "recall_at_precision_1": ("RecallAtPrecision", {"precision": 0.4, "num_thresholds": 1}, "binary"),
    "sensitivity_at_specificity": ("SensitivityAtSpecificity", {"specificity": 0.6}, "binary"),
    "sensitivity_at_specificity_class": ("SensitivityAtSpecificity", {"specificity": 0.5, "class_id": 1}, "multi"),
    "specificity_at_sensitivity": ("SpecificityAtSensitivity", {"sensitivity": 0.6}, "binary"),
    "specificity_at_sensitivity_1": ("SpecificityAtSensitivity", {"sensitivity": 0.4, "num_thresholds": 1}, "multi"),
    "auc": ("AUC", {}, "binary"),
    "auc_roc_minoring": ("AUC", {"summation_method": "minoring"}, "binary"),
    "auc_roc_majoring": ("AUC", {"summation_method": "majoring"}, "binary"),
    "auc_pr": ("AUC", {"curve": "PR"}, "binary"),
    "auc_pr_minoring": ("AUC", {"curve": "PR", "summation_method": "minoring"}, "binary"),
    "auc_pr_majoring": ("AUC", {"curve": "PR", "summation_method": "majoring"}, "binary"),
    "auc_prgain": ("AUC", {"curve": "PRGAIN"}, "binary"),
    "auc_few_thresholds": ("AUC", {"num_thresholds": 7}, "binary"),
    "auc_thresholds": ("AUC", {"thresholds": [0.1, 0.5, 0.3, 0.9]}, "binary"),
    "auc_thresholds_even": ("AUC", {"thresholds": [0.25, 0.5, 0.75]}, "binary"),
    "auc_flattened": ("AUC", {"curve": "PR"}, "multi"),
    "auc_label_weights": ("AUC", {"label_weights": [1., 2., 0.5]}, "multi"),
    "auc_multi_label": ("AUC", {"multi_label": True}, "multi"),
    "auc_multi_label_pr": ("AUC", {"multi_label": True, "curve": "PR", "num_labels": 3}, "multi"),
    "auc_multi_label_weights": ("AUC", {"multi_label": True, "label_weights": [1., 2., 0.],
                                        "thresholds": [0.2, 0.45]}, "multi"),
    "auc_from_logits": ("AUC", {"from_logits": True}, "logits"),
}

# Keras 3.15.1 results for CASES (KERAS_BACKEND=torch).
EXPECTED = {
    'auc': 0.6743420958518982,
    'auc_few_thresholds': 0.6875,
    'auc_flattened': 0.5815666317939758,
    'auc_from_logits': 0.6743420362472534,
    'auc_label_weights': 0.5452702641487122,
    'auc_multi_label': 0.5238003134727478,
    'auc_multi_label_pr': 0.6040385961532593,
    'auc_multi_label_weights': 0.5789473652839661,
    'auc_pr': 0.7007998824119568,
    'auc_pr_majoring': 0.7165740728378296,
    'auc_pr_minoring': 0.4339423179626465,
    'auc_prgain': 0.18987038731575012,
    'auc_roc_majoring': 0.6776315569877625,
    'auc_roc_minoring': 0.6710525751113892,
    'auc_thresholds': 0.6677631735801697,
    'auc_thresholds_even': 0.6875000596046448,
    'fn_scalar': 7.0,
    'fp_thresholds': [5.5, 3.5, 8.5, 0.0],
    'precision': 0.5333333611488342,
    'precision_at_recall': 0.5925925970077515,
    'precision_at_recall_class': 0.5151515007019043,
    'precision_class_id': 0.47826087474823,
    'precision_thresholds': [0.47058823704719543, 0.47560974955558777, 0.5636363625526428],
    'precision_top_k': 0.43939393758773804,
    'precision_top_k_class_id': 0.6000000238418579,
    'recall': 0.5,
    'recall_at_precision': 0.375,
    'recall_at_precision_1': 0.5,
    'recall_class_id': [0.7368420958518982, 0.31578946113586426],
    'recall_even': [1.0, 0.875, 0.5, 0.375, 0.0],
    'recall_top_k': 0.5799999833106995,
    'sensitivity_at_specificity': 0.5,
    'sensitivity_at_specificity_class': 0.6428571343421936,
    'specificity_at_sensitivity': 0.42105263471603394,
    'specificity_at_sensitivity_1': 0.5102040767669678,
    'tn_even': [1.0, 6.0, 9.5],
    'tp': 4.0,
}


def feed(metric, batches, weighted=True):
    for y_true, y_pred, weights in batches:
        metric.update_state(f32(y_true), f32(y_pred), sample_weight=f32(weights) if weighted else None)
    return metric.result()


def make(case):
    name, kwargs, _ = CASES[case]
    return getattr(metrics, name)(**kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case):
    result = feed(make(case), DATA[CASES[case][2]])
    assert np.asarray(result).dtype == np.float32
    close(result, EXPECTED[case])


@pytest.mark.parametrize("case", sorted(CASES))
def test_accumulating_batches_equals_whole_data(case):
    batches = DATA[CASES[case][2]]
    whole = [tuple(np.concatenate([f32(b[i]) for b in batches]) for i in range(3))]
    close(feed(make(case), batches), feed(make(case), whole))
    metric = make(case)
    feed(metric, batches)
    metric.reset_state()
    assert all(not np.any(v.numpy()) for v in metric.variables)
    close(feed(metric, whole), feed(make(case), batches))  # reset gives a fresh start


def test_counts_by_hand():
    # Scores strictly above the threshold are positive predictions: 0.5 is not above 0.5.
    y_true, y_pred = f32([1, 0, 1, 0]), f32([0.5, 0.5, 0.7, 0.2])
    weights = f32([1., 2., 3., 4.])
    for name, expected in [("TruePositives", 3.), ("FalsePositives", 0.), ("TrueNegatives", 6.),
                           ("FalseNegatives", 1.)]:
        metric = getattr(metrics, name)()
        metric.update_state(y_true, y_pred, sample_weight=weights)
        assert metric.result() == np.float32(expected)
        assert isinstance(metric.result(), np.float32)
    multi = metrics.TruePositives(thresholds=[0.0, 0.5, 0.6])
    multi.update_state(y_true, y_pred)
    np.testing.assert_array_equal(multi.result(), [2., 1., 1.])


def test_zero_denominators_give_zero():
    no_predicted = metrics.Precision()
    no_predicted.update_state(f32([1, 0, 1]), f32([0.1, 0.2, 0.3]))
    assert no_predicted.result() == 0.0
    no_positives = metrics.Recall()
    no_positives.update_state(f32([0, 0, 0]), f32([0.1, 0.9, 0.3]))
    assert no_positives.result() == 0.0
    for metric in (metrics.Precision(), metrics.Recall(), metrics.AUC(), metrics.PrecisionAtRecall(0.5)):
        assert metric.result() == 0.0  # nothing seen yet


# Keras 3.15.1: AUC of all-equal scores, and of batches with one class only.
EQUAL_SCORES = {
    ('ROC', 'interpolation', 0.0): 0.5,
    ('ROC', 'interpolation', 0.5): 0.5,
    ('ROC', 'interpolation', 1.0): 0.5,
    ('ROC', 'minoring', 0.0): 0.0,
    ('ROC', 'minoring', 0.5): 0.0,
    ('ROC', 'minoring', 1.0): 0.0,
    ('ROC', 'majoring', 0.0): 1.0,
    ('ROC', 'majoring', 0.5): 1.0,
    ('ROC', 'majoring', 1.0): 1.0,
    ('PR', 'interpolation', 0.0): 0.5,
    ('PR', 'interpolation', 0.5): 0.5,
    ('PR', 'interpolation', 1.0): 0.5,
    ('PR', 'minoring', 0.0): 0.0,
    ('PR', 'minoring', 0.5): 0.0,
    ('PR', 'minoring', 1.0): 0.0,
    ('PR', 'majoring', 0.0): 0.5,
    ('PR', 'majoring', 0.5): 0.5,
    ('PR', 'majoring', 1.0): 0.5,
    ('PRGAIN', 'interpolation', 0.0): 0.5,
    ('PRGAIN', 'interpolation', 0.5): 0.5,
    ('PRGAIN', 'interpolation', 1.0): 0.5,
    ('PRGAIN', 'minoring', 0.0): 0.0,
    ('PRGAIN', 'minoring', 0.5): 0.0,
    ('PRGAIN', 'minoring', 1.0): 0.0,
    ('PRGAIN', 'majoring', 0.0): 1.0,
    ('PRGAIN', 'majoring', 0.5): 1.0,
    ('PRGAIN', 'majoring', 1.0): 1.0,
}
ONE_CLASS = {
    ('ROC', 'interpolation', 0): 0.0,
    ('ROC', 'interpolation', 1): 0.0,
    ('ROC', 'minoring', 0): 0.0,
    ('ROC', 'minoring', 1): 0.0,
    ('ROC', 'majoring', 0): 0.0,
    ('ROC', 'majoring', 1): 0.0,
    ('PR', 'interpolation', 0): 0.0,
    ('PR', 'interpolation', 1): 1.0,
    ('PR', 'minoring', 0): 0.0,
    ('PR', 'minoring', 1): 0.6666666269302368,
    ('PR', 'majoring', 0): 0.0,
    ('PR', 'majoring', 1): 1.0,
    ('PRGAIN', 'interpolation', 0): 0.0,
    ('PRGAIN', 'interpolation', 1): 1.0,
    ('PRGAIN', 'minoring', 0): 0.0,
    ('PRGAIN', 'minoring', 1): 1.0,
    ('PRGAIN', 'majoring', 0): 0.0,
    ('PRGAIN', 'majoring', 1): 1.0,
}


@pytest.mark.parametrize("curve", ["ROC", "PR", "PRGAIN"])
@pytest.mark.parametrize("method", ["interpolation", "minoring", "majoring"])
def test_auc_all_equal_scores_and_one_class(curve, method):
    for score in (0.0, 0.5, 1.0):
        auc = metrics.AUC(curve=curve, summation_method=method)
        auc.update_state(f32([1, 0, 1, 0]), f32([score] * 4))
        close(auc.result(), EQUAL_SCORES[(curve, method, score)])
    for labels in ((0, 0, 0), (1, 1, 1)):
        auc = metrics.AUC(curve=curve, summation_method=method)
        auc.update_state(f32(labels), f32([0.2, 0.7, 0.9]))
        close(auc.result(), ONE_CLASS[(curve, method, labels[0])])


def test_auc_perfect_and_reversed_ranking():
    auc = metrics.AUC()
    auc.update_state(f32([0, 0, 1, 1]), f32([0.1, 0.4, 0.6, 0.9]))
    close(auc.result(), 1.0)
    reversed_auc = metrics.AUC()
    reversed_auc.update_state(f32([1, 1, 0, 0]), f32([0.1, 0.4, 0.6, 0.9]))
    close(reversed_auc.result(), 0.0)


def test_auc_thresholds_and_config():
    auc = metrics.AUC(num_thresholds=3)
    close(auc.thresholds, [-1e-7, 0.5, 1 + 1e-7])
    given = metrics.AUC(thresholds=[0.7, 0.2])
    assert given.num_thresholds == 4 and given.get_config()["thresholds"] == [0.2, 0.7]
    rebuilt = metrics.AUC.from_config(given.get_config())
    assert rebuilt.thresholds == given.thresholds
    lazy = metrics.AUC(multi_label=True)
    assert lazy.variables == []
    lazy.update_state(f32([[1, 0], [0, 1]]), f32([[0.8, 0.3], [0.4, 0.6]]))
    assert [v.shape for v in lazy.variables] == [(200, 2)] * 4
    close(lazy.result(), 1.0)


def test_precision_top_k_ties_prefer_lower_index_like_keras():
    precision = metrics.Precision(top_k=2)
    precision.update_state(f32([[1, 0, 1, 0], [0, 1, 1, 0]]), f32([[.5, .5, .5, .1], [.3, .3, .2, .3]]))
    close(precision.result(), EXPECTED_TIES)


EXPECTED_TIES = 0.5


def test_sample_weight_shapes():
    y_true = f32([[1, 0], [0, 1], [1, 1]])
    y_pred = f32([[.5, .7], [.4, .9], [.2, .65]])
    per_element = metrics.Precision(thresholds=[0.3, 0.6])
    per_element.update_state(y_true, y_pred, sample_weight=f32([[1, 2], [0.5, 0], [3, 1]]))
    close(per_element.result(), [2 / 4.5, 1 / 3])  # TP 2, FP 2.5; TP 1, FP 2
    scalar = metrics.Precision()
    scalar.update_state(y_true, y_pred, sample_weight=2.0)
    close(scalar.result(), 2 / 3)
    column = metrics.TruePositives()
    column.update_state(f32([1, 0, 1]), f32([[.7], [.8], [.2]]), sample_weight=f32([1, 2, 3]))
    close(column.result(), 1.0)


def test_empty_batches_and_out_of_range_scores():
    precision = metrics.Precision()
    precision.update_state(np.zeros((0, 1), "float32"), np.zeros((0, 1), "float32"))
    assert precision.result() == 0.0
    precision.update_state(f32([1, 0]), f32([0.7, 0.8]))
    close(precision.result(), 0.5)
    auc = metrics.AUC()  # scores outside [0, 1] are clipped, as in Keras (value from Keras)
    auc.update_state(f32([1, 0, 1, 0]), f32([-0.5, 1.5, 2.0, 0.3]))
    close(auc.result(), 0.375)


def test_bucketing_and_sorting_agree_with_a_direct_comparison():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 2, size=(50, 3)).astype("float32")
    y_pred = np.round(rng.random((50, 3)), 2).astype("float32")
    weights = rng.random(50).astype("float32")
    for thresholds, even in (([0.0, 0.25, 0.5, 0.75, 1.0], True), ([0.9, 0.1, 0.33, 0.5], False)):
        for multi_label in (False, True):
            counts = metrics_utils.confusion_counts(y_true, y_pred, thresholds, evenly_spaced=even,
                                                    sample_weight=weights, multi_label=multi_label)
            t = np.asarray(thresholds, "float32").reshape(-1, 1, 1)
            above = y_pred[None] > t
            w = np.broadcast_to(weights[:, None], y_pred.shape)[None]
            axes = 1 if multi_label else (1, 2)
            expected = {"tp": np.sum(above * y_true * w, axis=axes),
                        "fp": np.sum(above * (1 - y_true) * w, axis=axes),
                        "fn": np.sum(~above * y_true * w, axis=axes),
                        "tn": np.sum(~above * (1 - y_true) * w, axis=axes)}
            for key in expected:
                close(counts[key], expected[key], rtol=1e-5, atol=1e-5)


def test_large_batch_is_vectorized():
    rng = np.random.default_rng(0)
    y_true = rng.integers(0, 2, size=200_000).astype("float32")
    y_pred = rng.random(200_000).astype("float32")
    start = time.perf_counter()
    auc = metrics.AUC(num_thresholds=1000)
    auc.update_state(y_true, y_pred)
    precision = metrics.Precision(thresholds=list(np.linspace(0.01, 0.99, 300)))
    precision.update_state(y_true, y_pred)
    assert time.perf_counter() - start < 2.0
    close(auc.result(), 0.5, atol=0.01)


@pytest.mark.parametrize("build, message", [
    (lambda: metrics.Precision(thresholds=[0.5, 1.5]), r"Precision: threshold values must be in \[0, 1\]"),
    (lambda: metrics.TruePositives(thresholds=[]), "must not be empty"),
    (lambda: metrics.AUC(num_thresholds=1), "num_thresholds` must be an int > 1"),
    (lambda: metrics.AUC(curve="RUC"), "invalid `curve` 'RUC'"),
    (lambda: metrics.AUC(summation_method="mean"), "invalid `summation_method` 'mean'"),
    (lambda: metrics.AUC(num_labels=3), "num_labels"),
    (lambda: metrics.PrecisionAtRecall(1.5), r"`recall` must be a number in \[0, 1\]"),
    (lambda: metrics.SpecificityAtSensitivity(0.5, num_thresholds=0), "num_thresholds` must be an int > 0"),
    (lambda: metrics.Precision(top_k=0), None),
])
def test_bad_arguments(build, message):
    if message is None:  # top_k is checked at the first update
        with pytest.raises(ValueError, match="top_k must be a positive int"):
            build().update_state(f32([[1, 0]]), f32([[0.2, 0.8]]))
        return
    with pytest.raises(ValueError, match=message):
        build()


def test_bad_inputs():
    with pytest.raises(ValueError, match="Precision: with class_id, y_pred must have shape"):
        metrics.Precision(class_id=1).update_state(f32([1, 0]), f32([0.2, 0.8]))
    with pytest.raises(ValueError, match="Recall: y_true and y_pred must have the same shape"):
        metrics.Recall().update_state(f32([[1, 0, 1]]), f32([[0.2, 0.8]]))
    with pytest.raises(ValueError, match="AUC: with multi_label=True, y_pred must have rank 2"):
        metrics.AUC(multi_label=True).update_state(f32([1, 0]), f32([0.2, 0.8]))
    with pytest.raises(ValueError, match="sample_weight of shape"):
        metrics.AUC().update_state(f32([1, 0]), f32([0.2, 0.8]), sample_weight=f32([1, 2, 3]))
