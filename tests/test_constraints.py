"""Constraints: projections pinned from Keras 3.15.1 (epsilon 1e-7 included), configs, lookup."""
import numpy as np
import pytest

from minikeras import constraints as C
from minikeras.backend.autodiff import Variable

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.25], [-3.0, 0.75, 1.0], [0.1, 0.2, -0.3]])

# keras.constraints.<X>(...)(W) with float64 W, keras 3.15.1 (torch backend).
KERAS = {
    "max_norm": [[0.294755776779972, -0.9999999210047557, 1.7621828569146922],
                 [0.884267330339916, 0.0, -0.22027285711433653],
                 [-1.768534660679832, 0.7499999407535667, 0.8810914284573461],
                 [0.058951155355994406, 0.19999998420095114, -0.2643274285372038]],
    "max_norm_1_axis1": [[0.2182178807121833, -0.4364357614243666, 0.8728715228487332],
                         [0.9863938589672832, 0.0, -0.16439897649454718],
                         [-0.9230768946745571, 0.23076922366863928, 0.3076922982248524],
                         [0.09999997327388295, 0.1999999465477659, -0.2999999198216488]],
    "min_max_norm": [[0.147377888389986, -0.789952443130873, 0.8810914284573461],
                     [0.442133665169958, 0.0, -0.11013642855716826],
                     [-0.884267330339916, 0.5924643323481548, 0.44054571422867306],
                     [0.029475577677997203, 0.1579904886261746, -0.1321637142686019]],
    "min_max_norm_custom": [[0.4682178698012892, -0.9364357396025784, 1.8728714792051568],
                            [1.499999901360614, 0.0, -0.24999998356010233],
                            [-2.4230768485207124, 0.6057692121301781, 0.8076922828402375],
                            [0.1168152792579095, 0.233630558515819, -0.35044583777372845]],
    "unit_norm": [[0.147377888389986, -0.789952443130873, 0.8810914284573461],
                  [0.44213366516995806, 0.0, -0.11013642855716826],
                  [-0.8842673303399161, 0.5924643323481548, 0.44054571422867306],
                  [0.029475577677997203, 0.15799048862617462, -0.1321637142686019]],
    "unit_norm_axis1": [[0.2182178807121833, -0.4364357614243666, 0.8728715228487332],
                        [0.9863938589672832, 0.0, -0.16439897649454718],
                        [-0.9230768946745571, 0.23076922366863928, 0.3076922982248524],
                        [0.26726117048387205, 0.5345223409677441, -0.8017835114516161]],
}
CASES = {
    "max_norm": C.MaxNorm(), "max_norm_1_axis1": C.MaxNorm(1.0, axis=1),
    "min_max_norm": C.MinMaxNorm(),
    "min_max_norm_custom": C.MinMaxNorm(min_value=0.5, max_value=2.0, rate=0.5, axis=1),
    "unit_norm": C.UnitNorm(), "unit_norm_axis1": C.UnitNorm(axis=1),
}


@pytest.mark.parametrize("name", sorted(KERAS))
def test_matches_keras(name):
    out = CASES[name](W)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    np.testing.assert_allclose(out, KERAS[name], rtol=1e-14, atol=1e-15)


def test_max_norm_on_a_conv_kernel_with_axis_list():
    k = np.arange(24, dtype="float64").reshape(2, 2, 3, 2) / 10 - 1
    out = C.MaxNorm(1.5, axis=[0, 1, 2])(k)
    # Keras 3.15.1 values; both filters' norms (2.4166, 2.4900) are capped to 1.5.
    np.testing.assert_allclose(out[0, 0, 0], [-0.6207043907668455, -0.5421730252349941], rtol=1e-14)
    np.testing.assert_allclose(out[1, 1, 2], [0.7448452689202146, 0.7831388142283248], rtol=1e-14)
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=(0, 1, 2))), [1.5, 1.5], rtol=1e-6)
    # With max_value 2.45 only the second filter is rescaled; the first keeps its values up to
    # Keras's epsilon: w * norm / (1e-7 + norm).
    out = C.MaxNorm(2.45, axis=[0, 1, 2])(k)
    norm0 = np.sqrt((k[..., 0] ** 2).sum())
    np.testing.assert_allclose(out[..., 0], k[..., 0] * norm0 / (1e-7 + norm0), rtol=1e-15)
    assert np.sqrt((out[..., 1] ** 2).sum()) == pytest.approx(2.45, rel=1e-6)


def test_non_neg_and_dtype_preserved():
    np.testing.assert_array_equal(C.NonNeg()(W), np.maximum(W, 0))
    w32 = W.astype("float32")
    for constraint in [C.NonNeg(), C.MaxNorm(), C.MinMaxNorm(), C.UnitNorm()]:
        assert constraint(w32).dtype == np.float32


def test_accepts_a_variable_and_returns_a_raw_array():
    v = Variable(W.astype("float32"), name="kernel")
    out = C.UnitNorm()(v)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(np.sqrt((out ** 2).sum(axis=0)), 1.0, rtol=1e-6)
    v.assign(out)  # what the optimizer does after an update


def test_base_constraint_is_identity():
    np.testing.assert_array_equal(C.Constraint()(W), W)


def test_configs_and_round_trip():
    assert C.serialize(C.MaxNorm()) == {"module": "keras.constraints", "class_name": "MaxNorm",
                                        "config": {"max_value": 2, "axis": 0},
                                        "registered_name": None}
    assert C.serialize(C.NonNeg())["config"] == {}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0,
                                           "axis": 0}
    assert C.UnitNorm().get_config() == {"axis": 0}
    for c in (C.MaxNorm(3, axis=[0, 1]), C.MinMaxNorm(0.1, 0.9, 0.5, 1), C.NonNeg(),
              C.UnitNorm(axis=1)):
        clone = C.deserialize(C.serialize(c))
        assert type(clone) is type(c) and clone.get_config() == c.get_config()
        np.testing.assert_array_equal(clone(W), c(W))


def test_get():
    assert C.get(None) is None
    for name, cls in [("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("non_neg", C.NonNeg),
                      ("unit_norm", C.UnitNorm), ("min_max_norm", C.MinMaxNorm)]:
        assert type(C.get(name)) is cls
    assert isinstance(C.get(C.NonNeg), C.NonNeg)
    assert C.get({"class_name": "MaxNorm", "config": {"max_value": 4, "axis": 1}}).max_value == 4
    c = C.UnitNorm()
    assert C.get(c) is c
    assert C.max_norm is C.MaxNorm and C.non_neg is C.NonNeg
    with pytest.raises(ValueError, match=r"Unknown constraint: 'maxnorm2'\..*Did you mean 'max_norm'.*Valid constraints: "
                                         r".*'max_norm'"):
        C.get("maxnorm2")
    with pytest.raises(ValueError, match="Could not interpret constraint identifier: 7"):
        C.get(7)
