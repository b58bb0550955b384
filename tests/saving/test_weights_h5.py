"""Keras 3's `.weights.h5` layout: the exact tree, round trips, hand-built Keras files, errors."""
import warnings

import h5py
import numpy as np
import pytest

import minikeras
from minikeras import layers
from minikeras.saving import weights_h5


def tree(path):
    """{path: shape tuple for datasets, 'group' for groups} of an HDF5 file."""
    result = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: result.__setitem__(
            name, tuple(obj.shape) if isinstance(obj, h5py.Dataset) else "group"))
    return result


def name_attributes(path):
    result = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda name, obj: result.__setitem__(name, obj.attrs["name"])
                     if "name" in obj.attrs else None)
    return result


def seq_mlp(names=True):
    n = (lambda s: s) if names else (lambda s: None)
    return minikeras.Sequential([layers.Input((4,)), layers.Dense(3, name=n("d1")),
                                 layers.BatchNormalization(name=n("bn")),
                                 layers.Dropout(0.1, name=n("drop")),
                                 layers.Dense(2, name=n("d2"))], name=n("seq_mlp"))


def trained(model, x, y, epochs=1):
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, epochs=epochs, batch_size=4, shuffle=False, verbose=0)
    return model


def randomize(model, seed=0):
    rng = np.random.RandomState(seed)
    model.set_weights([rng.uniform(0.1, 1.0, w.shape).astype(w.dtype) for w in model.get_weights()])
    return model


def data(n=8, d=4, out=2, seed=0):
    rng = np.random.RandomState(seed)
    return rng.rand(n, d).astype("float32"), rng.rand(n, out).astype("float32")


# -- the exact layout ------------------------------------------------------------------------------
def test_sequential_tree_is_keras_layout(tmp_path):
    minikeras.utils.clear_session()  # the optimizer is then named "adam", as in a fresh Keras
    x, y = data()
    model = trained(seq_mlp(), x, y)
    path = tmp_path / "seq.weights.h5"
    model.save_weights(path)
    expected = {
        "layers": "group",
        "layers/batch_normalization": "group", "layers/batch_normalization/vars": "group",
        **{f"layers/batch_normalization/vars/{i}": (3,) for i in range(4)},
        "layers/dense": "group", "layers/dense/vars": "group",
        "layers/dense/vars/0": (4, 3), "layers/dense/vars/1": (3,),
        "layers/dense_1": "group", "layers/dense_1/vars": "group",
        "layers/dense_1/vars/0": (3, 2), "layers/dense_1/vars/1": (2,),
        "layers/dropout": "group", "layers/dropout/vars": "group",
        "optimizer": "group", "optimizer/vars": "group",
        "optimizer/vars/0": (), "optimizer/vars/1": (),
        "vars": "group",
    }
    slot_shapes = [(4, 3), (3,), (3,), (3,), (3, 2), (2,)]  # d1 kernel, bias, gamma, beta, d2
    for i, shape in enumerate(slot_shapes):
        expected[f"optimizer/vars/{2 + 2 * i}"] = shape
        expected[f"optimizer/vars/{3 + 2 * i}"] = shape
    assert tree(path) == expected
    assert name_attributes(path) == {
        "vars": "seq_mlp", "layers/dense/vars": "d1", "layers/batch_normalization/vars": "bn",
        "layers/dropout/vars": "drop", "layers/dense_1/vars": "d2", "optimizer/vars": "adam"}
    with h5py.File(path, "r") as f:
        assert f["optimizer/vars/0"].dtype == np.int32 and f["optimizer/vars/0"][()] == 2
        assert f["optimizer/vars/1"].dtype == np.float32
        np.testing.assert_array_equal(f["layers/dense/vars/0"][()], model.layers[0].kernel.numpy())
        np.testing.assert_array_equal(f["layers/batch_normalization/vars/3"][()],
                                      model.layers[1].moving_variance.numpy())
        assert not f.attrs.keys()  # no keras_version / config attributes in this layout


def recurrent_model():
    tokens = layers.Input((6,), dtype="int32", name="tokens")
    e = layers.Embedding(20, 8, name="emb")(tokens)
    outputs = [
        layers.LSTM(4, return_sequences=True)(e),
        layers.GRU(5, return_sequences=True)(e),
        layers.GRU(5, reset_after=False, return_sequences=True)(e),
        layers.SimpleRNN(3, return_sequences=True)(e),
        layers.Bidirectional(layers.LSTM(2, return_sequences=True), name="bidi")(e),
        layers.MultiHeadAttention(2, 3, name="mha")(e, e),
        layers.MultiHeadAttention(2, 3, value_dim=2, use_gate=True, output_shape=4)(e, e),
        layers.TimeDistributed(layers.Dense(3))(e),
        layers.RNN([layers.LSTMCell(3), layers.GRUCell(2), layers.LSTMCell(2)],
                   return_sequences=True)(e),
    ]
    x = layers.Concatenate(name="cat")(outputs)
    x = layers.LayerNormalization(name="ln")(x)
    x = layers.GlobalAveragePooling1D()(x)
    return minikeras.Model(tokens, layers.Dense(2)(x), name="seqnet")


def test_recurrent_and_attention_paths_match_keras(tmp_path):
    model = recurrent_model()
    path = tmp_path / "rnn.weights.h5"
    model.save_weights(path)
    t = tree(path)
    expected = {
        "layers/input_layer/vars": "group",
        "layers/embedding/vars/0": (20, 8),
        "layers/lstm/vars": "group",
        "layers/lstm/cell/vars/0": (8, 16), "layers/lstm/cell/vars/1": (4, 16),
        "layers/lstm/cell/vars/2": (16,),
        "layers/gru/cell/vars/2": (2, 15), "layers/gru_1/cell/vars/2": (15,),
        "layers/simple_rnn/cell/vars/0": (8, 3),
        "layers/bidirectional/vars": "group",
        "layers/bidirectional/forward_layer/vars": "group",
        "layers/bidirectional/forward_layer/cell/vars/0": (8, 8),
        "layers/bidirectional/backward_layer/cell/vars/1": (2, 8),
        "layers/multi_head_attention/query_dense/vars/0": (8, 2, 3),
        "layers/multi_head_attention/key_dense/vars/1": (2, 3),
        "layers/multi_head_attention/value_dense/vars/0": (8, 2, 3),
        "layers/multi_head_attention/output_dense/vars/0": (2, 3, 8),
        "layers/multi_head_attention/_dropout_layer/vars": "group",
        "layers/multi_head_attention/_softmax/vars": "group",
        "layers/multi_head_attention_1/value_dense/vars/0": (8, 2, 2),
        "layers/multi_head_attention_1/_gate_dense/vars/0": (8, 2, 2),
        "layers/multi_head_attention_1/output_dense/vars/0": (2, 2, 4),
        "layers/time_distributed/layer/vars/0": (8, 3),
        "layers/rnn/cell/vars": "group",
        "layers/rnn/cell/cells/lstm_cell/vars/0": (8, 12),
        "layers/rnn/cell/cells/gru_cell/vars/0": (3, 6),
        "layers/rnn/cell/cells/lstm_cell_1/vars/1": (2, 8),
        "layers/concatenate/vars": "group",
        "layers/layer_normalization/vars/1": (38,),
        "layers/dense/vars/0": (38, 2),
    }
    for key, value in expected.items():
        assert t.get(key) == value, key
    assert not any(k.startswith("optimizer") for k in t)  # not compiled
    names = name_attributes(path)
    assert names["layers/input_layer/vars"] == "tokens"
    assert names["layers/bidirectional/vars"] == "bidi"
    # (automatic names carry a counter that depends on what was created before)
    assert names["layers/bidirectional/backward_layer/vars"].startswith("backward_lstm")
    assert names["layers/lstm/cell/vars"].startswith("lstm_cell")
    assert names["layers/multi_head_attention/query_dense/vars"] == "query"
    assert names["layers/rnn/cell/vars"].startswith("stacked_rnn_cells")
    # No group for anything Keras does not write (e.g. minikeras's `_query_dense` attribute).
    assert not any("_query_dense" in k or "_tracked" in k for k in t)


def test_nested_models_and_subclassed_model_paths(tmp_path):
    inner = minikeras.Sequential([layers.Input((3,)), layers.Dense(4), layers.BatchNormalization()],
                                 name="inner")
    i = layers.Input((3,))
    fi = layers.Input((4,))
    inner_fn = minikeras.Model(fi, layers.Dense(2)(layers.Dense(3)(fi)), name="inner_fn")
    mid = minikeras.Model(i, inner_fn(inner(i)), name="mid")
    outer = minikeras.Sequential([layers.Input((3,)), layers.Dense(3), mid, layers.Dense(1)])
    path = tmp_path / "nested.weights.h5"
    outer.save_weights(path)
    t = tree(path)
    for key, value in {
            "layers/dense/vars/0": (3, 3), "layers/functional/vars": "group",
            "layers/functional/layers/input_layer/vars": "group",
            "layers/functional/layers/sequential/layers/dense/vars/0": (3, 4),
            "layers/functional/layers/sequential/layers/batch_normalization/vars/3": (4,),
            "layers/functional/layers/functional/layers/input_layer/vars": "group",
            "layers/functional/layers/functional/layers/dense_1/vars/0": (3, 2),
            "layers/dense_1/vars/0": (2, 1)}.items():
        assert t.get(key) == value, key
    assert name_attributes(path)["layers/functional/layers/sequential/vars"] == "inner"

    class Block(layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.parts = [layers.Dense(3), layers.Dense(3)]
            self.norm = layers.LayerNormalization()

        def call(self, x):
            for part in self.parts:
                x = part(x)
            return self.norm(x)

    class MyModel(minikeras.Model):
        def __init__(self):
            super().__init__(name="my_model")
            self.dense1 = layers.Dense(3)
            self.zz = layers.Dense(2)
            self.blocks = [Block(), layers.Dense(3)]
            self.bn = layers.BatchNormalization()

        def call(self, x):
            x = self.dense1(self.bn(x))
            for block in self.blocks:
                x = block(x)
            return self.zz(x)

    model = MyModel()
    model(np.zeros((2, 4), "float32"))
    path = tmp_path / "sub.weights.h5"
    model.save_weights(path)
    t = tree(path)
    # As Keras 3: attributes in sorted order; `layers` (sorted between `dense1` and `zz`) takes
    # the layers not reached before it, keyed by their position in model.layers.
    assert {k: v for k, v in t.items() if k.endswith("/0")} == {
        "blocks/block/parts/dense/vars/0": (3, 3), "blocks/block/parts/dense_1/vars/0": (3, 3),
        "blocks/block/norm/vars/0": (3,), "blocks/dense/vars/0": (3, 3),
        "bn/vars/0": (4,), "dense1/vars/0": (4, 3), "layers/dense_1/vars/0": (3, 2)}
    clone = MyModel()
    clone(np.zeros((2, 4), "float32"))
    clone.load_weights(path)
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_every_weight_is_written_exactly_once():
    model = recurrent_model()
    written = [v for _, obj in weights_h5.walk(model) for v in weights_h5.own_variables(obj)]
    assert len(written) == len({id(v) for v in written})
    assert {id(v) for v in written} == {id(v) for v in model.weights}


# -- round trips ----------------------------------------------------------------------------------
@pytest.mark.parametrize("build, x", [
    (lambda: seq_mlp(names=False), np.random.RandomState(1).rand(5, 4).astype("float32")),
    (recurrent_model, np.random.RandomState(1).randint(0, 20, (5, 6)).astype("int32")),
])
def test_round_trip_same_predictions(tmp_path, build, x):
    model = randomize(build())
    path = tmp_path / "m.weights.h5"
    model.save_weights(path)
    clone = build()
    clone.load_weights(path)
    np.testing.assert_array_equal(model.predict(x, verbose=0), clone.predict(x, verbose=0))
    for a, b in zip(model.get_weights(), clone.get_weights()):
        np.testing.assert_array_equal(a, b)


def deterministic_mlp():
    return minikeras.Sequential([layers.Input((4,)), layers.Dense(8, activation="relu"),
                                 layers.BatchNormalization(), layers.Dense(2)])


def test_optimizer_state_round_trip_continues_training_exactly(tmp_path):
    x, y = data(n=16)
    reference = deterministic_mlp()
    start = reference.get_weights()
    trained(reference, x, y, epochs=4)

    first = deterministic_mlp()
    first.set_weights(start)
    trained(first, x, y, epochs=2)
    path = tmp_path / "half.weights.h5"
    first.save_weights(path)

    second = deterministic_mlp()
    second.compile(optimizer="adam", loss="mse")
    second.optimizer.build(second.trainable_weights)
    second.load_weights(path)
    assert int(second.optimizer.iterations.data) == 8
    second.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
    for a, b in zip(reference.get_weights(), second.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)


# -- files written by hand in Keras's layout (H5_FORMAT.md Appendix B) ------------------------------
def test_hand_built_keras_file_loads(tmp_path):
    rng = np.random.RandomState(5)
    values = {
        "layers/dense/vars": [rng.rand(4, 3), rng.rand(3)],
        "layers/batch_normalization/vars": [rng.rand(3), rng.rand(3), rng.rand(3), rng.rand(3) + 1],
        "layers/dense_1/vars": [rng.rand(3, 2), rng.rand(2)],
    }
    slots = [rng.rand(*s) for s in [(4, 3), (4, 3), (3,), (3,), (3,), (3,), (3,), (3,), (3, 2),
                                    (3, 2), (2,), (2,)]]
    path = tmp_path / "keras.weights.h5"
    with h5py.File(path, "w") as f:  # exactly what Keras 3.15 writes, including empty groups
        f.create_group("vars").attrs["name"] = "seq_mlp"
        f.create_group("layers/dropout/vars").attrs["name"] = "drop"
        for group, arrays in values.items():
            g = f.create_group(group)
            g.attrs["name"] = group.split("/")[1]
            for i, a in enumerate(arrays):
                g[str(i)] = a.astype("float32")
        g = f.create_group("optimizer/vars")
        g.attrs["name"] = "adam"
        g["0"] = np.int32(7)
        g["1"] = np.float32(0.005)
        for i, a in enumerate(slots):
            g[str(i + 2)] = a.astype("float32")
    model = seq_mlp(names=False)
    model.compile(optimizer="adam", loss="mse")
    model.optimizer.build(model.trainable_weights)
    model.load_weights(path)
    np.testing.assert_allclose(model.layers[0].kernel.numpy(), values["layers/dense/vars"][0],
                               rtol=1e-7)
    bn = model.layers[1]
    for variable, value in zip([bn.gamma, bn.beta, bn.moving_mean, bn.moving_variance],
                               values["layers/batch_normalization/vars"]):
        np.testing.assert_allclose(variable.numpy(), value, rtol=1e-7)
    np.testing.assert_allclose(model.layers[3].bias.numpy(), values["layers/dense_1/vars"][1],
                               rtol=1e-7)
    assert int(model.optimizer.iterations.data) == 7
    assert model.optimizer.learning_rate == pytest.approx(0.005)
    np.testing.assert_allclose(model.optimizer.variables[2].numpy(), slots[0], rtol=1e-7)
    # The same weights give the same predictions as a NumPy forward pass.
    x = rng.rand(3, 4).astype("float32")
    h = x @ values["layers/dense/vars"][0] + values["layers/dense/vars"][1]
    gamma, beta, mean, var = values["layers/batch_normalization/vars"]
    h = gamma * (h - mean) / np.sqrt(var + 1e-3) + beta
    expected = h @ values["layers/dense_1/vars"][0] + values["layers/dense_1/vars"][1]
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_hand_built_recurrent_file_without_names_or_empty_groups(tmp_path):
    rng = np.random.RandomState(2)
    arrays = {
        "layers/embedding/vars": [rng.rand(20, 8)],
        "layers/bidirectional/forward_layer/cell/vars": [rng.rand(8, 8), rng.rand(2, 8),
                                                         rng.rand(8)],
        "layers/bidirectional/backward_layer/cell/vars": [rng.rand(8, 8), rng.rand(2, 8),
                                                          rng.rand(8)],
        "layers/gru/cell/vars": [rng.rand(4, 9), rng.rand(3, 9), rng.rand(2, 9)],
        "layers/dense/vars": [rng.rand(3, 1), rng.rand(1)],
    }
    path = tmp_path / "rnn.weights.h5"
    with h5py.File(path, "w") as f:
        for group, values in arrays.items():
            for i, value in enumerate(values):
                f[f"{group}/{i}"] = value.astype("float32")
    model = minikeras.Sequential([
        layers.Input((5,)), layers.Embedding(20, 8),
        layers.Bidirectional(layers.LSTM(2, return_sequences=True)), layers.GRU(3),
        layers.Dense(1)])
    with h5py.File(path, "r") as f:
        assert weights_h5.is_weights_h5_layout(f)
    model.load_weights(path)
    bidi = model.layers[1]
    np.testing.assert_allclose(bidi.backward_layer.cell.recurrent_kernel.numpy(),
                               arrays["layers/bidirectional/backward_layer/cell/vars"][1],
                               rtol=1e-7)
    np.testing.assert_allclose(bidi.forward_layer.cell.kernel.numpy(),
                               arrays["layers/bidirectional/forward_layer/cell/vars"][0], rtol=1e-7)
    np.testing.assert_allclose(model.layers[2].cell.bias.numpy(),
                               arrays["layers/gru/cell/vars"][2], rtol=1e-7)


def test_bfloat16_datasets_are_read_as_float32(tmp_path):
    values = np.array([[1.5, -2.25], [3.0, 0.1], [7.0, 1e-3]], dtype=np.float32)
    bits = (values.view(np.uint32) >> 16).astype(np.uint16)  # truncation is enough here
    path = tmp_path / "bf.weights.h5"
    with h5py.File(path, "w") as f:
        d = f.create_dataset("layers/dense/vars/0", data=bits.view("V2"))
        d.attrs["dtype"] = "bfloat16"
        f["layers/dense/vars/1"] = np.zeros(2, np.float32)
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(2)])
    model.load_weights(path)
    expected = (bits.astype(np.uint32) << 16).view(np.float32)
    np.testing.assert_array_equal(model.layers[0].kernel.numpy(), expected)
    np.testing.assert_allclose(expected, values, rtol=1e-2)


# -- mismatches -------------------------------------------------------------------------------------
def test_count_mismatch_names_layer_and_counts_and_leaves_model_unchanged(tmp_path):
    source = minikeras.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    path = tmp_path / "a.weights.h5"
    source.save_weights(path)
    target = minikeras.Sequential([layers.Input((4,)), layers.Dense(3),
                                   layers.Dense(2, use_bias=False, name="head")])
    before = target.get_weights()
    with pytest.raises(ValueError, match=r"'head'.*expected 1 variables, but received 2"):
        target.load_weights(path)
    for a, b in zip(before, target.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing changed, not even the first layer


def test_shape_mismatch_names_layer_and_shapes(tmp_path):
    source = minikeras.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    path = tmp_path / "a.weights.h5"
    source.save_weights(path)
    target = minikeras.Sequential([layers.Input((4,)), layers.Dense(3),
                                   layers.Dense(5, name="wide")])
    with pytest.raises(ValueError, match=r"'wide'.*\(3, 5\).*'layers/dense_1/vars/0'.*\(3, 2\)"):
        target.load_weights(path)


def test_missing_group_means_no_variables(tmp_path):
    path = tmp_path / "partial.weights.h5"
    with h5py.File(path, "w") as f:
        f["layers/dense/vars/0"] = np.ones((4, 3), np.float32)
        f["layers/dense/vars/1"] = np.ones(3, np.float32)
    target = minikeras.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dropout(0.5),
                                   layers.Dense(2, name="last")])
    with pytest.raises(ValueError, match=r"'last'.*group 'layers/dense_1/vars'.*expected 2 "
                                         r"variables, but received 0"):
        target.load_weights(path)


def test_skip_mismatch_warns_and_loads_the_rest(tmp_path):
    source = randomize(minikeras.Sequential([layers.Input((4,)), layers.Dense(3),
                                             layers.Dense(2)]))
    path = tmp_path / "a.weights.h5"
    source.save_weights(path)
    target = minikeras.Sequential([layers.Input((4,)), layers.Dense(3),
                                   layers.Dense(5, name="wide")])
    kept = target.layers[1].kernel.numpy().copy()
    with pytest.warns(UserWarning, match="(?s)could not be loaded.*'wide'"):
        target.load_weights(path, skip_mismatch=True)
    np.testing.assert_array_equal(target.layers[0].kernel.numpy(), source.layers[0].kernel.numpy())
    np.testing.assert_array_equal(target.layers[1].kernel.numpy(), kept)


def test_optimizer_mismatch_warns_and_skips(tmp_path):
    x, y = data()
    source = trained(seq_mlp(names=False), x, y)
    path = tmp_path / "a.weights.h5"
    source.save_weights(path)
    target = seq_mlp(names=False)
    target.compile(optimizer="adam", loss="mse")  # optimizer not built: 2 variables, file 14
    with pytest.warns(UserWarning, match=r"Skipping variable loading for optimizer 'adam.*', "
                                         r"because it has 2 variables whereas the saved "
                                         r"optimizer has 14"):
        target.load_weights(path)
    for a, b in zip(source.get_weights(), target.get_weights()):
        np.testing.assert_array_equal(a, b)  # the layers are loaded all the same
    assert int(target.optimizer.iterations.data) == 0
    # A file without optimizer state into a compiled model: nothing to restore, no warning.
    plain = tmp_path / "plain.weights.h5"
    seq_mlp(names=False).save_weights(plain)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        target.load_weights(plain)


def test_unbuilt_models_are_refused(tmp_path):
    model = minikeras.Sequential([layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.save_weights(tmp_path / "u.weights.h5")
    built = minikeras.Sequential([layers.Input((3,)), layers.Dense(2)])
    built.save_weights(tmp_path / "b.weights.h5")
    with pytest.raises(ValueError, match="not yet been built"):
        model.load_weights(tmp_path / "b.weights.h5")
    assert not (tmp_path / "u.weights.h5").exists()


def test_layout_detection(tmp_path):
    path = tmp_path / "c.weights.h5"
    seq_mlp().save_weights(path)
    with h5py.File(path, "r") as f:
        assert weights_h5.is_weights_h5_layout(f)
    legacy = tmp_path / "legacy.h5"
    with h5py.File(legacy, "w") as f:
        f.attrs["layer_names"] = [b"dense"]
        f.create_group("dense")
    with h5py.File(legacy, "r") as f:
        assert not weights_h5.is_weights_h5_layout(f)
    full = tmp_path / "full.h5"
    with h5py.File(full, "w") as f:
        f.create_group("model_weights")
        f.create_group("layers")
    with h5py.File(full, "r") as f:
        assert not weights_h5.is_weights_h5_layout(f)


def test_keras_children_table_covers_composite_layers():
    lstm = layers.LSTM(2)
    assert weights_h5.keras_children(lstm) == [("cell", lstm.cell)]
    bidi = layers.Bidirectional(layers.GRU(2))
    assert [n for n, _ in weights_h5.keras_children(bidi)] == ["backward_layer", "forward_layer"]
    mha = layers.MultiHeadAttention(2, 3)
    assert weights_h5.keras_children(mha) == []  # not built: nothing yet
    mha(np.zeros((1, 2, 4), "float32"), np.zeros((1, 2, 4), "float32"))
    assert [n for n, _ in weights_h5.keras_children(mha)] == [
        "key_dense", "output_dense", "query_dense", "value_dense", "_dropout_layer", "_softmax"]
    assert weights_h5.keras_children(layers.Dense(2)) == []
    assert weights_h5.snake_case("LSTMCell") == "lstm_cell"
    assert weights_h5.snake_case("Conv2DTranspose") == "conv2d_transpose"
    assert weights_h5.snake_case("GlobalAveragePooling1D") == "global_average_pooling1d"


# -- against real Keras, when it is installed in this environment ---------------------------------
def test_real_keras_round_trip(tmp_path):
    keras = pytest.importorskip("keras")
    rng = np.random.RandomState(0)
    x = rng.rand(6, 5, 3).astype("float32")

    def build(K):
        L = K.layers
        inputs = K.Input((5, 3))
        h = L.Bidirectional(L.LSTM(4, return_sequences=True))(inputs)
        h = L.MultiHeadAttention(2, 3)(h, h)
        h = L.GRU(3)(h)
        h = L.BatchNormalization()(h)
        return K.Model(inputs, L.Dense(2)(h))

    theirs = build(keras)
    theirs.save_weights(str(tmp_path / "k.weights.h5"))
    ours = build(minikeras)
    ours.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(ours.predict(x, verbose=0),
                               np.asarray(theirs.predict(x, verbose=0)), rtol=1e-5, atol=1e-5)
    ours = randomize(ours, 3)
    ours.save_weights(tmp_path / "m.weights.h5")
    theirs.load_weights(str(tmp_path / "m.weights.h5"))
    np.testing.assert_allclose(np.asarray(theirs.predict(x, verbose=0)),
                               ours.predict(x, verbose=0), rtol=1e-5, atol=1e-5)
