"""The autodiff core: Tensor, backward, no_grad, GradientTape, gradients, Variable, operators,
and the numerical-gradient referee itself."""
import gc
import weakref

import numpy as np
import pytest

from minikeras import ops
from minikeras.backend import (GradientTape, Tensor, Variable, backward, enable_grad, gradients,
                               is_recording, no_grad, record)
from minikeras.utils import gradient_check, numerical_gradient

F32 = np.float32


def leaf(values, dtype=np.float64):
    return Tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------------------------------------
# Tensor
# ---------------------------------------------------------------------------------------------
def test_tensor_basics():
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], dtype="float32")
    assert t.shape == (2, 2) and t.dtype == F32 and t.ndim == 2 and t.size == 4 and len(t) == 2
    assert not t.requires_grad and t.grad is None
    assert isinstance(t.numpy(), np.ndarray)
    np.testing.assert_array_equal(np.asarray(t), [[1, 2], [3, 4]])
    assert np.asarray(t, dtype="float64").dtype == np.float64
    assert float(Tensor(2.5)) == 2.5 and int(Tensor(3)) == 3 and Tensor(1.5).item() == 1.5
    assert bool(Tensor(1.0)) and not bool(Tensor(0.0))
    assert "shape=(2, 2)" in repr(t) and "float32" in repr(t)
    assert Tensor(t).data is t.data  # wrapping a Tensor shares its array
    detached = leaf([1.0, 2.0]).detach()
    assert not detached.requires_grad and detached._parents == ()


def test_op_results_hold_arrays_not_numpy_scalars():
    out = ops.sum(leaf([1.0, 2.0]))
    assert isinstance(out.data, np.ndarray) and out.shape == ()
    assert isinstance(ops.mean(np.ones(3, F32)).numpy(), np.ndarray)


# ---------------------------------------------------------------------------------------------
# backward
# ---------------------------------------------------------------------------------------------
def test_backward_fills_grad_of_leaves():
    x, w = leaf([1.0, 2.0, 3.0]), leaf([0.5, -1.0, 2.0])
    loss = ops.sum(x * w + x)
    loss.backward()
    np.testing.assert_array_equal(x.grad, [1.5, 0.0, 3.0])
    np.testing.assert_array_equal(w.grad, [1.0, 2.0, 3.0])


def test_backward_accumulates_into_grad_across_calls_and_zero_grad_resets():
    x = leaf([1.0, 2.0])
    ops.sum(x * 3.0).backward()
    ops.sum(x * x).backward()
    np.testing.assert_array_equal(x.grad, [3.0 + 2.0, 3.0 + 4.0])
    x.zero_grad()
    assert x.grad is None
    ops.sum(x).backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])


def test_node_used_twice_sums_its_gradients():
    x = leaf([3.0])
    (g,) = gradients(ops.sum(x * x), [x])          # d(x^2) = 2x
    np.testing.assert_array_equal(g, [6.0])
    x = leaf([3.0])
    (g,) = gradients(ops.sum(x + x + x), [x])
    np.testing.assert_array_equal(g, [3.0])
    # A diamond: h feeds two branches that meet again.
    x = leaf([2.0])
    h = x * 3.0
    y = ops.sum(h * h + ops.exp(h) * 0.0 + h)       # dy/dx = 3 * (2h + 1) = 3 * 13
    (g,) = gradients(y, [x])
    np.testing.assert_allclose(g, [39.0])


def test_backward_on_a_leaf_itself():
    x = leaf(2.0)
    x.backward()
    np.testing.assert_array_equal(x.grad, 1.0)


def test_backward_with_explicit_grad_for_non_scalar():
    x = leaf([1.0, 2.0, 3.0])
    y = x * x
    y.backward(np.array([1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(x.grad, [2.0, 0.0, 12.0])
    with pytest.raises(ValueError, match=r"grad has shape \(2,\), expected \(3,\)"):
        (x * 2.0).backward(np.ones(2))


def test_backward_on_non_scalar_without_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(ValueError, match=r"scalar.*\(2,\)"):
        (x * 2.0).backward()
    with pytest.raises(TypeError, match="Tensor"):
        backward(np.ones(()))


def test_deep_chain_has_no_recursion_limit():
    x = leaf(1.0)
    y = x
    for _ in range(5000):
        y = y * 1.0001 + 0.0
    (g,) = gradients(y, [x])
    np.testing.assert_allclose(g, 1.0001 ** 5000, rtol=1e-10)


def test_deep_unused_chain_is_freed_without_crashing():
    x = leaf(1.0)
    y = x
    for _ in range(20000):
        y = y + 1.0
    probe = weakref.ref(y)
    del y
    gc.collect()
    assert probe() is None


def test_graph_is_freed_after_backward():
    x = leaf([1.0, 2.0])
    hidden = x * 2.0
    probe = weakref.ref(hidden)
    loss = ops.sum(ops.tanh(hidden))
    del hidden
    gc.collect()
    assert probe() is not None          # the loss still holds the graph
    loss.backward()
    gc.collect()
    assert probe() is None              # ... and lets go of it after backward
    assert loss._parents == () and loss._vjp is None


def test_retain_graph_keeps_it():
    x = leaf([1.0, 2.0])
    loss = ops.sum(x * x)
    first = backward(loss, retain_graph=True)[id(x)][1]
    second = backward(loss)[id(x)][1]
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(second, [2.0, 4.0])


def test_leaf_gradients_are_fresh_writable_arrays():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ga, gb = gradients(ops.sum(a + b), [a, b])     # add hands the same array to both parents
    assert ga is not gb and ga.flags.writeable and gb.flags.writeable
    ga *= 10.0                                       # an optimizer clipping in place
    np.testing.assert_array_equal(gb, [1.0, 1.0])
    (g,) = gradients(ops.mean(a), [a])              # mean's VJP is a read-only broadcast view
    g[0] = 7.0
    assert g.dtype == np.float64


def _doubling_op(x, seen):
    """y = 2 x whose VJP doubles g in place whenever `may_overwrite(g)` allows it (and records
    what it was told), like the fused ReLU mask of conv. Either way it returns an array nothing
    else holds, so it hands its gradient over (`hands_over=True`)."""
    from minikeras.backend.autodiff import may_overwrite

    def vjp(g):
        seen.append(may_overwrite(g))
        if seen[-1]:
            g *= 2.0
            return (g,)
        return (g * 2.0,)
    return record(x.data * 2.0, (x,), vjp, hands_over=True)


def test_may_overwrite_only_for_a_gradient_nothing_else_holds():
    seen = []
    x = leaf([1.0, 2.0])
    (gx,) = gradients(ops.sum(_doubling_op(_doubling_op(x, seen), seen) * 3.0), [x])
    assert seen == [True, True]          # multiply's VJP makes a fresh array, owned by the chain
    np.testing.assert_array_equal(gx, [12.0, 12.0])
    # add hands one array to both parents: neither may overwrite it
    seen = []
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    ga, gb = gradients(ops.sum(_doubling_op(a, seen) + _doubling_op(b, seen)), [a, b])
    assert seen == [False, False]
    np.testing.assert_array_equal(ga, [2.0, 2.0])
    np.testing.assert_array_equal(gb, [2.0, 2.0])
    # a gradient the caller asked for (an intermediate source) is never overwritten
    seen = []
    x = leaf([1.0, 2.0])
    h = _doubling_op(x, seen)
    gh, gx = gradients(ops.sum(h * 3.0), [h, x])
    np.testing.assert_array_equal(gh, [3.0, 3.0])
    np.testing.assert_array_equal(gx, [6.0, 6.0])
    assert seen == [False]
    # a user-supplied output gradient stays untouched
    seen = []
    x = leaf([1.0, 2.0])
    g = np.array([1.0, 1.0])
    backward(_doubling_op(x, seen), grad=g)
    np.testing.assert_array_equal(g, [1.0, 1.0])
    # outside backward nothing may be overwritten
    from minikeras.backend.autodiff import may_overwrite
    assert not may_overwrite(np.ones(2))


def test_ops_that_hand_their_gradients_over_let_a_fused_relu_conv_mask_in_place(monkeypatch):
    from minikeras.ops import convolution
    seen, mask = [], convolution._relu_mask

    def spy(g, out, overwrite=False):
        seen.append(overwrite)
        return mask(g, out, overwrite)
    monkeypatch.setattr(convolution, "_relu_mask", spy)
    rng = np.random.default_rng(0)
    x = leaf(rng.standard_normal((2, 6, 6, 3)))
    k1, k2 = leaf(rng.standard_normal((3, 3, 3, 4))), leaf(rng.standard_normal((3, 3, 4, 4)))
    gradients(ops.sum(ops.max_pool(ops.conv(x, k1, relu=True), 2) ** 2), [x, k1])
    assert seen == [True]                  # max_pool's VJP hands its new array over
    seen.clear()
    h = ops.conv(x, k1, relu=True)
    gradients(ops.sum(ops.conv(h, k2, relu=True) * 2.0), [x, k1, k2])
    assert seen == [True, False]           # multiply hands over; conv's input gradient is a view
    seen.clear()
    h = ops.conv(x, k1, relu=True)
    gradients(ops.sum(ops.reshape(h, (2, -1)) * 2.0), [k1])
    assert seen == [False]                 # reshape passes on a view of its gradient


def test_fused_relu_conv_gradient_is_right_when_its_output_gradient_is_shared():
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((2, 6, 6, 3)), rng.standard_normal((3, 3, 3, 4)),
              rng.standard_normal((3, 3, 3, 4))]

    def f(x, k1, k2):                   # add shares its output gradient between both convs
        return ops.conv(x, k1, relu=True) + ops.conv(x, k2, relu=True)
    assert gradient_check(f, inputs) < 1e-6


def test_non_differentiable_inputs_do_not_record():
    x = Tensor(np.array([1.0, 2.0]))                 # requires_grad=False
    y = ops.exp(x) * 2.0
    assert not y.requires_grad and y._parents == () and y._vjp is None


# ---------------------------------------------------------------------------------------------
# Recording on and off
# ---------------------------------------------------------------------------------------------
def test_no_grad_records_nothing():
    x = leaf([1.0, 2.0])
    assert is_recording()
    with no_grad():
        assert not is_recording()
        y = ops.sum(ops.exp(x) * x)
        with enable_grad():
            assert is_recording()
            z = x * 2.0
        assert not is_recording()
    assert is_recording()
    assert not y.requires_grad and y._parents == () and y._vjp is None
    assert z.requires_grad
    y.backward()
    assert x.grad is None


def test_no_grad_restores_state_after_an_exception():
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError("boom")
    assert is_recording()


def test_record_only_keeps_parents_that_need_gradients():
    x, c = leaf([1.0]), Tensor(np.array([2.0]))
    out = record(x.data + c.data, (x, c), lambda g: (g, g))
    assert out.requires_grad and out._parents == (x, c)
    out = record(c.data * 2, (c,), lambda g: (g,))
    assert not out.requires_grad and out._parents == ()


# ---------------------------------------------------------------------------------------------
# GradientTape and gradients()
# ---------------------------------------------------------------------------------------------
def test_gradient_tape_watch_and_list_gradients():
    x = Tensor(np.array([1.0, 2.0]))
    w = Variable(np.array([3.0, -1.0]), dtype="float64")
    with GradientTape() as tape:
        tape.watch(x)
        loss = ops.sum(x * w)
    gx, gw = tape.gradient(loss, [x, w])
    np.testing.assert_array_equal(gx, [3.0, -1.0])
    np.testing.assert_array_equal(gw, [1.0, 2.0])
    assert x.grad is None and w.grad is None  # tape.gradient returns, it does not store


def test_gradient_tape_single_source_and_watch_list():
    a, b = Tensor(np.array(2.0)), Tensor(np.array(5.0))
    with GradientTape() as tape:
        tape.watch([a, b])
        y = a * a * b
    grad_a = tape.gradient(y, a)
    assert isinstance(grad_a, np.ndarray)
    np.testing.assert_array_equal(grad_a, 20.0)
    with pytest.raises(TypeError, match="Tensors"):
        GradientTape().watch(np.ones(2))


def test_gradient_tape_persistent_and_non_persistent():
    x = Tensor(np.array([1.0, 3.0]))
    with GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = ops.sum(x * x)
        z = ops.sum(x * x * x)
    np.testing.assert_array_equal(tape.gradient(y, x), [2.0, 6.0])
    np.testing.assert_array_equal(tape.gradient(z, x), [3.0, 27.0])
    np.testing.assert_array_equal(tape.gradient(y, x), [2.0, 6.0])
    with GradientTape() as tape:
        tape.watch(x)
        y = ops.sum(x * x)
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="persistent"):
        tape.gradient(y, x)


def test_gradient_tape_records_inside_no_grad():
    x = Tensor(np.array([2.0]))
    with no_grad():
        with GradientTape() as tape:
            tape.watch(x)
            y = ops.sum(x * x)
        assert not is_recording()
    np.testing.assert_array_equal(tape.gradient(y, x), [4.0])


def test_gradient_with_respect_to_an_intermediate_tensor():
    x = Tensor(np.array([1.0, 2.0]))
    with GradientTape() as tape:
        tape.watch(x)
        h = x * 3.0
        loss = ops.sum(h * h)
    gh, gx = tape.gradient(loss, [h, x])
    np.testing.assert_array_equal(gh, [6.0, 12.0])     # 2h
    np.testing.assert_array_equal(gx, [18.0, 36.0])    # 2h * 3


def test_gradients_for_sources_not_in_the_graph_are_zeros():
    x, unused = leaf([1.0, 2.0]), Tensor(np.ones((2, 3), F32), requires_grad=True)
    frozen = Variable(np.ones(2), trainable=False)
    gx, gu, gf = gradients(ops.sum(x * frozen), [x, unused, frozen])
    np.testing.assert_array_equal(gx, [1.0, 1.0])
    assert gu.shape == (2, 3) and gu.dtype == F32 and not gu.any()
    assert gf.shape == (2,) and not gf.any()
    # A target that does not depend on anything trainable: all zeros.
    (g,) = gradients(ops.sum(Tensor(np.ones(3)) * 2.0), [x])
    np.testing.assert_array_equal(g, [0.0, 0.0])


# ---------------------------------------------------------------------------------------------
# Variable
# ---------------------------------------------------------------------------------------------
def test_variable_from_value_and_from_initializer():
    v = Variable(np.array([[1.0, 2.0]]), name="kernel")
    assert v.dtype == F32 and v.shape == (1, 2) and v.name == "kernel" and v.path == "kernel"
    assert v.trainable and v.requires_grad and v.value is v.data
    calls = []

    def init(shape, dtype=None):
        calls.append((shape, dtype))
        return np.full(shape, 0.5)

    w = Variable(init, shape=[2, 3], dtype="float64")
    assert calls == [((2, 3), "float64")] and w.dtype == np.float64
    np.testing.assert_array_equal(w.numpy(), np.full((2, 3), 0.5))
    with pytest.raises(ValueError, match="needs a `shape`"):
        Variable(init)
    with pytest.raises(ValueError, match=r"initial value has shape \(2,\), expected \(3,\)"):
        Variable(np.ones(2), shape=(3,), name="bias")
    assert "trainable=True" in repr(v) and "kernel" in repr(v)


def test_variable_assign_in_place_and_shape_check():
    v = Variable(np.zeros((2, 3)), name="w")
    storage = v.data
    v.assign(np.ones((2, 3)))
    assert v.data is storage and v.dtype == F32
    np.testing.assert_array_equal(v.numpy(), np.ones((2, 3)))
    v.assign(Tensor(np.full((2, 3), 2.0)))
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match=r"'w'.*shape \(3, 2\).*shape \(2, 3\)"):
        v.assign(np.ones((3, 2)))
    v.assign_add(np.ones((2, 3)))
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 3.0))
    v.assign_sub(Tensor(np.full((2, 3), 0.5)))
    np.testing.assert_array_equal(v.numpy(), np.full((2, 3), 2.5))
    assert v.data is storage and v.assign_add(0.5) is v


def test_variable_trainable_toggles_requires_grad():
    v = Variable(np.array([1.0, 2.0]))
    v.trainable = False
    assert not v.trainable and not v.requires_grad
    assert not (v * 2.0).requires_grad
    v.trainable = True
    assert v.requires_grad
    frozen = Variable(np.ones(2), trainable=False)
    assert not frozen.requires_grad


def test_variables_receive_grad_through_backward():
    w = Variable(np.array([1.0, -2.0]), dtype="float64")
    b = Variable(np.array(0.5), dtype="float64")
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    loss = ops.mean(ops.square(ops.matmul(x, w) + b))
    loss.backward()
    residual = x @ np.array([1.0, -2.0]) + 0.5
    np.testing.assert_allclose(w.grad, 2 * residual @ x / 2)
    np.testing.assert_allclose(b.grad, 2 * residual.mean())


# ---------------------------------------------------------------------------------------------
# Operators
# ---------------------------------------------------------------------------------------------
def test_binary_operators_match_ops_and_numpy():
    a = np.array([1.5, -2.0, 3.0])
    b = np.array([0.5, 4.0, 2.0])
    t, u = Tensor(a), Tensor(b)
    cases = [(t + u, a + b), (t - u, a - b), (t * u, a * b), (t / u, a / b), (t // u, a // b),
             (t % u, a % b), (u ** t, b ** a), (-t, -a), (+t, a), (abs(t), np.abs(a)),
             (t < u, a < b), (t <= u, a <= b), (t > u, a > b), (t >= u, a >= b),
             ((t > 0) & (u > 1), (a > 0) & (b > 1)), ((t > 0) | (u > 1), (a > 0) | (b > 1)),
             (~(t > 0), ~(a > 0))]
    for out, expected in cases:
        assert isinstance(out, Tensor)
        np.testing.assert_array_equal(out.numpy(), expected)
    m = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal((Tensor(m) @ a).numpy(), m @ a)
    np.testing.assert_array_equal(Tensor(m).T.numpy(), m.T)
    np.testing.assert_array_equal(Tensor(m).reshape(3, 2).numpy(), m.reshape(3, 2))
    np.testing.assert_array_equal(Tensor(m).reshape((-1,)).numpy(), m.reshape(-1))
    np.testing.assert_array_equal(Tensor(m).sum(axis=0).numpy(), m.sum(axis=0))
    np.testing.assert_array_equal(Tensor(m).mean(1, keepdims=True).numpy(),
                                  m.mean(1, keepdims=True))
    assert Tensor(m).astype("float32").dtype == F32
    np.testing.assert_array_equal(Tensor(m)[1, ::2].numpy(), m[1, ::2])


def test_reversed_operators_with_python_numbers():
    a = np.array([1.0, 2.0, 4.0], F32)
    t = Tensor(a)
    cases = [(2 + t, 2 + a), (2 - t, 2 - a), (2 * t, 2 * a), (2 / t, 2 / a), (7 // t, 7 // a),
             (7 % t, 7 % a), (2 ** t, 2 ** a), (1.5 + t, 1.5 + a), (t ** 2, a ** 2),
             (t * 0.1, a * F32(0.1))]
    for out, expected in cases:
        assert isinstance(out, Tensor) and out.dtype == F32, out.dtype
        np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)


def test_reversed_operators_with_numpy_arrays_on_the_left_return_tensors():
    x = leaf([1.0, 2.0, 3.0])
    left = np.array([2.0, 4.0, 6.0])
    for out, expected in [(left + x, left + x.data), (left - x, left - x.data),
                          (left * x, left * x.data), (left / x, left / x.data),
                          (left ** x, left ** x.data), (left % x, left % x.data)]:
        assert isinstance(out, Tensor), type(out)
        np.testing.assert_allclose(out.numpy(), expected)
    out = np.ones(3) + x
    assert isinstance(out, Tensor) and out.requires_grad
    m = np.arange(6.0).reshape(2, 3)
    product = m @ x
    assert isinstance(product, Tensor)
    np.testing.assert_array_equal(product.numpy(), m @ x.data)
    (g,) = gradients(ops.sum(left * x) + ops.sum(m @ x), [x])
    np.testing.assert_array_equal(g, left + m.sum(axis=0))


def test_operator_gradients():
    a, b = np.array([[0.5, 1.5], [2.0, 0.7]]), np.array([1.2, 0.8])

    def f(x, y):
        return (x + y) * (x - y) / (y ** 2) + (x @ y) - 2.0 / x + 3.0 ** y + x[0] * 1.5 - (-x)
    assert gradient_check(f, [a, b]) < 1e-6


def test_tensors_keep_identity_semantics_for_dicts_and_membership():
    t, u = Tensor(np.ones(2)), Tensor(np.ones(2))
    assert t in [t] and u not in [t] and {t: 1, u: 2}[u] == 2


# ---------------------------------------------------------------------------------------------
# The numerical referee
# ---------------------------------------------------------------------------------------------
def test_numerical_gradient_of_a_known_function():
    x = np.array([-1.5, 0.0, 2.0, 3.0])
    original = x.copy()
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * original ** 2, rtol=1e-7, atol=1e-7)
    np.testing.assert_array_equal(x, original)  # perturbed in place, then restored
    grad = numerical_gradient(lambda v: ops.sum(ops.sin(Tensor(v))), np.array([[0.3, 1.1]]))
    np.testing.assert_allclose(grad, np.cos([[0.3, 1.1]]), rtol=1e-7)


def test_numerical_gradient_of_a_non_contiguous_input():
    x = np.arange(6.0).reshape(2, 3).T
    grad = numerical_gradient(lambda v: np.sum(v ** 3), x)
    np.testing.assert_allclose(grad, 3 * x ** 2, rtol=1e-6, atol=1e-6)


def test_gradient_check_catches_a_wrong_vjp():
    def wrong_square(x):
        return record(x.data ** 2, (x,), lambda g: (g * x.data,))  # forgets the factor 2

    def right_square(x):
        return record(x.data ** 2, (x,), lambda g: (g * 2 * x.data,))
    x = np.array([0.5, -1.0, 2.0])
    assert gradient_check(right_square, x) < 1e-6
    assert gradient_check(wrong_square, x) > 0.1
