"""Gradient accumulation (`gradient_accumulation_steps`) against Keras 3.15.1.

Each row is w (2x2, flattened) then b (3,) after one `apply` call; the rows were printed by
keras 3.15.1 (torch backend) for the same optimizers, initial values and gradients:

    w = keras.Variable(W0, name="w"); b = keras.Variable(B0, name="b")
    for s in range(6): opt.apply([GW[s], GB[s]], [w, b]); record w, b
"""
import numpy as np
import pytest

from minikeras.backend.autodiff import Variable
from minikeras.optimizers import SGD, Adam, RMSprop, schedules

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32"),
      np.array([[0.01, -0.02], [0.03, 0.001]], "float32"),
      np.array([[0.5, 0.1], [-0.3, 0.2]], "float32"),
      np.array([[0.7, -0.1], [0.2, -0.4]], "float32"),
      np.array([[-0.3, 0.3], [0.6, 0.1]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"),
      np.array([1.5, 0.25, -0.75], "float32"),
      np.array([0.02, 0.0, -0.01], "float32"),
      np.array([-0.4, 0.8, 0.3], "float32"),
      np.array([0.1, 0.2, -0.9], "float32"),
      np.array([0.6, -0.5, 0.4], "float32")]

CASES = {
    "sgd_momentum_acc2": lambda: SGD(0.1, momentum=0.9, gradient_accumulation_steps=2, name="o"),
    "adam_acc3": lambda: Adam(0.01, gradient_accumulation_steps=3, name="o"),
    # the schedule counts calls (0.1, 0.05, 0.025, ...), bias corrections count updates
    "adam_acc2_schedule": lambda: Adam(schedules.ExponentialDecay(0.1, 1, 0.5),
                                       gradient_accumulation_steps=2, name="o"),
    "sgd_acc2_ema": lambda: SGD(0.1, use_ema=True, ema_momentum=0.5,
                                gradient_accumulation_steps=2, name="o"),
    "sgd_acc2_clip_wd": lambda: SGD(0.1, clipnorm=0.5, weight_decay=0.1,
                                    gradient_accumulation_steps=2, name="o"),
    "rmsprop_acc2": lambda: RMSprop(0.01, gradient_accumulation_steps=2, name="o"),
}

KERAS_TRAJECTORIES = {
    "sgd_momentum_acc2": [
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.495000005, -0.99000001, 1.39999998, 1.92999995, -0.0749999955, -0.162499994, 0.3125],
        [0.495000005, -0.99000001, 1.39999998, 1.92999995, -0.0749999955, -0.162499994, 0.3125],
        [0.465000004, -0.985000014, 1.32349992, 1.85694993, -0.213499993, -0.168749988, 0.309249997],
        [0.465000004, -0.985000014, 1.32349992, 1.85694993, -0.213499993, -0.168749988, 0.309249997],
        [0.418000013, -0.990500033, 1.21464992, 1.80620492, -0.373149991, -0.159374982, 0.331324995],
    ],
    "adam_acc3": [
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.490000933, -0.990000486, 1.49000013, 1.99000013, 0.090000093, -0.190000191, 0.309999585],
        [0.490000933, -0.990000486, 1.49000013, 1.99000013, 0.090000093, -0.190000191, 0.309999585],
        [0.490000933, -0.990000486, 1.49000013, 1.99000013, 0.090000093, -0.190000191, 0.309999585],
        [0.481802136, -0.992041051, 1.48171377, 1.98384678, 0.0826916024, -0.188555017, 0.319847763],
    ],
    "adam_acc2_schedule": [
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.450003505, -0.950001895, 1.45000052, 1.95000052, 0.0500004292, -0.150000751, 0.349998415],
        [0.450003505, -0.950001895, 1.45000052, 1.95000052, 0.0500004292, -0.150000751, 0.349998415],
        [0.439264834, -0.945681989, 1.44294536, 1.94038749, 0.0426782668, -0.151061282, 0.348419011],
        [0.439264834, -0.945681989, 1.44294536, 1.94038749, 0.0426782668, -0.151061282, 0.348419011],
        [0.436402619, -0.946429431, 1.44094181, 1.93898487, 0.0409007892, -0.150731817, 0.349818885],
    ],
    "sgd_acc2_ema": [
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.495000005, -0.99000001, 1.39999998, 1.92999995, -0.075000003, -0.162500009, 0.3125],
        [0.495000005, -0.99000001, 1.39999998, 1.92999995, -0.075000003, -0.162500009, 0.3125],
        [0.469500005, -0.994000018, 1.41349995, 1.91994989, -0.0560000017, -0.202500015, 0.298000008],
        [0.469500005, -0.994000018, 1.41349995, 1.91994989, -0.0560000017, -0.202500015, 0.298000008],
        [0.449499995, -1.00400007, 1.37349999, 1.93494987, -0.0910000056, -0.187500015, 0.323000014],
    ],
    "sgd_acc2_clip_wd": [
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.492960453, -0.985920906, 1.44420922, 1.95144641, 0.0502286889, -0.18754901, 0.300483674],
        [0.492960453, -0.985920906, 1.44420922, 1.95144641, 0.0502286889, -0.18754901, 0.300483674],
        [0.462530851, -0.98006171, 1.44326711, 1.92188191, 0.0687264055, -0.225673527, 0.282978863],
        [0.462530851, -0.98006171, 1.44326711, 1.92188191, 0.0687264055, -0.225673527, 0.282978863],
        [0.43790555, -0.980261087, 1.38883448, 1.9176631, 0.0330391377, -0.20841679, 0.305149078],
    ],
    "rmsprop_acc2": [
        [0.5, -1, 1.5, 2, 0.100000001, -0.200000003, 0.300000012],
        [0.468383551, -0.968378782, 1.46837723, 1.96837723, 0.0683772266, -0.16837734, 0.331621766],
        [0.468383551, -0.968378782, 1.46837723, 1.96837723, 0.0683772266, -0.16837734, 0.331621766],
        [0.437294304, -0.980664134, 1.47283232, 1.96364546, 0.0719728023, -0.192006573, 0.307143211],
        [0.437294304, -0.980664134, 1.47283232, 1.96364546, 0.0719728023, -0.192006573, 0.307143211],
        [0.417348921, -1.00328588, 1.46009636, 1.97089183, 0.0651552752, -0.183048874, 0.332917809],
    ],
}


def run(case, steps=6):
    w, b = Variable(W0.copy(), name="w"), Variable(B0.copy(), name="b")
    w.path, b.path = "w", "b"
    optimizer = CASES[case]()
    rows = []
    for s in range(steps):
        optimizer.apply([GW[s], GB[s]], [w, b])
        rows.append(np.concatenate([w.numpy().ravel(), b.numpy().ravel()]))
    return optimizer, rows


@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_matches_keras(case):
    _, rows = run(case)
    np.testing.assert_allclose(np.array(rows), np.array(KERAS_TRAJECTORIES[case]), rtol=2e-6,
                               atol=1e-7)


def test_variables_iterations_and_accumulators_like_keras():
    optimizer, _ = run("adam_acc3")
    assert [v.path for v in optimizer.variables] == [
        "o/iteration", "o/learning_rate", "o/w_gradient_accumulator", "o/b_gradient_accumulator",
        "o/w_momentum", "o/w_velocity", "o/b_momentum", "o/b_velocity"]
    assert int(optimizer.iterations) == 2 and int(optimizer.variables[0].numpy()) == 6
    for accumulator in optimizer.variables[2:4]:
        assert not accumulator.numpy().any()           # zeroed by the update on call 6


def test_ema_averages_match_keras():
    optimizer, _ = run("sgd_acc2_ema")
    assert [v.path for v in optimizer.variables] == [
        "o/iteration", "o/learning_rate", "o/w_average", "o/b_average",
        "o/w_gradient_accumulator", "o/b_gradient_accumulator"]
    np.testing.assert_allclose(optimizer.variables[2].numpy().ravel(),
                               [0.462687492, -0.998500049, 1.39181256, 1.92870617], rtol=2e-6)
    np.testing.assert_allclose(optimizer.variables[3].numpy().ravel(),
                               [-0.0758750066, -0.190000013, 0.312312514], rtol=2e-6)


def test_mean_of_the_accumulated_gradients_by_hand():
    w = Variable(np.zeros(2, "float32"), name="w")
    optimizer = SGD(learning_rate=1.0, gradient_accumulation_steps=4)
    grads = [np.array([1.0, -2.0], "float32"), np.array([3.0, 0.0], "float32"),
             np.array([0.0, 2.0], "float32"), np.array([4.0, 4.0], "float32")]
    for g in grads[:3]:
        optimizer.apply([g], [w])
        assert not w.numpy().any()
    optimizer.apply([grads[3]], [w])
    np.testing.assert_allclose(w.numpy(), -np.mean(grads, axis=0))
    assert optimizer.get_config()["gradient_accumulation_steps"] == 4


@pytest.mark.parametrize("bad", [1, 0.5, 2.0, -3, True])
def test_bad_accumulation_steps_raise(bad):
    with pytest.raises(ValueError, match=r"SGD: `gradient_accumulation_steps` must be an integer "
                                         r">= 2"):
        SGD(gradient_accumulation_steps=bad)
