"""LossScaleOptimizer against Keras 3.15.1.

KERAS_STEPS was printed by keras 3.15.1 (torch backend) for

    opt = LossScaleOptimizer(SGD(0.1, name="inner"), initial_scale=8.0, dynamic_growth_steps=2,
                             name="o")
    w = keras.Variable([1., 2.], name="w")
    for g in GRADS: opt.apply([g], [w]); record w, the scalar variables, opt.iterations

and KERAS_WEIGHTS_H5 is the group listing (h5py `visit`) of a Keras `.weights.h5` of
Sequential([Input((2,)), Dense(1)]) compiled with LossScaleOptimizer(Adam()) after one fit epoch.
"""
import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.backend.autodiff import Variable
from minikeras.optimizers import SGD, Adam, LossScaleOptimizer, deserialize, get, serialize

GRADS = [[4., 8.], [np.inf, 1.], [4., 4.], [2., 2.], [1., 1.]]
# w after the step; (step_counter, dynamic_scale, inner iteration)
KERAS_STEPS = [
    ([0.95, 1.9], (1, 8.0, 1)),
    ([0.95, 1.9], (0, 4.0, 1)),
    ([0.84999996, 1.8], (1, 4.0, 2)),
    ([0.79999995, 1.75], (0, 8.0, 3)),
    ([0.78749996, 1.7375], (1, 8.0, 4)),
]
KERAS_PATHS = ["o/iteration", "o/learning_rate", "o/step_counter", "o/dynamic_scale",
               "inner/iteration", "inner/learning_rate"]
KERAS_WEIGHTS_H5 = (
    ["layers", "layers/dense", "layers/dense/vars", "layers/dense/vars/0", "layers/dense/vars/1",
     "optimizer", "optimizer/inner_optimizer", "optimizer/inner_optimizer/vars"]
    + [f"optimizer/inner_optimizer/vars/{i}" for i in range(6)]
    + ["optimizer/vars"] + [f"optimizer/vars/{i}" for i in range(10)] + ["vars"])


def _scalar(variable):
    return float(np.asarray(variable.numpy()))


def test_dynamic_scaling_matches_keras():
    optimizer = LossScaleOptimizer(SGD(0.1, name="inner"), initial_scale=8.0,
                                   dynamic_growth_steps=2, name="o")
    w = Variable(np.array([1., 2.], "float32"), name="w")
    w.path = "w"
    for grad, (want_w, (counter, scale, iteration)) in zip(GRADS, KERAS_STEPS):
        optimizer.apply([np.array(grad, "float32")], [w])
        np.testing.assert_allclose(w.numpy(), want_w, rtol=1e-7)
        assert (_scalar(optimizer.step_counter), _scalar(optimizer.dynamic_scale)) == (
            counter, scale)
        assert int(np.asarray(optimizer.iterations.numpy())) == iteration
    assert [v.path for v in optimizer.variables] == KERAS_PATHS
    assert _scalar(optimizer.variables[0]) == 0 and optimizer.scale_loss(1.0) == 8.0


def test_nan_gradient_skips_the_step_and_none_is_ignored():
    optimizer = LossScaleOptimizer(SGD(1.0), initial_scale=4.0)
    w, b = Variable(np.ones(2, "float32"), name="w"), Variable(np.ones(1, "float32"), name="b")
    optimizer.apply([np.array([np.nan, 1.], "float32"), np.ones(1, "float32")], [w, b])
    np.testing.assert_array_equal(w.numpy(), [1., 1.])
    assert _scalar(optimizer.dynamic_scale) == 2.0
    with pytest.warns(UserWarning, match="Gradients do not exist"):
        optimizer.apply([np.array([2., 2.], "float32"), None], [w, b])
    np.testing.assert_allclose(w.numpy(), [0., 0.])


def test_config_round_trip_and_learning_rate_is_the_inner_one():
    optimizer = LossScaleOptimizer(Adam(0.01), initial_scale=16.0, dynamic_growth_steps=5)
    config = optimizer.get_config()
    assert set(config) == {"name", "inner_optimizer", "initial_scale", "dynamic_growth_steps"}
    assert config["inner_optimizer"]["class_name"] == "Adam"
    again = deserialize(serialize(optimizer))
    assert isinstance(again, LossScaleOptimizer) and isinstance(again.inner_optimizer, Adam)
    assert again.get_config() == config
    assert isinstance(get(serialize(optimizer)), LossScaleOptimizer)
    optimizer.learning_rate = 0.5
    assert float(optimizer.inner_optimizer.learning_rate) == 0.5 == optimizer.learning_rate
    assert optimizer.scale_loss(2.0) == 32.0


@pytest.mark.parametrize("kwargs, message", [
    ({"clipnorm": 1.0}, "does not support `clipnorm`"),
    ({"dynamic": False}, "dynamic=False"),
    ({"foo": 1}, "does not support arguments: `foo`"),
])
def test_refused_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LossScaleOptimizer(SGD(), **kwargs)


def test_inner_loss_scale_factor_is_cleared():
    inner = SGD(loss_scale_factor=4.0)
    LossScaleOptimizer(inner)
    assert inner.loss_scale_factor is None


def _model(optimizer):
    model = minikeras.Sequential([layers.Input((2,)), layers.Dense(1, kernel_initializer="ones")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


def test_fit_scales_the_loss_and_unscales_the_gradients():
    x = np.random.default_rng(0).standard_normal((8, 2)).astype("float32")
    y = np.ones((8, 1), "float32")
    plain, scaled = _model(SGD(0.1)), _model(LossScaleOptimizer(SGD(0.1)))
    factor = _model(SGD(0.1, loss_scale_factor=64.0))
    for model in (plain, scaled, factor):
        model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    for model in (scaled, factor):
        for a, b in zip(plain.get_weights(), model.get_weights()):
            np.testing.assert_allclose(a, b, rtol=1e-6)
    assert _scalar(scaled.optimizer.step_counter) == 4


def test_weights_file_layout_matches_keras(tmp_path):
    model = _model(LossScaleOptimizer(Adam()))
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        names = []
        f.visit(names.append)
    assert names == KERAS_WEIGHTS_H5
    again = _model(LossScaleOptimizer(Adam()))
    again.fit(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0)
    again.load_weights(tmp_path / "m.weights.h5")
    for a, b in zip(model.optimizer.variables, again.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_keras_archive_round_trip(tmp_path):
    model = _model(LossScaleOptimizer(Adam(), initial_scale=64.0))
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = minikeras.models.load_model(tmp_path / "m.keras")
    assert isinstance(loaded.optimizer, LossScaleOptimizer)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
