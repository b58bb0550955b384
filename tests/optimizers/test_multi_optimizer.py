"""MultiOptimizer and OptimizerMap against Keras 3.15.1.

KERAS_ROWS / KERAS_STATE were printed by keras 3.15.1 (torch backend) for

    om = OptimizerMap(SGD(0.1, momentum=0.5, name="sgd"), {"w": Adam(0.01, name="adam")})
    opt = MultiOptimizer(om, loss_scale_factor=4.0, name="multi")
    for s in range(2): opt.apply([GW[s], GB[s]], [w, b]); record w (flattened) then b
    state = [(v.path, v.numpy()) for v in opt.variables]

KERAS_WEIGHTS_H5 lists (h5py `visit`) the optimizer part of a Keras `.weights.h5` of
Sequential([Input((2,)), Dense(2, name="enc"), Dense(1, name="dec")], name="s") compiled with
MultiOptimizer(OptimizerMap(SGD(name="sgd"), {"s/enc/.*": Adam(name="adam")})) after one epoch.
"""
import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.backend.autodiff import Variable
from minikeras.optimizers import (SGD, Adam, LossScaleOptimizer, MultiOptimizer, OptimizerMap,
                                  deserialize, serialize)
from minikeras.saving import register_keras_serializable

W0 = np.array([[0.5, -1.0], [1.5, 2.0]], "float32")
B0 = np.array([0.1, -0.2, 0.3], "float32")
GW = [np.array([[0.3, -0.6], [1.2, 0.9]], "float32"),
      np.array([[-0.2, 0.4], [0.8, 0.5]], "float32")]
GB = [np.array([2.0, -1.0, 0.5], "float32"), np.array([1.5, 0.25, -0.75], "float32")]

KERAS_ROWS = [
    [0.490000486, -0.990000308, 1.490000129, 1.990000248, 0.050000001, -0.174999997, 0.287500024],
    [0.488555342, -0.988555133, 1.480296731, 1.980528593, -0.012499999, -0.168750003, 0.300000012],
]
KERAS_STATE = [
    ("multi/iteration", [2]), ("multi/learning_rate", [0.0]), ("adam/iteration", [2]),
    ("adam/learning_rate", [0.009999999776482582]),
    ("adam/w_momentum", [0.0017500000540167093, -0.0035000001080334187, 0.04700000211596489,
                         0.032749999314546585]),
    ("adam/w_velocity", [8.119375706883147e-06, 3.247750282753259e-05, 0.00012991001131013036,
                         6.61993763060309e-05]),
    ("sgd/iteration", [2]), ("sgd/learning_rate", [0.10000000149011612]),
    ("sgd/b_momentum", [-0.0625, 0.0062500000931322575, 0.012500000186264515]),
]
KERAS_WEIGHTS_H5 = (
    ["optimizer", "optimizer/optimizers", "optimizer/optimizers/adam",
     "optimizer/optimizers/adam/vars"]
    + [f"optimizer/optimizers/adam/vars/{i}" for i in range(6)]
    + ["optimizer/optimizers/sgd", "optimizer/optimizers/sgd/vars",
       "optimizer/optimizers/sgd/vars/0", "optimizer/optimizers/sgd/vars/1", "optimizer/vars"]
    + [f"optimizer/vars/{i}" for i in range(10)])


def _variables():
    w, b = Variable(W0.copy(), name="w"), Variable(B0.copy(), name="b")
    w.path, b.path = "w", "b"
    return w, b


def _multi():
    omap = OptimizerMap(SGD(0.1, momentum=0.5, name="sgd"), {"w": Adam(0.01, name="adam")})
    return MultiOptimizer(omap, loss_scale_factor=4.0, name="multi")


def test_split_updates_match_keras():
    optimizer, (w, b) = _multi(), _variables()
    for step in range(2):
        optimizer.apply([GW[step], GB[step]], [w, b])
        row = np.concatenate([np.asarray(w.numpy()).ravel(), np.asarray(b.numpy())])
        np.testing.assert_allclose(row, KERAS_ROWS[step], rtol=1e-6, atol=1e-7)
    assert [v.path for v in optimizer.variables] == [p for p, _ in KERAS_STATE]
    for variable, (_, want) in zip(optimizer.variables, KERAS_STATE):
        np.testing.assert_allclose(np.asarray(variable.numpy()).ravel(), want, rtol=1e-6)
    assert optimizer.scale_loss(2.0) == 8.0
    assert [o.loss_scale_factor for o in optimizer.optimizers] == [4.0, 4.0]


def test_optimizer_map_lookup_rules():
    adam, sgd, rms = Adam(name="adam"), SGD(name="sgd"), SGD(name="rms")
    omap = OptimizerMap(default_optimizer=rms)
    omap["encoder/layer_0/dense"] = adam
    omap["encoder/.*"] = sgd
    omap["decoder"] = adam
    assert omap["decoder"] is adam and omap["encoder/layer_0/attention/query"] is sgd
    assert omap["decoder/layer_0/dense"] is rms
    with pytest.raises(ValueError, match="Multiple optimizers"):
        OptimizerMap(rms, {"a.*": adam, ".*b": sgd})["ab"]
    with pytest.raises(ValueError, match="already exists"):
        omap["decoder"] = sgd
    with pytest.raises(ValueError, match="cannot be LossScaleOptimizer"):
        omap["x"] = LossScaleOptimizer(SGD())
    with pytest.raises(TypeError, match="default_optimizer"):
        OptimizerMap("sgd")
    assert len(omap) == 3 and set(omap) == {"encoder/layer_0/dense", "encoder/.*", "decoder"}


def test_learning_rate_is_not_available():
    optimizer = _multi()
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate
    with pytest.raises(AttributeError, match="sub-optimizers"):
        optimizer.learning_rate = 0.1


@register_keras_serializable(package="MultiOptimizerTest")
def pick(variable):
    return PICKED[0] if variable.path == "w" else PICKED[1]


PICKED = [Adam(0.01, name="adam_pick"), SGD(0.1, name="sgd_pick")]


def test_callable_selector():
    optimizer, (w, b) = MultiOptimizer(pick), _variables()
    optimizer.apply([GW[0], GB[0]], [w, b])
    assert optimizer.optimizers == PICKED
    np.testing.assert_allclose(b.numpy(), B0 - 0.1 * GB[0], rtol=1e-6)
    again = MultiOptimizer.from_config(optimizer.get_config())
    assert again._optimizer_map is pick


def test_config_round_trip():
    optimizer = _multi()
    config = optimizer.get_config()
    assert set(config) == {"optimizer_map", "loss_scale_factor", "name"}
    assert config["optimizer_map"]["class_name"] == "OptimizerMap"
    again = deserialize(serialize(optimizer))
    assert isinstance(again, MultiOptimizer) and again.get_config() == config
    assert [type(o) for o in again.optimizers] == [Adam, SGD]


def test_nested_wrappers_are_refused():
    w, b = _variables()
    with pytest.raises(ValueError, match="LossScaleOptimizer cannot be used"):
        MultiOptimizer(lambda v: LossScaleOptimizer(SGD())).build([w])
    with pytest.raises(ValueError, match="MultiOptimizer cannot be used"):
        MultiOptimizer(lambda v: _multi()).build([b])


def test_weights_file_layout_matches_keras(tmp_path):
    model = minikeras.Sequential([layers.Input((2,)), layers.Dense(2, name="enc"),
                                  layers.Dense(1, name="dec")], name="s")
    omap = OptimizerMap(SGD(name="sgd"), {"s/enc/.*": Adam(name="adam")})
    model.compile(optimizer=MultiOptimizer(omap), loss="mse")
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "m.weights.h5") as f:
        names = []
        f.visit(names.append)
    assert [n for n in names if n.startswith("optimizer")] == KERAS_WEIGHTS_H5
    before = [np.array(v.numpy()) for v in model.optimizer.variables]
    model.fit(np.ones((4, 2)), np.ones((4, 1)), verbose=0)
    model.load_weights(tmp_path / "m.weights.h5")
    for variable, value in zip(model.optimizer.variables, before):
        np.testing.assert_array_equal(variable.numpy(), value)
