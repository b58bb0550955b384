"""The elementwise family beyond what tests/ops/keras_cases/elementwise.py pins against Keras:
bad inputs, edge values, where minikeras does better than Keras's torch backend, and the
answers that need no graph (ndim, dtype, is_tensor)."""
import math

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend.autodiff import Tensor, Variable, gradients
from minikeras.ops.special import erf_array
from minikeras.ops.symbolic import op_class
from minikeras.utils import gradient_check


def grad_of(fn, *values):
    """Gradients of sum(fn(*values)) for float64 Tensors made from `values`."""
    tensors = [Tensor(np.asarray(v, "float64"), requires_grad=True) for v in values]
    return [np.asarray(g) for g in gradients(ops.sum(fn(*tensors)), tensors)]


@pytest.mark.parametrize("name, call", [
    ("bitwise_and", lambda: ops.bitwise_and(np.ones(2, "float32"), 1)),
    ("bitwise_invert", lambda: ops.bitwise_invert(np.ones(2, "float32"))),
    ("left_shift", lambda: ops.left_shift(np.ones(2, "float16"), 1)),
    ("gcd", lambda: ops.gcd(np.ones(2), np.array([2, 3]))),
    ("ldexp", lambda: ops.ldexp(np.ones(2), np.ones(2))),
])
def test_integer_only_ops_reject_floats_naming_the_op(name, call):
    with pytest.raises(TypeError, match=name):
        call()


@pytest.mark.parametrize("kwargs, arg", [({"rtol": -1.0}, "rtol"), ({"atol": "x"}, "atol")])
def test_isclose_rejects_bad_tolerances(kwargs, arg):
    with pytest.raises(ValueError, match=f"isclose: `{arg}`"):
        ops.isclose(np.ones(2), np.ones(2), **kwargs)


def test_erfinv_inverts_erf_to_float64_round_off_and_has_its_limits():
    y = np.concatenate([np.linspace(-0.999999, 0.999999, 2001), 1 - np.logspace(-15, -2, 20)])
    x = ops.erfinv(y).numpy()
    np.testing.assert_allclose(erf_array(x), y, rtol=2e-15, atol=1e-16)
    edges = ops.erfinv(np.array([1.0, -1.0, 1.5, np.nan, 0.0, -0.0])).numpy()
    assert edges[0] == np.inf and edges[1] == -np.inf and np.isnan(edges[2:4]).all()
    assert edges[4] == 0 and np.signbit(edges[5])


def test_erfinv_of_integers_is_floatx_and_its_gradient_is_exact():
    assert ops.erfinv(np.array([0, 1], "int32")).dtype == np.float32  # Keras declares int32
    (g,) = grad_of(ops.erfinv, [0.0, 0.5])
    want = math.sqrt(math.pi) / 2 * np.exp(ops.erfinv(np.array([0.0, 0.5])).numpy() ** 2)
    np.testing.assert_allclose(g, want, rtol=1e-14)


def test_i0_gradient_is_bessel_i1():
    (g,) = grad_of(ops.i0, [0.0, 1.0, -2.0, 30.0])
    want = [0.0, 0.5651591039924851, -1.5906368546373295, 768532038938.9569]  # torch.special.i1
    np.testing.assert_allclose(g, want, rtol=1e-13)


def test_ldexp_gradient_with_negative_exponents():
    # Keras's torch backend returns 0 here (2 ** x2 in integers); the gradient is 2 ** x2
    x2 = np.array([-2, 0, 3], "int32")
    out = ops.ldexp(np.array([1.0, 3.0, 0.5]), x2).numpy()
    np.testing.assert_array_equal(out, [0.25, 3.0, 4.0])
    x1 = Tensor(np.ones(3), requires_grad=True)
    (g,) = gradients(ops.sum(ops.ldexp(x1, x2)), [x1])
    np.testing.assert_array_equal(g, [0.25, 1.0, 8.0])


def test_nextafter_steps_in_the_operands_own_precision():
    # Keras's torch backend steps in float64 and rounds back, so float32 1.0 stays 1.0
    out = ops.nextafter(np.float32([1.0]), np.float32([2.0])).numpy()
    assert out.dtype == np.float32 and out[0] == np.nextafter(np.float32(1), np.float32(2))


def test_gradients_at_the_special_points():
    assert grad_of(ops.sinc, [0.0])[0][0] == 0
    ga, gb = grad_of(ops.divide_no_nan, [1.0, 2.0], [0.0, 4.0])
    np.testing.assert_allclose(ga, [0.0, 0.25])
    np.testing.assert_allclose(gb, [0.0, -2.0 / 16])
    ga, gb = grad_of(ops.fmax, [np.nan, 1.0, 2.0], [0.5, np.nan, 2.0])
    np.testing.assert_array_equal(ga, [0.0, 1.0, 1.0])  # a NaN loses; a tie goes to x1
    np.testing.assert_array_equal(gb, [1.0, 0.0, 0.0])


@pytest.mark.parametrize("name, x", [("arcsin", 0.3), ("arccos", -0.4), ("arccosh", 1.7),
                                     ("arctanh", 0.6), ("tan", 0.9), ("cbrt", -2.5),
                                     ("rsqrt", 0.7), ("log10", 3.0), ("i0", 2.5),
                                     ("erfinv", -0.7), ("sinc", 0.3), ("deg2rad", 40.0)])
def test_float64_gradient_check(name, x):
    assert gradient_check(getattr(ops, name), np.array([x, x * 1.2])) < 1e-6


def test_integer_inputs_become_floats_like_keras():
    ints = np.array([1, 2], "int32")
    for name in ("arctan", "rsqrt", "exp2", "log2", "sinc", "fabs", "erfinv"):
        assert getattr(ops, name)(ints).dtype == np.float32, name
    longs = np.array([1, 2], "int64")
    for name in ("cbrt", "deg2rad", "rad2deg", "i0"):
        assert getattr(ops, name)(longs).dtype == np.float64, name
    assert ops.arctan(longs).dtype == np.float32
    assert ops.trunc(ints).dtype == np.int32 and ops.fmax(ints, ints).dtype == np.int32
    assert ops.heaviside(np.array([True]), np.array([False])).dtype == np.bool_


def test_saturate_cast_clips_to_the_target_range():
    out = ops.saturate_cast(np.float32([np.nan, 3e9, -3e9, 1.5]), "int32").numpy()
    np.testing.assert_array_equal(out, [0, 2147483520, -2147483648, 1])
    assert ops.saturate_cast(np.array([-1, 70000]), "uint16").numpy().tolist() == [0, 65535]
    x = Tensor(np.float32([1.0, 1e6]), requires_grad=True)
    (g,) = gradients(ops.sum(ops.saturate_cast(x, "float16")), [x])
    np.testing.assert_array_equal(g, [1.0, 0.0])


def test_allclose_is_a_scalar_bool_recorded_as_keras_all_close():
    out = ops.allclose(np.ones(3), np.ones(3) + 1e-9)
    assert out.shape == () and out.dtype == np.bool_ and bool(out.numpy())
    assert not bool(ops.allclose([np.nan], [np.nan]).numpy())
    assert bool(ops.allclose([np.nan], [np.nan], equal_nan=True).numpy())
    assert op_class("allclose").__name__ == "AllClose"


def test_tensor_questions_answer_without_a_graph():
    x = layers.Input((3,), dtype="int8")
    assert ops.ndim(x) == 2 and ops.dtype(x) == "int8" and not ops.is_tensor(x)
    assert ops.ndim(np.ones((2, 3, 4))) == 3 and ops.dtype(np.ones(2)) == "float64"
    assert ops.is_tensor(Tensor(np.ones(2))) and ops.is_tensor(Variable(np.ones(2)))
    assert not ops.is_tensor(np.ones(2))
    size = ops.size(np.ones((2, 5)))
    assert size.dtype == np.int32 and int(size.numpy()) == 10


def test_array_and_copy():
    assert ops.array([1, 2]).dtype == np.int32 and ops.array([1.0, 2]).dtype == np.float32
    assert ops.array(np.arange(3.0)).dtype == np.float64
    assert ops.array([1, 2], dtype="float16").dtype == np.float16
    source = np.ones(2, "float32")
    copied = ops.copy(source)
    source[0] = 5
    assert copied.numpy().tolist() == [1.0, 1.0]


def test_swish_is_silu_and_ops_live_in_kerass_modules():
    assert ops.swish is ops.silu and ops.hard_swish is ops.hard_silu
    assert op_class("erfinv").keras_module == "keras.src.ops.math"
    assert op_class("rsqrt").keras_module == "keras.src.ops.math"
    assert op_class("saturate_cast").keras_module == "keras.src.ops.core"
    assert op_class("i0").keras_module == "keras.src.ops.numpy"
    assert op_class("arctan2").keras_module == "keras.src.ops.numpy"


def test_shifts_and_integer_ops():
    x = np.array([-8, 8], "int32")
    assert ops.right_shift(x, 1).numpy().tolist() == [-4, 4]
    assert ops.bitwise_left_shift(x, np.int32(2)).numpy().tolist() == [-32, 32]
    assert ops.bitwise_not(np.array([True, False])).numpy().tolist() == [False, True]
    assert ops.gcd(np.array([12, -6]), np.array([8, 4])).numpy().tolist() == [4, 2]
    assert ops.lcm(np.array([4, 0]), np.array([6, 3])).numpy().tolist() == [12, 0]
    assert ops.bitwise_and(np.array([3], "int8"), 1).dtype == np.int8


def test_integer_ops_promote_bools_like_keras():
    x = np.array([3, 5], "int16")
    assert ops.left_shift(np.array([True, False]), x).dtype == np.int16
    assert ops.gcd(x, np.array([True, True])).dtype == np.int16
    assert ops.bitwise_and(np.array([True]), 2).dtype == np.int32
    assert ops.fmod(np.array([True]), np.array([3], "int8")).dtype == np.int8
    with pytest.raises(TypeError, match="right_shift: `x` and `y` cannot both be booleans"):
        ops.right_shift(np.array([True]), np.array([False]))
    with pytest.raises(TypeError, match="ldexp: `x2`"):
        ops.ldexp(np.ones(1), np.array([True]))


def test_where_without_x1_x2_is_nonzero_and_one_alone_raises():
    condition = np.array([[True, False], [False, True]])
    rows, cols = ops.where(condition)
    np.testing.assert_array_equal(rows.numpy(), [0, 1])
    np.testing.assert_array_equal(cols.numpy(), [0, 1])
    with pytest.raises(ValueError, match="where: `x1` and `x2` must be given together"):
        ops.where(condition, 1.0)


def test_max_min_initial_gradient_goes_nowhere_when_initial_wins():
    x = Tensor(np.array([[0.1, 0.2], [3.0, 1.0]]), requires_grad=True)
    out = ops.max(x, axis=1, initial=1.5)
    np.testing.assert_allclose(out.numpy(), [1.5, 3.0])
    (grad,) = gradients(ops.sum(out), [x])
    np.testing.assert_array_equal(grad, [[0, 0], [1, 0]])


def test_sparse_and_ragged_tensors_are_refused_by_name():
    with pytest.raises(ValueError, match="one_hot: minikeras has no sparse tensors"):
        ops.one_hot(np.array([1]), 3, sparse=True)
    with pytest.raises(ValueError, match="convert_to_tensor: minikeras has no sparse"):
        ops.convert_to_tensor([1.0], ragged=True)
