"""Lamb against Keras 3.15.1.

The numbers below were produced by keras 3.15.1 (torch backend) with a throwaway script of the
same shape as in test_adadelta_ftrl_lion_adafactor.py, and pasted here (9 significant digits):

    w = keras.Variable(W0, name="w"); b = keras.Variable(B0, name="b")
    opt = <the case's optimizer>(..., name="o")
    for s in range(3):
        opt.apply([convert_to_tensor(GW[s]), convert_to_tensor(GB[s])], [w, b]); record w, b
    state = [(v.path, v.numpy()) for v in opt.variables]

Each trajectory row holds w (2x2, flattened) then b (3,) after that step.
"""
import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers import Lamb, deserialize, get, serialize

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32"),
      np.array([[0.01, -0.02], [0.03, 0.001]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"),
      np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32")]

CASES = {
    "lamb": lambda: Lamb(learning_rate=0.01, name="o"),
    "lamb_default": lambda: Lamb(name="o"),
    "lamb_betas_eps": lambda: Lamb(learning_rate=0.1, beta_1=0.5, beta_2=0.8, epsilon=0.1,
                                   name="o"),
    "lamb_weight_decay": lambda: Lamb(learning_rate=0.01, weight_decay=0.5, name="o"),
}

KERAS_TRAJECTORIES = {
    'lamb': [
        [0.486306936, -0.986306906, 1.48630691, 1.98630691, 0.0978397578, -0.197839752, 0.297839761],
        [0.483447105, -0.983447075, 1.46710515, 1.96756351, 0.094578214, -0.196281403, 0.298661977],
        [0.480208039, -0.98020798, 1.44800031, 1.94922006, 0.0913266689, -0.194738179, 0.299506336],
    ],
    'lamb_default': [
        [0.498630702, -0.998630702, 1.49863064, 1.99863064, 0.0997839794, -0.199783981, 0.299783975],
        [0.498342335, -0.998342335, 1.49669456, 1.99674082, 0.0994550809, -0.199626833, 0.299866885],
        [0.49801293, -0.9980129, 1.49475157, 1.99487531, 0.0991263837, -0.199470833, 0.299952239],
    ],
    'lamb_betas_eps': [
        [0.380601197, -0.863544226, 1.35304761, 1.8567214, 0.0771304518, -0.178169981, 0.279989153],
        [0.400907189, -0.887240827, 1.1720612, 1.68951726, 0.0471803918, -0.171213612, 0.294668347],
        [0.411309838, -0.899795115, 1.00166178, 1.53965259, 0.0168934744, -0.16443415, 0.309515446],
    ],
    'lamb_weight_decay': [
        [0.483875394, -0.981375396, 1.47887552, 1.97637546, 0.0973505527, -0.196850553, 0.296350569],
        [0.478624701, -0.973637164, 1.45247102, 1.94793713, 0.0936347842, -0.194323495, 0.295682847],
        [0.473040849, -0.965578258, 1.42638898, 1.92012787, 0.0899635926, -0.191831678, 0.295036197],
    ],
}
KERAS_STATE_LAMB = [
    ('o/iteration', [3]),
    ('o/learning_rate', [0.009999999776482582]),
    ('o/w_momentum', [0.007300001103430986, -0.014600002206861973, 0.172200009226799, 0.11800000071525574]),
    ('o/w_velocity', [0.00012988010712433606, 0.0005195204284973443, 0.00207738159224391, 0.0010581318056210876]),
    ('o/b_momentum', [0.29899999499320984, -0.05849999934434891, -0.028000004589557648]),
    ('o/b_velocity', [0.00624015461653471, 0.0010604385752230883, 0.0008115378441289067]),
]


def _run(make):
    w, b = Variable(W0.copy(), name="w"), Variable(B0.copy(), name="b")
    w.path, b.path = "w", "b"
    optimizer = make()
    rows = []
    for step in range(3):
        optimizer.apply([GW[step], GB[step]], [w, b])
        rows.append(np.concatenate([np.asarray(w.numpy()).ravel(), np.asarray(b.numpy())]))
    return optimizer, np.array(rows)


@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_keras(case):
    _, rows = _run(CASES[case])
    np.testing.assert_allclose(rows, np.array(KERAS_TRAJECTORIES[case], "float32"), rtol=1e-6,
                               atol=1e-7)


def test_state_matches_keras():
    optimizer, _ = _run(CASES["lamb"])
    assert [v.path for v in optimizer.variables] == [p for p, _ in KERAS_STATE_LAMB]
    for variable, (_, want) in zip(optimizer.variables, KERAS_STATE_LAMB):
        np.testing.assert_allclose(np.asarray(variable.numpy()).ravel(), want, rtol=1e-6,
                                   atol=1e-9)


def test_zero_weights_use_a_ratio_of_one():
    w = Variable(np.zeros((2,), "float32"), name="z")
    Lamb(learning_rate=0.1).apply([np.array([1.0, -2.0], "float32")], [w])
    # ratio 1: the Adam-like step, m_hat / (sqrt(v_hat) + eps) = sign(g) at step 1
    np.testing.assert_allclose(w.numpy(), [-0.1, 0.1], rtol=1e-5)


def test_config_round_trip_and_lookup():
    optimizer = Lamb(learning_rate=0.02, beta_1=0.8, epsilon=1e-6)
    config = optimizer.get_config()
    assert {k: config[k] for k in ("beta_1", "beta_2", "epsilon")} == {
        "beta_1": 0.8, "beta_2": 0.999, "epsilon": 1e-6}
    again = deserialize(serialize(optimizer))
    assert isinstance(again, Lamb) and again.get_config() == config
    assert isinstance(get("lamb"), Lamb)


def test_bad_beta_raises():
    with pytest.raises(ValueError, match="beta_1"):
        Lamb(beta_1=1.5)
