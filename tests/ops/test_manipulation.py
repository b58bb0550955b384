"""The manipulation family beyond the Keras reference cases (tests/ops/keras_cases/
manipulation.py): keyword arguments, edge cases, gradients Keras's torch backend cannot take,
saved configs and bad-input errors."""
import inspect
import json

import numpy as np
import pytest

from minikeras import layers, ops
from minikeras.backend.autodiff import Tensor
from minikeras.models import Model
from minikeras.utils import gradient_check

RNG = np.random.default_rng(0)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# Keras 3.15.1's signatures (inspect.signature of keras.ops.<name>)
SIGNATURES = {
    "append": "(x1, x2, axis=None)", "array_split": "(x, indices_or_sections, axis=0)",
    "dsplit": "(x, indices_or_sections)", "dstack": "(xs)", "hstack": "(xs)",
    "vstack": "(xs)", "rot90": "(array, k=1, axes=(0, 1))", "swapaxes": "(x, axis1, axis2)",
    "unravel_index": "(indices, shape)", "unstack": "(x, num=None, axis=0)",
    "diagflat": "(x, k=0)", "empty": "(shape, dtype=None)", "empty_like": "(x, dtype=None)",
    "geomspace": "(start, stop, num=50, endpoint=True, dtype=None, axis=0)",
    "logspace": "(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0)",
    "meshgrid": "(*x, indexing='xy')", "kaiser": "(x, beta)", "bartlett": "(x)",
    "get_item": "(x, key)", "slice": "(inputs, start_indices, shape)",
    "slice_update": "(inputs, start_indices, updates)", "scatter": "(indices, values, shape)",
    "scatter_update": "(inputs, indices, updates, reduction=None)",
    "segment_sum": "(data, segment_ids, num_segments=None, sorted=False)",
    "segment_max": "(data, segment_ids, num_segments=None, sorted=False)",
    "select": "(condlist, choicelist, default=0)",
    "isin": "(x1, x2, assume_unique=False, invert=False)", "view": "(x, dtype=None)",
    "rearrange": "(tensor, pattern, **axes_lengths)",
    "depth_to_space": "(x, block_size, data_format='channels_last')",
    "extract_sequences": "(x, sequence_length, sequence_stride)",
    "fold": "(x, output_size, kernel_size, dilation=1, padding=0, stride=1)",
    "unfold": "(x, kernel_size, dilation=1, padding=0, stride=1)",
}


@pytest.mark.parametrize("name", sorted(SIGNATURES))
def test_keras_signatures(name):
    assert str(inspect.signature(getattr(ops, name))) == SIGNATURES[name]


@pytest.mark.parametrize("name, module", [("unstack", "keras.src.ops.core"),
                                          ("scatter_update", "keras.src.ops.core"),
                                          ("segment_sum", "keras.src.ops.math"),
                                          ("extract_sequences", "keras.src.ops.math"),
                                          ("unfold", "keras.src.ops.nn"),
                                          ("depth_to_space", "keras.src.ops.nn"),
                                          ("rearrange", "keras.src.ops.einops"),
                                          ("hstack", "keras.src.ops.numpy")])
def test_nodes_are_saved_under_keras_modules(name, module):
    from minikeras.ops.symbolic import op_class
    assert op_class(name).keras_module == module


def test_get_item_is_getitem_and_saves_as_keras_get_item():
    assert ops.get_item is ops.getitem
    x = np.arange(12.0, dtype="float32").reshape(3, 4)
    np.testing.assert_array_equal(ops.get_item(x, key=(1, slice(1, 3))).numpy(), x[1, 1:3])
    inputs = layers.Input((4,))
    model = Model(inputs, ops.get_item(inputs, (slice(None), slice(0, 2))))
    entry = model.get_config()["layers"][1]
    assert (entry["class_name"], entry["module"]) == ("GetItem", "keras.src.ops.numpy")
    rebuilt = Model.from_config(json.loads(json.dumps(model.get_config())))
    np.testing.assert_array_equal(rebuilt.predict(x, verbose=0), x[:, :2])


def test_array_split_takes_indices_like_numpy():
    """Keras 3.15 accepts only a section count; minikeras also takes cut indices."""
    x = rand(5, 2)
    for got, want in zip(ops.array_split(x, [1, 3]), np.array_split(x, [1, 3])):
        np.testing.assert_array_equal(got, want)
    assert [p.shape for p in ops.array_split(np.arange(2), 3)] == [(1,), (1,), (0,)]


@pytest.mark.parametrize("reduction", ["max", "min", "mul"])
def test_scatter_update_reduction_gradients(reduction):
    """Keras's torch backend cannot differentiate these; minikeras's match central
    differences (including two updates at one position)."""
    index = np.array([[0], [2], [0]])
    w = rand(4, 2, seed=3)

    def f(x, u):
        return ops.sum(ops.scatter_update(x, index, u, reduction=reduction) * w)
    assert gradient_check(f, [rand(4, 2), rand(3, 2, seed=1)]) < 1e-5


def test_scatter_update_mul_gradient_with_zero_factors():
    x = np.array([0.0, 2.0, 3.0])
    u = np.array([4.0, 0.0, 5.0])
    index = np.array([[0], [1], [1]])
    xt, ut = Tensor(x, requires_grad=True), Tensor(u, requires_grad=True)
    from minikeras.backend.autodiff import gradients
    gx, gu = gradients(ops.sum(ops.scatter_update(xt, index, ut, reduction="mul")), [xt, ut])
    np.testing.assert_allclose(gx, [4.0, 0.0, 1.0])
    np.testing.assert_allclose(gu, [0.0, 10.0, 0.0])


def test_scatter_update_replace_gradient_goes_to_the_winning_update():
    from minikeras.backend.autodiff import gradients
    x = Tensor(np.zeros(3), requires_grad=True)
    u = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    out = ops.scatter_update(x, np.array([[0], [0], [2]]), u)
    np.testing.assert_array_equal(out.numpy(), [2.0, 0.0, 3.0])
    gx, gu = gradients(ops.sum(out * np.array([1.0, 2.0, 3.0])), [x, u])
    np.testing.assert_array_equal(gx, [0.0, 2.0, 0.0])
    np.testing.assert_array_equal(gu, [0.0, 1.0, 3.0])


def test_segments_drop_out_of_range_ids_and_fill_empty_segments():
    data = np.arange(8, dtype="int32").reshape(4, 2)
    ids = np.array([0, -1, 3, 0])
    assert ops.segment_sum(data, ids, num_segments=3).numpy().tolist() == [[6, 8], [0, 0],
                                                                            [0, 0]]
    top = ops.segment_max(data, ids, num_segments=2).numpy()
    assert top.dtype == np.int32 and top[1].tolist() == [np.iinfo("int32").min] * 2
    assert ops.segment_min(data.astype("float32"), ids, num_segments=2).numpy()[1, 0] == np.inf
    assert ops.segment_prod(data, ids, num_segments=2).numpy()[1].tolist() == [1, 1]
    assert ops.segment_sum(data, ids).shape == (4, 2)  # max id + 1
    assert ops.segment_sum(data, ids, sorted=True).shape == (4, 2)


def test_segment_max_ties_share_the_gradient_and_prod_handles_zeros():
    from minikeras.backend.autodiff import gradients
    data = Tensor(np.array([1.0, 3.0, 3.0, 0.0, 2.0]), requires_grad=True)
    ids = np.array([0, 0, 0, 1, 1])
    (g,) = gradients(ops.sum(ops.segment_max(data, ids)), [data])
    np.testing.assert_allclose(g, [0.0, 0.5, 0.5, 0.0, 1.0])
    (g,) = gradients(ops.sum(ops.segment_prod(data, ids)), [data])
    np.testing.assert_allclose(g, [9.0, 3.0, 3.0, 2.0, 0.0])


def test_select_gradient_reaches_a_tensor_default():
    from minikeras.backend.autodiff import gradients
    a = Tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    d = Tensor(np.array([7.0, 8.0, 9.0]), requires_grad=True)
    out = ops.select([np.array([True, False, True])], [a], d)
    np.testing.assert_array_equal(out.numpy(), [1.0, 8.0, 3.0])
    ga, gd = gradients(ops.sum(out), [a, d])
    np.testing.assert_array_equal(ga, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(gd, [0.0, 1.0, 0.0])


def test_meshgrid_gradients_and_dtypes():
    x, y = rand(2), rand(3, seed=1)
    assert gradient_check(lambda a, b: ops.sum(ops.meshgrid(a, b)[0] * ops.meshgrid(a, b)[1]
                                               * rand(3, 2, seed=2)), [x, y]) < 1e-5
    grids = ops.meshgrid(np.arange(2, dtype="int32"), np.ones(3, "float32"))
    assert [g.dtype for g in grids] == [np.float32, np.float32]  # torch Keras refuses mixing


def test_fold_is_the_adjoint_of_unfold():
    x, cols = rand(2, 3, 5, 6), rand(2, 3 * 6, 9, seed=1)
    options = dict(kernel_size=(2, 3), dilation=(2, 1), padding=1, stride=(2, 2))
    lhs = np.sum(ops.unfold(x, **options).numpy() * cols)
    rhs = np.sum(x * ops.fold(cols, (5, 6), **options).numpy())
    np.testing.assert_allclose(lhs, rhs)


def test_geomspace_edge_values():
    np.testing.assert_allclose(ops.geomspace(-1.0, -100.0, 3).numpy(), [-1, -10, -100],
                               rtol=1e-5)
    assert np.isnan(ops.geomspace(0.0, 1.0, 3).numpy()).all()  # Keras also gives NaN
    assert np.isnan(ops.geomspace(-1.0, 1.0, 3).numpy()).all()  # Keras gives -1 -1 -1
    assert ops.geomspace(1, 8, 4, dtype="int32").numpy().tolist() == [1, 2, 4, 8]
    assert ops.logspace(0, 3, 4, dtype="int32").numpy().tolist() == [1, 10, 100, 1000]
    assert ops.geomspace(1.0, 2.0, 0).shape == (0,)


def test_windows_empty_and_view():
    assert ops.hanning(1).numpy().tolist() == [1.0] and ops.blackman(0).shape == (0,)
    assert ops.bartlett(Tensor(np.array(5))).dtype == np.float32
    assert ops.empty((2, 3)).dtype == np.float32 and ops.empty((2,), "int32").dtype == np.int32
    assert ops.empty_like(np.ones(2, "int8"), dtype="float16").dtype == np.float16
    assert ops.view(np.ones((2, 4), "float32"), "float16").shape == (2, 8)
    assert ops.view(np.ones((2, 4), "int8"), "int32").shape == (2, 1)
    assert ops.view(np.ones(2, "float32")).dtype == np.float32


def test_unravel_index_and_isin():
    rows, cols = ops.unravel_index(np.array([0, 5, 11], "int64"), (3, 4))
    assert rows.dtype == np.int32 and rows.numpy().tolist() == [0, 1, 2]
    assert cols.numpy().tolist() == [0, 1, 3]
    assert ops.isin(np.array([1, 5]), np.array([5]), assume_unique=True).numpy().tolist() == \
        [False, True]


def test_rearrange_patterns():
    x = rand(2, 3, 4)
    np.testing.assert_array_equal(ops.rearrange(x, "b h w -> w (b h)").numpy(),
                                  x.transpose(2, 0, 1).reshape(4, 6))
    np.testing.assert_array_equal(ops.rearrange(x, "b h (w c) -> b (c h) w", w=2).numpy(),
                                  x.reshape(2, 3, 2, 2).transpose(0, 3, 1, 2).reshape(2, 6, 2))


def test_unstack_num_and_stacks_of_scalars():
    assert len(ops.unstack(rand(3, 2), num=3)) == 3
    assert ops.hstack([np.float32(1.0), np.ones(2, "float32")]).shape == (3,)
    assert ops.vstack([np.ones(2), np.ones(2)]).shape == (2, 2)
    assert ops.dstack([np.ones(2), np.ones(2)]).shape == (1, 2, 2)


@pytest.mark.parametrize("call, error, match", [
    (lambda: ops.append(np.ones((2, 2)), np.ones(2), axis=0), ValueError, "append: .*rank"),
    (lambda: ops.append(np.ones((2, 2)), np.ones((2, 2)), axis=2), ValueError,
     "append: `axis`=2"),
    (lambda: ops.hstack([]), ValueError, "hstack: `xs` must be a non-empty"),
    (lambda: ops.vstack([np.ones(2), np.ones(3)]), ValueError, "vstack: the inputs' shapes"),
    (lambda: ops.hsplit(np.ones((2, 3)), 2), ValueError, "hsplit: .*3 .*2 equal"),
    (lambda: ops.array_split(np.ones(3), 0), ValueError, "array_split: .*positive"),
    (lambda: ops.vsplit(np.ones(3), 3), ValueError, "vsplit: `x` must have at least 2"),
    (lambda: ops.dsplit(np.ones((2, 2)), 2), ValueError, "dsplit: `x` must have at least 3"),
    (lambda: ops.unstack(np.ones((2, 3)), num=3), ValueError, "unstack: `num`=3"),
    (lambda: ops.unstack(np.ones((2, 3)), axis=2), ValueError, "unstack: `axis`=2"),
    (lambda: ops.meshgrid(np.ones(2), indexing="xz"), ValueError, "meshgrid: `indexing`"),
    (lambda: ops.meshgrid(np.ones((2, 2))), ValueError, "meshgrid: every input must be 1-D"),
    (lambda: ops.swapaxes(np.ones((2, 3)), 0, 2), ValueError, "swapaxes: `axis2`=2"),
    (lambda: ops.fliplr(np.ones(3)), ValueError, "fliplr: `x` must have at least 2"),
    (lambda: ops.rot90(np.ones((2, 2)), axes=(0, 0)), ValueError, "rot90: the two `axes`"),
    (lambda: ops.slice(np.ones((3, 4)), (2, 0), (2, 2)), ValueError, "slice: a block"),
    (lambda: ops.slice(np.ones((3, 4)), (0,), (2, 2)), ValueError, "slice: `start_indices`"),
    (lambda: ops.slice_update(np.ones((3, 4)), (0, 0), np.ones(2)), ValueError,
     "slice_update: `updates` must have the rank"),
    (lambda: ops.scatter(np.array([[0], [5]]), np.ones(2), (3,)), ValueError,
     "scatter: `indices` out of range"),
    (lambda: ops.scatter(np.array([[0], [1]]), np.ones(3), (3,)), ValueError,
     r"scatter: `values` must have shape \(2,\)"),
    (lambda: ops.scatter(np.array([[0.5]]), np.ones(1), (3,)), ValueError,
     "scatter: `indices` must be an integer array"),
    (lambda: ops.scatter_update(np.ones(3), np.array([[0]]), np.ones(1), reduction="sum"),
     ValueError, "scatter_update: `reduction`"),
    (lambda: ops.segment_sum(np.ones((3, 2)), np.array([0, 1])), ValueError,
     "segment_sum: `segment_ids` must be 1-D with one id per row"),
    (lambda: ops.segment_max(np.ones(2), np.array([0.0, 1.0])), ValueError,
     "segment_max: `segment_ids` must be integers"),
    (lambda: ops.select([np.array([1, 0])], [np.ones(2)]), ValueError,
     "select: every condition must be boolean"),
    (lambda: ops.select([np.array([True])], []), ValueError, "select: .*equal length"),
    (lambda: ops.unravel_index(np.array([12]), (3, 4)), ValueError,
     r"unravel_index: `indices` must lie in \[0, 12\)"),
    (lambda: ops.view(np.ones(3, "float32"), "float64"), ValueError, "view: cannot view"),
    (lambda: ops.kaiser(2.5, 1.0), ValueError, "kaiser: `x` must be an integer"),
    (lambda: ops.logspace(0.0, 1.0, num=-1), ValueError, "logspace: `num`"),
    (lambda: ops.depth_to_space(np.ones((1, 2, 2, 3)), 2), ValueError,
     "depth_to_space: the 3 channels"),
    (lambda: ops.depth_to_space(np.ones((2, 2, 4)), 2), ValueError,
     "depth_to_space: `x` must be a batch of images"),
    (lambda: ops.space_to_depth(np.ones((1, 3, 4, 1)), 2), ValueError,
     "space_to_depth: height 3"),
    (lambda: ops.space_to_depth(np.ones((1, 4, 4, 1)), 2, data_format="nhwc"), ValueError,
     "space_to_depth: `data_format`"),
    (lambda: ops.unfold(np.ones((2, 4, 4)), 2), ValueError, "unfold: `x` must be"),
    (lambda: ops.unfold(np.ones((1, 1, 2, 2)), 3), ValueError, "unfold: a kernel spanning 3"),
    (lambda: ops.unfold(np.ones((1, 1, 4, 4)), 2, stride=0), ValueError, "unfold: .*positive"),
    (lambda: ops.fold(np.ones((1, 4, 5)), (3, 3), 2), ValueError,
     r"fold: `x` must be \(batch, channels \* 4, 4\)"),
    (lambda: ops.extract_sequences(np.ones(3), 4, 1), ValueError,
     "extract_sequences: the last axis"),
    (lambda: ops.extract_sequences(np.ones(5), 2, 0), ValueError,
     "extract_sequences: `sequence_stride`"),
    (lambda: ops.rearrange(np.ones((2, 3)), "a b -> a c"), ValueError,
     "rearrange: both sides"),
    (lambda: ops.rearrange(np.ones((2, 3)), "a b c -> a b c"), ValueError,
     "rearrange: the left side"),
    (lambda: ops.rearrange(np.ones((6,)), "(a b) -> a b"), ValueError,
     "rearrange: cannot infer"),
    (lambda: ops.rearrange(np.ones((6,)), "(a b) -> a b", a=4), ValueError,
     "rearrange: the axis of size 6"),
    (lambda: ops.rearrange(np.ones((6,)), "a -> 1 a"), ValueError,
     "rearrange: .*only axis names"),
    (lambda: ops.rearrange(np.ones((6,)), "a b"), ValueError, "rearrange: `pattern`"),
])
def test_bad_input_names_the_op_and_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
