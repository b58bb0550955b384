"""Embedding, Masking and mask propagation through `Layer.__call__` (issue 5, item 3).

The expected numbers were computed with Keras 3.15.1 (torch backend) from the same seeded inputs
and weights (`draw` below) and pinned here, rounded to 6 decimals.

Mask propagation follows Keras 3: a layer whose `call` takes `mask` receives the input tensor's
`_keras_mask` when no mask is given (and the input is the only tensor argument); after the call
the outputs get `compute_mask(inputs, previous_mask)` when the layer supports masking (the base
`compute_mask` passes the previous mask on), and a layer that does not support masking warns
that it drops the mask.
"""
import json
import warnings

import numpy as np
import pytest

from minikeras.backend import set_floatx
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.layers import Dense, GlobalAveragePooling1D, Input, Layer
from minikeras.layers.core.embedding import Embedding
from minikeras.ops import take
from minikeras.ops.manipulation import scatter_add_rows, scatter_method
from minikeras.layers.core.masking import Masking
from minikeras.models import Sequential
from minikeras.optimizers import SGD
from minikeras.utils.gradient_check import gradient_check, layer_gradient_check

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}
KERAS = {
    'embedding': [[[-1.303157, 0.905356, 0.446375], [-0.536953, 0.581118, 0.364572], [0.345584,
        0.821618, 0.330437], [0.598846, 0.039722, -0.292457]], [[0.294133, 0.028422, 0.546713],
        [0.294133, 0.028422, 0.546713], [0.345584, 0.821618, 0.330437], [0.345584, 0.821618,
        0.330437]]],
    'embedding_mask': [[1, 1, 0, 1], [1, 1, 0, 0]],
    'masking': [[[0.189053, -0.522748, -0.413064], [0.0, 0.0, 0.0], [-0.325423, 0.773807,
        0.281211], [-0.553823, 0.977567, -0.310557]], [[-0.328824, 0.0, 0.454958], [-0.099198,
        0.545289, -0.607186], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
    'masking_mask': [[1, 0, 1, 1], [1, 1, 0, 0]],
    'masking_half': [[[0.189053, -0.522748, -0.413064], [0.0, 0.0, 0.0], [-0.325423, 0.773807,
        0.281211], [0.0, 0.0, 0.0]], [[-0.328824, 0.0, 0.454958], [-0.099198, 0.545289, -0.607186],
        [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]],
    'masking_half_mask': [[1, 1, 1, 0], [1, 1, 1, 1]],
    'masking_gap': [[-0.230064, 0.409542, -0.14747], [-0.214011, 0.272644, -0.076114]],
    'embedding_gap': [[-0.413755, 0.508732, 0.17283], [0.294133, 0.028422, 0.546713]],
    'embedding_dense_gap': [[-1.361762, 0.556597], [-0.287076, -1.060429]],
}
MASKED_LOSS = 5.130374
EMB_CONFIG = {"name": "e", "trainable": True, "dtype": POLICY, "input_dim": 10, "output_dim": 3,
              "embeddings_initializer": {"module": "keras.initializers",
                                         "class_name": "RandomUniform",
                                         "config": {"seed": None, "minval": -0.05,
                                                    "maxval": 0.05},
                                         "registered_name": None},
              "embeddings_regularizer": None, "activity_regularizer": None,
              "embeddings_constraint": None, "mask_zero": True, "quantization_config": None}
MASKING_CONFIG = {"name": "m", "trainable": True, "dtype": POLICY, "mask_value": 0.5}


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def draw(seed, shape, scale=1.0):
    """The same float32 numbers the reference script drew."""
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype("float32")


def close(actual, name, atol=2e-5):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(KERAS[name]), atol=atol, rtol=1e-4)


IDS = np.array([[1, 2, 0, 5], [3, 3, 0, 0]])


def masked_inputs():
    x = draw(2, (2, 4, 3))
    x[0, 1] = 0
    x[1, 2:] = 0
    x[1, 0, 1] = 0
    return x


# -- Embedding -------------------------------------------------------------------------------
def test_embedding_pinned_with_mask():
    layer = Embedding(6, 3, mask_zero=True)
    layer.build()
    assert [(w.name, w.shape) for w in layer.weights] == [("embeddings", (6, 3))]
    layer.set_weights([draw(1, (6, 3))])
    out = layer(IDS)
    close(out, "embedding")
    np.testing.assert_array_equal(out._keras_mask, KERAS["embedding_mask"])
    assert out.dtype == np.float32 and out.shape == (2, 4, 3)
    assert layer.compute_output_shape((None, 4)) == (None, 4, 3)
    for dtype in ("int32", "uint8", "int64", "float32"):  # Keras casts other dtypes to int32
        np.testing.assert_array_equal(layer(IDS.astype(dtype)).numpy(), out.numpy())
    assert Embedding(6, 3)(IDS)._keras_mask is None


def test_embedding_defaults_config_and_round_trip():
    layer = Embedding(10, 3, mask_zero=True, name="e")
    assert json.loads(json.dumps(layer.get_config())) == EMB_CONFIG
    layer.build()
    values = layer.embeddings.numpy()
    assert values.min() >= -0.05 and values.max() <= 0.05 and values.std() > 0.01
    again = Embedding.from_config(layer.get_config())
    assert json.loads(json.dumps(again.get_config())) == EMB_CONFIG
    custom = Embedding(4, 2, embeddings_regularizer="l2", embeddings_constraint="non_neg")
    again = Embedding.from_config(custom.get_config())
    assert again.get_config()["embeddings_regularizer"]["class_name"] == "L2"
    assert again.get_config()["embeddings_constraint"]["class_name"] == "NonNeg"


def test_embedding_weights_argument_and_input_length():
    table = draw(1, (6, 3))
    layer = Embedding(6, 3, weights=table)
    np.testing.assert_array_equal(layer.get_weights()[0], table)
    with pytest.warns(UserWarning, match="input_length"):
        Embedding(6, 3, input_length=4)


@pytest.mark.parametrize("rows, width, tokens, method", [
    (6, 3, 40, "one_hot"), (50, 64, 4000, "one_hot"), (300, 2, 50, "bincount"),
    (100, 16, 4000, "bincount"), (500, 4, 30, "sorted"), (7, 2, 0, "one_hot")])  # 0: no tokens
def test_scatter_add_rows_matches_add_at(rows, width, tokens, method):
    assert scatter_method(rows, tokens, width) == method
    rng = np.random.default_rng(rows)
    ids = rng.integers(0, rows, tokens)
    grad = rng.standard_normal((tokens, width)).astype("float32")
    expected = np.zeros((rows, width), "float64")
    np.add.at(expected, ids, grad.astype("float64"))
    result = scatter_add_rows(ids, grad, rows)
    assert result.dtype == np.float32 and result.shape == (rows, width)
    np.testing.assert_allclose(result, expected, atol=1e-4)


@pytest.mark.parametrize("rows, width", [(6, 3), (100, 2), (300, 2)])  # the three methods
def test_take_rows_gradient(float64, rows, width):
    ids = np.random.default_rng(0).integers(0, rows, (3, 5))
    assert scatter_method(rows, 15, width) == {6: "one_hot", 100: "bincount", 300: "sorted"}[rows]
    ids[0, :3] = ids[1, 0]  # repeated indices must add up
    table = draw(7, (rows, width)).astype("float64")
    assert gradient_check(lambda t: take(t, ids, axis=0) ** 2, [table]) < 1e-7


def test_embedding_layer_gradient(float64):
    layer = Embedding(6, 3, mask_zero=True)
    layer.build()
    layer.set_weights([draw(1, (6, 3))])
    projection = draw(8, (2, 4, 3))
    grad, = gradients((layer(IDS) * projection).sum(), [layer.embeddings])
    expected = np.zeros((6, 3))
    np.add.at(expected, IDS.reshape(-1), projection.reshape(-1, 3).astype("float64"))
    np.testing.assert_allclose(grad, expected, atol=1e-12)
    assert gradient_check(lambda t: take(t, IDS, axis=0).sum(axis=1) ** 3,
                          [layer.embeddings.numpy()]) < 1e-7


def test_embedding_trains_only_the_rows_it_sees():
    model = Sequential([Input((4,), dtype="int32"), Embedding(6, 3), GlobalAveragePooling1D(),
                        Dense(1)])
    model.compile(optimizer=SGD(0.1), loss="mse")
    before = model.layers[0].get_weights()[0]
    ids = np.array([[1, 2, 2, 5], [3, 3, 1, 1]])
    history = model.fit(ids, np.ones((2, 1)), epochs=5, verbose=0)
    after = model.layers[0].get_weights()[0]
    assert history.history["loss"][-1] < history.history["loss"][0]
    np.testing.assert_array_equal(after[[0, 4]], before[[0, 4]])
    assert not np.allclose(after[[1, 2, 3, 5]], before[[1, 2, 3, 5]])


def test_embedding_bad_input():
    with pytest.raises(ValueError, match="input_dim"):
        Embedding(0, 3)
    with pytest.raises(ValueError, match="output_dim"):
        Embedding(4, 2.5)
    with pytest.raises(ValueError, match=r"indices must be in \[0, 6\).*from 0 to 6"):
        Embedding(6, 3)(np.array([[0, 6]]))
    with pytest.raises(ValueError, match="from -1 to 2"):
        Embedding(6, 3)(np.array([[-1, 2]]))
    with pytest.raises(TypeError, match="integer indices"):
        Embedding(6, 3)(np.array([["a"]]))
    with pytest.raises(ValueError, match="lora_rank"):
        Embedding(6, 3, lora_rank=2)


# -- Masking ---------------------------------------------------------------------------------
def test_masking_pinned():
    x = masked_inputs()
    out = Masking()(x)
    close(out, "masking")
    np.testing.assert_array_equal(out._keras_mask, KERAS["masking_mask"])
    x[0, 3] = 0.5
    layer = Masking(mask_value=0.5)
    out = layer(x)
    close(out, "masking_half")
    np.testing.assert_array_equal(out._keras_mask, KERAS["masking_half_mask"])
    np.testing.assert_array_equal(layer.compute_mask(Tensor(x)).numpy(),
                                  KERAS["masking_half_mask"])
    assert layer.compute_output_shape((None, 4, 3)) == (None, 4, 3)


def test_masking_gradient(float64):
    x = masked_inputs().astype("float64")
    tensor = Tensor(x, requires_grad=True)
    projection = draw(9, x.shape).astype("float64")
    grad, = gradients((Masking()(tensor) * projection).sum(), [tensor])
    keep = np.asarray(KERAS["masking_mask"], bool)[..., None]
    np.testing.assert_array_equal(grad, np.where(keep, projection, 0))
    # Away from the masked steps the layer is the identity; central differences agree.
    assert layer_gradient_check(Masking(mask_value=10.0), x) < 1e-8


def test_masking_config():
    layer = Masking(mask_value=0.5, name="m")
    assert json.loads(json.dumps(layer.get_config())) == MASKING_CONFIG
    assert Masking.from_config(layer.get_config()).mask_value == 0.5
    assert Masking().get_config()["mask_value"] == 0.0
    array_value = {"class_name": "__numpy__", "config": {"value": [1.0, 2.0], "dtype": "float64"}}
    np.testing.assert_array_equal(Masking(mask_value=array_value).mask_value, [1.0, 2.0])


# -- mask propagation in models --------------------------------------------------------------
def test_masking_then_global_average_pooling_in_sequential():
    model = Sequential([Input((4, 3)), Masking(), GlobalAveragePooling1D()])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(model(masked_inputs()), "masking_gap")
        close(model.predict(masked_inputs(), verbose=0), "masking_gap")


def test_embedding_mask_zero_then_pooling_in_sequential():
    model = Sequential([Input((4,), dtype="int32"), Embedding(6, 3, mask_zero=True),
                        GlobalAveragePooling1D()])
    model.layers[0].set_weights([draw(1, (6, 3))])
    close(model(IDS), "embedding_gap")
    model = Sequential([Input((4,), dtype="int32"), Embedding(6, 3, mask_zero=True), Dense(2),
                        GlobalAveragePooling1D()])
    model.layers[0].set_weights([draw(1, (6, 3))])
    model.layers[1].set_weights([draw(3, (3, 2)), draw(4, (2,))])
    close(model(IDS), "embedding_dense_gap")  # Dense passes the mask on


def test_mask_reaches_the_loss():
    model = Sequential([Input((4,), dtype="int32"), Embedding(6, 3, mask_zero=True), Dense(1)])
    model.layers[0].set_weights([draw(1, (6, 3))])
    model.layers[1].set_weights([draw(3, (3, 1)), draw(4, (1,))])
    model.compile(loss="mse")
    out = model(IDS)
    np.testing.assert_array_equal(out._keras_mask, KERAS["embedding_mask"])
    y = draw(5, (2, 4, 1))
    assert model.evaluate(IDS, y, verbose=0) == pytest.approx(MASKED_LOSS, abs=1e-5)


# -- the Layer.__call__ rules ----------------------------------------------------------------
class MaskEcho(Layer):
    """Records the mask its call receives; optionally a mask-changing compute_mask."""

    def __init__(self, supports=True, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = supports
        self.received = "not called"

    def call(self, inputs, mask=None, other=None):
        self.received = mask
        return inputs * 1


def masked(array, mask):
    tensor = Tensor(np.asarray(array, "float32"))
    tensor._keras_mask = Tensor(np.asarray(mask, bool))
    return tensor


def test_mask_storage_helpers_and_the_attribute_agree():
    from minikeras.backend import get_keras_mask, set_keras_mask
    from minikeras.backend.autodiff import record
    x = Tensor(np.ones((2, 3)))
    assert get_keras_mask(x) is None and x._keras_mask is None  # never set: None, as before
    mask = Tensor(np.array([[True, False, True], [True, True, False]]))
    set_keras_mask(x, mask)
    assert get_keras_mask(x) is mask and x._keras_mask is mask
    set_keras_mask(x, None)
    assert get_keras_mask(x) is None
    assert get_keras_mask(np.ones(2)) is None and get_keras_mask(None) is None
    # the autodiff core declares no mask field and an op's output starts without one
    assert "_keras_mask" not in Tensor.__slots__
    assert get_keras_mask(record(np.ones(2), (x,), None)) is None
    with pytest.raises(AttributeError, match="no attribute 'not_attached'"):
        x.not_attached  # noqa: B018 - only registered attributes read as None


def test_call_receives_the_input_mask_and_output_keeps_it():
    x = masked(np.ones((2, 3, 1)), [[1, 1, 0], [1, 0, 0]])
    layer = MaskEcho()
    out = layer(x)
    assert layer.received is x._keras_mask and out._keras_mask is x._keras_mask
    explicit = np.ones((2, 3), bool)
    out = layer(x, mask=explicit)
    assert layer.received is explicit and out._keras_mask is explicit
    layer(x, other=Tensor(np.ones(2)))  # another tensor argument: no automatic mask (Keras)
    assert layer.received is None


def test_list_inputs_get_a_list_of_masks():
    a = masked(np.ones((1, 2, 1)), [[1, 0]])
    b = Tensor(np.ones((1, 2, 1), "float32"))
    layer = MaskEcho()
    layer([a, b])
    assert isinstance(layer.received, list) and layer.received[0] is a._keras_mask
    assert layer.received[1] is None


def test_layers_without_masking_support_warn_and_drop_the_mask():
    x = masked(np.ones((2, 3, 4)), [[1, 1, 0], [1, 0, 0]])
    layer = MaskEcho(supports=False)
    with pytest.warns(UserWarning, match="does not support masking"):
        out = layer(x)
    assert out._keras_mask is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MaskEcho(supports=False)(Tensor(np.ones((2, 3), "float32")))


def test_compute_mask_override_means_support_and_sets_output_mask():
    class Shifted(Layer):
        def call(self, inputs):
            return inputs + 1

        def compute_mask(self, inputs, mask=None):
            return Tensor(inputs.data[..., 0] > 0)

    layer = Shifted()
    assert layer.supports_masking and not Layer().supports_masking
    out = layer(np.array([[[1.0], [-1.0]]], "float32"))
    np.testing.assert_array_equal(out._keras_mask, [[True, False]])
    base = Layer()
    assert base.compute_mask(None, "m") is None
    base.supports_masking = True
    assert base.compute_mask(None, "m") == "m"


def test_autocast_keeps_the_mask(float64):
    x = masked(np.ones((2, 3, 1)), [[1, 1, 0], [1, 0, 0]])  # float32 into a float64 layer
    layer = MaskEcho()
    out = layer(x)
    assert out.dtype == np.float64 and out._keras_mask is x._keras_mask
    plain = MaskEcho()(np.ones((2, 3), "float32"))  # a cast NumPy array has no mask
    assert plain.dtype == np.float64 and plain._keras_mask is None
