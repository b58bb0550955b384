"""Regularizers: penalties pinned from Keras 3.15.1, gradients, configs and lookup."""
import numpy as np
import pytest

from minikeras import regularizers as R
from minikeras.backend.autodiff import Tensor, Variable, gradients
from minikeras.utils import gradient_check

W = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.25], [-3.0, 0.75, 1.0], [0.1, 0.2, -0.3]])
SUM_ABS, SUM_SQ = 10.6, 18.265


def test_penalties_by_formula_float64():
    assert R.L1()(W).item() == pytest.approx(0.01 * SUM_ABS, rel=1e-15)
    assert R.L1(0.3)(W).item() == pytest.approx(0.3 * SUM_ABS, rel=1e-15)
    assert R.L2()(W).item() == pytest.approx(0.01 * SUM_SQ, rel=1e-15)   # no 1/2 factor
    assert R.L2(0.1)(W).item() == pytest.approx(1.8265000000000002, rel=1e-15)
    assert R.L1L2(l1=0.01, l2=0.02)(W).item() == pytest.approx(0.4713, rel=1e-15)
    assert R.L1L2()(W).item() == 0.0


def test_penalties_match_keras_float32():
    # keras.regularizers.<X>(...)(float32 W) in keras 3.15.1 (torch backend).
    w32 = W.astype("float32")
    for reg, expected in [(R.L1(), 0.10599999874830246), (R.L1(0.3), 3.1800003051757812),
                          (R.L2(), 0.18265), (R.OrthogonalRegularizer(), 0.004511220846325159)]:
        out = reg(w32)
        assert out.dtype == np.float32 and out.shape == ()
        assert out.item() == pytest.approx(expected, rel=1e-6)


def test_orthogonal_regularizer_matches_keras():
    # keras 3.15.1 on float64 tensors; Keras's own float64 path is off by ~3e-9 relative.
    assert R.OrthogonalRegularizer()(W).item() == pytest.approx(0.004511220757909149, rel=1e-7)
    assert R.OrthogonalRegularizer(0.5, "columns")(W).item() == pytest.approx(
        0.23397540052731833, rel=1e-7)
    # A zero row is normalized by epsilon (stays zero) instead of producing NaN.
    z = np.array([[0.0, 0.0], [1.0, 2.0], [3.0, -1.0]])
    assert R.OrthogonalRegularizer()(z).item() == pytest.approx(0.0004714044823183605, rel=1e-7)
    # Orthogonal rows cost nothing; identical rows cost factor * 1.
    assert R.OrthogonalRegularizer()(np.eye(3)).item() == 0.0
    assert R.OrthogonalRegularizer(0.2)(np.ones((3, 4))).item() == pytest.approx(0.2)


@pytest.mark.parametrize("reg", [R.L1(0.3), R.L2(0.1), R.L1L2(0.05, 0.2),
                                 R.OrthogonalRegularizer(0.5),
                                 R.OrthogonalRegularizer(0.5, "columns")])
def test_gradient_check(reg):
    assert gradient_check(reg, [W + 0.013]) < 1e-6   # shifted off the |x| kink at 0


def test_penalty_gradient_reaches_a_variable():
    v = Variable(W.astype("float32"), name="kernel")
    (g,) = gradients(R.L2(0.5)(v), [v])
    np.testing.assert_allclose(g, 2 * 0.5 * W, rtol=1e-6)
    assert g.dtype == np.float32
    (g,) = gradients(R.L1(0.5)(v), [v])
    np.testing.assert_allclose(g, 0.5 * np.sign(W), rtol=1e-6)


def test_accepts_tensors_and_returns_scalar_tensor():
    out = R.L2()(Tensor(W))
    assert isinstance(out, Tensor) and out.shape == ()


def test_configs_and_round_trip():
    assert R.serialize(R.L2(0.1)) == {"module": "keras.regularizers", "class_name": "L2",
                                      "config": {"l2": 0.1}, "registered_name": None}
    assert R.L1().get_config() == {"l1": 0.01}
    assert R.L1L2().get_config() == {"l1": 0.0, "l2": 0.0}
    assert R.OrthogonalRegularizer().get_config() == {"factor": 0.01, "mode": "rows"}
    for reg in (R.L1(0.2), R.L2(0.3), R.L1L2(0.1, 0.4), R.OrthogonalRegularizer(0.5, "columns")):
        clone = R.deserialize(R.serialize(reg))
        assert type(clone) is type(reg) and clone.get_config() == reg.get_config()
        assert clone(W).item() == reg(W).item()


def test_get():
    assert R.get(None) is None
    assert R.get("l1").get_config() == {"l1": 0.01}
    assert R.get("l2").get_config() == {"l2": 0.01}
    assert R.get("L2").get_config() == {"l2": 0.01}
    assert type(R.get("l1l2")) is R.L1L2 and type(R.get("l1_l2")) is R.L1L2
    assert R.get("l1l2").get_config() == {"l1": 0.0, "l2": 0.0}   # as in Keras 3
    assert type(R.get("orthogonal_regularizer")) is R.OrthogonalRegularizer
    assert isinstance(R.get(R.L2), R.L2)
    assert R.get({"class_name": "L1L2", "config": {"l1": 0.1, "l2": 0.2}}).get_config() == {
        "l1": 0.1, "l2": 0.2}

    def custom(x):
        return 0.0
    assert R.get(custom) is custom
    assert R.l1_l2 is R.L1L2 and R.l1 is R.L1 and R.l2 is R.L2


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Unknown regularizer: 'l3'\. Valid regularizers: .*'l2'"):
        R.get("l3")
    with pytest.raises(ValueError, match="Could not interpret regularizer identifier: 1.5"):
        R.get(1.5)
    with pytest.raises(ValueError, match=r"L2: invalid value for argument l2: expected a "
                                         r"non-negative float, received l2=-0.1"):
        R.L2(-0.1)
    with pytest.raises(ValueError, match=r"l1=nan"):
        R.L1L2(l1=float("nan"))
    with pytest.raises(ValueError, match=r"mode=.diagonal."):
        R.OrthogonalRegularizer(mode="diagonal")
    with pytest.raises(ValueError, match=r"inputs must have rank 2, received shape \(3,\)"):
        R.OrthogonalRegularizer()(np.ones(3))
