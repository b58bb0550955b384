"""Activations: values pinned from Keras 3.15.1, float64 gradient checks, get/serialize."""
import math

import numpy as np
import pytest

from minikeras import activations, ops
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.ops.special import erf, erfc
from minikeras.saving import register_keras_serializable
from minikeras.utils import gradient_check

X = np.array([-5.0, -3.0, -1.5, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0])
M = np.array([[1.0, 2.0, 3.0, -1.0], [0.5, -0.5, 0.0, 10.0], [-20.0, 0.0, 20.0, 1.0]])

# keras.activations.<name>(X) (or (M) for the axis-wise ones) in float64, computed with
# keras 3.15.1 on the torch backend and pasted here.
KERAS_FLOAT64 = {
    'relu': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0],
    'relu_slope': [-2.5, -1.5, -0.75, -0.5, -0.25, -0.05, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0],
    'relu_max': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 4.0, 4.0],
    'relu_thr': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.5, 3.0, 5.0, 7.0],
    'relu_all': [-1.2, -0.6, -0.15, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 4.0, 4.0],
    'relu_all2': [
        -1.7999999999999998, -1.2, -0.75, -0.6, -0.44999999999999996, -0.33, -0.3, -0.27, -0.15,
        0.0, 1.5, 2.5, 2.5, 2.5
    ],
    'relu_max6': [
        -0.5, -0.30000000000000004, -0.15000000000000002, -0.1, -0.05, -0.010000000000000002,
        0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 6.0
    ],
    'sigmoid': [
        0.0066928509242848554, 0.04742587317756678, 0.18242552380635635, 0.2689414213699951,
        0.3775406687981454, 0.47502081252106, 0.5, 0.52497918747894, 0.6224593312018546,
        0.7310585786300049, 0.8175744761936437, 0.9525741268224334, 0.9933071490757153,
        0.9990889488055994
    ],
    'tanh': [
        -0.9999092042625951, -0.9950547536867305, -0.9051482536448664, -0.7615941559557649,
        -0.4621171572600098, -0.09966799462495582, 0.0, 0.09966799462495582, 0.4621171572600098,
        0.7615941559557649, 0.9051482536448664, 0.9950547536867305, 0.9999092042625951,
        0.9999983369439447
    ],
    'softplus': [
        0.006715348489118068, 0.04858735157374206, 0.2014132779827524, 0.31326168751822286,
        0.4740769841801067, 0.6443966600735709, 0.6931471805599453, 0.744396660073571,
        0.9740769841801067, 1.3132616875182228, 1.7014132779827524, 3.048587351573742,
        5.006715348489118, 7.000911466453774
    ],
    'softsign': [
        -0.8333333333333334, -0.75, -0.6, -0.5, -0.3333333333333333, -0.09090909090909091, 0.0,
        0.09090909090909091, 0.3333333333333333, 0.5, 0.6, 0.75, 0.8333333333333334, 0.875
    ],
    'elu': [
        -0.9932620530009145, -0.950212931632136, -0.7768698398515702, -0.6321205588285577,
        -0.3934693402873666, -0.09516258196404043, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0
    ],
    'elu_alpha': [
        -0.49663102650045726, -0.475106465816068, -0.3884349199257851, -0.31606027941427883,
        -0.1967346701436833, -0.04758129098202021, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0
    ],
    'selu': [
        -1.7462533606696198, -1.6705687287671118, -1.3658143533672527, -1.1113307378125625,
        -0.6917581878028713, -0.16730527262431394, 0.0, 0.10507009873554805, 0.5253504936777402,
        1.0507009873554805, 1.5760514810332207, 3.1521029620664414, 5.253504936777402,
        7.354906911488364
    ],
    'gelu': [
        -1.4332578593401202e-06, -0.00404969409489031, -0.10021080190328704,
        -0.15865525393145702, -0.15426876936299344, -0.0460172162722971, 0.0,
        0.053982783727702904, 0.34573123063700656, 0.841344746068543, 1.399789198096713,
        2.99595030590511, 4.999998566742141, 6.999999999991041
    ],
    'gelu_approx': [
        -2.2917961972623857e-07, -0.0036373920817729943, -0.10042842301976707,
        -0.15880800939172324, -0.15428599017485606, -0.04601724895456484, 0.0,
        0.053982751045435165, 0.34571400982514394, 0.8411919906082768, 1.3995715769802328,
        2.996362607918227, 4.999999770820381, 6.999999999999997
    ],
    'silu': [
        -0.03346425462142428, -0.14227761953270035, -0.2736382857095345, -0.2689414213699951,
        -0.1887703343990727, -0.047502081252106004, 0.0, 0.052497918747894, 0.3112296656009273,
        0.7310585786300049, 1.2263617142904655, 2.8577223804672998, 4.966535745378576,
        6.993622641639196
    ],
    'swish': [
        -0.03346425462142428, -0.14227761953270035, -0.2736382857095345, -0.2689414213699951,
        -0.1887703343990727, -0.047502081252106004, 0.0, 0.052497918747894, 0.3112296656009273,
        0.7310585786300049, 1.2263617142904655, 2.8577223804672998, 4.966535745378576,
        6.993622641639196
    ],
    'leaky_relu': [
        -1.0, -0.6000000000000001, -0.30000000000000004, -0.2, -0.1, -0.020000000000000004, 0.0,
        0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0
    ],
    'leaky_relu_01': [
        -0.5, -0.30000000000000004, -0.15000000000000002, -0.1, -0.05, -0.010000000000000002,
        0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0
    ],
    'relu6': [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 6.0],
    'hard_sigmoid': [
        0.0, 0.0, 0.25, 0.3333333333333333, 0.4166666666666667, 0.48333333333333334, 0.5,
        0.5166666666666667, 0.5833333333333334, 0.6666666666666666, 0.75, 1.0, 1.0, 1.0
    ],
    'hard_silu': [
        -0.0, -0.0, -0.375, -0.3333333333333333, -0.20833333333333334, -0.04833333333333333,
        0.0, 0.05166666666666667, 0.2916666666666667, 0.6666666666666666, 1.125, 3.0, 5.0, 7.0
    ],
    'hard_swish': [
        -0.0, -0.0, -0.375, -0.3333333333333333, -0.20833333333333334, -0.04833333333333333,
        0.0, 0.05166666666666667, 0.2916666666666667, 0.6666666666666666, 1.125, 3.0, 5.0, 7.0
    ],
    'exponential': [
        0.006737946999085467, 0.049787068367863944, 0.22313016014842982, 0.36787944117144233,
        0.6065306597126334, 0.9048374180359595, 1.0, 1.1051709180756477, 1.6487212707001282,
        2.718281828459045, 4.4816890703380645, 20.085536923187668, 148.4131591025766,
        1096.6331584284585
    ],
    'linear': [-5.0, -3.0, -1.5, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0],
    'mish': [
        -0.033576237730161704, -0.1456474612756246, -0.2980997421668068, -0.30340146137410895,
        -0.22074377465173, -0.05678857521284474, 0.0, 0.06317941749148973, 0.37524521130489513,
        0.8650983882673103, 1.4033782663958028, 2.9865350049679575, 4.999552077529406,
        6.999988379809741
    ],
    'celu': [
        -0.9932620530009145, -0.950212931632136, -0.7768698398515702, -0.6321205588285577,
        -0.3934693402873666, -0.09516258196404043, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0
    ],
    'celu_alpha': [
        -1.8358300027522025, -1.5537396797031404, -1.0552668945179706, -0.7869386805747332,
        -0.44239843385719024, -0.09754115099857198, 0.0, 0.1, 0.5, 1.0, 1.5, 3.0, 5.0, 7.0
    ],
    'hard_tanh': [-1.0, -1.0, -1.0, -1.0, -0.5, -0.1, 0.0, 0.1, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0],
    'hard_shrink': [-5.0, -3.0, -1.5, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.5, 3.0, 5.0, 7.0],
    'soft_shrink': [-4.5, -2.5, -1.0, -0.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.5, 1.0, 2.5, 4.5, 6.5],
    'tanh_shrink': [
        -4.000090795737405, -2.0049452463132695, -0.5948517463551336, -0.23840584404423515,
        -0.03788284273999021, -0.0003320053750441865, 0.0, 0.0003320053750441865,
        0.03788284273999021, 0.23840584404423515, 0.5948517463551336, 2.0049452463132695,
        4.000090795737405, 6.0000016630560555
    ],
    'log_sigmoid': [
        -5.006715348489118, -3.048587351573742, -1.7014132779827524, -1.3132616875182228,
        -0.9740769841801067, -0.7443966600735709, -0.6931471805599453, -0.6443966600735709,
        -0.4740769841801067, -0.31326168751822286, -0.2014132779827524, -0.04858735157374206,
        -0.006715348489118068, -0.0009114664537742447
    ],
    'sparse_plus': [
        0.0, 0.0, 0.0, 0.0, 0.0625, 0.2025, 0.25, 0.30250000000000005, 0.5625, 1.0, 1.5, 3.0,
        5.0, 7.0
    ],
    'sparse_sigmoid': [0.0, 0.0, 0.0, 0.0, 0.25, 0.45, 0.5, 0.55, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0],
    'squareplus': [
        0.19258240356725187, 0.30277563773199456, 0.5, 0.6180339887498949, 0.7807764064044151,
        0.9512492197250393, 1.0, 1.0512492197250394, 1.2807764064044151, 1.618033988749895, 2.0,
        3.302775637731995, 5.192582403567252, 7.140054944640259
    ],
    'squareplus_b1': [
        0.049509756796392246, 0.08113883008418976, 0.15138781886599728, 0.20710678118654746,
        0.30901699437494745, 0.4524937810560445, 0.5, 0.5524937810560445, 0.8090169943749475,
        1.2071067811865475, 1.6513878188659974, 3.08113883008419, 5.049509756796392,
        7.035533905932738
    ],
    'threshold': [-2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, -2.0, 1.0, 1.5, 3.0, 5.0, 7.0],
    'softmax': [
        0.0889468172974043, 0.24178251715880075, 0.6572330228318554, 0.012037642711939448,
        7.484076930444492e-05, 2.7532380388560026e-05, 4.5393221179625976e-05,
        0.9998522336291273, 4.248354222732414e-18, 2.0611536066419795e-09, 0.99999999233605,
        5.602796394597716e-09
    ],
    'softmax_ax0': [
        0.6224593309080639, 0.8214090194651259, 4.139937538861284e-08, 1.6699361017642993e-05,
        0.37754066861995245, 0.06742535823245292, 2.0611535328597316e-09, 0.9998599081236067,
        4.719835490528008e-10, 0.11116562230242114, 0.9999999565394712, 0.00012339251537565974
    ],
    'log_softmax': [
        -2.4197166463153397, -1.4197166463153397, -0.4197166463153396, -4.419716646315339,
        -9.5001477772894, -10.5001477772894, -10.0001477772894, -0.00014777728939845198,
        -40.00000000766395, -20.00000000766395, -7.663950111810978e-09, -19.00000000766395
    ],
    'log_softmax_ax0': [
        -0.4740769846520903, -0.19673409691961713, -17.00000004346053, -11.000140101690176,
        -0.9740769846520902, -2.696734096919617, -20.00000004346053, -0.0001401016901767745,
        -21.47407698465209, -2.196734096919617, -4.3460529785379775e-08, -9.000140101690176
    ],
    'glu': [
        0.9525741268224334, 0.5378828427399902, 0.25, -0.4999773010656488, -19.999999958776925,
        0.0
    ],
    'glu_ax0': [0.6224593312018546, 0.7550813375962908, 1.5, -0.9999546021312976],
}

A = activations
CASES = {
    "relu_slope": lambda x: A.relu(x, negative_slope=0.5),
    "relu_max": lambda x: A.relu(x, max_value=4.0),
    "relu_thr": lambda x: A.relu(x, threshold=1.0),
    "relu_all": lambda x: A.relu(x, negative_slope=0.3, max_value=4.0, threshold=-1.0),
    "relu_all2": lambda x: A.relu(x, negative_slope=0.3, max_value=2.5, threshold=1.0),
    "relu_max6": lambda x: A.relu(x, max_value=6, negative_slope=0.1),
    "elu_alpha": lambda x: A.elu(x, alpha=0.5),
    "gelu_approx": lambda x: A.gelu(x, approximate=True),
    "leaky_relu_01": lambda x: A.leaky_relu(x, 0.1),
    "celu_alpha": lambda x: A.celu(x, alpha=2.0),
    "squareplus_b1": lambda x: A.squareplus(x, b=1),
    "threshold": lambda x: A.threshold(x, 0.5, -2.0),
    "softmax_ax0": lambda m: A.softmax(m, axis=0),
    "log_softmax_ax0": lambda m: A.log_softmax(m, axis=0),
    "glu_ax0": lambda m: A.glu(m[:2], axis=0),
}
MATRIX_CASES = ("softmax", "softmax_ax0", "log_softmax", "log_softmax_ax0", "glu", "glu_ax0")


def _call(name, dtype):
    fn = CASES.get(name) or getattr(activations, name)
    inputs = M if name in MATRIX_CASES else X
    return fn(inputs.astype(dtype))


@pytest.mark.parametrize("name", sorted(KERAS_FLOAT64))
def test_matches_keras_float64(name):
    out = _call(name, "float64")
    assert isinstance(out, Tensor) and out.dtype == np.float64
    # Keras's exact gelu computes 1 + erf(x/sqrt 2), which loses ~1e-10 relative accuracy at
    # x = -5 to cancellation; minikeras uses erfc there and is the more accurate of the two.
    rtol = 1e-9 if name == "gelu" else 1e-13
    np.testing.assert_allclose(out.numpy().ravel(), KERAS_FLOAT64[name], rtol=rtol, atol=1e-15)


@pytest.mark.parametrize("name", sorted(KERAS_FLOAT64))
def test_float32_in_float32_out(name):
    out = _call(name, "float32")
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.numpy().ravel(), KERAS_FLOAT64[name], rtol=2e-6, atol=2e-7)


def test_documented_keras_numbers():
    x = [-10.0, -5.0, 0.0, 5.0, 10.0]
    np.testing.assert_allclose(A.relu(x, negative_slope=0.5).numpy(), [-5, -2.5, 0, 5, 10])
    np.testing.assert_allclose(A.relu(x, max_value=5.0).numpy(), [0, 0, 0, 5, 5])
    np.testing.assert_allclose(A.relu(x, threshold=5.0).numpy(), [0, 0, 0, 0, 10])
    # Keras 3's hard_sigmoid is clip(x/6 + 0.5, 0, 1) (Keras 2's 0.2x + 0.5 would give 0.7).
    assert A.hard_sigmoid(np.float32(1.0)).item() == pytest.approx(2 / 3, rel=1e-7)
    # The activation's gelu is exact by default; the tanh form differs in the 4th decimal.
    assert A.gelu(np.array(1.0)).item() == pytest.approx(0.841344746068543, rel=1e-14)
    assert A.gelu(np.array(1.0), approximate=True).item() == pytest.approx(0.8411919906082768,
                                                                            rel=1e-14)
    assert A.leaky_relu(np.array(-1.0)).item() == pytest.approx(-0.2)  # default slope 0.2
    assert A.selu(np.array(-1e3)).item() == pytest.approx(-1.6732632423543772 * 1.0507009873554805)


def test_step_is_a_threshold_unit_with_zero_gradient():
    x = Tensor(np.array([-2.0, -1e-9, 0.0, 1e-9, 3.0]), requires_grad=True)
    y = A.step(x)
    np.testing.assert_array_equal(y.numpy(), [0, 0, 0, 1, 1])
    (g,) = gradients(ops.sum(y * np.arange(5.0)), [x])
    np.testing.assert_array_equal(g, np.zeros(5))


def test_sparsemax_is_the_simplex_projection():
    # By hand: [1, 0.2, -1] keeps two entries, tau = (1 + 0.2 - 1) / 2 = 0.1.
    out = A.sparsemax(np.array([[0.5, 0.4, 0.1], [1.0, 0.2, -1.0]])).numpy()
    np.testing.assert_allclose(out, [[0.5, 0.4, 0.1], [0.9, 0.1, 0.0]], atol=1e-15)
    z = np.random.default_rng(0).normal(size=(6, 5)) * 3
    for axis in (-1, 0):
        out = A.sparsemax(z, axis=axis).numpy()
        np.testing.assert_allclose(out.sum(axis=axis), 1.0, rtol=1e-12)
        assert (out >= 0).all() and (out == 0).any()


def test_glu_rejects_odd_axis():
    with pytest.raises(ValueError, match="glu: the size of axis -1 must be even"):
        A.glu(np.ones((2, 3)))


def test_integer_and_list_inputs_become_floatx():
    assert A.relu([1, -2, 3]).dtype == np.float32
    assert A.sigmoid(np.arange(3)).dtype == np.float32
    assert A.gelu(np.arange(3, dtype="int32")).dtype == np.float32


def test_linear_passes_a_float_tensor_through():
    t = Tensor(np.ones(3, dtype="float32"))
    assert A.linear(t) is t


# -- gradients --------------------------------------------------------------------------------
# Inputs kept away from every kink (0, +-0.5, +-1, +-3, 4, 6) so central differences are valid.
XG = np.array([-4.7, -3.3, -2.6, -1.4, -0.8, -0.35, -0.05, 0.07, 0.3, 0.7, 1.3, 2.2, 3.6, 6.4,
               7.1]).reshape(3, 5)
ELEMENTWISE = [name for name in sorted(KERAS_FLOAT64) if name not in MATRIX_CASES]


@pytest.mark.parametrize("name", ELEMENTWISE + ["step", "sparsemax"])
def test_gradient_check_elementwise(name):
    fn = CASES.get(name) or getattr(activations, name)
    assert gradient_check(fn, [XG]) < 1e-6


@pytest.mark.parametrize("name", MATRIX_CASES)
def test_gradient_check_axis_wise(name):
    fn = CASES.get(name) or getattr(activations, name)
    m = np.random.default_rng(1).normal(size=(4, 6))
    assert gradient_check(fn, [m]) < 1e-6


def test_gradient_check_sparsemax_along_axis_0():
    m = np.array([[0.9, -0.3, 0.2], [0.4, 0.5, -1.0], [0.1, 0.45, 0.6]])
    assert gradient_check(lambda t: A.sparsemax(t, axis=0), [m]) < 1e-6


@pytest.mark.parametrize("name", ["gelu", "gelu_approx", "silu", "mish", "elu", "selu",
                                  "softsign", "hard_silu", "leaky_relu", "relu_all"])
def test_float32_gradients_stay_float32(name):
    fn = CASES.get(name) or getattr(activations, name)
    x = Tensor(XG.astype("float32"), requires_grad=True)
    (g,) = gradients(ops.sum(fn(x)), [x])
    assert g.dtype == np.float32


# -- erf --------------------------------------------------------------------------------------
def test_erf_matches_math_erf_to_roundoff():
    x = np.concatenate([np.linspace(-7, 7, 20001), np.geomspace(1e-300, 30, 400),
                        -np.geomspace(1e-300, 30, 400), [0.46875, -0.46875, 4.0, -4.0]])
    expected = np.array([math.erf(v) for v in x])
    assert np.abs(erf(x).numpy() - expected).max() < 1e-14


def test_erfc_keeps_relative_accuracy_in_the_tail():
    x = np.linspace(-5, 26, 3101)
    expected = np.array([math.erfc(v) for v in x])
    assert (np.abs(erfc(x).numpy() - expected) / expected).max() < 1e-14


def test_erf_special_values_and_dtypes():
    np.testing.assert_array_equal(erf(np.array([0.0, np.inf, -np.inf])).numpy(), [0, 1, -1])
    assert np.isnan(erf(np.array(np.nan)).item())
    assert erf(np.array([0.5], dtype="float32")).dtype == np.float32
    assert erf(np.arange(3)).dtype == np.float32
    assert ops.erf is erf


@pytest.mark.parametrize("fn", [erf, erfc])
def test_erf_gradient_check(fn):
    x = np.array([-3.1, -1.2, -0.4, -0.01, 0.2, 0.47, 0.9, 2.5, 4.3])
    assert gradient_check(fn, [x]) < 1e-6


# -- get / serialize / deserialize ------------------------------------------------------------
def test_get_resolves_names_none_callables_and_keras_dicts():
    assert A.get(None) is A.linear
    assert A.get("relu") is A.relu
    assert A.get("swish") is A.silu and A.get("hard_swish") is A.hard_silu
    assert A.get("step") is A.step

    def custom(x):
        return x
    assert A.get(custom) is custom
    # The exact dict Keras 3.15.1 writes for a built-in function (serialize_keras_object).
    keras_dict = {"module": "builtins", "class_name": "function", "config": "relu",
                  "registered_name": "function"}
    assert A.get(keras_dict) is A.relu


def test_unknown_names_raise_with_the_valid_list():
    with pytest.raises(ValueError,
                       match=r"Unknown activation: 'rellu'\..*Did you mean 'relu'.*Valid activations: .*'relu'"):
        A.get("rellu")
    with pytest.raises(ValueError, match="Could not interpret activation function identifier: 42"):
        A.get(42)


def test_serialize_gives_keras_names():
    assert A.serialize(A.relu) == "relu"
    assert A.serialize(None) == "linear"
    assert A.serialize(A.swish) == "silu"
    assert A.serialize(A.hard_swish) == "hard_silu"
    for name in ("gelu", "softmax", "hard_sigmoid", "leaky_relu", "step"):
        assert A.deserialize(A.serialize(A.get(name))) is A.get(name)
    with pytest.raises(ValueError, match="lambda"):
        A.serialize(lambda x: x)


def test_registered_custom_activation_round_trips():
    @register_keras_serializable(package="TestActs")
    def cube(x):
        return x * x * x
    assert A.serialize(cube) == "TestActs>cube"
    assert A.deserialize("TestActs>cube") is cube
    assert A.get("TestActs>cube") is cube


def test_erf_and_gelu_in_float16_are_evaluated_without_overflow():
    x = np.linspace(-6, 6, 25).astype("float16")
    out = erf(x).numpy()
    assert out.dtype == np.float16
    np.testing.assert_allclose(out, [math.erf(v) for v in x.astype(float)], atol=1e-3)
    assert np.isfinite(A.gelu(x).numpy()).all()


def test_every_registered_activation_is_pinned_and_gradient_checked():
    covered = set(KERAS_FLOAT64) | {"step", "sparsemax"}
    assert set(activations.ALL_OBJECTS_DICT) <= covered
