"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot and their
functional forms (add, subtract, ...).

Forward values are checked against plain NumPy formulas, and the cases where Keras's own rules
matter (broadcasting across ranks, Dot's axes and normalization, masked merges, mask
propagation, compute_output_shape with None sizes, get_config) against numbers computed once
with Keras 3.15.1 (torch backend) and pinned here. Every layer has a float64 central-difference
gradient check for every input.
"""
import json

import numpy as np
import pytest

from minikeras.backend.autodiff import Tensor, gradients
from minikeras.layers import Input
from minikeras.layers.merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply,
                                      Subtract, add, average, concatenate, dot, maximum, minimum,
                                      multiply, subtract)
from minikeras.utils import gradient_check

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}
ELEMENTWISE = [Add, Subtract, Multiply, Average, Maximum, Minimum]


def normal(shape, seed=0, dtype="float32"):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def ints(shape, k=7, mod=5, off=2):
    """Small integer-valued float32 arrays (the inputs of the pinned Keras numbers)."""
    return ((np.arange(int(np.prod(shape))).reshape(shape) * k) % mod - off).astype("float32")


def masked(x, mask):
    tensor = Tensor(np.asarray(x))
    tensor._keras_mask = None if mask is None else Tensor(np.asarray(mask, bool))
    return tensor


def mask_of(tensor):
    mask = tensor._keras_mask
    return None if mask is None else np.asarray(mask.numpy() if hasattr(mask, "numpy") else mask)


# -- elementwise values --------------------------------------------------------------------------
NUMPY_MERGES = {
    Add: lambda xs: sum(xs),
    Subtract: lambda xs: xs[0] - xs[1],
    Multiply: lambda xs: np.prod(xs, axis=0),
    Average: lambda xs: sum(xs) / len(xs),
    Maximum: lambda xs: np.max(xs, axis=0),
    Minimum: lambda xs: np.min(xs, axis=0),
}


@pytest.mark.parametrize("cls", ELEMENTWISE)
@pytest.mark.parametrize("count", [2, 3])
def test_elementwise_values_match_numpy(cls, count):
    if cls is Subtract and count == 3:
        pytest.skip("Subtract takes exactly 2 inputs")
    xs = [normal((4, 3, 5), seed=i) for i in range(count)]
    out = cls()(xs)
    assert out.shape == (4, 3, 5) and out.dtype == np.float32
    np.testing.assert_allclose(out.numpy(), NUMPY_MERGES[cls](xs), rtol=1e-6, atol=1e-6)


def test_functional_forms_build_the_layer_and_call_it():
    x, y, z = normal((2, 4), 0), normal((2, 4), 1), normal((2, 4), 2)
    np.testing.assert_allclose(add([x, y, z]).numpy(), x + y + z, rtol=1e-6)
    np.testing.assert_allclose(subtract([x, y]).numpy(), x - y, rtol=1e-6)
    np.testing.assert_allclose(multiply([x, y]).numpy(), x * y, rtol=1e-6)
    np.testing.assert_allclose(average([x, y]).numpy(), (x + y) / 2, rtol=1e-6)
    np.testing.assert_allclose(maximum([x, y]).numpy(), np.maximum(x, y))
    np.testing.assert_allclose(minimum([x, y]).numpy(), np.minimum(x, y))
    np.testing.assert_allclose(concatenate([x, y]).numpy(), np.concatenate([x, y], -1))
    np.testing.assert_allclose(concatenate([x, y], axis=0).numpy(), np.concatenate([x, y], 0))
    np.testing.assert_allclose(dot([x, y], axes=1).numpy(), np.sum(x * y, 1, keepdims=True),
                               rtol=1e-5)
    cosine = np.sum(x * y, 1) / np.linalg.norm(x, axis=1) / np.linalg.norm(y, axis=1)
    np.testing.assert_allclose(dot([x, y], axes=-1, normalize=True).numpy()[:, 0], cosine,
                               rtol=1e-5)
    named = add([x, y], name="skip")
    assert named.shape == (2, 4)
    # Tuples work like lists.
    np.testing.assert_allclose(Add()((x, y)).numpy(), x + y, rtol=1e-6)


def test_single_input_is_allowed_like_keras():
    x = normal((2, 3))
    np.testing.assert_array_equal(Add()([x]).numpy(), x)
    np.testing.assert_array_equal(Concatenate()([x]).numpy(), x)


# Keras 3.15.1: inputs of lower rank get size-1 axes right after the batch axis.
X2, Y2 = ints((2, 3)), ints((2, 3), k=3, mod=7, off=3)
X3 = ints((2, 2, 3))
ADD_RANK = [[[-5.0, 0.0, 5.0], [-4.0, 1.0, 1.0]], [[-1.0, 4.0, -3.0], [0.0, 0.0, -2.0]]]
MAX_RANK = [[[-2.0, 1.0, 2.0], [-1.0, 1.0, 0.0]], [[0.0, 2.0, 1.0], [1.0, -2.0, 1.0]]]
SUB_RANK = [[[0.0, 0.0, 0.0], [-1.0, -1.0, 4.0]], [[-1.0, -1.0, -1.0], [-2.0, 3.0, -2.0]]]


def test_broadcasting_across_ranks_and_sizes_matches_keras():
    np.testing.assert_array_equal(Add()([X3, Y2]).numpy(), ADD_RANK)
    np.testing.assert_array_equal(Maximum()([X3, ints((2, 1, 3), k=3, mod=4)]).numpy(), MAX_RANK)
    np.testing.assert_array_equal(Subtract()([ints((2, 3)), X3]).numpy(), SUB_RANK)
    # A (batch,) input broadcasts over every other axis; a size-1 axis stretches.
    v, x = normal((2,)), normal((2, 3, 4), 1)
    np.testing.assert_allclose(Multiply()([v, x]).numpy(), v[:, None, None] * x, rtol=1e-6)
    gate = normal((2, 3, 1), 2)
    np.testing.assert_allclose(Multiply()([x, gate]).numpy(), x * gate, rtol=1e-6)


# -- shapes ----------------------------------------------------------------------------------
# (layer, input shapes, output shape), computed with Keras 3.15.1's compute_output_shape.
KERAS_SHAPES = [
    (Add, [(None, 3, 4), (None, 4)], (None, 3, 4)),
    (Add, [(2, None, 1), (None, 5, 4)], (2, None, 4)),
    (Add, [(None, 1, 4), (None, 5, 1)], (None, 5, 4)),
    (Add, [(None,), (None, 5, 1)], (None, 5, 1)),
    (Add, [(None, 3), (None, 3), (None, 1)], (None, 3)),
    (Add, [(4, 3, 1), (None, 1, 2)], (4, 3, 2)),
    (Add, [(None, None, 8), (None, 1, 8)], (None, None, 8)),
    (Add, [(None, 2, 3, 4), (None, 3, 1)], (None, 2, 3, 4)),
    (Subtract, [(None, 3), (None, 3)], (None, 3)),
    (Subtract, [(None, 1, 4), (5, 3, 1)], (5, 3, 4)),
    (Maximum, [(None, 3, 4), (None, 1, 4), (None, 4)], (None, 3, 4)),
    (lambda: Concatenate(), [(None, 3, 4), (None, 3, 5)], (None, 3, 9)),
    (lambda: Concatenate(), [(None, 3), (2, 3)], (None, 6)),
    (lambda: Concatenate(), [(None, None, 4), (None, 3, 4)], (None, None, 8)),
    (lambda: Concatenate(axis=1), [(None, 3, 4), (None, None, 4)], (None, None, 4)),
    (lambda: Concatenate(axis=1), [(None, 3, 4), (None, 2, 4), (None, 1, 4)], (None, 6, 4)),
    (lambda: Concatenate(axis=0), [(2, 3), (5, 3)], (7, 3)),
    (lambda: Dot(-1), [(None, 3), (None, 3)], (None, 1)),
    (lambda: Dot(-1), [(None, 5, 3), (None, 3)], (None, 5)),
    (lambda: Dot(-1), [(None, 4, 3), (None, 2, 3)], (None, 4, 2)),
    (lambda: Dot(-1), [(None, None, 3), (None, 3)], (None, None)),
    (lambda: Dot((1, 2)), [(None, 3, 4), (None, 5, 3)], (None, 4, 5)),
    (lambda: Dot((1, 2)), [(None, 3), (None, 5, 3)], (None, 5)),
    (lambda: Dot((2, 1)), [(None, 4, 3), (None, 3, 6)], (None, 4, 6)),
]


@pytest.mark.parametrize("make, shapes, expected", KERAS_SHAPES)
def test_compute_output_shape_matches_keras(make, shapes, expected):
    assert make().compute_output_shape(shapes) == expected


def concrete_shapes(shapes):
    """Real sizes for unknown ones: a known size on the same (right-aligned) axis, else 2 for
    the batch axis and 3 for the others."""
    def size(shape, i):
        if shape[i] is not None:
            return shape[i]
        if i == 0:
            known = [s[0] for s in shapes if s[0] is not None]
            return known[0] if known else 2
        from_right = len(shape) - i
        known = [s[-from_right] for s in shapes if len(s) - from_right >= 1
                 and s[-from_right] not in (None, 1)]
        return known[0] if known else 3
    return [tuple(size(s, i) for i in range(len(s))) for s in shapes]


@pytest.mark.parametrize("make, shapes, expected", KERAS_SHAPES)
def test_symbolic_and_real_calls_agree_with_compute_output_shape(make, shapes, expected):
    symbolic = make()([Input(batch_shape=s) for s in shapes])
    assert symbolic.shape == expected
    layer = make()
    concrete = concrete_shapes(shapes)
    out = layer([normal(s, i) for i, s in enumerate(concrete)])
    assert out.shape == layer.compute_output_shape(concrete)


# -- Dot -------------------------------------------------------------------------------------
Y3 = ints((2, 3, 2), k=5, mod=7, off=3)
Z3 = ints((2, 4, 2), k=3, mod=5)
KERAS_DOT = [  # (axes, normalize, inputs, Keras 3.15.1 output)
    (1, False, (X2, Y2), [[12.0], [7.0]]),
    (-1, True, (X2, Y2), [[1.0], [0.952579]]),
    ((2, 1), False, (X3, Y3), [[[12.0, -2.0], [-3.0, -6.0]], [[6.0, -3.0], [-5.0, -3.0]]]),
    ((1, 2), False, (X3, Z3),
     [[[3.0, 0.0, 2.0, -1.0], [1.0, 2.0, -2.0, -1.0], [-6.0, -6.0, 4.0, 4.0]],
      [[0.0, 1.0, 2.0, -2.0], [4.0, -6.0, -6.0, 4.0], [-2.0, 2.0, 1.0, 0.0]]]),
    (-1, True, (Y3, Z3[:, :3]),
     [[[0.992278, 0.868243, -0.5547], [-0.447214, -0.894427, 1.0],
       [-0.707107, -0.141421, -0.316228]],
      [[-0.316228, -0.141421, -0.707107], [1.0, -0.894427, -0.447214],
       [-0.5547, 0.868243, 0.992278]]]),
    ((-1, 1), False, (X3, Y2), [[12.0, -3.0], [6.0, -5.0]]),
    ((1, 1), False, (X2, Y3), [[12.0, -2.0], [7.0, -3.0]]),
    (1, True, (np.zeros((1, 3), "float32"), X2[:1]), [[0.0]]),  # a zero vector stays zero
]


@pytest.mark.parametrize("axes, normalize, inputs, expected", KERAS_DOT)
def test_dot_matches_keras(axes, normalize, inputs, expected):
    out = Dot(axes, normalize=normalize)(list(inputs))
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axes, shapes, formula", [
    (1, [(3, 5), (3, 5)], "bi,bi->b"),
    ((2, 1), [(3, 4, 5), (3, 5, 6)], "bij,bjk->bik"),
    ((1, 1), [(3, 5, 4), (3, 5, 6)], "bji,bjk->bik"),
    ((2, 2), [(3, 4, 5), (3, 6, 5)], "bij,bkj->bik"),
    ((3, 1), [(2, 3, 4, 5), (2, 5, 6)], "bxyj,bjk->bxyk"),
    ((1, 3), [(2, 5, 3), (2, 4, 6, 5)], "bjx,bklj->bxkl"),
])
def test_dot_is_a_per_sample_tensordot(axes, shapes, formula):
    x, y = normal(shapes[0], 0, "float64"), normal(shapes[1], 1, "float64")
    out = Dot(axes, dtype="float64")([x, y]).numpy()
    expected = np.einsum(formula, x, y)
    np.testing.assert_allclose(out, expected.reshape(out.shape), rtol=1e-10)
    assert out.shape == Dot(axes).compute_output_shape(shapes)


# -- masks -----------------------------------------------------------------------------------
MX, MY = ints((2, 3, 2)), ints((2, 3, 2), k=3, mod=7, off=3)
MZ = ints((2, 3, 2), k=5, mod=6, off=2)
M1 = [[True, False, True], [False, False, True]]
M2 = [[True, True, False], [False, False, True]]
M3 = [[False, True, False], [True, False, False]]
OR12 = [[True, True, True], [False, False, True]]
OR123 = [[True, True, True], [True, False, True]]
# Keras 3.15.1 outputs for inputs MX, MY (and MZ) with masks (M1, M2), (M1, None), (None, M2),
# (M1, M2, M3): masked-out values do not take part in Multiply / Maximum / Minimum.
KERAS_MASKED = {
    Multiply: {
        "both": [[[6.0, 0.0], [3.0, -1.0], [1.0, -2.0]], [[0.0, 0.0], [0.0, 0.0], [2.0, 0.0]]],
        "first": [[[6.0, 0.0], [3.0, -1.0], [2.0, 4.0]], [[1.0, -3.0], [0.0, 3.0], [2.0, 0.0]]],
        "second": [[[6.0, 0.0], [6.0, 1.0], [1.0, -2.0]], [[0.0, 2.0], [-1.0, 1.0], [2.0, 0.0]]],
        "three": [[[6.0, 0.0], [6.0, -1.0], [1.0, -2.0]], [[-2.0, 3.0], [0.0, 0.0], [2.0, 0.0]]],
    },
    Maximum: {
        "both": [[[-2.0, 0.0], [3.0, -1.0], [1.0, -2.0]], [[0.0, 2.0], [-1.0, 1.0], [-1.0, 2.0]]],
        "first": [[[-2.0, 0.0], [3.0, -1.0], [2.0, -2.0]], [[1.0, -3.0], [0.0, 3.0], [-1.0, 2.0]]],
        "second": [[[-2.0, 0.0], [3.0, -1.0], [1.0, -2.0]], [[0.0, 2.0], [-1.0, 1.0], [-1.0, 2.0]]],
        "three": [[[-2.0, 0.0], [3.0, 1.0], [1.0, -2.0]], [[-2.0, 3.0], [-1.0, 1.0], [-1.0, 2.0]]],
    },
    Minimum: {
        "both": [[[-3.0, 0.0], [3.0, -1.0], [1.0, -2.0]], [[0.0, 2.0], [-1.0, 1.0], [-2.0, 0.0]]],
        "first": [[[-3.0, 0.0], [3.0, -1.0], [1.0, -2.0]], [[1.0, -3.0], [0.0, 3.0], [-2.0, 0.0]]],
        "second": [[[-3.0, 0.0], [2.0, -1.0], [1.0, -2.0]], [[0.0, 2.0], [-1.0, 1.0], [-2.0, 0.0]]],
        "three": [[[-3.0, 0.0], [2.0, -1.0], [1.0, -2.0]], [[-2.0, 3.0], [-1.0, 1.0], [-2.0, 0.0]]],
    },
}
MASK_CASES = {"both": ([MX, MY], [M1, M2], OR12), "first": ([MX, MY], [M1, None], None),
              "second": ([MX, MY], [None, M2], None),
              "three": ([MX, MY, MZ], [M1, M2, M3], OR123)}


@pytest.mark.parametrize("case", list(MASK_CASES))
@pytest.mark.parametrize("cls", [Multiply, Maximum, Minimum, Add, Average, Subtract])
def test_masked_merges_match_keras(cls, case):
    xs, masks, expected_mask = MASK_CASES[case]
    if cls is Subtract and len(xs) == 3:
        pytest.skip("Subtract takes exactly 2 inputs")
    out = cls()([masked(x, m) for x, m in zip(xs, masks)])
    # Add, Average and Subtract ignore masks in their values (as Keras); the others follow them.
    expected = KERAS_MASKED[cls][case] if cls in KERAS_MASKED else NUMPY_MERGES[cls](xs)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6)
    # The output mask is the OR of the inputs' masks, and only when every input has one.
    result = mask_of(out)
    if expected_mask is None:
        assert result is None
    else:
        np.testing.assert_array_equal(result, expected_mask)


@pytest.mark.parametrize("cls, expected", [  # Keras 3.15.1
    (Multiply, [[[-10.0, -8.0], [2.0, 2.0], [-2.0, 0.0]], [[2.0, 2.0], [2.0, 2.0], [10.0, 12.0]]]),
    (Maximum, [[[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]], [[2.0, 2.0], [2.0, 2.0], [5.0, 6.0]]]),
    (Minimum, [[[-5.0, -4.0], [2.0, 2.0], [-1.0, 0.0]], [[2.0, 2.0], [2.0, 2.0], [2.0, 2.0]]]),
])
def test_mask_of_an_input_expanded_to_a_higher_rank_is_left_out_like_keras(cls, expected):
    x = np.arange(1, 13, dtype="float32").reshape(2, 3, 2) - 6
    y = np.full((2, 2), 2.0, "float32")
    out = cls()([masked(x, M1), masked(y, [[True], [False]])])
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(mask_of(out), OR12)


def test_explicit_mask_argument_works_like_attached_masks():
    out = Multiply()([Tensor(MX), Tensor(MY)], mask=[np.array(M1), np.array(M2)])
    np.testing.assert_array_equal(out.numpy(), KERAS_MASKED[Multiply]["both"])
    np.testing.assert_array_equal(mask_of(out), OR12)


def test_compute_mask_rules():
    layer = Add()
    assert layer.compute_mask([MX, MY], None) is None
    assert layer.compute_mask([MX, MY], [M1, None]) is None
    np.testing.assert_array_equal(np.asarray(layer.compute_mask([MX, MY], [M1, M2])), OR12)
    with pytest.raises(ValueError, match="`mask` should be a list"):
        layer.compute_mask([MX, MY], np.array(M1))
    with pytest.raises(ValueError, match="should have the same length"):
        layer.compute_mask([MX, MY], [M1])
    assert Dot(-1).compute_mask([MX, MY], [M1, M2]) is None


@pytest.mark.parametrize("axis, masks, expected", [  # Keras 3.15.1
    (-1, [M1, M2], OR12),
    (-1, [M1, None], [[True, True, True], [True, True, True]]),
    (1, [M1, M2],
     [[True, False, True, True, True, False], [False, False, True, False, False, True]]),
    (1, [M1, None],
     [[True, False, True, True, True, True], [False, False, True, True, True, True]]),
    (1, [None, None], None),
])
def test_concatenate_masks_match_keras(axis, masks, expected):
    out = Concatenate(axis=axis)([masked(MX, masks[0]), masked(MY, masks[1])])
    np.testing.assert_array_equal(out.numpy(), np.concatenate([MX, MY], axis=axis))
    if expected is None:
        assert mask_of(out) is None
    else:
        np.testing.assert_array_equal(mask_of(out), expected)


def test_dot_output_has_no_mask():
    out = Dot(-1)([masked(MX, M1), masked(MY, M2)])
    assert mask_of(out) is None


# -- errors ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ELEMENTWISE)
def test_merge_rejects_a_single_tensor_and_an_empty_list(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__} layer 'my_merge'.*should be called on "
                                         r"a list of inputs.*input_shape=\(2, 3\)"):
        cls(name="my_merge")(normal((2, 3)))
    with pytest.raises(ValueError, match=rf"{cls.__name__} layer .*at least 1 input"):
        cls()([])


def test_merge_rejects_incompatible_shapes_and_batch_sizes():
    with pytest.raises(ValueError, match=r"Add layer 'add_bad'.*Inputs have incompatible "
                                         r"shapes\. Received shapes \(3,\) and \(4,\).*"
                                         r"\[\(2, 3\), \(2, 4\)\]"):
        Add(name="add_bad")([normal((2, 3)), normal((2, 4))])
    with pytest.raises(ValueError, match=r"Maximum layer.*incompatible shapes\. Received shapes "
                                         r"\(3, 4\) and \(3,\)"):
        Maximum()([normal((2, 3, 4)), normal((2, 3))])
    with pytest.raises(ValueError, match=r"Multiply layer.*different batch sizes.*"
                                         r"\[\(2, 3\), \(3, 3\)\]"):
        Multiply()([normal((2, 3)), normal((3, 3))])
    with pytest.raises(ValueError, match="incompatible shapes"):
        Average().compute_output_shape([(None, 3), (None, 4)])


def test_a_built_layer_still_checks_later_calls():
    layer = Add()
    layer([normal((2, 3)), normal((2, 3))])
    with pytest.raises(ValueError, match=r"incompatible shapes\. Received shapes \(3,\) and "
                                         r"\(5,\)"):
        layer([normal((2, 3)), normal((2, 5))])
    with pytest.raises(ValueError, match="should be called on a list of inputs"):
        layer(normal((2, 3)))
    concat = Concatenate(axis=1)
    concat([normal((2, 3, 4)), normal((2, 1, 4))])
    with pytest.raises(ValueError, match="matching shapes except for the concatenation axis"):
        concat([normal((2, 3, 4)), normal((2, 1, 5))])


@pytest.mark.parametrize("count", [1, 3])
def test_subtract_needs_exactly_two_inputs(count):
    with pytest.raises(ValueError, match=r"Subtract layer.*A `Subtract` layer should be called on "
                                         r"exactly 2 inputs\. Received: input_shape=\[\(2, 3\)"):
        Subtract()([normal((2, 3))] * count)
    with pytest.raises(ValueError, match="exactly 2 inputs"):
        Subtract().compute_output_shape([(None, 3)] * count)


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"Concatenate layer 'cat'.*requires inputs with matching "
                                         r"shapes except for the concatenation axis\. Received: "
                                         r"input_shape=\[\(2, 3, 4\), \(2, 5, 4\)\]"):
        Concatenate(name="cat")([normal((2, 3, 4)), normal((2, 5, 4))])
    with pytest.raises(ValueError, match=r"matching shapes.*\[\(2, 3\), \(2, 3, 4\)\]"):
        Concatenate(axis=1)([normal((2, 3)), normal((2, 3, 4))])
    with pytest.raises(ValueError, match=r"matching shapes.*\[\(2, 3\), \(3, 3\)\]"):
        Concatenate(axis=1)([normal((2, 3)), normal((3, 3))])
    with pytest.raises(ValueError, match=r"should be called on a list of at least 1 input\. "
                                         r"Received: input_shape=\(2, 3\)"):
        Concatenate()(normal((2, 3)))
    with pytest.raises(ValueError, match="out of bounds"):
        Concatenate(axis=3)([normal((2, 3)), normal((2, 3))])
    with pytest.raises(ValueError, match="matching shapes"):
        Concatenate().compute_output_shape([(None, 3, 4), (None, 2, 4)])
    # Unknown sizes match anything.
    assert Concatenate().compute_output_shape([(None, None, 4), (None, 2, 4)]) == (None, None, 8)


def test_dot_errors():
    with pytest.raises(ValueError, match=r"Dot layer 'd'.*Incompatible input shapes: axis values 3 "
                                         r"\(at axis 1\) != 4 \(at axis 1\)\. Full input shapes: "
                                         r"\(2, 3\), \(2, 4\)"):
        Dot(axes=1, name="d")([normal((2, 3)), normal((2, 4))])
    with pytest.raises(ValueError, match=r"axis values 3 \(at axis 1\) != 5 \(at axis 2\)"):
        Dot(axes=(1, -1)).compute_output_shape([(None, 3, 4), (None, 4, 5)])
    with pytest.raises(ValueError, match=r"A `Dot` layer should be called on a list of 2 inputs\. "
                                         r"Received: input_shape=\[\(2, 3\), \(2, 3\), \(2, 3\)\]"):
        Dot(axes=1)([normal((2, 3))] * 3)
    with pytest.raises(ValueError, match="list of 2 inputs"):
        Dot(axes=1)(normal((2, 3)))
    with pytest.raises(ValueError, match="Cannot perform batch_dot over axis 0"):
        Dot(axes=0)([normal((2, 3)), normal((2, 3))])
    with pytest.raises(ValueError, match=r"rank < 2.*\(3,\) and \(3,\)"):
        Dot(axes=-1)([normal((3,)), normal((3,))])
    with pytest.raises(ValueError, match="different batch sizes"):
        Dot(axes=1)([normal((2, 3)), normal((4, 3))])
    with pytest.raises(ValueError, match="out of bounds"):
        Dot(axes=2)([normal((2, 3)), normal((2, 3))])
    with pytest.raises(TypeError, match="Invalid type for argument `axes`"):
        Dot(axes="a")
    with pytest.raises(ValueError, match="should contain two elements"):
        Dot(axes=(1, 2, 3))
    with pytest.raises(ValueError, match="list elements should be integers"):
        Dot(axes=(1.0, 2))


# -- config ----------------------------------------------------------------------------------
@pytest.mark.parametrize("make, extra", [  # Keras 3.15.1's get_config, less the name
    (Add, {}), (Subtract, {}), (Multiply, {}), (Average, {}), (Maximum, {}), (Minimum, {}),
    (lambda: Concatenate(), {"axis": -1}), (lambda: Concatenate(axis=1), {"axis": 1}),
    (lambda: Dot(axes=1), {"axes": 1, "normalize": False}),
    (lambda: Dot(axes=[1, 2], normalize=True), {"axes": [1, 2], "normalize": True}),
])
def test_get_config_matches_keras_and_round_trips(make, extra):
    layer = make()
    config = layer.get_config()
    assert config == {"name": layer.name, "trainable": True, "dtype": POLICY, **extra}
    assert list(config) == ["name", "trainable", "dtype", *extra]
    clone = type(layer).from_config(json.loads(json.dumps(config)))
    assert clone.get_config() == config


def test_no_weights_and_masking_support():
    for layer in [cls() for cls in ELEMENTWISE] + [Concatenate(), Dot(1)]:
        layer([normal((2, 3)), normal((2, 3))])
        assert layer.weights == [] and layer.count_params() == 0
        assert layer.supports_masking


# -- gradients -------------------------------------------------------------------------------
@pytest.mark.parametrize("make, shapes", [
    (Add, [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    (Add, [(2, 3, 4), (2, 4)]),                # rank broadcasting
    (Subtract, [(2, 3, 4), (2, 1, 4)]),        # size-1 broadcasting
    (Subtract, [(2, 4), (2, 3, 4)]),
    (Multiply, [(2, 3, 4), (2, 3, 4), (2, 3, 1)]),
    (Multiply, [(2,), (2, 3)]),
    (Average, [(2, 3, 4), (2, 3, 4), (2, 4)]),
    (Maximum, [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    (Maximum, [(2, 3, 4), (2, 1, 4)]),
    (Minimum, [(2, 3, 4), (2, 3, 4), (2, 3, 4)]),
    (Minimum, [(2, 5), (2, 3, 5)]),
    (lambda **kw: Concatenate(**kw), [(2, 3, 4), (2, 3, 2), (2, 3, 1)]),
    (lambda **kw: Concatenate(axis=1, **kw), [(2, 3, 4), (2, 1, 4)]),
    (lambda **kw: Concatenate(axis=0, **kw), [(2, 3), (1, 3)]),
    (lambda **kw: Dot(1, **kw), [(3, 4), (3, 4)]),
    (lambda **kw: Dot(-1, normalize=True, **kw), [(3, 4), (3, 4)]),
    (lambda **kw: Dot((2, 1), **kw), [(2, 3, 4), (2, 4, 5)]),
    (lambda **kw: Dot((1, 2), normalize=True, **kw), [(2, 3, 4), (2, 5, 3)]),
    (lambda **kw: Dot((-1, 1), **kw), [(2, 3, 4), (2, 4)]),
    (lambda **kw: Dot((3, 1), **kw), [(2, 2, 3, 4), (2, 4, 3)]),
])
def test_gradients_for_every_input(make, shapes):
    layer = make(dtype="float64")
    inputs = [normal(s, seed=i, dtype="float64") for i, s in enumerate(shapes)]
    assert gradient_check(lambda *xs: layer(list(xs)), inputs) < 1e-6


@pytest.mark.parametrize("cls", [Multiply, Maximum, Minimum, Add])
@pytest.mark.parametrize("masks", [[M1, M2, M3], [M1, None, M3], [None, None, M3]])
def test_gradients_with_masks(cls, masks):
    layer = cls(dtype="float64")
    inputs = [normal((2, 3, 2), seed=i, dtype="float64") for i in range(3)]
    masks = [None if m is None else np.array(m) for m in masks]
    assert gradient_check(lambda *xs: layer(list(xs), mask=masks), inputs) < 1e-6


def test_gradient_of_a_zero_vector_under_dot_normalize_is_finite():
    # At x = 0 the norm is clamped to epsilon, so d(out)/dx = normalized(y) / epsilon: large but
    # finite (Keras on torch gives NaN here), and y gets no gradient since x / ||x|| is 0.
    x = Tensor(np.zeros((1, 3)), requires_grad=True)
    y = Tensor(np.array([[0.5, -1.0, 2.0]]), requires_grad=True)
    out = Dot(-1, normalize=True, dtype="float64")([x, y])
    grad_x, grad_y = gradients(out.sum(), [x, y])
    np.testing.assert_allclose(grad_x, y.numpy() / np.linalg.norm(y.numpy()) / 1e-7, rtol=1e-6)
    np.testing.assert_array_equal(grad_y, np.zeros((1, 3)))
