"""F1Score / FBetaScore and the IoU family: values pinned to Keras 3.15.1 (torch backend) after
several weighted update_state calls, empty classes, zero denominators, int32 confusion
matrices, and accumulation over batches."""
import warnings

import numpy as np
import pytest

from minikeras import metrics


def close(value, expected, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(np.asarray(value, dtype=np.float64), expected, rtol=rtol, atol=atol)


def arr(x):
    if x is None:
        return None
    a = np.asarray(x)
    return a if a.dtype.kind in "iu" else a.astype("float32")


# Multi-label targets (n, 3) with scores; class 2 is never a target in the second batch.
LABELS = [
    ([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]],
     [[0.9, 0.2, 0.6], [0.3, 0.8, 0.4], [0.7, 0.55, 0.1], [0.2, 0.3, 0.95]], [1., 2., 0.5, 1.]),
    ([[0, 1, 0], [1, 0, 0], [0, 0, 0]], [[0.4, 0.7, 0.5], [0.6, 0.45, 0.3], [0.1, 0.9, 0.2]],
     [1.5, 1., 2.]),
    ([[1, 0, 0], [0, 1, 1]], [[0.35, 0.35, 0.1], [0.0, 0.0, 0.0]], [1., 3.]),
]
# One-hot targets (n, 4) with probabilities; class 3 never occurs.
ONE_HOT = [
    (np.eye(4)[[0, 2, 1, 2]], [[0.6, 0.2, 0.1, 0.1], [0.1, 0.2, 0.6, 0.1], [0.3, 0.3, 0.2, 0.2],
                               [0.2, 0.1, 0.3, 0.4]], [1., 2., 1., 0.5]),
    (np.eye(4)[[1, 0, 0]], [[0.1, 0.7, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25], [0.1, 0.1, 0.7, 0.1]],
     [1., 1., 3.]),
]
# Segmentation maps (batch, 2, 3) of class ids in [0, 4) with integer weights per pixel.
SEGMENTS = [
    (np.array([[[0, 1, 1], [2, 2, 0]], [[1, 1, 3], [0, 0, 2]]]),
     np.array([[[0, 1, 2], [2, 2, 0]], [[1, 0, 3], [0, 3, 2]]]),
     [[[1, 2, 1], [1, 1, 0]], [[2, 1, 1], [1, 1, 3]]]),
    (np.array([[[3, 3, 1], [0, 2, 2]]]), np.array([[[3, 1, 1], [0, 2, 0]]]), [[[1, 1, 2], [1, 0, 1]]]),
]
# Float weights: truncated in an int32 matrix (Keras's default dtype), kept with float32.
SEGMENTS_FLOAT_WEIGHTS = [(t, p, np.asarray(w, "float32") * 0.75) for t, p, w in SEGMENTS]
BINARY_SCORES = [
    ([[1], [0], [1], [0], [1]], [[0.9], [0.3], [0.5], [0.49], [0.2]], [1., 2., 1., 1., 2.]),
    ([[0], [0], [1]], [[0.6], [0.1], [0.7]], [1., 1., 3.]),
]
SCORE_MAPS = [(np.eye(4)[t], np.eye(4)[p] * 0.7 + 0.075, None)
              for t, p, _ in [(s[0].reshape(-1), s[1].reshape(-1), None) for s in SEGMENTS]]
DATA = {"labels": LABELS, "one_hot": ONE_HOT, "segments": SEGMENTS,
        "segments_float": SEGMENTS_FLOAT_WEIGHTS, "binary": BINARY_SCORES, "score_maps": SCORE_MAPS}

CASES = {}
for _average in (None, "micro", "macro", "weighted"):
    _key = str(_average)
    CASES[f"f1_{_key}"] = ("F1Score", {"average": _average}, "one_hot")
    CASES[f"f1_threshold_{_key}"] = ("F1Score", {"average": _average, "threshold": 0.5}, "labels")
    CASES[f"f1_argmax_{_key}"] = ("F1Score", {"average": _average}, "labels")
    CASES[f"fbeta_{_key}"] = ("FBetaScore", {"average": _average, "beta": 2.0, "threshold": 0.4},
                              "labels")
CASES.update({
    "fbeta_half": ("FBetaScore", {"average": "macro", "beta": 0.5}, "one_hot"),
    "mean_iou": ("MeanIoU", {"num_classes": 4}, "segments"),
    "mean_iou_int_truncates": ("MeanIoU", {"num_classes": 4}, "segments_float"),
    "mean_iou_float": ("MeanIoU", {"num_classes": 4, "dtype": "float32"}, "segments_float"),
    "mean_iou_ignore": ("MeanIoU", {"num_classes": 4, "ignore_class": 0}, "segments"),
    "mean_iou_five_classes": ("MeanIoU", {"num_classes": 5}, "segments"),
    "iou": ("IoU", {"num_classes": 4, "target_class_ids": [0, 2]}, "segments"),
    "iou_one_class": ("IoU", {"num_classes": 4, "target_class_ids": [3]}, "segments"),
    "binary_iou": ("BinaryIoU", {}, "binary"),
    "binary_iou_threshold": ("BinaryIoU", {"target_class_ids": [1], "threshold": 0.3}, "binary"),
    "one_hot_iou": ("OneHotIoU", {"num_classes": 4, "target_class_ids": [1, 3]}, "score_maps"),
    "one_hot_mean_iou": ("OneHotMeanIoU", {"num_classes": 4}, "score_maps"),
    "mean_iou_dense": ("MeanIoU", {"num_classes": 4, "sparse_y_true": False,
                                   "sparse_y_pred": False}, "score_maps"),
})

# Keras 3.15.1 results for CASES (KERAS_BACKEND=torch).
EXPECTED = {
    'binary_iou': 0.5982142686843872,
    'binary_iou_threshold': 0.45454540848731995,
    'f1_None': [0.4999999403953552, 0.7999999523162842, 0.47058820724487305, 0.0],
    'f1_argmax_None': [1.0, 0.5185184478759766, 0.333333283662796],
    'f1_argmax_macro': 0.6172838807106018,
    'f1_argmax_micro': 0.6037735342979431,
    'f1_argmax_weighted': 0.5675029158592224,
    'f1_macro': 0.4426470398902893,
    'f1_micro': 0.52173912525177,
    'f1_threshold_None': [0.8333333134651184, 0.615384578704834, 0.5714285373687744],
    'f1_threshold_macro': 0.6733821034431458,
    'f1_threshold_micro': 0.6538461446762085,
    'f1_threshold_weighted': 0.6504194140434265,
    'f1_weighted': 0.5554179549217224,
    'fbeta_None': [0.7575757503509521, 0.5714285969734192, 0.42553189396858215],
    'fbeta_half': 0.4199698269367218,
    'fbeta_macro': 0.5848453640937805,
    'fbeta_micro': 0.5666666626930237,
    'fbeta_weighted': 0.5663983225822449,
    'iou': 0.6071428656578064,
    'iou_one_class': 0.4999999403953552,
    'mean_iou': 0.5952380895614624,
    'mean_iou_dense': 0.5595238208770752,
    'mean_iou_five_classes': 0.5952380895614624,
    'mean_iou_float': 0.5952380895614624,
    'mean_iou_ignore': 0.511904776096344,
    'mean_iou_int_truncates': 1.0,
    'one_hot_iou': 0.5,
    'one_hot_mean_iou': 0.5595238208770752,
}


def feed(metric, batches):
    for y_true, y_pred, weights in batches:
        metric.update_state(arr(y_true), arr(y_pred), sample_weight=arr(weights))
    return metric.result()


def make(case):
    name, kwargs, _ = CASES[case]
    return getattr(metrics, name)(**kwargs)


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # float weights in an int32 matrix
        result = feed(make(case), DATA[CASES[case][2]])
    assert np.asarray(result).dtype == np.float32
    close(result, EXPECTED[case])


@pytest.mark.parametrize("case", sorted(CASES))
def test_accumulating_batches_equals_whole_data(case):
    batches = DATA[CASES[case][2]]
    whole = [tuple(None if batches[0][i] is None else np.concatenate([arr(b[i]) for b in batches])
                   for i in range(3))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        close(feed(make(case), batches), feed(make(case), whole))


def test_f1_by_hand_and_empty_class():
    # Class 0: TP 1, FP 1 -> P = R = ... ; class 2 is never a target nor predicted -> F1 = 0.
    f1 = metrics.F1Score(threshold=0.5)
    f1.update_state(arr([[1, 0, 0], [0, 1, 0], [1, 1, 0]]), arr([[0.9, 0.2, 0.1], [0.8, 0.7, 0.3],
                                                                 [0.2, 0.6, 0.4]]))
    # class 0: TP 1, FP 1, FN 1 -> 0.5; class 1: TP 2, FP 0, FN 0 -> 1; class 2: 0.
    close(f1.result(), [0.5, 1.0, 0.0], atol=1e-6)
    assert f1.result().dtype == np.float32 and f1.result().shape == (3,)
    weighted = metrics.F1Score(average="weighted", threshold=0.5)
    weighted.update_state(arr([[1, 0, 0], [0, 1, 0], [1, 1, 0]]), arr([[0.9, 0.2, 0.1], [0.8, 0.7, 0.3],
                                                                       [0.2, 0.6, 0.4]]))
    close(weighted.result(), 0.75, atol=1e-6)  # supports 2 and 2; the empty class weighs 0
    assert metrics.F1Score(average="macro").result() == 0.0  # nothing seen


def test_iou_by_hand_and_absent_classes():
    iou = metrics.MeanIoU(num_classes=3)
    iou.update_state(np.array([0, 0, 1, 1]), np.array([0, 1, 1, 1]))
    # class 0: 1 / (2 + 1 - 1) = 0.5; class 1: 2 / (2 + 3 - 2) = 2/3; class 2 absent: left out.
    close(iou.result(), (0.5 + 2 / 3) / 2)
    assert iou.total_cm.numpy().dtype == np.int32
    np.testing.assert_array_equal(iou.total_cm.numpy(), [[1, 1, 0], [0, 2, 0], [0, 0, 0]])
    assert metrics.MeanIoU(num_classes=3).result() == 0.0
    out_of_range = metrics.MeanIoU(num_classes=3)
    out_of_range.update_state(np.array([0, 1, 5, -1]), np.array([0, 4, 2, 1]))
    np.testing.assert_array_equal(out_of_range.total_cm.numpy(), [[1, 0, 0], [0, 0, 0], [0, 0, 0]])
    with pytest.warns(UserWarning, match="float sample weights are cast"):
        metrics.MeanIoU(num_classes=3).update_state(np.array([0]), np.array([0]), sample_weight=arr([1.5]))


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"F1Score: invalid `average` 'mean'"):
        metrics.F1Score(average="mean")
    with pytest.raises(ValueError, match="FBetaScore: `beta` must be a Python float"):
        metrics.FBetaScore(beta=2)
    with pytest.raises(ValueError, match="FBetaScore: `beta` must be > 0"):
        metrics.FBetaScore(beta=-1.0)
    with pytest.raises(ValueError, match="F1Score: `threshold` must satisfy 0 < threshold <= 1"):
        metrics.F1Score(threshold=1.5)
    with pytest.raises(ValueError, match="F1Score expects 2D inputs"):
        metrics.F1Score().update_state(arr([1, 0]), arr([0.3, 0.6]))
    with pytest.raises(ValueError, match=r"IoU: target_class_ids must be class ids in \[0, 3\)"):
        metrics.IoU(num_classes=3, target_class_ids=[3])
    with pytest.raises(ValueError, match="MeanIoU: `num_classes` must be a positive int"):
        metrics.MeanIoU(num_classes=0)
