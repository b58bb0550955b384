"""Muon against Keras 3.15.1.

The numbers below were printed by keras 3.15.1 (torch backend) for three variables updated
together for 3 steps: w (2x3, gets Muon), "my_embedding" (2x2, AdamW unless
exclude_embeddings=False) and b (1-D, AdamW); each row holds w, my_embedding and b (flattened)
after that step:

    w, e, b = keras.Variable(W0, name="w"), keras.Variable(E0, name="my_embedding"), ...
    opt = <the case's optimizer>(..., name="o")
    for s in range(3): opt.apply([GW[s], GE[s], GB[s]], [w, e, b]); record w, e, b

Tolerances: rtol 1e-5 with atol 1e-7. Most values agree to the printed 9 digits; a few differ
by single float32 roundings (NumPy and torch sum the Newton-Schulz matrix products in a
different order).
"""
import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers import Muon, deserialize, serialize

W0 = np.array([[0.5, -1.0, 0.25], [1.5, 2.0, -0.5]], "float32")
E0 = np.array([[0.2, 0.1], [-0.3, 0.4]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6, 0.1], [1.2, 0.9, -0.4]], "float32"),
      np.array([[-0.2, 0.4, 0.3], [0.8, 0.5, 0.2]], "float32"),
      np.array([[0.01, -0.02, 0.05], [0.03, 0.001, -0.04]], "float32")]
GE = [np.array([[0.5, -0.5], [0.25, 1.0]], "float32")] * 3
GB = [np.array([2.0, -1.0, 0.5], "float32"), np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32")]

CASES = {
    "muon": lambda: Muon(learning_rate=0.01, name="o"),
    "muon_default": lambda: Muon(name="o"),
    "muon_plain": lambda: Muon(learning_rate=0.1, nesterov=False, rms_rate=None,
                               weight_decay=None, adam_weight_decay=None, momentum=0.5,
                               ns_steps=2, adam_lr_ratio=0.5, name="o"),
    "muon_exclude": lambda: Muon(learning_rate=0.01, exclude_layers=["w"],
                                 exclude_embeddings=False, weight_decay=0.1, name="o"),
}

KERAS_TRAJECTORIES = {
    'muon': [
        [0.497791559, -0.997034729, 0.249612421, 1.49784434, 1.99871111, -0.499369413, 0.18999213, 0.109995872, -0.309987813, 0.389984101, 0.0899960846, -0.1899921, 0.28998813],
        [0.49827221, -0.997745275, 0.247299537, 1.49568355, 1.99722183, -0.499348521, 0.179984674, 0.119991325, -0.319975227, 0.379968643, 0.0801668465, -0.185289875, 0.292453527],
        [0.497522712, -0.996928692, 0.245083958, 1.49352109, 1.99575484, -0.499114901, 0.169977546, 0.12998645, -0.329962343, 0.369953513, 0.0725174472, -0.181653485, 0.294427335],
    ],
    'muon_default': [
        [0.499779165, -0.999703467, 0.249961242, 1.49978447, 1.99987113, -0.499936938, 0.198999211, 0.100999586, -0.300998807, 0.39899841, 0.0989996046, -0.198999211, 0.298998833],
        [0.499827236, -0.999774516, 0.249729961, 1.49956846, 1.99972224, -0.499934852, 0.197998434, 0.101999171, -0.301997602, 0.397996813, 0.098016642, -0.19852896, 0.299245328],
        [0.499752283, -0.999692857, 0.249508396, 1.49935222, 1.9995755, -0.499911487, 0.196997657, 0.102998756, -0.302996367, 0.396995246, 0.0972516239, -0.198165268, 0.299442679],
    ],
    'muon_plain': [
        [0.463479817, -0.941705942, 0.241401464, 1.42155743, 1.94485462, -0.474746168, 0.150000662, 0.14999935, -0.34999904, 0.350000501, 0.0500004143, -0.150000498, 0.250000656],
        [0.481997401, -0.970374465, 0.13364321, 1.33119202, 1.883834, -0.473965287, 0.100001395, 0.199998617, -0.399998099, 0.300001115, 0.000872213393, -0.126527399, 0.262385577],
        [0.486690313, -0.984554648, 0.0362317339, 1.24101996, 1.8249383, -0.469579518, 0.0500017628, 0.249998242, -0.449997544, 0.250001401, -0.0373587795, -0.108382508, 0.272313178],
    ],
    'muon_exclude': [
        [0.489980161, -0.989960134, 0.239990383, 1.48994017, 1.98992014, -0.489980161, 0.196981356, 0.100771226, -0.301109344, 0.397857547, 0.0899960846, -0.1899921, 0.28998813],
        [0.488515377, -0.988475382, 0.230803162, 1.48017716, 1.98036873, -0.487297237, 0.193965733, 0.101541683, -0.302217543, 0.395717233, 0.0801668465, -0.185289875, 0.292453527],
        [0.487201869, -0.987141907, 0.222788513, 1.47248578, 1.97296154, -0.484657586, 0.190953121, 0.102311365, -0.30332464, 0.393579066, 0.0725174472, -0.181653485, 0.294427335],
    ],
}
KERAS_PATHS = ['o/iteration', 'o/learning_rate', 'o/w_momentum', 'o/my_embedding_momentum', 'o/my_embedding_velocity', 'o/b_momentum', 'o/b_velocity']


def _variables():
    made = []
    for value, name in ((W0, "w"), (E0, "my_embedding"), (B0, "b")):
        variable = Variable(value.copy(), name=name)
        variable.path = name
        made.append(variable)
    return made


def _run(make):
    variables, optimizer, rows = _variables(), make(), []
    for step in range(3):
        optimizer.apply([GW[step], GE[step], GB[step]], variables)
        rows.append(np.concatenate([np.asarray(v.numpy()).ravel() for v in variables]))
    return optimizer, np.array(rows)


@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_keras(case):
    _, rows = _run(CASES[case])
    np.testing.assert_allclose(rows, np.array(KERAS_TRAJECTORIES[case], "float32"), rtol=1e-5,
                               atol=1e-7)


def test_slots_match_keras():
    optimizer, _ = _run(CASES["muon"])
    assert [v.path for v in optimizer.variables] == KERAS_PATHS


def test_newton_schulz_is_near_orthogonal():
    x = np.random.default_rng(0).standard_normal((4, 6)).astype("float32")
    o = Muon().zeropower_via_newtonschulz5(x, 5)
    singular = np.linalg.svd(o, compute_uv=False)
    assert singular.min() > 0.5 and singular.max() < 1.3   # the quintic's band around 1
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        Muon().zeropower_via_newtonschulz5(np.ones(3, "float32"), 5)


def test_config_round_trip():
    optimizer = Muon(exclude_layers=["head"], ns_steps=3, rms_rate=None)
    config = optimizer.get_config()
    for key, value in {"adam_beta_1": 0.9, "adam_beta_2": 0.999, "adam_weight_decay": 0.004,
                       "epsilon": 1e-7, "weight_decay": 0.004, "exclude_layers": ["head"],
                       "exclude_embeddings": True, "muon_a": 3.4445, "muon_b": -4.775,
                       "muon_c": 2.0315, "adam_lr_ratio": 1, "momentum": 0.95, "ns_steps": 3,
                       "nesterov": True, "rms_rate": None}.items():
        assert config[key] == value, key
    assert deserialize(serialize(optimizer)).get_config() == config
