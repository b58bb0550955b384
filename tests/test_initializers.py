"""Initializers: Keras's formulas and fans, statistics, seeding, configs and lookup."""
import math

import numpy as np
import pytest

from minikeras import initializers as I
from minikeras.backend import config
from minikeras.utils import set_random_seed


# -- fans ----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((784, 512), (784, 512)),
    ((5, 4, 6), (20, 30)),                  # Conv1D kernel (k, in, out)
    ((3, 3, 16, 32), (144, 288)),           # Conv2D kernel (kh, kw, in, out)
    ((2, 3, 4, 5, 6), (120, 144)),          # Conv3D kernel
])
def test_compute_fans(shape, fans):
    assert I.compute_fans(shape) == fans


def test_compute_fans_with_explicit_axes():
    assert I.compute_fans((2, 3, 4, 5), input_axes=[0, 2], output_axes=[3]) == (8, 5)


# -- limits and standard deviations by formula -------------------------------------------------
@pytest.mark.parametrize("cls, shape, limit", [
    (I.GlorotUniform, (784, 512), math.sqrt(6 / (784 + 512))),       # 0.06804
    (I.GlorotUniform, (3, 3, 16, 32), 0.11785113019775792),          # Keras: 0.1179
    (I.HeUniform, (64, 10), math.sqrt(6 / 64)),
    (I.LecunUniform, (3, 3, 8, 4), math.sqrt(3 / 72)),
    (lambda seed: I.VarianceScaling(2.5, "fan_out", "uniform", seed=seed), (30, 40),
     math.sqrt(3 * 2.5 / 40)),
])
def test_uniform_variants_fill_their_limit(cls, shape, limit):
    w = cls(seed=0)(shape)
    assert w.dtype == np.float32 and w.shape == shape
    assert np.abs(w).max() <= limit
    assert np.abs(w).max() > 0.99 * limit                 # the whole range is used
    assert w.std() == pytest.approx(limit / math.sqrt(3), rel=0.05)


@pytest.mark.parametrize("cls, shape, stddev", [
    (I.GlorotNormal, (300, 500), math.sqrt(2 / 800)),
    (I.HeNormal, (3, 3, 32, 64), math.sqrt(2 / 288)),
    (I.LecunNormal, (400, 100), math.sqrt(1 / 400)),
    (lambda seed: I.VarianceScaling(3.0, "fan_avg", "truncated_normal", seed=seed), (200, 600),
     math.sqrt(3 / 400)),
])
def test_truncated_variants_have_the_intended_stddev(cls, shape, stddev):
    w = cls(seed=1)(shape)
    # Keras divides by 0.87962566 (the stddev of a unit normal cut at +-2), so the values
    # themselves end up with the formula's stddev and never pass 2 * stddev / 0.8796.
    assert w.std() == pytest.approx(stddev, rel=0.03)
    assert np.abs(w).max() < 2 * stddev / 0.87962566103423978
    assert abs(w.mean()) < 0.05 * stddev


def test_untruncated_variance_scaling():
    w = I.VarianceScaling(2.0, "fan_in", "untruncated_normal", seed=2)((500, 400))
    assert w.std() == pytest.approx(math.sqrt(2 / 500), rel=0.02)
    assert np.abs(w).max() > 3 * math.sqrt(2 / 500)       # tails are kept


def test_random_normal_uniform_truncated_parameters():
    n = I.RandomNormal(mean=2.0, stddev=0.5, seed=3)((200, 500))
    assert n.mean() == pytest.approx(2.0, abs=0.01) and n.std() == pytest.approx(0.5, rel=0.01)
    u = I.RandomUniform(minval=-1.0, maxval=3.0, seed=3)((200, 500))
    assert u.min() >= -1.0 and u.max() < 3.0
    assert u.mean() == pytest.approx(1.0, abs=0.02)
    t = I.TruncatedNormal(mean=1.0, stddev=0.5, seed=3)((200, 500))
    assert t.min() > 0.0 and t.max() < 2.0
    assert t.std() == pytest.approx(0.5 * 0.87962566, rel=0.01)


def test_defaults_are_keras_defaults():
    assert I.RandomNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    assert I.RandomUniform().get_config() == {"seed": None, "minval": -0.05, "maxval": 0.05}
    assert I.TruncatedNormal().get_config() == {"seed": None, "mean": 0.0, "stddev": 0.05}
    vs = I.VarianceScaling()
    assert (vs.scale, vs.mode, vs.distribution) == (1.0, "fan_in", "truncated_normal")
    assert I.Constant().value == 0.0
    assert I.Orthogonal().gain == 1.0


# -- orthogonal, identity, constants --------------------------------------------------------
@pytest.mark.parametrize("shape", [(6, 6), (10, 4), (4, 10), (3, 3, 4, 8)])
def test_orthogonal(shape):
    w = I.Orthogonal(gain=2.0, seed=4)(shape).astype(np.float64)
    assert w.shape == shape
    m = w.reshape(-1, shape[-1]) / 2.0
    if m.shape[0] >= m.shape[1]:
        np.testing.assert_allclose(m.T @ m, np.eye(m.shape[1]), atol=1e-6)
    else:
        np.testing.assert_allclose(m @ m.T, np.eye(m.shape[0]), atol=1e-6)


def test_identity_and_constants():
    np.testing.assert_array_equal(I.Identity(gain=3.0)((2, 3)), [[3, 0, 0], [0, 3, 0]])
    assert I.Identity()((2, 2)).dtype == np.float32
    np.testing.assert_array_equal(I.Constant(1.5)((2, 2)), np.full((2, 2), 1.5))
    np.testing.assert_array_equal(I.Constant([1.0, 2.0])((3, 2)), [[1, 2]] * 3)
    assert I.Zeros()((2,), dtype="int32").dtype == np.int32
    np.testing.assert_array_equal(I.Ones()((2, 3)), np.ones((2, 3)))
    assert I.Ones()((3,)).dtype == np.float32


def test_dtype_follows_floatx_and_argument():
    assert I.GlorotUniform(seed=0)((3, 4), dtype="float64").dtype == np.float64
    assert I.HeNormal(seed=0)((3, 4), dtype="float16").dtype == np.float16
    config.set_floatx("float64")
    try:
        assert I.RandomNormal(seed=0)((2, 2)).dtype == np.float64
        assert I.Zeros()((2,)).dtype == np.float64
    finally:
        config.set_floatx("float32")


# -- seeding ----------------------------------------------------------------------------------
def test_seeded_initializer_repeats_its_values_like_keras():
    init = I.GlorotUniform(seed=7)
    np.testing.assert_array_equal(init((4, 5)), init((4, 5)))
    np.testing.assert_array_equal(init((4, 5)), I.GlorotUniform(seed=7)((4, 5)))
    assert not np.array_equal(init((4, 5)), I.GlorotUniform(seed=8)((4, 5)))


def test_unseeded_instance_also_repeats_but_instances_differ():
    # Keras 3 fixes an unseeded initializer's seed when it is constructed.
    init = I.RandomNormal()
    np.testing.assert_array_equal(init((3, 3)), init((3, 3)))
    assert not np.array_equal(I.RandomNormal()((3, 3)), I.RandomNormal()((3, 3)))


def test_set_random_seed_makes_unseeded_init_reproducible():
    def draw():
        return [I.get(name)((5, 6)) for name in ("glorot_uniform", "he_normal", "orthogonal",
                                                  "uniform", "truncated_normal")]
    set_random_seed(123)
    first = draw()
    set_random_seed(123)
    second = draw()
    set_random_seed(124)
    third = draw()
    for a, b, c in zip(first, second, third):
        np.testing.assert_array_equal(a, b)
        assert not np.array_equal(a, c)


# -- configs and lookup -----------------------------------------------------------------------
def test_serialize_matches_keras_3():
    # Dicts produced by keras.initializers.serialize in keras 3.15.1.
    assert I.serialize(I.GlorotUniform()) == {
        "module": "keras.initializers", "class_name": "GlorotUniform",
        "config": {"seed": None, "input_axes": None, "output_axes": None},
        "registered_name": None}
    assert I.serialize(I.RandomNormal(seed=3))["config"] == {"seed": 3, "mean": 0.0,
                                                            "stddev": 0.05}
    assert I.serialize(I.VarianceScaling())["config"] == {
        "seed": None, "scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
        "input_axes": None, "output_axes": None}
    assert I.serialize(I.Zeros())["config"] == {}
    assert I.serialize(I.Constant(2.0))["config"] == {"value": 2.0}
    assert I.serialize(I.Orthogonal())["config"] == {"seed": None, "gain": 1.0}


@pytest.mark.parametrize("init", [
    I.Zeros(), I.Ones(), I.Constant(0.3), I.Identity(gain=2.0), I.RandomNormal(1.0, 2.0, seed=1),
    I.RandomUniform(-2.0, 2.0, seed=2), I.TruncatedNormal(0.5, 0.1, seed=3),
    I.VarianceScaling(2.0, "fan_avg", "uniform", seed=4), I.GlorotUniform(seed=5),
    I.GlorotNormal(seed=6), I.HeUniform(seed=7), I.HeNormal(seed=8), I.LecunUniform(seed=9),
    I.LecunNormal(seed=10), I.Orthogonal(gain=0.5, seed=11),
])
def test_config_round_trip(init):
    clone = I.deserialize(I.serialize(init))
    assert type(clone) is type(init)
    assert clone.get_config() == init.get_config()
    np.testing.assert_array_equal(clone((4, 4)), init((4, 4)))
    assert type(init).from_config(init.get_config()).get_config() == init.get_config()


@pytest.mark.parametrize("name, cls", [
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform),
    ("glorot_normal", I.GlorotNormal), ("he_uniform", I.HeUniform), ("he_normal", I.HeNormal),
    ("lecun_uniform", I.LecunUniform), ("lecun_normal", I.LecunNormal),
    ("zeros", I.Zeros), ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones),
    ("constant", I.Constant), ("identity", I.Identity), ("IdentityInitializer", I.Identity),
    ("orthogonal", I.Orthogonal), ("OrthogonalInitializer", I.Orthogonal),
    ("uniform", I.RandomUniform), ("random_uniform", I.RandomUniform),
    ("normal", I.RandomNormal), ("random_normal", I.RandomNormal),
    ("truncated_normal", I.TruncatedNormal), ("variance_scaling", I.VarianceScaling),
])
def test_get_by_name(name, cls):
    assert type(I.get(name)) is cls


def test_get_other_identifiers():
    assert I.get(None) is None
    assert isinstance(I.get(I.HeNormal), I.HeNormal)
    init = I.Ones()
    assert I.get(init) is init
    # Keras 2 style dict and the old "normal" distribution name.
    vs = I.get({"class_name": "VarianceScaling",
                "config": {"scale": 2.0, "mode": "fan_in", "distribution": "normal", "seed": None}})
    assert vs.distribution == "truncated_normal" and vs.scale == 2.0
    fn = I.get(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(fn((2, 3)), np.arange(6.0).reshape(2, 3))
    assert fn((2, 3)).dtype == np.float32
    with pytest.raises(ValueError, match=r"Expected `shape` to be \(2, 3\)"):
        fn((3, 2))


def test_snake_case_aliases_are_the_classes():
    assert I.glorot_uniform is I.GlorotUniform and I.he_normal is I.HeNormal
    assert I.random_uniform is I.RandomUniform and I.orthogonal is I.Orthogonal


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot'\..*Did you mean 'glorot_normal' or 'glorot_uniform'.*Valid initializers: "
                                         r".*'glorot_uniform'"):
        I.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret initializer identifier: 3"):
        I.get(3)
    with pytest.raises(ValueError, match=r"`scale` must be a positive float, received scale=0"):
        I.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match=r"invalid `mode` 'fan_x'"):
        I.VarianceScaling(mode="fan_x")
    with pytest.raises(ValueError, match=r"invalid `distribution` 'gamma'"):
        I.VarianceScaling(distribution="gamma")
    with pytest.raises(ValueError, match=r"RandomNormal: `seed` must be an integer or None, "
                                         r"received seed='abc'"):
        I.RandomNormal(seed="abc")
    with pytest.raises(ValueError, match=r"at least two-dimensional, received shape=\(3,\)"):
        I.Orthogonal()((3,))
    with pytest.raises(ValueError, match=r"Identity initializer can only be used for 2D"):
        I.Identity()((2, 2, 2))
    with pytest.raises(ValueError, match=r"GlorotUniform: random values need a float dtype, "
                                         r"received dtype='int32'"):
        I.GlorotUniform()((2, 2), dtype="int32")
    with pytest.raises(ValueError, match=r"HeNormal: `shape` must be a tuple of non-negative "
                                         r"integers, received shape=\(2, -1\)"):
        I.HeNormal()((2, -1))


def test_identity_and_orthogonal_initializer_aliases_are_the_same_classes():
    # keras.initializers.IdentityInitializer is keras.initializers.Identity (Keras 3.15.1), so
    # configs still name "Identity" / "Orthogonal"
    from minikeras import initializers as inits
    assert inits.IdentityInitializer is inits.Identity
    assert inits.OrthogonalInitializer is inits.Orthogonal
    assert inits.serialize(inits.IdentityInitializer())["class_name"] == "Identity"
    assert isinstance(inits.get("OrthogonalInitializer"), inits.Orthogonal)
