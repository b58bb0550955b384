"""TimeDistributed and Bidirectional (issue 5, item 3).

The expected numbers were computed with Keras 3.15.1 (torch backend) from the same seeded inputs
and weights (`draw` below) and pinned here, rounded to 6 decimals. Bidirectional is tested with
`TinyRNN`, a small layer written here with SimpleRNN's math (h_t = tanh(x_t @ kernel +
h_{t-1} @ recurrent_kernel + bias)) and Keras's RNN interface (return_sequences, return_state,
go_backwards, zero_output_for_mask, initial_state, mask, get_config/from_config); the pinned
numbers come from Keras's Bidirectional(SimpleRNN) with the same weights, so they check the
wrapper's reversal, merging, state and mask handling against real Keras.

Difference from Keras: TimeDistributed folds time into the batch and calls the wrapped layer
once (Keras 3 loops over the steps); the results are the same for every layer whose output for
a sample does not depend on the rest of the batch (so not for BatchNormalization in training,
whose batch statistics then cover all steps at once).
"""
import json

import numpy as np
import pytest

from minikeras.backend import set_floatx
from minikeras.backend.autodiff import Tensor, gradients
from minikeras.layers import Conv1D, Dense, GlobalAveragePooling1D, Input, Layer
from minikeras.layers.core.masking import Masking
from minikeras.layers.rnn.bidirectional import Bidirectional
from minikeras.layers.rnn.time_distributed import TimeDistributed
from minikeras.models import Sequential
from minikeras.ops.core import convert_to_tensor
from minikeras.ops.linalg import matmul
from minikeras.ops.manipulation import stack
from minikeras.ops.math import tanh, where
from minikeras.ops.nn import dense
from minikeras.saving import custom_object_scope
from minikeras.utils.gradient_check import layer_gradient_check, numerical_gradient

POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
          "registered_name": None}

KERAS = {
    'td_dense': [[[2.795539, -3.620193], [2.241218, -3.891539], [1.196628, -1.589708]], [[0.949185,
        -0.695783], [-0.661693, -0.635987], [-1.626976, -0.244603]]],
    'td_masked_gap': [[2.518378, -3.755866], [-1.144335, -0.440295]],
    'td_conv1d': [[[[0.033294, 1.984679], [-3.435148, -3.823649], [-2.364948, 0.737881]],
        [[0.264798, -0.208734], [-1.79391, -1.135376], [-2.761888, -1.518443]], [[-0.466315,
        -1.451589], [-3.990973, -2.327227], [-4.286254, -0.475993]]], [[[-3.066462, -2.471602],
        [-2.559326, 3.366494], [-3.787175, -3.811336]], [[0.527876, 0.736926], [-0.604424,
        -3.676267], [-2.019291, 0.027333]], [[-2.67674, -0.855538], [-1.56443, 0.093761],
        [0.451024, -0.221178]]]],
    'bi_concat_seq': [[[-0.911041, 0.341285, -0.005187, -0.609136], [0.985109, -0.858998, 0.619976,
        0.67559], [-0.906359, -0.808797, 0.325408, -0.840663], [-0.856588, 0.952678, -0.872037,
        0.437287]], [[0.986738, -0.98147, -0.994725, 0.995376], [-0.591297, 0.421419, -0.21454,
        0.497181], [0.284768, 0.227775, -0.932781, 0.580877], [-0.748353, 0.876946, -0.994948,
        0.967706]]],
    'bi_sum_last': [[-0.861775, 0.343542], [-1.743078, 1.872322]],
    'bi_none_seq_state_0': [[[-0.911041, 0.341285], [0.985109, -0.858998], [-0.906359, -0.808797],
        [-0.856588, 0.952678]], [[0.986738, -0.98147], [-0.591297, 0.421419], [0.284768, 0.227775],
        [-0.748353, 0.876946]]],
    'bi_none_seq_state_1': [[[-0.005187, -0.609136], [0.619976, 0.67559], [0.325408, -0.840663],
        [-0.872037, 0.437287]], [[-0.994725, 0.995376], [-0.21454, 0.497181], [-0.932781,
        0.580877], [-0.994948, 0.967706]]],
    'bi_none_seq_state_2': [[-0.856588, 0.952678], [-0.748353, 0.876946]],
    'bi_none_seq_state_3': [[-0.005187, -0.609136], [-0.994725, 0.995376]],
    'bi_ave_seq_mask': [[[-0.458448, -0.134646], [0.799925, -0.088533], [-0.262723, -0.757577],
        [0.0, 0.0]], [[-0.004152, 0.005338], [0.0, 0.0], [-0.906438, 0.376461], [-0.747169,
        0.97325]]],
    'bi_ave_seq_mask_mask': [[1, 1, 1, 0], [1, 0, 1, 1]],
    'bi_mul_last_mask': [[0.005306, 0.493832], [0.496913, 0.971106]],
    'bi_concat_state_init_0': [[-0.863993, 0.953508, -0.005068, -0.609081], [-0.717243, 0.899201,
        -0.994725, 0.995376]],
    'bi_concat_state_init_1': [[-0.863993, 0.953508], [-0.717243, 0.899201]],
    'bi_concat_state_init_2': [[-0.005068, -0.609081], [-0.994725, 0.995376]],
    'bi_concat_last_mask_state_0': [[-0.906359, -0.808797, -0.005855, -0.610576], [-0.49939,
        0.978794, -0.995041, 0.992146]],
    'bi_concat_last_mask_state_1': [[-0.906359, -0.808797], [-0.49939, 0.978794]],
    'bi_concat_last_mask_state_2': [[-0.005855, -0.610576], [-0.995041, 0.992146]],
    'bi_masking_gap': [[-0.27743, -0.44217, 0.329933, -0.211667], [-0.130915, 0.056457, -0.974257,
        0.846909]],
}
KERAS_TD_DENSE_KEYS = ["name", "trainable", "dtype", "units", "activation", "use_bias",
                       "kernel_initializer", "bias_initializer", "kernel_regularizer",
                       "bias_regularizer", "kernel_constraint", "bias_constraint",
                       "quantization_config"]
KERAS_BI_KEYS = ["backward_layer", "dtype", "layer", "merge_mode", "name", "trainable"]


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


class TinyRNN(Layer):
    """SimpleRNN's math with Keras's RNN interface, composed of generic ops (test helper)."""

    def __init__(self, units, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, zero_output_for_mask=False, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.zero_output_for_mask = zero_output_for_mask
        self.supports_masking = True

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                name="recurrent_kernel")
        self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

    def call(self, sequences, initial_state=None, mask=None, training=None):
        batch, steps = sequences.shape[:2]
        zeros = Tensor(np.zeros((batch, self.units), sequences.dtype))
        h = zeros if initial_state is None else convert_to_tensor(initial_state[0])
        if mask is not None:
            mask = np.asarray(mask.data if isinstance(mask, Tensor) else mask, bool)
        outputs, previous = [], zeros
        for t in (range(steps - 1, -1, -1) if self.go_backwards else range(steps)):
            new = tanh(dense(sequences[:, t], self.kernel, self.bias)
                       + matmul(h, self.recurrent_kernel))
            if mask is None:
                h = output = new
            else:
                h = where(mask[:, t, None], new, h)
                output = where(mask[:, t, None], new, 0 if self.zero_output_for_mask else previous)
            outputs.append(output)
            previous = output
        output = stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        return [output, h] if self.return_state else output

    def compute_output_shape(self, input_shape):
        batch = input_shape[0]
        output = (batch, input_shape[1], self.units) if self.return_sequences else (batch, self.units)
        return [output, (batch, self.units)] if self.return_state else output

    def compute_mask(self, inputs, mask=None):
        output_mask = mask if self.return_sequences else None
        return [output_mask, None] if self.return_state else output_mask

    def get_config(self):
        return {**super().get_config(), "units": self.units,
                "return_sequences": self.return_sequences, "return_state": self.return_state,
                "go_backwards": self.go_backwards, "stateful": self.stateful,
                "zero_output_for_mask": self.zero_output_for_mask}


def rnn_weights(seed):
    return [draw(seed, (3, 2), 0.7), draw(seed + 1, (2, 2), 0.7), draw(seed + 2, (2,), 0.3)]


def check_gradients(fn, inputs, layer, h=1e-5):
    """Largest relative error of autodiff against central differences for every input array
    and trainable weight of `layer`; fn(*tensors) -> Tensor (a list: its first element)."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]

    def evaluate(*tensors):
        out = fn(*tensors)
        return out[0] if isinstance(out, (list, tuple)) else out

    weights = list(layer.trainable_weights)
    projection = np.random.default_rng(0).standard_normal(evaluate(*map(Tensor, arrays)).shape)
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    analytic = gradients((evaluate(*tensors) * projection).sum(), tensors + weights)

    def scalar():
        return float((evaluate(*map(Tensor, arrays)).data * projection).sum())

    numeric = [numerical_gradient(lambda _: scalar(), a, h) for a in arrays]
    numeric += [numerical_gradient(lambda _: scalar(), w.data, h) for w in weights]
    worst = 0.0
    for a, n in zip(analytic, numeric):
        scale = max(np.abs(n).max(initial=0), np.abs(a).max(initial=0), 1e-3)
        worst = max(worst, float(np.abs(a - n).max(initial=0) / scale))
    return worst


X = draw(40, (2, 3, 4))
S = draw(50, (2, 4, 3))
MASK = np.array([[1, 1, 1, 0], [1, 0, 1, 1]], bool)


# -- TimeDistributed -------------------------------------------------------------------------
def test_time_distributed_dense_pinned():
    layer = TimeDistributed(Dense(2))
    layer.build(X.shape)
    layer.set_weights([draw(41, (4, 2)), draw(42, (2,))])
    out = layer(X)
    close(out, "td_dense")
    assert layer.compute_output_shape((None, 3, 4)) == (None, 3, 2)
    assert [w.path for w in layer.weights] == [f"{layer.name}/{layer.layer.name}/kernel",
                                               f"{layer.name}/{layer.layer.name}/bias"]


def test_time_distributed_conv1d_pinned():
    x = draw(43, (2, 3, 5, 2))
    layer = TimeDistributed(Conv1D(2, 3))
    layer.build(x.shape)
    layer.set_weights([draw(44, (3, 2, 2)), draw(45, (2,))])
    close(layer(x), "td_conv1d")
    assert layer.compute_output_shape((None, 3, 5, 2)) == (None, 3, 3, 2)


def test_time_distributed_mask_in_sequential_pinned():
    x = X.copy()
    x[0, 2] = 0
    x[1, 0] = 0
    model = Sequential([Input((3, 4)), Masking(), TimeDistributed(Dense(2)),
                        GlobalAveragePooling1D()])
    model.layers[1].set_weights([draw(41, (4, 2)), draw(42, (2,))])
    close(model(x), "td_masked_gap")
    distributed = model.layers[1](model.layers[0](x))
    np.testing.assert_array_equal(distributed._keras_mask, [[1, 1, 0], [0, 1, 1]])


def test_time_distributed_passes_folded_mask_and_training():
    seen = {}

    class Probe(Layer):
        def call(self, inputs, mask=None, training=None):
            seen["mask"], seen["training"] = mask, training
            return inputs * 2

    mask = np.array([[1, 0, 1], [0, 1, 1]], bool)
    out = TimeDistributed(Probe())(X, mask=mask, training=True)
    np.testing.assert_allclose(out.numpy(), 2 * X)
    np.testing.assert_array_equal(seen["mask"], mask.reshape(6))
    assert seen["training"] is True


def test_time_distributed_gradients(float64):
    layer = TimeDistributed(Dense(3, activation="tanh"))
    assert layer_gradient_check(layer, X) < 1e-7


def test_time_distributed_config_matches_keras_and_round_trips():
    layer = TimeDistributed(Dense(2, name="d"), name="td")
    config = json.loads(json.dumps(layer.get_config()))
    expected = {"name": "td", "trainable": True, "dtype": POLICY,
                "layer": {"module": "keras.layers", "class_name": "Dense",
                          "config": json.loads(json.dumps(Dense(2, name="d").get_config())),
                          "registered_name": None}}
    assert config == expected
    assert sorted(config["layer"]["config"]) == sorted(KERAS_TD_DENSE_KEYS)
    again = TimeDistributed.from_config(layer.get_config())
    assert isinstance(again.layer, Dense) and again.layer.units == 2 and again.name == "td"


def test_time_distributed_bad_input():
    with pytest.raises(ValueError, match="Layer` instance"):
        TimeDistributed(Dense)
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        TimeDistributed(Dense(2))(np.zeros((2, 4), "float32"))
    with pytest.raises(ValueError, match="incompatible with the input shape"):
        TimeDistributed(Dense(2))(X, mask=np.ones((2, 4), bool))


# -- Bidirectional ---------------------------------------------------------------------------
def make_bidirectional(merge_mode, **rnn):
    layer = Bidirectional(TinyRNN(2, **rnn), merge_mode=merge_mode)
    layer.build(S.shape)
    layer.set_weights(rnn_weights(60) + rnn_weights(70))
    return layer


@pytest.mark.parametrize("name, merge_mode, rnn, call", [
    ("bi_concat_seq", "concat", {"return_sequences": True}, {}),
    ("bi_sum_last", "sum", {}, {}),
    ("bi_none_seq_state", None, {"return_sequences": True, "return_state": True}, {}),
    ("bi_ave_seq_mask", "ave", {"return_sequences": True}, {"mask": MASK}),
    ("bi_mul_last_mask", "mul", {}, {"mask": MASK}),
    ("bi_concat_state_init", "concat", {"return_state": True},
     {"initial_state": [draw(80, (2, 2)), draw(81, (2, 2))]}),
    ("bi_concat_last_mask_state", "concat", {"return_state": True}, {"mask": MASK}),
])
def test_bidirectional_pinned(name, merge_mode, rnn, call):
    out = make_bidirectional(merge_mode, **rnn)(S, **call)
    if isinstance(out, (list, tuple)):
        assert len(out) == sum(key.startswith(name + "_") and key[-1].isdigit() for key in KERAS)
        for i, tensor in enumerate(out):
            close(tensor, f"{name}_{i}")
    else:
        close(out, name)
    if name + "_mask" in KERAS:
        np.testing.assert_array_equal(out._keras_mask, KERAS[name + "_mask"])


def test_bidirectional_output_masks():
    out = make_bidirectional(None, return_sequences=True, return_state=True)(S, mask=MASK)
    np.testing.assert_array_equal(out[0]._keras_mask, MASK)
    np.testing.assert_array_equal(out[1]._keras_mask, MASK)
    assert out[2]._keras_mask is None and out[3]._keras_mask is None
    assert make_bidirectional("concat")(S, mask=MASK)._keras_mask is None


def test_bidirectional_mask_from_masking_in_sequential_pinned():
    x = S.copy()
    x[0, 3] = 0
    x[1, 1] = 0
    model = Sequential([Input((4, 3)), Masking(),
                        Bidirectional(TinyRNN(2, return_sequences=True)),
                        GlobalAveragePooling1D()])
    model.layers[1].set_weights(rnn_weights(60) + rnn_weights(70))
    close(model(x), "bi_masking_gap")
    assert model.output_shape == (None, 4)


def test_bidirectional_structure_and_shapes():
    layer = Bidirectional(TinyRNN(2, name="rnn"), merge_mode="sum", name="bi")
    assert layer.forward_layer.name == "forward_rnn" and not layer.forward_layer.go_backwards
    assert layer.backward_layer.name == "backward_rnn" and layer.backward_layer.go_backwards
    layer.build((None, 4, 3))
    assert [w.path for w in layer.weights] == [
        "bi/forward_rnn/kernel", "bi/forward_rnn/recurrent_kernel", "bi/forward_rnn/bias",
        "bi/backward_rnn/kernel", "bi/backward_rnn/recurrent_kernel", "bi/backward_rnn/bias"]
    assert layer.compute_output_shape((None, 4, 3)) == (None, 2)
    both = Bidirectional(TinyRNN(2, return_sequences=True, return_state=True), merge_mode=None)
    assert both.compute_output_shape((None, 4, 3)) == [(None, 4, 2), (None, 4, 2), (None, 2),
                                                        (None, 2)]
    concat = Bidirectional(TinyRNN(3, return_sequences=True))
    assert concat.compute_output_shape((None, 4, 3)) == (None, 4, 6)
    # The zero_output_for_mask of both directions follows return_sequences, as in Keras.
    assert concat.forward_layer.zero_output_for_mask and concat.backward_layer.zero_output_for_mask
    # A layer running backwards already gives a forward-running backward copy.
    flipped = Bidirectional(TinyRNN(2, go_backwards=True))
    assert flipped.forward_layer.go_backwards and not flipped.backward_layer.go_backwards


def test_bidirectional_explicit_backward_layer_and_weights():
    forward = TinyRNN(2, return_sequences=True)
    backward = TinyRNN(2, return_sequences=True, go_backwards=True, name="mine")
    weights = rnn_weights(60) + rnn_weights(70)
    layer = Bidirectional(forward, backward_layer=backward, weights=weights)
    assert layer.backward_layer is backward
    out = layer(S)
    close(out, "bi_concat_seq")
    for actual, expected in zip(layer.get_weights(), weights):
        np.testing.assert_array_equal(actual, expected)


@pytest.mark.parametrize("merge_mode, rnn", [
    ("concat", {"return_sequences": True}),
    ("mul", {}),
    ("ave", {"return_sequences": True, "return_state": True}),
])
def test_bidirectional_gradients(float64, merge_mode, rnn):
    layer = Bidirectional(TinyRNN(2, **rnn), merge_mode=merge_mode)
    layer.build(S.shape)
    if not rnn.get("return_state"):
        assert layer_gradient_check(layer, S) < 1e-6
    assert check_gradients(lambda s: layer(s, mask=MASK), [S], layer) < 1e-7


def test_bidirectional_initial_state_gradients(float64):
    layer = Bidirectional(TinyRNN(2, return_sequences=True), merge_mode="sum")
    layer.build(S.shape)
    fn = lambda s, h1, h2: layer(s, initial_state=[h1, h2])  # noqa: E731
    assert check_gradients(fn, [S, draw(80, (2, 2)), draw(81, (2, 2))], layer) < 1e-7


def test_bidirectional_config_and_round_trip():
    layer = Bidirectional(TinyRNN(2, name="rnn"), merge_mode="sum", name="bi")
    config = layer.get_config()
    assert sorted(config) == sorted(KERAS_BI_KEYS)
    assert config["merge_mode"] == "sum"
    assert config["layer"]["class_name"] == "TinyRNN"
    assert config["layer"]["config"]["name"] == "forward_rnn"
    assert config["backward_layer"]["config"]["name"] == "backward_rnn"
    assert config["backward_layer"]["config"]["go_backwards"] is True
    with custom_object_scope({"TinyRNN": TinyRNN}):
        again = Bidirectional.from_config(json.loads(json.dumps(config)))
    assert again.name == "bi" and again.merge_mode == "sum"
    assert again.forward_layer.name == "forward_rnn"
    assert again.backward_layer.name == "backward_rnn" and again.backward_layer.go_backwards
    assert json.loads(json.dumps(again.get_config())) == json.loads(json.dumps(config))


def test_bidirectional_bad_input():
    with pytest.raises(ValueError, match="must be a recurrent layer.*Dense.*go_backwards"):
        Bidirectional(Dense(2))
    with pytest.raises(ValueError, match="Layer` instance"):
        Bidirectional(TinyRNN)
    with pytest.raises(ValueError, match="Invalid merge mode"):
        Bidirectional(TinyRNN(2), merge_mode="max")
    with pytest.raises(ValueError, match="different `go_backwards`"):
        Bidirectional(TinyRNN(2), backward_layer=TinyRNN(2))
    with pytest.raises(ValueError, match='"return_sequences"'):
        Bidirectional(TinyRNN(2), backward_layer=TinyRNN(2, go_backwards=True,
                                                         return_sequences=True))
    with pytest.raises(ValueError, match="even number"):
        make_bidirectional("concat")(S, initial_state=[draw(80, (2, 2))])
    with pytest.raises(AttributeError, match="stateful"):
        make_bidirectional("concat").reset_states()
