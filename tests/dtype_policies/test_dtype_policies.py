"""`keras.dtype_policies` and layers under a policy: names, compute and variable dtypes,
`get` / `serialize` / `deserialize`, `DTypePolicyMap`'s lookups, and a mixed float16 model that
trains, saves and loads back (values noted from Keras 3.15 with the torch backend)."""
import numpy as np
import pytest

import minikeras
from minikeras import dtype_policies, layers


@pytest.fixture(autouse=True)
def _clear():
    yield
    minikeras.utils.clear_session()


@pytest.mark.parametrize("name, compute, variable", [
    ("float32", "float32", "float32"), ("float64", "float64", "float64"),
    ("mixed_float16", "float16", "float32"), ("mixed_bfloat16", "bfloat16", "float32"),
    ("float16", "float16", "float16"),
])
def test_policy_dtypes(name, compute, variable):
    policy = dtype_policies.DTypePolicy(name)
    assert (policy.name, policy.compute_dtype, policy.variable_dtype) == (name, compute, variable)
    assert policy.quantization_mode is None
    assert repr(policy) == f'<DTypePolicy "{name}">'


def test_public_names():
    assert minikeras.DTypePolicy is dtype_policies.DTypePolicy
    assert minikeras.FloatDTypePolicy is dtype_policies.FloatDTypePolicy
    assert dtype_policies.FloatDTypePolicy("float16") == dtype_policies.DTypePolicy("float16")
    assert repr(dtype_policies.FloatDTypePolicy("float16")) == '<DTypePolicy "float16">'


def test_bad_names():
    with pytest.raises(ValueError, match="Cannot convert 'foo' to a mixed precision"):
        dtype_policies.DTypePolicy("foo")
    with pytest.raises(TypeError, match="'name' must be a string"):
        dtype_policies.DTypePolicy(3)
    with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
        dtype_policies.get(3)


def test_get_serialize_deserialize():
    assert dtype_policies.get(None) == dtype_policies.DTypePolicy("float32")
    assert dtype_policies.get(np.float64).name == "float64"
    policy = dtype_policies.DTypePolicy("mixed_float16")
    assert dtype_policies.get(policy) is policy
    config = dtype_policies.serialize(policy)
    assert config == {"module": "keras", "class_name": "DTypePolicy",
                      "config": {"name": "mixed_float16"}, "registered_name": None}
    assert dtype_policies.deserialize(config) == policy
    assert dtype_policies.get(config) == policy


def test_policy_map_lookups():
    float16 = dtype_policies.DTypePolicy("float16")
    bfloat16 = dtype_policies.DTypePolicy("bfloat16")
    policy_map = dtype_policies.DTypePolicyMap(default_policy="float32")
    policy_map["encoder/layer_0/dense"] = bfloat16
    policy_map["encoder/.*"] = float16
    policy_map["decoder"] = "bfloat16"
    assert policy_map["encoder/layer_0/dense"].name == "bfloat16"
    assert policy_map["encoder/attention/query"].name == "float16"
    assert policy_map["decoder/attention"].name == "float32"
    assert policy_map.name == "map_float32" and len(policy_map) == 3
    assert "decoder" in policy_map
    policy_map["encoder/attention/.*"] = bfloat16
    with pytest.raises(ValueError, match="matches multiple dtype policy"):
        policy_map["encoder/attention/query"]
    with pytest.raises(ValueError, match="already exist"):
        policy_map["decoder"] = float16
    del policy_map["decoder"]
    assert "decoder" not in policy_map


def test_policy_map_round_trip():
    policy_map = dtype_policies.DTypePolicyMap("bfloat16", {"a": "float16"})
    config = dtype_policies.serialize(policy_map)
    assert config["module"] == "keras.dtype_policies"
    assert config["config"] == {"default_policy": "bfloat16", "policy_map": {"a": {
        "module": "keras", "class_name": "DTypePolicy", "config": {"name": "float16"},
        "registered_name": None}}}
    restored = dtype_policies.deserialize(config)
    assert restored["a"].name == "float16" and restored.default_policy.name == "bfloat16"


def test_layer_under_mixed_policy():
    layer = layers.Dense(2, dtype="mixed_float16")
    out = layer(np.ones((4, 3), "float32"))
    assert out.dtype == np.float16 and layer.kernel.dtype == np.float32
    assert (layer.dtype, layer.compute_dtype, layer.variable_dtype) == \
        ("float32", "float16", "float32")
    assert layer.dtype_policy == dtype_policies.DTypePolicy("mixed_float16")
    assert layer.get_config()["dtype"] == {"module": "keras", "class_name": "DTypePolicy",
                                           "config": {"name": "mixed_float16"},
                                           "registered_name": None}
    restored = layers.Dense.from_config(layer.get_config())
    assert restored.dtype_policy.name == "mixed_float16"


def test_layer_takes_policy_objects_and_float64():
    layer = layers.Dense(2, dtype=dtype_policies.DTypePolicy("float64"))
    assert layer(np.ones((1, 3), "float32")).dtype == np.float64
    assert layer.kernel.dtype == np.float64
    assert layers.Dense(2).get_config()["dtype"]["config"]["name"] == "float32"


def test_layer_symbolic_output_has_compute_dtype():
    x = layers.Input((3,))
    y = layers.Dense(2, dtype="mixed_float16")(x)
    assert y.dtype == "float16"


def test_layer_under_policy_map_uses_its_path():
    policy_map = dtype_policies.DTypePolicyMap("float32", {"special": "float64"})
    assert layers.Dense(2, dtype=policy_map, name="special").compute_dtype == "float64"
    assert layers.Dense(2, dtype=policy_map, name="other").compute_dtype == "float32"


def test_mixed_model_trains_saves_and_loads(tmp_path):
    minikeras.config.set_dtype_policy("mixed_float16")
    model = minikeras.Sequential([layers.Input((3,)), layers.Dense(4, activation="relu"),
                                  layers.Dense(1)])
    minikeras.config.set_dtype_policy(None)
    model.compile("adam", "mse")
    model.fit(np.ones((8, 3)), np.ones((8, 1)), epochs=1, verbose=0)
    assert all(weight.dtype == np.float32 for weight in model.weights)
    predicted = model.predict(np.ones((2, 3)), verbose=0)
    assert predicted.dtype == np.float16
    model.save(tmp_path / "m.keras")
    loaded = minikeras.models.load_model(tmp_path / "m.keras")
    assert loaded.layers[0].dtype_policy.name == "mixed_float16"
    np.testing.assert_array_equal(loaded.predict(np.ones((2, 3)), verbose=0), predicted)


def test_a_user_layer_given_a_policy_object_still_has_an_automatic_config():
    class Doubling(layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def call(self, x):
            return x * 2

    layer = Doubling(3, dtype=dtype_policies.DTypePolicy("mixed_float16"))
    config = layer.get_config()
    assert config["units"] == 3 and config["dtype"]["config"]["name"] == "mixed_float16"
    assert Doubling.from_config(config).dtype_policy.name == "mixed_float16"
