"""ScheduleFreeAdamW against Keras 3.15.1.

Keras's update reads the old fast iterate z ("momentum") as `momentum.value` after
`assign_sub(momentum, ...)` has run. On JAX and TensorFlow that value is the old z, as the
algorithm (Defazio et al., 2024) needs to recover x from y; on the torch backend `assign_sub` is
an in-place `copy_`, so `momentum.value` aliases the *new* z and the trajectories drift from the
second step on. minikeras follows the algorithm (and Keras's JAX/TF behaviour).

The numbers below were therefore printed by keras 3.15.1 on the torch backend with the momentum
update made out of place (a recording subclass of keras.optimizers.ScheduleFreeAdamW whose
`assign_sub` rebinds the momentum variable's value instead of copying into it), with the same
throwaway script as test_adadelta_ftrl_lion_adafactor.py (3 steps, w then b in each row; the
state after "schedule_free_weight_decay"). KERAS_TORCH_STEP_2 is what unpatched torch Keras gives
at step 2 of "schedule_free", kept to show the difference.
"""
import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers import ScheduleFreeAdamW, deserialize, serialize

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32"),
      np.array([[0.01, -0.02], [0.03, 0.001]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"),
      np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32")]

CASES = {
    "schedule_free": lambda: ScheduleFreeAdamW(learning_rate=0.01, name="o"),
    "schedule_free_default": lambda: ScheduleFreeAdamW(name="o"),
    "schedule_free_warmup": lambda: ScheduleFreeAdamW(learning_rate=0.1, beta_1=0.5, beta_2=0.8,
                                                      epsilon=0.01, warmup_steps=2, name="o"),
    "schedule_free_weight_decay": lambda: ScheduleFreeAdamW(learning_rate=0.01,
                                                            weight_decay=0.5, name="o"),
}

KERAS_TRAJECTORIES = {
    'schedule_free': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.189999998, 0.290000021],
        [0.494314969, -0.994314969, 1.48568511, 1.98622215, 0.0853327885, -0.191886902, 0.296471208],
        [0.495299637, -0.995299637, 1.48436391, 1.98518491, 0.0840044618, -0.192401499, 0.298312962],
    ],
    'schedule_free_default': [
        [0.497500002, -0.997500002, 1.49749994, 1.99749994, 0.0975000039, -0.197500005, 0.297500014],
        [0.498578757, -0.998578727, 1.49642122, 1.99655545, 0.0963331982, -0.197971731, 0.299117833],
        [0.498824894, -0.998824894, 1.49609089, 1.99629617, 0.0960011035, -0.198100358, 0.299578279],
    ],
    'schedule_free_warmup': [
        [0.45161289, -0.950819671, 1.45041323, 1.95054948, 0.050248757, -0.150495052, 0.250980407],
        [0.509428859, -1.00977182, 1.39087605, 1.8981986, -0.0140350815, -0.177196145, 0.336097509],
        [0.512548208, -1.01293349, 1.38168597, 1.89226127, -0.0221677255, -0.180162936, 0.346862048],
    ],
    'schedule_free_weight_decay': [
        [0.49000001, -0.99000001, 1.49000001, 1.99000001, 0.0900000036, -0.189999998, 0.290000021],
        [0.493089944, -0.991839945, 1.48196006, 1.98124707, 0.0851077884, -0.191411898, 0.295746207],
        [0.492839336, -0.990343511, 1.47694075, 1.97526419, 0.0835707784, -0.191446781, 0.296843797],
    ],
}
KERAS_STATE = [
    ('o/iteration', [3]),
    ('o/learning_rate', [0.009999999776482582]),
    ('o/w_momentum', [0.4973650276660919, -0.9973650574684143, 1.4817942380905151, 1.983114242553711]),
    ('o/w_velocity', [0.0001298784336540848, 0.0005195137346163392, 0.0020773548167198896, 0.0010581181850284338]),
    ('o/b_momentum', [0.08137555420398712, -0.19343072175979614, 0.30195799469947815]),
    ('o/b_velocity', [0.006240073591470718, 0.0010604248382151127, 0.0008115273085422814]),
]
KERAS_TORCH_STEP_2 = [0.49392271, -0.99392271, 1.48607731, 1.98656559, 0.0857570842,
                      -0.191715375, 0.29588291]


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
    optimizer, _ = _run(CASES["schedule_free_weight_decay"])
    assert [v.path for v in optimizer.variables] == [p for p, _ in KERAS_STATE]
    for variable, (_, want) in zip(optimizer.variables, KERAS_STATE):
        np.testing.assert_allclose(np.asarray(variable.numpy()).ravel(), want, rtol=1e-6,
                                   atol=1e-9)


def test_torch_keras_aliasing_is_not_copied():
    _, rows = _run(CASES["schedule_free"])
    assert not np.allclose(rows[1], KERAS_TORCH_STEP_2, rtol=1e-6)


def test_momentum_starts_as_the_weights():
    w = Variable(W0.copy(), name="w")
    optimizer = ScheduleFreeAdamW()
    optimizer.build([w])
    np.testing.assert_array_equal(optimizer.variables[2].numpy(), W0)


def test_config_round_trip():
    optimizer = ScheduleFreeAdamW(learning_rate=0.1, warmup_steps=5)
    config = optimizer.get_config()
    assert {k: config[k] for k in ("beta_1", "beta_2", "epsilon", "warmup_steps")} == {
        "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-8, "warmup_steps": 5}
    assert deserialize(serialize(optimizer)).get_config() == config
