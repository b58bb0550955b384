"""minikeras.ops: forward values against NumPy, dtypes, and float64 gradient checks for every op.

Inputs are fixed (seeded) arrays. Forward values are compared with NumPy's; where Keras differs
from NumPy or where the numerics are delicate, the expected numbers were computed once with
Keras 3.15.1 (torch backend) and are pinned as literals here.
"""
import numpy as np
import pytest

from minikeras import ops
from minikeras.backend import Tensor, config, gradients
from minikeras.utils import gradient_check

TOL = 1e-6          # largest relative error accepted from gradient_check (float64)
F32 = np.float32


def rand(*shape, low=-2.0, high=2.0, seed=0):
    """Fixed float64 test values."""
    return np.random.default_rng(seed).uniform(low, high, shape)


def assert_grad(f, *inputs):
    error = gradient_check(f, list(inputs))
    assert error < TOL, f"gradient check failed: relative error {error:.3g}"


def assert_float32_grads(f, *inputs):
    """float32 leaves get float32 gradients (no float64 leaks inside the VJPs)."""
    tensors = [Tensor(np.asarray(a, F32), requires_grad=True) for a in inputs]
    out = f(*tensors)
    assert out.dtype == F32, out.dtype
    for g, t in zip(gradients(ops.sum(out), tensors), tensors):
        assert g.dtype == F32 and g.shape == t.shape, (g.dtype, g.shape)


# Values away from the kinks of abs/sign/relu (0) and without ties.
REAL = np.array([[-1.7, -0.6, 0.3, 0.9], [1.4, -2.3, 2.1, 0.05]])
POSITIVE = np.abs(REAL) + 0.3


# ---------------------------------------------------------------------------------------------
# Elementwise unary ops
# ---------------------------------------------------------------------------------------------
UNARY = {  # name: (NumPy reference, input domain)
    "negative": (np.negative, REAL),
    "reciprocal": (np.reciprocal, POSITIVE),
    "exp": (np.exp, REAL),
    "expm1": (np.expm1, REAL),
    "log": (np.log, POSITIVE),
    "log1p": (np.log1p, POSITIVE),
    "sqrt": (np.sqrt, POSITIVE),
    "square": (np.square, REAL),
    "abs": (np.abs, REAL),
    "absolute": (np.abs, REAL),
    "sign": (np.sign, REAL),
    "tanh": (np.tanh, REAL),
    "sigmoid": (lambda x: 1 / (1 + np.exp(-x)), REAL),
    "softplus": (lambda x: np.logaddexp(0, x), REAL),
    "sin": (np.sin, REAL),
    "cos": (np.cos, REAL),
    "relu": (lambda x: np.maximum(x, 0), REAL),
}

NONDIFF_UNARY = {  # name: (NumPy reference, output is float)
    "floor": (np.floor, True),
    "ceil": (np.ceil, True),
    "round": (np.round, True),
    "isnan": (np.isnan, False),
    "isfinite": (np.isfinite, False),
    "logical_not": (np.logical_not, False),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_forward_float64_and_float32(name):
    reference, x = UNARY[name]
    op = getattr(ops, name)
    out = op(x)
    assert isinstance(out, Tensor) and out.dtype == np.float64
    np.testing.assert_allclose(out.numpy(), reference(x), rtol=1e-12, atol=1e-15)
    out32 = op(x.astype(F32))
    assert out32.dtype == F32
    np.testing.assert_allclose(out32.numpy(), reference(x.astype(F32).astype(np.float64)),
                               rtol=2e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_gradient(name):
    _, x = UNARY[name]
    assert_grad(getattr(ops, name), x)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float32_gradient_dtype(name):
    _, x = UNARY[name]
    assert_float32_grads(getattr(ops, name), x)


@pytest.mark.parametrize("name", sorted(NONDIFF_UNARY))
def test_nondifferentiable_unary(name):
    reference, float_out = NONDIFF_UNARY[name]
    x = np.array([-2.5, -0.5, 0.5, 1.5, 2.5, np.nan, np.inf], F32)
    out = getattr(ops, name)(Tensor(x, requires_grad=True))
    np.testing.assert_array_equal(out.numpy(), reference(x))
    assert out.dtype == (F32 if float_out else np.bool_)
    assert not out.requires_grad  # nothing recorded: no gradient flows through


def test_round_is_half_to_even_like_keras():
    np.testing.assert_array_equal(ops.round([0.5, 1.5, 2.5, -0.5]).numpy(), [0.0, 2.0, 2.0, -0.0])
    np.testing.assert_allclose(ops.round(np.array([1.234, 5.678]), decimals=1).numpy(), [1.2, 5.7])


def test_sigmoid_tails_match_keras_float32():
    x = np.array([-30, -20, -10, 0, 10, 20], F32)
    keras = [9.357623589846195e-14, 2.06115369216775e-09, 4.539787187241018e-05, 0.5,
             0.9999545812606812, 1.0]
    out = ops.sigmoid(x)
    assert out.dtype == F32
    np.testing.assert_allclose(out.numpy(), keras, rtol=1e-6)
    assert np.all(np.isfinite(ops.sigmoid(np.array([-1e4, 1e4], F32)).numpy()))


def test_softplus_matches_keras_float32_without_overflow():
    x = np.array([-20, -1, 0, 1, 30], F32)
    keras = [2.06115369216775e-09, 0.3132616877555847, 0.6931471824645996, 1.31326162815094, 30.0]
    np.testing.assert_allclose(ops.softplus(x).numpy(), keras, rtol=1e-6)
    np.testing.assert_allclose(ops.softplus(np.array([1e4], F32)).numpy(), [1e4])


def test_kink_gradients_match_keras():
    """relu and abs have gradient 0 at 0 (as in Keras/torch); sign has gradient 0 everywhere."""
    x = Tensor(np.array([0.0, 2.0, -2.0]), requires_grad=True)
    (g_relu,) = gradients(ops.sum(ops.relu(x)), [x])
    (g_abs,) = gradients(ops.sum(ops.abs(x)), [x])
    (g_sign,) = gradients(ops.sum(ops.sign(x)), [x])
    np.testing.assert_array_equal(g_relu, [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(g_abs, [0.0, 1.0, -1.0])
    np.testing.assert_array_equal(g_sign, [0.0, 0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# Elementwise binary ops
# ---------------------------------------------------------------------------------------------
BINARY = {
    "add": np.add,
    "subtract": np.subtract,
    "multiply": np.multiply,
    "divide": np.divide,
    "true_divide": np.divide,
    "power": np.power,
    "maximum": np.maximum,
    "minimum": np.minimum,
    "mod": np.mod,
}

BROADCAST_SHAPES = [((2, 3), (2, 3)), ((3, 1), (1, 4)), ((4,), (2, 3, 4)), ((2, 3, 4), (4,)),
                    ((), (2, 3)), ((2, 3), ())]


def binary_operands(name, shape_a, shape_b):
    """Operands inside each op's smooth domain (positive base for power, b away from 0...)."""
    a = rand(*shape_a, seed=1)
    b = rand(*shape_b, seed=2)
    if name == "power":
        a = np.abs(a) + 0.5
    if name in ("divide", "true_divide", "power", "mod"):
        b = np.abs(b) + 0.5
    return a, b


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_SHAPES, ids=str)
def test_binary_forward_and_gradient_with_broadcasting(name, shapes):
    a, b = binary_operands(name, *shapes)
    op = getattr(ops, name)
    out = op(a, b)
    np.testing.assert_allclose(out.numpy(), BINARY[name](a, b), rtol=1e-12)
    # The gradient of each operand is summed back to that operand's shape.
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    ga, gb = gradients(ops.sum(op(ta, tb)), [ta, tb])
    assert ga.shape == a.shape and gb.shape == b.shape
    assert_grad(op, a, b)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_python_number_keeps_float32(name):
    a, _ = binary_operands(name, (2, 3), ())
    x = a.astype(F32)
    op = getattr(ops, name)
    for other in (1.5, 2):
        for out in (op(x, other), op(Tensor(x), other)):
            assert out.dtype == F32, (other, out.dtype)
            np.testing.assert_allclose(out.numpy(), BINARY[name](x, F32(other)), rtol=1e-6)
        left = op(other, np.abs(x) + 0.5)  # Python number on the left
        assert left.dtype == F32


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_gradient_with_python_number(name):
    a, _ = binary_operands(name, (2, 3), ())
    op = getattr(ops, name)
    assert_grad(lambda t: op(t, 1.7), a)
    assert_grad(lambda t: op(1.7, t), np.abs(a) + 0.5)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_float32_gradient_dtype(name):
    a, b = binary_operands(name, (3, 1), (1, 4))
    assert_float32_grads(getattr(ops, name), a, b)


NONDIFF_BINARY = ["floor_divide", "equal", "not_equal", "less", "less_equal", "greater",
                  "greater_equal", "logical_and", "logical_or", "logical_xor"]


@pytest.mark.parametrize("name", NONDIFF_BINARY)
def test_nondifferentiable_binary(name):
    a = np.array([[-1.5, 0.0, 2.0, 3.5]], F32)
    b = np.array([[2.0], [-0.5]], F32)
    out = getattr(ops, name)(Tensor(a, requires_grad=True), b)
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(a, b))
    assert out.dtype == (F32 if name == "floor_divide" else np.bool_)
    assert not out.requires_grad


def test_mod_and_floor_divide_match_keras_signs():
    x = np.array([5.5, -5.5])
    np.testing.assert_array_equal(ops.mod(x, 2.0).numpy(), [1.5, 0.5])
    np.testing.assert_array_equal(ops.floor_divide(x, 2.0).numpy(), [2.0, -3.0])


def test_power_gradient_for_exponent_and_zero_base():
    # d/db a**b = a**b log a; where a <= 0 the exponent gets no (NaN) gradient.
    a = Tensor(np.array([0.0, 2.0]), requires_grad=True)
    b = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    ga, gb = gradients(ops.sum(ops.power(a, b)), [a, b])
    np.testing.assert_allclose(ga, [0.0, 12.0])
    np.testing.assert_allclose(gb, [0.0, 8.0 * np.log(2.0)])


def test_maximum_minimum_ties_send_the_gradient_to_the_first_operand():
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 5.0, 0.0]), requires_grad=True)
    ga, gb = gradients(ops.sum(ops.maximum(a, b)), [a, b])
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gb, [0.0, 1.0, 0.0])
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    b = Tensor(np.array([1.0, 5.0, 0.0]), requires_grad=True)
    ga, gb = gradients(ops.sum(ops.minimum(a, b)), [a, b])
    np.testing.assert_array_equal(ga, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(gb, [0.0, 0.0, 1.0])


# -- dtype promotion (Keras rules, not NumPy's) -----------------------------------------------
def test_int_and_float_operands_promote_like_keras():
    x = np.array([1.0, 2.0, 3.0], F32)
    # Keras: int + Python float -> float32; float32 + int64 array -> float32.
    out = ops.add(np.arange(3), 1.5)
    assert out.dtype == F32
    np.testing.assert_array_equal(out.numpy(), [1.5, 2.5, 3.5])
    assert ops.multiply(x, np.arange(3)).dtype == F32
    assert ops.multiply(np.arange(3, dtype="int32"), Tensor(x)).dtype == F32
    assert ops.power(np.arange(3), 0.5).dtype == F32
    assert ops.less(np.arange(3), 1.5).numpy().tolist() == [True, True, False]
    # A float64 array is a float64 operand in Keras too.
    assert ops.add(x, np.ones(3)).dtype == np.float64
    # Integers stay integers.
    assert ops.add(np.arange(3, dtype="int32"), 2).dtype == np.int32


def test_python_float_lists_do_not_upcast():
    x = np.array([1.0, 2.0, 3.0], F32)
    out = ops.add(x, [1.0, 2.0, 3.0])
    assert out.dtype == F32
    np.testing.assert_array_equal(out.numpy(), [2.0, 4.0, 6.0])
    assert ops.where([True, False, True], x, [[0.5, 1.5, 2.5]]).dtype == F32


def test_int_operand_is_cast_without_breaking_gradients():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (g,) = gradients(ops.sum(ops.multiply(x, np.array([3, 4]))), [x])
    np.testing.assert_array_equal(g, [3.0, 4.0])


# -- clip and where ---------------------------------------------------------------------------
def test_clip_values_and_boundary_gradients():
    x = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    out = ops.clip(x, 0.0, 1.0)
    np.testing.assert_array_equal(out.numpy(), [0.0, 0.0, 0.5, 1.0, 1.0])
    t = Tensor(x, requires_grad=True)
    (g,) = gradients(ops.sum(ops.clip(t, 0.0, 1.0)), [t])
    # Like Keras (torch.clamp): the gradient passes on the boundaries themselves.
    np.testing.assert_array_equal(g, [0.0, 1.0, 1.0, 1.0, 0.0])
    assert_grad(lambda t: ops.clip(t, -0.5, 0.5), REAL)
    assert ops.clip(x.astype(F32), 0.1, 0.9).dtype == F32
    assert_float32_grads(lambda t: ops.clip(t, -0.5, 0.5), REAL)


def test_where_values_and_gradients_with_broadcasting():
    condition = np.array([[True, False, True, False]])
    a, b = rand(3, 1, seed=3), rand(4, seed=4)
    out = ops.where(condition, a, b)
    np.testing.assert_array_equal(out.numpy(), np.where(condition, a, b))
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    ga, gb = gradients(ops.sum(ops.where(condition, ta, tb)), [ta, tb])
    np.testing.assert_array_equal(ga, [[2.0], [2.0], [2.0]])
    np.testing.assert_array_equal(gb, [0.0, 3.0, 0.0, 3.0])
    assert_grad(lambda x1, x2: ops.where(condition, x1, x2), a, b)
    assert_grad(lambda x1: ops.where(Tensor(REAL > 0), x1, 0.5), REAL)
    assert ops.where(condition, a.astype(F32), 0.0).dtype == F32
    assert_float32_grads(lambda x1, x2: ops.where(condition, x1, x2), a, b)


# ---------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------
def np_logsumexp(x, axis=None, keepdims=False):
    peak = np.max(x, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


REDUCTIONS = {
    "sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "amax": np.max,
    "amin": np.min, "prod": np.prod, "var": np.var, "std": np.std, "logsumexp": np_logsumexp,
}
AXES = [None, 0, 1, -1, (0, 2), (-1, 0), [0, 1], (0, 1, 2)]
X3 = rand(2, 3, 4, seed=5)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("axis", AXES, ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_forward_and_gradient(name, axis, keepdims):
    op = getattr(ops, name)
    np_axis = tuple(axis) if isinstance(axis, list) else axis
    expected = REDUCTIONS[name](X3, axis=np_axis, keepdims=keepdims)
    out = op(X3, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    assert isinstance(out.data, np.ndarray)  # 0-d results are arrays, not NumPy scalars
    out32 = op(X3.astype(F32), axis=axis, keepdims=keepdims)
    assert out32.dtype == F32
    np.testing.assert_allclose(out32.numpy(), expected, rtol=1e-5, atol=1e-6)
    assert_grad(lambda t: op(t, axis=axis, keepdims=keepdims), X3)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_reduction_float32_gradient_dtype(name):
    assert_float32_grads(lambda t: getattr(ops, name)(t, axis=1), X3)
    assert_float32_grads(lambda t: getattr(ops, name)(t), X3)


def test_max_min_ties_share_the_gradient_equally_like_keras():
    x = Tensor(np.array([1.0, 3.0, 3.0, 2.0]), requires_grad=True)
    (g,) = gradients(ops.max(x), [x])
    np.testing.assert_array_equal(g, [0.0, 0.5, 0.5, 0.0])   # torch.amax, which Keras uses
    x = Tensor(np.array([[1.0, 1.0, 4.0], [2.0, 0.0, 0.0]]), requires_grad=True)
    (g,) = gradients(ops.sum(ops.min(x, axis=1)), [x])
    np.testing.assert_array_equal(g, [[0.5, 0.5, 0.0], [0.0, 0.5, 0.5]])
    assert_grad(lambda t: ops.max(t, axis=1), np.array([[1.0, 1.0, 4.0], [2.0, 0.0, 0.5]]))


def test_prod_with_zero_entries_like_keras():
    x = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    (g,) = gradients(ops.prod(x), [x])
    np.testing.assert_array_equal(g, [0.0, 6.0, 0.0])
    x = Tensor(np.array([2.0, 0.0, 3.0, 0.0]), requires_grad=True)
    (g,) = gradients(ops.prod(x), [x])
    np.testing.assert_array_equal(g, [0.0, 0.0, 0.0, 0.0])
    with_zero = rand(3, 4, seed=6)
    with_zero[1, 2] = 0.0
    assert_grad(lambda t: ops.prod(t, axis=1), with_zero)
    assert_grad(lambda t: ops.prod(t, axis=0, keepdims=True), with_zero)
    assert_grad(ops.prod, with_zero)


def test_var_std_are_biased_like_keras():
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(ops.var(x).numpy(), 14.0 / 9.0)
    np.testing.assert_allclose(ops.std(x).numpy(), np.sqrt(14.0 / 9.0))
    x32 = np.array([[1, 2, 4], [0, 0, 3]], F32)
    np.testing.assert_allclose(ops.std(x32, axis=1).numpy(),
                               [1.2472190856933594, 1.4142135381698608], rtol=1e-7)
    np.testing.assert_allclose(ops.var(x32, axis=0).numpy(), [0.25, 1.0, 0.25], rtol=1e-7)


def test_logsumexp_with_minus_infinity_and_huge_values():
    x = Tensor(np.array([-np.inf, 0.0, 1.0]), requires_grad=True)
    out = ops.logsumexp(x)
    np.testing.assert_allclose(out.numpy(), np.log1p(np.e))
    (g,) = gradients(out, [x])
    np.testing.assert_allclose(g, [0.0, 0.2689414213699951, 0.7310585786300049], rtol=1e-12)
    huge = np.array([[1e4, 0.0, -1e4], [3.0, 2.0, 1.0]], F32)
    np.testing.assert_allclose(ops.logsumexp(huge, axis=-1).numpy(), [10000.0, 3.4076058864593506],
                               rtol=1e-7)
    np.testing.assert_allclose(ops.logsumexp(huge, axis=0).numpy(),
                               [10000.0, 2.1269280910491943, 1.0], rtol=1e-7)
    t = Tensor(huge, requires_grad=True)
    (g,) = gradients(ops.sum(ops.logsumexp(t, axis=1)), [t])
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g.sum(axis=1), [1.0, 1.0], rtol=1e-6)


def test_argmax_argmin_default_to_the_flattened_array_like_keras():
    x = np.array([[1, 5], [7, 2]])
    assert int(ops.argmax(x).numpy()) == 2
    assert int(ops.argmin(np.array([[1, 5], [0, 2]])).numpy()) == 2
    np.testing.assert_array_equal(ops.argmax(x, axis=-1).numpy(), [1, 0])
    np.testing.assert_array_equal(ops.argmin(x, axis=0).numpy(), [0, 1])
    assert ops.argmax(x, axis=1, keepdims=True).shape == (2, 1)
    assert not ops.argmax(Tensor(x.astype(float), requires_grad=True), axis=0).requires_grad


def test_any_all():
    x = np.array([[True, False], [False, False]])
    assert bool(ops.any(x).numpy()) and not bool(ops.all(x).numpy())
    np.testing.assert_array_equal(ops.any(x, axis=1).numpy(), [True, False])
    np.testing.assert_array_equal(ops.all(~x, axis=0, keepdims=True).numpy(), [[False, True]])


def test_mean_of_float32_stays_float32():
    x = np.full((1000,), 0.1, F32)
    assert ops.mean(x).dtype == F32 and ops.sum(x).dtype == F32


# ---------------------------------------------------------------------------------------------
# Neural-network primitives
# ---------------------------------------------------------------------------------------------
def np_softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2])
def test_softmax_and_log_softmax_on_every_axis(axis):
    x = rand(2, 3, 4, seed=7)
    np.testing.assert_allclose(ops.softmax(x, axis=axis).numpy(), np_softmax(x, axis), rtol=1e-12)
    np.testing.assert_allclose(ops.log_softmax(x, axis=axis).numpy(), np.log(np_softmax(x, axis)),
                               rtol=1e-12)
    assert_grad(lambda t: ops.softmax(t, axis=axis), x)
    assert_grad(lambda t: ops.log_softmax(t, axis=axis), x)
    assert ops.softmax(x.astype(F32), axis=axis).dtype == F32
    assert_float32_grads(lambda t: ops.softmax(t, axis=axis), x)
    assert_float32_grads(lambda t: ops.log_softmax(t, axis=axis), x)


def test_softmax_default_axis_is_last():
    x = rand(3, 5, seed=8)
    np.testing.assert_allclose(ops.softmax(x).numpy().sum(axis=-1), np.ones(3))
    np.testing.assert_allclose(ops.log_softmax(x).numpy(), np.log(np_softmax(x, -1)), rtol=1e-12)


def test_softmax_huge_inputs_match_keras_without_overflow():
    x = np.array([[1e4, 0.0, -1e4], [3.0, 2.0, 1.0]], F32)
    np.testing.assert_allclose(
        ops.softmax(x, axis=-1).numpy(),
        [[1.0, 0.0, 0.0], [0.6652409434318542, 0.2447284758090973, 0.09003057330846786]],
        rtol=1e-6)
    np.testing.assert_allclose(ops.softmax(x, axis=0).numpy(),
                               [[1.0, 0.11920291930437088, 0.0], [0.0, 0.8807970285415649, 1.0]],
                               rtol=1e-6)
    np.testing.assert_allclose(
        ops.log_softmax(x, axis=-1).numpy(),
        [[0.0, -10000.0, -20000.0],
         [-0.40760594606399536, -1.4076058864593506, -2.4076058864593506]], rtol=1e-6)
    np.testing.assert_allclose(
        ops.log_softmax(x, axis=0).numpy(),
        [[0.0, -2.1269280910491943, -10001.0], [-9997.0, -0.12692804634571075, 0.0]], rtol=1e-6)
    for op in (ops.softmax, ops.log_softmax):
        t = Tensor(x, requires_grad=True)
        (g,) = gradients(ops.sum(op(t, axis=0) * np.arange(6).reshape(2, 3)), [t])
        assert np.all(np.isfinite(g))


def test_dense_matches_matmul_plus_bias():
    x, kernel, bias = rand(5, 3, seed=9), rand(3, 4, seed=10), rand(4, seed=11)
    np.testing.assert_allclose(ops.dense(x, kernel, bias).numpy(), x @ kernel + bias, rtol=1e-12)
    np.testing.assert_allclose(ops.dense(x, kernel).numpy(), x @ kernel, rtol=1e-12)
    x3 = rand(2, 5, 3, seed=12)
    np.testing.assert_allclose(ops.dense(x3, kernel, bias).numpy(), x3 @ kernel + bias, rtol=1e-12)
    assert_grad(ops.dense, x, kernel, bias)
    assert_grad(ops.dense, x3, kernel, bias)
    assert_grad(ops.dense, x3, kernel)
    assert_float32_grads(ops.dense, x3, kernel, bias)
    out = ops.dense(np.arange(6).reshape(2, 3), kernel.astype(F32))
    assert out.dtype == F32  # integer inputs take the kernel's dtype


def test_dropout_mask_scale_and_gradient():
    x = np.ones((200, 50), F32)
    out = ops.dropout(x, 0.25, np.random.default_rng(0)).numpy()
    assert out.dtype == F32
    assert set(np.unique(out)) <= {0.0, F32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.02
    shared = ops.dropout(np.ones((4, 3, 5)), 0.5, np.random.default_rng(1),
                         noise_shape=(None, 1, 5)).numpy()
    assert np.all(shared == shared[:, :1, :])  # one decision along the axis of size 1
    # The same generator state gives the same mask, so the gradient is checkable.
    assert_grad(lambda t: ops.dropout(t, 0.4, np.random.default_rng(2)), rand(3, 4, seed=13))


# ---------------------------------------------------------------------------------------------
# ops.nn activations (one node each, VJP beside the forward)
# ---------------------------------------------------------------------------------------------
def _np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


def _np_sparsemax_rows(x):
    """The simplex projection of each row, by the sort-based definition."""
    z = -np.sort(-x, axis=-1)
    k = np.arange(1, x.shape[-1] + 1)
    support = (1 + k * z > np.cumsum(z, axis=-1)).sum(axis=-1, keepdims=True)
    tau = (np.take_along_axis(np.cumsum(z, axis=-1), support - 1, axis=-1) - 1) / support
    return np.maximum(x - tau, 0)


WIDE = REAL * 2.5  # reaches past the kinks at +-1 and +-3, none of its values on a kink
NN_ACTIVATIONS = {  # name: (keyword arguments, NumPy reference, input)
    "leaky_relu": ({"negative_slope": 0.3}, lambda x: np.where(x > 0, x, 0.3 * x), REAL),
    "relu6": ({}, lambda x: np.clip(x, 0, 6), REAL * 4),
    "elu": ({"alpha": 1.5}, lambda x: np.where(x > 0, x, 1.5 * np.expm1(x)), REAL),
    "selu": ({}, lambda x: 1.0507009873554805 * np.where(x > 0, x, 1.6732632423543772 * np.expm1(x)),
             REAL),
    "celu": ({"alpha": 0.7}, lambda x: np.where(x > 0, x, 0.7 * np.expm1(x / 0.7)), REAL),
    "threshold": ({"threshold": 0.5, "default_value": -1.0}, lambda x: np.where(x > 0.5, x, -1.0),
                  REAL),
    "hard_sigmoid": ({}, lambda x: np.clip(x / 6 + 0.5, 0, 1), WIDE),
    "sparse_sigmoid": ({}, lambda x: np.clip(0.5 * (x + 1), 0, 1), WIDE),
    "log_sigmoid": ({}, lambda x: np.log(_np_sigmoid(x)), REAL),
    "hard_tanh": ({}, lambda x: np.clip(x, -1, 1), WIDE),
    "softsign": ({}, lambda x: x / (1 + np.abs(x)), REAL),
    "silu": ({}, lambda x: x * _np_sigmoid(x), REAL),
    "hard_silu": ({}, lambda x: x * np.clip(x / 6 + 0.5, 0, 1), WIDE),
    "gelu": ({}, _np_gelu_tanh, REAL),  # Keras's op default: the tanh approximation
    "squareplus": ({"b": 2}, lambda x: 0.5 * (x + np.sqrt(x * x + 2)), REAL),
    "sparse_plus": ({}, lambda x: np.where(x <= -1, 0, np.where(x < 1, 0.25 * (x + 1) ** 2, x)),
                    WIDE),
    "hard_shrink": ({"threshold": 1.0}, lambda x: np.where(np.abs(x) > 1.0, x, 0.0), REAL),
    "soft_shrink": ({"threshold": 1.0}, lambda x: x - np.clip(x, -1.0, 1.0), REAL),
    "tanh_shrink": ({}, lambda x: x - np.tanh(x), REAL),
    "sparsemax": ({}, _np_sparsemax_rows, REAL),
    "glu": ({}, lambda x: x[:, :2] * _np_sigmoid(x[:, 2:]), REAL),
}


@pytest.mark.parametrize("name", sorted(NN_ACTIVATIONS))
def test_nn_activation_forward_gradient_and_dtypes(name):
    kwargs, reference, x = NN_ACTIVATIONS[name]
    op = getattr(ops, name)
    np.testing.assert_allclose(op(x, **kwargs).numpy(), reference(x), rtol=1e-12, atol=1e-15)
    assert_grad(lambda t: op(t, **kwargs), x)
    assert op(x.astype(F32), **kwargs).dtype == F32
    assert_float32_grads(lambda t: op(t, **kwargs), x)
    # integer input becomes floatx(), as for Keras's activation ops; relu6 and hard_tanh (clips)
    # keep integers, as Keras's do
    expected = np.int64 if name in ("relu6", "hard_tanh") else np.dtype(config.floatx())
    assert op(np.array([[-2, 0, 1, 3]]), **kwargs).dtype == expected


def test_gelu_exact_and_the_two_extra_nn_nodes():
    from math import erf
    from minikeras.ops import nn
    exact = 0.5 * REAL * (1 + np.vectorize(erf)(REAL / np.sqrt(2)))
    np.testing.assert_allclose(ops.gelu(REAL, approximate=False).numpy(), exact, rtol=1e-12)
    assert_grad(lambda t: ops.gelu(t, approximate=False), REAL)
    assert_float32_grads(lambda t: ops.gelu(t, approximate=False), REAL)
    softplus = np.logaddexp(0, REAL)
    np.testing.assert_allclose(nn.mish(REAL).numpy(), REAL * np.tanh(softplus), rtol=1e-12)
    assert_grad(nn.mish, REAL)
    np.testing.assert_array_equal(nn.step(REAL).numpy(), (REAL > 0).astype(float))
    (g,) = gradients(ops.sum(nn.step(Tensor(REAL, requires_grad=True)) * 3.0),
                     [Tensor(REAL, requires_grad=True)])
    assert not g.any()


# ---------------------------------------------------------------------------------------------
# ops.nn crossentropies (Keras 3's ops: binary elementwise, categorical over the class axis)
# ---------------------------------------------------------------------------------------------
PROBS = np.array([[0.2, 0.5, 0.3, 0.6], [0.7, 0.1, 0.15, 0.4]])   # inside (eps, 1 - eps)
TARGET = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 0.25, 0.0]])


@pytest.mark.parametrize("from_logits", [False, True])
def test_binary_crossentropy_op(from_logits):
    output = REAL if from_logits else PROBS
    p = _np_sigmoid(output) if from_logits else output
    expected = -(TARGET * np.log(p) + (1 - TARGET) * np.log(1 - p))
    out = ops.binary_crossentropy(TARGET, output, from_logits=from_logits)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    assert_grad(lambda t, y: ops.binary_crossentropy(t, y, from_logits=from_logits),
                TARGET, output)
    assert_float32_grads(lambda t, y: ops.binary_crossentropy(t, y, from_logits=from_logits),
                         TARGET, output)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("axis", [-1, 0])
def test_categorical_crossentropy_op(from_logits, axis):
    output = REAL if from_logits else PROBS
    if from_logits:
        log_p = np.log(np_softmax(output, axis))
    else:
        log_p = np.log(output / output.sum(axis=axis, keepdims=True))
    out = ops.categorical_crossentropy(TARGET, output, from_logits=from_logits, axis=axis)
    np.testing.assert_allclose(out.numpy(), -(TARGET * log_p).sum(axis=axis), rtol=1e-12)
    f = lambda t, y: ops.categorical_crossentropy(t, y, from_logits=from_logits, axis=axis)  # noqa: E731
    assert_grad(f, TARGET, output)
    assert_float32_grads(f, TARGET, output)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("axis", [-1, 1])
def test_sparse_categorical_crossentropy_op(from_logits, axis):
    output = rand(3, 4, 2, seed=40) if from_logits else rand(3, 4, 2, low=0.1, high=1.0, seed=40)
    if axis == -1:
        output = output.reshape(3, 8)
    labels = np.array([[1, 0], [3, 3], [2, 1]]) if axis == 1 else np.array([5, 0, 7])
    probs = np_softmax(output, axis) if from_logits else output / output.sum(axis=axis,
                                                                              keepdims=True)
    picked = np.take_along_axis(probs, np.expand_dims(labels, axis), axis=axis)
    out = ops.sparse_categorical_crossentropy(labels, output, from_logits=from_logits, axis=axis)
    np.testing.assert_allclose(out.numpy(), -np.log(np.squeeze(picked, axis)), rtol=1e-12)
    f = lambda y: ops.sparse_categorical_crossentropy(labels, y, from_logits=from_logits,  # noqa: E731
                                                      axis=axis)
    assert_grad(f, output)
    assert_float32_grads(f, output)
    # a size-1 class axis on the labels is dropped, as in Keras
    same = ops.sparse_categorical_crossentropy(np.expand_dims(labels, axis), output,
                                               from_logits=from_logits, axis=axis)
    np.testing.assert_array_equal(same.numpy(), out.numpy())
    with pytest.raises(ValueError, match="outside"):
        ops.sparse_categorical_crossentropy(labels + 8, output, axis=axis)


# ---------------------------------------------------------------------------------------------
# Matrix products
# ---------------------------------------------------------------------------------------------
MATMUL_SHAPES = [
    ((4,), (4,)),                    # vector . vector -> scalar
    ((4,), (4, 3)),                  # vector @ matrix
    ((2, 4), (4,)),                  # matrix @ vector
    ((2, 4), (4, 3)),                # 2-D
    ((5, 2, 4), (5, 4, 3)),          # batched
    ((2, 1, 3, 4), (5, 4, 2)),       # broadcast stacks
    ((5, 2, 4), (4, 3)),             # N-D @ 2-D
    ((2, 5, 2, 4), (4, 3)),          # 4-D @ 2-D
    ((4,), (5, 4, 3)),               # vector @ stack
    ((5, 2, 4), (4,)),               # stack @ vector
    ((1, 2, 4), (5, 4, 3)),          # batch axis broadcast on the left
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul_forward_and_gradient(shapes):
    a, b = rand(*shapes[0], seed=14), rand(*shapes[1], seed=15)
    out = ops.matmul(a, b)
    assert out.shape == np.matmul(a, b).shape
    np.testing.assert_allclose(out.numpy(), np.matmul(a, b), rtol=1e-12)
    np.testing.assert_allclose((Tensor(a) @ b).numpy(), a @ b, rtol=1e-12)
    assert_grad(ops.matmul, a, b)
    assert_float32_grads(ops.matmul, a, b)
    assert ops.matmul(a.astype(F32), b.astype(F32)).dtype == F32


def test_matmul_gradient_to_one_operand_only():
    a, b = rand(5, 2, 4, seed=16), rand(4, 3, seed=17)
    assert_grad(lambda t: ops.matmul(t, b), a)
    assert_grad(lambda t: ops.matmul(a, t), b)


def test_matmul_bad_shapes_raise_clear_errors():
    with pytest.raises(ValueError, match="inner dimensions"):
        ops.matmul(np.ones((2, 3)), np.ones((4, 5)))
    with pytest.raises(ValueError, match="at least 1 dimension"):
        ops.matmul(np.ones(3), 2.0)


DOT_SHAPES = [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((5, 2, 3), (3, 4)),
              ((2, 3), (5, 3, 4)), ((4, 2, 3), (5, 3, 2)), ((3,), (5, 3, 4)), ((), (2, 3)),
              ((2, 3), ())]


@pytest.mark.parametrize("shapes", DOT_SHAPES, ids=str)
def test_dot_follows_numpy_dot(shapes):
    a, b = rand(*shapes[0], seed=18), rand(*shapes[1], seed=19)
    out = ops.dot(a, b)
    assert out.shape == np.dot(a, b).shape
    np.testing.assert_allclose(out.numpy(), np.dot(a, b), rtol=1e-12)
    assert_grad(ops.dot, a, b)


@pytest.mark.parametrize("axes", [2, 1, 0, ([1, 0], [0, 1]), (1, 0), ([-1], [0])], ids=str)
def test_tensordot(axes):
    a = rand(2, 3, seed=20) if axes != 2 else rand(4, 2, 3, seed=20)
    b = rand(3, 4, seed=21) if axes not in (2, ([1, 0], [0, 1])) else rand(2, 3, 4, seed=21)
    if axes == ([1, 0], [0, 1]):
        b = rand(3, 2, 4, seed=21)
    if axes == (1, 0):
        b = rand(3, 5, seed=21)
    out = ops.tensordot(a, b, axes=axes)
    np.testing.assert_allclose(out.numpy(), np.tensordot(a, b, axes=axes), rtol=1e-12)
    assert_grad(lambda x1, x2: ops.tensordot(x1, x2, axes=axes), a, b)


def test_tensordot_matches_keras_value():
    out = ops.tensordot(np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4), axes=1)
    np.testing.assert_array_equal(out.numpy()[0], [20.0, 23.0, 26.0, 29.0])


# ---------------------------------------------------------------------------------------------
# Shape manipulation
# ---------------------------------------------------------------------------------------------
def test_reshape():
    x = rand(2, 3, 4, seed=22)
    for shape in [(-1,), (6, 4), (4, -1), (2, None, 2), 24]:
        expected = x.reshape(tuple(-1 if n is None else n for n in shape)
                             if isinstance(shape, tuple) else shape)
        np.testing.assert_array_equal(ops.reshape(x, shape).numpy(), expected)
        assert_grad(lambda t: ops.reshape(t, shape), x)
    with pytest.raises(ValueError, match=r"reshape.*\(2, 3, 4\)"):
        ops.reshape(x, (5, 5))
    assert ops.reshape(x.astype(F32), (-1,)).dtype == F32


@pytest.mark.parametrize("axes", [None, (2, 0, 1), (0, -1, 1), (-1, -2, -3)], ids=str)
def test_transpose(axes):
    x = rand(2, 3, 4, seed=23)
    np.testing.assert_array_equal(ops.transpose(x, axes).numpy(), np.transpose(x, axes))
    assert_grad(lambda t: ops.transpose(t, axes), x)


@pytest.mark.parametrize("source, destination", [(0, -1), (-1, 0), ([0, 1], [2, 0])], ids=str)
def test_moveaxis(source, destination):
    x = rand(2, 3, 4, seed=24)
    np.testing.assert_array_equal(ops.moveaxis(x, source, destination).numpy(),
                                  np.moveaxis(x, source, destination))
    assert_grad(lambda t: ops.moveaxis(t, source, destination), x)


def test_expand_dims_squeeze_broadcast_to_flatten():
    x = rand(3, 1, 4, seed=25)
    for axis in (0, -1, 1, (0, 2)):
        np.testing.assert_array_equal(ops.expand_dims(x, axis).numpy(), np.expand_dims(x, axis))
        assert_grad(lambda t: ops.expand_dims(t, axis), x)
    for axis in (None, 1, -2):
        np.testing.assert_array_equal(ops.squeeze(x, axis).numpy(), np.squeeze(x, axis))
        assert_grad(lambda t: ops.squeeze(t, axis), x)
    np.testing.assert_array_equal(ops.broadcast_to(x, (2, 3, 5, 4)).numpy(),
                                  np.broadcast_to(x, (2, 3, 5, 4)))
    assert_grad(lambda t: ops.broadcast_to(t, (2, 3, 5, 4)), x)
    np.testing.assert_array_equal(ops.flatten(x).numpy(), x.reshape(3, 4))
    assert ops.flatten(rand(2, 3, 4)).shape == (2, 12)
    assert_grad(ops.flatten, rand(2, 3, 4))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis):
    shapes = {0: [(1, 3), (2, 3), (3, 3)], 1: [(2, 1), (2, 2), (2, 4)],
              -1: [(2, 1), (2, 2), (2, 4)]}
    arrays = [rand(*s, seed=26 + i) for i, s in enumerate(shapes[axis])]
    np.testing.assert_array_equal(ops.concatenate(arrays, axis=axis).numpy(),
                                  np.concatenate(arrays, axis=axis))
    assert_grad(lambda *ts: ops.concatenate(list(ts), axis=axis), *arrays)
    assert_float32_grads(lambda *ts: ops.concatenate(list(ts), axis=axis), *arrays)


@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis):
    arrays = [rand(2, 3, seed=30 + i) for i in range(3)]
    np.testing.assert_array_equal(ops.stack(arrays, axis=axis).numpy(), np.stack(arrays, axis=axis))
    assert_grad(lambda *ts: ops.stack(list(ts), axis=axis), *arrays)


@pytest.mark.parametrize("sections, axis", [(3, 1), (2, 0), ([1, 4], 1), ([2], -1), (6, -1)],
                         ids=str)
def test_split(sections, axis):
    x = rand(4, 6, seed=33)
    pieces = ops.split(x, sections, axis=axis)
    expected = np.split(x, sections, axis=axis)
    assert len(pieces) == len(expected)
    for piece, ref in zip(pieces, expected):
        np.testing.assert_array_equal(piece.numpy(), ref)
    # Each piece routes its gradient back into its own slice.
    def weighted_pieces(t):
        pieces = ops.split(t, sections, axis=axis)
        return ops.concatenate([p * float(i + 1) for i, p in enumerate(pieces)], axis=axis)
    assert_grad(weighted_pieces, x)


def test_split_uneven_sections_raise():
    with pytest.raises(ValueError, match="split"):
        ops.split(np.ones((4, 5)), 2, axis=1)


@pytest.mark.parametrize("pad_width, value", [(1, 0), (((1, 2), (0, 3)), 2.5), ((2, 1), -1.0),
                                              (((0, 0), (1, 0)), 0)], ids=str)
def test_pad(pad_width, value):
    x = rand(2, 3, seed=34)
    np.testing.assert_array_equal(ops.pad(x, pad_width, constant_values=value).numpy(),
                                  np.pad(x, pad_width, constant_values=value))
    assert_grad(lambda t: ops.pad(t, pad_width, constant_values=value), x)
    assert ops.pad(x.astype(F32), pad_width).dtype == F32


def test_pad_unknown_modes_raise():
    with pytest.raises(ValueError, match="mode"):
        ops.pad(np.ones(3), 1, mode="edge")


@pytest.mark.parametrize("repeats", [2, (2, 1), (1, 3), (2, 1, 3), (3,)], ids=str)
def test_tile(repeats):
    x = rand(2, 3, seed=35)
    np.testing.assert_array_equal(ops.tile(x, repeats).numpy(), np.tile(x, repeats))
    assert_grad(lambda t: ops.tile(t, repeats), x)


@pytest.mark.parametrize("repeats, axis", [(2, None), (2, 0), (3, -1), ([1, 3, 2], 1),
                                           ([2, 0, 1], 1), ([2, 1, 0], -1), ([0, 2], 0)], ids=str)
def test_repeat(repeats, axis):
    x = rand(2, 3, seed=36)
    np.testing.assert_array_equal(ops.repeat(x, repeats, axis=axis).numpy(),
                                  np.repeat(x, repeats, axis=axis))
    assert_grad(lambda t: ops.repeat(t, repeats, axis=axis), x)
    assert_float32_grads(lambda t: ops.repeat(t, repeats, axis=axis), x)


def test_repeat_gradient_counts_copies():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (g,) = gradients(ops.sum(ops.repeat(x, [2, 0, 3], axis=0)), [x])
    np.testing.assert_array_equal(g, [2.0, 0.0, 3.0])


X45 = rand(4, 5, seed=37)
GETITEM_INDICES = [
    1, -1, slice(1, 3), slice(None, None, -1), (slice(None), 2), (1, slice(None, None, 2)),
    (Ellipsis, None, 3), (None, slice(1, None)),
    np.array([0, 0, 3, 1, 0]),                      # integer array with repeats
    [2, 2],                                          # list of ints
    (np.array([2, 0, 2]), np.array([1, 1, 1])),      # paired fancy index, repeated elements
    (slice(None), np.array([4, 4, 0])),
    X45 > 0.0,                                       # boolean mask
    np.array([True, False, True, True]),
    np.int64(2),
]


@pytest.mark.parametrize("index", GETITEM_INDICES, ids=lambda i: repr(i)[:40])
def test_getitem(index):
    np.testing.assert_array_equal(ops.getitem(X45, index).numpy(), X45[index])
    np.testing.assert_array_equal(Tensor(X45)[index].numpy(), X45[index])
    assert_grad(lambda t: t[index], X45)
    assert_float32_grads(lambda t: ops.getitem(t, index), X45)


def test_getitem_repeated_indices_add_up_and_tensor_masks_work():
    x = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    (g,) = gradients(ops.sum(x[np.array([0, 0, 2, 0])]), [x])
    np.testing.assert_array_equal(g, [3.0, 0.0, 1.0])
    x = Tensor(np.array([-1.0, 2.0, -3.0, 4.0]), requires_grad=True)
    picked = x[x > 0]  # a bool Tensor as the index
    np.testing.assert_array_equal(picked.numpy(), [2.0, 4.0])
    (g,) = gradients(ops.sum(picked * picked), [x])
    np.testing.assert_array_equal(g, [0.0, 4.0, 0.0, 8.0])
    np.testing.assert_array_equal(x[Tensor(np.array([3, 3]))].numpy(), [4.0, 4.0])


TAKE_CASES = [(np.array([3, 0, 3]), None), ([1, 1, 0], 0), (np.array([-1, 0, 0]), 1),
              (np.array([[0, 4], [4, 4]]), -1), (np.array([[1, 2]]), None),
              (np.array([[-1, 0], [1, -2]]), 0), (np.array([], dtype=int), 0)]


@pytest.mark.parametrize("indices, axis", TAKE_CASES, ids=str)
def test_take(indices, axis):
    x = rand(2, 5, seed=38)
    np.testing.assert_array_equal(ops.take(x, indices, axis=axis).numpy(),
                                  np.take(x, indices, axis=axis))
    assert_grad(lambda t: ops.take(t, indices, axis=axis), x)
    assert_float32_grads(lambda t: ops.take(t, indices, axis=axis), x)


def test_masked_logsumexp_over_the_kept_entries():
    from minikeras.ops.reduction import masked_logsumexp
    x = rand(3, 4, seed=41)
    mask = np.array([[True, False, True, True], [False, True, False, False], [False] * 4])
    out = masked_logsumexp(x, mask, axis=1).numpy()
    np.testing.assert_allclose(out[:2], [np.log(np.exp(x[i][mask[i]]).sum()) for i in range(2)],
                               rtol=1e-12)
    assert out[2] == -np.inf                        # an empty row
    assert_grad(lambda t: masked_logsumexp(t, mask[:2], axis=1), x[:2])
    assert_grad(lambda t: masked_logsumexp(t, mask[:, :3].T, axis=0), x[:, :3].T.copy())
    x_t = Tensor(x, requires_grad=True)
    (g,) = gradients(ops.sum(masked_logsumexp(x_t, mask, axis=1)[:2]), [x_t])
    assert not g[~mask].any() and np.isfinite(g).all()  # 0 off the mask and on the empty row
    assert_float32_grads(lambda t: masked_logsumexp(t, mask[:2], axis=1), x[:2])


def test_take_rows_of_a_rank_3_tensor():
    x = rand(3, 2, 4, seed=39)
    indices = np.array([[2, 0], [2, 2]])
    np.testing.assert_array_equal(ops.take(x, indices, axis=0).numpy(), x[indices])
    assert_grad(lambda t: ops.take(t, indices, axis=0), x)


def test_take_negative_indices_match_keras():
    out = ops.take(np.arange(6.0).reshape(2, 3), np.array([-1, 0, 0]), axis=1)
    np.testing.assert_array_equal(out.numpy(), [[2.0, 0.0, 0.0], [5.0, 3.0, 3.0]])


def test_one_hot():
    out = ops.one_hot(np.array([0, 2, 1]), 3)
    assert out.dtype == np.dtype(config.floatx()) and not out.requires_grad
    np.testing.assert_array_equal(out.numpy(), np.eye(3)[[0, 2, 1]])
    np.testing.assert_array_equal(ops.one_hot(np.array([0, 2]), 3, axis=0).numpy(),
                                  [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    np.testing.assert_array_equal(ops.one_hot(np.array([-1, 1]), 3).numpy(),  # Keras: -1 -> zeros
                                  [[0.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    assert ops.one_hot(np.array([[1], [0]]), 2).shape == (2, 1, 2)
    assert ops.one_hot([1], 2, dtype="int32").dtype == np.int32


def test_constructors_and_shape():
    x = rand(2, 3).astype(F32)
    assert ops.zeros((2, 3)).dtype == np.dtype(config.floatx())
    np.testing.assert_array_equal(ops.zeros((2, 3)).numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal(ops.ones(4).numpy(), np.ones(4))
    assert ops.ones((2,), dtype="int32").dtype == np.int32
    assert ops.zeros_like(x).dtype == F32 and ops.ones_like(x, dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(ops.ones_like(x).numpy(), np.ones((2, 3)))
    np.testing.assert_array_equal(ops.zeros_like(Tensor(x)).numpy(), np.zeros((2, 3)))
    assert ops.shape(x) == (2, 3) and ops.shape(Tensor(x)) == (2, 3) and ops.shape(3.0) == ()


# ---------------------------------------------------------------------------------------------
# Creation and triangle / diagonal ops (minikeras/ops/creation.py)
# ---------------------------------------------------------------------------------------------
def test_arange_infers_dtype_like_keras():
    assert ops.arange(3).dtype == np.int32            # Python ints are int32 in Keras
    assert ops.arange(3.0).dtype == F32               # a Python float gives floatx
    assert ops.arange(1, 2, 0.5).dtype == F32
    assert ops.arange(np.int64(4)).dtype == np.int64  # arrays keep their dtype
    assert ops.arange(4, dtype="float64").dtype == np.float64
    np.testing.assert_array_equal(ops.arange(3, 7, 2).numpy(), [3, 5])
    np.testing.assert_array_equal(ops.arange(5).numpy(), np.arange(5))
    np.testing.assert_allclose(ops.arange(0.0, 1.0, 0.25).numpy(), np.arange(0, 1, 0.25))
    with pytest.raises(ValueError, match="arange: `step` must not be 0"):
        ops.arange(0, 3, 0)


def test_eye_identity_tri_full_default_to_floatx():
    for made, want in ((ops.eye(3), np.eye(3)), (ops.eye(2, 4, k=1), np.eye(2, 4, k=1)),
                       (ops.identity(3), np.identity(3)), (ops.tri(3, 4, k=-1), np.tri(3, 4, -1)),
                       (ops.full((2, 3), 7), np.full((2, 3), 7.0))):
        assert made.dtype == F32
        np.testing.assert_array_equal(made.numpy(), want)
    assert ops.eye(2, dtype="int32").dtype == np.int32
    assert ops.full((2,), 1, dtype="int32").dtype == np.int32


def test_full_like_keeps_the_dtype_of_x():
    x = np.ones((2, 3), "int32")
    out = ops.full_like(x, 2.7)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out.numpy(), np.full_like(x, 2.7))
    assert ops.full_like(x, 2.5, dtype="float32").dtype == F32
    assert not ops.full_like(Tensor(rand(2), requires_grad=True), 1.0).requires_grad


@pytest.mark.parametrize("start, stop, kwargs", [
    (0.0, 1.0, {}), (2, 5, dict(num=4, endpoint=False)), (np.array([0.0, 1.0]),
                                                          np.array([[1.0, 3.0]]), dict(num=3)),
    (np.array([0.0, 1.0]), 2.0, dict(num=5, axis=-1)), (1.0, 0.0, dict(num=1))], ids=str)
def test_linspace(start, stop, kwargs):
    out = ops.linspace(start, stop, **kwargs)
    want = np.linspace(start, stop, **kwargs)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-6)
    float64_arrays = any(isinstance(v, np.ndarray) for v in (start, stop))
    assert out.dtype == (np.float64 if float64_arrays else F32)  # Keras: floatx for numbers


def test_linspace_gradient_and_retstep():
    assert_grad(lambda a, b: ops.linspace(a, b, 4, axis=-1), np.array([1.0, 2.0]),
                np.array([[3.0, 4.0], [0.0, 1.0]]))
    assert_grad(lambda a, b: ops.linspace(a, b, 5, endpoint=False), np.array(0.5), np.array(2.0))
    values, step = ops.linspace(0, 1, 5, retstep=True)
    assert float(step.numpy()) == 0.25 and values.shape == (5,)
    assert ops.linspace(0, 10, 3, dtype="int32").dtype == np.int32


@pytest.mark.parametrize("name, k", [("tril", 0), ("tril", -1), ("tril", 2), ("triu", 0),
                                     ("triu", 1), ("triu", -2)])
def test_tril_triu(name, k):
    x = rand(2, 3, 4)
    out = getattr(ops, name)(x, k=k)
    np.testing.assert_array_equal(out.numpy(), getattr(np, name)(x, k=k))
    assert_grad(lambda t: getattr(ops, name)(t, k=k), x)
    assert_float32_grads(lambda t: getattr(ops, name)(t, k=k), x)
    with pytest.raises(ValueError, match=f"{name}: `x` must have at least 2 dimensions"):
        getattr(ops, name)(np.ones(3))


@pytest.mark.parametrize("shape, k", [((4,), 0), ((3,), 1), ((3,), -2), ((3, 4), 0),
                                      ((3, 4), 2), ((4, 3), -1)], ids=str)
def test_diag(shape, k):
    x = rand(*shape)
    np.testing.assert_array_equal(ops.diag(x, k).numpy(), np.diag(x, k))
    assert_grad(lambda t: ops.diag(t, k), x)
    assert_float32_grads(lambda t: ops.diag(t, k), x)


def test_diag_rejects_rank_3():
    with pytest.raises(ValueError, match=r"diag: `x` must be 1-D or 2-D, received shape \(2, 2, 2\)"):
        ops.diag(np.ones((2, 2, 2)))


@pytest.mark.parametrize("offset, axis1, axis2", [(0, 0, 1), (1, 0, 2), (-1, 2, 0), (2, -1, -3),
                                                  (0, 1, 2)], ids=str)
def test_diagonal(offset, axis1, axis2):
    x = rand(3, 2, 4)
    out = ops.diagonal(x, offset, axis1, axis2)
    np.testing.assert_array_equal(out.numpy(), np.diagonal(x, offset, axis1, axis2))
    assert_grad(lambda t: ops.diagonal(t, offset, axis1, axis2), x)
    assert_float32_grads(lambda t: ops.diagonal(t, offset, axis1, axis2), x)


def test_diagonal_bad_axes_name_the_argument():
    with pytest.raises(ValueError, match="diagonal: `axis2`=3 is out of range for an input of "
                                         "rank 2"):
        ops.diagonal(np.ones((2, 2)), axis2=3)
    with pytest.raises(ValueError, match="diagonal: `axis1` and `axis2` must differ"):
        ops.diagonal(np.ones((2, 2)), axis1=1, axis2=-1)


# ---------------------------------------------------------------------------------------------
# Cumulative, sorting and selection ops
# ---------------------------------------------------------------------------------------------
SCAN_AXES = [None, 0, 1, -1, 2]


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
@pytest.mark.parametrize("axis", SCAN_AXES, ids=str)
def test_cumsum_cumprod_values_and_gradients(name, axis):
    x = rand(2, 3, 4)
    out = getattr(ops, name)(x, axis=axis)
    np.testing.assert_allclose(out.numpy(), getattr(np, name)(x, axis=axis), rtol=1e-12)
    assert_grad(lambda t: getattr(ops, name)(t, axis=axis), x)
    assert_float32_grads(lambda t: getattr(ops, name)(t, axis=axis), x)


@pytest.mark.parametrize("axis", [0, 1, None])
def test_cumprod_gradient_is_exact_with_zeros(axis):
    x = rand(3, 4)
    x[0, 1] = x[2, 0] = x[2, 2] = x[1, 3] = 0.0  # one zero, and a line with two
    assert_grad(lambda t: ops.cumprod(t, axis=axis), x)
    t = Tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    (g,) = gradients(ops.sum(ops.cumprod(t)), [t])
    np.testing.assert_allclose(g, [1.0, 2.0 + 6.0, 0.0])  # d/dx1 of x0 + x0 x1 + x0 x1 x2


def test_cumsum_cumprod_dtypes_like_keras():
    ints = np.array([1, 2, 3], "int32")
    # Keras keeps int32 (NumPy alone would widen to int64); bool sums to int32.
    assert ops.cumsum(ints).dtype == np.int32 and ops.cumprod(ints).dtype == np.int32
    np.testing.assert_array_equal(ops.cumsum(np.array([True, False, True])).numpy(), [1, 1, 2])
    assert ops.cumsum(np.array([True])).dtype == np.int32
    assert ops.cumsum(rand(3).astype(F32)).dtype == F32
    assert ops.cumsum(ints, dtype="float32").dtype == F32
    with pytest.raises(ValueError, match="cumsum: `axis`=2 is out of range for an input of "
                                         "rank 2"):
        ops.cumsum(np.ones((2, 2)), axis=2)


@pytest.mark.parametrize("axis", [-1, 0, 1, None])
def test_sort_and_argsort(axis):
    x = rand(3, 4)
    np.testing.assert_array_equal(ops.sort(x, axis=axis).numpy(), np.sort(x, axis=axis))
    order = ops.argsort(Tensor(x, requires_grad=True), axis=axis)
    assert order.dtype == np.int32 and not order.requires_grad  # Keras: int32, no gradient
    np.testing.assert_array_equal(order.numpy(), np.argsort(x, axis=axis, kind="stable"))
    assert_grad(lambda t: ops.sort(t, axis=axis), x)
    assert_float32_grads(lambda t: ops.sort(t, axis=axis), x)


def test_argsort_ties_keep_their_order_and_bad_axis_raises():
    np.testing.assert_array_equal(ops.argsort([2, 1, 2, 1]).numpy(), [1, 3, 0, 2])
    with pytest.raises(ValueError, match="sort: `axis`=-3 is out of range"):
        ops.sort(np.ones((2, 2)), axis=-3)


def test_top_k_values_indices_and_gradient():
    x = rand(3, 5)
    values, indices = ops.top_k(x, 3)
    want = np.argsort(-x, axis=-1, kind="stable")[:, :3]
    np.testing.assert_array_equal(indices.numpy(), want)
    assert indices.dtype == np.int32 and values.shape == (3, 3)
    np.testing.assert_array_equal(values.numpy(), np.take_along_axis(x, want, -1))
    assert_grad(lambda t: ops.top_k(t, 2)[0], x)
    assert_float32_grads(lambda t: ops.top_k(t, 2)[0], x)
    # ties: the lower index first (TensorFlow / JAX order)
    np.testing.assert_array_equal(ops.top_k(np.array([1, 3, 3, 2]), 3)[1].numpy(), [1, 2, 3])
    # equal values straddling the k-th place (a partition may pick either): the lower index
    np.testing.assert_array_equal(ops.top_k(np.array([0, 5, 2, 2, 2, 1]), 2)[1].numpy(), [1, 2])
    ties = np.array([[4.0, 1, 4, 1, 4], [0, 0, 0, 0, 0]])
    np.testing.assert_array_equal(ops.top_k(ties, 2)[1].numpy(), [[0, 2], [0, 1]])
    many = np.random.default_rng(0).integers(0, 5, (40, 30))   # ties everywhere
    np.testing.assert_array_equal(ops.top_k(many, 7)[1].numpy(),
                                  np.argsort(-many, axis=-1, kind="stable")[:, :7])
    assert ops.top_k(np.array([1, 3], "uint8"), 1)[0].numpy().tolist() == [3]
    with pytest.raises(ValueError, match=r"top_k: `k` must be an integer between 0 and the size "
                                         r"of the last axis \(5\), received k=6"):
        ops.top_k(x, 6)


@pytest.mark.parametrize("indices, axis", [
    (np.array([[0, 3, 3], [1, 1, 2], [-1, 0, 2]]), 1), (np.array([[2, 0, 1, 1]]), 0),
    (np.array([[0], [4], [2]]), -1), (np.array([5, 0, 11, 5]), None)], ids=str)
def test_take_along_axis(indices, axis):
    x = rand(3, 4) if axis != -1 else rand(3, 5)
    out = ops.take_along_axis(x, indices, axis=axis)
    np.testing.assert_array_equal(out.numpy(), np.take_along_axis(x, indices, axis=axis))
    assert_grad(lambda t: ops.take_along_axis(t, indices, axis=axis), x)
    assert_float32_grads(lambda t: ops.take_along_axis(t, indices, axis=axis), x)


def test_take_along_axis_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"take_along_axis: `indices` out of range for axis 1 "
                                         r"of size 4, received values in \[0, 4\]"):
        ops.take_along_axis(np.ones((2, 4)), np.array([[0, 4]]), axis=1)
    with pytest.raises(ValueError, match="take_along_axis: `indices` must have the rank of `x`"):
        ops.take_along_axis(np.ones((2, 4)), np.array([0, 1]), axis=1)


@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)], ids=str)
def test_flip(axis):
    x = rand(2, 3, 4)
    np.testing.assert_array_equal(ops.flip(x, axis=axis).numpy(), np.flip(x, axis=axis))
    assert_grad(lambda t: ops.flip(t, axis=axis), x)
    assert_float32_grads(lambda t: ops.flip(t, axis=axis), x)
    with pytest.raises(ValueError, match="flip: `axis`=3 is out of range"):
        ops.flip(x, axis=3)


@pytest.mark.parametrize("shift, axis", [(1, None), (-2, 0), (5, -1), ((1, -1), (0, 2))],
                         ids=str)
def test_roll(shift, axis):
    x = rand(2, 3, 4)
    np.testing.assert_array_equal(ops.roll(x, shift, axis=axis).numpy(),
                                  np.roll(x, shift, axis=axis))
    assert_grad(lambda t: ops.roll(t, shift, axis=axis), x)
    assert_float32_grads(lambda t: ops.roll(t, shift, axis=axis), x)


def test_stop_gradient_and_convert_to_numpy():
    x = Tensor(rand(3), requires_grad=True)
    y = ops.stop_gradient(x)
    assert not y.requires_grad
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    (g,) = gradients(ops.sum(x * 2.0 + ops.stop_gradient(x) ** 2), [x])
    np.testing.assert_array_equal(g, [2.0, 2.0, 2.0])
    array = ops.convert_to_numpy(x)
    assert isinstance(array, np.ndarray)
    np.testing.assert_array_equal(array, x.numpy())
    assert ops.convert_to_numpy([1.0, 2.0]).dtype == np.float64  # as np.array, Keras's backend
    with pytest.raises(ValueError, match="convert_to_numpy: a symbolic tensor"):
        from minikeras import layers
        ops.convert_to_numpy(layers.Input((3,)))


# ---------------------------------------------------------------------------------------------
# einsum, outer, trace
# ---------------------------------------------------------------------------------------------
EINSUM_CASES = [  # subscripts, operand shapes
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ij->i", [(3, 4)]), ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]), ("ij,j", [(3, 4), (4,)]), ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("i,j->ij", [(3,), (4,)]), ("bij->", [(2, 3, 4)]), ("ij,kj->ik", [(3, 4), (2, 4)]),
    ("...i,...i->...", [(1, 3), (4, 3)]), ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 2)]),
]


@pytest.mark.parametrize("subscripts, shapes", EINSUM_CASES, ids=str)
def test_einsum_values_and_gradients(subscripts, shapes):
    operands = [rand(*shape, seed=i) for i, shape in enumerate(shapes)]
    out = ops.einsum(subscripts, *operands)
    np.testing.assert_allclose(out.numpy(), np.einsum(subscripts, *operands), rtol=1e-12)
    assert_grad(lambda *t: ops.einsum(subscripts, *t), *operands)
    assert_float32_grads(lambda *t: ops.einsum(subscripts, *t), *operands)


def test_einsum_dtypes_and_errors():
    ints = np.arange(3, dtype="int32")
    assert ops.einsum("i,i", ints, np.ones(3, F32)).dtype == F32  # Keras: int with float -> float
    assert ops.einsum("i,i", ints, ints).dtype == np.int32
    with pytest.raises(ValueError, match="einsum: cannot apply 'ij,jk' to operands of shapes"):
        ops.einsum("ij,jk", np.ones((2, 3)), np.ones((4, 2)))


def test_outer():
    x, y = rand(3), rand(2, 2, seed=1)
    np.testing.assert_allclose(ops.outer(x, y).numpy(), np.outer(x, y))
    assert_grad(ops.outer, x, y)
    assert_float32_grads(ops.outer, x, y)


@pytest.mark.parametrize("offset, axis1, axis2", [(0, 0, 1), (1, 0, 2), (-1, 2, 1)], ids=str)
def test_trace(offset, axis1, axis2):
    x = rand(3, 4, 4)
    np.testing.assert_allclose(ops.trace(x, offset, axis1, axis2).numpy(),
                               np.trace(x, offset, axis1, axis2))
    assert_grad(lambda t: ops.trace(t, offset, axis1, axis2), x)
    assert_float32_grads(lambda t: ops.trace(t, offset, axis1, axis2), x)


def test_trace_dtypes_like_keras():
    # Keras sums bool and small ints to int32 (NumPy alone gives int64)
    assert ops.trace(np.eye(3, dtype=bool)).dtype == np.int32
    assert ops.trace(np.ones((2, 2), "int8")).dtype == np.int32
    assert int(ops.trace(np.ones((2, 2), "int32")).numpy()) == 2
    assert ops.trace(np.ones((2, 2), "int64")).dtype == np.int64


# ---------------------------------------------------------------------------------------------
# Conversion, casting, broadcasting helpers
# ---------------------------------------------------------------------------------------------
def test_convert_to_tensor_dtypes():
    assert ops.convert_to_tensor(1.5).dtype == F32          # Python float -> floatx
    assert ops.convert_to_tensor([1.0, 2]).dtype == F32     # list of Python floats -> floatx
    assert ops.convert_to_tensor([[1.0], [2.0]]).dtype == F32
    assert ops.convert_to_tensor(3).dtype == np.int64
    assert ops.convert_to_tensor([1, 2]).dtype == np.int64
    assert ops.convert_to_tensor(np.ones(2)).dtype == np.float64  # arrays keep their dtype
    assert ops.convert_to_tensor([1.0, 2.0], dtype="float64").dtype == np.float64
    t = Tensor(np.ones(2, F32))
    assert ops.convert_to_tensor(t) is t
    assert ops.convert_to_tensor(t, dtype="float64").dtype == np.float64


def test_python_floats_follow_floatx():
    config.set_floatx("float64")
    try:
        assert ops.convert_to_tensor(1.5).dtype == np.float64
        assert ops.add(np.arange(2), 0.5).dtype == np.float64
    finally:
        config.set_floatx("float32")


def test_cast():
    x = Tensor(np.array([1.5, -2.5], F32), requires_grad=True)
    y = ops.cast(x, "float64")
    assert y.dtype == np.float64 and y.requires_grad
    (g,) = gradients(ops.sum(y * 3.0), [x])
    assert g.dtype == F32
    np.testing.assert_array_equal(g, [3.0, 3.0])
    as_int = ops.cast(x, "int32")
    assert as_int.dtype == np.int32 and not as_int.requires_grad
    np.testing.assert_array_equal(as_int.numpy(), [1, -2])
    assert ops.cast(x, "float32") is x
    assert_grad(lambda t: ops.cast(t, "float64") * 2.0, REAL)


def test_unbroadcast():
    g = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(ops.unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(ops.unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(ops.unbroadcast(g, (1, 1, 4)), g.sum(axis=(0, 1), keepdims=True))
    np.testing.assert_array_equal(ops.unbroadcast(g, ()), g.sum())
    assert ops.unbroadcast(g, (2, 3, 4)) is g


# ---------------------------------------------------------------------------------------------
# Every exported op is covered
# ---------------------------------------------------------------------------------------------
EXPLICITLY_TESTED = {
    "clip", "where", "argmax", "argmin", "any", "all", "softmax", "log_softmax", "dense", "dropout",
    "matmul", "dot", "tensordot", "reshape", "transpose", "moveaxis", "expand_dims", "squeeze",
    "broadcast_to", "flatten", "concatenate", "stack", "split", "pad", "tile", "repeat", "getitem",
    "take", "one_hot", "zeros_like", "ones_like", "zeros", "ones", "shape", "convert_to_tensor",
    "cast", "unbroadcast", "gelu", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "arange", "eye", "identity", "linspace", "full", "full_like", "tri", "tril", "triu", "diag",
    "diagonal", "cumsum", "cumprod", "sort", "argsort", "top_k", "take_along_axis", "flip",
    "roll", "stop_gradient", "convert_to_numpy", "einsum", "outer", "trace",
}
COVERED = (set(UNARY) | set(NONDIFF_UNARY) | set(BINARY) | set(NONDIFF_BINARY) | set(REDUCTIONS)
           | set(NN_ACTIVATIONS) | EXPLICITLY_TESTED)
COVERED |= {"cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq",
            "lu_factor", "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular",
            "svd"}  # keras.ops.linalg: values, gradients and errors in tests/ops/test_linalg.py
COVERED |= {"swish", "hard_swish"}  # silu / hard_silu themselves (tests/ops/test_elementwise.py)
COVERED |= {"get_item"}  # getitem's Keras name: tests/ops/test_manipulation.py
OWN_MODULES = {f"minikeras.ops.{m}" for m in ("core", "math", "reduction", "manipulation",
                                              "linalg", "nn", "creation",
                                              "sorting", "products")}


def test_every_exported_op_has_tests():
    exported = {name for name in dir(ops) if not name.startswith("_")
                and callable(getattr(ops, name))
                and getattr(getattr(ops, name), "__module__", None) in OWN_MODULES}
    missing = exported - COVERED
    assert not missing, f"ops without tests in this file: {sorted(missing)}"


def test_new_ops_take_keras_signatures():
    """arange's step defaults to None (1), einsum takes `optimize`, pinv's rcond defaults to
    None (max(M, N) * eps): the signatures of keras.ops 3.15."""
    import inspect
    assert str(inspect.signature(ops.arange)) == "(start, stop=None, step=None, dtype=None)"
    assert ops.arange(2, 7).data.tolist() == [2, 3, 4, 5, 6]
    assert ops.arange(2, 7).dtype == np.int32
    a, b = rand(2, 3), rand(3, 4, seed=1)
    np.testing.assert_allclose(ops.einsum("ij,jk->ik", a, b, optimize=True).data, a @ b)
    with pytest.raises(TypeError, match="einsum: unexpected keyword arguments"):
        ops.einsum("ij,jk->ik", a, b, out=None)
    singular = np.array([[1.0, 2.0], [2.0, 4.0 + 1e-17]])
    np.testing.assert_allclose(ops.linalg.pinv(singular).data, np.linalg.pinv(singular),
                               rtol=1e-10, atol=1e-12)
    assert inspect.signature(ops.linalg.pinv).parameters["rcond"].default is None
