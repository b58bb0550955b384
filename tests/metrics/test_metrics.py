"""Metrics: running values pinned to Keras 3.15.1 (torch backend) after several weighted
update_state calls, reset_state, resolve_metric's shape rules, configs and names."""
import numpy as np
import pytest

from minikeras import metrics
from minikeras.backend import Tensor, Variable, is_recording


def close(value, expected, rtol=1e-6, atol=1e-7):
    np.testing.assert_allclose(np.asarray(value, dtype=np.float64), expected, rtol=rtol, atol=atol)


# Binary: labels (n, 1); a probability of exactly 0.5 is a negative (strict p > threshold).
B_TRUE = [np.array([[1.], [0.], [1.], [0.]]), np.array([[1.], [1.], [0.]])]
B_PRED = [np.array([[0.7], [0.5], [0.5], [0.2]], "float32"), np.array([[0.51], [0.9], [0.8]], "float32")]
B_SW = [np.array([1., 2., 1., 0.5], "float32"), np.array([3., 0., 1.], "float32")]

# Categorical: 3 classes, integer labels (one-hot for CategoricalAccuracy).
C_PRED = [np.array([[0.1, 0.6, 0.3], [0.8, 0.1, 0.1], [0.2, 0.2, 0.6]], "float32"),
          np.array([[0.3, 0.3, 0.4], [0.05, 0.9, 0.05]], "float32")]
C_LAB = [np.array([1, 2, 2]), np.array([0, 1])]
C_SW = [np.array([0.5, 1., 2.], "float32"), np.array([4., 1.], "float32")]

# Regression.
R_TRUE = [np.array([[0., 1.], [2., 3.], [4., 5.]], "float32"), np.array([[1., 1.], [0., -1.]], "float32")]
R_PRED = [np.array([[1., 1.], [2., 1.], [7., 5.]], "float32"), np.array([[0.5, 2.], [0., 0.]], "float32")]
R_SW = [np.array([1., 0.5, 2.], "float32"), np.array([0., 3.], "float32")]


def feed(metric, y_trues, y_preds, weights=None):
    for i, (t, p) in enumerate(zip(y_trues, y_preds)):
        metric.update_state(t, p, sample_weight=None if weights is None else weights[i])
    return metric.result()


@pytest.mark.parametrize("threshold, expected", [(0.5, 0.7647058963775635), (0.7, 0.29411765933036804)])
def test_binary_accuracy_matches_keras(threshold, expected):
    result = feed(metrics.BinaryAccuracy(threshold=threshold), B_TRUE, B_PRED, B_SW)
    assert isinstance(result, np.float32)
    close(result, expected)


def test_binary_accuracy_1d_labels_and_function():
    close(feed(metrics.BinaryAccuracy(), [t[:, 0] for t in B_TRUE], B_PRED), 0.7142857313156128)
    np.testing.assert_array_equal(metrics.binary_accuracy(B_TRUE[0], B_PRED[0]), [[1.], [1.], [0.], [1.]])


def test_categorical_and_sparse_categorical_accuracy_match_keras():
    one_hot = [np.eye(3)[labels] for labels in C_LAB]
    close(feed(metrics.CategoricalAccuracy(), one_hot, C_PRED, C_SW), 0.4117647111415863)
    close(feed(metrics.SparseCategoricalAccuracy(), C_LAB, C_PRED, C_SW), 0.4117647111415863)
    column_labels = [labels[:, None].astype("float32") for labels in C_LAB]
    close(feed(metrics.SparseCategoricalAccuracy(), column_labels, C_PRED), 0.6000000238418579)
    np.testing.assert_array_equal(metrics.categorical_accuracy(one_hot[0], C_PRED[0]), [1., 0., 1.])
    np.testing.assert_array_equal(metrics.sparse_categorical_accuracy(C_LAB[0], C_PRED[0]), [1., 0., 1.])


def test_accuracy_matches_keras():
    acc = metrics.Accuracy()
    acc.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    acc.update_state([[1], [2]], [[1], [0]], sample_weight=[3., 1.])
    close(acc.result(), 0.75)
    np.testing.assert_array_equal(metrics.accuracy([1, 2, 3], [1, 0, 3]), [1., 0., 1.])


def test_regression_metrics_match_keras():
    close(feed(metrics.MeanSquaredError(), R_TRUE, R_PRED, R_SW), 1.8461538553237915)
    close(feed(metrics.MeanAbsoluteError(), R_TRUE, R_PRED, R_SW), 0.8461538553237915)


def test_mean_and_sum_follow_keras_weighting():
    mean, total = metrics.Mean(), metrics.Sum()
    for m in (mean, total):
        m.update_state([1., 2., 3.], sample_weight=2.)  # a scalar weight counts the batch once
        m.update_state([5.])
        m.update_state([[1., 3.], [2., 2.]], sample_weight=[1., 0.])
    close(mean.result(), 2.75)
    close(mean.total.numpy(), 11.0)
    close(mean.count.numpy(), 4.0)
    close(total.result(), 21.0)
    per_element = metrics.Mean()
    per_element.update_state(np.array([[1., 3.], [2., 6.]]), sample_weight=np.array([[1., 0.], [0.5, 2.]]))
    per_element.update_state(np.array([[4., 4.]]), sample_weight=np.array([[1., 1.]]))
    close(per_element.result(), 4.0)


def test_loss_tracker_usage_batch_size_weighted_mean():
    tracker = metrics.Mean(name="loss")
    tracker.update_state(np.float32(2.0), sample_weight=32)
    tracker.update_state(np.float32(5.0), sample_weight=8)
    close(tracker.result(), (2.0 * 32 + 5.0 * 8) / 40)


def test_crossentropy_metrics_match_keras():
    close(feed(metrics.BinaryCrossentropy(), B_TRUE, B_PRED, B_SW), 0.7267246842384338)
    one_hot = [np.eye(3)[labels] for labels in C_LAB]
    cce = metrics.CategoricalCrossentropy(label_smoothing=0.1)
    close(feed(cce, one_hot, C_PRED, C_SW), 1.032213807106018)
    logits = [np.log(p) * 2.0 for p in C_PRED]
    scce = metrics.SparseCategoricalCrossentropy(from_logits=True)
    close(feed(scce, C_LAB, logits, C_SW), 1.1807359457015991)
    # Unlike Keras, (n,) labels against (n, 1) probabilities are accepted (the loss object's rule).
    close(feed(metrics.BinaryCrossentropy(), [t[:, 0] for t in B_TRUE], B_PRED),
          feed(metrics.BinaryCrossentropy(), B_TRUE, B_PRED))


def test_reset_state_and_call():
    acc = metrics.SparseCategoricalAccuracy()
    feed(acc, C_LAB, C_PRED, C_SW)
    acc.reset_state()
    assert acc.result() == 0.0
    assert all(float(v.numpy()) == 0.0 for v in acc.variables)
    close(acc(C_LAB[1], C_PRED[1]), 0.5)  # __call__ = update_state + result
    close(acc(C_LAB[0], C_PRED[0]), 0.6)


def test_state_variables():
    mean = metrics.Mean(name="my_mean")
    assert [v.path for v in mean.variables] == ["my_mean/total", "my_mean/count"]
    assert all(isinstance(v, Variable) and not v.trainable and v.dtype == np.float32 for v in mean.variables)
    ones = mean.add_variable((2,), initializer="ones", name="ones")
    given = mean.add_variable((2,), initializer=np.array([3., 4.]), name="given")
    np.testing.assert_array_equal(ones.numpy(), [1., 1.])
    np.testing.assert_array_equal(given.numpy(), [3., 4.])
    mean.reset_state()
    np.testing.assert_array_equal(given.numpy(), [0., 0.])


def test_metrics_accept_tensors_and_record_no_graph():
    y_pred = Tensor(C_PRED[0], requires_grad=True)
    for metric in (metrics.SparseCategoricalAccuracy(), metrics.SparseCategoricalCrossentropy()):
        metric.update_state(C_LAB[0], y_pred)
        assert np.isfinite(metric.result())
    assert is_recording()
    values = metrics.MeanSquaredError()._values(R_TRUE[0], Tensor(R_PRED[0], requires_grad=True))
    assert not values.requires_grad


def test_custom_metric_subclass_with_add_variable():
    class Maximum(metrics.Metric):
        def __init__(self, name="maximum", dtype=None):
            super().__init__(name=name, dtype=dtype)
            self.peak = self.add_variable((), initializer="zeros", name="peak")

        def update_state(self, values, sample_weight=None):
            self.peak.assign(np.maximum(self.peak.numpy(), np.max(values)))

        def result(self):
            return self.peak.numpy()[()]

    m = Maximum()
    m.update_state([1., 7., 3.])
    m.update_state([2.])
    assert m.result() == 7.0
    m.reset_state()
    assert m.result() == 0.0
    assert m.get_config() == {"name": "maximum", "dtype": "float32"}

    class Composite(metrics.Metric):
        def __init__(self):
            super().__init__(name="composite")
            self.inner = metrics.Mean(name="inner")

    assert [v.path for v in Composite().variables] == ["inner/total", "inner/count"]


def test_mean_metric_wrapper_and_default_names():
    def squared_error(y_true, y_pred):
        return (np.asarray(y_true) - np.asarray(y_pred)) ** 2

    wrapper = metrics.MeanMetricWrapper(squared_error, name="se")
    close(wrapper([1., 2., 3.], [1., 0., 0.], sample_weight=[1., 1., 2.]), (0 + 4 + 18) / 4)
    assert metrics.Accuracy().name == "accuracy"
    assert metrics.BinaryAccuracy().name == "binary_accuracy"
    assert metrics.CategoricalAccuracy().name == "categorical_accuracy"
    assert metrics.SparseCategoricalAccuracy().name == "sparse_categorical_accuracy"
    assert metrics.MeanSquaredError().name == "mean_squared_error"
    assert metrics.MeanAbsoluteError().name == "mean_absolute_error"
    assert metrics.Mean().name == "mean" and metrics.Sum().name == "sum"
    assert metrics.MeanMetricWrapper(squared_error).name.startswith("mean_metric_wrapper")


# -- configs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("metric, config", [
    (metrics.Accuracy(), {"name": "accuracy", "dtype": "float32"}),
    (metrics.BinaryAccuracy(threshold=0.7),
     {"name": "binary_accuracy", "dtype": "float32", "threshold": 0.7}),
    (metrics.CategoricalAccuracy(name="ca"), {"name": "ca", "dtype": "float32"}),
    (metrics.SparseCategoricalAccuracy(), {"name": "sparse_categorical_accuracy", "dtype": "float32"}),
    (metrics.MeanSquaredError(), {"name": "mean_squared_error", "dtype": "float32"}),
    (metrics.MeanAbsoluteError(), {"name": "mean_absolute_error", "dtype": "float32"}),
    (metrics.Mean(), {"name": "mean", "dtype": "float32"}),
    (metrics.Sum(), {"name": "sum", "dtype": "float32"}),
    (metrics.BinaryCrossentropy(), {"name": "binary_crossentropy", "dtype": "float32", "from_logits": False,
                                    "label_smoothing": 0}),
    (metrics.CategoricalCrossentropy(), {"name": "categorical_crossentropy", "dtype": "float32",
                                         "from_logits": False, "label_smoothing": 0, "axis": -1}),
    (metrics.SparseCategoricalCrossentropy(), {"name": "sparse_categorical_crossentropy", "dtype": "float32",
                                               "from_logits": False, "ignore_class": None, "axis": -1}),
])
def test_configs_match_keras_and_round_trip(metric, config):
    assert metric.get_config() == config
    serialized = metrics.serialize(metric)
    assert serialized["module"] == "keras.metrics" and serialized["class_name"] == type(metric).__name__
    rebuilt = metrics.deserialize(serialized)
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == config


def test_mean_metric_wrapper_config_round_trip():
    wrapper = metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.3)
    config = wrapper.get_config()
    assert config == {"name": "ba", "dtype": "float32", "fn": "binary_accuracy", "threshold": 0.3}
    rebuilt = metrics.MeanMetricWrapper.from_config(config)
    assert rebuilt._fn is metrics.binary_accuracy and rebuilt._fn_kwargs == {"threshold": 0.3}
    keras_style = {**config, "fn": {"module": "builtins", "class_name": "function",
                                    "config": "binary_accuracy", "registered_name": "function"}}
    assert metrics.MeanMetricWrapper.from_config(keras_style)._fn is metrics.binary_accuracy


# -- names, get, resolve_metric -------------------------------------------------------------------
@pytest.mark.parametrize("name, cls", [
    ("accuracy", metrics.Accuracy), ("acc", metrics.Accuracy), ("binary_accuracy", metrics.BinaryAccuracy),
    ("categorical_accuracy", metrics.CategoricalAccuracy),
    ("sparse_categorical_accuracy", metrics.SparseCategoricalAccuracy),
    ("mse", metrics.MeanSquaredError), ("MSE", metrics.MeanSquaredError),
    ("mean_squared_error", metrics.MeanSquaredError), ("MeanSquaredError", metrics.MeanSquaredError),
    ("mae", metrics.MeanAbsoluteError), ("mean_absolute_error", metrics.MeanAbsoluteError),
    ("mean", metrics.Mean), ("Sum", metrics.Sum),
    ("sparse_categorical_crossentropy", metrics.SparseCategoricalCrossentropy),
])
def test_get_by_keras_names(name, cls):
    assert type(metrics.get(name)) is cls


def test_get_other_identifiers_and_serialize_names():
    assert metrics.get(None) is None
    acc = metrics.Accuracy()
    assert metrics.get(acc) is acc
    assert type(metrics.get(metrics.BinaryAccuracy)) is metrics.BinaryAccuracy
    assert type(metrics.get(metrics.sparse_categorical_accuracy)) is metrics.SparseCategoricalAccuracy
    assert metrics.get({"class_name": "BinaryAccuracy", "config": {"threshold": 0.9}}).threshold == 0.9
    assert metrics.serialize("mse") == "mean_squared_error"
    assert metrics.serialize("mae") == "mean_absolute_error"
    assert metrics.serialize("acc") == "acc" and metrics.serialize("accuracy") == "accuracy"
    assert metrics.serialize(metrics.categorical_accuracy) == "categorical_accuracy"

    def hits(y_true, y_pred):
        return np.asarray(y_true) == np.asarray(y_pred)

    wrapped = metrics.get(hits)
    assert isinstance(wrapped, metrics.MeanMetricWrapper) and wrapped.name == "hits"


def test_unknown_names_list_valid_ones():
    with pytest.raises(ValueError, match=r"Unknown metric: 'accuracyy'.*'binary_accuracy'"):
        metrics.get("accuracyy")
    with pytest.raises(ValueError, match=r"Unknown metric: 'f1'"):
        metrics.resolve_metric("f1", np.zeros(4), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="Could not interpret metric identifier"):
        metrics.get(3.5)


@pytest.mark.parametrize("y_true_shape, y_pred_shape, accuracy_cls, crossentropy_cls", [
    ((8,), (8, 1), metrics.BinaryAccuracy, metrics.BinaryCrossentropy),
    ((8, 1), (8, 1), metrics.BinaryAccuracy, metrics.BinaryCrossentropy),
    ((8,), (8, 10), metrics.SparseCategoricalAccuracy, metrics.SparseCategoricalCrossentropy),
    ((8, 1), (8, 10), metrics.SparseCategoricalAccuracy, metrics.SparseCategoricalCrossentropy),
    ((8, 5, 1), (8, 5, 10), metrics.SparseCategoricalAccuracy, metrics.SparseCategoricalCrossentropy),
    ((8, 10), (8, 10), metrics.CategoricalAccuracy, metrics.CategoricalCrossentropy),
    ((8,), (8,), metrics.CategoricalAccuracy, metrics.CategoricalCrossentropy),
])
def test_resolve_metric_shape_rules(y_true_shape, y_pred_shape, accuracy_cls, crossentropy_cls):
    y_true, y_pred = np.zeros(y_true_shape), Tensor(np.zeros(y_pred_shape, "float32"))
    for name in ("accuracy", "acc", "Accuracy"):
        metric = metrics.resolve_metric(name, y_true, y_pred)
        assert type(metric) is accuracy_cls and metric.name == name
    for name in ("crossentropy", "ce"):
        metric = metrics.resolve_metric(name, y_true, y_pred)
        assert type(metric) is crossentropy_cls and metric.name == name


def test_resolve_metric_other_identifiers_keep_the_typed_name():
    y_true, y_pred = np.zeros((4, 1)), np.zeros((4, 1))
    mse = metrics.resolve_metric("mse", y_true, y_pred)
    assert type(mse) is metrics.MeanSquaredError and mse.name == "mse"
    custom = metrics.BinaryAccuracy(name="custom")
    assert metrics.resolve_metric(custom, y_true, y_pred) is custom and custom.name == "custom"
    metric = metrics.resolve_metric("acc", np.array([0, 1, 1]), np.array([[0.2], [0.8], [0.4]]))
    close(metric(np.array([0, 1, 1]), np.array([[0.2], [0.8], [0.4]])), 2 / 3)
