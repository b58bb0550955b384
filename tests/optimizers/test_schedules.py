"""Learning-rate schedules against Keras 3.15.1: values at steps 0..25 pinned from real Keras.

The values were printed by keras 3.15.1 (torch backend) as float32 with 9 significant digits:
    [float(np.float32(keras.ops.convert_to_numpy(schedule(step)))) for step in range(26)]
"""
import math

import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers import SGD, schedules as S

CASES = {
    "poly": lambda: S.PolynomialDecay(0.1, 10),
    "poly_power_end": lambda: S.PolynomialDecay(0.1, 10, end_learning_rate=0.01, power=0.5),
    "poly_cycle": lambda: S.PolynomialDecay(0.1, 4, end_learning_rate=0.01, power=2.0, cycle=True),
    "inverse_time": lambda: S.InverseTimeDecay(0.1, 3, 0.5),
    "inverse_time_staircase": lambda: S.InverseTimeDecay(0.1, 3, 0.5, staircase=True),
    "cosine": lambda: S.CosineDecay(0.1, 10),
    "cosine_alpha": lambda: S.CosineDecay(0.1, 10, alpha=0.2),
    "cosine_warmup": lambda: S.CosineDecay(0.0, 8, alpha=0.1, warmup_target=0.1, warmup_steps=4),
    "restarts": lambda: S.CosineDecayRestarts(0.1, 3),
    "restarts_t1_m": lambda: S.CosineDecayRestarts(0.1, 3, t_mul=1.0, m_mul=0.5, alpha=0.1),
    "restarts_t15": lambda: S.CosineDecayRestarts(0.1, 2, t_mul=1.5, m_mul=0.8),
}

KERAS_VALUES = {
    "poly": [0.100000001, 0.0900100023, 0.080020003, 0.0700300038, 0.0600400046, 0.0500500016, 0.0400599986, 0.0300700013, 0.0200799983, 0.0100900019, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05, 9.99999975e-05],
    "poly_power_end": [0.100000001, 0.0953814983, 0.0904984474, 0.0852994025, 0.0797137022, 0.0736396089, 0.0669210032, 0.0592950359, 0.0502492264, 0.0384605005, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978, 0.00999999978],
    "poly_cycle": [0.100000001, 0.0606250018, 0.0324999988, 0.015625, 0.00999999978, 0.0226562507, 0.015625, 0.0114062503, 0.00999999978, 0.015625, 0.0125000002, 0.0106249992, 0.00999999978, 0.0131640621, 0.0114062503, 0.0103515619, 0.00999999978, 0.0120249996, 0.0109000001, 0.0102249999, 0.00999999978, 0.0114062503, 0.0106249992, 0.0101562496, 0.00999999978, 0.0110331634],
    "inverse_time": [0.100000001, 0.0857142881, 0.0749999955, 0.0666666701, 0.0599999987, 0.0545454584, 0.0500000007, 0.0461538509, 0.0428571403, 0.0399999991, 0.0375000015, 0.0352941155, 0.0333333351, 0.0315789469, 0.0300000012, 0.0285714287, 0.0272727273, 0.0260869581, 0.0250000004, 0.0239999983, 0.0230769254, 0.0222222228, 0.0214285702, 0.020689657, 0.0199999996, 0.0193548389],
    "inverse_time_staircase": [0.100000001, 0.100000001, 0.100000001, 0.0666666701, 0.0666666701, 0.0666666701, 0.0500000007, 0.0500000007, 0.0500000007, 0.0399999991, 0.0399999991, 0.0399999991, 0.0333333351, 0.0333333351, 0.0333333351, 0.0285714287, 0.0285714287, 0.0285714287, 0.0250000004, 0.0250000004, 0.0250000004, 0.0222222228, 0.0222222228, 0.0222222228, 0.0199999996, 0.0199999996],
    "cosine": [0.100000001, 0.0975528285, 0.0904508457, 0.0793892667, 0.0654508471, 0.049999997, 0.0345491432, 0.0206107404, 0.00954915024, 0.00244717603, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    "cosine_alpha": [0.100000001, 0.0980422646, 0.0923606753, 0.0835114121, 0.0723606795, 0.0599999987, 0.0476393178, 0.0364885926, 0.0276393201, 0.0219577421, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014, 0.0200000014],
    "cosine_warmup": [0, 0.0250000004, 0.0500000007, 0.075000003, 0.100000001, 0.0965745822, 0.0868198127, 0.0722207576, 0.054999996, 0.0377792418, 0.0231801961, 0.0134254172, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007, 0.0100000007],
    "restarts": [0.100000001, 0.075000003, 0.0249999966, 0.100000001, 0.0933012739, 0.075000003, 0.049999997, 0.025000006, 0.00669872481, 0.100000001, 0.0982962996, 0.0933012739, 0.0853553414, 0.0749999955, 0.0629409626, 0.049999997, 0.0370590352, 0.025000006, 0.0146446619, 0.00669872481, 0.00170370936, 0.100000001, 0.0995722413, 0.0982962996, 0.0961939767, 0.0933012739],
    "restarts_t1_m": [0.100000001, 0.0775000006, 0.0324999951, 0.0550000034, 0.0437499993, 0.0212500039, 0.0324999988, 0.0268750023, 0.0156249972, 0.0212500002, 0.0184375029, 0.012812498, 0.015625, 0.0142187495, 0.0114062512, 0.0128124999, 0.0121093746, 0.010703126, 0.0114062503, 0.0110546872, 0.0103515638, 0.010703125, 0.0105273444, 0.0101757823, 0.0103515629, 0.010263673],
    "restarts_t15": [0.100000001, 0.049999997, 0.0800000057, 0.0600000024, 0.0199999977, 0.064000003, 0.056513425, 0.0375567451, 0.0160000008, 0.00192983449, 0.0505099557, 0.0452107377, 0.0357396454, 0.0241114944, 0.0127999997, 0.00421151007, 0.000173097229, 0.0404079631, 0.0380143002, 0.033946041, 0.0285917167, 0.0224626884, 0.0161443036, 0.0102399988, 0.00531365769, 0.00183576555],
}

KERAS_CONFIGS = {
    "poly_cycle": {"initial_learning_rate": 0.1, "decay_steps": 4, "end_learning_rate": 0.01,
                   "power": 2.0, "cycle": True, "name": "PolynomialDecay"},
    "inverse_time": {"initial_learning_rate": 0.1, "decay_steps": 3, "decay_rate": 0.5,
                     "staircase": False, "name": "InverseTimeDecay"},
    "cosine_warmup": {"initial_learning_rate": 0.0, "decay_steps": 8, "alpha": 0.1,
                      "name": "CosineDecay", "warmup_target": 0.1, "warmup_steps": 4},
    "restarts": {"initial_learning_rate": 0.1, "first_decay_steps": 3, "t_mul": 2.0, "m_mul": 1.0,
                 "alpha": 0.0, "name": "SGDRDecay"},
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_values_match_keras(case):
    schedule = CASES[case]()
    values = [schedule(step) for step in range(26)]
    assert all(isinstance(v, np.float32) for v in values)
    np.testing.assert_allclose(values, KERAS_VALUES[case], rtol=2e-6, atol=1e-9)


@pytest.mark.parametrize("case", sorted(KERAS_CONFIGS))
def test_configs_match_keras_and_round_trip(case):
    schedule = CASES[case]()
    assert schedule.get_config() == KERAS_CONFIGS[case]
    rebuilt = S.deserialize(S.serialize(schedule))
    assert type(rebuilt) is type(schedule) and rebuilt.get_config() == schedule.get_config()
    assert rebuilt(7) == schedule(7)


def test_formulas_by_hand():
    assert math.isclose(S.PolynomialDecay(1.0, 4, end_learning_rate=0.0, power=2.0)(1), 0.5625,
                        rel_tol=1e-6)
    assert math.isclose(S.InverseTimeDecay(1.0, 2, 1.0)(4), 1 / 3, rel_tol=1e-6)
    assert math.isclose(S.CosineDecay(2.0, 4)(2), 1.0, rel_tol=1e-6)      # half way: cos = 0
    # t_mul = 2 and 3 first steps: periods [0, 3), [3, 9), [9, 21): each restart is back at 0.1
    restarts = S.CosineDecayRestarts(0.1, 3)
    assert [restarts(s) for s in (0, 3, 9, 21)] == pytest.approx([0.1] * 4, rel=1e-6)


def test_schedule_drives_an_optimizer_per_step():
    w = Variable(np.zeros(1, "float32"), name="w")
    optimizer = SGD(learning_rate=S.CosineDecay(0.1, 10))
    for _ in range(3):
        optimizer.apply([np.ones(1, "float32")], [w])
    expected = -sum(KERAS_VALUES["cosine"][:3])
    np.testing.assert_allclose(w.numpy(), [expected], rtol=1e-6)


@pytest.mark.parametrize("build, argument", [
    (lambda: S.PolynomialDecay(0.1, 0), "decay_steps"),
    (lambda: S.InverseTimeDecay(0.1, -1, 0.5), "decay_steps"),
    (lambda: S.CosineDecay(0.1, 0), "decay_steps"),
    (lambda: S.CosineDecayRestarts(0.1, 0), "first_decay_steps"),
])
def test_non_positive_decay_steps_raise(build, argument):
    with pytest.raises(ValueError, match=rf"`{argument}` must be > 0"):
        build()
