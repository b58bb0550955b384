"""Fused recurrent primitives (minikeras/ops/recurrent.py): simple_rnn_sequence, lstm_sequence,
gru_sequence (reset_after True and False).

* Two steps computed by hand from the gate equations.
* Values pinned against Keras 3.15.1 (torch backend): /tmp/rnn_ref/ref_layers.py builds the
  Keras layer with return_sequences=True, return_state=True on x = rng.standard_normal
  ((2, 4, 3)) with rng = np.random.default_rng(seed), sets its weights to 0.5 * standard normal
  draws of the same generator (get_weights order), then draws the initial states, and prints
  the outputs and states rounded to 6 decimals. Masked steps: Keras (torch backend) carries the
  states through and REPEATS the previous output (zeros before the first unmasked step), or
  writes zeros with zero_output_for_mask=True.
* BPTT checked against central differences in float64, with and without masks,
  return_sequences, go_backwards, initial states, for every primitive.
"""
import numpy as np
import pytest

from minikeras.backend import Tensor, gradients, no_grad, set_floatx
from minikeras.ops.recurrent import gru_sequence, lstm_sequence, simple_rnn_sequence
from minikeras.utils import gradient_check


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


MASK = np.array([[True, False, True, True], [False, False, True, False]])


# -- two steps by hand ---------------------------------------------------------------------------
def test_simple_rnn_two_steps_by_hand():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 2, 3))
    w, u, b, h0 = (rng.standard_normal(s) for s in [(3, 2), (2, 2), (2,), (2, 2)])
    h1 = np.tanh(x[:, 0] @ w + h0 @ u + b)
    h2 = np.tanh(x[:, 1] @ w + h1 @ u + b)
    out, h = simple_rnn_sequence(x, w, u, b, initial_state=[h0])
    np.testing.assert_allclose(out.numpy(), np.stack([h1, h2], axis=1), rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), h2, rtol=1e-12)


def test_lstm_two_steps_by_hand():
    rng = np.random.default_rng(1)
    units = 2
    x = rng.standard_normal((2, 2, 3))
    kernel, recurrent, bias = (rng.standard_normal(s) for s in [(3, 8), (2, 8), (8,)])
    h, c = rng.standard_normal((2, units)), rng.standard_normal((2, units))
    h0, c0 = h, c
    # Keras's gate order in the packed weights: input, forget, cell candidate, output.
    part = {g: slice(k * units, (k + 1) * units) for k, g in enumerate("ifco")}
    outputs = []
    for t in range(2):
        def pre(g):
            return x[:, t] @ kernel[:, part[g]] + h @ recurrent[:, part[g]] + bias[part[g]]
        i, f, o = sigmoid(pre("i")), sigmoid(pre("f")), sigmoid(pre("o"))
        c = f * c + i * np.tanh(pre("c"))
        h = o * np.tanh(c)
        outputs.append(h)
    out, h_last, c_last = lstm_sequence(x, kernel, recurrent, bias, initial_state=[h0, c0])
    np.testing.assert_allclose(out.numpy(), np.stack(outputs, axis=1), rtol=1e-12)
    np.testing.assert_allclose(h_last.numpy(), h, rtol=1e-12)
    np.testing.assert_allclose(c_last.numpy(), c, rtol=1e-12)


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_two_steps_by_hand(reset_after):
    rng = np.random.default_rng(2)
    units = 2
    x = rng.standard_normal((2, 2, 3))
    kernel, recurrent = rng.standard_normal((3, 6)), rng.standard_normal((2, 6))
    bias = rng.standard_normal((2, 6) if reset_after else (6,))
    b_in, b_rec = (bias[0], bias[1]) if reset_after else (bias, np.zeros(6))
    h = h0 = rng.standard_normal((2, units))
    part = {g: slice(k * units, (k + 1) * units) for k, g in enumerate("zrh")}
    outputs = []
    for t in range(2):
        def x_(g):
            return x[:, t] @ kernel[:, part[g]] + b_in[part[g]]

        def h_(g, state):
            return state @ recurrent[:, part[g]] + b_rec[part[g]]
        z = sigmoid(x_("z") + h_("z", h))
        r = sigmoid(x_("r") + h_("r", h))
        if reset_after:
            candidate = np.tanh(x_("h") + r * h_("h", h))
        else:
            candidate = np.tanh(x_("h") + (r * h) @ recurrent[:, part["h"]])
        h = z * h + (1 - z) * candidate
        outputs.append(h)
    out, h_last = gru_sequence(x, kernel, recurrent, bias, initial_state=[h0],
                               reset_after=reset_after)
    np.testing.assert_allclose(out.numpy(), np.stack(outputs, axis=1), rtol=1e-12)
    np.testing.assert_allclose(h_last.numpy(), h, rtol=1e-12)


# -- pinned against Keras 3.15.1 -----------------------------------------------------------------
# name: (primitive, options, use_mask, use_initial_state, [outputs, *states], last output)
KERAS_CASES = {
    "simple_relu-2": (
        "simple", {"activation": "relu", "go_backwards": True}, True, True,
        [[[[2.055825, 0.0], [1.687274, 0.0], [1.687274, 0.0], [0.539238, 1.063682]],
          [[0.0, 0.0], [0.0, 0.064434], [0.0, 0.064434], [0.0, 0.064434]]],
         [[0.539238, 1.063682], [0.0, 0.064434]]],
        [[0.539238, 1.063682], [0.0, 0.064434]]),
    "lstm-3": (
        "lstm", {}, False, False,
        [[[[0.062518, -0.155702], [-0.00685, -0.164953], [-0.062127, -0.198092],
           [-0.049206, 0.070707]],
          [[-0.010204, -0.071554], [-0.142552, -0.058336], [-0.178865, -0.03301],
           [-0.135317, 0.060387]]],
         [[-0.049206, 0.070707], [-0.135317, 0.060387]],
         [[-0.292065, 0.305448], [-0.608274, 0.249828]]],
        [[-0.049206, 0.070707], [-0.135317, 0.060387]]),
    "lstm-4": (
        "lstm", {"go_backwards": True}, True, True,
        [[[[-0.105913, -0.216242], [-0.043632, -0.151328], [-0.043632, -0.151328],
           [-0.34821, -0.192312]],
          [[0.0, 0.0], [-0.516515, -0.329268], [-0.516515, -0.329268], [-0.516515, -0.329268]]],
         [[-0.34821, -0.192312], [-0.516515, -0.329268]],
         [[-0.530004, -0.473942], [-0.664568, -0.793587]]],
        [[-0.34821, -0.192312], [-0.516515, -0.329268]]),
    "lstm_relu-5": (
        "lstm", {"activation": "relu", "recurrent_activation": "hard_sigmoid"}, True, False,
        [[[[0.482067, 0.229089], [0.482067, 0.229089], [0.581868, 0.126681],
           [0.228701, 0.072696]],
          [[0.0, 0.0], [0.0, 0.0], [0.361494, 0.05123], [0.361494, 0.05123]]],
         [[0.228701, 0.072696], [0.361494, 0.05123]],
         [[0.789168, 0.110033], [0.665507, 0.07507]]],
        [[0.228701, 0.072696], [0.361494, 0.05123]]),
    "gru-6": (
        "gru", {}, False, False,
        [[[[0.61535, -0.629479], [-0.105027, 0.350678], [0.179326, 0.37174],
           [0.248336, -0.276286]],
          [[-0.196394, -0.167786], [-0.047785, 0.848063], [0.153104, -0.234014],
           [-0.247709, 0.134457]]],
         [[0.248336, -0.276286], [-0.247709, 0.134457]]],
        [[0.248336, -0.276286], [-0.247709, 0.134457]]),
    "gru-7": (
        "gru", {"zero_output_for_mask": True}, True, True,
        [[[[0.78341, 0.758155], [0.0, 0.0], [0.877763, 0.156713], [0.816943, -0.11009]],
          [[0.0, 0.0], [0.0, 0.0], [-1.243002, -0.45743], [0.0, 0.0]]],
         [[0.816943, -0.11009], [-1.243002, -0.45743]]],
        [[0.816943, -0.11009], [0.0, 0.0]]),
    "gru_nra-8": (
        "gru_nra", {"go_backwards": True}, True, True,
        [[[[-0.135848, 0.495552], [0.072659, -0.37751], [0.072659, -0.37751],
           [0.339581, -0.428687]],
          [[0.0, 0.0], [1.05105, -0.481793], [1.05105, -0.481793], [1.05105, -0.481793]]],
         [[0.339581, -0.428687], [1.05105, -0.481793]]],
        [[0.339581, -0.428687], [1.05105, -0.481793]]),
}

SHAPES = {"simple": [(3, 2), (2, 2), (2,)], "lstm": [(3, 8), (2, 8), (8,)],
          "gru": [(3, 6), (2, 6), (2, 6)], "gru_nra": [(3, 6), (2, 6), (6,)]}


def primitive(kind):
    if kind == "simple":
        return simple_rnn_sequence
    if kind == "lstm":
        return lstm_sequence
    if kind == "gru":
        return gru_sequence
    return lambda *args, **kwargs: gru_sequence(*args, reset_after=False, **kwargs)


def keras_case_data(name, kind, use_initial_state):
    seed = int(name.rsplit("-", 1)[1])
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    weights = [(0.5 * rng.standard_normal(s)).astype("float32") for s in SHAPES[kind]]
    n_states = 2 if kind == "lstm" else 1
    states = ([rng.standard_normal((2, 2)).astype("float32") for _ in range(n_states)]
              if use_initial_state else None)
    return x, weights, states


@pytest.mark.parametrize("name", sorted(KERAS_CASES))
def test_values_pinned_against_keras(name):
    kind, options, use_mask, use_initial_state, expected, expected_last = KERAS_CASES[name]
    x, weights, states = keras_case_data(name, kind, use_initial_state)
    mask = MASK if use_mask else None
    results = primitive(kind)(x, *weights, initial_state=states, mask=mask, **options)
    assert len(results) == len(expected)
    for got, want in zip(results, expected):
        assert got.dtype == np.float32
        np.testing.assert_allclose(got.numpy(), np.array(want), atol=2e-6)
    last = primitive(kind)(x, *weights, initial_state=states, mask=mask,
                           return_sequences=False, **options)[0]
    np.testing.assert_allclose(last.numpy(), np.array(expected_last), atol=2e-6)


# -- masks -------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "gru_nra"])
def test_masked_steps_carry_states_and_repeat_outputs(kind):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 4, 3))
    weights = [rng.standard_normal(s) for s in SHAPES[kind]]
    states = [rng.standard_normal((2, 2)) for _ in range(2 if kind == "lstm" else 1)]
    fn = primitive(kind)
    out, *final = fn(x, *weights, initial_state=states, mask=MASK)
    out = out.numpy()
    # Sample 1: steps 0, 1 masked -> zero outputs (not the initial state); step 3 masked ->
    # the output of step 2 again, and the final states are those after step 2.
    np.testing.assert_array_equal(out[1, :2], 0)
    np.testing.assert_array_equal(out[1, 3], out[1, 2])
    np.testing.assert_array_equal(out[0, 1], out[0, 0])
    # The same as running only the unmasked steps of sample 1 from the initial states.
    alone = fn(x[1:, 2:3], *weights, initial_state=[s[1:] for s in states])
    np.testing.assert_allclose(out[1, 2], alone[0].numpy()[0, 0], rtol=1e-12)
    for got, want in zip(final, alone[1:]):
        np.testing.assert_allclose(got.numpy()[1], want.numpy()[0], rtol=1e-12)
    zero = fn(x, *weights, initial_state=states, mask=MASK, zero_output_for_mask=True)[0]
    np.testing.assert_array_equal(zero.numpy()[~MASK], 0)
    np.testing.assert_array_equal(zero.numpy()[MASK], out[MASK])
    full = fn(x, *weights, initial_state=states, mask=np.ones((2, 4), bool))[0]
    np.testing.assert_array_equal(full.numpy(), fn(x, *weights, initial_state=states)[0].numpy())


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru"])
def test_go_backwards_is_the_reversed_sequence_in_processing_order(kind):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 4, 3))
    weights = [rng.standard_normal(s) for s in SHAPES[kind]]
    back = primitive(kind)(x, *weights, mask=MASK, go_backwards=True)
    forward = primitive(kind)(x[:, ::-1], *weights, mask=MASK[:, ::-1])
    for a, b in zip(back, forward):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12)


# -- gradients (BPTT) against central differences -----------------------------------------------
GRAD_CONFIGS = [
    dict(),
    dict(mask=True),
    dict(mask=True, go_backwards=True, initial=True),
    dict(mask=True, return_sequences=False, initial=True),
    dict(mask=True, zero_output_for_mask=True, initial=True),
    dict(go_backwards=True, return_sequences=False),
]


def loss_of_all_results(fn, mask, options):
    """A scalar using every result nonlinearly, so each one's gradient path is checked."""
    def f(x, kernel, recurrent, bias, *states):
        results = fn(x, kernel, recurrent, bias, initial_state=list(states) or None, mask=mask,
                     **options)
        total = (results[0] * results[0]).sum()
        for s in results[1:]:
            total = total + (s * s * s).sum()
        return total
    return f


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "gru_nra"])
@pytest.mark.parametrize("config", range(len(GRAD_CONFIGS)))
def test_gradients_match_central_differences(float64, kind, config):
    rng = np.random.default_rng(10 + config)
    config = dict(GRAD_CONFIGS[config])
    x = rng.standard_normal((2, 4, 3))
    weights = [0.7 * rng.standard_normal(s) for s in SHAPES[kind]]
    states = ([rng.standard_normal((2, 2)) for _ in range(2 if kind == "lstm" else 1)]
              if config.pop("initial", False) else [])
    mask = MASK if config.pop("mask", False) else None
    f = loss_of_all_results(primitive(kind), mask, config)
    assert gradient_check(f, [x, *weights, *states]) < 1e-6


@pytest.mark.parametrize("kind", ["lstm", "gru", "gru_nra"])
@pytest.mark.parametrize("activation", ["relu", "hard_sigmoid", "linear", "sigmoid"])
def test_gradients_with_other_activations(float64, kind, activation):
    rng = np.random.default_rng(20)
    x = rng.standard_normal((2, 4, 3))
    weights = [0.5 * rng.standard_normal(s) for s in SHAPES[kind]]
    states = [rng.standard_normal((2, 2)) for _ in range(2 if kind == "lstm" else 1)]
    options = {"activation": activation, "recurrent_activation":
               "hard_sigmoid" if activation != "hard_sigmoid" else "sigmoid"}
    f = loss_of_all_results(primitive(kind), MASK, options)
    assert gradient_check(f, [x, *weights, *states]) < 1e-6


@pytest.mark.parametrize("activation", ["relu", "hard_sigmoid", "linear", "sigmoid"])
def test_simple_rnn_gradients_with_other_activations(float64, activation):
    rng = np.random.default_rng(21)
    x = rng.standard_normal((2, 4, 3))
    weights = [0.5 * rng.standard_normal(s) for s in SHAPES["simple"]]
    f = loss_of_all_results(simple_rnn_sequence, MASK, {"activation": activation})
    assert gradient_check(f, [x, *weights, rng.standard_normal((2, 2))]) < 1e-6


@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "gru_nra"])
def test_gradients_without_bias(float64, kind):
    rng = np.random.default_rng(22)
    x = rng.standard_normal((2, 3, 3))
    kernel, recurrent = (0.7 * rng.standard_normal(s) for s in SHAPES[kind][:2])

    def f(x, kernel, recurrent):
        out = primitive(kind)(x, kernel, recurrent, None, mask=MASK[:, :3])[0]
        return (out * out).sum()
    assert gradient_check(f, [x, kernel, recurrent]) < 1e-6


def test_only_requested_gradients_are_returned():
    rng = np.random.default_rng(5)
    x = Tensor(rng.standard_normal((2, 4, 3)).astype("float32"))
    kernel, recurrent, bias = (Tensor(rng.standard_normal(s).astype("float32"),
                                      requires_grad=True) for s in SHAPES["lstm"])
    out = lstm_sequence(x, kernel, recurrent, bias, return_sequences=False)[0]
    grads = gradients(out.sum(), [kernel, recurrent, bias])
    assert [g.shape for g in grads] == [(3, 8), (2, 8), (8,)]
    assert all(g.dtype == np.float32 for g in grads)
    assert x.grad is None


# -- dtypes, recording, errors -------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["simple", "lstm", "gru", "gru_nra"])
def test_float32_kept_and_no_grad_gives_the_same_values(kind):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 5, 3))            # float64 inputs take the kernel's dtype
    weights = [Tensor(rng.standard_normal(s).astype("float32"), requires_grad=True)
               for s in SHAPES[kind]]
    recorded = primitive(kind)(x, *weights, mask=np.ones((3, 5), bool))
    with no_grad():
        plain = primitive(kind)(x, *weights)
    for a, b in zip(recorded, plain):
        assert a.dtype == b.dtype == np.float32
        assert a.requires_grad and not b.requires_grad
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_bad_arguments_raise_clear_errors():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 4, 3)).astype("float32")
    kernel, recurrent, bias = (rng.standard_normal(s).astype("float32") for s in SHAPES["lstm"])
    with pytest.raises(ValueError, match=r"lstm_sequence: `inputs` must be 3-D"):
        lstm_sequence(x[0], kernel, recurrent, bias)
    with pytest.raises(ValueError, match=r"`kernel` must have shape"):
        lstm_sequence(x, kernel[:2], recurrent, bias)
    with pytest.raises(ValueError, match=r"`recurrent_kernel` must have shape"):
        lstm_sequence(x, kernel, recurrent[:, :6], bias)
    with pytest.raises(ValueError, match=r"`bias` must have shape \(8,\)"):
        lstm_sequence(x, kernel, recurrent, bias[:6])
    with pytest.raises(ValueError, match=r"gru_sequence: `bias` must have shape \(2, 6\)"):
        gru_sequence(x, kernel[:, :6], recurrent[:, :6], bias[:6])
    with pytest.raises(ValueError, match=r"expected 2 initial state"):
        lstm_sequence(x, kernel, recurrent, bias, initial_state=[np.zeros((2, 2))])
    with pytest.raises(ValueError, match=r"initial state 1 must have shape"):
        lstm_sequence(x, kernel, recurrent, bias,
                      initial_state=[np.zeros((2, 2)), np.zeros((3, 2))])
    with pytest.raises(ValueError, match=r"`mask` must have shape \(batch, time\)"):
        lstm_sequence(x, kernel, recurrent, bias, mask=np.ones((2, 3), bool))
    with pytest.raises(ValueError, match=r"unsupported activation 'softplus'"):
        simple_rnn_sequence(x, kernel[:, :2], recurrent[:, :2], None, activation="softplus")
