"""Optimizers and learning-rate schedules against Keras 3.15.1.

The trajectories below were produced by keras 3.15.1 (torch backend) with a script of this shape
and pasted here as constants (values printed with 9 significant digits):

    w = keras.Variable(W0, name="w"); b = keras.Variable(B0, name="b")
    opt = <the case's optimizer>(..., name="o")
    for s in range(3):
        opt.apply([GW[s], GB[s]], [w, b]); record w, b

Each row holds w (2x2, flattened) then b (3,) after that step.
"""
import math

import numpy as np
import pytest

from minikeras import optimizers
from minikeras.backend.autodiff import Variable
from minikeras.optimizers import SGD, Adam, RMSprop, schedules

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32"),
      np.array([[0.01, -0.02], [0.03, 0.001]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"),
      np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32")]

CASES = {
    "sgd": lambda: SGD(learning_rate=0.1, name="o"),
    "sgd_momentum": lambda: SGD(learning_rate=0.1, momentum=0.9, name="o"),
    "sgd_nesterov": lambda: SGD(learning_rate=0.1, momentum=0.9, nesterov=True, name="o"),
    "adam": lambda: Adam(learning_rate=0.01, name="o"),
    "adam_amsgrad": lambda: Adam(learning_rate=0.01, beta_1=0.8, beta_2=0.9, amsgrad=True, name="o"),
    "adam_big_eps": lambda: Adam(learning_rate=0.1, epsilon=0.5, name="o"),
    "rmsprop": lambda: RMSprop(learning_rate=0.01, name="o"),
    "rmsprop_momentum": lambda: RMSprop(learning_rate=0.01, momentum=0.5, name="o"),
    "rmsprop_centered": lambda: RMSprop(learning_rate=0.01, centered=True, name="o"),
    "rmsprop_centered_momentum_eps": lambda: RMSprop(learning_rate=0.01, rho=0.8, momentum=0.3,
                                                     centered=True, epsilon=0.1, name="o"),
    "sgd_weight_decay": lambda: SGD(learning_rate=0.1, weight_decay=0.5, name="o"),
    "adam_weight_decay": lambda: Adam(learning_rate=0.01, weight_decay=0.05, name="o"),
    "rmsprop_weight_decay": lambda: RMSprop(learning_rate=0.01, weight_decay=0.05, name="o"),
    "sgd_clipnorm": lambda: SGD(learning_rate=0.1, clipnorm=1.0, name="o"),
    "sgd_clipvalue": lambda: SGD(learning_rate=0.1, clipvalue=0.5, name="o"),
    "sgd_global_clipnorm": lambda: SGD(learning_rate=0.1, global_clipnorm=1.0, name="o"),
    "adam_clipnorm": lambda: Adam(learning_rate=0.01, clipnorm=0.5, epsilon=0.1, name="o"),
    "sgd_exponential_decay": lambda: SGD(
        learning_rate=schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5), momentum=0.5,
        name="o"),
    "sgd_exponential_decay_staircase": lambda: SGD(
        learning_rate=schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5, staircase=True),
        name="o"),
    "adam_piecewise": lambda: Adam(
        learning_rate=schedules.PiecewiseConstantDecay([1], [0.1, 0.01]), name="o"),
    "sgd_callable_lr": lambda: SGD(learning_rate=lambda: 0.05, name="o"),
    "sgd_ema": lambda: SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5, name="o"),
    "sgd_ema_overwrite": lambda: SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5,
                                     ema_overwrite_frequency=2, name="o"),
    "sgd_loss_scale": lambda: SGD(learning_rate=0.1, loss_scale_factor=4.0, name="o"),
    "sgd_wd_clip": lambda: SGD(learning_rate=0.1, weight_decay=0.5, clipnorm=1.0, momentum=0.5,
                               name="o"),
    # b gets keras.constraints.NonNeg(); here the same projection on raw arrays.
    "sgd_constraint": lambda: SGD(learning_rate=0.1, name="o"),
    # opt.exclude_from_weight_decay(var_names=["b"]) before the first step.
    "sgd_wd_exclude": lambda: SGD(learning_rate=0.1, weight_decay=0.5, name="o"),
}

KERAS_TRAJECTORIES = {
    'sgd': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, -0.100000001, -0.100000001, 0.25],
        [0.49000001, -0.980000019, 1.29999995, 1.86000001, -0.25, -0.125, 0.324999988],
        [0.489000022, -0.978000045, 1.29699993, 1.8599, -0.252000004, -0.125, 0.325999975],
    ],
    'sgd_momentum': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, -0.100000001, -0.100000001, 0.25],
        [0.463, -0.925999999, 1.19200003, 1.77899992, -0.429999977, -0.0350000039, 0.280000001],
        [0.45570001, -0.91140002, 1.01980007, 1.66099989, -0.728999972, 0.0234999917, 0.307999998],
    ],
    'sgd_nesterov': [
        [0.442999989, -0.885999978, 1.27199996, 1.829, -0.280000001, -0.0100000026, 0.204999998],
        [0.456699997, -0.913399994, 1.02279997, 1.66110003, -0.726999998, 0.0234999917, 0.307000011],
        [0.449129999, -0.898259997, 0.864819944, 1.55480003, -0.998099983, 0.0761499852, 0.333200008],
    ],
    'adam': [
        [0.490000159, -0.990000129, 1.49000013, 1.99000013, 0.0900000855, -0.190000102, 0.290000141],
        [0.488554984, -0.988554955, 1.48029673, 1.98052835, 0.0801744461, -0.185305476, 0.292477131],
        [0.487261027, -0.987260997, 1.47266459, 1.97320044, 0.0725282505, -0.181676492, 0.294462651],
    ],
    'adam_amsgrad': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.189999998, 0.290000021],
        [0.489119411, -0.989119411, 1.48031354, 1.9805578, 0.0801850557, -0.185788199, 0.293020308],
        [0.488304794, -0.988304794, 1.47334087, 1.97389591, 0.0732114613, -0.182819635, 0.295225114],
    ],
    'adam_big_eps': [
        [0.498137981, -0.99634403, 1.49294591, 1.99461448, 0.088771306, -0.194051698, 0.296934694],
        [0.497815877, -0.99571389, 1.48483741, 1.98882604, 0.0753603429, -0.191179752, 0.298270434],
        [0.49752751, -0.995149732, 1.47846138, 1.98434985, 0.0649283007, -0.188960761, 0.299340725],
    ],
    'rmsprop': [
        [0.468377411, -0.968377292, 1.46837723, 1.96837723, 0.0683772266, -0.16837725, 0.268377304],
        [0.486559153, -0.986559093, 1.45019543, 1.95239723, 0.0487656146, -0.176435471, 0.295103401],
        [0.485601336, -0.985601246, 1.44947696, 1.95236349, 0.0484899916, -0.176435471, 0.295479],
    ],
    'rmsprop_momentum': [
        [0.468377411, -0.968377292, 1.46837723, 1.96837723, 0.0683772266, -0.16837725, 0.268377304],
        [0.470747858, -0.970747709, 1.43438399, 1.93658578, 0.0329542272, -0.160624102, 0.279292047],
        [0.47097525, -0.970975101, 1.41666889, 1.92065632, 0.0149671044, -0.15674752, 0.285125017],
    ],
    'rmsprop_centered': [
        [0.466666877, -0.966666698, 1.4666667, 1.9666667, 0.0666666776, -0.166666687, 0.26666677],
        [0.484885544, -0.984885454, 1.44655681, 1.9490701, 0.0449275486, -0.174907818, 0.293546915],
        [0.483925372, -0.983925283, 1.44576812, 1.94903338, 0.0446250513, -0.174907818, 0.2939246],
    ],
    'rmsprop_centered_momentum_eps': [
        [0.491130322, -0.984886229, 1.47912335, 1.98121738, 0.0767504722, -0.180388391, 0.286636949],
        [0.494187534, -0.98954463, 1.45902801, 1.9649241, 0.0530634969, -0.17940405, 0.297700554],
        [0.494813412, -0.990459144, 1.45245552, 1.9600141, 0.0457220413, -0.179108739, 0.3012335],
    ],
    'sgd_weight_decay': [
        [0.444999993, -0.889999986, 1.30499995, 1.80999994, -0.105000004, -0.0899999961, 0.234999999],
        [0.442750007, -0.885500014, 1.15974987, 1.66949999, -0.249750003, -0.110499993, 0.29824999],
        [0.419612527, -0.839225054, 1.09876239, 1.58592498, -0.239262506, -0.104974993, 0.284337461],
    ],
    'adam_weight_decay': [
        [0.489750147, -0.989500105, 1.48925006, 1.98900008, 0.0899500847, -0.1899001, 0.289850146],
        [0.488060087, -0.987560153, 1.47880197, 1.97853374, 0.0800794661, -0.185110524, 0.292182207],
        [0.486522079, -0.985772371, 1.47043037, 1.97021651, 0.0723932311, -0.181388974, 0.294021636],
    ],
    'rmsprop_weight_decay': [
        [0.4681274, -0.967877269, 1.46762717, 1.96737719, 0.0683272257, -0.168277234, 0.268227309],
        [0.486075073, -0.98557508, 1.44871151, 1.95041347, 0.0486814454, -0.176251307, 0.294819295],
        [0.484874219, -0.984124422, 1.44726861, 1.94940448, 0.0483814813, -0.176163182, 0.295047492],
    ],
    'sgd_clipnorm': [
        [0.481742591, -0.963485181, 1.42697036, 1.94522774, 0.0127128484, -0.156356424, 0.278178215],
        [0.500899136, -1.00179827, 1.3503443, 1.89733648, -0.0757523254, -0.171100616, 0.322410792],
        [0.499899149, -0.999798298, 1.34734428, 1.89723647, -0.077752322, -0.171100616, 0.323410779],
    ],
    'sgd_clipvalue': [
        [0.469999999, -0.949999988, 1.45000005, 1.95000005, 0.0500000007, -0.150000006, 0.25],
        [0.49000001, -0.99000001, 1.4000001, 1.9000001, 0.0, -0.175000012, 0.300000012],
        [0.489000022, -0.988000035, 1.39700007, 1.89990008, -0.00200000009, -0.175000012, 0.300999999],
    ],
    'sgd_global_clipnorm': [
        [0.489360094, -0.978720188, 1.45744038, 1.96808028, 0.0290673077, -0.16453366, 0.282266825],
        [0.499404132, -0.998808265, 1.41726422, 1.94297016, -0.0462629795, -0.177088708, 0.319931984],
        [0.498404145, -0.99680829, 1.4142642, 1.94287014, -0.0482629798, -0.177088708, 0.320931971],
    ],
    'adam_clipnorm': [
        [0.499719441, -0.999454141, 1.49896479, 1.99920297, 0.0987872556, -0.199354485, 0.299666494],
        [0.499750227, -0.999513328, 1.49752998, 1.99817741, 0.0971447751, -0.1990854, 0.299934924],
        [0.499754608, -0.999521732, 1.49636972, 1.99738324, 0.0958419964, -0.198877499, 0.300161034],
    ],
    'sgd_exponential_decay': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, -0.100000001, -0.100000001, 0.25],
        [0.469142139, -0.938284278, 1.26343143, 1.82964468, -0.306066036, -0.0676776692, 0.278033018],
        [0.468213201, -0.936426401, 1.20364714, 1.78941703, -0.410099059, -0.0515165031, 0.292549521],
    ],
    'sgd_exponential_decay_staircase': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, -0.100000001, -0.100000001, 0.25],
        [0.49000001, -0.980000019, 1.29999995, 1.86000001, -0.25, -0.125, 0.324999988],
        [0.489500016, -0.979000032, 1.29849994, 1.85995007, -0.250999987, -0.125, 0.325499982],
    ],
    'adam_piecewise': [
        [0.400001705, -0.900001168, 1.40000093, 1.90000105, 8.27014446e-07, -0.100000992, 0.200001329],
        [0.385549933, -0.885549307, 1.30296695, 1.80528331, -0.0982555747, -0.0530547947, 0.224771172],
        [0.384255975, -0.88425535, 1.29533482, 1.79795539, -0.10590177, -0.049425818, 0.226756692],
    ],
    'sgd_callable_lr': [
        [0.484999985, -0.969999969, 1.43999994, 1.95500004, 0.0, -0.150000006, 0.275000006],
        [0.494999975, -0.98999995, 1.39999998, 1.93000007, -0.075000003, -0.162500009, 0.3125],
        [0.494499981, -0.988999963, 1.39849997, 1.92995012, -0.076000005, -0.162500009, 0.312999994],
    ],
    'sgd_ema': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, -0.100000001, -0.100000001, 0.25],
        [0.49000001, -0.980000019, 1.29999995, 1.86000001, -0.25, -0.125, 0.324999988],
        [0.489000022, -0.978000045, 1.29699993, 1.8599, -0.252000004, -0.125, 0.325999975],
    ],
    'sgd_ema_overwrite': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, -0.100000001, -0.100000001, 0.25],
        [0.480000019, -0.960000038, 1.33999991, 1.88499999, -0.174999997, -0.112499997, 0.287499994],
        [0.479000032, -0.958000064, 1.33699989, 1.88489997, -0.177000001, -0.112499997, 0.288499981],
    ],
    'sgd_loss_scale': [
        [0.492500007, -0.985000014, 1.47000003, 1.97749996, 0.0500000007, -0.174999997, 0.287500024],
        [0.497500002, -0.995000005, 1.45000005, 1.96499991, 0.0125000002, -0.181249991, 0.306250036],
        [0.497249991, -0.994499981, 1.4492501, 1.96497488, 0.0120000001, -0.181249991, 0.306500047],
    ],
    'sgd_wd_clip': [
        [0.456742585, -0.913485169, 1.35197031, 1.84522772, 0.00771284848, -0.146356419, 0.2631782],
        [0.443933278, -0.887866557, 1.17123079, 1.67768884, -0.124781542, -0.131961003, 0.283340991],
        [0.425750494, -0.851500988, 1.0530988, 1.55606568, -0.186596841, -0.121824153, 0.286834806],
    ],
    'sgd_constraint': [
        [0.469999999, -0.939999998, 1.38, 1.90999997, 0.0, 0.0, 0.25],
        [0.49000001, -0.980000019, 1.29999995, 1.86000001, 0.0, 0.0, 0.324999988],
        [0.489000022, -0.978000045, 1.29699993, 1.8599, 0.0, 0.0, 0.325999975],
    ],
    'sgd_wd_exclude': [
        [0.444999993, -0.889999986, 1.30499995, 1.80999994, -0.100000001, -0.100000001, 0.25],
        [0.442750007, -0.885500014, 1.15974987, 1.66949999, -0.25, -0.125, 0.324999988],
        [0.419612527, -0.839225054, 1.09876239, 1.58592498, -0.252000004, -0.125, 0.325999975],
    ],
}
KERAS_SLOTS = {
    'sgd_momentum': {
        'w_momentum': [-0.00730000017, 0.0146000003, -0.172200009, -0.117999993],
        'b_momentum': [-0.298999995, 0.0584999956, 0.0280000027],
    },
    'adam': {
        'w_momentum': [0.00730000017, -0.0146000003, 0.172200009, 0.117999993],
        'w_velocity': [0.000129880107, 0.000519520428, 0.00207738159, 0.00105813192],
        'b_momentum': [0.298999995, -0.0584999956, -0.0280000027],
        'b_velocity': [0.00624015415, 0.00106043858, 0.000811537786],
    },
    'adam_amsgrad': {
        'w_momentum': [0.00840000249, -0.016800005, 0.28760004, 0.1954],
        'w_velocity': [0.0109000001, 0.0436000004, 0.174330011, 0.0881100819],
        'b_momentum': [0.5, -0.0880000144, -0.0579999946],
        'b_velocity': [0.526539981, 0.0866249949, 0.0708849952],
        'w_velocity_hat': [0.0121000009, 0.0484000035, 0.193600014, 0.0978999883],
        'b_velocity_hat': [0.584999979, 0.100000001, 0.0787499994],
    },
    'rmsprop_centered_momentum_eps': {
        'w_velocity': [0.0179399997, 0.0717599988, 0.286900014, 0.143680185],
        'b_velocity': [0.872080028, 0.138000011, 0.122019999],
        'w_momentum': [-0.000625890389, 0.000914536708, 0.0065725334, 0.00491004251],
        'b_momentum': [0.00734145567, -0.000295304228, -0.0035329361],
        'w_average_gradient': [0.00840000249, -0.016800005, 0.28760004, 0.1954],
        'b_average_gradient': [0.5, -0.0880000144, -0.0579999946],
    },
    'sgd_ema': {
        'w_average': [0.484500021, -0.969000041, 1.31849992, 1.87244999],
        'b_average': [-0.213499993, -0.118749999, 0.30675],
    },
}


def _variables():
    return Variable(W0.copy(), name="w"), Variable(B0.copy(), name="b")


def _run(case, steps=3):
    """Run CASES[case] for `steps` steps; returns (optimizer, w, b, list of flattened states)."""
    opt = CASES[case]()
    w, b = _variables()
    if case == "sgd_constraint":
        b.constraint = lambda array: array * (array >= 0)
    if case == "sgd_wd_exclude":
        opt.exclude_from_weight_decay(var_names=["b"])
    states = []
    for s in range(steps):
        opt.apply([GW[s], GB[s]], [w, b])
        states.append(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]))
    return opt, w, b, states


# -- numbers pinned against Keras -------------------------------------------------------------
@pytest.mark.parametrize("case", sorted(KERAS_TRAJECTORIES))
def test_trajectory_matches_keras(case):
    opt, w, b, states = _run(case)
    np.testing.assert_allclose(np.array(states), np.array(KERAS_TRAJECTORIES[case]),
                               rtol=1e-6, atol=1e-6)
    assert int(opt.iterations.numpy()) == 3
    for variable in [w, b] + opt.variables[1:]:
        assert variable.dtype == np.float32, variable.path


@pytest.mark.parametrize("case", sorted(KERAS_SLOTS))
def test_slot_values_match_keras(case):
    opt, _, _, _ = _run(case)
    slots = {v.name: v.numpy().ravel() for v in opt.variables
             if v.name not in ("iteration", "learning_rate")}
    assert sorted(slots) == sorted(KERAS_SLOTS[case])
    for name, expected in KERAS_SLOTS[case].items():
        np.testing.assert_allclose(slots[name], expected, rtol=1e-6, atol=1e-6, err_msg=name)


def test_trajectory_is_not_trivially_equal_across_options():
    # The pinned cases must actually exercise their option (else a test could pass vacuously).
    final = {case: np.array(rows[-1]) for case, rows in KERAS_TRAJECTORIES.items()}
    for case in ["sgd_momentum", "sgd_weight_decay", "sgd_clipnorm", "sgd_clipvalue",
                 "sgd_global_clipnorm", "sgd_constraint", "sgd_loss_scale", "sgd_callable_lr"]:
        assert np.abs(final[case] - final["sgd"]).max() > 1e-3, case
    assert np.abs(final["sgd_nesterov"] - final["sgd_momentum"]).max() > 1e-3
    assert np.abs(final["rmsprop_centered"] - final["rmsprop"]).max() > 1e-4
    slots = KERAS_SLOTS["adam_amsgrad"]
    assert np.abs(np.array(slots["w_velocity_hat"]) - slots["w_velocity"]).max() > 1e-4


def test_ema_finalize_copies_the_averages_into_the_weights():
    opt, w, b, _ = _run("sgd_ema")
    opt.finalize_variable_values([w, b])
    np.testing.assert_allclose(w.numpy().ravel(), KERAS_SLOTS["sgd_ema"]["w_average"], atol=1e-6)
    np.testing.assert_allclose(b.numpy().ravel(), KERAS_SLOTS["sgd_ema"]["b_average"], atol=1e-6)


def test_update_formulas_by_hand():
    # Keras's documented formulas, computed independently in float64 for one step.
    g = GW[0].astype("float64")
    w = W0.astype("float64")
    opt = Adam(learning_rate=0.01)
    var = Variable(W0.copy())
    opt.apply([GW[0]], [var])
    m, v = 0.1 * g, 0.001 * g * g
    alpha = 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9)
    np.testing.assert_allclose(var.numpy(), w - alpha * m / (np.sqrt(v) + 1e-7), rtol=2e-6)

    opt = RMSprop(learning_rate=0.01, epsilon=0.1)
    var = Variable(W0.copy())
    opt.apply([GW[0]], [var])
    np.testing.assert_allclose(var.numpy(), w - 0.01 * g / np.sqrt(0.1 * g * g + 0.1), rtol=1e-6)


# -- variables, names, order ------------------------------------------------------------------
def _dense_variables():
    kernel = Variable(np.zeros((2, 3), "float32"), name="kernel")
    kernel.path = "d1/kernel"
    bias = Variable(np.zeros(3, "float32"), name="bias")
    bias.path = "d1/bias"
    return [kernel, bias]


@pytest.mark.parametrize("make, expected", [
    # Printed by Keras 3.15.1 for optimizer.build(dense.trainable_variables), Dense named "d1".
    (lambda: Adam(amsgrad=True, name="adam"),
     ["iteration", "learning_rate", "d1_kernel_momentum", "d1_kernel_velocity", "d1_bias_momentum",
      "d1_bias_velocity", "d1_kernel_velocity_hat", "d1_bias_velocity_hat"]),
    (lambda: Adam(use_ema=True, name="adam"),
     ["iteration", "learning_rate", "d1_kernel_average", "d1_bias_average", "d1_kernel_momentum",
      "d1_kernel_velocity", "d1_bias_momentum", "d1_bias_velocity"]),
    (lambda: SGD(momentum=0.9, name="adam"),
     ["iteration", "learning_rate", "d1_kernel_momentum", "d1_bias_momentum"]),
    (lambda: SGD(name="adam"), ["iteration", "learning_rate"]),
    (lambda: RMSprop(momentum=0.5, centered=True, name="adam"),
     ["iteration", "learning_rate", "d1_kernel_velocity", "d1_bias_velocity", "d1_kernel_momentum",
      "d1_bias_momentum", "d1_kernel_average_gradient", "d1_bias_average_gradient"]),
    (lambda: RMSprop(name="adam"), ["iteration", "learning_rate", "d1_kernel_velocity",
                                    "d1_bias_velocity"]),
])
def test_slot_names_and_order_like_keras(make, expected):
    opt = make()
    opt.build(_dense_variables())
    assert [v.name for v in opt.variables] == expected
    assert [v.path for v in opt.variables] == ["adam/" + name for name in expected]
    assert not any(v.trainable for v in opt.variables)
    assert [v.shape for v in opt.variables[:2]] == [(), ()]
    assert opt.variables[1].dtype == np.float32
    for slot in opt.variables[2:]:
        assert slot.shape == ((2, 3) if "kernel" in slot.name else (3,))
        assert slot.dtype == np.float32 and not slot.numpy().any()


def test_schedule_and_callable_rates_have_no_learning_rate_variable():
    for lr in (schedules.ExponentialDecay(0.1, 10, 0.5), lambda: 0.1):
        opt = Adam(learning_rate=lr, name="o")
        opt.build(_dense_variables())
        assert [v.name for v in opt.variables][:2] == ["iteration", "d1_kernel_momentum"]


def test_iterations_variable():
    opt = SGD(name="o")
    it = opt.iterations
    assert isinstance(it, Variable) and it.name == "iteration" and it.path == "o/iteration"
    assert it.dtype == np.int32 and it.shape == () and not it.trainable  # as in Keras 3
    w, b = _variables()
    assert opt.apply_gradients([(GW[0], w), (GB[0], b)]) is it
    opt.apply([GW[1], GB[1]])  # variables default to the built ones
    assert int(it.numpy()) == 2


def test_variable_sizes_match_keras_summary():
    # Keras 3.15.1: Sequential([Input((2,)), Dense(1)]) fitted with "adam" prints
    # "Optimizer params: 8 (32.00 B)" (int32 iteration, float32 learning_rate and slots).
    kernel = Variable(np.zeros((2, 1), "float32"), name="kernel")
    bias = Variable(np.zeros(1, "float32"), name="bias")
    opt = Adam()
    opt.apply([np.ones((2, 1), "float32"), np.ones(1, "float32")], [kernel, bias])
    assert sum(v.size for v in opt.variables) == 8
    assert sum(v.numpy().nbytes for v in opt.variables) == 32


def test_default_names_like_keras():
    first, second = Adam(), Adam()
    assert second.name != first.name and second.name.startswith("adam")
    assert RMSprop().name.startswith("rm_sprop")  # Keras's own snake_case of "RMSprop"
    assert SGD().name.startswith("sgd")


# -- learning rate ----------------------------------------------------------------------------
def test_learning_rate_is_a_float32_variable_read_as_float():
    opt = Adam(name="o")
    assert opt.learning_rate == 0.0010000000474974513 and isinstance(opt.learning_rate, float)
    variable = opt.variables[1]
    assert variable.path == "o/learning_rate" and variable.dtype == np.float32
    opt.learning_rate = 0.3
    assert opt.variables[1] is variable and opt.learning_rate == 0.30000001192092896
    assert opt.get_config()["learning_rate"] == 0.30000001192092896


def test_learning_rate_schedule_is_evaluated_at_iterations():
    opt = SGD(learning_rate=schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5))
    w, b = _variables()
    seen = []
    for s in range(3):
        seen.append(opt.learning_rate)
        opt.apply([GW[s], GB[s]], [w, b])
    # Keras: schedule(0), schedule(1), schedule(2) in float32.
    np.testing.assert_allclose(seen, [0.1, 0.070710678, 0.05], rtol=1e-6)
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


def test_setting_a_schedule_drops_the_learning_rate_variable():
    opt = SGD(name="o")
    opt.learning_rate = schedules.PiecewiseConstantDecay([5], [0.5, 0.1])
    assert [v.name for v in opt.variables] == ["iteration"]
    assert opt.learning_rate == 0.5
    opt = SGD(learning_rate=lambda: 0.2, name="o")
    opt.learning_rate = 0.25  # a callable may be replaced by a float: the variable comes back
    assert [v.name for v in opt.variables] == ["iteration", "learning_rate"]
    assert opt.learning_rate == pytest.approx(0.25)


def test_custom_schedule_receives_the_step():
    class InverseStep(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 1.0 / (step + 1)

    opt = SGD(learning_rate=InverseStep())
    w = Variable(np.zeros(1, "float32"))
    for _ in range(3):
        opt.apply([np.ones(1, "float32")], [w])
    np.testing.assert_allclose(w.numpy(), [-(1 + 1 / 2 + 1 / 3)], rtol=1e-6)


@pytest.mark.parametrize("bad", ["0.1", [0.1], None, True])
def test_bad_learning_rate_raises(bad):
    with pytest.raises(ValueError, match="learning_rate"):
        SGD(learning_rate=bad)


def test_integer_and_numpy_learning_rates_are_accepted():
    assert SGD(learning_rate=1).learning_rate == 1.0
    assert SGD(learning_rate=np.float64(0.5)).learning_rate == 0.5


# -- the step's mechanics ---------------------------------------------------------------------
def test_update_is_in_place_and_keeps_float32():
    opt = Adam()
    w, b = _variables()
    w_data, b_data = w.data, b.data
    grads = [GW[0].astype("float64"), GB[0].astype("float64")]  # cast to the variable's dtype
    opt.apply(grads, [w, b])
    assert w.data is w_data and b.data is b_data
    assert w.dtype == np.float32 and b.dtype == np.float32


def test_float64_variables_get_float64_slots():
    opt = Adam(learning_rate=0.01)
    w = Variable(W0.astype("float64"), dtype="float64")
    opt.apply([GW[0].astype("float64")], [w])
    assert w.dtype == np.float64 and all(v.dtype == np.float64 for v in opt.variables[2:])
    np.testing.assert_allclose(w.numpy().ravel(), KERAS_TRAJECTORIES["adam"][0][:4], rtol=1e-5)


@pytest.mark.parametrize("case", ["sgd_clipnorm", "sgd_global_clipnorm", "sgd_clipvalue",
                                  "sgd_loss_scale", "adam", "rmsprop_centered_momentum_eps"])
def test_gradients_are_not_modified(case):
    grads = [GW[0].copy(), GB[0].copy()]
    opt = CASES[case]()
    opt.apply(grads, list(_variables()))
    np.testing.assert_array_equal(grads[0], GW[0])
    np.testing.assert_array_equal(grads[1], GB[0])


def test_clipnorm_with_zero_gradient_stays_finite():
    for opt in (SGD(clipnorm=1.0), SGD(global_clipnorm=1.0)):
        w = Variable(np.ones(3, "float32"))
        opt.apply([np.zeros(3, "float32")], [w])
        np.testing.assert_array_equal(w.numpy(), np.ones(3))


def test_none_gradient_skips_the_variable_with_a_warning():
    opt = SGD(learning_rate=0.1)
    w, b = _variables()
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        opt.apply([GW[0], None], [w, b])
    np.testing.assert_array_equal(b.numpy(), B0)
    np.testing.assert_allclose(w.numpy(), W0 - 0.1 * GW[0], rtol=1e-6)
    with pytest.raises(ValueError, match="No gradients provided"):
        opt.apply([None, None], [w, b])


def test_exclude_from_weight_decay_by_variable():
    opt = SGD(learning_rate=0.1, weight_decay=0.5)
    w, b = _variables()
    opt.exclude_from_weight_decay(var_list=[w])
    opt.apply([np.zeros_like(W0), np.zeros_like(B0)], [w, b])
    np.testing.assert_array_equal(w.numpy(), W0)
    np.testing.assert_allclose(b.numpy(), B0 * (1 - 0.1 * 0.5), rtol=1e-6)


def test_scale_loss():
    assert SGD(loss_scale_factor=4.0).scale_loss(2.0) == 8.0
    assert SGD().scale_loss(2.0) == 2.0


def test_set_weights_and_own_variables_round_trip():
    source, _, _, _ = _run("adam")
    target = Adam(learning_rate=0.01, name="o")
    target.build(list(_variables()))
    store = {}
    source.save_own_variables(store)
    target.load_own_variables(store)
    for a, b in zip(source.variables, target.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    fresh = Adam(learning_rate=0.01, name="o")
    fresh.build(list(_variables()))
    fresh.set_weights([v.numpy() for v in source.variables])
    assert int(fresh.iterations.numpy()) == 3
    np.testing.assert_array_equal(fresh.variables[2].numpy(), source.variables[2].numpy())
    with pytest.raises(ValueError, match="shape"):
        fresh.set_weights([np.zeros(2)])
    with pytest.raises(ValueError, match="built"):
        Adam().set_weights([])
    with pytest.warns(UserWarning, match="Skipping variable loading"):
        Adam().load_own_variables(store)


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [dict(clipnorm=1.0, clipvalue=1.0),
                                    dict(clipnorm=1.0, global_clipnorm=1.0),
                                    dict(clipvalue=1.0, global_clipnorm=1.0)])
def test_conflicting_clip_options_raise(kwargs):
    with pytest.raises(ValueError, match="only one of `clipnorm`, `clipvalue` and `global_clipnorm`"):
        Adam(**kwargs)


@pytest.mark.parametrize("make, match", [
    (lambda: SGD(momentum=1.5), "momentum"),
    (lambda: SGD(momentum=-0.1), "momentum"),
    (lambda: Adam(beta_1="0.9"), "beta_1"),
    (lambda: RMSprop(rho=2.0), "rho"),
    (lambda: SGD(clipnorm=-1.0), "clipnorm"),
    (lambda: SGD(weight_decay="a lot"), "weight_decay"),
    (lambda: SGD(use_ema=True, ema_momentum=1.5), "ema_momentum"),
    (lambda: SGD(use_ema=True, ema_overwrite_frequency=0), "ema_overwrite_frequency"),
    (lambda: Adam(foo=1.0), "not recognized"),
])
def test_bad_arguments_raise(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_apply_errors():
    opt = SGD()
    w, b = _variables()
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([GW[0]])
    with pytest.raises(ValueError, match=r"gradient for variable 'w' has shape \(3,\)"):
        opt.apply([GB[0]], [w])
    opt = SGD()
    opt.apply([GW[0]], [w])
    with pytest.raises(ValueError, match="unknown variable"):
        opt.apply([GB[0]], [b])
    with pytest.raises(ValueError, match="1 gradients for 2 variables"):
        SGD().apply([GW[0]], [w, b])
    with pytest.raises(TypeError, match="Variables"):
        SGD().build([W0])


# -- config and lookup ------------------------------------------------------------------------
def test_default_adam_config_is_keras_config():
    config = Adam(name="adam").get_config()
    assert config == {  # keras.optimizers.Adam().get_config(), Keras 3.15.1
        "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None,
        "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
        "ema_momentum": 0.99, "ema_overwrite_frequency": None, "loss_scale_factor": None,
        "gradient_accumulation_steps": None, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
        "amsgrad": False}
    assert list(config) == ["name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm",
                            "clipvalue", "use_ema", "ema_momentum", "ema_overwrite_frequency",
                            "loss_scale_factor", "gradient_accumulation_steps", "beta_1", "beta_2",
                            "epsilon", "amsgrad"]


def test_optimizer_specific_config_keys():
    assert {k: v for k, v in SGD(momentum=0.9).get_config().items()
            if k in ("momentum", "nesterov", "learning_rate")} == {
        "learning_rate": 0.009999999776482582, "momentum": 0.9, "nesterov": False}
    rms = RMSprop(momentum=0.5, centered=True).get_config()
    assert {k: rms[k] for k in ("rho", "momentum", "epsilon", "centered")} == {
        "rho": 0.9, "momentum": 0.5, "epsilon": 1e-07, "centered": True}


@pytest.mark.parametrize("make", [
    lambda: SGD(learning_rate=0.2, momentum=0.5, nesterov=True, weight_decay=0.01, clipnorm=2.0),
    lambda: Adam(learning_rate=0.02, beta_1=0.8, beta_2=0.99, epsilon=1e-5, amsgrad=True,
                 global_clipnorm=3.0, use_ema=True, ema_momentum=0.9, ema_overwrite_frequency=5),
    lambda: RMSprop(learning_rate=0.03, rho=0.8, momentum=0.2, epsilon=1e-6, centered=True,
                    clipvalue=0.5, loss_scale_factor=8.0, name="my_rms"),
    lambda: SGD(learning_rate=schedules.ExponentialDecay(0.1, 100, 0.96, staircase=True)),
    lambda: Adam(learning_rate=schedules.PiecewiseConstantDecay([10, 20], [0.1, 0.01, 0.001])),
])
def test_config_round_trip(make):
    opt = make()
    config = opt.get_config()
    clone = type(opt).from_config(config)
    assert clone.get_config() == config
    rebuilt = optimizers.deserialize(optimizers.serialize(opt))
    assert type(rebuilt) is type(opt) and rebuilt.get_config() == config


def test_schedule_config_is_nested_like_keras():
    opt = SGD(learning_rate=schedules.ExponentialDecay(0.1, 10, 0.5), name="o")
    assert opt.get_config()["learning_rate"] == {  # Keras 3.15.1
        "module": "keras.optimizers.schedules", "class_name": "ExponentialDecay",
        "config": {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5,
                   "staircase": False, "name": "ExponentialDecay"},
        "registered_name": None}
    assert optimizers.serialize(opt)["class_name"] == "SGD"


def test_deserialize_a_keras_written_config():
    keras_config = {  # keras.optimizers.serialize(keras.optimizers.Adam()) on the torch backend
        "module": "keras.src.backend.torch.optimizers.torch_adam", "class_name": "Adam",
        "config": {"name": "adam_8", "learning_rate": 0.0010000000474974513, "weight_decay": None,
                   "clipnorm": None, "global_clipnorm": None, "clipvalue": None, "use_ema": False,
                   "ema_momentum": 0.99, "ema_overwrite_frequency": None,
                   "loss_scale_factor": None, "gradient_accumulation_steps": None,
                   "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False},
        "registered_name": "Adam"}
    opt = optimizers.deserialize(keras_config)
    assert isinstance(opt, Adam) and opt.name == "adam_8"
    assert opt.get_config() == keras_config["config"]


@pytest.mark.parametrize("identifier, cls", [
    ("sgd", SGD), ("SGD", SGD), ("Sgd", SGD), ("adam", Adam), ("Adam", Adam), ("ADAM", Adam),
    ("rmsprop", RMSprop), ("RMSprop", RMSprop),
    ({"class_name": "adam", "config": {"learning_rate": 0.5}}, Adam),
    ({"class_name": "RMSprop", "config": {}}, RMSprop),
])
def test_get_resolves_names_and_configs(identifier, cls):
    opt = optimizers.get(identifier)
    assert type(opt) is cls
    if isinstance(identifier, dict) and identifier["config"]:
        assert opt.learning_rate == 0.5


def test_get_instances_and_none():
    opt = Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None
    assert optimizers.get("sgd") is not optimizers.get("sgd")  # a fresh optimizer each time


def test_get_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown optimizer: 'adamm'.*Did you mean 'adam'.*'adafactor', 'adagrad', 'adam', .*'sgd'"):
        optimizers.get("adamm")
    with pytest.raises(ValueError, match="Unknown optimizer"):
        optimizers.get({"class_name": "Nope", "config": {}})
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3)
    with pytest.raises(TypeError, match="expects an Optimizer"):
        optimizers.serialize("adam")


# -- schedules --------------------------------------------------------------------------------
def test_exponential_decay_values_like_keras():
    schedule = schedules.ExponentialDecay(0.1, 10, 0.5)
    values = [schedule(step) for step in range(3)]
    assert all(isinstance(v, np.float32) for v in values)
    np.testing.assert_allclose(values, [0.1, 0.0933033, 0.08705506], rtol=1e-6)  # Keras 3.15.1
    staircase = schedules.ExponentialDecay(0.1, 3, 0.5, staircase=True)
    np.testing.assert_allclose([staircase(s) for s in range(7)],
                               [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025], rtol=1e-7)
    assert schedule(Variable(np.array(10, "int64"), dtype="int64")) == np.float32(0.05)


def test_piecewise_constant_values_like_keras():
    schedule = schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01])
    np.testing.assert_allclose([schedule(s) for s in range(7)],  # Keras 3.15.1
                               [0.1, 0.1, 0.1, 0.05, 0.05, 0.01, 0.01], rtol=1e-7)


def test_schedule_serialization_round_trip():
    schedule = schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01])
    config = schedules.serialize(schedule)
    assert config == {"module": "keras.optimizers.schedules", "class_name": "PiecewiseConstantDecay",
                      "config": {"boundaries": [2, 4], "values": [0.1, 0.05, 0.01],
                                 "name": "PiecewiseConstant"},
                      "registered_name": None}  # Keras 3.15.1
    clone = schedules.deserialize(config)
    assert type(clone) is schedules.PiecewiseConstantDecay and clone.get_config() == config["config"]
    config = schedules.ExponentialDecay(0.1, 7, 0.9).get_config()
    clone = schedules.ExponentialDecay.from_config(config)
    assert clone(7) == pytest.approx(0.09, rel=1e-6)
    with pytest.raises(ValueError, match="Unknown learning rate schedule"):
        schedules.deserialize({"class_name": "CosineDecayy", "config": {}})


def test_schedule_errors():
    with pytest.raises(ValueError, match="decay_steps"):
        schedules.ExponentialDecay(0.1, 0, 0.5)
    with pytest.raises(ValueError, match="1 less than the length of `values`"):
        schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="strictly increasing"):
        schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3])
    with pytest.raises(NotImplementedError, match="__call__"):
        schedules.LearningRateSchedule()(0)
    with pytest.raises(NotImplementedError, match="get_config"):
        schedules.LearningRateSchedule().get_config()


def test_variables_from_fortran_ordered_values_are_updated_in_place():
    # Regression: an orthogonal initializer returns a transposed (Fortran-ordered) array; the
    # blocked updates must still write into the variable, also above one block of values.
    value = np.asfortranarray(np.arange(2 * 20000, dtype="float32").reshape(2, 20000) / 1e4)
    w = Variable(value, name="w")
    assert w.numpy().flags.c_contiguous
    grad = np.ones_like(value)
    for optimizer in (Adam(learning_rate=0.1), SGD(learning_rate=0.1), RMSprop(learning_rate=0.1)):
        before = w.numpy().copy()
        optimizer.apply([grad], [w])
        assert (w.numpy() < before).all(), type(optimizer).__name__
