"""Record Keras 3's FeatureSpace outputs for every categorical, hashed and discretized feature
type and a cross (they need TensorFlow: run in a venv with tensorflow-cpu + keras):

    /path/to/tfvenv/bin/python tests/data/keras3_feature_space_values.py

writes tests/data/keras3_feature_space_values.json, which tests/layers/test_feature_space.py
compares with minikeras."""
import json
import pathlib

import numpy as np
import tensorflow as tf
from keras.utils import FeatureSpace

OUT = pathlib.Path(__file__).with_name("keras3_feature_space_values.json")
data = {"float_values": np.array([0.0, 0.1, 0.2, 0.3, 0.4]),
        "string_values": np.array(["zero", "one", "two", "three", "four"]),
        "int_values": np.array([0, 1, 2, 3, 4])}
concat = FeatureSpace(features={"float_values": "float_normalized",
                                "string_values": "string_categorical",
                                "int_values": "integer_categorical"},
                      crosses=[("string_values", "int_values")], output_mode="concat")
concat.adapt(tf.data.Dataset.from_tensor_slices(data).batch(5))
by_name = FeatureSpace(features={"float_values": FeatureSpace.float_discretized(num_bins=3),
                                 "string_values": FeatureSpace.string_hashed(num_bins=8),
                                 "int_values": FeatureSpace.integer_hashed(num_bins=8)},
                       output_mode="dict")
by_name.adapt(tf.data.Dataset.from_tensor_slices(data).batch(5))
OUT.write_text(json.dumps({
    "data": {k: v.tolist() for k, v in data.items()},
    "concat": np.asarray(concat(data)).tolist(),
    "dict": {k: np.asarray(v).tolist() for k, v in by_name(data).items()}}) + "\n")
print(f"wrote {OUT}")
