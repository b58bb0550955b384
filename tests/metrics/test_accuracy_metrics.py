"""Accuracy metrics, top-k included: values pinned to Keras 3.15.1 (torch backend) after several
weighted update_state calls, ties, sorted ids, shapes, and accumulation over batches."""
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


# 5 classes; scores with a tie in the second row of the first batch.
SCORES = [
    [[0.1, 0.3, 0.2, 0.25, 0.15], [0.3, 0.3, 0.1, 0.2, 0.1], [0.05, 0.05, 0.6, 0.2, 0.1],
     [0.4, 0.1, 0.1, 0.1, 0.3]],
    [[0.2, 0.2, 0.2, 0.2, 0.2], [0.0, 0.1, 0.2, 0.3, 0.4], [0.5, 0.25, 0.05, 0.1, 0.1]],
    [[0.15, 0.35, 0.1, 0.3, 0.1], [0.9, 0.02, 0.03, 0.02, 0.03]],
]
LABELS = [[3, 1, 4, 0], [4, 1, 1], [0, 0]]
WEIGHTS = [[1., 2., 0.5, 1.], [3., 1., 0.], [1.5, 1.]]
SPARSE = [(np.array(l), s, w) for l, s, w in zip(LABELS, SCORES, WEIGHTS)]
ONE_HOT = [(np.eye(5)[l], s, w) for l, s, w in zip(LABELS, SCORES, WEIGHTS)]
COLUMN = [(np.array(l)[:, None], s, w) for l, s, w in zip(LABELS, SCORES, WEIGHTS)]
# Ids sorted by score, best first (as a retrieval model returns them).
SORTED_IDS = [(np.array(l), np.argsort(-np.asarray(s), axis=-1, kind="stable"), w)
              for l, s, w in zip(LABELS, SCORES, WEIGHTS)]
BINARY = [([[1], [0], [1], [0]], [[0.7], [0.5], [0.5], [0.2]], [1., 2., 1., 0.5]),
          ([[1], [1], [0]], [[0.51], [0.9], [0.8]], [3., 0., 1.])]
EXACT = [([[1], [2], [3], [4]], [[0], [2], [3], [4]], [1., 1., 1., 1.]),
         ([[1], [2]], [[1], [0]], [3., 1.])]
DATA = {"sparse": SPARSE, "one_hot": ONE_HOT, "column": COLUMN, "sorted_ids": SORTED_IDS,
        "binary": BINARY, "exact": EXACT}

CASES = {
    "top_k_default": ("TopKCategoricalAccuracy", {}, "one_hot"),
    "top_k_1": ("TopKCategoricalAccuracy", {"k": 1}, "one_hot"),
    "top_k_2": ("TopKCategoricalAccuracy", {"k": 2}, "one_hot"),
    "sparse_top_k_2": ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse"),
    "sparse_top_k_3_column": ("SparseTopKCategoricalAccuracy", {"k": 3}, "column"),
    "sparse_top_k_sorted_ids": ("SparseTopKCategoricalAccuracy", {"k": 2, "from_sorted_ids": True},
                                "sorted_ids"),
    "categorical_accuracy": ("CategoricalAccuracy", {}, "one_hot"),
    "sparse_categorical_accuracy": ("SparseCategoricalAccuracy", {}, "sparse"),
    "binary_accuracy": ("BinaryAccuracy", {"threshold": 0.6}, "binary"),
    "accuracy": ("Accuracy", {}, "exact"),
}

# Keras 3.15.1 results for CASES (KERAS_BACKEND=torch).
EXPECTED = {
    'accuracy': 0.75,
    'binary_accuracy': 0.4117647111415863,
    'categorical_accuracy': 0.1818181872367859,
    'sparse_categorical_accuracy': 0.1818181872367859,
    'sparse_top_k_2': 0.7272727489471436,
    'sparse_top_k_3_column': 0.9090909361839294,
    'sparse_top_k_sorted_ids': 0.4545454680919647,
    'top_k_1': 0.6363636255264282,
    'top_k_2': 0.7272727489471436,
    'top_k_default': 1.0,
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
    result = feed(make(case), DATA[CASES[case][2]])
    assert isinstance(result, np.float32)
    close(result, EXPECTED[case])


@pytest.mark.parametrize("case", sorted(CASES))
def test_accumulating_batches_equals_whole_data(case):
    batches = DATA[CASES[case][2]]
    whole = [tuple(np.concatenate([arr(b[i]) for b in batches]) for i in range(3))]
    close(feed(make(case), batches), feed(make(case), whole))


def test_top_k_functions_by_hand():
    scores = arr([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.6, 0.3, 0.1]])
    labels = np.array([2, 0, 2])
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=2),
                                  [1., 1., 0.])  # row 2: 0.3 ties with class 1, both count
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=1),
                                  [0., 0., 0.])
    np.testing.assert_array_equal(metrics.top_k_categorical_accuracy(np.eye(3)[labels], scores, k=2),
                                  [1., 1., 0.])
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(labels[:, None], scores, k=2), [[1.], [1.], [0.]])
    # k >= number of classes: every label is in the top k (Keras's torch backend fails here).
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=5),
                                  [1., 1., 1.])
    ids = np.array([[3, 1, 0], [0, 2, 2]])
    np.testing.assert_array_equal(
        metrics.sparse_top_k_categorical_accuracy(np.array([1, 2]), ids, k=2, from_sorted_ids=True),
        [1., 1.])


def test_top_k_sequences():
    # (batch, time, classes) scores with (batch, time) labels: one match per time step.
    scores = arr([[[0.1, 0.9], [0.8, 0.2]], [[0.3, 0.7], [0.6, 0.4]]])
    labels = np.array([[1, 0], [0, 0]])
    np.testing.assert_array_equal(metrics.sparse_top_k_categorical_accuracy(labels, scores, k=1),
                                  [[1., 1.], [0., 1.]])
    metric = metrics.SparseTopKCategoricalAccuracy(k=1)
    metric.update_state(labels, scores, sample_weight=arr([1., 3.]))
    close(metric.result(), (1 * 1 + 3 * 0.5) / 4)


def test_bad_k_and_labels():
    with pytest.raises(ValueError, match=r"TopKCategoricalAccuracy: `k` must be a positive int"):
        metrics.TopKCategoricalAccuracy(k=0)
    with pytest.raises(ValueError, match=r"sparse_top_k_categorical_accuracy: labels must be class "
                                         r"indices in \[0, 3\)"):
        metrics.sparse_top_k_categorical_accuracy(np.array([0, 3]), np.ones((2, 3)), k=1)
