"""The loss families beyond MSE, MAE and the three crossentropies (those are in test_losses.py):
regression (MAPE, MSLE, cosine similarity, Huber, log-cosh), hinge, probabilistic (KL divergence,
Poisson, focal, generalized crossentropy), segmentation (Dice, Tversky) and metric learning
(Circle): values, weighted reductions, gradients, errors, and the names and configs of every
loss class.

Every REF value was computed with the reference Keras 3.15.1 (torch backend) on the same float32
inputs defined here; gradients are checked against central differences in float64.
"""
import warnings

import numpy as np
import pytest

import minikeras
from minikeras import layers, losses, ops, optimizers
from minikeras.backend import GradientTape, Tensor
from minikeras.utils import gradient_check


def _value(tensor):
    assert isinstance(tensor, Tensor)
    return np.asarray(tensor.data, dtype=np.float64)


def close(tensor, expected, rtol=1e-6, atol=1e-6):
    np.testing.assert_allclose(_value(tensor), expected, rtol=rtol, atol=atol)


def f32(x):
    return np.array(x, "float32")


# -- fixed inputs -----------------------------------------------------------------------------
YT_R = f32([[0., 1., 2.], [3., 4., 5.]])
YP_R = f32([[0.5, 1.5, 1.0], [3.0, 2.0, 7.5]])
YP_N = f32([[-0.5, 1.5, 0.0], [3.0, 0.0, 7.5]])  # a negative and exact zeros
YP_BIG = f32([[50., -60., 1.], [0., 100., -0.001]])

YT_H01 = f32([[0., 1., 1., 0.], [1., 0., 1., 0.]])
YP_H = f32([[-0.3, 0.4, 1.7, 0.2], [0.9, -1.2, 0.1, -0.8]])
YT_MIX = f32([[0., 1., -1., 0.5], [1., 0., 2., 0.]])  # not all 0/1: used as given

YT_C = f32([[0., 1., 0.], [0., 0., 1.], [1., 0., 0.], [1., 0., 0.]])
YP_C = f32([[0.05, 0.95, 0.], [0.1, 0.8, 0.1], [2., 6., 0.], [0., 0.5, 0.5]])
YL_C = f32([[1., 2., 3.], [1e4, -1e4, 0.], [-5., 0., 5.], [0., 0., 0.]])
YP_CH = f32([[0.3, 0.9, -0.2], [1.5, 0.2, 0.1], [2.0, 0.5, 0.4], [-0.4, 0.6, 0.1]])
YS = f32([[0.2, 0.7, 0.1], [0.1, 0.3, 0.6], [0.5, 0.5, 0.], [1., 0., 0.]])

YT_V = f32([[1., 2., 3.], [0., 0., 0.], [1., 0., -1.], [3., 4., 0.]])  # row 2: zero vector
YP_V = f32([[2., 4., 6.1], [1., 2., 3.], [-1., 0.5, 1.], [0., 0., 0.]])

YT_B = f32([[0., 1., 1., 0.], [1., 0., 1., 0.]])
YP_B = f32([[0.1, 0.8, 0.6, 0.35], [0.0, 1.0, 1.0, 0.0]])  # row 2: exact 0s and 1s
YL_B = f32([[-18.6, 0.51, 2.94, -12.8], [40., -30., 1e4, -1e4]])

YT_D = f32([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]])
YP_D = f32([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]])

LABELS = np.array([1, 2, 0, 0])
PROBS_4 = f32([[0.05, 0.95, 0.], [0.1, 0.8, 0.1], [0.25, 0.75, 0.], [0., 0.5, 0.5]])

W2 = f32([0.5, 2.0])
W4 = f32([1., 0., 3., 0.5])

# Keras 3.15.1's dir(keras.losses), public names.
KERAS_LOSSES = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "MeanAbsoluteError", "MeanAbsolutePercentageError", "MeanSquaredError",
    "MeanSquaredLogarithmicError", "Poisson", "SparseCategoricalCrossentropy", "SquaredHinge",
    "Tversky", "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "categorical_generalized_cross_entropy",
    "categorical_hinge", "circle", "cosine_similarity", "ctc", "deserialize", "dice", "get",
    "hinge", "huber", "kl_divergence", "log_cosh", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_error", "mean_squared_logarithmic_error",
    "poisson", "serialize", "sparse_categorical_crossentropy", "squared_hinge", "tversky"]


def test_every_keras_loss_name_exists():
    missing = [name for name in KERAS_LOSSES if not hasattr(losses, name)]
    assert missing == []


# -- loss functions against Keras ---------------------------------------------------------------
@pytest.mark.parametrize("fn, args, kwargs, expected", [
    # regression
    (losses.mean_absolute_percentage_error, (YT_R, YP_R), {}, [1.6666670400e+08, 33.333335876]),
    (losses.mean_absolute_percentage_error, (YT_R + 1, YP_R), {}, [47.2222251892, 36.6666679382]),
    (losses.mean_squared_logarithmic_error, (YT_R, YP_R), {}, [0.1261989474, 0.1274201125]),
    (losses.mean_squared_logarithmic_error, (YT_R - 1, YP_N), {}, [0.4400137961, 0.7620463371]),
    (losses.huber, (YT_R, YP_R), {}, [0.25, 1.1666666269]),
    (losses.huber, (YT_R, YP_R), {"delta": 2.5}, [0.25, 1.7083333731]),
    (losses.huber, (YT_R, YP_R * 3), {"delta": 0.5}, [0.875, 4.125]),
    (losses.log_cosh, (YT_R, YP_R), {}, [0.224669978, 1.0461902618]),
    (losses.log_cosh, (YT_R, YP_BIG), {}, [36.6824989319, 33.9746932983]),
    (losses.cosine_similarity, (YT_V, YP_V), {}, [-0.9999687672, 0., 0.9428090453, 0.]),
    (losses.cosine_similarity, (YT_V, YP_V), {"axis": 0}, [-0.1230914891, -0.3975231946,
                                                           -0.7962127328]),
    # hinge family
    (losses.hinge, (YT_H01, YP_H), {}, [0.625, 0.3000000119]),
    (losses.hinge, (2 * YT_H01 - 1, YP_H), {}, [0.625, 0.3000000119]),
    (losses.hinge, (YT_MIX, YP_H), {}, [1.3000000715, 0.7250000238]),
    (losses.squared_hinge, (YT_H01, YP_H), {}, [0.5724999905, 0.2149999887]),
    (losses.squared_hinge, (YT_MIX, YP_H), {}, [2.365000248, 0.6625000238]),
    (losses.categorical_hinge, (YT_C, YP_CH), {}, [0.4000000358, 2.4000000954, 0., 2.]),
    (losses.categorical_hinge, (2 * YT_C - 1, YP_CH), {}, [0.8000000715, 5.5999999046,
                                                           0.8999999762, 3.3000001907]),
    # probabilistic
    (losses.kl_divergence, (YT_C, YP_C), {}, [5.1292017102e-02, 2.3025822639, -1.6118095800e-06,
                                             16.118091583]),
    (losses.kl_divergence, (YS, YP_C), {}, [1.4450428486, 0.7808068991, -0.6931471825,
                                           16.1180915833]),
    (losses.poisson, (YT_R, YP_R), {}, [0.8648448586, -1.2143136263]),
    (losses.poisson, (YT_R, YP_N.clip(0)), {}, [11.11024189, 20.5340099335]),
])
def test_regression_hinge_and_probabilistic_functions_match_keras(fn, args, kwargs, expected):
    out = fn(*args, **kwargs)
    assert out.dtype == np.float32
    close(out, expected)


def test_mape_of_a_zero_target_divides_by_epsilon():
    # |0 - 0.5| / 1e-7 * 100 / 3 (plus the two other terms): Keras's 1.6666670e8, finite.
    out = _value(losses.mean_absolute_percentage_error(YT_R, YP_R))
    assert np.isfinite(out).all() and out[0] > 1e8


def test_cosine_similarity_of_zero_vectors_is_zero_with_finite_gradient():
    zero = Tensor(np.zeros((2, 3), "float32"), requires_grad=True)
    with GradientTape() as tape:
        loss = losses.cosine_similarity(np.ones((2, 3), "float32"), zero).sum()
    assert float(loss) == 0.0
    assert np.isfinite(tape.gradient(loss, zero)).all()


@pytest.mark.parametrize("kwargs, expected", [
    ({}, [0.0361205861, 8.0151195526]),
    ({"gamma": 0.0}, [0.3175281286, 8.0151195526]),  # gamma 0 is binary crossentropy
    ({"apply_class_balancing": True}, [0.0157582108, 3.9965782166]),
    ({"apply_class_balancing": True, "alpha": 0.6, "gamma": 3.0}, [0.0070292149, 4.011952877]),
    ({"label_smoothing": 0.1}, [0.0426204428, 6.8729653358]),
    ({"from_logits": True}, [0.0165839959, 0.]),
    ({"from_logits": True, "label_smoothing": 0.2, "apply_class_balancing": True},
     [0.0118305068, 0.0080326907]),
    ({"axis": 0}, [8.0595741272, 7.9756550789, 0.0408660397, 0.0263854563]),
])
def test_binary_focal_crossentropy_matches_keras(kwargs, expected):
    # Row 2 has probabilities of exactly 0 and 1 and logits of +-1e4: finite, as in Keras.
    y_pred = YL_B if kwargs.get("from_logits") else YP_B
    close(losses.binary_focal_crossentropy(YT_B, y_pred, **kwargs), expected)


@pytest.mark.parametrize("y_true, y_pred, kwargs, expected", [
    (YT_C, YP_C, {}, [3.2058331271e-05, 0.46627345681, 0.19494764507, 4.0295228958]),
    (YT_C, YL_C, {"from_logits": True}, [0.2007369548, 4.0295228958, 2.5014643669, 0.1220680177]),
    (YT_C, YP_C, {"label_smoothing": 0.2}, [0.3137234747, 0.4353373349, 0.4378891587,
                                             3.4980297089]),
    (YT_C, YP_C, {"alpha": 0.5, "gamma": 1.0}, [1.2823329307e-03, 1.0361633301, 0.51986038685,
                                                 8.0590467453]),
    (YT_C, YP_C, {"alpha": [0.2, 0.3, 0.5]}, [3.8469996070e-05, 0.93254691362, 0.15595811605,
                                               3.2236185074]),
    (YT_C.T, YP_C.T, {"axis": 0}, [3.2058331271e-05, 0.46627345681, 0.19494764507, 4.0295228958]),
    # Keras smooths over the size of the LAST axis (4 here) even when classes are on axis 0.
    (YT_C.T, YL_C.T, {"from_logits": True, "label_smoothing": 0.1, "axis": 0},
     [0.1984271854, 3.8280465603, 2.3447291851, 0.1190163046]),
])
def test_categorical_focal_crossentropy_matches_keras(y_true, y_pred, kwargs, expected):
    close(losses.categorical_focal_crossentropy(y_true, y_pred, **kwargs), expected)


def test_dice_and_tversky_match_keras():
    close(losses.dice(YT_D, YP_D), 0.6164383888)  # axis=None: one value for the whole batch
    close(losses.dice(YT_D, YP_D, axis=(1, 2, 3)), [0.5, 0.7575757504])
    close(losses.dice(YT_D, YP_D, axis=[1, 2, 3]), [0.5, 0.7575757504])
    close(losses.tversky(YT_D, YP_D), 0.6164383888)  # alpha = beta = 0.5 is dice
    close(losses.tversky(YT_D, YP_D, axis=(1, 2, 3)), [0.5, 0.7575757504])
    close(losses.tversky(YT_D, YP_D, alpha=0.3, beta=0.7, axis=(1, 2, 3)), [0.5, 0.7350993156])
    close(losses.tversky(YT_D, YP_D, alpha=0.3, beta=0.7), 0.601139605)
    zeros = np.zeros((2, 3), "float32")  # empty masks: 1 - 0 / eps = 1
    close(losses.dice(zeros, zeros, axis=-1), [1., 1.])
    close(losses.tversky(zeros, zeros, axis=-1), [1., 1.])


def test_categorical_generalized_cross_entropy_matches_keras():
    close(losses.categorical_generalized_cross_entropy(LABELS, PROBS_4, q=0.5),
          [0.0506411791, 1.3675444126, 1., 2.])  # p = 0 gives 1 / q
    close(losses.categorical_generalized_cross_entropy(LABELS, PROBS_4, q=0.7),
          [0.0503833815, 1.1435339451, 0.8872441053, 1.4285714626])
    close(losses.CategoricalGeneralizedCrossEntropy()(LABELS, PROBS_4), 1.1045464277)
    close(losses.CategoricalGeneralizedCrossEntropy(q=0.3)(LABELS, PROBS_4,
                                                           sample_weight=f32([1, 0, 2, 1])),
          1.4131352901)
    # (n, 1) labels are read as (n,), as Keras documents (Keras 3.15.1 itself broadcasts them
    # into an (n, n) matrix).
    none = losses.CategoricalGeneralizedCrossEntropy(reduction=None)
    close(none(LABELS[:, None], PROBS_4), [0.0506411791, 1.3675444126, 1., 2.])


def test_categorical_generalized_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"`q` must be a number in the interval \(0, 1\)"):
        losses.CategoricalGeneralizedCrossEntropy(q=1.0)
    with pytest.raises(ValueError, match=r"categorical_generalized_cross_entropy.*\[0, 3\).*\[3\]"):
        losses.categorical_generalized_cross_entropy(np.array([0, 3, 1, 1]), PROBS_4, q=0.5)
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        losses.categorical_generalized_cross_entropy(np.array([0, 1]), PROBS_4, q=0.5)


# Six L2-normalized embeddings and their labels (label 3 has one member, label 2 as well).
EMB = np.array([[0.610006213, -0.763857603, 0.124964729, -0.16969952],
                [-0.216148272, -0.102951571, -0.964580119, -0.110751927],
                [-0.250117511, 0.960619271, 0.065270841, -0.101939209],
                [-0.210157424, -0.499115467, -0.788331389, -0.291977972],
                [0.431686819, -0.213676587, 0.85788101, -0.178966209],
                [0.014142342, 0.901150763, 0.317774385, -0.294527858]], "float32")
EMB_LABELS = np.array([0, 1, 0, 2, 1, 3])


def test_circle_loss_matches_keras():
    circle_80 = [276.8931274414, 320.1512451172, 318.1036987305, 0., 282.305480957, 0.]
    out = losses.circle(EMB_LABELS, EMB)
    close(out, circle_80, rtol=2e-6)
    np.testing.assert_array_equal(out._keras_mask, [True, True, True, False, True, False])
    close(losses.circle(EMB_LABELS, EMB, gamma=10, margin=0.2),
          [37.1750831604, 42.4203186035, 42.1639404297, 0., 37.8486824036, 0.], rtol=2e-6)
    close(losses.circle(EMB_LABELS, EMB, remove_diagonal=False),
          [276.8931274414, 320.1512451172, 318.1036987305, 37.7047653198, 282.305480957,
           41.0695800781], rtol=2e-6)
    # The mask makes the default reduction average over the 4 samples with a loss > 0.
    close(losses.Circle()(EMB_LABELS, EMB), 299.3633728027, rtol=2e-6)
    close(losses.Circle(reduction="sum")(EMB_LABELS, EMB), 1197.4536132812, rtol=2e-6)
    close(losses.Circle(reduction=None)(EMB_LABELS, EMB), circle_80, rtol=2e-6)
    close(losses.Circle(gamma=10.)(EMB_LABELS, EMB), 37.56224823, rtol=2e-6)
    close(losses.Circle(gamma=10.)(EMB_LABELS, EMB, sample_weight=f32([1, 2, 0, 1, 1, 3])),
          37.6263389587, rtol=2e-6)
    close(losses.Circle()(EMB_LABELS[:, None], EMB), 299.3633728027, rtol=2e-6)


def test_circle_gradient_matches_keras():
    x = Tensor(EMB, requires_grad=True)
    with GradientTape() as tape:
        loss = losses.Circle(gamma=10.)(EMB_LABELS, x)
    np.testing.assert_allclose(tape.gradient(loss, x), [
        [6.4886398315, -18.8067512512, 2.4292025566, 1.1244060993],
        [-9.062959671, 1.8213015795, -19.6224899292, 2.0731990337],
        [-11.3157911301, 18.3343772888, -0.9344858527, 1.8280339241],
        [-0.9295242429, -0.4939784706, -4.2743105888, -0.4997161627],
        [6.6751694679, -1.3574898243, 18.660282135, 1.3576512337],
        [-1.1275908947, 4.3711357117, 0.3224678338, -0.4688344002]], rtol=1e-4, atol=1e-4)


def test_circle_with_reference_embeddings_and_errors():
    refs, ref_labels = EMB[:3], EMB_LABELS[:3]
    out = _value(losses.circle(EMB_LABELS, EMB, ref_labels=ref_labels, ref_embeddings=refs,
                               remove_diagonal=False))
    assert out.shape == (6,) and np.isfinite(out).all()
    with pytest.raises(ValueError, match=r"circle: y_pred must be embeddings of shape"):
        losses.circle(EMB_LABELS, EMB[None])
    with pytest.raises(ValueError, match=r"circle: labels must have shape \(6,\)"):
        losses.circle(EMB_LABELS[:4], EMB)


# -- Loss objects against Keras -----------------------------------------------------------------
@pytest.mark.parametrize("loss, y_true, y_pred, weights, plain, weighted", [
    (losses.MeanAbsolutePercentageError(), YT_R + 1, YP_R, W2, 41.9444465637, 48.4722251892),
    (losses.MeanSquaredLogarithmicError(), YT_R, YP_R, W2, 0.1268095374, 0.1589698493),
    (losses.CosineSimilarity(), YT_V, YP_V, W4, -0.0142899305, 0.4571145773),
    (losses.Huber(), YT_R, YP_R, W2, 0.7083333135, 1.2291666269),
    (losses.Huber(delta=2.5), YT_R, YP_R, W2, 0.9791666865, 1.7708333731),
    (losses.LogCosh(), YT_R, YP_R, W2, 0.6354300976, 1.1023577452),
    (losses.Hinge(), YT_H01, YP_H, W2, 0.462500006, 0.4562500119),
    (losses.SquaredHinge(), YT_H01, YP_H, W2, 0.3937499821, 0.3581249714),
    (losses.CategoricalHinge(), YT_C, YP_CH, W4, 1.2000000477, 0.3500000238),
    (losses.KLDivergence(), YS, YP_C, W4, 4.4126987457, 1.8561618328),
    (losses.Poisson(), YT_R, YP_R, W2, -0.1747343838, -0.9981024265),
    (losses.BinaryFocalCrossentropy(), YT_B, YP_B, W2, 4.0256199837, 8.0241498947),
    (losses.BinaryFocalCrossentropy(apply_class_balancing=True, alpha=0.4, gamma=1.5,
                                    from_logits=True, label_smoothing=0.1),
     YT_B, YL_B, W2, 0.0098671243, 0.0082973205),
    (losses.CategoricalFocalCrossentropy(), YT_C, YP_C, W4, 1.1726939678, 0.6499091387),
    (losses.CategoricalFocalCrossentropy(alpha=[0.2, 0.3, 0.5], gamma=3.0, from_logits=True,
                                         label_smoothing=0.1),
     YT_C, YL_C, W4, 2.4628243446, 1.4917773008),
    (losses.Dice(axis=(1, 2, 3)), YT_D, YP_D, f32([0.25, 2.0]), 0.6287878752, 0.8200757504),
    # axis=None gives one scalar; per-sample weights then scale it: mean(w) * dice (Keras).
    (losses.Dice(), YT_D, YP_D, f32([0.25, 2.0]), 0.6164383888, 0.6934931874),
])
def test_loss_objects_match_keras(loss, y_true, y_pred, weights, plain, weighted):
    out = loss(y_true, y_pred)
    assert out.shape == () and out.dtype == np.float32
    close(out, plain)
    close(loss(y_true, y_pred, sample_weight=weights), weighted)


def test_scalar_loss_with_weights_under_other_reductions():
    close(losses.Dice(reduction="sum")(YT_D, YP_D, sample_weight=f32([0.25, 2.0])), 1.3869863749)
    close(losses.Tversky(alpha=0.3, beta=0.7, axis=(1, 2, 3))(YT_D, YP_D), 0.6175496578)
    close(losses.Dice(reduction=None)(YT_D, YP_D), 0.6164383888)


@pytest.mark.parametrize("loss, y_true, y_pred, expected", [
    (losses.Huber(), f32([1., 2., 3.]), f32([[0.5], [1.5], [1.0]]), 0.5833333135),
    (losses.LogCosh(), f32([1., 2., 3.]), f32([[0.5], [1.5], [1.0]]), 0.521743834),
    (losses.MeanAbsolutePercentageError(), f32([1., 2., 3.]), f32([[0.5], [1.5], [1.0]]),
     47.2222251892),
    (losses.MeanSquaredLogarithmicError(), f32([1., 2., 3.]), f32([[0.5], [1.5], [1.0]]),
     0.1988183856),
    (losses.Poisson(), f32([1., 2., 3.]), f32([[0.5], [1.5], [1.0]]), 0.9607387185),
    (losses.Hinge(), f32([0., 1., 1.]), f32([[0.5], [1.5], [-1.0]]), 1.1666666269),
    (losses.BinaryFocalCrossentropy(), f32([0., 1., 1.]), f32([[0.2], [0.7], [0.5]]),
     0.0714377612),
])
def test_one_dimensional_targets_meet_one_unit_predictions(loss, y_true, y_pred, expected):
    close(loss(y_true, y_pred), expected)


# Per-timestep losses of shape (2, 3): y of shape (2, 3, 2), averaged over the last axis.
YT_3 = np.arange(12, dtype="float32").reshape(2, 3, 2) / 4
YP_3 = (np.arange(12, dtype="float32").reshape(2, 3, 2) % 5) / 3
PER_STEP = f32([[1., 0., 2.], [0.5, 1., 0.]])
PER_SAMPLE = f32([[2.], [0.5]])


@pytest.mark.parametrize("reduction, per_step, per_sample", [
    ("sum_over_batch_size", 0.1883680671, 0.258680582),
    ("mean", 0.1883680671, 0.258680582),
    ("sum", 1.1302083731, 1.5520834923),
    ("mean_with_sample_weight", 0.251157403, 0.6208333969),
    (None, [[0.0017361115, 0., 0.555555582], [0.2187499851, 0.3541666567, 0.]],
     [[0.0034722229, 0.0451388918, 0.555555582], [0.2187499851, 0.1770833284, 0.5520833731]]),
])
def test_huber_per_timestep_and_per_sample_weights_match_keras(reduction, per_step, per_sample):
    huber = losses.Huber(delta=0.5, reduction=reduction)
    close(huber(YT_3, YP_3, sample_weight=PER_STEP), per_step)
    close(huber(YT_3, YP_3, sample_weight=PER_STEP[..., None]), per_step)  # (2, 3, 1) squeezed
    close(huber(YT_3, YP_3, sample_weight=PER_SAMPLE), per_sample)
    if reduction != "mean_with_sample_weight":  # its divisor is the sum of the weights as given
        # (2,) weights are per sample too (Keras 3 cannot broadcast (2,) against (2, 3)).
        close(huber(YT_3, YP_3, sample_weight=PER_SAMPLE[:, 0]), per_sample)


def test_vector_weights_are_per_sample_even_when_batch_equals_time():
    # Deliberate difference: with 3 samples of 3 timesteps, Keras 3 broadcasts (3,) weights
    # along the LAST axis (one weight per timestep); minikeras reads them per sample, exactly
    # like (3, 1) weights, which both agree on.
    y_true = np.arange(18, dtype="float32").reshape(3, 3, 2) / 4
    y_pred = (np.arange(18, dtype="float32").reshape(3, 3, 2) % 5) / 3
    mse = losses.MeanSquaredError(reduction=None)
    weights = f32([2., 0.5, 1.])
    per_sample = _value(mse(y_true, y_pred, sample_weight=weights[:, None]))
    close(mse(y_true, y_pred, sample_weight=weights), per_sample)
    keras_per_timestep = [[6.9444e-03, 2.2569e-02, 8.3681e-01], [2.5347, 4.6007e-01, 6.0451],
                          [10.507, 4.6892, 13.142]]
    assert not np.allclose(per_sample, keras_per_timestep, rtol=1e-3)


@pytest.mark.parametrize("reduction, plain, per_step, per_sample", [
    ("sum_over_batch_size", 0.8004609942, 0.8243329525, 1.2704757452),
    ("sum", 4.8027658463, 4.945997715, 7.6228542328),
    ("mean_with_sample_weight", 0.8004609942, 1.0991106033, 3.0491416454),
    (None, [[2.4745933712e-02, 1.0610287189, 2.3952059746],
            [0.25983390212, 9.2257681536e-04, 1.0610289574]],
     [[2.4745933712e-02, 0., 4.7904119492], [0.12991695106, 9.2257681536e-04, 0.]],
     [[4.9491867423e-02, 2.1220574379, 4.7904119492],
      [0.12991695106, 4.6128840768e-04, 0.53051447868]]),
])
def test_binary_focal_sequence_weights_match_keras(reduction, plain, per_step, per_sample):
    focal = losses.BinaryFocalCrossentropy(from_logits=True, reduction=reduction)
    y_true, logits = (YT_3 > 1).astype("float32"), YP_3 * 4 - 2
    close(focal(y_true, logits), plain)
    close(focal(y_true, logits, sample_weight=PER_STEP), per_step)
    close(focal(y_true, logits, sample_weight=PER_SAMPLE), per_sample)


# -- gradients (float64, against central differences) -------------------------------------------
RNG = np.random.default_rng(7)
T_REG = RNG.normal(size=(4, 3))
P_REG = T_REG + RNG.uniform(0.1, 1.0, size=(4, 3)) * RNG.choice([-1, 1], size=(4, 3))
POS_T = RNG.uniform(0.5, 3.0, size=(4, 3))
POS_P = RNG.uniform(0.2, 3.0, size=(4, 3))
PROBS = RNG.uniform(0.05, 0.95, size=(4, 3))
SOFT = RNG.uniform(0.1, 0.9, size=(4, 3))
LOGITS = RNG.normal(size=(4, 3)) * 2
ONE_HOT = np.eye(3)[[0, 2, 1, 1]]
SIGNS = np.where(RNG.uniform(size=(4, 3)) > 0.5, 1.0, -1.0)
SCORES = RNG.uniform(-2, 2, size=(4, 3))
MASKS = RNG.uniform(0.1, 0.9, size=(2, 3, 3))


@pytest.mark.parametrize("fn, kwargs, inputs", [
    (losses.mean_absolute_percentage_error, {},  # targets away from 0, errors away from 0
     [SIGNS * POS_T, SIGNS * POS_T + P_REG - T_REG]),
    (losses.mean_squared_logarithmic_error, {}, [POS_T, POS_P]),
    (losses.cosine_similarity, {}, [T_REG, P_REG]),
    (losses.cosine_similarity, {"axis": 0}, [T_REG, P_REG]),
    (losses.huber, {}, [T_REG, P_REG]),
    (losses.huber, {"delta": 0.3}, [T_REG, P_REG]),
    (losses.log_cosh, {}, [T_REG, P_REG * 5]),
    (losses.hinge, {}, [SIGNS, SCORES]),
    (losses.squared_hinge, {}, [SIGNS, SCORES]),
    (losses.hinge, {}, [SOFT, SCORES]),  # labels not all 0/1: used as given
    (losses.categorical_hinge, {}, [ONE_HOT, SCORES]),
    (losses.kl_divergence, {}, [SOFT, PROBS]),
    (losses.poisson, {}, [POS_T, POS_P]),
    (losses.binary_focal_crossentropy, {}, [SOFT, PROBS]),
    (losses.binary_focal_crossentropy, {"from_logits": True, "label_smoothing": 0.1,
                                        "apply_class_balancing": True, "gamma": 1.5},
     [SOFT, LOGITS]),
    (losses.binary_focal_crossentropy, {"axis": 0}, [SOFT, PROBS]),
    (losses.categorical_focal_crossentropy, {}, [SOFT, PROBS]),
    (losses.categorical_focal_crossentropy, {"from_logits": True, "label_smoothing": 0.2,
                                             "alpha": [0.2, 0.3, 0.5]}, [ONE_HOT, LOGITS]),
    (losses.categorical_focal_crossentropy, {"axis": 0, "gamma": 3.0}, [ONE_HOT, PROBS]),
    (losses.dice, {}, [SOFT, PROBS]),
    (losses.dice, {"axis": (1, 2)}, [MASKS, MASKS[::-1].copy()]),
    (losses.tversky, {"alpha": 0.3, "beta": 0.7}, [SOFT, PROBS]),
    (losses.tversky, {"axis": -1}, [SOFT, PROBS]),
])
def test_loss_function_gradients(fn, kwargs, inputs):
    assert gradient_check(lambda t, p: fn(t, p, **kwargs), inputs) < 1e-6


def test_label_based_loss_gradients():
    labels = np.array([0, 2, 1, 1])
    for q in (0.3, 0.8):
        assert gradient_check(lambda p: losses.categorical_generalized_cross_entropy(
            labels, p, q=q), [PROBS]) < 1e-6
    # Norm 0.9 keeps the self-distances (1 - 0.81) away from the max(d, 0) kink at 0.
    emb = RNG.normal(size=(6, 4))
    emb *= 0.9 / np.linalg.norm(emb, axis=1, keepdims=True)
    for kwargs in ({"gamma": 10}, {"gamma": 3, "margin": 0.25, "remove_diagonal": False}):
        assert gradient_check(lambda e: losses.circle(EMB_LABELS, e, **kwargs), [emb]) < 1e-6


@pytest.mark.parametrize("reduction",
                         ["sum_over_batch_size", "sum", "mean_with_sample_weight", None])
@pytest.mark.parametrize("cls, kwargs, target, x", [
    (losses.Huber, {"delta": 0.4}, T_REG, P_REG),
    (losses.CategoricalFocalCrossentropy, {"from_logits": True}, ONE_HOT, LOGITS),
    (losses.BinaryFocalCrossentropy, {"apply_class_balancing": True}, SOFT, PROBS),
    (losses.KLDivergence, {}, SOFT, PROBS),
    (losses.Tversky, {"axis": -1}, SOFT, PROBS),
])
def test_loss_object_gradients_through_reduction(reduction, cls, kwargs, target, x):
    loss = cls(reduction=reduction, dtype="float64", **kwargs)
    weights = np.array([0.5, 2.0, 0.0, 1.0])
    assert gradient_check(lambda p: loss(target, p, sample_weight=weights), [x]) < 1e-6


@pytest.mark.parametrize("fn, y_true, y_pred, kwargs", [
    (losses.binary_focal_crossentropy, YT_B, YP_B, {}),
    (losses.binary_focal_crossentropy, YT_B, YL_B, {"from_logits": True}),
    (losses.binary_focal_crossentropy, YT_B, YP_B, {"gamma": 0.0}),
    (losses.categorical_focal_crossentropy, YT_C, YP_C, {}),
    (losses.categorical_focal_crossentropy, YT_C, YL_C, {"from_logits": True}),
    (losses.kl_divergence, YT_C, YP_C, {}),
    (losses.poisson, YT_R, YP_N.clip(0), {}),
    (losses.mean_squared_logarithmic_error, YT_R, YP_N, {}),
    (losses.mean_absolute_percentage_error, YT_R, YP_R, {}),
    (losses.log_cosh, YT_R, YP_BIG * 100, {}),
    (losses.cosine_similarity, YT_V, YP_V, {}),
    (losses.dice, np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"), {}),
    (losses.tversky, np.zeros((2, 3), "float32"), np.zeros((2, 3), "float32"), {}),
])
def test_edge_inputs_give_finite_values_and_gradients_without_warnings(fn, y_true, y_pred, kwargs):
    # Exact 0/1 probabilities, +-1e4 logits, zero targets and vectors, log_cosh of +-1e4.
    x = Tensor(y_pred, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with GradientTape() as tape:
            values = fn(y_true, x, **kwargs)
            total = values.sum()
        grad = tape.gradient(total, x)
    assert np.isfinite(_value(values)).all() and np.isfinite(grad).all()


def test_saturated_focal_predictions_keep_only_the_focal_factor_gradient():
    # Probabilities 0 and 1 sit outside the clip range, so no gradient flows through the log;
    # the focal factor uses the unclipped probability and still does (Keras: the same values).
    p = Tensor(f32([[0., 1.]]), requires_grad=True)
    with GradientTape() as tape:
        loss = losses.BinaryFocalCrossentropy()(f32([[1., 0.]]), p)
    close(loss, 16.03023910522461)  # (16.118 + 15.942) / 2: the focal factor (1 - 0)**2 is 1
    np.testing.assert_allclose(tape.gradient(loss, p), [[-16.118095, 15.942385]], rtol=1e-6)


# -- argument checks ----------------------------------------------------------------------------
def test_shape_and_axis_errors_name_the_loss():
    with pytest.raises(ValueError, match=r"binary_focal_crossentropy.*\(2, 4\).*\(2, 3\)"):
        losses.binary_focal_crossentropy(YT_B, YP_B[:, :3])
    with pytest.raises(ValueError, match="categorical_focal_crossentropy: y_true and y_pred"):
        losses.categorical_focal_crossentropy(YT_C, YP_C[:, :2])
    with pytest.raises(ValueError, match=r"dice: y_true and y_pred must have the same shape"):
        losses.dice(YT_D, YP_D[..., 0])
    with pytest.raises(ValueError, match=r"tversky: axis=4 is out of range"):
        losses.tversky(YT_D, YP_D, axis=(1, 4))
    with pytest.raises(ValueError, match=r"cosine_similarity: `axis` must be an int"):
        losses.cosine_similarity(YT_V, YP_V, axis=True)
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        losses.categorical_focal_crossentropy(np.ones((2, 1)), np.ones((2, 1)))


# -- names, configs, serialization ----------------------------------------------------------------
ALL_CLASSES = [
    losses.MeanSquaredError, losses.MeanAbsoluteError, losses.MeanAbsolutePercentageError,
    losses.MeanSquaredLogarithmicError, losses.CosineSimilarity, losses.Huber, losses.LogCosh,
    losses.Hinge, losses.SquaredHinge, losses.CategoricalHinge, losses.KLDivergence,
    losses.Poisson, losses.BinaryCrossentropy, losses.BinaryFocalCrossentropy,
    losses.CategoricalCrossentropy, losses.CategoricalFocalCrossentropy,
    losses.SparseCategoricalCrossentropy, losses.CategoricalGeneralizedCrossEntropy,
    losses.Dice, losses.Tversky, losses.Circle]

# Keras 3.15.1's get_config() of each class built with its defaults. Huber and CosineSimilarity
# add "delta" / "axis", which Keras drops (so its configs do not round-trip).
KERAS_DEFAULT_CONFIGS = {
    "MeanAbsolutePercentageError": {"name": "mean_absolute_percentage_error"},
    "MeanSquaredLogarithmicError": {"name": "mean_squared_logarithmic_error"},
    "CosineSimilarity": {"name": "cosine_similarity", "axis": -1},
    "Huber": {"name": "huber_loss", "delta": 1.0},
    "LogCosh": {"name": "log_cosh"},
    "Hinge": {"name": "hinge"},
    "SquaredHinge": {"name": "squared_hinge"},
    "CategoricalHinge": {"name": "categorical_hinge"},
    "KLDivergence": {"name": "kl_divergence"},
    "Poisson": {"name": "poisson"},
    "BinaryFocalCrossentropy": {"name": "binary_focal_crossentropy", "from_logits": False,
                                "label_smoothing": 0.0, "axis": -1,
                                "apply_class_balancing": False, "alpha": 0.25, "gamma": 2.0},
    "CategoricalFocalCrossentropy": {"name": "categorical_focal_crossentropy",
                                     "from_logits": False, "label_smoothing": 0.0, "axis": -1,
                                     "alpha": 0.25, "gamma": 2.0},
    "CategoricalGeneralizedCrossEntropy": {"name": "categorical_generalized_cross_entropy",
                                           "q": 0.5},
    "Dice": {"name": "dice", "axis": None},
    "Tversky": {"name": "tversky", "alpha": 0.5, "beta": 0.5, "axis": None},
    "Circle": {"name": "circle", "gamma": 80.0, "margin": 0.4, "remove_diagonal": True},
}


@pytest.mark.parametrize("name", sorted(KERAS_DEFAULT_CONFIGS))
def test_default_names_and_configs_match_keras(name):
    expected = {"reduction": "sum_over_batch_size", **KERAS_DEFAULT_CONFIGS[name]}
    assert getattr(losses, name)().get_config() == expected


NON_DEFAULT = {
    losses.CosineSimilarity: {"axis": 0},
    losses.Huber: {"delta": 2.5},
    losses.BinaryFocalCrossentropy: {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5,
                                     "from_logits": True, "label_smoothing": 0.1, "axis": 0},
    losses.CategoricalFocalCrossentropy: {"alpha": [0.2, 0.3, 0.5], "gamma": 3.0,
                                          "from_logits": True, "label_smoothing": 0.1},
    losses.CategoricalGeneralizedCrossEntropy: {"q": 0.7},
    losses.Dice: {"axis": (1, 2, 3)},
    losses.Tversky: {"alpha": 0.3, "beta": 0.7, "axis": (1, 2)},
    losses.Circle: {"gamma": 10.0, "margin": 0.2, "remove_diagonal": False},
}


@pytest.mark.parametrize("cls", ALL_CLASSES, ids=lambda c: c.__name__)
def test_every_class_round_trips_its_config(cls):
    obj = cls(reduction="sum", name="custom_name", **NON_DEFAULT.get(cls, {}))
    config = obj.get_config()
    rebuilt = cls.from_config(config)
    assert type(rebuilt) is cls and rebuilt.get_config() == config
    for key, value in NON_DEFAULT.get(cls, {}).items():
        assert config[key] == value and getattr(rebuilt, key) == value
    serialized = losses.serialize(obj)
    assert serialized == {"module": "keras.losses", "class_name": cls.__name__,
                          "config": config, "registered_name": None}
    again = losses.deserialize(serialized)
    assert type(again) is cls and again.get_config() == config
    assert losses.get(serialized).get_config() == config
    assert type(losses.get(cls)) is cls
    assert losses.get(obj) is obj


def test_round_tripped_objects_compute_the_same_values():
    obj = losses.Huber(delta=2.5, reduction="sum")
    again = losses.deserialize(losses.serialize(obj))
    assert float(again(YT_R, YP_R)) == float(obj(YT_R, YP_R))
    focal = losses.BinaryFocalCrossentropy(apply_class_balancing=True, from_logits=True)
    assert float(losses.get(losses.serialize(focal))(YT_B, YL_B)) == float(focal(YT_B, YL_B))


@pytest.mark.parametrize("identifier, cls, full_name", [
    ("mape", losses.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    ("MAPE", losses.MeanAbsolutePercentageError, "mean_absolute_percentage_error"),
    ("msle", losses.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
    ("MSLE", losses.MeanSquaredLogarithmicError, "mean_squared_logarithmic_error"),
    ("kld", losses.KLDivergence, "kl_divergence"),
    ("KLD", losses.KLDivergence, "kl_divergence"),
    ("kullback_leibler_divergence", losses.KLDivergence, "kl_divergence"),
    ("logcosh", losses.LogCosh, "log_cosh"),
    ("log_cosh", losses.LogCosh, "log_cosh"),
    ("LogCosh", losses.LogCosh, "log_cosh"),
    ("huber", losses.Huber, "huber"),
    ("Huber", losses.Huber, "huber"),
    ("hinge", losses.Hinge, "hinge"),
    ("squared_hinge", losses.SquaredHinge, "squared_hinge"),
    ("categorical_hinge", losses.CategoricalHinge, "categorical_hinge"),
    ("poisson", losses.Poisson, "poisson"),
    ("cosine_similarity", losses.CosineSimilarity, "cosine_similarity"),
    ("binary_focal_crossentropy", losses.BinaryFocalCrossentropy, "binary_focal_crossentropy"),
    ("CategoricalFocalCrossentropy", losses.CategoricalFocalCrossentropy,
     "categorical_focal_crossentropy"),
    ("dice", losses.Dice, "dice"),
    ("tversky", losses.Tversky, "tversky"),
    ("circle", losses.Circle, "circle"),
    ("categorical_generalized_cross_entropy", losses.CategoricalGeneralizedCrossEntropy,
     "categorical_generalized_cross_entropy"),
])
def test_get_serialize_deserialize_by_name_and_alias(identifier, cls, full_name):
    fn = getattr(losses, full_name)
    if identifier == cls.__name__:  # Keras: a class name gives an instance, others the function
        assert type(losses.get(identifier)) is cls
    else:
        assert losses.get(identifier) is fn
    assert type(losses.get_loss_object(identifier)) is cls
    assert losses.serialize(identifier) == full_name
    assert type(losses.deserialize(full_name)) is cls
    assert losses.get(fn) is fn
    assert type(losses.get_loss_object(fn)) is cls  # a built-in function becomes its class
    assert losses.serialize(fn) == full_name
    keras_function = {"module": "keras.losses", "class_name": "function", "config": full_name,
                      "registered_name": "function"}
    assert losses.get(keras_function) is fn
    assert type(losses.get_loss_object(keras_function)) is cls


def test_deserialize_passes_callables_through_like_keras():
    huber = losses.Huber(delta=2.0)
    assert losses.deserialize(huber) is huber
    assert losses.deserialize(losses.Huber) is losses.Huber
    assert losses.deserialize(losses.huber) is losses.huber


def test_wrapper_around_a_new_function_round_trips():
    wrapped = losses.LossFunctionWrapper(losses.tversky, name="tv", alpha=0.2, beta=0.8,
                                         axis=(1, 2, 3))
    again = losses.LossFunctionWrapper.from_config(wrapped.get_config())
    assert again.fn is losses.tversky and again._fn_kwargs == wrapped._fn_kwargs
    assert float(again(YT_D, YP_D)) == float(wrapped(YT_D, YP_D))


def test_unknown_alias_suggests_close_names():
    with pytest.raises(ValueError, match=r"Unknown loss: 'mspe'.*Did you mean"):
        losses.get("mspe")


def test_integer_and_list_labels_reach_label_losses_intact():
    out = losses.CategoricalGeneralizedCrossEntropy(reduction=None)([1, 2, 0, 0], PROBS_4)
    close(out, [0.0506411791, 1.3675444126, 1., 2.])
    close(losses.Circle()(list(EMB_LABELS), EMB), 299.3633728027, rtol=2e-6)
    close(losses.SparseCategoricalCrossentropy()([1, 2, 0, 0], PROBS_4), 4.964567184448242)


# -- a user's loss function trains a model --------------------------------------------------------
def test_custom_ops_loss_function_trains_a_sequential_model():
    def scaled_log_cosh(y_true, y_pred):
        error = y_pred - y_true
        return ops.mean(ops.log((ops.exp(error) + ops.exp(-error)) * 0.5), axis=-1) * 2.0

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x @ np.array([[1.5], [-2.0], [0.5]], "float32") + 0.3).astype("float32")
    minikeras.utils.set_random_seed(1)
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer=optimizers.SGD(0.1), loss=scaled_log_cosh)
    before = float(model.evaluate(x, y, verbose=0))
    [loss_fn] = model._compile_loss.losses
    assert isinstance(loss_fn, losses.LossFunctionWrapper)
    assert loss_fn.name == "scaled_log_cosh"
    history = model.fit(x, y, epochs=15, batch_size=16, verbose=0)
    after = float(model.evaluate(x, y, verbose=0))
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert after < 0.1 * before


@pytest.mark.parametrize("name", ["mape", "msle", "huber", "logcosh", "log_cosh", "kld", "poisson",
                                  "hinge", "squared_hinge", "categorical_hinge",
                                  "cosine_similarity", "binary_focal_crossentropy",
                                  "categorical_focal_crossentropy", "dice", "tversky"])
def test_compile_by_name_trains_one_step(name):
    minikeras.utils.set_random_seed(2)
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2, activation="sigmoid")])
    model.compile(optimizer=optimizers.SGD(0.05), loss=name)
    x = np.linspace(-1, 1, 12, dtype="float32").reshape(4, 3)
    y = f32([[1., 0.], [0., 1.], [1., 0.], [0., 1.]])
    first = float(np.ravel(model.train_on_batch(x, y))[0])
    for _ in range(5):
        last = float(np.ravel(model.train_on_batch(x, y))[0])
    assert np.isfinite(first) and last < first
