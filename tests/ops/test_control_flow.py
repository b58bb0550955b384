"""Control-flow ops: what the Keras reference cases cannot show (errors, keyword arguments,
custom gradients, vectorize's `excluded`)."""
import numpy as np
import pytest

from minikeras import ops
from minikeras.backend.autodiff import Tensor, gradients


def test_cond_needs_a_scalar_pred_and_callables():
    with pytest.raises(ValueError, match="cond: `pred` must be a scalar"):
        ops.cond(np.array([True, False]), lambda: 1, lambda: 2)
    with pytest.raises(TypeError, match="cond: `true_fn` must be a callable"):
        ops.cond(True, 1, lambda: 2)


def test_only_the_taken_branch_gets_a_gradient():
    x = Tensor(np.ones(3, "float32"), requires_grad=True)
    out = ops.cond(True, lambda: x * 3.0, lambda: x * 5.0)
    np.testing.assert_allclose(gradients(ops.sum(out), [x])[0], 3.0)


def test_switch_clips_the_index_and_checks_branches():
    assert float(ops.switch(-4, [lambda v: v + 1, lambda v: v + 2], 0.0)) == 1.0
    with pytest.raises(ValueError, match="switch: `branches`"):
        ops.switch(0, [], 1.0)


def test_while_loop_keeps_the_structure_of_its_loop_vars():
    out = ops.while_loop(lambda a, b: a < 5, lambda a, b: (a + 1, b * 2), (0, 1))
    assert isinstance(out, tuple) and [int(v) for v in out] == [5, 32]
    assert int(ops.while_loop(lambda a: True, lambda a: a + 1, 0, maximum_iterations=7)) == 7


def test_fori_loop_gives_python_int_indices():
    seen = []
    ops.fori_loop(2, 5, lambda i, v: seen.append(i) or v, 0.0)
    assert seen == [2, 3, 4] and all(type(i) is int for i in seen)


def test_scan_errors_name_the_argument():
    with pytest.raises(ValueError, match="scan: got no `xs`"):
        ops.scan(lambda c, x: (c, c), 0.0)
    with pytest.raises(ValueError, match="scan: `unroll`"):
        ops.scan(lambda c, x: (c, c), 0.0, np.ones(3), unroll=0)
    with pytest.raises(ValueError, match="scan: every leaf of `xs` must have 3 steps"):
        ops.scan(lambda c, x: (c, c), 0.0, [np.ones(3), np.ones(2)])
    with pytest.raises(TypeError, match="scan: `f` must be a callable"):
        ops.scan(None, 0.0, np.ones(3))


def test_scan_with_none_ys_stacks_zeros_like_the_carry_leaves():
    """As Keras's torch backend: a list with one stack of zeros per leaf of the carry."""
    carry, ys = ops.scan(lambda c, x: (c + x, None), np.zeros(2, "float32"),
                         np.ones((3, 2), "float32"))
    np.testing.assert_allclose(carry.numpy(), [3, 3])
    assert len(ys) == 1 and ys[0].shape == (3, 2) and not ys[0].numpy().any()


def test_associative_scan_checks_axis_and_lengths():
    with pytest.raises(ValueError, match="associative_scan: `axis`=2"):
        ops.associative_scan(lambda a, b: a + b, np.ones((2, 3)), axis=2)
    with pytest.raises(ValueError, match="associative_scan: every leaf"):
        ops.associative_scan(lambda a, b: a, (np.ones(3), np.ones(4)))


@pytest.mark.parametrize("n", [1, 2, 5, 8, 13])
def test_associative_scan_matches_a_cumulative_sum(n):
    x = np.random.default_rng(n).normal(size=(n, 2))
    np.testing.assert_allclose(ops.associative_scan(lambda a, b: a + b, x).numpy(),
                               np.cumsum(x, axis=0), rtol=1e-6)


def test_vectorize_passes_excluded_arguments_unchanged():
    f = ops.vectorize(lambda x, scale: x * scale["k"], excluded={1})
    np.testing.assert_allclose(f(np.arange(3.0), {"k": 2.0}).numpy(), [0, 2, 4])
    g = ops.vectorize(lambda x, power=1: x ** power, excluded={"power"})
    np.testing.assert_allclose(g(np.arange(3.0), power=2).numpy(), [0, 1, 4])


def test_vectorize_signature_errors():
    with pytest.raises(ValueError, match="vectorize: not a valid gufunc signature"):
        ops.vectorize(lambda x: x, signature="(n)")
    with pytest.raises(ValueError, match="vectorize: the signature names 2 inputs"):
        ops.vectorize(lambda x: x, signature="(n),(n)->()")(np.ones(3))


def test_custom_gradient_uses_grad_fn_with_the_arguments_and_upstream():
    calls = []

    @ops.custom_gradient
    def clip_grad(x, y):
        def grad(*args, upstream=None):
            calls.append(len(args))
            return ops.clip(upstream, -0.5, 0.5), None
        return x * y, grad

    x = Tensor(np.ones(3, "float32"), requires_grad=True)
    y = Tensor(np.full(3, 4.0, "float32"), requires_grad=True)
    gx, gy = gradients(ops.sum(clip_grad(x, y) * 3.0), [x, y])
    np.testing.assert_allclose(gx, 0.5)
    assert gy is None or not np.asarray(gy).any()
    assert calls == [2]


def test_custom_gradient_needs_output_and_grad_fn():
    with pytest.raises(ValueError, match="custom_gradient: the decorated function must return"):
        ops.custom_gradient(lambda x: x)(np.ones(2))


def test_symbolic_loops_take_their_loop_vars_specs_without_running():
    """A run on zeros of this loop would never end; Keras (and minikeras) do not run it."""
    from minikeras import layers
    from minikeras.models import Model
    x = layers.Input((3,))
    out = ops.while_loop(lambda v: ops.sum(v) < 100.0, lambda v: v * 2.0, x)
    assert out.shape == (None, 3) and out.dtype == "float32"
    both = ops.while_loop(lambda v, i: i < 3, lambda v, i: (v + 1.0, i + 1), [x, 0])
    assert isinstance(both, tuple) and both[0].shape == (None, 3) and both[1].shape == ()
    looped = ops.fori_loop(0, 4, lambda i, v: v * 2.0, x)
    assert looped.shape == (None, 3)
    model = Model(x, [out, looped])
    got = model.predict(np.ones((2, 3), "float32"), verbose=0)
    np.testing.assert_allclose(got[0], 32.0)  # the sum runs over the whole (2, 3) batch
    np.testing.assert_allclose(got[1], 16.0)


def test_custom_gradient_on_keras_tensors_builds_the_forward_graph():
    from minikeras import layers

    @ops.custom_gradient
    def double(x):
        return x * 2.0, lambda *args, upstream=None: upstream
    out = double(layers.Input((3,)))
    assert out.shape == (None, 3)
