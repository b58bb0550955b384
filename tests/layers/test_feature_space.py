"""keras.utils.FeatureSpace: adapt on a dict of arrays, encode dicts (concat / dict), the
symbolic inputs and encoded features, errors, Keras's config and `.keras` round trips.

Keras's config comes from tests/data/keras3_feature_space.py; the values of the categorical,
hashed and discretized types and of a cross from tests/data/keras3_feature_space_values.py
(Keras on TensorFlow, which those layers need there)."""
import json
import pathlib

import numpy as np
import pytest

import minikeras as keras
from minikeras import layers
from minikeras.layers.preprocessing.feature_space import TFDIdentity

FeatureSpace = keras.utils.FeatureSpace
KERAS_CONFIG = pathlib.Path(__file__).parents[1] / "data" / "keras3_feature_space.json"

DATA = {"z": [0.0, 0.1, 0.2, 0.3], "b": [1.0, 2.0, 3.0, 5.0], "c": [10.0, 20.0, 30.0, 40.0]}


def _space(output_mode="concat"):
    return FeatureSpace({"z": "float", "b": "float_normalized",
                         "c": FeatureSpace.float_rescaled(scale=2.0, offset=1.0)},
                        output_mode=output_mode)


def _expected():
    b = np.asarray(DATA["b"])
    return {"b": (b - b.mean()) / b.std(), "c": np.asarray(DATA["c"]) * 2 + 1,
            "z": np.asarray(DATA["z"])}


def test_concat_encodes_in_sorted_name_order():
    space = _space()
    space.adapt(DATA)
    out = np.asarray(space(DATA))
    assert out.shape == (4, 3) and out.dtype == np.float32
    expected = _expected()
    np.testing.assert_allclose(out, np.stack([expected[k] for k in ("b", "c", "z")], axis=1),
                               rtol=1e-5, atol=1e-6)


def test_dict_mode_and_single_samples():
    space = _space("dict")
    space.adapt(DATA)
    out = space(DATA)
    assert sorted(out) == ["b", "c", "z"]
    for key, values in _expected().items():
        assert tuple(out[key].shape) == (4, 1)
        np.testing.assert_allclose(np.asarray(out[key])[:, 0], values, rtol=1e-5, atol=1e-6)
    one = space({"z": 0.5, "b": 2.75, "c": 1.0})  # a sample of scalars: no batch axis
    assert {key: tuple(value.shape) for key, value in one.items()} == {
        "b": (1,), "c": (1,), "z": (1,)}
    concat = _space()
    concat.adapt(DATA)
    np.testing.assert_allclose(np.asarray(concat({"z": 0.5, "b": 2.75, "c": 1.0})),
                               [0.0, 3.0, 0.5], atol=1e-6)
    np.testing.assert_allclose(np.asarray(concat({k: np.asarray(v)[:, None]
                                                  for k, v in DATA.items()})),
                               np.asarray(concat(DATA)))


def test_adapt_on_batches_matches_adapt_on_the_whole():
    whole, batched = _space(), _space()
    whole.adapt(DATA)
    batched.adapt([{k: v[:2] for k, v in DATA.items()}, {k: v[2:] for k, v in DATA.items()}])
    np.testing.assert_allclose(np.asarray(batched(DATA)), np.asarray(whole(DATA)), rtol=1e-5)


def test_adapt_is_required_only_with_adaptable_preprocessors():
    space = _space()
    with pytest.raises(ValueError, match=r"call `.adapt\(dataset\)`"):
        space(DATA)
    plain = FeatureSpace({"z": "float", "c": "float_rescaled"})
    np.testing.assert_allclose(np.asarray(plain(DATA)),
                               np.stack([DATA["c"], DATA["z"]], axis=1), rtol=1e-6)
    fixed = FeatureSpace({"b": FeatureSpace.feature(
        "float32", layers.Normalization(mean=2.0, variance=4.0), "float")})
    np.testing.assert_allclose(np.asarray(fixed({"b": [4.0]})), [[1.0]])


def test_inputs_and_encoded_features_build_a_functional_model():
    space = _space()
    space.adapt(DATA)
    inputs = space.get_inputs()
    assert sorted(inputs) == ["b", "c", "z"]
    assert all(tuple(tensor.shape) == (None, 1) for tensor in inputs.values())
    encoded = space.get_encoded_features()
    assert tuple(encoded.shape) == (None, 3)
    model = keras.Model(inputs, encoded)
    np.testing.assert_allclose(
        np.asarray(model({k: np.asarray(v, "float32")[:, None] for k, v in DATA.items()})),
        np.asarray(space(DATA)), rtol=1e-6)
    assert set(space.preprocessors) == {"b", "c", "z"}
    assert isinstance(space.preprocessors["b"], layers.Normalization)
    assert isinstance(space.preprocessors["z"], TFDIdentity)


def test_bad_arguments_and_data():
    with pytest.raises(ValueError, match="cannot be None or empty"):
        FeatureSpace({})
    with pytest.raises(ValueError, match="Invalid feature type: floaty"):
        FeatureSpace({"a": "floaty"})
    with pytest.raises(ValueError, match="Expected one of {'dict', 'concat'}"):
        FeatureSpace({"a": "float"}, output_mode="stack")
    with pytest.raises(ValueError, match="Received unknown features"):
        FeatureSpace({"a": "float"}, crosses=[("a", "nope")])
    with pytest.raises(ValueError, match="Expected one of {'int', 'one_hot', 'float'}"):
        FeatureSpace.feature("float32", layers.Rescaling(1.0), "multi_hot")
    with pytest.raises(ValueError, match="Expected one of {'int', 'one_hot'}"):
        FeatureSpace.cross(("a", "b"), 8, output_mode="float")
    space = FeatureSpace({"a": "float"})
    with pytest.raises(ValueError, match="can only be called with a dict"):
        space([1.0, 2.0])
    with pytest.raises(ValueError, match=r"no values for features \['a'\]"):
        space({"b": [1.0]})
    with pytest.raises(ValueError, match="dict of arrays"):
        _space().adapt(np.zeros(3))
    with pytest.raises(ValueError, match="feature 'b' is missing"):
        _space().adapt({"z": [1.0]})
    one_hot_float = FeatureSpace({"a": FeatureSpace.feature("float32", layers.Rescaling(1.0),
                                                            "one_hot")})
    with pytest.raises(ValueError, match="should return an integer dtype"):
        one_hot_float({"a": [1.0]})
    int_concat = FeatureSpace({"a": FeatureSpace.feature("int32", TFDIdentity(), "int")})
    with pytest.raises(ValueError, match="Cannot concatenate features because feature 'a'"):
        int_concat({"a": np.array([1, 2], "int32")})
    int_dict = FeatureSpace({"a": FeatureSpace.feature("int32", TFDIdentity(), "int")},
                            output_mode="dict")
    np.testing.assert_array_equal(np.asarray(int_dict({"a": np.array([1, 2], "int32")})["a"]),
                                  [[1], [2]])


KERAS_VALUES = json.loads((pathlib.Path(__file__).parents[1] / "data" /
                           "keras3_feature_space_values.json").read_text())


def _keras_data():
    return {key: np.array(value) for key, value in KERAS_VALUES["data"].items()}


def test_categorical_types_and_crosses_match_keras():
    space = FeatureSpace(features={"float_values": "float_normalized",
                                   "string_values": "string_categorical",
                                   "int_values": "integer_categorical"},
                         crosses=[("string_values", "int_values")], output_mode="concat")
    space.adapt(_keras_data())
    np.testing.assert_allclose(np.asarray(space(_keras_data())), KERAS_VALUES["concat"],
                               atol=1e-6)


def test_hashed_and_discretized_types_match_keras():
    space = FeatureSpace(features={"float_values": FeatureSpace.float_discretized(num_bins=3),
                                   "string_values": FeatureSpace.string_hashed(num_bins=8),
                                   "int_values": FeatureSpace.integer_hashed(num_bins=8)},
                         output_mode="dict")
    space.adapt(_keras_data())
    out = space(_keras_data())
    for key, want in KERAS_VALUES["dict"].items():
        np.testing.assert_array_equal(np.asarray(out[key]), want, err_msg=key)


def test_keras_config_loads_and_is_written_back_the_same():
    keras_json = json.loads(KERAS_CONFIG.read_text())
    space = keras.utils.deserialize_keras_object(keras_json)
    assert isinstance(space, FeatureSpace) and space.output_mode == "dict"
    assert isinstance(space.preprocessors["a"], TFDIdentity)
    assert space.preprocessors["c"].name == "c_preprocessor"
    assert (space.preprocessors["c"].scale, space.preprocessors["c"].offset) == (2.0, 1.0)
    ours = json.loads(json.dumps(keras.utils.serialize_keras_object(space)))
    assert ours["config"] == keras_json["config"]
    assert (ours["module"], ours["class_name"]) == ("keras.utils", "FeatureSpace")


def test_config_round_trip_and_keras_file(tmp_path):
    space = _space()
    space.adapt(DATA)
    again = FeatureSpace.from_config(json.loads(json.dumps(space.get_config())))
    assert sorted(again.features) == ["b", "c", "z"] and again.output_mode == "concat"
    path = tmp_path / "space.keras"
    keras.saving.save_model(space, path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded, FeatureSpace)
    np.testing.assert_allclose(np.asarray(loaded(DATA)), np.asarray(space(DATA)), rtol=1e-6)


class _TinyLookup(layers.Layer):
    """A small adaptable integer lookup for the tests (index 0 = out of vocabulary), standing
    in for IntegerLookup: it exercises adapt, `vocabulary_size()` and one-hot encoding."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.vocabulary = None

    def adapt(self, data):
        self.vocabulary = np.unique(np.asarray(data)).astype("float32")

    def vocabulary_size(self):
        return len(self.vocabulary) + 1

    def call(self, inputs):
        from minikeras import ops
        matches = ops.cast(ops.equal(ops.cast(inputs, "float32"), self.vocabulary), "int32")
        positions = np.arange(1, len(self.vocabulary) + 1, dtype="int32")
        return ops.sum(matches * positions, axis=-1, keepdims=True)


def test_one_hot_of_an_integer_preprocessor_concat_and_symbolic():
    space = FeatureSpace({"z": "float",
                          "k": FeatureSpace.feature("int32", _TinyLookup(), "one_hot"),
                          "i": FeatureSpace.feature("int32", _TinyLookup(), "int")},
                         output_mode="dict")
    data = {"z": [0.5, 1.5, 2.5], "k": [7, 3, 7], "i": [4, 4, 9]}
    space.adapt(data)
    out = space(data)
    np.testing.assert_array_equal(np.asarray(out["k"]), [[0, 0, 1], [0, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(np.asarray(out["i"]), [[1], [1], [2]])
    assert np.asarray(space({"z": [0.0], "k": [5], "i": [4]})["k"]).tolist() == [[1, 0, 0]]

    concat = FeatureSpace({"z": "float",
                           "k": FeatureSpace.feature("int32", _TinyLookup(), "one_hot")})
    concat.adapt(data)
    np.testing.assert_array_equal(np.asarray(concat(data)),
                                  [[0, 0, 1, 0.5], [0, 1, 0, 1.5], [0, 0, 1, 2.5]])
    encoded = concat.get_encoded_features()
    assert tuple(encoded.shape) == (None, 4)
    model = keras.Model(concat.get_inputs(), encoded)
    np.testing.assert_array_equal(
        np.asarray(model({"z": np.array([[0.5]], "float32"), "k": np.array([[3]], "int32")})),
        [[0, 1, 0, 0.5]])
    assert np.asarray(concat({"z": 1.0, "k": 7})).tolist() == [0, 0, 1, 1.0]


def test_one_hot_needs_a_known_cardinality():
    unknown = FeatureSpace({"a": FeatureSpace.feature("int32", TFDIdentity(dtype="int32"),
                                                           "one_hot")})
    with pytest.raises(ValueError, match="dimensionality of its output space is not known"):
        unknown({"a": np.array([1], "int32")})
