"""Regression, probabilistic, hinge and correlation metrics: values pinned to Keras 3.15.1
(torch backend) after several weighted update_state calls, R2Score's options and zero
denominators, and accumulation over batches."""
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


REGRESSION = [
    ([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5], [3.0, 1.0, 1.0]],
     [[0.7, -0.5, 1.0], [1.0, 0.2, -0.5], [2.0, 2.5, 0.0]], [1., 0.5, 2.]),
    ([[-2.0, 0.5, 0.0], [1.0, 1.0, 4.0]], [[-1.0, 0.0, 0.3], [1.2, 0.8, 3.0]], [1.5, 1.]),
    ([[0.0, 2.0, -1.0], [2.5, -1.5, 0.5], [1.0, 0.0, 0.0], [0.3, 0.1, 0.5]],
     [[0.5, 1.5, -1.2], [2.0, -1.0, 1.5], [0.0, 0.0, 0.1], [0.3, 0.2, 0.4]], [0., 1., 2., 1.]),
]
POSITIVE = [(np.abs(arr(t)), np.abs(arr(p)) + 0.1, w) for t, p, w in REGRESSION]
PROBABILITIES = [
    ([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.6, 0.2, 0.2]],
     [[0.1, 0.4, 0.5], [0.2, 0.7, 0.1], [0.3, 0.3, 0.4]], [1., 2., 0.5]),
    ([[1.0, 0.0, 0.0], [0.25, 0.25, 0.5]], [[0.8, 0.1, 0.1], [0.0, 0.5, 0.5]], [1., 3.]),
]
ONE_HOT_SCORES = [(np.eye(3)[[2, 1, 0]], [[0.1, 0.4, 0.5], [0.9, 0.7, -0.3], [0.3, 0.3, 0.4]],
                   [1., 2., 0.5]),
                  (np.eye(3)[[0, 2]], [[1.5, -0.1, 0.1], [0.0, 0.5, 0.5]], [1., 3.])]
SIGNED = [([[1, 0, 1], [0, 0, 1], [1, 1, 1]], [[0.8, -0.4, 0.3], [0.2, -1.2, 1.5], [-0.6, 0.9, 0.1]],
           [1., 0.5, 2.]),
          ([[0, 1, 0], [1, 0, 0]], [[0.3, 1.1, -0.2], [2.0, 0.4, -0.7]], [1.5, 1.])]
NONZERO = [(np.abs(arr(t)) + 0.5, p, w) for t, p, w in REGRESSION]
UNWEIGHTED = [(t, p, None) for t, p, _ in REGRESSION]
DATA = {"regression": REGRESSION, "unweighted": UNWEIGHTED, "nonzero": NONZERO, "positive": POSITIVE, "probabilities": PROBABILITIES,
        "one_hot_scores": ONE_HOT_SCORES, "signed": SIGNED}

CASES = {
    "mse": ("MeanSquaredError", {}, "regression"),
    "mae": ("MeanAbsoluteError", {}, "regression"),
    "rmse": ("RootMeanSquaredError", {}, "regression"),
    "mape": ("MeanAbsolutePercentageError", {}, "nonzero"),
    "msle": ("MeanSquaredLogarithmicError", {}, "positive"),
    "cosine_similarity": ("CosineSimilarity", {}, "regression"),
    "cosine_similarity_axis0": ("CosineSimilarity", {"axis": 0}, "unweighted"),
    "log_cosh": ("LogCoshError", {}, "regression"),
    "r2": ("R2Score", {}, "regression"),
    "r2_variance_weighted": ("R2Score", {"class_aggregation": "variance_weighted_average"}, "regression"),
    "r2_per_column": ("R2Score", {"class_aggregation": None}, "regression"),
    "r2_adjusted": ("R2Score", {"num_regressors": 3}, "regression"),
    "pearson": ("PearsonCorrelation", {}, "regression"),
    "pearson_axis0": ("PearsonCorrelation", {"axis": 0}, "unweighted"),
    "concordance": ("ConcordanceCorrelation", {}, "regression"),
    "poisson": ("Poisson", {}, "positive"),
    "kl_divergence": ("KLDivergence", {}, "probabilities"),
    "binary_crossentropy": ("BinaryCrossentropy", {"label_smoothing": 0.1}, "probabilities"),
    "categorical_crossentropy": ("CategoricalCrossentropy", {}, "probabilities"),
    "categorical_crossentropy_logits": ("CategoricalCrossentropy", {"from_logits": True},
                                        "one_hot_scores"),
    "hinge": ("Hinge", {}, "signed"),
    "squared_hinge": ("SquaredHinge", {}, "signed"),
    "categorical_hinge": ("CategoricalHinge", {}, "one_hot_scores"),
}

# Keras 3.15.1 results for CASES (KERAS_BACKEND=torch).
EXPECTED = {
    'binary_crossentropy': 1.0196980237960815,
    'categorical_crossentropy': 2.1653122901916504,
    'categorical_crossentropy_logits': 0.8879720568656921,
    'categorical_hinge': 0.9133333563804626,
    'concordance': 0.5368982553482056,
    'cosine_similarity': 0.7299666404724121,
    'cosine_similarity_axis0': 0.9214121699333191,
    'hinge': 0.6749999523162842,
    'kl_divergence': 1.5487844944000244,
    'log_cosh': 0.2340722531080246,
    'mae': 0.5849999785423279,
    'mape': 75.8293685913086,
    'mse': 0.5521666407585144,
    'msle': 0.11815761029720306,
    'pearson': 0.5377806425094604,
    'pearson_axis0': 0.9576771259307861,
    'poisson': 0.8734377026557922,
    'r2': 0.5230645537376404,
    'r2_adjusted': 0.46085554361343384,
    'r2_per_column': [0.7580718994140625, 0.15617382526397705, 0.654947817325592],
    'r2_variance_weighted': 0.640174925327301,
    'rmse': 0.7430791854858398,
    'squared_hinge': 0.7730555534362793,
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
    assert np.asarray(result).dtype == np.float32
    close(result, EXPECTED[case])


@pytest.mark.parametrize("case", sorted(CASES))
def test_accumulating_batches_equals_whole_data(case):
    if case.endswith("axis0"):
        pytest.skip("along axis 0 the values are per batch, not per sample")
    batches = DATA[CASES[case][2]]
    whole = [tuple(np.concatenate([arr(b[i]) for b in batches]) for i in range(3))]
    close(feed(make(case), batches), feed(make(case), whole))


def test_rmse_and_cosine_by_hand():
    rmse = metrics.RootMeanSquaredError()
    rmse.update_state(arr([[0., 0.], [1., 1.]]), arr([[3., 4.], [1., 1.]]), sample_weight=arr([1., 3.]))
    close(rmse.result(), np.sqrt(12.5 / 4))
    cosine = metrics.CosineSimilarity()
    cosine.update_state(arr([[1., 0.], [1., 1.], [0., 0.]]), arr([[2., 0.], [-1., -1.], [1., 2.]]))
    close(cosine.result(), (1 - 1 + 0) / 3)  # parallel, opposite, zero vector


# Keras 3.15.1 for the R2Score edge cases.
R2_EDGES = {
    'adjusted_p_1': 0.625,
    'adjusted_p_n_minus_1': 0.75,
    'adjusted_p_too_big': 0.75,
    'constant_column': 0.5,
    'constant_perfect': [float('nan'), 0.9800000190734863],
}


def r2_edges():
    constant = (arr([[1., 2.], [1., 3.]]), arr([[1.5, 2.], [0.5, 3.]]))
    perfect_constant = (arr([[1., 2.], [1., 3.]]), arr([[1., 2.1], [1., 3.]]))
    column = (arr([[1.], [2.], [4.], [3.]]), arr([[1.5], [2.], [3.], [3.]]))
    return {"constant_column": ({}, constant), "constant_perfect": ({"class_aggregation": None},
                                                                    perfect_constant),
            "adjusted_p_n_minus_1": ({"num_regressors": 3}, column),
            "adjusted_p_too_big": ({"num_regressors": 9}, column),
            "adjusted_p_1": ({"num_regressors": 1}, column)}


@pytest.mark.parametrize("case", sorted(r2_edges()))
def test_r2_edge_cases_match_keras(case):
    kwargs, (y_true, y_pred) = r2_edges()[case]
    metric = metrics.R2Score(**kwargs)
    metric.update_state(y_true, y_pred)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = metric.result()
    np.testing.assert_allclose(np.asarray(result, np.float64), R2_EDGES[case], rtol=1e-5, atol=1e-6)
    assert bool(caught) == (case in ("adjusted_p_n_minus_1", "adjusted_p_too_big"))


def test_r2_needs_2d_inputs_and_is_zero_before_data():
    assert metrics.R2Score().result() == 0.0
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        metrics.R2Score().update_state(arr([1., 2.]), arr([1., 2.]))
    with pytest.raises(ValueError, match="R2Score: invalid `class_aggregation` 'mean'"):
        metrics.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="R2Score: `num_regressors` must be an int >= 0"):
        metrics.R2Score(num_regressors=-1)


def test_pearson_of_a_constant_row_is_nan_like_keras():
    values = metrics.pearson_correlation(arr([[1., 1., 1.], [1., 2., 3.]]), arr([[1., 2., 3.], [2., 4., 6.]]))
    assert np.isnan(values[0]) and np.isclose(values[1], 1.0)
    close(metrics.concordance_correlation(arr([[1., 2., 3.]]), arr([[1., 2., 3.]])), [1.0])
