"""Every metric of keras.metrics 3.15.1: Keras's configs and directions, get_config/from_config
and serialize/deserialize round trips, Keras's string names, functions, errors, and metrics
in compile/fit."""
import re

import numpy as np
import pytest

import minikeras
from minikeras import layers, metrics


# (class, constructor arguments, Keras 3.15.1's get_config(), Keras's _direction). Names are
# compared without the "_1", "_2" suffix that repeated default names get.
KERAS_CONFIGS = [
    ("AUC", {}, {'name': 'auc', 'dtype': 'float32', 'num_thresholds': 200, 'curve': 'ROC', 'summation_method': 'interpolation', 'multi_label': False, 'num_labels': None, 'label_weights': None, 'from_logits': False}, 'up'),
    ("Accuracy", {}, {'name': 'accuracy', 'dtype': 'float32'}, 'up'),
    ("BinaryCrossentropy", {}, {'name': 'binary_crossentropy', 'dtype': 'float32', 'from_logits': False, 'label_smoothing': 0}, 'down'),
    ("BinaryAccuracy", {}, {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.5}, 'up'),
    ("BinaryIoU", {}, {'target_class_ids': [0, 1], 'threshold': 0.5, 'name': 'binary_io_u', 'dtype': 'int32'}, 'up'),
    ("CategoricalAccuracy", {}, {'name': 'categorical_accuracy', 'dtype': 'float32'}, 'up'),
    ("CategoricalCrossentropy", {}, {'name': 'categorical_crossentropy', 'dtype': 'float32', 'from_logits': False, 'label_smoothing': 0, 'axis': -1}, 'down'),
    ("CategoricalHinge", {}, {'name': 'categorical_hinge', 'dtype': 'float32'}, 'down'),
    ("ConcordanceCorrelation", {}, {'name': 'concordance_correlation', 'dtype': 'float32', 'axis': -1}, 'up'),
    # Keras drops `axis` from this config (so it cannot round-trip); minikeras keeps it.
    ("CosineSimilarity", {}, {'name': 'cosine_similarity', 'dtype': 'float32', 'axis': -1}, 'up'),
    ("F1Score", {}, {'name': 'f1_score', 'dtype': 'float32', 'average': None, 'threshold': None}, 'up'),
    ("FBetaScore", {}, {'name': 'fbeta_score', 'dtype': 'float32', 'average': None, 'beta': 1.0, 'threshold': None}, 'up'),
    ("FalseNegatives", {}, {'name': 'false_negatives', 'dtype': 'float32', 'thresholds': None}, None),
    ("FalsePositives", {}, {'name': 'false_positives', 'dtype': 'float32', 'thresholds': None}, None),
    ("Hinge", {}, {'name': 'hinge', 'dtype': 'float32'}, 'down'),
    ("IoU", {'num_classes': 3, 'target_class_ids': [0, 2]}, {'name': 'io_u', 'dtype': 'int32', 'num_classes': 3, 'target_class_ids': [0, 2], 'ignore_class': None, 'sparse_y_true': True, 'sparse_y_pred': True, 'axis': -1}, 'up'),
    ("KLDivergence", {}, {'name': 'kl_divergence', 'dtype': 'float32'}, 'down'),
    ("LogCoshError", {}, {'name': 'logcosh', 'dtype': 'float32'}, 'down'),
    ("MeanAbsoluteError", {}, {'name': 'mean_absolute_error', 'dtype': 'float32'}, 'down'),
    ("MeanAbsolutePercentageError", {}, {'name': 'mean_absolute_percentage_error', 'dtype': 'float32'}, 'down'),
    ("MeanSquaredError", {}, {'name': 'mean_squared_error', 'dtype': 'float32'}, 'down'),
    ("MeanSquaredLogarithmicError", {}, {'name': 'mean_squared_logarithmic_error', 'dtype': 'float32'}, 'down'),
    ("Mean", {}, {'name': 'mean', 'dtype': 'float32'}, None),
    ("MeanIoU", {'num_classes': 3}, {'num_classes': 3, 'name': 'mean_io_u', 'dtype': 'int32', 'ignore_class': None, 'sparse_y_true': True, 'sparse_y_pred': True, 'axis': -1}, 'up'),
    ("OneHotIoU", {'num_classes': 3, 'target_class_ids': [1]}, {'num_classes': 3, 'target_class_ids': [1], 'name': 'one_hot_io_u', 'dtype': 'int32', 'ignore_class': None, 'sparse_y_pred': False, 'axis': -1}, 'up'),
    ("OneHotMeanIoU", {'num_classes': 3}, {'num_classes': 3, 'name': 'one_hot_mean_io_u', 'dtype': 'int32', 'ignore_class': None, 'sparse_y_pred': False, 'axis': -1}, 'up'),
    ("PearsonCorrelation", {}, {'name': 'pearson_correlation', 'dtype': 'float32', 'axis': -1}, 'up'),
    ("Poisson", {}, {'name': 'poisson', 'dtype': 'float32'}, 'down'),
    ("Precision", {}, {'name': 'precision', 'dtype': 'float32', 'thresholds': None, 'top_k': None, 'class_id': None}, 'up'),
    ("PrecisionAtRecall", {'recall': 0.5}, {'name': 'precision_at_recall', 'dtype': 'float32', 'class_id': None, 'num_thresholds': 200, 'recall': 0.5}, 'up'),
    ("R2Score", {}, {'name': 'r2_score', 'dtype': 'float32', 'class_aggregation': 'uniform_average', 'num_regressors': 0}, 'up'),
    ("Recall", {}, {'name': 'recall', 'dtype': 'float32', 'thresholds': None, 'top_k': None, 'class_id': None}, 'up'),
    ("RecallAtPrecision", {'precision': 0.7}, {'name': 'recall_at_precision', 'dtype': 'float32', 'class_id': None, 'num_thresholds': 200, 'precision': 0.7}, 'up'),
    ("RootMeanSquaredError", {}, {'name': 'root_mean_squared_error', 'dtype': 'float32'}, 'down'),
    ("SensitivityAtSpecificity", {'specificity': 0.4}, {'name': 'sensitivity_at_specificity', 'dtype': 'float32', 'class_id': None, 'num_thresholds': 200, 'specificity': 0.4}, 'up'),
    ("SparseCategoricalAccuracy", {}, {'name': 'sparse_categorical_accuracy', 'dtype': 'float32'}, 'up'),
    ("SparseCategoricalCrossentropy", {}, {'name': 'sparse_categorical_crossentropy', 'dtype': 'float32', 'from_logits': False, 'ignore_class': None, 'axis': -1}, 'down'),
    ("SparseTopKCategoricalAccuracy", {}, {'name': 'sparse_top_k_categorical_accuracy', 'dtype': 'float32', 'k': 5}, 'up'),
    ("SpecificityAtSensitivity", {'sensitivity': 0.6}, {'name': 'specificity_at_sensitivity', 'dtype': 'float32', 'class_id': None, 'num_thresholds': 200, 'sensitivity': 0.6}, 'up'),
    ("SquaredHinge", {}, {'name': 'squared_hinge', 'dtype': 'float32'}, 'down'),
    ("Sum", {}, {'name': 'sum', 'dtype': 'float32'}, None),
    ("TopKCategoricalAccuracy", {}, {'name': 'top_k_categorical_accuracy', 'dtype': 'float32', 'k': 5}, 'up'),
    ("TrueNegatives", {}, {'name': 'true_negatives', 'dtype': 'float32', 'thresholds': None}, None),
    ("TruePositives", {}, {'name': 'true_positives', 'dtype': 'float32', 'thresholds': None}, None),
]


def without_suffix(config):
    return {**config, "name": re.sub(r"_\d+$", "", config["name"])}


def test_every_keras_metric_class_is_covered():
    covered = {name for name, *_ in KERAS_CONFIGS}
    assert covered == {cls.__name__ for cls in metrics.ALL_METRIC_CLASSES}
    assert len(covered) == 44


@pytest.mark.parametrize("name, kwargs, config, direction", KERAS_CONFIGS,
                         ids=[c[0] for c in KERAS_CONFIGS])
def test_configs_directions_and_round_trips(name, kwargs, config, direction):
    metric = getattr(metrics, name)(**kwargs)
    assert without_suffix(metric.get_config()) == config
    assert metric._direction == direction
    rebuilt = type(metric).from_config(metric.get_config())
    assert rebuilt.get_config() == metric.get_config()
    serialized = metrics.serialize(metric)
    assert serialized == {"module": "keras.metrics", "class_name": name,
                          "config": metric.get_config(), "registered_name": None}
    for restored in (metrics.deserialize(serialized), metrics.get(serialized)):
        assert type(restored) is type(metric) and restored.get_config() == metric.get_config()


NON_DEFAULT = [
    metrics.AUC(num_thresholds=50, curve="PR", summation_method="majoring", multi_label=True,
                num_labels=3, label_weights=[1., 2., 0.5], from_logits=True, name="pr_auc"),
    metrics.AUC(thresholds=[0.9, 0.1, 0.4], curve="pr", summation_method="Minoring"),
    metrics.Precision(thresholds=[0.2, 0.4], top_k=2, class_id=1),
    metrics.Recall(thresholds=0.7),
    metrics.TruePositives(thresholds=[0.0, 0.5, 1.0]),
    metrics.SpecificityAtSensitivity(0.3, num_thresholds=11, class_id=2),
    metrics.F1Score(average="macro", threshold=0.4),
    metrics.FBetaScore(average="weighted", beta=0.5),
    metrics.IoU(num_classes=4, target_class_ids=[1], ignore_class=0, sparse_y_true=False, axis=1),
    metrics.MeanIoU(num_classes=4, dtype="float32", sparse_y_pred=False),
    metrics.BinaryIoU(target_class_ids=[1], threshold=0.3),
    metrics.R2Score(class_aggregation=None, num_regressors=2),
    metrics.SparseTopKCategoricalAccuracy(k=3, from_sorted_ids=True),
    metrics.TopKCategoricalAccuracy(k=2, name="top2"),
    metrics.CosineSimilarity(axis=0),
    metrics.PearsonCorrelation(axis=0),
]


@pytest.mark.parametrize("metric", NON_DEFAULT, ids=[type(m).__name__ for m in NON_DEFAULT])
def test_non_default_arguments_round_trip(metric):
    config = metric.get_config()
    rebuilt = metrics.deserialize(metrics.serialize(metric))
    assert type(rebuilt) is type(metric) and rebuilt.get_config() == config
    assert [v.shape for v in rebuilt.variables] == [v.shape for v in metric.variables]


def test_non_default_configs_hold_keras_values():
    auc = NON_DEFAULT[0].get_config()
    assert auc["curve"] == "PR" and auc["summation_method"] == "majoring"
    assert auc["label_weights"] == [1.0, 2.0, 0.5] and auc["from_logits"] is True
    assert NON_DEFAULT[1].get_config()["thresholds"] == [0.1, 0.4, 0.9]
    assert NON_DEFAULT[1].get_config()["curve"] == "PR"
    assert NON_DEFAULT[1].get_config()["summation_method"] == "minoring"
    assert metrics.SparseTopKCategoricalAccuracy(k=3).get_config() == {
        "name": "sparse_top_k_categorical_accuracy", "dtype": "float32", "k": 3}
    assert NON_DEFAULT[12].get_config()["from_sorted_ids"] is True


def test_state_variables_have_keras_names():
    auc = metrics.AUC(name="a")
    assert [v.path for v in auc.variables] == ["a/true_positives", "a/false_positives",
                                               "a/true_negatives", "a/false_negatives"]
    assert [v.path for v in metrics.Precision(name="p").variables] == ["p/true_positives",
                                                                     "p/false_positives"]
    assert [v.path for v in metrics.TruePositives(name="t").variables] == ["t/accumulator"]
    assert [v.path for v in metrics.MeanIoU(3, name="m").variables] == ["m/total_confusion_matrix"]
    f1 = metrics.F1Score(name="f")
    f1.update_state(np.eye(3, dtype="float32"), np.eye(3, dtype="float32"))
    assert [v.path for v in f1.variables] == ["f/true_positives", "f/false_positives",
                                              "f/false_negatives", "f/intermediate_weights"]
    r2 = metrics.R2Score(name="r")
    r2.update_state(np.ones((2, 2), "float32"), np.ones((2, 2), "float32"))
    assert [v.path for v in r2.variables] == ["r/num_samples", "r/squared_sum", "r/sum",
                                              "r/residual", "r/count"]
    assert all(not v.trainable for v in auc.variables)


# Every string in Keras 3.15.1's keras.metrics name table (Metric/MeanMetricWrapper aside).
KERAS_NAMES = {
    'AUC': 'AUC', 'Accuracy': 'Accuracy', 'BCE': 'BinaryCrossentropy', 'BinaryAccuracy': 'BinaryAccuracy',
    'BinaryCrossentropy': 'BinaryCrossentropy', 'BinaryIoU': 'BinaryIoU',
    'CategoricalAccuracy': 'CategoricalAccuracy', 'CategoricalCrossentropy': 'CategoricalCrossentropy',
    'CategoricalHinge': 'CategoricalHinge', 'ConcordanceCorrelation': 'ConcordanceCorrelation',
    'CosineSimilarity': 'CosineSimilarity', 'F1Score': 'F1Score', 'FBetaScore': 'FBetaScore',
    'FalseNegatives': 'FalseNegatives', 'FalsePositives': 'FalsePositives', 'Hinge': 'Hinge', 'IoU': 'IoU',
    'KLDivergence': 'KLDivergence', 'LogCoshError': 'LogCoshError', 'MAE': 'MeanAbsoluteError',
    'MAPE': 'MeanAbsolutePercentageError', 'MSE': 'MeanSquaredError', 'MSLE': 'MeanSquaredLogarithmicError',
    'Mean': 'Mean', 'MeanAbsoluteError': 'MeanAbsoluteError',
    'MeanAbsolutePercentageError': 'MeanAbsolutePercentageError', 'MeanIoU': 'MeanIoU',
    'MeanSquaredError': 'MeanSquaredError', 'MeanSquaredLogarithmicError': 'MeanSquaredLogarithmicError',
    'OneHotIoU': 'OneHotIoU', 'OneHotMeanIoU': 'OneHotMeanIoU', 'PearsonCorrelation': 'PearsonCorrelation',
    'Poisson': 'Poisson', 'Precision': 'Precision', 'PrecisionAtRecall': 'PrecisionAtRecall',
    'R2Score': 'R2Score', 'Recall': 'Recall', 'RecallAtPrecision': 'RecallAtPrecision',
    'RootMeanSquaredError': 'RootMeanSquaredError', 'SensitivityAtSpecificity': 'SensitivityAtSpecificity',
    'SparseCategoricalAccuracy': 'SparseCategoricalAccuracy',
    'SparseCategoricalCrossentropy': 'SparseCategoricalCrossentropy',
    'SparseTopKCategoricalAccuracy': 'SparseTopKCategoricalAccuracy',
    'SpecificityAtSensitivity': 'SpecificityAtSensitivity', 'SquaredHinge': 'SquaredHinge', 'Sum': 'Sum',
    'TopKCategoricalAccuracy': 'TopKCategoricalAccuracy', 'TrueNegatives': 'TrueNegatives',
    'TruePositives': 'TruePositives', 'accuracy': 'Accuracy', 'auc': 'AUC', 'bce': 'BinaryCrossentropy',
    'binary_accuracy': 'BinaryAccuracy', 'binary_crossentropy': 'BinaryCrossentropy', 'binary_io_u': 'BinaryIoU',
    'categorical_accuracy': 'CategoricalAccuracy', 'categorical_crossentropy': 'CategoricalCrossentropy',
    'categorical_hinge': 'CategoricalHinge', 'concordance_correlation': 'ConcordanceCorrelation',
    'cosine_similarity': 'CosineSimilarity', 'f1_score': 'F1Score', 'f_beta_score': 'FBetaScore',
    'false_negatives': 'FalseNegatives', 'false_positives': 'FalsePositives', 'hinge': 'Hinge', 'io_u': 'IoU',
    'kl_divergence': 'KLDivergence', 'log_cosh_error': 'LogCoshError', 'mae': 'MeanAbsoluteError',
    'mape': 'MeanAbsolutePercentageError', 'mean': 'Mean', 'mean_absolute_error': 'MeanAbsoluteError',
    'mean_absolute_percentage_error': 'MeanAbsolutePercentageError', 'mean_io_u': 'MeanIoU',
    'mean_squared_error': 'MeanSquaredError', 'mean_squared_logarithmic_error': 'MeanSquaredLogarithmicError',
    'mse': 'MeanSquaredError', 'msle': 'MeanSquaredLogarithmicError', 'one_hot_io_u': 'OneHotIoU',
    'one_hot_mean_io_u': 'OneHotMeanIoU', 'pearson_correlation': 'PearsonCorrelation', 'poisson': 'Poisson',
    'precision': 'Precision', 'precision_at_recall': 'PrecisionAtRecall', 'r2_score': 'R2Score',
    'recall': 'Recall', 'recall_at_precision': 'RecallAtPrecision',
    'root_mean_squared_error': 'RootMeanSquaredError', 'sensitivity_at_specificity': 'SensitivityAtSpecificity',
    'sparse_categorical_accuracy': 'SparseCategoricalAccuracy',
    'sparse_categorical_crossentropy': 'SparseCategoricalCrossentropy',
    'sparse_top_k_categorical_accuracy': 'SparseTopKCategoricalAccuracy',
    'specificity_at_sensitivity': 'SpecificityAtSensitivity', 'squared_hinge': 'SquaredHinge', 'sum': 'Sum',
    'top_k_categorical_accuracy': 'TopKCategoricalAccuracy', 'true_negatives': 'TrueNegatives',
    'true_positives': 'TruePositives',
}
# minikeras also accepts the function names and the two default names Keras's table misses.
EXTRA_NAMES = {"acc": "Accuracy", "log_cosh": "LogCoshError", "logcosh": "LogCoshError",
               "fbeta_score": "FBetaScore"}


@pytest.mark.parametrize("name", sorted({**KERAS_NAMES, **EXTRA_NAMES}))
def test_names_resolve_to_keras_classes(name):
    expected = {**KERAS_NAMES, **EXTRA_NAMES}[name]
    assert metrics.ALL_OBJECTS_DICT[name].__name__ == expected
    cls = getattr(metrics, expected)
    required = [p for p in ("num_classes", "recall", "precision", "specificity", "sensitivity")
                if p in cls.__init__.__code__.co_varnames[:cls.__init__.__code__.co_argcount]]
    if required:
        with pytest.raises(ValueError, match=rf"Metric '{name}' \({expected}\) needs arguments"):
            metrics.get(name)
    else:
        assert type(metrics.get(name)) is cls


def test_functions_and_classes_by_get():
    assert type(metrics.get(metrics.top_k_categorical_accuracy)) is metrics.TopKCategoricalAccuracy
    assert type(metrics.get(metrics.log_cosh)) is metrics.LogCoshError
    assert type(metrics.get(metrics.pearson_correlation)) is metrics.PearsonCorrelation
    assert type(metrics.get(metrics.AUC)) is metrics.AUC
    with pytest.raises(ValueError, match=r"needs arguments \['num_classes'\]: pass an instance such as "
                                         r"MeanIoU\(num_classes=\.\.\.\)"):
        metrics.get(metrics.MeanIoU)
    huber = metrics.get(metrics.huber)  # a loss function with no metric class: wrapped, named after it
    assert isinstance(huber, metrics.MeanMetricWrapper) and huber.name == "huber"
    wrapper = metrics.MeanMetricWrapper(metrics.huber, name="h", delta=2.0)
    assert wrapper.get_config() == {"name": "h", "dtype": "float32", "fn": "huber", "delta": 2.0}
    rebuilt = metrics.deserialize(metrics.serialize(wrapper))
    assert rebuilt._fn is metrics.huber and rebuilt._fn_kwargs == {"delta": 2.0}
    assert rebuilt._direction == "down"  # wraps a loss

    def huber(y_true, y_pred):  # a user function that only shares a built-in loss's name
        return y_pred
    assert metrics.MeanMetricWrapper(huber)._direction is None
    assert metrics.serialize(metrics.sparse_top_k_categorical_accuracy) == "sparse_top_k_categorical_accuracy"
    assert metrics.serialize("mape") == "mean_absolute_percentage_error"
    assert metrics.serialize("auc") == "auc"


def test_unknown_names_suggest_close_ones():
    with pytest.raises(ValueError, match=r"Unknown metric: 'aucc'. Did you mean 'auc'"):
        metrics.get("aucc")


def test_resolve_metric_keeps_the_typed_name():
    y_true, y_pred = np.zeros((4, 1)), np.zeros((4, 1))
    for name, cls in (("auc", metrics.AUC), ("precision", metrics.Precision),
                      ("f1_score", metrics.F1Score), ("r2_score", metrics.R2Score)):
        metric = metrics.resolve_metric(name, y_true, y_pred)
        assert type(metric) is cls and metric.name == name


def test_new_metrics_in_compile_and_fit():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, :1] + 0.5 * x[:, 1:2] > 0).astype("float32")
    model = minikeras.Sequential([layers.Input((4,)), layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["auc", "precision", metrics.Recall(name="rec"), metrics.PrecisionAtRecall(0.5, name="p_at_r")])
    history = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "auc", "precision", "rec", "p_at_r"}
    assert all(0.0 <= v <= 1.0 for v in history.history["auc"])
    logs = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    expected = metrics.AUC()
    expected.update_state(y, model.predict(x, verbose=0))
    np.testing.assert_allclose(logs["auc"], float(expected.result()), rtol=1e-6)
