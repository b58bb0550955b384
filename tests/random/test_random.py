"""minikeras.random (Keras's keras.random): SeedGenerator, the seed rules of the random functions,
what each function draws, and the one RNG idiom of the random layers (`self.seed_generator`)."""
import inspect

import numpy as np
import pytest

import minikeras
from minikeras import layers, random
from minikeras.backend import set_floatx
from minikeras.callbacks.backup_and_restore import capture_random_state, restore_random_state
from minikeras.layers import Layer
from minikeras.random.seed_generator import find_seed_generators
from minikeras.utils import gradient_check, layer_gradient_check, set_random_seed


@pytest.fixture
def float64():
    set_floatx("float64")
    yield
    set_floatx("float32")


def values(tensor):
    return np.asarray(tensor.numpy())


# One call per function, seed left open: (name, draw(seed) -> Tensor).
DRAWS = [
    ("normal", lambda seed: random.normal((3, 4), seed=seed)),
    ("uniform", lambda seed: random.uniform((3, 4), seed=seed)),
    ("truncated_normal", lambda seed: random.truncated_normal((3, 4), seed=seed)),
    ("randint", lambda seed: random.randint((3, 4), 0, 1000, seed=seed)),
    ("dropout", lambda seed: random.dropout(np.ones((3, 4), "float32"), 0.5, seed=seed)),
    ("shuffle", lambda seed: random.shuffle(np.arange(12.0), seed=seed)),
    ("categorical", lambda seed: random.categorical(np.zeros((3, 50)), 4, seed=seed)),
    ("gamma", lambda seed: random.gamma((3, 4), 2.0, seed=seed)),
    ("binomial", lambda seed: random.binomial((3, 4), 100, 0.5, seed=seed)),
    ("beta", lambda seed: random.beta((3, 4), 2.0, 3.0, seed=seed)),
]


# -- seed rules -------------------------------------------------------------------------------
@pytest.mark.parametrize("name, draw", DRAWS, ids=[name for name, _ in DRAWS])
def test_an_integer_seed_gives_the_same_values_on_every_call(name, draw):
    np.testing.assert_array_equal(values(draw(7)), values(draw(7)))
    assert not np.array_equal(values(draw(7)), values(draw(8)))


@pytest.mark.parametrize("name, draw", DRAWS, ids=[name for name, _ in DRAWS])
def test_a_seed_generator_advances_and_repeats_its_sequence(name, draw):
    generator, twin = random.SeedGenerator(7), random.SeedGenerator(7)
    first, second = values(draw(generator)), values(draw(generator))
    assert not np.array_equal(first, second)
    # Its first draw is the integer seed's; a generator with the same seed repeats the sequence.
    np.testing.assert_array_equal(first, values(draw(7)))
    np.testing.assert_array_equal(first, values(draw(twin)))
    np.testing.assert_array_equal(second, values(draw(twin)))


@pytest.mark.parametrize("name, draw", DRAWS, ids=[name for name, _ in DRAWS])
def test_no_seed_draws_from_the_shared_generator_that_set_random_seed_reseeds(name, draw):
    set_random_seed(3)
    first, second = values(draw(None)), values(draw(None))
    assert not np.array_equal(first, second)
    set_random_seed(3)
    np.testing.assert_array_equal(first, values(draw(None)))
    # An unseeded SeedGenerator follows the shared generator, even one made before the reseed.
    unseeded = random.SeedGenerator()
    set_random_seed(3)
    np.testing.assert_array_equal(first, values(draw(unseeded)))
    np.testing.assert_array_equal(second, values(draw(None)))


@pytest.mark.parametrize("seed", [1.5, True, "3", [1, 2]])
def test_seeds_must_be_integers_or_seed_generators(seed):
    with pytest.raises(ValueError, match="seed"):
        random.normal((2,), seed=seed)
    if not isinstance(seed, list):
        with pytest.raises(ValueError, match="must be an integer"):
            random.SeedGenerator(seed)


def test_seed_generator_accepts_numpy_integers_and_rejects_unknown_arguments():
    assert random.SeedGenerator(np.int64(5)).seed == 5
    with pytest.raises(ValueError, match="Unrecognized keyword arguments"):
        random.SeedGenerator(1, backend="numpy")


def test_seed_generator_config_state_and_name():
    generator = random.SeedGenerator(11, name="noise")
    assert generator.name == "noise" and random.SeedGenerator().name == "seed_generator"
    assert generator.get_config() == {"seed": 11}
    assert random.SeedGenerator.from_config(generator.get_config()).seed == 11
    assert generator.owns_state and not random.SeedGenerator().owns_state
    state = generator.state
    first = values(random.uniform((5,), seed=generator))
    generator.state = state                                  # back to where it was
    np.testing.assert_array_equal(first, values(random.uniform((5,), seed=generator)))
    with pytest.raises(ValueError, match="expected a PCG64 state"):
        generator.state = {"bit_generator": "MT19937"}


def test_an_unseeded_seed_generators_state_is_the_shared_generators():
    unseeded = random.SeedGenerator()
    assert unseeded.next() is minikeras.backend.global_generator()
    assert unseeded.state == minikeras.backend.global_generator().bit_generator.state


# -- what each function draws -----------------------------------------------------------------
@pytest.mark.parametrize("function", [random.normal, random.uniform, random.truncated_normal])
def test_float_draws_take_floatx_or_the_given_float_dtype(function):
    assert function((2, 3)).dtype == np.float32 and function((2, 3)).shape == (2, 3)
    assert function(4).shape == (4,)
    for dtype in ("float16", "float64"):
        assert function((2, 3), dtype=dtype).dtype == np.dtype(dtype)
    with pytest.raises(ValueError, match="floating point `dtype`"):
        function((2,), dtype="int32")


def test_float_draws_follow_floatx(float64):
    assert random.normal((2,)).dtype == np.float64
    assert random.binomial((2,), 3, 0.5).dtype == np.float64


def test_normal_and_truncated_normal_moments_and_bounds():
    x = values(random.normal((200_000,), mean=2.0, stddev=3.0, seed=0))
    assert abs(x.mean() - 2.0) < 0.05 and abs(x.std() - 3.0) < 0.05
    t = values(random.truncated_normal((200_000,), mean=-1.0, stddev=0.5, seed=0))
    assert t.min() >= -2.0 and t.max() <= 0.0       # within mean +- 2 stddev
    assert t.min() < -1.95 and t.max() > -0.05       # ... and filling that interval
    # A standard normal truncated at 2 sigma has standard deviation 0.8796.
    assert abs(t.std() / 0.5 - 0.8796) < 0.01


def test_uniform_range():
    x = values(random.uniform((100_000,), minval=-2.0, maxval=3.0, seed=0))
    assert x.min() >= -2.0 and x.max() < 3.0
    assert abs(x.mean() - 0.5) < 0.05
    np.testing.assert_array_equal(np.histogram(x, bins=5, range=(-2, 3))[0] > 19_000, True)


def test_randint_range_and_dtype():
    x = random.randint((10_000,), 3, 7, seed=0)
    assert x.dtype == np.int32
    assert set(np.unique(values(x))) == {3, 4, 5, 6}
    assert random.randint((2,), 0, 5, dtype="int64").dtype == np.int64
    with pytest.raises(ValueError, match="integer `dtype`"):
        random.randint((2,), 0, 5, dtype="float32")


def test_dropout_rate_statistics_and_scaling():
    x = np.ones((400, 500), "float32")
    out = values(random.dropout(x, 0.3, seed=0))
    dropped = out == 0
    assert abs(dropped.mean() - 0.3) < 0.005
    np.testing.assert_allclose(out[~dropped], 1 / 0.7, rtol=1e-6)
    assert out.dtype == np.float32


def test_dropout_noise_shape_shares_the_decision_along_size_one_axes():
    out = values(random.dropout(np.ones((50, 4, 6), "float32"), 0.5, noise_shape=(None, 1, 6),
                                seed=1))
    np.testing.assert_array_equal(out, np.broadcast_to(out[:, :1, :], out.shape))
    assert 0 < (out == 0).mean() < 1


def test_dropout_gradient_goes_through_the_same_mask(float64):
    x = np.random.default_rng(0).normal(size=(4, 5))
    assert gradient_check(lambda t: random.dropout(t, 0.4, seed=3), x) < 1e-7


def test_shuffle_permutes_along_the_axis_and_passes_gradients(float64):
    x = np.arange(24.0).reshape(4, 6)
    rows = values(random.shuffle(x, seed=0))
    assert sorted(map(tuple, rows)) == sorted(map(tuple, x))
    columns = values(random.shuffle(x, axis=1, seed=0))
    assert sorted(map(tuple, columns.T)) == sorted(map(tuple, x.T))
    assert not np.array_equal(columns, x)
    assert gradient_check(lambda t: random.shuffle(t, axis=1, seed=5) ** 2, x) < 1e-7


def test_categorical_samples_follow_the_softmax_of_the_logits():
    probabilities = np.array([[0.2, 0.0, 0.8], [0.5, 0.25, 0.25]])
    with np.errstate(divide="ignore"):
        logits = np.log(probabilities) + 3.0           # unnormalized, with a -inf
    samples = random.categorical(logits, 20_000, seed=0)
    assert samples.shape == (2, 20_000) and samples.dtype == np.int32
    counts = np.stack([np.bincount(row, minlength=3) for row in values(samples)]) / 20_000
    assert counts[0, 1] == 0                           # probability 0 is never drawn
    np.testing.assert_allclose(counts, probabilities, atol=0.015)
    assert random.categorical(logits, 2, dtype="int64").dtype == np.int64
    with pytest.raises(ValueError, match="2-D"):
        random.categorical(np.zeros(3), 2)


def test_gamma_binomial_beta_moments():
    g = values(random.gamma((100_000,), 3.0, seed=0))
    assert g.min() > 0 and abs(g.mean() - 3.0) < 0.05 and g.dtype == np.float32
    b = values(random.binomial((100_000,), 10, 0.3, seed=0))
    assert set(np.unique(b)) <= set(range(11)) and abs(b.mean() - 3.0) < 0.03
    per_row = values(random.binomial((2, 1000), np.array([[5], [50]]), 0.5, seed=0))
    assert per_row[0].max() <= 5 and per_row[1].max() > 5
    t = values(random.beta((100_000,), 2.0, 6.0, seed=0))
    assert t.min() >= 0 and t.max() <= 1 and abs(t.mean() - 0.25) < 0.005


# -- the random layers ------------------------------------------------------------------------
REQUIRED = {"rate": 0.5, "stddev": 0.1, "units": 2, "num_heads": 2, "key_dim": 2, "factor": 0.5,
            "height_factor": 0.2, "width_factor": 0.2, "height": 2, "width": 2, "filters": 2,
            "kernel_size": 3, "head_dim": 2, "num_query_heads": 2, "num_key_value_heads": 1}


def random_layer_classes():
    """Every layer class in minikeras.layers that takes a `seed` (AdditiveAttention passes it
    on through **kwargs)."""
    classes = [layers.AdditiveAttention]
    for name in sorted(dir(layers)):
        cls = getattr(layers, name)
        if inspect.isclass(cls) and issubclass(cls, Layer) and \
                "seed" in inspect.signature(cls).parameters:
            classes.append(cls)
    return classes


REQUIRED_FOR = {"RandomPosterization": {"factor": 4}}  # bits: a factor in [1, 8]


def make(cls, seed):
    parameters = inspect.signature(cls).parameters
    required = {name: REQUIRED_FOR.get(cls.__name__, REQUIRED).get(name, REQUIRED.get(name))
                for name, p in parameters.items()
                if p.default is inspect.Parameter.empty
                and p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD}
    return cls(**required, seed=seed)


def seed_generator_of(layer):
    """The layer's own, or for an RNN layer its cell's (where Keras keeps it too); the image
    augmentation layers call theirs `generator`, as Keras's do."""
    if isinstance(layer, layers.RNN):
        return layer.cell.seed_generator
    return getattr(layer, "seed_generator", None) or layer.generator


def test_the_random_layers_are_all_found():
    names = {cls.__name__ for cls in random_layer_classes()}
    assert {"Dropout", "SpatialDropout2D", "AlphaDropout", "GaussianNoise", "GaussianDropout",
            "Attention", "AdditiveAttention", "MultiHeadAttention", "LSTM", "GRUCell",
            "SimpleRNN"} <= names
    assert len(names) >= 16


@pytest.mark.parametrize("cls", random_layer_classes(), ids=lambda cls: cls.__name__)
def test_every_random_layer_draws_through_its_seed_generator(cls):
    seeded, unseeded = make(cls, 5), make(cls, None)
    generator = seed_generator_of(seeded)
    assert isinstance(generator, random.SeedGenerator)
    assert generator.seed == 5 and generator.owns_state
    assert not seed_generator_of(unseeded).owns_state
    if cls is not layers.SimpleRNN:                   # Keras's SimpleRNN config leaves it out
        assert seeded.get_config()["seed"] == 5


def bare_numpy_generators(layer):
    """Attributes of the layer (and its sublayers) that hold a numpy Generator directly."""
    found = []
    for path, value in [("", layer)] + [(f"/{n}", v) for n, v in vars(layer).items()]:
        if isinstance(value, np.random.Generator):
            found.append(path)
        elif isinstance(value, Layer) and value is not layer:
            found += [path + p for p in bare_numpy_generators(value)]
    return found


CALLS = [
    (layers.Dropout(0.5, seed=1), lambda l, x: l(x, training=True)),
    (layers.AlphaDropout(0.5, seed=1), lambda l, x: l(x, training=True)),
    (layers.GaussianNoise(0.5, seed=1), lambda l, x: l(x, training=True)),
    (layers.GaussianDropout(0.5, seed=1), lambda l, x: l(x, training=True)),
    (layers.SpatialDropout1D(0.5, seed=1), lambda l, x: l(x, training=True)),
    (layers.Attention(dropout=0.5, seed=1), lambda l, x: l([x, x], training=True)),
    (layers.MultiHeadAttention(2, 2, dropout=0.5, seed=1), lambda l, x: l(x, x, training=True)),
    (layers.LSTM(2, dropout=0.5, recurrent_dropout=0.5, seed=1),
     lambda l, x: l(x, training=True)),
]


@pytest.mark.parametrize("layer, call", CALLS, ids=lambda v: type(v).__name__)
def test_seeded_layers_draw_a_reproducible_sequence_and_hold_no_other_generator(layer, call):
    x = np.random.default_rng(0).normal(size=(2, 4, 6)).astype("float32")
    state = seed_generator_of(layer).state
    first, second = values(call(layer, x)), values(call(layer, x))
    assert not np.array_equal(first, second)
    seed_generator_of(layer).state = state
    np.testing.assert_array_equal(first, values(call(layer, x)))
    assert bare_numpy_generators(layer) == []


def test_unseeded_layers_follow_set_random_seed():
    x = np.ones((8, 10), "float32")
    layer = layers.Dropout(0.5)
    set_random_seed(4)
    first = values(layer(x, training=True))
    set_random_seed(4)
    np.testing.assert_array_equal(first, values(layer(x, training=True)))


# -- finding the generators: BackupAndRestore and gradient checks -----------------------------
def test_find_seed_generators_walks_sublayers_once_in_attribute_order():
    inner = layers.Dropout(0.5, seed=2)
    model = minikeras.Sequential([layers.Input((3, 4)), layers.TimeDistributed(inner),
                                  layers.LSTM(2, dropout=0.1, seed=3), layers.Dropout(0.2)])
    found = find_seed_generators(model, Layer, "model")
    assert [g.seed for g in found.values()] == [2, 3, None]
    assert all(path.startswith("model/") and path.endswith("/seed_generator") for path in found)
    assert found[next(iter(found))] is inner.seed_generator


def test_backup_state_restores_seeded_layer_generators():
    model = minikeras.Sequential([layers.Input((6,)), layers.Dropout(0.5, seed=3),
                                  layers.Dropout(0.5)])
    x = np.ones((4, 6), "float32")
    state = capture_random_state(model)
    (path,) = state["layers"]                         # the unseeded one lives in "global"
    assert path.startswith("model/") and path.endswith("/seed_generator")
    first = values(model(x, training=True))
    restore_random_state(model, state)
    np.testing.assert_array_equal(first, values(model(x, training=True)))


def test_backups_written_before_seed_generators_still_restore():
    """Backups from before SeedGenerator name a layer's generator `.../_generator`."""
    model = minikeras.Sequential([layers.Input((6,)), layers.Dropout(0.5, seed=3)])
    x = np.ones((4, 6), "float32")
    state = capture_random_state(model)
    (path, layer_state), = state["layers"].items()
    state["layers"] = {path.rsplit("/", 1)[0] + "/_generator": layer_state}
    first = values(model(x, training=True))
    restore_random_state(model, state)
    np.testing.assert_array_equal(first, values(model(x, training=True)))


def test_layer_gradient_check_replays_the_masks_of_sublayers(float64):
    layer = layers.TimeDistributed(layers.Dropout(0.5, seed=1))
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    assert layer_gradient_check(layer, x, training=True) < 1e-7
