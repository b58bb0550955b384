"""Losses: values pinned to Keras 3.15.1 (torch backend), gradients, stability, errors, configs.

Every REF_* constant below was computed with the reference Keras on the same float32 inputs
(see the inputs defined next to them); gradients are checked against central differences
in float64.
"""
import warnings

import numpy as np
import pytest

from minikeras import losses
from minikeras.backend import GradientTape, Tensor
from minikeras.utils import gradient_check


def _value(tensor):
    assert isinstance(tensor, Tensor)
    return np.asarray(tensor.data, dtype=np.float64)


def close(tensor, expected, rtol=1e-6, atol=1e-6):
    np.testing.assert_allclose(_value(tensor), expected, rtol=rtol, atol=atol)


# -- fixed inputs -----------------------------------------------------------------------------
YT_R = np.array([[0., 1., 2.], [3., 4., 5.]], "float32")
YP_R = np.array([[0.5, 1.5, 1.0], [3.0, 2.0, 7.5]], "float32")

YT_B = np.array([[0., 1., 1., 0.], [1., 0., 1., 0.]], "float32")
YP_B = np.array([[0.1, 0.8, 0.6, 0.35], [0.0, 1.0, 1.0, 0.0]], "float32")  # row 2: exact 0s and 1s
YL_B = np.array([[-18.6, 0.51, 2.94, -12.8], [40., -30., 1e4, -1e4]], "float32")

YT_C = np.array([[0., 1., 0.], [0., 0., 1.], [1., 0., 0.], [1., 0., 0.]], "float32")
YP_C = np.array([[0.05, 0.95, 0.], [0.1, 0.8, 0.1], [2., 6., 0.], [0., 0.5, 0.5]], "float32")
YL_C = np.array([[1., 2., 3.], [1e4, -1e4, 0.], [-5., 0., 5.], [0., 0., 0.]], "float32")
LABELS = np.array([1, 2, 0, 0])


# -- regression losses --------------------------------------------------------------------------
def test_mse_mae_functions_match_keras():
    close(losses.mean_squared_error(YT_R, YP_R), [0.5, 3.416666746])
    close(losses.mean_absolute_error(YT_R, YP_R), [0.666666687, 1.5])


@pytest.mark.parametrize("reduction, mse_weighted, mae_plain", [
    ("sum_over_batch_size", 3.5416667461395264, 1.0833333730697632),
    ("sum", 7.083333492279053, 2.1666667461395264),
    ("mean", 3.5416667461395264, 1.0833333730697632),
    ("mean_with_sample_weight", 2.8333334922790527, 1.0833333730697632),
    (None, [0.25, 6.833333492], [0.666666687, 1.5]),
    ("none", [0.25, 6.833333492], [0.666666687, 1.5]),
])
def test_every_reduction_matches_keras(reduction, mse_weighted, mae_plain):
    weights = np.array([0.5, 2.0], "float32")
    close(losses.MeanSquaredError(reduction=reduction)(YT_R, YP_R, sample_weight=weights), mse_weighted)
    close(losses.MeanAbsoluteError(reduction=reduction)(YT_R, YP_R), mae_plain)


def test_sum_over_batch_size_divides_by_count_not_by_weights():
    # Errors 1, 4, 9, 16 with weights [1, 0, 0, 0]: 1 / 4 (Keras), not 1 / 1.
    loss = losses.MeanSquaredError()(np.zeros((4, 1)), np.array([[1.], [2.], [3.], [4.]]),
                                     sample_weight=np.array([1., 0., 0., 0.]))
    assert loss.shape == () and loss.dtype == np.float32
    close(loss, 0.25)
    close(losses.MeanSquaredError()(YT_R, YP_R, sample_weight=2.0), 3.9166667461395264)


YT_3 = np.arange(12, dtype="float32").reshape(2, 3, 2) / 4
YP_3 = (np.arange(12, dtype="float32").reshape(2, 3, 2) % 5) / 3


@pytest.mark.parametrize("reduction, per_element, per_sample", [
    ("sum_over_batch_size", 0.5384837985038757, 0.9811921119689941),
    ("sum", 3.230902671813965, 5.887152671813965),
    ("mean_with_sample_weight", 0.7179783582687378, 2.35486102104187),
    (None, [[0.003472223, 0., 1.673611164], [0.633680463, 0.920138836, 0.]],
     [[0.006944446, 0.090277784, 1.673611164], [0.633680463, 0.460069418, 3.022569656]]),
])
def test_per_element_and_per_sample_weights_on_sequence_losses(reduction, per_element, per_sample):
    # Losses have shape (2, 3); weights (2, 3) are per element, (2, 1) per sample (Keras values).
    mse = losses.MeanSquaredError(reduction=reduction)
    element_weights = np.array([[1., 0., 2.], [0.5, 1., 0.]], "float32")
    close(mse(YT_3, YP_3, sample_weight=element_weights), per_element)
    close(mse(YT_3, YP_3, sample_weight=np.array([[2.], [0.5]], "float32")), per_sample)
    if reduction != "mean_with_sample_weight":  # its divisor is the sum of the weights as given
        # A (n,) vector is per-sample too (Keras itself cannot broadcast (2,) against (2, 3)).
        close(mse(YT_3, YP_3, sample_weight=np.array([2., 0.5], "float32")), per_sample)


def test_mean_with_sample_weight_of_all_zeros_is_zero_with_zero_gradient():
    y_pred = Tensor(YP_R, requires_grad=True)
    with GradientTape() as tape:
        mse = losses.MeanSquaredError(reduction="mean_with_sample_weight")
        loss = mse(YT_R, y_pred, sample_weight=[0., 0.])
    assert float(loss) == 0.0
    np.testing.assert_array_equal(tape.gradient(loss, y_pred), np.zeros_like(YP_R))


def test_bad_sample_weight_shape_and_reduction():
    with pytest.raises(ValueError, match="sample_weight of shape"):
        losses.MeanSquaredError()(YT_3, YP_3, sample_weight=np.ones(5))
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="average")


# -- binary crossentropy ------------------------------------------------------------------------
def test_binary_crossentropy_matches_keras():
    close(losses.binary_crossentropy(YT_B, YP_B), [0.317528129, 8.015119553])
    # Keras (torch) rounds log(1 + 9e-14) to 0 in the -30 logit; both are ~0.
    close(losses.binary_crossentropy(YT_B, YL_B, from_logits=True), [1.304579675e-01, 1.06e-18])
    close(losses.binary_crossentropy(YT_B, YP_B, label_smoothing=0.1), [0.375128418, 8.015119553])
    close(losses.binary_crossentropy(YT_B, YL_B, from_logits=True, label_smoothing=0.1),
          [0.566083193, 250.875030518])
    close(losses.binary_crossentropy(YT_B, YP_B, axis=0),
          [8.111727715, 8.082763672, 0.255412847, 0.215391502])
    close(losses.binary_crossentropy(np.array([[1.]]), np.array([[0.5]], "float32")), [0.693147182])


def test_binary_crossentropy_object_reconciles_ranks_and_weights():
    one_d = losses.BinaryCrossentropy()(np.array([0., 1., 1.]), np.array([[0.2], [0.7], [0.5]], "float32"))
    close(one_d, 0.42432188987731934)
    weighted = losses.BinaryCrossentropy(from_logits=True)(YT_B, YL_B,
                                                           sample_weight=np.array([0.8, 0.2], "float32"))
    close(weighted, 0.05218318849802017)


def test_clipped_probabilities_give_finite_keras_values():
    # p = 0 on a positive: -log(1e-7) = 16.118; p = 1 on a negative: -log1p(-float32(1 - 1e-7)).
    values = _value(losses.binary_crossentropy(np.array([[1.], [0.], [1.], [0.]], "float32"),
                                               np.array([[0.], [1.], [1.], [0.]], "float32")))
    np.testing.assert_allclose(values, [16.118095, 15.942385, 1.1920929e-07, 1.0000001e-07], rtol=1e-6)
    assert np.isfinite(values).all()


# -- categorical crossentropy -------------------------------------------------------------------
def test_categorical_crossentropy_matches_keras():
    close(losses.categorical_crossentropy(YT_C, YP_C), [0.051293306, 2.302585125, 1.386294365, 16.118095398])
    close(losses.categorical_crossentropy(YT_C, YL_C, from_logits=True),
          [1.407605886, 1e4, 10.00676060, 1.098612309])
    close(losses.categorical_crossentropy(YT_C, YP_C, label_smoothing=0.2),
          [1.318709493, 2.163955688, 2.295173645, 14.061436653])
    close(losses.categorical_crossentropy(YT_C, YL_C, from_logits=True, label_smoothing=0.2),
          [1.407606006, 1e4, 9.006761551, 1.098612428])
    close(losses.categorical_crossentropy(YT_C.T, YP_C.T, axis=0),
          [0.051293306, 2.302585125, 1.386294365, 16.118095398])
    close(losses.CategoricalCrossentropy()(YT_C, YP_C), 4.964567184448242)
    close(losses.CategoricalCrossentropy(from_logits=True)(
        YT_C, YL_C, sample_weight=np.array([1., 2., 0., 0.5], "float32")), 5000.4892578125)


def test_huge_logits_are_stable():
    y_true = np.array([[0., 1.], [1., 0.]], "float32")
    logits = np.array([[1e4, -1e4], [1e4, -1e4]], "float32")
    close(losses.categorical_crossentropy(y_true, logits, from_logits=True), [20000., 0.])
    close(losses.sparse_categorical_crossentropy(np.array([1, 0]), logits, from_logits=True), [20000., 0.])
    close(losses.binary_crossentropy(y_true, logits, from_logits=True), [10000., 0.])
    for fn, target in [(losses.categorical_crossentropy, y_true),
                       (losses.sparse_categorical_crossentropy, np.array([1, 0])),
                       (losses.binary_crossentropy, y_true)]:
        x = Tensor(logits, requires_grad=True)
        with GradientTape() as tape:
            loss = fn(target, x, from_logits=True).sum()
        grad = tape.gradient(loss, x)
        assert np.isfinite(grad).all()


def test_huge_logit_gradient_values():
    x = Tensor(np.array([[1e4, -1e4, 0.]], "float32"), requires_grad=True)
    with GradientTape() as tape:
        loss = losses.sparse_categorical_crossentropy(np.array([2]), x, from_logits=True).sum()
    np.testing.assert_allclose(tape.gradient(loss, x), [[1., 0., -1.]], atol=1e-6)


# -- sparse categorical crossentropy ------------------------------------------------------------
def test_sparse_categorical_crossentropy_matches_keras():
    expected_p = [0.051293306, 2.302585125, 1.386294365, 16.118095398]
    expected_l = [1.407605886, 1e4, 10.00676060, 1.098612309]
    close(losses.sparse_categorical_crossentropy(LABELS, YP_C), expected_p)
    close(losses.sparse_categorical_crossentropy(LABELS, YL_C, from_logits=True), expected_l)
    close(losses.sparse_categorical_crossentropy(LABELS.astype("float32")[:, None], YL_C, from_logits=True),
          expected_l)
    close(losses.sparse_categorical_crossentropy(LABELS, YL_C.T, from_logits=True, axis=0), expected_l)
    close(losses.SparseCategoricalCrossentropy()(LABELS, YP_C), 4.964567184448242)
    close(losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS.astype("float32")[:, None], YL_C),
          2503.128173828125)
    close(losses.SparseCategoricalCrossentropy()(LABELS, YP_C, sample_weight=np.array([1., 0., 3., 1.])),
          5.082067966461182)


def test_sparse_matches_categorical_on_one_hot_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(6, 5)).astype("float32") * 3
    labels = rng.integers(0, 5, size=6)
    for from_logits in (True, False):
        pred = logits if from_logits else np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        close(losses.sparse_categorical_crossentropy(labels, pred, from_logits=from_logits),
              _value(losses.categorical_crossentropy(np.eye(5)[labels], pred, from_logits=from_logits)))


def test_sparse_sequence_labels_and_weights():
    labels = np.array([[0, 1, 2], [2, 2, 1]])
    logits = (np.arange(18, dtype="float32").reshape(2, 3, 3) % 7) - 3
    scce = losses.SparseCategoricalCrossentropy(from_logits=True)
    close(scce(labels, logits), 2.8257787227630615)
    close(scce(labels, logits, sample_weight=np.array([[1., 0., 2.], [1., 1., 0.]], "float32")),
          3.191438913345337)


def test_sparse_ignore_class_masks_the_reduction():
    none = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, reduction=None)
    close(none(LABELS, YL_C), [1.407605886, 1e4, 0., 0.])
    # sum_over_batch_size divides by the 2 valid labels, not by 4 (Keras: 5000.7036).
    close(losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)(LABELS, YL_C),
          5000.70361328125)
    summed = losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0, reduction="sum")
    close(summed(LABELS, YL_C), 10001.4072265625)
    close(losses.SparseCategoricalCrossentropy(ignore_class=0)(LABELS, YP_C), 1.1769392155)
    # An ignored label may lie outside the class range (e.g. -1 or 255 for "void").
    out = losses.sparse_categorical_crossentropy(np.array([1, -1]), YL_C[:2], from_logits=True,
                                                 ignore_class=-1)
    close(out, [1.407605886, 0.])
    np.testing.assert_array_equal(out._keras_mask, [True, False])


@pytest.mark.parametrize("labels, match", [
    (np.array([1, 3, 0, -1]), r"\[0, 3\).*\[-1, 3\]"),
    (np.array([1., 2., 7., 0.]), r"\[0, 3\).*\[7\]"),
    (np.array([[0], [5], [1], [2]]), r"\[0, 3\).*\[5\]"),
])
def test_sparse_labels_out_of_range_raise_value_error(labels, match):
    with pytest.raises(ValueError, match="sparse_categorical_crossentropy") as info:
        losses.sparse_categorical_crossentropy(labels, YP_C)
    assert info.match(match)
    with pytest.raises(ValueError, match=match):
        losses.SparseCategoricalCrossentropy(from_logits=True)(labels, YL_C)


def test_sparse_label_shape_and_type_errors():
    with pytest.raises(ValueError, match=r"y_true.shape=\(3,\)"):
        losses.sparse_categorical_crossentropy(np.array([0, 1, 2]), YP_C)
    with pytest.raises(ValueError, match="whole-number"):
        losses.sparse_categorical_crossentropy(np.array([0., 1.5, 2., 0.]), YP_C)
    with pytest.raises(TypeError, match="integer class indices"):
        losses.sparse_categorical_crossentropy(np.array(["a", "b", "c", "d"]), YP_C)


def test_dense_losses_need_equal_shapes():
    with pytest.raises(ValueError, match=r"binary_crossentropy.*\(3,\).*\(3, 1\)"):
        losses.binary_crossentropy(np.zeros(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match="categorical_crossentropy"):
        losses.categorical_crossentropy(np.zeros((2, 3)), np.zeros((2, 4)))
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


# -- gradients ----------------------------------------------------------------------------------
RNG = np.random.default_rng(42)
PROBS = RNG.uniform(0.05, 0.95, size=(4, 3))
LOGITS = RNG.normal(size=(4, 3)) * 2
ONE_HOT = np.eye(3)[[0, 2, 1, 1]]
SOFT = RNG.uniform(0.1, 0.9, size=(4, 3))


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
def test_binary_crossentropy_gradients(from_logits, label_smoothing):
    x = LOGITS if from_logits else PROBS
    f = lambda t, p: losses.binary_crossentropy(t, p, from_logits=from_logits,  # noqa: E731
                                                label_smoothing=label_smoothing)
    assert gradient_check(f, [SOFT, x]) < 1e-6
    assert gradient_check(lambda p: losses.binary_crossentropy(SOFT.T, p.T, from_logits=from_logits, axis=0),
                          [x]) < 1e-6


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_categorical_crossentropy_gradients(from_logits, label_smoothing):
    x = LOGITS if from_logits else PROBS  # probabilities need not sum to 1: Keras renormalizes
    f = lambda t, p: losses.categorical_crossentropy(t, p, from_logits=from_logits,  # noqa: E731
                                                     label_smoothing=label_smoothing)
    assert gradient_check(f, [SOFT, x]) < 1e-6
    assert gradient_check(lambda p: losses.categorical_crossentropy(ONE_HOT.T, p, from_logits=from_logits,
                                                                    axis=0), [x.T.copy()]) < 1e-6


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_gradients(from_logits):
    x = LOGITS if from_logits else PROBS
    labels = np.array([0, 2, 1, 1])
    assert gradient_check(lambda p: losses.sparse_categorical_crossentropy(
        labels, p, from_logits=from_logits), [x]) < 1e-6
    assert gradient_check(lambda p: losses.sparse_categorical_crossentropy(labels, p, from_logits=from_logits,
                                                                           axis=0), [x.T.copy()]) < 1e-6
    assert gradient_check(lambda p: losses.sparse_categorical_crossentropy(
        np.array([0, 2, 1, 7]), p, from_logits=from_logits, ignore_class=7), [x]) < 1e-6
    seq = RNG.uniform(0.1, 1.0, size=(2, 3, 4))
    assert gradient_check(lambda p: losses.sparse_categorical_crossentropy(
        np.array([[0, 3, 1], [2, 2, 0]]), p, from_logits=from_logits), [seq]) < 1e-6


def test_regression_loss_gradients():
    t = RNG.normal(size=(4, 3))
    p = t + RNG.uniform(0.1, 1.0, size=(4, 3)) * RNG.choice([-1, 1], size=(4, 3))  # no ties for |.|
    assert gradient_check(losses.mean_squared_error, [t, p]) < 1e-6
    assert gradient_check(losses.mean_absolute_error, [t, p]) < 1e-6


@pytest.mark.parametrize("reduction", ["sum_over_batch_size", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("cls, kwargs, target", [
    (losses.MeanSquaredError, {}, SOFT),
    (losses.BinaryCrossentropy, {"from_logits": True, "label_smoothing": 0.1}, SOFT),
    (losses.CategoricalCrossentropy, {"from_logits": False}, ONE_HOT),
    (losses.SparseCategoricalCrossentropy, {"from_logits": True}, np.array([0, 2, 1, 1])),
])
def test_loss_object_gradients_through_reduction(reduction, cls, kwargs, target):
    loss = cls(reduction=reduction, dtype="float64", **kwargs)
    x = PROBS if not kwargs.get("from_logits") else LOGITS
    weights = np.array([0.5, 2.0, 0.0, 1.0])
    assert gradient_check(lambda p: loss(target, p, sample_weight=weights), [x]) < 1e-6


def test_clipped_probabilities_have_zero_gradient_and_loss_is_float32():
    p = Tensor(np.array([[0., 1.]], "float32"), requires_grad=True)
    with GradientTape() as tape:
        loss = losses.BinaryCrossentropy()(np.array([[1., 0.]]), p)
    assert loss.dtype == np.float32
    np.testing.assert_array_equal(tape.gradient(loss, p), [[0., 0.]])


def test_float64_input_is_cast_to_the_loss_dtype_and_back():
    x = Tensor(PROBS, requires_grad=True)  # float64
    with GradientTape() as tape:
        loss = losses.CategoricalCrossentropy()(ONE_HOT, x)
    assert loss.dtype == np.float32
    assert tape.gradient(loss, x).dtype == np.float64


# -- objects, names, configs ----------------------------------------------------------------------
def test_default_names_and_configs_match_keras():
    assert losses.MeanSquaredError().get_config() == {"name": "mean_squared_error",
                                                       "reduction": "sum_over_batch_size"}
    assert losses.MeanAbsoluteError().name == "mean_absolute_error"
    assert losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1).get_config() == {
        "name": "binary_crossentropy", "reduction": "sum_over_batch_size", "from_logits": True,
        "label_smoothing": 0.1, "axis": -1}
    assert losses.CategoricalCrossentropy().get_config() == {
        "name": "categorical_crossentropy", "reduction": "sum_over_batch_size", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}
    assert losses.SparseCategoricalCrossentropy(ignore_class=255).get_config() == {
        "name": "sparse_categorical_crossentropy", "reduction": "sum_over_batch_size",
        "from_logits": False, "ignore_class": 255, "axis": -1}


@pytest.mark.parametrize("obj", [
    losses.MeanSquaredError(reduction="sum", name="my_mse"),
    losses.MeanAbsoluteError(),
    losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.2, axis=0),
    losses.CategoricalCrossentropy(label_smoothing=0.1, reduction=None),
    losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=-1),
])
def test_config_round_trips(obj):
    config = losses.serialize(obj)
    assert config["module"] == "keras.losses" and config["class_name"] == type(obj).__name__
    rebuilt = losses.deserialize(config)
    assert type(rebuilt) is type(obj) and rebuilt.get_config() == obj.get_config()
    assert type(obj).from_config(obj.get_config()).get_config() == obj.get_config()


def test_serialize_matches_keras_dict():
    assert losses.serialize(losses.MeanSquaredError()) == {
        "module": "keras.losses", "class_name": "MeanSquaredError",
        "config": {"name": "mean_squared_error", "reduction": "sum_over_batch_size"},
        "registered_name": None}


@pytest.mark.parametrize("name, cls", [
    ("mse", losses.MeanSquaredError), ("MSE", losses.MeanSquaredError),
    ("mean_squared_error", losses.MeanSquaredError), ("MeanSquaredError", losses.MeanSquaredError),
    ("mae", losses.MeanAbsoluteError), ("MAE", losses.MeanAbsoluteError),
    ("mean_absolute_error", losses.MeanAbsoluteError), ("bce", losses.BinaryCrossentropy),
    ("binary_crossentropy", losses.BinaryCrossentropy),
    ("categorical_crossentropy", losses.CategoricalCrossentropy),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy),
    ("SparseCategoricalCrossentropy", losses.SparseCategoricalCrossentropy),
])
def test_get_by_name_follows_keras_and_serialize_gives_full_names(name, cls):
    obj = losses.get(name)
    if name == cls.__name__:  # a class name: an instance of the class
        assert type(obj) is cls
    else:  # a function name or alias: Keras's per-sample function
        assert obj is losses._FUNCTION_OF_CLASS[cls]
    assert type(losses.get_loss_object(name)) is cls
    full = losses.serialize(name)
    assert full == losses._FUNCTION_OF_CLASS[cls].__name__
    assert type(losses.deserialize(full)) is cls


def test_get_other_identifiers():
    assert losses.get(None) is None
    mse = losses.MeanSquaredError()
    assert losses.get(mse) is mse
    assert type(losses.get(losses.CategoricalCrossentropy)) is losses.CategoricalCrossentropy
    assert losses.get(losses.mean_absolute_error) is losses.mean_absolute_error
    assert type(losses.get_loss_object(losses.mean_absolute_error)) is losses.MeanAbsoluteError
    assert losses.serialize(losses.mean_absolute_error) == "mean_absolute_error"
    obj = losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}})
    assert obj.from_logits is True
    # Keras 3 writes plain functions as {"class_name": "function", "config": name}.
    keras_function = {"module": "builtins", "class_name": "function", "config": "mean_squared_error",
                      "registered_name": "function"}
    assert losses.get(keras_function) is losses.mean_squared_error
    assert type(losses.get_loss_object(keras_function)) is losses.MeanSquaredError


def test_get_returns_per_sample_functions_like_keras():
    """Keras 3: `losses.get("mean_squared_error")` is the unreduced function, one loss per
    sample; the class name gives a reducing Loss object."""
    per_sample = losses.get("mean_squared_error")
    assert per_sample is losses.mean_squared_error
    assert np.shape(per_sample(YT_R, YP_R)) == (np.shape(YT_R)[0],)
    reduced = losses.get("MeanSquaredError")
    assert type(reduced) is losses.MeanSquaredError and np.shape(reduced(YT_R, YP_R)) == ()
    assert losses.get("mse") is losses.mean_squared_error
    assert losses.get("MSE") is losses.mean_squared_error

    def mine(y_true, y_pred):
        return y_pred

    assert losses.get(mine) is mine  # Keras passes a user function through


def test_user_function_is_wrapped_and_round_trips_with_custom_objects():
    def halved_mse(y_true, y_pred):
        return losses.mean_squared_error(y_true, y_pred) * 0.5

    loss = losses.get_loss_object(halved_mse)
    assert isinstance(loss, losses.LossFunctionWrapper) and loss.name == "halved_mse"
    close(loss(YT_R, YP_R), 1.958333373 / 2)
    config = losses.serialize(loss)
    assert config["config"]["fn"] == "halved_mse"
    rebuilt = losses.deserialize(config, custom_objects={"halved_mse": halved_mse})
    assert rebuilt.fn is halved_mse
    wrapped = losses.LossFunctionWrapper(losses.binary_crossentropy, name="bce_logits", from_logits=True)
    again = losses.LossFunctionWrapper.from_config(wrapped.get_config())
    assert again.fn is losses.binary_crossentropy and again._fn_kwargs == {"from_logits": True}


def test_unknown_identifiers():
    with pytest.raises(ValueError, match=r"Unknown loss: 'msee'.*'mean_squared_error'"):
        losses.get("msee")
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        losses.get(42)


def test_base_loss_subclass_and_default_name():
    class Doubled(losses.Loss):
        def call(self, y_true, y_pred):
            return losses.mean_absolute_error(y_true, y_pred) * 2.0

    loss = Doubled(reduction="sum")
    assert loss.name.startswith("doubled") and loss.dtype == "float32"
    close(loss(YT_R, YP_R), 2 * 2.1666667461395264)
    with pytest.raises(NotImplementedError):
        losses.Loss()(YT_R, YP_R)


def test_keras_mask_on_predictions_limits_the_average():
    y_pred = Tensor(YP_R)
    y_pred._keras_mask = np.array([True, False])
    close(losses.MeanSquaredError()(YT_R, y_pred), 0.5)  # only the first sample, divided by 1


@pytest.mark.parametrize("y_true_shape, y_pred_shape, expected", [
    ((8,), (8, 1), losses.BinaryCrossentropy),
    ((8, 1), (8, 1), losses.BinaryCrossentropy),
    ((8,), (8, 10), losses.SparseCategoricalCrossentropy),
    ((8, 1), (8, 10), losses.SparseCategoricalCrossentropy),
    ((8, 10), (8, 10), losses.CategoricalCrossentropy),
])
def test_resolve_loss_crossentropy_by_shapes(y_true_shape, y_pred_shape, expected):
    for name in ("crossentropy", "ce", "CE"):
        loss = losses.resolve_loss(name, np.zeros(y_true_shape), np.zeros(y_pred_shape))
        assert type(loss) is expected and loss.name == name
    assert type(losses.resolve_loss("mse", None, None)) is losses.MeanSquaredError


def test_no_python_warnings_on_the_common_path():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        losses.SparseCategoricalCrossentropy(from_logits=True)(LABELS, YL_C)
        losses.CategoricalCrossentropy()(YT_C, YP_C)
        losses.BinaryCrossentropy()(YT_B, YP_B)
