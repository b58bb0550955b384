"""The Functional API: symbolic tensors, Model(inputs, outputs), graph order, nesting, sharing,
gradients, freezing, masks, errors and summary, checked against what Keras 3 does.

Expected layer orders, names and summary texts below were produced by Keras 3.15.1 (torch
backend, COLUMNS=80) for graphs built with the same layer names.
"""
import warnings
from collections import namedtuple

import numpy as np
import pytest

import minikeras
from minikeras import Input, Model, Sequential, layers
from minikeras.backend import config
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.layers.core.input_layer import InputLayer
from minikeras.backend.keras_tensor import KerasTensor
from minikeras.tree import flatten, map_structure, pack_sequence_as as pack_as
from minikeras.ops.node import KerasHistory
from minikeras.models.functional import Functional
from minikeras.utils.gradient_check import layer_gradient_check, numerical_gradient


@pytest.fixture(autouse=True)
def fresh_session():
    minikeras.utils.clear_session()
    minikeras.utils.set_random_seed(0)
    yield


@pytest.fixture
def float64():
    previous = config.floatx()
    config.set_floatx("float64")
    yield
    config.set_floatx(previous)


def rng(seed=0):
    return np.random.default_rng(seed)


def summary_text(model, **kwargs):
    """What summary() hands to `print_fn` (the whole table at once, as Keras 3 does), as text."""
    lines = []
    model.summary(print_fn=lines.append, **kwargs)
    text = "\n".join(lines)
    return text if text.endswith("\n") else text + "\n"


# ------------------------------------------------------------------------------------------------
# Symbolic tensors
# ------------------------------------------------------------------------------------------------
def test_input_shape_dtype_name_and_history():
    x = Input((8,), batch_size=4, dtype="int32", name="tokens")
    assert isinstance(x, KerasTensor)
    assert x.shape == (4, 8) and x.ndim == 2
    assert x.dtype == "int32" and x.name == "tokens"
    layer, node_index, tensor_index = x._keras_history
    assert isinstance(layer, InputLayer) and layer.name == "tokens"
    assert (node_index, tensor_index) == (0, 0)
    assert layer._inbound_nodes[0].is_input and layer.output is x
    assert layer.batch_shape == (4, 8)


def test_input_defaults_like_keras():
    x = Input((3, 5))
    assert x.shape == (None, 3, 5) and x.dtype == "float32"
    assert x.name == "input_layer"
    assert Input(7).shape == (None, 7)
    assert Input(batch_shape=(2, 3)).shape == (2, 3)
    with pytest.raises(ValueError, match="shape"):
        Input()


def test_layer_calls_infer_shapes():
    x = Input((10, 10, 3))
    assert layers.Conv2D(4, 3)(x).shape == (None, 8, 8, 4)
    assert layers.Conv2D(4, 3, padding="same", strides=2)(x).shape == (None, 5, 5, 4)
    assert layers.Dense(6)(Input((5,))).shape == (None, 6)
    assert layers.Dense(6)(Input((2, 5))).shape == (None, 2, 6)
    seq = Input((None, 5))  # unknown number of time steps
    assert layers.LSTM(7)(seq).shape == (None, 7)
    assert layers.LSTM(7, return_sequences=True)(seq).shape == (None, None, 7)
    assert layers.Conv1D(4, 3, padding="same")(seq).shape == (None, None, 4)
    assert layers.GlobalAveragePooling1D()(seq).shape == (None, 5)
    assert layers.Dense(3)(Input((None, None, 5))).shape == (None, None, None, 3)


def test_lstm_return_state_gives_a_list_with_history_per_tensor():
    layer = layers.LSTM(7, return_sequences=True, return_state=True, name="lstm")
    outputs = layer(Input((None, 5)))
    assert isinstance(outputs, list) and len(outputs) == 3
    assert [t.shape for t in outputs] == [(None, None, 7), (None, 7), (None, 7)]
    assert [t._keras_history for t in outputs] == [KerasHistory(layer, 0, i) for i in range(3)]
    assert layer.output == outputs


def test_multi_head_attention_query_value_and_scores():
    q, v = Input((6, 16)), Input((4, 16))
    mha = layers.MultiHeadAttention(num_heads=2, key_dim=8)
    out = mha(q, v)
    assert out.shape == (None, 6, 16)
    out, scores = mha(q, v, return_attention_scores=True)
    assert out.shape == (None, 6, 16) and scores.shape == (None, 2, 6, 4)
    node = mha._inbound_nodes[0]
    assert node.input_tensors == [q, v]
    assert len(mha._inbound_nodes) == 2


def test_embedding_on_int_input():
    tokens = Input((None,), dtype="int32")
    out = layers.Embedding(100, 8)(tokens)
    assert out.shape == (None, None, 8) and out.dtype == "float32"
    assert tokens.dtype == "int32"


def test_keras_history_and_node_indices_for_shared_layers():
    a, b = Input((4,), name="a"), Input((4,), name="b")
    dense = layers.Dense(3, name="shared")
    ya, yb = dense(a), dense(b)
    assert ya._keras_history == KerasHistory(dense, 0, 0)
    assert yb._keras_history == KerasHistory(dense, 1, 0)
    assert [n.input_tensors for n in dense._inbound_nodes] == [[a], [b]]
    assert dense._inbound_nodes[1].output_tensors == [yb]
    # layer.input / layer.output are those of the first call (node 0), as in Keras
    assert dense.input is a and dense.output is ya
    assert dense._inbound_nodes[1] in a._keras_history.operation._outbound_nodes + \
        b._keras_history.operation._outbound_nodes
    assert dense._inbound_nodes[1].parent_nodes == [b._keras_history.operation._inbound_nodes[0]]


def test_layer_input_output_before_any_symbolic_call():
    dense = layers.Dense(3, name="lonely")
    dense(np.ones((2, 4), dtype="float32"))  # an eager call records no node
    with pytest.raises(AttributeError, match="lonely"):
        dense.output
    with pytest.raises(AttributeError, match="lonely"):
        dense.input


def test_symbolic_call_builds_weights_but_computes_nothing():
    dense = layers.Dense(3)
    x = Input((4,))
    dense(x)
    assert dense.built and dense.kernel.shape == (4, 3)


def test_mixing_keras_tensors_and_arrays_is_a_clear_error():
    x = Input((3,), name="x")
    with pytest.raises(ValueError, match="'add'.*mix of symbolic tensors"):
        layers.Add(name="add")([x, np.ones((2, 3), dtype="float32")])


def test_ops_and_numpy_on_a_keras_tensor_are_a_clear_error():
    x = Input((3,), name="x")
    # (minikeras.ops on a KerasTensor record graph nodes, as in Keras: tests/ops/test_symbolic_ops.py)
    with pytest.raises(TypeError, match="symbolic.*Lambda"):
        np.asarray(x)
    with pytest.raises(TypeError, match="symbolic"):
        bool(x)


def test_operators_on_keras_tensors_build_graph_nodes_like_keras():
    x = Input((3,))
    y = x + 1
    model = Model(x, y)
    np.testing.assert_allclose(model.predict(np.zeros((2, 3)), verbose=0), np.ones((2, 3)))


def test_lambda_layer_is_the_way_to_custom_computation():
    x = Input((3,))
    y = layers.Lambda(lambda t: t * 2 + 1)(x)
    model = Model(x, y)
    np.testing.assert_allclose(model.predict(np.ones((2, 3)), verbose=0), np.full((2, 3), 3.0))


# ------------------------------------------------------------------------------------------------
# node.py helpers
# ------------------------------------------------------------------------------------------------
def test_flatten_map_structure_pack_as_follow_keras_tree_order():
    structure = {"b": [1, (2, 3)], "a": 4}
    assert flatten(structure) == [4, 1, 2, 3]  # dicts by sorted key
    assert map_structure(lambda v: v * 10, structure) == {"a": 40, "b": [10, (20, 30)]}
    packed = pack_as(structure, ["A", "B", "C", "D"])
    assert packed == {"a": "A", "b": ["B", ("C", "D")]}
    assert isinstance(packed["b"][1], tuple)
    assert flatten(None) == [None] and flatten([]) == []


def test_map_structure_keeps_namedtuples():
    Pair = namedtuple("Pair", ["left", "right"])
    result = map_structure(lambda v: v + 1, Pair(1, [2, 3]))
    assert isinstance(result, Pair) and result == Pair(2, [3, 4])
    assert pack_as(Pair(0, 0), [5, 6]) == Pair(5, 6)


# ------------------------------------------------------------------------------------------------
# Model(inputs, outputs): structure, layers, names (orders from Keras 3.15.1)
# ------------------------------------------------------------------------------------------------
def diamond():
    a = Input((4,), name="a")
    b1 = layers.Dense(3, name="b1")(a)
    b2 = layers.Dense(3, name="b2")(a)
    c = layers.Add(name="c")([b1, b2])
    return Model(a, layers.Dense(2, name="out")(c))


def multi_io():
    i1, i2 = Input((4,), name="i1"), Input((5,), name="i2")
    h1 = layers.Dense(3, name="h1")(i1)
    h2 = layers.Dense(3, name="h2")(i2)
    cat = layers.Concatenate(name="cat")([h1, h2])
    o1 = layers.Dense(1, name="o1")(cat)
    o2 = layers.Dense(2, name="o2")(h2)
    return (i1, i2), (o1, o2)


def siamese_graph():
    s1, s2 = Input((4,), name="s1"), Input((4,), name="s2")
    shared = layers.Dense(3, name="shared")
    d = layers.Subtract(name="sub")([shared(s1), shared(s2)])
    return Model([s1, s2], layers.Dense(1, name="head")(d))


def test_model_returns_functional_and_is_a_model():
    model = diamond()
    assert type(model) is Functional and isinstance(model, Model)
    assert model.name == "functional" and model.built


@pytest.mark.parametrize("build, expected", [
    (diamond, ["a", "b1", "b2", "c", "out"]),
    (siamese_graph, ["s1", "s2", "shared", "sub", "head"]),
])
def test_layer_order_like_keras(build, expected):
    assert [layer.name for layer in build().layers] == expected


def test_layer_order_like_keras_more_graphs():
    (i1, i2), (o1, o2) = multi_io()
    assert [l.name for l in Model([i1, i2], [o1, o2]).layers] == \
        ["i1", "i2", "h1", "h2", "cat", "o1", "o2"]

    # skip connection, an intermediate output
    a = Input((4,), name="a")
    h1 = layers.Dense(4, name="h1")(a)
    h2 = layers.Dense(4, name="h2")(h1)
    h3 = layers.Dense(4, name="h3")(h2)
    s = layers.Add(name="s")([a, h3])
    t = layers.Concatenate(name="t")([h1, s])
    assert [l.name for l in Model(a, [t, h2]).layers] == ["a", "h1", "h2", "h3", "s", "t"]

    # a layer reused at two depths
    a = Input((4,), name="a")
    d = layers.Dense(4, name="d")
    x = d(a)
    z = d(layers.Dense(4, name="e")(x))
    assert [l.name for l in Model(a, layers.Add(name="w")([x, z])).layers] == ["a", "d", "e", "w"]

    # branches of different lengths; inputs listed in a different order than discovered
    a, b = Input((4,), name="a"), Input((4,), name="b")
    x2 = layers.Dense(3, name="x2")(layers.Dense(3, name="x")(b))
    y = layers.Dense(3, name="y")(a)
    model = Model([a, b], layers.Average(name="avg")([y, x2]))
    assert [l.name for l in model.layers] == ["b", "a", "x", "y", "x2", "avg"]
    assert [t.name for t in model.inputs] == ["a", "b"]

    # LSTM states passed as initial_state of another LSTM
    seq = Input((None, 3), name="seq")
    s, h, c = layers.LSTM(5, return_sequences=True, return_state=True, name="lstm")(seq)
    last = layers.LSTM(5, name="lstm2")(s, initial_state=[h, c])
    model = Model(seq, layers.Concatenate(name="cat")([last, h]))
    assert [l.name for l in model.layers] == ["seq", "lstm", "lstm2", "cat"]
    assert model.output_shape == (None, 10)


def test_unused_inputs_are_listed_like_keras():
    a, b, c = Input((4,), name="a"), Input((3,), name="b"), Input((2,), name="c")
    model = Model([b, a, c], layers.Dense(2, name="d")(a))
    assert [l.name for l in model.layers] == ["a", "b", "c", "d"]
    assert [t.name for t in model.inputs] == ["b", "a", "c"]
    out = model.predict([np.ones((2, 3)), np.ones((2, 4)), np.ones((2, 2))], verbose=0)
    assert out.shape == (2, 2)
    assert "│ d (Dense)           │ (None, 2)         │         10 │ a[0][0]           │" in \
        summary_text(model)


def test_very_deep_graph_needs_no_recursion():
    x = inputs = Input((2,))
    for _ in range(1500):  # deeper than Python's recursion limit (Keras fails here)
        x = layers.Identity()(x)
    model = Model(inputs, x)
    assert len(model.layers) == 1501
    np.testing.assert_array_equal(model.predict(np.ones((1, 2)), verbose=0), np.ones((1, 2)))


def test_auto_names_like_keras():
    x = Input((4,))
    y = layers.Dense(2)(layers.Dense(3)(x))
    model = Model(x, y)
    # Dense(2) is created before Dense(3), so it is "dense" and Dense(3) is "dense_1"
    assert [l.name for l in model.layers] == ["input_layer", "dense_1", "dense"]
    assert model.name == "functional" and Model(x, y).name == "functional_1"
    assert model.output_names == ["dense"]


def test_list_inputs_and_outputs_properties():
    (i1, i2), (o1, o2) = multi_io()
    model = Model([i1, i2], [o1, o2], name="mio")
    assert model.inputs == [i1, i2] and model.outputs == [o1, o2]
    assert model.input == [i1, i2] and model.output == [o1, o2]
    assert model.input_shape == [(None, 4), (None, 5)]
    assert model.output_shape == [(None, 1), (None, 2)]
    assert model.output_names == ["o1", "o2"]
    assert model.input_names == ["i1", "i2"]
    x = [rng().normal(size=(3, 4)), rng(1).normal(size=(3, 5))]
    pred = model.predict(x, verbose=0)
    assert isinstance(pred, list) and [p.shape for p in pred] == [(3, 1), (3, 2)]
    called = model(x)
    assert isinstance(called, list) and len(called) == 2
    np.testing.assert_allclose(called[0].numpy(), pred[0], rtol=1e-6)


def test_dict_inputs_and_outputs():
    (i1, i2), (o1, o2) = multi_io()
    model = Model({"i2": i2, "i1": i1}, {"z": o2, "a": o1})
    assert model.inputs == [i1, i2]  # flattened by sorted key, like Keras
    assert model.outputs == [o1, o2]
    assert model.output_names == ["o1", "o2"]
    assert model.input == {"i2": i2, "i1": i1}
    assert model.input_shape == [(None, 4), (None, 5)]
    x = {"i1": rng().normal(size=(3, 4)), "i2": rng(1).normal(size=(3, 5))}
    pred = model.predict(x, verbose=0)
    assert isinstance(pred, dict) and set(pred) == {"a", "z"}
    assert pred["a"].shape == (3, 1) and pred["z"].shape == (3, 2)
    # the same values as the list model
    as_list = Model([i1, i2], [o1, o2]).predict([x["i1"], x["i2"]], verbose=0)
    np.testing.assert_array_equal(pred["a"], as_list[0])
    np.testing.assert_array_equal(pred["z"], as_list[1])
    # extra keys are ignored
    called = model({**x, "unused": np.ones((3, 9))})
    assert isinstance(called, dict) and called["a"].shape == (3, 1)


def test_dict_input_key_not_matching_tensor_name_warns():
    x = Input((3,), name="real_name")
    with pytest.warns(UserWarning, match="real_name"):
        Model({"other": x}, layers.Dense(1)(x))


def test_dict_inputs_fit_and_outputs_by_name():
    i1, i2 = Input((3,), name="x1"), Input((2,), name="x2")
    h = layers.Concatenate()([i1, i2])
    reg = layers.Dense(1, name="reg")(h)
    cls = layers.Dense(3, activation="softmax", name="cls")(h)
    model = Model({"x1": i1, "x2": i2}, {"reg": reg, "cls": cls})
    model.compile("adam", {"reg": "mse", "cls": "sparse_categorical_crossentropy"})
    x = {"x1": rng().normal(size=(10, 3)), "x2": rng(1).normal(size=(10, 2))}
    y = {"reg": rng(2).normal(size=(10, 1)), "cls": rng(3).integers(0, 3, (10,))}
    history = model.fit(x, y, epochs=2, verbose=0)
    assert set(history.history) == {"loss", "reg_loss", "cls_loss"}
    assert np.isfinite(history.history["loss"]).all()


def test_one_element_output_list_is_unwrapped_like_keras():
    a = Input((4,), name="a")
    out = layers.Dense(2, name="out")(a)
    model = Model([a], [out])
    assert model.output == [out] and model.input == [a]  # as given
    assert model.outputs == [out] and model.output_shape == (None, 2)
    assert model.input_shape == (None, 4)
    assert isinstance(model(np.ones((2, 4))), Tensor)
    assert isinstance(model.predict(np.ones((2, 4)), verbose=0), np.ndarray)
    # a tuple of outputs stays a tuple
    assert isinstance(Model(a, (out, out))(np.ones((2, 4))), tuple)


def test_get_layer_by_name_and_index():
    model = diamond()
    assert model.get_layer("b2") is model.layers[2]
    assert model.get_layer(index=0).name == "a"
    assert isinstance(model.get_layer(index=0), InputLayer)
    assert model.get_layer(index=-1).name == "out"
    with pytest.raises(ValueError, match="No such layer.*nope.*'a', 'b1'"):
        model.get_layer("nope")
    with pytest.raises(ValueError, match="index 10.*5 layers"):
        model.get_layer(index=10)


def test_keyword_arguments_inputs_outputs():
    a = Input((4,))
    out = layers.Dense(2)(a)
    model = Model(inputs=a, outputs=out, name="kw")
    assert isinstance(model, Functional) and model.name == "kw"
    assert model.layers[-1] is out._keras_history.operation


def test_identity_model_and_input_as_output():
    a, b = Input((4,), name="a"), Input((3,), name="b")
    model = Model(a, a)
    assert [l.name for l in model.layers] == ["a"]
    np.testing.assert_array_equal(model(np.ones((1, 4))).numpy(), np.ones((1, 4)))
    both = Model([a, b], [a, layers.Dense(2, name="d")(b)])
    out = both.predict([np.ones((2, 4)), np.ones((2, 3))], verbose=0)
    np.testing.assert_array_equal(out[0], np.ones((2, 4)))
    assert out[1].shape == (2, 2)


def test_weights_order_like_keras():
    a = Input((4,), name="a")
    x = layers.BatchNormalization(name="bn")(layers.Dense(3, name="d1")(a))
    y = layers.Dense(3, name="d0")(a)
    model = Model(a, layers.Dense(1, name="o")(layers.Concatenate(name="c")([x, y])))
    assert [w.path for w in model.weights] == [
        "d1/kernel", "d1/bias", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
        "d0/kernel", "d0/bias", "o/kernel", "o/bias"]
    assert [w.path for w in model.non_trainable_weights] == ["bn/moving_mean",
                                                             "bn/moving_variance"]
    model.get_layer("d1").trainable = False
    assert [w.path for w in model.trainable_weights] == [
        "bn/gamma", "bn/beta", "d0/kernel", "d0/bias", "o/kernel", "o/bias"]
    assert [w.path for w in model.non_trainable_weights] == [
        "d1/kernel", "d1/bias", "bn/moving_mean", "bn/moving_variance"]
    assert model.count_params() == 15 + 12 + 15 + 7


def test_predict_matches_manual_numpy_forward_for_a_diamond():
    model = diamond()
    x = rng().normal(size=(5, 4)).astype("float32")
    w1, c1, w2, c2, w3, c3 = model.get_weights()
    expected = ((x @ w1 + c1) + (x @ w2 + c2)) @ w3 + c3
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(x, batch_size=2, verbose=0), expected, rtol=1e-5,
                               atol=1e-6)


def test_lstm_state_graph_and_attention_graph_run_like_eager_calls():
    seq = Input((None, 3))
    lstm1 = layers.LSTM(5, return_sequences=True, return_state=True)
    lstm2 = layers.LSTM(5)
    s, h, c = lstm1(seq)
    model = Model(seq, [lstm2(s, initial_state=[h, c]), h])
    x = rng().normal(size=(2, 6, 3)).astype("float32")
    last, state = model.predict(x, verbose=0)
    ss, hh, cc = lstm1(x)
    np.testing.assert_allclose(last, lstm2(ss, initial_state=[hh, cc]).numpy(), rtol=1e-6)
    np.testing.assert_allclose(state, hh.numpy(), rtol=1e-6)
    # variable-length input: a different number of time steps works too
    assert model.predict(x[:, :4], verbose=0)[0].shape == (2, 5)

    q, v = Input((5, 8)), Input((3, 8))
    mha = layers.MultiHeadAttention(2, 4)
    out, scores = mha(q, v, return_attention_scores=True)
    model = Model([q, v], [out, scores])
    xq = rng(1).normal(size=(2, 5, 8)).astype("float32")
    xv = rng(2).normal(size=(2, 3, 8)).astype("float32")
    pred_out, pred_scores = model.predict([xq, xv], verbose=0)
    eager_out, eager_scores = mha(xq, xv, return_attention_scores=True)
    np.testing.assert_allclose(pred_out, eager_out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(pred_scores, eager_scores.numpy(), rtol=1e-5, atol=1e-6)


class DtypeProbe(layers.Layer):
    """Records the dtype its `call` receives (Keras casts model inputs to their Input's dtype)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen = []

    def call(self, x):
        self.seen.append(x.dtype.name)
        return minikeras.ops.cast(x, "float32")


def test_data_takes_the_dtype_of_its_input_like_keras():
    ints = Input((3,), dtype="int32")
    probe = DtypeProbe()
    model = Model(ints, probe(ints))
    probe.seen.clear()
    model(np.array([[1.7, 2.2, 3.0]]))
    assert probe.seen == ["int32"]
    floats = Input((3,))
    probe = DtypeProbe()
    model = Model(floats, probe(floats))
    probe.seen.clear()
    model(np.array([[1, 2, 3]]))
    model(np.array([[1.0, 2.0, 3.0]], dtype="float64"))
    assert probe.seen == ["float32", "float32"]
    # the same in a Sequential, which Keras runs through a functional graph
    probe = DtypeProbe()
    seq = Sequential([Input((3,), dtype="int32"), probe])
    probe.seen.clear()
    seq(np.array([[1.5, 2.0, 3.0]]))
    assert probe.seen == ["int32"]


def test_trailing_axis_of_one_may_be_missing_or_extra():
    a = Input((4, 1))
    model = Model(a, layers.Flatten()(a))
    assert model.predict(np.ones((2, 4)), verbose=0).shape == (2, 4)
    b = Input((4,))
    model = Model(b, layers.Dense(2)(b))
    assert model.predict(np.ones((2, 4, 1)), verbose=0).shape == (2, 2)


def test_sequential_accepts_a_missing_or_extra_trailing_axis_of_one_like_keras():
    seq = Sequential([Input((4,)), layers.Dense(2)], name="sq")
    data = rng().normal(size=(3, 4)).astype("float32")
    np.testing.assert_array_equal(seq(data[..., None]).numpy(), seq(data).numpy())
    assert seq.predict(data[..., None], verbose=0).shape == (3, 2)
    with pytest.raises(ValueError, match=r'"sq".*expected shape=\(None, 4\), found shape=\(3,\)'):
        seq(np.ones((3,)))
    with pytest.raises(ValueError, match=r"found shape=\(3, 5, 1\)"):
        seq(np.ones((3, 5, 1)))


def test_compute_output_shape_keeps_the_output_structure_like_keras():
    i1, i2 = Input((4,), name="i1"), Input((5,), name="i2")
    o1, o2 = layers.Dense(1, name="o1")(i1), layers.Dense(2, name="o2")(i2)
    assert Model([i1, i2], [o1, o2]).compute_output_shape([(None, 4), (None, 5)]) == \
        [(None, 1), (None, 2)]
    assert Model({"i1": i1, "i2": i2}, {"b": o1, "a": o2}).compute_output_shape(
        {"i1": (None, 4), "i2": (None, 5)}) == {"b": (None, 1), "a": (None, 2)}
    assert Model(i1, o1).compute_output_shape((3, 4)) == (3, 1)
    assert Model(i1, [o1]).compute_output_shape((3, 4)) == [(3, 1)]
    assert Model(i1, (o1, o1)).compute_output_shape((3, 4)) == ((3, 1), (3, 1))
    seq_in = Input((None, 3))
    model = Model(seq_in, layers.LSTM(2, return_sequences=True)(seq_in))
    assert model.compute_output_shape((8, 5, 3)) == (8, 5, 2)
    with pytest.raises(ValueError, match="incompatible"):
        Model(i1, o1).compute_output_shape((3, 5))


def test_training_argument_reaches_layers_and_explicit_training_is_kept():
    x = Input((1000,))
    model = Model(x, layers.Dropout(0.5)(x))
    ones = np.ones((1, 1000), dtype="float32")
    np.testing.assert_array_equal(model(ones).numpy(), ones)
    dropped = model(ones, training=True).numpy()
    assert 300 < (dropped == 0).sum() < 700
    always = Model(x, layers.Dropout(0.5)(x, training=True))
    assert (always.predict(ones, verbose=0) == 0).sum() > 300


class OptionalFirst(layers.Layer):
    """Returns (None, x * 2): an output structure with a None before the tensor."""

    def call(self, x):
        return (None, x * 2)


def test_layer_output_structure_with_none_leaves():
    a = Input((3,))
    empty, doubled = OptionalFirst()(a)
    assert empty is None and doubled.shape == (None, 3)
    model = Model(a, layers.Dense(2, kernel_initializer="ones")(doubled))
    np.testing.assert_allclose(model.predict(np.ones((1, 3)), verbose=0), [[6.0, 6.0]])
    head = Model(doubled, layers.Identity()(doubled))
    assert head.predict(np.ones((1, 3)), verbose=0).shape == (1, 3)


def test_model_from_an_intermediate_tensor_clones_an_input_like_keras():
    a = Input((4,), name="a")
    h = layers.Dense(3, name="h")(a)
    out = layers.Dense(2, name="o")(h)
    full = Model(a, out)
    head = Model(h, out)
    assert [l.name for l in head.layers] == [f"{h.name}CLONE", "o"]
    assert isinstance(head.layers[0], InputLayer)
    assert [t.name for t in head.inputs] == [f"{h.name}CLONE"]
    assert [w.path for w in head.weights] == ["o/kernel", "o/bias"]
    assert head.count_params() == 8
    hidden = rng().normal(size=(3, 3)).astype("float32")
    np.testing.assert_allclose(head.predict(hidden, verbose=0),
                               full.get_layer("o")(hidden).numpy(), rtol=1e-6)
    # the original model is untouched
    assert [l.name for l in full.layers] == ["a", "h", "o"]
    assert full.predict(np.ones((1, 4)), verbose=0).shape == (1, 2)


def test_mixed_input_and_intermediate_tensor_inputs():
    a, b = Input((4,), name="a"), Input((3,), name="b")
    h = layers.Dense(3, name="h")(a)
    out = layers.Add(name="add")([h, b])
    model = Model([h, b], out)
    assert [l.name for l in model.layers] == [f"{h.name}CLONE", "b", "add"]
    x1, x2 = np.ones((2, 3)), np.full((2, 3), 2.0)
    np.testing.assert_allclose(model.predict([x1, x2], verbose=0), x1 + x2)


# ------------------------------------------------------------------------------------------------
# Sequential and functional models agree
# ------------------------------------------------------------------------------------------------
def twin_models():
    minikeras.utils.set_random_seed(1)
    seq = Sequential([Input((6,)), layers.Dense(8, activation="relu"),
                      layers.BatchNormalization(), layers.Dense(3, activation="softmax")])
    x = Input((6,))
    h = layers.Dense(8, activation="relu")(x)
    h = layers.BatchNormalization()(h)
    func = Model(x, layers.Dense(3, activation="softmax")(h))
    func.set_weights(seq.get_weights())
    return seq, func


def test_sequential_and_functional_predict_identically():
    seq, func = twin_models()
    x = rng().normal(size=(20, 6)).astype("float32")
    np.testing.assert_array_equal(seq.predict(x, verbose=0), func.predict(x, verbose=0))
    np.testing.assert_array_equal(seq(x, training=True).numpy(), func(x, training=True).numpy())


def test_sequential_and_functional_train_identically():
    seq, func = twin_models()
    x = rng().normal(size=(40, 6)).astype("float32")
    y = rng(1).integers(0, 3, size=(40,))
    histories = []
    for model in (seq, func):
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        histories.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0))
    assert histories[0].history == histories[1].history
    for w_seq, w_func in zip(seq.get_weights(), func.get_weights()):
        np.testing.assert_array_equal(w_seq, w_func)
    np.testing.assert_array_equal(seq.predict(x, verbose=0), func.predict(x, verbose=0))


# ------------------------------------------------------------------------------------------------
# Gradients through shared layers and merges (float64, central differences)
# ------------------------------------------------------------------------------------------------
def numerical_weight_gradients(loss_fn, weights, h=1e-6):
    result = []
    for weight in weights:
        def f(value, weight=weight):
            old = weight.numpy().copy()
            weight.assign(value)
            try:
                return float(loss_fn().numpy())
            finally:
                weight.assign(old)
        result.append(numerical_gradient(f, weight.numpy().copy(), h))
    return result


def test_gradients_of_siamese_model_match_numerical(float64):
    left, right = Input((3,)), Input((3,))
    shared = layers.Dense(4, activation="tanh", name="shared")
    diff = layers.Subtract()([shared(left), shared(right)])
    merged = layers.Concatenate()([layers.Multiply()([diff, shared(left)]), diff])
    model = Model([left, right], layers.Dense(1)(merged))
    assert len(shared._inbound_nodes) == 3
    xl, xr = rng().normal(size=(5, 3)), rng(1).normal(size=(5, 3))
    r = rng(2).normal(size=(5, 1))

    def loss():
        return (model([xl, xr]) * r).sum()

    weights = model.trainable_weights
    assert all(w.dtype == np.float64 for w in weights)
    analytic = gradients(loss(), weights)
    numeric = numerical_weight_gradients(loss, weights)
    for w, g_a, g_n in zip(weights, analytic, numeric):
        np.testing.assert_allclose(g_a, g_n, rtol=1e-6, atol=1e-8, err_msg=w.path)


def test_shared_weights_receive_the_sum_of_both_uses(float64):
    left, right = Input((3,)), Input((3,))
    shared = layers.Dense(2, name="shared")
    head = layers.Dense(1, name="head")
    siamese = Model([left, right], head(layers.Multiply()([shared(left), shared(right)])))

    l2, r2 = Input((3,)), Input((3,))
    copy_a, copy_b, head2 = layers.Dense(2), layers.Dense(2), layers.Dense(1)
    unshared = Model([l2, r2], head2(layers.Multiply()([copy_a(l2), copy_b(r2)])))
    copy_a.set_weights(shared.get_weights())
    copy_b.set_weights(shared.get_weights())
    head2.set_weights(head.get_weights())

    x = [rng().normal(size=(4, 3)), rng(1).normal(size=(4, 3))]
    g_shared = gradients(siamese(x).sum(), shared.trainable_weights)
    g_a = gradients(unshared(x).sum(), copy_a.trainable_weights)
    g_b = gradients(unshared(x).sum(), copy_b.trainable_weights)
    for total, part_a, part_b in zip(g_shared, g_a, g_b):
        np.testing.assert_allclose(total, part_a + part_b, rtol=1e-12)
        assert not np.allclose(part_a, part_b)


def test_layer_gradient_check_on_a_single_input_functional_model(float64):
    x = Input((4,))
    dense = layers.Dense(4, activation="tanh")
    y = dense(dense(x))  # the same layer twice in a chain
    z = layers.Concatenate()([layers.Average()([x, y]), layers.Maximum()([x, y]),
                              layers.Minimum()([x, y]), layers.Dot(axes=1)([x, y]),
                              layers.Dot(axes=1, normalize=True)([x, y])])
    model = Model(x, layers.Dense(2)(z))
    assert layer_gradient_check(model, rng().normal(size=(3, 4)), h=1e-6) < 1e-6


# ------------------------------------------------------------------------------------------------
# Nested models
# ------------------------------------------------------------------------------------------------
def test_sequential_inside_functional_shares_weights_and_trains():
    seq = Sequential([Input((4,)), layers.Dense(3, name="s1"), layers.Dense(2, name="s2")],
                     name="seq")
    a = Input((4,), name="a")
    model = Model(a, layers.Dense(2, name="head")(seq(a)))
    assert [l.name for l in model.layers] == ["a", "seq", "head"]
    assert len(model.weights) == 6 and model.weights[0] is seq.layers[0].kernel
    x = rng().normal(size=(16, 4)).astype("float32")
    expected = model.get_layer("head")(seq(x)).numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-6)
    before = seq.get_weights()
    model.compile("sgd", "mse")
    model.fit(x, rng(1).normal(size=(16, 2)), epochs=1, verbose=0)
    assert all(not np.allclose(b, w) for b, w in zip(before, seq.get_weights()))
    # the standalone Sequential sees the trained weights
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               model.get_layer("head")(seq(x)).numpy(), rtol=1e-6)


def test_functional_inside_sequential():
    fi = Input((4,))
    inner = Model(fi, layers.Dense(3, name="fd")(fi), name="inner")
    seq = Sequential([Input((4,)), inner, layers.Dense(2, name="after")])
    assert [l.name for l in seq.layers] == ["inner", "after"]
    assert seq.output_shape == (None, 2) and inner.output_shape == (None, 3)
    x = rng().normal(size=(8, 4)).astype("float32")
    np.testing.assert_allclose(seq.predict(x, verbose=0),
                               seq.layers[1](inner(x)).numpy(), rtol=1e-6)
    before = inner.get_weights()
    seq.compile("sgd", "mse")
    seq.fit(x, rng(1).normal(size=(8, 2)), epochs=1, verbose=0)
    assert all(not np.allclose(b, w) for b, w in zip(before, inner.get_weights()))
    # a Sequential without an Input builds around the functional model on first use
    lazy = Sequential([inner, layers.Dense(1)])
    assert lazy.predict(x, verbose=0).shape == (8, 1)


def test_functional_inside_functional_and_shared_model():
    base_in = Input((4,))
    base = Model(base_in, layers.Dense(3, activation="relu", name="emb")(base_in), name="base")
    a, b = Input((4,), name="a"), Input((4,), name="b")
    ea, eb = base(a), base(b)  # one model used twice
    model = Model([a, b], layers.Dense(1, name="score")(layers.Concatenate(name="cat")([ea, eb])))
    assert [l.name for l in model.layers] == ["a", "b", "base", "cat", "score"]
    assert len(model.weights) == 4
    assert model.get_layer("base")._inbound_nodes[1].input_tensors == [b]
    xa, xb = rng().normal(size=(3, 4)), rng(1).normal(size=(3, 4))
    expected = model.get_layer("score")(np.concatenate([base(xa).numpy(), base(xb).numpy()], 1))
    np.testing.assert_allclose(model.predict([xa, xb], verbose=0), expected.numpy(), rtol=1e-5)
    lines = summary_text(model).splitlines()
    assert "│ base (Functional)   │ (None, 3)         │         15 │ a[0][0], b[0][0]  │" in lines
    assert "│ cat (Concatenate)   │ (None, 6)         │          0 │ base[0][0],       │" in lines
    assert "│                     │                   │            │ base[1][0]        │" in lines


def test_sequential_without_input_is_built_by_a_symbolic_call():
    seq = Sequential([layers.Dense(3, name="q1"), layers.Dense(2, name="q2")], name="lazy")
    i = Input((4,), name="i")
    out = seq(i)
    assert seq.built and out.shape == (None, 2) and seq.layers[0].kernel.shape == (4, 3)
    assert seq.input is i  # Keras: the input of its first call
    model = Model(i, layers.Dense(1, name="h")(out))
    assert [l.name for l in model.layers] == ["i", "lazy", "h"]
    assert "│ lazy (Sequential)               │ (None, 2)              │            23 │" in \
        summary_text(model)
    x = rng().normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0),
                               model.get_layer("h")(seq(x)).numpy(), rtol=1e-6)


def test_nested_model_called_on_wrong_shape_fails_at_graph_construction():
    fi = Input((4,), name="fi")
    inner = Model(fi, layers.Dense(3)(fi), name="inner")
    with pytest.raises(ValueError, match=r'"inner".*expected shape=\(None, 4\).*\(None, 5\)'):
        inner(Input((5,)))
    with pytest.raises(ValueError, match="inner"):
        inner(Input((2, 4)))
    seq = Sequential([Input((4,)), layers.Dense(2)], name="sq")
    with pytest.raises(ValueError, match=r'"sq".*expected shape=\(None, 4\).*\(None, 5\)'):
        seq(Input((5,)))


def test_nested_models_shapes_through_symbolic_calls():
    seq = Sequential([Input((None, 3)), layers.LSTM(4, return_sequences=True),
                      layers.GlobalMaxPooling1D()], name="enc")
    x = Input((None, 3))
    assert seq(x).shape == (None, 4)
    inner_in = Input((None, 3))
    inner = Model(inner_in, layers.Conv1D(2, 3, padding="same")(inner_in))
    assert inner(Input((7, 3))).shape == (None, 7, 2)
    assert inner(Input((None, 3))).shape == (None, None, 2)


KERAS_SUMMARY_NESTED = """\
Model: "outer"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ outer_in            │ (None, 4)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ inner (Functional)  │ (None, 3)         │         15 │ outer_in[0][0]    │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ seq (Sequential)    │ (None, 2)         │          8 │ inner[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ side (Dense)        │ (None, 2)         │          8 │ inner[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ total (Add)         │ (None, 2)         │          0 │ seq[0][0],        │
│                     │                   │            │ side[0][0]        │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 31 (124.00 B)
 Trainable params: 31 (124.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def nested_outer():
    inner_in = Input((4,), name="inner_in")
    inner = Model(inner_in, layers.Dense(3, name="inner_dense")(inner_in), name="inner")
    seq = Sequential([Input((3,), name="seq_in"), layers.Dense(2, name="seq_dense")], name="seq")
    a = Input((4,), name="outer_in")
    x = inner(a)
    total = layers.Add(name="total")([seq(x), layers.Dense(2, name="side")(x)])
    return Model(a, total, name="outer")


def test_summary_shows_nested_models_as_one_row_like_keras():
    assert summary_text(nested_outer()) == KERAS_SUMMARY_NESTED


KERAS_SUMMARY_NESTED_FROZEN_SHOW_TRAINABLE = """\
Model: "outer"
┏━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━┳━━━━━━━━━━━━━━━━┳━━━━━━━┓
┃ Layer (type)      ┃ Output Shape    ┃   Param # ┃ Connected to   ┃ Trai… ┃
┡━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━╇━━━━━━━━━━━━━━━━╇━━━━━━━┩
│ outer_in          │ (None, 4)       │         0 │ -              │   -   │
│ (InputLayer)      │                 │           │                │       │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ inner             │ (None, 3)       │        15 │ outer_in[0][0] │   N   │
│ (Functional)      │                 │           │                │       │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ seq (Sequential)  │ (None, 2)       │         8 │ inner[0][0]    │   Y   │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ side (Dense)      │ (None, 2)       │         8 │ inner[0][0]    │   Y   │
├───────────────────┼─────────────────┼───────────┼────────────────┼───────┤
│ total (Add)       │ (None, 2)       │         0 │ seq[0][0],     │   -   │
│                   │                 │           │ side[0][0]     │       │
└───────────────────┴─────────────────┴───────────┴────────────────┴───────┘
 Total params: 31 (124.00 B)
 Trainable params: 16 (64.00 B)
 Non-trainable params: 15 (60.00 B)
"""

KERAS_SUMMARY_NESTED_EXPANDED = """\
Model: "outer"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ outer_in            │ (None, 4)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ inner (Functional)  │ (None, 3)         │         15 │ outer_in[0][0]    │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│    └ inner_in       │ (None, 4)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│    └ inner_dense    │ (None, 3)         │         15 │ -                 │
│ (Dense)             │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ seq (Sequential)    │ (None, 2)         │          8 │ inner[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│    └ seq_dense      │ (None, 2)         │          8 │ -                 │
│ (Dense)             │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ side (Dense)        │ (None, 2)         │          8 │ inner[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ total (Add)         │ (None, 2)         │          0 │ seq[0][0],        │
│                     │                   │            │ side[0][0]        │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 31 (124.00 B)
 Trainable params: 31 (124.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def test_summary_show_trainable_with_a_frozen_nested_model_like_keras():
    model = nested_outer()
    model.get_layer("inner").trainable = False
    assert summary_text(model, show_trainable=True) == KERAS_SUMMARY_NESTED_FROZEN_SHOW_TRAINABLE


def test_summary_expand_nested_like_keras():
    assert summary_text(nested_outer(), expand_nested=True) == KERAS_SUMMARY_NESTED_EXPANDED


def test_freezing_a_nested_model():
    model = nested_outer()
    inner, seq = model.get_layer("inner"), model.get_layer("seq")
    inner.trainable = False
    assert len(model.trainable_weights) == 4 and len(model.non_trainable_weights) == 2
    assert all(not w.trainable for w in inner.weights)
    assert "Non-trainable params: 15 (60.00 B)" in summary_text(model)
    frozen, trained = inner.get_weights(), seq.get_weights()
    model.compile("sgd", "mse")
    x = rng().normal(size=(8, 4)).astype("float32")
    model.fit(x, rng(1).normal(size=(8, 2)), epochs=2, verbose=0)
    for before, after in zip(frozen, inner.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert all(not np.allclose(b, a) for b, a in zip(trained, seq.get_weights()))
    inner.trainable = True
    assert len(model.trainable_weights) == 6


# ------------------------------------------------------------------------------------------------
# Feature extraction from intermediate outputs
# ------------------------------------------------------------------------------------------------
def test_feature_extraction_from_a_sequential():
    seq = Sequential([Input((4,)), layers.Dense(5, activation="relu", name="x"),
                      layers.Dense(2, name="y")])
    features = Model(seq.input, seq.get_layer("x").output)
    assert [l.name for l in features.layers][1:] == ["x"]
    assert features.output_shape == (None, 5)
    data = rng().normal(size=(6, 4)).astype("float32")
    kernel, bias = seq.get_layer("x").get_weights()
    np.testing.assert_allclose(features.predict(data, verbose=0),
                               np.maximum(data @ kernel + bias, 0), rtol=1e-5, atol=1e-6)
    # several outputs at once, Keras's `[layer.output for layer in model.layers]`
    all_outputs = Model(seq.inputs, [layer.output for layer in seq.layers])
    hidden, final = all_outputs.predict(data, verbose=0)
    np.testing.assert_allclose(final, seq.predict(data, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(hidden, features.predict(data, verbose=0), rtol=1e-6)


def test_feature_extraction_from_a_sequential_built_on_data():
    seq = Sequential([layers.Dense(3, name="t1"), layers.Dense(2, name="t2")])
    data = rng().normal(size=(4, 5)).astype("float32")
    seq(data)
    features = Model(seq.input, seq.get_layer("t1").output)
    np.testing.assert_allclose(features.predict(data, verbose=0),
                               seq.get_layer("t1")(data).numpy(), rtol=1e-6)


def test_feature_extraction_from_a_functional_model():
    model = diamond()
    features = Model(model.input, model.get_layer("c").output)
    assert [l.name for l in features.layers] == ["a", "b1", "b2", "c"]
    x = rng().normal(size=(3, 4)).astype("float32")
    expected = model.get_layer("b1")(x).numpy() + model.get_layer("b2")(x).numpy()
    np.testing.assert_allclose(features.predict(x, verbose=0), expected, rtol=1e-6)
    # weights are shared with the full model
    assert features.get_layer("b1") is model.get_layer("b1")


def test_output_of_a_nested_model_is_its_output_in_the_enclosing_graph_like_keras():
    seq = Sequential([Input((4,)), layers.Dense(3, name="s1"), layers.Dense(2, name="s2")],
                     name="seq")
    a = Input((4,), name="a")
    model = Model(a, layers.Dense(2, name="head")(seq(a)))
    # once called inside `model`, seq.input / seq.output are those of that call (Keras: node 0)
    assert seq.input is a
    assert seq.output is model.get_layer("head").input
    truncated = Model(model.input, model.get_layer("seq").output)
    assert [l.name for l in truncated.layers] == ["a", "seq"]
    x = rng().normal(size=(2, 4)).astype("float32")
    np.testing.assert_allclose(truncated.predict(x, verbose=0), seq.predict(x, verbose=0))
    # its own graph stays reachable through `inputs` / `outputs`
    inner_features = Model(seq.inputs, seq.get_layer("s1").output)
    np.testing.assert_allclose(inner_features.predict(x, verbose=0),
                               seq.get_layer("s1")(x).numpy(), rtol=1e-6)


# ------------------------------------------------------------------------------------------------
# Freezing
# ------------------------------------------------------------------------------------------------
def test_frozen_layer_keeps_its_weights_during_fit():
    x = Input((4,))
    frozen = layers.Dense(3, name="frozen")
    model = Model(x, layers.Dense(1, name="live")(frozen(x)))
    frozen.trainable = False
    assert [w.path for w in model.trainable_weights] == ["live/kernel", "live/bias"]
    assert len(model.non_trainable_weights) == 2
    before_frozen, before_live = frozen.get_weights(), model.get_layer("live").get_weights()
    model.compile("adam", "mse")
    model.fit(rng().normal(size=(16, 4)), rng(1).normal(size=(16, 1)), epochs=2, verbose=0)
    for b, a in zip(before_frozen, frozen.get_weights()):
        np.testing.assert_array_equal(b, a)
    assert not np.allclose(before_live[0], model.get_layer("live").get_weights()[0])


def test_model_level_trainable_false():
    x = Input((4,))
    model = Model(x, layers.Dense(2)(x), trainable=False)
    assert model.trainable is False
    assert model.trainable_weights == [] and len(model.non_trainable_weights) == 2


def test_frozen_batch_normalization_runs_in_inference_mode():
    # Keras 3 documents: with `trainable = False` a BatchNormalization layer runs in inference
    # mode (moving statistics, no updates) even when the model is called with training=True.
    x = Input((3,))
    bn = layers.BatchNormalization(name="bn")
    model = Model(x, layers.Dense(1, name="head")(bn(x)))
    bn.set_weights([np.array([1.5, 0.5, 2.0]), np.array([0.1, -0.2, 0.3]),
                    np.array([1.0, -1.0, 0.5]), np.array([4.0, 0.25, 1.0])])
    bn.trainable = False
    data = rng().normal(loc=3.0, size=(32, 3)).astype("float32")
    gamma, beta, mean, var = bn.get_weights()
    expected = gamma * (data - mean) / np.sqrt(var + bn.epsilon) + beta
    features = Model(model.input, bn.output)
    np.testing.assert_allclose(features(data, training=True).numpy(), expected, rtol=1e-5)
    model.compile("sgd", "mse")
    model.fit(data, rng(1).normal(size=(32, 1)), epochs=2, batch_size=8, verbose=0)
    for before, after in zip([gamma, beta, mean, var], bn.get_weights()):
        np.testing.assert_array_equal(before, after)
    # unfrozen it trains and updates its moving statistics
    bn.trainable = True
    model.compile("sgd", "mse")
    model.fit(data, rng(1).normal(size=(32, 1)), epochs=1, batch_size=8, verbose=0)
    assert not np.allclose(bn.get_weights()[2], mean)


def test_frozen_nested_model_with_batch_normalization_keeps_moving_stats():
    base_in = Input((3,))
    base = Model(base_in, layers.BatchNormalization(name="base_bn")(
        layers.Dense(4, name="base_dense")(base_in)), name="base")
    base.trainable = False
    x = Input((3,))
    model = Model(x, layers.Dense(1, name="head")(base(x)))
    assert [w.path for w in model.trainable_weights] == ["head/kernel", "head/bias"]
    before = base.get_weights()
    model.compile("adam", "mse")
    model.fit(rng().normal(size=(16, 3)), rng(1).normal(size=(16, 1)), epochs=2, verbose=0)
    for b, a in zip(before, base.get_weights()):
        np.testing.assert_array_equal(b, a)


# ------------------------------------------------------------------------------------------------
# Errors
# ------------------------------------------------------------------------------------------------
def test_disconnected_graph_names_the_missing_input():
    i1, i2 = Input((3,), name="i1"), Input((3,), name="i2")
    total = layers.Add(name="add")([i1, i2])
    with pytest.raises(ValueError, match="Graph disconnected.*'add'.*'i2'"):
        Model(i1, total)
    # a longer path from the missing input
    h = layers.Dense(3, name="from_i2")(i2)
    out = layers.Dense(1)(layers.Concatenate()([layers.Dense(3)(i1), h]))
    with pytest.raises(ValueError, match="Graph disconnected.*'from_i2'.*'i2'"):
        Model(i1, out)
    # with both inputs it is fine
    assert len(Model([i1, i2], total).inputs) == 2


def test_an_input_given_as_output_but_not_as_input():
    a, b = Input((3,), name="a"), Input((3,), name="b")
    with pytest.raises(ValueError, match="Graph disconnected.*'b'.*not among the model's inputs"):
        Model(a, [layers.Dense(2)(a), b])


def test_wrong_number_of_inputs():
    (i1, i2), (o1, _) = multi_io()
    model = Model([i1, i2], o1, name="two_in")
    with pytest.raises(ValueError, match="'two_in' expects 2 input.*received 1"):
        model(np.ones((2, 4)))
    with pytest.raises(ValueError, match="expects 2 input.*received 3"):
        model.predict([np.ones((2, 4)), np.ones((2, 5)), np.ones((2, 5))], verbose=0)


def test_wrong_dict_keys():
    (i1, i2), (o1, _) = multi_io()
    model = Model({"i1": i1, "i2": i2}, o1, name="by_name")
    with pytest.raises(ValueError, match=r"'by_name' expects inputs named \['i1', 'i2'\].*"
                                         r"missing \['i2'\]"):
        model({"i1": np.ones((2, 4)), "x": np.ones((2, 5))})
    # a list-input model can be fed a dict keyed by input names
    by_list = Model([i1, i2], o1)
    out = by_list({"i2": np.ones((2, 5)), "i1": np.ones((2, 4))})
    np.testing.assert_allclose(out.numpy(), by_list([np.ones((2, 4)), np.ones((2, 5))]).numpy())


def test_wrong_input_shape_at_call_time_names_model_and_shapes():
    a = Input((4,), name="a")
    model = Model(a, layers.Dense(2)(a), name="mymodel")
    pattern = r'\(\'a\'\) of model "mymodel".*expected shape=\(None, 4\), found shape=\(2, 5\)'
    with pytest.raises(ValueError, match=pattern):
        model(np.ones((2, 5)))
    with pytest.raises(ValueError, match=pattern):
        model.predict(np.ones((2, 5)), verbose=0)
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=pattern):
        model.fit(np.ones((2, 5)), np.ones((2, 2)), verbose=0)
    with pytest.raises(ValueError, match=r"found shape=\(2, 4, 3\)"):
        model(np.ones((2, 4, 3)))
    fixed = Input((4,), batch_size=2, name="fixed")
    model = Model(fixed, layers.Dense(1)(fixed), name="fixed_batch")
    with pytest.raises(ValueError, match=r"expected shape=\(2, 4\), found shape=\(3, 4\)"):
        model(np.ones((3, 4)))


def test_incompatible_shapes_at_graph_construction():
    with pytest.raises(ValueError, match='"conv2d".*min_ndim=4.*ndim=2'):
        layers.Conv2D(3, 3, name="conv2d")(Input((5,)))
    with pytest.raises(ValueError, match='"lstm".*ndim=3.*ndim=2'):
        layers.LSTM(3, name="lstm")(Input((5,)))
    dense = layers.Dense(3, name="dense")
    dense(Input((4,)))
    with pytest.raises(ValueError, match='"dense".*axis -1.*value 4.*\\(None, 5\\)'):
        dense(Input((5,)))
    with pytest.raises(ValueError, match="Concatenate.*matching shapes"):
        layers.Concatenate()([Input((2, 3)), Input((4, 5))])
    with pytest.raises(ValueError, match="incompatible shapes"):
        layers.Add()([Input((3,)), Input((4,))])


def test_duplicate_layer_names():
    x = Input((3,))
    y = layers.Dense(2, name="d")(x)
    z = layers.Dense(2, name="d")(y)
    with pytest.raises(ValueError, match='The name "d" is used 2 times'):
        Model(x, z)
    a, b = Input((3,), name="same"), Input((3,), name="same")
    with pytest.raises(ValueError, match='"same" is used 2 times'):
        Model([a, b], layers.Add()([a, b]))


def test_non_keras_tensor_inputs_or_outputs():
    a = Input((3,))
    out = layers.Dense(2)(a)
    with pytest.raises(ValueError, match="`outputs` values must be KerasTensors"):
        Model(a, [out, np.ones(3)])
    with pytest.raises(ValueError, match="`inputs` values must be KerasTensors"):
        Model([a, np.ones(3)], out)
    with pytest.raises(ValueError, match="`outputs` argument cannot be empty"):
        Model(a, [])
    with pytest.raises(ValueError, match="`inputs` values must be KerasTensors"):
        Model(np.ones(3), out)


def test_keras_tensor_not_from_a_layer_call():
    stray = KerasTensor((None, 3))
    with pytest.raises(ValueError, match="not produced by a layer call"):
        Model(Input((3,)), stray)


# ------------------------------------------------------------------------------------------------
# Masks
# ------------------------------------------------------------------------------------------------
def tokens():
    data = rng().integers(1, 20, size=(6, 7))
    data[:, 4:] = 0
    data[0, 2:] = 0
    return data


def test_mask_through_a_functional_graph_equals_sequential():
    emb = layers.Embedding(20, 4, mask_zero=True)
    lstm = layers.LSTM(3)
    seq = Sequential([Input((7,), dtype="int32"), emb, lstm])
    i = Input((7,), dtype="int32")
    func = Model(i, lstm(emb(i)))
    np.testing.assert_array_equal(seq.predict(tokens(), verbose=0),
                                  func.predict(tokens(), verbose=0))
    # the mask matters: without it the padded steps change the result
    plain = layers.Embedding(20, 4)
    plain.build((None, 7))
    plain.set_weights(emb.get_weights())
    unmasked = Model(i, lstm(plain(i)))
    assert not np.allclose(unmasked.predict(tokens(), verbose=0), func.predict(tokens(), verbose=0))


def test_mask_through_merges_and_into_nested_models():
    emb = layers.Embedding(20, 4, mask_zero=True)
    lstm = layers.LSTM(3, return_sequences=True)
    pool = layers.GlobalAveragePooling1D()
    i = Input((7,), dtype="int32")
    e = emb(i)
    summed = layers.Add()([e, e])
    func = Model(i, pool(lstm(summed)))
    data = tokens()
    emb_out = emb(data)
    eager = pool(lstm(emb_out + emb_out, mask=emb_out._keras_mask), mask=emb_out._keras_mask)
    np.testing.assert_allclose(func.predict(data, verbose=0), eager.numpy(), rtol=1e-6)

    inner_in = Input((None, 4))
    inner = Model(inner_in, layers.LSTM(3)(inner_in))
    outer = Model(i, inner(emb(i)))
    reference = Sequential([Input((7,), dtype="int32"), emb, inner.layers[1]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras warns too: Functional has no compute_mask
        np.testing.assert_array_equal(outer.predict(data, verbose=0),
                                      reference.predict(data, verbose=0))


def test_explicit_mask_argument_of_a_model_call():
    i = Input((None, 2))
    lstm = layers.LSTM(3)
    model = Model(i, lstm(i))
    data = rng().normal(size=(2, 4, 2)).astype("float32")
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        masked = model(data, mask=mask).numpy()
    np.testing.assert_array_equal(masked, lstm(data, mask=mask).numpy())
    np.testing.assert_array_equal(masked[0], lstm(data[:1, :2]).numpy()[0])
    seq = Sequential([Input((None, 2)), lstm])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(seq(data, mask=mask).numpy(), masked)


def test_explicit_mask_argument_does_not_warn_like_keras():
    i = Input((None, 2))
    model = Model(i, layers.LSTM(3)(i))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model(np.ones((1, 3, 2), dtype="float32"), mask=np.array([[1, 1, 0]], bool))


def test_mask_from_a_nested_model_output_reaches_the_next_layer():
    emb = layers.Embedding(20, 4, mask_zero=True)
    ie = Input((7,), dtype="int32")
    embedder = Model(ie, emb(ie))
    lstm = layers.LSTM(3)
    i = Input((7,), dtype="int32")
    outer = Model(i, lstm(embedder(i)))
    reference = Sequential([Input((7,), dtype="int32"), emb, lstm])
    np.testing.assert_array_equal(outer.predict(tokens(), verbose=0),
                                  reference.predict(tokens(), verbose=0))


# ------------------------------------------------------------------------------------------------
# summary(): the exact text Keras 3.15.1 prints with COLUMNS=80
# ------------------------------------------------------------------------------------------------
KERAS_SUMMARY_BRANCHING = """\
Model: "branching"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ a (InputLayer)      │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ h1 (Dense)          │ (None, 4)         │         20 │ a[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ h2 (Dense)          │ (None, 4)         │         20 │ h1[0][0]          │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ h3 (Dense)          │ (None, 4)         │         20 │ h2[0][0]          │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ s (Add)             │ (None, 4)         │          0 │ a[0][0], h3[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ t (Concatenate)     │ (None, 8)         │          0 │ h1[0][0], s[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 60 (240.00 B)
 Trainable params: 60 (240.00 B)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_SUMMARY_LSTM_STATES = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ seq (InputLayer)    │ (None, None, 3)   │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lstm (LSTM)         │ [(None, None, 5), │        180 │ seq[0][0]         │
│                     │ (None, 5), (None, │            │                   │
│                     │ 5)]               │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ lstm2 (LSTM)        │ (None, 5)         │        220 │ lstm[0][0],       │
│                     │                   │            │ lstm[0][1],       │
│                     │                   │            │ lstm[0][2]        │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ cat (Concatenate)   │ (None, 10)        │          0 │ lstm2[0][0],      │
│                     │                   │            │ lstm[0][1]        │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 400 (1.56 KB)
 Trainable params: 400 (1.56 KB)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_SUMMARY_REUSED = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ a (InputLayer)      │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ d (Dense)           │ (None, 4)         │         20 │ a[0][0], e[0][0]  │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ e (Dense)           │ (None, 4)         │         20 │ d[0][0]           │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ w (Add)             │ (None, 4)         │          0 │ d[0][0], d[1][0]  │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 40 (160.00 B)
 Trainable params: 40 (160.00 B)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_SUMMARY_CHAIN = """\
Model: "chain_like"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ image (InputLayer)              │ (None, 28, 28, 1)      │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv (Conv2D)                   │ (None, 26, 26, 8)      │            80 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ pool (MaxPooling2D)             │ (None, 13, 13, 8)      │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flat (Flatten)                  │ (None, 1352)           │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ probs (Dense)                   │ (None, 10)             │        13,530 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 13,610 (53.16 KB)
 Trainable params: 13,610 (53.16 KB)
 Non-trainable params: 0 (0.00 B)
"""

KERAS_SUMMARY_SIAMESE = """\
Model: "siamese"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ left (InputLayer)   │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ right (InputLayer)  │ (None, 4)         │          0 │ -                 │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ shared_dense        │ (None, 3)         │         15 │ left[0][0],       │
│ (Dense)             │                   │            │ right[0][0]       │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ difference          │ (None, 3)         │          0 │ shared_dense[0][… │
│ (Subtract)          │                   │            │ shared_dense[1][… │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ similarity (Dense)  │ (None, 1)         │          4 │ difference[0][0]  │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 19 (76.00 B)
 Trainable params: 19 (76.00 B)
 Non-trainable params: 0 (0.00 B)
"""


def test_summary_branching_model_equals_keras_text():
    a = Input((4,), name="a")
    h1 = layers.Dense(4, name="h1")(a)
    h2 = layers.Dense(4, name="h2")(h1)
    h3 = layers.Dense(4, name="h3")(h2)
    s = layers.Add(name="s")([a, h3])
    t = layers.Concatenate(name="t")([h1, s])
    model = Model(a, [t, h2], name="branching")
    assert not model._is_sequential_like()
    assert summary_text(model) == KERAS_SUMMARY_BRANCHING


def test_summary_multi_output_layer_and_state_connections_equal_keras_text():
    seq = Input((None, 3), name="seq")
    s, h, c = layers.LSTM(5, return_sequences=True, return_state=True, name="lstm")(seq)
    last = layers.LSTM(5, name="lstm2")(s, initial_state=[h, c])
    model = Model(seq, layers.Concatenate(name="cat")([last, h]))
    assert summary_text(model) == KERAS_SUMMARY_LSTM_STATES


def test_summary_only_lists_connections_of_this_model():
    a = Input((4,), name="a")
    d = layers.Dense(4, name="d")
    x = d(a)
    z = d(layers.Dense(4, name="e")(x))
    model = Model(a, layers.Add(name="w")([x, z]))
    d(Input((4,), name="elsewhere"))  # a call outside the model is not listed
    assert summary_text(model) == KERAS_SUMMARY_REUSED


def test_summary_chain_like_functional_model_has_no_connected_to_column():
    a = Input((28, 28, 1), name="image")
    x = layers.Conv2D(8, 3, activation="relu", name="conv")(a)
    x = layers.MaxPooling2D(name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    model = Model(a, layers.Dense(10, activation="softmax", name="probs")(x), name="chain_like")
    assert model._is_sequential_like()
    assert summary_text(model) == KERAS_SUMMARY_CHAIN


def test_summary_shared_layer_model_is_not_sequential_like():
    x = Input((4,))
    d = layers.Dense(4)
    model = Model(x, d(d(x)))
    assert not model._is_sequential_like()
    assert "Connected to" in summary_text(model)


def test_summary_siamese_equals_keras_text_with_long_connections():
    left, right = Input((4,), name="left"), Input((4,), name="right")
    shared = layers.Dense(3, name="shared_dense")
    diff = layers.Subtract(name="difference")([shared(left), shared(right)])
    model = Model([left, right], layers.Dense(1, activation="sigmoid", name="similarity")(diff),
                  name="siamese")
    assert summary_text(model) == KERAS_SUMMARY_SIAMESE


# ------------------------------------------------------------------------------------------------
# Functional subclassing
# ------------------------------------------------------------------------------------------------
class TwoLayerNet(Model):
    def __init__(self, hidden=3, **kwargs):
        inputs = Input((4,), name="features")
        x = layers.Dense(hidden, activation="relu", name="hidden")(inputs)
        outputs = layers.Dense(2, name="logits")(x)
        super().__init__(inputs, outputs, **kwargs)
        self.hidden_units = hidden


def test_functional_subclassing_builds_and_trains():
    model = TwoLayerNet(hidden=5)
    assert isinstance(model, Functional) and isinstance(model, TwoLayerNet)
    assert model.name == "two_layer_net" and model.hidden_units == 5
    assert [l.name for l in model.layers] == ["features", "hidden", "logits"]
    assert model.input_shape == (None, 4) and model.output_shape == (None, 2)
    x = rng().normal(size=(32, 4)).astype("float32")
    y = rng(1).normal(size=(32, 2)).astype("float32")
    model.compile("adam", "mse")
    history = model.fit(x, y, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    kernel, bias, kernel2, bias2 = model.get_weights()
    expected = np.maximum(x @ kernel + bias, 0) @ kernel2 + bias2
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert type(Model()) is Model  # plain Model() is not affected


def test_functional_subclass_tracks_extra_attribute_layers_weights_like_keras():
    class WithExtra(Model):
        def __init__(self):
            inputs = Input((4,), name="i")
            super().__init__(inputs, layers.Dense(2, name="d")(inputs))
            self.extra = layers.Dense(3, name="extra")
            self.extra.build((None, 2))

    model = WithExtra()
    assert [l.name for l in model.layers] == ["i", "d"]  # the graph only
    assert [w.path for w in model.weights] == ["d/kernel", "d/bias", "extra/kernel", "extra/bias"]
    model.trainable = False
    assert not model.extra.trainable and model.trainable_weights == []


def test_functional_subclass_with_keyword_arguments_and_overridden_call():
    class Doubled(Model):
        def __init__(self):
            inputs = Input((4,))
            super().__init__(inputs=inputs, outputs=layers.Dense(2, name="d")(inputs),
                             name="doubled")

        def call(self, inputs, training=None, mask=None):
            return super().call(inputs, training=training, mask=mask) * 2

    model = Doubled()
    x = np.ones((1, 4), dtype="float32")
    kernel, bias = model.get_layer("d").get_weights()
    np.testing.assert_allclose(model(x).numpy(), 2 * (x @ kernel + bias), rtol=1e-6)
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * (x @ kernel + bias), rtol=1e-6)
